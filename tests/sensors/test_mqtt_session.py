"""Nothing lost when the broker restarts or the network drops: QoS 1, a persistent session and a
fixed client id, checked against a real mosquitto; plus credentials and TLS."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from viewer.core.observations import ObservationStore
from viewer.core.sensors import SensorNetwork
from viewer.sensors.ingest_buffer import IngestBuffer
from viewer.sensors.mqtt_source import MqttSource
from viewer.sensors.publisher import format_time
from viewer.sensors.recording import ReadStats, Recorder, read_recording
from viewer.sensors.topic_rules import TopicMapping
from viewer.sensors.validation import Validator

from conftest import Mosquitto, Publisher  # tests/sensors/conftest.py (pytest puts its folder on sys.path)

pytestmark = pytest.mark.usefixtures("no_thread_leak")
NS = 1_000_000_000


def source_for(broker: Mosquitto, network: SensorNetwork, client_id: str, recorder: Recorder | None = None,
               protocol: str = "3.1.1", clean_start: bool = False, **kw) -> MqttSource:
    return MqttSource(broker.host, broker.port, TopicMapping(["s/{stream}/obs"]), Validator(network), IngestBuffer(),
                      recorder, client_id=client_id, protocol=protocol, clean_start=clean_start,
                      reconnect_min_s=0.1, reconnect_max_s=0.5, **kw)


def body(t0: int, i: int) -> str:
    return json.dumps({"time": format_time(t0 + i * NS), "value": float(i), "unit": "mm"})


@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
def test_broker_restart_mid_stream_records_every_observation_once(mosquitto, tmp_path, network, protocol,
                                                                   wait_until):
    n, t0 = 2000, (time.time_ns() // NS - 7200) * NS
    recorder = Recorder(tmp_path / "rec", network)
    source = source_for(mosquitto, network, f"restart-{protocol}", recorder, protocol)
    source.start()
    assert source.wait_subscribed(10)
    publisher = Publisher(mosquitto, client_id="restart-publisher")
    try:
        for i in range(n // 2):
            publisher.publish("s/rain1/obs", body(t0, i))
        wait_until(lambda: publisher.acked >= n // 4, 10, "a quarter acknowledged")
        mosquitto.stop()  # with messages in flight both ways
        wait_until(lambda: source.state == "reconnecting", 10, "the source to notice")
        for i in range(n // 2, n):  # published while the broker is down: queued by the client
            publisher.publish("s/rain1/obs", body(t0, i))
        mosquitto.start()
        wait_until(lambda: publisher.acked >= n, 20, "every publish acknowledged")
        store = ObservationStore()

        def all_stored() -> bool:  # what the GUI's timer does: drain into the store (repeats dropped)
            rows = source.buffer.drain()
            store.append_rows(rows.stream_ids, rows.times_ns, rows.values, rows.quality)
            return store.count("rain1") >= n

        wait_until(all_stored, 20, "every observation in the store")
        assert source.state == "connected"
    finally:
        publisher.close()
        source.stop()
        recorder.close()
    stats = ReadStats()
    _, rows = read_recording(tmp_path / "rec", stats=stats)
    assert rows.times_ns.tolist() == [t0 + i * NS for i in range(n)]
    assert rows.values.tolist() == [float(i) for i in range(n)]
    assert stats.wal.bad_records == 0
    snap = source.diagnostics.snapshot()
    assert snap["received"] >= n and snap["rejected"] == {}  # QoS 1 may repeat; the recording does not


@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
def test_messages_published_while_the_source_is_away_arrive_when_it_returns(mosquitto, network, protocol,
                                                                              wait_until):
    t0 = (time.time_ns() // NS - 3600) * NS
    first = source_for(mosquitto, network, f"away-{protocol}", protocol=protocol)
    first.start()
    assert first.wait_subscribed(10)
    first.stop()  # a network drop, as far as the broker's session is concerned
    publisher = Publisher(mosquitto)
    try:
        for i in range(300):
            publisher.publish("s/wind1/obs", json.dumps({"time": format_time(t0 + i * NS), "value": 1.0}))
        wait_until(lambda: publisher.acked >= 300)
    finally:
        publisher.close()
    again = source_for(mosquitto, network, f"away-{protocol}", protocol=protocol)
    again.start()
    try:
        wait_until(lambda: again.buffer.pending() >= 300, 10, "the queued messages")
    finally:
        again.stop()
    rows = again.buffer.drain()
    assert sorted(rows.times_ns.tolist()) == [t0 + i * NS for i in range(300)]


def test_clean_start_forgets_what_was_queued(mosquitto, network, wait_until):
    first = source_for(mosquitto, network, "forgetful")
    first.start()
    assert first.wait_subscribed(10)
    first.stop()
    publisher = Publisher(mosquitto)
    publisher.publish("s/wind1/obs", json.dumps({"time": format_time(time.time_ns()), "value": 1.0}))
    wait_until(lambda: publisher.acked >= 1)
    publisher.close()
    again = source_for(mosquitto, network, "forgetful", clean_start=True)
    again.start()
    try:
        assert again.wait_subscribed(10)
        publisher = Publisher(mosquitto)
        publisher.publish("s/wind1/obs", json.dumps({"time": format_time(time.time_ns()), "value": 2.0}))
        wait_until(lambda: again.buffer.pending() >= 1)
        publisher.close()
    finally:
        again.stop()
    assert again.buffer.drain().values.tolist() == [2.0]


def test_username_and_password(tmp_path, mosquitto_binary, network, wait_until):
    passwords = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "operator", "s3cret"], check=True)
    broker = Mosquitto(tmp_path / "auth", mosquitto_binary, extra_conf=f"password_file {passwords}\n",
                       anonymous=False)
    broker.start()
    try:
        wrong = source_for(broker, network, "auth-wrong", username="operator", password="nope")
        wrong.start()
        wait_until(lambda: wrong.state.startswith("refused"), 10, "the refusal")
        wrong.stop()
        assert wrong.diagnostics.snapshot()["rejected"].get("connection_refused", 0) >= 1
        right = source_for(broker, network, "auth-right", username="operator", password="s3cret")
        right.start()
        try:
            assert right.wait_subscribed(10) and right.state == "connected"
        finally:
            right.stop()
        assert right.state == "stopped"
    finally:
        broker.stop()


def test_tls_with_a_private_certificate_authority(tmp_path, mosquitto_binary, network, wait_until):
    ca_key, ca, key, csr, cert = (tmp_path / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]  # EC keys: made in milliseconds
    run("req", "-x509", *ec, "-nodes", "-days", "2", "-subj", "/CN=test CA",
        "-keyout", str(ca_key), "-out", str(ca))
    run("req", *ec, "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(csr))
    ext = tmp_path / "san.ext"
    ext.write_text("subjectAltName = IP:127.0.0.1\n")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-days", "2",
        "-extfile", str(ext), "-out", str(cert))
    broker = Mosquitto(tmp_path / "tls", mosquitto_binary,
                       extra_conf=f"cafile {ca}\ncertfile {cert}\nkeyfile {key}\n")
    broker.start()
    try:
        source = source_for(broker, network, "tls-client", tls={"ca_certs": str(ca)})
        source.start()
        try:
            assert source.wait_subscribed(10) and source.state == "connected"
        finally:
            source.stop()
        plain = source_for(broker, network, "tls-plain")  # no TLS: the broker will not talk
        plain.start()
        try:
            wait_until(lambda: plain.state == "reconnecting", 10, "the broker to hang up")
            assert not plain.subscribed.is_set()
        finally:
            plain.stop()
    finally:
        broker.stop()
