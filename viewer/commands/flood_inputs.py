"""Turn a project and a flood scenario into the flood engine's inputs.

The DEM layer becomes the grid (resampled coarser by cell averaging when asked), the measures are
burnt into it with ``rasterio.features.rasterize``, buildings are raised or blocked, and the forcing
comes from the scenario's design series or from the project's sensor store (see
:mod:`viewer.commands.flood_series`). Everything that can be wrong in the input is refused with a
:class:`~viewer.scenarios.flood_scenario.ScenarioError` that names it, or repaired and reported in
``FloodInputs.warnings``.

Rasterizing rules: polygons take the cells whose centre lies inside them (GDAL's rule; a polygon too
small for any centre takes every cell it touches); lines (walls, dikes drawn as lines, line inflows)
take every cell they touch, so a wall is 4-connected and water cannot slip past it diagonally.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from viewer.core.progress import Progress
from viewer.core.project import Project
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.scenarios.flood_scenario import (FloodScenario, FloodWall, ManningZone, PumpMeasure,
                                             RaiseMeasure, RetentionPond, ScenarioError)

ROLES = ("dem", "buildings", "roads", "facilities", "water")


@dataclass
class FloodInputs:
    """What :func:`build_inputs` made, as plain arrays and numbers (the ``meta`` it returns).

    ``z`` is the bed the engine runs on (measures and buildings applied); ``z_ground`` the ground
    with the measures but without buildings (for drawing water over terrain). ``transform`` is the
    grid's affine ``(dx, 0, x0, 0, -dx, y_top)`` in ``crs``. ``start_ns`` puts engine time 0 on the
    app's clock. ``layers`` holds the project layers used per role (for the impacts).
    """

    z: np.ndarray
    z_ground: np.ndarray
    transform: tuple[float, float, float, float, float, float]
    crs: str
    manning: np.ndarray
    blocked: np.ndarray | None
    building_cells: np.ndarray
    water_cells: np.ndarray
    start_ns: int
    duration_s: float
    output_interval_s: float
    rain: tuple[np.ndarray, np.ndarray] | None = None
    boundaries: list[tuple[Any, np.ndarray, np.ndarray, str]] = field(default_factory=list)
    open_edges: list[str] = field(default_factory=list)
    inflows: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]] = field(default_factory=list)
    breaches: list[tuple[np.ndarray, float, float, str]] = field(default_factory=list)
    pumps: list[tuple[np.ndarray, float, np.ndarray | None, str]] = field(default_factory=list)
    initial_depth: np.ndarray | None = None
    cfl: float = 0.7
    max_dt_s: float = 10.0
    warnings: list[str] = field(default_factory=list)
    layers: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def dx(self) -> float:
        """Cell size in m."""
        return float(self.transform[0])

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.z.shape  # type: ignore[return-value]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax)."""
        dx, _, x0, _, _, y_top = self.transform
        ny, nx = self.shape
        return (x0, y_top - ny * dx, x0 + nx * dx, y_top)


def find_layer(project: Project, role: str, scenario: FloodScenario | None = None):
    """The project layer playing ``role`` (see :data:`ROLES`), or None.

    ``scenario.settings.layers[role]`` (a layer id or name) wins; otherwise: the DEM is the
    project's terrain; buildings the first buildings layer; roads the first line layer;
    facilities the first point layer; water the polygon layer holding the features a boundary
    names, or one whose id, name or source table says water.
    """
    wanted = (scenario.settings.layers.get(role) if scenario is not None else None) or ""
    layers = list(project.layers)
    if wanted:
        for layer in layers:
            if wanted in (layer.id, layer.name):
                return layer
        raise ScenarioError(f"settings.layers.{role} = {wanted!r}: no layer has that id or name")
    if role == "dem":
        dems = [lyr for lyr in layers if lyr.kind == "raster" and getattr(lyr, "role", "") == "dem"]
        return project.dem() or (dems[0] if dems else None)
    if role == "buildings":
        return next((lyr for lyr in layers if lyr.kind == "buildings"), None)
    vectors = [lyr for lyr in layers if lyr.kind == "vector" and lyr.frame is not None and len(lyr.frame)]
    if role == "roads":
        return next((lyr for lyr in vectors if lyr.geometry_type == "line"), None)
    if role == "facilities":
        return next((lyr for lyr in vectors if lyr.geometry_type == "point"), None)
    polygons = [lyr for lyr in vectors if lyr.geometry_type == "polygon"]
    names = {n for b in (scenario.event.boundaries if scenario else []) for n in b.water}
    for layer in polygons:
        if names and "name" in layer.frame.columns and names & set(layer.frame["name"].astype(str)):
            return layer
    for layer in polygons:
        text = f"{layer.id} {layer.name} {layer.source.get('layer', '')}".lower()
        if any(word in text for word in ("water", "river", "sông", "rạch", "kênh")):
            return layer
    return None


