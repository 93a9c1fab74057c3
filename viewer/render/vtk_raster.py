"""3D adapter of a :class:`~viewer.core.layers.RasterLayer`: the terrain (a DEM) or a drape (imagery).

A DEM becomes a surface warped by its elevation and coloured with its style's ramp; big DEMs are
block-averaged (:class:`viewer.render.terrain.Terrain`). An image is draped over the scene's
terrain as a texture whose coordinates come from the image's geotransform; without a DEM it is a
flat textured plane at z = 0. Both are cut into the terrain's tiles, one actor each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from viewer.core.layers import RasterLayer
from viewer.core.style import Style, ramp_colors
from viewer.render.terrain import Terrain
from viewer.render.vtk_layer import COLORS, VtkLayer, colored_actor, triangle_mesh

MAX_TEXTURE_SIZE = 4096
"""Largest texture side; bigger images are thinned (software OpenGL and most GPUs take 4096)."""


@dataclass
class PreparedRaster:
    """The tiles of a raster layer (made off the GUI thread).

    Attributes
    ----------
    meshes
        One pyvista PolyData per terrain tile.
    texture
        The image of a drape, None for a DEM.
    elevation, tile_ids
        A DEM's elevation at every vertex of the grid and each tile's vertices in it (to
        recolour the tiles with one ramp over the whole terrain).
    """

    meshes: list[Any]
    texture: Any = None
    elevation: np.ndarray | None = None
    tile_ids: list[np.ndarray] = field(default_factory=list)


class VtkRasterLayer(VtkLayer):
    """Draws a DEM as the terrain surface or an image draped on the terrain.

    Which one is decided by ``layer.role`` through :attr:`preparers`; an unknown role is draped
    like an image. Both are drawn as tiles of the terrain grid (:meth:`Terrain.blocks`), so that
    a street-level view draws only the tiles near it.
    """

    layer: RasterLayer

    @property
    def follows_terrain(self) -> bool:  # type: ignore[override]
        """A drape follows the terrain; a DEM is its own surface."""
        return self.layer.role != "dem"

    @property
    def preparers(self) -> dict[str, Callable[[Terrain | None], PreparedRaster]]:
        """Role -> method preparing the tiles (worker thread)."""
        return {"dem": self._prepare_dem, "image": self._prepare_image}

    def work(self) -> int:
        """Cells of the raster."""
        return 0 if self.layer.data is None else int(np.asarray(self.layer.data).size)

    def prepare(self, terrain: Terrain | None) -> PreparedRaster | None:
        if self.layer.data is None or self.layer.data.size == 0:
            return None
        return self.preparers.get(self.layer.role, self._prepare_image)(terrain)

    def build(self, prepared: PreparedRaster | None) -> None:
        self._prepared = prepared
        self._meshes: list[Any] = [] if prepared is None else prepared.meshes
        for mesh in self._meshes:
            self.add_actor(colored_actor(mesh, "point", closed=True) if prepared.texture is None
                           else _draped_actor(mesh, prepared.texture))

    # -- DEM ----------------------------------------------------------------------------------
    def _prepare_dem(self, terrain: Terrain | None) -> PreparedRaster:
        if terrain is None or terrain.source_id != self.layer.id:
            terrain = Terrain.from_dem(self.layer)
        points, elevation, normals = terrain.points(), terrain.z.ravel(), terrain.normals()
        colors = _dem_rgb(elevation, self.layer.style)  # one ramp over the whole grid
        meshes, tile_ids = [], []
        for ids, triangles in terrain.blocks():
            mesh = triangle_mesh(points[ids], triangles)
            mesh.point_data["Normals"] = normals[ids]
            mesh.point_data.active_normals_name = "Normals"
            mesh.point_data[COLORS] = colors[ids]
            meshes.append(mesh)
            tile_ids.append(ids)
        return PreparedRaster(meshes, None, elevation, tile_ids)

    def apply_style(self, style: Style) -> None:
        """Recolour the terrain with the new ramp; drapes are rebuilt (their colours are the texture)."""
        prepared = getattr(self, "_prepared", None)
        if self.layer.role == "dem" and prepared is not None and prepared.elevation is not None:
            colors = _dem_rgb(prepared.elevation, style)
            for mesh, ids in zip(prepared.meshes, prepared.tile_ids):
                mesh.point_data[COLORS] = colors[ids]
        elif self.layer.role != "dem":
            self.rebuild()

    # -- image drape ----------------------------------------------------------------------------
    def _prepare_image(self, terrain: Terrain | None) -> PreparedRaster:
        import pyvista as pv

        rgba, _ = image_rgba(self.layer)
        if terrain is not None:
            points = terrain.points()
            blocks = terrain.blocks()
        else:
            rows, cols = self.layer.shape
            a, b, c, d, e, f = self.layer.transform
            corners = np.array([[0, 0], [cols, 0], [cols, rows], [0, rows]], dtype=np.float64)
            points = np.column_stack([a * corners[:, 0] + b * corners[:, 1] + c,
                                      d * corners[:, 0] + e * corners[:, 1] + f, np.zeros(4)])
            blocks = [(np.arange(4), np.array([[0, 3, 2], [0, 2, 1]]))]
        u, v = self._texture_uv(points)
        inside = (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
        meshes = []
        for ids, triangles in blocks:
            triangles = triangles[inside[ids][triangles].any(axis=1)]
            if len(triangles) == 0:
                continue
            mesh = triangle_mesh(points[ids], triangles)
            mesh.active_texture_coordinates = np.column_stack([u[ids], v[ids]])
            meshes.append(mesh)
        texture = pv.Texture(np.ascontiguousarray(rgba))  # pyvista puts row 0 at v = 1
        texture.SetInterpolate(True)
        texture.SetRepeat(False)
        texture.SetEdgeClamp(True)
        return PreparedRaster(meshes, texture)

    def _texture_uv(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Texture coordinates (u right, v up) of world points in this image."""
        a, b, c, d, e, f = self.layer.transform
        det = a * e - b * d
        x, y = points[:, 0] - c, points[:, 1] - f
        col = (e * x - b * y) / det
        row = (-d * x + a * y) / det
        rows, cols = self.layer.shape
        return col / cols, 1.0 - row / rows

    # -- picking ------------------------------------------------------------------------------
    def feature_at(self, actor: Any, cell_id: int, position: tuple[float, float, float]) -> int | None:
        """The raster cell (row * cols + col) under the picked point."""
        cell = self.layer.cell_of(position[0], position[1])
        if cell is None:
            return None
        return cell[0] * self.layer.shape[1] + cell[1]


