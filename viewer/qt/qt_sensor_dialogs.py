"""The Sensors menu and its dialogs: open a recording, connect an MQTT feed, read a SensorThings
service, disconnect.

Every step that touches the disk or the network runs in a :class:`~viewer.qt.qt_workers.Worker`
(reading a recording, opening the recorder and starting the MQTT client, paging through a
SensorThings service, stopping sources); its result is applied on the GUI thread with
:func:`viewer.commands.sensor_project.add_sensors`, or handed to the
:class:`~viewer.qt.qt_sensor_pump.QtSensorPump`, which drains live sources from then on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QMenu, QPlainTextEdit, QSpinBox, QToolButton, QVBoxLayout,
                               QWidget)

from viewer.core.clock import NS, now_ns
from viewer.core.progress import Cancelled, Progress
from viewer.core.project import Project
from viewer.qt.qt_locale import count_text
from viewer.qt.qt_workers import Worker

DEFAULT_BROKER = "127.0.0.1:1883"
DEFAULT_TOPIC = "citytwin/{stream}/obs"


def _path_row(parent: QWidget, edit: QLineEdit, pick: Any) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    button = QToolButton(parent)
    button.setText("…")
    button.clicked.connect(lambda *_: pick())
    row.addWidget(button)
    return row


class QtMqttDialog(QDialog):
    """Broker, topics, credentials, TLS and the folder to record to."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Connect to an MQTT broker"))
        self.broker_edit = QLineEdit(DEFAULT_BROKER, self)
        self.broker_edit.setToolTip(self.tr("HOST:PORT of the broker"))
        self.topics_edit = QPlainTextEdit(DEFAULT_TOPIC, self)
        self.topics_edit.setToolTip(self.tr("One topic filter per line; {stream} in a level names the datastream"))
        self.topics_edit.setFixedHeight(70)
        self.username_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.tls_check = QCheckBox(self.tr("Use TLS"), self)
        self.ca_edit = QLineEdit(self)
        self.ca_edit.setPlaceholderText(self.tr("system certificates"))
        self.record_edit = QLineEdit(self)
        self.record_edit.setPlaceholderText(self.tr("not recorded"))
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #c92a2a")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Broker"), self.broker_edit)
        form.addRow(self.tr("Topics"), self.topics_edit)
        form.addRow(self.tr("User name"), self.username_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        form.addRow("", self.tls_check)
        form.addRow(self.tr("CA certificate"), _path_row(self, self.ca_edit, self._pick_ca))
        form.addRow(self.tr("Record to folder"), _path_row(self, self.record_edit, self._pick_folder))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def _pick_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("CA certificate"), "",
                                              self.tr("Certificates (*.pem *.crt);;All files (*)"))
        if path:
            self.ca_edit.setText(path)
            self.tls_check.setChecked(True)

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Record to folder"))
        if folder:
            self.record_edit.setText(folder)

    def values(self) -> dict[str, Any]:
        """What :func:`viewer.commands.sensor_live.attach_mqtt` needs, from the fields."""
        tls = None
        if self.tls_check.isChecked() or self.ca_edit.text().strip():
            tls = {"ca_certs": self.ca_edit.text().strip() or None}
        record = self.record_edit.text().strip()
        return {"broker": self.broker_edit.text().strip(),
                "topics": [t.strip() for t in self.topics_edit.toPlainText().splitlines() if t.strip()],
                "username": self.username_edit.text() or None, "password": self.password_edit.text() or None,
                "tls": tls, "recorder_dir": Path(record) if record else None}

    def accept(self) -> None:
        from viewer.commands.sensor_live import parse_broker

        values = self.values()
        try:
            parse_broker(values["broker"])
        except ValueError as error:
            self.error_label.setText(str(error))
            return
        if not values["topics"]:
            self.error_label.setText(self.tr("Give at least one topic."))
            return
        super().accept()


