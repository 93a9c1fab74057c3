"""The attribute panel shows the selected feature, whoever selected it."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontDatabase, QFontMetrics

from viewer.qt.qt_attribute_panel import QtAttributePanel, format_value

VIETNAMESE = "Trường Tiểu học Cái Khế – Ninh Kiều"


@pytest.fixture
def panel(qtbot, project):
    widget = QtAttributePanel(project)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_shows_the_selected_feature(panel, project):
    assert panel.table.rowCount() == 0
    buildings = project.layers[2]
    project.selection.select(buildings.id, 1)
    assert panel.rows() == {"name": VIETNAMESE, "height": "24", "height_source": "storeys",
                            "storeys": "8"}
    assert "Buildings" in panel.title_label.text()
    project.selection.select(buildings.id, 2)
    assert panel.rows()["name"] == "Chợ Tân An"


def test_follows_a_change_of_layer_at_the_same_index(panel, project):
    roads, buildings, facilities = project.layers[1], project.layers[2], project.layers[3]
    project.selection.select(buildings.id, 1)
    project.selection.select(facilities.id, 1)  # only layer_id changes
    assert panel.rows() == {"name": "Trạm bơm Cái Khế", "kind": "pump"}
    project.selection.select(roads.id, 0)
    assert panel.rows() == {"name": "Đường Hai Bà Trưng", "lanes": "4"}


def test_clearing_or_removing_empties_the_table(panel, project):
    buildings = project.layers[2]
    project.selection.select(buildings.id, 0)
    assert panel.table.rowCount() == 4
    project.selection.clear()
    assert panel.table.rowCount() == 0
    project.selection.select(buildings.id, 0)
    project.remove_layer(buildings)
    assert panel.table.rowCount() == 0


def test_raster_cells_show_row_col_and_value(panel, project):
    dem = project.layers[0]
    project.selection.select(dem.id, 2 * 40 + 39)
    rows = panel.rows()
    assert rows["row"] == "2" and rows["col"] == "39" and rows["band 1"] == "2"


def test_vietnamese_text_has_glyphs(panel, project):
    project.selection.select(project.layers[2].id, 1)
    item = panel.table.item(0, 1)
    assert item.text() == VIETNAMESE
    font = panel.table.font()
    assert font.family() in QFontDatabase.families(QFontDatabase.WritingSystem.Vietnamese)
    metrics = QFontMetrics(font)
    assert all(metrics.inFontUcs4(ord(ch)) for ch in VIETNAMESE)


def test_format_value():
    assert format_value(None) == "" and format_value(float("nan")) == ""
    assert format_value(24.0) == "24" and format_value(1.25) == "1.25"
    assert format_value(585123.456789) == "585123.4568"


def test_a_selected_sensor_station_shows_its_value_at_the_clock_time(qtbot):
    import numpy as np

    from viewer.core import Project, SensorLayer
    from viewer.core.sensors import Datastream, Thing, Thresholds
    from viewer.qt.qt_attribute_panel import QtAttributePanel

    project = Project(crs="EPSG:5897")
    project.sensors.add(Thing("t", "Mực nước rạch Khai Luông", x=585_000.0, y=1_109_000.0),
                        [Datastream("lvl", "Mực nước", "t", "m", "water_level", Thresholds(1.6, 1.9))])
    t0 = 1_760_918_400 * 10**9
    project.observations.append("lvl", t0 + np.arange(3) * 300 * 10**9, [0.5, 1.2, 2.1])
    layer = project.add_layer(SensorLayer(name="Trạm", crs="EPSG:5897", network=project.sensors,
                                          status=project.sensor_status))
    panel = QtAttributePanel(project)
    qtbot.addWidget(panel)
    project.sensor_status.refresh(t0)
    project.selection.select(layer.id, 0)
    assert panel.rows()["Mực nước"] == "0.5 m"
    project.sensor_status.refresh(t0 + 600 * 10**9)  # the clock moved on: the panel follows
    assert panel.rows()["Mực nước"] == "2.1 m"
