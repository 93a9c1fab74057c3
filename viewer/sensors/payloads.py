"""MQTT messages -> observation rows: plain JSON, SenML (RFC 8428) and SensorThings Observations.

A message is parsed as far as it can be: every observation it carries becomes a row or a
:class:`Rejection` with a stable reason key (``malformed_json``, ``senml_missing_field``,
``unknown_topic``, ``not_a_number``, ``bad_time``) and a detail naming the topic and what was
wrong, so one bad record never costs the good ones beside it. Which datastream a topic feeds is
:mod:`viewer.sensors.topic_rules`'s job; checks that need the sensor network (unknown
datastreams, units, clock skew) are :mod:`viewer.sensors.validation`'s.

Formats, told apart by shape:

- plain JSON: a number, an object ``{"time": ISO 8601 | epoch s, "value": 1.2, "unit": "m"}``
  (also ``t``/``v``/``timestamp``, optional ``quality`` and ``stream``), or a list of objects;
- SenML: a JSON array whose records use SenML keys (``bn``, ``bt``, ``bu``, ``n``, ``u``, ``vs``
  ...); base fields resolve per RFC 8428 section 4; a time below 2**28 is relative to the time of
  receipt; the datastream is ``bn + n``;
- SensorThings: an object (or list) with ``result`` or ``phenomenonTime`` (an instant, or an
  interval ``start/end`` of which the end is taken).

A record without a time gets the time the message was received. Times without a zone offset
are read as UTC (the wire convention of the project).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np

from viewer.core.sensors import QUALITY_BAD, QUALITY_GOOD, QUALITY_SUSPECT
from viewer.sensors.rows import ObservationRows
from viewer.sensors.topic_rules import TopicMapping, TopicMatch

SENML_RELATIVE_LIMIT = 2**28
_SENML_ONLY_KEYS = frozenset({"bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "vs", "vb", "vd", "s", "ut"})
_QUALITY_NAMES = {"good": QUALITY_GOOD, "ok": QUALITY_GOOD, "suspect": QUALITY_SUSPECT,
                  "questionable": QUALITY_SUSPECT, "bad": QUALITY_BAD}
MAX_EPOCH_S = 9.2e9  # int64 ns ends in 2262


class BadRecord(ValueError):
    """One record of a message is unusable; ``reason`` is the diagnostics key."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Rejection:
    """Observations dropped for one reason.

    Parameters
    ----------
    reason
        Stable key counted by the diagnostics (``"malformed_json"``, ``"wrong_unit"`` ...).
    detail
        One line for a person: the topic and what was wrong.
    n
        How many observations (or whole messages) this stands for.
    """

    reason: str
    detail: str
    n: int = 1


@dataclass
class ParsedMessage:
    """What one message held.

    Attributes
    ----------
    topic
        The MQTT topic.
    rows
        Parsed observations (not yet checked against the sensor network).
    units
        Unit each row's payload stated, ``""`` where it stated none (object array).
    rejections
        What could not be parsed.
    records
        Observations the message carried (a message rejected whole counts as one).
    """

    topic: str
    rows: ObservationRows
    units: np.ndarray
    rejections: list[Rejection]
    records: int


