"""The time-indexed observation store: per datastream, time-sorted columns in growable arrays.

Written on one thread (the GUI thread drains the sources' buffers into it) and read on the same
thread, so it needs no lock. Times are int64 ns UTC (see :mod:`viewer.core.clock`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from psygnal import Signal


@dataclass
class AppendResult:
    """What an append did: rows kept, exact duplicates dropped, rows that arrived out of order
    (kept, sorted into place)."""

    accepted: int = 0
    duplicates: int = 0
    out_of_order: int = 0

    def __iadd__(self, other: AppendResult) -> AppendResult:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.out_of_order += other.out_of_order
        return self


class _Series:
    """Growable, time-sorted columns of one datastream."""

    __slots__ = ("times", "values", "quality", "n", "_cursor")

    def __init__(self, capacity: int = 256) -> None:
        self.times = np.empty(capacity, dtype=np.int64)
        self.values = np.empty(capacity, dtype=np.float64)
        self.quality = np.empty(capacity, dtype=np.int8)
        self.n = 0
        self._cursor = -1

    def index_at(self, t_ns: int) -> int:
        """Index of the last row at or before ``t_ns`` (-1: none)."""
        j = self._cursor
        n = self.n
        times = self.times
        if 0 <= j < n and times[j] <= t_ns and (j + 1 == n or times[j + 1] > t_ns):
            return j
        if 0 <= j + 1 < n and times[j + 1] <= t_ns and (j + 2 >= n or times[j + 2] > t_ns):
            j += 1
        else:
            j = int(np.searchsorted(times[:n], t_ns, side="right")) - 1
        self._cursor = j
        return j

    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        if need <= len(self.times):
            return
        capacity = max(need, 2 * len(self.times))
        for name in ("times", "values", "quality"):
            old = getattr(self, name)
            new = np.empty(capacity, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def append(self, times: np.ndarray, values: np.ndarray, quality: np.ndarray) -> AppendResult:
        order = np.argsort(times, kind="stable")
        times, values, quality = times[order], values[order], quality[order]
        # Exact duplicates inside the batch: keep the first.
        keep = np.ones(len(times), dtype=bool)
        keep[1:] = times[1:] != times[:-1]
        duplicates = int((~keep).sum())
        times, values, quality = times[keep], values[keep], quality[keep]
        last = self.times[self.n - 1] if self.n else np.iinfo(np.int64).min
        if len(times) == 0 or times[0] > last:  # the common case: new data after old
            self._reserve(len(times))
            self.times[self.n: self.n + len(times)] = times
            self.values[self.n: self.n + len(times)] = values
            self.quality[self.n: self.n + len(times)] = quality
            self.n += len(times)
            return AppendResult(len(times), duplicates, 0)
        old_t = self.times[: self.n]
        pos = np.searchsorted(old_t, times)
        exists = (pos < self.n) & (old_t[np.minimum(pos, self.n - 1)] == times)
        duplicates += int(exists.sum())
        times, values, quality = times[~exists], values[~exists], quality[~exists]
        late = int((times < last).sum())
        merged_t = np.concatenate([old_t, times])
        order = np.argsort(merged_t, kind="stable")
        merged_v = np.concatenate([self.values[: self.n], values])[order]
        merged_q = np.concatenate([self.quality[: self.n], quality])[order]
        merged_t = merged_t[order]
        self.n = 0
        self._reserve(len(merged_t))
        self.times[: len(merged_t)] = merged_t
        self.values[: len(merged_t)] = merged_v
        self.quality[: len(merged_t)] = merged_q
        self.n = len(merged_t)
        return AppendResult(len(times), duplicates, late)


class ObservationStore:
    """Observations of many datastreams, queried by time.

    Events
    ------
    appended
        Emitted with the set of datastream ids that got new rows.
    """

    appended = Signal(object)

    def __init__(self) -> None:
        self._series: dict[str, _Series] = {}

    def ids(self) -> list[str]:
        """Datastream ids that have observations."""
        return list(self._series)

    def count(self, stream_id: str | None = None) -> int:
        """Observations of one datastream, or of all."""
        if stream_id is None:
            return sum(s.n for s in self._series.values())
        series = self._series.get(stream_id)
        return 0 if series is None else series.n

    def time_range(self, stream_id: str | None = None) -> tuple[int, int] | None:
        """(first, last) time in ns of one datastream or of all; None when empty."""
        series = [self._series[stream_id]] if stream_id in self._series else (
            [] if stream_id is not None else [s for s in self._series.values() if s.n])
        series = [s for s in series if s.n]
        if not series:
            return None
        return (int(min(s.times[0] for s in series)), int(max(s.times[s.n - 1] for s in series)))

    def append(self, stream_id: str, times: Iterable[int], values: Iterable[float],
               quality: Iterable[int] | None = None, notify: bool = True) -> AppendResult:
        """Add observations of one datastream (any order; exact duplicates are dropped)."""
        t = np.asarray(times, dtype=np.int64).ravel()
        v = np.asarray(values, dtype=np.float64).ravel()
        q = np.zeros(len(t), dtype=np.int8) if quality is None else np.asarray(quality, dtype=np.int8).ravel()
        if not (len(t) == len(v) == len(q)):
            raise ValueError("times, values and quality differ in length")
        series = self._series.get(stream_id)
        if series is None:
            series = self._series[stream_id] = _Series(max(256, len(t)))
        result = series.append(t, v, q)
        if notify and result.accepted:
            self.appended.emit({stream_id})
        return result

    def append_rows(self, stream_ids: np.ndarray, times: np.ndarray, values: np.ndarray,
                    quality: np.ndarray | None = None) -> AppendResult:
        """Add a batch mixing datastreams (long format); one ``appended`` event for all.

        The batch is sorted once by (datastream, time); a datastream whose rows all come after
        its last stored time and repeat no time (the live case) is copied in directly, the
        others go through the merging :meth:`append`.
        """
        stream_ids = np.asarray(stream_ids, dtype=object)
        times = np.asarray(times, dtype=np.int64)
        values = np.asarray(values, dtype=np.float64)
        quality = np.zeros(len(times), dtype=np.int8) if quality is None else np.asarray(quality, dtype=np.int8)
        total = AppendResult()
        if len(stream_ids) == 0:
            return total
        keys, inverse = np.unique(stream_ids.astype(str), return_inverse=True)
        order = np.lexsort((times, inverse))
        inv, t, v, q = inverse[order], times[order], values[order], quality[order]
        bounds = np.searchsorted(inv, np.arange(len(keys) + 1))
        starts = bounds[:-1]
        repeated = np.zeros(len(t), dtype=bool)
        repeated[1:] = (inv[1:] == inv[:-1]) & (t[1:] == t[:-1])
        has_repeat = np.add.reduceat(repeated, starts) > 0
        names = keys.tolist()
        series = [self._series.get(k) for k in names]
        last = np.array([s.times[s.n - 1] if s is not None and s.n else np.iinfo(np.int64).min
                         for s in series], dtype=np.int64)
        fresh = (t[starts] > last) & ~has_repeat
        changed = set()
        for k, key in enumerate(names):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            target = series[k]
            if target is None:
                target = self._series[key] = _Series(max(256, hi - lo))
            if fresh[k]:
                m = hi - lo
                target._reserve(m)
                target.times[target.n: target.n + m] = t[lo:hi]
                target.values[target.n: target.n + m] = v[lo:hi]
                target.quality[target.n: target.n + m] = q[lo:hi]
                target.n += m
                total.accepted += m
                changed.add(key)
            else:
                result = target.append(t[lo:hi], v[lo:hi], q[lo:hi])
                total += result
                if result.accepted:
                    changed.add(key)
        if changed:
            self.appended.emit(changed)
        return total

    def latest(self, t_ns: int, stream_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Value and time of the last observation at or before ``t_ns`` of each datastream
        (NaN and int64 min where there is none).

        Each series remembers where the previous query landed, so a clock moving forward in
        small steps costs one comparison per datastream instead of a binary search.
        """
        values = np.full(len(stream_ids), np.nan)
        times = np.full(len(stream_ids), np.iinfo(np.int64).min, dtype=np.int64)
        for i, key in enumerate(stream_ids):
            series = self._series.get(key)
            if series is None or series.n == 0:
                continue
            j = series.index_at(t_ns)
            if j >= 0:
                values[i] = series.values[j]
                times[i] = series.times[j]
        return values, times

    def window(self, stream_id: str, t0_ns: int, t1_ns: int,
               max_points: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Times and values of one datastream in [t0, t1]; with ``max_points``, long ranges are
        reduced to the min and max of each bucket, so peaks survive downsampling."""
        series = self._series.get(stream_id)
        if series is None or series.n == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        t = series.times[: series.n]
        i0, i1 = np.searchsorted(t, t0_ns, side="left"), np.searchsorted(t, t1_ns, side="right")
        times, values = t[i0:i1], series.values[i0:i1]
        if max_points is None or len(times) <= max_points:
            return times.copy(), values.copy()
        size = int(np.ceil(len(times) / max(max_points // 2, 1)))
        buckets = int(np.ceil(len(times) / size))  # every bucket holds at least one real row
        pad = buckets * size - len(times)
        v = np.concatenate([values, np.full(pad, np.nan)]).reshape(buckets, size)
        tt = np.concatenate([times, np.full(pad, times[-1])]).reshape(buckets, size)
        with np.errstate(invalid="ignore"):
            filled_lo = np.where(np.isnan(v), np.inf, v)
            filled_hi = np.where(np.isnan(v), -np.inf, v)
        lo, hi = filled_lo.argmin(axis=1), filled_hi.argmax(axis=1)
        first, second = np.minimum(lo, hi), np.maximum(lo, hi)
        rows = np.arange(buckets)
        out_t = np.column_stack([tt[rows, first], tt[rows, second]]).ravel()
        out_v = np.column_stack([v[rows, first], v[rows, second]]).ravel()
        return out_t, out_v

    def quality_window(self, stream_id: str, t0_ns: int, t1_ns: int) -> np.ndarray:
        """Quality flags of one datastream in [t0, t1] (not downsampled)."""
        series = self._series.get(stream_id)
        if series is None:
            return np.empty(0, dtype=np.int8)
        t = series.times[: series.n]
        i0, i1 = np.searchsorted(t, t0_ns, side="left"), np.searchsorted(t, t1_ns, side="right")
        return series.quality[i0:i1].copy()

    def columns(self, stream_ids: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All observations (of ``stream_ids``, default all) as long-format columns: stream ids
        (object), times (int64 ns), values, quality."""
        keys = [k for k in (self._series if stream_ids is None else stream_ids) if k in self._series]
        series = [self._series[k] for k in keys]
        ids = np.concatenate([np.full(s.n, k, dtype=object) for k, s in zip(keys, series)] or [np.empty(0, object)])
        times = np.concatenate([s.times[: s.n] for s in series] or [np.empty(0, np.int64)])
        values = np.concatenate([s.values[: s.n] for s in series] or [np.empty(0)])
        quality = np.concatenate([s.quality[: s.n] for s in series] or [np.empty(0, np.int8)])
        return ids, times, values, quality

    def clear(self) -> None:
        """Forget all observations."""
        self._series.clear()
        self.appended.emit(set())
