"""The 2D map's work off the GUI thread: layer preparations and the runner that does them.

A vector layer is prepared for drawing and picking by :func:`prepare_vector` (parts, spatial
chunks, point coordinates, the STRtree) and coloured by :func:`colour_vector` (colour classes,
labels); both are Qt-free functions of their arguments. :class:`MapJobs`, one per map, runs such
functions on a small thread pool and hands each result to a callback on the GUI thread, through a
queued Qt signal. Whoever submits a job decides whether its result is still wanted when it comes
back (a generation counter): the runner only guarantees that nothing is called back once the map
is gone.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6 import QtCore

from viewer.core.style import feature_colors
from viewer.qt.map2d_geometry import (FeatureIndex, GeometryBatch, LabelSource, colour_classes,
                                      geometry_families, label_points)

log = logging.getLogger(__name__)

#: Layers with at least this many features are prepared in the background; smaller ones at once
#: (a few milliseconds), so that a small layer shows in the frame after it is added.
BACKGROUND_FEATURES = 4096


@dataclass
class PointParts:
    """The points of a layer's point features (a MultiPoint has several), with their owner."""

    x: np.ndarray
    y: np.ndarray
    owner: np.ndarray


@dataclass
class PreparedVector:
    """A vector layer's geometry made ready for drawing and picking.

    ``families`` maps a geometry family to (feature rows, its prepared parts): a
    :class:`GeometryBatch` for polygons and lines, :class:`PointParts` for points.
    """

    geoms: np.ndarray
    families: dict[str, tuple[np.ndarray, Any]]
    index: FeatureIndex
    #: Label anchors, worked out the first time the layer is labelled.
    anchors: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


@dataclass
class VectorColours:
    """A style applied to a prepared layer: its palette (RGBA rows), a palette index per feature,
    and the labels (None when the style labels nothing)."""

    palette: np.ndarray
    colour: np.ndarray
    labels: LabelSource | None


def point_parts(geoms: np.ndarray) -> PointParts:
    """The single points of ``geoms`` (points and multipoints) and the feature each belongs to."""
    import shapely

    parts, owner = shapely.get_parts(geoms, return_index=True)
    xy = shapely.get_coordinates(parts)
    return PointParts(xy[:, 0].copy(), xy[:, 1].copy(), owner)


