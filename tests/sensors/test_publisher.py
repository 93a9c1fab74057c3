"""Publishing a recording to mosquitto and recording it again gives the same observations; the
pace follows the speed; a drill can shift the times to now; cancelling stops it."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from viewer.commands.sensor_live import publish
from viewer.core.progress import Cancelled, Progress
from viewer.sensors.ingest_buffer import IngestBuffer
from viewer.sensors.mqtt_source import MqttSource
from viewer.sensors.publisher import encode_payload, format_time, publish_recording
from viewer.sensors.recording import Recorder, read_recording, write_recording
from viewer.sensors.rows import ObservationRows
from viewer.sensors.topic_rules import TopicMapping
from viewer.sensors.validation import Validator

pytestmark = pytest.mark.usefixtures("no_thread_leak")
NS = 1_000_000_000
T0 = 1_795_428_000 * NS  # 2026-11-23T10:00:00Z


def storm(minutes: int = 60) -> ObservationRows:
    """Three datastreams at 1-minute steps (sharing timestamps), the wind every 5 minutes."""
    t = T0 + np.arange(minutes) * 60 * NS
    w = t[::5]
    return ObservationRows(
        np.array(["canal1_level"] * minutes + ["rain1"] * minutes + ["wind1"] * len(w), dtype=object),
        np.concatenate([t, t, w]),
        np.concatenate([1.2 + 0.01 * np.arange(minutes), np.round(np.random.default_rng(1).gamma(0.5, 2, minutes), 3),
                        3.0 + np.arange(len(w)) / 7]),
        np.concatenate([np.zeros(minutes), np.where(np.arange(minutes) % 7 == 0, 1, 0), np.zeros(len(w))]))


@pytest.fixture
def recorded(shared_broker, network, tmp_path, request):
    """Start recording ``rule`` into a folder; yields (folder, source) and closes it afterwards."""
    holders = []

    def start(rule: str) -> tuple:
        folder = tmp_path / f"out{len(holders)}"
        recorder = Recorder(folder, network)
        source = MqttSource(shared_broker.host, shared_broker.port, TopicMapping([rule]), Validator(network),
                            IngestBuffer(), recorder, client_id=f"pub-{request.node.name}-{len(holders)}"[:60])
        holders.append((source, recorder))
        source.start()
        assert source.wait_subscribed(10)
        return folder, source

    yield start
    for source, recorder in holders:
        source.stop()
        recorder.close()


def _finish(source, recorder_folder, n, wait_until):
    wait_until(lambda: source.diagnostics.snapshot()["accepted"] >= n, 10, f"{n} observations")
    source.stop()
    source.recorder.close()
    return read_recording(recorder_folder)[1]


@pytest.mark.parametrize("payload, template", [("json", "pub/{stream}/obs"), ("senml", "pub/{stream}/obs"),
                                               ("json", "pub/all"), ("senml", "pub/all")])
def test_round_trip_through_the_broker(shared_broker, network, tmp_path, recorded, payload, template, wait_until):
    original = storm()
    write_recording(tmp_path / "in", network, original)
    rule = "pub/{stream}/obs" if "{stream}" in template else template
    folder, source = recorded(rule.replace("pub", f"pub-{payload}", 1))
    topic = template.replace("pub", f"pub-{payload}", 1)
    count = publish_recording(tmp_path / "in", shared_broker.host, shared_broker.port, speed=1e5,
                              topic_template=topic, payload=payload)
    assert count == len(original)
    back = _finish(source, folder, count, wait_until)
    _, expected = read_recording(tmp_path / "in")
    assert back.stream_ids.tolist() == expected.stream_ids.tolist()
    assert back.times_ns.tolist() == expected.times_ns.tolist()
    assert back.values.tolist() == expected.values.tolist()
    if payload == "json":  # SenML has no quality flag
        assert back.quality.tolist() == expected.quality.tolist()


def test_pace_follows_the_speed(shared_broker, network, tmp_path, recorded, wait_until):
    write_recording(tmp_path / "in", network, storm(31))  # 30 minutes
    folder, source = recorded("pace/{stream}/obs")
    start = time.monotonic()
    count = publish_recording(tmp_path / "in", shared_broker.host, shared_broker.port, speed=3600.0,
                              topic_template="pace/{stream}/obs")
    elapsed = time.monotonic() - start
    assert 0.45 <= elapsed < 1.5, elapsed  # 30 minutes at 3600x: half a second
    assert len(_finish(source, folder, count, wait_until)) == count


def test_time_range_and_shift_to_now(shared_broker, network, tmp_path, recorded, wait_until):
    write_recording(tmp_path / "in", network, storm())
    folder, source = recorded("shift/{stream}/obs")
    before = time.time_ns()
    count = publish(tmp_path / "in", shared_broker.address, speed=1e5, topic_template="shift/{stream}/obs",
                    start=format_time(T0 + 10 * 60 * NS), end="2026-11-23T17:19:00+07:00", shift_to_now=True)
    assert count == 2 * 10 + 2  # minutes 10..19 of the level and rain, minutes 10 and 15 of the wind
    back = _finish(source, folder, count, wait_until)
    assert before - 1_000_000 <= back.times_ns.min() and back.times_ns.max() <= time.time_ns()
    assert (back.times_ns.max() - back.times_ns.min()) == pytest.approx(9 * 60 * NS / 1e5, abs=1_000_000)
    np.testing.assert_allclose(back.values[back.stream_ids == "canal1_level"], 1.2 + 0.01 * np.arange(10, 20))


def test_cancel_stops_publishing(shared_broker, network, tmp_path):
    write_recording(tmp_path / "in", network, storm())
    progress = Progress()
    progress.cancel()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        publish_recording(tmp_path / "in", shared_broker.host, shared_broker.port, speed=1.0, progress=progress)
    assert time.monotonic() - start < 2.0


def test_no_broker_is_an_error_naming_it(network, tmp_path):
    from conftest import free_port

    write_recording(tmp_path / "in", network, storm(2))
    port = free_port()
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        publish_recording(tmp_path / "in", "127.0.0.1", port, connect_timeout_s=0.3)


def test_payload_shapes():
    one = json.loads(encode_payload("json", [("rain1", 0.5, 0, "mm")], T0, named=False))
    assert one == {"time": "2026-11-23T10:00:00Z", "value": 0.5, "unit": "mm"}
    many = json.loads(encode_payload("json", [("a", 1.0, 1, ""), ("b", 2.0, 0, "m")], T0 + 500_000_000, named=True))
    assert many == [{"time": "2026-11-23T10:00:00.5Z", "value": 1.0, "quality": 1, "stream": "a"},
                    {"time": "2026-11-23T10:00:00.5Z", "value": 2.0, "unit": "m", "stream": "b"}]
    pack = json.loads(encode_payload("senml", [("a", 1.0, 0, "m"), ("b", 2.0, 0, "")], T0, named=True))
    assert pack == [{"bt": T0 / NS, "n": "a", "u": "m", "v": 1.0}, {"n": "b", "v": 2.0}]
    with pytest.raises(ValueError):
        encode_payload("xml", [("a", 1.0, 0, "")], T0, named=True)
