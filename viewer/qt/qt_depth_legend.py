"""The legend of the flood depth on the 2D map: a colour ramp with depths, and the frame's time.

It sits in the map's upper-right corner while a visible water-depth layer is in the project, and
follows that layer's style (ramp, range) and shown frame.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from viewer.core.project import Project
from viewer.core.style import ramp_colors
from viewer.qt.model_links import unlink_all
from viewer.qt.qt_locale import date_format

WIDTH_PX, HEIGHT_PX = 190, 66
MARGIN_PX = 10


class QtDepthLegend(QtWidgets.QWidget):
    """Depth ramp over the map (a child of the map widget, drawn over its view)."""

    def __init__(self, project: Project, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.project = project
        self.layer: Any = None
        self.setFixedSize(WIDTH_PX, HEIGHT_PX)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._links: list[tuple[Any, Any]] = []
        self._layer_links: list[tuple[Any, Any]] = []
        events = project.layers.events
        for signal in (events.inserted, events.removed, events.changed, events.moved, events.reordered):
            signal.connect(self.refresh)
            self._links.append((signal, self.refresh))
        self.destroyed.connect(partial(unlink_all, self._links))
        self.destroyed.connect(partial(unlink_all, self._layer_links))
        parent.installEventFilter(self)
        self.refresh()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt)
        if event.type() == QtCore.QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        parent = self.parentWidget()
        self.move(parent.width() - WIDTH_PX - MARGIN_PX, MARGIN_PX)
        self.raise_()

    def refresh(self, *_: Any) -> None:
        """Follow the top visible water-depth layer (hidden when there is none)."""
        water = [lay for lay in self.project.layers if lay.kind == "water" and lay.visible]
        layer = water[-1] if water else None
        if layer is not self.layer:
            unlink_all(self._layer_links)  # empties the list in place
            self.layer = layer
            if layer is not None:
                for name in ("style", "frame_index", "visible"):
                    signal = getattr(layer.events, name)
                    signal.connect(self.refresh)
                    self._layer_links.append((signal, self.refresh))
        self.setVisible(self.layer is not None)
        self._place()
        self.update()

    def frame_text(self, form: str | None = None) -> str:
        """The shown frame's time in UTC, in the QDateTime format ``form`` (default: the
        locale's date, the time and "UTC")."""
        if self.layer is None:
            return ""
        t_ns = int(self.layer.times_ns[self.layer.frame_index])
        stamp = QtCore.QDateTime.fromMSecsSinceEpoch(t_ns // 1_000_000, QtCore.QTimeZone.utc())
        return stamp.toString(form or date_format() + " HH:mm 'UTC'")

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt name)
        if self.layer is None:
            return
        style = self.layer.style
        vmin = 0.0 if style.vmin is None else float(style.vmin)
        vmax = 1.5 if style.vmax is None else float(style.vmax)
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setBrush(QtGui.QColor(255, 255, 255, 225))
        painter.setPen(QtGui.QColor("#868e96"))
        painter.drawRoundedRect(self.rect().adjusted(0, 0, -1, -1), 4, 4)
        painter.setPen(QtGui.QColor("#212529"))
        painter.drawText(QtCore.QRect(8, 3, WIDTH_PX - 16, 16), QtCore.Qt.AlignmentFlag.AlignLeft,
                         self.tr("Flood depth (m)"))
        painter.drawText(QtCore.QRect(8, 3, WIDTH_PX - 16, 16), QtCore.Qt.AlignmentFlag.AlignRight,
                         self.frame_text("HH:mm"))
        bar = QtCore.QRect(8, 22, WIDTH_PX - 16, 14)
        colours = ramp_colors(np.linspace(vmin, vmax, bar.width()), style.ramp, vmin, vmax)
        for x, (r, g, b, _) in enumerate(colours):
            painter.setPen(QtGui.QColor(int(r), int(g), int(b)))
            painter.drawLine(bar.left() + x, bar.top(), bar.left() + x, bar.bottom())
        painter.setPen(QtGui.QColor("#212529"))
        for k in range(4):
            value = vmin + (vmax - vmin) * k / 3
            x = bar.left() + round(k * (bar.width() - 1) / 3)
            painter.drawLine(x, bar.bottom(), x, bar.bottom() + 3)
            text = QtCore.QLocale().toString(value, "f", 1) + ("+" if k == 3 else "")
            painter.drawText(QtCore.QRect(x - 20, bar.bottom() + 4, 40, 14), QtCore.Qt.AlignmentFlag.AlignHCenter, text)
        painter.end()