def dem_grid(layer, cell_size: float | None, warnings: list[str]) -> tuple[np.ndarray, tuple]:
    """The DEM as float64 (NaN no-data) on a north-up grid of square cells of ``cell_size``
    (default: the DEM's own); coarser cells are the mean of the finer ones they cover."""
    a, b, c, d, e, f = (float(v) for v in layer.transform)
    if b != 0.0 or d != 0.0 or a <= 0 or e >= 0:
        raise ScenarioError(f"DEM {layer.name!r} is rotated or not north-up; warp it to a north-up grid first")
    z = np.asarray(layer.data[0], dtype=np.float64)
    if layer.nodata is not None and np.isfinite(layer.nodata):
        z = np.where(z == layer.nodata, np.nan, z)
    native = max(a, -e)
    target = float(cell_size) if cell_size else native
    if target < native * (1 - 1e-9):
        warnings.append(f"cell size {target:g} m is finer than the DEM's {native:g} m; using {native:g} m")
        target = native
    if abs(a + e) < 1e-9 * a and abs(target - a) < 1e-9 * a:
        return z, (a, 0.0, c, 0.0, e, f)
    from rasterio.warp import Resampling, reproject

    width, height = z.shape[1] * a, z.shape[0] * -e
    nx, ny = max(int(np.floor(width / target + 1e-9)), 1), max(int(np.floor(height / target + 1e-9)), 1)
    out = np.full((ny, nx), np.nan)
    transform = (target, 0.0, c, 0.0, -target, f)
    reproject(z, out, src_transform=_affine((a, 0.0, c, 0.0, e, f)), dst_transform=_affine(transform),
              src_crs=layer.crs or None, dst_crs=layer.crs or None, src_nodata=np.nan,
              dst_nodata=np.nan, resampling=Resampling.average)
    return out, transform


def _affine(t):
    from affine import Affine

    return Affine(*t)


def rasterize_mask(geometries, shape: tuple[int, int], transform, lines_touch: bool = True,
                   all_touched: bool = False) -> np.ndarray:
    """Cells covered by geometries (see the module text for the rule); with ``all_touched`` every
    cell a polygon touches."""
    from rasterio.features import rasterize

    geoms = [g for g in geometries if g is not None and not g.is_empty]
    if not geoms:
        return np.zeros(shape, dtype=bool)
    polys = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
    others = [g for g in geoms if g.geom_type not in ("Polygon", "MultiPolygon")]
    mask = np.zeros(shape, dtype=bool)
    if polys:
        mask |= rasterize(((g, 1) for g in polys), out_shape=shape, transform=_affine(transform),
                          fill=0, dtype="uint8", all_touched=all_touched).astype(bool)
        if not mask.any():
            mask |= rasterize(((g, 1) for g in polys), out_shape=shape, transform=_affine(transform),
                              fill=0, dtype="uint8", all_touched=True).astype(bool)
    if others:
        mask |= rasterize(((g, 1) for g in others), out_shape=shape, transform=_affine(transform),
                          fill=0, dtype="uint8", all_touched=lines_touch).astype(bool)
    return mask


