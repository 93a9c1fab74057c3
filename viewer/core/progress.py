"""Progress reporting and cooperative cancellation for long work (readers, engines, exports)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Cancelled(Exception):
    """Raised inside long work when the user asked to stop it."""


class Progress:
    """A thread-safe progress sink with a cancel flag.

    Long-running functions take one and call :meth:`update` between steps; the call raises
    :class:`Cancelled` once :meth:`cancel` has been called (from any thread).

    Parameters
    ----------
    callback
        Called as ``callback(fraction, message)`` on every update, in the worker's thread.
    """

    def __init__(self, callback: Callable[[float, str], None] | None = None) -> None:
        self._callback = callback
        self._cancel = threading.Event()
        self.fraction = 0.0
        self.message = ""
        self.started = time.monotonic()

    def cancel(self) -> None:
        """Ask the work to stop at its next update."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._cancel.is_set():
            raise Cancelled()

    def update(self, fraction: float, message: str = "") -> None:
        """Report progress in [0, 1] and stop here if cancelled."""
        self.check()
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        self.message = message
        if self._callback is not None:
            self._callback(self.fraction, message)

    def eta_seconds(self) -> float | None:
        """Seconds left, extrapolated linearly from the time spent so far; None when unknown."""
        if self.fraction <= 0.0:
            return None
        spent = time.monotonic() - self.started
        return spent * (1.0 - self.fraction) / self.fraction

    def sub(self, start: float, stop: float) -> Progress:
        """A child progress mapping [0, 1] onto [start, stop] of this one, sharing the cancel flag."""
        child = Progress(lambda f, m: self.update(start + (stop - start) * f, m))
        child._cancel = self._cancel
        return child
