"""An uncaught error: its traceback in the log file in the platform's log folder, and a dialog
that says where that file is."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def test_a_crash_without_a_window_writes_the_traceback_to_the_log(tmp_path, repo_root):
    script = textwrap.dedent("""
        from viewer.app.crash import install_crash_handler, setup_logging
        from viewer.commands.preferences_io import log_dir
        install_crash_handler(setup_logging(log_dir()))
        def load_the_city():
            raise ValueError("ô nhiễm: broken input")
        load_the_city()
    """)
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))
    done = subprocess.run([sys.executable, "-c", script], cwd=repo_root, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    log_file = tmp_path / "state" / "CityTwin" / "log" / "citytwin.log"
    text = log_file.read_text(encoding="utf-8")
    assert "uncaught exception" in text and "load_the_city" in text and "ValueError: ô nhiễm: broken input" in text
    assert "ValueError" in done.stderr


@pytest.mark.qt_no_exception_capture
def test_a_crash_in_the_app_shows_a_dialog_naming_the_log(qtbot, tmp_path):
    from viewer.app.crash import report_crash, setup_logging

    log_file = setup_logging(tmp_path)
    seen: dict[str, str] = {}

    def read_and_close():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.objectName() == "crash_dialog" and widget.isVisible():
                seen["title"], seen["text"] = widget.windowTitle(), widget.text()
                seen["details"] = widget.detailedText()
                widget.accept()
                return
        QTimer.singleShot(50, read_and_close)

    QTimer.singleShot(50, read_and_close)
    try:
        raise RuntimeError("the flood engine fell over")
    except RuntimeError as exc:
        report_crash(type(exc), exc, exc.__traceback__, log_file)
    assert str(log_file) in seen["text"] and "the flood engine fell over" in seen["text"]
    assert "Traceback" in seen["details"]
    assert "RuntimeError: the flood engine fell over" in log_file.read_text(encoding="utf-8")
