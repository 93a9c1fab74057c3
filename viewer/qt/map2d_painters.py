"""Graphics objects that paint many map features in one ``paint()``: shapes, labels, selection.

Each one culls to the painted area and works out the pixel size from the painter's transform, so
the same code serves the screen, :meth:`QGraphicsView.render` into an image, and every zoom. A
paint never builds a big layer's level of detail: it draws what is ready and asks the map's pool
for the rest (:func:`compile_chunk` runs there).
"""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from viewer.qt.map2d_geometry import (GeometryBatch, LabelSource, choose_labels, lod_level,
                                      premultiplied_argb, rasterize_dots)

if TYPE_CHECKING:
    from viewer.qt.map2d_jobs import MapJobs

#: Layers with fewer parts than this are drawn antialiased; bigger ones are not (speed).
ANTIALIAS_BELOW = 2000
#: Chunk drawings kept per layer (a chunk at a zoom level is one entry), at least; a batch keeps
#: two levels of every chunk it has.
CACHE_ENTRIES = 4096
#: Batches with at least this many parts build their levels of detail on the map's pool; smaller
#: ones in the paint (a few milliseconds), so they are complete in every frame.
BACKGROUND_PARTS = 4096
#: A chunk whose level is not built yet is drawn at a level up to this many steps coarser.
#: Never finer: that costs up to twice the vertices of a frame, and dots cost next to nothing.
FALLBACK_COARSER = 8
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


def compile_chunk(batch: GeometryBatch, chunk: int, level: int, coarse: bool,
                  part_colour: np.ndarray) -> tuple[list[tuple], tuple[np.ndarray, ...]]:
    """What ``chunk`` (a coarse block if ``coarse``) draws at ``level``: its paths and dots.

    Returns (shapes, dots): shapes are (style key, path, parts, vertices) with style key
    ``colour * 2 + outlined``; dots are (x, y, palette index, wide). Runs on the map's pool
    threads too: a QPainterPath is a reentrant value class, built here and only then handed to
    the GUI thread.
    """
    drawing = batch.drawing(chunk, level, part_colour, coarse)
    shapes = [(group.colour * 2 + int(group.outlined), path_from_arrays(group.x, group.y, group.connect),
               group.parts, len(group.x)) for group in drawing.shapes]
    return shapes, (drawing.dot_x, drawing.dot_y, drawing.dot_colour, drawing.dot_wide)


def _compile_if_wanted(wanted: _Wanted, version: int, batch: GeometryBatch, chunk: int, level: int,
                       coarse: bool, part_colour: np.ndarray) -> Any:
    """:func:`compile_chunk` on a pool thread, unless the map has since moved to another zoom
    level or colouring (then None: the work would be thrown away)."""
    if wanted.level != level or wanted.version != version:
        return None
    return compile_chunk(batch, chunk, level, coarse, part_colour)


class _Wanted:
    """The zoom level and colouring a batch last painted; pool threads read it to skip old jobs."""

    level: int | None = None
    version: int = 0


class _Colouring:
    """The pens and brushes (per style key, ``colour * 2 + outlined``) and the premultiplied dot
    colours (per palette index) of one colouring of a batch."""

    _serials = itertools.count()

    def __init__(self, palette: np.ndarray, style: Any, family: str) -> None:
        self.serial = next(self._serials)
        colours = [QtGui.QColor(*map(int, rgba)) for rgba in palette]
        edge = QtGui.QPen(QtGui.QColor(style.edge_color))
        edge.setCosmetic(True)
        no_pen, no_brush = QtGui.QPen(QtCore.Qt.PenStyle.NoPen), QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush)
        self.argb = premultiplied_argb(palette)
        self.pens: list[tuple[QtGui.QPen, QtGui.QBrush]] = []
        if family == "polygon" and not style.fill:
            # Outlines only (a boundary): drawn in the edge colour at every zoom, dots included.
            edge.setWidthF(float(style.line_width))
            self.pens = [(edge, no_brush)] * (2 * len(colours))
            rgba = np.array([QtGui.QColor(style.edge_color).getRgb()], dtype=np.uint8)
            self.argb = np.repeat(premultiplied_argb(rgba), len(palette))
        elif family == "polygon":
            for colour in colours:
                brush = QtGui.QBrush(colour)
                self.pens += [(no_pen, brush), (edge, brush)]
        else:
            for colour in colours:
                pen = QtGui.QPen(colour, float(style.line_width))
                pen.setCosmetic(True)
                self.pens += [(pen, no_brush), (pen, no_brush)]


