"""Geometry prepared for the 2D map: parts, spatial chunks, levels of detail, picking, labels.

Nothing here imports Qt, so it is tested on its own. The map draws a vector layer in batches: its
parts (a MultiPolygon has several) are grouped into a grid of chunks, each with its bounding box, so
a paint skips every chunk outside the view; and for each zoom level (a power-of-two pixel size) a
chunk's parts are split into those drawn as shapes (simplified to about a pixel) and those too small
to be more than a dot. The arrays returned here become QPainterPaths and an image of dots in
:mod:`viewer.qt.map2d_painters`. Also here: picking (an STRtree), label anchors and choice,
and the colours of rasters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Parts smaller than this many pixels across are drawn as a dot, not a shape.
TINY_PX = 2.0
#: Parts at least this many pixels across get their outline drawn.
OUTLINE_PX = 6.0
#: Simplification tolerance, in pixels of the level's pixel size.
SIMPLIFY_PX = 0.75
#: Parts with at most this many vertices are never simplified.
SIMPLIFY_MIN_VERTICES = 8
#: Polygons get a label from this many pixels across, lines from this many pixels long.
AREA_LABEL_PX = 24.0
LINE_LABEL_PX = 96.0
#: Above this many distinct fill colours, colours are snapped to a coarser grid.
MAX_FILL_COLOURS = 256
#: About how many parts go into one chunk.
CHUNK_TARGET = 384
#: With more fine chunks than this in view, coarse blocks may be drawn instead.
COARSE_ABOVE = 24
#: At most this many chunks along a side.
MAX_CHUNKS_PER_SIDE = 96

# shapely type ids -> the family the map draws them as.
FAMILY_OF_TYPE = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}


def geometry_families(geoms: np.ndarray) -> np.ndarray:
    """``"polygon"``, ``"line"``, ``"point"`` or ``""`` (empty, collections) per geometry."""
    import shapely

    ids = shapely.get_type_id(geoms)  # -1 for missing
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    table = np.array([FAMILY_OF_TYPE.get(i, "") for i in range(-1, 8)], dtype=object)
    out = table[np.clip(ids, -1, 7) + 1]
    out[empty] = ""
    return out


def lod_level(pixel_size: float) -> int:
    """Level of detail for a map-units-per-pixel size: level ``L`` covers ``[2**L, 2**(L+1))``."""
    return int(math.floor(math.log2(max(pixel_size, 1e-12))))


@dataclass
class ShapeGroup:
    """Vertices of the parts of one colour drawn as shapes, ready for a path.

    ``connect[i]`` is 1 where vertex ``i`` joins vertex ``i + 1`` (0 at the end of a ring/line).
    """

    colour: int
    outlined: bool
    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray
    parts: int


@dataclass
class ChunkDrawing:
    """What one chunk draws at one level of detail: shapes, and dots for the tiny parts.

    ``dot_colour`` is a palette index per dot; ``dot_wide`` marks parts of one to two pixels,
    drawn 2 x 2 pixels instead of one.
    """

    shapes: list[ShapeGroup] = field(default_factory=list)
    dot_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dot_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dot_colour: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    dot_wide: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


class GeometryBatch:
    """The parts of many polygons or lines, chunked for culling and prepared per zoom level.

    Parameters
    ----------
    geoms
        Shapely geometries of one family (polygons or lines, multi-parts allowed), one per feature.
    family
        ``"polygon"`` or ``"line"``.
    """

    def __init__(self, geoms: np.ndarray, family: str) -> None:
        import shapely

        self.family = family
        geoms = np.asarray(geoms, dtype=object)
        if np.isin(shapely.get_type_id(geoms), (4, 5, 6, 7)).any():
            parts, owner = shapely.get_parts(geoms, return_index=True)
        else:  # no multi-part geometries: splitting would only copy them
            parts, owner = geoms, np.arange(len(geoms))
        keep = ~(shapely.is_empty(parts) | shapely.is_missing(parts))
        parts, owner = parts[keep], owner[keep]
        self.parts = parts
        self.owner = owner.astype(np.int64)
        self.vertices = shapely.get_num_coordinates(parts)
        self.has_holes = bool(family == "polygon" and len(parts)
                              and (shapely.get_num_interior_rings(parts) > 0).any())
        bounds = shapely.bounds(parts).reshape(-1, 4)
        self.bounds = bounds
        self.size = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
        self.centre_x = (bounds[:, 0] + bounds[:, 2]) / 2.0
        self.centre_y = (bounds[:, 1] + bounds[:, 3]) / 2.0
        self.extent = ((float(bounds[:, 0].min()), float(bounds[:, 1].min()),
                        float(bounds[:, 2].max()), float(bounds[:, 3].max()))
                       if len(parts) else (0.0, 0.0, 0.0, 0.0))
        # Finer than this level, simplifying at a pixel removes next to nothing: parts are drawn
        # as read, which saves simplifying them again at every deeper zoom.
        median = float(np.median(self.size)) if len(parts) else 1.0
        self.raw_level = lod_level(max(median, 1e-9) / 64.0)
        # Two grids over the same parts: fine chunks cull tightly when zoomed in; coarse blocks
        # (16 times bigger) keep the draw calls few when the view spans many chunks.
        self.members, self.chunk_bounds = self._chunk(CHUNK_TARGET)
        self.coarse_members, self.coarse_bounds = self._chunk(CHUNK_TARGET * 16)
        self._counts = np.array([len(m) for m in self.members], dtype=np.int64)
        self._coarse_counts = np.array([len(m) for m in self.coarse_members], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.parts)

    def _chunk(self, target: int) -> tuple[list[np.ndarray], np.ndarray]:
        """Parts grouped on a grid of about ``target`` parts a cell: (members, boxes) per chunk."""
        n = len(self.parts)
        if not n:
            return [], np.zeros((0, 4))
        xmin, ymin, xmax, ymax = self.extent
        w, h = max(xmax - xmin, 1e-9), max(ymax - ymin, 1e-9)
        cells = max(n / target, 1.0)
        nx = int(np.clip(round(math.sqrt(cells * w / h)), 1, MAX_CHUNKS_PER_SIDE))
        ny = int(np.clip(round(cells / nx), 1, MAX_CHUNKS_PER_SIDE))
        ix = np.clip(((self.centre_x - xmin) / w * nx).astype(np.int64), 0, nx - 1)
        iy = np.clip(((self.centre_y - ymin) / h * ny).astype(np.int64), 0, ny - 1)
        cell = iy * nx + ix
        order = np.argsort(cell, kind="stable")
        cells_sorted = cell[order]
        starts = np.flatnonzero(np.r_[True, cells_sorted[1:] != cells_sorted[:-1]])
        b = self.bounds[order]
        # A chunk's box is the union of its parts' boxes, so parts crossing a grid line are
        # still drawn whenever any of them is in view.
        boxes = np.column_stack([
            np.minimum.reduceat(b[:, 0], starts), np.minimum.reduceat(b[:, 1], starts),
            np.maximum.reduceat(b[:, 2], starts), np.maximum.reduceat(b[:, 3], starts)])
        return np.split(order, starts[1:]), boxes

    def chunks_in(self, rect: tuple[float, float, float, float], coarse: bool = False) -> np.ndarray:
        """Indices of the chunks (coarse blocks) whose box meets ``rect`` (xmin, ymin, xmax, ymax)."""
        xmin, ymin, xmax, ymax = rect
        cb = self.coarse_bounds if coarse else self.chunk_bounds
        hit = (cb[:, 0] <= xmax) & (cb[:, 2] >= xmin) & (cb[:, 1] <= ymax) & (cb[:, 3] >= ymin)
        return np.flatnonzero(hit)

    def chunks_to_draw(self, rect: tuple[float, float, float, float]) -> tuple[np.ndarray, bool]:
        """The chunks to draw for ``rect`` and whether they are coarse blocks.

        Coarse blocks are chosen when the view meets many fine chunks and the blocks add at most
        half again as many parts (drawn outside the view, clipped): fewer, longer draw calls.
        """
        fine = self.chunks_in(rect)
        if len(fine) <= COARSE_ABOVE:
            return fine, False
        coarse = self.chunks_in(rect, coarse=True)
        if self._coarse_counts[coarse].sum() <= 1.5 * self._counts[fine].sum():
            return coarse, True
        return fine, False

    def drawing(self, chunk: int, level: int, part_colour: np.ndarray,
                coarse: bool = False) -> ChunkDrawing:
        """Shapes and dots of ``chunk`` (a coarse block) at ``level``; ``part_colour`` is a
        palette index per part."""
        import shapely

        members = (self.coarse_members if coarse else self.members)[chunk]
        pixel = 2.0 ** level
        size = self.size[members]
        tiny = size < TINY_PX * pixel
        big = members[~tiny]
        geoms = self.parts[big]
        # Parts with a handful of vertices (a house, a street segment) lose nothing to simplifying.
        detailed = self.vertices[big] > SIMPLIFY_MIN_VERTICES
        if level > self.raw_level and detailed.any():
            geoms = geoms.copy()
            geoms[detailed] = shapely.simplify(geoms[detailed], SIMPLIFY_PX * pixel,
                                               preserve_topology=False)
            collapsed = shapely.is_empty(geoms)
            if collapsed.any():
                tiny[np.flatnonzero(~tiny)[collapsed]] = True
                big, geoms = big[~collapsed], geoms[~collapsed]
        out = ChunkDrawing()
        if len(big):
            outlined = (self.size[big] >= OUTLINE_PX * pixel) if self.family == "polygon" else \
                np.zeros(len(big), dtype=bool)
            out.shapes = _shape_groups(geoms, part_colour[big], outlined, self.family, self.has_holes)
        small = members[tiny]
        out.dot_x, out.dot_y = self.centre_x[small], self.centre_y[small]
        out.dot_colour = part_colour[small].astype(np.int32)
        out.dot_wide = self.size[small] >= pixel
        return out


def _shape_groups(geoms: np.ndarray, colour: np.ndarray, outlined: np.ndarray, family: str,
                  has_holes: bool) -> list[ShapeGroup]:
    """Flatten ``geoms`` into one vertex run per (colour, outlined) group.

    Polygons are split into rings only when some have holes (without holes a polygon's
    coordinates are its exterior ring), and their rings are oriented for the winding rule.
    """
    import shapely

    key = colour.astype(np.int64) * 2 + outlined
    order = np.argsort(key, kind="stable")
    geoms, key = geoms[order], key[order]
    if family == "polygon" and has_holes:
        rings, ring_part = shapely.get_rings(geoms, return_index=True)
    else:
        rings, ring_part = geoms, np.arange(len(geoms))
    coords, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    if not len(coords):
        return []
    connect = np.zeros(len(coords), dtype=np.int32)
    connect[:-1] = vertex_ring[1:] == vertex_ring[:-1]
    if family == "polygon":
        exterior = np.r_[True, ring_part[1:] != ring_part[:-1]]
        coords = _oriented(coords, vertex_ring, connect, exterior)
    vertex_key = key[ring_part[vertex_ring]]
    cuts = np.flatnonzero(np.r_[True, vertex_key[1:] != vertex_key[:-1], True])
    keys, per_key = np.unique(key, return_counts=True)
    counts = dict(zip(keys.tolist(), per_key.tolist()))
    groups = []
    for s, e in zip(cuts[:-1], cuts[1:]):
        k = int(vertex_key[s])
        c = connect[s:e].copy()
        c[-1] = 0
        groups.append(ShapeGroup(k // 2, bool(k % 2), coords[s:e, 0], coords[s:e, 1], c,
                                 counts.get(k, 0)))
    return groups


def _oriented(coords: np.ndarray, vertex_ring: np.ndarray, connect: np.ndarray,
              exterior: np.ndarray) -> np.ndarray:
    """Coordinates with exterior rings counter-clockwise and holes clockwise.

    With the winding fill rule holes then stay open while overlapping features of one colour do
    not cancel each other out. Done here, per chunk drawn, rather than for every polygon on load.
    """
    x, y = coords[:, 0], coords[:, 1]
    starts = np.flatnonzero(np.r_[True, vertex_ring[1:] != vertex_ring[:-1]])
    ends = np.r_[starts[1:], len(coords)]
    # Twice the signed area per ring (shoelace), relative to the first vertex for precision.
    ox, oy = np.repeat(x[starts], ends - starts), np.repeat(y[starts], ends - starts)
    dx, dy = x - ox, y - oy
    cross = np.zeros(len(coords))
    cross[:-1] = (dx[:-1] * dy[1:] - dx[1:] * dy[:-1]) * connect[:-1]
    area = np.add.reduceat(cross, starts)
    flip = np.where(exterior[vertex_ring[starts]], area < 0, area > 0)
    if not flip.any():
        return coords
    index = np.arange(len(coords))
    ring_start, ring_end = np.repeat(starts, ends - starts), np.repeat(ends, ends - starts)
    reverse = np.repeat(flip, ends - starts)
    index[reverse] = (ring_start + ring_end - 1 - index)[reverse]
    return coords[index]


def colour_classes(rgba: np.ndarray, max_colours: int = MAX_FILL_COLOURS) -> tuple[np.ndarray, np.ndarray]:
    """The distinct colours of (N, 4) uint8 ``rgba`` and each feature's index into them.

    Every colour costs a draw call per chunk, and a continuous ramp gives nearly every feature
    its own: beyond ``max_colours`` the channels snap to a 16-level grid (a few dozen colours
    along a ramp, each within 8 of the true one).
    """
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8).reshape(-1, 4)
    packed = rgba.view(np.uint32).ravel()
    codes, index = np.unique(packed, return_inverse=True)
    if len(codes) > max_colours:
        snapped = rgba.copy()
        snapped[:, :3] = np.minimum((rgba[:, :3] // 16).astype(np.uint16) * 16 + 8, 255)
        codes, index = np.unique(snapped.view(np.uint32).ravel(), return_inverse=True)
    palette = codes.astype(np.uint32).view(np.uint8).reshape(-1, 4)
    return palette, index.reshape(-1).astype(np.int32)


def rasterize_dots(px: np.ndarray, py: np.ndarray, argb: np.ndarray, wide: np.ndarray,
                   width: int, height: int) -> tuple[np.ndarray, int, int] | None:
    """Dots at device pixels (px, py) burnt into a premultiplied ARGB32 buffer.

    Returns (buffer, x0, y0): a (h, w + 1) uint32 array whose first ``w`` columns are the
    smallest block of the ``width`` x ``height`` device holding every dot (the extra column
    takes the right half of wide dots at the edge), and its top-left device pixel; None when no
    dot lands on the device. Writing a few hundred thousand pixels with numpy is several times
    faster than as many ``drawPoints``.
    """
    ix = np.floor(px).astype(np.int64)
    iy = np.floor(py).astype(np.int64)
    inside = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
    if not inside.all():
        if not inside.any():
            return None
        ix, iy, argb, wide = ix[inside], iy[inside], argb[inside], wide[inside]
    x0, y0 = int(ix.min()), int(iy.min())
    w = min(int(ix.max()) + 2, width) - x0
    h = min(int(iy.max()) + 2, height) - y0
    stride = w + 1
    # One spare column and row: the 2 x 2 dots need no bounds checks. Flat indices are an order
    # of magnitude faster than 2D fancy indexing for scattered writes.
    buffer = np.zeros((h + 1) * stride, dtype=np.uint32)
    flat = (iy - y0) * stride + (ix - x0)
    buffer[flat] = argb
    if wide.any():
        if not wide.all():
            flat, argb = flat[wide], argb[wide]
        for offset in (1, stride, stride + 1):
            buffer[flat + offset] = argb
    return buffer.reshape(h + 1, stride)[:h], x0, y0


def premultiplied_argb(rgba: np.ndarray) -> np.ndarray:
    """(N, 4) uint8 RGBA -> (N,) uint32 premultiplied ARGB, the pixel format QImage paints fastest."""
    rgba = np.asarray(rgba, dtype=np.uint32).reshape(-1, 4)
    a = rgba[:, 3]
    r, g, b = ((rgba[:, k] * a + 127) // 255 for k in range(3))
    return (a << 24) | (r << 16) | (g << 8) | b


def outline_arrays(geom: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices (x, y, connect) of a geometry's rings or lines, for drawing its outline."""
    import shapely

    parts = shapely.get_parts(np.asarray([geom], dtype=object))
    rings = []
    for part in parts:
        if shapely.get_type_id(part) == 3:
            rings.extend(shapely.get_rings(part))
        else:
            rings.append(part)
    coords, ring = shapely.get_coordinates(np.asarray(rings, dtype=object), return_index=True)
    connect = np.zeros(len(coords), dtype=np.int32)
    connect[:-1] = ring[1:] == ring[:-1]
    return coords[:, 0], coords[:, 1], connect


