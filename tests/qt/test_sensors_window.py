"""Sensors in the main window: the time bar, the docks and the Sensors menu; a recording opened
and replayed; a click on a station opens its chart; a project with sensors opens in replay; a live
MQTT feed (a real mosquitto) reaches the store and the diagnostics panel."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from test_sensors_samples import MINUTE, STATIONS, T0, sample_network, sample_rows

from viewer.core.clock import NS, now_ns

from tests.qt.conftest import shown


@pytest.fixture
def window(qtbot, project):
    from viewer.qt.qt_main_window import QtMainWindow

    return shown(qtbot, QtMainWindow(project), 1300, 800)


def wait_idle(qtbot, window, timeout=30000):
    qtbot.waitUntil(lambda: not window.workers, timeout=timeout)


def write_sample_recording(folder: Path) -> Path:
    from viewer.sensors.recording import write_recording

    write_recording(folder, sample_network(), sample_rows(), source_info={"kind": "test"})
    return folder


def test_the_window_has_the_time_bar_the_sensor_docks_and_menu(window):
    assert window.toolBarArea(window.time_toolbar) == Qt.ToolBarArea.BottomToolBarArea
    assert window.time_bar.clock is window.project.clock
    assert window.sensor_pump.timer.isActive()
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&File", "&View", "&Sensors", "Sc&enarios", "&Help"]
    assert [a.text() for a in window.sensor_menu.actions() if a.text()][:3] == \
        ["Open &recording…", "Connect &MQTT…", "Connect &SensorThings…"]
    assert not window.chart_dock.isVisible() and window.alarm_dock.isVisible()


def test_a_recording_opens_replayed_and_a_click_charts_a_station(window, project, qtbot, tmp_path):
    folder = write_sample_recording(tmp_path / "storm")
    window.sensor_menu.open_recording(folder)
    wait_idle(qtbot, window)
    layer = project.layers_of_kind("sensors")[0]
    assert layer.feature_count == 3 and project.observations.count() == 3 * 121 + 31
    clock = project.clock
    assert (clock.mode, clock.start_ns, clock.end_ns, clock.time_ns) == ("replay", T0, T0 + 120 * MINUTE, T0)
    assert not window.time_bar.live_button.isChecked() and window.time_bar.slider.isEnabled()
    # The window's pump plays it: at 1000x the canal reaches its alarm level (90 min) in a second.
    clock.jump(T0 + 80 * MINUTE)
    clock.set_speed(1000.0)
    clock.playing = True
    qtbot.waitUntil(lambda: any(a.stream_id == "canal.level" and a.level == 2 for a in project.alarms.alarms),
                    timeout=15000)
    clock.playing = False
    assert window.alarm_dock.windowTitle().startswith("Alarms (")
    # A click on the station selects it and opens its chart.
    map2d = window.map2d
    map2d.zoom_to((585000.0, 1109000.0, 585200.0, 1109200.0))
    qtbot.wait(50)
    qtbot.mouseClick(map2d.view.viewport(), Qt.MouseButton.LeftButton, pos=map2d.viewport_pos(*STATIONS["canal"]))
    assert project.selection.layer_id == layer.id
    qtbot.waitUntil(lambda: window.chart_dock.isVisible(), timeout=2000)
    assert window.sensor_chart.stream_ids == ["canal.level"]
    assert window.sensor_chart.cursor.value() == clock.time_ns / NS


def test_a_project_with_sensors_opens_in_replay(window, project, qtbot, tmp_path):
    # A project folder like the demo district's: a manifest whose sensors entry names a recording.
    folder = tmp_path / "proj"
    write_sample_recording(folder / "sensors")
    (folder / "citytwin.toml").write_text(
        'format = "citytwin-project"\nversion = 1\nname = "Storm"\ncrs = "EPSG:5897"\n\n'
        '[[layers]]\nid = "demo-sensors"\nname = "Cảm biến"\nkind = "sensors"\npath = "sensors"\n'
        'style = { label_field = "name" }\n', encoding="utf-8")
    assert project.clock.mode == "live"
    window.open_project(folder)
    wait_idle(qtbot, window)
    clock = project.clock
    assert (clock.mode, clock.start_ns, clock.end_ns) == ("replay", T0, T0 + 120 * MINUTE)
    layer = project.layers_of_kind("sensors")[0]
    assert layer.feature_count == 3 and layer.name == "Cảm biến"
    assert not window.time_bar.live_button.isChecked()
    assert window.time_bar.slider.maximum() == 120 * 60
    item = window.map2d.layer_item(layer.id)
    assert item.label_source is not None and "Rạch Cái Khế" in item.label_source.texts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mosquitto(tmp_path):
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        pytest.fail("mosquitto is not installed (apt-get install -y mosquitto)")
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


def test_a_live_mqtt_feed_reaches_the_store_and_the_diagnostics(window, project, qtbot, tmp_path, mosquitto):
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from viewer.commands.sensor_project import add_sensors
    from viewer.sensors.rows import ObservationRows

    add_sensors(project, sample_network(), ObservationRows())
    window.sensor_menu.connect_mqtt(mosquitto, ["citytwin/{stream}/obs"], tmp_path / "rec")
    wait_idle(qtbot, window)
    assert project.clock.mode == "live" and len(window.sensor_pump.sources) == 1
    source = window.sensor_pump.sources[0]
    assert source.source.wait_subscribed(10)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-publisher")
    client.connect("127.0.0.1", int(mosquitto.rsplit(":", 1)[1]))
    client.loop_start()
    try:
        start = now_ns() // NS - 60
        for k in range(10):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 5 * k))
            client.publish("citytwin/canal.level/obs", json.dumps({"time": stamp, "value": 1.0 + 0.1 * k}), qos=1)
        client.publish("citytwin/canal.level/obs", "{not json", qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()
    qtbot.waitUntil(lambda: project.observations.count("canal.level") == 10, timeout=10000)
    window.diagnostics_dock.show()
    qtbot.waitUntil(lambda: window.diagnostics_panel.rows().get(source.diagnostics.name, {}).get("rejected") == "1",
                    timeout=5000)
    row = window.diagnostics_panel.rows()[source.diagnostics.name]
    assert (row["state"], row["received"], row["accepted"]) == ("connected", "11", "10")
    # The canal is at 1.9 m now: the status (refreshed by the pump) has it at alarm.
    status = project.sensor_status
    qtbot.waitUntil(lambda: "canal.level" in status.ids and status.levels[status.ids.index("canal.level")] == 2,
                    timeout=5000)
    window.sensor_menu.disconnect_all()
    wait_idle(qtbot, window)
    assert window.sensor_pump.sources == [] and source.diagnostics.snapshot()["state"] == "stopped"
