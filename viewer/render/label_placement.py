"""Labels on screen without clutter: the scene's labels placed in screen space before each frame.

Every layer offers its :class:`~viewer.render.labels.LabelCandidates`; before a frame the
:class:`LabelPlacer` projects all of them, drops those out of view, beyond the draw distance or
too far for their class (alleys are named only close up, as a GIS names them only at large
scales), then takes them most important first and shows each one whose box is free on screen,
up to a cap per layer. Placement is redone only when the camera, the window or the candidates
changed. Labels are 2D text actors in DejaVu Sans, which has every Vietnamese glyph.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from viewer.render.labels import (TIER_ALLEY, TIER_AREA, TIER_MAJOR, TIER_MINOR, TIER_POINT, LabelCandidates,
                                  label_font)

MAX_SHOWN_PER_LAYER = 16
"""Most labels one layer shows at once."""
MAX_SHOWN = 80
"""Most labels on screen at once."""
TIER_RANGE = {TIER_AREA: math.inf, TIER_POINT: math.inf, TIER_MAJOR: math.inf, TIER_MINOR: 2500.0,
              TIER_ALLEY: 900.0}
"""Farthest (scene units from the eye) a label of each class is shown."""
FONT_SIZE = 13
TEXT_RGB = (20, 24, 28)
PAD_X, PAD_Y = 6.0, 3.0
"""Free pixels kept around each label box, so neighbours do not touch."""
ABOVE_GAP = 8.0
"""Pixels between a point's symbol and the label above it."""
GRID = 4
"""Pixel size of the occupancy grid the boxes are tested on."""


@dataclass
class PlacedLabel:
    """A label on screen: its layer, its candidate index, its text and its box in display pixels
    (x0, y0, x1, y1 from the lower left, padding included)."""

    layer_id: str
    index: int
    text: str
    box: tuple[float, float, float, float]


@dataclass
class _LayerLabels:
    candidates: LabelCandidates
    visible: bool
    extents: np.ndarray  # (N, 2) text width, height in pixels; NaN until measured
    actors: dict[int, Any] = field(default_factory=dict)


