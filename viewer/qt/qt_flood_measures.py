"""The flood panel's list of measures made from features selected on the map."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QHBoxLayout, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from viewer.core.project import Project
from viewer.qt.qt_locale import error_text

# kind -> (minimum, maximum, step, default, decimals, suffix), in the order the list offers them
RANGES = {"raise": (0.0, 20.0, 0.1, 2.6, 2, " m"), "wall": (0.0, 20.0, 0.1, 3.0, 2, " m"),
          "pump": (0.01, 100.0, 0.5, 2.0, 2, " m³/s"), "retention": (0.1, 10.0, 0.1, 1.5, 2, " m"),
          "manning": (0.005, 0.5, 0.005, 0.1, 3, "")}


class QtMeasureList(QWidget):
    """Pick a measure kind and its number, add it for the selected feature, switch it on or off.

    Attributes
    ----------
    kind_box, value_spin, add_button, remove_button, list
        The parts.
    measures
        The measures added, in the list's order (their ``enabled`` follows the check boxes).

    Signals
    -------
    failed(str)
        A measure could not be made from the selection (the reason, for the user).
    """

    failed = Signal(str)

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.measures: list = []
        self.kind_box = QComboBox(self)
        names = {"raise": self.tr("Raise to crest"), "wall": self.tr("Flood wall, crest"),
                 "pump": self.tr("Pump, capacity"), "retention": self.tr("Retention pond, depth"),
                 "manning": self.tr("Roughness (Manning n)")}
        for kind in RANGES:
            self.kind_box.addItem(names[kind], kind)
        self.value_spin = QDoubleSpinBox(self)
        self.add_button = QPushButton(self.tr("Add for the selected feature"), self)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.list = QListWidget(self)
        self.list.setMaximumHeight(90)
        row = QHBoxLayout()
        row.addWidget(self.kind_box, 2)
        row.addWidget(self.value_spin, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.list)
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self.add_button.clicked.connect(lambda *_: self.add_from_selection())
        self.remove_button.clicked.connect(lambda *_: self.remove_current())
        self.list.itemChanged.connect(self._checked)
        self._kind_changed()

    def _kind_changed(self, *_: object) -> None:
        low, high, step, default, decimals, suffix = RANGES[self.kind_box.currentData()]
        self.value_spin.setDecimals(decimals)
        self.value_spin.setRange(low, high)
        self.value_spin.setSingleStep(step)
        self.value_spin.setValue(default)
        self.value_spin.setSuffix(suffix)

    def add_from_selection(self) -> object | None:
        """Make the chosen measure on the selected feature and list it; None (and
        :attr:`failed`) when the selection does not suit it."""
        from viewer.commands.flood_measures import measure_for, selected_geometry
        from viewer.scenarios.flood_scenario import ScenarioError

        try:
            wkt, geometry_kind, name = selected_geometry(self.project)
            measure = measure_for(self.kind_box.currentData(), self.value_spin.value(), wkt, geometry_kind, name)
        except ScenarioError as error:
            self.failed.emit(error_text(error))
            return None
        self.measures.append(measure)
        item = QListWidgetItem(f"{self.kind_box.currentText()} {self.value_spin.text()}: {name}")
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        self.list.addItem(item)
        return measure

    def remove_current(self) -> None:
        """Drop the highlighted measure."""
        row = self.list.currentRow()
        if 0 <= row < len(self.measures):
            self.list.takeItem(row)
            del self.measures[row]

    def _checked(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self.measures):
            self.measures[row].enabled = item.checkState() == Qt.CheckState.Checked

    def enabled_measures(self) -> list:
        """The measures switched on."""
        return [m for m in self.measures if m.enabled]
