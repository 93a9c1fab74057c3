"""Start the desktop application."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

log = logging.getLogger("citytwin")


def _log_dir() -> Path:
    from platformdirs import user_log_dir

    path = Path(user_log_dir("CityTwin", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _install_crash_handler() -> None:
    """Uncaught exceptions go to the log file with their traceback and to a dialog naming it."""
    log_file = _log_dir() / "citytwin.log"
    logging.basicConfig(level=logging.INFO, filename=log_file, encoding="utf-8",
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def handle(kind, value, tb):  # noqa: ANN001 - sys.excepthook signature
        text = "".join(traceback.format_exception(kind, value, tb))
        log.error("uncaught exception\n%s", text)
        sys.__stderr__.write(text)
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is not None:
            tr = QCoreApplication.translate
            QMessageBox.critical(None, tr("CityTwin", "Unexpected error"),
                                 tr("CityTwin", "Something went wrong: {0}\n\nThe details are in {1}")
                                 .format(value, log_file))

    sys.excepthook = handle


def run_gui(paths: list[str]) -> int:
    """Open the main window with ``paths`` (none: the demo district) and run the event loop."""
    _install_crash_handler()
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from viewer.commands.demo import demo_project_dir
    from viewer.core.project import Project
    from viewer.qt.qt_main_window import QtMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CityTwin")
    app.setOrganizationName("CityTwin")
    app.setFont(QFont("DejaVu Sans", 10))
    window = QtMainWindow(Project())
    window.resize(1600, 950)
    window.show()
    window.open_paths(paths or [str(demo_project_dir())])
    return app.exec()
