"""HTTP client of the OGC SensorThings API (1.0 and 1.1), on the standard library (urllib).

It reads entities page by page, following ``@iot.nextLink``, and turns a datastream's
observations into :class:`~viewer.sensors.rows.ObservationRows`. Nothing here assumes the server
orders observations (some answer ``$orderby=phenomenonTime`` with HTTP 500): rows are sorted
here. Every failure (server down, HTTP 4xx/5xx, malformed JSON, a missing mandatory field) raises
:class:`SensorThingsError` naming the URL and the reason, and is counted in the
:class:`~viewer.core.sensor_status.SourceDiagnostics` given to the client.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import numpy as np

from viewer.core.progress import Progress
from viewer.core.sensor_status import SourceDiagnostics
from viewer.sensors.rows import ObservationRows
from viewer.sensors.sensorthings_time import iso_from_ns, ns_from_iso, quality_flag
from viewer.sensors.sensorthings_topics import entity_key

_VERSION = re.compile(r"/(v\d+\.\d+)$")
_TOP_LIMIT = re.compile(r"top\D{0,60}?(\d+)", re.IGNORECASE)
# Characters a nextLink may carry unencoded (some servers put spaces and quotes in it raw);
# everything else is percent-encoded before the request, existing escapes are kept.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


class SensorThingsError(Exception):
    """A SensorThings request failed.

    Attributes
    ----------
    url
        The URL requested.
    reason
        What went wrong, in words (``"HTTP 500 Internal Server Error: ..."``,
        ``"cannot connect ([Errno 111] Connection refused)"``, ``"malformed JSON (...)"``).
    status
        The HTTP status, or None when no HTTP answer came.
    kind
        The diagnostics key it counts under: ``"connection"``, ``"http"``, ``"malformed"``,
        ``"missing_field"``.
    """

    def __init__(self, url: str, reason: str, status: int | None = None, kind: str = "http") -> None:
        super().__init__(f"SensorThings request {url} failed: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.kind = kind


class SensorThingsClient:
    """Reads a SensorThings service.

    Parameters
    ----------
    base_url
        The service root, version included: ``http://host/FROST-Server/v1.1``.
    timeout
        Seconds to wait for each answer.
    auth
        None, ``(user, password)`` for HTTP Basic, or a bearer token string. Sent only to the
        service's own host, not to another host a nextLink might point to.
    diagnostics
        Counts what was received, kept and rejected (and why).
    """

    def __init__(self, base_url: str, timeout: float = 10.0, auth: tuple[str, str] | str | None = None,
                 diagnostics: SourceDiagnostics | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        match = _VERSION.search(self.base_url)
        self.version = match.group(1) if match else "v1.1"
        self.timeout = float(timeout)
        self.diagnostics = diagnostics
        self._origin = urllib.parse.urlsplit(self.base_url)[:2]
        self._auth_header: str | None = None
        if isinstance(auth, tuple):
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self._auth_header = f"Basic {token}"
        elif isinstance(auth, str):
            self._auth_header = f"Bearer {auth}"

    # -- requests -----------------------------------------------------------------------------

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        """Absolute URL of ``path`` (relative to the service root, or already absolute)."""
        url = path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"
        if params:
            query = urllib.parse.urlencode({k: str(v) for k, v in params.items()},
                                           quote_via=urllib.parse.quote, safe="$/,()'")
            url += ("&" if "?" in url else "?") + query
        return url

    def error(self, url: str, reason: str, kind: str, status: int | None = None,
              count: bool = True) -> SensorThingsError:
        """A :class:`SensorThingsError`, counted in the diagnostics as ``kind`` when ``count``."""
        error = SensorThingsError(url, reason, status, kind)
        if count and self.diagnostics is not None:
            self.diagnostics.reject(kind, str(error))
            self.diagnostics.set_state("error")
        return error

    def get_json(self, path: str, params: dict[str, Any] | None = None, count_errors: bool = True) -> dict:
        """GET ``path`` and return its JSON object; raises :class:`SensorThingsError`."""
        url = urllib.parse.quote(self.url(path, params), safe=_URL_SAFE)
        request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                       "User-Agent": "CityTwin SensorThings client"})
        if self._auth_header and urllib.parse.urlsplit(url)[:2] == self._origin:
            request.add_header("Authorization", self._auth_header)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code} {exc.reason}"
            detail = _error_detail(exc)
            raise self.error(url, f"{reason}: {detail}" if detail else reason, "http", exc.code,
                             count_errors) from exc
        except urllib.error.URLError as exc:
            reason = (f"no answer within {self.timeout:g} s" if isinstance(exc.reason, TimeoutError)
                      else f"cannot connect ({exc.reason})")
            raise self.error(url, reason, "connection", None, count_errors) from exc
        except TimeoutError as exc:
            raise self.error(url, f"no answer within {self.timeout:g} s", "connection", None,
                             count_errors) from exc
        except (http.client.HTTPException, ConnectionError) as exc:
            raise self.error(url, f"connection broken ({exc!r})", "connection", None, count_errors) from exc
        try:
            body = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise self.error(url, "the answer is not UTF-8 text", "malformed", None, count_errors) from exc
        except json.JSONDecodeError as exc:
            raise self.error(url, f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
                             "malformed", None, count_errors) from exc
        if not isinstance(body, dict):
            raise self.error(url, f"expected a JSON object, got {type(body).__name__}", "malformed", None,
                             count_errors)
        if self.diagnostics is not None:
            self.diagnostics.set_state("connected")
        return body

    def pages(self, path: str, params: dict[str, Any] | None = None,
              probe: bool = False) -> Iterator[tuple[dict, list[dict]]]:
        """Each page of a collection as ``(body, entities)``, following ``@iot.nextLink``.

        When the first page is refused because ``$top`` is above the server's limit (HTTP 400
        or 422 saying so), it is asked again once with the limit the server names (else 100).
        With ``probe``, an HTTP error on the first page is not counted in the diagnostics (the
        caller tries another way).
        """
        params = dict(params or {})
        url = self.url(path, params)
        try:
            body = self.get_json(url, count_errors=False)
        except SensorThingsError as error:
            top = int(params.get("$top", 0) or 0)
            limit = _top_limit(error, top)
            if limit is None:
                if self.diagnostics is not None and not (probe and error.status is not None):
                    self.diagnostics.reject(error.kind, str(error))
                    self.diagnostics.set_state("error")
                raise
            params["$top"] = limit
            url = self.url(path, params)
            body = self.get_json(url)
        seen = {url}
        while True:
            values = body.get("value")
            if not isinstance(values, list):
                raise self.error(url, "the answer has no 'value' list (not a SensorThings collection)",
                                 "malformed")
            yield body, values
            link = body.get("@iot.nextLink")
            if not values or not isinstance(link, str) or not link:
                return
            url = urllib.parse.urljoin(url, link)
            if url in seen:
                raise self.error(url, "@iot.nextLink points to a page already read", "malformed")
            seen.add(url)
            body = self.get_json(url)

    def entities(self, path: str, params: dict[str, Any] | None = None, probe: bool = False) -> list[dict]:
        """All entities of a collection (every page); ``probe`` as in :meth:`pages`."""
        out: list[dict] = []
        for _body, values in self.pages(path, params, probe):
            out.extend(v for v in values if isinstance(v, dict))
        return out

    # -- entities -----------------------------------------------------------------------------

    def service_root(self) -> dict:
        """The service root document (entity sets and ``serverSettings``)."""
        return self.get_json(self.base_url + "/")

    def things(self) -> list[dict]:
        """All Things, each with its ``Locations`` (expanded, else read one thing at a time)."""
        try:
            things = self.entities("Things", {"$expand": "Locations"}, probe=True)
        except SensorThingsError as error:
            if error.status is None:
                raise
            things = self.entities("Things")
        for thing in things:
            if "Locations" in thing:
                self._members(thing, "Locations")
            else:
                self._follow(thing, "Locations", collection=True)
        return things

    def locations(self) -> list[dict]:
        """All Locations."""
        return self.entities("Locations")

    def datastreams(self, expand: bool = True) -> list[dict]:
        """All Datastreams, each with its ``Thing`` (and the thing's ``Locations``),
        ``ObservedProperty`` and ``Sensor``.

        With ``expand``, the relations are read with ``$expand`` from their "one" side:
        ``Things?$expand=Locations,Datastreams``, ``ObservedProperties?$expand=Datastreams`` and
        ``Sensors?$expand=Datastreams`` (three queries whatever the number of datastreams). The
        obvious ``Datastreams?$expand=Thing/Locations,ObservedProperty,Sensor`` is not used:
        some servers (django-ogc-sensorthings 1.2) answer it with the first related entity
        repeated on every datastream. If the server refuses ``$expand`` (or ``expand`` is
        False), each datastream's relations are read through its navigation links.
        """
        streams: list[dict] | None = None
        if expand:
            try:
                streams = self._datastreams_expanded()
            except SensorThingsError as error:
                if error.status is None:
                    raise
        if streams is None:
            streams = self.entities("Datastreams")
        locations: dict[str, list[dict]] = {}
        for stream in streams:
            for name in ("Thing", "ObservedProperty", "Sensor"):
                self._follow(stream, name, collection=False)
            thing = stream.get("Thing")
            if isinstance(thing, dict) and "Locations" not in thing:
                key = str(thing.get("@iot.id"))
                if key not in locations:
                    self._follow(thing, "Locations", collection=True)
                    locations[key] = thing.get("Locations", [])
                thing["Locations"] = locations[key]
        return streams

    def _datastreams_expanded(self) -> list[dict]:
        streams: list[dict] = []
        for thing in self.entities("Things", {"$expand": "Locations,Datastreams"}, probe=True):
            members = self._members(thing, "Datastreams")
            self._members(thing, "Locations")
            owner = {k: v for k, v in thing.items() if not k.startswith("Datastreams")}
            for stream in members:
                stream["Thing"] = owner
                streams.append(stream)
        for name, entity_set in (("ObservedProperty", "ObservedProperties"), ("Sensor", "Sensors")):
            related: dict[str, dict] = {}
            for entity in self.entities(entity_set, {"$expand": "Datastreams($select=id)"}, probe=True):
                plain = {k: v for k, v in entity.items() if not k.startswith("Datastreams")}
                for member in self._members(entity, "Datastreams"):
                    related[str(member.get("@iot.id"))] = plain
            for stream in streams:
                if str(stream.get("@iot.id")) in related:
                    stream[name] = related[str(stream.get("@iot.id"))]
        return streams

    def _members(self, entity: dict, name: str) -> list[dict]:
        """An expanded collection of ``entity``, with the pages behind its nested nextLink."""
        members = [m for m in entity.get(name) or [] if isinstance(m, dict)]
        link = entity.pop(f"{name}@iot.nextLink", None)
        if isinstance(link, str) and link:
            members.extend(self.entities(link))
        entity[name] = members
        return members

    def _follow(self, entity: dict, name: str, collection: bool) -> None:
        """Fill ``entity[name]`` through its navigation link when it was not expanded."""
        link = entity.get(f"{name}@iot.navigationLink")
        if name in entity or not isinstance(link, str):
            return
        entity[name] = self.entities(link) if collection else self.get_json(link)

    def observation_count(self, datastream_id: object) -> int | None:
        """Number of observations of a datastream (``$count``), None if the server gives none."""
        body = self.get_json(f"Datastreams({entity_key(datastream_id)})/Observations",
                             {"$top": 1, "$count": "true"})
        count = body.get("@iot.count")
        return int(count) if isinstance(count, int) else None

    def observations(self, datastream_id: object, start_ns: int | None = None, end_ns: int | None = None,
                     page_size: int = 1000, progress: Progress | None = None) -> ObservationRows:
        """The observations of one datastream with ``start_ns <= phenomenonTime <= end_ns``.

        Asks ``$filter=phenomenonTime ge <ISO> and phenomenonTime le <ISO>`` with ``$top`` and
        ``$count`` and follows ``@iot.nextLink``. The rows come back sorted by time here (ties by
        ``@iot.id``), with observations repeated across pages (same ``@iot.id``) kept once;
        distinct observations at the same time are all kept. Observations without a usable
        time or numeric result are skipped and counted in the diagnostics.

        Parameters
        ----------
        datastream_id
            The datastream's ``@iot.id``.
        start_ns, end_ns
            Inclusive bounds, int64 ns UTC; None for open.
        page_size
            ``$top`` of each page.
        progress
            Updated after each page (fraction of ``@iot.count``); cancelling stops at the next page.
        """
        stream = str(datastream_id)
        path = f"Datastreams({entity_key(datastream_id)})/Observations"
        params: dict[str, Any] = {"$top": int(page_size), "$count": "true"}
        clauses = []
        if start_ns is not None:
            clauses.append(f"phenomenonTime ge {iso_from_ns(start_ns)}")
        if end_ns is not None:
            clauses.append(f"phenomenonTime le {iso_from_ns(end_ns, round_up=True)}")
        if clauses:
            params["$filter"] = " and ".join(clauses)
        keys: list[str] = []
        times: list[int] = []
        values: list[float] = []
        quality: list[int] = []
        seen: set[str] = set()
        received, total, page_number = 0, None, 0
        for body, page in self.pages(path, params):
            page_number += 1
            if total is None and isinstance(body.get("@iot.count"), int):
                total = body["@iot.count"]
            for obs in page:
                received += 1
                parsed = _parse_observation(obs)
                if isinstance(parsed, str):
                    self._reject(parsed, f"{self.url(path)}: {parsed} in {str(obs)[:200]}")
                    continue
                key, t, value, flag = parsed
                if key is not None and key in seen:
                    self._reject("repeated_id", f"{self.url(path)}: observation {key} on two pages")
                    continue
                if (start_ns is not None and t < start_ns) or (end_ns is not None and t > end_ns):
                    self._reject("outside_window", f"{self.url(path)}: observation {key} outside the window")
                    continue
                if key is not None:
                    seen.add(key)
                keys.append(key or "")
                times.append(t)
                values.append(value)
                quality.append(flag)
            if progress is not None:
                done = received / total if total else 1.0 - 1.0 / (1.0 + page_number)
                progress.update(done, f"{stream}: {len(times)} observations")
        if self.diagnostics is not None:
            self.diagnostics.count(received=received, accepted=len(times))
        # The server's order is not relied on: sort by time, ties by @iot.id (stable sorts).
        by_key = np.argsort(np.array(keys, dtype=str), kind="stable")
        time_array = np.array(times, dtype=np.int64)[by_key]
        order = by_key[np.argsort(time_array, kind="stable")]
        return ObservationRows(np.full(len(order), stream, dtype=object),
                               np.array(times, dtype=np.int64)[order],
                               np.array(values, dtype=np.float64)[order],
                               np.array(quality, dtype=np.int8)[order])

    def _reject(self, reason: str, detail: str) -> None:
        if self.diagnostics is not None:
            self.diagnostics.reject(reason, detail)


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """The server's own words from an error answer (JSON ``message``/``detail``/``error``, else text)."""
    try:
        text = exc.read(4000).decode("utf-8", "replace").strip()
    except Exception:  # the body of a failed answer is a courtesy; the status says enough
        return ""
    try:
        body = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    if isinstance(body, dict):
        for key in ("message", "detail", "error", "errors"):
            if key in body:
                return " ".join(str(body[key]).split())[:300]
    return " ".join(text.split())[:300]


def _top_limit(error: SensorThingsError, top: int) -> int | None:
    """A smaller ``$top`` to try when the server refused ``top`` as too large, else None."""
    if top <= 1 or error.status not in (400, 422) or "top" not in error.reason.lower():
        return None
    match = _TOP_LIMIT.search(error.reason.split(":", 1)[-1])
    limit = int(match.group(1)) if match else 100
    return limit if 0 < limit < top else None


def _parse_observation(obs: object) -> tuple[str | None, int, float, int] | str:
    """``(iot_id, time_ns, value, quality)`` of one observation, or the reason it is unusable."""
    if not isinstance(obs, dict):
        return "not_an_object"
    if "phenomenonTime" not in obs or obs.get("result") is None:
        return "missing_field"
    try:
        t = ns_from_iso(str(obs["phenomenonTime"]))
    except ValueError:
        return "bad_time"
    result = obs["result"]
    if isinstance(result, bool) or not isinstance(result, (int, float, str)):
        return "not_numeric"
    try:
        value = float(result)
    except ValueError:
        return "not_numeric"
    if not np.isfinite(value):
        return "not_finite"
    key = obs.get("@iot.id")
    return (None if key is None else str(key)), t, value, quality_flag(obs.get("resultQuality"))
