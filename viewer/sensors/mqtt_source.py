"""Live observations from an MQTT broker (paho-mqtt 2.x), on the client's own network thread.

Nothing is lost across a broker restart or a network drop: the client keeps a fixed client id
and a persistent session (MQTT 3.1.1 ``clean_session=False``, or MQTT 5 ``clean_start=False``
with a session that never expires), subscribes with QoS 1, and re-subscribes in ``on_connect``
after every reconnect (the backoff doubles from ``reconnect_min_s`` to ``reconnect_max_s``).
A QoS 1 message is acknowledged only after ``on_message`` returns, and ``on_message`` writes it
to the recording first, so a message is on disk before the broker forgets it.

The broker must keep what it holds for an offline persistent session: mosquitto drops QoS 1
messages beyond ``max_queued_messages`` (1000 by default) per client; raise it for high rates,
and turn ``persistence`` on so a broker restart keeps queued messages.

SensorThings over MQTT: ``v1.1/Datastreams(+)/Observations`` is not a valid MQTT filter (``+``
must be a whole level); the topic mapping subscribes to one topic per datastream, or to
``v1.1/#`` (see :mod:`viewer.sensors.topic_rules`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from viewer.core.sensor_status import SourceDiagnostics
from viewer.sensors.ingest_buffer import IngestBuffer
from viewer.sensors.payloads import Rejection, parse_message
from viewer.sensors.recording import Recorder
from viewer.sensors.topic_rules import TopicMapping
from viewer.sensors.validation import RejectionLog, Validator

log = logging.getLogger(__name__)


class MqttSource:
    """Subscribes to the mapping's topics and feeds parsed, validated rows to a recorder and buffer.

    Parameters
    ----------
    host, port
        The broker.
    mapping
        Topic rules; :meth:`TopicMapping.subscriptions` gives the filters subscribed to.
    validator
        Checks rows against the sensor network.
    buffer
        Where rows go for the GUI's timer to drain; None for a recorder without a store.
    recorder
        Rows are written to it before they reach the buffer (and before the broker gets the
        acknowledgement); None: not recorded.
    diagnostics
        Counters for the diagnostics panel; a new one when None.
    client_id
        Fixed, so the broker recognises the session after a reconnect.
    username, password
        Credentials, if the broker asks for them.
    tls
        None for plain TCP, else a dict with any of ``ca_certs``, ``certfile``, ``keyfile`` and
        ``insecure`` (skip the host name check; for self-signed test brokers only).
    qos
        Subscription QoS (1: at least once; the store and the recording drop repeats).
    clean_start
        True starts a fresh session (anything queued for this client is lost).
    protocol
        ``"3.1.1"`` or ``"5"``.
    keepalive
        Seconds between pings; a dead connection is noticed within 1.5 times this.
    reconnect_min_s, reconnect_max_s
        Exponential reconnect backoff bounds.
    """

    def __init__(self, host: str, port: int, mapping: TopicMapping, validator: Validator,
                 buffer: IngestBuffer | None, recorder: Recorder | None = None,
                 diagnostics: SourceDiagnostics | None = None, client_id: str = "citytwin-viewer",
                 username: str | None = None, password: str | None = None, tls: dict[str, Any] | None = None,
                 qos: int = 1, clean_start: bool = False, protocol: str = "3.1.1", keepalive: int = 30,
                 reconnect_min_s: float = 0.5, reconnect_max_s: float = 30.0) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.host, self.port = host, int(port)
        self.mapping, self.validator, self.buffer, self.recorder = mapping, validator, buffer, recorder
        self.diagnostics = diagnostics or SourceDiagnostics(f"mqtt://{host}:{port}")
        self.rejections = RejectionLog(self.diagnostics, log)
        self.topics = mapping.subscriptions()
        if not self.topics:
            raise ValueError("the topic mapping has no topics to subscribe to")
        self.qos, self.keepalive, self.clean_start = qos, keepalive, clean_start
        self.subscribed = threading.Event()
        self._stopping = self._refused = False
        self._v5 = protocol == "5"
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                   protocol=mqtt.MQTTv5 if self._v5 else mqtt.MQTTv311,
                                   clean_session=None if self._v5 else clean_start)
        self._client.reconnect_delay_set(min_delay=reconnect_min_s, max_delay=reconnect_max_s)
        if username is not None:
            self._client.username_pw_set(username, password)
        if tls is not None:
            self._client.tls_set(ca_certs=tls.get("ca_certs"), certfile=tls.get("certfile"),
                                 keyfile=tls.get("keyfile"))
            self._client.tls_insecure_set(bool(tls.get("insecure", False)))
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._client.suppress_exceptions = True  # a bug in one callback must not end the thread

    @property
    def state(self) -> str:
        """``"idle"``, ``"connecting"``, ``"connected"``, ``"reconnecting"``, ``"refused: ..."``
        or ``"stopped"``."""
        return self.diagnostics.snapshot()["state"]

    def start(self) -> None:
        """Connect in the background (retrying until the broker answers) and return at once."""
        options: dict[str, Any] = {}
        if self._v5:
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties

            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = 0 if self.clean_start else 0xFFFFFFFF  # never expires
            options = {"clean_start": self.clean_start, "properties": properties}
        self._stopping = False
        self.diagnostics.set_state("connecting")
        self._client.connect_async(self.host, self.port, self.keepalive, **options)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect cleanly, stop the network thread and flush the recorder."""
        self._stopping = True
        self._client.disconnect()
        self._client.loop_stop()
        if self.recorder is not None:
            self.recorder.flush()
        self.subscribed.clear()
        self.diagnostics.set_state("stopped")

    def wait_subscribed(self, timeout: float | None = None) -> bool:
        """Block until the broker has granted every subscription (tests, headless tools)."""
        return self.subscribed.wait(timeout)

    # Callbacks, on the client's network thread.

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self._refused = reason_code.is_failure
        if reason_code.is_failure:
            self.diagnostics.set_state(f"refused: {reason_code}")
            self.diagnostics.reject("connection_refused", f"{self.diagnostics.name}: broker said {reason_code}")
            return
        self.diagnostics.set_state("connected")
        # Re-subscribe on every connect: harmless when the broker kept the session, needed when not.
        client.subscribe([(topic, self.qos) for topic in self.topics])

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        refused = [f"{t} ({rc})" for t, rc in zip(self.topics, reason_codes) if rc.is_failure]
        if refused:
            self.diagnostics.reject("subscription_refused", "broker refused " + ", ".join(refused), len(refused))
        self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.subscribed.clear()
        if not self._stopping and not self._refused:
            self.diagnostics.set_state("reconnecting")
            log.warning("%s: connection lost (%s), reconnecting", self.diagnostics.name, reason_code)

    def _on_message(self, client, userdata, message) -> None:
        received_ns = time.time_ns()
        try:
            parsed = parse_message(message.topic, message.payload, received_ns, self.mapping)
            rows, rejections = self.validator.validate(parsed)
            if len(rows):
                if self.recorder is not None:
                    try:
                        self.recorder.write(rows)  # disk first: the broker gets its ack after this
                    except OSError as error:
                        rejections.append(_recording_failed(self.recorder, error, len(rows)))
                if self.buffer is not None:
                    self.buffer.put(rows)
            self.diagnostics.count(received=parsed.records, accepted=len(rows))
            self.rejections.add(parsed.rejections + rejections)
        except Exception as error:  # noqa: BLE001 - one bad message must not stop the feed
            log.exception("%s: message on %r failed", self.diagnostics.name, getattr(message, "_topic", b""))
            self.diagnostics.count(received=1)
            self.diagnostics.reject("internal_error", f"{type(error).__name__}: {error}")


def _recording_failed(recorder: Recorder, error: OSError, n: int) -> Rejection:
    return Rejection("recording_failed", f"could not write to {recorder.folder}: {error}", n)
