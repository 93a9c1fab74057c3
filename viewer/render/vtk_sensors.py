"""3D adapter of a :class:`~viewer.core.layers.SensorLayer`: a column per station on the terrain,
coloured by the station's level at the clock's time.

All columns are one mesh (one actor), with a per-cell ``feature`` array (the station's index in
:meth:`SensorLayer.things`) so the scene's picking maps a hit to the station, and a per-cell
``rgb`` array recoloured in place when ``layer.status`` (the project's
:class:`~viewer.core.sensor_status.SensorStatus`) is refreshed. A refresh that changes no
station's colour costs no frame; refreshes come at most about 10 times a second (the GUI's
sensor pump throttles them), so neither does one that does.

The colours (:data:`viewer.core.style.STATUS_COLORS`) are shared with the 2D map.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.core.layers import SensorLayer
from viewer.core.style import station_colors
from viewer.render.vtk_layer import (COLORS, FEATURE, HIGHLIGHT_RGB, VtkLayer, colored_actor, ground_of,
                                     plain_actor, triangle_mesh)

if TYPE_CHECKING:
    from viewer.render.terrain import Terrain

COLUMN_HEIGHT, COLUMN_RADIUS, COLUMN_SIDES = 30.0, 6.0, 12
"""Size of a station's column in metres, and the sides of its polygon."""
LABEL_LIFT = 4.0
"""Metres above a column's top where its station's name is anchored."""


def _column_template() -> tuple[np.ndarray, np.ndarray]:
    """Points (P, 3) and triangles (T, 3) of one closed column standing on (0, 0, 0)."""
    import pyvista as pv

    column = pv.Cylinder(center=(0.0, 0.0, COLUMN_HEIGHT / 2), direction=(0.0, 0.0, 1.0), radius=COLUMN_RADIUS,
                         height=COLUMN_HEIGHT, resolution=COLUMN_SIDES, capping=True).triangulate()
    return np.asarray(column.points, dtype=np.float64), np.asarray(column.regular_faces, dtype=np.int64)


class VtkSensorLayer(VtkLayer):
    """Draws the stations of a sensor layer as coloured columns."""

    layer: SensorLayer

    def __init__(self, layer: SensorLayer, scene: Any) -> None:
        super().__init__(layer, scene)
        self._mesh: Any = None
        self._colors: np.ndarray | None = None
        self._highlight: Any = None
        self._links: list[tuple[Any, Callable]] = []

    def work(self) -> int:
        """A few hundred stations at most: always built inline."""
        return len(self.layer.things())

    def prepare(self, terrain: Terrain | None) -> dict[str, Any]:
        """The columns' mesh (with ``feature`` and ``rgb`` cell arrays) and the name labels."""
        xy = self.layer.positions()
        if len(xy) == 0:
            return {}
        ground = ground_of(terrain, xy)
        template, triangles = _column_template()
        points = (template[None, :, :] + np.column_stack([xy, ground])[:, None, :]).reshape(-1, 3)
        faces = (triangles[None, :, :] + (np.arange(len(xy)) * len(template))[:, None, None]).reshape(-1, 3)
        mesh = triangle_mesh(points, faces)
        mesh.cell_data[FEATURE] = np.repeat(np.arange(len(xy), dtype=np.int64), len(triangles))
        levels, stale = self.layer.station_levels()
        colors = station_colors(levels, stale)
        mesh.cell_data[COLORS] = colors[np.asarray(mesh.cell_data[FEATURE])]
        return {"mesh": mesh, "colors": colors, "labels": self._labels(xy, ground)}

    def _labels(self, xy: np.ndarray, ground: np.ndarray) -> Any:
        if not self.layer.style.label_field:
            return None
        from viewer.render.labels import TIER_POINT, LabelCandidates

        names = [thing.name for thing in self.layer.things()]
        anchors = np.column_stack([xy, ground + COLUMN_HEIGHT + LABEL_LIFT])
        return LabelCandidates(anchors, names, np.full(len(names), TIER_POINT), np.ones(len(names)), above=True)

    def build(self, prepared: dict[str, Any]) -> None:
        self._highlight = None
        self._mesh = prepared.get("mesh")
        self._colors = prepared.get("colors")
        if self._mesh is not None:
            self.add_actor(colored_actor(self._mesh, "cell", lighting=True, closed=True))
        self.set_labels(prepared.get("labels"))
        self._connect()

    # -- following the model ---------------------------------------------------------------------
    def _connect(self) -> None:
        self._disconnect()
        layer = self.layer
        links = [(layer.events.network, self._on_network), (layer.events.status, self._on_network)]
        if layer.network is not None:
            links.append((layer.network.changed, self._on_network))
        if layer.status is not None:
            links.append((layer.status.updated, self._on_status))
        for signal, callback in links:
            signal.connect(callback)
        self._links = links

    def _disconnect(self) -> None:
        for signal, callback in self._links:
            signal.disconnect(callback)
        self._links = []

    def remove(self) -> None:
        """Take the actors out and stop following the status (a rebuild connects again)."""
        self._disconnect()
        super().remove()
        self._mesh, self._highlight = None, None

    def _on_network(self, *_: Any) -> None:
        self.rebuild()

    def _on_status(self) -> None:
        """Recolour the columns whose station changed level or staleness; no frame otherwise."""
        if self._mesh is None:
            return
        levels, stale = self.layer.station_levels()
        colors = station_colors(levels, stale)
        if self._colors is not None and colors.shape == self._colors.shape and np.array_equal(colors, self._colors):
            return
        if self._colors is None or len(colors) != len(self._colors):
            self.rebuild()  # stations came or went: the mesh is rebuilt (and coloured) anyway
            return
        self._colors = colors
        self._mesh.cell_data[COLORS] = colors[np.asarray(self._mesh.cell_data[FEATURE])]
        self._mesh.Modified()
        self.scene.render()

    # -- selection -------------------------------------------------------------------------------
    def set_selected(self, index: int | None) -> None:
        """Outline station ``index``'s column in the highlight colour."""
        self.selected = index
        if self._highlight is not None:
            if self._highlight in self.actors:
                self.scene.plotter.renderer.RemoveActor(self._highlight)
                self.actors.remove(self._highlight)
            self._highlight = None
        if index is None or self._mesh is None:
            return
        cells = np.flatnonzero(np.asarray(self._mesh.cell_data[FEATURE]) == index)
        if not len(cells):
            return
        actor = plain_actor(self._mesh.extract_cells(cells).extract_feature_edges(
            boundary_edges=True, feature_edges=True, manifold_edges=False, non_manifold_edges=False,
            feature_angle=30.0), HIGHLIGHT_RGB)
        prop = actor.GetProperty()
        prop.SetLineWidth(4.0)
        prop.SetLighting(False)
        actor.GetMapper().SetRelativeCoincidentTopologyLineOffsetParameters(-2.0, -16.0)
        self._highlight = self.add_actor(actor, pickable=False)
        actor.SetScale(1.0, 1.0, self.scene.exaggeration)
        actor.SetVisibility(self.layer.visible)