def parse_time(value: Any) -> int:
    """An ISO 8601 string (instant or ``start/end`` interval) or epoch seconds -> int64 ns UTC.

    Raises
    ------
    BadRecord
        With reason ``bad_time`` for anything else.
    """
    if isinstance(value, bool) or value is None:
        raise BadRecord("bad_time", f"time {value!r} is not a time")
    if isinstance(value, (int, float)):
        return seconds_to_ns(float(value))
    if not isinstance(value, str):
        raise BadRecord("bad_time", f"time {value!r} is not a time")
    text = value.strip().rsplit("/", 1)[-1]  # an interval: its end is when it was observed
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRecord("bad_time", f"time {value!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def seconds_to_ns(seconds: float) -> int:
    """Epoch seconds -> ns, rounded to the microsecond (a float holds no more at today's epoch)."""
    if not math.isfinite(seconds) or abs(seconds) > MAX_EPOCH_S:
        raise BadRecord("bad_time", f"time {seconds!r} s is out of range")
    return int(round(seconds * 1e6)) * 1000


def parse_number(value: Any, what: str = "value") -> float:
    """A finite float from a JSON number or numeric string; ``not_a_number`` otherwise."""
    if isinstance(value, bool) or value is None:
        raise BadRecord("not_a_number", f"{what} {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadRecord("not_a_number", f"{what} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise BadRecord("not_a_number", f"{what} is {value!r}")
    return number


def parse_quality(value: Any) -> int:
    """QUALITY_* from an int 0-2 or a word (good/suspect/bad); anything else is good."""
    if isinstance(value, str):
        return _QUALITY_NAMES.get(value.strip().lower(), QUALITY_GOOD)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value in (0, 1, 2):
        return int(value)
    return QUALITY_GOOD


def parse_message(topic: str, payload: bytes, received_ns: int, mapping: TopicMapping) -> ParsedMessage:
    """Parse one MQTT message into rows and rejections.

    Parameters
    ----------
    topic
        The topic it arrived on.
    payload
        Its bytes (UTF-8 JSON).
    received_ns
        When it arrived (ns UTC): the time of records without one, the base of SenML's
        relative times.
    mapping
        Which datastream each topic (and record name) feeds.
    """
    out = _Collector(topic)
    match = mapping.resolve(topic)
    if match is None:
        out.reject("unknown_topic", "no topic rule matches it")
        return out.result(whole_message=True)
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as error:
        out.reject("malformed_json", f"payload is not JSON ({error})")
        return out.result(whole_message=True)
    if isinstance(document, list) and any(isinstance(r, dict) and _SENML_ONLY_KEYS & r.keys() for r in document):
        from viewer.sensors.senml import parse_senml  # here: senml builds on this module's helpers

        parse_senml(document, match, received_ns, out)
    elif isinstance(document, list):
        if not document:
            out.reject("malformed_json", "payload is an empty list")
        for record in document:
            _parse_object(record, match, received_ns, out)
    else:
        _parse_object(document, match, received_ns, out)
    return out.result()


def _parse_object(record: Any, match: TopicMatch, received_ns: int, out: _Collector) -> None:
    """A plain JSON object (or bare number), or a SensorThings Observation."""
    try:
        if not isinstance(record, dict):  # a bare number (or numeric string): a reading, now
            if isinstance(record, list):
                raise BadRecord("not_a_number", f"record {str(record)[:40]!r} is not a number or object")
            out.add(match.stream(""), received_ns, parse_number(record), QUALITY_GOOD, "")
            return
        if "result" in record or "phenomenonTime" in record:  # SensorThings Observation
            value = parse_number(record.get("result"), "result")
            when = record.get("phenomenonTime")
            quality = parse_quality(record.get("resultQuality"))
            unit, name = "", ""
        else:
            raw = next((record[k] for k in ("value", "v") if k in record), None)
            if raw is None:
                raise BadRecord("not_a_number", f"record {_brief(record)} has no value")
            value = parse_number(raw)
            when = next((record[k] for k in ("time", "t", "timestamp") if k in record), None)
            quality = parse_quality(record.get("quality", 0))
            unit = str(record.get("unit", record.get("u", "")) or "")
            name = str(record.get("stream", record.get("datastream", "")) or "")
        time_ns = received_ns if when is None else parse_time(when)
        out.add(match.stream(name), time_ns, value, quality, unit)
    except BadRecord as error:
        out.reject(error.reason, str(error))


def _brief(record: dict) -> str:
    text = json.dumps(record, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class _Collector:
    """Rows and rejections of one message, gathered record by record."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.rows: list[tuple[str, int, float, int, str]] = []  # (stream, time ns, value, quality, unit)
        self.rejections: dict[str, Rejection] = {}

    def add(self, stream_id: str, time_ns: int, value: float, quality: int, unit: str) -> None:
        self.rows.append((stream_id, time_ns, value, quality, unit))

    def reject(self, reason: str, what: str) -> None:
        """Count one rejected record; the first detail of each reason is kept."""
        old = self.rejections.get(reason)
        if old is None:
            self.rejections[reason] = Rejection(reason, f"topic {self.topic!r}: {what}")
        else:
            self.rejections[reason] = Rejection(reason, old.detail, old.n + 1)

    def result(self, whole_message: bool = False) -> ParsedMessage:
        ids, times, values, quality, units = zip(*self.rows) if self.rows else ((), (), (), (), ())
        rows = ObservationRows(np.array(ids, dtype=object), np.array(times, dtype=np.int64),
                               np.array(values, dtype=np.float64), np.array(quality, dtype=np.int8))
        rejections = list(self.rejections.values())
        records = 1 if whole_message else len(self.rows) + sum(r.n for r in rejections)
        return ParsedMessage(self.topic, rows, np.array(units, dtype=object), rejections, records)
