"""The search box: names found with or without diacritics, NFC or NFD, sorted Vietnamese-style,
and the chosen one selected and framed."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import Qt

from tests.qt.conftest import shown
from viewer.commands.find_features import find_features
from viewer.core.text_search import matches


def test_matching_rules():
    assert matches("ninh kieu", "Bến Ninh Kiều")  # typed without diacritics
    assert matches("NINH KIỀU", "bến ninh kiều")  # case
    assert matches(unicodedata.normalize("NFD", "Kiều"), "Bến Ninh Kiều")  # decomposed input
    assert matches("Kiều", unicodedata.normalize("NFD", "Bến Ninh Kiều"))  # decomposed data
    assert matches("duong", "Đường Hai Bà Trưng")  # đ typed as d
    assert not matches("Kiêu", "Bến Ninh Kiều")  # with diacritics: only those
    assert not matches("Cai Rang", "Cái Khế")


def test_find_features_searches_every_vector_layer(project):
    found = find_features(project, "can tho")
    assert [(m.layer_name, m.text) for m in found] == [("Facilities", "Bệnh viện Đa khoa Cần Thơ")]
    assert find_features(project, "   ") == []
    roads = find_features(project, "đường")
    assert {m.text for m in roads} == {"Đường Hai Bà Trưng", "Đường 30 Tháng 4"}


def test_search_box_lists_sorted_matches_and_goes_to_the_chosen_one(qtbot, project):
    from viewer.qt.qt_main_window import QtMainWindow

    window = shown(qtbot, QtMainWindow(project), 1400, 900)
    box = window.search_box
    box.setFocus()
    qtbot.keyClicks(box, "ca")  # Cần Thơ, Cái Khế (the pump and the school)
    qtbot.waitUntil(lambda: box.results.isVisible(), timeout=3000)
    texts = [m.text for m in box.matches]
    assert texts == ["Bệnh viện Đa khoa Cần Thơ", "Trạm bơm Cái Khế", "Trường Tiểu học Cái Khế – Ninh Kiều"]
    assert [box.results.item(i).text().split("  —  ")[0] for i in range(box.results.count())] == texts
    qtbot.keyClick(box, Qt.Key.Key_Down)  # the arrow keys move in the list, Escape closes it
    assert box.results.currentRow() == 1 and box.text() == "ca"
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert not box.results.isVisible()
    box.clear()
    qtbot.keyClicks(box, "cho tan an")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert project.selection.layer_id == project.layers[2].id and project.selection.index == 2
    assert not box.results.isVisible()
    view = window.map2d.viewbox.viewRange()
    assert view[0][0] < 585000 + 40 + 64 < view[0][1] and view[0][1] - view[0][0] < 1000  # framed around it
    rows = window.attribute_panel.rows()
    assert rows.get("name") == "Chợ Tân An"
