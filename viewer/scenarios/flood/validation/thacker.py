"""Thacker's oscillation in a paraboloid (radially symmetric; Thacker 1981, SWASHES 4.2.1).

Frictionless water in the bowl ``z = -h0 (1 - r²/a²)`` starts at rest with a curved surface and
breathes: the shoreline moves in and out over dry ground, which is what this case tests. Here
a = 1 m, r0 = 0.8 m, h0 = 0.1 m on a 4 m square of 2 cm cells; the period is ``2π/ω`` with
``ω = sqrt(8 g h0) / a`` (2.24 s). After one period the depth is compared with the analytic one over
every cell wet in either, and the shoreline along the four axes with the analytic radius.

Thresholds, and why: a first-order scheme smears the thin water near a moving shoreline over a cell or
two, and a cell-centred grid with a drying depth of 1 mm places a shoreline no better than half a cell;
so the shoreline may be off by 2 cells (4 cm, 4 % of the bowl's radius), and the depth by 5 % of h0
(5 mm) on average, the size of the first-order errors SWASHES reports for this case.
"""

from __future__ import annotations

import time

import numpy as np

from viewer.scenarios.flood import FloodGrid, FloodParams, Forcing, accumulate, simulate
from viewer.scenarios.flood.validation import CaseOutcome, at_most, below, info

CASE = "thacker_paraboloid"
G = 9.81


def thacker_exact(r2: np.ndarray, t: float, a: float, r0: float, h0: float) -> tuple[np.ndarray, float]:
    """Analytic depth at squared radii ``r2`` and the shoreline radius at time ``t``."""
    omega = np.sqrt(8.0 * G * h0) / a
    big_a = (a * a - r0 * r0) / (a * a + r0 * r0)
    c = 1.0 - big_a * np.cos(omega * t)
    s = np.sqrt(1.0 - big_a * big_a) / c
    k = (1.0 - big_a * big_a) / c ** 2
    eta = h0 * (s - 1.0 - r2 / a ** 2 * (k - 1.0))
    bed = -h0 * (1.0 - r2 / a ** 2)
    return np.maximum(eta - bed, 0.0), a * np.sqrt(s / k)


def _shoreline_errors(depth: np.ndarray, dx: float, radius: float, wet_m: float) -> np.ndarray:
    """|shoreline - radius| along the four half-axes from the centre (m)."""
    n = depth.shape[0]
    mid = n // 2
    along_row = depth[mid - 1:mid + 1].mean(axis=0)
    along_col = depth[:, mid - 1:mid + 1].mean(axis=1)
    errors = []
    for profile in (along_row, along_col):
        wet = np.flatnonzero(profile > wet_m)
        errors += [abs(mid * dx - wet[0] * dx - radius), abs((wet[-1] + 1) * dx - mid * dx - radius)]
    return np.asarray(errors)


def thacker_paraboloid(dx: float = 0.02, a: float = 1.0, r0: float = 0.8, h0: float = 0.1,
                       size: float = 4.0, compare_local_inertial: bool = True) -> CaseOutcome:
    """Run one period and compare depth and shoreline with the analytic solution."""
    started = time.perf_counter()
    n = int(round(size / dx))
    centres = (np.arange(n) + 0.5) * dx - size / 2
    r2 = centres[None, :] ** 2 + centres[:, None] ** 2
    z = -h0 * (1.0 - r2 / a ** 2)
    period = 2.0 * np.pi * a / np.sqrt(8.0 * G * h0)
    depth0, _ = thacker_exact(r2, 0.0, a, r0, h0)
    grid = FloodGrid(z, dx, origin=(-size / 2, size / 2), manning=0.0)
    exact, radius = thacker_exact(r2, period, a, r0, h0)
    rows, figure = [], {"x": centres, "bed": z[n // 2], "exact": exact[n // 2] + z[n // 2]}
    for advection in (True, False) if compare_local_inertial else (True,):
        params = (FloodParams(duration_s=period, output_interval_s=period / 4) if advection else
                  FloodParams(duration_s=period, output_interval_s=period / 4, advection=False, theta=0.7,
                              cfl=0.5))
        result = accumulate(simulate(grid, Forcing(initial_depth=depth0), params))
        depth = result.depth[-1].astype(float)
        wet = (depth > params.h_min) | (exact > 0)
        mae = float(np.abs(depth - exact)[wet].mean())
        l1 = float(np.abs(depth - exact).sum() / exact.sum())
        shore = float(_shoreline_errors(depth, dx, radius, params.h_min).max())
        if advection:
            rows.append(at_most(CASE, "depth MAE after one period (m)", mae, 0.05 * h0))
            rows.append(info(CASE, "depth L1 error after one period (relative)", l1))
            rows.append(at_most(CASE, "shoreline position error after one period (m)", shore, 2 * dx))
            rows.append(below(CASE, "relative mass error", abs(result.mass_error), 1e-6))
            figure["advection"] = depth[n // 2] + z[n // 2]
        else:
            rows.append(info(CASE, "depth MAE, local inertial only (m)", mae))
            rows.append(info(CASE, "shoreline error, local inertial only (m)", shore))
            figure["local inertial"] = depth[n // 2] + z[n // 2]
    return CaseOutcome(CASE, rows, figure, time.perf_counter() - started)
