"""The flood engine's behaviour against numbers known in advance: volumes, levels, timing, friction."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from viewer.core.progress import Cancelled, Progress
from viewer.scenarios.flood import (Breach, BoundaryLevel, FloodGrid, FloodParams, Forcing, Inflow,
                                    OpenBoundary, Pump, RainField, RainSeries, accumulate, simulate)


def frames(grid, forcing, **params):
    return list(simulate(grid, forcing, FloodParams(**params)))


def test_frames_land_on_the_output_times_and_the_last_on_the_duration():
    out = frames(FloodGrid(np.zeros((5, 5)), 1.0), Forcing(rain=RainSeries([0], [10.0])),
                 duration_s=130.0, output_interval_s=60.0)
    assert [f.time_s for f in out] == [0.0, 60.0, 120.0, 130.0]
    assert out[0].step_count == 0 and out[0].volume_m3 == 0.0
    assert all(f.depth.dtype == np.float32 and f.speed.dtype == np.float32 for f in out)


def test_uniform_rain_on_a_closed_box_gives_exactly_the_rain_depth():
    grid = FloodGrid(np.zeros((10, 12)), 2.0)
    out = frames(grid, Forcing(rain=RainSeries([0.0, 600.0], [0.0, 120.0])), duration_s=600.0,
                 output_interval_s=300.0)
    expected_depth = 0.5 * 120.0 / 3.6e6 * 600.0  # mean of a linear ramp 0 -> 120 mm/h over 10 min
    assert out[-1].depth.mean() == pytest.approx(expected_depth, rel=1e-6)
    assert out[-1].rain_m3 == pytest.approx(expected_depth * 120 * 4.0, rel=1e-9)
    assert abs(out[-1].mass_error) < 1e-12


def test_a_rain_field_falls_where_it_is():
    fields = np.zeros((2, 6, 6))
    fields[:, :, :3] = 36.0  # 0.01 mm/s on the west half only
    out = frames(FloodGrid(np.zeros((6, 6)), 1.0, manning=10.0), Forcing(rain=RainField([0, 100], fields)),
                 duration_s=100.0, output_interval_s=100.0)
    assert out[-1].rain_m3 == pytest.approx(18 * 0.001, rel=1e-9)
    assert abs(out[-1].mass_error) < 1e-12


def test_a_hydrograph_delivers_its_integral():
    grid = FloodGrid(np.zeros((30, 30)), 1.0, manning=0.03)
    out = frames(grid, Forcing(inflows=[Inflow([(15, 15), (15, 16)], [0.0, 100.0], [0.0, 2.0])]),
                 duration_s=100.0, output_interval_s=50.0)
    assert out[-1].inflow_m3 == pytest.approx(100.0, rel=1e-9)  # the area under 0 -> 2 m3/s over 100 s
    assert out[-1].volume_m3 == pytest.approx(100.0, rel=1e-9)


def test_everything_at_once_conserves_mass_in_every_frame():
    ny, nx = 40, 60
    z = np.add.outer(np.linspace(1.0, 0.0, ny), np.linspace(0.5, -0.5, nx))
    pond = np.zeros((ny, nx), bool)
    pond[30:34, 10:14] = True
    outlet = np.zeros((ny, nx), bool)
    outlet[5:7, 50:52] = True
    forcing = Forcing(rain=RainSeries([0, 300, 600], [20.0, 80.0, 0.0]),
                      inflows=[Inflow((2, 2), [0, 600], [0.5, 1.0])],
                      boundaries=[BoundaryLevel("south", [0, 600], [0.2, 0.8])],
                      open_boundaries=[OpenBoundary("east")],
                      pumps=[Pump(pond, 0.05, outlet=outlet), Pump((20, 20), 0.02)],
                      breaches=[Breach(pond, 200.0, -1.0)])
    out = frames(FloodGrid(z, 2.0, manning=0.035), forcing, duration_s=600.0, output_interval_s=60.0)
    assert max(abs(f.mass_error) for f in out) < 1e-9
    assert out[-1].inflow_m3 > 0 and out[-1].outflow_m3 > 0 and out[-1].rain_m3 > 0
    assert all((f.depth >= 0).all() and np.isfinite(f.depth).all() for f in out)


def test_a_pump_removes_its_capacity_or_moves_it_to_its_outlet():
    z = np.zeros((10, 10))
    basin = Forcing(initial_depth=np.full((10, 10), 1.0), pumps=[Pump((5, 5), 0.2)])
    out = frames(FloodGrid(z, 1.0), basin, duration_s=100.0, output_interval_s=100.0)
    assert out[-1].outflow_m3 == pytest.approx(20.0, rel=1e-9)
    assert out[-1].volume_m3 == pytest.approx(80.0, rel=1e-9)
    walled = np.zeros((10, 10), bool)
    walled[:, 5] = True
    moved = Forcing(initial_depth=np.where(np.arange(10) < 5, 1.0, 0.0)[None, :].repeat(10, 0),
                    pumps=[Pump((5, 2), 0.1, outlet=(5, 8))])
    out = frames(FloodGrid(z, 1.0, blocked=walled), moved, duration_s=100.0, output_interval_s=100.0)
    assert out[-1].outflow_m3 == 0.0
    assert out[-1].depth[:, 6:].sum() == pytest.approx(10.0, rel=1e-5)  # 0.1 m3/s for 100 s over the wall


def test_a_breach_opens_the_wall_at_its_time():
    z = np.zeros((10, 30))
    wall = np.zeros_like(z, bool)
    wall[:, 10] = True
    gap = np.zeros_like(z, bool)
    gap[4:6, 10] = True
    forcing = Forcing(initial_depth=np.where(np.arange(30) < 10, 2.0, 0.0)[None, :].repeat(10, 0),
                      breaches=[Breach(gap, 45.0, 0.0)])
    out = frames(FloodGrid(z, 1.0, blocked=wall), forcing, duration_s=90.0, output_interval_s=45.0)
    assert out[1].time_s == 45.0 and out[1].depth[:, 11:].max() == 0.0  # nothing before the breach
    assert out[2].depth[:, 11:].sum() > 10.0  # water through the gap afterwards
    assert abs(out[2].mass_error) < 1e-12


def test_a_level_on_an_edge_fills_the_basin_to_that_level_and_drains_it():
    z = np.tile(np.linspace(0.0, 1.0, 20), (6, 1))
    forcing = Forcing(boundaries=[BoundaryLevel("west", [0, 1800, 1900, 3600], [0.6, 0.6, 0.1, 0.1])])
    out = frames(FloodGrid(z, 5.0, manning=0.03), forcing, duration_s=3600.0, output_interval_s=1800.0)
    level = out[1].depth + z
    wet = out[1].depth > 0.01
    assert np.allclose(level[wet], 0.6, atol=0.005)
    assert wet.sum() == (z < 0.595).sum()
    assert out[1].inflow_m3 - out[1].outflow_m3 == pytest.approx(out[1].volume_m3, rel=1e-9)
    drained = out[2].outflow_m3 - out[1].outflow_m3
    assert drained > 0.9 * (out[1].volume_m3 - out[2].volume_m3) > 0  # the falling level drew it back out


def test_steady_uniform_flow_has_the_manning_normal_depth():
    slope, n, q = 0.001, 0.03, 1.0  # normal depth (q n / sqrt(S))^(3/5)
    length, dx = 2000.0, 10.0
    x = (np.arange(int(length / dx)) + 0.5) * dx
    z = np.tile(-slope * x, (3, 1))
    forcing = Forcing(inflows=[Inflow("west", [0], [q * 3 * dx])], open_boundaries=[OpenBoundary("east")])
    out = frames(FloodGrid(z, dx, manning=n), forcing, duration_s=14400.0, output_interval_s=3600.0)
    normal = (q * n / np.sqrt(slope)) ** 0.6
    middle = out[-1].depth[1, 50:150]
    assert middle == pytest.approx(normal, rel=0.01)
    assert out[-1].speed[1, 100] == pytest.approx(q / normal, rel=0.02)
    assert out[-1].outflow_m3 - out[-2].outflow_m3 == pytest.approx(q * 3 * dx * 3600, rel=0.01)


def test_progress_is_reported_and_cancel_stops_the_run():
    seen = []
    progress = Progress(lambda f, m: seen.append(f))
    grid = FloodGrid(np.zeros((5, 5)), 1.0)
    list(simulate(grid, Forcing(), FloodParams(duration_s=40.0, output_interval_s=10.0), progress))
    assert seen == [0.0, 0.25, 0.5, 0.75, 1.0]
    progress = Progress()
    run = simulate(grid, Forcing(), FloodParams(duration_s=40.0, output_interval_s=10.0), progress)
    next(run)
    progress.cancel()
    with pytest.raises(Cancelled):
        next(run)


def test_the_run_leaves_the_callers_thread_settings_alone():
    before = numba.get_num_threads(), numba.get_parallel_chunksize()
    list(simulate(FloodGrid(np.zeros((8, 8)), 1.0), Forcing(initial_level=1.0), FloodParams(duration_s=5.0)))
    assert (numba.get_num_threads(), numba.get_parallel_chunksize()) == before


def test_accumulate_gives_maxima_and_arrival_times():
    z = np.zeros((1, 200))
    forcing = Forcing(inflows=[Inflow("west", [0], [0.1])])
    result = accumulate(simulate(FloodGrid(z, 1.0, manning=0.05), forcing,
                                 FloodParams(duration_s=200.0, output_interval_s=10.0)))
    assert result.depth.shape == (21, 1, 200) and result.times_s[-1] == 200.0
    assert (result.max_depth >= result.depth.max(axis=0) - 1e-7).all()
    arrived = result.arrival_time_s[0]
    reached = np.isfinite(arrived)
    assert reached[0] and not reached[-1]
    assert arrived[0] < arrived[np.flatnonzero(reached)[-1]]  # the front moves away from the inflow
    first = [result.times_s[np.argmax(result.depth[:, 0, c] >= 0.05)] for c in np.flatnonzero(reached)]
    assert np.array_equal(arrived[reached], first)


def test_open_fractions_of_cells_and_faces_follow_the_polygons():
    import shapely

    grid = FloodGrid(np.zeros((2, 3)), 1.0, origin=(0.0, 2.0))
    house = shapely.box(-0.1, 0.9, 0.5, 2.1)  # the west half of the top-left cell (and a sliver below)
    cells, x_faces, y_faces = grid.open_fraction([house])
    assert cells[0, 0] == 0.5 and cells[0, 1] == 1.0 and 0.9 < cells[1, 0] < 1.0
    assert x_faces.shape == (2, 4) and y_faces.shape == (3, 3)
    assert x_faces[0, 0] == 0.0 and x_faces[0, 1] == 1.0  # the west edge is shut, x = 1 is open
    assert y_faces[1, 0] == 0.5  # between the two west cells: the house takes half its length
    with pytest.raises(ValueError, match="face_open"):
        FloodGrid(np.zeros((2, 3)), 1.0, face_open=(np.ones((2, 3)), np.ones((3, 3))))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        FloodGrid(np.zeros((2, 3)), 1.0, face_open=(np.full((2, 4), 1.5), np.ones((3, 3))))


def _gap_transfer(width: float) -> float:
    """Volume (m3) that crosses, in 4 s, a line of faces ``width`` open between a long basin at 1 m
    and one at 0.5 m (flat bed; too short a time for the waves to come back from the ends)."""
    ny, nx = 4, 100
    x_faces, y_faces = np.ones((ny, nx + 1)), np.ones((ny + 1, nx))
    x_faces[:, 50] = width
    depth = np.where(np.arange(nx) < 50, 1.0, 0.5)[None, :].repeat(ny, axis=0)
    grid = FloodGrid(np.zeros((ny, nx)), 1.0, manning=0.02, face_open=(x_faces, y_faces))
    out = frames(grid, Forcing(initial_depth=depth), duration_s=4.0, output_interval_s=4.0)
    assert abs(out[-1].mass_error) < 1e-12
    return float(out[-1].depth[:, 50:].sum() - out[0].depth[:, 50:].sum())


def test_a_partly_open_face_passes_less_water_the_narrower_it_is():
    full, half, quarter, shut = (_gap_transfer(w) for w in (1.0, 0.5, 0.25, 0.0))
    assert shut == 0.0 < quarter < half < full
    # a contraction to half the width passes well under the full flow, and more than half of it
    # (the level difference across it grows as it holds the water back)
    assert 0.5 < half / full < 0.85 and quarter / full < 0.6, (quarter, half, full)


def test_partly_open_faces_keep_a_lake_at_rest():
    rng = np.random.default_rng(7)
    ny, nx = 12, 15
    z = rng.uniform(0.0, 0.5, (ny, nx))
    face_open = (rng.uniform(0.0, 1.0, (ny, nx + 1)), rng.uniform(0.0, 1.0, (ny + 1, nx)))
    out = frames(FloodGrid(z, 1.0, face_open=face_open), Forcing(initial_level=1.0), duration_s=60.0,
                 output_interval_s=60.0)
    assert np.abs(out[-1].depth + z - 1.0).max() < 1e-6 and out[-1].speed.max() < 1e-9  # float32 frames
