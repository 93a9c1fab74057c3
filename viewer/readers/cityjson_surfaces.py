"""CityJSON geometry boundaries -> flat rings of vertex indices, with the semantic class and owning
building of every surface.

CityJSON nests boundaries by geometry type: ``MultiSurface``/``CompositeSurface`` as
``[surface][ring][vertex]``, ``Solid`` as ``[shell][surface][ring][vertex]`` and
``MultiSolid``/``CompositeSolid`` as ``[solid][shell][surface][ring][vertex]``; ``semantics.values``
follow the same nesting without the last two levels. Geometry templates (``GeometryInstance``) and
points/lines are not surfaces and are skipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from viewer.core.layers import SEMANTIC_CODES
from viewer.readers.triangulation import Rings

#: How many list levels lie above a surface, per geometry type.
SURFACE_DEPTH = {"MultiSurface": 1, "CompositeSurface": 1, "Solid": 2, "MultiSolid": 3,
                 "CompositeSolid": 3}


class SurfaceCollector:
    """Accumulates the surfaces of many geometries; :meth:`rings` returns them flattened.

    Vertex indices are shifted by the ``offset`` given with each geometry, so that geometries of
    several CityJSONSeq features can share one vertex array.
    """

    def __init__(self) -> None:
        self._vertices: list[int] = []
        self._counts: list[int] = []
        self._ring_surface: list[int] = []
        self.feature: list[int] = []
        self.semantic: list[int] = []

    @property
    def surface_count(self) -> int:
        return len(self.feature)

    def add_geometry(self, geometry: dict[str, Any], feature: int, offset: int = 0) -> int:
        """Add every surface of one CityJSON geometry, owned by row ``feature``.

        Returns
        -------
        int
            The number of surfaces added.
        """
        depth = SURFACE_DEPTH.get(geometry.get("type", ""))
        if depth is None:
            return 0
        semantics = geometry.get("semantics") or {}
        classes = [SEMANTIC_CODES.get(s.get("type", ""), 0) for s in semantics.get("surfaces", [])]
        before = self.surface_count
        self._walk(geometry.get("boundaries") or [], semantics.get("values"), depth, classes,
                   feature, offset)
        return self.surface_count - before

    def _walk(self, boundaries: list[Any], values: Any, depth: int, classes: list[int],
              feature: int, offset: int) -> None:
        if depth > 0:
            for i, child in enumerate(boundaries):
                sub = values[i] if isinstance(values, list) and i < len(values) else None
                self._walk(child, sub, depth - 1, classes, feature, offset)
            return
        self._add_surface(boundaries, values, classes, feature, offset)

    def _add_surface(self, surface: list[list[int]], value: Any, classes: list[int], feature: int,
                     offset: int) -> None:
        rings = []
        for ring in surface:
            # Drop repeated consecutive vertices and a closing vertex; CityJSON rings are open.
            cleaned = [v for i, v in enumerate(ring) if i == 0 or v != ring[i - 1]]
            if len(cleaned) > 1 and cleaned[0] == cleaned[-1]:
                cleaned.pop()
            if len(cleaned) >= 3:
                rings.append(cleaned)
            elif not rings:
                return  # a degenerate outer ring: the surface has no area
        if not rings:
            return
        index = self.surface_count
        for ring in rings:
            self._vertices.extend(v + offset for v in ring)
            self._counts.append(len(ring))
            self._ring_surface.append(index)
        self.feature.append(feature)
        code = classes[value] if isinstance(value, int) and 0 <= value < len(classes) else 0
        self.semantic.append(code)

    def rings(self) -> Rings:
        """The collected surfaces as :class:`Rings`."""
        return Rings(np.asarray(self._vertices, dtype=np.int64),
                     np.asarray(self._counts, dtype=np.int64),
                     np.asarray(self._ring_surface, dtype=np.int64))

    def arrays(self) -> tuple[Rings, np.ndarray, np.ndarray]:
        """``(rings, feature, semantic)`` with one ``feature``/``semantic`` entry per surface."""
        return (self.rings(), np.asarray(self.feature, dtype=np.int64),
                np.asarray(self.semantic, dtype=np.int8))


def select_surfaces(rings: Rings, keep: np.ndarray) -> tuple[Rings, np.ndarray]:
    """The surfaces where ``keep`` (per surface) is true, renumbered; and their old numbers."""
    kept = np.flatnonzero(keep)
    if len(kept) == 0:
        return Rings(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)), kept
    ring_keep = keep[rings.surface]
    vertex_keep = np.repeat(ring_keep, rings.counts)
    renumber = np.full(len(keep), -1, np.int64)
    renumber[kept] = np.arange(len(kept))
    return Rings(rings.vertices[vertex_keep], rings.counts[ring_keep],
                 renumber[rings.surface[ring_keep]]), kept


def footprints(points: np.ndarray, rings: Rings, feature: np.ndarray, n_rows: int) -> np.ndarray:
    """2D footprint of each row: the union of its surfaces projected on the ground.

    Give it ground surfaces, or any surfaces (vertical ones, which project to nothing, are left
    out). Rows without a surface with area get None.
    """
    import shapely

    out = np.full(n_rows, None, dtype=object)
    if len(rings.counts) == 0:
        return out
    from viewer.readers.triangulation import surface_normals

    normals = surface_normals(points, rings)
    length = np.linalg.norm(normals, axis=1)
    flat_enough = np.abs(normals[:, 2]) > 0.01 * np.maximum(length, 1e-300)
    rings, kept = select_surfaces(rings, flat_enough & (length > 0))
    if len(kept) == 0:
        return out
    feature = feature[kept]
    xy = points[rings.vertices][:, :2]
    ring_ids = np.repeat(np.arange(len(rings.counts)), rings.counts)
    polygons = shapely.polygons(shapely.linearrings(xy, indices=ring_ids), indices=rings.surface)
    polygons = shapely.make_valid(polygons)
    has_area = shapely.area(polygons) > 0
    order = np.argsort(feature[has_area], kind="stable")
    rows, starts = np.unique(feature[has_area][order], return_index=True)
    groups = np.split(polygons[has_area][order], starts[1:])
    for row, group in zip(rows, groups):
        merged = shapely.union_all(group)
        parts = shapely.get_parts(shapely.get_parts(merged))  # collections, then multi-parts
        parts = parts[shapely.get_type_id(parts) == 3]  # polygons only
        if len(parts):
            out[row] = parts[0] if len(parts) == 1 else shapely.multipolygons(parts)
    return out
