"""Checks of parsed observations against the sensor network: known datastream, a finite number,
not in the future beyond the allowed clock skew, in the datastream's unit (converted when a
simple conversion exists). Plus the bookkeeping of what was rejected into a source's diagnostics.

Duplicates and out-of-order rows are not judged here: the store sorts the one and drops the
other, and :func:`count_append` writes what it did into the diagnostics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np

from viewer.core.clock import NS, now_ns
from viewer.core.observations import AppendResult
from viewer.core.sensor_status import SourceDiagnostics
from viewer.core.sensors import Datastream, SensorNetwork, Thing
from viewer.sensors.payloads import ParsedMessage, Rejection
from viewer.sensors.rows import ObservationRows

log = logging.getLogger(__name__)

# unit -> (dimension, scale, offset) with value_in_base = value * scale + offset.
_UNITS: dict[str, tuple[str, float, float]] = {
    "m": ("length", 1.0, 0.0), "cm": ("length", 0.01, 0.0), "mm": ("length", 0.001, 0.0),
    "km": ("length", 1000.0, 0.0),
    "m/s": ("speed", 1.0, 0.0), "km/h": ("speed", 1 / 3.6, 0.0), "kn": ("speed", 1852 / 3600, 0.0),
    "°C": ("temperature", 1.0, 273.15), "K": ("temperature", 1.0, 0.0),
    "°F": ("temperature", 5 / 9, 273.15 - 32 * 5 / 9),
    "Pa": ("pressure", 1.0, 0.0), "hPa": ("pressure", 100.0, 0.0), "kPa": ("pressure", 1000.0, 0.0),
    "µg/m³": ("concentration", 1.0, 0.0), "mg/m³": ("concentration", 1000.0, 0.0),
}
# Spellings seen on the wire (SenML's registry, ASCII, Greek mu) -> the symbol above.
_ALIASES = {
    "meter": "m", "metre": "m", "Cel": "°C", "degC": "°C", "deg C": "°C", "℃": "°C",
    "degF": "°F", "℉": "°F", "m s-1": "m/s", "m.s-1": "m/s", "mps": "m/s",
    "km h-1": "km/h", "kmh": "km/h", "kph": "km/h", "mbar": "hPa", "ug/m3": "µg/m³", "μg/m³": "µg/m³",
    "µg/m3": "µg/m³", "μg/m3": "µg/m³", "ug/m^3": "µg/m³", "mg/m3": "mg/m³",
}
_RATE_LIMIT_S = 10.0


def normalize_unit(unit: str) -> str:
    """The canonical symbol of ``unit`` (``"Cel"`` -> ``"°C"``); unknown units unchanged."""
    unit = unit.strip()
    return _ALIASES.get(unit, unit)


def unit_converter(source: str, target: str, temperature: bool = True) -> Callable[[np.ndarray], np.ndarray] | None:
    """A function converting values from ``source`` to ``target`` units, or None when there is
    no simple conversion (different dimensions, unknown units, temperature when not allowed)."""
    source, target = normalize_unit(source), normalize_unit(target)
    if source == target:
        return lambda v: v
    a, b = _UNITS.get(source), _UNITS.get(target)
    if a is None or b is None or a[0] != b[0] or (a[0] == "temperature" and not temperature):
        return None
    return lambda v: ((v * a[1] + a[2]) - b[2]) / b[1]


class Validator:
    """Keeps the rows a datastream can take, converting units, and says why it dropped the rest.

    Parameters
    ----------
    network
        The datastreams (read on the source's thread; only looked up, never iterated).
    max_skew_s
        How far in the future (by this computer's clock) a time may be: sensor clocks drift.
    now
        Clock for the future check, ns UTC (tests pass a fixed one).
    temperature
        Convert °F and K to °C (and back); False rejects them as ``wrong_unit``.
    create_unknown
        Add a Thing and Datastream for an unknown datastream instead of rejecting it (the
        headless recorder does, so a recording of a feed nobody described is still complete;
        the unit is the first one the feed states). The network then changes, and emits
        ``changed``, on the source's thread: for headless use, not a network the GUI shows.
    """

    def __init__(self, network: SensorNetwork, max_skew_s: float = 300.0, now: Callable[[], int] = now_ns,
                 temperature: bool = True, create_unknown: bool = False) -> None:
        self.network = network
        self.max_skew_s = max_skew_s
        self.now = now
        self.temperature = temperature
        self.create_unknown = create_unknown

    def validate(self, parsed: ParsedMessage) -> tuple[ObservationRows, list[Rejection]]:
        """The rows of ``parsed`` that pass (values in their datastream's unit) and the rejections."""
        rows, units, topic = parsed.rows, parsed.units, parsed.topic
        if not len(rows):
            return rows, []
        keep = np.ones(len(rows), dtype=bool)
        values = rows.values.copy()
        rejections: list[Rejection] = []

        def reject(mask: np.ndarray, reason: str, what: str) -> None:
            mask = mask & keep
            if mask.any():
                rejections.append(Rejection(reason, f"topic {topic!r}: {what}", int(mask.sum())))
                keep[mask] = False

        reject(~np.isfinite(values), "not_a_number", "value is NaN or infinite")
        limit = self.now() + int(self.max_skew_s * NS)
        future = rows.times_ns > limit
        if future.any():
            ahead = (int(rows.times_ns[future].max()) - (limit - int(self.max_skew_s * NS))) / NS
            reject(future, "future_time", f"time is {ahead:,.0f} s ahead of this computer's clock "
                                          f"(more than the {self.max_skew_s:g} s allowed)")
        # Per datastream, not per row: a SenML pack may carry hundreds of rows of a few streams.
        names, first, inverse = np.unique(rows.stream_ids.astype(str), return_index=True, return_inverse=True)
        streams = [self.network.datastreams.get(name) for name in names.tolist()]
        if self.create_unknown:
            streams = [s or self._create(name, units[i]) for s, name, i in zip(streams, names.tolist(), first)]
        missing = np.array([s is None for s in streams])
        if missing.any():
            unknown = missing[inverse]
            name = rows.stream_ids[np.flatnonzero(unknown & keep)[0]] if (unknown & keep).any() else ""
            reject(unknown, "unknown_stream", f"datastream {name!r} is not in the sensor network")
        stream_units = np.array([s.unit if s is not None else "" for s in streams], dtype=object)[inverse]
        # Rows stating a unit other than their datastream's (unstated units are taken to be its own).
        differ = keep & (units != "") & (stream_units != "") & (units != stream_units)
        for k, unit in dict.fromkeys(zip(inverse[differ].tolist(), units[differ].tolist())):
            same = differ & (inverse == k) & (units == unit)
            stream = streams[k]
            convert = unit_converter(unit, stream.unit, self.temperature)
            if convert is None:
                reject(same, "wrong_unit", f"datastream {stream.id!r} is in {stream.unit!r}, got {unit!r}")
            else:
                values[same] = convert(values[same])
        out = ObservationRows(rows.stream_ids[keep], rows.times_ns[keep], values[keep], rows.quality[keep])
        return out, rejections

    def _create(self, stream_id: str, unit: str) -> Datastream:
        stream = Datastream(id=stream_id, name=stream_id, thing_id=stream_id, unit=normalize_unit(unit),
                            observed_property="", description="created from the feed by the recorder")
        self.network.add(Thing(id=stream_id, name=stream_id), [stream])
        return stream


class RejectionLog:
    """Counts rejections into a source's diagnostics and logs them, at most one line per reason
    every 10 s, so a flood of bad data cannot flood the log."""

    def __init__(self, diagnostics: SourceDiagnostics, logger: logging.Logger = log) -> None:
        self.diagnostics = diagnostics
        self.logger = logger
        self._last: dict[str, float] = {}

    def add(self, rejections: list[Rejection]) -> None:
        """Count and (rate-limited) log ``rejections``."""
        for rejection in rejections:
            self.diagnostics.reject(rejection.reason, rejection.detail, rejection.n)
            clock = time.monotonic()
            if clock - self._last.get(rejection.reason, -_RATE_LIMIT_S) >= _RATE_LIMIT_S:
                self._last[rejection.reason] = clock
                self.logger.warning("%s: %s rejected (%s): %s", self.diagnostics.name, rejection.n,
                                    rejection.reason, rejection.detail)


def count_append(diagnostics: SourceDiagnostics, result: AppendResult) -> None:
    """Write what the store did with a drained batch into the diagnostics.

    Duplicates were dropped: they move from accepted to ``rejected["duplicate"]``. Out-of-order
    rows were kept (sorted into place): ``rejected["out_of_order"]`` counts them for the panel,
    but they stay in ``accepted``, so ``received == accepted + rejected - out_of_order``.
    """
    if result.duplicates:
        diagnostics.count(accepted=-result.duplicates)
        diagnostics.reject("duplicate", f"{result.duplicates} observation(s) repeated a time already stored",
                           result.duplicates)
    if result.out_of_order:
        diagnostics.reject("out_of_order", f"{result.out_of_order} observation(s) arrived after later ones "
                                           "(kept, sorted into place)", result.out_of_order)
