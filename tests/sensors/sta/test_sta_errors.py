"""Failures of a SensorThings service: each raises an error naming the URL and the reason, is
counted in the diagnostics, and bad observations are skipped while good ones are kept."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from .sta_testserver import free_port

from viewer.core.sensor_status import SourceDiagnostics
from viewer.sensors.sensorthings import (SensorThingsClient, SensorThingsError, entity_key, load_network,
                                         ns_from_iso)


def _client(url: str, **kwargs) -> tuple[SensorThingsClient, SourceDiagnostics]:
    diagnostics = SourceDiagnostics("sta")
    return SensorThingsClient(url, diagnostics=diagnostics, **kwargs), diagnostics


def _json(body: object, status: int = 200) -> tuple[int, bytes]:
    return status, json.dumps(body).encode("utf-8")


def test_server_down_names_the_url_and_is_counted() -> None:
    url = f"http://127.0.0.1:{free_port()}/sensorthings/v1.1"
    client, diagnostics = _client(url, timeout=2)
    with pytest.raises(SensorThingsError) as info:
        load_network(client)
    assert info.value.status is None
    assert info.value.url.startswith(url + "/Things")
    assert "cannot connect" in info.value.reason and "refused" in info.value.reason.lower()
    assert url in str(info.value)
    snapshot = diagnostics.snapshot()
    assert snapshot["rejected"] == {"connection": 1} and snapshot["state"] == "error"
    assert url in snapshot["last_problem"]


def test_http_500_on_orderby_phenomenon_time(sta_server) -> None:
    client, diagnostics = _client(sta_server.base_url)
    path = f"Datastreams({entity_key(sta_server.streams['water'])})/Observations"
    with pytest.raises(SensorThingsError) as info:
        client.get_json(path, {"$orderby": "phenomenonTime"})
    assert info.value.status == 500
    assert info.value.reason.startswith("HTTP 500 Internal Server Error")
    assert "$orderby=phenomenonTime" in info.value.url and sta_server.base_url in str(info.value)
    assert diagnostics.snapshot()["rejected"] == {"http": 1}


def test_unknown_datastream_is_a_client_error(sta_server) -> None:
    client, diagnostics = _client(sta_server.base_url)
    with pytest.raises(SensorThingsError) as info:
        client.observations("no-such-datastream")
    assert 400 <= info.value.status < 500
    assert "Datastreams('no-such-datastream')/Observations" in info.value.url
    assert diagnostics.snapshot()["rejected"] == {"http": 1}


@pytest.mark.parametrize(("body", "reason", "kind"), [
    ((200, b'{"value": [{"@iot.id": 1, "name": "Tr'), "malformed JSON (Unterminated string", "malformed"),
    ((200, b"\xff\xfe{}"), "the answer is not UTF-8 text", "malformed"),
    ((200, b"[1, 2]"), "expected a JSON object, got list", "malformed"),
    ((200, b'{"things": []}'), "the answer has no 'value' list", "malformed"),
    ((502, b"<html>Bad Gateway</html>"), "HTTP 502 Bad Gateway: <html>Bad Gateway</html>", "http"),
])
def test_broken_answers_are_named(stub_server, body, reason, kind) -> None:
    stub_server.routes["/v1.1/Locations"] = body
    client, diagnostics = _client(stub_server.base_url)
    with pytest.raises(SensorThingsError) as info:
        client.locations()
    assert info.value.reason.startswith(reason)
    assert info.value.url == stub_server.base_url + "/Locations"
    assert diagnostics.snapshot()["rejected"] == {kind: 1}


def test_entities_without_mandatory_fields_are_refused(stub_server) -> None:
    stub_server.routes["/v1.1/Things"] = _json({"value": [{"@iot.id": 1, "name": "Trạm A"}]})
    stub_server.routes["/v1.1/Datastreams"] = _json({"value": [{
        "@iot.id": 7, "name": "Mực nước", "@iot.selfLink": stub_server.base_url + "/Datastreams(7)",
        "Thing": {"@iot.id": 1, "name": "Trạm A", "Locations": []},
        "ObservedProperty": {"name": "water_level"}, "Sensor": {"name": "s"}}]})
    stub_server.routes["/v1.1/ObservedProperties"] = (400, b'{"message": "no $expand here"}')
    client, diagnostics = _client(stub_server.base_url)
    with pytest.raises(SensorThingsError) as info:
        load_network(client)  # the $expand refusal falls back to plain reads, then the unit is missing
    assert info.value.reason == "the Datastream has no 'unitOfMeasurement'"
    assert info.value.url == stub_server.base_url + "/Datastreams(7)"
    assert diagnostics.snapshot()["rejected"] == {"missing_field": 1}  # the refused $expand is not a fault

    stub_server.routes["/v1.1/Things"] = _json({"value": [{"name": "no id"}]})
    with pytest.raises(SensorThingsError, match="the Thing has no '@iot.id'"):
        load_network(client)


def test_bad_observations_are_counted_and_good_ones_kept(stub_server) -> None:
    t = ns_from_iso("2026-11-20T10:00:00Z")
    page1 = {"value": [
        {"@iot.id": "c", "phenomenonTime": "2026-11-20T10:02:00Z", "result": 1.25},
        {"@iot.id": "a", "phenomenonTime": "2026-11-20T17:00:00+07:00", "result": 0.5,
         "resultQuality": "suspect"},
        {"@iot.id": "x1", "phenomenonTime": "2026-11-20T10:03:00Z"},
        {"@iot.id": "x2", "phenomenonTime": "2026-11-20T10:04:00Z", "result": "high"},
        {"@iot.id": "x3", "phenomenonTime": "2026-11-20T10:05:00Z", "result": True},
        {"@iot.id": "x4", "phenomenonTime": "yesterday", "result": 1.0},
        {"@iot.id": "x5", "phenomenonTime": "2026-11-20T10:06:00Z", "result": float("nan")},
        5,
    ], "@iot.nextLink": "Observations?page=2"}
    page2 = {"value": [
        {"@iot.id": "c", "phenomenonTime": "2026-11-20T10:02:00Z", "result": 1.25},
        {"@iot.id": "b", "phenomenonTime": "2026-11-20T10:01:00.000000250Z/2026-11-20T10:02:00Z",
         "result": "2.5", "resultQuality": {"quality": 2}},
    ]}
    stub_server.routes["/v1.1/Datastreams(7)/Observations"] = (
        lambda handler: _json(page2 if "page=2" in handler.path else page1))
    client, diagnostics = _client(stub_server.base_url)
    rows = client.observations(7, page_size=50)
    np.testing.assert_array_equal(rows.times_ns, [t, t + 60 * 10**9 + 250, t + 120 * 10**9])
    np.testing.assert_array_equal(rows.values, [0.5, 2.5, 1.25])
    np.testing.assert_array_equal(rows.quality, [1, 2, 0])
    assert list(rows.stream_ids) == ["7"] * 3
    snapshot = diagnostics.snapshot()
    assert snapshot["rejected"] == {"missing_field": 1, "not_numeric": 2, "bad_time": 1, "not_finite": 1,
                                    "not_an_object": 1, "repeated_id": 1}
    assert (snapshot["received"], snapshot["accepted"]) == (10, 3)
    first = stub_server.requests[0][0]
    assert first.startswith("/v1.1/Datastreams(7)/Observations?") and "%24top=50" in first.replace("$", "%24")


def test_next_link_loop_is_stopped(stub_server) -> None:
    stub_server.routes["/v1.1/Things"] = _json({"value": [{"@iot.id": 1, "name": "A"}],
                                                "@iot.nextLink": stub_server.base_url + "/Things?$skip=1"})
    client, _ = _client(stub_server.base_url)
    with pytest.raises(SensorThingsError, match="points to a page already read"):
        client.entities("Things", {"$skip": 1})


def test_credentials_go_only_to_the_service_host(stub_server) -> None:
    other = stub_server.base_url.replace("127.0.0.1", "localhost")
    stub_server.routes["/v1.1/Locations"] = (
        lambda handler: _json({"value": [{"@iot.id": 2}]} if "page=2" in handler.path else
                              {"value": [{"@iot.id": 1}], "@iot.nextLink": other + "/Locations?page=2"}))
    client, _ = _client(stub_server.base_url, auth=("quan_trac", "mật khẩu"))
    assert [loc["@iot.id"] for loc in client.locations()] == [1, 2]
    first, second = (headers for _path, headers in stub_server.requests)
    assert first["Authorization"] == "Basic cXVhbl90cmFjOm3huq10IGto4bqpdQ=="
    assert "Authorization" not in second

    bearer, _ = _client(stub_server.base_url, auth="token-123")
    stub_server.requests.clear()
    bearer.get_json("Locations", {"page": 2})
    assert stub_server.requests[0][1]["Authorization"] == "Bearer token-123"


def test_slow_server_times_out(stub_server) -> None:
    def slow(_handler):
        time.sleep(1.0)
        return _json({"value": []})

    stub_server.routes["/v1.1/Things"] = slow
    client, diagnostics = _client(stub_server.base_url, timeout=0.2)
    with pytest.raises(SensorThingsError) as info:
        client.entities("Things")
    assert info.value.reason == "no answer within 0.2 s"
    assert diagnostics.snapshot()["rejected"] == {"connection": 1}
