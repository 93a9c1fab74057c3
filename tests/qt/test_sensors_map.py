"""Sensor stations on the 2D map and in the 3D view: colour by level at the clock's time, grey when
stale, click to select (and chart)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_sensors_samples import (GREEN, GREY, MINUTE, ORANGE, RED, STATIONS, T0, add_sample_sensors,
                                  rgb_near)


@pytest.fixture
def map2d(qtbot, project):
    from viewer.qt import map2d_sensors  # noqa: F401 (registers the item)
    from viewer.qt.qt_map2d import QtMap2D

    add_sample_sensors(project)
    widget = QtMap2D(project)
    qtbot.addWidget(widget)
    widget.resize(600, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.zoom_to((585000.0, 1109000.0, 585200.0, 1109200.0))
    return widget


def station_rgb(widget, name: str) -> tuple[int, int, int]:
    """The colour drawn at the centre of station ``name``'s symbol."""
    image = widget.render_to_image(widget.view.viewport().width(), widget.view.viewport().height())
    pos = widget.viewport_pos(*STATIONS[name])
    colour = image.pixelColor(pos.x(), pos.y())
    return colour.red(), colour.green(), colour.blue()


def test_symbol_turns_from_green_to_red_when_the_clock_passes_the_alarm(map2d, project, qtbot):
    item = map2d.layer_item(project.layers_of_kind("sensors")[0].id)
    assert rgb_near(station_rgb(map2d, "canal"), GREEN)
    project.clock.jump(T0 + 75 * MINUTE)  # 1.75 m: warning
    project.sensor_status.refresh(project.clock.time_ns)
    qtbot.waitUntil(lambda: rgb_near(station_rgb(map2d, "canal"), ORANGE), timeout=2000)
    project.clock.jump(T0 + 89 * MINUTE)  # 1.89 m: still warning
    project.sensor_status.refresh(project.clock.time_ns)
    qtbot.wait(150)  # past the redraw throttle
    assert rgb_near(station_rgb(map2d, "canal"), ORANGE)
    project.clock.jump(T0 + 90 * MINUTE)  # 1.90 m: alarm
    project.sensor_status.refresh(project.clock.time_ns)
    qtbot.waitUntil(lambda: rgb_near(station_rgb(map2d, "canal"), RED), timeout=2000)
    assert rgb_near(station_rgb(map2d, "weather"), GREEN)
    assert item.colors.shape == (3, 3)


def test_a_burst_of_refreshes_costs_one_redraw_and_ends_on_the_last_state(map2d, project, qtbot):
    item = map2d.layer_item(project.layers_of_kind("sensors")[0].id)
    calls = []
    original = item.recolor
    item.recolor = lambda: (calls.append(project.clock.time_ns), original())
    qtbot.wait(150)
    for minute in range(60, 100):  # 40 refreshes in a few milliseconds
        project.clock.jump(T0 + minute * MINUTE)
        project.sensor_status.refresh(project.clock.time_ns)
    assert len(calls) <= 1
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=2000)
    assert calls[-1] == T0 + 99 * MINUTE
    assert rgb_near(station_rgb(map2d, "canal"), RED)


def test_a_station_without_data_for_three_intervals_is_grey(map2d, project, qtbot):
    project.clock.jump(T0 + 33 * MINUTE)  # the air station's last reading was at 30 min: 3 intervals
    project.sensor_status.refresh(project.clock.time_ns)
    qtbot.wait(150)
    assert not rgb_near(station_rgb(map2d, "air"), GREY)
    project.clock.jump(T0 + 34 * MINUTE)
    project.sensor_status.refresh(project.clock.time_ns)
    qtbot.waitUntil(lambda: rgb_near(station_rgb(map2d, "air"), GREY), timeout=2000)
    assert rgb_near(station_rgb(map2d, "weather"), GREEN)


def test_clicking_a_station_selects_it(map2d, project, qtbot):
    layer = project.layers_of_kind("sensors")[0]
    x, y = STATIONS["weather"]
    pos = map2d.viewport_pos(x + 2.0, y + 2.0)  # inside the symbol, off its centre
    qtbot.mouseClick(map2d.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert project.selection.layer_id == layer.id
    assert layer.things()[project.selection.index].id == "weather"
    assert not map2d.selection_outline.is_empty


def test_3d_columns_are_coloured_by_level_and_picked(qtbot, project):
    from viewer.qt.qt_view3d import QtView3D
    from viewer.render.registry import adapter_for, register_adapter

    if adapter_for("sensors") is None:
        register_adapter("sensors", "viewer.render.vtk_sensors:VtkSensorLayer")
    layer = add_sample_sensors(project)
    view = QtView3D(project)
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    try:
        view.scene.wait_until_ready(30)
        view.plotter.view_xy()
        view.plotter.reset_camera()
        view.plotter.render()
        adapter = view.scene.adapters[layer.id]

        def column_rgb(name: str) -> tuple[int, int, int]:
            renderer = view.plotter.renderer
            x, y = STATIONS[name]
            z = 40.0 * project.settings.vertical_exaggeration  # the column's top, above the DEM
            renderer.SetWorldPoint(x, y, z, 1.0)
            renderer.WorldToDisplay()
            dx, dy, _ = renderer.GetDisplayPoint()
            image = view.screenshot()
            return tuple(image[image.shape[0] - 1 - int(round(dy)), int(round(dx))]), (dx, dy)

        rgb, _ = column_rgb("canal")
        assert rgb[1] > rgb[0] + 40 and rgb[1] > rgb[2] + 40, rgb  # green, shaded
        project.clock.jump(T0 + 95 * MINUTE)
        project.sensor_status.refresh(project.clock.time_ns)
        colours = np.asarray(adapter._mesh.cell_data["rgb"])
        features = np.asarray(adapter._mesh.cell_data["feature"])
        assert {tuple(c) for c in colours[features == 0]} == {RED}
        view.plotter.render()
        rgb, (dx, dy) = column_rgb("canal")
        assert rgb[0] > rgb[1] + 40 and rgb[0] > rgb[2] + 40, rgb  # red, shaded
        assert view.scene.pick(dx, dy) == (layer.id, 0)
    finally:
        view.shutdown()
