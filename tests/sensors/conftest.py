"""Fixtures for the sensor tests: a real mosquitto broker on loopback, an MQTT publisher, a small
sensor network, a wait-until helper and a guard against leaked network threads.

The broker is Debian's ``mosquitto`` (``apt-get install -y mosquitto``); nothing is installed
here. It listens on 127.0.0.1 on a free port, with persistence in the test's temporary folder,
so QoS 1 sessions survive :meth:`Mosquitto.stop` + :meth:`Mosquitto.start`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from viewer.core.sensors import Datastream, SensorNetwork, Thing, Thresholds

def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mosquitto:
    """One mosquitto process with its config and persistence in ``workdir``."""

    def __init__(self, workdir: Path, binary: str = "mosquitto", port: int | None = None,
                 extra_conf: str = "", anonymous: bool = True) -> None:
        self.binary = binary
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host, self.port = "127.0.0.1", port or free_port()
        self.conf = self.workdir / "mosquitto.conf"
        self.log = self.workdir / "mosquitto.log"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            f"allow_anonymous {'true' if anonymous else 'false'}\n"
            "persistence true\n"
            f"persistence_location {self.workdir}/\n"
            "persistence_file mosquitto.db\n"
            # Queue without limit for offline persistent sessions (the default 1000 drops).
            "max_queued_messages 0\n"
            "max_inflight_messages 100\n"
            f"log_dest file {self.log}\n"
            + (f"user {os.environ.get('USER', 'root')}\n" if os.geteuid() == 0 else "")
            + extra_conf)
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        """``"127.0.0.1:PORT"``."""
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Start the broker and wait until it accepts connections."""
        self.process = subprocess.Popen([self.binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"mosquitto did not open port {self.port}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the broker (SIGTERM saves its persistence database first)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(10)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None


@pytest.fixture(scope="session")
def mosquitto_binary() -> str:
    """The mosquitto executable; a missing one fails the test (tests on the real broker must run)."""
    path = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    if path is None:
        pytest.fail("mosquitto is not installed: apt-get install -y mosquitto")
    return path


@pytest.fixture
def mosquitto(tmp_path: Path, mosquitto_binary: str) -> Iterator[Mosquitto]:
    """A broker of this test's own (it may be stopped and restarted)."""
    broker = Mosquitto(tmp_path / "broker", mosquitto_binary)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
def shared_broker(tmp_path_factory: pytest.TempPathFactory, mosquitto_binary: str) -> Iterator[Mosquitto]:
    """A broker shared by a module's tests (use distinct topics and client ids)."""
    broker = Mosquitto(tmp_path_factory.mktemp("broker"), mosquitto_binary)
    broker.start()
    yield broker
    broker.stop()


class Publisher:
    """A paho client publishing QoS 1 messages and counting the broker's acknowledgements."""

    def __init__(self, broker: Mosquitto, client_id: str = "") -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.acked = 0
        self.ack_times: dict[int, float] = {}
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.on_connect = lambda c, u, f, rc, p: self._connected.set()
        self.client.on_publish = self._on_publish
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.max_inflight_messages_set(100)
        self.client.connect_async(broker.host, broker.port)
        self.client.loop_start()
        assert self._connected.wait(10), "publisher could not connect"

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        with self._lock:
            self.acked += 1
            self.ack_times[mid] = time.monotonic()

    def publish(self, topic: str, payload: str | bytes, qos: int = 1) -> int:
        """Queue one message; returns its message id."""
        return self.client.publish(topic, payload, qos=qos).mid

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(shared_broker: Mosquitto) -> Iterator[Publisher]:
    """A publisher connected to the module's shared broker."""
    pub = Publisher(shared_broker)
    yield pub
    pub.close()


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``predicate`` every 10 ms until it is true; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """``wait_until(predicate, timeout=10, what="...")``: poll instead of sleeping."""
    return wait_for


def make_network() -> SensorNetwork:
    """Two stations: a canal gauge (level in m, rain in mm) and a weather mast (wind, temperature)."""
    network = SensorNetwork()
    network.add(Thing("canal1", "Canal gauge 1", lon=105.78, lat=10.03), [
        Datastream("canal1_level", "Canal 1 level", "canal1", "m", "water_level",
                   Thresholds(1.6, 1.9, "above"), expected_interval_s=60.0),
        Datastream("rain1", "Rain gauge 1", "canal1", "mm", "rainfall", expected_interval_s=300.0)])
    network.add(Thing("mast1", "Weather mast 1"), [
        Datastream("wind1", "Wind speed", "mast1", "m/s", "wind_speed"),
        Datastream("temp1", "Air temperature", "mast1", "°C", "air_temperature")])
    return network


@pytest.fixture
def network() -> SensorNetwork:
    """A small sensor network (see :func:`make_network`)."""
    return make_network()


_OUR_THREADS = ("paho-mqtt-client-", "citytwin-")


@pytest.fixture
def no_thread_leak() -> Iterator[None]:
    """Fail a test that leaves an MQTT network thread or a recorder thread running."""
    yield
    deadline = time.monotonic() + 3.0
    while True:
        alive = [t.name for t in threading.enumerate() if t.name.startswith(_OUR_THREADS) and t.is_alive()]
        if not alive:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"threads left running: {alive}")
        time.sleep(0.02)
