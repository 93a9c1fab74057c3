"""The diagnostics panel: what each sensor source received, kept and rejected, and why.

One row per source (its :class:`~viewer.core.sensor_status.SourceDiagnostics`): state, received,
accepted, rejected, and the last problem; under it one row per rejection reason with its count.
Sources count on their own threads; the panel reads consistent snapshots twice a second
(:data:`REFRESH_MS`), and only while it is visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from viewer.qt.qt_locale import count_text

REFRESH_MS = 500
"""Refresh interval (2 Hz)."""
NAME, STATE, RECEIVED, ACCEPTED, REJECTED, PROBLEM = range(6)


class QtSensorDiagnostics(QWidget):
    """Counters of the sensor sources.

    Parameters
    ----------
    sources
        Called at each refresh for the current SourceDiagnostics objects (e.g. the pump's
        ``diagnostics`` list, so sources attached later show up).
    """

    def __init__(self, sources: Callable[[], Iterable[Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sources = sources
        self.hint = QLabel(self.tr("No sensor source is connected."), self)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(6)
        self.tree.setHeaderLabels([self.tr("Source"), self.tr("State"), self.tr("Received"), self.tr("Accepted"),
                                   self.tr("Rejected"), self.tr("Last problem")])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.hint)
        layout.addWidget(self.tree, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._on_timer)
        self.timer.start()
        self.refresh()

    def _on_timer(self) -> None:
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        """Show a fresh snapshot of every source."""
        snapshots = [source.snapshot() for source in self._sources()]
        self.hint.setVisible(not snapshots)
        while self.tree.topLevelItemCount() > len(snapshots):
            self.tree.takeTopLevelItem(self.tree.topLevelItemCount() - 1)
        for n, snap in enumerate(snapshots):
            item = self.tree.topLevelItem(n)
            if item is None:
                item = QTreeWidgetItem(self.tree)
                item.setExpanded(True)  # reasons show at first; the user may fold them
            rejected = snap["rejected"]
            for column, text in ((NAME, snap["name"]), (STATE, snap["state"]), (RECEIVED, count_text(snap['received'])),
                                 (ACCEPTED, count_text(snap['accepted'])), (REJECTED, count_text(sum(rejected.values()))),
                                 (PROBLEM, snap["last_problem"])):
                item.setText(column, str(text))
            item.setToolTip(PROBLEM, snap["last_problem"])
            reasons = sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0]))
            while item.childCount() > len(reasons):
                item.takeChild(item.childCount() - 1)
            for k, (reason, count) in enumerate(reasons):
                child = item.child(k) or QTreeWidgetItem(item)
                child.setText(NAME, reason)
                child.setText(REJECTED, count_text(count))

    def rows(self) -> dict[str, dict[str, str]]:
        """Per source name: its column texts, and ``"reasons"``: reason -> count text."""
        out = {}
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            out[item.text(NAME)] = {"state": item.text(STATE), "received": item.text(RECEIVED),
                                    "accepted": item.text(ACCEPTED), "rejected": item.text(REJECTED),
                                    "last_problem": item.text(PROBLEM),
                                    "reasons": {item.child(k).text(NAME): item.child(k).text(REJECTED)
                                                for k in range(item.childCount())}}
        return out
