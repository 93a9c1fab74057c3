"""Footprints to prisms and DEMs to terrain grids, checked against geometry worked out by hand."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import shapely

from viewer.core import RasterLayer
from viewer.render.extrusion import TileMesh, prism_tiles, surface_tiles, tile_keys
from viewer.render.terrain import Terrain, block_nanmean


def _areas(tile: TileMesh, semantic: int) -> np.ndarray:
    """Signed area (in plan) of each triangle of one surface class; > 0 means counter-clockwise."""
    corners = tile.points[tile.triangles[tile.semantic == semantic]]
    a, b, c = corners[:, 0, :2], corners[:, 1, :2], corners[:, 2, :2]
    return 0.5 * ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0])


def _normals(tile: TileMesh, semantic: int) -> tuple[np.ndarray, np.ndarray]:
    corners = tile.points[tile.triangles[tile.semantic == semantic]]
    normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    return normal, corners.mean(axis=1)


def test_concave_holed_and_multipart_roofs_cover_their_footprints():
    ell = shapely.Polygon([(0, 0), (30, 0), (30, 10), (10, 10), (10, 30), (0, 30)])  # 500 m2, concave
    court = shapely.box(100, 0, 140, 40).difference(shapely.box(110, 10, 130, 30))  # 1200 m2, a hole
    twins = shapely.MultiPolygon([shapely.box(200, 0, 210, 10), shapely.box(220, 0, 230, 10)])
    square = shapely.Polygon([(300, 0), (300, 10), (310, 10), (310, 0)])  # clockwise on purpose
    geoms = np.array([ell, court, twins, square], dtype=object)
    tiles, base, top = prism_tiles(geoms, np.array([5.0, 6.0, 7.0, 8.0]), np.zeros(4, dtype=np.int64))
    assert len(tiles) == 1
    tile = tiles[0]
    roof = _areas(tile, 3)
    owner = tile.feature[tile.semantic == 3]
    assert np.all(roof > -1e-9), "roofs face up"
    np.testing.assert_allclose(np.bincount(owner, weights=roof), [500.0, 1200.0, 200.0, 100.0])
    # every wall faces away from its building's material: outward for exteriors, into the court
    normal, middle = _normals(tile, 2)
    wall_owner = tile.feature[tile.semantic == 2]
    np.testing.assert_allclose(normal[:, 2], 0.0, atol=1e-9)
    probe = middle[:, :2] + 0.01 * normal[:, :2] / np.linalg.norm(normal[:, :2], axis=1)[:, None]
    outside = ~shapely.contains_xy(geoms[wall_owner], probe[:, 0], probe[:, 1])
    assert outside.all()
    # walls: one quad per ring segment (ell 6, court 4 + 4, twins 4 + 4, square 4) = 26 quads
    assert np.count_nonzero(tile.semantic == 2) == 2 * 26
    np.testing.assert_allclose(base, 0.0)
    np.testing.assert_allclose(top, [5.0, 6.0, 7.0, 8.0])
    for i in range(4):
        z = tile.points[tile.triangles[tile.feature == i]][..., 2]
        assert z.min() == 0.0 and z.max() == top[i]


def test_buildings_stand_on_the_lowest_ground_under_them():
    geoms = np.array([shapely.box(0, 0, 10, 10), shapely.box(50, 0, 60, 5)], dtype=object)
    tiles, base, top = prism_tiles(geoms, np.array([3.0, 4.0]), np.zeros(2, dtype=np.int64),
                                   ground=lambda x, y: 1.0 + 0.1 * x + 0.01 * y)
    np.testing.assert_allclose(base, [1.0, 6.0])
    np.testing.assert_allclose(top, [4.0, 10.0])


def test_tiles_split_buildings_without_losing_any():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 3000, 400), rng.uniform(0, 2000, 400)
    geoms = shapely.box(x, y, x + 12, y + 8)
    keys = tile_keys(x, y)
    tiles, _, top = prism_tiles(geoms, rng.uniform(3, 30, 400), keys)
    assert len(tiles) == len(np.unique(keys)) > 10
    seen = np.concatenate([np.unique(t.feature) for t in tiles])
    assert np.array_equal(np.sort(seen), np.arange(400)), "each building in exactly one tile"
    for t in tiles:
        assert np.all(keys[t.feature] == keys[t.feature[0]])
        assert t.triangles.min() >= 0 and t.triangles.max() < len(t.points)
        assert len(t.triangles) == 10 * len(np.unique(t.feature))  # 8 wall + 2 roof triangles a box


def test_surface_tiles_lift_each_building_on_its_own():
    points = np.array([[0, 0, 100], [1, 0, 100], [0, 1, 103], [50, 0, 90], [51, 0, 95]], dtype=float)
    triangles = np.array([[0, 1, 2], [2, 3, 4], [3, 4, 0]])
    feature = np.array([0, 1, 1])
    tiles = surface_tiles(points, triangles, feature, np.array([3, 2, 2], dtype=np.int8),
                          lift=np.array([-98.0, -88.0]), tile=np.zeros(2, dtype=np.int64))
    (tile,) = tiles
    z = tile.points[tile.triangles][..., 2]
    np.testing.assert_allclose(z[0], [2.0, 2.0, 5.0])  # building 0 moved by -98
    np.testing.assert_allclose(z[1], [15.0, 2.0, 7.0])  # vertex 2 copied for building 1, moved by -88
    np.testing.assert_allclose(z[2], [2.0, 7.0, 12.0])


def test_big_dems_are_block_averaged_for_3d():
    rows, cols = 1500, 700
    data = np.arange(rows * cols, dtype=np.float32).reshape(1, rows, cols)
    layer = RasterLayer(data=data, transform=(2.0, 0.0, 1000.0, 0.0, -2.0, 5000.0), role="dem")
    terrain = Terrain.from_dem(layer, max_vertices=512)
    assert terrain.shape == (500, 234)  # step 3
    assert terrain.z[0, 0] == pytest.approx(np.mean(data[0, :3, :3]))
    assert terrain.transform == (6.0, 0.0, 1000.0, 0.0, -6.0, 5000.0)
    # vertex (0, 0) sits at the centre of the first 3 x 3 block
    x, y = terrain.vertex_xy()
    assert (x[0, 0], y[0, 0]) == (1003.0, 4997.0)


def test_terrain_sampling_is_bilinear_and_survives_holes():
    z = np.array([[0.0, 10.0, 20.0], [0.0, 10.0, np.nan]])
    terrain = Terrain(z, (10.0, 0.0, 0.0, 0.0, -10.0, 20.0))  # vertex (i, j) at (5 + 10 j, 15 - 10 i)
    np.testing.assert_allclose(terrain.sample(np.array([10.0, 5.0, -50.0]), np.array([15.0, 10.0, 15.0])),
                               [5.0, 0.0, 0.0])
    # next to the hole: the three vertices with data share the weight
    expected = (0.01 * 10 + 0.09 * 20 + 0.09 * 10) / 0.19  # weights 0.01, 0.09, 0.09 (+ 0.81 on the hole)
    assert terrain.sample(np.array([24.0]), np.array([6.0]))[0] == pytest.approx(expected)
    masked = block_nanmean(np.array([[1.0, np.nan], [np.nan, np.nan]]), 2)
    assert masked.shape == (1, 1) and masked[0, 0] == 1.0
    points, triangles = terrain.surface()
    assert len(points) == 6 and len(triangles) == 2  # the quad touching the hole is dropped


def test_importing_viewer_render_loads_no_vtk():
    code = ("import sys, viewer.render, viewer.render.registry;"
            "print([m for m in ('vtk', 'vtkmodules', 'pyvista', 'shapely') if m in sys.modules])")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
