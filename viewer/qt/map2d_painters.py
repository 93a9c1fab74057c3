"""Graphics objects that paint many map features in one ``paint()``: shapes, labels, selection.

Each one culls to the painted area and works out the pixel size from the painter's transform, so
the same code serves the screen, :meth:`QGraphicsView.render` into an image, and every zoom.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from viewer.qt.map2d_geometry import (GeometryBatch, LabelSource, choose_labels, lod_level,
                                      premultiplied_argb, rasterize_dots)

#: Layers with fewer parts than this are drawn antialiased; bigger ones are not (speed).
ANTIALIAS_BELOW = 2000
#: Chunk drawings kept per layer (a chunk at a zoom level is one entry).
CACHE_ENTRIES = 4096
HIGHLIGHT_COLOR = "#ffe600"
LABEL_COLOR = "#1b1b1b"
LABEL_HALO = "#ffffff"
LABEL_FONT_FAMILY = "DejaVu Sans"  # has the Vietnamese diacritics
LABEL_POINT_SIZE = 9
MAX_LABELS = 300


def path_from_arrays(x: np.ndarray, y: np.ndarray, connect: np.ndarray) -> QtGui.QPainterPath:
    """A winding-rule path from vertex arrays; ``connect[i]`` joins vertex i to i + 1."""
    path = pg.arrayToQPath(np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(y, dtype=float),
                           connect=np.asarray(connect, dtype=np.int32), finiteCheck=False)
    path.setFillRule(QtCore.Qt.FillRule.WindingFill)
    return path


def pixel_size(painter: QtGui.QPainter) -> float:
    """Map units per device pixel under the painter's current transform."""
    t = painter.transform()
    det = abs(t.m11() * t.m22() - t.m12() * t.m21())
    return 1.0 / math.sqrt(det) if det > 0 else 1.0


def painted_rect(painter: QtGui.QPainter) -> tuple[float, float, float, float]:
    """The part of item space the painter can reach: its window, clipped, mapped back."""
    inverse, ok = painter.transform().inverted()
    rect = inverse.mapRect(QtCore.QRectF(painter.window()))
    if painter.hasClipping():
        rect = rect.intersected(painter.clipBoundingRect())
    return (rect.left(), rect.top(), rect.right(), rect.bottom())


