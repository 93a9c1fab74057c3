"""Uncaught errors: written with their traceback to the log file, and shown in a dialog that says
where that file is. Nothing fails silently, and the app keeps running where Qt lets it."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

log = logging.getLogger("citytwin")

LOG_FILE_NAME = "citytwin.log"


def setup_logging(folder: Path) -> Path:
    """Send the app's log to ``folder/citytwin.log`` (UTF-8, appended) and return its path."""
    log_file = folder / LOG_FILE_NAME
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return log_file


def report_crash(kind: type[BaseException], value: BaseException, tb: TracebackType | None,
                 log_file: Path) -> str:
    """Log the exception with its traceback, echo it to stderr and, when a QApplication runs,
    show a dialog naming the log file. Returns the traceback text."""
    text = "".join(traceback.format_exception(kind, value, tb))
    log.error("uncaught exception\n%s", text)
    for handler in logging.getLogger().handlers:
        handler.flush()
    if sys.__stderr__ is not None:
        sys.__stderr__.write(text)
    from PySide6.QtCore import QCoreApplication, QThread
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance()
    if app is not None and QThread.currentThread() is app.thread():
        box = QMessageBox(QMessageBox.Icon.Critical, QCoreApplication.translate("CityTwin", "Unexpected error"),
                          QCoreApplication.translate(
                              "CityTwin", "Something went wrong: {error}\n\nThe details are in {file}")
                          .format(error=value or kind.__name__, file=log_file))
        box.setObjectName("crash_dialog")
        box.setDetailedText(text)
        box.exec()
    return text


def install_crash_handler(log_file: Path) -> None:
    """Route uncaught exceptions of the main thread, Qt slots and other threads to
    :func:`report_crash` (other threads log only; the dialog needs the GUI thread)."""

    def on_main(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        report_crash(kind, value, tb, log_file)

    def on_thread(args: threading.ExceptHookArgs) -> None:
        report_crash(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback, log_file)

    sys.excepthook = on_main
    threading.excepthook = on_thread
