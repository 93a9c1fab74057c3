"""Times and quality flags as the SensorThings API writes them.

Times on the wire are ISO 8601 with an offset (``2026-11-23T17:00:00Z``,
``2026-11-24T00:00:00.250+07:00``) or an interval (``start/end``); in memory they are int64 ns
UTC. Quality (``resultQuality``) is free-form in the standard; common spellings are mapped onto
the QUALITY_* flags.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from viewer.core.sensors import QUALITY_BAD, QUALITY_GOOD, QUALITY_SUSPECT

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ISO = re.compile(r"^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d(?::\d\d)?)(?:[.,](\d+))?\s*"
                  r"(Z|z|[+-]\d\d(?::?\d\d)?)?$")
_QUALITY_WORDS = {
    "good": QUALITY_GOOD, "ok": QUALITY_GOOD, "valid": QUALITY_GOOD, "passed": QUALITY_GOOD,
    "suspect": QUALITY_SUSPECT, "doubtful": QUALITY_SUSPECT, "questionable": QUALITY_SUSPECT,
    "estimated": QUALITY_SUSPECT, "bad": QUALITY_BAD, "invalid": QUALITY_BAD, "failed": QUALITY_BAD,
}


def ns_from_iso(text: str) -> int:
    """int64 ns UTC of an ISO 8601 time.

    An interval ``start/end`` gives its start (the instant the server's ``phenomenonTime``
    filter compares); a time without an offset is taken as UTC. Fractions keep nanoseconds.

    Raises
    ------
    ValueError
        When ``text`` is not such a time.
    """
    match = _ISO.match(text.strip().split("/")[0].strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 time: {text!r}")
    date, clock, fraction, zone = match.groups()
    if len(clock) == 5:
        clock += ":00"
    if zone is None or zone in "Zz":
        offset = "+00:00"
    else:
        digits = zone[1:].replace(":", "")
        offset = f"{zone[0]}{digits[:2]}:{digits[2:4] or '00'}"
    moment = datetime.fromisoformat(f"{date}T{clock}{offset}")
    seconds = (moment - _EPOCH) // timedelta(seconds=1)
    return seconds * 1_000_000_000 + int((fraction or "0")[:9].ljust(9, "0"))


def iso_from_ns(t_ns: int, round_up: bool = False) -> str:
    """ISO 8601 UTC (``...Z``) of an int64 ns time, to the microsecond.

    Sub-microsecond parts are dropped, or rounded up with ``round_up`` (for an inclusive upper
    bound, so the filter never cuts off an observation the caller asked for).
    """
    micros, rest = divmod(int(t_ns), 1000)
    if round_up and rest:
        micros += 1
    seconds, micro = divmod(micros, 1_000_000)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    if micro:
        text += f".{micro:06d}".rstrip("0")
    return text + "Z"


def quality_flag(result_quality: object) -> int:
    """QUALITY_* flag of a ``resultQuality`` value.

    Accepts a flag number (0, 1, 2), a word (``"good"``, ``"suspect"``, ``"bad"`` and their
    synonyms), or an object with such a value under ``quality``/``flag``/``qualifier``; anything
    else (including no quality at all) is good.
    """
    value = result_quality
    if isinstance(value, dict):
        value = next((value[k] for k in ("quality", "flag", "qualifier") if k in value), None)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool):
        return QUALITY_GOOD
    if isinstance(value, int) and value in (QUALITY_GOOD, QUALITY_SUSPECT, QUALITY_BAD):
        return value
    if isinstance(value, str):
        return _QUALITY_WORDS.get(value.strip().lower(), QUALITY_GOOD)
    return QUALITY_GOOD
