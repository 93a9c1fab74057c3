"""SensorThings MQTT topics, entity keys, times and quality flags (no server needed)."""

from __future__ import annotations

import pytest
from paho.mqtt.client import topic_matches_sub

from viewer.sensors.sensorthings import (entity_key, iso_from_ns, lonlat_of_geojson, ns_from_iso,
                                         observation_topics, stream_id_from_topic)
from viewer.sensors.sensorthings_time import quality_flag

UUID = "01a2098d-aa5c-7379-bd5f-cd080a0acd91"


def test_observation_topics_quote_strings_and_leave_integers_bare() -> None:
    assert observation_topics([42, "43", UUID, "it's"]) == [
        "v1.1/Datastreams(42)/Observations",
        "v1.1/Datastreams(43)/Observations",
        f"v1.1/Datastreams('{UUID}')/Observations",
        "v1.1/Datastreams('it''s')/Observations",
    ]
    assert observation_topics(["43"], version="v1.0", quote=True) == ["v1.0/Datastreams('43')/Observations"]
    assert entity_key("-7") == "-7" and entity_key("7a") == "'7a'" and entity_key(7, quote=True) == "'7'"


@pytest.mark.parametrize("stream_id", ["42", UUID, "it's", "a)b", "trạm/1"])
def test_stream_id_from_topic_inverts_observation_topics(stream_id: str) -> None:
    (topic,) = observation_topics([stream_id])
    assert stream_id_from_topic(topic) == stream_id


def test_stream_id_from_topic_without_a_datastream() -> None:
    assert stream_id_from_topic("v1.1/Things(1)/Locations") is None
    assert stream_id_from_topic("v1.1/Datastreams()/Observations") is None
    assert stream_id_from_topic("v1.1/Datastreams(5)/Observations") == "5"


def test_per_datastream_topics_match_but_the_wildcard_form_does_not() -> None:
    topics = observation_topics([42, UUID])
    for topic in topics:
        assert topic_matches_sub(topic, topic)
    # "+" must fill a whole level: inside "Datastreams(+)" it is no wildcard and matches nothing.
    assert not topic_matches_sub("v1.1/Datastreams(+)/Observations", topics[0])
    assert topic_matches_sub("v1.1/+/Observations", topics[1])  # a whole level does


def test_iso_times_with_offsets_fractions_and_intervals() -> None:
    utc = ns_from_iso("2026-11-20T00:00:00Z")
    assert utc == 1_795_132_800 * 10**9
    assert ns_from_iso("2026-11-20T07:00:00+07:00") == utc
    assert ns_from_iso("2026-11-20T07:00:00+0700") == utc
    assert ns_from_iso("2026-11-19T19:30:00-04:30") == utc
    assert ns_from_iso("2026-11-20T00:00:00") == utc            # no offset: UTC
    assert ns_from_iso("2026-11-20T00:00") == utc
    assert ns_from_iso("2026-11-20T00:00:00.123456789Z") == utc + 123_456_789
    assert ns_from_iso("2026-11-20T00:00:00Z/2026-11-20T01:00:00Z") == utc
    with pytest.raises(ValueError):
        ns_from_iso("20/11/2026 00:00")
    assert iso_from_ns(utc) == "2026-11-20T00:00:00Z"
    assert iso_from_ns(utc + 250_000_000) == "2026-11-20T00:00:00.25Z"
    assert iso_from_ns(utc + 1) == "2026-11-20T00:00:00Z"
    assert iso_from_ns(utc + 1, round_up=True) == "2026-11-20T00:00:00.000001Z"
    assert iso_from_ns(-1, round_up=False) == "1969-12-31T23:59:59.999999Z"


def test_quality_flags() -> None:
    assert [quality_flag(q) for q in (None, 0, 1, 2, 7, True, "good", "Suspect", "BAD", "unknown")] == \
        [0, 0, 1, 2, 0, 0, 0, 1, 2, 0]
    assert quality_flag({"quality": "bad"}) == 2 and quality_flag(["suspect"]) == 1


def test_lonlat_of_geojson() -> None:
    assert lonlat_of_geojson({"type": "Point", "coordinates": [105.78, 10.03, 2.0]}) == (105.78, 10.03)
    feature = {"type": "Feature", "geometry": {"type": "Polygon",
                                               "coordinates": [[[105, 10], [106, 10], [106, 11], [105, 11]]]}}
    assert lonlat_of_geojson(feature) == (105.5, 10.5)
    assert lonlat_of_geojson({"type": "Point", "coordinates": [500, 10]}) is None
    assert lonlat_of_geojson({"type": "Point"}) is None and lonlat_of_geojson("POINT (1 2)") is None
