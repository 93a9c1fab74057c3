"""Sensors in projects: the demo's storm opens in replay, and sensors survive save and reopen."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from viewer.commands.project_io import load_project, replace_project_contents, save_project
from viewer.core.clock import NS
from viewer.core.project import Project
from viewer.readers.reproject import transform_xy


def test_the_demo_opens_with_its_storm_in_replay(demo_dir: Path):
    project = load_project(demo_dir)
    sensors = [layer for layer in project.layers if layer.kind == "sensors"]
    assert len(sensors) == 1 and sensors[0].feature_count == 10
    assert project.observations.count() == 10_932
    clock = project.clock
    assert clock.mode == "replay"
    assert clock.start_ns == 1_760_918_400 * NS  # 2025-10-20T00:00:00Z
    assert clock.end_ns == clock.start_ns + (48 * 3600 - 60) * NS
    # Stations were placed in the project CRS from their lon/lat through EPSG:6960.
    thing = next(iter(project.sensors.things.values()))
    x, y = transform_xy(np.array([thing.lon]), np.array([thing.lat]), "EPSG:4326", "EPSG:5897")
    assert abs(thing.x - x[0]) < 1e-6 and abs(thing.y - y[0]) < 1e-6
    xmin, ymin, xmax, ymax = project.layer_by_id("demo-boundary").extent
    assert all(xmin <= t.x <= xmax and ymin <= t.y <= ymax for t in project.sensors.things.values())


def test_canal_alarms_rise_during_the_storm(demo_dir: Path):
    project = load_project(demo_dir)
    status, clock = project.sensor_status, project.clock
    for hour in range(0, 48):
        status.refresh(clock.start_ns + hour * 3600 * NS)
    raised = {(a.stream_id, a.level) for a in project.alarms.alarms}
    assert ("khai_luong.water_level", 2) in raised and ("cai_khe.water_level", 2) in raised
    assert any(level == 1 for _, level in raised)


def test_sensors_survive_save_and_reopen(tmp_path: Path, demo_dir: Path):
    project = load_project(demo_dir)
    save_project(project, tmp_path / "copy")
    again = load_project(tmp_path / "copy")
    assert again.observations.count() == project.observations.count()
    assert set(again.sensors.datastreams) == set(project.sensors.datastreams)
    stream = "khai_luong.water_level"
    t0, t1 = project.clock.start_ns, project.clock.end_ns
    assert np.array_equal(again.observations.window(stream, t0, t1)[1], project.observations.window(stream, t0, t1)[1])
    live = Project()
    replace_project_contents(live, again)
    layer = next(layer for layer in live.layers if layer.kind == "sensors")
    assert layer.network is live.sensors and layer.status is live.sensor_status
    assert live.clock.mode == "replay" and live.observations.count() == project.observations.count()
