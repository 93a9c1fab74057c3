"""Building footprints to prisms, and LoD2 surfaces to terrain-standing meshes, in vectorised passes.

No Python loop runs per building: shapely hands back every ring's coordinates at once, walls are
index arithmetic over them, convex roofs are fans and the other roofs come from one vectorised
constrained Delaunay call. The output is split into spatial tiles (one mesh, later one actor,
each) so the renderer can skip tiles outside the view.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

TILE_SIZE = 500.0
"""Smallest tile side in metres."""
MAX_TILES = 400
"""Tiles grow beyond :data:`TILE_SIZE` so that a city never has more than about this many."""


@dataclass
class TileMesh:
    """The triangles of the buildings in one tile.

    Attributes
    ----------
    points
        (P, 3) float64 world coordinates, z in metres (not exaggerated).
    triangles
        (K, 3) int64 indices into ``points``; walls and roofs face outwards (counter-clockwise).
    feature
        (K,) int64 row of the building each triangle belongs to.
    semantic
        (K,) int8 surface class (:data:`viewer.core.layers.SEMANTIC_CODES`): 2 walls, 3 roofs.
    """

    points: np.ndarray
    triangles: np.ndarray
    feature: np.ndarray
    semantic: np.ndarray


def tile_keys(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A tile number for every point (x, y); points in the same square tile share a number."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    x0, y0 = float(np.min(x)), float(np.min(y))
    width, height = float(np.max(x)) - x0, float(np.max(y)) - y0
    size = max(TILE_SIZE, math.sqrt(max(width * height, 1.0) / MAX_TILES))
    ix = np.floor((x - x0) / size).astype(np.int64)
    iy = np.floor((y - y0) / size).astype(np.int64)
    return iy * (int(width // size) + 1) + ix


def footprint_parts(geoms: np.ndarray, tile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygon parts of ``geoms`` ordered by tile, and the building (row) of each part."""
    import shapely

    type_id = shapely.get_type_id(geoms)
    polygonal = np.flatnonzero(((type_id == 3) | (type_id == 6)) & ~shapely.is_empty(geoms))
    if np.any(type_id[polygonal] == 6):
        parts, local = shapely.get_parts(geoms[polygonal], return_index=True)
        building = polygonal[local]
    else:
        parts, building = geoms[polygonal], polygonal
    order = np.argsort(tile[building], kind="stable")
    return parts[order], building[order]


def prism_tiles(geoms: np.ndarray, heights: np.ndarray, tile: np.ndarray,
                ground: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                ) -> tuple[list[TileMesh], np.ndarray, np.ndarray]:
    """Extrude footprints ``geoms`` (shapely, one per building) by ``heights`` from the ground.

    Parameters
    ----------
    geoms
        (n,) object array of Polygon/MultiPolygon; other geometries draw nothing.
    heights
        (n,) building heights in metres.
    tile
        (n,) tile number of each building (:func:`tile_keys`).
    ground
        Elevation at world points ``ground(x, y)``; a building stands on the lowest ground under
        its footprint's vertices. None: everything stands on z = 0.

    Returns
    -------
    tiles, base, top
        The meshes, one per tile, and the (n,) floor and roof z of every building.
    """
    import shapely

    n = len(geoms)
    base, top = np.zeros(n), np.asarray(heights, dtype=np.float64).copy()
    parts, part_building = footprint_parts(np.asarray(geoms, dtype=object), tile)
    if len(parts) == 0:
        return [], base, top
    holes = shapely.get_num_interior_rings(parts)
    if holes.sum() == 0:
        coords, coord_ring = shapely.get_coordinates(parts, return_index=True)
        ring_part = np.arange(len(parts))
    else:
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]]
    coord_building = part_building[ring_part[coord_ring]]
    if ground is not None:
        base = lowest_per_feature(ground(coords[:, 0], coords[:, 1]), coord_building, n)
        base = np.where(np.isfinite(base), base, 0.0)
        top = base + top

    # Walls: a quad per ring segment, its bottom and top corners are points 2k and 2k+1.
    seg = np.flatnonzero(coord_ring[:-1] == coord_ring[1:])
    local = coords - coords.mean(axis=0)
    cross = local[seg, 0] * local[seg + 1, 1] - local[seg + 1, 0] * local[seg, 1]
    ring_area = np.bincount(coord_ring[seg], weights=cross, minlength=len(ring_part))
    flip = ((ring_area > 0) != exterior)[coord_ring[seg]]  # exteriors CCW, holes CW = outwards
    b0, b1 = 2 * seg, 2 * seg + 2
    first, second = np.where(flip, b1, b0), np.where(flip, b0, b1)  # walk the ring CCW
    walls = np.empty((2 * len(seg), 3), dtype=np.int64)
    walls[0::2, 0], walls[0::2, 1], walls[0::2, 2] = first, second, second + 1
    walls[1::2, 0], walls[1::2, 1], walls[1::2, 2] = first, second + 1, first + 1
    wall_points = np.empty((2 * len(coords), 3))
    wall_points[0::2, :2] = coords
    wall_points[1::2, :2] = coords
    wall_points[0::2, 2] = base[coord_building]
    wall_points[1::2, 2] = top[coord_building]

    # Roofs: fans over the top corners of convex rings, constrained Delaunay for the rest.
    convex = _convex_rings(local, seg, coord_ring, ring_area, len(ring_part))
    fan_part = np.zeros(len(parts), dtype=bool)
    fan_part[ring_part[exterior & convex]] = True
    fan_part[ring_part[~exterior]] = False
    fan = _fan_triangles(coord_ring, fan_part[ring_part] & exterior, ring_area)
    roof_coords, roof_part = _delaunay_roofs(parts, ~fan_part)
    roof_points = np.empty((len(roof_coords), 3))
    roof_points[:, :2] = roof_coords
    roof_points[:, 2] = top[part_building[roof_part]]

    part_tile = tile[part_building]
    tiles = _split(part_tile, ring_part[coord_ring], wall_points, walls, part_building,
                   ring_part[coord_ring[seg]], fan, roof_points, roof_part)
    return tiles, base, top


