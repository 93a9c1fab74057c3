"""The sensor chart: the history of the selected stations' datastreams, with a cursor at the
clock's time.

One curve per datastream (several stations can share the chart: Ctrl+click a second station on
the map, or switch "Add to chart" on), dashed lines at each datastream's warning and alarm
thresholds, and a vertical cursor that follows ``project.clock``. In live mode the x range is the
clock's window ("the last N minutes") ending at the clock's time; in replay it starts as the
whole replay range and the user zooms and pans freely.

Only what is visible is drawn: each redraw asks the store for the visible range reduced to
about two points per pixel (:meth:`ObservationStore.window` keeps each bucket's minimum and
maximum, so peaks survive), and the curves clip to the view. Redraws are coalesced by a
single-shot timer (:data:`REDRAW_INTERVAL_MS`), so a burst of data or a drag costs one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from viewer.core.clock import NS
from viewer.core.project import Project
from viewer.core.style import STATUS_COLORS
from viewer.qt.model_links import unlink_all
from viewer.qt.pg_menus import drop_pyqtgraph_menus
from viewer.qt.qt_locale import value_text

REDRAW_INTERVAL_MS = 100
"""Coalescing delay of redraws (at most ~10 a second)."""
POINTS_PER_PIXEL = 2
"""Points asked of the store per pixel of plot width (a minimum and a maximum)."""
CURVE_COLORS = ("#1971c2", "#e8590c", "#2f9e44", "#9c36b5", "#0c8599", "#c2255c", "#5c940d", "#364fc7")
CURSOR_COLOR = "#212529"


class QtSensorChart(QWidget):
    """History chart of the selected stations.

    Parameters
    ----------
    project
        Its selection picks the stations (a feature of a ``"sensors"`` layer); its store gives
        the data; its clock the cursor and, live, the x range.

    Attributes
    ----------
    stream_ids
        The datastreams drawn, in curve order.
    curves
        Datastream id -> its ``PlotDataItem``.
    cursor
        The vertical line at the clock's time (x in seconds since the epoch, UTC).

    Signals
    -------
    station_shown(str thing_id)
        A station was put on the chart (the window raises the chart's dock).
    """

    station_shown = Signal(str)

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.stream_ids: list[str] = []
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.threshold_lines: dict[str, list[pg.InfiniteLine]] = {}
        self._links: list[tuple[Any, Callable]] = []
        self._setting_range = False

        self.title_label = QLabel(self.tr("Click a sensor on the map to chart its history."), self)
        self.title_label.setWordWrap(True)
        self.add_button = QToolButton(self)
        self.add_button.setText(self.tr("Add to chart"))
        self.add_button.setCheckable(True)
        self.add_button.setToolTip(self.tr("Add each station you select to the chart instead of replacing it "
                                           "(Ctrl+click does the same once)"))
        self.clear_button = QToolButton(self)
        self.clear_button.setText(self.tr("Clear"))
        self.clear_button.setToolTip(self.tr("Remove every curve"))
        self.clear_button.clicked.connect(lambda *_: self.set_streams([]))
        self.axis = pg.DateAxisItem(orientation="bottom")  # x: UTC seconds, labelled in local time
        self.plot = pg.PlotWidget(self, axisItems={"bottom": self.axis}, background="w")
        self.plot.setMinimumHeight(160)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        drop_pyqtgraph_menus(self.plot)
        self.legend = self.plot.addLegend(offset=(8, 8), labelTextColor=CURSOR_COLOR)
        self.viewbox = self.plot.getViewBox()
        self.viewbox.setMouseEnabled(x=True, y=False)
        self.viewbox.enableAutoRange(axis="y")
        self.viewbox.setAutoVisible(y=True)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(CURSOR_COLOR, width=1.5))
        self.plot.addItem(self.cursor, ignoreBounds=True)

        row = QHBoxLayout()
        row.addWidget(self.title_label, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)

        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self.redraw)
        self._selection_timer = QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(0)
        self._selection_timer.timeout.connect(self._on_selection)
        self.viewbox.sigXRangeChanged.connect(self._on_view_range)

        clock, selection = project.clock, project.selection
        for signal, callback in (
                (clock.events.time_ns, self._on_time), (clock.events.mode, self._reset_range),
                (clock.events.start_ns, self._reset_range), (clock.events.end_ns, self._reset_range),
                (clock.events.window_s, self._reset_range), (project.observations.appended, self._on_appended),
                (project.sensors.changed, self._on_network), (selection.events.layer_id, self._schedule_selection),
                (selection.events.index, self._schedule_selection)):
            signal.connect(callback)
            self._links.append((signal, callback))
        self.destroyed.connect(partial(unlink_all, self._links))
        self._on_time()

    # -- what is charted ---------------------------------------------------------------------

    def _schedule_selection(self, *_: Any) -> None:
        # select() sets the layer, then the index: act once both are in.
        self._selection_timer.start()

    def _on_selection(self) -> None:
        selection = self.project.selection
        layer = self.project.layer_by_id(selection.layer_id)
        if layer is None or layer.kind != "sensors" or selection.index is None:
            return
        things = layer.things()
        if not 0 <= selection.index < len(things):
            return
        ctrl = bool(QGuiApplication.queryKeyboardModifiers() & Qt.KeyboardModifier.ControlModifier)
        self.show_station(things[selection.index].id, add=ctrl or self.add_button.isChecked())

    def show_station(self, thing_id: str, add: bool = False) -> None:
        """Chart the datastreams of station ``thing_id``, instead of (or with ``add``, besides)
        those shown."""
        ids = [stream.id for stream in self.project.sensors.of_thing(thing_id)]
        self.set_streams(self.stream_ids + [i for i in ids if i not in self.stream_ids] if add else ids)
        self.station_shown.emit(thing_id)

    def set_streams(self, stream_ids: list[str]) -> None:
        """Chart exactly ``stream_ids`` (unknown ids are left out)."""
        network = self.project.sensors.datastreams
        self.stream_ids = [i for i in dict.fromkeys(stream_ids) if i in network]
        for item in list(self.curves.values()) + [line for lines in self.threshold_lines.values() for line in lines]:
            self.plot.removeItem(item)
        self.legend.clear()
        self.curves, self.threshold_lines = {}, {}
        for n, key in enumerate(self.stream_ids):
            stream = network[key]
            color = CURVE_COLORS[n % len(CURVE_COLORS)]
            curve = pg.PlotDataItem(pen=pg.mkPen(color, width=1.5), clipToView=True, connect="finite",
                                    name=f"{stream.name} ({stream.unit})" if stream.unit else stream.name)
            self.plot.addItem(curve)
            self.curves[key] = curve
            self.threshold_lines[key] = self._threshold_lines(stream)
        self._show_titles()
        self._reset_range()

    def _threshold_lines(self, stream: Any) -> list[pg.InfiniteLine]:
        lines = []
        for level, value in (("warning", stream.thresholds.warning), ("alarm", stream.thresholds.alarm)):
            if value is None:
                continue
            text = self.tr("warning") if level == "warning" else self.tr("alarm")
            line = pg.InfiniteLine(pos=float(value), angle=0, movable=False,
                                   pen=pg.mkPen(STATUS_COLORS[level], width=1, style=Qt.PenStyle.DashLine),
                                   label=f"{text} {value_text(value)} {stream.unit}",
                                   labelOpts={"position": 0.98, "color": STATUS_COLORS[level],
                                              "anchors": [(1, 1), (1, 1)]})
            self.plot.addItem(line)
            lines.append(line)
        return lines

    def _show_titles(self) -> None:
        network = self.project.sensors
        things = dict.fromkeys(network.datastreams[key].thing_id for key in self.stream_ids)
        names = [network.things[t].name for t in things if t in network.things]
        self.title_label.setText(", ".join(names) if names else
                                 self.tr("Click a sensor on the map to chart its history."))
        units = {network.datastreams[key].unit for key in self.stream_ids}
        self.plot.setLabel("left", units.pop() if len(units) == 1 else "")

    def _on_network(self) -> None:
        if any(key not in self.project.sensors.datastreams for key in self.stream_ids):
            self.set_streams(self.stream_ids)

    # -- following the clock and the data ------------------------------------------------------

    def _on_time(self, *_: Any) -> None:
        self.cursor.setPos(self.project.clock.time_ns / NS)
        if self.project.clock.mode == "live" and self.stream_ids:
            self.schedule_redraw()

    def _reset_range(self, *_: Any) -> None:
        """Show the live window, or the whole replay range (the data's, lacking one)."""
        clock = self.project.clock
        if clock.mode == "replay" and clock.end_ns > clock.start_ns:
            self._set_x_range(clock.start_ns, clock.end_ns)
        elif clock.mode == "replay" and self.stream_ids:
            span = [self.project.observations.time_range(key) for key in self.stream_ids]
            span = [s for s in span if s is not None]
            if span:
                self._set_x_range(min(s[0] for s in span), max(s[1] for s in span))
        self.schedule_redraw()

    def _set_x_range(self, t0_ns: int, t1_ns: int) -> None:
        self._setting_range = True
        try:
            self.viewbox.setXRange(t0_ns / NS, max(t1_ns, t0_ns + NS) / NS, padding=0.0)
        finally:
            self._setting_range = False

    def _on_view_range(self, *_: Any) -> None:
        if not self._setting_range:
            self.schedule_redraw()  # the user zoomed or panned: fetch what is now visible

    def _on_appended(self, stream_ids: set[str]) -> None:
        if not stream_ids or stream_ids.intersection(self.stream_ids):
            self.schedule_redraw()

    def schedule_redraw(self) -> None:
        """Redraw within :data:`REDRAW_INTERVAL_MS` (requests meanwhile are merged)."""
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def max_points(self) -> int:
        """Points asked of the store per curve: about two per pixel of plot width."""
        return POINTS_PER_PIXEL * max(int(self.viewbox.width()), 100)

    def redraw(self) -> None:
        """Fetch the visible range of every curve (downsampled to the plot's width) and draw it."""
        self._redraw_timer.stop()
        clock = self.project.clock
        if clock.mode == "live":
            self._set_x_range(clock.time_ns - int(clock.window_s * NS), clock.time_ns)
        (x0, x1), _ = self.viewbox.viewRange()
        t0, t1 = int(np.floor(x0 * NS)), int(np.ceil(x1 * NS))
        limit = self.max_points()
        for key, curve in self.curves.items():
            times, values = self.project.observations.window(key, t0, t1, max_points=limit)
            curve.setData(times / NS, values)
        self.cursor.setPos(clock.time_ns / NS)

    def point_counts(self) -> dict[str, int]:
        """Points each curve was given at the last redraw."""
        return {key: 0 if curve.xData is None else len(curve.xData) for key, curve in self.curves.items()}
