"""Start the desktop application: logging, crash reports, fonts, language, the main window."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("citytwin")


def register_fonts() -> list[str]:
    """Make the shipped font (Vietnamese coverage) available to Qt; returns its families."""
    from PySide6.QtGui import QFontDatabase

    from viewer.core.resources import font_file

    families: list[str] = []
    for bold in (False, True):
        path = font_file(bold)
        font_id = QFontDatabase.addApplicationFont(str(path)) if path.is_file() else -1
        if font_id < 0:
            log.warning("%s: font not loaded; Vietnamese falls back to the system's fonts", path)
            continue
        families += QFontDatabase.applicationFontFamilies(font_id)
    return families


def setup_application(argv: list[str] | None = None):  # noqa: ANN201 - QApplication, imported late
    """The QApplication with names, fonts and the language of the user's preferences.

    Returns
    -------
    app, preferences, messages
        The application, the preferences used, and messages to show once the window is up
        (a preferences file that could not be read).
    """
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from viewer.commands.preferences_io import load_preferences
    from viewer.core.resources import resources_dir
    from viewer.qt.qt_attribute_panel import vietnamese_font
    from viewer.qt.qt_i18n import apply_language, compile_stale_translations, resolve_language

    app = QApplication.instance() or QApplication((argv or sys.argv)[:1])
    app.setApplicationName("CityTwin")
    app.setOrganizationName("CityTwin")
    register_fonts()
    app.setFont(vietnamese_font(app.font()))
    icon = resources_dir() / "icons" / "citytwin-256.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    preferences, problem = load_preferences()
    compile_stale_translations()
    apply_language(resolve_language(preferences.language))
    messages = [QCoreApplication.translate("CityTwin", "Preferences not used: {problem}").format(problem=problem)
                ] if problem else []
    return app, preferences, messages


def run_gui(paths: list[str]) -> int:
    """Open the main window with ``paths`` (none: the demo district) and run the event loop."""
    from viewer.app.crash import install_crash_handler, setup_logging
    from viewer.commands.preferences_io import log_dir

    install_crash_handler(setup_logging(log_dir()))
    app, _, messages = setup_application()
    from viewer.commands.demo import demo_project_dir
    from viewer.core.project import Project
    from viewer.qt.qt_main_window import QtMainWindow

    window = QtMainWindow(Project())
    window.resize(1600, 950)
    window.show()
    for message in messages:
        window.statusBar().showMessage(message, 15000)
    window.open_paths(paths or [str(demo_project_dir())])
    return app.exec()
