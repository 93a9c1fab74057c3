"""Fixtures of the SensorThings tests: a real server (session) and a stub for broken answers."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
import urllib.error
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from .sta_testserver import LAUNCHER, SETTINGS, URLS, StaServer, free_port, populate, request_json


@pytest.fixture(scope="session")
def sta_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaServer]:
    """django-ogc-sensorthings running on 127.0.0.1, filled with the Can Tho stations."""
    if importlib.util.find_spec("sensorthings") is None:  # the server runs in a subprocess
        pytest.fail("django-ogc-sensorthings is not installed (pip install the test extra)")
    folder = tmp_path_factory.mktemp("sta_server")
    port = free_port()
    (folder / "citytwin_sta_settings.py").write_text(
        SETTINGS.format(db=str(folder / "sta.sqlite3"), port=port), encoding="utf-8")
    (folder / "citytwin_sta_urls.py").write_text(URLS, encoding="utf-8")
    (folder / "serve.py").write_text(LAUNCHER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(folder), "PYTHONIOENCODING": "utf-8",
           "DJANGO_SETTINGS_MODULE": "citytwin_sta_settings"}
    log = open(folder / "server.log", "wb")  # noqa: SIM115  (closed at teardown)
    process = subprocess.Popen([sys.executable, str(folder / "serve.py"), f"127.0.0.1:{port}"],
                               cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/sensorthings/v1.1"
    try:
        _wait_until_up(base, process, folder / "server.log")
        things, streams, posted = populate(base)
        yield StaServer(base, process, things, streams, posted)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen, log: Path, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the SensorThings server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            request_json(base + "/")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    pytest.fail(f"the SensorThings server did not answer within {limit_s:g} s")


@pytest.fixture(scope="session")
def full_history(sta_server: StaServer) -> dict:
    """Every observation of the water level datastream, read once with the default page size
    (1000: above the server's limit of 100, so the client falls back to 100 and reads 26 pages).

    One datastream only: this server answers about 300 observations a second (it makes three
    queries for each), so the rainfall stream is checked through time windows instead.
    """
    from viewer.core.sensor_status import SourceDiagnostics
    from viewer.sensors.sensorthings import SensorThingsClient

    diagnostics = SourceDiagnostics("sta")
    client = SensorThingsClient(sta_server.base_url, diagnostics=diagnostics)
    stream_id = sta_server.streams["water"]
    started = time.perf_counter()
    rows = client.observations(stream_id)
    return {"stream_id": stream_id, "rows": rows, "diagnostics": diagnostics.snapshot(),
            "seconds": time.perf_counter() - started}


class StubHandler(BaseHTTPRequestHandler):
    """Answers each path with what ``server.routes`` holds: (status, body bytes) or a callable."""

    def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
        self.server.requests.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path.split("?")[0])
        if callable(route):
            route = route(self)
        status, body = route if route is not None else (404, b'{"message": "no such path"}')
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def stub_server() -> Iterator[ThreadingHTTPServer]:
    """A tiny HTTP server on 127.0.0.1 whose answers the test sets in ``server.routes``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubHandler)
    server.routes = {}
    server.requests = []
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1.1"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
