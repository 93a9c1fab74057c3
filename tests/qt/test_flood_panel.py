"""The flood panel on the demo district: run with a measure and its baseline in a worker, see the
water in 2D and 3D on the clock, read impacts, chart a point, save and reopen the scenario."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from viewer.scenarios.flood_scenario import iso_to_ns

from tests.qt.conftest import shown

START = "2025-10-20T19:00:00Z"


@pytest.fixture(scope="module")
def demo_project(demo_dir):
    from viewer.commands.project_io import load_project

    return load_project(demo_dir)


@pytest.fixture
def window(qtbot, demo_project, one_engine_thread):
    from viewer.commands.flood_run import design_storm_scenario
    from viewer.qt.qt_main_window import QtMainWindow

    design = design_storm_scenario(demo_project)
    short = dataclasses.replace(design, name="Thử: triều cường 1 giờ",
                                event=dataclasses.replace(design.event, start_ns=iso_to_ns(START),
                                                          duration_s=3600.0))
    demo_project.put_scenario(short)
    return shown(qtbot, QtMainWindow(demo_project), 1400, 850)


def rgb_of(image) -> np.ndarray:
    """(h, w, 3) int array of a QImage."""
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())[:, :width * 3]
    return rgb.reshape(height, width, 3).astype(int)


def blue_pixels(image) -> int:
    """Pixels of the depth ramp's blues (blue well above red) in a QImage of the 2D map."""
    rgb = rgb_of(image)
    return int(((rgb[..., 2] - rgb[..., 0] > 35) & (rgb[..., 2] > 120)).sum())


def test_a_run_with_a_measure_and_its_baseline_shows_everywhere(window, demo_project, qtbot, tmp_path):
    panel = window.flood_panel
    window.show_flood_panel()
    panel.refresh_scenarios()
    panel.scenario_box.setCurrentIndex(panel.scenario_box.findText("Thử: triều cường 1 giờ"))
    panel.raise_banks.setChecked(True)
    panel.compare.setChecked(True)
    worker = panel.run_selected()
    assert worker is not None and not panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: not window.workers, timeout=180_000)
    assert panel.outcome is not None and panel.outcome.baseline is not None, panel.status.text()
    assert panel.run_button.isEnabled()

    # layers on the clock, clock set to replay the run
    water = [lay for lay in demo_project.layers if lay.kind == "water"]
    assert len(water) == 1 and len(water[0].times_ns) == 13  # 1 h at 5 min
    clock = demo_project.clock
    assert clock.mode == "replay" and clock.start_ns == iso_to_ns(START)
    assert clock.end_ns == iso_to_ns(START) + int(3600e9)

    # the impacts table: baseline, with measures, change; raised banks flood fewer buildings
    table = panel.table
    heads = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert len(heads) == 4
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    base = panel.outcome.baseline.impacts.summary["buildings_affected"]
    measures = panel.outcome.run.impacts.summary["buildings_affected"]
    assert base > 100 and measures < base
    row = rows["Buildings flooded"]
    assert table.item(row, 1).text().replace(",", "") == str(base)
    assert table.item(row, 2).text().replace(",", "") == str(measures)
    assert sum(panel.building_chart.bars["baseline"]) == sum(panel.building_chart.bars["measures"])

    # 2D: the water rises on the map as the clock moves; the legend shows
    window.set_view_mode("2d")
    qtbot.wait(200)
    clock.jump(clock.start_ns)
    qtbot.waitUntil(lambda: water[0].frame_index == 0)
    qtbot.wait(300)
    early = blue_pixels(window.map2d.grab().toImage())
    clock.jump(clock.end_ns)
    assert water[0].frame_index == 12
    qtbot.wait(500)
    late = blue_pixels(window.map2d.grab().toImage())
    assert late > early + 2000, (early, late)
    window.map2d.grab().save(str(tmp_path / "flood_2d.png"))
    assert window.depth_legend.isVisible() and window.depth_legend.frame_text().startswith("2025-10-20 20:00")

    # 3D: the water surface adapter holds the wet cells of the shown frame, above the ground
    window.set_view_mode("both")
    window.view3d.scene.wait_until_ready(60.0)
    adapter = window.view3d.scene.adapters[water[0].id]
    mesh = adapter._mesh
    wet = np.isfinite(water[0].data[0])
    assert mesh is not None and mesh.n_cells == 2 * int(wet.sum())
    cells = np.asarray(mesh.cell_data["feature"])
    level = (water[0].bed.ravel() + np.nan_to_num(water[0].data[0]).ravel())[cells]
    centre_z = np.asarray(mesh.cell_centers().points)[:, 2]
    assert np.median(np.abs(centre_z - level - 0.05)) < 0.1

    # a click on the map charts the depth there, with the baseline
    flat = int(np.nanargmax(water[0].data[0]))
    r, c = divmod(flat, water[0].shape[1])
    a, _, x0, _, e, y0 = water[0].transform
    assert panel.chart_point(x0 + (c + 0.5) * a, y0 + (r + 0.5) * e)
    x, y = panel.depth_chart.curve.getData()
    assert len(x) == 13 and y.max() > 0.1 and x[-1] == pytest.approx(1.0)

    # identify on a building reads its flood depth; the scenario is saved with the project
    buildings = panel.outcome.run.inputs.layers["buildings"]
    assert {"flood_depth_m", "flood_damage"} <= set(buildings.frame.columns)
    assert "flood_depth_m" in buildings.attributes(0)
    from viewer.commands.project_io import load_project, save_project

    save_project(demo_project, tmp_path / "saved")
    again = load_project(tmp_path / "saved")
    names = [s.name for s in again.scenarios]
    assert "Thử: triều cường 1 giờ" in names and panel.outcome.run.scenario.name in names
    saved = again.scenario_named(panel.outcome.run.scenario.name)
    assert saved.measures[0].crest_m == pytest.approx(2.6)
    reread = [lay for lay in again.layers if lay.kind == "water"][0]
    assert np.array_equal(reread.frames, water[0].frames) and np.array_equal(reread.times_ns, water[0].times_ns)


