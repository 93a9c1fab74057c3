"""Sensors as the OGC SensorThings API models them, plus thresholds and reporting intervals.

Thing (a station) -> Datastreams (one observed property each, with a unit) -> Observations (a time,
a result, a quality flag). A Location places a Thing; here it is an (x, y) in the project CRS plus
the lon/lat it came as.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from psygnal import Signal

# Quality flags of an observation.
QUALITY_GOOD, QUALITY_SUSPECT, QUALITY_BAD = 0, 1, 2

# Threshold levels.
LEVEL_NORMAL, LEVEL_WARNING, LEVEL_ALARM = 0, 1, 2


@dataclass(frozen=True)
class Thresholds:
    """Warning and alarm limits of a datastream.

    Parameters
    ----------
    warning, alarm
        Limits in the datastream's unit; None when not set.
    direction
        ``"above"``: values at or above a limit reach it (water level); ``"below"``: at or
        below (dissolved oxygen, battery).
    deadband
        How far back past a limit a value must go before the level counts as left, so noise
        around a limit raises one alarm, not hundreds; None means 5 % of the limit's size.
    """

    warning: float | None = None
    alarm: float | None = None
    direction: str = "above"
    deadband: float | None = None

    def release_limits(self) -> tuple[float | None, float | None]:
        """The (warning, alarm) limits moved back by the deadband: where a level is left."""
        sign = 1.0 if self.direction == "above" else -1.0

        def moved(limit: float | None) -> float | None:
            if limit is None:
                return None
            band = abs(limit) * 0.05 if self.deadband is None else self.deadband
            return limit - sign * band

        return moved(self.warning), moved(self.alarm)

    def levels(self, values: np.ndarray) -> np.ndarray:
        """LEVEL_* of each value (NaN is normal: no reading is not an alarm)."""
        values = np.asarray(values, dtype=float)
        out = np.zeros(values.shape, dtype=np.int8)
        sign = 1.0 if self.direction == "above" else -1.0
        with np.errstate(invalid="ignore"):
            if self.warning is not None:
                out[sign * values >= sign * self.warning] = LEVEL_WARNING
            if self.alarm is not None:
                out[sign * values >= sign * self.alarm] = LEVEL_ALARM
        return out


@dataclass
class Thing:
    """A station or device."""

    id: str
    name: str
    description: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    lon: float | None = None
    lat: float | None = None
    x: float | None = None
    y: float | None = None


@dataclass
class Datastream:
    """A series of observations of one property by one thing.

    Parameters
    ----------
    id
        Unique key (also the recording's sensor column).
    unit
        Unit symbol the results are in (``"m"``, ``"mm"``, ``"µg/m³"``, ``"m/s"``, ``"°"``).
    observed_property
        What is measured (``"water_level"``, ``"rainfall"``, ``"pm25"``, ...).
    expected_interval_s
        How often it reports; three missed intervals make it stale.
    """

    id: str
    name: str
    thing_id: str
    unit: str
    observed_property: str
    thresholds: Thresholds = field(default_factory=Thresholds)
    expected_interval_s: float = 60.0
    description: str = ""


class SensorNetwork:
    """The things and datastreams known to the project.

    Events
    ------
    changed
        Emitted (no argument) when things or datastreams were added or removed.
    """

    changed = Signal()

    def __init__(self) -> None:
        self.things: dict[str, Thing] = {}
        self.datastreams: dict[str, Datastream] = {}

    def add(self, thing: Thing, datastreams: list[Datastream]) -> None:
        """Add (or replace) a thing and its datastreams."""
        self.things[thing.id] = thing
        for stream in datastreams:
            self.datastreams[stream.id] = stream
        self.changed.emit()

    def remove_thing(self, thing_id: str) -> None:
        """Remove a thing and its datastreams."""
        self.things.pop(thing_id, None)
        for key in [k for k, d in self.datastreams.items() if d.thing_id == thing_id]:
            del self.datastreams[key]
        self.changed.emit()

    def clear(self) -> None:
        """Forget everything."""
        self.things.clear()
        self.datastreams.clear()
        self.changed.emit()

    def of_thing(self, thing_id: str) -> list[Datastream]:
        """Datastreams of one thing."""
        return [d for d in self.datastreams.values() if d.thing_id == thing_id]
