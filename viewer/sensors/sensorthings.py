"""OGC SensorThings API as a sensor source: its entities become the project's sensor network.

The HTTP client is :mod:`viewer.sensors.sensorthings_client`, the MQTT topics are
:mod:`viewer.sensors.sensorthings_topics`; this module maps STA entities onto
:class:`~viewer.core.sensors.Thing` and :class:`~viewer.core.sensors.Datastream`:

- ``Thing`` -> Thing (``@iot.id``, name, description, properties); its first Location with a
  GeoJSON geometry gives lon/lat (a point as it is, other geometries their mean position);
- ``Datastream`` -> Datastream: ``unitOfMeasurement.symbol`` is the unit,
  ``ObservedProperty.name`` the observed property, and the Datastream's ``properties`` may hold
  ``thresholds = {warning, alarm, direction}`` and ``expectedIntervalSeconds``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from viewer.core.sensors import Datastream, SensorNetwork, Thing, Thresholds
from viewer.sensors.sensorthings_client import SensorThingsClient, SensorThingsError
from viewer.sensors.sensorthings_time import iso_from_ns, ns_from_iso
from viewer.sensors.sensorthings_topics import entity_key, observation_topics, stream_id_from_topic

__all__ = ["SensorThingsClient", "SensorThingsError", "entity_key", "iso_from_ns", "load_network",
           "lonlat_of_geojson", "ns_from_iso", "observation_topics", "stream_id_from_topic"]

TransformXY = Callable[[np.ndarray, np.ndarray, str, str], tuple[np.ndarray, np.ndarray]]


def load_network(client: SensorThingsClient, project_crs: str | None = None,
                 transform_xy: TransformXY | None = None) -> SensorNetwork:
    """Read the things, locations and datastreams of a service into a new network.

    Parameters
    ----------
    client
        The service.
    project_crs
        When given, things with a location also get x/y in this CRS.
    transform_xy
        ``transform_xy(x, y, src, dst)``; the commands pass the project's own (VN-2000 through
        EPSG:6960). Without it a plain pyproj transformer is used.

    Raises
    ------
    SensorThingsError
        When the service cannot be read, or an entity lacks a mandatory field (``@iot.id``,
        ``name``, a Datastream's ``unitOfMeasurement``, ``Thing`` or ``ObservedProperty``).
    """
    things: dict[str, Thing] = {}
    for raw in client.things():
        thing = _thing(client, raw)
        things[thing.id] = thing
    streams: dict[str, list[Datastream]] = {key: [] for key in things}
    for raw in client.datastreams():
        where = _self_link(client, raw, "Datastreams")
        raw_thing = raw.get("Thing")
        if not isinstance(raw_thing, dict):
            raise client.error(where, "the Datastream has no Thing", "missing_field")
        thing = _thing(client, raw_thing)
        if thing.id not in things:
            things[thing.id] = thing
            streams[thing.id] = []
        elif things[thing.id].lon is None:
            things[thing.id].lon, things[thing.id].lat = thing.lon, thing.lat
        streams[thing.id].append(_datastream(client, raw, thing.id, where))
    if project_crs:
        _place(list(things.values()), project_crs, transform_xy)
    network = SensorNetwork()
    for key, thing in things.items():
        network.add(thing, streams[key])
    return network


def _self_link(client: SensorThingsClient, raw: dict, entity_set: str) -> str:
    link = raw.get("@iot.selfLink")
    if isinstance(link, str):
        return link
    key = raw.get("@iot.id")
    return client.url(entity_set if key is None else f"{entity_set}({entity_key(key)})")


def _required(client: SensorThingsClient, raw: dict, field: str, where: str, kind: str) -> Any:
    value = raw.get(field)
    if value is None or value == "":
        raise client.error(where, f"the {kind} has no '{field}'", "missing_field")
    return value


def _thing(client: SensorThingsClient, raw: dict) -> Thing:
    where = _self_link(client, raw, "Things")
    key = str(_required(client, raw, "@iot.id", where, "Thing"))
    name = str(_required(client, raw, "name", where, "Thing"))
    lon = lat = None
    for location in raw.get("Locations") or []:
        if isinstance(location, dict):
            point = lonlat_of_geojson(location.get("location"))
            if point is not None:
                lon, lat = point
                break
    properties = raw.get("properties")
    return Thing(id=key, name=name, description=str(raw.get("description") or ""),
                 properties=dict(properties) if isinstance(properties, dict) else {}, lon=lon, lat=lat)


def _datastream(client: SensorThingsClient, raw: dict, thing_id: str, where: str) -> Datastream:
    key = str(_required(client, raw, "@iot.id", where, "Datastream"))
    name = str(_required(client, raw, "name", where, "Datastream"))
    unit = _required(client, raw, "unitOfMeasurement", where, "Datastream")
    observed = _required(client, raw, "ObservedProperty", where, "Datastream")
    if not isinstance(unit, dict) or not isinstance(observed, dict):
        raise client.error(where, "unitOfMeasurement and ObservedProperty must be objects", "malformed")
    prop_name = str(_required(client, observed, "name", where, "ObservedProperty"))
    properties = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
    interval = _number(properties.get("expectedIntervalSeconds", properties.get("expected_interval_s")))
    return Datastream(id=key, name=name, thing_id=thing_id, unit=str(unit.get("symbol") or ""),
                      observed_property=prop_name, thresholds=_thresholds(properties.get("thresholds")),
                      expected_interval_s=interval if interval and interval > 0 else 60.0,
                      description=str(raw.get("description") or ""))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _thresholds(raw: Any) -> Thresholds:
    if not isinstance(raw, dict):
        return Thresholds()
    direction = str(raw.get("direction", "above")).lower()
    return Thresholds(warning=_number(raw.get("warning")), alarm=_number(raw.get("alarm")),
                      direction=direction if direction in ("above", "below") else "above")


def lonlat_of_geojson(geojson: Any) -> tuple[float, float] | None:
    """(lon, lat) of a GeoJSON geometry or Feature: a point's own, another geometry's mean
    position; None when there is no valid position."""
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict):
        return None
    positions: list[tuple[float, float]] = []

    def collect(coords: Any) -> None:
        if isinstance(coords, (list, tuple)) and len(coords) >= 2 and all(
                isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords[:2]):
            positions.append((float(coords[0]), float(coords[1])))
        elif isinstance(coords, (list, tuple)):
            for item in coords:
                collect(item)

    if geojson.get("type") == "GeometryCollection":
        for geometry in geojson.get("geometries") or []:
            if isinstance(geometry, dict):
                collect(geometry.get("coordinates"))
    else:
        collect(geojson.get("coordinates"))
    if not positions:
        return None
    lon = sum(p[0] for p in positions) / len(positions)
    lat = sum(p[1] for p in positions) / len(positions)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def _place(things: list[Thing], project_crs: str, transform_xy: TransformXY | None) -> None:
    """x/y in the project CRS for every thing with lon/lat."""
    located = [t for t in things if t.lon is not None and t.lat is not None]
    if not located:
        return
    lon = np.array([t.lon for t in located], dtype=float)
    lat = np.array([t.lat for t in located], dtype=float)
    if transform_xy is None:
        from pyproj import Transformer

        x, y = Transformer.from_crs("EPSG:4326", project_crs, always_xy=True).transform(lon, lat)
    else:
        x, y = transform_xy(lon, lat, "EPSG:4326", project_crs)
    for thing, tx, ty in zip(located, np.atleast_1d(x), np.atleast_1d(y)):
        thing.x, thing.y = float(tx), float(ty)
