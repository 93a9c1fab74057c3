"""MacDonald's long channel (SWASHES, Delestre et al. 2013): a steady subcritical flow, analytic.

A 1000 m channel, 200 cells of 5 m, 3 cells wide, Manning n 0.033. Water enters through the west edge
(2 m2/s without rain; 1 m2/s with 3600 mm/h = 1 mm/s of rain, so 2 m2/s at the outlet) and leaves
through the east edge, where the analytic level is held in a ghost cell beyond it (extrapolated linearly to
that cell's centre). After the flow settles (20 and 40 min, as Itzi's test runs it) the water surface along
the channel is compared with the analytic one.

The local-inertial scheme drops the convective term, so it settles on the steady state of its own
equation, ``g h dη/dx = -g n² q|q| / h^(7/3)``; with rain feeding the channel that state lies about
3 cm from the shallow-water one whatever the grid. The case therefore runs with
``FloodParams.advection`` (the convective term added back) and reports the plain scheme beside it.
"""

from __future__ import annotations

import time

import numpy as np

from viewer.scenarios.flood import (BoundaryLevel, FloodGrid, FloodParams, Forcing, Inflow, RainSeries,
                                    accumulate, simulate)
from viewer.scenarios.flood.validation import CaseOutcome, below, info

MANNING = 0.033
WIDTH_CELLS = 3
MAE_LIMIT_M = 0.03


def macdonald_1d(x: np.ndarray, bed: np.ndarray, wse_exact: np.ndarray, *, rain_mm_h: float = 0.0,
                 q_in_m2s: float = 2.0, duration_s: float = 1200.0, case: str = "macdonald_norain",
                 compare_local_inertial: bool = True) -> CaseOutcome:
    """Run the channel to steady state and compare its water surface with ``wse_exact``.

    Parameters
    ----------
    x, bed, wse_exact
        Cell centres along the channel (m, equally spaced), bed elevation and analytic water surface.
    rain_mm_h, q_in_m2s
        Rain on the channel and the unit discharge entering upstream.
    duration_s
        Simulated time; long enough for the flow to settle.
    case
        Name of the case in the rows.
    compare_local_inertial
        Also run without the convective term and report its error (information, no threshold).
    """
    started = time.perf_counter()
    dx = float(x[1] - x[0])
    z = np.tile(np.asarray(bed, dtype=float), (WIDTH_CELLS, 1))
    ghost_level = 2.0 * wse_exact[-1] - wse_exact[-2]  # at the ghost cell's centre, one cell past the last
    forcing = Forcing(inflows=[Inflow("west", [0.0], [q_in_m2s * WIDTH_CELLS * dx], name="upstream")],
                      boundaries=[BoundaryLevel("east", [0.0], [ghost_level], name="outlet")],
                      rain=RainSeries([0.0], [rain_mm_h]) if rain_mm_h > 0 else None)
    grid = FloodGrid(z, dx, origin=(float(x[0] - dx / 2), WIDTH_CELLS * dx), manning=MANNING)
    rows, figure = [], {"x": np.asarray(x), "bed": np.asarray(bed), "exact": np.asarray(wse_exact)}
    for advection in (True, False) if compare_local_inertial else (True,):
        params = FloodParams(duration_s=duration_s, output_interval_s=duration_s / 4, cfl=0.5, max_dt=2.0,
                             advection=advection, theta=1.0 if advection else 0.7,
                             max_rain_mm_h=max(1000.0, rain_mm_h))
        result = accumulate(simulate(grid, forcing, params))
        wse = result.depth[-1][WIDTH_CELLS // 2] + bed
        error = np.abs(wse - wse_exact)
        if advection:
            rows.append(below(case, "water surface MAE (m)", error.mean(), MAE_LIMIT_M))
            rows.append(info(case, "water surface max error (m)", error.max()))
            rows.append(below(case, "relative mass error", abs(result.mass_error), 1e-6))
            settled = np.abs(result.depth[-1] - result.depth[-2]).max()
            rows.append(info(case, "largest depth change over the last quarter (m)", settled))
            figure["advection"] = wse
        else:
            rows.append(info(case, "water surface MAE, local inertial only (m)", error.mean(),
                             "info (its own steady state)"))
            figure["local inertial"] = wse
    return CaseOutcome(case, rows, figure, time.perf_counter() - started)
