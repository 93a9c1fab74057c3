"""Sensors from an OGC SensorThings service: read its network and history (``attach_sensorthings``,
in a worker thread) and describe it (``sta_info``, ``citytwin sensors sta-info URL``)."""

from __future__ import annotations

from viewer.core.progress import Progress
from viewer.core.project import Project
from viewer.core.sensor_status import SourceDiagnostics
from viewer.core.sensors import SensorNetwork
from viewer.sensors.rows import ObservationRows
from viewer.sensors.sensorthings import (SensorThingsClient, SensorThingsError, load_network,
                                         observation_topics)

_MQTT_CONFORMANCE = "create-observations-via-mqtt"


def attach_sensorthings(project: Project, base_url: str, start_ns: int | None = None,
                        end_ns: int | None = None, progress: Progress | None = None, *, timeout: float = 10.0,
                        auth: tuple[str, str] | str | None = None,
                        diagnostics: SourceDiagnostics | None = None,
                        page_size: int = 1000) -> tuple[SensorNetwork, ObservationRows]:
    """Read a SensorThings service's things, datastreams and observations (off the GUI thread).

    The project is only read (its CRS places the stations); the caller adds the result on the
    GUI thread, e.g. with :func:`viewer.commands.sensor_project.add_sensors`.

    Parameters
    ----------
    project
        The project whose CRS the stations get x/y in (none while it has no CRS).
    base_url
        The service root, version included (``http://host/FROST-Server/v1.1``).
    start_ns, end_ns
        Inclusive time range of the history, int64 ns UTC; None for open.
    progress
        Progress over the whole read; cancelling stops at the next page.
    timeout, auth, diagnostics, page_size
        See :class:`~viewer.sensors.sensorthings_client.SensorThingsClient` and its
        ``observations``.

    Raises
    ------
    SensorThingsError
        When the service cannot be read (the message names the URL and the reason).
    """
    from viewer.readers.reproject import transform_xy

    progress = progress or Progress()
    client = SensorThingsClient(base_url, timeout=timeout, auth=auth, diagnostics=diagnostics)
    progress.update(0.0, f"{base_url}: things and datastreams")
    network = load_network(client, project.crs or None, transform_xy=transform_xy)
    stream_ids = list(network.datastreams)
    batches = []
    for i, stream_id in enumerate(stream_ids):
        share = 0.05 + 0.95 * i / len(stream_ids)
        step = progress.sub(share, 0.05 + 0.95 * (i + 1) / len(stream_ids))
        batches.append(client.observations(stream_id, start_ns, end_ns, page_size=page_size, progress=step))
    progress.update(1.0, f"{base_url}: {sum(len(b) for b in batches)} observations")
    return network, ObservationRows.concat(batches)


def sta_info(base_url: str, timeout: float = 10.0, auth: tuple[str, str] | str | None = None) -> str:
    """A text report of a SensorThings service: conformance, things with their locations,
    datastreams with unit, thresholds and observation counts, and their MQTT topics."""
    client = SensorThingsClient(base_url, timeout=timeout, auth=auth)
    lines = [client.base_url]
    try:
        root = client.service_root()
        network = load_network(client)
        counts = {key: client.observation_count(key) for key in network.datastreams}
    except SensorThingsError as error:
        lines.append(f"  error: {error.reason}")
        lines.append(f"  url: {error.url}")
        return "\n".join(lines)
    settings = root.get("serverSettings") if isinstance(root.get("serverSettings"), dict) else {}
    conformance = [str(c) for c in settings.get("conformance", [])]
    lines.append(f"  version: {client.version}")
    if conformance:
        lines.append("  conformance: " + ", ".join(c.rstrip("/").rsplit("/", 1)[-1] for c in conformance))
    endpoints = [e for key, value in settings.items() if _MQTT_CONFORMANCE in key and isinstance(value, dict)
                 for e in value.get("endpoints", [])]
    if endpoints:
        lines.append("  mqtt: " + ", ".join(str(e) for e in endpoints))
    lines.append(f"  things: {len(network.things)}, datastreams: {len(network.datastreams)}")
    for thing in network.things.values():
        where = f"lon {thing.lon:.6f}, lat {thing.lat:.6f}" if thing.lon is not None else "no location"
        lines.append(f"  thing: {thing.name} [{thing.id}] ({where})")
        for stream in network.of_thing(thing.id):
            t = stream.thresholds
            limits = ", ".join(f"{label} {value:g}" for label, value
                               in (("warning", t.warning), ("alarm", t.alarm)) if value is not None)
            count = counts.get(stream.id)
            lines.append(f"    datastream: {stream.name} [{stream.id}]")
            lines.append(f"      {stream.observed_property} in {stream.unit or '(no unit)'}, "
                         f"every {stream.expected_interval_s:g} s"
                         + (f", thresholds {limits} ({t.direction})" if limits else "")
                         + f", observations: {'unknown' if count is None else count}")
            lines.append(f"      mqtt topic: {observation_topics([stream.id], client.version)[0]}")
    return "\n".join(lines)

