"""Take docs/main_window_vi.png: the main window in Vietnamese on the demo district, with the
menu bar and its Scenarios menu open, the layer panel, the attribute panel showing a building, the
search box and the time bar.

Run under an X server: ``xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/make_screenshot_vi.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "main_window_vi.png"


def pump(app, seconds: float) -> None:  # noqa: ANN001
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    from PySide6.QtCore import QTimer

    from viewer.app.gui import setup_application
    from viewer.commands.demo import demo_project_dir
    from viewer.core.project import Project
    from viewer.qt.qt_i18n import apply_language
    from viewer.qt.qt_main_window import QtMainWindow

    app, _, _ = setup_application()
    apply_language("vi")
    window = QtMainWindow(Project())
    window.resize(1600, 950)
    window.move(0, 0)
    window.show()
    window.open_paths([str(demo_project_dir())])
    deadline = time.monotonic() + 180
    while (len(window.project.layers) < 5 or window.workers) and time.monotonic() < deadline:
        pump(app, 0.2)
    buildings = next(layer for layer in window.project.layers if layer.kind == "buildings")
    window.project.selection.select(buildings.id, 120)
    clock = window.project.clock
    clock.jump(clock.start_ns + (clock.end_ns - clock.start_ns) // 3)
    pump(app, 4.0)
    bar = window.menuBar()
    action = bar.actions()[3]  # Scenarios: a short menu that hides little
    menu = action.menu()
    QTimer.singleShot(0, lambda: menu.popup(bar.mapToGlobal(bar.actionGeometry(action).bottomLeft())))
    pump(app, 1.5)
    frame = window.frameGeometry()
    image = app.primaryScreen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    image.save(str(OUT))
    menu.hide()
    window.close()
    print(f"wrote {OUT} ({image.width()}x{image.height()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
