"""The app's main flows with the network refused, run by tests/app/test_offline.py in a child
process: ``python tests/app/offline_flows.py OUT_DIR FILE...``.

Every IPv4/IPv6 connection, datagram or name lookup that is not for this machine is refused and
recorded (Python's socket module); the test also runs this in a network namespace with only a
loopback interface where the machine allows it, which blocks C libraries (GDAL, PROJ) too.
Writes OUT_DIR/result.json: the attempts and what each flow produced.
"""

from __future__ import annotations

import errno
import json
import socket
import sys
import time
from pathlib import Path

ATTEMPTS: list[str] = []
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True
    return host in LOCAL_NAMES or host.startswith("127.") or host in ("::1", "0.0.0.0", "::")


def _refuse(what: str, where: object) -> None:
    ATTEMPTS.append(f"{what} {where!r}")
    raise OSError(errno.ENETUNREACH, f"network blocked by the offline test: {what} {where!r}")


def block_network() -> None:
    """Refuse, and record, every use of the network beyond this machine."""
    original = socket.socket

    class GuardedSocket(original):  # type: ignore[misc, valid-type]
        def connect(self, address):  # noqa: ANN001, ANN201
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
                _refuse("connect", address)
            return super().connect(address)

        def connect_ex(self, address):  # noqa: ANN001, ANN201
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
                _refuse("connect", address)
            return super().connect_ex(address)

        def sendto(self, data, *args):  # noqa: ANN001, ANN201
            address = args[-1]
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
                _refuse("sendto", address)
            return super().sendto(data, *args)

    lookup = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):  # noqa: ANN001, ANN202
        if isinstance(host, bytes):
            host = host.decode()
        if not _is_local(host):
            ATTEMPTS.append(f"lookup {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"name lookup blocked by the offline test: {host}")
        return lookup(host, *args, **kwargs)

    socket.socket = GuardedSocket  # type: ignore[misc]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


def wait_for(app, condition, timeout_s: float = 120.0) -> bool:  # noqa: ANN001
    """Run the event loop until ``condition()`` holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def main(out: Path, files: list[str]) -> dict:
    block_network()
    from viewer.app.gui import setup_application
    from viewer.app.headless import render_3d
    from viewer.commands.demo import demo_project_dir
    from viewer.core.project import Project
    from viewer.qt.qt_main_window import QtMainWindow

    result: dict = {}
    app, _, _ = setup_application()
    window = QtMainWindow(Project())
    window.resize(1400, 900)
    window.show()
    window.open_paths([str(demo_project_dir())])
    result["demo_opened"] = wait_for(app, lambda: len(window.project.layers) >= 3 and not window.workers)
    result["demo_layers"] = [layer.name for layer in window.project.layers]
    png = render_3d(window.project, out / "offline_3d.png", (640, 360))
    result["render_bytes"] = png.stat().st_size if png.exists() else 0
    before = len(window.project.layers)
    window.open_paths(files)
    result["files_opened"] = wait_for(app, lambda: len(window.project.layers) == before + len(files)
                                      and not window.workers)
    result["errors"] = list(window._error_lines)
    result["view_exported"] = window.export_view_image(out / "offline_view.png")
    window.save_project_to(out / "saved_project")
    result["project_saved"] = wait_for(app, lambda: not window.workers) and (out / "saved_project"
                                                                            / "citytwin.toml").exists()
    clock = window.project.clock
    result["clock_mode"] = clock.mode
    start = clock.time_ns
    clock.set_speed(1000.0)
    window.time_bar.play_button.click()
    wait_for(app, lambda: clock.time_ns - start > 1_000_000_000 * 60, 15.0)
    result["replayed_s"] = (clock.time_ns - start) / 1e9
    window.close()
    app.processEvents()
    result["attempts"] = list(ATTEMPTS)
    try:  # the guard itself: a connection to a documentation address must be refused and recorded
        socket.create_connection(("192.0.2.1", 80), timeout=1)
        result["guard_refused"] = False
    except OSError:
        result["guard_refused"] = any("192.0.2.1" in a for a in ATTEMPTS[len(result["attempts"]):])
    return result


if __name__ == "__main__":
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    outcome = main(out_dir, sys.argv[2:])
    (out_dir / "result.json").write_text(json.dumps(outcome, ensure_ascii=False, indent=1), encoding="utf-8")
