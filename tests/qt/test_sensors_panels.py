"""The alarm list (new alarms, acknowledge, count badge, stale sensors), the diagnostics panel and
the sensor dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimeZone
from test_sensors_samples import MINUTE, T0, add_sample_sensors

from viewer.core.sensor_status import SourceDiagnostics

HCM = QTimeZone(b"Asia/Ho_Chi_Minh")


@pytest.fixture
def alarms(qtbot, project):
    from viewer.qt.qt_alarm_list import QtAlarmList

    add_sample_sensors(project)
    widget = QtAlarmList(project, time_zone=HCM)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_a_new_alarm_is_listed_and_acknowledging_marks_it(alarms, project, qtbot):
    from viewer.qt.qt_alarm_list import ACK

    titles = []
    alarms.title_changed.connect(titles.append)
    assert alarms.tree.topLevelItemCount() == 0 and alarms.title() == "Alarms"
    project.clock.jump(T0 + 65 * MINUTE)
    project.sensor_status.refresh(project.clock.time_ns)
    assert alarms.tree.topLevelItemCount() == 1
    assert alarms.row_texts(0)[:4] == ["2025-10-20 08:05:00", "Mực nước rạch Cái Khế", "1.65 m", "warning"]
    assert alarms.tree.topLevelItem(0).toolTip(0) == "2025-10-20T01:05:00Z"
    project.clock.jump(T0 + 100 * MINUTE)
    project.sensor_status.refresh(project.clock.time_ns)
    assert alarms.tree.topLevelItemCount() == 2
    assert alarms.row_texts(0)[1:4] == ["Mực nước rạch Cái Khế", "2 m", "alarm"]  # newest first
    assert titles[-1] == "Alarms (2)"
    newest = alarms.tree.topLevelItem(0)
    assert newest.font(1).bold() and newest.foreground(1).color().name() == "#c92a2a"
    # Tick the box of the newest: the log's alarm is acknowledged and the row is plain.
    newest.setCheckState(ACK, Qt.CheckState.Checked)
    assert project.alarms.alarms[1].acknowledged and not project.alarms.alarms[0].acknowledged
    assert not newest.font(1).bold()
    assert not newest.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert titles[-1] == "Alarms (1)"
    qtbot.mouseClick(alarms.ack_all_button, Qt.MouseButton.LeftButton)
    assert project.alarms.unacknowledged == [] and titles[-1] == "Alarms"
    assert not alarms.tree.topLevelItem(1).font(1).bold()


def test_stale_sensors_are_listed_with_their_silence(alarms, project, qtbot):
    project.clock.jump(T0 + 20 * MINUTE)
    project.sensor_status.refresh(project.clock.time_ns)
    qtbot.waitUntil(lambda: alarms.stale_label.text() == "No stale sensors", timeout=2000)
    project.clock.jump(T0 + 45 * MINUTE)
    project.sensor_status.refresh(project.clock.time_ns)
    qtbot.waitUntil(lambda: alarms.stale_texts() == ["Bụi PM2.5 — PM2.5: no data for 15 min"], timeout=2000)
    assert alarms.stale_label.text() == "Stale sensors (1)"


def test_a_cleared_log_is_shown_empty(alarms, project):
    project.clock.jump(T0 + 100 * MINUTE)
    project.sensor_status.refresh(project.clock.time_ns)
    assert alarms.tree.topLevelItemCount() == 1
    project.alarms.alarms.clear()  # what opening another project does
    project.sensor_status.refresh(project.clock.time_ns)
    assert alarms.tree.topLevelItemCount() == 0


def test_diagnostics_show_each_sources_counts(qtbot):
    from viewer.qt.qt_sensor_diagnostics import QtSensorDiagnostics

    mqtt, sta = SourceDiagnostics("mqtt://127.0.0.1:1883"), SourceDiagnostics("http://sta/v1.1")
    sources = [mqtt]
    panel = QtSensorDiagnostics(lambda: sources)
    qtbot.addWidget(panel)
    panel.show()
    mqtt.set_state("connected")
    mqtt.count(received=1250, accepted=1243)
    mqtt.reject("malformed_json", "citytwin/a/obs: Expecting value: line 1 column 1", n=4)
    mqtt.reject("unknown_topic", "x/y: no rule", n=3)
    sources.append(sta)
    qtbot.waitUntil(lambda: len(panel.rows()) == 2, timeout=2000)  # the 2 Hz refresh
    row = panel.rows()["mqtt://127.0.0.1:1883"]
    assert (row["state"], row["received"], row["accepted"], row["rejected"]) == ("connected", "1,250", "1,243", "7")
    assert row["reasons"] == {"malformed_json": "4", "unknown_topic": "3"}
    assert row["last_problem"] == "x/y: no rule"
    assert panel.rows()["http://sta/v1.1"]["state"] == "idle"
    assert not panel.hint.isVisible()


def test_mqtt_dialog_checks_and_returns_its_fields(qtbot, tmp_path):
    from viewer.qt.qt_sensor_dialogs import QtMqttDialog

    dialog = QtMqttDialog()
    qtbot.addWidget(dialog)
    dialog.broker_edit.setText("broker.example:notaport")
    dialog.accept()
    assert dialog.result() == 0 and "HOST:PORT" in dialog.error_label.text()
    dialog.broker_edit.setText("10.0.0.5:8883")
    dialog.topics_edit.setPlainText("city/+/level\n\ncitytwin/{stream}/obs\n")
    dialog.username_edit.setText("ops")
    dialog.password_edit.setText("secret")
    dialog.ca_edit.setText(str(tmp_path / "ca.pem"))
    dialog.record_edit.setText(str(tmp_path / "rec"))
    values = dialog.values()
    assert values == {"broker": "10.0.0.5:8883", "topics": ["city/+/level", "citytwin/{stream}/obs"],
                      "username": "ops", "password": "secret", "tls": {"ca_certs": str(tmp_path / "ca.pem")},
                      "recorder_dir": tmp_path / "rec"}
    dialog.accept()
    assert dialog.result() == 1
