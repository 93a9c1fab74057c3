"""Sensor files on the command line: import a CSV/Parquet table into a recording folder, and
describe a recording. Back ``citytwin sensors import`` and ``citytwin sensors info``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from viewer.core.progress import Progress
from viewer.core.sensors import SensorNetwork
from viewer.sensors.recording import read_metadata, read_recording, write_recording
from viewer.sensors.rows import ObservationRows
from viewer.sensors.table_import import TableImport, import_table

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def iso_utc(t_ns: int) -> str:
    """ISO 8601 UTC with ``Z`` (``2015-12-31T18:00:00Z``); fractions only when present."""
    seconds, rest = divmod(int(t_ns), 1_000_000_000)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    if rest:
        text += f".{rest:09d}".rstrip("0")
    return text + "Z"


@dataclass
class StreamSummary:
    """One datastream of a recording: what it is and what it holds."""

    id: str
    name: str
    unit: str
    count: int
    first_ns: int | None
    last_ns: int | None


def summarize(network: SensorNetwork, rows: ObservationRows) -> list[StreamSummary]:
    """Per datastream (those of the network, then ids found only in the rows): count, first
    and last time."""
    ids = rows.stream_ids.astype(str) if len(rows) else np.empty(0, dtype=str)
    keys, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    first = np.full(len(keys), np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(len(keys), np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, inverse, rows.times_ns)
    np.maximum.at(last, inverse, rows.times_ns)
    stats = {str(k): (int(c), int(f), int(t)) for k, c, f, t in zip(keys, counts, first, last)}
    out = []
    for stream in network.datastreams.values():
        count, first, last = stats.pop(stream.id, (0, None, None))
        out.append(StreamSummary(stream.id, stream.name, stream.unit, count, first, last))
    for key, (count, first, last) in stats.items():
        out.append(StreamSummary(key, "(not in recording.toml)", "", count, first, last))
    return out


@dataclass
class ImportReport:
    """What :func:`import_sensors` did. ``str(report)`` is the CLI's text."""

    out_dir: Path
    files: list[str]
    layout: str
    time_column: str
    time_zone: str
    rows_read: int
    values_read: int
    kept: int
    dropped: dict[str, int]
    quality_counts: dict[int, int]
    streams: list[StreamSummary] = field(default_factory=list)
    segments: int = 0
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"imported {', '.join(Path(f).name for f in self.files)} -> {self.out_dir}",
                 f"layout {self.layout}; time column {self.time_column!r}; "
                 f"time zone {self.time_zone}",
                 f"rows read {self.rows_read}; values read {self.values_read}; kept {self.kept}"]
        if self.dropped:
            lines.append("dropped: " + ", ".join(f"{k} {v}" for k, v in sorted(self.dropped.items())))
        flags = {0: "good", 1: "suspect", 2: "bad"}
        lines.append("quality: " + ", ".join(f"{flags.get(k, k)} {v}"
                                              for k, v in sorted(self.quality_counts.items())))
        lines.append(f"{len(self.streams)} datastreams, {self.segments} segment files")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def import_sensors(file: str | Path | Sequence[str | Path], out_dir: str | Path,
                   time_column: str | Sequence[str] | None = None, tz: str | None = None,
                   layout: str | None = None, sensor_column: str | None = None,
                   value_column: str | None = None, units: str | dict[str, str] | None = None,
                   progress: Progress | None = None, **options: object) -> ImportReport:
    """Import a sensor table (CSV, CSV.gz, TSV, Parquet) into a recording folder.

    Parameters
    ----------
    file
        The table, or several tables of the same layout (merged).
    out_dir
        The recording folder (created; hours already recorded there are merged).
    time_column, tz, layout, sensor_column, value_column, units
        See :func:`viewer.sensors.table_import.import_table`; ``time_column`` may be a
        (date, time-of-day) pair.
    progress
        Progress sink; cancelling raises :class:`viewer.core.progress.Cancelled`.
    **options
        Further keywords of ``import_table`` (``columns``, ``quality_column``,
        ``quality_map``, ``missing_values``, ``time_format``, ``thing_id``, ``thing_name``).

    Raises
    ------
    viewer.sensors.table_import.TableImportError
        The table cannot be read as asked (``TimeZoneRequired`` for naive times and no ``tz``).
    """
    progress = progress or Progress()
    table: TableImport = import_table(
        file, time_column=time_column, tz=tz, layout=layout, sensor_column=sensor_column,
        value_column=value_column, units=units, progress=progress.sub(0.0, 0.6),
        **options)  # type: ignore[arg-type]
    progress.update(0.6, "writing the recording")
    out = Path(out_dir)
    source = {"kind": "import", "files": [Path(f).name for f in table.files],
              "layout": table.layout, "time_column": table.time_column,
              "time_zone": table.time_zone, "rows_read": table.rows_read,
              "values_read": table.values_read, "kept": table.kept,
              "dropped": dict(table.dropped)}
    segments = write_recording(out, table.network, table.rows, source_info=source)
    progress.update(1.0, "done")
    return ImportReport(out, table.files, table.layout, table.time_column, table.time_zone,
                        table.rows_read, table.values_read, table.kept, dict(table.dropped),
                        dict(table.quality_counts), summarize(table.network, table.rows),
                        len(segments), list(table.warnings))


def sensors_info(recording_dir: str | Path) -> str:
    """A text description of a recording folder: per datastream its id, name, unit,
    observation count, first and last time (UTC, ISO 8601 with Z); then the totals."""
    folder = Path(recording_dir)
    if not (folder / "recording.toml").is_file() and not (folder / "segments").is_dir():
        raise FileNotFoundError(f"{folder}: not a recording folder (no recording.toml)")
    network, rows = read_recording(folder)
    _, source = read_metadata(folder)
    streams = summarize(network, rows)
    header = ("id", "name", "unit", "observations", "first (UTC)", "last (UTC)")
    table = [header] + [(s.id, s.name, s.unit or "-", str(s.count),
                         iso_utc(s.first_ns) if s.first_ns is not None else "-",
                         iso_utc(s.last_ns) if s.last_ns is not None else "-") for s in streams]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [f"recording {folder}"]
    if source:
        lines.append("source: " + "; ".join(f"{k} = {v}" for k, v in source.items()
                                            if not isinstance(v, dict)))
    for row in table:
        cells = [c.rjust(w) if i == 3 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    total = f"total: {len(network.things)} things, {len(streams)} datastreams, {len(rows)} observations"
    if len(rows):
        total += f", {iso_utc(int(rows.times_ns.min()))} to {iso_utc(int(rows.times_ns.max()))}"
    lines.append(total)
    return "\n".join(lines)
