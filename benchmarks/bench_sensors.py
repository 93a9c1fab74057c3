"""Sustained ingest from mosquitto into the observation store.

A second process publishes SenML packs (QoS 1) for 1,000 datastreams as fast as the broker takes
them; this process runs the live path the GUI runs: :class:`MqttSource` on paho's thread (parse,
validate, record to disk, buffer) and, on the main thread, a 30 Hz timer that drains the buffer
into the project's :class:`ObservationStore`. Reported: observations per second from the first
row stored to the last, the time of one timer tick (median, 99th percentile, longest; the GUI's
frame budget is 33 ms), and the rate of the source thread alone (no store), its ceiling.

Usage: ``python -m benchmarks.bench_sensors [N_OBS]``; needs Debian's ``mosquitto``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_STREAMS, PACK = 1000, 500
TICK_S = 1 / 30

PUBLISHER = """
import json, sys, threading, time
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
host, port, n_obs, n_streams, pack = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:6])
connected, done, acked = threading.Event(), threading.Event(), [0]
n_msgs = (n_obs + pack - 1) // pack
def on_publish(c, u, mid, rc, p):
    acked[0] += 1
    if acked[0] >= n_msgs:
        done.set()
c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-publisher")
c.on_connect = lambda *a: connected.set()
c.on_publish = on_publish
c.max_inflight_messages_set(200)
c.connect(host, port)
c.loop_start()
connected.wait(10)
t0, k = time.time() - 3600, 0
for m in range(n_msgs):
    size = min(pack, n_obs - k)
    records = [{"n": f"{(k + i) % n_streams:04d}", "t": (i // n_streams) * 0.001, "v": (k + i) * 0.001}
               for i in range(size)]
    records[0].update({"bn": "s", "bt": t0 + k / n_streams, "bu": "m"})
    c.publish("bench/senml", json.dumps(records), qos=1)
    k += size
done.wait(300)
c.disconnect()
c.loop_stop()
print("DONE", flush=True)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_broker(workdir: Path) -> tuple[subprocess.Popen, int]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = _free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                    f"persistence_location {workdir}/\nmax_queued_messages 0\nmax_inflight_messages 100\n"
                    + ("user root\n" if hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0
                       else ""))
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise RuntimeError("mosquitto did not start")


def _ingest(port: int, n_obs: int, workdir: Path, record: bool, drain_timer: bool = True) -> dict[str, float]:
    """One run: publish ``n_obs`` observations and take them in; ``drain_timer=False`` measures
    the source thread alone (rows stay in the buffer)."""
    from viewer.commands.sensor_live import attach_mqtt, drain
    from viewer.core.project import Project
    from viewer.core.sensors import Datastream, Thing

    project = Project()
    project.sensors.add(Thing("bench", "Benchmark station"),
                        [Datastream(f"s{i:04d}", f"s{i:04d}", "bench", "m", "water_level") for i in range(N_STREAMS)])
    live = attach_mqtt(project, f"127.0.0.1:{port}", ["bench/senml"],
                       recorder_dir=workdir / f"rec-{record}-{drain_timer}" if record else None,
                       client_id=f"bench-{record}-{drain_timer}")
    assert live.source.wait_subscribed(10)
    publisher = subprocess.Popen([sys.executable, "-c", PUBLISHER, "127.0.0.1", str(port), str(n_obs),
                                  str(N_STREAMS), str(PACK)], stdout=subprocess.PIPE, text=True)
    ticks: list[float] = []
    first = None
    store = project.observations
    arrived = (lambda: store.count()) if drain_timer else live.buffer.pending
    deadline = time.monotonic() + 300
    try:
        while arrived() < n_obs and time.monotonic() < deadline:
            tick = time.perf_counter()
            if drain_timer:  # what the GUI's timer does, at 30 Hz
                drain(project, [live])
            ticks.append(time.perf_counter() - tick)
            if first is None and arrived():
                first = time.perf_counter()
            time.sleep(max(0.0, TICK_S - ticks[-1]))
        last = time.perf_counter()
    finally:
        publisher.wait(60)
        live.stop()
    if arrived() < n_obs:
        raise RuntimeError(f"only {arrived()} of {n_obs} observations arrived")
    busy = np.array(ticks[1:] or [0.0]) * 1000
    return {"rate": n_obs / (last - first), "tick_max": float(busy.max()),
            "tick_p99": float(np.percentile(busy, 99)), "tick_median": float(np.median(busy))}


def run_ingest(n_obs: int = 200_000) -> list[dict]:
    """Sustained MQTT -> store ingest, with and without recording to disk.

    Returns
    -------
    list of dict
        Rows for the ``python -m benchmarks`` table.
    """
    rows: list[dict] = []

    def add(metric: str, value: float, unit: str, target: str = "") -> None:
        rows.append({"benchmark": "sensors", "size": n_obs, "metric": metric, "value": value, "unit": unit,
                     "target": target})

    with tempfile.TemporaryDirectory(prefix="citytwin-bench-") as tmp:
        broker, port = _start_broker(Path(tmp))
        try:
            for record in (True, False):
                result = _ingest(port, n_obs, Path(tmp), record)
                label = "with recording" if record else "no recording"
                add(f"MQTT -> store, {label}", result["rate"], "obs/s", "50,000 obs/s")
                add(f"30 Hz drain tick, median ({label})", result["tick_median"], "ms", "< 33 ms")
                add(f"30 Hz drain tick, 99th pct ({label})", result["tick_p99"], "ms", "< 33 ms")
                add(f"30 Hz drain tick, longest ({label})", result["tick_max"], "ms", "< 33 ms")
            alone = _ingest(port, n_obs, Path(tmp), True, drain_timer=False)
            add("MQTT source thread alone (parse, check, record)", alone["rate"], "obs/s")
        finally:
            broker.terminate()
            broker.wait(10)
    return rows


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    print(json.dumps(run_ingest(size)))
