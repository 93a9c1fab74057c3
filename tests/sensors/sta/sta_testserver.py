"""The SensorThings test server's set-up and contents (used by conftest.py and the tests).

django-ogc-sensorthings (the PyPI package, v1.1 API) on SQLite in a subprocess on a free loopback
port, filled through its own REST API: two stations in Can Tho, a water level (m) and a rainfall
(mm) datastream, 2,500 observations each at 1-minute steps (``CreateObservations``) plus three
same-time observations each (single ``POST Observations``).
"""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.request
from dataclasses import dataclass, field

import numpy as np

from viewer.sensors.sensorthings_time import iso_from_ns, ns_from_iso

START = "2026-11-20T00:00:00Z"
STEPS = 2500
MINUTE_NS = 60 * 1_000_000_000
DUPLICATE_STEPS = (100, 1000, 2000)

SETTINGS = """\
from uuid import UUID
SECRET_KEY = "citytwin-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "sensorthings.versions.v1_1",
    "sensorthings.versions.v1_1.backends.django",
    "sensorthings.versions.v1_1.extensions.dataarray",
]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {db!r}}}}}
ROOT_URLCONF = "citytwin_sta_urls"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SENSORTHINGS_V1_1_SERVICE_URL = "http://127.0.0.1:{port}/sensorthings"
SENSORTHINGS_V1_1_BACKEND_ADAPTER = "sensorthings.versions.v1_1.backends.django.adapter.DjangoBackendAdapter"
SENSORTHINGS_V1_1_ID_TYPE = UUID
SENSORTHINGS_V1_1_ID_DELIMITER = "'"
"""

URLS = """\
from django.urls import include, path
urlpatterns = [path("sensorthings/", include("sensorthings.versions.v1_1.urls"))]
"""

# Migrate and serve in one interpreter (one start-up fewer than two manage.py calls).
LAUNCHER = """\
import sys
import django
from django.core.management import call_command
django.setup()
call_command("migrate", interactive=False, verbosity=0)
call_command("runserver", sys.argv[1], use_reloader=False, skip_checks=True)
"""

STATIONS = {
    "water": {
        "thing": {"name": "Trạm thủy văn Cần Thơ",
                  "description": "Mực nước sông Hậu tại bến Ninh Kiều",
                  "properties": {"district": "Ninh Kiều", "operator": "Đài KTTV Nam Bộ"}},
        "location": {"name": "Bến Ninh Kiều", "description": "Kè sông Hậu",
                     "lonlat": [105.7880, 10.0340]},
        "stream": {"name": "Mực nước sông Hậu", "description": "Mực nước so với mốc Hòn Dấu",
                   "unit": {"name": "mét", "symbol": "m",
                            "definition": "http://qudt.org/vocab/unit/M"},
                   "property": {"name": "water_level", "description": "Mực nước",
                                "definition": "http://vocabs.lter-europe.net/EnvThes/22035"},
                   "properties": {"thresholds": {"warning": 1.8, "alarm": 2.2,
                                                 "direction": "above"},
                                  "expectedIntervalSeconds": 60}},
    },
    "rain": {
        "thing": {"name": "Trạm đo mưa Cái Khế", "description": "Vũ lượng kế phường Cái Khế",
                  "properties": {"district": "Ninh Kiều"}},
        "location": {"name": "Phường Cái Khế", "description": "Mái nhà UBND phường",
                     "lonlat": [105.7795, 10.0482]},
        "stream": {"name": "Lượng mưa", "description": "Lượng mưa mỗi phút",
                   "unit": {"name": "milimét", "symbol": "mm",
                            "definition": "http://qudt.org/vocab/unit/MilliM"},
                   "property": {"name": "rainfall", "description": "Lượng mưa",
                                "definition": "http://vocabs.lter-europe.net/EnvThes/21579"},
                   "properties": {"thresholds": {"warning": 1.0, "alarm": 2.0,
                                                 "direction": "above"},
                                  "expectedIntervalSeconds": 300}},
    },
}


