"""The 3D view: buildings drawn on the DEM, click-to-select, 2D selection shown in 3D, toolbar."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from viewer.core.style import Style

pytest.importorskip("viewer.render.scene")

X0, Y0 = 585000.0, 1109000.0
BUILDING_RED = "#d01010"
HIGHLIGHT = (255, 221, 0)
VIETNAMESE = "Trường Tiểu học Cái Khế – Ninh Kiều"


def building_centre(i: int) -> tuple[float, float]:
    """Footprint centre of test building ``i`` (see conftest.make_buildings)."""
    return X0 + 50 + 32 * i, Y0 + 50


def red_pixels(image: np.ndarray) -> int:
    r, g, b = (image[..., k].astype(int) for k in range(3))
    return int(np.count_nonzero((r > 110) & (r > 2 * g + 30) & (r > 2 * b + 30)))


def highlight_pixels(image: np.ndarray) -> int:
    r, g, b = (image[..., k].astype(int) for k in range(3))
    # The highlight's amber (255, 221, 0) under any shading: green a little below red, no blue.
    # (The viridis yellow of the DEM has more green than red, so it does not count.)
    return int(np.count_nonzero((r > 120) & (g > 0.72 * r) & (g < 0.92 * r) & (b < 0.08 * r)))


@pytest.fixture
def view(qtbot, project):
    from viewer.qt.qt_view3d import QtView3D

    project.layers[2].style = Style(color=BUILDING_RED)
    widget = QtView3D(project)
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: widget.scene.pending == 0, timeout=10_000)
    yield widget
    widget.shutdown()


def look_down(view) -> None:
    """A top-down camera framing the whole DEM (deterministic for the pixel tests)."""
    view.plotter.view_xy()
    view.plotter.reset_camera()
    view.plotter.render()


def display_of(view, x: float, y: float, z: float) -> tuple[float, float]:
    renderer = view.plotter.renderer
    renderer.SetWorldPoint(x, y, z * view.project.settings.vertical_exaggeration, 1.0)
    renderer.WorldToDisplay()
    dx, dy, _ = renderer.GetDisplayPoint()
    return dx, dy


def test_buildings_are_drawn_in_their_colour(view):
    view.set_view("overview")
    image = view.screenshot()
    assert image.shape[2] == 3
    assert red_pixels(image) > 300
    view.project.layers[2].visible = False
    view.plotter.render()
    assert red_pixels(view.screenshot()) < 20


def test_click_on_a_building_selects_it(view, project, qtbot):
    from viewer.qt.qt_attribute_panel import QtAttributePanel

    panel = QtAttributePanel(project)
    qtbot.addWidget(panel)
    buildings = project.layers[2]
    look_down(view)
    x, y = building_centre(1)
    pos = view.widget_position(*display_of(view, x, y, 1.5 + 24.0))
    qtbot.mouseClick(view.plotter, Qt.MouseButton.LeftButton, pos=pos)
    assert (project.selection.layer_id, project.selection.index) == (buildings.id, 1)
    assert panel.rows()["name"] == VIETNAMESE
    assert panel.rows()["height"] == "24"

    # A click beside the DEM, on the background, clears the selection.
    qtbot.mouseClick(view.plotter, Qt.MouseButton.LeftButton, pos=view.plotter.rect().topLeft()
                     + type(pos)(3, 3))
    assert project.selection.index is None
    assert panel.table.rowCount() == 0


def test_drag_is_not_a_click(view, project, qtbot):
    look_down(view)
    x, y = building_centre(1)
    pos = view.widget_position(*display_of(view, x, y, 25.5))
    qtbot.mousePress(view.plotter, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseMove(view.plotter, pos + type(pos)(40, 0))
    qtbot.mouseRelease(view.plotter, Qt.MouseButton.LeftButton, pos=pos + type(pos)(40, 0))
    assert project.selection.index is None


def test_selection_made_in_2d_shows_in_3d(view, project, qtbot):
    from viewer.qt.qt_map2d import QtMap2D

    map2d = QtMap2D(project)
    qtbot.addWidget(map2d)
    map2d.resize(600, 600)
    map2d.show()
    qtbot.waitExposed(map2d)
    map2d.zoom_to(project.extent)
    look_down(view)
    before = highlight_pixels(view.screenshot())
    assert before < 20
    x, y = building_centre(2)
    qtbot.mouseClick(map2d.view.viewport(), Qt.MouseButton.LeftButton, pos=map2d.viewport_pos(x, y))
    assert (project.selection.layer_id, project.selection.index) == (project.layers[2].id, 2)
    view.plotter.render()
    image = view.screenshot()
    assert highlight_pixels(image) > before + 150
    # The highlight sits on building 2, not elsewhere.
    dx, dy = display_of(view, x, y, 1.8 + 45.0)
    row, col = image.shape[0] - 1 - int(dy), int(dx)
    patch = image[row - 3:row + 4, col - 3:col + 4]
    assert highlight_pixels(patch) >= 25


def test_exaggeration_scales_heights_and_is_stored(view, project):
    look_down(view)
    top = view.plotter.renderer.ComputeVisiblePropBounds()[5]
    assert 45.0 < top < 50.0
    view.exaggeration_spin.setValue(3.0)
    assert project.settings.vertical_exaggeration == 3.0
    top3 = view.plotter.renderer.ComputeVisiblePropBounds()[5]
    assert top3 == pytest.approx(3 * top, rel=0.02)


def test_toolbar_camera_presets_and_state(view):
    texts = [a.text() for a in view.toolbar.actions() if a.text()]
    assert texts[:3] == ["Overview", "Street", "Reset"]
    view.overview_action.trigger()
    overview = np.array(view.plotter.camera.position)
    view.street_action.trigger()
    street = np.array(view.plotter.camera.position)
    assert street[2] < overview[2]  # the street view is lower
    state = view.camera_state()
    view.reset_action.trigger()
    view.set_camera_state(state)
    assert np.allclose(view.plotter.camera.position, street, atol=1e-3)


def test_zoom_to_layer_centres_it(view, project):
    look_down(view)
    facilities = project.layers[3]
    view.zoom_to_layer(facilities)
    xmin, ymin, xmax, ymax = facilities.extent
    focal = view.plotter.camera.focal_point
    assert focal[0] == pytest.approx((xmin + xmax) / 2, abs=1.0)
    assert focal[1] == pytest.approx((ymin + ymax) / 2, abs=1.0)


def many_buildings(count: int = 20_000):
    """``count`` 4 m x 6 m red boxes on a 7 m x 9 m grid east of the test district."""
    import geopandas as gpd
    import shapely

    from viewer.core.layers import BuildingsLayer

    per_row = int(np.ceil(np.sqrt(count)))
    i = np.arange(count)
    x = X0 + 300.0 + (i % per_row) * 7.0
    y = Y0 + (i // per_row) * 9.0
    frame = gpd.GeoDataFrame({"height": 6.0 + (i % 7) * 3.0}, geometry=shapely.box(x, y, x + 4.0, y + 6.0),
                             crs="EPSG:5897")
    return BuildingsLayer(name="city", frame=frame, style=Style(color=BUILDING_RED), crs="EPSG:5897")


def test_a_big_layer_is_built_without_blocking_the_event_loop(view, project, qtbot):
    import time

    project.layers[2].visible = False  # only the new layer is red
    city = many_buildings()
    start = time.perf_counter()
    project.add_layer(city)
    inserted = time.perf_counter() - start
    scene = view.scene
    assert scene.pending >= 1, "the buildings are being prepared in a worker"
    assert scene.adapters[city.id].actors == []
    qtbot.waitUntil(lambda: scene.pending == 0, timeout=30_000)
    ready = time.perf_counter() - start
    assert inserted < 0.2, f"inserting the layer took {inserted:.3f} s on the GUI thread"
    assert ready > inserted, (inserted, ready)
    adapter = scene.adapters[city.id]
    assert sum(mesh.n_cells for mesh in adapter._meshes) == 20_000 * 10
    look_down(view)
    assert red_pixels(view.screenshot()) > 20_000
