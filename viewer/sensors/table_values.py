"""Values in sensor tables: numbers read in the C locale, missing-value markers, quality flags,
and what a column header says about the unit and the observed property.

Unit hints read from headers (first match wins):

- a bracketed unit: ``"Wspd (m/s)"``, ``"rain [mm]"``, ``"temperature (celsius)"``;
- a snake-case suffix: ``"wind_speed_m_s"``, ``"rain_mm"``, ``"pm25_ug_m3"``, ``"level_m"``,
  ``"temp_degc"``, ``"pressure_hpa"`` (only the suffixes in :data:`UNIT_ALIASES`, so
  ``"sensor_c"`` is not read as °C).

Known spellings are written the one way the app shows them (``"UG/M3"`` -> ``"µg/m³"``,
``"C"`` -> ``"°C"``, ``"degrees"`` -> ``"°"``); other bracketed text is kept as written.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import numpy as np

from viewer.core.sensors import QUALITY_BAD, QUALITY_GOOD, QUALITY_SUSPECT

if TYPE_CHECKING:
    import pandas as pd

# Drop reasons that come from values.
MISSING_VALUE = "missing_value"
NON_NUMERIC = "non_numeric"

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "nd", "#n/a",
                            "missing"})
# Numbers that mean "no reading" in the formats we meet (AirNow -999, GHCN/NOAA -9999).
DEFAULT_MISSING_VALUES = (-999.0, -9999.0)

# Quality flag words (lower case) -> QUALITY_*; MISSING drops the row as a missing value.
MISSING = -1
QUALITY_WORDS = {
    **dict.fromkeys(("valid", "good", "ok", "pass", "passed", "g", "v", "accepted",
                     "verified", "final"), QUALITY_GOOD),
    **dict.fromkeys(("suspect", "questionable", "doubtful", "estimated", "provisional",
                     "preliminary", "s", "q", "e", "warning", "uncertain"), QUALITY_SUSPECT),
    **dict.fromkeys(("invalid", "bad", "fail", "failed", "rejected", "b", "x", "error",
                     "erroneous"), QUALITY_BAD),
    **dict.fromkeys(("missing", "m", "na", "n/a", "nodata", "no data", "absent"), MISSING),
}

# Unit spellings (lower case, spaces removed) -> the symbol the app shows.
UNIT_ALIASES = {
    "m/s": "m/s", "m_s": "m/s", "mps": "m/s", "ms-1": "m/s", "ms^-1": "m/s",
    "km/h": "km/h", "km_h": "km/h", "kmh": "km/h", "kt": "kn", "kn": "kn", "knots": "kn",
    "mm": "mm", "mm/h": "mm/h", "mm_h": "mm/h", "mm/hr": "mm/h", "cm": "cm", "m": "m",
    "c": "°C", "°c": "°C", "degc": "°C", "deg_c": "°C", "celsius": "°C", "f": "°F", "°f": "°F",
    "degf": "°F", "fahrenheit": "°F", "k": "K", "kelvin": "K",
    "degrees": "°", "degree": "°", "deg": "°", "°": "°",
    "%": "%", "pct": "%", "percent": "%",
    "hpa": "hPa", "mbar": "hPa", "mb": "hPa", "pa": "Pa", "kpa": "kPa",
    "ug/m3": "µg/m³", "µg/m3": "µg/m³", "µg/m³": "µg/m³", "ug/m^3": "µg/m³", "ug_m3": "µg/m³",
    "ugm3": "µg/m³", "ppm": "ppm", "ppb": "ppb",
    "w/m^2": "W/m²", "w/m2": "W/m²", "w_m2": "W/m²", "w/m²": "W/m²",
    "m3/s": "m³/s", "m^3/s": "m³/s", "m3_s": "m³/s", "unitless": "1", "dimensionless": "1",
}
_SUFFIXES = sorted((k for k in UNIT_ALIASES if re.fullmatch(r"[a-z0-9_]+", k) and k not in
                    ("c", "f", "k", "e", "deg", "mb", "kt", "pa")),
                   key=lambda k: -len(k))
_BRACKET_RE = re.compile(r"[\(\[]([^\)\]]{1,16})[\)\]]")

# Header words -> observed property (first match wins, so "dew point" precedes "temp").
PROPERTY_WORDS = (
    (("pm2.5", "pm25", "pm2_5"), "pm25"), (("pm10",), "pm10"),
    (("dew",), "dew_point"), (("wspd", "wind speed", "wind_speed", "windspeed"), "wind_speed"),
    (("wdir", "wind dir", "wind_dir", "winddir"), "wind_direction"),
    (("gust",), "wind_gust"), (("precip", "lprecip", "rain", "prcp"), "rainfall"),
    (("water level", "water_level", "stage", "tide", "mực nước"), "water_level"),
    (("rhum", "humidity"), "relative_humidity"), (("pressure", "baro"), "pressure"),
    (("temp", "dry-bulb", "dry bulb"), "temperature"), (("discharge", "flow"), "discharge"),
    (("ghi", "irradiance", "solar"), "irradiance"), (("count", "sidewalk", "vehicles"), "count"),
)


def normalize_unit(text: str) -> str:
    """The app's symbol for a unit spelling (unknown spellings are kept as written)."""
    key = re.sub(r"\s+", "", str(text).strip().lower())
    return UNIT_ALIASES.get(key, str(text).strip())


