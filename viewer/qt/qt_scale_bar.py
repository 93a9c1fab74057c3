"""A scale bar in the lower-left corner of a pyqtgraph ViewBox, in round metres or kilometres."""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

#: The bar is the longest round length that fits in this many pixels.
MAX_BAR_PX = 120.0
MARGIN_PX = 12.0
#: Metres per degree of latitude (and of longitude at the equator), for geographic CRSs.
METRES_PER_DEGREE = 111_320.0


def nice_length(max_metres: float) -> float:
    """The longest of 1, 2 or 5 x 10^n metres not longer than ``max_metres``."""
    if not math.isfinite(max_metres) or max_metres <= 0:
        return 0.0
    power = 10.0 ** math.floor(math.log10(max_metres))
    for step in (5.0, 2.0, 1.0):
        if step * power <= max_metres * (1 + 1e-9):
            return step * power
    return power


def format_length(metres: float) -> str:
    """``"500 m"``, ``"2 km"``, ``"0.5 m"``: kilometres from 1,000 m up."""
    translate = QtCore.QCoreApplication.translate
    if metres >= 1000.0:
        return translate("QtScaleBar", "{value} km").format(value=f"{metres / 1000.0:g}")
    return translate("QtScaleBar", "{value} m").format(value=f"{metres:g}")


class QtScaleBar(pg.GraphicsObject):
    """Scale bar drawn in the view box's own pixel space, updated on every zoom and resize.

    Parameters
    ----------
    viewbox
        The map's ViewBox; the bar becomes its child (not a child of the zoomed content).

    Attributes
    ----------
    length_m, bar_px, text
        The length the bar shows, its width on screen and its label.
    geographic
        Whether map units are degrees (set by the map from the project CRS); a degree of
        longitude is then measured at the latitude of the view's centre.
    """

    def __init__(self, viewbox: pg.ViewBox) -> None:
        super().__init__()
        self.geographic = False
        self.length_m = 0.0
        self.bar_px = 0.0
        self.text = ""
        self._font = QtGui.QFont("DejaVu Sans", 9)
        self._metrics = QtGui.QFontMetricsF(self._font)
        self._bounds = QtCore.QRectF()
        self.setParentItem(viewbox)
        self.setZValue(1e9)
        viewbox.sigRangeChanged.connect(self.refresh)
        viewbox.sigResized.connect(self.refresh)
        self.refresh()

    def refresh(self, *args: Any) -> None:
        """Recompute the bar for the view box's current zoom and size."""
        view = self.parentItem()
        if view is None:
            return
        height = view.height()
        width_units = view.viewRect().width()
        pixels = view.width()
        if pixels <= 0 or width_units <= 0:
            return
        metres_per_unit = 1.0
        if self.geographic:
            latitude = min(max(view.viewRect().center().y(), -89.0), 89.0)
            metres_per_unit = METRES_PER_DEGREE * math.cos(math.radians(latitude))
        metres_per_px = width_units / pixels * metres_per_unit
        self.prepareGeometryChange()
        self.length_m = nice_length(MAX_BAR_PX * metres_per_px)
        self.bar_px = self.length_m / metres_per_px if metres_per_px > 0 else 0.0
        self.text = format_length(self.length_m)
        text_w = self._metrics.horizontalAdvance(self.text)
        self._bounds = QtCore.QRectF(-4, -26, max(self.bar_px, text_w) + 8, 30)
        self.setPos(MARGIN_PX, height - MARGIN_PX)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._bounds

    def paint(self, painter: QtGui.QPainter, *args: Any) -> None:
        if self.bar_px <= 0:
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(self.boundingRect(), QtGui.QColor(255, 255, 255, 190))
        ink = QtGui.QColor("#202020")
        painter.setPen(QtGui.QPen(ink, 1))
        painter.setBrush(ink)
        w = round(self.bar_px)
        painter.drawRect(QtCore.QRectF(0, -4, w, 3))
        painter.drawLine(QtCore.QPointF(0, -8), QtCore.QPointF(0, 0))
        painter.drawLine(QtCore.QPointF(w, -8), QtCore.QPointF(w, 0))
        painter.setFont(self._font)
        painter.drawText(QtCore.QPointF(0, -11), self.text)