def measure_geometry(wkt: str, label: str, extent: tuple[float, float, float, float],
                     warnings: list[str]):
    """Parse WKT; ScenarioError naming ``label`` when unreadable or entirely outside the DEM."""
    import shapely

    try:
        geom = shapely.from_wkt(wkt)
    except Exception as exc:  # shapely raises its own GEOSException
        raise ScenarioError(f"{label}: the geometry is not readable WKT ({exc})") from exc
    if geom is None or geom.is_empty:
        raise ScenarioError(f"{label}: the geometry is empty")
    dem = shapely.box(*extent)
    if not geom.intersects(dem):
        gx0, gy0, gx1, gy1 = geom.bounds
        raise ScenarioError(
            QT_TRANSLATE_NOOP("ScenarioError", "{label} lies outside the DEM: its bounds x "
                                               "{gx0:.1f}..{gx1:.1f}, y {gy0:.1f}..{gy1:.1f} do not meet the "
                                               "DEM's x {x0:.1f}..{x1:.1f}, y {y0:.1f}..{y1:.1f} (is it in the "
                                               "project CRS?)"),
            label=label, gx0=gx0, gx1=gx1, gy0=gy0, gy1=gy1, x0=extent[0], x1=extent[2], y0=extent[1],
            y1=extent[3])
    if not dem.contains(geom):
        warnings.append(f"{label} is partly outside the DEM; only the part inside is used")
    return geom


def _apply_measures(scenario: FloodScenario, z: np.ndarray, manning: np.ndarray, blocked: np.ndarray,
                    transform, extent, warnings: list[str], counts: dict[str, int]) -> list:
    """Burn the enabled measures into z / manning / blocked; returns the pumps."""
    order = (RetentionPond, RaiseMeasure, ManningZone, FloodWall, PumpMeasure)
    pumps = []
    measures = sorted((m for m in scenario.measures if m.enabled), key=lambda m: order.index(type(m)))
    for m in measures:
        label = m.label
        geom = measure_geometry(m.geometry, label, extent, warnings)
        cells = rasterize_mask([geom], z.shape, transform)
        counts[f"measure:{m.name or m.kind}"] = int(cells.sum())
        if isinstance(m, RetentionPond):
            z[cells] -= m.depth_m
        elif isinstance(m, RaiseMeasure):
            target = np.full(int(cells.sum()), -np.inf)
            if m.crest_m is not None:
                target = np.maximum(target, m.crest_m)
            if m.raise_by_m is not None:
                target = np.maximum(target, z[cells] + m.raise_by_m)
            z[cells] = np.maximum(z[cells], target)
        elif isinstance(m, ManningZone):
            manning[cells] = m.n
        elif isinstance(m, FloodWall):
            if m.crest_m is None:
                blocked |= cells
            else:
                z[cells] = np.maximum(z[cells], m.crest_m)
        elif isinstance(m, PumpMeasure):
            outlet = None
            if m.outlet:
                outlet_geom = measure_geometry(m.outlet, f"{label} outlet", extent, warnings)
                outlet = rasterize_mask([outlet_geom], z.shape, transform)
            pumps.append((cells, float(m.capacity_m3s), outlet, m.name or "pump"))
    return pumps


def _apply_buildings(layer, settings, z: np.ndarray, blocked: np.ndarray, transform) -> np.ndarray:
    """Raise or block building footprints (the cells whose centre they hold); returns those cells.

    Cells are found with one vectorized point-in-polygon query (the same centre rule as
    ``rasterize``, about five times faster than handing thousands of footprints to it).
    """
    from viewer.scenarios.impact_sampling import feature_cells

    cells = np.zeros(z.shape, dtype=bool)
    if layer is None or settings.buildings == "none" or layer.frame is None or not len(layer.frame):
        return cells
    frame = layer.frame
    feat, flat = feature_cells(frame.geometry.values, transform, z.shape, fallback=False)
    cells.ravel()[flat] = True
    if settings.buildings == "block":
        blocked |= cells
    elif settings.building_raise_from_height and "height" in frame.columns:
        heights = frame["height"].astype(float).fillna(settings.building_raise_m).to_numpy()
        raise_by = np.zeros(z.size)
        np.maximum.at(raise_by, flat, heights[feat])
        z += raise_by.reshape(z.shape)
    else:
        z[cells] += settings.building_raise_m
    return cells


