"""The layer panel: the project's layers, top layer first, with visibility, opacity and order.

The widget is a view of ``project.layers``: it rebuilds its rows from the model's events and
writes every user change (checkbox, rename, opacity, drag, up/down, remove) back to the model,
whose events then update the rows. It keeps no copy of the layer list.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QMenu, QMessageBox, QSlider, QToolButton,
                               QVBoxLayout, QWidget)

from viewer.core.layers import Layer
from viewer.core.project import Project
from viewer.qt.model_links import unlink_all
from viewer.qt.qt_locale import count_text

LAYER_ID_ROLE = Qt.ItemDataRole.UserRole




class QtLayerPanel(QWidget):
    """List of the project's layers.

    Parameters
    ----------
    project
        The model shown and edited.

    Signals
    -------
    zoom_requested(object layer)
        The user asked to zoom to a layer (the window forwards it to the 2D and 3D views).
    """

    zoom_requested = Signal(object)

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._links: list[tuple[Any, Callable]] = []
        self._layer_links: list[tuple[Any, Callable]] = []

        self.list = QListWidget(self)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.DoubleClicked)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentRowChanged.connect(self._on_current_changed)
        self.list.customContextMenuRequested.connect(self._on_context_menu)
        self.list.model().rowsMoved.connect(self._on_rows_moved)

        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setToolTip(self.tr("Opacity of the current layer"))
        self.opacity_slider.valueChanged.connect(self._on_opacity_changed)
        self.up_button = QToolButton(self)
        self.up_button.setArrowType(Qt.ArrowType.UpArrow)
        self.up_button.setToolTip(self.tr("Move the layer up"))
        self.up_button.clicked.connect(lambda: self.move_current(+1))
        self.down_button = QToolButton(self)
        self.down_button.setArrowType(Qt.ArrowType.DownArrow)
        self.down_button.setToolTip(self.tr("Move the layer down"))
        self.down_button.clicked.connect(lambda: self.move_current(-1))

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Opacity"), self))
        row.addWidget(self.opacity_slider, 1)
        row.addWidget(self.up_button)
        row.addWidget(self.down_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)

        events = project.layers.events
        for signal in (events.inserted, events.removed, events.moved, events.changed,
                       events.reordered):
            self._link(signal, self._rebuild)
        self.destroyed.connect(partial(unlink_all, self._links))
        self.destroyed.connect(partial(unlink_all, self._layer_links))
        self._rebuild()

    # -- model -> view ---------------------------------------------------------------------

    def _link(self, signal: Any, callback: Callable, links: list | None = None) -> None:
        signal.connect(callback)
        (self._links if links is None else links).append((signal, callback))

    def kind_name(self, kind: str) -> str:
        """The translated name of a layer kind (``vector`` -> "Vector" ...)."""
        names = {"vector": self.tr("Vector"), "buildings": self.tr("Buildings"), "raster": self.tr("Raster"),
                 "sensors": self.tr("Sensors"), "water": self.tr("Water depth")}
        return names.get(kind, kind)

    def _rebuild(self, *_: Any) -> None:
        """Recreate the rows from ``project.layers`` (top layer first)."""
        current = self.current_layer()
        unlink_all(self._layer_links)
        self.list.blockSignals(True)
        self.list.clear()
        for layer in reversed(list(self.project.layers)):
            item = QListWidgetItem(layer.name)
            item.setData(LAYER_ID_ROLE, layer.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable
                          | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled)
            self._fill_item(item, layer)
            self.list.addItem(item)
            for name in ("name", "visible", "opacity", "crs"):
                self._link(getattr(layer.events, name), partial(self._refresh_layer, layer.id),
                           self._layer_links)
        if current is not None and current in self.project.layers:
            self.list.setCurrentRow(self.row_of(current))
        elif self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self._show_current_opacity()

    def _fill_item(self, item: QListWidgetItem, layer: Layer) -> None:
        item.setText(layer.name)
        item.setCheckState(Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
        item.setToolTip(self.tr("{kind} layer, {crs}").format(kind=self.kind_name(layer.kind), crs=layer.crs))

    def _refresh_layer(self, layer_id: str, *_: Any) -> None:
        layer = self.project.layer_by_id(layer_id)
        item = self._item_of(layer_id)
        if layer is None or item is None:
            return
        self.list.blockSignals(True)
        self._fill_item(item, layer)
        self.list.blockSignals(False)
        self._show_current_opacity()

    def _show_current_opacity(self) -> None:
        layer = self.current_layer()
        self.opacity_slider.blockSignals(True)
        self.opacity_slider.setEnabled(layer is not None)
        self.opacity_slider.setValue(round(100 * layer.opacity) if layer is not None else 100)
        self.opacity_slider.blockSignals(False)

    # -- lookups ---------------------------------------------------------------------------

    def _item_of(self, layer_id: str) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(LAYER_ID_ROLE) == layer_id:
                return item
        return None

    def row_of(self, layer: Layer) -> int:
        """The list row showing ``layer`` (0 = top), or -1."""
        item = self._item_of(layer.id)
        return -1 if item is None else self.list.row(item)

    def layer_at(self, row: int) -> Layer | None:
        """The layer shown in list row ``row``."""
        item = self.list.item(row)
        return None if item is None else self.project.layer_by_id(item.data(LAYER_ID_ROLE))

    def current_layer(self) -> Layer | None:
        """The layer of the current row, or None."""
        return self.layer_at(self.list.currentRow())

    def set_current_layer(self, layer: Layer) -> None:
        """Make ``layer``'s row current."""
        self.list.setCurrentRow(self.row_of(layer))

    # -- view -> model ---------------------------------------------------------------------

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        layer = self.project.layer_by_id(item.data(LAYER_ID_ROLE))
        if layer is None:
            return
        visible = item.checkState() == Qt.CheckState.Checked
        if layer.visible != visible:
            layer.visible = visible
        name = item.text().strip()
        if name and name != layer.name:
            layer.name = name

    def _on_current_changed(self, _row: int) -> None:
        self._show_current_opacity()

    def _on_opacity_changed(self, value: int) -> None:
        layer = self.current_layer()
        if layer is not None:
            layer.opacity = value / 100.0

    def _on_rows_moved(self, *_: Any) -> None:
        # A drag reordered the rows. Apply it after the drop has finished: the model's events
        # rebuild the list, which must not happen inside QListWidget's own drop handling.
        order = [self.list.item(row).data(LAYER_ID_ROLE) for row in range(self.list.count())]
        QTimer.singleShot(0, partial(self._apply_order, order))

    def _apply_order(self, top_first_ids: list[str]) -> None:
        """Reorder ``project.layers`` to match ``top_first_ids`` with the fewest moves."""
        wanted = list(reversed(top_first_ids))
        layers = self.project.layers
        if sorted(wanted) != sorted(layer.id for layer in layers):
            self._rebuild()  # the model changed meanwhile: show it as it is
            return
        for target, layer_id in enumerate(wanted):
            source = next(i for i, layer in enumerate(layers) if layer.id == layer_id)
            if source != target:
                layers.move(source, target)

    def move_current(self, step: int) -> None:
        """Move the current layer ``step`` places up (positive) or down in the drawing order."""
        layer = self.current_layer()
        if layer is None:
            return
        layers = self.project.layers
        index = list(layers).index(layer)
        target = min(max(index + step, 0), len(layers) - 1)
        if target == index:
            return
        # EventedList.move inserts before dest_index, counted before the item is taken out.
        layers.move(index, target + 1 if target > index else target)
        self.set_current_layer(layer)

    def remove_layer(self, layer: Layer) -> None:
        """Remove ``layer`` from the project."""
        self.project.remove_layer(layer)

    # -- context menu ----------------------------------------------------------------------

    def context_menu(self, layer: Layer) -> QMenu:
        """The menu offered for ``layer`` (built fresh each time)."""
        menu = QMenu(self)
        menu.addAction(self.tr("Zoom to layer"), lambda: self.zoom_requested.emit(layer))
        menu.addAction(self.tr("Style…"), lambda: self.open_style_dialog(layer))
        menu.addAction(self.tr("Properties"), lambda: self.show_properties(layer))
        menu.addSeparator()
        menu.addAction(self.tr("Remove"), lambda: self.remove_layer(layer))
        return menu

    def _on_context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        layer = None if item is None else self.project.layer_by_id(item.data(LAYER_ID_ROLE))
        if layer is None:
            return
        menu = self.context_menu(layer)
        menu.exec(self.list.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def open_style_dialog(self, layer: Layer) -> QWidget:
        """Open the style dialog for ``layer`` (window-modal, returns at once)."""
        from viewer.qt.qt_style_dialog import QtStyleDialog

        dialog = QtStyleDialog(layer, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_properties(self, layer: Layer) -> QMessageBox:
        """Show the layer's CRS, feature count and source (non-modal)."""
        source = layer.source.get("path") or self.tr("(in memory)")
        if layer.source.get("layer"):
            source = f"{source} | {layer.source['layer']}"
        text = self.tr("Name: {name}\nKind: {kind}\nCRS: {crs}\nFeatures: {count}\nSource: {source}")
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Layer properties"),
                          text.format(name=layer.name, kind=self.kind_name(layer.kind), crs=layer.crs or "?",
                                      count=count_text(layer.feature_count), source=source),
                          QMessageBox.StandardButton.Close, self)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()
        return box
