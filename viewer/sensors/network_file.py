"""Sensor network metadata as plain data (the ``recording.toml`` of a recording folder, the
project manifest): things, their locations and datastreams with units and thresholds."""

from __future__ import annotations

from typing import Any

from viewer.core.sensors import Datastream, SensorNetwork, Thing, Thresholds


def network_to_dict(network: SensorNetwork) -> dict[str, Any]:
    """Plain data (TOML-safe: no None values) describing ``network``."""
    things = []
    for thing in network.things.values():
        entry: dict[str, Any] = {"id": thing.id, "name": thing.name, "description": thing.description,
                                 "properties": dict(thing.properties)}
        for key in ("lon", "lat", "x", "y"):
            value = getattr(thing, key)
            if value is not None:
                entry[key] = float(value)
        streams = []
        for stream in network.of_thing(thing.id):
            t = stream.thresholds
            thresholds: dict[str, Any] = {"direction": t.direction}
            if t.warning is not None:
                thresholds["warning"] = float(t.warning)
            if t.alarm is not None:
                thresholds["alarm"] = float(t.alarm)
            if t.deadband is not None:
                thresholds["deadband"] = float(t.deadband)
            streams.append({"id": stream.id, "name": stream.name, "unit": stream.unit,
                            "observed_property": stream.observed_property,
                            "expected_interval_s": float(stream.expected_interval_s),
                            "description": stream.description, "thresholds": thresholds})
        entry["datastreams"] = streams
        things.append(entry)
    return {"things": things}


def network_from_dict(data: dict[str, Any], network: SensorNetwork | None = None) -> SensorNetwork:
    """Inverse of :func:`network_to_dict`, adding into ``network`` when given."""
    network = network or SensorNetwork()
    for entry in data.get("things", []):
        thing = Thing(id=str(entry["id"]), name=entry.get("name", str(entry["id"])),
                      description=entry.get("description", ""),
                      properties=dict(entry.get("properties", {})),
                      lon=entry.get("lon"), lat=entry.get("lat"), x=entry.get("x"), y=entry.get("y"))
        streams = []
        for s in entry.get("datastreams", []):
            t = s.get("thresholds", {})
            streams.append(Datastream(
                id=str(s["id"]), name=s.get("name", str(s["id"])), thing_id=thing.id,
                unit=s.get("unit", ""), observed_property=s.get("observed_property", ""),
                thresholds=Thresholds(t.get("warning"), t.get("alarm"), t.get("direction", "above"),
                                      t.get("deadband")),
                expected_interval_s=float(s.get("expected_interval_s", 60.0)),
                description=s.get("description", "")))
        network.add(thing, streams)
    return network
