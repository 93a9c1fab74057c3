"""3D adapter of a :class:`~viewer.core.layers.VectorLayer`: lines, points and polygons on the terrain.

Lines (roads) are drawn as line segments a little above the terrain, densified to the terrain's
cell size so they follow it; points (facilities) as shaded sprites; polygons (water, boundaries)
as semi-transparent fills at terrain height with their outlines. Everything is built with
vectorised shapely calls, one VTK actor per kind of geometry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.core.layers import VectorLayer
from viewer.core.style import Style, feature_colors
from viewer.render.vtk_layer import (COLORS, FEATURE, HIGHLIGHT_RGB, VtkLayer, colored_actor, ground_of,
                                     plain_actor, rgb_of, triangle_mesh)

if TYPE_CHECKING:
    from viewer.render.labels import LabelCandidates
    from viewer.render.terrain import Terrain

LINE_LIFT, POINT_LIFT, FILL_LIFT, LABEL_LIFT = 1.0, 3.0, 0.3, 8.0
"""Metres above the terrain for lines, points, polygon fills and label anchors."""
FILL_OPACITY = 0.55
"""Opacity of polygon fills at layer opacity 1 (the terrain and roads show through)."""


class VtkVectorLayer(VtkLayer):
    """Draws a vector layer; each actor's mesh has a per-cell ``feature`` array for picking."""

    layer: VectorLayer

    def __init__(self, layer: VectorLayer, scene: Any) -> None:
        super().__init__(layer, scene)
        self._parts: dict[str, tuple[Any, Any]] = {}
        self._highlight: Any = None
        self._filled = True

    def prepare(self, terrain: Terrain | None) -> dict[str, Any]:
        """Meshes by part name ("fill", "outline", "line", "point"), and "labels"."""
        frame = self.layer.frame
        style = self.layer.style
        prepared: dict[str, Any] = {"filled": bool(getattr(style, "fill", True))}
        if frame is None or len(frame) == 0:
            return prepared
        import shapely

        parts, owner = flat_parts(np.asarray(frame.geometry.values, dtype=object))
        kind = shapely.get_type_id(parts)
        polygons = kind == 3
        lines = (kind == 1) | (kind == 2)
        points = kind == 0
        colors = self._feature_rgb(style)
        meshes: dict[str, Any] = {}
        if polygons.any():
            if prepared["filled"]:
                meshes["fill"] = _fill_mesh(parts[polygons], owner[polygons], terrain)
            rings, ring_owner = shapely.get_rings(parts[polygons], return_index=True)
            meshes["outline"] = _line_mesh(rings, owner[polygons][ring_owner], terrain)
        if lines.any():
            meshes["line"] = _line_mesh(parts[lines], owner[lines], terrain)
        if points.any():
            meshes["point"] = _point_mesh(parts[points], owner[points], terrain)
        for name, mesh in meshes.items():
            if mesh is not None:
                mesh.cell_data[COLORS] = self._part_rgb(name, np.asarray(mesh.cell_data[FEATURE]), colors, style)
        prepared["meshes"] = {name: mesh for name, mesh in meshes.items() if mesh is not None}
        prepared["labels"] = self._labels(style, terrain)
        return prepared

    def build(self, prepared: dict[str, Any]) -> None:
        self._parts = {}
        self._highlight = None
        self._filled = prepared["filled"]
        style = self.layer.style
        for name, mesh in prepared.get("meshes", {}).items():
            actor = self.add_actor(colored_actor(mesh, "cell", lighting=name == "point"))
            self._parts[name] = (mesh, actor)
            prop = actor.GetProperty()
            if name == "fill":
                actor.GetMapper().SetRelativeCoincidentTopologyPolygonOffsetParameters(-2.0, -8.0)
            elif name == "line":
                prop.SetLineWidth(max(2.0, 1.5 * style.line_width))
            elif name == "outline":
                prop.SetLineWidth(max(1.5, style.line_width))
            elif name == "point":
                prop.SetRenderPointsAsSpheres(True)
                prop.SetPointSize(max(4.0, 1.5 * style.point_size))
        self.set_labels(prepared.get("labels"))

    # -- colours ------------------------------------------------------------------------------
    def _feature_rgb(self, style: Style) -> np.ndarray:
        frame = self.layer.frame
        return feature_colors(style, frame, len(frame))[:, :3]

    @staticmethod
    def _part_rgb(name: str, feature: np.ndarray, colors: np.ndarray, style: Style) -> np.ndarray:
        if name == "outline":
            return np.tile(np.array(rgb_of(style.edge_color), dtype=np.uint8), (len(feature), 1))
        return colors[feature]

    def apply_style(self, style: Style) -> None:
        """Recolour the actors and set line widths and point sizes for ``style``; labels are made again."""
        if self.layer.frame is None or not self._parts:
            return
        if bool(getattr(style, "fill", True)) != self._filled:
            self.rebuild()
            return
        colors = self._feature_rgb(style)
        for name, (mesh, actor) in self._parts.items():
            mesh.cell_data[COLORS] = self._part_rgb(name, np.asarray(mesh.cell_data[FEATURE]), colors, style)
            if name == "line":
                actor.GetProperty().SetLineWidth(max(2.0, 1.5 * style.line_width))
            elif name == "point":
                actor.GetProperty().SetPointSize(max(4.0, 1.5 * style.point_size))
        self.set_labels(self._labels(style, self.scene.terrain))

    def set_opacity(self, opacity: float) -> None:
        """Fills stay semi-transparent; lines and points take the layer opacity."""
        super().set_opacity(opacity)
        if "fill" in self._parts:
            self._parts["fill"][1].GetProperty().SetOpacity(FILL_OPACITY * float(opacity))

    def _labels(self, style: Style, terrain: Terrain | None) -> LabelCandidates | None:
        from viewer.render.labels import vector_labels

        return vector_labels(self.layer.frame, style.label_field, lambda xy: ground_of(terrain, xy) + LABEL_LIFT)

    # -- selection ------------------------------------------------------------------------------
    def set_selected(self, index: int | None) -> None:
        """Draw feature ``index`` again on top, thick and in the highlight colour."""
        self.selected = index
        if self._highlight is not None:
            if self._highlight in self.actors:  # not taken out with the rest by a rebuild
                self.scene.plotter.renderer.RemoveActor(self._highlight)
                self.actors.remove(self._highlight)
            self._highlight = None
        if index is None:
            return
        pieces = []
        for name in ("outline", "line", "point"):
            if name in self._parts:
                mesh = self._parts[name][0]
                cells = np.flatnonzero(np.asarray(mesh.cell_data[FEATURE]) == index)
                if len(cells):
                    pieces.append(mesh.extract_cells(cells))
        if not pieces:
            return
        merged = pieces[0].merge(pieces[1:]) if len(pieces) > 1 else pieces[0]
        actor = plain_actor(merged, HIGHLIGHT_RGB)
        prop = actor.GetProperty()
        prop.SetLineWidth(5.0)
        prop.SetPointSize(max(10.0, 2.5 * self.layer.style.point_size))
        prop.SetRenderPointsAsSpheres(True)
        prop.SetLighting(False)
        actor.GetMapper().SetRelativeCoincidentTopologyLineOffsetParameters(-2.0, -16.0)
        self._highlight = self.add_actor(actor, pickable=False)
        actor.SetScale(1.0, 1.0, self.scene.exaggeration)
        actor.SetVisibility(self.layer.visible)


