"""The alarm list: every alarm raised (time, sensor, value, level) with an acknowledge box, and
below it the sensors that have gone stale.

A view of ``project.alarms`` (:class:`~viewer.core.sensor_status.AlarmLog`): rows are added on
its ``added`` event and marked on ``acknowledged``; ticking a row's box acknowledges the alarm in
the log. Unacknowledged alarms are bold and red, newest first; the count of them is offered as
the dock title (``title_changed``). The stale list follows ``project.sensor_status`` (refreshed
at most every :data:`STALE_INTERVAL_MS`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, QTimer, QTimeZone, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QListWidget, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from viewer.core.clock import NS
from viewer.core.project import Project
from viewer.core.sensor_status import Alarm
from viewer.core.sensors import LEVEL_ALARM
from viewer.core.style import STATUS_COLORS
from viewer.qt.model_links import unlink_all
from viewer.qt.qt_locale import value_text
from viewer.qt.qt_time_bar import format_local, format_utc

STALE_INTERVAL_MS = 500
"""Least time between two refreshes of the stale list."""
UNACKNOWLEDGED_COLOR = "#c92a2a"
TIME, SENSOR, VALUE, LEVEL, ACK = range(5)
NO_TIME = np.iinfo(np.int64).min


def age_text(seconds: float) -> str:
    """``12 min``, ``3 h``, ``2 d``: how long a sensor has been silent (translated units)."""
    minutes = seconds / 60.0
    if minutes < 120:
        return QCoreApplication.translate("QtAlarmList", "{n} min").format(n=max(int(minutes), 0))
    if minutes < 48 * 60:
        return QCoreApplication.translate("QtAlarmList", "{n} h").format(n=int(minutes // 60))
    return QCoreApplication.translate("QtAlarmList", "{n} d").format(n=int(minutes // 1440))


class QtAlarmList(QWidget):
    """Alarms and stale sensors of ``project``.

    Parameters
    ----------
    project
        Its ``alarms``, ``sensors`` (names, units), ``sensor_status`` and ``clock`` are shown.
    time_zone
        The zone alarm times are shown in (default: the system's); the tooltip gives UTC.

    Signals
    -------
    title_changed(str)
        ``"Alarms (3)"``: the dock title with the number of unacknowledged alarms.
    """

    title_changed = Signal(str)

    def __init__(self, project: Project, parent: QWidget | None = None, time_zone: QTimeZone | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.time_zone = time_zone or QTimeZone.systemTimeZone()
        self._rows: list[tuple[Alarm, QTreeWidgetItem]] = []
        self._links: list[tuple[Any, Callable]] = []

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels([self.tr("Time"), self.tr("Sensor"), self.tr("Value"), self.tr("Level"),
                                   self.tr("Acknowledged")])
        self.tree.setRootIsDecorated(False)
        header = self.tree.header()
        for column in (TIME, VALUE, LEVEL, ACK):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.ack_all_button = QPushButton(self.tr("Acknowledge all"), self)
        self.ack_all_button.clicked.connect(lambda *_: self.acknowledge_all())
        self.stale_label = QLabel(self)
        self.stale_list = QListWidget(self)
        self.stale_list.setMaximumHeight(110)

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.ack_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        layout.addWidget(self.stale_label)
        layout.addWidget(self.stale_list)

        self._stale_timer = QTimer(self)
        self._stale_timer.setSingleShot(True)
        self._stale_timer.setInterval(STALE_INTERVAL_MS)
        self._stale_timer.timeout.connect(self.refresh_stale)
        alarms = project.alarms
        for signal, callback in ((alarms.added, self._on_added), (alarms.acknowledged, self._on_acknowledged),
                                 (project.sensor_status.updated, self._on_status),
                                 (project.sensors.changed, self.rebuild)):
            signal.connect(callback)
            self._links.append((signal, callback))
        self.destroyed.connect(partial(unlink_all, self._links))
        self.rebuild()

    # -- alarms ---------------------------------------------------------------------------------

    def rebuild(self, *_: Any) -> None:
        """Show every alarm of the log again (the log was replaced or cleared)."""
        self.tree.blockSignals(True)
        self.tree.clear()
        self._rows = []
        self.tree.blockSignals(False)
        for alarm in self.project.alarms.alarms:
            self._on_added(alarm, announce=False)
        self._announce()
        self.refresh_stale()

    def _on_added(self, alarm: Alarm, announce: bool = True) -> None:
        stream = self.project.sensors.datastreams.get(alarm.stream_id)
        name = stream.name if stream is not None else alarm.stream_id
        unit = stream.unit if stream is not None else ""
        item = QTreeWidgetItem()
        item.setText(TIME, format_local(alarm.time_ns, self.time_zone))
        item.setToolTip(TIME, format_utc(alarm.time_ns))
        item.setText(SENSOR, name)
        thing = self.project.sensors.things.get(stream.thing_id) if stream is not None else None
        item.setToolTip(SENSOR, thing.name if thing is not None else alarm.stream_id)
        item.setText(VALUE, f"{value_text(alarm.value)} {unit}".strip())
        alarm_level = alarm.level >= LEVEL_ALARM
        item.setText(LEVEL, self.tr("alarm") if alarm_level else self.tr("warning"))
        item.setForeground(LEVEL, QBrush(QColor(STATUS_COLORS["alarm" if alarm_level else "warning"])))
        self.tree.blockSignals(True)
        self.tree.insertTopLevelItem(0, item)  # newest first
        self._rows.append((alarm, item))
        self._mark(alarm, item)
        self.tree.blockSignals(False)
        if announce:
            self._announce()

    def _mark(self, alarm: Alarm, item: QTreeWidgetItem) -> None:
        """Bold red and tickable while unacknowledged; plain and ticked once acknowledged."""
        font = QFont(self.tree.font())
        font.setBold(not alarm.acknowledged)
        for column in (TIME, SENSOR, VALUE, LEVEL, ACK):
            item.setFont(column, font)
            if column != LEVEL:
                item.setForeground(column, QBrush(QColor(UNACKNOWLEDGED_COLOR)) if not alarm.acknowledged
                                   else self.tree.palette().text())
        flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
        if alarm.acknowledged:
            flags &= ~Qt.ItemFlag.ItemIsUserCheckable  # an acknowledgement is not taken back
        item.setFlags(flags)
        item.setCheckState(ACK, Qt.CheckState.Checked if alarm.acknowledged else Qt.CheckState.Unchecked)

    def _item_of(self, alarm: Alarm) -> QTreeWidgetItem | None:
        return next((item for a, item in self._rows if a is alarm), None)

    def _alarm_of(self, item: QTreeWidgetItem) -> Alarm | None:
        return next((a for a, i in self._rows if i is item), None)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        alarm = self._alarm_of(item)
        if column == ACK and alarm is not None and item.checkState(ACK) == Qt.CheckState.Checked:
            self.project.alarms.acknowledge(alarm)  # the log's event marks the row

    def _on_acknowledged(self, alarm: Alarm) -> None:
        item = self._item_of(alarm)
        if item is not None:
            self.tree.blockSignals(True)
            self._mark(alarm, item)
            self.tree.blockSignals(False)
        self._announce()

    def acknowledge(self, row: int) -> None:
        """Acknowledge the alarm shown in ``row`` (0 = newest)."""
        alarm = self._alarm_of(self.tree.topLevelItem(row))
        if alarm is not None:
            self.project.alarms.acknowledge(alarm)

    def acknowledge_all(self) -> None:
        """Acknowledge every alarm."""
        for alarm in list(self.project.alarms.unacknowledged):
            self.project.alarms.acknowledge(alarm)

    def unacknowledged_count(self) -> int:
        """Alarms nobody has acknowledged."""
        return len(self.project.alarms.unacknowledged)

    def title(self) -> str:
        """The dock title: ``Alarms``, with the unacknowledged count when there are some."""
        count = self.unacknowledged_count()
        return self.tr("Alarms ({n})").format(n=count) if count else self.tr("Alarms")

    def _announce(self) -> None:
        self.ack_all_button.setEnabled(self.unacknowledged_count() > 0)
        self.title_changed.emit(self.title())

    def row_texts(self, row: int) -> list[str]:
        """The texts of ``row`` (0 = newest), column by column."""
        item = self.tree.topLevelItem(row)
        return [item.text(column) for column in range(self.tree.columnCount())]

    # -- stale sensors -------------------------------------------------------------------------

    def _on_status(self) -> None:
        if len(self._rows) != len(self.project.alarms.alarms):
            self.rebuild()  # the log was cleared behind our back (a project was opened)
        elif not self._stale_timer.isActive():
            self._stale_timer.start()

    def refresh_stale(self) -> None:
        """List the datastreams stale at the last status refresh, with how long they are silent."""
        status, network = self.project.sensor_status, self.project.sensors
        now = self.project.clock.time_ns
        lines = []
        for key, stale, when in zip(status.ids, status.stale, status.times_ns):
            stream = network.datastreams.get(key)
            if not stale or stream is None:
                continue
            thing = network.things.get(stream.thing_id)
            name = f"{thing.name} — {stream.name}" if thing is not None else stream.name
            silent = self.tr("no data") if int(when) == NO_TIME else \
                self.tr("no data for {age}").format(age=age_text((now - int(when)) / NS))
            lines.append(f"{name}: {silent}")
        self.stale_list.clear()
        self.stale_list.addItems(lines)
        self.stale_label.setText(self.tr("Stale sensors ({n})").format(n=len(lines)) if lines
                                 else self.tr("No stale sensors"))

    def stale_texts(self) -> list[str]:
        """The stale list's lines, as shown."""
        return [self.stale_list.item(i).text() for i in range(self.stale_list.count())]
