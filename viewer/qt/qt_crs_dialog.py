"""Ask the user for the CRS of a file that carries none.

The list offers the VN-2000 TM-3 zones of the provinces (national cadastral data is in them),
VN-2000 and WGS 84 geographic and UTM 48N/49N; any other code or PROJ string can be typed and is
checked with pyproj before the dialog accepts it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout,
                               QWidget)

from viewer.core.vn2000 import PROVINCES, TM3_EPSG


def _meridian_text(meridian: float) -> str:
    degrees = int(meridian)
    minutes = round((meridian - degrees) * 60)
    return f"{degrees}°{minutes:02d}′E" if minutes else f"{degrees}°E"


def crs_choices() -> list[tuple[str, str]]:
    """(code, label) pairs offered in the list: VN-2000 TM-3 zones first, by province."""
    by_meridian: dict[float, list[str]] = {}
    for province in PROVINCES:  # the big cities come first in PROVINCES
        by_meridian.setdefault(province.meridian, []).append(province.name)
    choices = []
    for meridian, names in by_meridian.items():
        shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
        choices.append((f"EPSG:{TM3_EPSG[meridian]}",
                        f"VN-2000 / TM-3 {_meridian_text(meridian)} ({shown})"))
    lonlat = QCoreApplication.translate("QtCrsDialog", "longitude/latitude")
    choices += [
        ("EPSG:4756", f"VN-2000 ({lonlat})"),
        ("EPSG:3405", "VN-2000 / UTM 48N"),
        ("EPSG:3406", "VN-2000 / UTM 49N"),
        ("EPSG:4326", f"WGS 84 ({lonlat})"),
        ("EPSG:32648", "WGS 84 / UTM 48N"),
        ("EPSG:32649", "WGS 84 / UTM 49N"),
    ]
    return choices


def validate_crs(text: str) -> str | None:
    """The CRS as ``"EPSG:nnnn"`` (or the text itself when it has no code); None if invalid."""
    text = text.strip()
    if not text:
        return None
    code = text.split()[0] if text.upper().startswith("EPSG:") else text
    import pyproj

    try:
        crs = pyproj.CRS.from_user_input(code)
    except pyproj.exceptions.CRSError:
        return None
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else code


class QtCrsDialog(QDialog):
    """Asks which CRS a file is in.

    Parameters
    ----------
    path
        The file concerned, named in the question.
    suggestion
        CRS to preselect (the project CRS, usually).
    """

    def __init__(self, path: str, suggestion: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Coordinate reference system"))
        self._result: str | None = None
        question = QLabel(self.tr("“{file}” does not say which coordinate system its "
                                  "coordinates are in. Choose one, or type an EPSG code or a "
                                  "PROJ string:").format(file=path), self)
        question.setWordWrap(True)
        self.combo = QComboBox(self)
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for code, label in crs_choices():
            self.combo.addItem(f"{code} — {label}", code)
        index = self.combo.findData(suggestion) if suggestion else -1
        if index < 0 and suggestion:
            self.combo.setEditText(suggestion)
        else:
            self.combo.setCurrentIndex(max(index, 0))
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addWidget(self.combo)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())

    def entered_text(self) -> str:
        """What the combo holds: the code of a listed entry, or the typed text."""
        text = self.combo.currentText()
        index = self.combo.findText(text)
        return self.combo.itemData(index) if index >= 0 else text

    def crs(self) -> str | None:
        """The accepted CRS, or None (cancelled)."""
        return self._result

    def accept(self) -> None:
        crs = validate_crs(self.entered_text())
        if crs is None:
            self.error_label.setText(self.tr("Not a coordinate system PROJ knows: {text}")
                                     .format(text=self.entered_text()))
            return
        self._result = crs
        super().accept()

    @classmethod
    def ask(cls, path: str, suggestion: str = "", parent: QWidget | None = None) -> str | None:
        """Modal convenience: the chosen CRS string, or None."""
        dialog = cls(path, suggestion, parent)
        try:
            return dialog.crs() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
