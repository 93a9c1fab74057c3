"""Live sensor commands, without Qt: record an MQTT feed to a folder, publish a recording to a
broker, and attach an MQTT source to a project (the GUI's timer then calls :func:`drain`).

``citytwin sensors record --broker HOST:PORT --topic T --out DIR`` is :func:`record`;
``citytwin sensors publish --recording DIR --broker HOST:PORT --speed 60`` is :func:`publish`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viewer.core.observations import AppendResult
from viewer.core.progress import Progress
from viewer.core.project import Project
from viewer.core.sensor_status import SourceDiagnostics
from viewer.core.sensors import SensorNetwork
from viewer.sensors.ingest_buffer import IngestBuffer
from viewer.sensors.mqtt_source import MqttSource
from viewer.sensors.payloads import parse_time
from viewer.sensors.publisher import publish_recording
from viewer.sensors.recording import Recorder
from viewer.sensors.topic_rules import TopicMapping
from viewer.sensors.validation import Validator, count_append


def parse_broker(broker: str) -> tuple[str, int]:
    """``"HOST:PORT"`` (or ``"HOST"``, port 1883; ``"[::1]:1883"`` for IPv6) -> (host, port)."""
    host, sep, port = broker.strip().rpartition(":")
    if not sep or "]" in port:
        return broker.strip().strip("[]"), 1883
    if not port.isdigit():
        raise ValueError(f"broker {broker!r}: expected HOST:PORT")
    return host.strip("[]"), int(port)


def mapping_from_topics(topics: Iterable[str], sensorthings_ids: dict[str, str] | None = None) -> TopicMapping:
    """A mapping with an automatic rule per topic (MQTT filters, or templates such as
    ``"citytwin/{stream}/obs"`` whose ``{stream}`` level names the datastream)."""
    return TopicMapping(list(topics), sensorthings_ids=sensorthings_ids)


def record(broker: str, topics: list[str], out: Path, network: SensorNetwork | None, stop_event: threading.Event,
           *, sensorthings_ids: dict[str, str] | None = None, client_id: str = "citytwin-recorder",
           username: str | None = None, password: str | None = None, tls: dict[str, Any] | None = None,
           qos: int = 1, max_skew_s: float = 300.0, ready: threading.Event | None = None,
           on_status: Callable[[dict], None] | None = None, status_interval_s: float = 5.0) -> dict:
    """Record an MQTT feed into a recording folder until ``stop_event`` is set.

    Parameters
    ----------
    broker
        ``"HOST:PORT"``.
    topics
        Topic filters or templates (see :func:`mapping_from_topics`).
    out
        The recording folder (continued if it exists).
    network
        The datastreams expected. None: every datastream the feed names (by its topic or SenML
        name) is added to the recording's network as it first appears, with the unit it
        states, so a recording of a feed nobody has described yet is still complete; with a
        network, observations of unknown datastreams are rejected and counted.
    stop_event
        Set it (signal handler, another thread) to stop; the recording is then closed cleanly.
    ready
        Set once the broker has granted the subscriptions.
    on_status
        Called with the diagnostics snapshot every ``status_interval_s`` while recording.

    Returns
    -------
    dict
        The final diagnostics snapshot (received, accepted, rejected by reason).
    """
    host, port = parse_broker(broker)
    create = network is None
    network = network if network is not None else SensorNetwork()
    recorder = Recorder(Path(out), network, source_info={"kind": "mqtt", "broker": f"{host}:{port}",
                                                         "topics": list(topics), "client_id": client_id})
    source = MqttSource(host, port, mapping_from_topics(topics, sensorthings_ids),
                        Validator(network, max_skew_s=max_skew_s, create_unknown=create), None, recorder,
                        SourceDiagnostics(f"mqtt://{host}:{port}"), client_id=client_id, username=username,
                        password=password, tls=tls, qos=qos)
    try:
        source.start()
        next_status = time.monotonic() + status_interval_s
        while not stop_event.wait(0.1):  # headless: a short poll costs nothing here
            if ready is not None and not ready.is_set() and source.subscribed.is_set():
                ready.set()
            if on_status is not None and time.monotonic() >= next_status:
                next_status += status_interval_s
                on_status(source.diagnostics.snapshot())
    finally:
        source.stop()
        recorder.close()
    return source.diagnostics.snapshot()


def publish(recording: Path, broker: str, speed: float = 60.0, *, topic_template: str = "citytwin/{stream}/obs",
            payload: str = "json", qos: int = 1, start: str | None = None, end: str | None = None,
            shift_to_now: bool = False, progress: Progress | None = None) -> int:
    """Publish a recording to a broker at ``speed`` x real time; returns the observations sent.

    ``start``/``end`` are ISO 8601 times (UTC unless they carry an offset); the rest is
    :func:`viewer.sensors.publisher.publish_recording`.
    """
    host, port = parse_broker(broker)
    return publish_recording(Path(recording), host, port, speed=speed, topic_template=topic_template,
                             payload=payload, qos=qos, start=None if start is None else parse_time(start),
                             end=None if end is None else parse_time(end), progress=progress,
                             shift_to_now=shift_to_now)


@dataclass
class LiveSource:
    """An MQTT source attached to a project: its buffer (drained by the GUI's timer), its
    diagnostics (read by the panel) and its recorder."""

    source: MqttSource
    buffer: IngestBuffer
    diagnostics: SourceDiagnostics
    recorder: Recorder | None = None

    def stop(self) -> None:
        """Disconnect and close the recording (rows still buffered stay for a last drain).

        Closing the recording writes its last segments: call this from a worker, not the GUI
        thread."""
        self.source.stop()
        if self.recorder is not None:
            self.recorder.close()


def attach_mqtt(project: Project, broker: str, mapping: TopicMapping | list[str], recorder_dir: Path | None = None,
                *, client_id: str = "citytwin-viewer", username: str | None = None, password: str | None = None,
                tls: dict[str, Any] | None = None, qos: int = 1, max_skew_s: float = 300.0,
                start: bool = True) -> LiveSource:
    """Connect an MQTT feed to ``project``: rows are validated against ``project.sensors``,
    recorded to ``recorder_dir`` when given, and buffered for :func:`drain`. The network runs on
    the client's own thread; with ``recorder_dir``, opening the recording (which continues one
    left by a crash) touches the disk, so the GUI calls this from a worker."""
    host, port = parse_broker(broker)
    if not isinstance(mapping, TopicMapping):
        mapping = mapping_from_topics(mapping)
    recorder = None
    if recorder_dir is not None:
        recorder = Recorder(Path(recorder_dir), project.sensors,
                            source_info={"kind": "mqtt", "broker": f"{host}:{port}", "client_id": client_id})
    buffer, diagnostics = IngestBuffer(), SourceDiagnostics(f"mqtt://{host}:{port}")
    source = MqttSource(host, port, mapping, Validator(project.sensors, max_skew_s=max_skew_s), buffer, recorder,
                        diagnostics, client_id=client_id, username=username, password=password, tls=tls, qos=qos)
    if start:
        source.start()
    return LiveSource(source, buffer, diagnostics, recorder)


def drain(project: Project, sources: Iterable[LiveSource]) -> AppendResult:
    """Move every source's buffered rows into ``project.observations`` (GUI thread, on a timer);
    duplicates and out-of-order rows the store met are written into each source's diagnostics."""
    total = AppendResult()
    for live in sources:
        rows = live.buffer.drain()
        if not len(rows):
            continue
        result = project.observations.append_rows(rows.stream_ids, rows.times_ns, rows.values, rows.quality)
        count_append(live.diagnostics, result)
        total += result
    return total
