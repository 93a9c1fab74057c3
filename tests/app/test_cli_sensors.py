"""``citytwin sensors import|info|record|publish`` from the command line."""

from __future__ import annotations

import subprocess
import sys

from pathlib import Path


def citytwin(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "viewer.app.cli", *args], capture_output=True, text=True,
                          timeout=300, **kw)


def test_import_needs_a_time_zone_for_naive_local_times(tmp_path: Path, shared_data: Path):
    folder = shared_data / "vietnam/hanoi_us_embassy_pm25_airnow"
    source = sorted(folder.glob("*2019*.csv"))[0]
    run = citytwin("sensors", "import", str(source), "--out", str(tmp_path / "rec"))
    assert run.returncode == 2
    assert source.name in run.stderr and "--tz" in run.stderr


def test_import_then_info_in_utc(tmp_path: Path):
    table = tmp_path / "levels.csv"
    table.write_text("time,canal_a_m,canal_b_m\n2025-10-20 07:00,1.20,0.90\n2025-10-20 07:05,1.25,0.95\n")
    run = citytwin("sensors", "import", str(table), "--out", str(tmp_path / "rec"), "--tz", "+07:00",
                   "--layout", "wide", "--units", "m")
    assert run.returncode == 0, run.stderr
    info = citytwin("sensors", "info", str(tmp_path / "rec"))
    assert info.returncode == 0, info.stderr
    assert "2025-10-20T00:00:00Z" in info.stdout and "2025-10-20T00:05:00Z" in info.stdout
    assert "4 observations" in info.stdout
