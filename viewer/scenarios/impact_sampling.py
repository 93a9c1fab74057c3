"""The value of a hazard raster at features: under footprints, at points, along lines.

A raster here is a 2-D array plus its affine transform ``(a, b, c, d, e, f)`` (GDAL order as in
:class:`viewer.core.layers.RasterLayer`: ``x = a*col + b*row + c``, ``y = d*col + e*row + f``) in
the features' CRS. Cells outside the raster read as 0 (no hazard there).

A footprint covers the cells whose centre lies inside it (the rule GDAL and rasterio rasterize
with); a footprint too small to hold a cell centre, or a point, takes the cell under its
representative point, so every feature reads at least one cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Transform = Sequence[float]


def cell_centres(transform: Transform, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of the centres of cells (rows, cols)."""
    a, b, c, d, e, f = (float(v) for v in tuple(transform)[:6])
    col = cols + 0.5
    row = rows + 0.5
    return a * col + b * row + c, d * col + e * row + f


def cells_of_points(transform: Transform, shape: tuple[int, int], x: np.ndarray, y: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, inside) of the cells holding points (x, y)."""
    a, b, c, d, e, f = (float(v) for v in tuple(transform)[:6])
    det = a * e - b * d
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    col = np.floor((e * (x - c) - b * (y - f)) / det).astype(np.int64)
    row = np.floor((-d * (x - c) + a * (y - f)) / det).astype(np.int64)
    inside = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1])
    return row, col, inside


def sample_points(values: np.ndarray, transform: Transform, x: np.ndarray, y: np.ndarray,
                  outside: float = 0.0) -> np.ndarray:
    """Raster values at points (the cell holding each); ``outside`` where a point is off the grid."""
    row, col, inside = cells_of_points(transform, values.shape, x, y)
    out = np.full(np.shape(x), outside, dtype=float)
    out[inside] = values[row[inside], col[inside]]
    return out


def feature_cells(geometries, transform: Transform, shape: tuple[int, int], fallback: bool = True
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (feature index, flat cell index) of the cells each geometry covers.

    Polygons cover the cells whose centre is inside them; with ``fallback`` a geometry that covers
    no centre (a point, a line, a footprint smaller than a cell) gets the cell under its
    representative point. Features off the grid get no pair.
    """
    import shapely

    geoms = np.asarray(geometries, dtype=object)
    n = len(geoms)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    valid = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    feat_parts, cell_parts = [], []
    polygonal = valid & np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    if polygonal.any():
        idx = np.flatnonzero(polygonal)
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms[idx])
        rows, cols = _cells_in_box(transform, shape, (xmin, ymin, xmax, ymax))
        if len(rows):
            cx, cy = cell_centres(transform, rows, cols)
            tree = shapely.STRtree(geoms[idx])
            point_i, geom_i = tree.query(shapely.points(cx, cy), predicate="within")
            feat_parts.append(idx[geom_i])
            cell_parts.append(rows[point_i] * shape[1] + cols[point_i])
    covered = np.zeros(n, dtype=bool)
    if feat_parts:
        covered[np.concatenate(feat_parts)] = True
    rest = np.flatnonzero(valid & ~covered)
    if len(rest) and fallback:
        reps = shapely.point_on_surface(geoms[rest])
        row, col, inside = cells_of_points(transform, shape, shapely.get_x(reps), shapely.get_y(reps))
        feat_parts.append(rest[inside])
        cell_parts.append(row[inside] * shape[1] + col[inside])
    if not feat_parts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(feat_parts).astype(np.int64), np.concatenate(cell_parts).astype(np.int64)


def _cells_in_box(transform: Transform, shape: tuple[int, int], box: tuple[float, float, float, float]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of every cell of the grid window that covers ``box``."""
    xmin, ymin, xmax, ymax = box
    xs = np.array([xmin, xmax, xmin, xmax])
    ys = np.array([ymin, ymin, ymax, ymax])
    a, b, c, d, e, f = (float(v) for v in tuple(transform)[:6])
    det = a * e - b * d
    cols = (e * (xs - c) - b * (ys - f)) / det
    rows = (-d * (xs - c) + a * (ys - f)) / det
    r0 = max(int(np.floor(rows.min())), 0)
    r1 = min(int(np.ceil(rows.max())), shape[0])
    c0 = max(int(np.floor(cols.min())), 0)
    c1 = min(int(np.ceil(cols.max())), shape[1])
    if r1 <= r0 or c1 <= c0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rr, cc = np.mgrid[r0:r1, c0:c1]
    return rr.ravel(), cc.ravel()


def zonal_values(values: np.ndarray, transform: Transform, geometries, stat: str = "max",
                 ignore_mask: np.ndarray | None = None) -> np.ndarray:
    """One value per geometry: the max or mean of the cells it covers (see :func:`feature_cells`).

    Cells in ``ignore_mask`` (for example raised building cells and permanent water) are left out;
    a feature whose cells are all ignored falls back to all of its cells. NaN cells read as 0, and a
    feature off the grid reads 0.
    """
    if stat not in ("max", "mean"):
        raise ValueError(f"stat must be 'max' or 'mean', not {stat!r}")
    n = len(geometries)
    feat, cell = feature_cells(geometries, transform, values.shape)
    flat = np.nan_to_num(np.asarray(values, dtype=float).ravel(), nan=0.0)
    if ignore_mask is not None and len(feat):
        ignored = np.asarray(ignore_mask, dtype=bool).ravel()[cell]
        kept_any = np.zeros(n, dtype=bool)
        kept_any[feat[~ignored]] = True
        keep = ~ignored | ~kept_any[feat]
        feat, cell = feat[keep], cell[keep]
    out = np.zeros(n, dtype=float)
    if not len(feat):
        return out
    if stat == "max":
        out[:] = -np.inf
        np.maximum.at(out, feat, flat[cell])
        out[np.isinf(out)] = 0.0
        return out
    sums = np.bincount(feat, weights=flat[cell], minlength=n)
    counts = np.bincount(feat, minlength=n)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out
