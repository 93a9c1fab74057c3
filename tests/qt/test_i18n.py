"""Vietnamese interface: every string translated, Qt's own buttons and dialogs too, the language
chosen from the system or the preferences, numbers and dates in the Vietnamese way."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QMenu, QPushButton

from tests.qt.conftest import shown
from viewer.core.resources import resources_dir
from viewer.qt.qt_i18n import apply_language, compile_stale_translations, resolve_language

TRANSLATIONS = resources_dir() / "translations"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def messages(ts: Path) -> list[tuple[str, str, str, ET.Element]]:
    """(context, source, comment, translation element) of each message in ``ts``."""
    found = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found.append((name, message.findtext("source") or "", message.findtext("comment") or "",
                          message.find("translation")))
    return found


@pytest.fixture
def vietnamese():
    """The interface in Vietnamese for one test, English again afterwards."""
    compile_stale_translations()
    loaded = apply_language("vi")
    yield loaded
    apply_language("en")


@pytest.mark.parametrize("name", ["citytwin_vi.ts", "qtbase_vi.ts"])
def test_every_string_has_a_finished_vietnamese_translation(name):
    found = messages(TRANSLATIONS / name)
    assert len(found) > (150 if name.startswith("citytwin") else 40)
    problems = []
    for context, source, _, translation in found:
        text = translation.text or "" if translation is not None else ""
        if not text.strip() or translation.get("type") in ("unfinished", "vanished", "obsolete"):
            problems.append(f"{context}: {source!r} has no Vietnamese")
        elif sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
            problems.append(f"{context}: {source!r} -> {text!r} changes the {{placeholders}}")
        elif ("&" in source.replace("&&", "")) != ("&" in text.replace("&&", "")):
            problems.append(f"{context}: {source!r} -> {text!r} adds or drops the accelerator")
    assert not problems, "\n".join(problems)


def test_translation_file_lists_every_string_in_the_source(repo_root, tmp_path):
    """A string added to the code without running packaging/update_translations.sh fails here."""
    sources = subprocess.run(["git", "ls-files", "viewer/*.py"], cwd=repo_root, capture_output=True,
                             text=True, check=True).stdout.split()
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    fresh = tmp_path / "fresh_vi.ts"
    subprocess.run([str(lupdate), "-silent", "-locations", "none", *sources, "-ts", str(fresh)],
                   cwd=repo_root, check=True, capture_output=True)
    in_code = {(c, s, m) for c, s, m, _ in messages(fresh)}
    in_file = {(c, s, m) for c, s, m, _ in messages(TRANSLATIONS / "citytwin_vi.ts")}
    assert in_code - in_file == set(), "strings missing from citytwin_vi.ts"
    assert {(c, s, m) for c, s, m, _ in messages(TRANSLATIONS / "citytwin_en.ts")} == in_file


def test_language_follows_the_system_unless_chosen():
    assert resolve_language("system", QLocale("vi_VN")) == "vi"
    assert resolve_language("system", QLocale("en_GB")) == "en"
    assert resolve_language("system", QLocale("de_DE")) == "en"
    assert resolve_language("en", QLocale("vi_VN")) == "en"
    assert resolve_language("vi", QLocale("en_US")) == "vi"


def _visible_menu_texts(window) -> set[str]:
    texts = set()
    for menu in window.menuBar().findChildren(QMenu):
        texts.add(menu.title())
        texts.update(action.text() for action in menu.actions() if action.text() and not action.isSeparator())
    return texts


def test_main_window_menus_and_panels_are_vietnamese(vietnamese, qtbot, project):
    from viewer.qt.qt_main_window import QtMainWindow

    tr = QCoreApplication.translate
    window = shown(qtbot, QtMainWindow(project), 1400, 900)
    titles = [action.text() for action in window.menuBar().actions()]
    english = {"&File", "&View", "Sc&enarios", "&Help", "&Sensors"}
    assert titles and not english & set(titles), titles
    # every menu entry is translated (none is left with its English source text)
    source_texts = {s for _, s, _, _ in messages(TRANSLATIONS / "citytwin_vi.ts")}
    untranslated = [t for t in _visible_menu_texts(window) if t in source_texts
                    and t not in {"2D", "3D", "CityTwin", "VN-2000", "MQTT", "OGC SensorThings"}]
    assert not untranslated, untranslated
    assert window.layer_dock.windowTitle() == tr("QtMainWindow", "Layers") != "Layers"
    assert window.search_box.placeholderText() != "Find a place or feature…"
    # nothing the user can read anywhere in the window is an English source text (a string
    # translated before the translators were installed, or not marked for translation)
    english = {s for _, s, _, t in messages(TRANSLATIONS / "citytwin_vi.ts") if t is not None and t.text != s}
    window.show_flood_panel()
    seen = _readable_texts(window)
    assert len(seen) > 80
    english |= {"Export...", "Export", "View All", "Mouse Mode", "Plot Options"}  # pyqtgraph's own menus
    assert not seen & english, sorted(seen & english)


def _readable_texts(window) -> set[str]:
    from PySide6.QtWidgets import (QAbstractButton, QComboBox, QDockWidget, QLineEdit, QTabWidget,
                                   QWidget)

    texts: set[str] = set()
    for widget in [window, *window.findChildren(QWidget)]:
        texts.add(widget.toolTip())
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.add(widget.text())
        if isinstance(widget, QDockWidget):
            texts.add(widget.windowTitle())
        if isinstance(widget, QLineEdit):
            texts.add(widget.placeholderText())
        if isinstance(widget, QComboBox):
            texts.update(widget.itemText(i) for i in range(widget.count()))
        if isinstance(widget, QTabWidget):
            texts.update(widget.tabText(i) for i in range(widget.count()))
    for action in window.findChildren(QAction):
        texts.update((action.text(), action.toolTip()))
    return {t for t in texts if t}


def test_standard_buttons_and_file_dialog_are_vietnamese(vietnamese, qtbot):
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Save)
    shown(qtbot, box, 400, 60)
    texts = {box.button(b).text().replace("&", "") for b in (QDialogButtonBox.StandardButton.Ok,
                                                             QDialogButtonBox.StandardButton.Cancel,
                                                             QDialogButtonBox.StandardButton.Save)}
    assert not texts & {"OK", "Cancel", "Save"}, texts
    dialog = QFileDialog(None, "", str(resources_dir()))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    shown(qtbot, dialog, 800, 500)
    labels = {label.text().replace("&", "") for label in dialog.findChildren(QLabel) if label.text()}
    buttons = {button.text().replace("&", "") for button in dialog.findChildren(QPushButton) if button.text()}
    assert not labels & {"Look in:", "File name:", "Files of type:"}, labels
    assert not buttons & {"Open", "Cancel"}, buttons


def test_numbers_and_dates_in_vietnamese(vietnamese, qtbot, project):
    from viewer.qt.qt_locale import count_text, datetime_text, number_text
    from viewer.qt.qt_main_window import QtMainWindow
    from viewer.qt.qt_time_bar import format_local

    from PySide6.QtCore import QTimeZone

    assert number_text(1234.5) == "1.234,5" and count_text(5438) == "5.438"
    t_ns = 1_764_806_400 * 1_000_000_000  # 2025-12-04T00:00:00Z
    assert datetime_text(t_ns, QTimeZone(b"Asia/Ho_Chi_Minh")) == "4/12/2025 07:00:00"
    assert format_local(t_ns, QTimeZone(b"UTC")) == "4/12/2025 00:00:00"
    window = shown(qtbot, QtMainWindow(project), 1200, 800)
    window.map2d.cursor_moved.emit(585856.2, 1109276.0)
    text = window.coordinates_label.text()
    assert text.startswith("585.856,2  1.109.276,0") and "10,03000° B" in text and "105,78499° Đ" in text, text
    from viewer.qt.qt_attribute_panel import format_value

    assert format_value(1.25) == "1,25"


def test_numbers_and_dates_in_english():
    from viewer.qt.qt_locale import number_text

    apply_language("en", QLocale("en_US"))
    assert number_text(1234.5) == "1,234.5"


def test_names_sort_with_the_vietnamese_collator(vietnamese):
    from viewer.qt.qt_locale import sorted_by_name

    names = ["Đường Trần Phú", "Dương Minh Châu", "Bến Ninh Kiều", "đa", "Zalo", "Da", "Cái Khế", "Chợ"]
    assert sorted_by_name(names) == ["Bến Ninh Kiều", "Cái Khế", "Chợ", "Da", "Dương Minh Châu", "đa",
                                     "Đường Trần Phú", "Zalo"]


def test_a_file_that_cannot_be_read_is_reported_in_vietnamese(vietnamese, tmp_path):
    """Readers cannot import Qt: they raise a marked template and its values, translated on show."""
    from viewer.commands.open_files import open_paths
    from viewer.qt.qt_locale import error_text

    bad = tmp_path / "đường.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    empty = tmp_path / "trống.csv"
    empty.write_text("", encoding="utf-8")
    result = open_paths([bad, empty], None)
    texts = sorted(error_text(error) for error in result.errors)
    assert texts[0].startswith("trống.csv: tệp rỗng (0 byte)"), texts
    assert texts[1].startswith("đường.geojson: GDAL không đọc được tệp dưới dạng dữ liệu vectơ ("), texts
    assert "GDAL cannot read" in str(next(e for e in result.errors if e.path.endswith("geojson")))  # files, logs: English


def test_a_measure_that_does_not_fit_the_selection_says_so_in_vietnamese(vietnamese, qtbot, project):
    from viewer.qt.qt_flood_measures import QtMeasureList

    measures = shown(qtbot, QtMeasureList(project), 400, 200)
    reasons: list[str] = []
    measures.failed.connect(reasons.append)
    measures.add_from_selection()
    assert reasons[-1].startswith("hãy chọn một đối tượng trên bản đồ trước"), reasons
    facilities = project.layers[-1]
    project.selection.select(facilities.id, 0)
    measures.kind_box.setCurrentIndex(measures.kind_box.findData("retention"))
    measures.add_from_selection()
    assert reasons[-1] == "Bệnh viện Đa khoa Cần Thơ: giải pháp này cần vùng, không phải điểm", reasons
