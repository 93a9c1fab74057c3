"""A layer of water depth over time (a flood run's frames), shown at the clock's time.

The layer is a :class:`~viewer.core.layers.RasterLayer` whose ``data`` is the frame at the clock's
time, so the 2D map draws it like any raster and identify reads its depth. The 3D view draws it
as a water surface over ``bed`` (kind ``"water"``). Qt-free: whoever owns the clock calls
:meth:`WaterDepthLayer.show_time` when it moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from psygnal import evented

from viewer.core.layers import RasterLayer

WET_M = 0.05
"""Depth (m) below which a cell is drawn dry (flood maps usually start at 5-10 cm)."""


@evented
@dataclass(eq=False)
class WaterDepthLayer(RasterLayer):
    """Depth frames on a grid, one shown at a time.

    Parameters
    ----------
    frames
        Depth in m, (frames, rows, cols) float32.
    times_ns
        Each frame's time on the clock (int64 ns UTC, increasing).
    bed
        Ground elevation of the grid (rows, cols), without buildings; the 3D water surface is
        ``bed + depth``.
    frame_index
        The frame in ``data`` (the first one until :meth:`show_time` is called). Emits
        ``events.frame_index``.

    ``data`` is (1, rows, cols): the shown frame's depth, NaN where it is under :data:`WET_M`.
    """

    frames: Any = None
    times_ns: Any = None
    bed: Any = None
    frame_index: int = 0

    kind = "water"

    def __post_init__(self) -> None:
        self.frames = np.asarray(self.frames, dtype=np.float32)
        self.times_ns = np.asarray(self.times_ns, dtype=np.int64)
        if self.frames.ndim != 3 or len(self.times_ns) != len(self.frames) or not len(self.frames):
            raise ValueError(f"water layer {self.name!r}: frames must be (n, rows, cols) with n times")
        if self.data is None:
            self.data = self._wet(self.frame_index)[None]

    def _wet(self, index: int) -> np.ndarray:
        depth = self.frames[index]
        return np.where(depth >= WET_M, depth, np.nan).astype(np.float32)

    def frame_for_time(self, t_ns: int) -> int:
        """The last frame at or before ``t_ns`` (the first one before the run starts)."""
        return max(int(np.searchsorted(self.times_ns, int(t_ns), side="right")) - 1, 0)

    def show_time(self, t_ns: int) -> bool:
        """Show the frame of clock time ``t_ns``; True when that changed the shown frame."""
        index = self.frame_for_time(t_ns)
        if index == self.frame_index:
            return False
        self.data = self._wet(index)[None]
        self.frame_index = index
        return True

    def depth_series(self, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
        """(times_ns, depth m) at the cell holding (x, y); empty arrays outside the grid."""
        cell = self.cell_of(x, y)
        if cell is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        return self.times_ns.copy(), self.frames[:, cell[0], cell[1]].copy()

    def attributes(self, index: int) -> dict[str, Any]:
        rows, cols = self.shape
        row, col = divmod(int(index), cols)
        depth = float(self.frames[self.frame_index, row, col])
        return {"row": row, "col": col, "depth_m": round(depth, 3),
                "max_depth_m": round(float(self.frames[:, row, col].max()), 3)}
