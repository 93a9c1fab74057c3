"""Roads under a hazard raster: which stretches cannot be passed, and which places are cut off.

A road is sampled every ``step_m`` along its line (the midpoint of each piece reads the raster); a
piece is impassable where the value exceeds the threshold (for a flood: water deeper than 0.3 m
stops cars and emergency vehicles). Pieces over ignored cells (permanent water: bridges, ferries)
and roads flagged as bridges stay passable.

Connectivity: the road lines form a graph whose nodes are their vertices (the network must be noded,
as OSM ways and the demo's roads are: roads meet at shared end points). With the impassable pieces
removed, a place is *cut off* when its nearest road node is not in an "outside" component: the
components holding the given exit points, or, without exits, the component with the most passable
road length (the rest of the city, where help comes from). scipy.sparse.csgraph does the work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.scenarios.impact_sampling import Transform, cells_of_points

SNAP_M = 0.01  # vertices closer than this are one node


@dataclass
class RoadState:
    """Roads after a hazard: per road and as a graph.

    Attributes
    ----------
    length_m, impassable_m, max_value
        Per road: its length, the length that cannot be passed, the highest raster value on it
        (ignored cells and bridges excluded).
    node_xy
        (N, 2) node coordinates.
    edges, edge_length_m, edge_ok, edge_road
        (E, 2) node pairs of the pieces, their lengths, whether passable, and their road.
    component
        (N,) label of each node in the graph of passable pieces.
    outside
        Labels of the "outside" components.
    """

    length_m: np.ndarray
    impassable_m: np.ndarray
    max_value: np.ndarray
    node_xy: np.ndarray
    edges: np.ndarray
    edge_length_m: np.ndarray
    edge_ok: np.ndarray
    edge_road: np.ndarray
    component: np.ndarray
    outside: np.ndarray


def assess_roads(values: np.ndarray, transform: Transform, geometries, threshold: float,
                 step_m: float | None = None, ignore_mask: np.ndarray | None = None,
                 bridges=None, exits_xy: np.ndarray | None = None) -> RoadState:
    """Sample ``values`` along road lines and build the passable graph (see the module text)."""
    import shapely

    geoms = np.asarray(geometries, dtype=object)
    n_roads = len(geoms)
    a, b, _, d, e, _ = (float(v) for v in tuple(transform)[:6])
    cell = min(np.hypot(a, d), np.hypot(b, e))
    step = float(step_m) if step_m else cell / 2.0
    parts, road_of_part = shapely.get_parts(geoms, return_index=True)
    parts = shapely.segmentize(parts, step)
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    same = part_of[1:] == part_of[:-1]
    p0, p1 = coords[:-1][same], coords[1:][same]
    seg_road = road_of_part[part_of[:-1][same]]
    seg_len = np.hypot(*(p1 - p0).T)
    mid = (p0 + p1) / 2.0
    row, col, inside = cells_of_points(transform, values.shape, mid[:, 0], mid[:, 1])
    seg_value = np.zeros(len(mid))
    seg_value[inside] = np.nan_to_num(values[row[inside], col[inside]], nan=0.0)
    exempt = np.zeros(len(mid), dtype=bool)
    if ignore_mask is not None:
        exempt[inside] = np.asarray(ignore_mask, dtype=bool)[row[inside], col[inside]]
    if bridges is not None:
        exempt |= np.asarray(bridges, dtype=bool)[seg_road]
    seg_value[exempt] = 0.0
    blocked = seg_value > threshold
    length = np.bincount(seg_road, weights=seg_len, minlength=n_roads)
    impassable = np.bincount(seg_road, weights=seg_len * blocked, minlength=n_roads)
    max_value = np.zeros(n_roads)
    if len(seg_road):
        np.maximum.at(max_value, seg_road, seg_value)

    if not len(p0):
        empty = np.empty(0, dtype=np.int64)
        return RoadState(length, impassable, max_value, np.empty((0, 2)), np.empty((0, 2), np.int64),
                         np.empty(0), np.empty(0, bool), empty, empty, empty)
    keys = np.round(np.vstack([p0, p1]) / SNAP_M).astype(np.int64)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    edges = np.column_stack([inverse[: len(p0)], inverse[len(p0):]])
    node_xy = uniq * SNAP_M
    component = _components(len(uniq), edges[~blocked])
    outside = _outside(component, node_xy, edges, seg_len, ~blocked, exits_xy)
    return RoadState(length, impassable, max_value, node_xy, edges, seg_len, ~blocked, seg_road,
                     component, outside)


def _components(n_nodes: int, edges: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=False)
    return labels


def _outside(component: np.ndarray, node_xy: np.ndarray, edges: np.ndarray, edge_len: np.ndarray,
             ok: np.ndarray, exits_xy: np.ndarray | None) -> np.ndarray:
    """Labels of the components that count as the outside (see the module text)."""
    if not len(node_xy) or not ok.any():
        return np.empty(0, dtype=component.dtype)
    has_ok = np.zeros(len(node_xy), dtype=bool)
    has_ok[edges[ok].ravel()] = True
    if exits_xy is not None and len(exits_xy):
        from scipy.spatial import cKDTree

        _, nearest = cKDTree(node_xy).query(np.asarray(exits_xy, dtype=float).reshape(-1, 2))
        nearest = nearest[has_ok[nearest]]
        return np.unique(component[nearest])
    length = np.bincount(component[edges[ok, 0]], weights=edge_len[ok], minlength=component.max() + 1)
    return np.array([int(np.argmax(length))], dtype=component.dtype)


def access_status(state: RoadState, x, y, access_distance_m: float = 250.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(cut_off, road distance in m) of places at (x, y).

    A place whose nearest road node is farther than ``access_distance_m`` has no road to judge
    by and is not reported as cut off.
    """
    x = np.atleast_1d(np.asarray(x, dtype=float))
    y = np.atleast_1d(np.asarray(y, dtype=float))
    if not len(state.node_xy):
        return np.zeros(len(x), dtype=bool), np.full(len(x), np.inf)
    from scipy.spatial import cKDTree

    dist, node = cKDTree(state.node_xy).query(np.column_stack([x, y]))
    reachable = np.isin(state.component[node], state.outside)
    has_ok = np.zeros(len(state.node_xy), dtype=bool)
    has_ok[state.edges[state.edge_ok].ravel()] = True
    cut = (~reachable | ~has_ok[node]) & (dist <= access_distance_m)
    return cut, dist
