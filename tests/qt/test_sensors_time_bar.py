"""The time bar drives the clock and shows it; the sensor pump moves the clock and refreshes the status."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimeZone
from test_sensors_samples import MINUTE, T0, add_sample_sensors

from viewer.core.clock import NS, Clock

HCM = QTimeZone(b"Asia/Ho_Chi_Minh")  # UTC+7, no daylight saving


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    clock.replay(T0, T0 + 120 * MINUTE, speed=60.0)
    return clock


@pytest.fixture
def bar(qtbot, clock):
    from viewer.qt.qt_time_bar import QtTimeBar

    widget = QtTimeBar(clock, time_zone=HCM)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_the_bar_shows_the_clock_set_in_code(bar, clock):
    from viewer.qt.qt_time_bar import format_utc

    assert not bar.live_button.isChecked() and bar.slider.isEnabled()
    clock.jump(T0 + 90 * MINUTE)
    assert bar.slider.value() == bar.slider.maximum() * 3 // 4
    assert bar.datetime_edit.dateTime().toString("yyyy-MM-dd HH:mm:ss") == "2025-10-20 08:30:00"  # local, UTC+7
    assert "2025-10-20T01:30:00Z" in bar.datetime_edit.toolTip() == bar.datetime_edit.toolTip()
    assert format_utc(clock.time_ns) == "2025-10-20T01:30:00Z"
    clock.set_speed(300.0)
    assert bar.speed_combo.currentText() == "300×"
    clock.playing = True
    assert bar.play_button.isChecked() and bar.play_button.text() == "Pause"
    clock.loop = True
    assert bar.loop_button.isChecked()
    clock.window_s = 6 * 3600.0
    assert bar.window_combo.currentText() == "6 h"
    clock.window_s = 5400.0  # not offered: shown anyway
    assert bar.window_combo.currentData() == 5400.0
    clock.go_live()
    assert bar.live_button.isChecked() and not bar.slider.isEnabled() and not bar.play_button.isEnabled()


def test_the_controls_change_the_clock(bar, clock, qtbot):
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert clock.playing
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert not clock.playing
    bar.step_combo.setCurrentIndex(bar.step_combo.findText("15 min"))
    qtbot.mouseClick(bar.forward_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.forward_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.back_button, Qt.MouseButton.LeftButton)
    assert clock.time_ns == T0 + 15 * MINUTE
    index = bar.speed_combo.findText("1000×")
    bar.speed_combo.setCurrentIndex(index)
    bar.speed_combo.activated.emit(index)
    assert clock.speed == 1000.0
    qtbot.mouseClick(bar.loop_button, Qt.MouseButton.LeftButton)
    assert clock.loop
    bar.slider.setValue(bar.slider.maximum() // 2)
    assert abs(clock.time_ns - (T0 + 60 * MINUTE)) <= NS
    index = bar.window_combo.findText("3 h")
    bar.window_combo.setCurrentIndex(index)
    bar.window_combo.activated.emit(index)
    assert clock.window_s == 3 * 3600.0
    # Typing a local date-time jumps there (the clock keeps UTC).
    bar.datetime_edit.setFocus()
    bar.datetime_edit.setDateTime(_hcm("2025-10-20 08:45:00"))
    bar.datetime_edit.editingFinished.emit()
    assert clock.time_ns == T0 + 105 * MINUTE
    clock.jump(T0 + 110 * MINUTE)  # once typed, the field follows the clock again (focus or not)
    assert bar.datetime_edit.dateTime().toString("HH:mm") == "08:50"
    qtbot.mouseClick(bar.live_button, Qt.MouseButton.LeftButton)
    assert clock.mode == "live"
    qtbot.mouseClick(bar.live_button, Qt.MouseButton.LeftButton)  # back to replaying the range
    assert clock.mode == "replay" and (clock.start_ns, clock.end_ns) == (T0, T0 + 120 * MINUTE)


def _hcm(text: str):
    from PySide6.QtCore import QDate, QDateTime, QTime

    date, time = text.split()
    return QDateTime(QDate.fromString(date, "yyyy-MM-dd"), QTime.fromString(time, "HH:mm:ss"), HCM)


def test_the_pump_plays_a_replay_at_its_speed_and_refreshes_the_status(qtbot, project):
    from viewer.qt.qt_sensor_pump import QtSensorPump

    add_sample_sensors(project)
    now = [100.0]
    pump = QtSensorPump(project, monotonic=lambda: now[0])
    refreshed = []
    project.sensor_status.updated.connect(lambda: refreshed.append(project.clock.time_ns))
    try:
        assert pump.tick() is True and refreshed == [T0]  # the data is new to the pump
        project.clock.set_speed(300.0)
        project.clock.playing = True
        for _ in range(20):  # 20 ticks of 0.5 s: 10 s of real time at 300x = 50 minutes
            now[0] += 0.5
            pump.tick()
        assert project.clock.time_ns == T0 + 50 * MINUTE
        assert refreshed[-1] == T0 + 50 * MINUTE
        assert len(refreshed) == 21
        assert project.sensor_status.values[project.sensor_status.ids.index("canal.level")] == pytest.approx(1.5)
        # Paused and nothing new: ticks cost no refresh.
        project.clock.playing = False
        count = len(refreshed)
        for _ in range(5):
            now[0] += 0.05
            pump.tick()
        assert len(refreshed) == count
        # A jump is picked up at the next tick; changes closer than 0.1 s wait for a later tick.
        project.clock.jump(T0 + 80 * MINUTE)
        now[0] += 0.05
        assert pump.tick() is True and refreshed[-1] == T0 + 80 * MINUTE
        project.clock.jump(T0 + 95 * MINUTE)
        now[0] += 0.05
        assert pump.tick() is False and refreshed[-1] == T0 + 80 * MINUTE
        now[0] += 0.06
        assert pump.tick() is True and refreshed[-1] == T0 + 95 * MINUTE
        # Warning at 80 min, alarm at 95 min: each rise in level raised one alarm.
        assert [(a.stream_id, a.level) for a in project.alarms.alarms] == [("canal.level", 1), ("canal.level", 2)]
        # The real timer drives the same: 20 Hz while started.
        pump2 = QtSensorPump(project)
        pump2.start()
        project.clock.set_speed(1000.0)
        project.clock.playing = True
        qtbot.waitUntil(lambda: project.clock.time_ns >= T0 + 100 * MINUTE, timeout=3000)
        pump2.close()
    finally:
        pump.close()
