"""CSV tables with coordinates: a WKT column, or longitude/latitude (x/y) columns.

A CSV has no CRS of its own, so the CRS comes, in this order, from ``options.extra["crs"]``, the
``SRID=nnnn;`` prefix of EWKT values, columns *named* lon/lat whose values are all degrees
(EPSG:4326), ``options.default_crs``; otherwise :class:`MissingCRS` is raised. Columns named x/y
are never taken for degrees: that would be a guess.

``options.extra`` may name the columns: ``"wkt"``, or ``"x"`` and ``"y"``; and ``"delimiter"``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np

from viewer.core.layers import Layer
from viewer.core.progress import Progress
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.errors import EmptyFile, MissingCRS, ReadError
from viewer.readers.frames import drop_empty, frame_to_layer, settle_crs
from viewer.readers.registry import ReadOptions, register_reader

WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "wkt_geom")
LON_COLUMNS = ("lon", "lng", "long", "longitude")
LAT_COLUMNS = ("lat", "latitude")
_WKT_VALUE = re.compile(
    r"^\s*(SRID=\d+;)?\s*((MULTI)?(POINT|LINESTRING|POLYGON)|GEOMETRYCOLLECTION)", re.IGNORECASE)
_SRID = re.compile(r"^\s*SRID=(\d+);", re.IGNORECASE)


def _read_table(path: Path, options: ReadOptions) -> Any:
    import pandas as pd

    with open(path, "rb") as handle:
        head = handle.read(65536)
    delimiter = options.extra.get("delimiter")
    if delimiter is None:
        try:
            sample = head.decode("utf-8", errors="replace")
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        return pd.read_csv(path, sep=delimiter, encoding="utf-8-sig", low_memory=False)
    except UnicodeDecodeError:
        return pd.read_csv(path, sep=delimiter, encoding="latin-1", low_memory=False)


def _column(frame: Any, names: tuple[str, ...]) -> str | None:
    lower = {str(c).lower().strip(): c for c in frame.columns}
    for name in names:
        if name in lower:
            return lower[name]
    return None


def _sniff_wkt_column(frame: Any) -> str | None:
    import pandas as pd

    for column in frame.columns:
        values = frame[column].dropna()
        textual = pd.api.types.is_string_dtype(values.dtype) or values.dtype == object
        if len(values) and textual:
            if all(_WKT_VALUE.match(str(v)) for v in values.head(5)):
                return column
    return None


def _from_wkt(frame: Any, column: str, path: Path) -> tuple[Any, str | None]:
    """GeoDataFrame from the WKT/EWKT ``column``; the CRS when the values carry one SRID."""
    import geopandas as gpd
    import shapely

    text = frame[column].astype("string").fillna("")
    srids = {int(s) for s in text.str.extract(_SRID, expand=False).dropna().unique()}
    if len(srids) > 1:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "column '{column}' mixes SRIDs {srids}"),
                        column=column,
                        srids=sorted(srids))
    plain = text.str.replace(_SRID, "", regex=True).to_numpy(dtype=object)
    plain[plain == ""] = None
    geometry = shapely.from_wkt(plain, on_invalid="ignore")
    rest = frame.drop(columns=[column])
    crs = f"EPSG:{srids.pop()}" if srids else None
    return gpd.GeoDataFrame(rest, geometry=gpd.GeoSeries(geometry, index=rest.index)), crs


def _from_xy(frame: Any, x: str, y: str, degrees_by_name: bool) -> tuple[Any, str | None]:
    """GeoDataFrame of points; EPSG:4326 when the columns are named lon/lat and hold degrees."""
    import geopandas as gpd
    import pandas as pd

    xs = pd.to_numeric(frame[x], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ys = pd.to_numeric(frame[y], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(xs) & np.isfinite(ys)
    geometry = gpd.points_from_xy(np.where(ok, xs, 0.0), np.where(ok, ys, 0.0))
    geometry[~ok] = None
    crs = None
    if degrees_by_name and ok.any():
        in_range = (np.abs(xs[ok]) <= 180.0).all() and (np.abs(ys[ok]) <= 90.0).all()
        crs = "EPSG:4326" if in_range else None
    return gpd.GeoDataFrame(frame, geometry=geometry), crs


def _find_geometry_columns(frame: Any) -> tuple[str | None, str | None, str | None]:
    """``(wkt, x, y)`` column names, by preference: a WKT column by name, lon/lat columns, a
    column whose values are WKT, x/y columns."""
    wkt = _column(frame, WKT_COLUMNS)
    if wkt is not None:
        return wkt, None, None
    lon, lat = _column(frame, LON_COLUMNS), _column(frame, LAT_COLUMNS)
    if lon is not None and lat is not None:
        return None, lon, lat
    wkt = _sniff_wkt_column(frame)
    if wkt is not None:
        return wkt, None, None
    return None, _column(frame, ("x", "easting")), _column(frame, ("y", "northing"))


@register_reader("csv", ["*.csv", "*.tsv"], priority=0)
def read_csv(path: Path, options: ReadOptions, progress: Progress) -> list[Layer]:
    """Read a CSV table with a WKT column or coordinate columns as one layer.

    Raises
    ------
    ReadError
        When no geometry column can be found (name them in ``options.extra``).
    MissingCRS
        When the CRS cannot be known (see the module docstring).
    EmptyFile
        When no row has a geometry.
    """
    progress.update(0.0, "reading CSV")
    frame = _read_table(path, options)
    if len(frame) == 0:
        raise EmptyFile(path, QT_TRANSLATE_NOOP("ReadError", "the table has no rows"))
    progress.update(0.5, "making geometries")
    extra = options.extra
    wkt, x, y = extra.get("wkt"), extra.get("x"), extra.get("y")
    for given in (wkt, x, y):
        if given is not None and given not in frame.columns:
            raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "it has no column '{column}'"), column=given)
    if wkt is None and x is None:
        wkt, x, y = _find_geometry_columns(frame)
    by_name = x is not None and str(x).lower() in LON_COLUMNS and str(y).lower() in LAT_COLUMNS
    if wkt is not None:
        geo, crs = _from_wkt(frame, wkt, path)
    elif x is not None and y is not None:
        geo, crs = _from_xy(frame, x, y, by_name)
    else:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "no geometry column found (a WKT column, or "
                                                             "lon/lat or x/y "
                                                          "columns)"))
    geo, dropped = drop_empty(geo)
    if len(geo) == 0:
        raise EmptyFile(path, QT_TRANSLATE_NOOP("ReadError", "no row has a usable geometry"))
    crs = extra.get("crs") or crs
    try:
        crs = settle_crs(crs, path, options)
    except MissingCRS:
        raise MissingCRS(path, QT_TRANSLATE_NOOP("ReadError", "a CSV table states no coordinate reference "
                                                              "system (its "
                                                           "coordinates are not named lon/lat in degrees); "
                                                           "choose one to read it")) from None
    name = path.name.rsplit(".", 1)[0]
    source = {"path": str(path), "layer": name, "wkt": wkt, "x": x, "y": y}
    progress.update(0.9, "checking")
    return [frame_to_layer(geo, name, crs, options, source, dropped)]
