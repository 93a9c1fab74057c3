"""A flood scenario as plain data: an event (what the water does) times measures (what people build).

Everything here is numbers, strings and lists, so a scenario saves as a ``[[scenarios]]`` table in the
project's ``citytwin.toml`` (or a TOML/JSON file of its own) and reruns the same. Geometry is WKT in
the project CRS (``"POLYGON ((...))"``, ``"LINESTRING (...)"``, ``"POINT (x y)"``), which QGIS and
shapely read; nothing in this module parses it (the command that builds engine inputs does).

Times inside a scenario are seconds since the event start; the start itself is int64 ns UTC on the
app's clock (:mod:`viewer.core.clock`), written to TOML as an ISO 8601 string.

Example (TOML)::

    [[scenarios]]
    kind = "flood"
    name = "Mưa 120 mm + triều cường"
    [scenarios.event]
    start = "2025-10-20T19:00:00Z"
    duration_s = 14400.0
    [scenarios.event.rain]
    kind = "hyetograph"
    times_s = [0.0, 3600.0, 10800.0]
    mm_per_h = [0.0, 80.0, 0.0]
    [[scenarios.event.boundaries]]
    kind = "design"
    water = ["Sông Hậu"]
    mean_m = 0.5
    amplitude_m = 1.5
    [[scenarios.measures]]
    kind = "raise"
    name = "Đê bờ sông +0.5 m"
    geometry = "LINESTRING (586400 1109600, 587000 1110400)"
    raise_by_m = 0.5
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from viewer.core.translatable import MarkedMessage, QT_TRANSLATE_NOOP

M2_PERIOD_S = 44712.0  # the principal lunar semi-diurnal tide, 12.42 h
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class ScenarioError(MarkedMessage, ValueError):
    """A scenario that cannot be run as given; the message names the part that is wrong.

    ``str(error)`` is the English message; where the message is a template marked with
    ``QT_TRANSLATE_NOOP("ScenarioError", ...)``, ``template`` and ``values`` let the Qt layer show it
    in the interface language.
    """

    CONTEXT = "ScenarioError"

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(self._mark(message, values))


def ns_to_iso(t_ns: int) -> str:
    """``2025-10-20T19:00:00Z`` (seconds; sub-second digits only when present)."""
    t = _EPOCH + timedelta(microseconds=int(t_ns) // 1000)
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += f".{t.microsecond:06d}".rstrip("0")
    return text + "Z"


def iso_to_ns(value: str | int) -> int:
    """ns UTC from an ISO 8601 string (naive strings are UTC) or an int of ns."""
    if isinstance(value, int):
        return value
    try:
        t = datetime.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ScenarioError(f"start time {value!r} is not an ISO 8601 date-time") from exc
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return ((t - _EPOCH) // timedelta(microseconds=1)) * 1000


# --- the parts ------------------------------------------------------------------------------

@dataclass
class Rain:
    """Rain over the grid.

    ``kind`` is one of

    - ``"uniform"``: ``mm_per_h`` everywhere, constant (for ``duration_s`` when given, then none);
    - ``"hyetograph"``: ``mm_per_h`` (a list) at ``times_s``, linear between, uniform in space;
    - ``"sensors"``: rain gauges of the project's sensor store (``datastreams``, units ``mm`` per
      reporting step or ``mm/h``) over the event window, spread over the grid by inverse-distance
      weighting with exponent ``idw_power``.
    """

    kind: str = "uniform"
    mm_per_h: float | list[float] = 0.0
    duration_s: float | None = None
    times_s: list[float] = field(default_factory=list)
    datastreams: list[str] = field(default_factory=list)
    idw_power: float = 2.0

    KINDS: ClassVar[tuple[str, ...]] = ("uniform", "hyetograph", "sensors")

    def validate(self) -> None:
        """ScenarioError when the fields do not fit ``kind``."""
        if self.kind not in self.KINDS:
            raise ScenarioError(f"rain kind {self.kind!r} is not one of {', '.join(self.KINDS)}")
        if self.kind == "hyetograph":
            values = self.mm_per_h if isinstance(self.mm_per_h, list) else []
            if not self.times_s or len(values) != len(self.times_s):
                raise ScenarioError("a hyetograph needs times_s and mm_per_h lists of the same length")
        if self.kind == "sensors" and not self.datastreams:
            raise ScenarioError("rain from sensors needs at least one rain-gauge datastream id")


@dataclass
class Boundary:
    """A water level imposed on river cells or a grid edge, or an edge water can leave by.

    Where: ``water`` names features (their ``name`` attribute) of a polygon layer (``layer``, an id
    or a layer name; empty: any polygon layer that has them), or ``edge`` is ``"north"``, ``"south"``,
    ``"east"`` or ``"west"``.

    ``kind`` is one of

    - ``"design"``: ``mean_m + amplitude_m * cos(2 pi t / period_s - phase_deg)``, so phase 0 puts
      high water at the event start;
    - ``"sensor"``: the series of ``datastream`` (a tide or river gauge) over the event window, plus
      ``offset_m`` (a datum shift);
    - ``"table"``: ``levels_m`` at ``times_s``;
    - ``"open"``: free outflow through ``edge`` (no level).
    """

    kind: str = "design"
    name: str = ""
    water: list[str] = field(default_factory=list)
    layer: str = ""
    edge: str = ""
    mean_m: float = 0.0
    amplitude_m: float = 0.0
    period_s: float = M2_PERIOD_S
    phase_deg: float = 0.0
    datastream: str = ""
    offset_m: float = 0.0
    times_s: list[float] = field(default_factory=list)
    levels_m: list[float] = field(default_factory=list)

    KINDS: ClassVar[tuple[str, ...]] = ("design", "sensor", "table", "open")
    EDGES: ClassVar[tuple[str, ...]] = ("north", "south", "east", "west")

    @property
    def label(self) -> str:
        """A name for messages."""
        return self.name or self.datastream or ", ".join(self.water) or self.edge or self.kind

    def validate(self) -> None:
        """ScenarioError when the fields do not fit ``kind``."""
        if self.kind not in self.KINDS:
            raise ScenarioError(f"boundary {self.label!r}: kind {self.kind!r} is not one of "
                                f"{', '.join(self.KINDS)}")
        if self.edge and self.edge not in self.EDGES:
            raise ScenarioError(f"boundary {self.label!r}: edge {self.edge!r} is not one of "
                                f"{', '.join(self.EDGES)}")
        if not self.edge and not self.water:
            raise ScenarioError(f"boundary {self.label!r}: give water feature names or an edge")
        if self.kind == "open" and not self.edge:
            raise ScenarioError(f"boundary {self.label!r}: an open boundary needs an edge")
        if self.kind == "sensor" and not self.datastream:
            raise ScenarioError(f"boundary {self.label!r}: a sensor boundary needs a datastream id")
        if self.kind == "table" and (not self.times_s or len(self.times_s) != len(self.levels_m)):
            raise ScenarioError(f"boundary {self.label!r}: times_s and levels_m differ in length")
        if self.kind == "design" and self.period_s <= 0:
            raise ScenarioError(f"boundary {self.label!r}: period_s must be positive")


@dataclass
class InflowSpec:
    """A hydrograph (m3/s at ``times_s``) entering at a point or along a line (WKT)."""

    name: str = ""
    geometry: str = ""
    times_s: list[float] = field(default_factory=list)
    q_m3s: list[float] = field(default_factory=list)


@dataclass
class BreachSpec:
    """At ``time_s`` the ground inside ``geometry`` (a dike section, WKT) drops to ``new_z_m``."""

    name: str = ""
    geometry: str = ""
    time_s: float = 0.0
    new_z_m: float = 0.0


# --- measures ---------------------------------------------------------------------------------

@dataclass
class Measure:
    """Base of the measures; each has a name, a WKT geometry in the project CRS and an on/off."""

    name: str = ""
    geometry: str = ""
    enabled: bool = True

    kind: ClassVar[str] = ""

    @property
    def label(self) -> str:
        """How messages name the measure."""
        return f"measure {self.name or self.kind!r} ({self.kind})"

    def validate(self) -> None:
        """ScenarioError when the measure's numbers cannot be used (its geometry is checked where
        it is burnt into the grid)."""


@dataclass
class RaiseMeasure(Measure):
    """Raise a dike or road (polygon or line) to ``crest_m`` (absolute, m) or by ``raise_by_m``;
    where both are given the ground goes to the higher of the two."""

    crest_m: float | None = None
    raise_by_m: float | None = None

    kind: ClassVar[str] = "raise"

    def validate(self) -> None:
        if self.crest_m is None and self.raise_by_m is None:
            raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label}: give crest_m or raise_by_m"), label=self.label)


@dataclass
class FloodWall(Measure):
    """A wall along a line: the cells it crosses get ``crest_m`` as their top, or are blocked
    (never overtopped) when ``crest_m`` is not given."""

    crest_m: float | None = None

    kind: ClassVar[str] = "wall"


@dataclass
class PumpMeasure(Measure):
    """A pump at a point (or drawing from a polygon) of ``capacity_m3s``; the water goes to the
    ``outlet`` point (WKT) when given, out of the model otherwise."""

    capacity_m3s: float = 0.0
    outlet: str = ""

    kind: ClassVar[str] = "pump"

    def validate(self) -> None:
        if not self.capacity_m3s > 0:
            raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label}: the capacity must be positive (m³/s)"), label=self.label)


@dataclass
class RetentionPond(Measure):
    """Dig the ground inside the polygon ``depth_m`` deeper."""

    depth_m: float = 0.0

    kind: ClassVar[str] = "retention"

    def validate(self) -> None:
        if not self.depth_m > 0:
            raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label}: the depth must be positive (m)"), label=self.label)


@dataclass
class ManningZone(Measure):
    """A different Manning roughness ``n`` (s/m^(1/3)) inside the polygon."""

    n: float = 0.04

    kind: ClassVar[str] = "manning"

    def validate(self) -> None:
        if not 0.005 <= self.n <= 1.0:
            raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label}: n={n:g} is outside 0.005-1"), label=self.label, n=self.n)


MEASURE_KINDS: dict[str, type[Measure]] = {
    cls.kind: cls for cls in (RaiseMeasure, FloodWall, PumpMeasure, RetentionPond, ManningZone)}


# --- the whole ---------------------------------------------------------------------------------

@dataclass
class FloodEvent:
    """What happens: the window on the clock and the water that comes.

    ``start_ns`` is when the run starts (None: the project clock's time when it is run);
    ``duration_s`` how long it runs. Sensor series are read over [start, start + duration].
    """

    start_ns: int | None = None
    duration_s: float = 3 * 3600.0
    rain: Rain | None = None
    boundaries: list[Boundary] = field(default_factory=list)
    inflows: list[InflowSpec] = field(default_factory=list)
    breaches: list[BreachSpec] = field(default_factory=list)

    @property
    def end_ns(self) -> int | None:
        """End of the window (None while the start is open)."""
        return None if self.start_ns is None else self.start_ns + int(round(self.duration_s * 1e9))


@dataclass
class FloodSettings:
    """How the event is modelled: grid, buildings, roughness, outputs, impact thresholds.

    ``buildings``: ``"raise"`` (footprint cells + ``building_raise_m``, or + each building's own
    height with ``building_raise_from_height``), ``"block"`` (walls water never enters) or
    ``"none"``. ``rain_loss_mm_per_h`` is taken off the rain everywhere (drains and infiltration
    lumped: the engine has neither; 0 keeps all the rain on the ground). ``layers`` maps a role
    (``"dem"``, ``"buildings"``, ``"roads"``, ``"facilities"``, ``"water"``) to a layer id or name
    where the automatic choice is not the right one.
    """

    cell_size_m: float | None = None
    output_interval_s: float = 300.0
    buildings: str = "raise"
    building_raise_m: float = 3.0
    building_raise_from_height: bool = False
    manning_n: float = 0.035
    rain_loss_mm_per_h: float = 0.0
    fill_water_bodies: bool = True
    impassable_depth_m: float = 0.3
    max_dt_s: float = 10.0
    cfl: float = 0.7
    layers: dict[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """ScenarioError on settings that cannot work."""
        if self.buildings not in ("raise", "block", "none"):
            raise ScenarioError(f"settings.buildings {self.buildings!r} is not raise, block or none")
        if self.cell_size_m is not None and self.cell_size_m <= 0:
            raise ScenarioError("settings.cell_size_m must be positive")
        if self.output_interval_s <= 0:
            raise ScenarioError("settings.output_interval_s must be positive")
        if self.rain_loss_mm_per_h < 0:
            raise ScenarioError("settings.rain_loss_mm_per_h must be >= 0")
        if not 0.005 <= self.manning_n <= 1.0:
            raise ScenarioError(f"settings.manning_n={self.manning_n:g} is outside 0.005-1")


@dataclass
class FloodScenario:
    """One what-if flood: an event, the measures tried against it, and how to model it."""

    name: str = "Flood"
    description: str = ""
    event: FloodEvent = field(default_factory=FloodEvent)
    measures: list[Measure] = field(default_factory=list)
    settings: FloodSettings = field(default_factory=FloodSettings)

    kind: ClassVar[str] = "flood"

    def validate(self) -> None:
        """ScenarioError naming the first part that cannot be run."""
        if self.event.duration_s <= 0:
            raise ScenarioError(f"scenario {self.name!r}: duration_s must be positive")
        if self.event.rain is not None:
            self.event.rain.validate()
        for boundary in self.event.boundaries:
            boundary.validate()
        for measure in self.measures:
            if not measure.geometry:
                raise ScenarioError(f"{measure.label} has no geometry")
            measure.validate()
        self.settings.validate()

    def with_measures(self, measures: list[Measure], name: str | None = None) -> FloodScenario:
        """The same event and settings with other measures (baseline -> variant)."""
        return dataclasses.replace(self, name=name or self.name, measures=list(measures))

    def baseline(self) -> FloodScenario:
        """The same event without any measure."""
        return self.with_measures([], name=f"{self.name} (baseline)")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for TOML/JSON (no None values: TOML has no null)."""
        event = self.event
        out_event: dict[str, Any] = {"duration_s": float(event.duration_s)}
        if event.start_ns is not None:
            out_event["start"] = ns_to_iso(event.start_ns)
        if event.rain is not None:
            out_event["rain"] = _plain(event.rain)
        out_event["boundaries"] = [_plain(b) for b in event.boundaries]
        out_event["inflows"] = [_plain(i) for i in event.inflows]
        out_event["breaches"] = [_plain(b) for b in event.breaches]
        measures = [{"kind": m.kind, **_plain(m)} for m in self.measures]
        return {"kind": self.kind, "name": self.name, "description": self.description,
                "event": out_event, "measures": measures, "settings": _plain(self.settings)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FloodScenario:
        """Read :meth:`to_dict`'s form back; ScenarioError names what is wrong."""
        if data.get("kind", "flood") != "flood":
            raise ScenarioError(f"scenario {data.get('name')!r} is a {data['kind']!r} scenario, not a flood")
        ev = dict(data.get("event", {}))
        start = ev.pop("start", ev.pop("start_ns", None))
        end = ev.pop("end", ev.pop("end_ns", None))
        start_ns = None if start is None else iso_to_ns(start)
        duration = float(ev.pop("duration_s", 3 * 3600.0))
        if end is not None and start_ns is not None:
            duration = (iso_to_ns(end) - start_ns) / 1e9
        rain = ev.pop("rain", None)
        event = FloodEvent(
            start_ns=start_ns, duration_s=duration,
            rain=None if not rain else _build(Rain, rain, "event.rain"),
            boundaries=[_build(Boundary, b, "event.boundaries") for b in ev.pop("boundaries", [])],
            inflows=[_build(InflowSpec, i, "event.inflows") for i in ev.pop("inflows", [])],
            breaches=[_build(BreachSpec, b, "event.breaches") for b in ev.pop("breaches", [])])
        if ev:
            raise ScenarioError(f"event: unknown field(s) {', '.join(sorted(ev))}")
        measures = []
        for entry in data.get("measures", []):
            entry = dict(entry)
            kind = entry.pop("kind", "")
            if kind not in MEASURE_KINDS:
                raise ScenarioError(f"measure {entry.get('name', '')!r}: kind {kind!r} is not one of "
                                    f"{', '.join(MEASURE_KINDS)}")
            measures.append(_build(MEASURE_KINDS[kind], entry, f"measure {entry.get('name', '')!r}"))
        settings = _build(FloodSettings, data.get("settings", {}), "settings")
        return cls(name=str(data.get("name", "Flood")), description=str(data.get("description", "")),
                   event=event, measures=measures, settings=settings)


def _plain(obj: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict without None and without empty strings/lists."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None or value == "" or value == [] or value == {}:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    """``cls(**data)`` with a ScenarioError naming ``where`` on unknown fields."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ScenarioError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return cls(**data)


def scenarios_from_manifest(manifest: dict[str, Any], errors: list[str] | None = None) -> list[FloodScenario]:
    """The scenarios of a project manifest's ``[[scenarios]]`` tables.

    A table that cannot be read (unknown kind or field, bad value) raises ScenarioError naming it;
    with ``errors`` given, its message goes there instead and the others are still read.
    """
    out = []
    for number, entry in enumerate(manifest.get("scenarios", [])):
        try:
            out.append(FloodScenario.from_dict(entry))
        except (ScenarioError, TypeError, ValueError) as error:
            message = f"scenario {entry.get('name', number + 1)!r}: {error}"
            if errors is None:
                raise ScenarioError(message) from error
            errors.append(message)
    return out
