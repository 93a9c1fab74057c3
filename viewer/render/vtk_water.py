"""3D adapter of a :class:`~viewer.core.water_layer.WaterDepthLayer`: the water surface at the clock's time.

The wet cells of the shown frame become quads whose corners stand at the water level (``bed +
depth``, averaged over the wet cells around each corner, so the surface is smooth where the
water is), coloured by depth with the layer's ramp and drawn translucent over the terrain and the
buildings. A new frame rebuilds the surface off the GUI thread like any layer change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from viewer.core.style import ramp_colors
from viewer.core.water_layer import WET_M, WaterDepthLayer
from viewer.render.terrain import Terrain
from viewer.render.vtk_layer import COLORS, FEATURE, VtkLayer, colored_actor, triangle_mesh

LIFT_M = 0.05
"""The surface is drawn this much above the water level so a terrain at the same height does not
flicker through it."""
DEFAULT_OPACITY = 0.8


@dataclass
class PreparedWater:
    """The surface mesh of one frame (None when nothing is wet)."""

    mesh: Any


def water_surface(depth: np.ndarray, bed: np.ndarray, transform: tuple[float, ...],
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points (N, 3), triangles (K, 3), cell index per triangle) of the wet cells' surface.

    Corner levels are the mean water level of the wet cells that share the corner; only corners of
    wet cells are kept.
    """
    rows, cols = depth.shape
    wet = np.isfinite(depth) & (depth >= WET_M) & np.isfinite(bed)
    if not wet.any():
        return np.empty((0, 3)), np.empty((0, 3), np.int64), np.empty(0, np.int64)
    level = np.where(wet, bed + depth, 0.0)
    # Sum and count of the wet cells around each of the (rows+1, cols+1) corners.
    padded_level = np.pad(level, 1)
    padded_wet = np.pad(wet, 1).astype(np.float64)
    total = (padded_level[:-1, :-1] + padded_level[:-1, 1:] + padded_level[1:, :-1] + padded_level[1:, 1:])
    count = (padded_wet[:-1, :-1] + padded_wet[:-1, 1:] + padded_wet[1:, :-1] + padded_wet[1:, 1:])
    used = count > 0
    corner_z = np.where(used, total / np.maximum(count, 1), np.nan)
    ids = np.full(used.shape, -1, dtype=np.int64)
    ids[used] = np.arange(int(used.sum()))
    r, c = np.nonzero(used)
    a, b, x0, d, e, y0 = transform[:6]
    points = np.column_stack([a * c + b * r + x0, d * c + e * r + y0, corner_z[used] + LIFT_M])
    wr, wc = np.nonzero(wet)
    tl, tr, bl, br = ids[wr, wc], ids[wr, wc + 1], ids[wr + 1, wc], ids[wr + 1, wc + 1]
    triangles = np.concatenate([np.column_stack([tl, bl, br]), np.column_stack([tl, br, tr])])
    cells = np.tile(wr * cols + wc, 2)
    return points, triangles, cells


class VtkWaterLayer(VtkLayer):
    """Draws the shown frame of a water-depth layer as a translucent surface."""

    layer: WaterDepthLayer
    follows_terrain = False  # the surface stands on the layer's own bed

    def work(self) -> int:
        """Cells of the grid."""
        return int(np.asarray(self.layer.frames[0]).size)

    def prepare(self, terrain: Terrain | None) -> PreparedWater:
        depth = np.asarray(self.layer.data[0], dtype=np.float64)
        points, triangles, cells = water_surface(depth, np.asarray(self.layer.bed, np.float64),
                                                 self.layer.transform)
        if not len(triangles):
            return PreparedWater(None)
        mesh = triangle_mesh(points, triangles)
        mesh.cell_data[FEATURE] = cells
        mesh.cell_data[COLORS] = _depth_rgb(depth.ravel()[cells], self.layer.style)
        return PreparedWater(mesh)

    def build(self, prepared: PreparedWater) -> None:
        self._mesh = prepared.mesh
        if prepared.mesh is not None:
            self.add_actor(colored_actor(prepared.mesh, "cell"))

    def set_opacity(self, opacity: float) -> None:
        """The layer's opacity times the water's own translucency."""
        super().set_opacity(float(opacity) * DEFAULT_OPACITY)

    def apply_style(self, style: Any) -> None:
        """Recolour by depth with the new ramp."""
        self.rebuild()


def _depth_rgb(depth: np.ndarray, style: Any) -> np.ndarray:
    """uint8 RGB of each depth on the style's ramp over [vmin, vmax]."""
    vmin = 0.0 if style.vmin is None else float(style.vmin)
    vmax = 1.5 if style.vmax is None else float(style.vmax)
    scaled = np.clip((depth - vmin) / max(vmax - vmin, 1e-9), 0.0, 1.0)
    return ramp_colors(scaled, style.ramp or "water", 0.0, 1.0)[:, :3]
