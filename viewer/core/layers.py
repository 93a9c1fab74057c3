"""Layer models: what the project holds, independent of how it is read or drawn.

Each class is an evented dataclass (psygnal): assigning a field emits ``layer.events.<field>``.
Views subscribe to those events and keep no state of their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from psygnal import evented

from viewer.core.style import Style


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


@evented
@dataclass(eq=False)
class Layer:
    """Base of every layer.

    Parameters
    ----------
    name
        Name shown in the layer panel.
    crs
        The layer's CRS as a string PROJ understands (``"EPSG:5897"``, WKT); the project CRS once
        the layer has been added to a project.
    source
        Where it was read from: ``{"path": ..., "layer": ..., ...}`` (reader options included), so
        a project can read it again.

    Events
    ------
    name, visible, opacity, style, crs, source
        Emitted with the new value when the field changes.
    """

    name: str = ""
    visible: bool = True
    opacity: float = 1.0
    style: Style = field(default_factory=Style)
    crs: str = ""
    source: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=_new_id)

    kind = "layer"

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """Bounds (xmin, ymin, xmax, ymax) in the layer's CRS."""
        raise NotImplementedError

    @property
    def feature_count(self) -> int:
        """Number of features (rasters: number of cells)."""
        raise NotImplementedError

    def attributes(self, index: int) -> dict[str, Any]:
        """Attributes of one feature, as plain Python values, for the identify panel."""
        return {}


@evented
@dataclass(eq=False)
class VectorLayer(Layer):
    """Features with attributes, held as a GeoDataFrame (``frame``) in ``crs``.

    The core never imports geopandas: ``frame`` is only stored here; readers make it and adapters
    read it.
    """

    frame: Any = field(default=None, repr=False)

    kind = "vector"

    @property
    def extent(self) -> tuple[float, float, float, float]:
        if self.frame is None or len(self.frame) == 0:
            return (0.0, 0.0, 0.0, 0.0)
        return tuple(float(v) for v in self.frame.total_bounds)  # type: ignore[return-value]

    @property
    def feature_count(self) -> int:
        return 0 if self.frame is None else len(self.frame)

    @property
    def geometry_type(self) -> str:
        """'polygon', 'line', 'point' or 'mixed', from the geometry types present."""
        if self.frame is None or len(self.frame) == 0:
            return "mixed"
        kinds = {str(t).replace("Multi", "") for t in self.frame.geom_type.dropna().unique()}
        mapping = {"Polygon": "polygon", "LineString": "line", "Point": "point"}
        found = {mapping.get(k, "mixed") for k in kinds}
        return found.pop() if len(found) == 1 else "mixed"

    @property
    def fields(self) -> list[str]:
        """Attribute column names (without the geometry)."""
        if self.frame is None:
            return []
        return [c for c in self.frame.columns if c != self.frame.geometry.name]

    def attributes(self, index: int) -> dict[str, Any]:
        row = self.frame.iloc[int(index)]
        out: dict[str, Any] = {}
        for name in self.fields:
            value = row[name]
            if isinstance(value, np.generic):
                value = value.item()
            out[name] = value
        return out


@dataclass(eq=False)
class SurfaceMesh:
    """Triangulated 3D surfaces of buildings (CityJSON LoD2, OBJ ...).

    Attributes
    ----------
    points
        (N, 3) float64 vertex coordinates in the layer CRS, z in metres.
    triangles
        (M, 3) int64 vertex indices.
    feature
        (M,) int64 row of the owning building in the layer's frame.
    semantic
        (M,) int8 surface class, one of :data:`SEMANTIC_CODES`.
    """

    points: np.ndarray
    triangles: np.ndarray
    feature: np.ndarray
    semantic: np.ndarray


SEMANTIC_CODES = {"unknown": 0, "GroundSurface": 1, "WallSurface": 2, "RoofSurface": 3,
                  "ClosureSurface": 4, "OuterCeilingSurface": 5, "OuterFloorSurface": 6,
                  "Window": 7, "Door": 8}


@evented
@dataclass(eq=False)
class BuildingsLayer(VectorLayer):
    """Building footprints with heights, optionally with full 3D surfaces.

    ``frame`` has the footprints (polygons) and at least the columns ``height`` (metres above
    ground) and ``height_source`` (``"height"``, ``"storeys"``, ``"default"`` or ``"model"``), so
    buildings whose height was assumed stay flagged. ``mesh`` holds LoD2-like surfaces when the
    source had them; its z values are absolute (the source's vertical datum).
    """

    mesh: SurfaceMesh | None = field(default=None, repr=False)
    lod: str = ""

    kind = "buildings"


