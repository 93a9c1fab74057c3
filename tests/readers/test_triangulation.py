"""Triangulation of planar 3D polygons: concave rings, holes, any orientation."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.readers.triangulation import Rings, triangulate


def _area_and_normals(points, triangles):
    a, b, c = (points[triangles[:, i]] for i in range(3))
    cross = np.cross(b - a, c - a)
    return 0.5 * np.linalg.norm(cross, axis=1), cross


def test_concave_wall_and_roof_with_hole():
    # An L-shaped vertical wall in the x-z plane (concave), then a tilted square roof with a hole.
    wall = np.array([(0, 0, 0), (4, 0, 0), (4, 0, 1), (1, 0, 1), (1, 0, 3), (0, 0, 3)], float)
    square = np.array([(0, 0), (10, 0), (10, 10), (0, 10)], float)
    hole = np.array([(4, 4), (4, 6), (6, 6), (6, 4)], float)
    roof = np.column_stack([np.vstack([square, hole]), 10 + 0.5 * np.vstack([square, hole])[:, 0]])
    points = np.vstack([wall, roof]) + [585000.0, 1108000.0, 0.0]  # national-grid magnitudes
    rings = Rings(vertices=np.arange(14), counts=np.array([6, 4, 4]), surface=np.array([0, 1, 1]))
    triangles, surface = triangulate(points, rings)
    area, cross = _area_and_normals(points, triangles)
    assert area[surface == 0].sum() == pytest.approx(4 * 1 + 1 * 2)
    assert area[surface == 1].sum() == pytest.approx((100 - 4) * np.sqrt(1.25))
    # Wound like their ring: the wall's ring goes clockwise seen from -y, so its normal is -y;
    # the roof's outer ring is counter-clockwise seen from above.
    assert (cross[surface == 0][:, 1] < 0).all()
    assert (cross[surface == 1][:, 2] > 0).all()


def test_convex_rings_are_fanned_and_degenerate_ones_skipped():
    points = np.array([(0, 0, 0), (2, 0, 0), (3, 1, 0), (2, 2, 0), (0, 2, 0),
                       (0, 0, 5), (1, 0, 5), (2, 0, 5)], float)
    rings = Rings(vertices=np.array([0, 1, 2, 3, 4, 5, 6, 7]), counts=np.array([5, 3]),
                  surface=np.array([0, 1]))
    triangles, surface = triangulate(points, rings)
    assert len(triangles) == 3 and (surface == 0).all()  # the collinear ring has no area
    area, _ = _area_and_normals(points, triangles)
    assert area.sum() == pytest.approx(5.0)
