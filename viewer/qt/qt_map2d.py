"""The 2D map: the project's layers in a pyqtgraph view, kept in step with the model.

The widget takes the project in ``__init__``, subscribes to its events and keeps nothing but the
graphics items: one :class:`~viewer.qt.map2d_items.LayerGraphics` per layer (z-value = layer
order), one labels item above them, the selection outline and the scale bar. The heavy,
Qt-free work (preparing a layer's geometry, a level of detail) runs on the widget's pool
(:class:`~viewer.qt.map2d_jobs.MapJobs`): the GUI thread never waits on it, and a frame shows
what is ready. :meth:`QtMap2D.render_to_image` and :func:`measure_frame_ms` wait for the rest,
so headless pictures and benchmark frames are complete.
"""

from __future__ import annotations

import statistics
import time
import weakref
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from viewer.qt import map2d_sensors  # noqa: F401  (registers the "sensors" item)
from viewer.qt.map2d_items import LayerGraphics, map_item_for
from viewer.qt.map2d_jobs import BACKGROUND_FEATURES, MapJobs, layers_extent
from viewer.qt.map2d_painters import LabelsItem, SelectionOutline
from viewer.qt.pg_menus import drop_pyqtgraph_menus
from viewer.qt.qt_scale_bar import QtScaleBar
from viewer.readers.reproject import is_geographic, transform_xy

#: Identify tolerance around the cursor for lines and points, in pixels.
PICK_TOLERANCE_PX = 5.0
LABEL_Z = 10_000.0
SELECTION_Z = 1e8
#: How long a headless render waits for the background work a frame needs, in milliseconds.
RENDER_WAIT_MS = 60_000


def configure_pyqtgraph() -> None:
    """pyqtgraph options the map relies on: rasters are (rows, cols) arrays.

    Antialiasing is not switched off globally (charts want it); the map's batched items turn it
    off themselves for big layers.
    """
    pg.setConfigOptions(imageAxisOrder="row-major")


@lru_cache(maxsize=32)
def _crs_facts(crs: str) -> tuple[bool, str]:
    """(is geographic, short label) of a CRS string."""
    if not crs:
        return False, ""
    if len(crs) <= 24:
        return is_geographic(crs), crs
    from pyproj import CRS

    return is_geographic(crs), CRS.from_user_input(crs).name


def _weak_callback(method: Callable) -> Callable:
    """``method`` (bound) called through a weak reference: a job held by the pool does not keep
    the widget alive."""
    ref = weakref.WeakMethod(method)

    def call(*args: Any) -> None:
        target = ref()
        if target is not None:
            target(*args)
    return call


def _disconnect_all(connections: list[tuple[Any, weakref.WeakMethod]], items: dict[str, LayerGraphics],
                    jobs: MapJobs, *args: Any) -> None:
    """Drop the map's and its items' subscriptions to the model and its background jobs (the
    widget is being deleted).

    The widget's callbacks are held weakly here, so this hook does not keep the widget alive.
    """
    jobs.close()
    for signal, method in connections:
        callback = method()
        if callback is not None:
            signal.disconnect(callback, missing_ok=True)
    connections.clear()
    for item in items.values():
        item.detach()
    items.clear()


