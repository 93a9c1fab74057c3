"""3D adapter of a :class:`~viewer.core.layers.VectorLayer`: lines, points and polygons on the terrain.

Lines (roads) are drawn as line segments a little above the terrain, densified to the terrain's
cell size so they follow it; points (facilities) as shaded sprites; polygons (water, boundaries)
as semi-transparent fills at terrain height with their outlines. Everything is built with
vectorised shapely calls, one VTK actor per kind of geometry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from viewer.core.layers import VectorLayer
from viewer.core.style import Style, feature_colors
from viewer.render.vtk_layer import COLORS, FEATURE, HIGHLIGHT_RGB, VtkLayer, colored_actor, plain_actor, rgb_of

LINE_LIFT, POINT_LIFT, FILL_LIFT, LABEL_LIFT = 1.0, 3.0, 0.3, 8.0
"""Metres above the terrain for lines, points, polygon fills and label anchors."""
FILL_OPACITY = 0.55
"""Opacity of polygon fills at layer opacity 1 (the terrain and roads show through)."""


class VtkVectorLayer(VtkLayer):
    """Draws a vector layer; each actor's mesh has a per-cell ``feature`` array for picking."""

    layer: VectorLayer

    def build(self) -> None:
        self._parts: dict[str, tuple[Any, Any]] = {}
        self._highlight: Any = None
        self._filled = True
        frame = self.layer.frame
        if frame is None or len(frame) == 0:
            return
        import shapely

        parts, owner = flat_parts(np.asarray(frame.geometry.values, dtype=object))
        kind = shapely.get_type_id(parts)
        polygons = kind == 3
        lines = (kind == 1) | (kind == 2)
        points = kind == 0
        colors = self._feature_rgb(self.layer.style)
        self._filled = bool(getattr(self.layer.style, "fill", True))
        if polygons.any():
            if self._filled:
                self._add_fill(parts[polygons], owner[polygons], colors)
            rings, ring_owner = shapely.get_rings(parts[polygons], return_index=True)
            self._add_lines("outline", rings, owner[polygons][ring_owner], colors)
        if lines.any():
            self._add_lines("line", parts[lines], owner[lines], colors)
        if points.any():
            self._add_points(parts[points], owner[points], colors)
        self._add_labels(frame)

    def _ground(self, xy: np.ndarray) -> np.ndarray:
        terrain = self.scene.terrain
        if terrain is None or len(xy) == 0:
            return np.zeros(len(xy))
        return terrain.sample_or_floor(xy[:, 0], xy[:, 1])

    def _add(self, name: str, mesh: Any, feature: np.ndarray, colors: np.ndarray | None) -> Any:
        mesh.cell_data[FEATURE] = feature
        mesh.cell_data[COLORS] = self._part_rgb(name, feature, colors)
        actor = self.add_actor(colored_actor(mesh, "cell", lighting=name == "point"))
        self._parts[name] = (mesh, actor)
        return actor

    def _add_fill(self, polygons: np.ndarray, owner: np.ndarray, colors: np.ndarray) -> None:
        import shapely

        from viewer.render.vtk_layer import triangle_mesh

        coords, index = shapely.get_coordinates(shapely.constrained_delaunay_triangles(polygons),
                                                return_index=True)
        corners = coords.reshape(-1, 4, 2)[:, :3].reshape(-1, 2)
        if len(corners) == 0:
            return
        # Flat per polygon, at the median ground of its outline: a river sits at its banks'
        # height instead of following its bed, and a flat fill shades evenly.
        outline, part = shapely.get_coordinates(shapely.get_exterior_ring(polygons), return_index=True)
        ground = self._ground(outline)
        order = np.lexsort((ground, part))
        starts = np.searchsorted(part[order], np.arange(len(polygons)))
        counts = np.bincount(part, minlength=len(polygons))
        level = ground[order][np.minimum(starts + counts // 2, len(order) - 1)]
        points = np.column_stack([corners, np.repeat(level[index[::4]], 3) + FILL_LIFT])
        mesh = triangle_mesh(points, np.arange(len(points)).reshape(-1, 3))
        actor = self._add("fill", mesh, owner[index[::4]], colors)
        actor.GetMapper().SetRelativeCoincidentTopologyPolygonOffsetParameters(-2.0, -8.0)

    def _add_lines(self, name: str, lines: np.ndarray, owner: np.ndarray, colors: np.ndarray) -> None:
        import pyvista as pv
        import shapely

        terrain = self.scene.terrain
        if terrain is not None:
            lines = shapely.segmentize(lines, max(min(abs(terrain.transform[0]), abs(terrain.transform[4])), 1.0))
        coords, index = shapely.get_coordinates(lines, return_index=True)
        seg = np.flatnonzero(index[:-1] == index[1:])
        if len(seg) == 0:
            return
        points = np.column_stack([coords, self._ground(coords) + LINE_LIFT])
        cells = np.column_stack([np.full(len(seg), 2), seg, seg + 1]).ravel()
        mesh = pv.PolyData(points, lines=cells)
        actor = self._add(name, mesh, owner[index[seg]], colors)
        width = self.layer.style.line_width
        actor.GetProperty().SetLineWidth(max(2.0, 1.5 * width) if name == "line" else max(1.5, width))

    def _add_points(self, points_geom: np.ndarray, owner: np.ndarray, colors: np.ndarray) -> None:
        import pyvista as pv
        import shapely

        xy = shapely.get_coordinates(points_geom)
        points = np.column_stack([xy, self._ground(xy) + POINT_LIFT])
        mesh = pv.PolyData(points)
        actor = self._add("point", mesh, owner, colors)
        actor.GetProperty().SetRenderPointsAsSpheres(True)
        actor.GetProperty().SetPointSize(max(4.0, 1.5 * self.layer.style.point_size))

    # -- colours ------------------------------------------------------------------------------
    def _feature_rgb(self, style: Style) -> np.ndarray:
        frame = self.layer.frame
        return feature_colors(style, frame, len(frame))[:, :3]

    def _part_rgb(self, name: str, feature: np.ndarray, colors: np.ndarray) -> np.ndarray:
        if name == "outline":
            return np.tile(np.array(rgb_of(self.layer.style.edge_color), dtype=np.uint8), (len(feature), 1))
        return colors[feature]

    def apply_style(self, style: Style) -> None:
        """Recolour the actors and set line widths and point sizes for ``style``; labels are rebuilt."""
        if self.layer.frame is None or not self._parts:
            return
        if bool(getattr(style, "fill", True)) != self._filled:
            self.rebuild()
            return
        colors = self._feature_rgb(style)
        for name, (mesh, actor) in self._parts.items():
            mesh.cell_data[COLORS] = self._part_rgb(name, np.asarray(mesh.cell_data[FEATURE]), colors)
            if name == "line":
                actor.GetProperty().SetLineWidth(max(2.0, 1.5 * style.line_width))
            elif name == "point":
                actor.GetProperty().SetPointSize(max(4.0, 1.5 * style.point_size))
        if self.labels is not None:
            self.scene.plotter.renderer.RemoveActor(self.labels.actor)
            self.actors.remove(self.labels.actor)
            self.labels = None
        self._add_labels(self.layer.frame)
        self.set_exaggeration(self.scene.exaggeration)

    def set_opacity(self, opacity: float) -> None:
        """Fills stay semi-transparent; lines and points take the layer opacity."""
        super().set_opacity(opacity)
        if "fill" in self._parts:
            self._parts["fill"][1].GetProperty().SetOpacity(FILL_OPACITY * float(opacity))

    def _add_labels(self, frame: Any) -> None:
        import shapely

        from viewer.render.labels import choose_labels, label_texts

        texts = label_texts(frame, self.layer.style.label_field)
        if texts is None:
            return
        geoms = np.asarray(frame.geometry.values, dtype=object)
        lines = np.isin(shapely.get_type_id(geoms), (1, 5))
        size = np.where(lines, shapely.length(geoms), shapely.area(geoms))  # bigger features first
        keep = choose_labels(texts, size)
        chosen, on_line = geoms[keep], lines[keep]
        anchor = shapely.point_on_surface(chosen)
        anchor[on_line] = shapely.line_interpolate_point(chosen[on_line], 0.5, normalized=True)
        xy = np.column_stack([shapely.get_x(anchor), shapely.get_y(anchor)])
        ok = np.isfinite(xy).all(axis=1)
        self.add_labels(np.column_stack([xy[ok], self._ground(xy[ok]) + LABEL_LIFT]),
                        [texts[i] for i in keep[ok]], size[keep[ok]])
        if self.labels is not None:
            self.labels.actor.SetVisibility(self.layer.visible)

    # -- selection ------------------------------------------------------------------------------
    def set_selected(self, index: int | None) -> None:
        """Draw feature ``index`` again on top, thick and in the highlight colour."""
        self.selected = index
        if self._highlight is not None:
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
