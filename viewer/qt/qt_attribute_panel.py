"""The attribute panel: the selected feature's layer and its attributes as (field, value) rows.

It follows ``project.selection`` only, so a 2D identify and a 3D pick show the same way: both
just set the selection.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QLocale
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from viewer.core.project import Project
from viewer.qt.model_links import unlink_all

# Fonts known to draw Vietnamese well, best first; any family Qt reports as covering the
# Vietnamese writing system is the fallback.
_PREFERRED_FONTS = ("Noto Sans", "Segoe UI", "Roboto", "DejaVu Sans", "Arial", "Liberation Sans")


def vietnamese_font(base: QFont | None = None) -> QFont:
    """A copy of ``base`` (or the default font) in a family with Vietnamese glyphs."""
    font = QFont(base) if base is not None else QFont()
    families = QFontDatabase.families(QFontDatabase.WritingSystem.Vietnamese)
    if font.family() in families:
        return font
    for name in _PREFERRED_FONTS:
        if name in families:
            font.setFamily(name)
            return font
    if families:
        font.setFamily(families[0])
    return font


def format_value(value: Any) -> str:
    """How an attribute value is written in the table (None and NaN as empty; decimals in the
    interface locale; whole numbers, often codes, without group separators)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        locale = QLocale()
        locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)
        return locale.toString(value, "g", 10)  # 12,5 in Vietnamese
    if isinstance(value, bytes):
        return value.hex()
    return str(value)




class QtAttributePanel(QWidget):
    """Shows the attributes of the selected feature.

    Parameters
    ----------
    project
        Its ``selection`` is followed; its layers give the attributes.
    """

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._links: list[tuple[Any, Callable]] = []
        self.setFont(vietnamese_font(self.font()))

        self.title_label = QLabel(self)
        self.title_label.setWordWrap(True)
        title_font = QFont(self.font())
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title_label)
        layout.addWidget(self.table, 1)

        selection = project.selection
        for signal in (selection.events.layer_id, selection.events.index,
                       project.layers.events.removed, project.layers.events.inserted):
            signal.connect(self.refresh)
            self._links.append((signal, self.refresh))
        # A sensor station's values change with the clock: follow the status while one is shown.
        project.sensor_status.updated.connect(self._on_status)
        self._links.append((project.sensor_status.updated, self._on_status))
        self.destroyed.connect(partial(unlink_all, self._links))
        self.refresh()

    def _on_status(self) -> None:
        layer = self.project.layer_by_id(self.project.selection.layer_id)
        if layer is not None and layer.kind == "sensors":
            self.refresh()

    def refresh(self, *_: Any) -> None:
        """Show the current selection (or a hint when nothing is selected)."""
        selection = self.project.selection
        layer = self.project.layer_by_id(selection.layer_id)
        attributes: dict[str, Any] = {}
        if layer is not None and selection.index is not None:
            try:
                attributes = layer.attributes(selection.index)
            except (IndexError, KeyError, ValueError):
                # Seen between select()'s two field updates: the index of the old layer.
                layer = None
        if layer is None:
            self.title_label.setText(self.tr("Nothing selected: click a feature on the map "
                                             "or in the 3D view."))
            self.table.setRowCount(0)
            return
        self.title_label.setText(self.tr("{layer} — feature {index}").format(
            layer=layer.name, index=selection.index))
        self.table.setRowCount(len(attributes))
        for row, (name, value) in enumerate(attributes.items()):
            self.table.setItem(row, 0, QTableWidgetItem(str(name)))
            text = format_value(value)
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            self.table.setItem(row, 1, item)

    def rows(self) -> dict[str, str]:
        """The table's (field -> text) content, as shown."""
        return {self.table.item(row, 0).text(): self.table.item(row, 1).text()
                for row in range(self.table.rowCount())}
