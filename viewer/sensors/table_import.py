"""Import CSV and Parquet sensor tables into a sensor network and observation rows.

Two layouts:

- ``"long"``: one observation per row: a time, a sensor and a value (and optionally a quality
  flag and a unit);
- ``"wide"``: a time and one column per sensor (or per measured property of one station).

Left unsaid, the layout is read from the table: one numeric column beside a text column with few
distinct values is long; several numeric columns are wide. Times, zones, units and quality flags
are handled by :mod:`viewer.sensors.table_time` and :mod:`viewer.sensors.table_values`. Every
value read is either kept or counted under one drop reason, so
``values_read == kept + sum(dropped.values())``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from viewer.core.progress import Progress
from viewer.core.sensors import Datastream, SensorNetwork, Thing
from viewer.sensors.rows import ObservationRows
from viewer.sensors.table_layout import choose_layout, find_named_column, read_table
from viewer.sensors.table_time import (ParsedTimes, TableImportError, TimeZoneRequired,
                                       find_time_columns, parse_date_and_clock,
                                       parse_time_column, parse_zone)
from viewer.sensors.table_values import (DEFAULT_MISSING_VALUES, MISSING_VALUE, clean_text,
                                         map_quality,
                                         normalize_unit, parse_numbers, property_from_header,
                                         slug, strip_unit_hint, unit_from_header)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TableImport", "TableImportError", "TimeZoneRequired", "import_table"]

DUPLICATE_TIME = "duplicate_time"
MISSING_SENSOR = "missing_sensor"


@dataclass
class TableImport:
    """What :func:`import_table` read.

    Attributes
    ----------
    network
        One thing per sensor (long) or per file (wide), with a datastream per series.
    rows
        The kept observations, sorted by time then datastream id.
    layout, time_column, time_zone
        What was used: ``"long"``/``"wide"``, the time column(s), the zone (``"+07:00"``,
        ``"UTC"``, ``"from the values"``, ...).
    rows_read
        Table rows read (all files).
    values_read
        Candidate observations: rows (long) or rows x sensor columns (wide).
    dropped
        Observations not kept, by reason: ``missing_value``, ``non_numeric``,
        ``unparseable_time``, ``ambiguous_local_time``, ``nonexistent_local_time``,
        ``duplicate_time``, ``missing_sensor``.
    quality_counts
        Kept observations per QUALITY_* flag.
    warnings
        Things the user should know (no unit, unknown QC flags, a stated zone not applied).
    """

    network: SensorNetwork
    rows: ObservationRows
    files: list[str] = field(default_factory=list)
    layout: str = ""
    time_column: str = ""
    time_zone: str = ""
    rows_read: int = 0
    values_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    quality_counts: dict[int, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def kept(self) -> int:
        """Observations kept."""
        return len(self.rows)


@dataclass
class _SeriesInfo:
    """The observations of one datastream read from one file, before merging."""

    source: str                 # column (wide) or sensor value (long) it came from
    value_column: str
    unit_hint: str
    property_hint: str
    thing_id: str
    thing_name: str


def _stream_key(sensor: str) -> str:
    """A datastream id from a sensor value: kept as written when it is already an identifier
    (so a recording's own stream ids survive a round trip), else made one."""
    import re

    return sensor if re.fullmatch(r"[A-Za-z0-9_.:\-]+", sensor) else slug(sensor)


def _wide_key(series: dict[str, _SeriesInfo], column: str) -> str:
    """Datastream id of a wide column: its header as an identifier, numbered when two headers
    give the same one ("Temp (C)" and "temp [C]")."""
    key = slug(strip_unit_hint(column))
    number = 1
    while key in series and series[key].source != column:
        number += 1
        key = f"{slug(strip_unit_hint(column))}_{number}"
    return key


def _parse_times(frame: pd.DataFrame, file: str, time_column: str | Sequence[str] | None,
                 zone: dt.tzinfo | None, time_format: str | None) -> ParsedTimes:
    spec: str | tuple[str, ...]
    spec = find_time_columns(frame, file) if time_column is None else (
        time_column if isinstance(time_column, str) else tuple(time_column))
    names = (spec,) if isinstance(spec, str) else spec
    for name in names:
        if name not in frame.columns:
            raise TableImportError(f"{file}: no column {name!r} (columns: "
                                   f"{', '.join(map(str, frame.columns[:12]))})")
    if isinstance(spec, str):
        return parse_time_column(frame[spec], zone, file, spec, time_format)
    if len(spec) != 2:
        raise TableImportError(f"{file}: time_column takes one column or a (date, time) pair")
    return parse_date_and_clock(frame[spec[0]], frame[spec[1]], zone, file,
                                (spec[0], spec[1]), time_format)


def import_table(paths: str | Path | Sequence[str | Path], *,
                 time_column: str | Sequence[str] | None = None, tz: str | None = None,
                 layout: str | None = None, sensor_column: str | None = None,
                 value_column: str | None = None, columns: Sequence[str] | None = None,
                 units: str | dict[str, str] | None = None, quality_column: str | None = None,
                 quality_map: dict[str, int] | None = None,
                 missing_values: Sequence[float] = DEFAULT_MISSING_VALUES,
                 time_format: str | None = None, thing_id: str | None = None,
                 thing_name: str | None = None, progress: Progress | None = None) -> TableImport:
    """Read sensor tables (CSV, TSV, gzip'd CSV, Parquet) into a network and observation rows.

    Parameters
    ----------
    paths
        One file or several with the same layout (e.g. one file per year); they are merged.
    time_column
        The time column, or a (date column, time-of-day column) pair; found from the headers
        when None (time, timestamp, datetime, date, ...).
    tz
        Zone of naive times: ``"UTC"``, ``"+07:00"``, ``"Asia/Ho_Chi_Minh"``. Times that carry
        an offset use it; a header saying UTC (``"time (UTC)"``) counts as stated. Naive times
        with no zone raise :class:`TimeZoneRequired`.
    layout
        ``"long"`` or ``"wide"``; read from the table when None.
    sensor_column, value_column
        Long layout: the columns holding the sensor name and the value.
    columns
        Wide layout: the sensor columns to import (default: every numeric column).
    units
        One unit for all series, or a dict keyed by column/sensor name or datastream id. Else
        a unit column (long), else the header (see :mod:`viewer.sensors.table_values`), else
        ``""`` with a warning.
    quality_column, quality_map
        The QC flag column (found by name: QC Name, quality, flag, ...) and extra flag words
        mapped to QUALITY_* (or -1 for missing).
    missing_values
        Numbers that mean "no reading" (default -999 and -9999); such rows are dropped.
    time_format
        strftime format of the times (or of the date column of a pair) when not detected.
    thing_id, thing_name
        Wide layout: the station the columns belong to (default: from the first file name).
    progress
        Progress sink; cancelling raises :class:`viewer.core.progress.Cancelled`.

    Raises
    ------
    TableImportError
        The table cannot be read as asked (message names the file and the reason).
    """
    files = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if not files:
        raise TableImportError("no file to import")
    if layout not in (None, "long", "wide"):
        raise TableImportError(f"layout must be 'long' or 'wide', not {layout!r}")
    progress = progress or Progress()
    zone = parse_zone(tz) if tz else None
    result = TableImport(SensorNetwork(), ObservationRows(), files=[str(f) for f in files])
    batches: list[tuple[np.ndarray, ...]] = []   # keys, times, values, quality, reason
    series: dict[str, _SeriesInfo] = {}
    unit_columns: dict[str, str] = {}
    default_thing = thing_id or slug(files[0].name.split(".")[0])
    for number, path in enumerate(files):
        progress.update(number / len(files), f"reading {path.name}")
        frame = read_table(path)
        result.rows_read += len(frame)
        times = _parse_times(frame, path.name, time_column, zone, time_format)
        result.warnings += times.warnings
        result.time_column, result.time_zone = times.column, times.zone
        qc_name = quality_column or find_named_column(frame, "quality")
        if qc_name is not None and qc_name not in frame.columns:
            raise TableImportError(f"{path.name}: no quality column {qc_name!r}")
        used = set(times.column.split(" + ")) | {qc_name}
        choice = choose_layout(frame, path.name, used, layout, sensor_column, value_column, columns)
        result.layout = choice.layout
        quality = np.zeros(len(frame), dtype=np.int8)
        qc_missing = np.zeros(len(frame), dtype=bool)
        if qc_name is not None:
            quality, qc_missing, unknown = map_quality(frame[qc_name], quality_map)
            if unknown:
                result.warnings.append(f"{path.name}: QC flags not understood in {qc_name!r} "
                                       f"(kept as suspect): {', '.join(unknown[:10])}")
        base_reason = np.where(times.reason != "", times.reason,
                               np.where(qc_missing, MISSING_VALUE, "")).astype(object)
        if choice.layout == "wide":
            for column in choice.value_columns:
                values, reason = parse_numbers(frame[column], tuple(missing_values))
                key = _wide_key(series, column)
                series.setdefault(key, _SeriesInfo(column, column, unit_from_header(column),
                                                   property_from_header(column), default_thing,
                                                   thing_name or files[0].name.split(".")[0]))
                reason = np.where(base_reason != "", base_reason, reason).astype(object)
                batches.append((np.full(len(frame), key, dtype=object), times.ns, values,
                                quality, reason))
        else:
            values, reason = parse_numbers(frame[choice.value_column], tuple(missing_values))
            reason = np.where(base_reason != "", base_reason, reason).astype(object)
            keys = _long_series(frame, choice.sensor_column, choice.value_column, series,
                                unit_columns)
            reason[(keys == "") & (reason == "")] = MISSING_SENSOR
            batches.append((keys, times.ns, values, quality, reason))
    progress.update(0.9, "merging")
    _merge(result, batches)
    _build_network(result, series, units, unit_columns)
    progress.update(1.0, "imported")
    return result


def _long_series(frame: pd.DataFrame, sensor_column: str, value_column: str,
                 series: dict[str, _SeriesInfo], unit_columns: dict[str, str]) -> np.ndarray:
    """Datastream id of each row of a long table ("" where the sensor is missing); records
    each sensor's series, with its unit and property from unit/parameter columns if any."""
    import pandas as pd

    sensors = clean_text(frame[sensor_column]).to_numpy(dtype=object)
    names, inverse = np.unique(sensors.astype(str), return_inverse=True)
    key_of = np.array([_stream_key(n) if n else "" for n in names], dtype=object)
    extra = {role: find_named_column(frame, role) for role in ("unit", "property")}
    modal: dict[str, dict[str, str]] = {}
    for role, column in extra.items():
        if column is not None:
            text = pd.DataFrame({"s": sensors, "v": clean_text(frame[column])})
            text = text[text["v"] != ""]
            modal[role] = text.groupby("s")["v"].agg(lambda v: v.mode().iloc[0]).to_dict()
    for name, key in zip(names, key_of):
        if not key:
            continue
        prop = modal.get("property", {}).get(name, "")
        series.setdefault(key, _SeriesInfo(str(name), value_column, unit_from_header(value_column),
                                           property_from_header(prop or value_column), key,
                                           str(name)))
        if name in modal.get("unit", {}):
            unit_columns.setdefault(key, normalize_unit(modal["unit"][name]))
    return key_of[inverse]


def _merge(result: TableImport, batches: list) -> None:
    """Keep the good rows, drop exact (stream, time) repeats, count every reason, sort."""
    keys = np.concatenate([b[0] for b in batches]) if batches else np.empty(0, dtype=object)
    times = np.concatenate([b[1] for b in batches]) if batches else np.empty(0, dtype=np.int64)
    values = np.concatenate([b[2] for b in batches]) if batches else np.empty(0)
    quality = np.concatenate([b[3] for b in batches]) if batches else np.empty(0, dtype=np.int8)
    reason = np.concatenate([b[4] for b in batches]) if batches else np.empty(0, dtype=object)
    result.values_read = len(keys)
    good = reason == ""
    # Repeats: keep the first in file order.
    idx = np.flatnonzero(good)
    order = idx[np.lexsort((idx, times[idx], keys[idx].astype(str)))]
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = (keys[order][1:] == keys[order][:-1]) & (times[order][1:] == times[order][:-1])
    reason[order[repeat]] = DUPLICATE_TIME
    good = reason == ""
    labels, counts = np.unique(reason[~good].astype(str), return_counts=True)
    result.dropped = {str(k): int(c) for k, c in zip(labels, counts)}
    rows = np.flatnonzero(good)
    rows = rows[np.lexsort((keys[rows].astype(str), times[rows]))]
    result.rows = ObservationRows(keys[rows], times[rows], values[rows], quality[rows])
    flags, flag_counts = np.unique(result.rows.quality, return_counts=True)
    result.quality_counts = {int(f): int(c) for f, c in zip(flags, flag_counts)}


def _build_network(result: TableImport, series: dict[str, _SeriesInfo],
                   units: str | dict[str, str] | None, unit_columns: dict[str, str]) -> None:
    rows = result.rows
    ids = rows.stream_ids.astype(str)
    no_unit = []
    things: dict[str, tuple[Thing, list[Datastream]]] = {}
    for key, info in series.items():
        if isinstance(units, str):
            unit = normalize_unit(units)
        elif isinstance(units, dict) and (info.source in units or key in units):
            unit = normalize_unit(units.get(info.source, units.get(key, "")))
        else:
            unit = unit_columns.get(key) or info.unit_hint
        if not unit:
            no_unit.append(key)
        times = np.unique(rows.times_ns[ids == key])
        steps = np.diff(times)
        interval = float(np.median(steps)) / 1e9 if len(steps) else 60.0
        stream = Datastream(id=key, name=strip_unit_hint(info.source), thing_id=info.thing_id,
                            unit=unit, observed_property=info.property_hint,
                            expected_interval_s=interval,
                            description=f"imported from {info.value_column!r}")
        if info.thing_id not in things:
            things[info.thing_id] = (Thing(id=info.thing_id, name=info.thing_name,
                                           properties={"source": ", ".join(
                                               Path(f).name for f in result.files)}), [])
        things[info.thing_id][1].append(stream)
    for thing, streams in things.values():
        result.network.add(thing, streams)
    if no_unit:
        result.warnings.append(f"no unit known for {', '.join(no_unit)}: give units "
                               f"(e.g. units='m' or --units NAME=UNIT)")