def _convex_rings(local: np.ndarray, seg: np.ndarray, coord_ring: np.ndarray, ring_area: np.ndarray,
                  n_rings: int) -> np.ndarray:
    """Whether each ring turns one way only (its fan triangulation is valid)."""
    edge = local[seg + 1] - local[seg]
    seg_ring = coord_ring[seg]
    first = np.r_[True, seg_ring[1:] != seg_ring[:-1]]
    first_of_ring = np.flatnonzero(first)
    nxt = np.arange(1, len(seg) + 1)
    last = np.r_[first[1:], True]
    nxt[last] = first_of_ring[np.cumsum(first)[last] - 1]
    turn = edge[:, 0] * edge[nxt, 1] - edge[:, 1] * edge[nxt, 0]
    scale = np.hypot(*edge.T) * np.hypot(*edge[nxt].T)
    wrong = turn * np.sign(ring_area[seg_ring]) < -1e-9 * scale
    return np.bincount(seg_ring[wrong], minlength=n_rings) == 0


def _fan_triangles(coord_ring: np.ndarray, ring_fans: np.ndarray, ring_area: np.ndarray) -> np.ndarray:
    """Fan triangles (indices of top points) over the rings flagged in ``ring_fans``."""
    starts = np.flatnonzero(np.r_[True, coord_ring[1:] != coord_ring[:-1]])
    counts = np.diff(np.r_[starts, len(coord_ring)]) - 3  # closed ring of m coords: m - 3 triangles
    ring_ids = coord_ring[starts]
    use = ring_fans[ring_ids] & (counts > 0)
    starts, counts, ring_ids = starts[use], counts[use], ring_ids[use]
    first = np.repeat(starts, counts)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    ccw = np.repeat(ring_area[ring_ids] > 0, counts)
    a, b = first + step, first + step + 1
    tris = np.column_stack([first, np.where(ccw, a, b), np.where(ccw, b, a)])
    return 2 * tris + 1


