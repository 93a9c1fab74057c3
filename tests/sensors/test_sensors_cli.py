"""``citytwin sensors record`` and ``publish`` against a real mosquitto, from the command line."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path


def citytwin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "viewer.app.cli", *args], capture_output=True, text=True,
                          timeout=300)


def test_record_until_stopped_then_publish_into_it(tmp_path: Path, mosquitto, demo_dir: Path):
    out = tmp_path / "live"
    recorder = subprocess.Popen([sys.executable, "-m", "viewer.app.cli", "sensors", "record", "--broker",
                                 f"127.0.0.1:{mosquitto.port}", "--topic", "citytwin/{stream}/obs", "--out", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not (out / "recording.toml").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # let it subscribe
        pub = citytwin("sensors", "publish", "--recording", str(demo_dir / "sensors"), "--broker",
                       f"127.0.0.1:{mosquitto.port}", "--speed", "1000000")
        assert pub.returncode == 0, pub.stderr
        assert "published 10932 observations" in pub.stdout
        deadline = time.monotonic() + 30
        count = 0
        while time.monotonic() < deadline:
            info = citytwin("sensors", "info", str(out))
            if "10932 observations" in info.stdout:
                count = 10932
                break
            time.sleep(1.0)
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=30)
    assert count == 10932
    assert recorder.returncode == 0
