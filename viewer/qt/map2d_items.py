"""The graphics items that draw one layer each on the 2D map, picked by ``layer.kind``.

A layer becomes one content-less :class:`LayerGraphics` group in the map's ViewBox; its children
draw the features in batches (never one graphics item per feature), so the group's visibility,
opacity and z-value apply to all of them at once. The work of turning a layer's data into
children (geometry preparation, colours) runs on the map's pool
(:class:`~viewer.qt.map2d_jobs.MapJobs`) for big layers; the children are made when it lands.
New layer kinds register a class in :data:`MAP_ITEMS`; vector geometry families register a child
factory in :data:`GEOMETRY_ITEMS`.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from viewer.qt.map2d_geometry import LabelSource, geometry_families, outline_arrays, raster_rgba
from viewer.qt.map2d_jobs import (BACKGROUND_FEATURES, MapJobs, PointParts, PreparedVector, VectorColours,
                                  colour_vector, prepare_vector)
from viewer.qt.map2d_painters import ANTIALIAS_BELOW, BatchedShapesItem, SelectionOutline, path_from_arrays

#: Rasters with at least this many cells are coloured on the map's pool.
BACKGROUND_CELLS = 1 << 20


class LayerGraphics(pg.GraphicsObject):
    """A group with no content of its own whose children draw ``layer``.

    It follows the layer's ``visible`` and ``opacity`` and rebuilds or recolours its children on
    the layer's other events. Its labels are drawn by the map's one labels item, from
    ``label_source``; ``labels_changed`` tells the map to repaint them.

    Parameters
    ----------
    layer
        The layer drawn.
    jobs
        The map's pool for the heavy, Qt-free part of (re)building; None does everything at once.
        A result is used only if nothing changed since it was asked for (``_generation``).
    """

    labels_changed = QtCore.Signal()
    #: The children were built again from new data (the selection outline may be stale).
    rebuilt = QtCore.Signal()

    #: Layer fields whose change means the children are built again.
    data_fields: tuple[str, ...] = ()

    def __init__(self, layer: Any, jobs: MapJobs | None = None) -> None:
        super().__init__()
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.layer = layer
        self.label_source: LabelSource | None = None
        self._jobs = jobs
        # Bumped by every change that makes work under way useless, and on detach.
        self._generation = 0
        self._attached = True
        self._setup()
        self._connections: list[tuple[Any, Callable]] = []
        self._watch("visible", self._on_visible)
        self._watch("opacity", self._on_opacity)
        self._watch("style", lambda _value: self.restyle())
        for name in self.data_fields:
            self._watch(name, self._on_data)
        self.rebuild()
        self._on_visible(layer.visible)
        self._on_opacity(layer.opacity)

    def _setup(self) -> None:
        """Set up the subclass's state (before the first :meth:`rebuild`)."""

    def _watch(self, name: str, callback: Callable) -> None:
        signal = getattr(self.layer.events, name)
        signal.connect(callback)
        self._connections.append((signal, callback))

    def detach(self) -> None:
        """Stop following the layer (it was removed from the project) and drop work under way.

        Touches no Qt object: it also runs while the map is being deleted.
        """
        self._attached = False
        self._generation += 1
        for signal, callback in self._connections:
            signal.disconnect(callback)
        self._connections.clear()

    def _run(self, background: bool, func: Callable, args: tuple, done: Callable[[Any], None]) -> None:
        """``done(func(*args))``: on the map's pool when ``background`` (``done`` then runs on
        the GUI thread once the result is in), else now."""
        if background and self._jobs is not None:
            self._jobs.submit(func, args, done)
        else:
            done(func(*args))

    def _current(self, generation: int) -> bool:
        """Whether a result asked for at ``generation`` is still wanted."""
        return self._attached and generation == self._generation

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
            retire = getattr(item, "retire", None)
            if retire is not None:
                retire()
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

    def __init__(self, points: PointParts, rows: np.ndarray, parent: QtWidgets.QGraphicsItem,
                 jobs: MapJobs | None = None) -> None:
        super().__init__(x=points.x, y=points.y, pxMode=True, antialias=len(points.x) < ANTIALIAS_BELOW)
        self.rows = rows
        self.owner = points.owner
        self.setParentItem(parent)

    def set_style(self, palette: np.ndarray, colour: np.ndarray, style: Any) -> None:
        """Brushes from ``palette[colour]`` (one palette index per feature of this item)."""
        brushes = [QtGui.QBrush(QtGui.QColor(*map(int, rgba))) for rgba in palette]
        self.setBrush([brushes[i] for i in colour[self.owner]])
        self.setPen(pg.mkPen(style.edge_color, width=1))
        self.setSize(style.point_size)


def _shapes(batch: Any, rows: np.ndarray, parent: QtWidgets.QGraphicsItem, jobs: MapJobs | None) -> Any:
    item = BatchedShapesItem(batch, parent, jobs)
    item.rows = rows
    return item


#: Geometry family -> factory(prepared parts, feature rows, parent, jobs) of the child item that
#: draws it; the parts are what :func:`~viewer.qt.map2d_jobs.prepare_vector` made of the family.
GEOMETRY_ITEMS: dict[str, Callable] = {
    "polygon": _shapes,
    "line": _shapes,
    "point": PointsItem,
}


