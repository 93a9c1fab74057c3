"""The terrain surface the 3D scene stands on: a DEM reduced to a grid small enough to draw.

Pure numpy: buildings, roads and drapes ask the same :class:`Terrain` for their heights, so they
sit on exactly the surface that is drawn (the downsampled grid, interpolated bilinearly), not on
the full-resolution DEM the eye never sees.
"""

from __future__ import annotations

import math

import numpy as np

from viewer.core.layers import RasterLayer

MAX_TERRAIN_VERTICES = 512
"""Largest number of terrain vertices along either side; bigger DEMs are block-averaged.

512 (half a million triangles) keeps a frame under software OpenGL near 0.3 s for the terrain
alone; 1024 costs about 1 s a frame there."""
TERRAIN_BLOCK = 128
"""Cells along a side of one terrain tile. The surface is drawn as tiles so that the renderer
skips those outside the view (behind a street-level camera, or beyond its draw distance); at
most 16 of them, as every actor costs a little on the first frame."""


class Terrain:
    """A regular grid of elevations sampled at cell centres.

    Parameters
    ----------
    z
        (rows, cols) float64 elevations in metres, NaN where the DEM has no data.
    transform
        Affine (a, b, c, d, e, f) of the grid's cells (as :attr:`RasterLayer.transform`); vertex
        (i, j) lies at the centre of cell (i, j).
    source_id
        Id of the DEM layer the grid was made from, if any.
    """

    def __init__(self, z: np.ndarray, transform: tuple[float, ...], source_id: str | None = None) -> None:
        self.source_id = source_id
        self.z = np.asarray(z, dtype=np.float64)
        self.transform = tuple(float(v) for v in transform)
        finite = self.z[np.isfinite(self.z)]
        self.z_min = float(finite.min()) if finite.size else 0.0
        self.z_max = float(finite.max()) if finite.size else 0.0
        self._complete = finite.size == self.z.size

    @classmethod
    def from_dem(cls, layer: RasterLayer, max_vertices: int = MAX_TERRAIN_VERTICES) -> Terrain:
        """The terrain of DEM ``layer`` (band 1), block-averaged to at most ``max_vertices`` a side."""
        z = np.asarray(layer.data[0], dtype=np.float64)
        if layer.nodata is not None:
            z = np.where(z == layer.nodata, np.nan, z)
        step = max(1, math.ceil(max(z.shape) / max_vertices))
        a, b, c, d, e, f = layer.transform
        if step > 1:
            z = block_nanmean(z, step)
        return cls(z, (a * step, b * step, c, d * step, e * step, f), source_id=layer.id)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of vertices."""
        return self.z.shape  # type: ignore[return-value]

    def vertex_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """World x and y of every vertex, each (rows, cols)."""
        rows, cols = self.shape
        a, b, c, d, e, f = self.transform
        col, row = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
        return a * col + b * row + c, d * col + e * row + f

    def fractional_cell(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of world points in vertex units (vertex (i, j) at (i, j))."""
        a, b, c, d, e, f = self.transform
        det = a * e - b * d
        x = np.asarray(x, dtype=np.float64) - c
        y = np.asarray(y, dtype=np.float64) - f
        return (-d * x + a * y) / det - 0.5, (e * x - b * y) / det - 0.5

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Elevation at world points, bilinear between vertices.

        Points outside the grid take the nearest edge value. Vertices without data are left out
        of the interpolation (the others' weights are renormalised): NaN only where all four
        surrounding vertices have no data.
        """
        rows, cols = self.shape
        r, c = self.fractional_cell(x, y)
        np.clip(r, 0.0, rows - 1.0, out=r)
        np.clip(c, 0.0, cols - 1.0, out=c)
        r0 = np.minimum(r.astype(np.int64), max(rows - 2, 0))  # r >= 0, so truncation is floor
        c0 = np.minimum(c.astype(np.int64), max(cols - 2, 0))
        fr, fc = r - r0, c - c0
        flat = self.z.ravel()
        at = r0 * cols + c0
        right = 1 if cols > 1 else 0
        down = cols if rows > 1 else 0
        corners = ((at, (1 - fr) * (1 - fc)), (at + right, (1 - fr) * fc),
                   (at + down, fr * (1 - fc)), (at + down + right, fr * fc))
        if self._complete:
            return sum(flat[i] * w for i, w in corners)
        total, weight = np.zeros(len(at)), np.zeros(len(at))
        for i, w in corners:
            value = flat[i]
            ok = np.isfinite(value)
            total += np.where(ok, value, 0.0) * w
            weight += np.where(ok, w, 0.0)
        weight_ok = weight > 1e-12
        out = np.full(len(at), np.nan)
        out[weight_ok] = total[weight_ok] / weight[weight_ok]
        return out

    def sample_or_floor(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:meth:`sample` with the terrain's lowest elevation where it has no data."""
        z = self.sample(x, y)
        return np.where(np.isfinite(z), z, self.z_min)

    def normals(self) -> np.ndarray:
        """(rows*cols, 3) unit normals of the vertices (before exaggeration), for smooth shading."""
        a, b, _, d, e, _ = self.transform
        z = np.where(np.isfinite(self.z), self.z, self.z_min)
        rows, cols = z.shape
        dz_drow = np.gradient(z, axis=0) if rows > 1 else np.zeros_like(z)
        dz_dcol = np.gradient(z, axis=1) if cols > 1 else np.zeros_like(z)
        # (dz/dx, dz/dy) = J^-T (dz/dcol, dz/drow) with J = [[a, b], [d, e]]
        det = a * e - b * d
        dz_dx = (e * dz_dcol - d * dz_drow) / det
        dz_dy = (-b * dz_dcol + a * dz_drow) / det
        normals = np.column_stack([-dz_dx.ravel(), -dz_dy.ravel(), np.ones(z.size)])
        return normals / np.linalg.norm(normals, axis=1)[:, None]

    def surface(self) -> tuple[np.ndarray, np.ndarray]:
        """Vertices (rows*cols, 3) and triangles (K, 3) of the cells whose four corners have data.

        Vertices without data get the lowest elevation; no kept triangle uses them.
        """
        rows, cols = self.shape
        triangles = self._cell_triangles(np.arange(rows * cols, dtype=np.int64).reshape(rows, cols),
                                         np.isfinite(self.z))
        return self.points(), triangles

    def points(self) -> np.ndarray:
        """(rows*cols, 3) world coordinates of the vertices (no-data ones at the lowest elevation)."""
        x, y = self.vertex_xy()
        z = np.where(np.isfinite(self.z), self.z, self.z_min)
        return np.column_stack([x.ravel(), y.ravel(), z.ravel()])

    def blocks(self, block: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """The surface cut into square tiles of ``block`` cells a side (:data:`TERRAIN_BLOCK`).

        Returns, for each tile with triangles, the ids of its vertices (rows into :meth:`points`)
        and its triangles over them (ids into that list). Neighbouring tiles share their edge
        vertices, so the tiles join without a crack.
        """
        block = block or TERRAIN_BLOCK
        rows, cols = self.shape
        ids = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
        ok = np.isfinite(self.z)
        out = []
        for r0 in range(0, max(rows - 1, 1), block):
            for c0 in range(0, max(cols - 1, 1), block):
                vertices = ids[r0:r0 + block + 1, c0:c0 + block + 1]
                local = np.arange(vertices.size, dtype=np.int64).reshape(vertices.shape)
                triangles = self._cell_triangles(local, ok[r0:r0 + block + 1, c0:c0 + block + 1])
                if len(triangles):
                    out.append((vertices.ravel(), triangles))
        return out

    def _cell_triangles(self, ids: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """Two triangles for each cell of the vertex grid ``ids`` whose four corners are ``ok``."""
        if ids.shape[0] < 2 or ids.shape[1] < 2:
            return np.empty((0, 3), dtype=np.int64)
        ul, ur = ids[:-1, :-1].ravel(), ids[:-1, 1:].ravel()
        ll, lr = ids[1:, :-1].ravel(), ids[1:, 1:].ravel()
        keep = (ok[:-1, :-1] & ok[:-1, 1:] & ok[1:, :-1] & ok[1:, 1:]).ravel()
        ul, ur, ll, lr = ul[keep], ur[keep], ll[keep], lr[keep]
        triangles = np.concatenate([np.column_stack([ll, lr, ur]), np.column_stack([ll, ur, ul])])
        a, b, _, d, e, _ = self.transform
        if a * e - b * d > 0:  # rows run north: flip so the triangles still face up (back faces are culled)
            triangles = triangles[:, ::-1]
        return triangles


def block_nanmean(z: np.ndarray, step: int) -> np.ndarray:
    """Mean of each ``step`` x ``step`` block ignoring NaN (NaN where a block has no data)."""
    rows, cols = z.shape
    out_rows, out_cols = math.ceil(rows / step), math.ceil(cols / step)
    padded = np.full((out_rows * step, out_cols * step), np.nan)
    padded[:rows, :cols] = z
    blocks = padded.reshape(out_rows, step, out_cols, step)
    finite = np.isfinite(blocks)
    total = np.where(finite, blocks, 0.0).sum(axis=(1, 3))
    count = finite.sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
