"""The write-ahead log of a recording: rows not yet in an hourly Parquet segment.

Each batch is one self-delimiting, checksummed record, appended with a single unbuffered
``os.write``: once ``write()`` has returned the bytes are the kernel's, so killing the process
(even with SIGKILL) loses nothing; ``fsync`` (about once a second, by the recorder) bounds what a
power cut can take. A record cut short by a crash, or damaged, fails its length or CRC check and
is skipped (and counted) by :func:`read_wal`, which then looks for the next record's magic.

Record layout (little-endian)::

    b"CTW1"  u32 payload length  u32 CRC-32 of payload
    payload: u32 n rows, u32 k names, u32[k] name lengths, names (UTF-8),
             u32[n] name index, i64[n] time ns UTC, f64[n] value, i8[n] quality
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from viewer.sensors.rows import ObservationRows

MAGIC = b"CTW1"
_HEADER = struct.Struct("<4sII")
_COUNTS = struct.Struct("<II")


@dataclass
class WalStats:
    """What reading a WAL found: good records and rows, and damaged records skipped."""

    records: int = 0
    rows: int = 0
    bad_records: int = 0


def encode_record(rows: ObservationRows) -> bytes:
    """One WAL record holding ``rows``."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(s, len(index)) for s in rows.stream_ids.tolist()),
                        dtype="<u4", count=len(rows))
    names = [str(s).encode("utf-8") for s in index]
    payload = b"".join([_COUNTS.pack(len(rows), len(names)),
                        np.array([len(b) for b in names], dtype="<u4").tobytes(), *names,
                        codes.tobytes(), rows.times_ns.astype("<i8").tobytes(),
                        rows.values.astype("<f8").tobytes(), rows.quality.astype("i1").tobytes()])
    return _HEADER.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload


def _decode_payload(payload: bytes) -> ObservationRows:
    n, k = _COUNTS.unpack_from(payload, 0)
    at = _COUNTS.size
    lengths = np.frombuffer(payload, dtype="<u4", count=k, offset=at)
    at += 4 * k
    names = []
    for length in lengths.tolist():
        names.append(payload[at: at + length].decode("utf-8"))
        at += length
    codes = np.frombuffer(payload, dtype="<u4", count=n, offset=at)
    times = np.frombuffer(payload, dtype="<i8", count=n, offset=at + 4 * n)
    values = np.frombuffer(payload, dtype="<f8", count=n, offset=at + 12 * n)
    quality = np.frombuffer(payload, dtype="i1", count=n, offset=at + 20 * n)
    if at + 21 * n != len(payload):
        raise ValueError("record length does not match its row count")
    ids = np.array(names, dtype=object)[codes] if n else np.empty(0, dtype=object)
    return ObservationRows(ids, times.astype(np.int64), values.astype(np.float64), quality.astype(np.int8))


def decode_records(data: bytes, stats: WalStats | None = None) -> list[ObservationRows]:
    """Every intact record in ``data``; damaged ones are skipped and counted in ``stats``."""
    stats = stats if stats is not None else WalStats()
    batches: list[ObservationRows] = []
    at = 0
    while at < len(data):
        good = False
        if len(data) - at >= _HEADER.size:
            magic, length, crc = _HEADER.unpack_from(data, at)
            payload = data[at + _HEADER.size: at + _HEADER.size + length]
            if magic == MAGIC and len(payload) == length and zlib.crc32(payload) == crc:
                try:
                    batches.append(_decode_payload(payload))
                    good = True
                except (ValueError, UnicodeDecodeError, struct.error, IndexError):
                    good = False
        if good:
            stats.records += 1
            stats.rows += len(batches[-1])
            at += _HEADER.size + length
            continue
        stats.bad_records += 1
        following = data.find(MAGIC, at + 1)  # resynchronise on the next record, if any
        if following < 0:
            break
        at = following
    return batches


def read_wal(path: Path, stats: WalStats | None = None) -> ObservationRows:
    """The rows of one WAL file (in the order they were written)."""
    return ObservationRows.concat(decode_records(Path(path).read_bytes(), stats))


class WalWriter:
    """Appends records to one WAL file.

    Parameters
    ----------
    path
        The file; created if missing, appended to otherwise.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.dirty = False

    def append(self, rows: ObservationRows) -> int:
        """Write ``rows`` as one record (unbuffered); returns the bytes written."""
        data = memoryview(encode_record(rows))
        written = 0
        while written < len(data):  # a regular file takes it all at once, barring a full disk
            written += os.write(self._fd, data[written:])
        self.dirty = True
        return written

    def sync(self) -> None:
        """fsync what was written, if anything was since the last sync."""
        if self.dirty and self._fd >= 0:
            os.fsync(self._fd)
            self.dirty = False

    def close(self) -> None:
        """Sync and close the file."""
        if self._fd >= 0:
            self.sync()
            os.close(self._fd)
            self._fd = -1
