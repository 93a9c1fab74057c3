"""Recording folders: every observation on disk as it arrives, readable by anyone afterwards.

A recording is a folder a user can copy to a drill laptop::

    recording.toml        format = "citytwin-recording", version = 1, [source], [[things]] ...
    segments/             YYYYMMDDTHH.parquet, one per UTC hour (see viewer.sensors.segments)
    wal/                  NNNNNNNN.wal, rows not yet in a segment (see viewer.sensors.wal)

The :class:`Recorder` appends each batch to the WAL at once (a SIGKILL loses nothing already
written; fsync about once a second bounds a power cut to about a second). When the observation
times have moved ``grace_s`` past the end of an hour, the WAL's rows of finished hours are rolled
into their segments; the WAL is rotated only after the segments are durably in place, so a crash
at any moment leaves every row in a segment, the WAL or both, never neither. Readers remove the
repeats that "both" can leave.
"""

from __future__ import annotations

import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from viewer.core.sensors import SensorNetwork
from viewer.sensors.network_file import network_from_dict, network_to_dict
from viewer.sensors.rows import ObservationRows
from viewer.sensors.segments import (hour_of, read_segment, segment_files, segment_span, sort_unique,
                                     write_atomic, write_bulk, write_by_hour)
from viewer.sensors.wal import WalStats, WalWriter, read_wal

FORMAT, VERSION = "citytwin-recording", 1


@dataclass
class ReadStats:
    """What :func:`read_recording` found besides the rows."""

    segments: int = 0
    wal: WalStats = field(default_factory=WalStats)
    duplicates: int = 0


def read_metadata(folder: Path) -> tuple[SensorNetwork, dict[str, Any]]:
    """The network and the ``[source]`` table of a recording folder."""
    path = Path(folder) / "recording.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if data and data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a CityTwin recording (format = {data.get('format')!r})")
    return network_from_dict(data), dict(data.get("source", {}))


