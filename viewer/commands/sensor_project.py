"""Bring sensors into a project: a recording (or any network + observations) is placed in the
project CRS, its observations go into the store, and the clock is set to replay it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from viewer.core.layers import SensorLayer
from viewer.core.progress import Progress
from viewer.core.project import Project
from viewer.core.sensors import SensorNetwork
from viewer.sensors.rows import ObservationRows


def read_sensor_recording(folder: str | Path, progress: Progress | None = None) -> tuple[SensorNetwork, ObservationRows]:
    """Read a recording folder (off the GUI thread)."""
    from viewer.sensors.recording import read_recording

    progress = progress or Progress()
    progress.update(0.0, str(folder))
    network, rows = read_recording(Path(folder))
    progress.update(1.0, str(folder))
    return network, rows


def place_stations(network: SensorNetwork, project_crs: str) -> None:
    """Give every thing with lon/lat an x/y in the project CRS (VN-2000 through EPSG:6960)."""
    from viewer.readers.reproject import transform_xy

    things = [t for t in network.things.values() if t.lon is not None and t.lat is not None]
    if not things or not project_crs:
        return
    x, y = transform_xy(np.array([t.lon for t in things]), np.array([t.lat for t in things]),
                        "EPSG:4326", project_crs)
    for thing, tx, ty in zip(things, x, y):
        thing.x, thing.y = float(tx), float(ty)


def add_sensors(project: Project, network: SensorNetwork, rows: ObservationRows,
                replay: bool = True, name: str = "Sensors") -> SensorLayer:
    """Add stations and observations to ``project`` (GUI thread) and show them as a layer.

    With ``replay`` and a live clock, the clock switches to replaying the observations' range.
    """
    place_stations(network, project.crs)
    for thing in network.things.values():
        project.sensors.add(thing, network.of_thing(thing.id))
    project.observations.append_rows(rows.stream_ids, rows.times_ns, rows.values, rows.quality)
    layer = next((lyr for lyr in project.layers if lyr.kind == "sensors"), None)
    if layer is None:
        layer = SensorLayer(name=name, crs=project.crs, network=project.sensors,
                            status=project.sensor_status, source={"kind": "sensors"})
        project.add_layer(layer)
    span = project.observations.time_range()
    if replay and span is not None and project.clock.mode == "live":
        project.clock.replay(span[0], span[1], speed=60.0)
    project.sensor_status.refresh(project.clock.time_ns)
    return layer
