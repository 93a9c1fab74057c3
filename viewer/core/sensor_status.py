"""What each sensor shows at the clock's time: current value, threshold level, staleness, and the
alarms raised as levels rise. One mechanism for live and replay: it is evaluated at the clock's
time, whichever mode the clock is in."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np
from psygnal import Signal

from viewer.core.clock import NS
from viewer.core.observations import ObservationStore
from viewer.core.sensors import SensorNetwork

STALE_INTERVALS = 3


@dataclass
class Alarm:
    """A datastream reached its warning or alarm level."""

    time_ns: int
    stream_id: str
    value: float
    level: int
    acknowledged: bool = False


class AlarmLog:
    """Alarms in the order they were raised.

    Events
    ------
    added
        Emitted with the new :class:`Alarm`.
    acknowledged
        Emitted with the alarm a user acknowledged.
    """

    added = Signal(object)
    acknowledged = Signal(object)

    def __init__(self) -> None:
        self.alarms: list[Alarm] = []

    def add(self, alarm: Alarm) -> None:
        """Record an alarm."""
        self.alarms.append(alarm)
        self.added.emit(alarm)

    def acknowledge(self, alarm: Alarm) -> None:
        """Mark an alarm as seen by the operator."""
        if not alarm.acknowledged:
            alarm.acknowledged = True
            self.acknowledged.emit(alarm)

    @property
    def unacknowledged(self) -> list[Alarm]:
        """Alarms nobody has acknowledged yet."""
        return [a for a in self.alarms if not a.acknowledged]


class SensorStatus:
    """Per-datastream state at a time, recomputed by :meth:`refresh`.

    Attributes
    ----------
    ids
        Datastream ids, in the order of the arrays below.
    values, times_ns, levels, stale
        Last value at or before the time, its time, its LEVEL_*, and whether nothing arrived for
        ``STALE_INTERVALS`` expected intervals.

    Events
    ------
    updated
        Emitted after every refresh.
    """

    updated = Signal()

    def __init__(self, network: SensorNetwork, store: ObservationStore, alarms: AlarmLog) -> None:
        self.network, self.store, self.alarms = network, store, alarms
        self.ids: list[str] = []
        self.values = np.empty(0)
        self.times_ns = np.empty(0, dtype=np.int64)
        self.levels = np.empty(0, dtype=np.int8)
        self.stale = np.empty(0, dtype=bool)
        self._time_ns: int | None = None
        self._last_levels = np.empty(0, dtype=np.int8)
        self._limits: tuple | None = None
        network.changed.connect(self._forget_limits)

    def _forget_limits(self) -> None:
        self._limits = None

    def _threshold_arrays(self) -> tuple:
        """Per datastream (in network order): ids, sign, warning, alarm, interval; cached until
        the network changes, so a refresh is array arithmetic, not a loop over thresholds."""
        if self._limits is None:
            streams = list(self.network.datastreams.values())
            sign = np.array([1.0 if d.thresholds.direction == "above" else -1.0 for d in streams])
            nan = float("nan")
            warning = np.array([nan if d.thresholds.warning is None else d.thresholds.warning for d in streams])
            alarm = np.array([nan if d.thresholds.alarm is None else d.thresholds.alarm for d in streams])
            released = [d.thresholds.release_limits() for d in streams]
            release = np.array([[nan if v is None else v for v in pair] for pair in released]).reshape(-1, 2)
            interval = np.array([d.expected_interval_s for d in streams], dtype=float)
            self._limits = ([d.id for d in streams], sign, warning, alarm, release, interval)
            self._last_levels = np.zeros(len(streams), dtype=np.int8)
        return self._limits

    def refresh(self, t_ns: int) -> None:
        """Evaluate every datastream at ``t_ns``; raise alarms for levels that went up."""
        ids, sign, warning, alarm, release, interval = self._threshold_arrays()
        values, times = self.store.latest(t_ns, ids)
        levels = np.zeros(len(ids), dtype=np.int8)
        held = np.zeros(len(ids), dtype=np.int8)  # the level not yet left by the deadband
        with np.errstate(invalid="ignore", over="ignore"):
            levels[sign * values >= sign * warning] = 1
            levels[sign * values >= sign * alarm] = 2
            held[sign * values >= sign * release[:, 0]] = 1
            held[sign * values >= sign * release[:, 1]] = 2
            age = (t_ns - times.astype(np.float64)) / NS
        stale = age > STALE_INTERVALS * interval
        latched = np.maximum(levels, np.minimum(self._last_levels, held))
        if self._time_ns is not None and t_ns < self._time_ns:
            latched = levels  # the clock went back: levels start over, no storm of alarms
        else:
            for i in np.flatnonzero(levels > self._last_levels):
                self.alarms.add(Alarm(int(times[i]), ids[i], float(values[i]), int(levels[i])))
        self._last_levels = latched
        self.ids, self.values, self.times_ns, self.levels, self.stale = ids, values, times, levels, stale
        self._time_ns = t_ns
        self.updated.emit()

    def stale_ids(self) -> list[str]:
        """Datastreams stale at the last refresh."""
        return [k for k, s in zip(self.ids, self.stale) if s]


class SourceDiagnostics:
    """Thread-safe counters of one source: what it received, kept and rejected (and why).

    Sources update it from their own threads; the diagnostics panel reads :meth:`snapshot`.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self.received = 0
        self.accepted = 0
        self.rejected: Counter[str] = Counter()
        self.last_problem = ""
        self.state = "idle"

    def count(self, received: int = 0, accepted: int = 0) -> None:
        """Add to the received and accepted counts."""
        with self._lock:
            self.received += received
            self.accepted += accepted

    def reject(self, reason: str, detail: str = "", n: int = 1) -> None:
        """Count ``n`` rejected items for ``reason`` (a short stable key) with a detail line."""
        with self._lock:
            self.rejected[reason] += n
            if detail:
                self.last_problem = detail

    def set_state(self, state: str) -> None:
        """``"connecting"``, ``"connected"``, ``"reconnecting"``, ``"stopped"`` ..."""
        with self._lock:
            self.state = state

    def snapshot(self) -> dict:
        """A consistent copy of the counters."""
        with self._lock:
            return {"name": self.name, "state": self.state, "received": self.received,
                    "accepted": self.accepted, "rejected": dict(self.rejected),
                    "last_problem": self.last_problem}
