"""The CRS dialog and the About box."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

import viewer
from viewer.qt.qt_about import QtAboutDialog
from viewer.qt.qt_crs_dialog import QtCrsDialog, crs_choices, validate_crs


def test_crs_choices_offer_vn2000_zones_and_wgs84():
    choices = dict(crs_choices())
    assert "Cần Thơ" in choices["EPSG:5897"] and "Hà Nội" in choices["EPSG:5897"]
    assert "TP. Hồ Chí Minh" in choices["EPSG:9210"]
    assert "Đà Nẵng" in choices["EPSG:5899"]
    for code in ("EPSG:4326", "EPSG:32648", "EPSG:32649", "EPSG:3405", "EPSG:3406"):
        assert code in choices


def test_validate_crs():
    assert validate_crs("EPSG:9210") == "EPSG:9210"
    assert validate_crs("EPSG:5897 — VN-2000 / TM-3 105°E") == "EPSG:5897"
    assert validate_crs("+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs +type=crs") == "EPSG:32648"
    assert validate_crs("EPSG:999999") is None
    assert validate_crs("not a crs") is None
    assert validate_crs("  ") is None


def test_crs_dialog_rejects_invalid_and_accepts_valid(qtbot):
    dialog = QtCrsDialog("parcels.shp", suggestion="EPSG:5897")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.entered_text() == "EPSG:5897"
    dialog.combo.setEditText("EPSG:123456789")
    dialog.accept()
    assert dialog.isVisible() and dialog.crs() is None
    assert "123456789" in dialog.error_label.text()
    dialog.combo.setEditText("EPSG:9210")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.crs() == "EPSG:9210"


def test_about_says_the_demo_is_synthetic(qtbot, project):
    project.synthetic = True
    dialog = QtAboutDialog(project)
    qtbot.addWidget(dialog)
    text = dialog.text()
    assert "CityTwin" in text and viewer.__version__ in text
    assert "SYNTHETIC" in text and "Ninh Kiều, Cần Thơ" in text and "not survey data" in text
    assert "Demo district: SYNTHETIC" in text
    assert "LGPL" in text
