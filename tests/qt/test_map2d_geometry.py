"""The 2D map's Qt-free geometry preparation: chunks, levels of detail, picking, labels, rasters."""

from __future__ import annotations

import numpy as np
import pytest

import shapely

from viewer.core.layers import RasterLayer
from viewer.core.style import Style, ramp_colors
from viewer.qt.map2d_geometry import (FeatureIndex, GeometryBatch, choose_labels, colour_classes,
                                      geometry_families, label_points, lod_level, outline_arrays,
                                      premultiplied_argb, rasterize_dots, raster_rgba)


def houses(n: int = 2000, span: float = 2000.0, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cx, cy = rng.uniform(0, span, n), rng.uniform(0, span, n)
    return shapely.box(cx - 2.5, cy - 7.5, cx + 2.5, cy + 7.5)


def test_lod_levels_are_powers_of_two_of_the_pixel_size():
    assert [lod_level(v) for v in (0.3, 1.0, 1.9, 2.0, 11.1)] == [-2, 0, 0, 1, 3]


def test_every_part_lands_in_one_chunk_whose_box_holds_it():
    geoms = np.concatenate([houses(), [shapely.MultiPolygon([shapely.box(0, 0, 1, 1),
                                                             shapely.box(5, 5, 6, 6)])]])
    batch = GeometryBatch(geoms, "polygon")
    assert len(batch) == 2001 + 1  # the multipolygon has two parts
    assert batch.owner[-2:].tolist() == [2000, 2000]
    members = np.sort(np.concatenate(batch.members))
    assert members.tolist() == list(range(len(batch)))
    assert len(batch.members) > 1
    for chunk, rows in enumerate(batch.members):
        box = batch.chunk_bounds[chunk]
        b = batch.bounds[rows]
        assert (b[:, 0] >= box[0]).all() and (b[:, 2] <= box[2]).all()
        assert (b[:, 1] >= box[1]).all() and (b[:, 3] <= box[3]).all()
    # A 100 m window meets only a few chunks, and its houses are all in them.
    window = (900.0, 900.0, 1000.0, 1000.0)
    hit = batch.chunks_in(window)
    assert 0 < len(hit) < len(batch.members)
    inside = np.flatnonzero((batch.bounds[:, 0] <= 1000) & (batch.bounds[:, 2] >= 900)
                            & (batch.bounds[:, 1] <= 1000) & (batch.bounds[:, 3] >= 900))
    assert set(inside) <= set(np.concatenate([batch.members[c] for c in hit]))


def test_parts_turn_into_dots_when_under_two_pixels():
    batch = GeometryBatch(houses(), "polygon")
    colour = np.zeros(len(batch), dtype=np.int32)
    chunk = 0
    n = len(batch.members[chunk])
    near = batch.drawing(chunk, lod_level(0.5), colour)  # houses 30 px long
    assert sum(g.parts for g in near.shapes) == n and len(near.dot_x) == 0
    assert all(g.outlined for g in near.shapes)
    assert sum(len(g.x) for g in near.shapes) == 5 * n
    mid = batch.drawing(chunk, lod_level(4.0), colour)  # about 4 px: filled, no outline
    assert sum(g.parts for g in mid.shapes) == n and not any(g.outlined for g in mid.shapes)
    far = batch.drawing(chunk, lod_level(10.0), colour)  # 1.5 px: 2 x 2 dots
    assert not far.shapes and len(far.dot_x) == n and far.dot_wide.all()
    farther = batch.drawing(chunk, lod_level(40.0), colour)
    assert len(farther.dot_x) == n and not farther.dot_wide.any()


def test_detailed_parts_are_simplified_at_coarse_levels_only():
    circle = shapely.Point(0, 0).buffer(100.0, quad_segs=64)  # 257 vertices
    batch = GeometryBatch(np.array([circle] * 2, dtype=object), "polygon")
    colour = np.zeros(2, dtype=np.int32)
    fine = batch.drawing(0, lod_level(0.1), colour).shapes
    coarse = batch.drawing(0, lod_level(8.0), colour).shapes
    assert sum(len(g.x) for g in fine) == 2 * 257
    assert 2 * 8 < sum(len(g.x) for g in coarse) < 2 * 60


def test_rings_are_oriented_for_the_winding_rule_and_split_at_holes():
    exterior = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]  # clockwise
    hole = [(2, 2), (8, 2), (8, 8), (2, 8), (2, 2)]  # counter-clockwise
    batch = GeometryBatch(np.array([shapely.Polygon(exterior, [hole])], dtype=object), "polygon")
    (group,) = batch.drawing(0, -4, np.zeros(1, dtype=np.int32)).shapes
    assert group.connect.tolist() == [1, 1, 1, 1, 0, 1, 1, 1, 1, 0]

    def signed_area(x, y):
        return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))

    assert signed_area(group.x[:5], group.y[:5]) == pytest.approx(100.0)
    assert signed_area(group.x[5:], group.y[5:]) == pytest.approx(-36.0)


def test_lines_are_grouped_by_colour_with_breaks_between_parts():
    lines = np.array([shapely.LineString([(0, 0), (10, 0)]), shapely.LineString([(0, 5), (10, 5), (20, 5)]),
                      shapely.MultiLineString([[(0, 9), (5, 9)], [(6, 9), (9, 9)]])], dtype=object)
    batch = GeometryBatch(lines, "line")
    colour_of_feature = np.array([1, 0, 1], dtype=np.int32)
    groups = batch.drawing(0, -3, colour_of_feature[batch.owner]).shapes
    by_colour = {g.colour: g for g in groups}
    assert by_colour[0].connect.tolist() == [1, 1, 0]
    assert by_colour[1].connect.tolist() == [1, 0, 1, 0, 1, 0]
    assert by_colour[1].parts == 3


