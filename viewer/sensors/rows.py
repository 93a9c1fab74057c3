"""A batch of observations in columns: what sources hand to the buffer, the recorder and the store."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _empty(dtype: object) -> np.ndarray:
    return np.empty(0, dtype=dtype)


@dataclass
class ObservationRows:
    """Observations of possibly many datastreams (long format).

    Attributes
    ----------
    stream_ids
        Datastream id of each row (object array of str).
    times_ns
        Phenomenon time, int64 ns UTC.
    values
        Result, float64.
    quality
        QUALITY_* flag, int8.
    """

    stream_ids: np.ndarray = field(default_factory=lambda: _empty(object))
    times_ns: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    values: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    quality: np.ndarray = field(default_factory=lambda: _empty(np.int8))

    def __post_init__(self) -> None:
        self.stream_ids = np.asarray(self.stream_ids, dtype=object)
        self.times_ns = np.asarray(self.times_ns, dtype=np.int64)
        self.values = np.asarray(self.values, dtype=np.float64)
        if self.quality is None or len(self.quality) != len(self.times_ns):
            self.quality = np.zeros(len(self.times_ns), dtype=np.int8)
        self.quality = np.asarray(self.quality, dtype=np.int8)
        if not (len(self.stream_ids) == len(self.times_ns) == len(self.values)):
            raise ValueError("observation columns differ in length")

    def __len__(self) -> int:
        return len(self.times_ns)

    @classmethod
    def from_tuples(cls, rows: list[tuple[str, int, float, int]]) -> ObservationRows:
        """From (stream_id, time_ns, value, quality) tuples."""
        if not rows:
            return cls()
        ids, times, values, quality = zip(*rows)
        return cls(np.array(ids, dtype=object), np.array(times, dtype=np.int64),
                   np.array(values, dtype=np.float64), np.array(quality, dtype=np.int8))

    @classmethod
    def concat(cls, batches: list[ObservationRows]) -> ObservationRows:
        """One batch from many (in order)."""
        batches = [b for b in batches if len(b)]
        if not batches:
            return cls()
        return cls(np.concatenate([b.stream_ids for b in batches]),
                   np.concatenate([b.times_ns for b in batches]),
                   np.concatenate([b.values for b in batches]),
                   np.concatenate([b.quality for b in batches]))

    def select(self, mask: np.ndarray) -> ObservationRows:
        """The rows where ``mask`` is true."""
        return ObservationRows(self.stream_ids[mask], self.times_ns[mask], self.values[mask],
                               self.quality[mask])
