"""Parquet segments of a recording, and the sort-and-dedupe every reader and writer shares.

A segment holds the observations of one UTC hour, named ``YYYYMMDDTHH.parquet`` (live recording),
or of one UTC month, named ``YYYYMM.parquet`` (bulk writes of long series: an hourly file per hour
of a seven-year table would be 60,000 files), with columns
``stream_id`` (string), ``time`` (timestamp[ns, tz=UTC]), ``value`` (float64) and ``quality``
(int8), zstd-compressed, sorted by time then stream_id. It is written under a temporary name,
fsynced and renamed, so every ``*.parquet`` present is complete. Adding rows to an hour that has
a segment merges them (read, concatenate, drop repeated (stream_id, time), rewrite).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from viewer.sensors.rows import ObservationRows

HOUR_NS = 3600 * 1_000_000_000
_NAME_FORMAT = "%Y%m%dT%H"
_MONTH_FORMAT = "%Y%m"
# Bulk writes spanning more than this use monthly segments.
MONTHLY_ABOVE_NS = 7 * 24 * HOUR_NS


def hour_of(time_ns: int) -> int:
    """Start of the UTC hour holding ``time_ns`` (ns)."""
    return (int(time_ns) // HOUR_NS) * HOUR_NS


def segment_name(hour_ns: int) -> str:
    """``YYYYMMDDTHH.parquet`` of the hour starting at ``hour_ns``."""
    return datetime.fromtimestamp(hour_ns // 1_000_000_000, tz=timezone.utc).strftime(_NAME_FORMAT) + ".parquet"


def segment_hour(path: Path) -> int | None:
    """Start (ns) of the hour a segment file covers, from its name; None for other files."""
    try:
        moment = datetime.strptime(Path(path).name.removesuffix(".parquet"), _NAME_FORMAT)
    except ValueError:
        return None
    return int(moment.replace(tzinfo=timezone.utc).timestamp()) * 1_000_000_000


def segment_span(path: Path) -> tuple[int, int] | None:
    """[start, end) in ns of the hour or month a segment file covers; None for other files."""
    hour = segment_hour(path)
    if hour is not None:
        return hour, hour + HOUR_NS
    try:
        month = datetime.strptime(Path(path).name.removesuffix(".parquet"), _MONTH_FORMAT)
    except ValueError:
        return None
    start = month.replace(tzinfo=timezone.utc)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return int(start.timestamp()) * 1_000_000_000, int(end.timestamp()) * 1_000_000_000


def sort_unique(rows: ObservationRows) -> tuple[ObservationRows, int]:
    """``rows`` sorted by time then stream_id, without repeats of a (stream_id, time); of
    repeats the first in ``rows`` is kept. Returns the rows and how many were dropped."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(rows):
        return rows, 0
    encoded = pa.array(rows.stream_ids, type=pa.string()).dictionary_encode()
    names = encoded.dictionary
    by_name = pc.array_sort_indices(names).to_numpy()
    rank = np.empty(len(by_name), dtype=np.int64)
    rank[by_name] = np.arange(len(by_name))
    codes = rank[encoded.indices.to_numpy()]
    times = rows.times_ns
    order = np.lexsort((codes, times))  # stable: of equal keys the earlier row comes first
    codes, times = codes[order], times[order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (times[1:] != times[:-1]) | (codes[1:] != codes[:-1])
    order = order[keep]
    sorted_names = np.array(names.to_pylist(), dtype=object)[by_name]
    out = ObservationRows(sorted_names[codes[keep]], times[keep], rows.values[order], rows.quality[order])
    return out, int((~keep).sum())


def rows_to_table(rows: ObservationRows):  # -> pyarrow.Table
    """The segment table of ``rows`` (in their order)."""
    import pyarrow as pa

    return pa.table({
        "stream_id": pa.array(rows.stream_ids, type=pa.string()),
        "time": pa.array(rows.times_ns, type=pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "value": pa.array(rows.values, type=pa.float64()),
        "quality": pa.array(rows.quality, type=pa.int8()),
    })


def table_to_rows(table) -> ObservationRows:
    """Rows of a segment table (any string type, any chunking)."""
    import pyarrow as pa

    ids = table["stream_id"].combine_chunks().cast(pa.string()).dictionary_encode()
    names = np.array(ids.dictionary.to_pylist(), dtype=object)
    times = table["time"].combine_chunks().cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64())
    quality = (table["quality"].combine_chunks().cast(pa.int8()).to_numpy(zero_copy_only=False)
               if "quality" in table.column_names else None)
    return ObservationRows(names[ids.indices.to_numpy(zero_copy_only=False)] if len(names) else
                           np.empty(table.num_rows, dtype=object),
                           times.to_numpy(zero_copy_only=False),
                           table["value"].combine_chunks().cast(pa.float64()).to_numpy(zero_copy_only=False),
                           quality)


def read_segment(path: Path) -> ObservationRows:
    """The rows of one segment file."""
    import pyarrow.parquet as pq

    return table_to_rows(pq.read_table(path))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)``, fsync the result and rename it to ``path`` (then fsync the
    folder), so ``path`` is either the old complete file or the new complete file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def write_segment(folder: Path, hour_ns: int, rows: ObservationRows) -> tuple[Path, int]:
    """Write (or merge into) the segment of one hour. ``rows`` must all lie in that hour.

    Returns
    -------
    path, duplicates
        The segment file and how many rows repeated a (stream_id, time) already there.
    """
    import pyarrow.parquet as pq

    path = Path(folder) / segment_name(hour_ns)
    if path.exists():
        rows = ObservationRows.concat([read_segment(path), rows])  # the segment's rows win
    rows, duplicates = sort_unique(rows)
    table = rows_to_table(rows)
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))
    return path, duplicates


def write_by_hour(folder: Path, rows: ObservationRows) -> list[Path]:
    """Split ``rows`` by UTC hour and write or merge each hour's segment."""
    if not len(rows):
        return []
    hours = rows.times_ns // HOUR_NS
    paths = []
    for hour in np.unique(hours):
        path, _ = write_segment(folder, int(hour) * HOUR_NS, rows.select(hours == hour))
        paths.append(path)
    return paths


def write_by_month(folder: Path, rows: ObservationRows) -> list[Path]:
    """Split ``rows`` by UTC month and write or merge each month's segment."""
    if not len(rows):
        return []
    months = rows.times_ns.astype("datetime64[ns]").astype("datetime64[M]")
    paths = []
    for month in np.unique(months):
        name = str(month).replace("-", "") + ".parquet"
        path = Path(folder) / name
        chunk = rows.select(months == month)
        if path.exists():
            chunk = ObservationRows.concat([read_segment(path), chunk])
        chunk, _ = sort_unique(chunk)
        import pyarrow.parquet as pq

        table = rows_to_table(chunk)
        write_atomic(path, lambda tmp, table=table: pq.write_table(table, tmp, compression="zstd"))
        paths.append(path)
    return paths


def write_bulk(folder: Path, rows: ObservationRows) -> list[Path]:
    """Hourly segments for short series, monthly ones for long series."""
    if len(rows) and int(rows.times_ns.max()) - int(rows.times_ns.min()) > MONTHLY_ABOVE_NS:
        return write_by_month(folder, rows)
    return write_by_hour(folder, rows)


def segment_files(folder: Path) -> list[Path]:
    """Complete segment files of a ``segments/`` folder, by start time."""
    if not Path(folder).is_dir():
        return []
    found = [(segment_span(p), p) for p in Path(folder).glob("*.parquet")]
    return [p for span, p in sorted((s, p) for s, p in found if s is not None)]