def test_pick_polygon_by_containment_and_lines_points_by_tolerance():
    geoms = np.array([shapely.box(0, 0, 10, 10), shapely.box(5, 5, 20, 20),
                      shapely.LineString([(30, 0), (30, 20)]), shapely.Point(50, 50)], dtype=object)
    index = FeatureIndex(geoms)
    assert index.pick(2, 2, 1.0) == 0
    assert index.pick(7, 7, 1.0) == 1  # both contain it: the later one is drawn on top
    assert index.pick(10.5, 2, 1.0) is None  # near a polygon is not in it
    assert index.pick(31.5, 10, 2.0) == 2 and index.pick(33, 10, 2.0) is None
    assert index.pick(51, 51, 2.0) == 3


def test_families_and_outline_arrays():
    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.MultiLineString([[(0, 0), (1, 1)]]),
                      shapely.MultiPoint([(0, 0)]), shapely.Polygon(), None], dtype=object)
    assert geometry_families(geoms).tolist() == ["polygon", "line", "point", "", ""]
    triangle = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 0)], [[(1, 0.5), (3, 0.5), (3, 2.5), (1, 0.5)]])
    x, y, connect = outline_arrays(triangle)
    assert len(x) == 8 and connect.tolist() == [1, 1, 1, 0, 1, 1, 1, 0]


def test_labels_biggest_first_capped_and_only_when_big_enough():
    geoms = np.array([shapely.box(0, 0, 100, 100), shapely.box(200, 0, 210, 10), shapely.Point(50, 500)],
                     dtype=object)
    x, y, size = label_points(geoms)
    assert shapely.contains_xy(geoms[0], x[0], y[0]) and size.tolist() == [100, 10, 0]
    everything = (-1000.0, -1000.0, 1000.0, 1000.0)
    assert choose_labels(x, y, size, everything, pixel_size=1.0).tolist() == [0, 2]
    assert choose_labels(x, y, size, everything, pixel_size=0.1).tolist() == [0, 1, 2]
    assert choose_labels(x, y, size, (150, -10, 300, 50), pixel_size=0.1).tolist() == [1]
    assert choose_labels(x, y, size, everything, pixel_size=0.1, max_labels=1).tolist() == [0]
    many = np.arange(400, dtype=float)
    assert len(choose_labels(many, many, np.zeros(400), everything, 1.0)) == 0  # 400 points > 300


def test_dots_are_burnt_into_the_smallest_block():
    argb = premultiplied_argb(np.array([[255, 0, 0, 255], [0, 0, 255, 128]], dtype=np.uint8))
    assert argb.tolist() == [0xFFFF0000, 0x80000080]
    buffer, x0, y0 = rasterize_dots(np.array([10.2, 13.9, 500.0]), np.array([20.7, 21.0, 5.0]),
                                    argb[[0, 1, 1]], np.array([False, True, False]), 100, 100)
    assert (x0, y0) == (10, 20) and buffer.flags["C_CONTIGUOUS"]
    assert buffer.shape == (3, 6)  # 5 wide (x 10..14) plus the spare column
    assert buffer[0, 0] == 0xFFFF0000 and buffer[1, 3] == buffer[2, 4] == 0x80000080
    assert np.count_nonzero(buffer) == 5
    assert rasterize_dots(np.array([-5.0]), np.array([3.0]), argb[:1], np.zeros(1, bool), 10, 10) is None


def test_raster_colours_image_bands_and_dem_ramp_with_nodata_transparent():
    rgb = np.stack([np.full((2, 3), 10), np.full((2, 3), 20), np.full((2, 3), 30)]).astype(np.uint8)
    out = raster_rgba(RasterLayer(data=rgb, role="image"))
    assert out.shape == (2, 3, 4) and out[1, 2].tolist() == [10, 20, 30, 255]
    dem = np.array([[[0.0, 1.0], [2.0, np.nan]]])
    grey = Style(ramp="gray", vmin=0, vmax=2)
    flat = raster_rgba(RasterLayer(data=dem, role="dem", style=grey), shade=False)
    assert flat[0, 0, :3].tolist() == [0, 0, 0] and flat[1, 0, :3].tolist() == [255, 255, 255]
    assert flat[1, 1, 3] == 0 and flat[0, 1, 3] == 255
    slope = np.array([np.tile(np.arange(8.0), (8, 1)) * 5])  # faces west, lit from the north-west
    white = Style(ramp="gray", vmin=-10, vmax=-9)
    shaded = raster_rgba(RasterLayer(data=slope, role="dem", style=white))
    level = raster_rgba(RasterLayer(data=slope * 0, role="dem", style=white))
    assert shaded[4, 4, 0] < level[4, 4, 0]


def test_colour_classes_are_exact_for_few_colours_and_snapped_for_a_ramp():
    rgba = np.array([[1, 2, 3, 255], [200, 0, 0, 255], [1, 2, 3, 255]], dtype=np.uint8)
    palette, index = colour_classes(rgba)
    assert len(palette) == 2 and (palette[index] == rgba).all()
    ramp = ramp_colors(np.linspace(0.0, 1.0, 50_000))
    palette, index = colour_classes(ramp)
    assert 10 < len(palette) <= 256
    assert np.abs(palette[index].astype(int) - ramp.astype(int)).max() <= 8
