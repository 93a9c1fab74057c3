"""Times in sensor tables -> int64 ns UTC: finding the time column, reading its format, and the
time zone (stated by the user, carried by the values, or named in the column header).

A naive local time is never given a zone silently: with none stated, :class:`TimeZoneRequired`
names the file and the column and asks for one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.sensors.table_values import clean_text

if TYPE_CHECKING:
    import pandas as pd

NAT = np.iinfo(np.int64).min

# Drop reasons that come from times.
UNPARSEABLE_TIME = "unparseable_time"
AMBIGUOUS_LOCAL_TIME = "ambiguous_local_time"
NONEXISTENT_LOCAL_TIME = "nonexistent_local_time"


class TableImportError(ValueError):
    """A sensor table cannot be imported as asked; the message names the file and the reason."""


class TimeZoneRequired(TableImportError):
    """The times carry no zone and none was stated.

    Attributes
    ----------
    file, column
        Where the naive times are.
    """

    def __init__(self, file: str, column: str) -> None:
        self.file, self.column = file, column
        super().__init__(
            f"{file}: the times in column {column!r} carry no time zone; state the zone they are "
            f"in (for example tz='+07:00', tz='Asia/Ho_Chi_Minh' or tz='UTC'; CLI: --tz)")


# Formats tried on text times, most specific first; "ISO8601" is pandas' own ISO reader.
DATETIME_FORMATS = (
    "ISO8601",
    "%Y-%m-%d %I:%M %p", "%Y-%m-%d %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y%m%dT%H%M%S",
)
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%Y%m%d")
# Formats that read the same text two ways (month first / day first).
_SWAPPED = {"%m/%d/%Y": "%d/%m/%Y", "%m/%d/%Y %H:%M:%S": "%d/%m/%Y %H:%M:%S",
            "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M"}
_SWAPPED.update({v: k for k, v in list(_SWAPPED.items())})

_OFFSET_RE = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)$",
                        re.IGNORECASE)
_CLOCK_RE = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?$")
_FIXED_TZ_RE = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_TIME_WORDS = ("timestamp", "datetime", "date_time", "time", "date", "phenomenontime", "zeit",
               "thoi_gian", "ngay")
_UTC_HINT_RE = re.compile(r"(^|[^a-z])(utc|gmt|z)([^a-z]|$)")


def parse_zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    """A tzinfo from ``"UTC"``, ``"Z"``, ``"+07:00"``, ``"UTC+7"``, ``"-0500"`` or an IANA name
    such as ``"Asia/Ho_Chi_Minh"``."""
    if isinstance(tz, dt.tzinfo):
        return tz
    text = str(tz).strip()
    if text.upper() in ("UTC", "Z", "GMT", "ZULU"):
        return dt.timezone.utc
    match = _FIXED_TZ_RE.match(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise TableImportError(f"time zone {text!r}: offset out of range")
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TableImportError(f"unknown time zone {text!r} (use an offset such as '+07:00' "
                               f"or a name such as 'Asia/Ho_Chi_Minh')") from exc


def zone_label(zone: dt.tzinfo) -> str:
    """How a zone is reported: ``"UTC"``, ``"+07:00"`` or the IANA key."""
    key = getattr(zone, "key", None)
    if key:
        return str(key)
    offset = zone.utcoffset(None) or dt.timedelta(0)
    if offset == dt.timedelta(0):
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def column_says_utc(name: str) -> bool:
    """Whether a header states UTC, as in ``"time (UTC)"`` or ``"timestamp_utc"``."""
    return bool(_UTC_HINT_RE.search(str(name).lower()))


def base_name(name: str) -> str:
    """A header without its bracketed hint, lower case, words joined by ``_``."""
    text = re.sub(r"[\(\[].*?[\)\]]", " ", str(name).lower())
    return "_".join(re.findall(r"[a-z0-9]+", text))


def is_time_name(name: str) -> bool:
    """Whether a header names a time, date or time of day."""
    base = base_name(name)
    return base in ("hour", "hr", "utc") or any(
        base == w or base.startswith(w + "_") or base.endswith("_" + w) for w in _TIME_WORDS)


def is_time_part_name(name: str) -> bool:
    """Year/Month/Day/Hour/Minute columns: parts of a time, never measured values."""
    return base_name(name) in ("year", "month", "day", "hour", "hr", "minute", "min", "second",
                                "doy", "day_of_year", "yyyy", "mm", "dd", "hh")


@dataclass
class ParsedTimes:
    """Times of a table's rows.

    Attributes
    ----------
    ns
        int64 ns UTC per row; :data:`NAT` where the row has no usable time.
    reason
        Per row: "" when parsed, else the drop reason (``UNPARSEABLE_TIME``, ...).
    zone
        How the zone was decided (``"UTC"``, ``"+07:00"``, ``"from the values"``, ...).
    column
        The column (or ``"date + time"`` pair) the times came from.
    """

    ns: np.ndarray
    reason: np.ndarray
    zone: str
    column: str
    warnings: list[str]


def _clean_strings(series: pd.Series) -> np.ndarray:
    return clean_text(series).to_numpy(dtype=object)


def _sample(values: np.ndarray, size: int = 400) -> np.ndarray:
    present = values[values != ""]
    if len(present) <= size:
        return present
    return present[np.linspace(0, len(present) - 1, size).astype(int)]


def _try_format(values: np.ndarray, fmt: str, utc: bool = True) -> Any:
    import pandas as pd

    return pd.to_datetime(pd.Series(values, dtype=object), format=fmt, errors="coerce", utc=utc)


def detect_format(values: np.ndarray, formats: tuple[str, ...], file: str, column: str,
                  name_hint: str = "") -> str | None:
    """The first format that reads (nearly) all of a sample of ``values``; None if none does.

    Month-first and day-first readings of the same text are told apart by days above 12; a
    column that fits both raises :class:`TableImportError` unless its header says which.
    """
    sample = _sample(values)
    if len(sample) == 0:
        return None
    best, best_ok = None, 0
    for fmt in formats:
        ok = int(_try_format(sample, fmt).notna().sum())
        if ok == len(sample):
            best, best_ok = fmt, ok
            break
        if ok > best_ok:
            best, best_ok = fmt, ok
    if best is None or best_ok < 0.5 * len(sample):
        return None
    other = _SWAPPED.get(best)
    if other and other in formats:
        full_a = int(_try_format(values, best).notna().sum())
        full_b = int(_try_format(values, other).notna().sum())
        if full_b > full_a:
            return other
        if full_a == full_b:
            hint = name_hint.upper()
            if "DD/MM" in hint:
                return best if best.startswith("%d") else other
            if "MM/DD" in hint:
                return best if best.startswith("%m") else other
            raise TableImportError(
                f"{file}: the dates in column {column!r} read both month-first and day-first; "
                f"state the format (for example time_format='%d/%m/%Y %H:%M')")
    return best


def _clock_seconds(values: np.ndarray) -> np.ndarray | None:
    """Seconds after midnight of "HH:MM[:SS]" or hour-number values (24:00 is the next
    midnight, as TMY3 writes it); None unless nearly all values look so."""
    out = np.full(len(values), np.nan)
    for i, text in enumerate(values):
        match = _CLOCK_RE.match(text)
        if match:
            h, m, s = int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0)
            if h <= 24 and m < 60 and s < 60 and (h < 24 or m == s == 0):
                out[i] = h * 3600 + m * 60 + s
    present = values != ""
    if present.sum() == 0 or np.isfinite(out[present]).mean() < 0.9:
        return None
    return out


def _is_epoch(values: np.ndarray) -> bool:
    sample = _sample(values)
    if len(sample) == 0:
        return False
    numbers = _numbers(sample)
    # Seconds (or ms, us, ns) since 1970 from 1973 on; 8-digit dates like 20140131 stay dates.
    return bool(np.all(np.abs(numbers) >= 1e8))


def _numbers(values: np.ndarray) -> np.ndarray:
    import pandas as pd

    return np.asarray(pd.to_numeric(pd.Series(values, dtype=object), errors="coerce"),
                      dtype=np.float64)


def _epoch_ns(values: np.ndarray) -> np.ndarray:
    numbers = _numbers(values)
    magnitude = np.nanmedian(np.abs(numbers))
    scale = 1e9 if magnitude < 1e11 else 1e6 if magnitude < 1e14 else 1e3 if magnitude < 1e17 else 1.0
    out = np.full(len(values), NAT, dtype=np.int64)
    ok = np.isfinite(numbers)
    out[ok] = np.round(numbers[ok] * scale).astype(np.int64)
    return out


def _naive_to_utc(naive: pd.Series, zone: dt.tzinfo) -> tuple[np.ndarray, np.ndarray]:
    """UTC ns of naive wall times in ``zone``, with per-row reasons for DST gaps and folds."""
    import pandas as pd

    n = len(naive)
    reason = np.full(n, "", dtype=object)
    valid = naive.notna().to_numpy()
    if isinstance(zone, dt.timezone):
        offset = int((zone.utcoffset(None) or dt.timedelta(0)).total_seconds() * 1e9)
        ns = naive.to_numpy(dtype="datetime64[ns]").astype(np.int64) - offset
        ns[~valid] = NAT
        return ns, reason
    local = naive.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    folded = naive.dt.tz_localize(zone, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    nonexistent = valid & folded.isna().to_numpy()
    ambiguous = valid & local.isna().to_numpy() & ~nonexistent
    reason[nonexistent] = NONEXISTENT_LOCAL_TIME
    reason[ambiguous] = AMBIGUOUS_LOCAL_TIME
    utc = local.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = utc.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    ns[pd.isna(utc).to_numpy()] = NAT
    return ns, reason


def _typed_times(series: pd.Series) -> pd.Series | None:
    """A datetime Series when the column already holds timestamps (Parquet), else None."""
    import pandas as pd

    if isinstance(series.dtype, pd.DatetimeTZDtype) or str(series.dtype).startswith("datetime64"):
        return series.astype("datetime64[ns, UTC]") if isinstance(
            series.dtype, pd.DatetimeTZDtype) else series.astype("datetime64[ns]")
    return None


def parse_time_column(series: pd.Series, zone: dt.tzinfo | None, file: str, column: str,
                      time_format: str | None = None) -> ParsedTimes:
    """Parse one column of full date-times (text, Parquet timestamps or epoch numbers)."""
    import pandas as pd

    warnings: list[str] = []
    typed = _typed_times(series)
    if typed is not None:
        if isinstance(typed.dtype, pd.DatetimeTZDtype):
            ns = typed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)
            ns[typed.isna().to_numpy()] = NAT
            return _finish(ns, np.full(len(ns), "", dtype=object), "from the values", column, [])
        return _localize(typed, zone, file, column, warnings)
    values = _clean_strings(series)
    if time_format is None and _is_epoch(values):
        ns = _epoch_ns(values)
        return _finish(ns, np.full(len(ns), "", dtype=object), "UTC (epoch numbers)", column, [])
    carries = pd.Series(values, dtype=object).str.contains(_OFFSET_RE).to_numpy(dtype=bool)
    present = values != ""
    aware_share = carries[present].mean() if present.any() else 0.0
    if aware_share > 0.5:
        # Offsets in the values: exact, whatever was stated.
        text = pd.Series(values, dtype=object).str.replace(
            r"\s*(?i:UTC|GMT)$", "Z", regex=True)
        parsed = pd.to_datetime(text, format=time_format or "ISO8601",
                                errors="coerce", utc=True)
        ns = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)
        ns[parsed.isna().to_numpy() | ~carries] = NAT
        reason = np.where((ns == NAT) & present, UNPARSEABLE_TIME, "").astype(object)
        if zone is not None:
            warnings.append(f"{file}: column {column!r} carries its own UTC offsets; the stated "
                            f"time zone was not applied")
        return ParsedTimes(ns, reason, "from the values", column, warnings)
    fmt = time_format or detect_format(values, DATETIME_FORMATS + DATE_FORMATS, file, column,
                                       column)
    if fmt is None:
        raise TableImportError(f"{file}: column {column!r} holds no times this importer reads "
                               f"(first value {values[present][0]!r}); give time_format"
                               if present.any() else f"{file}: column {column!r} is empty")
    naive = pd.to_datetime(pd.Series(values, dtype=object), format=fmt, errors="coerce")
    if isinstance(naive.dtype, pd.DatetimeTZDtype):
        naive = naive.dt.tz_convert("UTC").dt.tz_localize(None)
        zone = dt.timezone.utc
    return _localize(naive, zone, file, column, warnings)


def parse_date_and_clock(date: pd.Series, clock: pd.Series, zone: dt.tzinfo | None, file: str,
                         columns: tuple[str, str], time_format: str | None = None) -> ParsedTimes:
    """Parse a date column plus a time-of-day (or hour) column."""
    import pandas as pd

    date_values, clock_values = _clean_strings(date), _clean_strings(clock)
    label = f"{columns[0]} + {columns[1]}"
    fmt = time_format or detect_format(date_values, DATE_FORMATS, file, columns[0], columns[0])
    if fmt is None:
        raise TableImportError(f"{file}: column {columns[0]!r} holds no dates this importer reads")
    seconds = _clock_seconds(clock_values)
    if seconds is None:
        raise TableImportError(f"{file}: column {columns[1]!r} holds no times of day (HH:MM)")
    days = pd.to_datetime(pd.Series(date_values, dtype=object), format=fmt, errors="coerce")
    naive = days + pd.to_timedelta(seconds, unit="s")
    return _localize(naive, zone, file, label, [])


def _localize(naive: pd.Series, zone: dt.tzinfo | None, file: str, column: str,
              warnings: list[str]) -> ParsedTimes:
    if zone is None:
        if column_says_utc(column):
            zone = dt.timezone.utc
        else:
            raise TimeZoneRequired(file, column)
    ns, reason = _naive_to_utc(naive, zone)
    return _finish(ns, reason, zone_label(zone), column, warnings)


def _finish(ns: np.ndarray, reason: np.ndarray, zone: str, column: str,
            warnings: list[str]) -> ParsedTimes:
    bad = (ns == NAT) & (reason == "")
    reason[bad] = UNPARSEABLE_TIME
    return ParsedTimes(ns, reason, zone, column, warnings)


def _kind(series: pd.Series, name: str, file: str) -> str:
    """"datetime", "date", "clock" or "" for a candidate time column."""
    if _typed_times(series) is not None:
        return "datetime"
    values = _clean_strings(series)
    sample = _sample(values, 200)
    if len(sample) == 0:
        return ""
    if base_name(name) in ("hour", "hr") or _clock_seconds(sample) is not None:
        return "clock" if _clock_seconds(sample) is not None else ""
    if _is_epoch(values):
        return "datetime"
    try:
        if max(len(v) for v in sample) <= 10 and detect_format(
                sample, DATE_FORMATS, file, name, name) is not None:
            return "date"
        if detect_format(sample, DATETIME_FORMATS, file, name, name) is not None:
            return "datetime"
    except TableImportError:
        return "datetime"   # reads two ways: parse_time_column asks for the format
    return ""


def find_time_columns(frame: pd.DataFrame, file: str) -> str | tuple[str, str]:
    """The time column of a table, or a (date, time-of-day) pair, found from the headers
    (time, timestamp, datetime, date, "Date Local", ...) and what the values look like."""
    names = [str(c) for c in frame.columns]
    candidates = [c for c in names if is_time_name(c)]
    kinds = {c: _kind(frame[c], c, file) for c in candidates}
    full = [c for c in candidates if kinds[c] == "datetime"]
    if full:
        return full[0]
    dates = [c for c in candidates if kinds[c] == "date"]
    clocks = [c for c in candidates if kinds[c] == "clock"]
    if dates and clocks:
        return dates[0], clocks[0]
    if dates:
        return dates[0]
    # No header says "time": take the first column whose values read as date-times.
    for c in names:
        if c not in candidates and _kind(frame[c], c, file) == "datetime" and not _is_epoch(
                _clean_strings(frame[c])):
            return c
    raise TableImportError(f"{file}: no time column found (columns: {', '.join(names[:12])}); "
                           f"give time_column")
