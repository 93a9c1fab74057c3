"""A small synthetic project for the 3D tests: a sloping DEM and 50 boxes with known heights.

The DEM rises 0.02 m per metre eastwards (2 m at its west edge), so the terrain under any point
is known exactly; building ``i`` is a 20 m x 15 m box, ``6 + i`` metres high.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from viewer.core import BuildingsLayer, Project, RasterLayer

pytest.importorskip("pyvista")

X0, Y0 = 587_000.0, 1_105_000.0  # EPSG:5897 (VN-2000 / TM-3 105°E), Cần Thơ
CELL = 5.0
SIZE = 100
SLOPE = 0.02
USES = ["home", "shop", "school", "office", "home"]


def ground(x: np.ndarray | float) -> np.ndarray | float:
    """The exact elevation of the synthetic DEM at easting ``x``."""
    return 2.0 + SLOPE * (np.asarray(x) - X0)


def make_dem() -> RasterLayer:
    col = np.arange(SIZE)
    z = np.tile(ground(X0 + (col + 0.5) * CELL), (SIZE, 1)).astype(np.float32)
    z[0, 0] = -9999.0  # one no-data cell, in a corner no building touches
    return RasterLayer(name="dem", data=z[None], transform=(CELL, 0.0, X0, 0.0, -CELL, Y0 + SIZE * CELL),
                       nodata=-9999.0, role="dem", crs="EPSG:5897")


def make_buildings() -> BuildingsLayer:
    import geopandas as gpd
    import shapely

    boxes, heights = [], []
    for i in range(50):
        row, col = divmod(i, 10)
        x = X0 + 30.0 + col * 45.0
        y = Y0 + 40.0 + row * 90.0
        boxes.append(shapely.box(x, y, x + 20.0, y + 15.0))
        heights.append(6.0 + i)
    frame = gpd.GeoDataFrame({"height": heights, "height_source": "height",
                              "use": [USES[i % len(USES)] for i in range(50)],
                              "name": [f"B{i}" for i in range(50)]},
                             geometry=boxes, crs="EPSG:5897")
    return BuildingsLayer(name="buildings", frame=frame, crs="EPSG:5897")


@pytest.fixture
def project() -> Project:
    project = Project(name="render test", crs="EPSG:5897")
    project.add_layer(make_dem())
    project.add_layer(make_buildings())
    return project


@pytest.fixture
def scene(project: Project) -> Iterator[Any]:
    from viewer.render.offscreen import offscreen_scene

    with offscreen_scene(project, size=(800, 450), view=None) as scene:
        yield scene


def top_down(scene: Any) -> None:
    """Look straight down on the middle of the test district from 1000 m."""
    cx, cy = X0 + SIZE * CELL / 2, Y0 + SIZE * CELL / 2
    scene.set_camera_state({"position": [cx, cy, 1000.0], "focal_point": [cx, cy, 0.0],
                            "view_up": [0.0, 1.0, 0.0], "view_angle": 30.0})


def to_display(scene: Any, x: float, y: float, z: float) -> tuple[float, float]:
    """VTK display coordinates (y up) of world point (x, y, z) (z not exaggerated)."""
    renderer = scene.plotter.renderer
    renderer.SetWorldPoint(x, y, z * scene.exaggeration, 1.0)
    renderer.WorldToDisplay()
    dx, dy, _ = renderer.GetDisplayPoint()
    return dx, dy


def pixel(image: np.ndarray, display: tuple[float, float]) -> np.ndarray:
    """The RGB of ``image`` (top row first) at VTK display coordinates."""
    height = image.shape[0]
    return image[height - 1 - int(round(display[1])), int(round(display[0]))].astype(int)
