"""The layer panel follows the project's layers and writes the user's changes back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog

from viewer.core.layers import VectorLayer
from viewer.qt.qt_layer_panel import QtLayerPanel
from viewer.qt.qt_style_dialog import QtStyleDialog


@pytest.fixture
def panel(qtbot, project):
    widget = QtLayerPanel(project)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def shown(panel):
    """(name, checked) per row, top first, as the widget shows them."""
    items = [panel.list.item(r) for r in range(panel.list.count())]
    return [(i.text(), i.checkState() == Qt.CheckState.Checked) for i in items]


def names(project):
    return [layer.name for layer in project.layers]


def test_rows_are_the_layers_top_first(panel):
    assert shown(panel) == [("Facilities", True), ("Buildings", True), ("Roads", True),
                            ("DEM", True)]


def test_model_changes_show_up(panel, project):
    roads = project.layers[1]
    project.add_layer(VectorLayer(name="Water", crs=project.crs))
    assert shown(panel)[0] == ("Water", True)
    roads.visible = False
    roads.name = "Streets"
    assert ("Streets", False) in shown(panel)
    project.layers.move(0, 5)  # the DEM goes on top
    assert [n for n, _ in shown(panel)] == ["DEM", "Water", "Facilities", "Buildings", "Streets"]
    project.remove_layer(project.layers[-1])
    assert [n for n, _ in shown(panel)] == ["Water", "Facilities", "Buildings", "Streets"]
    project.layers[0].opacity = 0.25  # Streets, now the bottom layer
    panel.set_current_layer(project.layers[0])
    assert panel.opacity_slider.value() == 25


def test_widget_changes_go_to_the_model(panel, project, qtbot):
    buildings = project.layers[2]
    item = panel.list.item(panel.row_of(buildings))
    item.setCheckState(Qt.CheckState.Unchecked)
    assert buildings.visible is False
    item.setText("Nhà cửa")
    assert buildings.name == "Nhà cửa"

    panel.set_current_layer(buildings)
    panel.opacity_slider.setValue(40)
    assert buildings.opacity == pytest.approx(0.4)

    panel.move_current(+1)  # up: above the facilities
    assert names(project) == ["DEM", "Roads", "Facilities", "Nhà cửa"]
    assert panel.current_layer() is buildings
    panel.move_current(-1)
    panel.move_current(-1)
    assert names(project) == ["DEM", "Nhà cửa", "Roads", "Facilities"]


def test_drag_reorder_goes_to_the_model(panel, project, qtbot):
    # What an internal drag does to the list: move the bottom row (DEM) to the top.
    model = panel.list.model()
    assert model.moveRow(QModelIndex(), 3, QModelIndex(), 0)
    qtbot.waitUntil(lambda: names(project) == ["Roads", "Buildings", "Facilities", "DEM"],
                    timeout=2000)
    assert [n for n, _ in shown(panel)] == ["DEM", "Facilities", "Buildings", "Roads"]


def test_context_menu_actions(panel, project, qtbot):
    buildings = project.layers[2]
    actions = {a.text(): a for a in panel.context_menu(buildings).actions() if a.text()}
    assert set(actions) == {"Zoom to layer", "Style…", "Properties", "Remove"}
    with qtbot.waitSignal(panel.zoom_requested) as blocker:
        actions["Zoom to layer"].trigger()
    assert blocker.args == [buildings]

    box = panel.show_properties(buildings)
    assert "EPSG:5897" in box.text() and "Features: 3" in box.text()
    assert "(in memory)" in box.text()
    box.close()

    actions["Remove"].trigger()
    assert buildings not in project.layers
    assert "Buildings" not in [n for n, _ in shown(panel)]


def test_style_dialog_assigns_a_new_style(panel, project, qtbot):
    buildings = project.layers[2]
    old = buildings.style
    changes = []
    buildings.events.style.connect(changes.append)
    dialog = panel.open_style_dialog(buildings)
    assert isinstance(dialog, QtStyleDialog)
    assert [dialog.field_combo.itemText(i) for i in range(dialog.field_combo.count())] == \
        ["name", "height", "height_source", "storeys"]
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("graduated"))
    dialog.field_combo.setCurrentText("height")
    dialog.ramp_combo.setCurrentText("ylorrd")
    dialog.label_combo.setCurrentIndex(dialog.label_combo.findData("name"))
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    style = buildings.style
    assert style is not old and len(changes) == 1
    assert (style.kind, style.field, style.ramp, style.label_field) == \
        ("graduated", "height", "ylorrd", "name")

    dialog = QtStyleDialog(buildings)
    qtbot.addWidget(dialog)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("single"))
    dialog.set_color("#ff8800")
    dialog.apply()
    assert (buildings.style.kind, buildings.style.color) == ("single", "#ff8800")
    assert buildings.style.label_field == "name"
