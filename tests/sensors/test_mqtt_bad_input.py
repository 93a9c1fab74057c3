"""Bad input through a real mosquitto: each case counted in the source's diagnostics, the good
observations around it kept in the store, the source still connected afterwards."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import numpy as np
import pytest

from viewer.commands.sensor_live import LiveSource, attach_mqtt, drain
from viewer.core.project import Project
from viewer.core.sensors import SensorNetwork
from viewer.sensors.publisher import format_time

pytestmark = pytest.mark.usefixtures("no_thread_leak")
NS = 1_000_000_000


class Feed:
    """A project with a live MQTT source on a topic prefix of its own, and a publisher."""

    def __init__(self, project: Project, live: LiveSource, publisher, prefix: str, wait_until) -> None:
        self.project, self.live, self.publisher, self.prefix, self.wait_until = (
            project, live, publisher, prefix, wait_until)
        self.t0 = (time.time_ns() // (60 * NS) - 60) * 60 * NS  # an hour ago, on the minute

    def send(self, stream: str, payload: bytes | str | dict | list) -> None:
        body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        self.publisher.publish(f"{self.prefix}/{stream}/obs", body)

    def obs(self, stream: str, minute: float, value: float, **extra) -> None:
        self.send(stream, {"time": format_time(self.t0 + int(minute * 60 * NS)), "value": value, **extra})

    def settle(self, received: int) -> dict:
        """Wait until ``received`` observations arrived, drain them into the store."""
        self.wait_until(lambda: self.live.diagnostics.snapshot()["received"] >= received, 10, f"{received} received")
        drain(self.project, [self.live])
        snap = self.live.diagnostics.snapshot()
        assert snap["state"] == "connected" and snap["received"] == received
        return snap

    def stored(self, stream: str) -> tuple[list[float], list[float]]:
        times, values = self.project.observations.window(stream, 0, 2**62)
        return ((times - self.t0) / (60 * NS)).tolist(), values.tolist()


def project_of(network: SensorNetwork) -> Project:
    project = Project()
    for thing in network.things.values():
        project.sensors.add(thing, network.of_thing(thing.id))
    return project


@pytest.fixture
def feed(request, shared_broker, publisher, network, wait_until) -> Iterator[Feed]:
    prefix = f"bad/{request.node.name}"
    project = project_of(network)
    live = attach_mqtt(project, shared_broker.address, [f"{prefix}/{{stream}}/obs"],
                       client_id=f"bad-{request.node.name}"[:64])
    assert live.source.wait_subscribed(10)
    yield Feed(project, live, publisher, prefix, wait_until)
    live.stop()


def test_malformed_json(feed):
    feed.obs("canal1_level", 0, 1.0)
    feed.send("canal1_level", b'{"time": "2026-11-23T17:00:00Z", "value": 1.')
    feed.obs("canal1_level", 1, 1.1)
    snap = feed.settle(3)
    assert feed.stored("canal1_level") == ([0.0, 1.0], [1.0, 1.1])
    assert snap["rejected"] == {"malformed_json": 1} and snap["accepted"] == 2
    assert "is not JSON" in snap["last_problem"] and "canal1_level" in snap["last_problem"]


def test_senml_with_missing_fields(feed):
    t = feed.t0 / NS
    feed.send("rain1", [{"bn": "rain1", "bt": t, "u": "mm", "v": 0.2},
                        {"t": 60, "u": "mm"},                   # no value
                        {"t": 120, "u": "mm", "v": 0.6}])
    feed.send("rain1", [{"bt": t + 180, "v": 0.8}])             # nameless, but the topic names the stream
    snap = feed.settle(4)
    assert feed.stored("rain1") == ([0.0, 2.0, 3.0], [0.2, 0.6, 0.8])
    assert snap["rejected"] == {"senml_missing_field": 1}


def test_unknown_topic_from_a_subscription_the_session_remembers(shared_broker, publisher, network, wait_until):
    """A persistent session keeps the subscriptions of an earlier mapping: their messages come in
    and are counted as unknown topics, not crashes."""
    project = project_of(network)
    old = attach_mqtt(project, shared_broker.address, ["unk/{stream}/obs", "unk/legacy/#"], client_id="unk-client")
    assert old.source.wait_subscribed(10)
    old.stop()
    live = attach_mqtt(project, shared_broker.address, ["unk/{stream}/obs"], client_id="unk-client")
    try:
        assert live.source.wait_subscribed(10)
        now = format_time(time.time_ns() - 60 * NS)
        publisher.publish("unk/legacy/pump3", json.dumps({"time": now, "value": 1.0}))
        publisher.publish("unk/wind1/obs", json.dumps({"time": now, "value": 4.0}))
        wait_until(lambda: live.diagnostics.snapshot()["received"] >= 2)
        drain(project, [live])
        snap = live.diagnostics.snapshot()
        assert snap["rejected"] == {"unknown_topic": 1} and "unk/legacy/pump3" in snap["last_problem"]
        assert project.observations.count("wind1") == 1 and snap["state"] == "connected"
    finally:
        live.stop()


def test_unknown_datastream(feed):
    feed.obs("canal1_level", 0, 1.0)
    feed.obs("pump9", 0, 3.0)
    feed.obs("canal1_level", 1, 1.1)
    snap = feed.settle(3)
    assert feed.stored("canal1_level")[1] == [1.0, 1.1] and feed.project.observations.count("pump9") == 0
    assert snap["rejected"] == {"unknown_stream": 1} and "pump9" in snap["last_problem"]


def test_wrong_units_rejected_convertible_units_converted(feed):
    feed.obs("canal1_level", 0, 1.0, unit="m")
    feed.obs("canal1_level", 1, 2.5, unit="m/s")
    feed.obs("canal1_level", 2, 120.0, unit="cm")
    snap = feed.settle(3)
    assert feed.stored("canal1_level") == ([0.0, 2.0], [1.0, 1.2])
    assert snap["rejected"] == {"wrong_unit": 1} and "'m/s'" in snap["last_problem"]


def test_nan_values(feed):
    feed.obs("wind1", 0, 3.0)
    feed.send("wind1", f'{{"time": "{format_time(feed.t0 + 60 * NS)}", "value": NaN}}')
    feed.send("wind1", [{"time": format_time(feed.t0 + 120 * NS), "value": "Infinity"},
                        {"time": format_time(feed.t0 + 180 * NS), "value": 3.5}])
    snap = feed.settle(4)
    assert feed.stored("wind1") == ([0.0, 3.0], [3.0, 3.5])
    assert snap["rejected"] == {"not_a_number": 2}


def test_duplicate_timestamps(feed):
    feed.obs("rain1", 0, 1.0)
    feed.obs("rain1", 0, 9.0)  # the same time again in the same drain
    feed.settle(2)
    feed.obs("rain1", 0, 8.0)  # and again after it was stored
    feed.obs("rain1", 1, 2.0)
    snap = feed.settle(4)
    assert feed.stored("rain1") == ([0.0, 1.0], [1.0, 2.0])
    assert snap["rejected"] == {"duplicate": 2} and snap["accepted"] == 2


def test_out_of_order_timestamps_are_kept_in_order(feed):
    feed.obs("temp1", 2, 28.0)
    feed.settle(1)
    feed.obs("temp1", 1, 27.0)  # older than what the store has
    feed.obs("temp1", 3, 29.0)
    snap = feed.settle(3)
    assert feed.stored("temp1") == ([1.0, 2.0, 3.0], [27.0, 28.0, 29.0])
    assert snap["rejected"] == {"out_of_order": 1} and snap["accepted"] == 3


def test_future_timestamps_from_a_skewed_clock(feed):
    now = time.time_ns()
    feed.send("temp1", {"time": format_time(now + 3600 * NS), "value": 30.0})  # a clock an hour fast
    feed.send("temp1", {"time": format_time(now + 60 * NS), "value": 29.0})    # within the 300 s allowed
    feed.send("temp1", {"time": format_time(now - 60 * NS), "value": 28.0})
    snap = feed.settle(3)
    assert feed.project.observations.window("temp1", 0, 2**62)[1].tolist() == [28.0, 29.0]
    assert snap["rejected"] == {"future_time": 1} and "ahead of this computer's clock" in snap["last_problem"]


def test_a_gap_is_not_an_error_the_stream_goes_stale(feed):
    for minute in range(5):
        feed.obs("canal1_level", minute, 1.0 + minute / 10)
    feed.obs("canal1_level", 20, 1.7)  # after a 16-minute gap
    snap = feed.settle(6)
    assert snap["rejected"] == {} and snap["accepted"] == 6
    status, index = feed.project.sensor_status, list(feed.project.sensors.datastreams).index("canal1_level")
    status.refresh(feed.t0 + 6 * 60 * NS)   # 2 intervals after the 4th minute: fresh
    assert not status.stale[index] and status.values[index] == pytest.approx(1.4)
    status.refresh(feed.t0 + 10 * 60 * NS)  # 6 intervals without data: stale, and listed
    assert status.stale[index] and "canal1_level" in status.stale_ids()
    status.refresh(feed.t0 + 20 * 60 * NS)  # data again: fresh, value 1.7 reaches the warning level
    assert not status.stale[index] and status.levels[index] == 1
    assert np.isclose(status.values[index], 1.7)