def test_a_scenario_that_cannot_run_says_why_and_keeps_the_project(window, demo_project, qtbot):
    from viewer.scenarios.flood_scenario import Rain

    panel = window.flood_panel
    bad = dataclasses.replace(demo_project.scenario_named("Thử: triều cường 1 giờ"), name="Mưa âm",
                              event=dataclasses.replace(demo_project.scenario_named("Thử: triều cường 1 giờ").event,
                                                        rain=Rain(kind="uniform", mm_per_h=-5.0)))
    demo_project.put_scenario(bad)
    layers_before = list(demo_project.layers)
    panel.scenario_box.setCurrentIndex(panel.scenario_box.findText("Mưa âm"))
    panel.raise_banks.setChecked(False)
    panel.run_selected()
    qtbot.waitUntil(lambda: not window.workers, timeout=60_000)
    assert "Mưa âm" in panel.status.text() or "rain" in panel.status.text().lower()
    assert window.error_box is not None and "rain" in window.error_box.text().lower()
    assert list(demo_project.layers) == layers_before
    demo_project.scenarios.remove(bad)


def test_measures_from_selected_features_join_the_scenario(window, demo_project):
    panel = window.flood_panel
    measures = panel.measure_list
    roads = next(layer for layer in demo_project.layers if layer.source.get("layer") == "roads")
    facilities = next(layer for layer in demo_project.layers if layer.source.get("layer") == "facilities")
    reasons: list[str] = []
    measures.failed.connect(reasons.append)

    measures.add_from_selection()  # nothing selected yet
    assert reasons and "select a feature" in reasons[-1]
    demo_project.selection.select(roads.id, 0)
    measures.kind_box.setCurrentIndex(measures.kind_box.findData("raise"))
    measures.value_spin.setValue(3.2)
    raised = measures.add_from_selection()
    assert raised.kind == "raise" and raised.crest_m == 3.2 and raised.geometry.startswith("LINESTRING")
    assert raised.name == "Đại lộ Hòa Bình"
    demo_project.selection.select(facilities.id, 1)
    measures.kind_box.setCurrentIndex(measures.kind_box.findData("retention"))
    assert measures.add_from_selection() is None and "polygon" in reasons[-1]  # a pond needs an area
    measures.kind_box.setCurrentIndex(measures.kind_box.findData("pump"))
    measures.value_spin.setValue(4.0)
    pump = measures.add_from_selection()
    assert pump.kind == "pump" and pump.capacity_m3s == 4.0 and measures.list.count() == 2

    panel.scenario_box.setCurrentIndex(panel.scenario_box.findText("Thử: triều cường 1 giờ"))
    panel.raise_banks.setChecked(False)
    measures.list.item(0).setCheckState(measures.list.item(0).checkState().Unchecked)  # the raised road off
    chosen = panel.chosen_scenario()
    assert [m.kind for m in chosen.measures] == ["pump"] and chosen.name.endswith("+ 1 measure(s)")
    assert chosen.baseline().measures == []
    measures.list.setCurrentRow(1)
    measures.remove_current()
    assert measures.list.count() == 1 and panel.chosen_scenario().name == "Thử: triều cường 1 giờ"
    demo_project.selection.clear()
