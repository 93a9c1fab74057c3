"""Entity keys and MQTT topics of the OGC SensorThings API.

A SensorThings entity is addressed as ``Datastreams(<key>)``: an integer id stands bare
(``Datastreams(42)``), a string id is an OData string literal in single quotes with inner quotes
doubled (``Datastreams('01a2-...')``). The same form appears in the MQTT extension's topics
(``v1.1/Datastreams(42)/Observations``), so the MQTT source and the HTTP client share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The key inside Datastreams(...): a quoted OData string (quotes doubled inside) or anything
# up to the closing parenthesis.
_DATASTREAM_KEY = re.compile(r"Datastreams\(('(?:[^']|'')*'|[^)]*)\)")
_INTEGER = re.compile(r"^-?\d+$")


def entity_key(iot_id: object, quote: bool | None = None) -> str:
    """The key of an entity as it appears in a resource path or topic.

    Parameters
    ----------
    iot_id
        The ``@iot.id`` (int or str).
    quote
        Force a quoted (True) or bare (False) key; None: integers (and strings of digits, which
        is how ids come back from :class:`~viewer.core.sensors.Datastream`) are bare, anything
        else is quoted.
    """
    text = str(iot_id)
    if quote is None:
        quote = not (isinstance(iot_id, int) or _INTEGER.match(text))
    if not quote:
        return text
    return "'" + text.replace("'", "''") + "'"


def observation_topics(datastream_ids: Iterable[object], version: str = "v1.1",
                       quote: bool | None = None) -> list[str]:
    """MQTT topics that carry the new observations of each datastream.

    One topic per datastream: ``v1.1/Datastreams(<key>)/Observations``. The tempting
    ``v1.1/Datastreams(+)/Observations`` is **not** a valid MQTT filter: the ``+`` wildcard must
    stand for a whole topic level, and here it would share its level with ``Datastreams(`` and
    ``)`` (brokers refuse the subscription or treat the ``+`` literally). To follow every
    datastream of a server, subscribe to each of its datastreams (this function), or to
    ``v1.1/#`` and sort the topics with :func:`stream_id_from_topic`.

    Parameters
    ----------
    datastream_ids
        ``@iot.id`` values (or :class:`~viewer.core.sensors.Datastream` ids).
    version
        The API version prefix of the server's topics (``"v1.0"`` or ``"v1.1"``).
    quote
        See :func:`entity_key`.

    Returns
    -------
    list of str
        Topics without wildcards, in the order of ``datastream_ids``.
    """
    return [f"{version}/Datastreams({entity_key(i, quote)})/Observations" for i in datastream_ids]


def stream_id_from_topic(topic: str) -> str | None:
    """The datastream id a SensorThings topic refers to, or None if it names none.

    ``"v1.1/Datastreams(42)/Observations"`` gives ``"42"``;
    ``"v1.1/Datastreams('a''b')/Observations"`` gives ``"a'b"`` (the quotes of an OData string
    are removed, so the result equals the id in the :class:`~viewer.core.sensors.SensorNetwork`).
    """
    match = _DATASTREAM_KEY.search(topic)
    if match is None:
        return None
    key = match.group(1)
    if len(key) >= 2 and key[0] == key[-1] == "'":
        key = key[1:-1].replace("''", "'")
    return key or None