def unit_from_header(name: str) -> str:
    """The unit a header names (see the module docstring), or ``""``."""
    match = _BRACKET_RE.search(str(name))
    if match:
        inner = match.group(1).strip()
        if inner.upper() not in ("UTC", "LT", "GMT", "LOCAL"):
            return normalize_unit(inner)
    snake = "_".join(re.findall(r"[a-z0-9]+", str(name).lower()))
    for suffix in _SUFFIXES:
        if snake.endswith("_" + suffix) and len(snake) > len(suffix) + 1:
            return UNIT_ALIASES[suffix]
    return ""


def strip_unit_hint(name: str) -> str:
    """A header without its bracketed unit: ``"Wspd (m/s)"`` -> ``"Wspd"``."""
    return _BRACKET_RE.sub("", str(name)).strip() or str(name)


def property_from_header(name: str) -> str:
    """The observed property a header suggests, else the header as an identifier."""
    text = str(name).lower()
    for words, prop in PROPERTY_WORDS:
        # A word must start a word of the header ("dew" is not in "sidewalk"), but may be
        # cut short ("temp" in "temperature").
        if any(re.search(r"(?<![a-z0-9])" + re.escape(w), text) for w in words):
            return prop
    return slug(strip_unit_hint(name))


def slug(text: str) -> str:
    """An ASCII identifier: ``"Fremont Bridge East Sidewalk"`` -> ``"fremont_bridge_east_sidewalk"``,
    ``"Rạch Khai Luông"`` -> ``"rach_khai_luong"``."""
    plain = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode()
    return "_".join(re.findall(r"[a-z0-9]+", plain.lower())) or "sensor"


def clean_text(series: pd.Series) -> pd.Series:
    """A column as stripped text, ``""`` where empty (index reset)."""
    import pandas as pd

    text = pd.Series(series.to_numpy(dtype=object), dtype=object)
    return text.where(text.notna(), "").astype(str).str.strip()


def parse_numbers(series: pd.Series,
                  missing_values: tuple[float, ...] = DEFAULT_MISSING_VALUES,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Values of a column as float64 in the C locale (``"1.5"``, ``"-2e3"``; never ``"1,5"``).

    Returns
    -------
    values, reason
        ``reason`` is ``""``, :data:`MISSING_VALUE` (empty, ``NA``, NaN or a marker in
        ``missing_values``) or :data:`NON_NUMERIC` per row; ``values`` is NaN where it is not "".
    """
    import pandas as pd

    n = len(series)
    reason = np.full(n, "", dtype=object)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        reason[np.isnan(values)] = MISSING_VALUE
    else:
        text = clean_text(series)
        missing = text.str.lower().isin(MISSING_TOKENS).to_numpy()
        values = pd.to_numeric(text.where(~missing, "nan").astype(object), errors="coerce")
        values = np.asarray(values, dtype=np.float64)
        reason[missing] = MISSING_VALUE
        reason[~missing & ~np.isfinite(values)] = NON_NUMERIC
    if missing_values:
        marker = np.isin(values, np.asarray(missing_values, dtype=np.float64))
        reason[marker] = MISSING_VALUE
    values = np.where(reason == "", values, np.nan)
    reason[(reason == "") & ~np.isfinite(values)] = NON_NUMERIC
    return values, reason


def numeric_share(series: pd.Series) -> float:
    """Share of the present values of a column that read as numbers."""
    values, reason = parse_numbers(series, ())
    present = reason != MISSING_VALUE
    return float((reason[present] == "").mean()) if present.any() else 0.0


def map_quality(series: pd.Series, mapping: dict[str, int] | None = None,
                ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """QUALITY_* per row from a QC column (AirNow ``Valid/Suspect/Invalid/Missing``, words like
    good/bad, or our own 0/1/2).

    Returns
    -------
    quality, missing, unknown
        int8 flags; a mask of rows the QC column calls missing; the flag spellings not
        understood (those rows are kept as SUSPECT).
    """
    words = {**QUALITY_WORDS, **{str(k).strip().lower(): v for k, v in (mapping or {}).items()}}
    text = clean_text(series).str.lower().to_numpy(dtype=object)
    quality = np.full(len(text), QUALITY_GOOD, dtype=np.int8)
    missing = np.zeros(len(text), dtype=bool)
    unknown: set[str] = set()
    for flag in np.unique(text):
        rows = text == flag
        code = words.get(flag)
        if code is None and re.fullmatch(r"[0-2](\.0)?", flag):
            code = int(float(flag))       # the app's own flags, as recordings write them
        if code is None:
            if flag:
                unknown.add(flag)
            code = QUALITY_SUSPECT if flag else QUALITY_GOOD
        if code == MISSING:
            missing |= rows
        else:
            quality[rows] = code
    return quality, missing, sorted(unknown)
