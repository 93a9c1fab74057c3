"""Building a scene's layers off the thread that owns the scene.

A layer's geometry is made in two steps: *prepare* (numpy, shapely, pyvista datasets; touches no
renderer) and *attach* (actors into the renderer). :class:`BuildQueue` runs prepare steps in a
small thread pool and hands each result back to the owner thread through a ``call_soon`` hook
(the Qt view posts to the Qt event loop), where the attach step runs. Without a hook everything
runs inline, at once, as a headless renderer wants it.

Each key (a layer id) has a generation counter: submitting again, cancelling or closing makes the
results still in flight stale, and a stale result is dropped instead of attached.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

WORKERS = 2
"""Threads preparing geometry: one big layer need not hold up the others, and the GUI thread
keeps a core on a two-core machine."""


@dataclass
class _Job:
    generation: int
    future: Future
    attach: Callable[[Any], None]
    kind: str


class BuildQueue:
    """Prepare steps in worker threads, attach steps on the owner thread, stale results dropped.

    Parameters
    ----------
    call_soon
        Called from a worker thread with a function that must run soon on the owner thread. None:
        no threads, :meth:`submit` prepares and attaches at once.
    on_attached
        Called on the owner thread after :meth:`deliver` attached something (to ask for a frame).
    workers
        Size of the thread pool (started on the first job that needs it).
    """

    def __init__(self, call_soon: Callable[[Callable[[], None]], None] | None,
                 on_attached: Callable[[], None] | None = None, workers: int = WORKERS) -> None:
        self._call_soon = call_soon
        self._on_attached = on_attached
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._generation: dict[str, int] = {}
        self._jobs: dict[str, _Job] = {}
        self._closed = False

    @property
    def threaded(self) -> bool:
        """Whether prepare steps may run in worker threads (a ``call_soon`` hook was given)."""
        return self._call_soon is not None

    @property
    def pending(self) -> int:
        """Jobs submitted and not attached yet (nor dropped)."""
        return len(self._jobs)

    def pending_kind(self, key: str) -> str | None:
        """The ``kind`` of the job in flight for ``key``, or None when there is none."""
        job = self._jobs.get(key)
        return None if job is None else job.kind

    def submit(self, key: str, prepare: Callable[[], Any], attach: Callable[[Any], None],
               inline: bool = False, kind: str = "build") -> Future:
        """Run ``prepare()`` (any thread), then ``attach(result)`` on the owner thread.

        A job still in flight for ``key`` becomes stale. ``inline`` (or a queue without
        ``call_soon``) runs both steps now; their exceptions then reach the caller. ``kind`` is
        a free label the owner can ask for (:meth:`pending_kind`). Returns the future of the
        prepare step's result (already done when it ran inline).
        """
        generation = self._generation.get(key, 0) + 1
        self._generation[key] = generation
        old = self._jobs.pop(key, None)
        if old is not None:
            old.future.cancel()  # not started yet: never run it
        if self._closed:
            future: Future = Future()
            future.cancel()
            return future
        if inline or self._call_soon is None:
            future = Future()
            result = prepare()
            future.set_result(result)
            attach(result)
            return future
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="scene3d-prepare")
        future = self._executor.submit(prepare)
        self._jobs[key] = _Job(generation, future, attach, kind)  # dict order = submission order
        future.add_done_callback(self._finished)
        return future

    def cancel(self, key: str) -> None:
        """Drop the job in flight for ``key``, if any (its result will not be attached)."""
        self._generation[key] = self._generation.get(key, 0) + 1
        job = self._jobs.pop(key, None)
        if job is not None:
            job.future.cancel()

    def _finished(self, _future: Future) -> None:
        """A prepare step ended (worker thread): ask the owner thread to attach what is ready."""
        if self._closed or self._call_soon is None:
            return
        try:
            self._call_soon(self.deliver)
        except RuntimeError:  # the owner is gone (its Qt object was deleted)
            log.debug("scene owner gone; a prepared layer is dropped")

    def deliver(self) -> int:
        """Attach every finished job, oldest first (owner thread). Returns how many were attached."""
        attached = 0
        for key, job in list(self._jobs.items()):
            if self._closed:
                break
            if not job.future.done() or self._jobs.get(key) is not job:
                continue
            del self._jobs[key]
            if job.future.cancelled() or job.generation != self._generation.get(key):
                continue
            error = job.future.exception()
            if error is not None:
                log.error("could not build the 3D geometry of %s", key, exc_info=error)
                continue
            job.attach(job.future.result())
            attached += 1
        if attached and self._on_attached is not None and not self._closed:
            self._on_attached()
        return attached

    def wait_until_ready(self, timeout: float | None = None) -> bool:
        """Wait for the jobs in flight and attach them (owner thread); True when none is left.

        Attaching may submit new jobs (a terrain brings its layers along); they are waited for too.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._jobs and not self._closed:
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            wait_futures([job.future for job in self._jobs.values()], timeout=remaining)
            self.deliver()
            if deadline is not None and time.monotonic() >= deadline:
                break
        return not self._jobs

    def close(self) -> None:
        """Drop every job in flight and stop the threads (a running prepare step finishes unseen)."""
        self._closed = True
        self._jobs.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