def prepare_inputs(project: Project, scenario: FloodScenario, cell_size: float | None = None,
                   progress: Progress | None = None) -> FloodInputs:
    """The engine's inputs as plain arrays (see :class:`FloodInputs`); ScenarioError on bad input."""
    from viewer.commands import flood_series

    progress = progress or Progress()
    scenario.validate()
    settings = scenario.settings
    warnings: list[str] = []
    counts: dict[str, int] = {}
    layers = {role: find_layer(project, role, scenario) for role in ROLES}
    if layers["dem"] is None:
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "the project has no DEM layer (a raster with "
                                                               "role 'dem') to "
                                                           "flood"))
    progress.update(0.0, "flood inputs: DEM")
    z, transform = dem_grid(layers["dem"], cell_size or settings.cell_size_m, warnings)
    crs = project.crs or layers["dem"].crs
    ny, nx = z.shape
    extent = (transform[2], transform[5] - ny * transform[0], transform[2] + nx * transform[0], transform[5])
    if np.isnan(z).any():
        warnings.append(f"the DEM has {int(np.isnan(z).sum())} no-data cells; they are walls to the water")
    manning = np.full(z.shape, settings.manning_n)
    blocked = np.zeros(z.shape, dtype=bool)
    progress.update(0.2, "flood inputs: measures")
    pumps = _apply_measures(scenario, z, manning, blocked, transform, extent, warnings, counts)
    z_ground = z.copy()
    progress.update(0.4, "flood inputs: buildings")
    building_cells = _apply_buildings(layers["buildings"], settings, z, blocked, transform)
    water_layer = layers["water"]
    water_cells = (rasterize_mask(list(water_layer.frame.geometry.values), z.shape, transform)
                   if water_layer is not None else np.zeros(z.shape, dtype=bool))
    start_ns = scenario.event.start_ns
    if start_ns is None:
        start_ns = int(project.clock.time_ns) or time.time_ns()
    inputs = FloodInputs(z=z, z_ground=z_ground, transform=transform, crs=crs, manning=manning,
                         blocked=blocked if blocked.any() else None, building_cells=building_cells,
                         water_cells=water_cells, start_ns=int(start_ns),
                         duration_s=float(scenario.event.duration_s),
                         output_interval_s=float(settings.output_interval_s), pumps=pumps,
                         cfl=float(settings.cfl), max_dt_s=float(settings.max_dt_s),
                         warnings=warnings, layers=layers, counts=counts)
    progress.update(0.6, "flood inputs: forcing")
    flood_series.add_forcing(project, scenario, inputs)
    counts.update(cells=int(z.size), building_cells=int(building_cells.sum()),
                  water_cells=int(water_cells.sum()), blocked_cells=int(blocked.sum()),
                  nodata_cells=int(np.isnan(z).sum()))
    progress.update(1.0, "flood inputs: ready")
    return inputs


def engine_inputs(inputs: FloodInputs):
    """(FloodGrid, Forcing, FloodParams) of the engine from :class:`FloodInputs`."""
    from viewer.scenarios.flood import (Breach, BoundaryLevel, FloodGrid, FloodParams, Forcing, Inflow,
                                        OpenBoundary, Pump, RainField, RainSeries)

    dx, _, x0, _, _, y_top = inputs.transform
    grid = FloodGrid(z=inputs.z, dx=dx, origin=(x0, y_top), manning=inputs.manning,
                     blocked=inputs.blocked, crs=inputs.crs)
    rain = None
    if inputs.rain is not None:
        times, values = inputs.rain
        rain = RainSeries(times, values) if values.ndim == 1 else RainField(times, values)
    forcing = Forcing(
        rain=rain,
        boundaries=[BoundaryLevel(cells, times, levels, name) for cells, times, levels, name in inputs.boundaries],
        open_boundaries=[OpenBoundary(edge) for edge in inputs.open_edges],
        inflows=[Inflow(cells, times, q, name) for cells, times, q, name in inputs.inflows],
        breaches=[Breach(mask, t, new_z, name) for mask, t, new_z, name in inputs.breaches],
        pumps=[Pump(cells, capacity, outlet, name) for cells, capacity, outlet, name in inputs.pumps],
        initial_depth=inputs.initial_depth)
    params = FloodParams(duration_s=inputs.duration_s, output_interval_s=inputs.output_interval_s,
                         cfl=inputs.cfl, max_dt=inputs.max_dt_s)
    return grid, forcing, params


def build_inputs(project: Project, scenario: FloodScenario, cell_size: float | None = None,
                 progress: Progress | None = None):
    """``(FloodGrid, Forcing, FloodParams, meta)`` for ``scenario`` on ``project``.

    ``meta`` is the :class:`FloodInputs` (clock start, transform, CRS, masks, warnings, counts).
    """
    inputs = prepare_inputs(project, scenario, cell_size, progress)
    grid, forcing, params = engine_inputs(inputs)
    return grid, forcing, params, inputs
