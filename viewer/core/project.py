"""The project: the layers, the project CRS, the shared selection and the saved view state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psygnal import evented
from psygnal.containers import EventedList

from viewer.core.clock import Clock
from viewer.core.layers import Layer
from viewer.core.observations import ObservationStore
from viewer.core.sensor_status import AlarmLog, SensorStatus
from viewer.core.sensors import SensorNetwork


@evented
@dataclass(eq=False)
class Selection:
    """The selected feature, shared by the 2D map, the 3D view and the attribute panel.

    Events
    ------
    layer_id, index
        Emitted when either changes; views listen to ``index`` (set last by :meth:`select`).
    """

    layer_id: str | None = None
    index: int | None = None

    def select(self, layer_id: str | None, index: int | None) -> None:
        """Select feature ``index`` of layer ``layer_id`` (None, None clears)."""
        self.layer_id = layer_id
        self.index = None if index is None else int(index)

    def clear(self) -> None:
        """Select nothing."""
        self.select(None, None)


@dataclass
class Settings:
    """Project settings that change how data is interpreted or drawn."""

    storey_height: float = 3.0
    default_height: float = 9.0
    vertical_exaggeration: float = 1.0
    default_crs: str | None = None


@evented
@dataclass(eq=False)
class Project:
    """Everything the user has open.

    Parameters
    ----------
    name
        Title shown in the window.
    crs
        Project CRS; every layer is reprojected to it on load. Empty until the first layer sets it.
    synthetic
        True for generated demo data (shown in the About box and the title).

    Events
    ------
    name, crs, camera, extent2d
        Emitted with the new value. Layer changes come from ``layers.events`` (inserted, removed,
        moved) and selection changes from ``selection.events``. Time follows ``clock``; sensors
        are ``sensors`` (things, datastreams), ``observations`` (the time-indexed store),
        ``sensor_status`` (values, levels and staleness at the clock's time) and ``alarms``.
        What-if scenarios are ``scenarios`` (an evented list of plain-data scenario objects, each
        with ``name``, ``kind`` and ``to_dict()``; saved as ``[[scenarios]]`` in the manifest).
    """

    name: str = "Untitled"
    crs: str = ""
    synthetic: bool = False
    description: str = ""
    camera: dict[str, Any] = field(default_factory=dict)
    extent2d: tuple[float, float, float, float] | None = None
    path: str | None = None
    layers: EventedList = field(default_factory=EventedList, repr=False)
    selection: Selection = field(default_factory=Selection, repr=False)
    settings: Settings = field(default_factory=Settings, repr=False)
    clock: Clock = field(default_factory=Clock, repr=False)
    sensors: SensorNetwork = field(default_factory=SensorNetwork, repr=False)
    observations: ObservationStore = field(default_factory=ObservationStore, repr=False)
    alarms: AlarmLog = field(default_factory=AlarmLog, repr=False)
    scenarios: EventedList = field(default_factory=EventedList, repr=False)
    sensor_status: SensorStatus = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.sensor_status = SensorStatus(self.sensors, self.observations, self.alarms)

    def scenario_named(self, name: str) -> Any:
        """The scenario called ``name``, or None."""
        return next((s for s in self.scenarios if s.name == name), None)

    def put_scenario(self, scenario: Any) -> Any:
        """Add ``scenario``, replacing the one of the same name (keeps its place in the list)."""
        for index, old in enumerate(self.scenarios):
            if old.name == scenario.name:
                self.scenarios[index] = scenario
                return scenario
        self.scenarios.append(scenario)
        return scenario

    def add_layer(self, layer: Layer) -> Layer:
        """Append ``layer`` (drawn on top). The caller has already reprojected it to ``crs``."""
        if not self.crs:
            self.crs = layer.crs
        self.layers.append(layer)
        return layer

    def remove_layer(self, layer: Layer) -> None:
        """Remove ``layer``; clears the selection if it pointed into it."""
        if self.selection.layer_id == layer.id:
            self.selection.clear()
        self.layers.remove(layer)

    def layer_by_id(self, layer_id: str | None) -> Layer | None:
        """The layer with that id, or None."""
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        return None

    def layers_of_kind(self, kind: str) -> list[Layer]:
        """Layers whose ``kind`` is ``kind`` (``"raster"``, ``"buildings"``, ``"vector"``)."""
        return [layer for layer in self.layers if layer.kind == kind]

    def dem(self) -> Layer | None:
        """The top visible raster layer with ``role == "dem"``, the terrain for 3D."""
        for layer in reversed(list(self.layers)):
            if layer.kind == "raster" and getattr(layer, "role", "") == "dem" and layer.visible:
                return layer
        return None

    @property
    def extent(self) -> tuple[float, float, float, float] | None:
        """Union of the layers' extents, or None with no layers."""
        boxes = [layer.extent for layer in self.layers if layer.feature_count]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))
