"""Flood scenarios as plain data, and the engine inputs built from them (demo district and a tiny
hand-made project)."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
import shapely
import tomli_w

from viewer.commands.flood_inputs import build_inputs, prepare_inputs, rasterize_mask
from viewer.commands.flood_run import design_storm_scenario, recorded_storm_scenario
from viewer.core.layers import RasterLayer
from viewer.core.project import Project
from viewer.core.sensors import Datastream, Thing
from viewer.scenarios.flood_scenario import (Boundary, BreachSpec, FloodEvent, FloodScenario,
                                             FloodSettings, FloodWall, InflowSpec, ManningZone,
                                             PumpMeasure, Rain, RaiseMeasure, RetentionPond,
                                             ScenarioError, iso_to_ns, ns_to_iso,
                                             scenarios_from_manifest)

START = iso_to_ns("2025-10-21T01:00:00Z")


def full_scenario() -> FloodScenario:
    return FloodScenario(
        name="Thử nghiệm", description="every part once",
        event=FloodEvent(start_ns=START, duration_s=5400.0,
                         rain=Rain(kind="hyetograph", times_s=[0.0, 1800.0, 5400.0], mm_per_h=[0.0, 60.0, 0.0]),
                         boundaries=[Boundary(kind="design", water=["Sông Hậu"], mean_m=0.5, amplitude_m=1.2,
                                              phase_deg=30.0),
                                     Boundary(kind="sensor", edge="west", datastream="can_tho.water_level",
                                              offset_m=-0.1),
                                     Boundary(kind="table", edge="south", times_s=[0.0, 60.0], levels_m=[1.0, 1.2]),
                                     Boundary(kind="open", edge="east")],
                         inflows=[InflowSpec(name="cống", geometry="POINT (585000 1109000)",
                                             times_s=[0.0, 600.0], q_m3s=[0.0, 5.0])],
                         breaches=[BreachSpec(name="vỡ đê", geometry="POLYGON ((0 0, 1 0, 1 1, 0 0))",
                                              time_s=900.0, new_z_m=0.2)]),
        measures=[RaiseMeasure(name="đê", geometry="LINESTRING (0 0, 10 10)", raise_by_m=0.5),
                  FloodWall(name="tường", geometry="LINESTRING (0 0, 5 0)"),
                  PumpMeasure(name="bơm", geometry="POINT (1 1)", capacity_m3s=2.5, outlet="POINT (9 9)",
                              enabled=False),
                  RetentionPond(name="hồ", geometry="POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))", depth_m=1.5),
                  ManningZone(name="cỏ", geometry="POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))", n=0.06)],
        settings=FloodSettings(cell_size_m=20.0, buildings="block", layers={"water": "demo-water"}))


def test_round_trip_through_dict_toml_and_json():
    scenario = full_scenario()
    data = scenario.to_dict()
    assert data["event"]["start"] == "2025-10-21T01:00:00Z"
    assert [m["kind"] for m in data["measures"]] == ["raise", "wall", "pump", "retention", "manning"]
    assert FloodScenario.from_dict(data) == scenario
    toml_text = tomli_w.dumps({"scenarios": [data]})
    assert scenarios_from_manifest(tomllib.loads(toml_text)) == [scenario]
    assert FloodScenario.from_dict(json.loads(json.dumps(data))) == scenario
    # an open start and the end given instead of a duration
    assert FloodScenario.from_dict({"event": {}}).event.start_ns is None
    windowed = FloodScenario.from_dict({"event": {"start": "2025-10-21T01:00:00+07:00",
                                                  "end": "2025-10-21T03:30:00+07:00"}})
    assert windowed.event.duration_s == 9000.0
    assert ns_to_iso(windowed.event.start_ns) == "2025-10-20T18:00:00Z"
    assert scenario.baseline().measures == [] and scenario.baseline().event == scenario.event


@pytest.mark.parametrize("data, words", [
    ({"event": {"rain": {"kind": "uniform", "mm_per_hour": 3}}}, "mm_per_hour"),
    ({"measures": [{"kind": "levee", "name": "X"}]}, "levee"),
    ({"event": {"start": "yesterday"}}, "yesterday"),
    ({"kind": "plume"}, "plume"),
])
def test_bad_dicts_name_the_problem(data, words):
    with pytest.raises(ScenarioError, match=words):
        FloodScenario.from_dict(data)


def test_validation_names_the_part():
    bad = FloodScenario(event=FloodEvent(rain=Rain(kind="sensors")))
    with pytest.raises(ScenarioError, match="rain-gauge"):
        bad.validate()
    with pytest.raises(ScenarioError, match="edge 'up'"):
        FloodScenario(event=FloodEvent(boundaries=[Boundary(edge="up")])).validate()
    with pytest.raises(ScenarioError, match="no geometry"):
        FloodScenario(measures=[RetentionPond(name="hồ", depth_m=1.0)]).validate()


# --- inputs on the demo district --------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(demo_dir):
    from viewer.commands.project_io import load_project

    return load_project(demo_dir)


def test_design_storm_inputs(demo):
    scenario = design_storm_scenario(demo)
    grid, forcing, params, meta = build_inputs(demo, scenario)
    assert grid.shape == (125, 150) and grid.dx == 20.0 and grid.origin == (584400.0, 1110500.0)
    assert meta.crs == "EPSG:5897" and meta.start_ns == demo.clock.time_ns
    # 120 mm (the hyetograph's area) less what the drains take: the part above 25 mm/h, a triangle
    # from 1125 s to 8550 s peaking at 55 mm/h
    rain = forcing.rain
    assert scenario.event.rain.mm_per_h == [0.0, 80.0, 0.0] and scenario.settings.rain_loss_mm_per_h == 25.0
    assert np.trapezoid(rain.mm_per_h, rain.times_s) / 3600.0 == pytest.approx(55.0 * 7425.0 / 2 / 3600.0)
    # the tide on the two rivers, high water 2.05 m an hour in; rivers and canals start filled
    (tide,) = forcing.boundaries
    water = meta.layers["water"].frame
    rivers = rasterize_mask(list(water.geometry[water["name"].isin(["Sông Hậu", "Sông Cần Thơ"])]),
                            grid.shape, meta.transform)
    assert np.array_equal(tide.cells, rivers)
    assert tide.levels_m.max() == pytest.approx(2.05, abs=1e-3)
    assert tide.times_s[np.argmax(tide.levels_m)] == pytest.approx(3600.0, abs=300.0)
    level0 = tide.levels_m[0]
    filled = forcing.initial_depth > 0
    assert filled.any() and not (filled & ~meta.water_cells).any()
    assert np.allclose((grid.z + forcing.initial_depth)[filled], level0)
    assert params.duration_s == 4 * 3600.0 and params.output_interval_s == 300.0


def test_buildings_raised_blocked_and_from_height(demo):
    def inputs(**settings):
        return prepare_inputs(demo, FloodScenario(event=FloodEvent(duration_s=600.0),
                                                  settings=FloodSettings(cell_size_m=8.0, **settings)))

    base = inputs(buildings="none")
    ground = base.z
    # the cells whose centre a footprint holds, as GDAL burns them
    footprints = rasterize_mask(list(demo.layer_by_id("demo-buildings").frame.geometry), ground.shape,
                                base.transform)
    raised = inputs()
    up = raised.z - ground
    assert np.count_nonzero(up) == footprints.sum() == raised.building_cells.sum() == raised.counts["building_cells"]
    assert np.allclose(up[footprints], 3.0) and raised.blocked is None
    assert np.array_equal(raised.z_ground, ground)
    blocked = inputs(buildings="block")
    assert np.array_equal(blocked.blocked, footprints) and np.array_equal(blocked.z, ground)
    own = inputs(building_raise_from_height=True)
    assert (own.z - ground)[footprints].max() > 20.0  # the towers stand tall
    assert (own.z - ground)[footprints].min() >= 3.0


def test_measures_change_only_their_cells(demo):
    pond = "POLYGON ((585000 1109000, 585200 1109000, 585200 1109150, 585000 1109150, 585000 1109000))"
    wall = "LINESTRING (585500 1109500, 585900 1109800)"
    plain = FloodScenario(event=FloodEvent(duration_s=600.0), settings=FloodSettings(cell_size_m=20.0))
    base = prepare_inputs(demo, plain)
    dug = prepare_inputs(demo, plain.with_measures([RetentionPond(name="hồ", geometry=pond, depth_m=2.5)]))
    inside = rasterize_mask([shapely.from_wkt(pond)], base.shape, base.transform)
    assert 70 <= inside.sum() <= 80  # 200 m x 150 m in cells of 20 m: 10 columns of 7 or 8
    diff = dug.z - base.z
    assert np.allclose(diff[inside], -2.5) and np.all(diff[~inside] == 0.0)
    assert np.all(dug.z_ground[inside] == base.z_ground[inside] - 2.5)
    walled = prepare_inputs(demo, plain.with_measures([FloodWall(name="tường", geometry=wall)]))
    line = rasterize_mask([shapely.from_wkt(wall)], base.shape, base.transform)
    assert np.array_equal(walled.blocked, line) and line.sum() >= 20  # 400 m x 300 m: >= 20 + 15 cells
    rows, cols = np.nonzero(line)
    # every step of the line is 4-connected: no diagonal gap for water to slip through
    assert all(((abs(rows - r) + abs(cols - c)) == 1).sum() >= 1 for r, c in zip(rows, cols))
    crest = prepare_inputs(demo, plain.with_measures([FloodWall(name="tường", geometry=wall, crest_m=3.0)]))
    assert crest.blocked is None and np.all(crest.z[line] >= 3.0) and np.all(crest.z[~line] == base.z[~line])
    dike = prepare_inputs(demo, plain.with_measures([RaiseMeasure(name="đê", geometry=wall, raise_by_m=0.5,
                                                                  crest_m=1.0)]))
    assert np.allclose(dike.z_ground[line], np.maximum(base.z_ground[line] + 0.5, 1.0))
    assert np.all(dike.z_ground[~line] == base.z_ground[~line])
    rough = prepare_inputs(demo, plain.with_measures([ManningZone(name="cỏ", geometry=pond, n=0.08)]))
    assert np.all(rough.manning[inside] == 0.08) and np.all(rough.manning[~inside] == 0.035)
    pump = prepare_inputs(demo, plain.with_measures([PumpMeasure(name="bơm", geometry="POINT (585100 1109100)",
                                                                 capacity_m3s=3.0)]))
    (cells, capacity, outlet, name), = pump.pumps
    assert cells.sum() == 1 and capacity == 3.0 and outlet is None and name == "bơm"


def test_polygon_outside_the_dem_is_named(demo):
    far = RetentionPond(name="Hồ Xuân Hương", geometry="POLYGON ((0 0, 100 0, 100 100, 0 0))", depth_m=1.0)
    scenario = FloodScenario(event=FloodEvent(duration_s=600.0), measures=[far],
                             settings=FloodSettings(cell_size_m=20.0))
    with pytest.raises(ScenarioError, match="Hồ Xuân Hương.*outside the DEM"):
        prepare_inputs(demo, scenario)
    half = RetentionPond(name="nửa", geometry="POLYGON ((587300 1109000, 587600 1109000, 587600 1109100, "
                                               "587300 1109100, 587300 1109000))", depth_m=1.0)
    meta = prepare_inputs(demo, scenario.with_measures([half]))
    assert any("partly outside" in w for w in meta.warnings)
    with pytest.raises(ScenarioError, match="Sông Hồng"):
        prepare_inputs(demo, FloodScenario(event=FloodEvent(boundaries=[Boundary(water=["Sông Hồng"])]),
                                           settings=FloodSettings(cell_size_m=20.0)))


def test_recorded_storm_rain_field_and_tide(demo):
    scenario = recorded_storm_scenario(demo)
    assert ns_to_iso(scenario.event.start_ns) == "2025-10-21T03:05:00Z"
    scenario.settings.rain_loss_mm_per_h = 0.0  # the gauges' own rates, not less the drains
    grid, forcing, params, meta = build_inputs(demo, scenario)
    field = forcing.rain.fields_mm_per_h
    assert field.shape == (len(forcing.rain.times_s), *grid.shape)
    assert meta.warnings == []  # the recorded storm has no gaps
    # each gauge's own cell gets (nearly) its own rate: the nearest gauge dominates the weights
    store = demo.observations
    for stream_id in scenario.event.rain.datastreams:
        thing = demo.sensors.things[demo.sensors.datastreams[stream_id].thing_id]
        row, col = int((meta.transform[5] - thing.y) // 20), int((thing.x - meta.transform[2]) // 20)
        t_ns, mm = store.window(stream_id, meta.start_ns, meta.start_ns + int(3600e9))
        expected = np.interp(forcing.rain.times_s[:12], (t_ns - meta.start_ns) / 1e9 - 150.0, mm * 12.0)
        assert np.allclose(field[:12, row, col], expected, rtol=0.15, atol=1.0)
    (tide,) = forcing.boundaries
    t_ns, level = store.window("can_tho.water_level", meta.start_ns, meta.start_ns + int(6 * 3600e9))
    assert np.interp(3600.0, tide.times_s, tide.levels_m) == pytest.approx(
        np.interp(3600.0, (t_ns - meta.start_ns) / 1e9, level))


# --- sensor series with gaps and bad values, on a tiny hand-made project ---------------------

def tiny_project(rain_mm: dict[str, np.ndarray], times_ns: dict[str, np.ndarray]) -> Project:
    """A flat 200 m x 200 m DEM of 10 m cells and rain gauges at two corners."""
    project = Project(name="tiny", crs="EPSG:5897")
    project.add_layer(RasterLayer(name="dem", crs="EPSG:5897", data=np.ones((1, 20, 20), np.float32),
                                  transform=(10.0, 0.0, 0.0, 0.0, -10.0, 200.0), role="dem"))
    positions = {"g1": (5.0, 195.0), "g2": (195.0, 5.0)}
    for key, values in rain_mm.items():
        x, y = positions[key]
        project.sensors.add(Thing(id=key, name=f"Gauge {key}", x=x, y=y),
                            [Datastream(id=f"{key}.rain", name="rain", thing_id=key, unit="mm",
                                        observed_property="rainfall", expected_interval_s=300.0)])
        project.observations.append(f"{key}.rain", times_ns[key], values)
    return project


def rain_scenario(*gauges: str) -> FloodScenario:
    return FloodScenario(event=FloodEvent(start_ns=START, duration_s=3600.0,
                                          rain=Rain(kind="sensors", datastreams=[f"{g}.rain" for g in gauges])),
                         settings=FloodSettings(buildings="none"))


def steps(n: int) -> np.ndarray:
    return START + np.arange(-2, n) * int(300e9)


def test_negative_rain_names_the_gauge():
    values = np.full(16, 1.0)
    values[7] = -2.0
    project = tiny_project({"g1": values}, {"g1": steps(14)})
    with pytest.raises(ScenarioError, match=r"'g1.rain' \(Gauge g1\).*negative rain \(-2 mm\) at 2025-10-21T01:2"):
        prepare_inputs(project, rain_scenario("g1"))


def test_gaps_are_interpolated_and_reported():
    t = steps(14)
    values = np.linspace(0.0, 3.0, len(t))            # 0 .. 3 mm per 5 min, rising steadily
    keep = np.ones(len(t), bool)
    keep[6:9] = False                                   # 15 minutes missing
    values_nan = values.copy()
    values_nan[11] = np.nan                             # and one NaN reading
    project = tiny_project({"g1": values_nan[keep], "g2": values}, {"g1": t[keep], "g2": t})
    meta = prepare_inputs(project, rain_scenario("g1", "g2"))
    (warning,) = meta.warnings
    assert "g1.rain" in warning and "2 gap(s)" in warning and "1 NaN" in warning and "interpolat" in warning
    times, field = meta.rain
    # a steady rise is rebuilt exactly by linear interpolation across the gaps: both gauges agree,
    # and the whole field (IDW of equal values) is that rate, in mm/h at the 5-minute steps' centres
    expected = np.interp(times, (t - START) / 1e9 - 150.0, values * 12.0)
    assert np.allclose(field[:, 0, 0], expected) and np.allclose(field, expected[:, None, None], atol=1e-4)


def test_idw_spreads_two_gauges():
    t = steps(14)
    project = tiny_project({"g1": np.full(len(t), 1.0), "g2": np.full(len(t), 3.0)}, {"g1": t, "g2": t})
    _, field = prepare_inputs(project, rain_scenario("g1", "g2")).rain
    assert field[0, 0, 0] == pytest.approx(12.0, rel=0.01)       # at gauge 1: 1 mm / 5 min
    assert field[0, -1, -1] == pytest.approx(36.0, rel=0.01)     # at gauge 2: 3 mm / 5 min
    assert field[0, 5, 14] == pytest.approx(24.0)                # equidistant cells: the mean
    one = prepare_inputs(project, rain_scenario("g2")).rain[1]
    assert one.ndim == 1 and np.allclose(one, 36.0)
    lossy = rain_scenario("g2")
    lossy.settings.rain_loss_mm_per_h = 30.0
    assert np.allclose(prepare_inputs(project, lossy).rain[1], 6.0)


def test_missing_stream_and_absurd_rain():
    t = steps(14)
    project = tiny_project({"g1": np.full(len(t), 500.0)}, {"g1": t})
    with pytest.raises(ScenarioError, match="6000 mm/h"):
        prepare_inputs(project, rain_scenario("g1"))
    with pytest.raises(ScenarioError, match="no datastream 'g9.rain'"):
        prepare_inputs(project, rain_scenario("g9"))
    uniform = FloodScenario(event=FloodEvent(duration_s=600.0, rain=Rain(kind="uniform", mm_per_h=-5.0)))
    with pytest.raises(ScenarioError, match="rain must be >= 0"):
        prepare_inputs(project, uniform)


@pytest.mark.parametrize("measure, words", [
    (RaiseMeasure(name="kè", geometry="POINT (0 0)"), "give crest_m or raise_by_m"),
    (PumpMeasure(name="bơm", geometry="POINT (0 0)", capacity_m3s=0.0), "capacity must be positive"),
    (RetentionPond(name="hồ", geometry="POINT (0 0)", depth_m=-1.0), "depth must be positive"),
    (ManningZone(name="cỏ", geometry="POINT (0 0)", n=2.0), "n=2 is outside 0.005-1"),
])
def test_a_measure_with_unusable_numbers_is_refused_by_name(measure, words):
    from viewer.commands.flood_measures import measure_for

    scenario = FloodScenario(name="s", measures=[measure])
    with pytest.raises(ScenarioError, match=words) as caught:
        scenario.validate()
    assert f"measure '{measure.name}' ({measure.kind})" in str(caught.value)
    if measure.kind != "raise":  # the panel's path refuses the same numbers
        value = {"pump": 0.0, "retention": -1.0, "manning": 2.0}[measure.kind]
        with pytest.raises(ScenarioError, match=words):
            measure_for(measure.kind, value, "POINT (0 0)", "point" if measure.kind == "pump" else "polygon", "x")