class BatchedShapesItem(pg.GraphicsObject):
    """The polygons or lines of one layer, painted by chunk with a level of detail per zoom.

    A chunk at a level becomes a few QPainterPaths (one per fill colour, outlined or not) and the
    centres of its parts under two pixels, built on first use and cached; the dots of all chunks
    in view are burnt into one image per paint.

    Attributes
    ----------
    stats
        What the last paint drew: ``chunks`` (in view; ``coarse`` is 1 when they were the coarse
        blocks), ``paths`` (draw calls), ``shapes``
        (parts drawn as shapes), ``vertices`` (of those shapes) and ``dots`` (parts drawn as a
        dot). ``vertices + dots`` is the work a frame does, and falls as the map zooms out.
    """

    def __init__(self, batch: GeometryBatch, parent: QtWidgets.QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.batch = batch
        self.rows = np.arange(0)
        self.stats: dict[str, int] = {"chunks": 0, "coarse": 0, "paths": 0, "shapes": 0, "vertices": 0,
                                      "dots": 0}
        self._cache: OrderedDict[tuple[int, int], Any] = OrderedDict()
        self._part_colour = np.zeros(len(batch), dtype=np.int32)
        self._colours: list[QtGui.QColor] = []
        self._argb = np.zeros(0, dtype=np.uint32)
        self._filled = True
        self._last_dots: tuple[Any, list[np.ndarray]] = (None, [])
        self._edge = QtGui.QPen(QtCore.Qt.PenStyle.NoPen)
        self._line_width = 1.0
        xmin, ymin, xmax, ymax = batch.extent
        # Outlines and lines are drawn with pixel-wide pens past the geometry: leave them room.
        pad = 0.01 * max(xmax - xmin, ymax - ymin) + 1e-6
        self._bounds = QtCore.QRectF(xmin - pad, ymin - pad, xmax - xmin + 2 * pad, ymax - ymin + 2 * pad)
        self._antialias = len(batch) < ANTIALIAS_BELOW

    def set_style(self, palette: np.ndarray, colour: np.ndarray, style: Any) -> None:
        """Colour the features: ``palette`` RGBA rows, ``colour`` a palette index per feature."""
        self._colours = [QtGui.QColor(*map(int, rgba)) for rgba in palette]
        self._argb = premultiplied_argb(palette)
        self._part_colour = np.asarray(colour, dtype=np.int32)[self.batch.owner]
        self._filled = bool(style.fill)
        self._edge = QtGui.QPen(QtGui.QColor(style.edge_color))
        self._edge.setCosmetic(True)
        self._line_width = float(style.line_width)
        if self.batch.family == "polygon" and not self._filled:
            # Outlines only (a boundary): drawn in the edge colour at every zoom, dots included.
            self._edge.setWidthF(self._line_width)
            edge = np.array([QtGui.QColor(style.edge_color).getRgb()], dtype=np.uint8)
            self._argb = np.repeat(premultiplied_argb(edge), len(palette))
        # Recolouring only regroups the parts: the geometry stays as prepared.
        self._cache.clear()
        self._last_dots = (None, [])
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._bounds

    def _compiled(self, chunk: int, level: int, coarse: bool) -> Any:
        key = (chunk, level, coarse)
        entry = self._cache.get(key)
        if entry is not None:
            self._cache.move_to_end(key)
            return entry
        drawing = self.batch.drawing(chunk, level, self._part_colour, coarse)
        polygon = self.batch.family == "polygon"
        shapes = []
        for group in drawing.shapes:
            colour = self._colours[group.colour]
            if polygon and not self._filled:
                pen, brush = self._edge, QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush)
            elif polygon:
                pen = self._edge if group.outlined else QtGui.QPen(QtCore.Qt.PenStyle.NoPen)
                brush = QtGui.QBrush(colour)
            else:
                pen = QtGui.QPen(colour, self._line_width)
                pen.setCosmetic(True)
                brush = QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush)
            shapes.append((pen, brush, path_from_arrays(group.x, group.y, group.connect), group.parts,
                           len(group.x)))
        dots = (drawing.dot_x, drawing.dot_y, self._argb[drawing.dot_colour], drawing.dot_wide)
        entry = (shapes, dots)
        self._cache[key] = entry
        if len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return entry

    def paint(self, painter: QtGui.QPainter, *args: Any) -> None:
        level = lod_level(pixel_size(painter))
        chunks, coarse = self.batch.chunks_to_draw(painted_rect(painter))
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, self._antialias)
        stats = {"chunks": len(chunks), "coarse": int(coarse), "paths": 0, "shapes": 0, "vertices": 0,
                 "dots": 0}
        dots = []
        for chunk in chunks:
            shapes, chunk_dots = self._compiled(int(chunk), level, coarse)
            for pen, brush, path, parts, vertices in shapes:
                painter.setPen(pen)
                painter.setBrush(brush)
                painter.drawPath(path)
                stats["paths"] += 1
                stats["shapes"] += parts
                stats["vertices"] += vertices
            if len(chunk_dots[0]):
                dots.append(chunk_dots)
        if dots:
            # Panning at one zoom often shows the same chunks again: keep the last concatenation.
            key = (level, coarse, chunks.tobytes())
            if self._last_dots[0] != key:
                self._last_dots = (key, [np.concatenate(a) for a in zip(*dots)])
            stats["dots"] = self._paint_dots(painter, self._last_dots[1])
            stats["paths"] += 1
        self.stats = stats

    def _paint_dots(self, painter: QtGui.QPainter, dots: list[np.ndarray]) -> int:
        """Burn the tiny parts into one image at device resolution and draw it; returns the count."""
        x, y, argb, wide = dots
        t = painter.transform()
        if t.m21() == 0.0 and t.m12() == 0.0:  # the map is never rotated: half the arithmetic
            px, py = t.m11() * x + t.dx(), t.m22() * y + t.dy()
        else:
            px = t.m11() * x + t.m21() * y + t.dx()
            py = t.m12() * x + t.m22() * y + t.dy()
        area = painter.window()  # the coordinates left once the world transform is reset
        burnt = rasterize_dots(px - area.x(), py - area.y(), argb, wide, area.width(), area.height())
        if burnt is None:
            return 0
        buffer, x0, y0 = burnt
        # The buffer's last column is spare (see rasterize_dots): the image leaves it out.
        image = QtGui.QImage(buffer.data, buffer.shape[1] - 1, buffer.shape[0], buffer.strides[0],
                             QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        painter.save()
        painter.resetTransform()
        painter.drawImage(QtCore.QPointF(area.x() + x0, area.y() + y0), image)
        painter.restore()
        return len(x)


class LabelsItem(pg.GraphicsObject):
    """The text labels of every layer, chosen and drawn in one paint above all layers.

    ``sources`` returns (label source, opacity) pairs, top-most layer first. Each layer offers
    the features big enough on screen, biggest first; a label overlapping one already drawn is
    skipped, and at most :data:`MAX_LABELS` are drawn. ``drawn`` holds the texts of the last
    paint. Call :meth:`refresh` when the sources change.
    """

    def __init__(self, sources: Callable[[], list[tuple[LabelSource, float]]]) -> None:
        super().__init__()
        self._sources = sources
        self._bounds = QtCore.QRectF()
        self.drawn: list[str] = []
        self._font = QtGui.QFont(LABEL_FONT_FAMILY, LABEL_POINT_SIZE)
        self._metrics = QtGui.QFontMetricsF(self._font)

    def refresh(self) -> None:
        """Take the union of the sources' anchors as the item's area and repaint."""
        boxes = [b for b in (source.bounds() for source, _ in self._sources()) if b is not None]
        self.prepareGeometryChange()
        if boxes:
            xmin, ymin = min(b[0] for b in boxes), min(b[1] for b in boxes)
            xmax, ymax = max(b[2] for b in boxes), max(b[3] for b in boxes)
            # Text runs past its anchor by a number of pixels unknown here: pad generously.
            pad = max(xmax - xmin, ymax - ymin, 1.0)
            self._bounds = QtCore.QRectF(xmin - pad, ymin - pad, xmax - xmin + 2 * pad, ymax - ymin + 2 * pad)
        else:
            self._bounds = QtCore.QRectF()
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._bounds

    def paint(self, painter: QtGui.QPainter, *args: Any) -> None:
        self.drawn = []
        rect, pixel = painted_rect(painter), pixel_size(painter)
        t = painter.transform()
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        placed: list[QtCore.QRectF] = []
        for source, opacity in self._sources():
            budget = MAX_LABELS - len(self.drawn)
            if budget <= 0:
                break
            chosen = choose_labels(source.x, source.y, source.size, rect, pixel, budget,
                                   source.min_size_px)
            if not len(chosen):
                continue
            painter.setOpacity(opacity)
            x, y = source.x[chosen], source.y[chosen]
            dx = t.m11() * x + t.m21() * y + t.dx()
            dy = t.m12() * x + t.m22() * y + t.dy()
            for i, px, py in zip(chosen.tolist(), dx.tolist(), dy.tolist()):
                if self._draw_label(painter, source.texts[i], px, py, source.offset_px, placed):
                    self.drawn.append(source.texts[i])
        painter.restore()

    def _draw_label(self, painter: QtGui.QPainter, text: str, px: float, py: float, offset: float,
                    placed: list[QtCore.QRectF]) -> bool:
        """Draw ``text`` at device point (px, py), centred or ``offset`` pixels to its right,
        unless it overlaps a label already placed."""
        metrics = self._metrics
        w, h = metrics.horizontalAdvance(text), metrics.height()
        left = px + offset if offset else px - w / 2
        box = QtCore.QRectF(left - 2, py - h / 2 - 1, w + 4, h + 2)
        if any(box.intersects(other) for other in placed):
            return False
        placed.append(box)
        base = QtCore.QPointF(left, py + (metrics.ascent() - metrics.descent()) / 2)
        painter.setPen(QtGui.QColor(LABEL_HALO))
        for ox, oy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            painter.drawText(base + QtCore.QPointF(ox, oy), text)
        painter.setPen(QtGui.QColor(LABEL_COLOR))
        painter.drawText(base, text)
        return True


class SelectionOutline(pg.GraphicsObject):
    """The selected feature: its outline (a map-space path) or markers, in a thick yellow pen."""

    def __init__(self) -> None:
        super().__init__()
        self._path: QtGui.QPainterPath | None = None
        self._points: np.ndarray | None = None
        self._radius = 0.0
        self._bounds = QtCore.QRectF()
        self._pen = QtGui.QPen(QtGui.QColor(HIGHLIGHT_COLOR), 3.0)
        self._pen.setCosmetic(True)

    def show(self, path: QtGui.QPainterPath | None, points: np.ndarray | None, radius_px: float) -> None:
        """Outline ``path`` (map units) or circle ``points`` ((N, 2) map units) of ``radius_px``."""
        self.prepareGeometryChange()
        self._path, self._points, self._radius = path, points, radius_px
        if path is not None:
            rect = path.boundingRect()
        elif points is not None and len(points):
            x, y = points[:, 0], points[:, 1]
            rect = QtCore.QRectF(x.min(), y.min(), x.max() - x.min(), y.max() - y.min())
        else:
            rect = QtCore.QRectF()
        # Room for the pen and markers, which are sized in pixels, at any zoom reached by then.
        pad = max(rect.width(), rect.height(), 1.0) * 0.5 + 50.0 * self._map_units_per_pixel()
        self._bounds = rect.adjusted(-pad, -pad, pad, pad)
        self.update()

    def _map_units_per_pixel(self) -> float:
        view = self.getViewBox()
        if view is None:
            return 1.0
        sx, sy = view.viewPixelSize()
        return max(sx, sy, 1e-9)

    def clear(self) -> None:
        """Show nothing."""
        self.show(None, None, 0.0)

    @property
    def is_empty(self) -> bool:
        """Whether nothing is highlighted."""
        return self._path is None and (self._points is None or not len(self._points))

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._bounds

    def paint(self, painter: QtGui.QPainter, *args: Any) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        painter.setPen(self._pen)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        if self._path is not None:
            painter.drawPath(self._path)
        if self._points is not None and len(self._points):
            t = painter.transform()
            painter.save()
            painter.resetTransform()
            for x, y in self._points.tolist():
                centre = t.map(QtCore.QPointF(x, y))
                painter.drawEllipse(centre, self._radius, self._radius)
            painter.restore()
