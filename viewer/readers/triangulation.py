"""Triangulation of planar 3D polygons (with holes) given as rings of vertex indices.

Each surface is projected onto the coordinate plane its normal (Newell's method) is most nearly
perpendicular to, which keeps a planar polygon simple in 2D without rotating (so no rounding).
Triangles, and convex rings without holes, are fanned in bulk with numpy; only concave rings and
rings with holes go to ear clipping (mapbox_earcut), one surface at a time. Triangles come out
wound like their surface (counter-clockwise seen from the side the normal points to).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Rings:
    """Surfaces as rings of vertex indices, flattened.

    Attributes
    ----------
    vertices
        (V,) int64 vertex indices of all rings, one ring after the other.
    counts
        (R,) vertices per ring (at least 3, not closed: the first vertex is not repeated).
    surface
        (R,) surface of each ring; a surface's rings are consecutive, its outer ring first.
    """

    vertices: np.ndarray
    counts: np.ndarray
    surface: np.ndarray

    @property
    def starts(self) -> np.ndarray:
        """(R,) offset of each ring in :attr:`vertices`."""
        return np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)

    @property
    def surface_count(self) -> int:
        return int(self.surface.max()) + 1 if len(self.surface) else 0


def ring_normals(points: np.ndarray, rings: Rings) -> np.ndarray:
    """(R, 3) Newell normals of every ring (length = twice the ring's area)."""
    if len(rings.counts) == 0:
        return np.zeros((0, 3))
    starts = rings.starts
    # Centring keeps precision with national-grid coordinates (10^5..10^6 m).
    centred = points - points.mean(axis=0)
    v = centred[rings.vertices]
    position = np.arange(len(rings.vertices))
    ring_of = np.repeat(np.arange(len(rings.counts)), rings.counts)
    following = position + 1
    last = starts + rings.counts - 1
    following[last] = starts
    w = v[following]
    terms = np.column_stack([(v[:, 1] - w[:, 1]) * (v[:, 2] + w[:, 2]),
                             (v[:, 2] - w[:, 2]) * (v[:, 0] + w[:, 0]),
                             (v[:, 0] - w[:, 0]) * (v[:, 1] + w[:, 1])])
    normals = np.zeros((len(rings.counts), 3))
    np.add.at(normals, ring_of, terms)
    return normals


def surface_normals(points: np.ndarray, rings: Rings) -> np.ndarray:
    """(S, 3) normal of each surface: its outer ring's Newell normal (not normalised)."""
    normals = ring_normals(points, rings)
    out = np.zeros((rings.surface_count, 3))
    first = np.unique(rings.surface, return_index=True)[1]
    out[rings.surface[first]] = normals[first]
    return out


def _projected(points: np.ndarray, drop_axis: np.ndarray) -> np.ndarray:
    """(N, 2) coordinates with, per vertex, the axis ``drop_axis`` removed (cyclic order)."""
    axes = np.array([[1, 2], [2, 0], [0, 1]])[drop_axis]
    rows = np.arange(len(points))
    return np.column_stack([points[rows, axes[:, 0]], points[rows, axes[:, 1]]])


def _fan(rings: Rings, ring_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fan triangles (v0, vj, vj+1) of the given single-ring surfaces."""
    starts, counts = rings.starts[ring_ids], rings.counts[ring_ids]
    per_ring = counts - 2
    owner = np.repeat(np.arange(len(ring_ids)), per_ring)
    j = np.arange(per_ring.sum()) - np.repeat(np.cumsum(per_ring) - per_ring, per_ring) + 1
    base = starts[owner]
    tri = np.column_stack([rings.vertices[base], rings.vertices[base + j],
                           rings.vertices[base + j + 1]])
    return tri, rings.surface[ring_ids][owner]


def _convex(uv: np.ndarray, rings: Rings, ring_ids: np.ndarray) -> np.ndarray:
    """Whether each of the given rings is convex in its 2D projection ``uv`` (per ring vertex)."""
    starts, counts = rings.starts[ring_ids], rings.counts[ring_ids]
    owner = np.repeat(np.arange(len(ring_ids)), counts)
    ring_start, ring_count = starts[owner], counts[owner]
    local = np.arange(len(owner)) - (np.cumsum(counts) - counts)[owner]
    index = ring_start + local
    prev = ring_start + (local - 1) % ring_count
    nxt = ring_start + (local + 1) % ring_count
    a, b = uv[index] - uv[prev], uv[nxt] - uv[index]
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    lowest = np.full(len(ring_ids), np.inf)
    highest = np.full(len(ring_ids), -np.inf)
    size = np.zeros(len(ring_ids))
    np.minimum.at(lowest, owner, cross)
    np.maximum.at(highest, owner, cross)
    np.maximum.at(size, owner, np.abs(cross))
    tol = 1e-9 * size
    return (lowest >= -tol) | (highest <= tol)


def _earcut(uv: np.ndarray, rings: Rings, surfaces: np.ndarray,
            first_ring: np.ndarray, ring_total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ear clipping of the given surfaces, one call per surface."""
    import mapbox_earcut

    starts, counts = rings.starts, rings.counts
    out, owner = [], []
    for s in surfaces:
        r0, r1 = first_ring[s], first_ring[s] + ring_total[s]
        lo, hi = starts[r0], starts[r1 - 1] + counts[r1 - 1]
        ends = np.cumsum(counts[r0:r1]).astype(np.uint32)
        local = mapbox_earcut.triangulate_float64(uv[lo:hi], ends)
        if len(local):
            out.append(rings.vertices[lo:hi][local.reshape(-1, 3)])
            owner.append(np.full(len(local) // 3, s))
    if not out:
        return np.zeros((0, 3), np.int64), np.zeros(0, np.int64)
    return np.concatenate(out), np.concatenate(owner)


def triangulate(points: np.ndarray, rings: Rings) -> tuple[np.ndarray, np.ndarray]:
    """Triangles of all surfaces.

    Parameters
    ----------
    points
        (N, 3) vertex coordinates.
    rings
        The surfaces (see :class:`Rings`).

    Returns
    -------
    triangles, surface
        (M, 3) int64 vertex indices and (M,) the surface each triangle belongs to. Surfaces with no
        area (collinear vertices) give no triangle.
    """
    n_surfaces = rings.surface_count
    empty = (np.zeros((0, 3), np.int64), np.zeros(0, np.int64))
    if n_surfaces == 0:
        return empty
    normals = surface_normals(points, rings)
    length = np.linalg.norm(normals, axis=1)
    valid = length > 1e-12 * max(float(length.max()), 1e-300)
    drop_axis = np.abs(normals).argmax(axis=1)
    first_ring = np.full(n_surfaces, -1, np.int64)
    unique, first = np.unique(rings.surface, return_index=True)
    first_ring[unique] = first
    ring_total = np.bincount(rings.surface, minlength=n_surfaces)
    uv = _projected(points[rings.vertices], drop_axis[np.repeat(rings.surface, rings.counts)])

    single = valid & (ring_total == 1)
    single_rings = first_ring[single]
    is_triangle = rings.counts[single_rings] == 3
    convex = np.ones(len(single_rings), bool)
    polygon = ~is_triangle
    convex[polygon] = _convex(uv, rings, single_rings[polygon])
    fanned, fanned_surface = _fan(rings, single_rings[convex])
    with_holes = np.flatnonzero(valid & (ring_total > 1))
    rest = np.concatenate([np.flatnonzero(single)[~convex], with_holes])
    clipped, clipped_surface = _earcut(uv, rings, rest, first_ring, ring_total)
    triangles = np.concatenate([fanned, clipped]).astype(np.int64)
    surface = np.concatenate([fanned_surface, clipped_surface]).astype(np.int64)
    # Wind every triangle like its surface, whatever the 2D projection did to it.
    a, b, c = points[triangles[:, 0]], points[triangles[:, 1]], points[triangles[:, 2]]
    facing = np.einsum("ij,ij->i", np.cross(b - a, c - a), normals[surface])
    flip = facing < 0
    triangles[flip] = triangles[flip][:, [0, 2, 1]]
    distinct = ((triangles[:, 0] != triangles[:, 1]) & (triangles[:, 1] != triangles[:, 2])
                & (triangles[:, 0] != triangles[:, 2]))
    return triangles[distinct], surface[distinct]
