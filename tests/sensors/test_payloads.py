"""Parsing MQTT payloads: plain JSON, SenML, SensorThings; topic rules; each bad record rejected
with its reason while the good records of the same message are kept."""

from __future__ import annotations

import json

import numpy as np
import pytest

from viewer.sensors.payloads import parse_message, parse_time
from viewer.sensors.topic_rules import TopicMapping, TopicRule

NS = 1_000_000_000
RECEIVED = 1_795_000_000 * NS
ISO = "2026-11-23T17:00:00Z"
ISO_NS = 1_795_453_200 * NS


def mapping() -> TopicMapping:
    return TopicMapping(["citytwin/{stream}/obs", "senml/#"], sensorthings_ids={"7": "canal1_level"})


def parse(topic: str, payload: object, received: int = RECEIVED):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return parse_message(topic, body, received, mapping())


def reasons(parsed) -> dict[str, int]:
    return {r.reason: r.n for r in parsed.rejections}


def test_plain_object_with_iso_time_and_unit():
    parsed = parse("citytwin/canal1_level/obs", {"time": ISO, "value": 1.25, "unit": "m"})
    assert parsed.rows.stream_ids.tolist() == ["canal1_level"]
    assert parsed.rows.times_ns.tolist() == [ISO_NS]
    assert parsed.rows.values.tolist() == [1.25]
    assert parsed.units.tolist() == ["m"]
    assert parsed.records == 1 and not parsed.rejections


def test_plain_short_keys_epoch_seconds_and_list():
    parsed = parse("citytwin/rain1/obs", [{"t": 1_795_453_200, "v": 0.5}, {"t": 1_795_453_260.25, "v": 1.5}])
    assert parsed.rows.times_ns.tolist() == [ISO_NS, ISO_NS + 60_250_000_000]
    assert parsed.rows.values.tolist() == [0.5, 1.5]


def test_bare_number_takes_the_time_of_receipt():
    parsed = parse("citytwin/rain1/obs", b"3.5")
    assert parsed.rows.times_ns.tolist() == [RECEIVED] and parsed.rows.values.tolist() == [3.5]


def test_time_with_offset_is_converted_to_utc():
    assert parse_time("2026-11-24T00:00:00+07:00") == ISO_NS
    assert parse_time("2026-11-23T17:00:00") == ISO_NS  # no offset: UTC, the wire convention
    assert parse_time("2026-11-23T16:00:00Z/2026-11-23T17:00:00Z") == ISO_NS  # interval: its end


def test_quality_words_and_numbers():
    parsed = parse("citytwin/rain1/obs", [{"time": ISO, "value": 1, "quality": "suspect"},
                                          {"time": ISO, "value": 2, "quality": 2}])
    assert parsed.rows.quality.tolist() == [1, 2]


def test_senml_base_fields_resolve():
    pack = [{"bn": "urn:dev:canal1:", "bt": 1_795_453_200, "bu": "m", "n": "level", "v": 1.2},
            {"n": "level", "t": 60, "v": 1.3},
            {"n": "rain", "u": "mm", "t": 60, "v": 0.2},
            {"bn": "mast1_", "n": "wind", "u": "km/h", "t": 120, "v": 36.0}]
    parsed = parse("senml/station", pack)
    assert parsed.rows.stream_ids.tolist() == ["urn:dev:canal1:level", "urn:dev:canal1:level",
                                               "urn:dev:canal1:rain", "mast1_wind"]
    assert (parsed.rows.times_ns - ISO_NS).tolist() == [0, 60 * NS, 60 * NS, 120 * NS]
    assert parsed.units.tolist() == ["m", "m", "mm", "km/h"]
    assert parsed.rows.values.tolist() == [1.2, 1.3, 0.2, 36.0]


def test_senml_relative_time_counts_from_receipt():
    parsed = parse("senml/x", [{"n": "rain1", "t": -30, "v": 1.0}, {"n": "rain1", "v": 2.0}])
    assert parsed.rows.times_ns.tolist() == [RECEIVED - 30 * NS, RECEIVED]


def test_senml_boolean_sum_and_base_value():
    parsed = parse("senml/x", [{"bn": "pump", "bv": 10.0, "n": "1", "v": 0.5, "t": 1_795_453_200},
                               {"n": "2", "vb": True, "t": 1_795_453_200},
                               {"n": "3", "s": 4.0, "t": 1_795_453_200}])
    assert parsed.rows.values.tolist() == [10.5, 1.0, 4.0]


def test_senml_record_without_value_is_rejected_and_the_rest_kept():
    pack = [{"bn": "rain1", "bt": 1_795_453_200, "v": 1.0}, {"t": 60}, {"t": 120, "v": 3.0}]
    parsed = parse("senml/x", pack)
    assert parsed.rows.values.tolist() == [1.0, 3.0]
    assert reasons(parsed) == {"senml_missing_field": 1}
    assert "senml/x" in parsed.rejections[0].detail and "no value" in parsed.rejections[0].detail
    assert parsed.records == 3


def test_senml_without_name_on_a_topic_naming_no_stream_is_rejected():
    parsed = parse("senml/x", [{"bt": 1_795_453_200, "u": "m", "v": 1.0}])
    assert len(parsed.rows) == 0 and reasons(parsed) == {"senml_missing_field": 1}
    # The topic names the datastream: a nameless pack is fine there.
    named = parse("citytwin/canal1_level/obs", [{"bt": 1_795_453_200, "u": "m", "v": 1.0}])
    assert named.rows.stream_ids.tolist() == ["canal1_level"]


