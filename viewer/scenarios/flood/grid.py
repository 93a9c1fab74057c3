"""The DEM grid a flood runs on: bed elevation, cell size, Manning n, blocked cells, georeference."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.scenarios.flood.forcing import EDGES


@dataclass
class FloodGrid:
    """A north-up grid of square cells, row 0 at the top (like a GeoTIFF).

    Parameters
    ----------
    z
        Bed elevation (ny, nx) in m. NaN marks no-data: those cells are walls (no water enters them,
        no rain falls on them) and their depth stays 0; a DEM that is all NaN is an error.
    dx
        Cell size in m (square cells).
    origin
        (x, y) of the upper-left corner of the grid in the project CRS.
    manning
        Manning n (s/m^(1/3)), one value or one per cell (ny, nx); n >= 0. The n of a face is the mean
        of its two cells.
    blocked
        Cells that water cannot enter (buildings cut out, flood walls), or None.
    face_open
        The open fraction (0..1) of each cell face's length, or None (all open): a pair
        ``(x_faces (ny, nx + 1), y_faces (ny + 1, nx))`` in the solver's face layout (x face ``[i, j]``
        between cells (i, j-1) and (i, j); y face ``[i, j]`` between (i-1, j) and (i, j)). A face that is
        partly closed (a gap between two buildings narrower than the cells, see :meth:`open_fraction`)
        passes water over its open width only: its discharge per metre of face is scaled by the fraction
        and its friction acts on the open part. 0 closes the face.
    crs
        The CRS of ``origin`` (for the command layer; the engine does not use it).
    """

    z: np.ndarray
    dx: float
    origin: tuple[float, float] = (0.0, 0.0)
    manning: float | np.ndarray = 0.04
    blocked: np.ndarray | None = None
    face_open: tuple[np.ndarray, np.ndarray] | None = None
    crs: str = ""

    def __post_init__(self) -> None:
        self.z = np.array(self.z, dtype=np.float64)
        if self.z.ndim != 2 or min(self.z.shape) < 1:
            raise ValueError(f"FloodGrid.z must be a 2-D array (rows, cols); got shape {self.z.shape}")
        if np.any(np.isinf(self.z)):
            raise ValueError("FloodGrid.z holds infinite values; use NaN for no-data")
        if not np.isfinite(self.z).any():
            raise ValueError("FloodGrid.z holds no data (every cell is NaN)")
        self.dx = float(self.dx)
        if not np.isfinite(self.dx) or self.dx <= 0:
            raise ValueError(f"FloodGrid.dx must be a positive cell size in m; got {self.dx}")
        self.origin = (float(self.origin[0]), float(self.origin[1]))
        manning = np.asarray(self.manning, dtype=np.float64)
        if manning.ndim not in (0, 2) or (manning.ndim == 2 and manning.shape != self.z.shape):
            raise ValueError(f"FloodGrid.manning must be one value or an array of shape {self.z.shape}")
        if not np.all(np.isfinite(manning)) or np.any(manning < 0):
            raise ValueError("FloodGrid.manning must be finite and >= 0 everywhere")
        self.manning = float(manning) if manning.ndim == 0 else manning
        if self.blocked is not None:
            self.blocked = np.asarray(self.blocked, dtype=bool)
            if self.blocked.shape != self.z.shape:
                raise ValueError(f"FloodGrid.blocked has shape {self.blocked.shape}, expected {self.z.shape}")
        if self.face_open is not None:
            ny, nx = self.z.shape
            wx, wy = (np.array(w, dtype=np.float64) for w in self.face_open)
            if wx.shape != (ny, nx + 1) or wy.shape != (ny + 1, nx):
                raise ValueError(f"FloodGrid.face_open must be (x faces {(ny, nx + 1)}, y faces {(ny + 1, nx)}); "
                                 f"got {wx.shape} and {wy.shape}")
            if not (np.all(np.isfinite(wx)) and np.all(np.isfinite(wy))) or min(wx.min(), wy.min()) < 0 \
                    or max(wx.max(), wy.max()) > 1:
                raise ValueError("FloodGrid.face_open fractions must lie in [0, 1]")
            self.face_open = (wx, wy)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.z.shape

    @property
    def walls(self) -> np.ndarray:
        """Cells closed to water: blocked or no-data."""
        walls = ~np.isfinite(self.z)
        return walls | self.blocked if self.blocked is not None else walls

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the grid's outer edges."""
        x0, y_top = self.origin
        ny, nx = self.shape
        return x0, y_top - ny * self.dx, x0 + nx * self.dx, y_top

    @property
    def cell_area(self) -> float:
        """Area of one cell in m2."""
        return self.dx * self.dx

    def manning_array(self) -> np.ndarray:
        """Manning n per cell (ny, nx)."""
        if isinstance(self.manning, np.ndarray):
            return self.manning
        return np.full(self.shape, self.manning)

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x of each column's centres (nx,) and y of each row's centres (ny,)."""
        x0, y_top = self.origin
        ny, nx = self.shape
        return x0 + (np.arange(nx) + 0.5) * self.dx, y_top - (np.arange(ny) + 0.5) * self.dx

    def cell_at(self, x: float, y: float, name: str = "point") -> tuple[int, int]:
        """(row, col) of the cell holding (x, y); ValueError naming ``name`` when outside the DEM."""
        xmin, ymin, xmax, ymax = self.extent
        if not (xmin <= x < xmax and ymin < y <= ymax):
            raise ValueError(f"{name} at ({x:.2f}, {y:.2f}) is outside the DEM "
                             f"(x {xmin:.2f}..{xmax:.2f}, y {ymin:.2f}..{ymax:.2f})")
        return int((self.origin[1] - y) // self.dx), int((x - self.origin[0]) // self.dx)

    def circle_mask(self, x: float, y: float, radius: float, name: str = "circle") -> np.ndarray:
        """Cells whose centre lies within ``radius`` of (x, y); ValueError if none is in the DEM."""
        xs, ys = self.cell_centres()
        mask = (xs[None, :] - x) ** 2 + (ys[:, None] - y) ** 2 <= radius * radius
        if not mask.any():
            raise ValueError(f"{name}: the circle of radius {radius:g} m at ({x:.2f}, {y:.2f}) covers no "
                             "cell of the DEM")
        return mask

    def polygon_mask(self, coords, name: str = "polygon") -> np.ndarray:
        """Cells whose centre lies inside the polygon ``coords`` ((x, y) pairs, or a shapely geometry);
        ValueError naming ``name`` when it covers no cell of the DEM."""
        import shapely

        geometry = coords if hasattr(coords, "geom_type") else shapely.Polygon(np.asarray(coords, float))
        xs, ys = self.cell_centres()
        gx, gy = np.meshgrid(xs, ys)
        mask = shapely.contains_xy(geometry, gx, gy)
        if not mask.any():
            raise ValueError(f"{name}: the polygon covers no cell of the DEM (extent {self.extent})")
        return mask

    def open_fraction(self, polygons, samples: int = 16) -> tuple[np.ndarray, np.ndarray]:
        """Per cell and per face, the fraction left open by ``polygons`` (buildings as (x, y) rings or
        shapely geometries): ``(cells (ny, nx), x_faces (ny, nx + 1), y_faces (ny + 1, nx))``, each the
        share of ``samples`` x ``samples`` points of a cell (``samples`` points along a face) that lie
        outside every polygon. The faces are in the layout of :attr:`face_open`."""
        import shapely

        shapes = [p if hasattr(p, "geom_type") else shapely.Polygon(np.asarray(p, float)) for p in polygons]
        union = shapely.union_all(shapes)
        ny, nx = self.shape
        x0, y_top = self.origin
        t = (np.arange(samples) + 0.5) / samples

        def outside(x, y):
            x, y = np.broadcast_arrays(x, y)
            return 1.0 - shapely.contains_xy(union, x.ravel(), y.ravel()).reshape(x.shape).mean(axis=-1)

        cols, rows = np.arange(nx), np.arange(ny)
        # A cell no outline crosses is wholly inside or outside (its centre says which); only the cells
        # an outline crosses or touches, and their faces, are sampled.
        jj, ii = np.meshgrid(cols, rows)
        centre = 1.0 - shapely.contains_xy(union, x0 + (jj + 0.5) * self.dx, y_top - (ii + 0.5) * self.dx)
        boxes = shapely.box(x0 + jj.ravel() * self.dx, y_top - (ii.ravel() + 1) * self.dx,
                            x0 + (jj.ravel() + 1) * self.dx, y_top - ii.ravel() * self.dx)
        crossed = np.zeros(ny * nx, dtype=bool)
        crossed[shapely.STRtree(boxes).query(union.boundary, predicate="intersects")] = True
        crossed = crossed.reshape(ny, nx)

        cells = centre.copy()
        i, j = np.nonzero(crossed)
        cells[i, j] = outside(x0 + (j[:, None, None] + t[None, None, :]) * self.dx,
                              y_top - (i[:, None, None] + t[None, :, None]) * self.dx).mean(axis=-1)
        x_faces = np.concatenate([centre, centre[:, -1:]], axis=1)  # a face away from outlines: as its cells
        near = np.zeros(x_faces.shape, dtype=bool)
        near[:, :-1] |= crossed
        near[:, 1:] |= crossed
        i, j = np.nonzero(near)
        x_faces[i, j] = outside(x0 + j[:, None] * self.dx, y_top - (i[:, None] + t[None, :]) * self.dx)
        y_faces = np.concatenate([centre, centre[-1:, :]], axis=0)
        near = np.zeros(y_faces.shape, dtype=bool)
        near[:-1, :] |= crossed
        near[1:, :] |= crossed
        i, j = np.nonzero(near)
        y_faces[i, j] = outside(x0 + (j[:, None] + t[None, :]) * self.dx, y_top - i[:, None] * self.dx)
        return cells, x_faces, y_faces

    def edge_mask(self, edge: str) -> np.ndarray:
        """The cells along one edge of the grid: "north", "south", "west" or "east"."""
        if edge not in EDGES:
            raise ValueError(f"unknown edge {edge!r}; use one of {', '.join(EDGES)}")
        mask = np.zeros(self.shape, dtype=bool)
        index = {"north": (0, slice(None)), "south": (-1, slice(None)),
                 "west": (slice(None), 0), "east": (slice(None), -1)}[edge]
        mask[index] = True
        return mask

    def cells_mask(self, cells, name: str) -> np.ndarray:
        """A boolean mask from a mask, one (row, col) or a list of them; ValueError naming ``name``
        when a cell is outside the DEM or the mask is empty or of the wrong shape."""
        ny, nx = self.shape
        array = np.asarray(cells)
        if array.dtype == bool:
            if array.shape != self.shape:
                raise ValueError(f"{name}: mask has shape {array.shape}, the DEM is {self.shape}")
            mask = array.copy()
        else:
            pairs = np.atleast_2d(array.astype(np.int64))
            if pairs.ndim != 2 or pairs.shape[1] != 2:
                raise ValueError(f"{name}: cells must be a mask, a (row, col) or a list of (row, col)")
            outside = (pairs[:, 0] < 0) | (pairs[:, 0] >= ny) | (pairs[:, 1] < 0) | (pairs[:, 1] >= nx)
            if outside.any():
                row, col = pairs[outside][0]
                raise ValueError(f"{name}: cell (row {row}, col {col}) is outside the DEM ({ny} x {nx} cells)")
            mask = np.zeros(self.shape, dtype=bool)
            mask[pairs[:, 0], pairs[:, 1]] = True
        if not mask.any():
            raise ValueError(f"{name}: covers no cell of the DEM")
        return mask