def _fill_mesh(polygons: np.ndarray, owner: np.ndarray, terrain: Terrain | None) -> Any:
    """Polygons triangulated, each flat at the median ground of its outline (None: no triangle).

    A river sits at its banks' height instead of following its bed, and a flat fill shades evenly.
    """
    import shapely

    coords, index = shapely.get_coordinates(shapely.constrained_delaunay_triangles(polygons), return_index=True)
    corners = coords.reshape(-1, 4, 2)[:, :3].reshape(-1, 2)
    if len(corners) == 0:
        return None
    outline, part = shapely.get_coordinates(shapely.get_exterior_ring(polygons), return_index=True)
    ground = ground_of(terrain, outline)
    order = np.lexsort((ground, part))
    starts = np.searchsorted(part[order], np.arange(len(polygons)))
    counts = np.bincount(part, minlength=len(polygons))
    level = ground[order][np.minimum(starts + counts // 2, len(order) - 1)]
    points = np.column_stack([corners, np.repeat(level[index[::4]], 3) + FILL_LIFT])
    mesh = triangle_mesh(points, np.arange(len(points)).reshape(-1, 3))
    mesh.cell_data[FEATURE] = owner[index[::4]]
    return mesh


def _line_mesh(lines: np.ndarray, owner: np.ndarray, terrain: Terrain | None) -> Any:
    """Line segments densified to the terrain's cells, :data:`LINE_LIFT` above it (None: none)."""
    import pyvista as pv
    import shapely

    if terrain is not None:
        lines = shapely.segmentize(lines, max(min(abs(terrain.transform[0]), abs(terrain.transform[4])), 1.0))
    coords, index = shapely.get_coordinates(lines, return_index=True)
    seg = np.flatnonzero(index[:-1] == index[1:])
    if len(seg) == 0:
        return None
    points = np.column_stack([coords, ground_of(terrain, coords) + LINE_LIFT])
    cells = np.column_stack([np.full(len(seg), 2), seg, seg + 1]).ravel()
    mesh = pv.PolyData(points, lines=cells)
    mesh.cell_data[FEATURE] = owner[index[seg]]
    return mesh


def _point_mesh(points_geom: np.ndarray, owner: np.ndarray, terrain: Terrain | None) -> Any:
    """Vertices :data:`POINT_LIFT` above the terrain, drawn as shaded sprites."""
    import pyvista as pv
    import shapely

    xy = shapely.get_coordinates(points_geom)
    mesh = pv.PolyData(np.column_stack([xy, ground_of(terrain, xy) + POINT_LIFT]))
    mesh.cell_data[FEATURE] = owner
    return mesh


def flat_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single-part geometries of ``geoms`` (collections and multi-parts opened) and their rows."""
    import shapely

    owner = np.arange(len(geoms))
    parts = geoms
    while True:
        kind = shapely.get_type_id(parts)
        if not np.isin(kind, (4, 5, 6, 7)).any():
            break
        parts, index = shapely.get_parts(parts, return_index=True)
        owner = owner[index]
    keep = ~(shapely.is_empty(parts) | shapely.is_missing(parts))
    return parts[keep], owner[keep]
