"""The live path end to end on a real mosquitto: MQTT -> parse -> validate -> recording + buffer
-> (GUI timer) drain into the project's store; and the headless recorder command."""

from __future__ import annotations

import json
import threading
import time

import pytest

from viewer.commands.sensor_live import attach_mqtt, drain, parse_broker, record
from viewer.core.project import Project
from viewer.sensors.publisher import format_time
from viewer.sensors.recording import read_recording
from viewer.sensors.topic_rules import TopicMapping

pytestmark = pytest.mark.usefixtures("no_thread_leak")
NS = 1_000_000_000


def test_parse_broker():
    assert parse_broker("127.0.0.1:1884") == ("127.0.0.1", 1884)
    assert parse_broker("broker.city.vn") == ("broker.city.vn", 1883)
    assert parse_broker("[::1]:1883") == ("::1", 1883)
    with pytest.raises(ValueError):
        parse_broker("host:port")


def test_three_payload_formats_reach_the_store_and_the_recording(shared_broker, publisher, network, tmp_path,
                                                                 wait_until):
    project = Project()
    for thing in network.things.values():
        project.sensors.add(thing, network.of_thing(thing.id))
    mapping = TopicMapping(["live/{stream}/obs", "live/senml"], sensorthings_ids={"42": "canal1_level"})
    source = attach_mqtt(project, shared_broker.address, mapping, recorder_dir=tmp_path / "rec", client_id="live-1")
    t = time.time_ns() // NS - 600
    try:
        assert source.source.wait_subscribed(10)
        publisher.publish("live/rain1/obs", json.dumps({"time": format_time(t * NS), "value": 0.4, "unit": "mm"}))
        publisher.publish("live/senml", json.dumps([
            {"bt": t, "n": "wind1", "u": "km/h", "v": 18.0},
            {"n": "temp1", "u": "Cel", "v": 29.5},
            {"n": "wind1", "u": "km/h", "t": 60, "v": 36.0}]))
        publisher.publish("v1.1/Datastreams(42)/Observations",
                          json.dumps({"phenomenonTime": format_time(t * NS), "result": 1.45}))
        wait_until(lambda: source.diagnostics.snapshot()["received"] >= 5)
        assert source.buffer.pending() == 5
        result = drain(project, [source])
        assert result.accepted == 5 and source.buffer.pending() == 0
        store = project.observations
        assert store.window("wind1", 0, 2**62)[1].tolist() == [5.0, 10.0]  # km/h -> m/s
        assert store.latest(t * NS, ["rain1", "temp1", "canal1_level"])[0].tolist() == [0.4, 29.5, 1.45]
        snap = source.diagnostics.snapshot()
        assert (snap["received"], snap["accepted"], snap["rejected"], snap["state"]) == (5, 5, {}, "connected")
    finally:
        source.stop()
    assert source.source.state == "stopped"
    _, rows = read_recording(tmp_path / "rec")
    assert sorted(rows.stream_ids.tolist()) == ["canal1_level", "rain1", "temp1", "wind1", "wind1"]
    assert not list((tmp_path / "rec" / "wal").glob("*.wal"))  # closed: all in segments


def _run_record(broker, topics, out, network, publish, wait_until):
    stop, ready, result = threading.Event(), threading.Event(), {}
    thread = threading.Thread(target=lambda: result.update(record(
        broker.address, topics, out, network, stop, ready=ready, client_id=f"rec-{out.name}")))
    thread.start()
    try:
        assert ready.wait(10)
        expected = publish()
        wait_until(lambda: (out / "wal").exists() and sum(1 for _ in (out / "wal").glob("*.wal")) > 0, 10)
        wait_until(lambda: len(read_recording(out)[1]) >= expected, 10, f"{expected} rows recorded")
    finally:
        stop.set()
        thread.join(10)
    return result


def test_record_command_without_a_network_creates_datastreams(shared_broker, publisher, tmp_path, wait_until):
    t = time.time_ns() // NS - 300

    def send() -> int:
        publisher.publish("rec/senml", json.dumps([{"bn": "gauge7_", "bt": t, "n": "level", "u": "cm", "v": 140},
                                                   {"n": "rain", "u": "mm", "v": 2.5}]))
        publisher.publish("rec/pump3", json.dumps({"time": format_time(t * NS), "value": 1}))
        return 3

    snap = _run_record(shared_broker, ["rec/#"], tmp_path / "auto", None, send, wait_until)
    assert snap["accepted"] == 3 and snap["state"] == "stopped"
    network, rows = read_recording(tmp_path / "auto")
    assert {k: d.unit for k, d in network.datastreams.items()} == {"gauge7_level": "cm", "gauge7_rain": "mm",
                                                                   "rec/pump3": ""}
    assert sorted(zip(rows.stream_ids.tolist(), rows.values.tolist())) == [
        ("gauge7_level", 140.0), ("gauge7_rain", 2.5), ("rec/pump3", 1.0)]


def test_record_command_with_a_network_rejects_strangers(shared_broker, publisher, network, tmp_path, wait_until):
    t = time.time_ns() // NS - 300

    def send() -> int:
        publisher.publish("net/rain1/obs", json.dumps({"time": format_time(t * NS), "value": 1.5}))
        publisher.publish("net/stranger/obs", json.dumps({"time": format_time(t * NS), "value": 9.0}))
        publisher.publish("net/rain1/obs", json.dumps({"time": format_time((t + 60) * NS), "value": 2.5}))
        return 2

    snap = _run_record(shared_broker, ["net/{stream}/obs"], tmp_path / "known", network, send, wait_until)
    assert snap["received"] == 3 and snap["rejected"] == {"unknown_stream": 1}
    recorded_network, rows = read_recording(tmp_path / "known")
    assert rows.values.tolist() == [1.5, 2.5] and set(recorded_network.datastreams) == set(network.datastreams)
