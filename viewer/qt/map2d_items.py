"""The graphics items that draw one layer each on the 2D map, picked by ``layer.kind``.

A layer becomes one content-less :class:`LayerGraphics` group in the map's ViewBox; its children
draw the features in batches (never one graphics item per feature), so the group's visibility,
opacity and z-value apply to all of them at once. New layer kinds register a class in
:data:`MAP_ITEMS`; vector geometry families register a child factory in :data:`GEOMETRY_ITEMS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from viewer.core.style import feature_colors
from viewer.qt.map2d_geometry import (FeatureIndex, GeometryBatch, LabelSource, colour_classes,
                                      geometry_families, label_points, outline_arrays, raster_rgba)
from viewer.qt.map2d_painters import ANTIALIAS_BELOW, BatchedShapesItem, SelectionOutline, path_from_arrays


class LayerGraphics(pg.GraphicsObject):
    """A group with no content of its own whose children draw ``layer``.

    It follows the layer's ``visible`` and ``opacity`` and rebuilds or recolours its children on
    the layer's other events. Its labels are drawn by the map's one labels item, from
    ``label_source``; ``labels_changed`` tells the map to repaint them.
    """

    labels_changed = QtCore.Signal()
    #: The children were built again from new data (the selection outline may be stale).
    rebuilt = QtCore.Signal()

    #: Layer fields whose change means the children are built again.
    data_fields: tuple[str, ...] = ()

    def __init__(self, layer: Any) -> None:
        super().__init__()
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.layer = layer
        self.label_source: LabelSource | None = None
        self._connections: list[tuple[Any, Callable]] = []
        self._watch("visible", self._on_visible)
        self._watch("opacity", self._on_opacity)
        self._watch("style", lambda _value: self.restyle())
        for name in self.data_fields:
            self._watch(name, self._on_data)
        self.rebuild()
        self._on_visible(layer.visible)
        self._on_opacity(layer.opacity)

    def _watch(self, name: str, callback: Callable) -> None:
        signal = getattr(self.layer.events, name)
        signal.connect(callback)
        self._connections.append((signal, callback))

    def detach(self) -> None:
        """Stop following the layer (it was removed from the project)."""
        for signal, callback in self._connections:
            signal.disconnect(callback)
        self._connections.clear()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return QtCore.QRectF()

    def paint(self, painter: QtGui.QPainter, *args: Any) -> None:
        """Nothing: the children draw."""

    def _on_data(self, *args: Any) -> None:
        self.rebuild()
        self.rebuilt.emit()

    def _on_visible(self, visible: bool) -> None:
        self.setVisible(bool(visible))
        self.labels_changed.emit()

    def _on_opacity(self, opacity: float) -> None:
        self.setOpacity(float(opacity))
        self.labels_changed.emit()

    def _clear_children(self) -> None:
        scene = self.scene()
        for item in list(self.childItems()):
            item.setParentItem(None)
            if item.scene() is not None:
                item.scene().removeItem(item)
        if self.label_source is not None:
            self.label_source = None
            self.labels_changed.emit()
        if scene is not None:
            scene.update()

    def rebuild(self) -> None:
        """Make the children from the layer's data."""
        raise NotImplementedError

    def restyle(self) -> None:
        """Recolour after a style change (default: rebuild)."""
        self.rebuild()

    def pick(self, x: float, y: float, tolerance: float) -> int | None:
        """Index of the feature (or cell) at map point (x, y), or None."""
        return None

    def highlight(self, index: int, outline: SelectionOutline) -> None:
        """Show feature ``index`` on ``outline``."""
        outline.clear()


class PointsItem(pg.ScatterPlotItem):
    """All point features of a layer as one scatter item with a brush per point."""

    def __init__(self, geoms: np.ndarray, rows: np.ndarray, parent: QtWidgets.QGraphicsItem) -> None:
        import shapely

        parts, owner = shapely.get_parts(geoms, return_index=True)
        xy = shapely.get_coordinates(parts)
        super().__init__(x=xy[:, 0], y=xy[:, 1], pxMode=True, antialias=len(xy) < ANTIALIAS_BELOW)
        self.rows = rows
        self.owner = owner
        self.setParentItem(parent)

    def set_style(self, palette: np.ndarray, colour: np.ndarray, style: Any) -> None:
        """Brushes from ``palette[colour]`` (one palette index per feature of this item)."""
        brushes = [QtGui.QBrush(QtGui.QColor(*map(int, rgba))) for rgba in palette]
        self.setBrush([brushes[i] for i in colour[self.owner]])
        self.setPen(pg.mkPen(style.edge_color, width=1))
        self.setSize(style.point_size)


def _shapes_factory(family: str) -> Callable:
    def make(geoms: np.ndarray, rows: np.ndarray, parent: QtWidgets.QGraphicsItem) -> Any:
        item = BatchedShapesItem(GeometryBatch(geoms, family), parent)
        item.rows = rows
        return item
    return make


#: Geometry family -> factory(geoms, feature rows, parent) of the child item that draws it.
GEOMETRY_ITEMS: dict[str, Callable] = {
    "polygon": _shapes_factory("polygon"),
    "line": _shapes_factory("line"),
    "point": PointsItem,
}


