"""Impacts of a hazard raster against answers worked out by hand on tiny grids.

The grid: 10 x 10 cells of 1 m, upper-left corner at (0, 10), so cell (row, col) spans
x in [col, col + 1] and y in [9 - row, 10 - row].
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from viewer.scenarios.impact_curves import JRC_ASIA_CURVES, DamageModel
from viewer.scenarios.impacts import (ImpactOptions, assess_impacts, class_labels, classify,
                                      compare_summaries, comparison_text, with_impact_columns)

T = (1.0, 0.0, 0.0, 0.0, -1.0, 10.0)


def cells(x0, y0, x1, y1):
    """Row/col slices of the cells inside the box [x0, x1] x [y0, y1]."""
    return slice(int(10 - y1), int(10 - y0)), slice(int(x0), int(x1))


@pytest.fixture
def depth():
    d = np.zeros((10, 10))
    d[cells(0, 0, 4, 4)] = 0.7          # a pond in the lower left
    d[cells(6, 6, 7, 8)] = 2.5          # a deep strip (x 6-7, y 6-8)
    return d


def frame(geoms, **columns):
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs="EPSG:5897")


def test_class_edges_and_labels():
    assert class_labels((0.1, 0.5, 1.0, 2.0)) == ["< 0.1 m", "0.1–0.5 m", "0.5–1 m", "1–2 m", "> 2 m"]
    # a value on an edge belongs to the class above it; NaN is dry
    assert classify([0.0, 0.09, 0.1, 0.5, 0.99, 1.0, 2.0, 7.0, np.nan], (0.1, 0.5, 1.0, 2.0)).tolist() == \
        [0, 0, 1, 2, 2, 3, 4, 4, 0]


def test_buildings_fully_partly_and_not_under_water(depth):
    buildings = frame([box(1, 1, 3, 3),          # fully in the 0.7 m pond
                       box(3, 2, 5, 4),          # half in the pond (x 3-4), half dry (x 4-5)
                       box(6, 6, 8, 7),          # half in the 2.5 m strip
                       box(8, 0, 10, 2)],        # dry
                      use=["residential", "residential", "industrial", "commercial"],
                      residents=[4, 6, 0, 9])
    max_opts = ImpactOptions(value_name="depth_m")
    result = assess_impacts(depth, T, buildings=buildings, options=max_opts)
    table = result.buildings
    assert table["depth_m"].tolist() == pytest.approx([0.7, 0.7, 2.5, 0.0])
    assert table["class"].tolist() == [2, 2, 4, 0]
    assert table["affected"].tolist() == [True, True, True, False]
    s = result.summary
    assert s["buildings_affected"] == 3
    assert s["buildings_by_class"] == {"< 0.1 m": 1, "0.1–0.5 m": 0, "0.5–1 m": 2, "1–2 m": 0, "> 2 m": 1}
    assert s["residents_affected"] == 10 and s["residents_total"] == 19
    # the mean over the footprint halves the partly flooded ones
    mean = assess_impacts(depth, T, buildings=buildings,
                          options=ImpactOptions(value_name="depth_m", building_stat="mean")).buildings
    assert mean["depth_m"].tolist() == pytest.approx([0.7, 0.35, 1.25, 0.0])
    assert mean["class"].tolist() == [2, 1, 3, 0]


def test_damage_is_curve_times_area_times_max_damage(depth):
    model = DamageModel(max_damage_per_m2={"residential": 100.0, "commercial": 200.0, "industrial": 50.0},
                        currency="USD")
    d = np.zeros((10, 10))
    d[cells(0, 0, 10, 5)] = 1.0           # 1.0 m everywhere in the lower half
    d[cells(0, 5, 10, 10)] = 0.75         # 0.75 m in the upper half: between the 0.5 and 1.0 points
    buildings = frame([box(0, 0, 2, 2), box(4, 0, 7, 1), box(0, 6, 2, 8), box(5, 6, 7, 8)],
                      use=["residential", "shop-less", "mixed", "industrial"])
    out = assess_impacts(d, T, buildings=buildings, options=ImpactOptions(damage=model))
    b = out.buildings
    res, com, ind = (JRC_ASIA_CURVES[k] for k in ("residential", "commercial", "industrial"))
    # 1.0 m: the curve point itself; an unknown use takes the residential curve
    assert b["damage"][0] == pytest.approx(res[2] * 4.0 * 100.0)
    assert b["damage"][1] == pytest.approx(res[2] * 3.0 * 100.0)
    # 0.75 m: halfway between the 0.5 m and 1.0 m points; mixed use takes the commercial curve
    assert b["damage"][2] == pytest.approx((com[1] + com[2]) / 2 * 4.0 * 200.0)
    assert b["damage"][3] == pytest.approx((ind[1] + ind[2]) / 2 * 4.0 * 50.0)
    assert b["curve"].tolist() == ["residential", "residential", "commercial", "industrial"]
    assert out.summary["damage_total"] == pytest.approx(b["damage"].sum())
    assert out.summary["damage_currency"] == "USD"
    # a dry building costs nothing even though the curve is not zero at 5 cm
    d[:] = 0.05
    assert assess_impacts(d, T, buildings=buildings, options=ImpactOptions(damage=model)).summary[
        "damage_total"] == 0.0


def test_raised_cells_are_read_around_the_building():
    """A building whose own cells were raised in the model reads the water around it."""
    d = np.full((10, 10), 0.4)
    d[4:6, 4:6] = 0.0                     # the raised footprint stays dry on top
    raised = np.zeros((10, 10), bool)
    raised[4:6, 4:6] = True
    b = frame([box(4, 4, 6, 6)])
    plain = assess_impacts(d, T, buildings=b).buildings
    around = assess_impacts(d, T, buildings=b, ignore_mask=raised,
                            options=ImpactOptions(sample_buffer_m=1.0)).buildings
    assert plain["value"][0] == 0.0
    assert around["value"][0] == pytest.approx(0.4) and around["class"][0] == 1


def test_small_building_and_point_read_their_cell(depth):
    b = frame([box(1.2, 1.2, 1.4, 1.4)])   # holds no cell centre
    assert assess_impacts(depth, T, buildings=b).buildings["value"][0] == pytest.approx(0.7)


def test_road_cut_in_the_middle():
    d = np.zeros((10, 10))
    d[:, 4:6] = 0.5                        # a 2 m wide channel across x 4-6
    d[:, 8] = 0.2                          # shallow water below the threshold
    roads = frame([LineString([(0, 5.5), (10, 5.5)]), LineString([(0, 9.5), (3, 9.5)])],
                  name=["Cross street", "Dry lane"])
    out = assess_impacts(d, T, roads=roads, options=ImpactOptions(impassable_threshold=0.3))
    r = out.roads
    assert r["impassable_m"].tolist() == pytest.approx([2.0, 0.0])
    assert r["length_m"].tolist() == pytest.approx([10.0, 3.0])
    assert r["cut"].tolist() == [True, False]
    assert r["max_value"].tolist() == pytest.approx([0.5, 0.0])
    assert out.summary["roads_cut"] == 1 and out.summary["roads_cut_names"] == ["Cross street"]
    # a higher threshold lets the same water be passed
    assert assess_impacts(d, T, roads=roads, options=ImpactOptions(impassable_threshold=0.6)
                          ).summary["roads_cut"] == 0
    # a bridge over the channel, and a road over ignored (permanent) water, stay passable
    bridged = frame(list(roads.geometry), name=list(roads["name"]), bridge=[True, False])
    assert assess_impacts(d, T, roads=bridged).summary["roads_cut"] == 0
    river = np.zeros((10, 10), bool)
    river[:, 4:6] = True
    assert assess_impacts(d, T, roads=roads, ignore_mask=river).summary["roads_cut"] == 0


def test_facility_cut_off_while_dry_and_flooded_facility():
    d = np.zeros((10, 10))
    d[4:6, :] = 0.5                        # a band of water across y 4-6
    d[2, 8] = 0.5                          # a puddle at x 8-9, y 7-8 beside the main road
    main = LineString([(0, 8.5), (5, 8.5), (10, 8.5)])   # the dry main road (noded at x=5)
    spur = LineString([(5, 8.5), (5, 1.5)])              # a spur down through the band
    lane = LineString([(0, 1.5), (5, 1.5)])              # a lane south of the band
    roads = frame([main, spur, lane], name=["Main", "Spur", "Lane"])
    facilities = frame([Point(5.2, 1.4), Point(2.0, 8.8), Point(8.5, 7.5)],
                       name=["School (south)", "Hospital (north)", "Shelter (in the puddle)"])
    out = assess_impacts(d, T, roads=roads, facilities=facilities)
    f = out.facilities
    assert f["affected"].tolist() == [False, False, True]
    assert f["cut_off"].tolist() == [True, False, False]
    assert out.summary["facilities_cut_off_names"] == ["School (south)"]
    assert out.summary["facilities_affected_names"] == ["Shelter (in the puddle)"]
    assert out.roads["cut"].tolist() == [False, True, False]
    # with the water gone nothing is cut off
    dry = assess_impacts(np.zeros((10, 10)), T, roads=roads, facilities=facilities)
    assert dry.facilities["cut_off"].sum() == 0
    # an exit given south of the band makes the south the outside: now the north is cut off
    south = assess_impacts(d, T, roads=roads, facilities=facilities,
                           options=ImpactOptions(exits_xy=[(0.0, 1.5)]))
    assert south.facilities["cut_off"].tolist() == [False, True, True]


def test_attributes_and_baseline_against_measures(depth):
    buildings = frame([box(1, 1, 3, 3), box(8, 0, 10, 2)], use=["residential"] * 2, residents=[4, 9])
    base = assess_impacts(depth, T, buildings=buildings)
    lower = assess_impacts(np.minimum(depth, 0.3), T, buildings=buildings)
    rows = compare_summaries(base.summary, lower.summary)
    by = {r["metric"]: r for r in rows}
    assert by["buildings_affected"]["baseline"] == 1 and by["buildings_affected"]["measures"] == 1
    assert by["buildings_by_class/0.5–1 m"]["difference"] == -1
    assert by["buildings_by_class/0.1–0.5 m"]["difference"] == 1
    assert by["damage_total"]["difference"] < 0
    assert by["damage_total"]["change_pct"] == pytest.approx(
        (lower.summary["damage_total"] / base.summary["damage_total"] - 1) * 100)
    assert "class_edges" not in by and "impassable_threshold" not in by
    assert "buildings_affected" in comparison_text(rows)
    attrs = with_impact_columns(buildings, base.buildings, prefix="flood_",
                                columns=["value", "class_label", "damage"])
    assert list(attrs.columns[-3:]) == ["flood_value", "flood_class_label", "flood_damage"]
    assert attrs["flood_class_label"].tolist() == ["0.5–1 m", "< 0.1 m"]
    assert "flood_value" not in buildings.columns
