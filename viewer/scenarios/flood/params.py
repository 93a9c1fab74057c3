"""The numerical settings of a flood run and the frames it yields."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class FloodParams:
    """How long, how often and how carefully to step.

    Parameters
    ----------
    duration_s
        Simulated time in s.
    output_interval_s
        A frame every this many simulated seconds (and one at ``duration_s``).
    cfl
        Courant number of the adaptive step ``dt = cfl * dx / sqrt(g * h_max)`` (with advection
        ``cfl * dx / max(|u| + sqrt(g h))``); 0 < cfl <= 1, else a ValueError (the scheme is unstable
        past 1).
    theta
        q-centred weighting of de Almeida et al. (2012): 1 is the Bates et al. (2010) scheme, below 1
        the face's discharge is blended with its neighbours'. 0 <= theta <= 1.
    h_min
        Faces whose flow depth is at most this (m) carry no water (wetting and drying).
    max_dt
        Upper bound of the time step in s (it also bounds the first steps on dry ground).
    max_rain_mm_h
        Rain above this rate (mm/h) is refused as absurd; raise it for analytic tests.
    advection
        Keep the convective acceleration term the local-inertial scheme leaves out (first-order
        upwind, see :mod:`viewer.scenarios.flood.advection`); the step then also honours the flow
        speed. On by default: it is what the validation cases pass with (fast, supercritical street
        flow; rain feeding a channel), and its upwinding damps the checkerboard mode that the plain
        scheme with ``theta=1`` shows in deep, low-friction water.

    Notes
    -----
    The plain local-inertial scheme (``advection=False``) is about three times faster and right for
    slow, deep floodplain flow. Use it with ``theta=0.7, cfl=0.5``: in the engine's stress tests
    (a pump or an inflow in a 3 m deep lake of 1 m cells, a dam break, a basin filled from its edge)
    ``theta=1`` grows a checkerboard in some and ``theta<1`` with ``cfl=0.7`` in others, while that
    pair stays smooth in all of them.
    """

    duration_s: float
    output_interval_s: float = 60.0
    cfl: float = 0.7
    theta: float = 1.0
    h_min: float = 1e-3
    max_dt: float = 10.0
    max_rain_mm_h: float = 1000.0
    advection: bool = True

    def __post_init__(self) -> None:
        def positive(name: str) -> None:
            value = float(getattr(self, name))
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"FloodParams.{name} must be a positive number; got {value}")
            setattr(self, name, value)

        for name in ("duration_s", "output_interval_s", "h_min", "max_dt", "max_rain_mm_h"):
            positive(name)
        self.cfl = float(self.cfl)
        if not (0.0 < self.cfl <= 1.0):
            raise ValueError(f"FloodParams.cfl={self.cfl:g} would make the local-inertial scheme unstable "
                             "or stall it: use 0 < cfl <= 1 (0.7 is the usual value)")
        self.theta = float(self.theta)
        if not (0.0 <= self.theta <= 1.0):
            raise ValueError(f"FloodParams.theta={self.theta:g} must lie in [0, 1] (1: Bates 2010; "
                             "0.7-0.9: de Almeida 2012 q-centred)")

    def output_times(self) -> np.ndarray:
        """Frame times after t=0: every ``output_interval_s``, and ``duration_s`` last."""
        count = int(math.floor(self.duration_s / self.output_interval_s + 1e-9))
        times = [k * self.output_interval_s for k in range(1, count + 1)]
        if not times or self.duration_s - times[-1] > 1e-9 * self.duration_s:
            times.append(self.duration_s)
        return np.asarray(times, dtype=np.float64)


@dataclass
class FloodFrame:
    """The state at one output time.

    Volumes are cumulative since t=0, in m3: ``inflow_m3`` holds hydrograph inflows and water that
    entered through boundary levels, ``outflow_m3`` water that left through boundaries and pumps
    without an outlet. ``max_depth`` is the deepest water of each cell over every step so far.
    """

    time_s: float
    depth: np.ndarray
    speed: np.ndarray
    step_count: int
    dt_last: float
    volume_m3: float
    inflow_m3: float
    outflow_m3: float
    rain_m3: float
    initial_m3: float = 0.0
    max_depth: np.ndarray | None = None

    @property
    def mass_error(self) -> float:
        """(volume - (initial + rain + inflow - outflow)) relative to the water that went in."""
        expected = self.initial_m3 + self.rain_m3 + self.inflow_m3 - self.outflow_m3
        scale = max(self.initial_m3 + self.rain_m3 + self.inflow_m3, 1e-12)
        return (self.volume_m3 - expected) / scale
