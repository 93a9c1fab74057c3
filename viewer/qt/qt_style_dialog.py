"""The style dialog: single colour, categorized or graduated, with a label field.

Styles are immutable: applying assigns ``layer.style = layer.style.evolve(...)``, whose event
redraws the 2D and 3D views.
"""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QColorDialog, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QPushButton, QWidget)

from viewer.core.layers import Layer
from viewer.core.style import RAMPS, Style


class QtStyleDialog(QDialog):
    """Edit ``layer``'s style.

    Parameters
    ----------
    layer
        The layer whose style is edited; OK and Apply assign a new Style to it.
    """

    def __init__(self, layer: Layer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer = layer
        self.setWindowTitle(self.tr("Style of {name}").format(name=layer.name))
        style = layer.style
        fields = list(getattr(layer, "fields", []))

        self.kind_combo = QComboBox(self)
        for kind, text in (("single", self.tr("Single colour")),
                           ("categorized", self.tr("Categorized (a colour per value)")),
                           ("graduated", self.tr("Graduated (a ramp over numbers)"))):
            self.kind_combo.addItem(text, kind)
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(style.kind), 0))

        self.field_combo = QComboBox(self)
        self.field_combo.addItems(fields)
        if style.field in fields:
            self.field_combo.setCurrentText(style.field)

        self._color = style.color
        self.color_button = QPushButton(self)
        self.color_button.clicked.connect(self.choose_color)
        self._show_color()

        self.ramp_combo = QComboBox(self)
        self.ramp_combo.addItems(list(RAMPS))
        self.ramp_combo.setCurrentText(style.ramp if style.ramp in RAMPS else "viridis")

        self.label_combo = QComboBox(self)
        self.label_combo.addItem(self.tr("(no labels)"), None)
        for name in fields:
            self.label_combo.addItem(name, name)
        self.label_combo.setCurrentIndex(max(self.label_combo.findData(style.label_field), 0))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Apply
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)

        form = QFormLayout(self)
        form.addRow(self.tr("Kind"), self.kind_combo)
        form.addRow(self.tr("Field"), self.field_combo)
        form.addRow(self.tr("Colour"), self.color_button)
        form.addRow(self.tr("Ramp"), self.ramp_combo)
        form.addRow(self.tr("Label field"), self.label_combo)
        form.addRow(buttons)

        self.kind_combo.currentIndexChanged.connect(self._enable_fields)
        self._enable_fields()

    def _enable_fields(self, *_: object) -> None:
        kind = self.kind_combo.currentData()
        has_fields = self.field_combo.count() > 0
        self.field_combo.setEnabled(kind != "single" and has_fields)
        self.color_button.setEnabled(kind == "single")
        self.ramp_combo.setEnabled(kind == "graduated" or self.layer.kind == "raster")

    def _show_color(self) -> None:
        self.color_button.setText(self._color)
        self.color_button.setStyleSheet(
            f"background-color: {self._color}; color: "
            f"{'#000000' if QColor(self._color).lightness() > 128 else '#ffffff'};")

    @property
    def color(self) -> str:
        """The chosen fill colour, ``#rrggbb``."""
        return self._color

    def set_color(self, color: str | QColor) -> None:
        """Set the fill colour (what the colour picker does)."""
        self._color = QColor(color).name()
        self._show_color()

    def choose_color(self) -> None:
        """Ask for a colour with the standard colour dialog."""
        color = QColorDialog.getColor(QColor(self._color), self, self.tr("Fill colour"))
        if color.isValid():
            self.set_color(color)

    def chosen_style(self) -> Style:
        """The style the dialog's choices describe."""
        kind = self.kind_combo.currentData()
        field = self.field_combo.currentText() or None
        current = self.layer.style
        changes: dict[str, object] = {
            "kind": kind if field or kind == "single" else "single",
            "field": field if kind != "single" else current.field,
            "color": self._color,
            "ramp": self.ramp_combo.currentText(),
            "label_field": self.label_combo.currentData(),
        }
        if changes["field"] != current.field:
            changes["categories"] = {}  # the old field's value -> colour table means nothing now
        return current.evolve(**changes)

    def apply(self) -> None:
        """Assign the chosen style to the layer."""
        style = self.chosen_style()
        if style != self.layer.style:
            self.layer.style = style

    def accept(self) -> None:
        self.apply()
        super().accept()