class QtMap2D(QtWidgets.QWidget):
    """A 2D map of ``project``: pan with the left button, zoom with the wheel, click to identify.

    Parameters
    ----------
    project
        The :class:`viewer.core.project.Project` shown.
    parent
        Parent widget.

    Signals
    -------
    cursor_moved(x, y)
        The map position under the mouse, in the project CRS.
    status_changed(text)
        The same position as status-bar text, with longitude and latitude.
    """

    cursor_moved = QtCore.Signal(float, float)
    clicked = QtCore.Signal(float, float)  # a left click on the map, in project CRS
    status_changed = QtCore.Signal(str)

    BACKGROUND = "#f3f1ec"

    def __init__(self, project: Any, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        configure_pyqtgraph()
        self.project = project
        self.view = pg.GraphicsView(background=self.BACKGROUND)
        self.view.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        drop_pyqtgraph_menus(self.view)
        self.viewbox = pg.ViewBox(enableMenu=False, defaultPadding=0.0)
        self.viewbox.setAspectLocked(True, ratio=1.0)
        self.viewbox.setMouseMode(pg.ViewBox.PanMode)
        self.viewbox.disableAutoRange()
        self.view.setCentralItem(self.viewbox)
        self.scale_bar = QtScaleBar(self.viewbox)
        self.selection_outline = SelectionOutline()
        self.viewbox.addItem(self.selection_outline, ignoreBounds=True)
        self.selection_outline.setZValue(SELECTION_Z)
        self.labels = LabelsItem(self._label_sources)
        self.viewbox.addItem(self.labels, ignoreBounds=True)
        self.labels.setZValue(LABEL_Z)
        self._items: dict[str, LayerGraphics] = {}
        self._jobs = MapJobs()
        self._fit_request: object | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

        scene = self.view.scene()
        scene.sigMouseClicked.connect(self._on_click)
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        self.viewbox.sigRangeChangedManually.connect(self._cancel_fit)
        events, selection = project.layers.events, project.selection.events
        connections: list[tuple[Any, Callable]] = [
            (events.inserted, self._sync_layers), (events.removed, self._sync_layers),
            (events.moved, self._sync_layers), (events.changed, self._sync_layers),
            (events.reordered, self._sync_layers),
            (selection.layer_id, self._show_selection), (selection.index, self._show_selection),
            (project.events.crs, self._on_crs),
        ]
        for signal, callback in connections:
            signal.connect(callback)
        # The model outlives the widget: drop the subscriptions when the C++ side goes.
        weak = [(signal, weakref.WeakMethod(callback)) for signal, callback in connections]
        self.destroyed.connect(partial(_disconnect_all, weak, self._items, self._jobs))
        self._on_crs(project.crs, refit=False)
        self._sync_layers()

    # -- layers -------------------------------------------------------------------------------

    def layer_item(self, layer_id: str) -> LayerGraphics | None:
        """The graphics group drawing the layer with ``layer_id`` (None if not drawn)."""
        return self._items.get(layer_id)

    def pending_jobs(self) -> int:
        """Background jobs (layer preparations, levels of detail) whose result is not in yet."""
        return self._jobs.pending()

    def wait_until_ready(self, timeout_ms: int = 30_000) -> bool:
        """Process events until no background job is pending; False if ``timeout_ms`` ran out.

        For tests and headless rendering: the GUI never needs to wait.
        """
        return self._jobs.wait_until_ready(timeout_ms)

    def _sync_layers(self, *args: Any) -> None:
        """Make the items match ``project.layers``: add, remove, and order them by z-value."""
        was_empty = not self._items
        layers = list(self.project.layers)
        wanted = {layer.id for layer in layers}
        for layer_id in [k for k in self._items if k not in wanted]:
            item = self._items.pop(layer_id)
            item.detach()
            self.viewbox.removeItem(item)
        for z, layer in enumerate(layers):
            item = self._items.get(layer.id)
            if item is None:
                item = map_item_for(layer, self._jobs)
                if item is None:
                    continue
                self._items[layer.id] = item
                self.viewbox.addItem(item, ignoreBounds=True)
                item.labels_changed.connect(self.labels.refresh)
                item.rebuilt.connect(self._show_selection)
            item.setZValue(z)
        if was_empty and self._items:
            self._fit_to_data()
        self.labels.refresh()
        self._show_selection()

    def _fit_to_data(self) -> None:
        """Show the project's extent: now, unless working it out is slow (big vector layers);
        then once the pool has, if the view was not moved meanwhile."""
        extent = self.project.extent2d
        layers = [layer for layer in self.project.layers if layer.feature_count]
        features = sum(len(layer.frame) for layer in layers if getattr(layer, "frame", None) is not None)
        if extent is None and features >= BACKGROUND_FEATURES:
            self._fit_request = request = object()
            done = partial(_weak_callback(self._on_data_extent), request)
            self._jobs.submit(layers_extent, (layers,), done)
            return
        extent = extent or self.project.extent
        if extent is not None:
            self.zoom_to(extent)

    def _on_data_extent(self, request: object, extent: tuple[float, float, float, float] | None) -> None:
        if request is self._fit_request and extent is not None:
            self.zoom_to(extent)

    def _cancel_fit(self, *args: Any) -> None:
        self._fit_request = None

    def _label_sources(self) -> list[tuple[Any, float]]:
        """(label source, opacity) of the visible layers that label, top-most first."""
        out = []
        for layer in reversed(list(self.project.layers)):
            item = self._items.get(layer.id)
            if item is not None and item.label_source is not None and layer.visible and layer.opacity > 0:
                out.append((item.label_source, float(layer.opacity)))
        return out

    def _on_crs(self, crs: str, refit: bool = True) -> None:
        self.scale_bar.geographic, _ = _crs_facts(crs or "")
        self.scale_bar.refresh()
        if refit:
            # Layers are reprojected after the CRS changes: fit once they are.
            QtCore.QTimer.singleShot(0, self, self.zoom_to_project)

    # -- selection ----------------------------------------------------------------------------

    def identify(self, x: float, y: float) -> tuple[str, int] | None:
        """Select the feature at map point (x, y) in the top-most visible layer that has one.

        Returns (layer id, index), or None after clearing the selection.
        """
        tolerance = PICK_TOLERANCE_PX * self._map_units_per_pixel()
        for layer in reversed(list(self.project.layers)):
            item = self._items.get(layer.id)
            if item is None or not layer.visible or layer.opacity <= 0:
                continue
            index = item.pick(x, y, tolerance)
            if index is not None:
                self.project.selection.select(layer.id, index)
                return layer.id, index
        self.project.selection.clear()
        return None

    def _on_click(self, event: Any) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or event.double():
            return
        pos = event.scenePos()
        if not self.viewbox.sceneBoundingRect().contains(pos):
            return
        point = self.viewbox.mapSceneToView(pos)
        self.identify(point.x(), point.y())
        self.clicked.emit(point.x(), point.y())

    def _show_selection(self, *args: Any) -> None:
        selection = self.project.selection
        item = self._items.get(selection.layer_id) if selection.layer_id else None
        if item is None or selection.index is None:
            self.selection_outline.clear()
        else:
            item.highlight(selection.index, self.selection_outline)

    # -- coordinates ----------------------------------------------------------------------------

    def _map_units_per_pixel(self) -> float:
        sx, sy = self.viewbox.viewPixelSize()
        return float(max(abs(sx), abs(sy)))

    def _on_mouse_moved(self, pos: QtCore.QPointF) -> None:
        if not self.viewbox.sceneBoundingRect().contains(pos):
            return
        point = self.viewbox.mapSceneToView(pos)
        self.cursor_moved.emit(point.x(), point.y())
        self.status_changed.emit(self.cursor_text(point.x(), point.y()))

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        """WGS 84 (longitude, latitude) of project-CRS point (x, y)."""
        if not self.project.crs:
            return float("nan"), float("nan")
        lon, lat = transform_xy(np.array([x]), np.array([y]), self.project.crs, "EPSG:4326")
        return float(lon[0]), float(lat[0])

    def cursor_text(self, x: float, y: float) -> str:
        """Status text such as ``585 308.93, 1 109 275.20 m (EPSG:5897) | 10.030000° N, 105.780000° E``."""
        geographic, label = _crs_facts(self.project.crs or "")
        lon, lat = self.lonlat(x, y)
        north = self.tr("N") if lat >= 0 else self.tr("S")
        east = self.tr("E") if lon >= 0 else self.tr("W")
        degrees = f"{abs(lat):.6f}° {north}, {abs(lon):.6f}° {east}"
        if geographic or not label:
            return degrees if label else f"{x:.2f}, {y:.2f}"
        return self.tr("{x}, {y} m ({crs}) | {lonlat}").format(
            x=f"{x:,.2f}".replace(",", " "), y=f"{y:,.2f}".replace(",", " "), crs=label, lonlat=degrees)

    def viewport_pos(self, x: float, y: float) -> QtCore.QPoint:
        """Viewport pixel of map point (x, y) (for mouse events on ``view.viewport()``)."""
        scene = self.viewbox.mapViewToScene(QtCore.QPointF(x, y))
        return self.view.mapFromScene(scene)

    # -- extent and rendering -------------------------------------------------------------------

    def zoom_to(self, extent: tuple[float, float, float, float]) -> None:
        """Show at least ``extent`` (xmin, ymin, xmax, ymax), widened to the view's shape."""
        self._cancel_fit()
        xmin, ymin, xmax, ymax = (float(v) for v in extent)
        if xmax - xmin <= 0 and ymax - ymin <= 0:
            xmin, xmax, ymin, ymax = xmin - 50, xmax + 50, ymin - 50, ymax + 50
        self.viewbox.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.0)

    def zoom_to_layer(self, layer: Any) -> None:
        """Show the whole of ``layer`` with a small margin."""
        xmin, ymin, xmax, ymax = layer.extent
        pad = 0.02 * max(xmax - xmin, ymax - ymin)
        self.zoom_to((xmin - pad, ymin - pad, xmax + pad, ymax + pad))

    def zoom_to_project(self) -> None:
        """Show every layer."""
        extent = self.project.extent
        if extent is not None:
            self.zoom_to(extent)

    def view_extent(self) -> tuple[float, float, float, float]:
        """The map area shown: (xmin, ymin, xmax, ymax)."""
        (xmin, xmax), (ymin, ymax) = self.viewbox.viewRange()
        return (float(xmin), float(ymin), float(xmax), float(ymax))

    def resize_view(self, width: int, height: int) -> None:
        """Give the map view ``width`` x ``height`` pixels, also while the widget is hidden."""
        if self.isVisible():
            if self.view.viewport().size() != QtCore.QSize(width, height) and self.isWindow():
                self.resize(width, height)
                QtWidgets.QApplication.processEvents()
            return
        # A hidden widget lays out its children only when shown: size the view, its viewport
        # and the view box directly, as pyqtgraph's resize handler would (headless rendering).
        self.resize(width, height)
        self.view.resize(width, height)
        self.view.viewport().resize(width, height)
        pg.GraphicsView.resizeEvent(self.view, None)

    def render_to_image(self, width: int, height: int) -> QtGui.QImage:
        """The map as it shows at ``width`` x ``height`` pixels (headless rendering), complete.

        A hidden widget (the command line's case) is laid out at that size; a visible one that
        sits inside a window keeps its size and its picture is scaled. The background work the
        picture needs is waited for.
        """
        self.resize_view(width, height)
        image = self._render_complete()
        if image.size() != QtCore.QSize(width, height):
            image = image.scaled(width, height, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                                 QtCore.Qt.TransformationMode.SmoothTransformation)
        return image

    def _render_complete(self, timeout_ms: int = RENDER_WAIT_MS) -> QtGui.QImage:
        """Render once every layer is prepared; render again while a frame asked the pool for
        detail (a level of detail it drew a stand-in for)."""
        self.wait_until_ready(timeout_ms)
        image = self._render_image()
        for _ in range(8):  # each pass waits for what the last frame asked for; one usually does
            if not self.pending_jobs():
                break
            self.wait_until_ready(timeout_ms)
            image = self._render_image()
        return image

    def _render_image(self) -> QtGui.QImage:
        size = self.view.viewport().size()
        image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QtGui.QColor(self.BACKGROUND))
        painter = QtGui.QPainter(image)
        self.view.render(painter, QtCore.QRectF(image.rect()), self.view.viewport().rect())
        painter.end()
        return image


def measure_frame_ms(widget: QtMap2D, extent: tuple[float, float, float, float], repeats: int = 5) -> float:
    """Median milliseconds to render ``widget``'s complete view of ``extent`` into an image of
    its size.

    The background work the view needs (layer preparation, the levels of detail it shows) is
    done first, untimed: it never holds up a frame on screen either.
    """
    if not widget.isVisible():
        widget.resize_view(widget.width(), widget.height())
    widget.zoom_to(extent)
    QtWidgets.QApplication.processEvents()
    widget._render_complete()
    times = []
    for _ in range(max(int(repeats), 1)):
        size = widget.view.viewport().size()
        image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QtGui.QColor(widget.BACKGROUND))
        painter = QtGui.QPainter(image)
        start = time.perf_counter()
        widget.view.render(painter, QtCore.QRectF(image.rect()), widget.view.viewport().rect())
        painter.end()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)