def write_metadata(folder: Path, network: SensorNetwork, source_info: dict[str, Any] | None = None) -> None:
    """Write ``recording.toml`` atomically."""
    import tomli_w

    source = {k: v for k, v in (source_info or {}).items() if v is not None}
    document = {"format": FORMAT, "version": VERSION, "source": source, **network_to_dict(network)}
    text = tomli_w.dumps(document)
    write_atomic(Path(folder) / "recording.toml", lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_recording(folder: Path, start_ns: int | None = None, end_ns: int | None = None,
                   stats: ReadStats | None = None) -> tuple[SensorNetwork, ObservationRows]:
    """The network and the observations of a recording (segments and WAL), sorted by time then
    stream_id, each (stream_id, time) once.

    Parameters
    ----------
    folder
        The recording folder.
    start_ns, end_ns
        Keep only times in [start, end] (ns UTC); None: no bound.
    stats
        Filled with what was read, including damaged WAL records skipped (not an error: the
        last record of a killed recorder may be torn).
    """
    folder = Path(folder)
    stats = stats if stats is not None else ReadStats()
    network, _ = read_metadata(folder)
    batches = []
    for path in segment_files(folder / "segments"):
        first, after = segment_span(path)
        if (start_ns is not None and after <= start_ns) or (end_ns is not None and first > end_ns):
            continue
        batches.append(read_segment(path))
        stats.segments += 1
    for path in sorted((folder / "wal").glob("*.wal")):
        batches.append(read_wal(path, stats.wal))
    rows = ObservationRows.concat(batches)
    if start_ns is not None or end_ns is not None:
        lo = np.iinfo(np.int64).min if start_ns is None else start_ns
        hi = np.iinfo(np.int64).max if end_ns is None else end_ns
        rows = rows.select((rows.times_ns >= lo) & (rows.times_ns <= hi))
    rows, stats.duplicates = sort_unique(rows)
    return network, rows


def write_recording(folder: Path, network: SensorNetwork, rows: ObservationRows,
                    source_info: dict[str, Any] | None = None) -> list[Path]:
    """Write a whole recording at once (imports, generators); segments already there are merged.
    Series longer than a week go into monthly segments. Returns the segment files written."""
    folder = Path(folder)
    (folder / "segments").mkdir(parents=True, exist_ok=True)
    (folder / "wal").mkdir(exist_ok=True)
    write_metadata(folder, network, source_info)
    return write_bulk(folder / "segments", rows)


class Recorder:
    """Appends live observations to a recording folder.

    Parameters
    ----------
    folder
        Created if missing. An existing recording is continued: its network is kept (the given
        one is added to it) and rows left in its WAL by a crash are rolled into segments.
    network
        The datastreams; ``recording.toml`` is rewritten whenever it has gained datastreams.
    source_info
        Free-form ``[source]`` table (broker, topics, ...).
    grace_s
        How long (in observation time) after an hour's end late rows are still waited for
        before the hour is rolled into its segment.
    sync_interval_s
        How often the WAL is fsynced.
    min_roll_interval_s
        Least wall time between two rolls, so a sensor whose clock lags an hour cannot make
        every batch rewrite a segment (its rows wait, safe, in the WAL).
    """

    def __init__(self, folder: Path, network: SensorNetwork | None = None, source_info: dict[str, Any] | None = None,
                 grace_s: float = 60.0, sync_interval_s: float = 1.0, min_roll_interval_s: float = 10.0) -> None:
        self.folder = Path(folder)
        self.segments_dir, self.wal_dir = self.folder / "segments", self.folder / "wal"
        self.segments_dir.mkdir(parents=True, exist_ok=True)
        self.wal_dir.mkdir(exist_ok=True)
        for stale in list(self.segments_dir.glob(".*.tmp")) + list(self.folder.glob(".*.tmp")):
            stale.unlink(missing_ok=True)  # a crash during an atomic write left it
        self.network = network if network is not None else SensorNetwork()
        # A continued recording keeps the things it had; the caller's network is left as it is.
        self._old_network, old_source = read_metadata(self.folder)
        self.source_info = {**old_source, **(source_info or {})}
        self.grace_ns = int(grace_s * 1e9)
        self.min_roll_interval_s = min_roll_interval_s
        self._lock = threading.RLock()
        self._saved_streams = -1
        self._save_metadata()
        old_wals = sorted(self.wal_dir.glob("*.wal"))
        self._pending: list[ObservationRows] = []
        self._oldest: int | None = None
        self._newest: int | None = None
        for path in old_wals:
            self._keep_pending(read_wal(path))
        self._old_wals = old_wals
        number = max((int(p.stem) for p in old_wals if p.stem.isdigit()), default=0) + 1
        self._wal = WalWriter(self.wal_dir / f"{number:08d}.wal")
        self._last_roll = -float("inf")
        self._closed = False
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, args=(sync_interval_s,),
                                        name="citytwin-recorder-fsync", daemon=True)
        self._syncer.start()

    def write(self, rows: ObservationRows) -> None:
        """Append ``rows`` to the WAL now (any thread); roll finished hours into segments."""
        if not len(rows):
            return
        with self._lock:
            if self._closed:
                raise RuntimeError(f"recorder of {self.folder} is closed")
            if len(self.network.datastreams) != self._saved_streams:
                try:
                    self._save_metadata()  # before the rows: every row on disk has its datastream
                except RuntimeError:  # the network changed on another thread meanwhile: next time
                    pass
            self._wal.append(rows)
            self._keep_pending(rows)
            self._maybe_roll()

    def flush(self) -> None:
        """fsync the WAL now."""
        with self._lock:
            self._wal.sync()

    def close(self) -> None:
        """Roll every pending row into segments and remove the WAL."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        self._syncer.join()
        with self._lock:
            self._save_metadata()
            self._roll(cutoff_ns=None)
            self._wal.close()
            self._wal.path.unlink(missing_ok=True)

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pending_rows(self) -> int:
        """Rows in the WAL, not yet in a segment."""
        with self._lock:
            return sum(len(b) for b in self._pending)

    def _save_metadata(self) -> None:
        count = len(self.network.datastreams)
        merged = SensorNetwork()
        for network in (self._old_network, self.network):
            for thing in list(network.things.values()):
                merged.add(thing, network.of_thing(thing.id))
        write_metadata(self.folder, merged, self.source_info)
        self._saved_streams = count

    def _sync_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            with self._lock:
                if not self._closed:
                    self._wal.sync()

    def _keep_pending(self, rows: ObservationRows) -> None:
        if not len(rows):
            return
        self._pending.append(rows)
        lo, hi = int(rows.times_ns.min()), int(rows.times_ns.max())
        self._oldest = lo if self._oldest is None else min(self._oldest, lo)
        self._newest = hi if self._newest is None else max(self._newest, hi)

    def _maybe_roll(self) -> None:
        if self._newest is None or time.monotonic() - self._last_roll < self.min_roll_interval_s:
            return
        cutoff = hour_of(self._newest - self.grace_ns)
        if self._oldest < cutoff:
            self._roll(cutoff)

    def _roll(self, cutoff_ns: int | None) -> None:
        """Move rows before ``cutoff_ns`` (all rows if None) into segments, then rotate the WAL."""
        self._last_roll = time.monotonic()
        rows = ObservationRows.concat(self._pending)
        done = np.ones(len(rows), dtype=bool) if cutoff_ns is None else rows.times_ns < cutoff_ns
        write_by_hour(self.segments_dir, rows.select(done))
        self._old_wals.append(self._wal.path)
        self._pending, self._oldest, self._newest = [], None, None
        if cutoff_ns is not None:
            # The rows still waiting go into a fresh WAL (synced) before the old ones go.
            keep = rows.select(~done)
            self._wal.close()
            number = int(self._wal.path.stem) + 1
            self._wal = WalWriter(self.wal_dir / f"{number:08d}.wal")
            if len(keep):
                self._wal.append(keep)
                self._wal.sync()
            self._keep_pending(keep)
        for path in self._old_wals:  # the segments and the fresh WAL are durable by now
            if path != self._wal.path:
                path.unlink(missing_ok=True)
        self._old_wals = []