class FeatureIndex:
    """Finds the feature under a point; the STRtree is built by :meth:`build` or the first query."""

    def __init__(self, geoms: np.ndarray) -> None:
        self.geoms = np.asarray(geoms, dtype=object)
        self._tree: Any = None
        self._polygonal: np.ndarray | None = None

    def build(self) -> None:
        """Build the tree now (the map does it off the GUI thread)."""
        import shapely

        if self._tree is None:
            self._polygonal = np.isin(shapely.get_type_id(self.geoms), (3, 6))
            self._tree = shapely.STRtree(self.geoms)

    def pick(self, x: float, y: float, tolerance: float, filled: bool = True) -> int | None:
        """Index of the feature at (x, y): a polygon containing it, else the nearest line or
        point within ``tolerance``; where several qualify the nearest, then the last, wins.

        Polygons drawn unfilled (``filled=False``, boundaries) are picked near their outline.
        """
        import shapely

        self.build()
        point = shapely.Point(x, y)
        hits = self._tree.query(point, predicate="dwithin", distance=max(tolerance, 0.0))
        if not len(hits):
            return None
        polygonal = self._polygonal[hits]
        geoms = self.geoms[hits]
        if not filled and polygonal.any():
            geoms = np.where(polygonal, shapely.boundary(geoms), geoms)
            polygonal = np.zeros(len(hits), dtype=bool)
        distance = shapely.distance(geoms, point)
        ok = (~polygonal & (distance <= tolerance)) | (distance == 0.0)
        hits, distance = hits[ok], distance[ok]
        if not len(hits):
            return None
        best = np.lexsort((-hits, distance))[0]
        return int(hits[best])


