"""Run long work (reading, saving, simulating) off the GUI thread, with progress and cancel.

A :class:`Worker` runs ``func(*args, progress=Progress(...), **kwargs)`` in its own ``QThread``.
The function reports through :class:`viewer.core.progress.Progress` and stops at its next
``progress.update`` once :meth:`Worker.cancel` was called. Everything the worker tells the GUI goes
through queued signals, so slots always run on the GUI thread; progress is throttled to about
20 updates a second so that a chatty reader cannot flood the event loop.

Every started worker is tracked until its thread has ended: the main window cancels and waits for
them on close (:func:`cancel_all`, :func:`wait_all`) and the tests assert that none leaked
(:func:`active_workers`).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QObject, QThread, Signal

from viewer.core.progress import Cancelled, Progress
from viewer.qt.qt_locale import error_text

log = logging.getLogger(__name__)

# Minimum seconds between two progress signals (about 20 Hz).
PROGRESS_INTERVAL = 0.05

_ACTIVE: set[Worker] = set()


class _WorkerThread(QThread):
    """The thread running one call; talks to its :class:`Worker` only through signals.

    The thread object lives in the GUI thread, so connections from its signals to the worker's
    methods are queued: they run on the GUI thread whatever thread emits.
    """

    progressed = Signal(float, str, float)
    outcome = Signal(str, object)

    def __init__(self, func: Callable[..., Any], args: tuple, kwargs: dict[str, Any],
                 progress: Progress) -> None:
        super().__init__()
        self._func = func
        self._args = args
        self._kwargs = kwargs
        self.progress = progress
        self._last_emit = 0.0

    def report(self, fraction: float, message: str) -> None:
        """Progress callback, in this thread: forward at most every PROGRESS_INTERVAL s."""
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_emit < PROGRESS_INTERVAL:
            return
        self._last_emit = now
        eta = self.progress.eta_seconds()
        self.progressed.emit(float(fraction), str(message), -1.0 if eta is None else float(eta))

    def run(self) -> None:
        try:
            result = self._func(*self._args, progress=self.progress, **self._kwargs)
        except Cancelled:
            self.outcome.emit("cancelled", None)
        except Exception as exc:  # any failure is reported to the user, never raised into Qt
            log.debug("worker %s failed:\n%s", getattr(self._func, "__name__", self._func),
                      traceback.format_exc())
            self.outcome.emit("failed", error_text(exc))
        else:
            # A cancel that arrived after the last update still means "the user did not want it".
            if self.progress.cancelled:
                self.outcome.emit("cancelled", None)
            else:
                self.outcome.emit("finished", result)
        finally:
            # Drop references to the work (it may hold large arrays) as soon as it is done.
            self._func, self._args, self._kwargs = None, (), {}


class Worker(QObject):
    """Runs one function call in a thread of its own.

    Parameters
    ----------
    func
        Called as ``func(*args, progress=progress, **kwargs)``; its return value is the result.
    description
        Short text for the progress widget before the first update.

    Signals
    -------
    progress(float fraction, str message, float eta_seconds)
        Throttled to about 20 Hz; ``eta_seconds`` is -1 when unknown.
    finished(object result)
        The call returned (and was not cancelled).
    failed(str message)
        The call raised; the message is ``str(exception)``.
    cancelled()
        The call stopped after :meth:`cancel`; no result is delivered.
    done()
        After any of the three above, once the thread has ended.
    """

    progress = Signal(float, str, float)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, func: Callable[..., Any], *args: Any, description: str = "",
                 **kwargs: Any) -> None:
        super().__init__()
        self.description = description or getattr(func, "__name__", "")
        self._progress = Progress()
        self._thread = _WorkerThread(func, args, kwargs, self._progress)
        self._progress._callback = self._thread.report
        self._thread.progressed.connect(self._on_progress)
        self._thread.outcome.connect(self._on_outcome)
        self._state = "new"

    @property
    def state(self) -> str:
        """'new', 'running', 'finished', 'failed' or 'cancelled'."""
        return self._state

    def start(self) -> Worker:
        """Start the call in its thread; returns self (to chain after connecting)."""
        if self._state != "new":
            raise RuntimeError("a Worker runs once")
        self._state = "running"
        _ACTIVE.add(self)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the call to stop at its next progress update."""
        self._progress.cancel()

    def is_running(self) -> bool:
        """Whether the thread has not ended yet."""
        return self in _ACTIVE

    def wait(self, timeout_s: float = 10.0) -> bool:
        """Block until the thread has ended and its signals were delivered (tests, shutdown).

        Returns False if it was still running after ``timeout_s``.
        """
        if self._state == "new":
            return True
        deadline = time.monotonic() + timeout_s
        if not self._thread.wait(QDeadlineTimer(int(timeout_s * 1000))):
            return False
        # The outcome signal is queued to this thread: deliver it now.
        while self in _ACTIVE and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            QThread.msleep(1)
        return self not in _ACTIVE

    def _on_progress(self, fraction: float, message: str, eta: float) -> None:
        if self._state == "running":
            self.progress.emit(fraction, message, eta)

    def _on_outcome(self, kind: str, payload: Any) -> None:
        # Runs on the GUI thread; the thread has returned from run() or is about to.
        self._thread.wait()
        self._state = kind
        _ACTIVE.discard(self)
        try:
            if kind == "finished":
                self.finished.emit(payload)
            elif kind == "failed":
                self.failed.emit(payload)
            else:
                self.cancelled.emit()
        finally:
            self.done.emit()


def run_in_worker(func: Callable[..., Any], *args: Any, description: str = "",
                  on_finished: Callable[[Any], None] | None = None,
                  on_failed: Callable[[str], None] | None = None,
                  **kwargs: Any) -> Worker:
    """Create, connect and start a :class:`Worker` in one call."""
    worker = Worker(func, *args, description=description, **kwargs)
    if on_finished is not None:
        worker.finished.connect(on_finished)
    if on_failed is not None:
        worker.failed.connect(on_failed)
    return worker.start()


def active_workers() -> list[Worker]:
    """Workers whose thread has not ended (or whose outcome was not delivered yet)."""
    return list(_ACTIVE)


def cancel_all() -> None:
    """Ask every running worker to stop."""
    for worker in list(_ACTIVE):
        worker.cancel()


def wait_all(timeout_s: float = 10.0) -> bool:
    """Wait for every running worker; False if some were still running at the deadline."""
    deadline = time.monotonic() + timeout_s
    for worker in list(_ACTIVE):
        if not worker.wait(max(deadline - time.monotonic(), 0.0)):
            return False
    return not _ACTIVE
