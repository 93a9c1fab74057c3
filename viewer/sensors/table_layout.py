"""Reading a sensor table from disk and telling its layout (long or wide) and its columns.

CSV files are sniffed, not assumed: the encoding (UTF-8, else Windows-1252), the delimiter
(``,`` ``;`` tab ``|``) and the header row (files such as TMY3 put a station line above the
header: the header is the first line with as many fields as the data lines). Every CSV cell is
read as text so that numbers are parsed later in the C locale, whatever the machine's locale.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from viewer.sensors.table_time import TableImportError, base_name, is_time_part_name
from viewer.sensors.table_values import clean_text, numeric_share

if TYPE_CHECKING:
    import pandas as pd

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_NAMES = {
    "quality": ("qc", "qc_name", "qc_flag", "qc_code", "quality", "quality_flag", "quality_code",
                "flag", "flags", "qa", "qa_flag", "qcflag"),
    "unit": ("unit", "units", "uom", "conc_unit", "unit_of_measurement", "unit_of_measure"),
    "property": ("parameter", "observed_property", "property", "variable", "pollutant"),
    "sensor": ("sensor", "sensor_id", "sensor_name", "station", "station_id", "station_name",
               "site", "site_name", "site_id", "device", "device_id", "stream", "stream_id",
               "datastream", "datastream_id", "id", "name", "location", "thing", "tram"),
    "value": ("value", "result", "reading", "measurement", "obs", "observation", "val"),
}


def _open_text_head(path: Path, size: int = 65536) -> bytes:
    import bz2
    import gzip
    import lzma

    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix.lower(), open)
    with opener(path, "rb") as handle:
        return handle.read(size)


def _sniff_csv(path: Path) -> tuple[str, str, int]:
    """(encoding, delimiter, header row index) of a CSV file."""
    head = _open_text_head(path)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            # The 64 KiB cut may split a UTF-8 character: only the tail may fail.
            if encoding == "utf-8-sig" and exc.start >= len(head) - 4:
                text = head[:exc.start].decode(encoding)
                break
    lines = text.splitlines()[:60]
    if len(text) >= len(head) and len(lines) > 1:
        lines = lines[:-1]          # the last line may be cut
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise TableImportError(f"{path.name}: the file is empty")
    sample = "\n".join(lines)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter)]
    body = widths[1:] or widths
    modal = Counter(body).most_common(1)[0][0]
    header = next(i for i, w in enumerate(widths) if w == modal)
    return encoding, delimiter, header


def read_table(path: Path) -> pd.DataFrame:
    """A sensor table as a DataFrame: CSV cells as text, Parquet columns as typed."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise TableImportError(f"{path}: no such file")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many kinds
            raise TableImportError(f"{path.name}: not a readable Parquet file ({exc})") from exc
    encoding, delimiter, header = _sniff_csv(path)
    try:
        frame = pd.read_csv(path, sep=delimiter, skiprows=header, header=0, dtype=str,
                            keep_default_na=False, na_filter=False, encoding=encoding,
                            compression="infer", skipinitialspace=True)
    except (ValueError, pd.errors.ParserError) as exc:
        raise TableImportError(f"{path.name}: not a readable CSV table ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def find_named_column(frame: pd.DataFrame, role: str) -> str | None:
    """The column whose header names ``role`` ("quality", "unit", "property", "sensor",
    "value"), or None."""
    names = _NAMES[role]
    for column in frame.columns:
        base = base_name(column)
        if base in names or (role == "unit" and base.endswith("_unit")):
            return str(column)
    return None


@dataclass
class LayoutChoice:
    """The layout of a table and the columns that hold sensors and values."""

    layout: str
    sensor_column: str = ""
    value_column: str = ""
    value_columns: list[str] = field(default_factory=list)


def _sample_rows(frame: pd.DataFrame, size: int = 2000) -> pd.DataFrame:
    if len(frame) <= size:
        return frame
    step = len(frame) / size
    return frame.iloc[[int(i * step) for i in range(size)]]


def choose_layout(frame: pd.DataFrame, file: str, used: set[str | None], layout: str | None,
                  sensor_column: str | None, value_column: str | None,
                  columns: Sequence[str] | None) -> LayoutChoice:
    """Decide long or wide and pick the sensor and value columns (see :func:`import_table`)."""
    for name in [sensor_column, value_column, *(columns or [])]:
        if name is not None and name not in frame.columns:
            raise TableImportError(f"{file}: no column {name!r} (columns: "
                                   f"{', '.join(map(str, frame.columns[:12]))})")
    if layout is None:
        layout = "long" if (sensor_column or value_column) else "wide" if columns else None
    if layout == "wide" and columns:
        return LayoutChoice("wide", value_columns=list(columns))
    skip = set(used) | {find_named_column(frame, r) for r in ("unit", "property")}
    sample = _sample_rows(frame)
    free = [str(c) for c in frame.columns if c not in skip and not is_time_part_name(c)]
    numeric = [c for c in free if numeric_share(sample[c]) >= 0.75]
    text = [c for c in free if c not in numeric]
    if layout is None:
        sensor = sensor_column or _sensor_column(sample, text)
        layout = "long" if (sensor and len(numeric) == 1) else "wide"
    if layout == "wide":
        if not numeric:
            raise TableImportError(f"{file}: no numeric sensor columns found; give columns")
        return LayoutChoice("wide", value_columns=numeric)
    sensor = sensor_column or _sensor_column(sample, text)
    if sensor is None:
        raise TableImportError(f"{file}: long layout needs a sensor column; give sensor_column")
    value = value_column or _value_column(numeric)
    if value is None:
        raise TableImportError(f"{file}: several numeric columns ({', '.join(numeric[:8])}); "
                               f"give value_column")
    return LayoutChoice("long", sensor_column=sensor, value_column=value)


def _sensor_column(sample: pd.DataFrame, text: list[str]) -> str | None:
    """A text column with few distinct values, preferring headers like sensor/station/site."""
    limit = max(2, min(500, len(sample) // 2))
    distinct = {c: clean_text(sample[c]) for c in text}
    distinct = {c: int(v[v != ""].nunique()) for c, v in distinct.items()}
    few = [c for c in text if 1 <= distinct[c] <= limit]
    named = [c for c in few if base_name(c) in _NAMES["sensor"]]
    if named:
        return named[0]
    return max(few, key=lambda c: distinct[c]) if few else None


def _value_column(numeric: list[str]) -> str | None:
    if len(numeric) == 1:
        return numeric[0]
    named = [c for c in numeric if base_name(c) in _NAMES["value"]]
    if len(named) == 1:
        return named[0]
    hinted = [c for c in numeric if re.search(r"value|result|reading", c, re.IGNORECASE)]
    return hinted[0] if len(hinted) == 1 else None
