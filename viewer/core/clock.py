"""The one clock every time-based part of the app follows (sensors, charts, scenario playback).

Times are int64 nanoseconds since 1970-01-01 UTC, the unit numpy's ``datetime64[ns]`` and Parquet
timestamps use, so no conversion loses precision.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from psygnal import evented

NS = 1_000_000_000


def now_ns() -> int:
    """The wall clock in ns since the epoch (UTC)."""
    return time.time_ns()


@evented
@dataclass(eq=False)
class Clock:
    """Live or replay time.

    In ``"live"`` mode the clock follows the wall clock. In ``"replay"`` mode it runs over
    [``start_ns``, ``end_ns``] at ``speed`` x real time while ``playing``, stopping at the end or
    starting over when ``loop`` is set.

    Events
    ------
    time_ns, mode, speed, playing, loop, start_ns, end_ns, window_s
        Emitted with the new value when the field changes.
    """

    mode: str = "live"
    time_ns: int = 0
    start_ns: int = 0
    end_ns: int = 0
    speed: float = 1.0
    playing: bool = False
    loop: bool = False
    window_s: float = 3600.0

    MIN_SPEED = 1.0
    MAX_SPEED = 1000.0

    def advance(self, wall_seconds: float, wall_now_ns: int | None = None) -> None:
        """Move the clock after ``wall_seconds`` of real time (called by the GUI's timer)."""
        if self.mode == "live":
            self.time_ns = int(now_ns() if wall_now_ns is None else wall_now_ns)
            return
        if not self.playing:
            return
        target = self.time_ns + int(wall_seconds * self.speed * NS)
        if target >= self.end_ns:
            if self.loop and self.end_ns > self.start_ns:
                target = self.start_ns + (target - self.end_ns) % (self.end_ns - self.start_ns)
            else:
                target = self.end_ns
                self.playing = False
        self.time_ns = target

    def set_range(self, start_ns: int, end_ns: int) -> None:
        """Replay over [start_ns, end_ns]; the time is clamped into it."""
        if end_ns < start_ns:
            raise ValueError("the replay range ends before it starts")
        self.start_ns, self.end_ns = int(start_ns), int(end_ns)
        self.time_ns = min(max(self.time_ns, self.start_ns), self.end_ns)

    def replay(self, start_ns: int, end_ns: int, speed: float | None = None) -> None:
        """Switch to replay over a range, at its start, paused."""
        self.playing = False
        self.mode = "replay"
        self.time_ns = int(start_ns)
        self.set_range(start_ns, end_ns)
        if speed is not None:
            self.set_speed(speed)

    def go_live(self) -> None:
        """Follow the wall clock."""
        self.playing = False
        self.mode = "live"
        self.time_ns = now_ns()

    def set_speed(self, speed: float) -> None:
        """Replay speed, clamped to 1x-1000x."""
        self.speed = float(min(max(speed, self.MIN_SPEED), self.MAX_SPEED))

    def jump(self, t_ns: int) -> None:
        """Go to a time (clamped to the replay range in replay mode)."""
        if self.mode == "replay":
            t_ns = min(max(int(t_ns), self.start_ns), self.end_ns)
        self.time_ns = int(t_ns)

    def step(self, seconds: float) -> None:
        """Move by ``seconds`` (negative steps back)."""
        self.jump(self.time_ns + int(seconds * NS))

    @property
    def window_start_ns(self) -> int:
        """Start of the "last N minutes" window that ends at the clock's time."""
        return self.time_ns - int(self.window_s * NS)
