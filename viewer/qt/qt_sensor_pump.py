"""The GUI thread's sensor heartbeat: drain live sources, move the clock, refresh the status.

A :class:`QtSensorPump` is one ``QTimer`` at 20 Hz on the GUI thread. Each tick it

1. drains the live sources' buffers into ``project.observations`` (rows the sources' own
   threads parsed and validated; :func:`viewer.commands.sensor_live.drain`),
2. advances ``project.clock`` by the real time elapsed since the last tick (replay: times the
   speed; live: to the wall clock),
3. refreshes ``project.sensor_status`` at the clock's time, but only when the time or the data
   changed since the last refresh, and no more often than :data:`STATUS_INTERVAL_S` (a
   trailing refresh always follows, one tick later at most), so every view that follows
   ``sensor_status.updated`` redraws at most about 10 times a second.

Nothing here waits: draining is a swap of buffers, the refresh a few array look-ups per datastream.
With nothing playing, no source and no new data a tick costs two comparisons.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from viewer.core.project import Project
from viewer.qt.model_links import unlink_all

TICK_MS = 50
"""Timer interval (20 Hz)."""
STATUS_INTERVAL_S = 0.1
"""Least time between two status refreshes (views redraw at most about 10 times a second)."""
LIVE_STATUS_INTERVAL_S = 1.0
"""In live mode with no new data only staleness can change: refresh once a second."""
LIVE_ADVANCE_S = 0.25
"""A live clock is moved to the wall clock at most this often (the time bar shows seconds)."""
MAX_STEP_S = 1.0
"""Longest real time one tick may account for: after the GUI was blocked or the machine slept,
replay carries on from where it was instead of leaping ahead."""


class QtSensorPump(QObject):
    """Moves live data and the clock forward on the GUI thread.

    Parameters
    ----------
    project
        Its observations, clock and sensor status are updated.
    sources
        Live sources (:class:`viewer.commands.sensor_live.LiveSource`) to drain; more can be
        added with :meth:`add_source`.
    monotonic
        The clock measuring real elapsed time (tests inject a fake one).

    Attributes
    ----------
    sources
        The live sources drained each tick.
    diagnostics
        Every source's :class:`~viewer.core.sensor_status.SourceDiagnostics` (live sources and
        one-off imports such as a SensorThings read), for the diagnostics panel.

    Signals
    -------
    sources_changed()
        A source was added or removed.
    """

    sources_changed = Signal()

    def __init__(self, project: Project, sources: Iterable[Any] = (), parent: QObject | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.project = project
        self.sources: list[Any] = []
        self.diagnostics: list[Any] = []
        self._monotonic = monotonic
        self._last_tick: float | None = None
        self._last_live_advance = float("-inf")
        self._last_refresh = float("-inf")
        self._refreshed_time: int | None = None
        self._data_changed = True
        self._links: list[tuple[Any, Callable]] = []
        for signal in (project.observations.appended, project.sensors.changed):
            signal.connect(self._on_data)
            self._links.append((signal, self._on_data))
        self.destroyed.connect(partial(unlink_all, self._links))
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.setTimerType(Qt.TimerType.CoarseTimer)
        self.timer.timeout.connect(self.tick)
        for source in sources:
            self.add_source(source)

    # -- sources -------------------------------------------------------------------------------

    def add_source(self, source: Any) -> None:
        """Drain ``source`` (a LiveSource) from now on and show its diagnostics."""
        self.sources.append(source)
        self.add_diagnostics(source.diagnostics)

    def remove_source(self, source: Any) -> None:
        """Stop draining ``source`` (the caller stops it); its last buffered rows are drained."""
        if source in self.sources:
            self._drain([source])
            self.sources.remove(source)
            self.sources_changed.emit()

    def add_diagnostics(self, diagnostics: Any) -> None:
        """List ``diagnostics`` (a SourceDiagnostics) in the diagnostics panel."""
        if all(d is not diagnostics for d in self.diagnostics):
            self.diagnostics.append(diagnostics)
        self.sources_changed.emit()

    # -- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start ticking (20 Hz)."""
        self._last_tick = None
        self.timer.start()

    def stop(self) -> None:
        """Stop ticking (the sources keep running; their rows wait in their buffers)."""
        self.timer.stop()

    def _on_data(self, *_: Any) -> None:
        self._data_changed = True

    def _drain(self, sources: list[Any]) -> int:
        from viewer.commands.sensor_live import drain

        return drain(self.project, sources).accepted

    def tick(self, elapsed_s: float | None = None) -> bool:
        """One step; ``elapsed_s`` overrides the measured real time (tests). Returns whether
        the status was refreshed."""
        now = self._monotonic()
        if elapsed_s is None:
            elapsed_s = 0.0 if self._last_tick is None else now - self._last_tick
        self._last_tick = now
        if self.sources:
            self._drain(self.sources)  # new rows set _data_changed through the store's event
        clock = self.project.clock
        if clock.mode == "live":
            if now - self._last_live_advance >= LIVE_ADVANCE_S:
                self._last_live_advance = now
                clock.advance(elapsed_s)
        elif clock.playing:
            clock.advance(min(max(float(elapsed_s), 0.0), MAX_STEP_S))
        return self._maybe_refresh(now)

    def _maybe_refresh(self, now: float) -> bool:
        project, clock = self.project, self.project.clock
        if not project.sensors.datastreams:
            self._data_changed = False
            return False
        time_moved = clock.time_ns != self._refreshed_time
        if not (time_moved or self._data_changed):
            return False
        wait = STATUS_INTERVAL_S
        if clock.mode == "live" and not self._data_changed and self._refreshed_time is not None:
            # Live and no new data: only staleness moves, in whole expected intervals.
            wait = LIVE_STATUS_INTERVAL_S
        if now - self._last_refresh < wait:
            return False  # a later tick refreshes: the change is not lost
        self.refresh(now)
        return True

    def refresh(self, now: float | None = None) -> None:
        """Refresh ``project.sensor_status`` at the clock's time now."""
        self._last_refresh = self._monotonic() if now is None else now
        self._data_changed = False
        self._refreshed_time = self.project.clock.time_ns
        self.project.sensor_status.refresh(self._refreshed_time)

    def close(self) -> None:
        """Stop ticking and stop listening to the model (the window is closing)."""
        self.timer.stop()
        unlink_all(self._links)

