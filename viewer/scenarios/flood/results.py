"""A whole run gathered from its frames: the depth stack, maxima, arrival times, the mass balance."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from viewer.scenarios.flood.params import FloodFrame

ARRIVAL_DEPTH_M = 0.05


@dataclass
class FloodResult:
    """What a run leaves behind.

    Attributes
    ----------
    times_s
        Frame times (nt,).
    depth
        Depth per frame (nt, ny, nx) float32; empty (0, ny, nx) when frames were not kept.
    max_depth, max_speed
        Deepest water and fastest flow of each cell. ``max_depth`` is over every step when the frames
        carry the engine's running maximum, else over the frames; ``max_speed`` is over the frames.
    arrival_time_s
        First frame time at which the depth reached ``arrival_depth_m`` (0.05 m); NaN where it never did.
    mass_error
        The last frame's relative volume balance error (see ``FloodFrame.mass_error``).
    volumes
        Per frame: volume, cumulative rain, inflow and outflow in m3, as a dict of arrays.
    """

    times_s: np.ndarray
    depth: np.ndarray
    max_depth: np.ndarray
    max_speed: np.ndarray
    arrival_time_s: np.ndarray
    mass_error: float
    volumes: dict[str, np.ndarray]
    arrival_depth_m: float = ARRIVAL_DEPTH_M

    def depth_at(self, row: int, col: int) -> np.ndarray:
        """Depth over time at one cell (needs the frames kept)."""
        return self.depth[:, row, col]


def accumulate(frames: Iterable[FloodFrame], keep_frames: bool = True,
               arrival_depth_m: float = ARRIVAL_DEPTH_M) -> FloodResult:
    """Consume ``frames`` (for example ``simulate(...)``) into a :class:`FloodResult`."""
    times: list[float] = []
    stack: list[np.ndarray] = []
    volumes: dict[str, list[float]] = {"volume_m3": [], "rain_m3": [], "inflow_m3": [], "outflow_m3": []}
    max_depth = max_speed = arrival = None
    last: FloodFrame | None = None
    for frame in frames:
        if max_depth is None:
            max_depth = np.zeros_like(frame.depth)
            max_speed = np.zeros_like(frame.speed)
            arrival = np.full(frame.depth.shape, np.nan)
        times.append(frame.time_s)
        if keep_frames:
            stack.append(frame.depth)
        np.maximum(max_depth, frame.max_depth if frame.max_depth is not None else frame.depth,
                   out=max_depth)
        np.maximum(max_speed, frame.speed, out=max_speed)
        arrived = np.isnan(arrival) & (frame.depth >= arrival_depth_m)
        arrival[arrived] = frame.time_s
        for key in volumes:
            volumes[key].append(getattr(frame, key))
        last = frame
    if last is None:
        raise ValueError("accumulate: no frames")
    depth = np.stack(stack) if stack else np.zeros((0, *last.depth.shape), dtype=np.float32)
    return FloodResult(times_s=np.asarray(times), depth=depth, max_depth=max_depth, max_speed=max_speed,
                       arrival_time_s=arrival, mass_error=float(last.mass_error),
                       volumes={k: np.asarray(v) for k, v in volumes.items()},
                       arrival_depth_m=arrival_depth_m)
