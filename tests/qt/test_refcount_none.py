"""Guard against the PySide6 6.12 bug that dropped a reference to None on every Qt call returning
nothing (the app then aborts in none_dealloc); 6.11.3 is pinned because it is clean."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def test_void_qt_calls_keep_none_referenced(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    layout = QVBoxLayout(widget)
    labels = [QLabel(str(i)) for i in range(200)]
    before = sys.getrefcount(None)
    for _ in range(5000):
        widget.setEnabled(True)
        widget.setToolTip("x")
    for label in labels:
        layout.addWidget(label)
        label.setText("y")
        label.setVisible(False)
    after = sys.getrefcount(None)
    # 10,800 calls returning nothing: a leak of one reference each would show as thousands.
    assert after >= before - 50, (before, after)
