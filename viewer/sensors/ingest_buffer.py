"""The hand-over between a source's thread and the GUI thread: sources put batches, a timer on
the GUI thread drains them into the observation store. Neither side ever waits on the other for
longer than it takes to append to or swap a list."""

from __future__ import annotations

import threading

from viewer.sensors.rows import ObservationRows


class IngestBuffer:
    """Thread-safe queue of :class:`ObservationRows` batches.

    Parameters
    ----------
    max_rows
        Most rows held; beyond it the oldest batches are dropped and counted in ``dropped`` (the
        recording on disk still has them). None: no limit.
    """

    def __init__(self, max_rows: int | None = None) -> None:
        self.max_rows = max_rows
        self.dropped = 0
        self._lock = threading.Lock()
        self._batches: list[ObservationRows] = []
        self._rows = 0
        self._has_rows = threading.Condition(self._lock)

    def put(self, rows: ObservationRows) -> None:
        """Queue a batch (any thread). Empty batches are ignored."""
        if not len(rows):
            return
        with self._lock:
            self._batches.append(rows)
            self._rows += len(rows)
            if self.max_rows is not None:
                while self._rows > self.max_rows and len(self._batches) > 1:
                    old = self._batches.pop(0)
                    self._rows -= len(old)
                    self.dropped += len(old)
            self._has_rows.notify_all()

    def drain(self) -> ObservationRows:
        """Everything queued, as one batch in arrival order; the buffer is empty afterwards."""
        with self._lock:
            batches, self._batches, self._rows = self._batches, [], 0
        return ObservationRows.concat(batches)

    def pending(self) -> int:
        """Rows waiting to be drained."""
        with self._lock:
            return self._rows

    def wait(self, timeout: float | None = None) -> bool:
        """Block until rows are pending (for headless consumers, never the GUI thread)."""
        with self._lock:
            return self._has_rows.wait_for(lambda: self._rows > 0, timeout)
