"""Flood runs on the demo district end to end: coarse grid (20 m), short events (30 min)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import rasterio

from viewer.commands.flood_run import (compare_runs, design_storm_scenario, embankment_measure,
                                       export_results, run_flood, scenario_run_command,
                                       write_scenario_file)
from viewer.core.progress import Cancelled, Progress
from viewer.scenarios.flood_scenario import FloodEvent, FloodScenario, FloodSettings, Rain, iso_to_ns

HALF_HOUR = 1800.0


pytestmark = pytest.mark.usefixtures("one_engine_thread")  # steady times on the demo's small grid


@pytest.fixture(scope="module")
def demo(demo_dir):
    from viewer.commands.project_io import load_project

    return load_project(demo_dir)


@pytest.fixture(scope="module")
def design_run(demo):
    scenario = design_storm_scenario(demo)
    scenario.event.duration_s = HALF_HOUR
    scenario.event.start_ns = iso_to_ns("2025-10-20T19:00:00Z")
    seen = []
    run = run_flood(demo, scenario, Progress(lambda f, m: seen.append(f)))
    run.progress_seen = seen
    return run


def rain_only(mm_per_h: float) -> FloodScenario:
    return FloodScenario(name=f"{mm_per_h:g} mm/h",
                         event=FloodEvent(duration_s=HALF_HOUR, rain=Rain(kind="uniform", mm_per_h=mm_per_h)),
                         settings=FloodSettings(cell_size_m=20.0, output_interval_s=600.0))


def test_design_storm_runs_on_the_clock_and_balances(design_run):
    run = design_run
    assert run.result.times_s.tolist() == [0.0, 300.0, 600.0, 900.0, 1200.0, 1500.0, 1800.0]
    assert run.times_ns[0] == iso_to_ns("2025-10-20T19:00:00Z")
    assert np.all(np.diff(run.times_ns) == int(300e9))
    assert run.frame_at(run.times_ns[0] + int(450e9)) == 1
    assert abs(run.result.mass_error) < 1e-6
    v = {k: a[-1] for k, a in run.result.volumes.items()}
    initial = float(run.inputs.initial_depth.sum()) * 400.0
    assert v["volume_m3"] == pytest.approx(initial + v["rain_m3"] + v["inflow_m3"] - v["outflow_m3"], rel=1e-6)
    # 30 minutes of the triangular hyetograph (0 -> 40 mm/h) less the drains' 25 mm/h: only what
    # rises above 25 mm/h after 1125 s stays, 15 mm/h * 675 s / 2 = 1.406 mm on the grid's 7.5 km2
    assert run.scenario.settings.rain_loss_mm_per_h == 25.0
    assert v["rain_m3"] == pytest.approx(15.0 * 675.0 / 2 / 3600 / 1000 * 3000 * 2500, rel=0.02)
    assert np.all(run.depth >= 0) and np.isfinite(run.depth).all()
    assert run.progress_seen[-1] == 1.0 and np.all(np.diff(run.progress_seen) >= 0)
    s = run.summary()
    assert s["impacts"]["buildings_total"] == 5438 and s["frames"] == 7
    # a point's depth over time, and the result layers
    row, col = np.unravel_index(np.nanargmax(np.where(run.inputs.water_cells, 0, run.max_depth)),
                                run.max_depth.shape)
    x, y = 584400.0 + (col + 0.5) * 20.0, 1110500.0 - (row + 0.5) * 20.0
    times, depth = run.depth_series_at(x, y)
    assert np.array_equal(times, run.times_ns) and depth.max() == pytest.approx(run.depth[:, row, col].max())
    assert run.depth_series_at(0.0, 0.0)[0].size == 0
    depth_layer, arrival_layer = run.result_layers()
    assert depth_layer.crs == "EPSG:5897" and depth_layer.transform == run.inputs.transform
    assert np.nanmax(depth_layer.data) == pytest.approx(s["max_depth_m"])
    assert np.nanmax(arrival_layer.data) <= 30.0


def test_more_rain_floods_more_buildings(demo):
    light = run_flood(demo, rain_only(20.0)).impacts.summary
    heavy = run_flood(demo, rain_only(150.0)).impacts.summary
    assert heavy["buildings_affected"] > light["buildings_affected"] + 100
    assert heavy["residents_affected"] > light["residents_affected"]
    assert heavy["damage_total"] > light["damage_total"]


def test_raised_embankments_keep_the_tide_out(demo, design_run):
    """The design storm's first half hour (the tide rising to 2 m) against the same with every
    river and canal bank raised to 2.6 m."""
    dike = run_flood(demo, design_run.scenario.with_measures([embankment_measure(demo, crest_m=2.6)]))
    b, d = design_run.impacts.summary, dike.impacts.summary
    assert b["buildings_affected"] > 300  # the canals overtopped at the rising spring tide
    assert d["buildings_affected"] < b["buildings_affected"] // 10
    assert d["residents_affected"] < b["residents_affected"] and d["damage_total"] < b["damage_total"]
    rows = {r["metric"]: r for r in compare_runs(design_run, dike)}
    assert rows["buildings_affected"]["difference"] == d["buildings_affected"] - b["buildings_affected"]
    assert rows["flooded_area_m2"]["measures"] < rows["flooded_area_m2"]["baseline"]


def test_cancel_stops_the_run(demo):
    seen: list[float] = []

    def stop_at_a_third(fraction: float, message: str) -> None:
        seen.append(fraction)
        if fraction > 0.3:
            progress.cancel()

    progress = Progress(stop_at_a_third)
    with pytest.raises(Cancelled):
        run_flood(demo, rain_only(50.0), progress)
    assert 0.3 < seen[-1] < 0.9  # stopped at the next frame, not at the end


def test_exports_open_with_the_right_georeference(design_run, tmp_path):
    files = {p.name for p in export_results(design_run, tmp_path)}
    assert {"max_depth.tif", "arrival_time.tif", "depth_series.tif", "impacts.csv", "roads.csv",
            "facilities.csv", "summary.json"} <= files
    transform = design_run.inputs.transform
    with rasterio.open(tmp_path / "max_depth.tif") as src:
        assert src.crs.to_epsg() == 5897 and tuple(src.transform)[:6] == transform
        assert np.allclose(src.read(1), design_run.max_depth)
    with rasterio.open(tmp_path / "arrival_time.tif") as src:
        arrival = src.read(1, masked=True)
        never = np.isnan(design_run.arrival_time_s)
        assert np.array_equal(arrival.mask, never) and never.any() and (~never).any()
        assert arrival.max() <= HALF_HOUR
    with rasterio.open(tmp_path / "depth_series.tif") as src:
        assert src.count == 7 and src.descriptions[0] == "2025-10-20T19:00:00Z"
        assert src.descriptions[-1] == "2025-10-20T19:30:00Z"
        assert np.allclose(src.read(7), design_run.depth[-1])
    table = pd.read_csv(tmp_path / "impacts.csv", encoding="utf-8-sig")
    assert len(table) == 5438 and {"building_id", "flood_depth_m", "flood_class", "flood_damage"} <= set(table.columns)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["impacts"]["buildings_affected"] == int(table["flood_affected"].sum())
    assert summary["definition"]["name"] == "Mưa 120 mm + triều cường"


def test_headless_command(demo_dir, tmp_path, capsys):
    scenario = rain_only(80.0)
    scenario.name = "Mưa ngắn"
    path = write_scenario_file(tmp_path / "mua.toml", scenario)
    out = tmp_path / "out"
    assert scenario_run_command(demo_dir, str(path), out) == 0
    printed = capsys.readouterr().out
    assert "buildings flooded" in printed and "Mưa ngắn" in printed
    with rasterio.open(out / "max_depth.tif") as src:
        assert src.crs.to_epsg() == 5897 and src.res == (20.0, 20.0)
    assert (out / "summary.json").is_file() and (out / "impacts.csv").is_file()
    assert scenario_run_command(demo_dir, "no such scenario", tmp_path / "x") == 2
    assert "no flood scenario 'no such scenario'" in capsys.readouterr().err


def test_a_loss_rate_leaves_exactly_the_hyetograph_above_it():
    from viewer.commands.flood_series import subtract_loss

    times, rain = subtract_loss(np.array([0.0, 3600.0, 10800.0]), np.array([0.0, 80.0, 0.0]), 25.0)
    # the triangle above 25 mm/h: from 1125 s to 8550 s, peak 55 mm/h at 1 h
    assert times.tolist() == pytest.approx([0.0, 1125.0, 3600.0, 8550.0, 10800.0])
    assert rain.tolist() == pytest.approx([0.0, 0.0, 55.0, 0.0, 0.0])
    assert np.trapezoid(rain, times) == pytest.approx(55.0 * (8550.0 - 1125.0) / 2)
    fields = np.full((2, 3, 4), 30.0)
    assert subtract_loss(np.array([0.0, 60.0]), fields, 25.0)[1].max() == pytest.approx(5.0)
