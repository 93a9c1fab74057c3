"""Long series written at once go into monthly segments, read back like hourly ones."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from viewer.core.sensors import Datastream, SensorNetwork, Thing
from viewer.sensors.recording import read_recording, write_recording
from viewer.sensors.rows import ObservationRows

NS = 1_000_000_000
T0 = 1_759_276_800 * NS  # 2025-10-01T00:00:00Z


def network() -> SensorNetwork:
    net = SensorNetwork()
    net.add(Thing("t", "Trạm"), [Datastream(f"s{i}", f"s{i}", "t", "m", "water_level") for i in range(3)])
    return net


def test_a_forty_day_series_is_two_monthly_files_and_reads_back_whole(tmp_path: Path):
    hours = np.arange(40 * 24, dtype=np.int64)
    ids = np.repeat(np.array(["s0", "s1", "s2"], dtype=object), len(hours))
    times = np.tile(T0 + hours * 3600 * NS, 3)
    values = np.arange(len(times), dtype=float)
    start = time.perf_counter()
    written = write_recording(tmp_path / "rec", network(), ObservationRows(ids, times, values))
    elapsed = time.perf_counter() - start
    assert sorted(p.name for p in written) == ["202510.parquet", "202511.parquet"]
    assert elapsed < 5.0
    net, rows = read_recording(tmp_path / "rec")
    assert len(rows) == len(times) and set(net.datastreams) == {"s0", "s1", "s2"}
    order = np.lexsort((rows.stream_ids.astype(str), rows.times_ns))
    assert rows.times_ns[order][0] == T0 and rows.times_ns.max() == times.max()
    # A time filter that only touches November reads only November's rows.
    nov = T0 + 31 * 24 * 3600 * NS
    _, part = read_recording(tmp_path / "rec", start_ns=nov)
    assert part.times_ns.min() == nov and len(part) == 3 * 9 * 24


def test_short_series_stay_hourly(tmp_path: Path):
    times = T0 + np.arange(6, dtype=np.int64) * 1800 * NS
    write_recording(tmp_path / "rec", network(), ObservationRows(np.full(6, "s0", dtype=object), times, np.ones(6)))
    names = sorted(p.name for p in (tmp_path / "rec" / "segments").glob("*.parquet"))
    assert names == ["20251001T00.parquet", "20251001T01.parquet", "20251001T02.parquet"]