@dataclass
class LabelSource:
    """The labels one layer offers: anchors (x, y; NaN for none), feature sizes and texts.

    A feature is labelled once it spans ``min_size_px`` pixels (more for lines, whose names
    would otherwise crowd a district view). Point labels start ``offset_px`` right of the point,
    beside its symbol; other labels are centred on their anchor.
    """

    x: np.ndarray
    y: np.ndarray
    size: np.ndarray
    texts: list[str]
    min_size_px: float = AREA_LABEL_PX
    offset_px: float = 0.0

    @classmethod
    def from_geometries(cls, geoms: np.ndarray, values: list[Any],
                        anchors: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                        point_size: float = 8.0) -> LabelSource:
        """Labels of ``values`` at ``geoms`` (``anchors`` from :func:`label_points` if known;
        ``point_size`` is the point symbol's size in pixels)."""
        x, y, size = label_points(geoms) if anchors is None else anchors
        texts = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
        has_text = np.array([bool(t) for t in texts], dtype=bool)
        families = geometry_families(geoms)
        lines = np.count_nonzero(families == "line") > len(geoms) / 2
        points = np.count_nonzero(families == "point") > len(geoms) / 2
        return cls(np.where(has_text, x, np.nan), np.where(has_text, y, np.nan), size, texts,
                   LINE_LABEL_PX if lines else AREA_LABEL_PX, point_size / 2 + 3 if points else 0.0)

    def bounds(self) -> tuple[float, float, float, float] | None:
        """Box of the anchors, or None when nothing has a label."""
        if not np.isfinite(self.x).any():
            return None
        return (float(np.nanmin(self.x)), float(np.nanmin(self.y)),
                float(np.nanmax(self.x)), float(np.nanmax(self.y)))


