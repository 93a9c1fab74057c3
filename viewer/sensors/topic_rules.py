"""Which datastream an MQTT topic feeds: topic rules with wildcards and templates, and the
SensorThings MQTT extension's ``v1.x/Datastreams(ID)/Observations`` topics.

A rule's pattern has MQTT levels: a literal, ``+`` (any one level), ``#`` (the rest, last only)
or ``{name}`` (any one level, captured). Its ``stream`` says which datastream the message feeds:

- a fixed id (``"canal1_level"``), or a template over the captures and the record's own name
  (``"{thing}.{prop}"``, ``"{name}"``);
- None (automatic): the name the record carries (SenML ``bn + n``, a JSON ``stream`` key), else
  the ``{stream}`` level of the topic, else the topic itself.

SensorThings topics: ``v1.1/Datastreams(+)/Observations`` is *not* a valid MQTT filter (``+``
must fill a whole level), so :meth:`TopicMapping.subscriptions` subscribes to one topic per
SensorThings datastream listed in ``sensorthings_ids``; to take every datastream of a server,
add a rule ``"v1.1/#"``: topics of the SensorThings form are then recognised whatever rule
matched them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from viewer.sensors.sensorthings_topics import observation_topics, stream_id_from_topic

_CAPTURE = re.compile(r"^\{(\w+)\}$")
_SENSORTHINGS = re.compile(r"^v1\.[01]/Datastreams\((.+)\)/Observations$")


@dataclass(frozen=True)
class TopicRule:
    """One topic pattern and the datastream it feeds.

    Parameters
    ----------
    pattern
        MQTT levels with ``+``, ``#`` and ``{name}`` captures: ``"citytwin/{stream}/obs"``.
    stream
        Fixed id or template (see the module docstring); None for automatic.
    """

    pattern: str
    stream: str | None = None

    def __post_init__(self) -> None:
        levels = self.pattern.split("/")
        if "#" in levels[:-1] or any("#" in lv and lv != "#" for lv in levels):
            raise ValueError(f"topic pattern {self.pattern!r}: '#' must be the whole last level")
        if any("+" in lv and lv != "+" for lv in levels):
            raise ValueError(f"topic pattern {self.pattern!r}: '+' must be a whole level")

    @property
    def filter(self) -> str:
        """The MQTT subscription filter (captures become ``+``)."""
        return "/".join("+" if _CAPTURE.match(lv) else lv for lv in self.pattern.split("/"))

    def match(self, topic: str) -> dict[str, str] | None:
        """The captured levels if ``topic`` matches, else None."""
        want, have = self.pattern.split("/"), topic.split("/")
        captures: dict[str, str] = {}
        for i, level in enumerate(want):
            if level == "#":
                return captures
            if i >= len(have):
                return None
            capture = _CAPTURE.match(level)
            if capture:
                captures[capture.group(1)] = have[i]
            elif level != "+" and level != have[i]:
                return None
        return captures if len(have) == len(want) else None


@dataclass(frozen=True)
class TopicMatch:
    """A topic matched by a rule; :meth:`stream` names the datastream of each record."""

    topic: str
    captures: dict[str, str] = field(default_factory=dict)
    template: str | None = None
    sensorthings_stream: str | None = None

    @property
    def needs_name(self) -> bool:
        """True when only the record's own name can say which datastream it feeds."""
        if self.sensorthings_stream is not None:
            return False
        if self.template is not None:
            return "{name}" in self.template
        return "stream" not in self.captures

    def stream(self, name: str) -> str:
        """The datastream id of a record carrying ``name`` (``""`` when it carries none)."""
        if self.sensorthings_stream is not None:
            return self.sensorthings_stream
        if self.template is not None:
            return self.template.format_map({**self.captures, "name": name, "topic": self.topic})
        return name or self.captures.get("stream") or self.topic


class TopicMapping:
    """Rules from topics to datastreams, tried in order.

    Parameters
    ----------
    rules
        :class:`TopicRule` objects, or patterns (strings) for automatic rules.
    sensorthings_ids
        SensorThings datastream id (as in the topic, without quotes) -> datastream id here. Ids
        not listed map to themselves.
    sensorthings_version
        ``"v1.1"`` or ``"v1.0"``: the prefix of the topics subscribed to for ``sensorthings_ids``.
    """

    def __init__(self, rules: Iterable[TopicRule | str] = (), sensorthings_ids: dict[str, str] | None = None,
                 sensorthings_version: str = "v1.1") -> None:
        self.rules = [r if isinstance(r, TopicRule) else TopicRule(r) for r in rules]
        self.sensorthings_ids = dict(sensorthings_ids or {})
        self.sensorthings_version = sensorthings_version

    def add(self, pattern: str, stream: str | None = None) -> TopicMapping:
        """Append a rule; returns self so calls chain."""
        self.rules.append(TopicRule(pattern, stream))
        return self

    def resolve(self, topic: str) -> TopicMatch | None:
        """How ``topic`` maps, or None when nothing claims it."""
        key = stream_id_from_topic(topic) if _SENSORTHINGS.match(topic) else None
        if key is not None:
            if key in self.sensorthings_ids or any(r.match(topic) is not None for r in self.rules):
                return TopicMatch(topic, sensorthings_stream=self.sensorthings_ids.get(key, key))
        for rule in self.rules:
            captures = rule.match(topic)
            if captures is not None:
                return TopicMatch(topic, captures, rule.stream)
        return None

    def subscriptions(self) -> list[str]:
        """MQTT topic filters that cover every rule (no duplicates, in order)."""
        filters = [r.filter for r in self.rules]
        filters += observation_topics(self.sensorthings_ids, self.sensorthings_version)
        return list(dict.fromkeys(filters))
