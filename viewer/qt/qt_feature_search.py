"""The search box: find a street, a facility or a building by name and go to it.

Typing lists the features whose name contains the text (Vietnamese with or without diacritics,
NFC-normalised: :mod:`viewer.core.text_search`), sorted by the locale's collator; choosing one
selects it and frames it on the map.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QWidget

from viewer.commands.find_features import FeatureMatch, find_features
from viewer.core.project import Project
from viewer.qt.qt_locale import sorted_by_name

DEBOUNCE_MS = 200
SHOWN = 50
"""Most matches listed."""


class QtFeatureSearch(QLineEdit):
    """A line edit with a drop-down of matching features.

    Parameters
    ----------
    project
        Searched, and its selection set to the chosen feature.

    Attributes
    ----------
    results
        The drop-down list (a popup window under the line edit).
    matches
        The matches listed, in the order shown.

    Signals
    -------
    chosen(object)
        The :class:`~viewer.commands.find_features.FeatureMatch` the user picked.
    """

    chosen = Signal(object)

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.matches: list[FeatureMatch] = []
        self.setPlaceholderText(self.tr("Find a place or feature…"))
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(280)
        self.results = QListWidget(self)
        self.results.setWindowFlags(Qt.WindowType.ToolTip)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.itemClicked.connect(lambda item: self.choose(self.results.row(item)))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search)
        self.textEdited.connect(lambda *_: self._timer.start())
        self.returnPressed.connect(self._on_return)

    def search(self) -> list[FeatureMatch]:
        """List the features matching the current text (also called by the debounce timer)."""
        found = sorted_by_name(find_features(self.project, self.text()), lambda m: f"{m.text}\t{m.layer_name}")
        self.matches = found[:SHOWN]
        self.results.clear()
        for match in self.matches:
            self.results.addItem(QListWidgetItem(f"{match.text}  —  {match.layer_name}"))
        if not self.matches and self.text().strip():
            item = QListWidgetItem(self.tr("Nothing is called “{text}”").format(text=self.text().strip()))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(item)
        self._show_results()
        return self.matches

    def _show_results(self) -> None:
        if self.results.count() == 0:
            self.results.hide()
            return
        self.results.setCurrentRow(0 if self.matches else -1)
        below = self.mapToGlobal(self.rect().bottomLeft())
        rows = min(self.results.count(), 12)
        self.results.setGeometry(below.x(), below.y(), max(self.width(), 360),
                                 rows * self.results.sizeHintForRow(0) + 6)
        self.results.show()

    def choose(self, row: int) -> None:
        """Select match ``row`` in the project and tell :attr:`chosen`."""
        if not 0 <= row < len(self.matches):
            return
        match = self.matches[row]
        self.results.hide()
        self.project.selection.select(match.layer_id, match.index)
        self.chosen.emit(match)

    def _on_return(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.search()
        self.choose(max(self.results.currentRow(), 0))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        """Up/Down move in the drop-down, Escape closes it; other keys edit the text."""
        key = event.key()
        if self.results.isVisible() and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            self.results.setCurrentRow(min(max(self.results.currentRow() + step, 0), len(self.matches) - 1))
        elif self.results.isVisible() and key == Qt.Key.Key_Escape:
            self.results.hide()
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt name)
        """Close the drop-down a moment later (a click on it still lands first)."""
        QTimer.singleShot(150, self.results.hide)
        super().focusOutEvent(event)
