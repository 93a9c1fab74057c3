"""Fixtures for the Qt tests: a small in-memory project and a guard against leaked threads.

Run under a real X server: ``xvfb-run -a -s "-screen 0 1920x1080x24" python -m pytest tests/qt``.
"""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.layers import BuildingsLayer, RasterLayer, VectorLayer
from viewer.core.project import Project

CRS = "EPSG:5897"
# Lower-left corner of the test district, metres in VN-2000 / TM-3 105°E (Ninh Kiều, Cần Thơ).
X0, Y0 = 585000.0, 1109000.0

VIETNAMESE_NAME = "Trường Tiểu học Cái Khế – Ninh Kiều"


@pytest.fixture(autouse=True, scope="session")
def _pyvista_software_gl():
    """VTK under Xvfb is software OpenGL: multisampling off everywhere."""
    import pyvista as pv

    pv.global_theme.multi_samples = 0
    pv.global_theme.depth_peeling.enabled = False
    yield


@pytest.fixture(autouse=True, scope="session")
def _english_interface(qapp):
    """The interface as the app starts it for an English user (translators, number locale)."""
    from viewer.qt.qt_i18n import apply_language

    apply_language("en")
    yield


@pytest.fixture(autouse=True)
def no_thread_leak(qapp):
    """Fail a test that leaves a worker thread running (after a short grace period)."""
    from viewer.qt import qt_workers

    before = set(qt_workers.active_workers())
    yield
    leaked = [w for w in qt_workers.active_workers() if w not in before]
    if leaked and not qt_workers.wait_all(5.0):
        qt_workers.cancel_all()
        qt_workers.wait_all(10.0)
        pytest.fail(f"worker threads still running after the test: "
                    f"{[w.description for w in leaked]}")


def make_buildings() -> BuildingsLayer:
    """Three buildings on a row, 20 m squares, 12 m apart, heights 9, 24 and 45 m."""
    import geopandas as gpd
    from shapely.geometry import box

    geoms = [box(X0 + 40 + 32 * i, Y0 + 40, X0 + 60 + 32 * i, Y0 + 60) for i in range(3)]
    frame = gpd.GeoDataFrame(
        {"name": ["Nhà A", VIETNAMESE_NAME, "Chợ Tân An"],
         "height": [9.0, 24.0, 45.0], "height_source": ["height", "storeys", "default"],
         "storeys": [3, 8, 15]},
        geometry=geoms, crs=CRS)
    return BuildingsLayer(name="Buildings", crs=CRS, frame=frame)


def make_roads() -> VectorLayer:
    import geopandas as gpd
    from shapely.geometry import LineString

    frame = gpd.GeoDataFrame(
        {"name": ["Đường Hai Bà Trưng", "Đường 30 Tháng 4"], "lanes": [4, 2]},
        geometry=[LineString([(X0, Y0 + 20), (X0 + 160, Y0 + 20)]),
                  LineString([(X0 + 20, Y0), (X0 + 20, Y0 + 160)])], crs=CRS)
    return VectorLayer(name="Roads", crs=CRS, frame=frame)


def make_facilities() -> VectorLayer:
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {"name": ["Bệnh viện Đa khoa Cần Thơ", "Trạm bơm Cái Khế"], "kind": ["hospital", "pump"]},
        geometry=[Point(X0 + 150, Y0 + 150), Point(X0 + 10, Y0 + 150)], crs=CRS)
    return VectorLayer(name="Facilities", crs=CRS, frame=frame)


def make_dem() -> RasterLayer:
    """A 40 x 40 DEM with 5 m cells covering 200 m x 200 m, gently sloping 1.0 -> 2.0 m."""
    rows, cols = 40, 40
    data = np.linspace(1.0, 2.0, cols, dtype=np.float32)[None, None, :].repeat(rows, axis=1)
    return RasterLayer(name="DEM", crs=CRS, data=data, role="dem",
                       transform=(5.0, 0.0, X0, 0.0, -5.0, Y0 + 200.0))


@pytest.fixture
def project() -> Project:
    """DEM, roads, buildings and facilities (bottom to top), EPSG:5897, in memory."""
    project = Project(name="Test district", crs=CRS)
    for layer in (make_dem(), make_roads(), make_buildings(), make_facilities()):
        project.add_layer(layer)
    return project


def shown(qtbot, widget, width: int, height: int):
    """``widget`` resized to width x height, shown and exposed; qtbot closes it after the test."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