class VectorLayerGraphics(LayerGraphics):
    """Polygons, lines and points of a vector layer, one batched child per geometry family."""

    data_fields = ("frame",)

    def rebuild(self) -> None:
        self._clear_children()
        self._index: FeatureIndex | None = None
        self._anchors: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.shapes: dict[str, Any] = {}
        frame = self.layer.frame
        if frame is None or len(frame) == 0:
            return
        self._geoms = np.asarray(frame.geometry.values, dtype=object)
        families = geometry_families(self._geoms)
        for family, factory in GEOMETRY_ITEMS.items():
            rows = np.flatnonzero(families == family)
            if len(rows):
                self.shapes[family] = factory(self._geoms[rows], rows, self)
        self._index = FeatureIndex(self._geoms)
        self.restyle()

    def restyle(self) -> None:
        frame = self.layer.frame
        if frame is None or len(frame) == 0 or not self.shapes:
            return
        style = self.layer.style
        palette, colour = colour_classes(feature_colors(style, frame, len(frame)))
        for child in self.shapes.values():
            child.set_style(palette, colour[child.rows], style)
        self._relabel()

    def _relabel(self) -> None:
        name = self.layer.style.label_field
        frame = self.layer.frame
        source = None
        if name and name in frame.columns:
            if self._anchors is None:  # point_on_surface is slow: once per frame of data
                self._anchors = label_points(self._geoms)
            source = LabelSource.from_geometries(self._geoms, frame[name].tolist(), self._anchors,
                                                 self.layer.style.point_size)
        if source is not None or self.label_source is not None:
            self.label_source = source
            self.labels_changed.emit()

    def pick(self, x: float, y: float, tolerance: float) -> int | None:
        if self._index is None:
            return None
        return self._index.pick(x, y, tolerance, filled=self.layer.style.fill)

    def highlight(self, index: int, outline: SelectionOutline) -> None:
        if self._index is None or not 0 <= index < len(self._geoms):
            outline.clear()
            return
        import shapely

        geom = self._geoms[index]
        if geometry_families(np.asarray([geom], dtype=object))[0] == "point":
            xy = shapely.get_coordinates(geom)
            outline.show(None, xy, self.layer.style.point_size / 2 + 3)
        else:
            outline.show(path_from_arrays(*outline_arrays(geom)), None, 0)

    def paint_stats(self) -> dict[str, int]:
        """What the batched children drew in their last paint (summed)."""
        total: dict[str, int] = {}
        for child in self.shapes.values():
            for key, value in getattr(child, "stats", {}).items():
                total[key] = total.get(key, 0) + value
        return total


class RasterLayerGraphics(LayerGraphics):
    """A raster as one image item placed by the layer's affine geotransform."""

    data_fields = ("data", "transform", "nodata", "role")

    def rebuild(self) -> None:
        self._clear_children()
        if self.layer.data is None:
            self.image = None
            return
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setParentItem(self)
        a, b, c, d, e, f = (float(v) for v in self.layer.transform)
        # Item pixel (col, row) -> map: x = a*col + b*row + c, y = d*col + e*row + f.
        self.image.setTransform(QtGui.QTransform(a, d, b, e, c, f))
        self.restyle()

    def restyle(self) -> None:
        if getattr(self, "image", None) is None:
            return
        rgba = raster_rgba(self.layer)
        self.image.setImage(rgba, autoLevels=False, levels=None,
                            autoDownsample=max(rgba.shape[:2]) > 2048)

    def pick(self, x: float, y: float, tolerance: float) -> int | None:
        if self.layer.data is None:
            return None
        cell = self.layer.cell_of(x, y)
        if cell is None:
            return None
        value = float(self.layer.data[0, cell[0], cell[1]])
        if not np.isfinite(value) or (self.layer.nodata is not None and value == self.layer.nodata):
            return None
        return cell[0] * self.layer.shape[1] + cell[1]

    def highlight(self, index: int, outline: SelectionOutline) -> None:
        if self.layer.data is None or not 0 <= index < self.layer.feature_count:
            outline.clear()
            return
        row, col = divmod(int(index), self.layer.shape[1])
        a, b, c, d, e, f = self.layer.transform
        corners = np.array([(col, row), (col + 1, row), (col + 1, row + 1), (col, row + 1), (col, row)],
                           dtype=float)
        x = a * corners[:, 0] + b * corners[:, 1] + c
        y = d * corners[:, 0] + e * corners[:, 1] + f
        connect = np.array([1, 1, 1, 1, 0], dtype=np.int32)
        outline.show(path_from_arrays(x, y, connect), None, 0)


#: ``layer.kind`` -> the graphics class that draws it on the 2D map.
MAP_ITEMS: dict[str, type[LayerGraphics]] = {
    "vector": VectorLayerGraphics,
    "buildings": VectorLayerGraphics,
    "raster": RasterLayerGraphics,
}


def register_map_item(kind: str, cls: type[LayerGraphics]) -> None:
    """Draw layers of ``kind`` with ``cls`` (a plug-in layer kind adds itself this way)."""
    MAP_ITEMS[kind] = cls


def map_item_for(layer: Any) -> LayerGraphics | None:
    """A new graphics group for ``layer``, or None for a kind the map does not draw."""
    cls = MAP_ITEMS.get(layer.kind)
    return None if cls is None else cls(layer)
