"""The main window: opening files (good, corrupt, without CRS), projects, drops, status bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from tests.qt.conftest import shown

CRS = "EPSG:5897"
X0, Y0 = 585000.0, 1109000.0


@pytest.fixture
def window(qtbot, project):
    from viewer.qt.qt_main_window import QtMainWindow

    return shown(qtbot, QtMainWindow(project), 1200, 700)


def wait_idle(qtbot, window, timeout=30000):
    qtbot.waitUntil(lambda: not window.workers, timeout=timeout)


def write_parks(folder: Path, crs: str | None = CRS, name: str = "parks.gpkg") -> Path:
    import geopandas as gpd
    from shapely.geometry import box

    frame = gpd.GeoDataFrame({"name": ["Công viên Lưu Hữu Phước", "Bến Ninh Kiều"]},
                             geometry=[box(X0 + 100, Y0 + 100, X0 + 140, Y0 + 130),
                                       box(X0 + 150, Y0 + 20, X0 + 190, Y0 + 40)], crs=crs)
    path = folder / name
    frame.to_file(path)
    return path


def names(project):
    return [layer.name for layer in project.layers]


def test_title_names_the_project_and_flags_synthetic(window, project):
    assert window.windowTitle().startswith("Test district")
    assert "synthetic" not in window.windowTitle()
    project.synthetic = True
    project.name = "Ninh Kiều"
    assert window.windowTitle().startswith("Ninh Kiều (synthetic demo)")


def test_good_and_corrupt_file_together(window, project, qtbot, tmp_path):
    good = write_parks(tmp_path)
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"this is not a GeoPackage\n" * 400)
    before = names(project)
    window.open_paths([good, bad])
    assert window.progress_widget.isVisible()
    wait_idle(qtbot, window)
    assert names(project)[: len(before)] == before
    added = project.layers[len(before):]
    assert len(added) == 1 and added[0].feature_count == 2 and added[0].crs == CRS
    assert window.error_box is not None and window.error_box.isVisible()
    assert not window.error_box.isModal()
    text = window.error_box.text()
    assert "broken.gpkg" in text and "parks.gpkg" not in text
    assert not window.progress_widget.isVisible()


def test_file_without_crs_asks_for_one(window, project, qtbot, tmp_path):
    shp = write_parks(tmp_path, name="parcels.shp")
    shp.with_suffix(".prj").unlink()
    window.open_paths([shp])
    qtbot.waitUntil(lambda: window.crs_dialog is not None, timeout=20000)
    dialog = window.crs_dialog
    assert "parcels.shp" in dialog.findChildren(type(dialog.error_label))[0].text()
    assert dialog.entered_text() == CRS  # the project CRS is proposed
    dialog.accept()
    qtbot.waitUntil(lambda: "parcels" in names(project), timeout=20000)
    wait_idle(qtbot, window)
    parcels = project.layers[-1]
    assert parcels.crs == CRS and parcels.feature_count == 2
    assert parcels.extent[0] == pytest.approx(X0 + 100)


def test_dropping_files_opens_them(window, project, qtbot, tmp_path):
    good = write_parks(tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(good))])
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: len(project.layers) == 5, timeout=20000)
    wait_idle(qtbot, window)
    assert project.layers[-1].feature_count == 2


def test_plain_folder_opens_the_files_in_it(window, project, qtbot, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_parks(folder)
    (folder / "README.txt").write_text("not data")
    window.open_paths([folder])
    qtbot.waitUntil(lambda: len(project.layers) == 5, timeout=20000)
    wait_idle(qtbot, window)
    assert project.layers[-1].source["path"].endswith("parks.gpkg")
    assert window.error_box is None


def test_save_then_drop_project_folder_restores_it(window, project, qtbot, tmp_path):
    folder = tmp_path / "district"
    window.save_project_to(folder)
    wait_idle(qtbot, window)
    assert (folder / "citytwin.toml").is_file()
    assert project.camera and project.extent2d is not None
    saved_extent = project.extent2d
    saved_camera = np.array(window.view3d.plotter.camera.position)
    window.view3d.set_view("street")
    assert not np.allclose(window.view3d.plotter.camera.position, saved_camera, atol=1.0)
    project.remove_layer(project.layers[2])
    project.name = "changed"
    window.open_paths([folder])
    qtbot.waitUntil(lambda: project.name == "Test district", timeout=20000)
    wait_idle(qtbot, window)
    assert names(project) == ["DEM", "Roads", "Buildings", "Facilities"]
    assert project.layers[2].feature_count == 3
    assert project.extent2d == pytest.approx(saved_extent)
    # The 3D camera saved with the project is back.
    assert np.allclose(window.view3d.plotter.camera.position, saved_camera, atol=0.01)
    assert window.windowTitle().startswith("Test district")


def test_status_bar_shows_project_and_geographic_coordinates(window, project):
    window.map2d.cursor_moved.emit(585856.0, 1109276.0)
    text = window.coordinates_label.text()
    assert "585,856.0" in text and "EPSG:5897" in text
    # The centre of Ninh Kiều: about 10.030° N, 105.785° E.
    lat = float(text.split("° N")[0].split()[-1])
    lon = float(text.split("° E")[0].split()[-1])
    assert lat == pytest.approx(10.030, abs=0.002) and lon == pytest.approx(105.785, abs=0.002)


def test_view_menu_switches_views(window):
    window.set_view_mode("2d")
    assert window.map2d.isVisible() and not window.view3d.isVisible()
    window.set_view_mode("3d")
    assert not window.map2d.isVisible() and window.view3d.isVisible()
    window.view_mode_actions["both"].trigger()
    assert window.map2d.isVisible() and window.view3d.isVisible()


def test_export_view_image(window, tmp_path, qtbot):
    from PySide6.QtGui import QImage

    path = tmp_path / "view.png"
    assert window.export_view_image(path)
    image = QImage(str(path))
    expected = window.map2d.width() + window.view3d.plotter.width()
    assert abs(image.width() - expected) <= 2 * window.devicePixelRatio() + expected * 0.05


def test_close_cancels_workers_and_closes_3d(window, qtbot, tmp_path):
    import time

    from viewer.qt.qt_workers import Worker

    def slow(*, progress):
        while True:
            time.sleep(0.01)
            progress.update(0.1, "slow")

    worker = Worker(slow)
    with qtbot.waitSignal(worker.progress, timeout=5000):
        window.start_worker(worker)
    assert window.workers == [worker]
    window.close()
    assert not worker.is_running() and worker.state == "cancelled"
    assert window.view3d._closed


def write_district(folder: Path) -> tuple[Path, Path]:
    """A 200 m x 200 m DEM (GeoTIFF) and three buildings with heights (GeoPackage)."""
    import geopandas as gpd
    import rasterio
    from affine import Affine
    from shapely.geometry import box

    dem = folder / "dem.tif"
    z = np.linspace(1.0, 2.0, 40, dtype=np.float32)[None, :].repeat(40, axis=0)
    with rasterio.open(dem, "w", driver="GTiff", width=40, height=40, count=1, dtype="float32",
                       crs=CRS, transform=Affine(5.0, 0.0, X0, 0.0, -5.0, Y0 + 200)) as ds:
        ds.write(z, 1)
    buildings = folder / "buildings.gpkg"
    gpd.GeoDataFrame({"ten": ["Nhà A", "Nhà văn hoá Cái Khế", "Chợ"], "height": [9.0, 24.0, 45.0]},
                     geometry=[box(X0 + 40 + 32 * i, Y0 + 40, X0 + 60 + 32 * i, Y0 + 60)
                               for i in range(3)], crs=CRS).to_file(buildings)
    return dem, buildings


def test_opened_dem_and_buildings_show_and_pick_in_3d(qtbot, tmp_path):
    from viewer.core.project import Project
    from viewer.core.style import Style
    from viewer.qt.qt_main_window import QtMainWindow

    project = Project(name="Empty")
    window = QtMainWindow(project)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    window.open_paths(write_district(tmp_path))
    qtbot.waitUntil(lambda: len(project.layers) == 2, timeout=30000)
    wait_idle(qtbot, window)
    assert project.crs == CRS
    assert [layer.kind for layer in project.layers] == ["raster", "buildings"]
    buildings = project.layers_of_kind("buildings")[0]
    buildings.style = Style(color="#d01010")

    view = window.view3d
    view.plotter.view_xy()
    view.plotter.reset_camera()
    view.plotter.render()
    image = view.screenshot()
    r, g, b = (image[..., k].astype(int) for k in range(3))
    assert np.count_nonzero((r > 110) & (r > 2 * g + 30) & (r > 2 * b + 30)) > 300

    renderer = view.plotter.renderer
    renderer.SetWorldPoint(X0 + 50 + 32, Y0 + 50, 25.4, 1.0)
    renderer.WorldToDisplay()
    dx, dy, _ = renderer.GetDisplayPoint()
    qtbot.mouseClick(view.plotter, Qt.MouseButton.LeftButton, pos=view.widget_position(dx, dy))
    assert (project.selection.layer_id, project.selection.index) == (buildings.id, 1)
    rows = window.attribute_panel.rows()
    assert rows["ten"] == "Nhà văn hoá Cái Khế" and rows["height"] == "24"
