"""A run's inputs checked and turned into the arrays the kernels step on.

:class:`PreparedRun` holds the state (depth, fluxes, running maximum) and the forcing compiled per
step: the rain at a time, the inflow volumes, the edge levels, the clamped cells, the pumps and the
breaches. Everything a user can get wrong is refused here with a message that names the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.scenarios.flood.forcing import (EDGES, BoundaryLevel, Forcing, check_rain, clean_times,
                                            fill_gaps, interp_series)
from viewer.scenarios.flood.grid import FloodGrid
from viewer.scenarios.flood.params import FloodParams


@dataclass
class _Series:
    times: np.ndarray
    values: np.ndarray

    def at(self, t: float) -> float:
        return interp_series(self.times, self.values, t)


@dataclass
class _CellSource:
    """Cells (flat indices) fed by a hydrograph or clamped to a level."""

    index: np.ndarray
    series: _Series


@dataclass
class _PumpCells:
    index: np.ndarray
    outlet: np.ndarray | None
    capacity: float


class PreparedRun:
    """Checked inputs and live state of one run (see :func:`viewer.scenarios.flood.simulate`)."""

    def __init__(self, grid: FloodGrid, forcing: Forcing, params: FloodParams) -> None:
        self.grid = grid
        self.params = params
        ny, nx = grid.shape
        self.wall = grid.walls.astype(np.uint8)
        if self.wall.all():
            raise ValueError("FloodGrid: every cell is blocked or no-data; there is nowhere for water")
        self.z = np.where(np.isfinite(grid.z), grid.z, 0.0)
        self.area = grid.cell_area
        self._set_friction(grid.manning_array())
        self.force = np.zeros(ny, dtype=np.uint8)
        self._set_rain(forcing)
        self._set_edges(forcing)
        self.inflows = [_CellSource(np.flatnonzero(grid.cells_mask(f.cells, f"inflow '{f.name}'")),
                                    self._series(f.times_s, f.q_m3s, f"inflow '{f.name}'", nonneg=True))
                        for f in forcing.inflows if not isinstance(f.cells, str)]
        for source in self.inflows + self.clamps:
            self.force[np.unique(source.index // nx)] = 1
        self.pumps = [self._pump(p) for p in forcing.pumps]
        self.breaches = sorted(((float(b.time_s), grid.cells_mask(b.mask, f"breach '{b.name}'"),
                                 float(b.new_z), b.name) for b in forcing.breaches), key=lambda b: b[0])
        for time_s, _, new_z, name in self.breaches:
            if not (np.isfinite(time_s) and np.isfinite(new_z)):
                raise ValueError(f"breach '{name}': time_s and new_z must be finite numbers")
        self.h = self._initial_depth(forcing)
        self.qx = np.zeros((ny, nx + 1))
        self.qy = np.zeros((ny + 1, nx))
        self.qx_new = np.zeros_like(self.qx)
        self.qy_new = np.zeros_like(self.qy)
        self.factor = np.ones((ny, nx))
        self.rowmax = self.h.max(axis=1)
        self.rowrain = np.zeros(ny)
        self.hmax = self.h.copy()
        wet = self.h > params.h_min
        any_wet = wet.any(axis=1)
        self.lo = np.where(any_wet, wet.argmax(axis=1), nx).astype(np.int64)
        self.hi = np.where(any_wet, nx - 1 - wet[:, ::-1].argmax(axis=1), -1).astype(np.int64)
        # this step's column span per row, and the last step's (empty: first > last)
        self.rlo = np.zeros(ny, dtype=np.int64)
        self.rhi = np.full(ny, -1, dtype=np.int64)
        self.plo = np.zeros(ny, dtype=np.int64)
        self.phi = np.full(ny, -1, dtype=np.int64)

    # -- set-up -------------------------------------------------------------------------------------

    def _set_friction(self, manning: np.ndarray) -> None:
        n = manning.astype(np.float64)
        self.n2 = n * n
        ny, nx = n.shape
        self.n2x = np.zeros((ny, nx + 1))
        self.n2x[:, 1:-1] = (0.5 * (n[:, :-1] + n[:, 1:])) ** 2
        self.n2y = np.zeros((ny + 1, nx))
        self.n2y[1:-1, :] = (0.5 * (n[:-1, :] + n[1:, :])) ** 2
        # open fraction of each face; a partly open face's friction acts on its open width: with q the
        # discharge per metre of face, the open part carries q / w, so the term g n2 |q| q / h^(7/3) of the
        # open part, times w, is g (n2 / w) |q| q / h^(7/3)
        if self.grid.face_open is None:
            self.wx, self.wy = np.ones((ny, nx + 1)), np.ones((ny + 1, nx))
        else:
            self.wx, self.wy = (w.copy() for w in self.grid.face_open)
            self.n2x /= np.where(self.wx > 0.0, self.wx, 1.0)
            self.n2y /= np.where(self.wy > 0.0, self.wy, 1.0)

    def _series(self, times, values, label: str, nonneg: bool = False) -> _Series:
        times = clean_times(times, label)
        values = fill_gaps(times, values, label)
        if nonneg and (values < 0).any():
            raise ValueError(f"{label}: values must be >= 0 (got {values.min():g}); use a Pump to take "
                             "water out")
        return _Series(times, values)

    def _set_rain(self, forcing: Forcing) -> None:
        self.rain_times = np.zeros(1)
        self.rain_rates = np.zeros((1, 1, 1))
        if forcing.rain is not None:
            self.rain_times, self.rain_rates = check_rain(forcing.rain, self.grid.shape,
                                                          self.params.max_rain_mm_h)
        self.open_cells = int((self.wall == 0).sum())
        self.raining_always = bool(self.rain_rates[0].any())

    def _set_edges(self, forcing: Forcing) -> None:
        self.edge_kinds = np.zeros(4, dtype=np.int64)
        self.edge_levels = np.zeros(4)
        self.edge_series: dict[int, _Series] = {}
        self.clamps: list[_CellSource] = []
        owner: dict[int, str] = {}

        def claim(edge: str, label: str) -> int:
            if edge not in EDGES:
                raise ValueError(f"{label}: unknown edge {edge!r}; use one of {', '.join(EDGES)}")
            k = EDGES.index(edge)
            if k in owner:
                raise ValueError(f"{label}: the {edge} edge already has {owner[k]}")
            owner[k] = label
            return k

        for b in forcing.boundaries:
            label = f"boundary '{b.name}'"
            series = self._series(b.times_s, b.levels_m, label)
            if isinstance(b.cells, str):
                k = claim(b.cells, label)
                self.edge_kinds[k] = 1
                self.edge_series[k] = series
            else:
                self.clamps.append(_CellSource(np.flatnonzero(self._open_mask(b, label)), series))
        for o in forcing.open_boundaries:
            self.edge_kinds[claim(o.edge, f"open boundary '{o.name}'")] = 2
        self.edge_widths = np.ones(4)
        for f in forcing.inflows:
            if isinstance(f.cells, str):  # a hydrograph through an edge: spread over its open faces
                label = f"inflow '{f.name}'"
                k = claim(f.cells, label)
                self.edge_kinds[k] = 3
                self.edge_series[k] = self._series(f.times_s, f.q_m3s, label, nonneg=True)
                open_faces = int((self.grid.edge_mask(f.cells) & (self.wall == 0)).sum())
                if open_faces == 0:
                    raise ValueError(f"{label}: every cell along the {f.cells} edge is blocked or no-data")
                self.edge_widths[k] = open_faces * self.grid.dx
        # water can enter a dry row through a level or inflow edge: keep those rows stepping
        inward = np.isin(self.edge_kinds, (1, 3))
        if inward[0]:
            self.force[0] = 1
        if inward[1]:
            self.force[-1] = 1
        if inward[2] or inward[3]:
            self.force[:] = 1

    def _open_mask(self, boundary: BoundaryLevel, label: str) -> np.ndarray:
        mask = self.grid.cells_mask(boundary.cells, label) & (self.wall == 0)
        if not mask.any():
            raise ValueError(f"{label}: every cell of it is blocked or no-data")
        return mask

    def _pump(self, pump) -> _PumpCells:
        label = f"pump '{pump.name}'"
        capacity = float(pump.capacity_m3s)
        if not np.isfinite(capacity) or capacity < 0:
            raise ValueError(f"{label}: capacity_m3s must be >= 0; got {capacity}")
        index = np.flatnonzero(self.grid.cells_mask(pump.cells, label))
        outlet = None
        if pump.outlet is not None:
            outlet = np.flatnonzero(self.grid.cells_mask(pump.outlet, f"{label} outlet") & (self.wall == 0))
            if outlet.size == 0:
                raise ValueError(f"{label} outlet: every cell of it is blocked or no-data")
        return _PumpCells(index, outlet, capacity)

    def _initial_depth(self, forcing: Forcing) -> np.ndarray:
        h = np.zeros(self.grid.shape)
        if forcing.initial_level is not None:
            level = np.broadcast_to(np.asarray(forcing.initial_level, dtype=np.float64), h.shape)
            if not np.all(np.isfinite(level)):
                raise ValueError("Forcing.initial_level must be finite")
            h = np.maximum(level - self.z, 0.0)
        if forcing.initial_depth is not None:
            depth = np.asarray(forcing.initial_depth, dtype=np.float64)
            if depth.shape != h.shape or not np.all(np.isfinite(depth)) or (depth < 0).any():
                raise ValueError(f"Forcing.initial_depth must be finite, >= 0 and of shape {h.shape}")
            h = h + depth
        h[self.wall.astype(bool)] = 0.0
        return h

    # -- per step ----------------------------------------------------------------------------------

    def rain_at(self, t: float) -> tuple[np.ndarray, np.ndarray, float, bool]:
        """(field a, field b, weight of b, raining) at ``t``, for the kernels."""
        times, rates = self.rain_times, self.rain_rates
        if times.size == 1:
            return rates[0], rates[0], 0.0, self.raining_always
        k = int(np.searchsorted(times, t, side="right")) - 1
        if k < 0:
            return rates[0], rates[0], 0.0, bool(rates[0].any())
        if k >= times.size - 1:
            return rates[-1], rates[-1], 0.0, bool(rates[-1].any())
        w = (t - times[k]) / (times[k + 1] - times[k])
        return rates[k], rates[k + 1], float(w), bool(rates[k].any() or rates[k + 1].any())

    def update_edge_levels(self, t: float) -> None:
        """Levels (m) of level edges and unit discharges (m2/s) of inflow edges at ``t``."""
        for k, series in self.edge_series.items():
            self.edge_levels[k] = series.at(t) / (self.edge_widths[k] if self.edge_kinds[k] == 3 else 1.0)

    def add_inflows(self, t: float, dt: float) -> float:
        """Spread this step's hydrograph volumes over their cells; returns the volume in m3."""
        total = 0.0
        flat = self.h.reshape(-1)
        for source in self.inflows:
            volume = source.series.at(t) * dt
            flat[source.index] += volume / (source.index.size * self.area)
            total += volume
        return total

    def apply_clamps(self, t: float) -> tuple[float, float]:
        """Hold the clamped cells at their level; returns the (in, out) volumes in m3 it took."""
        gained = lost = 0.0
        flat = self.h.reshape(-1)
        nx = self.grid.shape[1]
        for clamp in self.clamps:
            target = np.maximum(clamp.series.at(t) - self.z.reshape(-1)[clamp.index], 0.0)
            delta = target - flat[clamp.index]
            gained += float(delta[delta > 0].sum()) * self.area
            lost -= float(delta[delta < 0].sum()) * self.area
            flat[clamp.index] = target
            hmax = self.hmax.reshape(-1)
            hmax[clamp.index] = np.maximum(hmax[clamp.index], target)
            np.maximum.at(self.rowmax, clamp.index // nx, target)
            self.widen(clamp.index // nx)
        return gained, lost

    def run_pumps(self, dt: float) -> float:
        """Pump this step's water; returns the volume in m3 that left the model."""
        removed_total = 0.0
        flat = self.h.reshape(-1)
        for pump in self.pumps:
            volume = float(flat[pump.index].sum()) * self.area
            take = min(pump.capacity * dt, volume)
            if take <= 0.0:
                continue
            flat[pump.index] *= 1.0 - take / volume
            if pump.outlet is None:
                removed_total += take
            else:
                flat[pump.outlet] += take / (pump.outlet.size * self.area)
                np.maximum.at(self.rowmax, pump.outlet // self.grid.shape[1], flat[pump.outlet])
                self.widen(pump.outlet // self.grid.shape[1])
        return removed_total

    def widen(self, rows: np.ndarray) -> None:
        """Water was put in these rows outside the kernels: step them whole next time."""
        self.lo[rows] = 0
        self.hi[rows] = self.grid.shape[1] - 1

    def next_breach_time(self, t: float) -> float:
        times = [b[0] for b in self.breaches if b[0] > t + 1e-12]
        return min(times) if times else np.inf

    def apply_breaches(self, t: float) -> None:
        """Open the breaches due by ``t`` (once each): new bed, walls removed, depth kept."""
        due = [b for b in self.breaches if b[0] <= t + 1e-9]
        self.breaches = [b for b in self.breaches if b[0] > t + 1e-9]
        for _, mask, new_z, _ in due:
            self.z[mask] = new_z
            self.wall[mask] = 0
            self.open_cells = int((self.wall == 0).sum())