def test_senml_string_value_is_not_a_number():
    parsed = parse("senml/x", [{"bn": "a", "vs": "high"}, {"bn": "b", "v": 2.0}])
    assert parsed.rows.stream_ids.tolist() == ["b"] and reasons(parsed) == {"not_a_number": 1}


def test_sensorthings_observation_on_its_topic():
    for version in ("v1.1", "v1.0"):
        parsed = parse(f"{version}/Datastreams(7)/Observations",
                       {"phenomenonTime": "2026-11-23T16:59:00Z/2026-11-23T17:00:00Z", "result": 1.7,
                        "resultTime": "2026-11-23T17:00:05Z", "resultQuality": "suspect"})
        assert parsed.rows.stream_ids.tolist() == ["canal1_level"]
        assert parsed.rows.times_ns.tolist() == [ISO_NS] and parsed.rows.quality.tolist() == [1]


def test_sensorthings_topic_of_an_unlisted_datastream_is_unknown_unless_a_rule_covers_it():
    parsed = parse("v1.1/Datastreams(8)/Observations", {"phenomenonTime": ISO, "result": 1.0})
    assert reasons(parsed) == {"unknown_topic": 1}
    wide = TopicMapping(["v1.1/#"])
    parsed = parse_message("v1.1/Datastreams('abc')/Observations",
                           json.dumps({"phenomenonTime": ISO, "result": 2.0}).encode(), RECEIVED, wide)
    assert parsed.rows.stream_ids.tolist() == ["abc"]


def test_malformed_json_rejects_the_message():
    parsed = parse("citytwin/rain1/obs", b'{"time": "2026-11-23T17:00:00Z", "value": 1.0')
    assert len(parsed.rows) == 0 and reasons(parsed) == {"malformed_json": 1} and parsed.records == 1
    assert "citytwin/rain1/obs" in parsed.rejections[0].detail
    assert reasons(parse("citytwin/rain1/obs", b"\xff\xfe")) == {"malformed_json": 1}


def test_unknown_topic():
    parsed = parse("elsewhere/rain1", {"time": ISO, "value": 1.0})
    assert len(parsed.rows) == 0 and reasons(parsed) == {"unknown_topic": 1}
    assert "elsewhere/rain1" in parsed.rejections[0].detail


@pytest.mark.parametrize("bad", ["NaN", "Infinity", '"abc"', "true", "null", '"nan"'])
def test_non_numbers_are_rejected_and_neighbours_kept(bad):
    body = f'[{{"time": "{ISO}", "value": 1.0}}, {{"time": "{ISO}", "value": {bad}}}, ' \
           f'{{"time": "2026-11-23T17:01:00Z", "value": 2.0}}]'
    parsed = parse("citytwin/rain1/obs", body.encode())
    assert parsed.rows.values.tolist() == [1.0, 2.0]
    assert reasons(parsed) == {"not_a_number": 1}


def test_numeric_string_is_accepted():
    assert parse("citytwin/rain1/obs", {"time": ISO, "value": "2.5"}).rows.values.tolist() == [2.5]


@pytest.mark.parametrize("bad", ["yesterday", True, [1], "2026-13-45T00:00:00Z", 1e300])
def test_bad_times_are_rejected(bad):
    parsed = parse("citytwin/rain1/obs", [{"time": bad, "value": 1.0}, {"time": ISO, "value": 2.0}])
    assert parsed.rows.values.tolist() == [2.0] and reasons(parsed) == {"bad_time": 1}


def test_object_without_value_is_rejected():
    parsed = parse("citytwin/rain1/obs", [{"time": ISO}, {"time": ISO, "value": 2.0}])
    assert parsed.rows.values.tolist() == [2.0] and reasons(parsed) == {"not_a_number": 1}


def test_topic_rules_wildcards_templates_and_filters():
    assert TopicRule("a/+/c").match("a/b/c") == {} and TopicRule("a/+/c").match("a/b/d") is None
    assert TopicRule("a/#").match("a/b/c/d") == {} and TopicRule("a/#").match("a") == {}
    assert TopicRule("a/{stream}/obs").match("a/x/obs") == {"stream": "x"}
    assert TopicRule("{thing}/{prop}").filter == "+/+"
    rules = TopicMapping([TopicRule("st/{thing}/{prop}", "{thing}.{prop}"), TopicRule("fixed/#", "rain1")])
    assert rules.resolve("st/canal1/level").stream("") == "canal1.level"
    assert rules.resolve("fixed/x/y").stream("ignored") == "rain1"
    assert rules.resolve("other") is None
    with pytest.raises(ValueError):
        TopicRule("a/#/b")
    with pytest.raises(ValueError):
        TopicRule("v1.1/Datastreams(+)/Observations")  # '+' must be a whole level


def test_subscriptions_list_one_topic_per_sensorthings_datastream():
    m = TopicMapping(["citytwin/{stream}/obs"], sensorthings_ids={"7": "a", "x'1": "b"})
    assert m.subscriptions() == ["citytwin/+/obs", "v1.1/Datastreams(7)/Observations",
                                 "v1.1/Datastreams('x''1')/Observations"]  # OData quoting
    assert m.resolve("v1.1/Datastreams('x''1')/Observations").stream("") == "b"


def test_rows_are_typed_columns():
    parsed = parse("citytwin/rain1/obs", [{"time": ISO, "value": 1}])
    assert parsed.rows.times_ns.dtype == np.int64 and parsed.rows.values.dtype == np.float64
    assert parsed.rows.quality.dtype == np.int8