def _delaunay_roofs(parts: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roof triangle corners (3T, 2), counter-clockwise, and the part of each corner."""
    import shapely

    chosen = np.flatnonzero(which)
    if len(chosen) == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    tris = shapely.constrained_delaunay_triangles(parts[chosen])
    coords, index = shapely.get_coordinates(tris, return_index=True)
    corners = coords.reshape(-1, 4, 2)[:, :3]
    part = chosen[index[::4]]
    rel = corners - corners[:, :1]
    clockwise = rel[:, 1, 0] * rel[:, 2, 1] - rel[:, 2, 0] * rel[:, 1, 1] < 0
    corners[clockwise] = corners[clockwise][:, ::-1]
    return corners.reshape(-1, 2), np.repeat(part, 3)


def _split(part_tile: np.ndarray, coord_part: np.ndarray, wall_points: np.ndarray, walls: np.ndarray,
           part_building: np.ndarray, seg_part: np.ndarray, fan: np.ndarray,
           roof_points: np.ndarray, roof_part: np.ndarray) -> list[TileMesh]:
    """Cut the tile-ordered arrays into one :class:`TileMesh` per tile."""
    keys = np.unique(part_tile)
    point_tile = np.repeat(part_tile[coord_part], 2)
    wall_tile = np.repeat(part_tile[seg_part], 2)
    wall_feature = np.repeat(part_building[seg_part], 2)
    fan_tile = point_tile[fan[:, 0]]
    fan_feature = part_building[coord_part[fan[:, 0] // 2]]
    roof_tile = part_tile[roof_part[0::3]]
    roof_feature = part_building[roof_part[0::3]]
    bounds = [np.searchsorted(a, keys, side=s) for a in (point_tile, wall_tile, fan_tile,
                                                         np.repeat(roof_tile, 3), roof_tile)
              for s in ("left", "right")]
    out = []
    for i in range(len(keys)):
        p0, p1, w0, w1, f0, f1, r0, r1, t0, t1 = (b[i] for b in bounds)
        n_wall = p1 - p0
        points = np.concatenate([wall_points[p0:p1], roof_points[r0:r1]])
        roof_tris = np.arange(r1 - r0, dtype=np.int64).reshape(-1, 3) + n_wall
        triangles = np.concatenate([walls[w0:w1] - p0, fan[f0:f1] - p0, roof_tris])
        feature = np.concatenate([wall_feature[w0:w1], fan_feature[f0:f1], roof_feature[t0:t1]])
        semantic = np.full(len(triangles), 3, dtype=np.int8)
        semantic[: w1 - w0] = 2
        out.append(TileMesh(points, triangles, feature, semantic))
    return out


def surface_tiles(points: np.ndarray, triangles: np.ndarray, feature: np.ndarray, semantic: np.ndarray,
                  lift: np.ndarray, tile: np.ndarray) -> list[TileMesh]:
    """Split LoD2 surfaces into tiles, raising each building's vertices by ``lift[feature]``.

    Vertices shared by two buildings are duplicated so each building moves on its own.

    Parameters
    ----------
    points, triangles, feature, semantic
        The :class:`viewer.core.layers.SurfaceMesh` arrays.
    lift
        (n,) metres added to the z of each building's vertices.
    tile
        (n,) tile number of each building.
    """
    triangles = np.asarray(triangles, dtype=np.int64)
    feature = np.asarray(feature, dtype=np.int64)
    if len(triangles) == 0:
        return []
    n_vertices, n_features = len(points), int(feature.max()) + 1
    tri_tile = tile[feature]
    # One key per (tile, building, vertex): sorting the keys groups the new vertices by tile.
    key = ((tri_tile[:, None] * n_features + feature[:, None]) * n_vertices + triangles).ravel()
    unique, inverse = np.unique(key, return_inverse=True)
    vertex = unique % n_vertices
    vertex_feature = (unique // n_vertices) % n_features
    vertex_tile = unique // (n_vertices * n_features)
    new_points = np.asarray(points, dtype=np.float64)[vertex].copy()
    new_points[:, 2] += lift[vertex_feature]
    new_triangles = inverse.reshape(-1, 3)
    order = np.argsort(tri_tile, kind="stable")
    tri_tile, new_triangles = tri_tile[order], new_triangles[order]
    feature, semantic = feature[order], np.asarray(semantic, dtype=np.int8)[order]
    keys = np.unique(tri_tile)
    v0, v1 = np.searchsorted(vertex_tile, keys), np.searchsorted(vertex_tile, keys, side="right")
    c0, c1 = np.searchsorted(tri_tile, keys), np.searchsorted(tri_tile, keys, side="right")
    return [TileMesh(new_points[v0[i]:v1[i]], new_triangles[c0[i]:c1[i]] - v0[i], feature[c0[i]:c1[i]],
                     semantic[c0[i]:c1[i]]) for i in range(len(keys))]


def lowest_per_feature(values: np.ndarray, feature: np.ndarray, n: int) -> np.ndarray:
    """Smallest finite value of each feature 0..n-1 (NaN where it has none)."""
    out = np.full(n, np.inf)
    finite = np.isfinite(values)
    np.minimum.at(out, feature[finite], values[finite])
    out[np.isinf(out)] = np.nan
    return out
