"""The 2D map item of a :class:`~viewer.core.layers.SensorLayer`: one symbol per station, coloured
by its level at the clock's time (normal green, warning orange, alarm red, stale grey).

All stations are one ``ScatterPlotItem``. The item follows ``layer.status.updated`` (the
project's :class:`~viewer.core.sensor_status.SensorStatus`) and recolours at most every
:data:`REDRAW_INTERVAL_MS`; a burst of refreshes costs one repaint, and the last state is
always drawn. Stations come from ``layer.network``; its ``changed`` event rebuilds the symbols.

Importing this module registers the item for layer kind ``"sensors"``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from viewer.qt.map2d_geometry import LabelSource
from viewer.qt.map2d_items import LayerGraphics, register_map_item
from viewer.qt.map2d_painters import SelectionOutline
from viewer.core.style import station_colors

REDRAW_INTERVAL_MS = 100
"""Least time between two recolourings (at most ~10 redraws a second)."""
SYMBOL_SIZE = 16.0
"""Station symbol diameter in pixels (at least; a bigger style point size wins)."""
EDGE_COLOR = "#1f2a33"


class SensorLayerGraphics(LayerGraphics):
    """Stations as one scatter item with a brush per station; picks and highlights stations.

    Feature ``i`` is the i-th station of :meth:`SensorLayer.things` (the layer's identify order).
    """

    data_fields = ("network", "status")

    def _setup(self) -> None:
        self.scatter: pg.ScatterPlotItem | None = None
        self.colors = np.empty((0, 3), dtype=np.uint8)
        self._xy = np.empty((0, 2))
        self._model_links: list[tuple[Any, Callable]] = []
        self._last_draw = float("-inf")
        self._redraw_timer = QtCore.QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.timeout.connect(self._redraw_now)

    # -- model -------------------------------------------------------------------------------

    def _follow_model(self) -> None:
        self._unfollow_model()
        layer = self.layer
        if layer.network is not None:
            self._model_links.append((layer.network.changed, self._on_network))
        if layer.status is not None:
            self._model_links.append((layer.status.updated, self._on_status))
        for signal, callback in self._model_links:
            signal.connect(callback)

    def _unfollow_model(self) -> None:
        for signal, callback in self._model_links:
            signal.disconnect(callback)
        self._model_links = []

    def detach(self) -> None:
        super().detach()
        self._unfollow_model()

    def _on_network(self) -> None:
        if self._attached:
            self.rebuild()
            self.rebuilt.emit()

    def _on_status(self) -> None:
        """Recolour now, or once :data:`REDRAW_INTERVAL_MS` has passed since the last time."""
        if not self._attached or self._redraw_timer.isActive():
            return  # the pending redraw will show this state too
        wait_ms = REDRAW_INTERVAL_MS - (time.monotonic() - self._last_draw) * 1000.0
        if wait_ms <= 0:
            self._redraw_now()
        else:
            self._redraw_timer.start(int(np.ceil(wait_ms)))

    def _redraw_now(self) -> None:
        if self._attached:
            self._last_draw = time.monotonic()
            self.recolor()

    # -- drawing -----------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Symbols at the stations' positions, then their colours."""
        self._follow_model()
        self._xy = self.layer.positions()
        if self.scatter is None:
            self.scatter = pg.ScatterPlotItem(pxMode=True, antialias=True, symbol="o")
            self.scatter.setParentItem(self)
        style = self.layer.style
        self.scatter.setData(x=self._xy[:, 0], y=self._xy[:, 1], size=self.symbol_size,
                             pen=pg.mkPen(EDGE_COLOR, width=1.5))
        self.colors = np.empty((0, 3), dtype=np.uint8)
        self.recolor()
        names = [thing.name for thing in self.layer.things()] if style.label_field else []
        if names:
            self.label_source = LabelSource(self._xy[:, 0].copy(), self._xy[:, 1].copy(), np.zeros(len(names)),
                                            names, offset_px=self.symbol_size / 2 + 3)
        else:
            self.label_source = None
        self.labels_changed.emit()

    @property
    def symbol_size(self) -> float:
        """Symbol diameter in pixels."""
        return max(SYMBOL_SIZE, float(self.layer.style.point_size))

    def recolor(self) -> None:
        """Brushes from the stations' levels and staleness (only when a colour changed)."""
        if self.scatter is None:
            return
        levels, stale = self.layer.station_levels()
        colors = station_colors(levels, stale)
        if colors.shape == self.colors.shape and np.array_equal(colors, self.colors):
            return
        self.colors = colors
        brushes = {tuple(c): QtGui.QBrush(QtGui.QColor(*map(int, c))) for c in np.unique(colors, axis=0)}
        self.scatter.setBrush([brushes[tuple(c)] for c in colors])

    def restyle(self) -> None:
        self.rebuild()

    # -- identify ----------------------------------------------------------------------------

    def pick(self, x: float, y: float, tolerance: float) -> int | None:
        """The station whose symbol covers map point (x, y) (or lies within ``tolerance``)."""
        if not len(self._xy):
            return None
        radius = tolerance
        view = self.getViewBox()
        if view is not None:
            sx, sy = view.viewPixelSize()
            radius = max(radius, (self.symbol_size / 2 + 1) * max(abs(sx), abs(sy)))
        distance = np.hypot(self._xy[:, 0] - x, self._xy[:, 1] - y)
        nearest = int(np.argmin(distance))
        return nearest if distance[nearest] <= radius else None

    def highlight(self, index: int, outline: SelectionOutline) -> None:
        if not 0 <= index < len(self._xy):
            outline.clear()
            return
        outline.show(None, self._xy[index: index + 1], self.symbol_size / 2 + 3)


register_map_item("sensors", SensorLayerGraphics)
