"""Replay at scale: a frame for 1,000 sensors from a week at one-minute steps, one sensor's week
for a chart, and memory over a 24-hour replay at 1000x.

Run: ``python -m benchmarks.bench_replay [SENSORS] [REPEATS]``; prints a JSON list of rows.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

NS = 1_000_000_000
T0 = 1_760_918_400 * NS  # 2025-10-20T00:00:00Z


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _project(sensors: int):
    from viewer.core import Project
    from viewer.core.sensors import Datastream, Thing, Thresholds

    project = Project(crs="EPSG:5897")
    minutes = 7 * 24 * 60
    times = T0 + np.arange(minutes, dtype=np.int64) * 60 * NS
    rng = np.random.default_rng(1)
    for i in range(sensors):
        key = f"s{i:04d}"
        project.sensors.add(Thing(f"t{i:04d}", key, x=585_000.0 + i, y=1_109_000.0),
                            [Datastream(key, key, f"t{i:04d}", "m", "water_level",
                                        Thresholds(1.6, 1.9), expected_interval_s=60)])
        level = 0.8 + 0.9 * np.sin(np.arange(minutes) / 180.0 + rng.uniform(0, 6)) + rng.normal(0, 0.02, minutes)
        project.observations.append(key, times, level, notify=False)
    return project, times


def run(sensors: int = 1000, repeats: int = 50) -> list[dict]:
    rows: list[dict] = []

    def add(metric: str, value: float, unit: str, target: str = "") -> None:
        rows.append({"benchmark": "replay", "size": sensors, "metric": metric, "value": value,
                     "unit": unit, "target": target})

    start = time.perf_counter()
    project, times = _project(sensors)
    add("load a week at 1 min", time.perf_counter() - start, "s")
    add("observations held", float(project.observations.count()), "")
    status = project.sensor_status
    rng = np.random.default_rng(2)
    frame_ms = []
    for t in np.sort(rng.choice(times, repeats)):
        tick = time.perf_counter()
        status.refresh(int(t))
        frame_ms.append((time.perf_counter() - tick) * 1000.0)
    add("frame after a jump (values, levels, stale, alarms)", statistics.median(frame_ms), "ms")
    frame_ms = []
    t = int(times[len(times) // 2])
    for _ in range(repeats):  # consecutive 20 Hz ticks at 1000x: 50 s of data each
        t += 50 * NS
        tick = time.perf_counter()
        status.refresh(t)
        frame_ms.append((time.perf_counter() - tick) * 1000.0)
    add("replay frame at 1000x (values, levels, stale, alarms)", statistics.median(frame_ms), "ms", "< 5 ms")
    chart_ms = []
    for i in rng.choice(sensors, repeats):
        tick = time.perf_counter()
        project.observations.window(f"s{i:04d}", int(times[0]), int(times[-1]), max_points=3200)
        chart_ms.append((time.perf_counter() - tick) * 1000.0)
    add("one sensor's week for a chart", statistics.median(chart_ms), "ms", "< 50 ms")
    # 24 hours at 1000x is 86.4 s of wall time: 1,728 ticks of the 20 Hz pump.
    clock = project.clock
    clock.replay(int(times[0]), int(times[-1]), speed=1000)
    clock.playing = True
    before = _rss_mib()
    samples = []
    for tick in range(1728):
        clock.advance(0.05)
        status.refresh(clock.time_ns)
        if tick % 432 == 0:
            samples.append(_rss_mib())
    after = _rss_mib()
    add("24 h replay at 1000x: memory growth", after - before, "MiB", "flat")
    add("24 h replay at 1000x: alarms raised", float(len(project.alarms.alarms)), "")
    add("peak RSS", max(samples + [after]), "MiB")
    return rows


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    print(json.dumps(run(n, reps)))
