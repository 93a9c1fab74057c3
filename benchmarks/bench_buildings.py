"""Buildings at city scale: load from GeoPackage, mesh build, first 3D frame, 3D frame times at
overview and street level, 2D frame times (full extent, 1 km, pan) and peak memory.

Run one size: ``python -m benchmarks.bench_buildings N [REPEATS]``; prints a JSON list of rows.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CRS = "EPSG:5897"
X0, Y0 = 580_000.0, 1_100_000.0
SIZE = (1600, 900)


def make_buildings(count: int, path: Path) -> tuple[float, float, float, float]:
    """Write ``count`` tube-house footprints (5 m x 15 m, 1-12 storeys) to a GeoPackage.

    Density is that of a dense Vietnamese ward: about 1,000 buildings per km², so 100k buildings
    cover ~10 km x 10 km. Returns the extent.
    """
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(7)
    per_row = int(np.ceil(np.sqrt(count) * 1.2))
    i = np.arange(count)
    col, row = i % per_row, i // per_row
    x = X0 + col * 26.0 + rng.uniform(0, 4, count)
    y = Y0 + row * 36.0 + rng.uniform(0, 4, count)
    w, d = rng.uniform(4, 6, count), rng.uniform(12, 20, count)
    geoms = shapely.box(x, y, x + w, y + d)
    storeys = rng.choice([1, 2, 3, 4, 5, 8, 12], count, p=[.25, .3, .2, .12, .07, .04, .02])
    frame = gpd.GeoDataFrame({"storeys": storeys, "height": storeys * 3.3,
                              "use": rng.choice(["residential", "mixed", "commercial"], count)},
                             geometry=geoms, crs=CRS)
    frame.to_file(path, layer="buildings", driver="GPKG", engine="pyogrio")
    return tuple(float(v) for v in frame.total_bounds)  # type: ignore[return-value]


def _dem(extent: tuple[float, float, float, float]):
    from viewer.core import RasterLayer

    xmin, ymin, xmax, ymax = extent
    cell = 10.0
    cols, rows = int((xmax - xmin) / cell) + 20, int((ymax - ymin) / cell) + 20
    yy, xx = np.mgrid[0:rows, 0:cols]
    z = (1.0 + 0.8 * np.sin(xx / 60.0) * np.cos(yy / 80.0)).astype(np.float32)[None]
    return RasterLayer(name="dem", data=z, transform=(cell, 0, xmin - 100, 0, -cell, ymax + 100),
                       crs=CRS, role="dem")


def _frame_ms(plotter, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        plotter.render_window.Render()
        plotter.render_window.WaitForCompletion()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def run(count: int, repeats: int) -> list[dict]:
    from viewer.core import Project
    from viewer.readers.registry import ReadOptions, read_path

    rows: list[dict] = []

    def add(metric: str, value: float, unit: str, target: str = "") -> None:
        rows.append({"benchmark": "buildings", "size": count, "metric": metric, "value": value,
                     "unit": unit, "target": target})

    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "buildings.gpkg"
        extent = make_buildings(count, gpkg)
        start = time.perf_counter()
        layer = read_path(gpkg, ReadOptions())[0]
        load_s = time.perf_counter() - start
    add("load GeoPackage", load_s, "s")
    project = Project(crs=CRS)
    project.add_layer(_dem(extent))
    project.add_layer(layer)

    from viewer.render.offscreen import offscreen_plotter
    from viewer.render.scene import Scene3D

    import pyvista  # noqa: F401  (import time is not mesh build time)
    import vtkmodules.vtkRenderingOpenGL2  # noqa: F401

    plotter = offscreen_plotter(SIZE)
    start = time.perf_counter()
    scene = Scene3D(plotter, project)
    build_s = time.perf_counter() - start
    add("mesh build (terrain + buildings)", build_s, "s")
    add("load + extrude", load_s + build_s, "s", "< 5 s at 300k")
    scene.set_view("overview")
    start = time.perf_counter()
    plotter.render_window.Render()
    plotter.render_window.WaitForCompletion()
    add("first 3D frame", (time.perf_counter() - start) * 1000.0, "ms")
    add("3D frame, overview", _frame_ms(plotter, repeats), "ms")
    scene.set_view("street")
    _frame_ms(plotter, 1)
    add("3D frame, street", _frame_ms(plotter, repeats), "ms", "< 100 ms at 100k")
    scene.close()
    plotter.close()

    from PySide6.QtWidgets import QApplication

    from viewer.qt.qt_map2d import QtMap2D, measure_frame_ms

    app = QApplication.instance() or QApplication([])
    widget = QtMap2D(project)
    widget.resize_view(*SIZE)
    full = project.extent
    add("2D frame, full extent", measure_frame_ms(widget, full, repeats), "ms", "QGIS 1,466 ms at 100k")
    cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    km = (cx - 500, cy - 500, cx + 500, cy + 500)
    add("2D frame, 1 km", measure_frame_ms(widget, km, repeats), "ms", "QGIS 50 ms at 100k")
    pans = [measure_frame_ms(widget, (km[0] + 50 * k, km[1], km[2] + 50 * k, km[3]), 1) for k in range(1, 11)]
    add("2D pan frame, 1 km view", statistics.median(pans), "ms")
    widget.deleteLater()
    app.processEvents()
    add("peak memory", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, "MiB")
    return rows


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(json.dumps(run(n, reps)))