class LabelPlacer:
    """Places the labels of every layer of a renderer before each of its frames.

    Parameters
    ----------
    renderer
        The VTK renderer the label actors go into (a StartEvent observer places them).
    exaggeration
        Returns the scene's vertical exaggeration (label anchors are in metres).

    Attributes
    ----------
    shown
        The labels on screen after the last placement, most important first.
    """

    def __init__(self, renderer: Any, exaggeration: Callable[[], float]) -> None:
        from vtkmodules.vtkRenderingCore import vtkTextProperty

        self._renderer = renderer
        self._exaggeration = exaggeration
        self._layers: dict[str, _LayerLabels] = {}
        self._key: tuple | None = None
        self._merged: tuple | None = None
        self.shown: list[PlacedLabel] = []
        self.text_property = vtkTextProperty()
        font = label_font()
        if font is not None:
            self.text_property.SetFontFamilyAsString("File")
            self.text_property.SetFontFile(font)
        self.text_property.SetFontSize(FONT_SIZE)
        self.text_property.SetBold(True)
        self.text_property.SetColor(*(c / 255.0 for c in TEXT_RGB))
        self.text_property.SetJustificationToCentered()
        self.text_property.SetVerticalJustificationToCentered()
        self.text_property.SetBackgroundColor(1.0, 1.0, 1.0)
        self.text_property.SetBackgroundOpacity(0.65)
        self._observer = renderer.AddObserver("StartEvent", self._on_start, -10.0)

    # -- the layers' candidates ------------------------------------------------------------------
    def set(self, layer_id: str, candidates: LabelCandidates | None, visible: bool = True) -> None:
        """Offer ``candidates`` for ``layer_id`` (replacing its previous ones; None: none)."""
        self.remove(layer_id)
        if candidates is not None and len(candidates):
            extents = np.full((len(candidates), 2), np.nan)
            self._layers[layer_id] = _LayerLabels(candidates, bool(visible), extents)
            self._changed()

    def remove(self, layer_id: str) -> None:
        """Take ``layer_id``'s labels off the screen."""
        entry = self._layers.pop(layer_id, None)
        if entry is not None:
            for actor in entry.actors.values():
                self._renderer.RemoveViewProp(actor)
            self._changed()

    def set_visible(self, layer_id: str, visible: bool) -> None:
        """Show or hide ``layer_id``'s labels (from the next frame)."""
        entry = self._layers.get(layer_id)
        if entry is not None and entry.visible != bool(visible):
            entry.visible = bool(visible)
            self._changed()

    def _changed(self) -> None:
        self._key, self._merged = None, None

    def _merge(self) -> tuple:
        """All visible candidates in one set of arrays, most important first.

        Anchors are (M, S, 3): each candidate's own anchor, then its alternates (NaN padded).
        Within a class, candidates are ranked by their size relative to their own layer, so that
        lengths, areas and heights from different layers interleave fairly.
        """
        entries = [(layer_id, entry.candidates) for layer_id, entry in self._layers.items() if entry.visible]
        if not entries:
            return [], np.zeros(0, dtype=np.int64), np.zeros((0, 1, 3)), np.zeros(0), np.zeros(0, dtype=bool)
        spots = 1 + max(0 if c.alternates is None else c.alternates.shape[1] for _, c in entries)
        ids, index, anchors, tier, rank, above = [], [], [], [], [], []
        for layer_id, c in entries:
            n = len(c)
            where = np.full((n, spots, 3), np.nan)
            where[:, 0] = c.points
            if c.alternates is not None:
                where[:, 1:1 + c.alternates.shape[1]] = c.alternates
            ids += [layer_id] * n
            index.append(np.arange(n))
            anchors.append(where)
            tier.append(c.tier)
            rank.append(np.argsort(np.argsort(-c.size, kind="stable"), kind="stable") / max(n, 1))
            above.append(np.full(n, c.above))
        tier_all, rank_all = np.concatenate(tier), np.concatenate(rank)
        order = np.lexsort((rank_all, tier_all))
        return ([ids[i] for i in order], np.concatenate(index)[order], np.concatenate(anchors)[order],
                tier_all[order], np.concatenate(above)[order])

    # -- placement -------------------------------------------------------------------------------
    def _on_start(self, *_: Any) -> None:
        self.place()

    def place(self, force: bool = False) -> list[PlacedLabel]:
        """Choose and position the labels for the renderer's current camera and size."""
        renderer = self._renderer
        width, height = renderer.GetSize()
        camera = renderer.GetActiveCamera()
        matrix = camera.GetCompositeProjectionTransformMatrix(renderer.GetTiledAspectRatio(), -1.0, 1.0)
        projection = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
        exaggeration = float(self._exaggeration())
        key = (projection.tobytes(), width, height, exaggeration)
        if key == self._key and not force:
            return self.shown
        self._key = key
        if self._merged is None:
            self._merged = self._merge()
        ids, index, anchors, tier, above = self._merged
        shown: list[PlacedLabel] = []
        if len(ids) and width > 1 and height > 1:
            shown = self._choose(ids, index, anchors * [1.0, 1.0, exaggeration], tier, above,
                                 projection, np.array(camera.GetPosition()), width, height)
        self._show(shown)
        return shown

    def _choose(self, ids: list[str], index: np.ndarray, anchors: np.ndarray, tier: np.ndarray,
                above: np.ndarray, projection: np.ndarray, eye: np.ndarray, width: int, height: int,
                ) -> list[PlacedLabel]:
        """Greedy placement, most important first, each label at the first of its anchors where
        its box is on screen and free."""
        count, spots = anchors.shape[:2]
        flat = anchors.reshape(-1, 3)
        clip = np.column_stack([flat, np.ones(len(flat))]) @ projection.T
        w = clip[:, 3]
        with np.errstate(divide="ignore", invalid="ignore"):
            ndc = clip[:, :3] / w[:, None]
            reach = np.array([TIER_RANGE.get(t, math.inf) for t in range(5)])[np.clip(tier, 0, 4)]
            near = np.linalg.norm(flat - eye, axis=1) <= np.repeat(reach, spots)
            ok = (w > 0) & (np.abs(ndc) <= 1).all(axis=1) & near
        x0, y0 = self._renderer.GetOrigin()
        dx = (x0 + (ndc[:, 0] + 1.0) * 0.5 * width).reshape(count, spots)
        dy = (y0 + (ndc[:, 1] + 1.0) * 0.5 * height).reshape(count, spots)
        ok = ok.reshape(count, spots)
        grid = np.zeros((height // GRID + 2, width // GRID + 2), dtype=bool)
        per_layer: dict[str, int] = {}
        shown: list[PlacedLabel] = []
        for g in np.flatnonzero(ok.any(axis=1)):
            layer_id, i = ids[g], int(index[g])
            if per_layer.get(layer_id, 0) >= MAX_SHOWN_PER_LAYER:
                continue
            text_w, text_h = self._extent(layer_id, i)
            lift = text_h / 2 + ABOVE_GAP if above[g] else 0.0
            for k in np.flatnonzero(ok[g]):
                cx, cy = dx[g, k], dy[g, k] + lift
                box = (cx - text_w / 2 - PAD_X, cy - text_h / 2 - PAD_Y,
                       cx + text_w / 2 + PAD_X, cy + text_h / 2 + PAD_Y)
                if box[0] < x0 or box[1] < y0 or box[2] > x0 + width or box[3] > y0 + height:
                    continue
                cells = grid[int((box[1] - y0) // GRID):int((box[3] - y0) // GRID) + 1,
                             int((box[0] - x0) // GRID):int((box[2] - x0) // GRID) + 1]
                if cells.any():
                    continue
                cells[:] = True
                per_layer[layer_id] = per_layer.get(layer_id, 0) + 1
                shown.append(PlacedLabel(layer_id, i, self._layers[layer_id].candidates.texts[i], box))
                break
            if len(shown) >= MAX_SHOWN:
                break
        return shown

    def _extent(self, layer_id: str, i: int) -> tuple[float, float]:
        """Width and height in pixels of label ``i`` of ``layer_id`` (measured once)."""
        extents = self._layers[layer_id].extents
        if np.isnan(extents[i, 0]):
            from vtkmodules.vtkRenderingCore import vtkTextRenderer

            import vtkmodules.vtkRenderingFreeType  # noqa: F401  (the text renderer's implementation)

            bbox = [0, 0, 0, 0]
            window = self._renderer.GetRenderWindow()
            dpi = window.GetDPI() if window is not None else 72
            vtkTextRenderer.GetInstance().GetBoundingBox(self.text_property, self._layers[layer_id].candidates.texts[i],
                                                         bbox, dpi)
            extents[i] = (bbox[1] - bbox[0] + 1, bbox[3] - bbox[2] + 1)
        return float(extents[i, 0]), float(extents[i, 1])

    def _show(self, shown: list[PlacedLabel]) -> None:
        """Position the actors of ``shown`` and hide every other label actor."""
        from vtkmodules.vtkRenderingCore import vtkTextActor

        wanted = {(label.layer_id, label.index): label for label in shown}
        for layer_id, entry in self._layers.items():
            for i, actor in entry.actors.items():
                if (layer_id, i) not in wanted:
                    actor.SetVisibility(False)
        for (layer_id, i), label in wanted.items():
            entry = self._layers[layer_id]
            actor = entry.actors.get(i)
            if actor is None:
                actor = vtkTextActor()
                actor.SetInput(label.text)
                actor.SetTextProperty(self.text_property)
                actor.SetPickable(False)
                self._renderer.AddViewProp(actor)
                entry.actors[i] = actor
            x0, y0, x1, y1 = label.box
            actor.SetDisplayPosition(int(round((x0 + x1) / 2)), int(round((y0 + y1) / 2)))
            actor.SetVisibility(True)
        self.shown = shown

    def close(self) -> None:
        """Take every label out of the renderer and stop placing them."""
        for layer_id in list(self._layers):
            self.remove(layer_id)
        self._renderer.RemoveObserver(self._observer)
