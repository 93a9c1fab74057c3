"""Merewether (Newcastle, NSW), the Pasha Bulker storm of June 2007: ARR Project 15's urban test.

A 1 m LiDAR DEM (321 x 416 cells), 60 houses raised 3 m, Manning n 0.02 on the road and 0.04 elsewhere,
19.7 m3/s poured into a circle of radius 10 m, walls on the south and west edges, free outflow on the
east and north, 1000 s (the flow is steady by about 600 s). The peak water level at five surveyed
flood marks is compared with the observed levels (ARR final report): RMSE at most 0.15 m and the worst
error at most 0.25 m (TUFLOW scores 0.148 m and 0.24 m there).

The model's level at a mark is the peak stage (bed + running maximum depth, every step) of the cell
holding it. The flow down these streets is fast (up to 7 m/s, supercritical), so the case runs with
the engine's defaults (convective term kept, theta 1, cfl 0.7); the plain local-inertial scheme
(theta 0.7, cfl 0.5) can be reported beside it.
"""

from __future__ import annotations

import time

import numpy as np

from viewer.core.progress import Progress
from viewer.scenarios.flood import FloodGrid, FloodParams, Forcing, Inflow, OpenBoundary, simulate
from viewer.scenarios.flood.validation import CaseOutcome, ValidationRow, at_most, info

CASE = "merewether"
RMSE_LIMIT_M = 0.15
MAX_LIMIT_M = 0.25
HOUSE_RAISE_M = 3.0


def merewether_grid(z: np.ndarray, dx: float, origin: tuple[float, float], houses: list[np.ndarray],
                    road: np.ndarray, road_n: float = 0.02, other_n: float = 0.04) -> FloodGrid:
    """The DEM with the houses raised by their polygons and Manning n from the road polygon (cell
    centres decide).

    The benchmark raises each house polygon by 3 m (ANUGA meshes their outlines as breaklines), so the
    gaps between houses keep their surveyed widths, often 1-3 m, i.e. one to three cells. A cell is
    raised when the polygons cover all of it; a cell they cover in part stays open, and each face's
    open fraction (the share of its length outside every house) sets the width the water passes
    through (:attr:`FloodGrid.face_open`), so a 1.6 m gap conveys 1.6 m of flow rather than the 1 or 2
    cells that rounding each cell to house or not would leave.
    """
    plain = FloodGrid(z, dx, origin)
    cells, x_faces, y_faces = plain.open_fraction(houses)
    raised = cells <= 0.0
    manning = np.where(plain.polygon_mask(road, "road polygon"), road_n, other_n)
    return FloodGrid(z + HOUSE_RAISE_M * raised, dx, origin, manning=manning, face_open=(x_faces, y_faces))


def merewether(grid: FloodGrid, inflow_xy: tuple[float, float], inflow_radius_m: float,
               inflow_m3s: float, points: np.ndarray, observed: np.ndarray, labels: list[str],
               reference: np.ndarray | None = None, duration_s: float = 1000.0, advection: bool = True,
               progress: Progress | None = None) -> CaseOutcome:
    """Run the event and score the peak stage at ``points`` (N, 2) against ``observed`` (N,).

    ``reference`` (another model's peak stage at the points, e.g. TUFLOW's) is scored the same way
    for information.
    """
    started = time.perf_counter()
    circle = grid.circle_mask(*inflow_xy, inflow_radius_m, name="Merewether inflow")
    forcing = Forcing(inflows=[Inflow(circle, [0.0], [inflow_m3s], name="Merewether inflow")],
                      open_boundaries=[OpenBoundary("east"), OpenBoundary("north")])
    params = (FloodParams(duration_s=duration_s, output_interval_s=50.0, max_dt=1.0) if advection else
              FloodParams(duration_s=duration_s, output_interval_s=50.0, max_dt=1.0, advection=False,
                          theta=0.7, cfl=0.5))
    cells = [grid.cell_at(x, y, f"observation {label}") for (x, y), label in zip(points, labels)]
    frame = None
    for frame in simulate(grid, forcing, params, progress):
        pass
    bed = grid.z
    peak = np.array([bed[r, c] + frame.max_depth[r, c] for r, c in cells])
    error = peak - observed
    rmse, worst = float(np.sqrt(np.mean(error ** 2))), float(np.abs(error).max())
    case = CASE if advection else CASE + "_local_inertial"
    rows: list[ValidationRow] = []
    if advection:
        rows += [at_most(case, "peak stage RMSE vs observed (m)", rmse, RMSE_LIMIT_M),
                 at_most(case, "peak stage max |error| vs observed (m)", worst, MAX_LIMIT_M)]
        rows += [info(case, f"peak stage error at {name} (m)", e) for name, e in zip(labels, error)]
        rows.append(at_most(case, "relative mass error", abs(frame.mass_error), 1e-6))
    else:
        rows += [info(case, "peak stage RMSE vs observed (m)", rmse),
                 info(case, "peak stage max |error| vs observed (m)", worst)]
    rows.append(info(case, f"wall time of the {duration_s:g} s event (s)", time.perf_counter() - started,
                     "info (target < 30 s)"))
    rows.append(info(case, "steps", frame.step_count))
    if reference is not None and advection:
        ref_error = reference - observed
        rows += [info(case, "reference model RMSE vs observed (m)", np.sqrt(np.mean(ref_error ** 2))),
                 info(case, "reference model max |error| vs observed (m)", np.abs(ref_error).max())]
    figure = {"max_depth": frame.max_depth, "bed": bed, "peak": peak, "observed": observed,
              "cells": np.asarray(cells), "extent": np.asarray(grid.extent)}
    if reference is not None:
        figure["reference"] = reference
    return CaseOutcome(case, rows, figure, time.perf_counter() - started)
