"""Layer styles and the colours they give each feature (pure numpy, shared by the 2D and 3D views)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

# Colour ramps as evenly spaced RGB stops; interpolated linearly.
RAMPS: dict[str, list[tuple[int, int, int]]] = {
    "viridis": [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)],
    "blues": [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)],
    "ylorrd": [(255, 255, 204), (254, 217, 118), (253, 141, 60), (227, 26, 28), (128, 0, 38)],
    "terrain": [(20, 60, 160), (60, 150, 200), (110, 180, 90), (200, 190, 120), (150, 110, 80),
                (250, 250, 250)],
    "gray": [(0, 0, 0), (255, 255, 255)],
    # flood depth: shallow water already reads as water (no white end)
    "water": [(120, 190, 235), (60, 140, 210), (25, 90, 175), (10, 45, 120)],
}

# Qualitative palette for categories (Tableau 10).
CATEGORY_COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                   "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]


@dataclass(frozen=True)
class Style:
    """How a layer is drawn. Immutable: change a style by assigning a new one to the layer.

    Parameters
    ----------
    kind
        ``"single"`` (one colour), ``"categorized"`` (a colour per value of ``field``) or
        ``"graduated"`` (a ramp over the numeric ``field``).
    field
        Attribute driving categorized and graduated styles.
    color, edge_color
        Fill and outline colours as ``#rrggbb``.
    ramp
        Name of a ramp in :data:`RAMPS` (graduated styles and rasters).
    vmin, vmax
        Ramp limits; None means the data's 2nd and 98th percentiles.
    categories
        Value -> colour for categorized styles; values not listed get palette colours.
    label_field
        Attribute shown as a text label, if any.
    fill
        Whether polygons are filled; False draws outlines only (boundaries).
    line_width, point_size
        In screen pixels.
    """

    kind: str = "single"
    field: str | None = None
    color: str = "#9aa5b1"
    edge_color: str = "#3c4650"
    ramp: str = "viridis"
    vmin: float | None = None
    vmax: float | None = None
    categories: dict[str, str] = dataclasses.field(default_factory=dict)
    label_field: str | None = None
    line_width: float = 1.0
    point_size: float = 8.0
    fill: bool = True

    def evolve(self, **changes: Any) -> Style:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the project manifest (None values left out)."""
        out = {k: v for k, v in self.__dict__.items() if v is not None}
        out["categories"] = dict(self.categories)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Style:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def hex_to_rgba(color: str, alpha: int = 255) -> tuple[int, int, int, int]:
    """``"#rrggbb"`` to an RGBA tuple of ints."""
    c = color.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha)


def ramp_colors(values: np.ndarray, ramp: str = "viridis", vmin: float | None = None,
                vmax: float | None = None) -> np.ndarray:
    """Map numeric ``values`` onto a ramp; returns (N, 4) uint8 RGBA, NaN values grey."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    lo, hi = value_range(values[finite], vmin, vmax)
    t = np.clip((values - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    stops = np.asarray(RAMPS.get(ramp, RAMPS["viridis"]), dtype=float)
    pos = np.linspace(0.0, 1.0, len(stops))
    rgb = np.stack([np.interp(np.nan_to_num(t), pos, stops[:, k]) for k in range(3)], axis=1)
    out = np.empty((len(values), 4), dtype=np.uint8)
    out[:, :3] = np.round(rgb).astype(np.uint8)
    out[:, 3] = 255
    out[~finite] = (160, 160, 160, 255)
    return out


def value_range(values: np.ndarray, vmin: float | None = None,
                vmax: float | None = None) -> tuple[float, float]:
    """Ramp limits: the given ones, else the 2nd and 98th percentiles of the finite values."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (0.0 if vmin is None else vmin, 1.0 if vmax is None else vmax)
    lo = float(np.percentile(values, 2)) if vmin is None else float(vmin)
    hi = float(np.percentile(values, 98)) if vmax is None else float(vmax)
    return lo, hi


def category_colors(values: np.ndarray, categories: dict[str, str]) -> tuple[np.ndarray, dict[str, str]]:
    """Colours for categorical values and the legend (value -> colour) actually used."""
    values = np.asarray(values, dtype=object)
    keys = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
    legend: dict[str, str] = {}
    for key in sorted(set(keys)):
        legend[key] = categories.get(key, CATEGORY_COLORS[len(legend) % len(CATEGORY_COLORS)])
    lut = {k: hex_to_rgba(c) for k, c in legend.items()}
    out = np.array([lut[k] for k in keys], dtype=np.uint8).reshape(len(keys), 4)
    return out, legend


def feature_colors(style: Style, columns: dict[str, np.ndarray] | Any, count: int) -> np.ndarray:
    """RGBA (count, 4) uint8 fill colours of ``count`` features under ``style``.

    ``columns`` maps attribute names to arrays (a DataFrame works).
    """
    if style.kind == "categorized" and style.field and style.field in columns:
        return category_colors(np.asarray(columns[style.field]), style.categories)[0]
    if style.kind == "graduated" and style.field and style.field in columns:
        values = np.asarray(columns[style.field], dtype=float)
        return ramp_colors(values, style.ramp, style.vmin, style.vmax)
    out = np.empty((count, 4), dtype=np.uint8)
    out[:] = hex_to_rgba(style.color)
    return out


STATUS_COLORS = {"normal": "#2f9e44", "warning": "#f08c00", "alarm": "#e03131", "stale": "#9e9e9e"}
"""Sensor station colours by status (2D and 3D): level normal, warning, alarm; stale (no data for
three expected intervals) overrides the level."""


def station_colors(levels: np.ndarray, stale: np.ndarray) -> np.ndarray:
    """(N, 3) uint8 RGB of stations with LEVEL_* ``levels`` (0, 1, 2) and ``stale`` flags."""
    palette = np.array([hex_to_rgba(STATUS_COLORS[name])[:3] for name in ("normal", "warning", "alarm")],
                       dtype=np.uint8)
    out = palette[np.clip(np.asarray(levels, dtype=np.int64), 0, 2)]
    out[np.asarray(stale, dtype=bool)] = hex_to_rgba(STATUS_COLORS["stale"])[:3]
    return out