class BatchedShapesItem(pg.GraphicsObject):
    """The polygons or lines of one layer, painted by chunk with a level of detail per zoom.

    A chunk at a level becomes a few QPainterPaths (one per fill colour, outlined or not) and the
    centres of its parts under two pixels, built on first use and cached; the dots of all chunks
    in view are burnt into one image per paint.

    With ``jobs`` (the map's :class:`~viewer.qt.map2d_jobs.MapJobs`) and at least
    :data:`BACKGROUND_PARTS` parts, a paint never builds: a chunk missing at its level is asked
    of the pool, and meanwhile drawn from what is ready (the chunk at a coarser level, or as
    drawn before a recolouring, or else its parts as dots); the item repaints as the drawings
    arrive. Drawings for a zoom level or a colouring the item has left are dropped.

    Attributes
    ----------
    stats
        What the last paint drew: ``chunks`` (in view; ``coarse`` is 1 when they were the coarse
        blocks), ``paths`` (draw calls), ``shapes``
        (parts drawn as shapes), ``vertices`` (of those shapes), ``dots`` (parts drawn as a
        dot) and ``waiting`` (chunks drawn from a stand-in while their level is being built).
        ``vertices + dots`` is the work a frame does, and falls as the map zooms out.
    """

    def __init__(self, batch: GeometryBatch, parent: QtWidgets.QGraphicsItem | None = None,
                 jobs: MapJobs | None = None) -> None:
        super().__init__(parent)
        self.batch = batch
        self.rows = np.arange(0)
        self.stats: dict[str, int] = {"chunks": 0, "coarse": 0, "paths": 0, "shapes": 0, "vertices": 0,
                                      "dots": 0, "waiting": 0}
        self._jobs = jobs if len(batch) >= BACKGROUND_PARTS else None
        self._alive = True
        # Never fewer entries than one view can need: the paint after an arrival would evict
        # what it asked for and ask again, forever.
        self._cache_entries = max(CACHE_ENTRIES, 2 * (len(batch.members) + len(batch.coarse_members)))
        # (chunk, level, coarse) -> (colouring version, shapes, dots), least recently used first.
        self._cache: OrderedDict[tuple[int, int, bool], tuple] = OrderedDict()
        # The drawings of the colouring before, shown until the new ones are built.
        self._stale: OrderedDict[tuple[int, int, bool], tuple] = OrderedDict()
        self._colourings: dict[int, _Colouring] = {}
        self._queued: dict[tuple[int, int, bool], int] = {}
        self._wanted = _Wanted()
        self._part_colour: np.ndarray | None = None
        self._last_dots: tuple[Any, list[np.ndarray]] = (None, [])
        xmin, ymin, xmax, ymax = batch.extent
        # Outlines and lines are drawn with pixel-wide pens past the geometry: leave them room.
        pad = 0.01 * max(xmax - xmin, ymax - ymin) + 1e-6
        self._bounds = QtCore.QRectF(xmin - pad, ymin - pad, xmax - xmin + 2 * pad, ymax - ymin + 2 * pad)
        self._antialias = len(batch) < ANTIALIAS_BELOW

    @property
    def _version(self) -> int:
        return self._wanted.version

    def set_style(self, palette: np.ndarray, colour: np.ndarray, style: Any) -> None:
        """Colour the features: ``palette`` RGBA rows, ``colour`` a palette index per feature."""
        part_colour = np.asarray(colour, dtype=np.int32)[self.batch.owner]
        colouring = _Colouring(palette, style, self.batch.family)
        if self._part_colour is not None and np.array_equal(part_colour, self._part_colour):
            # The parts group as before (say one colour for another): the drawings stay valid.
            self._colourings[self._version] = colouring
        else:
            # Recolouring regroups the parts: the geometry stays as prepared, the paths do not.
            if self._cache:
                self._stale = self._cache
            self._cache = OrderedDict()
            self._wanted.version += 1
            self._part_colour = part_colour
            keep = {self._version} | {entry[0] for entry in self._stale.values()}
            self._colourings = {v: c for v, c in self._colourings.items() if v in keep}
            self._colourings[self._version] = colouring
        self._last_dots = (None, [])
        self.update()

    def retire(self) -> None:
        """Take no more drawings from the pool (the item is being removed)."""
        self._alive = False

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._bounds

    def _entry(self, chunk: int, level: int, coarse: bool) -> tuple | None:
        """The drawing of ``chunk`` at ``level``: cached, or built now (small batches), or None
        (to be asked of the pool)."""
        key = (chunk, level, coarse)
        entry = self._cache.get(key)
        if entry is not None:
            self._cache.move_to_end(key)
            return entry
        if self._jobs is None:
            entry = (self._version, *compile_chunk(self.batch, chunk, level, coarse, self._part_colour))
            self._store(key, entry)
            return entry
        return None

    def _request(self, chunks: list[int], level: int, coarse: bool, rect: tuple[float, ...]) -> None:
        """Ask the pool for ``chunks`` at ``level``, those nearest the middle of ``rect`` first
        (the pool starts on them only now, after the paint: it does not slow the paint down)."""
        chunks = [c for c in chunks if self._queued.get((c, level, coarse)) != self._version]
        if not chunks:
            return
        boxes = (self.batch.coarse_bounds if coarse else self.batch.chunk_bounds)[chunks]
        cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
        distance = np.hypot((boxes[:, 0] + boxes[:, 2]) / 2 - cx, (boxes[:, 1] + boxes[:, 3]) / 2 - cy)
        version = self._version
        for i in np.argsort(distance, kind="stable").tolist():
            key = (chunks[i], level, coarse)
            self._queued[key] = version
            args = (self._wanted, version, self.batch, chunks[i], level, coarse, self._part_colour)
            self._jobs.submit(_compile_if_wanted, args, partial(self._on_compiled, key, version))

    def _store(self, key: tuple[int, int, bool], entry: tuple) -> None:
        self._cache[key] = entry
        if len(self._cache) > self._cache_entries:
            self._cache.popitem(last=False)

    def _on_compiled(self, key: tuple[int, int, bool], version: int, result: Any) -> None:
        """A drawing arrived from the pool (on the GUI thread): keep it and repaint."""
        if self._queued.get(key) == version:
            del self._queued[key]
        if result is None or not self._alive or version != self._version:
            return
        self._store(key, (version, *result))
        self.update()

    def _stand_in(self, chunk: int, level: int, coarse: bool) -> tuple | None:
        """What to draw for a chunk whose level is not built yet: the chunk at a coarser level
        (the same picture within a pixel or two), else as drawn before a recolouring, else None
        (its parts are drawn as dots)."""
        coarser = range(level + 1, level + 1 + FALLBACK_COARSER)
        for cache, levels in ((self._cache, coarser), (self._stale, (level, *coarser))):
            if cache:
                for other in levels:
                    entry = cache.get((chunk, other, coarse))
                    if entry is not None:
                        return entry
        return None

    def _member_dots(self, chunks: list[int], coarse: bool, pixel: float) -> tuple[np.ndarray, ...]:
        """Every part of ``chunks`` as a dot at its centre (the stand-in of last resort)."""
        members = self.batch.coarse_members if coarse else self.batch.members
        rows = np.concatenate([members[c] for c in chunks])
        batch = self.batch
        return batch.centre_x[rows], batch.centre_y[rows], self._part_colour[rows], batch.size[rows] >= pixel

    def paint(self, painter: QtGui.QPainter, *args: Any) -> None:
        if self._part_colour is None:  # not styled yet
            return
        pixel = pixel_size(painter)
        level = lod_level(pixel)
        self._wanted.level = level
        rect = painted_rect(painter)
        chunks, coarse = self.batch.chunks_to_draw(rect)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, self._antialias)
        stats = {"chunks": len(chunks), "coarse": int(coarse), "paths": 0, "shapes": 0, "vertices": 0,
                 "dots": 0, "waiting": 0}
        dots, as_dots, missing = [], [], []
        for chunk in chunks.tolist():
            entry = self._entry(chunk, level, coarse)
            if entry is None:
                missing.append(chunk)
                entry = self._stand_in(chunk, level, coarse)
                if entry is None:
                    as_dots.append(chunk)
                    continue
            version, shapes, chunk_dots = entry
            pens = self._colourings[version].pens
            for key, path, parts, vertices in shapes:
                pen, brush = pens[key]
                painter.setPen(pen)
                painter.setBrush(brush)
                painter.drawPath(path)
                stats["paths"] += 1
                stats["shapes"] += parts
                stats["vertices"] += vertices
            if len(chunk_dots[0]):
                dots.append((version, chunk_dots))
        stats["waiting"] = len(missing)
        if as_dots:
            dots.append((self._version, self._member_dots(as_dots, coarse, pixel)))
        if not missing and self._stale:
            self._stale = OrderedDict()  # the view is complete in the new colours
        if dots:
            # Panning at one zoom often shows the same chunks again: keep the last concatenation.
            key = (level, coarse, chunks.tobytes(), self._version, self._colourings[self._version].serial)
            if stats["waiting"] or self._last_dots[0] != key:
                x, y, argb, wide = zip(*((d[0], d[1], self._colourings[v].argb[d[2]], d[3]) for v, d in dots))
                self._last_dots = (None if stats["waiting"] else key,
                                   [np.concatenate(a) for a in (x, y, argb, wide)])
            stats["dots"] = self._paint_dots(painter, self._last_dots[1])
            stats["paths"] += 1
        self.stats = stats
        if missing:
            self._request(missing, level, coarse, rect)

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
