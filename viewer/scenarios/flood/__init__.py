"""The flood engine: a 2D local-inertial shallow-water model on the DEM grid.

``simulate(grid, forcing, params)`` yields :class:`FloodFrame` objects; :func:`accumulate` gathers them
into a :class:`FloodResult`. Importing this package is cheap: numba loads on the first run, and its
compiled kernels are cached on disk.
"""

from viewer.scenarios.flood.forcing import (Breach, BoundaryLevel, FloodInputWarning, Forcing, Inflow,
                                            OpenBoundary, Pump, RainField, RainSeries)
from viewer.scenarios.flood.grid import FloodGrid
from viewer.scenarios.flood.params import FloodFrame, FloodParams
from viewer.scenarios.flood.results import FloodResult, accumulate
from viewer.scenarios.flood.simulate import simulate

__all__ = ["Breach", "BoundaryLevel", "FloodFrame", "FloodGrid", "FloodInputWarning", "FloodParams",
           "FloodResult", "Forcing", "Inflow", "OpenBoundary", "Pump", "RainField", "RainSeries",
           "accumulate", "simulate"]
