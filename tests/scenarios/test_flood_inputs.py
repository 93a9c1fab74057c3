"""Bad input to the flood engine: a clear message naming the input, or a safe documented repair;
never NaN or negative depth."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.scenarios.flood import (BoundaryLevel, FloodGrid, FloodInputWarning, FloodParams, Forcing,
                                    Inflow, OpenBoundary, Pump, RainField, RainSeries, accumulate,
                                    simulate)
from viewer.scenarios.flood.prepared import PreparedRun


def flat(rows: int = 20, cols: int = 30, z: float = 0.0) -> FloodGrid:
    return FloodGrid(np.full((rows, cols), z), dx=2.0, origin=(1000.0, 2000.0), manning=0.03)


def run(grid, forcing, **params):
    return accumulate(simulate(grid, forcing, FloodParams(**{"duration_s": 60.0, **params})))


def test_nan_holes_in_the_dem_are_walls_and_stay_dry():
    z = np.zeros((20, 30))
    z[8:12, 10:14] = np.nan
    result = run(FloodGrid(z, 1.0), Forcing(inflows=[Inflow((10, 2), [0], [0.5])], rain=RainSeries([0], [50.0])),
                 duration_s=120.0, output_interval_s=30.0)
    assert np.isfinite(result.depth).all() and (result.depth >= 0).all()
    assert (result.depth[:, 8:12, 10:14] == 0).all()
    assert result.depth[-1, 10, 9] > 0.01  # the water went round the hole up to its edge
    assert abs(result.mass_error) < 1e-9
    # rain fell on the 584 open cells only: 50 mm/h for 120 s on 1 m2 each
    assert result.volumes["rain_m3"][-1] == pytest.approx(584 * 0.05 / 3600 * 120, rel=1e-9)


def test_a_dem_with_no_data_at_all_is_refused():
    with pytest.raises(ValueError, match="no data"):
        FloodGrid(np.full((3, 3), np.nan), 1.0)
    with pytest.raises(ValueError, match="dx"):
        FloodGrid(np.zeros((3, 3)), 0.0)
    with pytest.raises(ValueError, match="manning"):
        FloodGrid(np.zeros((3, 3)), 1.0, manning=-0.01)


@pytest.mark.parametrize("rates, message", [([10.0, -5.0], "negative"), ([np.nan, 1.0], "NaN"),
                                            ([5000.0, 1.0], "max_rain_mm_h")])
def test_bad_rain_is_refused_with_the_parameter_named(rates, message):
    with pytest.raises(ValueError, match=message) as error:
        run(flat(), Forcing(rain=RainSeries([0.0, 30.0], rates, name="gauge 7")))
    assert "rain 'gauge 7'" in str(error.value)


def test_heavy_rain_is_allowed_when_the_limit_is_raised():
    result = run(flat(), Forcing(rain=RainSeries([0.0], [3600.0])), max_rain_mm_h=4000.0,
                 output_interval_s=60.0)
    assert result.depth[-1].mean() == pytest.approx(0.06, rel=1e-6)  # 1 mm/s for 60 s (float32 frames)
    assert result.volumes["volume_m3"][-1] == pytest.approx(0.06 * 600 * 4.0, rel=1e-12)


def test_a_rain_field_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="fields_mm_per_h has shape"):
        run(flat(), Forcing(rain=RainField([0.0], np.zeros((1, 5, 5)))))


def test_a_boundary_series_with_gaps_is_interpolated_and_warned_about():
    grid = flat()
    forcing = Forcing(boundaries=[BoundaryLevel("west", [0.0, 100.0, 200.0, 300.0],
                                                [1.0, np.nan, np.nan, 4.0], name="tide")])
    with pytest.warns(FloodInputWarning, match="tide.*2 missing value"):
        prepared = PreparedRun(grid, forcing, FloodParams(duration_s=300.0))
    prepared.update_edge_levels(150.0)
    assert prepared.edge_levels[2] == pytest.approx(2.5)  # 1 m at 0 s to 4 m at 300 s
    with pytest.raises(ValueError, match="no value"):
        PreparedRun(grid, Forcing(boundaries=[BoundaryLevel("west", [0, 1], [np.nan, np.nan])]),
                    FloodParams(duration_s=1.0))
    with pytest.raises(ValueError, match="strictly increasing"):
        PreparedRun(grid, Forcing(boundaries=[BoundaryLevel("west", [0, 0], [1, 2])]), FloodParams(duration_s=1.0))


@pytest.mark.parametrize("field, value, message", [("cfl", 1.5, "unstable"), ("cfl", 0.0, "cfl"),
                                                   ("theta", 1.2, "theta"), ("h_min", -1.0, "h_min"),
                                                   ("duration_s", float("nan"), "duration_s")])
def test_unstable_or_meaningless_parameters_are_refused(field, value, message):
    with pytest.raises(ValueError, match=message):
        FloodParams(**{"duration_s": 10.0, field: value})


def test_a_scenario_outside_the_dem_is_refused_with_its_name():
    grid = flat()  # x 1000..1060, y 1960..2000
    with pytest.raises(ValueError, match="inflow 'river'.*outside the DEM"):
        run(grid, Forcing(inflows=[Inflow((25, 3), [0], [1.0], name="river")]))
    with pytest.raises(ValueError, match="gauge at .* outside the DEM"):
        grid.cell_at(5000.0, 2000.0, "gauge")
    with pytest.raises(ValueError, match="pond: the circle .* covers no cell"):
        grid.circle_mask(0.0, 0.0, 10.0, "pond")
    with pytest.raises(ValueError, match="dike: the polygon covers no cell"):
        grid.polygon_mask([(0, 0), (10, 0), (10, 10)], "dike")
    with pytest.raises(ValueError, match="pump 'P1': mask has shape"):
        run(grid, Forcing(pumps=[Pump(np.ones((5, 5), bool), 1.0, name="P1")]))
    with pytest.raises(ValueError, match="unknown edge"):
        run(grid, Forcing(open_boundaries=[OpenBoundary("up")]))
    with pytest.raises(ValueError, match="already has"):
        run(grid, Forcing(open_boundaries=[OpenBoundary("east")],
                          boundaries=[BoundaryLevel("east", [0], [1.0])]))


def test_negative_inflow_is_refused():
    with pytest.raises(ValueError, match="inflow 'drain'.*>= 0"):
        run(flat(), Forcing(inflows=[Inflow((3, 3), [0, 10], [1.0, -1.0], name="drain")]))


def test_violent_flow_never_gives_negative_or_nan_depth():
    rng = np.random.default_rng(4)
    z = rng.normal(0.0, 0.6, (40, 40)).cumsum(axis=1) * 0.3  # rough, steep ground
    depth = np.where(rng.random(z.shape) < 0.3, 2.0, 0.0)
    grid = FloodGrid(z, 1.0, manning=0.01)
    for advection in (False, True):
        result = run(grid, Forcing(initial_depth=depth, rain=RainSeries([0], [200.0]),
                                   open_boundaries=[OpenBoundary("east")]),
                     duration_s=30.0, output_interval_s=1.0, theta=1.0, advection=advection)
        assert np.isfinite(result.depth).all()
        assert result.depth.min() >= 0.0
        assert abs(result.mass_error) < 1e-9
