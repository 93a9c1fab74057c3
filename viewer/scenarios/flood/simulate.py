"""``simulate``: the flood engine as a generator of frames."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from viewer.core.progress import Progress
from viewer.scenarios.flood.forcing import Forcing
from viewer.scenarios.flood.grid import FloodGrid
from viewer.scenarios.flood.params import FloodFrame, FloodParams

G = 9.81


def simulate(grid: FloodGrid, forcing: Forcing, params: FloodParams,
             progress: Progress | None = None) -> Iterator[FloodFrame]:
    """Run a 2D local-inertial flood and yield a frame at t=0 and at every output time.

    The scheme is that of Bates et al. (2010) with the q-centred weighting of de Almeida et al. (2012)
    (``params.theta``) and an implicit Manning friction term; fluxes live on cell faces, depths at
    cell centres. A face whose flow depth ``max(eta) - max(z)`` is at most ``h_min`` carries nothing;
    a cell's outflow in a step is scaled down to the water it holds, so depth never goes negative and
    the volume balance closes to round-off. The step is ``cfl * dx / sqrt(g * h_max)`` (with
    ``params.advection``: ``cfl * dx / max(|u| + sqrt(g h))``), at most ``max_dt``, and shortened so
    frames and breaches land exactly on their times.

    Parameters
    ----------
    grid, forcing, params
        The DEM, what drives the flood, the numerical settings. Bad input raises ValueError before
        the first frame (see :mod:`viewer.scenarios.flood.forcing`).
    progress
        Told the fraction of simulated time at every frame; raises ``Cancelled`` when cancelled.
        The caller may also simply stop iterating at any frame.

    Yields
    ------
    FloodFrame
        Depth and speed (float32), step count, last step, volumes (cumulative) and the running
        maximum depth.
    """
    from viewer.scenarios.flood.prepared import PreparedRun
    from viewer.scenarios.flood.threads import ThreadChooser

    run = PreparedRun(grid, forcing, params)
    stepper = _Stepper(run, params)
    threads = ThreadChooser()
    if progress is not None:
        progress.update(0.0, "flood: t = 0 s")
    run.apply_breaches(0.0)
    yield stepper.frame()
    for t_out in params.output_times():
        threads.apply()
        try:
            while stepper.t < t_out - 1e-9 * max(1.0, t_out):
                stepper.step(t_out)
                threads.step_done()
        finally:
            threads.restore()
        stepper.t = float(t_out)
        if progress is not None:
            progress.update(stepper.t / params.duration_s,
                            f"flood: t = {stepper.t:,.0f} s, {stepper.steps:,} steps")
        yield stepper.frame()


class _Stepper:
    """One run's clock, step counter and volume totals, and the step itself."""

    def __init__(self, run, params: FloodParams) -> None:
        from viewer.scenarios.flood import advection, solver

        self.solver, self.advection = solver, advection
        self.run, self.params = run, params
        self.t, self.steps, self.dt = 0.0, 0, 0.0
        self.initial = float(run.h.sum()) * run.area
        self.rain = self.inflow = self.outflow = 0.0
        self.has_edges = bool(run.edge_kinds.any())
        # advection only: fastest wave per row, face velocities, and the depth below which it is left out
        self.rowspeed = np.zeros(run.h.shape[0])
        self.ux, self.vy = np.zeros_like(run.qx), np.zeros_like(run.qy)
        self.h_adv = 10.0 * params.h_min

    def frame(self) -> FloodFrame:
        run = self.run
        speed = self.solver.cell_speed(run.h, run.z, run.qx, run.qy, run.wx, run.wy, self.params.h_min)
        return FloodFrame(time_s=self.t, depth=run.h.astype(np.float32), speed=speed,
                          step_count=self.steps, dt_last=self.dt, volume_m3=float(run.h.sum()) * run.area,
                          inflow_m3=self.inflow, outflow_m3=self.outflow, rain_m3=self.rain,
                          initial_m3=self.initial, max_depth=run.hmax.astype(np.float32))

    def _time_step(self, t_out: float) -> float:
        params, run = self.params, self.run
        wave = math.sqrt(G * float(run.rowmax.max()))
        if params.advection and self.steps > 0:  # the faces' own |u| + sqrt(g h), once there is flow
            wave = float(self.rowspeed.max())
        dt = params.max_dt if wave <= 1e-12 else min(params.max_dt, params.cfl * run.grid.dx / wave)
        remaining = min(t_out, run.next_breach_time(self.t)) - self.t
        if remaining <= dt:
            return remaining
        if remaining < 2.0 * dt:
            return 0.5 * remaining  # two even steps rather than a full one and a sliver
        return dt

    def step(self, t_out: float) -> None:
        """Advance by one stable step, not past ``t_out`` or the next breach."""
        run, params, solver = self.run, self.params, self.solver
        dx, h_min, theta = run.grid.dx, params.h_min, params.theta
        dt = self.dt = self._time_step(t_out)
        t_mid = self.t + 0.5 * dt
        rain_a, rain_b, w, raining = run.rain_at(t_mid)
        run.update_edge_levels(t_mid)
        if params.advection:
            self.advection.face_velocities(run.h, run.z, run.qx, run.qy, run.wx, run.wy, self.ux, self.vy,
                                           run.lo, run.hi, run.force, run.plo, run.phi, self.h_adv)
            self.advection.momentum_advective(run.h, run.z, run.wall, run.qx, run.qy, self.ux, self.vy,
                                              run.qx_new, run.qy_new, run.n2x, run.n2y, run.wx, run.wy,
                                              run.lo, run.hi, run.force, run.rlo, run.rhi, run.plo, run.phi,
                                              self.rowspeed, dt, dx, theta, h_min, self.h_adv)
        else:
            solver.momentum(run.h, run.z, run.wall, run.qx, run.qy, run.qx_new, run.qy_new, run.n2x,
                            run.n2y, run.wx, run.wy, run.lo, run.hi, run.force, run.rlo, run.rhi, run.plo,
                            run.phi, dt, dx, theta, h_min)
        if self.has_edges:
            solver.edge_fluxes(run.h, run.z, run.wall, run.qx, run.qy, run.qx_new, run.qy_new, run.n2,
                               run.edge_kinds, run.edge_levels, dt, dx, h_min)
        else:  # walls all round: the momentum kernels leave the edge faces to the caller
            run.qx_new[:, 0] = run.qx_new[:, -1] = 0.0
            run.qy_new[0, :] = run.qy_new[-1, :] = 0.0
        self.inflow += run.add_inflows(t_mid, dt)
        solver.outflow_factors(run.h, run.wall, run.qx_new, run.qy_new, rain_a, rain_b, w, run.rlo, run.rhi,
                               run.factor, dt, dx)
        solver.continuity(run.h, run.qx_new, run.qy_new, run.factor, run.qx, run.qy, run.wall, rain_a,
                          rain_b, w, raining, run.rlo, run.rhi, run.plo, run.phi, run.lo, run.hi, run.rowmax,
                          run.rowrain, run.hmax, dt, dx, h_min)
        if raining:
            self.rain += float(run.rowrain.sum()) * run.area
        if self.has_edges:
            edge_in, edge_out = solver.edge_volumes(run.qx, run.qy, dt, dx)
            self.inflow += edge_in
            self.outflow += edge_out
        self.t += dt
        self.steps += 1
        if run.clamps:
            gained, lost = run.apply_clamps(self.t)
            self.inflow += gained
            self.outflow += lost
        if run.pumps:
            self.outflow += run.run_pumps(dt)
        if run.breaches:
            run.apply_breaches(self.t)
