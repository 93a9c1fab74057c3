"""What drives a flood run: rain, boundary levels, inflow hydrographs, breaches and pumps.

Every time series is linear in time; before its first time it holds the first value, after its last
time the last value (``numpy.interp``). Times are float seconds since the scenario start.

Bad input and what happens to it (documented choices, each tested):

- negative rain, NaN rain or rain above ``FloodParams.max_rain_mm_h``: :class:`ValueError` naming the
  series and the offending time;
- a boundary level or inflow series with gaps (NaN values): the gaps are filled by linear interpolation
  across them and a :class:`FloodInputWarning` says how many; a series that is all NaN is an error;
- times that are not finite and strictly increasing, or a series whose length differs from its times:
  :class:`ValueError`;
- a negative inflow or pump capacity: :class:`ValueError` (take water out with a :class:`Pump`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

EDGES = ("north", "south", "west", "east")


class FloodInputWarning(UserWarning):
    """Input that the engine repaired on its own (for example a boundary series with gaps)."""


@dataclass
class RainSeries:
    """Uniform rain over the grid: a hyetograph in mm/h at the given times."""

    times_s: np.ndarray
    mm_per_h: np.ndarray
    name: str = "rain"


@dataclass
class RainField:
    """Rain that varies in space: ``fields_mm_per_h[k]`` (ny, nx) holds at ``times_s[k]``."""

    times_s: np.ndarray
    fields_mm_per_h: np.ndarray
    name: str = "rain"


@dataclass
class BoundaryLevel:
    """A water level imposed from outside (a tide gauge, a design tide, a river stage).

    ``cells`` is an edge name ("north", "south", "east", "west"): water flows through that edge of the
    grid as if a ghost cell beyond it held the level; or a boolean mask (ny, nx): those cells are clamped
    to the level every step (dry where the ground is above it). Water that enters or leaves this way is
    counted in the frames' ``inflow_m3`` / ``outflow_m3``.
    """

    cells: str | np.ndarray
    times_s: np.ndarray
    levels_m: np.ndarray
    name: str = "boundary"


@dataclass
class OpenBoundary:
    """A free-outflow (transmissive) edge: the water that reaches it leaves, as if the ground went on.

    Where the bed falls towards the edge, the water leaves at the flow that slope drives (the
    local-inertial momentum equation with the bed slope, i.e. normal flow: LISFLOOD-FP's FREE
    boundary); where it is flat or rises, over a free overfall at critical depth,
    ``q = h sqrt(g h)``. Water never enters through an open boundary.
    """

    edge: str
    name: str = "open boundary"


@dataclass
class Inflow:
    """A hydrograph ``q_m3s`` (m3/s) spread evenly over ``cells``: a mask, one (row, col) or a list
    (water appears in the cells, without momentum); or an edge name: the water enters through that
    edge of the grid, spread evenly over its open faces, as a river would (with its momentum)."""

    cells: str | np.ndarray | tuple[int, int] | list[tuple[int, int]]
    times_s: np.ndarray
    q_m3s: np.ndarray
    name: str = "inflow"


@dataclass
class Breach:
    """At ``time_s`` the bed in ``mask`` drops (or rises) to ``new_z``; blocked cells there open.

    The water depth in the cells is kept (so the volume is), the surface moves with the bed.
    """

    mask: np.ndarray
    time_s: float
    new_z: float
    name: str = "breach"


@dataclass
class Pump:
    """Takes up to ``capacity_m3s`` out of the water in ``cells``; puts it in ``outlet`` if given,
    otherwise it leaves the model (counted in ``outflow_m3``)."""

    cells: np.ndarray | tuple[int, int] | list[tuple[int, int]]
    capacity_m3s: float
    outlet: np.ndarray | tuple[int, int] | list[tuple[int, int]] | None = None
    name: str = "pump"


@dataclass
class Forcing:
    """Everything that drives one run, plus its initial water (level and/or depth; dry by default)."""

    rain: RainSeries | RainField | None = None
    boundaries: list[BoundaryLevel] = field(default_factory=list)
    inflows: list[Inflow] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    pumps: list[Pump] = field(default_factory=list)
    open_boundaries: list[OpenBoundary] = field(default_factory=list)
    initial_level: float | np.ndarray | None = None
    initial_depth: np.ndarray | None = None


def clean_times(times_s, label: str) -> np.ndarray:
    """Times as float64, finite and strictly increasing, else a ValueError naming ``label``."""
    times = np.atleast_1d(np.asarray(times_s, dtype=np.float64))
    if times.ndim != 1 or times.size == 0:
        raise ValueError(f"{label}: times_s must be a non-empty 1-D series")
    if not np.all(np.isfinite(times)):
        raise ValueError(f"{label}: times_s holds NaN or infinite values")
    if times.size > 1 and np.any(np.diff(times) <= 0):
        raise ValueError(f"{label}: times_s must be strictly increasing")
    return times


def fill_gaps(times: np.ndarray, values, label: str) -> np.ndarray:
    """Values as float64 with NaN gaps filled linearly across (warned); all-NaN is an error."""
    values = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if values.shape != times.shape:
        raise ValueError(f"{label}: {values.size} values for {times.size} times")
    if np.any(np.isinf(values)):
        raise ValueError(f"{label}: the series holds infinite values")
    gaps = np.isnan(values)
    if gaps.all():
        raise ValueError(f"{label}: the series holds no value (all NaN)")
    if gaps.any():
        warnings.warn(f"{label}: {int(gaps.sum())} missing value(s) filled by linear interpolation "
                      "between their neighbours", FloodInputWarning, stacklevel=3)
        values = values.copy()
        values[gaps] = np.interp(times[gaps], times[~gaps], values[~gaps])
    return values


def check_rain(rain: RainSeries | RainField, shape: tuple[int, int], max_mm_h: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Rain times and rates in m/s (nt, 1, 1) or (nt, ny, nx); ValueError on bad values."""
    label = f"rain '{rain.name}'"
    times = clean_times(rain.times_s, label)
    if isinstance(rain, RainField):
        rates = np.asarray(rain.fields_mm_per_h, dtype=np.float64)
        if rates.shape != (times.size, *shape):
            raise ValueError(f"{label}: fields_mm_per_h has shape {rates.shape}, expected "
                             f"{(times.size, *shape)} (times x DEM rows x DEM columns)")
    else:
        rates = np.atleast_1d(np.asarray(rain.mm_per_h, dtype=np.float64))
        if rates.shape != times.shape:
            raise ValueError(f"{label}: {rates.size} values of mm_per_h for {times.size} times")
        rates = rates.reshape(-1, 1, 1)
    bad = ~np.isfinite(rates)
    if bad.any():
        k = int(np.argwhere(bad)[0][0])
        raise ValueError(f"{label}: mm_per_h is NaN or infinite at t={times[k]:g} s")
    if (rates < 0).any():
        k = int(np.argwhere(rates < 0)[0][0])
        raise ValueError(f"{label}: mm_per_h is negative ({rates[k].min():g}) at t={times[k]:g} s; "
                         "rain must be >= 0")
    if (rates > max_mm_h).any():
        k = int(np.argwhere(rates > max_mm_h)[0][0])
        raise ValueError(f"{label}: mm_per_h={rates[k].max():g} at t={times[k]:g} s exceeds "
                         f"FloodParams.max_rain_mm_h={max_mm_h:g} (the world's heaviest hour of rain "
                         "was about 300 mm); raise max_rain_mm_h if this is intended")
    return times, rates / 3.6e6


def interp_series(times: np.ndarray, values: np.ndarray, t: float) -> float:
    """The series at ``t``: linear, held constant before the first and after the last time."""
    return float(np.interp(t, times, values))
