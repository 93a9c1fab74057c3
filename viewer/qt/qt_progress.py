"""The status-bar progress widget: a bar, the current step, the time left and a Cancel button."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from viewer.qt.qt_workers import Worker

translate = QCoreApplication.translate


def format_eta(seconds: float) -> str:
    """'about 12 s left', 'about 3 min left', or '' when unknown (negative)."""
    if seconds < 0:
        return ""
    if seconds < 90:
        return translate("QtProgressWidget", "about {n} s left").format(n=max(1, round(seconds)))
    if seconds < 90 * 60:
        return translate("QtProgressWidget", "about {n} min left").format(n=round(seconds / 60))
    return translate("QtProgressWidget", "about {n} h left").format(n=round(seconds / 3600, 1))


class QtProgressWidget(QWidget):
    """Shows the progress of the worker bound last; hidden while nothing runs.

    Binding a new worker while another runs switches the display to the new one; Cancel always
    cancels the worker shown.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker: Worker | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.message_label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(200)
        self.bar.setTextVisible(False)
        self.eta_label = QLabel(self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.cancel)
        for widget in (self.message_label, self.bar, self.eta_label, self.cancel_button):
            layout.addWidget(widget)
        self.setVisible(False)

    @property
    def worker(self) -> Worker | None:
        """The worker shown, or None."""
        return self._worker

    def bind(self, worker: Worker) -> None:
        """Show ``worker``'s progress until it ends."""
        self._worker = worker
        self.bar.setValue(0)
        self.message_label.setText(worker.description)
        self.eta_label.setText("")
        self.cancel_button.setEnabled(True)
        worker.progress.connect(self._on_progress)
        worker.done.connect(self._on_done)
        self.setVisible(True)

    def cancel(self) -> None:
        """Cancel the worker shown."""
        if self._worker is not None:
            self._worker.cancel()
            self.cancel_button.setEnabled(False)
            self.message_label.setText(self.tr("Cancelling…"))

    def _on_progress(self, fraction: float, message: str, eta: float) -> None:
        if self.sender() is not self._worker:
            return
        self.bar.setValue(round(fraction * 1000))
        if message and self.cancel_button.isEnabled():
            self.message_label.setText(message)
        self.eta_label.setText(format_eta(eta))

    def _on_done(self) -> None:
        if self.sender() is not self._worker:
            return
        self._worker = None
        self.setVisible(False)