def label_points(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Anchor (x, y) and size (largest bounding-box side) of each feature's label."""
    import shapely

    points = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    xy = shapely.get_coordinates(points)
    missing = shapely.is_empty(points) | shapely.is_missing(points)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[~missing], y[~missing] = xy[:, 0], xy[:, 1]
    b = shapely.bounds(np.asarray(geoms, dtype=object)).reshape(-1, 4)
    size = np.nan_to_num(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]))
    return x, y, size


def choose_labels(x: np.ndarray, y: np.ndarray, size: np.ndarray,
                  rect: tuple[float, float, float, float], pixel_size: float,
                  max_labels: int = 300, min_size_px: float = 24.0) -> np.ndarray:
    """Indices of the features to label in ``rect``: big enough on screen, at most ``max_labels``.

    Sized features (polygons, lines) need ``min_size_px`` pixels across; point-like ones are only
    labelled once no more than ``max_labels`` of them are in view. The biggest come first.
    """
    xmin, ymin, xmax, ymax = rect
    inside = np.isfinite(x) & (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    size_px = size / max(pixel_size, 1e-12)
    pointlike = size <= 0.0
    sized = np.flatnonzero(inside & ~pointlike & (size_px >= min_size_px))
    points = np.flatnonzero(inside & pointlike)
    if len(points) > max_labels:
        points = points[:0]
    chosen = np.concatenate([sized[np.argsort(-size[sized], kind="stable")], points])
    return chosen[:max_labels]


def _stretch(band: np.ndarray) -> np.ndarray:
    """A band to 0..255 between its 2nd and 98th percentiles (uint8 bands pass through)."""
    if band.dtype == np.uint8:
        return band
    values = band.astype(float)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return np.zeros(band.shape, dtype=np.uint8)
    lo, hi = np.percentile(finite, [2, 98])
    scaled = (values - lo) / (hi - lo if hi > lo else 1.0) * 255.0
    return np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8)