@dataclass
class StaServer:
    """The running server and what was posted to it."""

    base_url: str
    process: subprocess.Popen
    things: dict[str, str] = field(default_factory=dict)       # "water"/"rain" -> Thing @iot.id
    streams: dict[str, str] = field(default_factory=dict)      # "water"/"rain" -> Datastream @iot.id
    # Datastream @iot.id -> (times_ns, values) of everything posted, in time order.
    posted: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def free_port() -> int:
    """A TCP port nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request_json(url: str, body: object | None = None) -> tuple[int, dict, bytes]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def _series(kind: str, n: int) -> np.ndarray:
    """Plausible values: a semi-diurnal tide on the Hau river, a storm burst of rain."""
    minutes = np.arange(n, dtype=float)
    if kind == "water":
        tide = 1.1 + 0.85 * np.sin(2 * np.pi * minutes / (12.42 * 60))
        surge = 0.4 * np.exp(-(((minutes - 1500) / 300.0) ** 2))
        return np.round(tide + surge, 3)
    rain = np.where((minutes > 600) & (minutes < 960), 1.2 + np.sin(minutes / 17.0), 0.0)
    return np.round(np.clip(rain, 0.0, None), 1)


def populate(base: str) -> tuple[dict, dict, dict]:
    things, streams, posted = {}, {}, {}
    t0 = ns_from_iso(START)
    for role, spec in STATIONS.items():
        s, loc = spec["stream"], spec["location"]
        thing = dict(spec["thing"])
        thing["Locations"] = [{"name": loc["name"], "description": loc["description"],
                               "encodingType": "application/geo+json",
                               "location": {"type": "Point", "coordinates": loc["lonlat"]}}]
        thing["Datastreams"] = [{
            "name": s["name"], "description": s["description"], "unitOfMeasurement": s["unit"],
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "properties": s["properties"],
            "Sensor": {"name": f"Cảm biến {role}", "description": "test sensor",
                       "encodingType": "text/html", "metadata": "https://example.org/sensor"},
            "ObservedProperty": s["property"]}]
        _status, headers, _ = request_json(f"{base}/Things", thing)
        thing_id = headers["Location"].split("('")[1].rstrip("')")
        _status, _, body = request_json(f"{base}/Things('{thing_id}')/Datastreams")
        stream_id = json.loads(body)["value"][0]["@iot.id"]
        times = t0 + np.arange(STEPS, dtype=np.int64) * MINUTE_NS
        values = _series(role, STEPS)
        rows = [[iso_from_ns(t), float(v)] for t, v in zip(times, values)]
        # One POST for the 2,500 (the Data Array extension): single POSTs take 12 ms each here.
        request_json(f"{base}/CreateObservations", [{"Datastream": {"@iot.id": stream_id},
                                                     "components": ["phenomenonTime", "result"],
                                                     "dataArray": rows}])
        # Same phenomenonTime as an existing observation, a different result: both are kept.
        extra_t, extra_v = [], []
        for k, step in enumerate(DUPLICATE_STEPS):
            t = int(times[step])
            stamp = iso_from_ns(t)
            if k == 0:  # the same instant written in Vietnam's local time
                stamp = iso_from_ns(t + 7 * 3600 * 1_000_000_000)[:-1] + "+07:00"
            value = round(float(values[step]) + 0.5, 3)
            request_json(f"{base}/Observations", {"phenomenonTime": stamp, "result": value,
                                              "Datastream": {"@iot.id": stream_id}})
            extra_t.append(t)
            extra_v.append(value)
        all_t = np.concatenate([times, np.array(extra_t, dtype=np.int64)])
        all_v = np.concatenate([values, np.array(extra_v)])
        order = np.argsort(all_t, kind="stable")
        things[role], streams[role], posted[stream_id] = thing_id, stream_id, (all_t[order], all_v[order])
    return things, streams, posted


