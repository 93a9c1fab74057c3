"""Building footprints -> :class:`BuildingsLayer`, with one normalised ``height`` per building.

The height of each building comes from the first rule that gives a valid value (positive, at most
:data:`MAX_HEIGHT` metres):

1. a height attribute (``height``, ``height_m``, ``measuredHeight``, ``hoehe`` ...), strings like
   ``"12 m"`` or ``"12,5"`` parsed -> ``height_source == "height"``;
2. a height measured on a 3D model (CityJSON), when the reader passes one -> ``"model"``;
3. a storey count (``building:levels``, ``storeys``, ``so_tang`` ...) x ``options.storey_height``
   -> ``"storeys"``;
4. ``options.default_height`` -> ``"default"``, so assumed heights stay visible as such.

A table that already has a valid ``height`` with a ``height_source`` flag (one this module made,
saved in a project and read back) keeps both as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from viewer.core.layers import BuildingsLayer
from viewer.readers.registry import ReadOptions

#: Attribute names holding a height in metres, best first (compared case-insensitively).
HEIGHT_COLUMNS = ("height", "height_m", "measuredheight", "building:height", "bldg_height",
                  "hoehe", "chieu_cao", "chieucao")
#: Attribute names holding a number of storeys above ground, best first.
LEVEL_COLUMNS = ("building:levels", "building_levels", "levels", "storeys", "stories", "floors",
                 "num_floors", "nfloors", "so_tang", "sotang")
#: The flags of ``height_source``.
HEIGHT_SOURCES = ("height", "model", "storeys", "default")
#: Heights above this (metres) are data errors, not buildings.
MAX_HEIGHT = 1000.0
#: Storey counts above this are data errors.
MAX_LEVELS = 250.0

_BUILDING_NAME = re.compile(r"build|bldg|gebaeude|gebäude|toa_?nha")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_FEET = re.compile(r"(ft|feet|foot|')\s*$")


def find_columns(columns: Iterable[str], wanted: tuple[str, ...]) -> list[str]:
    """Columns of ``columns`` named like one of ``wanted`` (any case), in ``wanted``'s order."""
    by_lower: dict[str, str] = {}
    for column in columns:
        by_lower.setdefault(str(column).lower(), str(column))
    return [by_lower[name] for name in wanted if name in by_lower]


def looks_like_buildings(name: str, columns: Iterable[str]) -> bool:
    """Whether a polygon layer called ``name`` with ``columns`` holds buildings."""
    columns = list(columns)
    return bool(_BUILDING_NAME.search(name.lower())
                or find_columns(columns, HEIGHT_COLUMNS) or find_columns(columns, LEVEL_COLUMNS))


def parse_measure(values: Any) -> np.ndarray:
    """Numbers out of attribute values: ``12``, ``"12.5"``, ``"12,5 m"``, ``"40 ft"`` (-> metres).

    Anything without a number gives NaN. Lists such as OSM's ``"12;15"`` give their first number.
    """
    import pandas as pd

    series = pd.Series(values)
    numeric = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    numeric = np.array(numeric)  # writable: pandas may hand out a read-only view
    todo = np.isnan(numeric) & series.notna().to_numpy()
    if todo.any():
        for i in np.flatnonzero(todo):
            text = str(series.iloc[i]).strip().lower()
            match = _NUMBER.search(text)
            if match is None:
                continue
            value = float(match.group(0).replace(",", "."))
            if _FEET.search(text):
                value *= 0.3048
            numeric[i] = value
    return numeric


def _first_valid(frame: Any, columns: list[str], upper: float) -> np.ndarray:
    """Row-wise first value in ``columns`` that lies in (0, upper]; NaN where none does."""
    out = np.full(len(frame), np.nan)
    for column in columns:
        values = parse_measure(frame[column].to_numpy())
        ok = np.isnan(out) & np.isfinite(values) & (values > 0) & (values <= upper)
        out[ok] = values[ok]
    return out


def already_normalised(frame: Any) -> np.ndarray:
    """Rows that already carry a valid ``height`` with a ``height_source`` flag (per row)."""
    if "height" not in frame.columns or "height_source" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    values = parse_measure(frame["height"].to_numpy())
    valid = np.isfinite(values) & (values > 0) & (values <= MAX_HEIGHT)
    return valid & frame["height_source"].astype(str).isin(HEIGHT_SOURCES).to_numpy()


def building_heights(frame: Any, options: ReadOptions,
                     model_height: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(height, height_source)`` arrays for every row of ``frame`` (see the module docstring)."""
    n = len(frame)
    height = np.full(n, np.nan)
    source = np.full(n, "default", dtype=object)
    kept = already_normalised(frame)
    if kept.any():  # our own output read back (a saved project): keep its flags
        height[kept] = parse_measure(frame["height"].to_numpy())[kept]
        source[kept] = frame["height_source"].astype(str).to_numpy()[kept]

    def fill(values: np.ndarray, label: str) -> None:
        ok = np.isnan(height) & np.isfinite(values) & (values > 0) & (values <= MAX_HEIGHT)
        height[ok] = values[ok]
        source[ok] = label

    fill(_first_valid(frame, find_columns(frame.columns, HEIGHT_COLUMNS), MAX_HEIGHT), "height")
    if model_height is not None:
        fill(np.asarray(model_height, dtype=float), "model")
    levels = _first_valid(frame, find_columns(frame.columns, LEVEL_COLUMNS), MAX_LEVELS)
    fill(levels * float(options.storey_height), "storeys")
    rest = np.isnan(height)
    height[rest] = float(options.default_height)
    source[rest] = "default"
    return height, source


def as_buildings_layer(frame: Any, name: str, crs: str, options: ReadOptions,
                       model_height: np.ndarray | None = None) -> BuildingsLayer:
    """A BuildingsLayer from a GeoDataFrame of footprints, with ``height`` and ``height_source``.

    Parameters
    ----------
    frame
        Footprints (polygons) with any attributes; all columns are kept. An original ``height``
        column is kept as ``height_raw`` because ``height`` becomes the normalised float (unless
        it is already normalised, with ``height_source`` beside it).
    name
        Layer name.
    crs
        The frame's CRS as a string (``"EPSG:28992"``).
    options
        ``storey_height`` and ``default_height`` are used.
    model_height
        Heights measured on a 3D model, one per row (NaN where unknown), used after attributes.

    Returns
    -------
    BuildingsLayer
        With ``source`` left empty for the reader to fill.
    """
    frame = frame.copy()
    height, source = building_heights(frame, options, model_height)
    if "height" in frame.columns and not already_normalised(frame).any():
        frame = frame.rename(columns={"height": "height_raw"})
    geometry = frame.geometry.name
    frame["height"] = height.astype(float)
    frame["height_source"] = source.astype(str)
    # Keep the geometry last, as GIS tools show it.
    frame = frame[[c for c in frame.columns if c != geometry] + [geometry]].reset_index(drop=True)
    return BuildingsLayer(name=name, crs=crs, frame=frame)