def _dem_rgb(elevation: np.ndarray, style: Style) -> np.ndarray:
    return ramp_colors(elevation, style.ramp, style.vmin, style.vmax)[:, :3]


def _draped_actor(mesh: Any, texture: Any) -> Any:
    """An actor drawing ``mesh`` with ``texture``, pulled in front of the terrain it lies on."""
    from vtkmodules.vtkRenderingCore import vtkActor, vtkMapper, vtkPolyDataMapper

    mapper = vtkPolyDataMapper()
    mapper.SetInputData(mesh)
    mapper.ScalarVisibilityOff()
    # Same vertices as the terrain: pull the drape towards the eye in depth so it wins.
    vtkMapper.SetResolveCoincidentTopologyToPolygonOffset()
    mapper.SetRelativeCoincidentTopologyPolygonOffsetParameters(-1.0, -4.0)
    actor = vtkActor()
    actor.SetMapper(mapper)
    # Mostly ambient: the image keeps its colours, a little diffuse still shows the relief.
    actor.GetProperty().SetAmbient(0.45)
    actor.GetProperty().SetDiffuse(0.6)
    actor.SetTexture(texture)
    return actor


def image_rgba(layer: RasterLayer) -> tuple[np.ndarray, int]:
    """(rows, cols, 4) uint8 colours of an image layer, thinned to :data:`MAX_TEXTURE_SIZE`.

    Three or more bands are read as RGB(A) (non-byte data stretched between its 2nd and 98th
    percentiles); one band is coloured with the layer style's ramp. No-data cells are transparent.
    Returns the colours and the thinning step.
    """
    step = max(1, -(-max(layer.shape) // MAX_TEXTURE_SIZE))
    data = np.asarray(layer.data)[:, ::step, ::step]
    bands = data.shape[0]
    invalid = np.zeros(data.shape[1:], dtype=bool)
    if layer.nodata is not None:
        invalid |= np.all(data == layer.nodata, axis=0)
    if np.issubdtype(data.dtype, np.floating):
        invalid |= ~np.all(np.isfinite(data), axis=0)
    if bands >= 3:
        rgb = np.stack([_to_byte(data[k], invalid) for k in range(3)], axis=-1)
        alpha = _to_byte(data[3], invalid) if bands >= 4 else np.full(invalid.shape, 255, np.uint8)
        rgba = np.dstack([rgb, alpha])
    else:
        style = layer.style
        values = np.where(invalid, np.nan, data[0].astype(np.float64))
        rgba = ramp_colors(values.ravel(), style.ramp, style.vmin, style.vmax).reshape(*values.shape, 4)
    rgba[invalid, 3] = 0
    return rgba, step


def _to_byte(band: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    if band.dtype == np.uint8:
        return band
    values = band.astype(np.float64)
    valid = values[~invalid & np.isfinite(values)]
    if valid.size == 0:
        return np.zeros(band.shape, dtype=np.uint8)
    lo, hi = np.percentile(valid, [2, 98])
    scaled = (np.nan_to_num(values, nan=lo) - lo) / (hi - lo if hi > lo else 1.0)
    return np.round(np.clip(scaled, 0, 1) * 255).astype(np.uint8)