def prepare_vector(frame: Any, style: Any) -> tuple[PreparedVector, VectorColours]:
    """Geometry of ``frame`` (a GeoDataFrame) prepared for the map, and coloured by ``style``."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    families = geometry_families(geoms)
    prepared: dict[str, tuple[np.ndarray, Any]] = {}
    for family in ("polygon", "line", "point"):
        rows = np.flatnonzero(families == family)
        if len(rows):
            parts = point_parts(geoms[rows]) if family == "point" else GeometryBatch(geoms[rows], family)
            prepared[family] = (rows, parts)
    index = FeatureIndex(geoms)
    index.build()
    result = PreparedVector(geoms, prepared, index)
    return result, colour_vector(result, frame, style)


def colour_vector(prepared: PreparedVector, frame: Any, style: Any) -> VectorColours:
    """The colours and labels ``style`` gives the features of ``frame`` (prepared as ``prepared``)."""
    palette, colour = colour_classes(feature_colors(style, frame, len(frame)))
    labels = None
    name = style.label_field
    if name and name in frame.columns:
        if prepared.anchors is None:
            # point_on_surface is slow: once per frame of data. Two jobs racing here would both
            # store the same anchors.
            prepared.anchors = label_points(prepared.geoms)
        labels = LabelSource.from_geometries(prepared.geoms, frame[name].tolist(), prepared.anchors,
                                             style.point_size)
    return VectorColours(palette, colour, labels)


def layers_extent(layers: list[Any]) -> tuple[float, float, float, float] | None:
    """Union of the extents of ``layers`` (a snapshot of the project's), or None."""
    boxes = [layer.extent for layer in layers if layer.feature_count]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


class _Relay(QtCore.QObject):
    """Carries finished jobs from pool threads to the GUI thread.

    One lives for the application, in the GUI thread, so a pool thread never holds the last
    reference to a QObject (deleting it there would be unsafe) and a job outliving its map posts to
    an object that still exists; the slot finds the map's runner by number, or drops the result.
    """

    finished = QtCore.Signal(int, int, object)

    @QtCore.Slot(int, int, object)
    def deliver(self, runner: int, job: int, outcome: object) -> None:
        jobs = _RUNNERS.get(runner)
        if jobs is not None:
            jobs._deliver(job, outcome)


_RUNNERS: weakref.WeakValueDictionary[int, MapJobs] = weakref.WeakValueDictionary()
_RELAY: list[_Relay] = []
_NUMBERS = itertools.count(1)


def _relay() -> _Relay:
    """The application's relay, made on first use (on the GUI thread) and parented to the app."""
    import shiboken6

    if not _RELAY or not shiboken6.isValid(_RELAY[0]):
        relay = _Relay(QtCore.QCoreApplication.instance())
        relay.finished.connect(relay.deliver, QtCore.Qt.ConnectionType.QueuedConnection)
        _RELAY[:] = [relay]
    return _RELAY[0]


def _run_job(relay: _Relay, runner: int, job: int, func: Callable, args: tuple) -> None:
    """In a pool thread: run ``func(*args)`` and post (ok, value or exception) to the GUI thread."""
    try:
        outcome: tuple[bool, Any] = (True, func(*args))
    except Exception as error:  # reported on the GUI thread by whoever submitted the job
        outcome = (False, error)
    try:
        relay.finished.emit(runner, job, outcome)
    except RuntimeError:  # the application is gone: nobody to tell
        pass


def _yield_to_the_gui() -> None:
    """Run this pool thread at a lower priority (where the system allows it per thread), so
    that the GUI thread keeps its core when both want one."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux, or not allowed: plain priority
        pass


class MapJobs:
    """A thread pool owned by one map; results come back to callbacks on the GUI thread.

    Parameters
    ----------
    max_workers
        Threads in the pool (started on first use). The GUI thread needs a core too, and most of
        the work (shapely, numpy) releases the GIL, so two is the default.
    """

    def __init__(self, max_workers: int | None = None) -> None:
        self._number = next(_NUMBERS)
        self._workers = max_workers or max(1, min(2, os.cpu_count() or 2))
        self._executor: ThreadPoolExecutor | None = None
        self._callbacks: dict[int, Callable[[Any], None]] = {}
        self._futures: dict[int, Future] = {}
        self._unsent: list[tuple[int, Callable, tuple]] = []
        self._jobs = itertools.count(1)
        self.closed = False
        self._relay = _relay()
        _RUNNERS[self._number] = self

    def submit(self, func: Callable, args: tuple, done: Callable[[Any], None]) -> None:
        """Run ``func(*args)`` in the pool, then ``done(result)`` on the GUI thread.

        The pool gets the job when the event loop next runs, so the caller (a model event, a
        paint) finishes before a pool thread competes with it. An exception in ``func`` is
        logged and ``done`` is not called.
        """
        if self.closed:
            return
        job = next(self._jobs)
        self._callbacks[job] = done
        if not self._unsent:
            QtCore.QTimer.singleShot(0, self._relay, self._send)
        self._unsent.append((job, func, args))

    def _send(self) -> None:
        """Hand the jobs submitted since the last call to the pool."""
        unsent, self._unsent = self._unsent, []
        if self.closed:
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="map2d",
                                                initializer=_yield_to_the_gui)
        for job, func, args in unsent:
            if job in self._callbacks:
                self._futures[job] = self._executor.submit(_run_job, self._relay, self._number, job,
                                                           func, args)

    def pending(self) -> int:
        """Jobs submitted whose result has not been handed over yet."""
        return len(self._callbacks)

    def _deliver(self, job: int, outcome: tuple[bool, Any]) -> None:
        self._futures.pop(job, None)
        done = self._callbacks.pop(job, None)
        if done is None or self.closed:
            return
        ok, value = outcome
        if not ok:
            log.error("2D map: a background preparation failed", exc_info=value)
            return
        done(value)

    def wait_until_ready(self, timeout_ms: int = 30_000) -> bool:
        """Process events until no job is pending (results delivered); False on timeout.

        Results may submit further jobs (a layer coloured after a style change, the level of
        detail a repaint asked for): those are waited for too.
        """
        deadline = time.monotonic() + timeout_ms / 1000.0
        app = QtCore.QCoreApplication.instance()
        while True:
            # Deliver what has arrived, and let any repaint the results asked for run.
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if not self._callbacks:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            # Sleep on the futures rather than spin: the pool threads need the GIL.
            if self._futures:
                wait(list(self._futures.values()), timeout=min(left, 0.05), return_when=FIRST_COMPLETED)

    def close(self) -> None:
        """Drop every pending job and call nothing back any more (the map is being deleted).

        Jobs not started are cancelled; a running one finishes in its thread and its result is
        dropped.
        """
        self.closed = True
        self._callbacks.clear()
        self._futures.clear()
        self._unsent.clear()
        _RUNNERS.pop(self._number, None)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
