"""The flood engine on Merewether (ARR P15): the full 1000 s event, and the first 60 s beside ANUGA 4.1.

Rows: wall time of the 1000 s event (target < 30 s on the 2-core machine) and cell-updates per second
per core, for the engine's default scheme (convective term kept) and the plain local-inertial one;
then both engines' wall seconds per simulated second over the first 60 s and their ratio. ANUGA runs
the same case as its validation test describes it (a triangular mesh of the extent polygon, elevation
and Manning n sampled from the same 1 m grid with the houses raised 3 m, 19.7 m3/s into the 10 m
circle, reflective south/west and transmissive east/north edges), without writing output. The mesh is
built once and not timed. Every figure is the median of REPEATS runs.

Run: ``python -m benchmarks.bench_flood [CELLS] [REPEATS]``; prints a JSON list of rows. CELLS is
only a label (the case has 133,536 cells). ``CITYTWIN_BENCH_ANUGA=0`` leaves ANUGA out (a machine
without it, such as the GPU machine where only the engine's figure is wanted).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

INFLOW_XY = (382265.0, 6354280.0)
ANUGA_SECONDS = 60.0
ANUGA_MAX_TRIANGLE_M2 = 1.0  # about two triangles per grid cell: the same resolution as the grid


def _case():
    from viewer.commands.flood_validation import default_data_dir, read_merewether
    from viewer.scenarios.flood.validation.merewether import merewether_grid

    data_dir = default_data_dir()  # $CITYTWIN_SHARED_DATA or ../shared/data
    data = read_merewether(data_dir)
    grid = merewether_grid(data.z, data.dx, data.origin, data.houses, data.road)
    return data_dir, grid


def _engine_run(grid, duration_s: float, **scheme) -> tuple[float, int]:
    from viewer.scenarios.flood import FloodParams, Forcing, Inflow, OpenBoundary, simulate

    circle = grid.circle_mask(*INFLOW_XY, 10.0)
    forcing = Forcing(inflows=[Inflow(circle, [0.0], [19.7])],
                      open_boundaries=[OpenBoundary("east"), OpenBoundary("north")])
    params = FloodParams(duration_s=duration_s, output_interval_s=50.0, max_dt=1.0, **scheme)
    started = time.perf_counter()
    frame = None
    for frame in simulate(grid, forcing, params):
        pass
    return time.perf_counter() - started, frame.step_count


def _anuga_domain(data_dir: Path, grid, workdir: Path):
    import anuga

    extent = np.loadtxt(data_dir / "flood" / "merewether_arr_p15" / "extent.csv", delimiter=",")
    domain = anuga.create_domain_from_regions(
        extent.tolist(), boundary_tags={"bottom": [0], "right": [1], "top": [2], "left": [3]},
        maximum_triangle_area=ANUGA_MAX_TRIANGLE_M2)
    domain.set_name("merewether")
    domain.set_datadir(str(workdir))
    domain.set_quantities_to_be_stored(None)
    xy = domain.get_centroid_coordinates(absolute=True)
    rows = np.clip(((grid.origin[1] - xy[:, 1]) // grid.dx).astype(int), 0, grid.shape[0] - 1)
    cols = np.clip(((xy[:, 0] - grid.origin[0]) // grid.dx).astype(int), 0, grid.shape[1] - 1)
    z = np.where(np.isfinite(grid.z), grid.z, np.nanmax(grid.z) + 10.0)  # no-data: walls, as ours
    domain.set_quantity("elevation", z[rows, cols], location="centroids")
    domain.set_quantity("friction", grid.manning_array()[rows, cols], location="centroids")
    domain.set_quantity("stage", expression="elevation")
    reflective, transmissive = anuga.Reflective_boundary(domain), anuga.Transmissive_boundary(domain)
    domain.set_boundary({"bottom": reflective, "left": reflective, "right": transmissive,
                         "top": transmissive})
    anuga.Rate_operator.inflow(domain, 19.7, center=INFLOW_XY, radius=10.0)
    return domain


def _anuga_run(data_dir: Path, grid, duration_s: float) -> tuple[float, float, int, float]:
    """(mesh seconds, evolve seconds, triangles, water volume at the end in m3) of one ANUGA run."""
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        domain = _anuga_domain(data_dir, grid, Path(workdir))
        built = time.perf_counter()
        for _ in domain.evolve(yieldstep=10.0, finaltime=duration_s):
            pass
        evolved = time.perf_counter() - built
        return built - started, evolved, domain.number_of_elements, float(domain.get_water_volume())


def run(cells: int = 133_536, repeats: int = 3) -> list[dict]:
    import numba

    rows: list[dict] = []

    def add(metric: str, value, unit: str, target: str = "") -> None:
        rows.append({"benchmark": "flood", "size": cells, "metric": metric, "value": value, "unit": unit,
                     "target": target})

    data_dir, grid = _case()
    n_cells = grid.z.size
    cores = numba.get_num_threads()
    _engine_run(grid, 5.0)  # load the compiled kernels from numba's cache (or compile them once)
    _engine_run(grid, 5.0, advection=False, theta=0.7, cfl=0.5)
    schemes = {"default scheme": {}, "local inertial": {"advection": False, "theta": 0.7, "cfl": 0.5}}
    for label, scheme in schemes.items():
        runs = [_engine_run(grid, 1000.0, **scheme) for _ in range(repeats)]
        wall = statistics.median(w for w, _ in runs)
        steps = runs[0][1]
        add(f"Merewether 1000 s, {label}: wall", wall, "s", "< 30 s" if not scheme else "")
        add(f"Merewether 1000 s, {label}: steps", float(steps), "")
        add(f"Merewether 1000 s, {label}: cell-updates per core", n_cells * steps / wall / cores / 1e6,
            f"M/s/core ({cores} threads)")
    ours = statistics.median(_engine_run(grid, ANUGA_SECONDS)[0] for _ in range(repeats)) / ANUGA_SECONDS
    add(f"engine, first {ANUGA_SECONDS:.0f} s", ours, "wall s per simulated s")
    if os.environ.get("CITYTWIN_BENCH_ANUGA", "1") == "0":
        add(f"ANUGA 4.1, first {ANUGA_SECONDS:.0f} s", "not run (CITYTWIN_BENCH_ANUGA=0)", "")
        return rows
    try:
        anuga_runs = [_anuga_run(data_dir, grid, ANUGA_SECONDS) for _ in range(repeats)]
    except Exception as error:  # ANUGA missing or failing: say why in the table
        add(f"ANUGA 4.1, first {ANUGA_SECONDS:.0f} s", f"not run: {type(error).__name__}: {error}"[:120], "")
        return rows
    theirs = statistics.median(run[1] for run in anuga_runs) / ANUGA_SECONDS
    add(f"ANUGA 4.1, first {ANUGA_SECONDS:.0f} s ({anuga_runs[0][2]:,} triangles)", theirs,
        "wall s per simulated s")
    add("ANUGA mesh and set-up (not in the ratio)", statistics.median(run[0] for run in anuga_runs), "s")
    add(f"ANUGA water volume at {ANUGA_SECONDS:.0f} s (inflow {19.7 * ANUGA_SECONDS:,.0f})",
        anuga_runs[0][3], "m3")
    add("ANUGA / engine, per simulated second", theirs / ours, "x")
    return rows


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 133_536
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(json.dumps(run(size, reps)))
