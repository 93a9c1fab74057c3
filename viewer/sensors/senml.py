"""SenML (RFC 8428) packs -> observations, with the base fields resolved as section 4 says.

Base fields (``bn``, ``bt``, ``bu``, ``bv``, ``bs``) apply to their own record and every record
after it until another record sets them again. A record's name is ``bn + n``, its time
``bt + t`` in seconds since the epoch (a time below 2**28 counts from the moment the pack was
received), its unit ``u`` or else ``bu``. Its value is ``v`` (plus ``bv``), ``vb`` (1 or 0) or
the sum ``s`` (plus ``bs``); a string (``vs``) or data (``vd``) value is not a number here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from viewer.core.sensors import QUALITY_GOOD
from viewer.sensors.payloads import MAX_EPOCH_S, SENML_RELATIVE_LIMIT, BadRecord, parse_number, seconds_to_ns
from viewer.sensors.topic_rules import TopicMatch

if TYPE_CHECKING:
    from viewer.sensors.payloads import _Collector


_BASE_KEYS = frozenset({"bn", "bt", "bu", "bv", "bs"})


def _seconds(record: dict, key: str) -> float:
    value = record.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRecord("bad_time", f"SenML {key} {value!r} is not a number of seconds")
    return float(value)


def _value(record: dict, base_value: float, base_sum: float) -> float:
    if "v" in record:
        return parse_number(record["v"], "SenML v") + base_value
    if "vb" in record:
        if not isinstance(record["vb"], bool):
            raise BadRecord("not_a_number", f"SenML vb {record['vb']!r} is not a boolean")
        return 1.0 if record["vb"] else 0.0
    if "vs" in record or "vd" in record:
        key = "vs" if "vs" in record else "vd"
        raise BadRecord("not_a_number", f"SenML {key} {str(record[key])[:40]!r} is not a number")
    if "s" in record:
        return parse_number(record["s"], "SenML s") + base_sum
    raise BadRecord("senml_missing_field", "SenML record has no value (v, vb, vs, vd or s)")


def parse_senml(pack: list[Any], match: TopicMatch, received_ns: int, out: _Collector) -> None:
    """Add every record of ``pack`` to ``out`` as a row or a rejection.

    Parameters
    ----------
    pack
        The decoded JSON array.
    match
        How the message's topic maps to datastreams.
    received_ns
        When the pack arrived: the origin of relative times.
    out
        The message's collector of rows and rejections.
    """
    base_name, base_time, base_unit, base_value, base_sum = "", 0.0, "", 0.0, 0.0
    needs_name = match.needs_name
    streams: dict[str, str] = {}  # record name -> datastream id, resolved once per pack
    add = out.rows.append
    # The loop runs for every observation of a live feed: the common case (numeric v and t, no
    # base field) is tested inline; anything else takes the careful path.
    for index, record in enumerate(pack):
        try:
            if type(record) is not dict:
                raise BadRecord("senml_missing_field", f"SenML record {index} is not an object")
            if not record.keys().isdisjoint(_BASE_KEYS):
                # Base fields first: a record that fails later still sets them for those after it.
                if "bn" in record:
                    base_name = str(record["bn"])
                if "bt" in record:
                    base_time = _seconds(record, "bt")
                if "bu" in record:
                    base_unit = str(record["bu"])
                if "bv" in record:
                    base_value = parse_number(record["bv"], "SenML bv")
                if "bs" in record:
                    base_sum = parse_number(record["bs"], "SenML bs")
            n = record.get("n")
            name = base_name if n is None else base_name + (n if type(n) is str else str(n))
            stream = streams.get(name)
            if stream is None:
                if not name and needs_name:
                    raise BadRecord("senml_missing_field",
                                    f"SenML record {index} has no name (bn + n) and the topic names no datastream")
                stream = streams[name] = match.stream(name)
            v = record.get("v")
            if type(v) is float or type(v) is int:
                value = v + base_value
                if not math.isfinite(value):
                    raise BadRecord("not_a_number", f"SenML v is {v!r}")
            else:
                value = _value(record, base_value, base_sum)
            t = record.get("t", 0.0)
            seconds = base_time + (t if type(t) is float or type(t) is int else _seconds(record, "t"))
            if SENML_RELATIVE_LIMIT <= seconds < MAX_EPOCH_S:  # absolute and in range: rounded to the µs
                time_ns = int(seconds * 1e6 + 0.5) * 1000
            elif abs(seconds) < SENML_RELATIVE_LIMIT:
                time_ns = received_ns + seconds_to_ns(seconds)
            else:
                time_ns = seconds_to_ns(seconds)  # raises bad_time
            unit = record.get("u", base_unit)
            add((stream, time_ns, value, QUALITY_GOOD, unit if type(unit) is str else str(unit)))
        except BadRecord as error:
            out.reject(error.reason, str(error))
        except OverflowError:  # an integer too large for a float
            out.reject("not_a_number", f"SenML record {index} has a number out of range")
