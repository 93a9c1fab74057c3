"""Publish a recording to an MQTT broker at a chosen speed, so a drill can feed the app "live"
from the past (``citytwin sensors publish --recording DIR --broker HOST:PORT --speed 60``).

Rows go out in time order; rows sharing a timestamp go out together, then the publisher sleeps
until the next timestamp is due at ``speed`` x real time (the schedule is kept against a
monotonic clock, so sleeps do not add up to drift). Rows for the same topic at the same time
share one message: a JSON list, or one SenML pack.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from viewer.core.clock import NS, now_ns
from viewer.core.progress import Progress
from viewer.sensors.recording import read_recording


def format_time(time_ns: int) -> str:
    """ISO 8601 UTC with a ``Z`` and as many decimals as needed (``2026-11-23T17:00:00Z``)."""
    seconds, fraction = divmod(int(time_ns), NS)
    text = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{fraction:09d}".rstrip("0") if fraction else "") + "Z"


def _json_record(stream: str, t: int, value: float, quality: int, unit: str, named: bool) -> dict[str, Any]:
    record: dict[str, Any] = {"time": format_time(t), "value": value}
    if unit:
        record["unit"] = unit
    if quality:
        record["quality"] = quality
    if named:
        record["stream"] = stream
    return record


def encode_payload(kind: str, rows: list[tuple[str, float, int, str]], t: int, named: bool) -> bytes:
    """One message body for ``rows`` (stream, value, quality, unit) observed at ``t``.

    ``named``: the topic does not say the datastream, so each record names it.
    """
    if kind == "senml":
        pack: list[dict[str, Any]] = []
        for i, (stream, value, _, unit) in enumerate(rows):
            record: dict[str, Any] = {"bt": t / NS} if i == 0 else {}
            record["n" if named else "bn"] = stream
            if unit:
                record["u"] = unit
            record["v"] = value
            pack.append(record)
        return json.dumps(pack).encode()
    if kind != "json":
        raise ValueError(f"payload {kind!r}: choose 'json' or 'senml'")
    records = [_json_record(s, t, v, q, u, named) for s, v, q, u in rows]
    return json.dumps(records[0] if len(records) == 1 else records).encode()


def publish_recording(folder: Path, host: str, port: int, speed: float = 60.0,
                      topic_template: str = "citytwin/{stream}/obs", payload: str = "json", qos: int = 1,
                      start: int | None = None, end: int | None = None, progress: Progress | None = None,
                      shift_to_now: bool = False, client_id: str = "", username: str | None = None,
                      password: str | None = None, connect_timeout_s: float = 10.0) -> int:
    """Publish a recording's observations in time order at ``speed`` x real time.

    Parameters
    ----------
    folder
        The recording folder.
    host, port
        The broker.
    speed
        1 is real time, 60 plays an hour in a minute; ``float("inf")`` does not wait at all.
    topic_template
        Topic of each datastream: ``{stream}`` is replaced by its id. Without ``{stream}`` all go
        to one topic and each record names its datastream (``stream`` in JSON, ``n`` in SenML).
    payload
        ``"json"`` (``{"time", "value", "unit"}`` objects) or ``"senml"``.
    qos
        Publish QoS.
    start, end
        Only times in [start, end] (ns UTC).
    progress
        Told the fraction published; cancelling it stops publishing (raises Cancelled).
    shift_to_now
        Stamp each observation with the moment it is due to go out, ``now + (t - t_first) /
        speed`` (to the microsecond), so an app in live mode takes the past as happening now
        (times never lie in the future; intervals shrink by ``speed``). Needs a finite speed.
    client_id, username, password
        MQTT client id (empty: the broker picks one) and credentials.

    Returns
    -------
    int
        Observations published (and acknowledged by the broker when ``qos`` > 0).
    """
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    network, rows = read_recording(Path(folder), start, end)
    if not len(rows):
        return 0
    if shift_to_now and not np.isfinite(speed):
        raise ValueError("shift_to_now needs a finite speed")
    units = {key: stream.unit for key, stream in network.datastreams.items()}
    named = "{stream}" not in topic_template
    acked, connected = threading.Condition(), threading.Event()
    done = [0]

    def on_publish(client, userdata, mid, reason_code, properties) -> None:
        with acked:
            done[0] += 1
            acked.notify_all()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    client.on_connect = lambda c, u, f, rc, p: connected.set() if not rc.is_failure else None
    client.on_publish = on_publish
    client.max_inflight_messages_set(100)
    client.reconnect_delay_set(0.2, 5)
    if username is not None:
        client.username_pw_set(username, password)
    client.connect_async(host, int(port))
    client.loop_start()
    sent = 0
    try:
        if not connected.wait(connect_timeout_s):
            raise ConnectionError(f"no answer from the MQTT broker at {host}:{port}")
        times = rows.times_ns
        bounds = np.flatnonzero(np.diff(times)) + 1
        starts, ends = np.concatenate([[0], bounds]), np.concatenate([bounds, [len(times)]])
        wall0, now0, t0, last_report = time.monotonic(), now_ns(), int(times[0]), 0.0
        for i0, i1 in zip(starts.tolist(), ends.tolist()):
            t = int(times[i0])
            if np.isfinite(speed):
                _wait_until(wall0 + (t - t0) / NS / speed, progress)
            stamp = (now0 + int((t - t0) / speed)) // 1000 * 1000 if shift_to_now else t
            by_topic: dict[str, list[tuple[str, float, int, str]]] = {}
            for k in range(i0, i1):
                stream = str(rows.stream_ids[k])
                by_topic.setdefault(topic_template.format(stream=stream), []).append(
                    (stream, float(rows.values[k]), int(rows.quality[k]), units.get(stream, "")))
            for topic, group in by_topic.items():
                client.publish(topic, encode_payload(payload, group, stamp, named), qos=qos)
                sent += 1
            if progress is not None and time.monotonic() - last_report > 0.2:
                last_report = time.monotonic()
                progress.update(i1 / len(times), f"published {i1:,} of {len(times):,} observations")
        with acked:  # every message acknowledged (QoS 0 counts as done once written)
            if not acked.wait_for(lambda: done[0] >= sent, timeout=max(30.0, sent / 1000)):
                raise TimeoutError(f"the broker at {host}:{port} acknowledged {done[0]} of {sent} messages")
        if progress is not None:
            progress.update(1.0, f"published {len(times):,} observations")
        return len(times)
    finally:
        client.disconnect()
        client.loop_stop()


def _wait_until(deadline: float, progress: Progress | None) -> None:
    """Sleep until the monotonic ``deadline`` in short steps, so a cancel is seen quickly."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        if progress is not None:
            progress.check()
        time.sleep(min(left, 0.25))