@evented
@dataclass(eq=False)
class RasterLayer(Layer):
    """A georeferenced grid: a DEM (``role="dem"``) or imagery (``role="image"``).

    ``data`` is (bands, rows, cols); ``transform`` is the affine (a, b, c, d, e, f) with
    ``x = a*col + b*row + c`` and ``y = d*col + e*row + f`` for the cell's upper-left corner.
    ``nodata`` cells are NaN in float data.
    """

    data: Any = field(default=None, repr=False)
    transform: tuple[float, float, float, float, float, float] = (1.0, 0.0, 0.0, 0.0, -1.0, 0.0)
    nodata: float | None = None
    role: str = "image"

    kind = "raster"

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return tuple(self.data.shape[-2:])  # type: ignore[return-value]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        a, b, c, d, e, f = self.transform
        rows, cols = self.shape
        xs = [c, c + a * cols, c + b * rows, c + a * cols + b * rows]
        ys = [f, f + d * cols, f + e * rows, f + d * cols + e * rows]
        return (min(xs), min(ys), max(xs), max(ys))

    @property
    def feature_count(self) -> int:
        rows, cols = self.shape
        return rows * cols

    @property
    def cell_size(self) -> tuple[float, float]:
        """(width, height) of one cell in CRS units (positive)."""
        a, b, _, d, e, _ = self.transform
        return (float(np.hypot(a, d)), float(np.hypot(b, e)))

    def cell_of(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, col) of the cell holding point (x, y), or None when outside."""
        a, b, c, d, e, f = self.transform
        det = a * e - b * d
        col = (e * (x - c) - b * (y - f)) / det
        row = (-d * (x - c) + a * (y - f)) / det
        rows, cols = self.shape
        if 0 <= row < rows and 0 <= col < cols:
            return int(row), int(col)
        return None

    def attributes(self, index: int) -> dict[str, Any]:
        rows, cols = self.shape
        row, col = divmod(int(index), cols)
        values = self.data[:, row, col]
        out: dict[str, Any] = {"row": row, "col": col}
        for band, value in enumerate(values, start=1):
            out[f"band {band}"] = float(value)
        return out

    def sample(self, x: np.ndarray, y: np.ndarray, band: int = 0) -> np.ndarray:
        """Values of ``band`` at points (nearest cell); NaN outside or on nodata."""
        a, b, c, d, e, f = self.transform
        det = a * e - b * d
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        col = np.floor((e * (x - c) - b * (y - f)) / det).astype(np.int64)
        row = np.floor((-d * (x - c) + a * (y - f)) / det).astype(np.int64)
        rows, cols = self.shape
        inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        out = np.full(x.shape, np.nan)
        values = self.data[band][row[inside], col[inside]].astype(float)
        if self.nodata is not None:
            values[values == self.nodata] = np.nan
        out[inside] = values
        return out


@evented
@dataclass(eq=False)
class SensorLayer(Layer):
    """The project's sensor stations at their locations, drawn by their status at the clock time.

    The layer holds display state only; the stations come from ``network`` (the project's
    :class:`~viewer.core.sensors.SensorNetwork`, with x/y in the project CRS) and their values,
    levels and staleness from ``status`` (the project's
    :class:`~viewer.core.sensor_status.SensorStatus`). Feature ``i`` is the i-th thing.
    """

    network: Any = field(default=None, repr=False)
    status: Any = field(default=None, repr=False)

    kind = "sensors"

    def things(self) -> list[Any]:
        """Stations with a location, in feature order."""
        if self.network is None:
            return []
        return [t for t in self.network.things.values() if t.x is not None and t.y is not None]

    def positions(self) -> np.ndarray:
        """(N, 2) x/y of the stations in the project CRS."""
        things = self.things()
        if not things:
            return np.empty((0, 2))
        return np.array([(t.x, t.y) for t in things], dtype=float)

    def station_levels(self) -> tuple[np.ndarray, np.ndarray]:
        """Per station: the worst LEVEL_* of its datastreams and whether all of them are stale."""
        things = self.things()
        levels = np.zeros(len(things), dtype=np.int8)
        stale = np.zeros(len(things), dtype=bool)
        if self.status is None or not self.status.ids:
            return levels, stale
        index = {key: i for i, key in enumerate(self.status.ids)}
        for n, thing in enumerate(things):
            rows = [index[d.id] for d in self.network.of_thing(thing.id) if d.id in index]
            if rows:
                levels[n] = int(self.status.levels[rows].max())
                stale[n] = bool(self.status.stale[rows].all())
        return levels, stale

    @property
    def extent(self) -> tuple[float, float, float, float]:
        xy = self.positions()
        if len(xy) == 0:
            return (0.0, 0.0, 0.0, 0.0)
        return (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))

    @property
    def feature_count(self) -> int:
        return len(self.things())

    def attributes(self, index: int) -> dict[str, Any]:
        thing = self.things()[int(index)]
        out: dict[str, Any] = {"name": thing.name, "id": thing.id}
        if thing.lon is not None and thing.lat is not None:
            out["lon, lat"] = f"{thing.lon:.6f}, {thing.lat:.6f}"
        index_of = {key: i for i, key in enumerate(self.status.ids)} if self.status is not None else {}
        for stream in self.network.of_thing(thing.id):
            i = index_of.get(stream.id)
            value = None if i is None else float(self.status.values[i])
            out[stream.name] = None if value is None or np.isnan(value) else f"{value:g} {stream.unit}"
        return out
