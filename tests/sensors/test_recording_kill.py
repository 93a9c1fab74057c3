"""A recording process killed with SIGKILL loses nothing but (at most) its last second: the
headless recorder (``sensor_live.record``) runs in a subprocess fed through mosquitto, is
killed mid-stream, and the recording is read back."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from viewer.sensors.publisher import format_time
from viewer.sensors.recording import ReadStats, read_recording

from conftest import Publisher  # tests/sensors/conftest.py (pytest puts its folder on sys.path)

pytestmark = pytest.mark.usefixtures("no_thread_leak")
NS = 1_000_000_000

RECORDER = """
import sys, threading
from pathlib import Path
from viewer.commands.sensor_live import record

ready, stop = threading.Event(), threading.Event()
threading.Thread(target=lambda: (ready.wait(), print("READY", flush=True)), daemon=True).start()
record(sys.argv[1], ["k/{stream}/obs"], Path(sys.argv[2]), None, stop, ready=ready, client_id="kill-recorder")
"""


def _wait_for_line(process: subprocess.Popen, text: str, timeout: float) -> None:
    found = threading.Event()

    def read() -> None:
        for line in process.stdout:
            if line.strip() == text:
                found.set()
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not found.wait(timeout):
        process.kill()
        raise AssertionError(f"recorder did not print {text}: {process.stderr.read()}")


def test_sigkill_loses_at_most_the_last_second(mosquitto, tmp_path, repo_root, wait_until):
    out = tmp_path / "recording"
    process = subprocess.Popen([sys.executable, "-c", RECORDER, mosquitto.address, str(out)], cwd=repo_root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_line(process, "READY", 30)
        publisher = Publisher(mosquitto)
        t0, sent = (time.time_ns() // NS - 3600) * NS, {}
        start = time.monotonic()
        while time.monotonic() - start < 1.6:  # bursts of 20, each after the last was acknowledged
            for _ in range(20):
                i = len(sent)
                sent[publisher.publish("k/gauge1/obs", json.dumps({"time": format_time(t0 + i * NS),
                                                                    "value": i / 10, "unit": "m"}))] = i
            wait_until(lambda: publisher.acked >= len(sent), 10, "the burst's acknowledgements")
        killed_at = time.monotonic()
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        publisher.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    must_have = {i for mid, i in sent.items() if publisher.ack_times[mid] <= killed_at - 1.0}
    assert len(must_have) >= 100
    stats = ReadStats()
    network, rows = read_recording(out, stats=stats)
    recorded = {int((t - t0) // NS) for t in rows.times_ns.tolist()}
    assert must_have <= recorded, f"lost {sorted(must_have - recorded)[:10]}"
    assert recorded <= set(sent.values())
    assert rows.values.tolist() == [i / 10 for i in sorted(recorded)]
    assert network.datastreams["gauge1"].unit == "m"  # created on the fly, and on disk before its rows
    assert stats.wal.bad_records <= 1