class QtSensorThingsDialog(QDialog):
    """The service's base URL and how much history to read."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Connect to a SensorThings service"))
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText("http://host/FROST-Server/v1.1")
        self.hours_spin = QSpinBox(self)
        self.hours_spin.setRange(0, 24 * 366)
        self.hours_spin.setValue(48)
        self.hours_spin.setSpecialValueText(self.tr("everything"))
        self.hours_spin.setSuffix(self.tr(" h"))
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #c92a2a")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Service URL"), self.url_edit)
        form.addRow(self.tr("History to read"), self.hours_spin)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        """``base_url`` and ``start_ns`` (None: all the history)."""
        hours = self.hours_spin.value()
        return {"base_url": self.url_edit.text().strip(),
                "start_ns": now_ns() - hours * 3600 * NS if hours else None}

    def accept(self) -> None:
        if not self.url_edit.text().strip().lower().startswith(("http://", "https://")):
            self.error_label.setText(self.tr("Give the service's http:// or https:// address."))
            return
        super().accept()


def attach_mqtt_job(project: Project, broker: str, topics: list[str], recorder_dir: Path | None = None,
                    progress: Progress | None = None, **options: Any) -> Any:
    """:func:`~viewer.commands.sensor_live.attach_mqtt` for a worker: opening the recorder reads
    the disk. A cancel that came meanwhile stops the source again."""
    from viewer.commands.sensor_live import attach_mqtt

    progress = progress or Progress()
    progress.update(0.0, broker)
    live = attach_mqtt(project, broker, topics, recorder_dir, **options)
    if progress.cancelled:
        live.stop()
        raise Cancelled()
    return live


def stop_sources_job(sources: list[Any], progress: Progress | None = None) -> int:
    """Stop live sources (joins their network threads, closes their recordings)."""
    for source in sources:
        source.stop()
    return len(sources)


class QtSensorMenu(QMenu):
    """The Sensors menu of ``window`` (a :class:`~viewer.qt.qt_main_window.QtMainWindow`).

    Parameters
    ----------
    window
        Gives ``project``, ``start_worker``, ``report_errors``, ``zoom_to_project`` and the status bar.
    pump
        Live sources are handed to it.
    """

    def __init__(self, window: Any, pump: Any) -> None:
        super().__init__(QCoreApplication.translate("QtSensorMenu", "&Sensors"), window)
        self.window_, self.pump, self.project = window, pump, window.project
        self.dialog: QDialog | None = None
        self.addAction(self.tr("Open &recording…"), self.open_recording_dialog)
        self.addAction(self.tr("Connect &MQTT…"), self.connect_mqtt_dialog)
        self.addAction(self.tr("Connect &SensorThings…"), self.connect_sensorthings_dialog)
        self.addSeparator()
        self.disconnect_action = self.addAction(self.tr("&Disconnect live sources"), self.disconnect_all)
        self.disconnect_action.setEnabled(False)
        pump.sources_changed.connect(lambda: self.disconnect_action.setEnabled(bool(self.pump.sources)))

    def _message(self, text: str) -> None:
        self.window_.statusBar().showMessage(text, 5000)

    # -- recordings ------------------------------------------------------------------------------

    def open_recording_dialog(self) -> None:
        """Ask for a recording folder and open it."""
        folder = QFileDialog.getExistingDirectory(self.window_, self.tr("Open sensor recording"))
        if folder:
            self.open_recording(folder)

    def open_recording(self, folder: str | Path) -> Worker:
        """Read a recording off-thread, then add its stations and observations (replayed)."""
        from viewer.commands.sensor_project import read_sensor_recording

        folder = Path(folder)
        worker = Worker(read_sensor_recording, folder,
                        description=self.tr("Reading recording {name}…").format(name=folder.name))
        worker.finished.connect(lambda result: self._add(result, folder.name))
        worker.failed.connect(lambda message: self.window_.report_errors([f"{folder.name}: {message}"]))
        return self.window_.start_worker(worker)

    def _add(self, result: tuple[Any, Any], name: str) -> None:
        from viewer.commands.sensor_project import add_sensors

        network, rows = result
        was_empty = len(self.project.layers) == 0
        add_sensors(self.project, network, rows, name=self.tr("Sensors"))
        if was_empty:
            self.window_.zoom_to_project()
        self._message(self.tr("{name}: {things} stations, {rows} observations").format(
            name=name, things=len(network.things), rows=count_text(len(rows))))

    # -- MQTT ------------------------------------------------------------------------------------

    def connect_mqtt_dialog(self) -> QDialog:
        """Open the MQTT dialog (window-modal, returns at once); OK connects."""
        dialog = QtMqttDialog(self.window_)
        dialog.accepted.connect(lambda: self.connect_mqtt(**dialog.values()))
        return self._open(dialog)

    def _open(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda *_: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def connect_mqtt(self, broker: str, topics: list[str], recorder_dir: Path | None = None,
                     username: str | None = None, password: str | None = None,
                     tls: dict[str, Any] | None = None) -> Worker:
        """Attach an MQTT feed (recorder and client started off-thread); the clock goes live."""
        worker = Worker(attach_mqtt_job, self.project, broker, topics, recorder_dir, username=username,
                        password=password, tls=tls,
                        description=self.tr("Connecting to {broker}…").format(broker=broker))
        worker.finished.connect(self._on_attached)
        worker.failed.connect(lambda message: self.window_.report_errors([f"{broker}: {message}"]))
        return self.window_.start_worker(worker)

    def _on_attached(self, live: Any) -> None:
        self.pump.add_source(live)
        if self.project.clock.mode != "live":
            self.project.clock.go_live()
        self._message(self.tr("Connected: {name}").format(name=live.diagnostics.name))

    def disconnect_all(self) -> Worker | None:
        """Stop every live source (off-thread); rows still buffered are kept."""
        sources = list(self.pump.sources)
        if not sources:
            return None
        for source in sources:
            self.pump.remove_source(source)
        worker = Worker(stop_sources_job, sources, description=self.tr("Disconnecting…"))
        return self.window_.start_worker(worker)

    def shutdown(self) -> None:
        """Stop the pump and every live source now (the window is closing)."""
        self.pump.close()
        for source in list(self.pump.sources):
            self.pump.remove_source(source)
            source.stop()

    # -- SensorThings ----------------------------------------------------------------------------

    def connect_sensorthings_dialog(self) -> QDialog:
        """Open the SensorThings dialog (window-modal, returns at once); OK reads the service."""
        dialog = QtSensorThingsDialog(self.window_)
        dialog.accepted.connect(lambda: self.connect_sensorthings(**dialog.values()))
        return self._open(dialog)

    def connect_sensorthings(self, base_url: str, start_ns: int | None = None) -> Worker:
        """Read a SensorThings service's stations and history off-thread, then add them."""
        from viewer.commands.sensor_sta import attach_sensorthings
        from viewer.core.sensor_status import SourceDiagnostics

        diagnostics = SourceDiagnostics(base_url)
        self.pump.add_diagnostics(diagnostics)
        worker = Worker(attach_sensorthings, self.project, base_url, start_ns, None, diagnostics=diagnostics,
                        description=self.tr("Reading {url}…").format(url=base_url))
        worker.finished.connect(lambda result: self._add(result, base_url))
        worker.failed.connect(lambda message: self.window_.report_errors([message]))
        return self.window_.start_worker(worker)
