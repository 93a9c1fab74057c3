"""Lake at rest over an uneven bed with islands: nothing may move.

A still lake over a bed of waves, with a plateau and peaks standing out of the water (so faces between
wet and dry cells are tested too), stepped 1000 times. Any speed is spurious; the volume must not
change. Both momentum kernels (local-inertial and with advection) are checked.
"""

from __future__ import annotations

import time

import numpy as np

from viewer.scenarios.flood import FloodGrid, FloodParams, Forcing, accumulate, simulate
from viewer.scenarios.flood.validation import CaseOutcome, below, info

CASE = "lake_at_rest"
LEVEL_M = 1.0
STEPS = 1000


def lake_bed(rows: int = 60, cols: int = 80) -> np.ndarray:
    """Bed elevation (m): waves from 0.1 to 1.5 m, a plateau at 2 m and a few peaks above the lake."""
    yy, xx = np.mgrid[0:rows, 0:cols].astype(float)
    z = 0.8 + 0.5 * np.sin(xx / 6.0) * np.cos(yy / 4.0) + 0.2 * np.sin((xx + yy) / 3.0)
    z[20:26, 30:37] = 2.0
    z[45, 10] = z[10, 60] = 1.2
    return z


def lake_at_rest(steps: int = STEPS, max_dt: float = 0.05) -> CaseOutcome:
    """Run the lake ``steps`` steps with each kernel; rows: max speed (< 1e-8 m/s), mass error."""
    started = time.perf_counter()
    z = lake_bed()
    grid = FloodGrid(z, dx=1.0, manning=0.03)
    rows = []
    figure = {}
    for advection in (False, True):
        label = "advection" if advection else "local inertial"
        params = FloodParams(duration_s=steps * max_dt, output_interval_s=steps * max_dt, max_dt=max_dt,
                             advection=advection, theta=1.0 if advection else 0.7)
        steps_taken = []
        frames = (steps_taken.append(f.step_count) or f for f in simulate(grid, Forcing(initial_level=LEVEL_M), params))
        result = accumulate(frames)
        frames_speed = float(result.max_speed.max())
        rows.append(below(CASE, f"max speed after {steps} steps, {label} (m/s)", frames_speed, 1e-8))
        rows.append(below(CASE, f"relative mass error, {label}", abs(result.mass_error), 1e-6))
        rows.append(info(CASE, f"steps, {label}", float(steps_taken[-1])))
        figure[label] = result.depth[-1][z.shape[0] // 2] + z[z.shape[0] // 2]
    figure["bed"] = z[z.shape[0] // 2]
    return CaseOutcome(CASE, rows, figure, time.perf_counter() - started)