class VectorLayerGraphics(LayerGraphics):
    """Polygons, lines and points of a vector layer, one batched child per geometry family.

    New data is prepared (:func:`~viewer.qt.map2d_jobs.prepare_vector`) and a new style applied
    (:func:`~viewer.qt.map2d_jobs.colour_vector`) on the map's pool for layers of
    :data:`~viewer.qt.map2d_jobs.BACKGROUND_FEATURES` features or more; the old drawing stays
    until the new one is ready. A style set while the data is being prepared is applied before
    the layer first shows.
    """

    data_fields = ("frame",)

    def _setup(self) -> None:
        self.shapes: dict[str, Any] = {}
        self._prepared: PreparedVector | None = None  # the current data's, once ready
        self._shown: PreparedVector | None = None  # what the children draw
        self._style_generation = 0

    def _background(self) -> bool:
        return len(self.layer.frame) >= BACKGROUND_FEATURES

    def rebuild(self) -> None:
        self._generation += 1
        self._prepared = None
        frame = self.layer.frame
        if frame is None or len(frame) == 0:
            self._show(None, None)
            return
        token = (self._generation, self._style_generation)
        self._run(self._background(), prepare_vector, (frame, self.layer.style),
                  partial(self._on_prepared, token))

    def restyle(self) -> None:
        self._style_generation += 1
        if self._prepared is not None:
            self._colour(self._prepared)
        # else the preparation under way is coloured in this style when it lands

    def _colour(self, prepared: PreparedVector) -> None:
        token = (self._generation, self._style_generation)
        self._run(self._background(), colour_vector, (prepared, self.layer.frame, self.layer.style),
                  partial(self._on_coloured, token, prepared))

    def _on_prepared(self, token: tuple[int, int], result: tuple[PreparedVector, VectorColours]) -> None:
        if not self._current(token[0]):
            return
        prepared, colours = result
        self._prepared = prepared
        if token[1] != self._style_generation:
            self._colour(prepared)  # the style changed meanwhile: never show the old one
            return
        self._show(prepared, colours)

    def _on_coloured(self, token: tuple[int, int], prepared: PreparedVector, colours: VectorColours) -> None:
        if self._current(token[0]) and token[1] == self._style_generation:
            self._show(prepared, colours)

    def _show(self, prepared: PreparedVector | None, colours: VectorColours | None) -> None:
        """Draw ``prepared`` in ``colours`` (new children if the geometry is new)."""
        if prepared is not self._shown:
            self._clear_children()
            self.shapes = {}
            self._shown = prepared
            if prepared is not None:
                for family, (rows, parts) in prepared.families.items():
                    factory = GEOMETRY_ITEMS.get(family)
                    if factory is not None:
                        self.shapes[family] = factory(parts, rows, self, self._jobs)
            self.rebuilt.emit()
        if prepared is None or colours is None:
            return
        style = self.layer.style
        for child in self.shapes.values():
            child.set_style(colours.palette, colours.colour[child.rows], style)
        if colours.labels is not None or self.label_source is not None:
            self.label_source = colours.labels
            self.labels_changed.emit()

    def detach(self) -> None:
        super().detach()
        for child in self.shapes.values():
            retire = getattr(child, "retire", None)
            if retire is not None:
                retire()

    def pick(self, x: float, y: float, tolerance: float) -> int | None:
        if self._prepared is None:  # not ready yet
            return None
        return self._prepared.index.pick(x, y, tolerance, filled=self.layer.style.fill)

    def highlight(self, index: int, outline: SelectionOutline) -> None:
        prepared = self._prepared
        if prepared is None or not 0 <= index < len(prepared.geoms):
            outline.clear()
            return
        import shapely

        geom = prepared.geoms[index]
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
    """A raster as one image item placed by the layer's affine geotransform.

    Its colours (:func:`~viewer.qt.map2d_geometry.raster_rgba`) are worked out on the map's pool
    for rasters of :data:`BACKGROUND_CELLS` cells or more; the old image stays until then.
    """

    data_fields = ("data", "transform", "nodata", "role")

    def _setup(self) -> None:
        self.image: pg.ImageItem | None = None

    def rebuild(self) -> None:
        self._generation += 1
        layer = self.layer
        if layer.data is None:
            self._clear_children()
            self.image = None
            return
        # What raster_rgba reads, taken now: the pool must not read the model while it changes.
        snapshot = types.SimpleNamespace(data=layer.data, nodata=layer.nodata, role=layer.role,
                                         style=layer.style, cell_size=layer.cell_size)
        transform = tuple(float(v) for v in layer.transform)
        self._run(np.size(layer.data) >= BACKGROUND_CELLS, raster_rgba, (snapshot,),
                  partial(self._on_coloured, self._generation, transform))

    def restyle(self) -> None:
        self.rebuild()

    def _on_coloured(self, generation: int, transform: tuple[float, ...], rgba: np.ndarray) -> None:
        if not self._current(generation):
            return
        if self.image is None:
            self.image = pg.ImageItem(axisOrder="row-major")
            self.image.setParentItem(self)
        a, b, c, d, e, f = transform
        # Item pixel (col, row) -> map: x = a*col + b*row + c, y = d*col + e*row + f.
        self.image.setTransform(QtGui.QTransform(a, d, b, e, c, f))
        self.image.setImage(rgba, autoLevels=False, levels=None, autoDownsample=max(rgba.shape[:2]) > 2048)

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
    "water": RasterLayerGraphics,  # a flood's depth at the clock's time (WaterDepthLayer)
}


def register_map_item(kind: str, cls: type[LayerGraphics]) -> None:
    """Draw layers of ``kind`` with ``cls`` (a plug-in layer kind adds itself this way)."""
    MAP_ITEMS[kind] = cls


def map_item_for(layer: Any, jobs: MapJobs | None = None) -> LayerGraphics | None:
    """A new graphics group for ``layer`` (its heavy work on ``jobs``, if given), or None for a
    kind the map does not draw."""
    cls = MAP_ITEMS.get(layer.kind)
    return None if cls is None else cls(layer, jobs)
