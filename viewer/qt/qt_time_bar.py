"""The time bar: the controls of the one clock every time-based view follows.

Live or replay, play/pause, step back and forward by a chosen interval, speed, loop, a slider
over the replay range, a date-time to jump to and the length of the "last N minutes" window.
The bar writes every user action to :class:`viewer.core.clock.Clock` and shows the clock from
its events only, so a clock changed in code (a loaded project, a test) shows the same way.

Times are shown in the user's time zone (the system's unless one is given); the tooltip gives
the same instant in UTC, as files and the wire write it (ISO 8601, ``Z``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QHBoxLayout, QLabel, QSlider, QStyle,
                               QToolButton, QWidget)

from viewer.core.clock import NS, Clock
from viewer.qt.model_links import unlink_all
from viewer.qt.qt_locale import date_format, datetime_text

SPEEDS = (1.0, 10.0, 60.0, 100.0, 300.0, 1000.0)
"""Replay speeds offered (times real time)."""
STEPS_S = (1.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 86400.0)
"""Step intervals offered, in seconds."""
DEFAULT_STEP_S = 300.0
WINDOWS_S = (600.0, 1800.0, 3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0, 86400.0, 2 * 86400.0,
             7 * 86400.0)
"""Lengths offered for the "last N minutes/hours" window, in seconds."""
SLIDER_STEPS = 100_000
"""Finest slider resolution over the replay range (never finer than a second)."""


def format_utc(t_ns: int) -> str:
    """``2026-11-23T17:00:00Z``: an instant as files and the wire write it."""
    when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=int(t_ns) // NS)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_datetime(t_ns: int, zone: QTimeZone | None = None) -> QDateTime:
    """The instant ``t_ns`` (ns UTC) as a QDateTime in ``zone`` (default: the system's)."""
    return QDateTime.fromMSecsSinceEpoch(int(t_ns) // 1_000_000, zone or QTimeZone.systemTimeZone())


def format_local(t_ns: int, zone: QTimeZone | None = None) -> str:
    """``2026-11-24 00:00:00`` (``24/11/2026 00:00:00`` in Vietnamese): the instant in the user's
    time zone and date format."""
    return datetime_text(t_ns, zone)


def duration_text(seconds: float) -> str:
    """``10 min``, ``3 h``, ``7 d``: a short label for an interval (translated units)."""
    seconds = float(seconds)
    if seconds >= 86400 and seconds % 86400 == 0:
        return QCoreApplication.translate("QtTimeBar", "{n} d").format(n=int(seconds // 86400))
    if seconds >= 3600 and seconds % 3600 == 0:
        return QCoreApplication.translate("QtTimeBar", "{n} h").format(n=int(seconds // 3600))
    if seconds >= 60 and seconds % 60 == 0:
        return QCoreApplication.translate("QtTimeBar", "{n} min").format(n=int(seconds // 60))
    return QCoreApplication.translate("QtTimeBar", "{n} s").format(n=f"{seconds:g}")


class QtTimeBar(QWidget):
    """Controls of ``clock``.

    Parameters
    ----------
    clock
        The clock shown and driven.
    replay_range
        Called when the user switches from live to replay: the (start, end) ns to replay, e.g.
        the observations' time range; None (or a call returning None) replays the clock's own
        range, or else the last window.
    time_zone
        The zone times are shown in (default: the system's).
    """

    def __init__(self, clock: Clock, parent: QWidget | None = None,
                 replay_range: Callable[[], tuple[int, int] | None] | None = None,
                 time_zone: QTimeZone | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.time_zone = time_zone or QTimeZone.systemTimeZone()
        self._replay_range = replay_range
        self._links: list[tuple[Any, Callable]] = []
        self._slider_unit_ns = NS
        self._editing = False  # the user is typing a date-time: the clock does not overwrite it
        style = self.style()

        self.live_button = self._button(self.tr("Live"), self.tr(
            "Live: follow the wall clock. Off: replay the recorded time range."), self._on_live)
        self.live_button.setCheckable(True)
        self.back_button = self._button(self.tr("Step back"), self.tr("Step back by the step interval"),
                                        partial(self._on_step, -1))
        self.back_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekBackward))
        self.play_button = self._button(self.tr("Play"), self.tr("Play or pause the replay"), self._on_play)
        self.play_button.setCheckable(True)
        self.forward_button = self._button(self.tr("Step forward"), self.tr("Step forward by the step interval"),
                                           partial(self._on_step, +1))
        self.forward_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward))
        self.step_combo = self._combo([(duration_text(s), s) for s in STEPS_S], self.tr("Step interval"))
        self.step_combo.setCurrentIndex(STEPS_S.index(DEFAULT_STEP_S))
        self.speed_combo = self._combo([(f"{s:g}×", s) for s in SPEEDS], self.tr("Replay speed (times real time)"))
        self.speed_combo.activated.connect(self._on_speed)
        self.loop_button = self._button(self.tr("Loop"), self.tr("Start over at the end of the range"), self._on_loop)
        self.loop_button.setCheckable(True)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setToolTip(self.tr("Time in the replay range"))
        self.slider.valueChanged.connect(self._on_slider)
        self.datetime_edit = QDateTimeEdit(self)
        self.datetime_edit.setTimeZone(self.time_zone)
        self.datetime_edit.setDisplayFormat(date_format() + " HH:mm:ss")
        self.datetime_edit.setCalendarPopup(True)
        self.datetime_edit.dateTimeChanged.connect(self._on_datetime_typed)
        self.datetime_edit.editingFinished.connect(self._on_datetime)
        self.window_combo = self._combo([(duration_text(s), s) for s in WINDOWS_S],
                                        self.tr("Length of the time window the charts show"))
        self.window_combo.activated.connect(self._on_window)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for widget in (self.live_button, self.back_button, self.play_button, self.forward_button,
                       QLabel(self.tr("Step"), self), self.step_combo, QLabel(self.tr("Speed"), self),
                       self.speed_combo, self.loop_button):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.datetime_edit)
        layout.addWidget(QLabel(self.tr("Window"), self))
        layout.addWidget(self.window_combo)

        events = clock.events
        for signal in (events.mode, events.playing, events.speed, events.loop, events.start_ns,
                       events.end_ns, events.window_s):
            self._link(signal, self.refresh)
        self._link(events.time_ns, self._show_time)
        self.destroyed.connect(partial(unlink_all, self._links))
        self.refresh()

    def _link(self, signal: Any, callback: Callable) -> None:
        signal.connect(callback)
        self._links.append((signal, callback))

    def _button(self, text: str, tip: str, slot: Callable) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.clicked.connect(lambda *_: slot())
        return button

    def _combo(self, items: list[tuple[str, float]], tip: str) -> QComboBox:
        combo = QComboBox(self)
        for text, value in items:
            combo.addItem(text, value)
        combo.setToolTip(tip)
        return combo

    @property
    def step_s(self) -> float:
        """The step interval chosen, in seconds."""
        return float(self.step_combo.currentData())

    # -- clock -> widgets ------------------------------------------------------------------------

    def refresh(self, *_: Any) -> None:
        """Show every field of the clock."""
        clock = self.clock
        live = clock.mode == "live"
        self._set(self.live_button, "setChecked", live)
        self._set(self.play_button, "setChecked", bool(clock.playing))
        self._set(self.loop_button, "setChecked", bool(clock.loop))
        pause = QStyle.StandardPixmap.SP_MediaPause if clock.playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(pause))
        self.play_button.setText(self.tr("Pause") if clock.playing else self.tr("Play"))
        for widget in (self.back_button, self.play_button, self.forward_button, self.step_combo,
                       self.speed_combo, self.loop_button, self.slider):
            widget.setEnabled(not live)
        self.datetime_edit.setReadOnly(live)
        self._select(self.speed_combo, float(clock.speed), f"{clock.speed:g}×")
        self._select(self.window_combo, float(clock.window_s), duration_text(clock.window_s))
        span = max(int(clock.end_ns) - int(clock.start_ns), 0)
        self._slider_unit_ns = max(NS, -(-span // SLIDER_STEPS))
        self._set(self.slider, "setRange", 0, span // self._slider_unit_ns)
        self._show_time()

    def _show_time(self, *_: Any) -> None:
        clock = self.clock
        if clock.mode == "replay":
            self._set(self.slider, "setValue", (int(clock.time_ns) - int(clock.start_ns)) // self._slider_unit_ns)
        if not self._editing or clock.mode == "live":
            self._set(self.datetime_edit, "setDateTime", local_datetime(clock.time_ns, self.time_zone))
        self.datetime_edit.setToolTip(self.tr("{local} ({zone})\n{utc} (UTC)").format(
            local=format_local(clock.time_ns, self.time_zone), zone=bytes(self.time_zone.id()).decode(),
            utc=format_utc(clock.time_ns)))

    @staticmethod
    def _set(widget: QWidget, method: str, *args: Any) -> None:
        """Call a setter without the widget's signals (a view of the clock does not write it)."""
        blocked = widget.blockSignals(True)
        getattr(widget, method)(*args)
        widget.blockSignals(blocked)

    def _select(self, combo: QComboBox, value: float, text: str) -> None:
        index = combo.findData(value)
        if index < 0:  # a value set in code that the list does not offer: show it anyway
            combo.addItem(text, value)
            index = combo.count() - 1
        self._set(combo, "setCurrentIndex", index)

    # -- widgets -> clock ------------------------------------------------------------------------

    def _on_live(self) -> None:
        clock = self.clock
        if self.live_button.isChecked():
            clock.go_live()
            return
        now = clock.time_ns
        span = self._replay_range() if self._replay_range is not None else None
        if span is None and clock.end_ns > clock.start_ns:
            span = (clock.start_ns, clock.end_ns)
        if span is None:
            span = (now - int(clock.window_s * NS), now)
        clock.replay(*span)
        clock.jump(now)  # clamped into the range: usually its end, where live left off

    def _on_play(self) -> None:
        clock = self.clock
        if self.play_button.isChecked() and clock.time_ns >= clock.end_ns and not clock.loop:
            clock.jump(clock.start_ns)  # play at the end starts over
        clock.playing = self.play_button.isChecked()

    def _on_step(self, direction: int) -> None:
        self.clock.step(direction * self.step_s)

    def _on_speed(self, index: int) -> None:
        self.clock.set_speed(float(self.speed_combo.itemData(index)))

    def _on_loop(self) -> None:
        self.clock.loop = self.loop_button.isChecked()

    def _on_slider(self, value: int) -> None:
        if self.clock.mode == "replay":
            self.clock.jump(self.clock.start_ns + int(value) * self._slider_unit_ns)

    def _on_datetime_typed(self, *_: Any) -> None:
        self._editing = True  # only the user changes it: the bar's own updates emit nothing

    def _on_datetime(self) -> None:
        editing, self._editing = self._editing, False
        if self.clock.mode != "replay" or not editing:
            return
        t_ns = int(self.datetime_edit.dateTime().toMSecsSinceEpoch()) * 1_000_000
        if t_ns // NS != self.clock.time_ns // NS:
            self.clock.jump(t_ns)
        self._show_time()

    def _on_window(self, index: int) -> None:
        self.clock.window_s = float(self.window_combo.itemData(index))