def hillshade(z: np.ndarray, cell: tuple[float, float], azimuth: float = 315.0,
              altitude: float = 45.0) -> np.ndarray:
    """Lambertian shade (0..1) of a height grid lit from ``azimuth``/``altitude`` degrees."""
    z = np.where(np.isfinite(z), z, np.nanmean(z) if np.isfinite(z).any() else 0.0)
    if min(z.shape) < 2:
        return np.ones(z.shape)
    dzdy, dzdx = np.gradient(z, cell[1], cell[0])
    slope = np.arctan(np.hypot(dzdx, dzdy))
    # Rows run south, so dzdy is the southward slope, as in the usual (ESRI) formula.
    aspect = np.arctan2(dzdy, -dzdx)
    az, alt = np.radians(360.0 - azimuth + 90.0), np.radians(altitude)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(shade, 0.0, 1.0)


def raster_rgba(layer: Any, shade: bool = True) -> np.ndarray:
    """(rows, cols, 4) uint8 colours of a raster layer: a ramp (shaded) for DEMs, RGB for images.

    DEMs take the layer style's ramp and limits; images use bands 1-3 as RGB (a 4th uint8 band as
    alpha), a single band as grey. NaN and ``nodata`` cells are transparent.
    """
    from viewer.core.style import ramp_colors

    data = np.asarray(layer.data)
    bands, rows, cols = data.shape
    invalid = np.zeros((rows, cols), dtype=bool)
    if np.issubdtype(data.dtype, np.floating):
        invalid |= ~np.isfinite(data[0])
    if layer.nodata is not None:
        invalid |= data[0] == layer.nodata
    if layer.role == "dem" or (bands < 3 and layer.style.kind == "graduated"):
        z = data[0].astype(float)
        z[invalid] = np.nan
        style = layer.style
        out = ramp_colors(z.ravel(), style.ramp, style.vmin, style.vmax).reshape(rows, cols, 4)
        if shade and layer.role == "dem":
            light = 0.55 + 0.45 * hillshade(z, layer.cell_size)
            out[..., :3] = np.clip(out[..., :3] * light[..., None], 0, 255).astype(np.uint8)
    else:
        out = np.empty((rows, cols, 4), dtype=np.uint8)
        picks = (0, 1, 2) if bands >= 3 else (0, 0, 0)
        for k, band in enumerate(picks):
            out[..., k] = _stretch(data[band])
        out[..., 3] = data[3] if bands >= 4 and data.dtype == np.uint8 else 255
    out[invalid, 3] = 0
    return np.ascontiguousarray(out)
