"""The sensor chart: the selected station's datastreams, thresholds, the clock's cursor, the live
window, several stations on one chart, and long ranges downsampled to the plot's width."""

from __future__ import annotations

import numpy as np
import pytest
from test_sensors_samples import MINUTE, T0, add_sample_sensors

from viewer.core.clock import NS

from tests.qt.conftest import shown


@pytest.fixture
def chart(qtbot, project):
    from viewer.qt.qt_sensor_chart import QtSensorChart

    add_sample_sensors(project)
    return shown(qtbot, QtSensorChart(project), 700, 400)


def select_station(project, thing_id: str) -> None:
    layer = project.layers_of_kind("sensors")[0]
    index = [t.id for t in layer.things()].index(thing_id)
    project.selection.select(layer.id, index)


def test_selecting_a_station_charts_its_datastreams_with_thresholds(chart, project, qtbot):
    shown = []
    chart.station_shown.connect(shown.append)
    select_station(project, "weather")
    qtbot.waitUntil(lambda: chart.stream_ids == ["weather.rain", "weather.wind"], timeout=2000)
    assert shown == ["weather"]
    assert "Trạm khí tượng Ninh Kiều" in chart.title_label.text()
    assert [line.value() for line in chart.threshold_lines["weather.rain"]] == [20.0, 50.0]
    assert chart.threshold_lines["weather.wind"] == []
    chart.redraw()
    x, y = chart.curves["weather.rain"].getData()
    assert x[0] == T0 / NS and len(x) == 121 and np.all(y == 2.0)
    # Another station replaces it; "Add to chart" keeps both.
    select_station(project, "canal")
    qtbot.waitUntil(lambda: chart.stream_ids == ["canal.level"], timeout=2000)
    assert [line.value() for line in chart.threshold_lines["canal.level"]] == [1.6, 1.9]
    chart.add_button.setChecked(True)
    select_station(project, "air")
    qtbot.waitUntil(lambda: chart.stream_ids == ["canal.level", "air.pm25"], timeout=2000)
    assert len(chart.legend.items) == 2


def test_the_cursor_follows_the_clock(chart, project):
    select_station(project, "canal")
    project.clock.jump(T0 + 42 * MINUTE)
    assert chart.cursor.value() == (T0 + 42 * MINUTE) / NS
    project.clock.step(90.0)
    assert chart.cursor.value() == (T0 + 42 * MINUTE + 90 * NS) / NS


def test_replay_shows_the_whole_range_and_live_the_last_window(chart, project, qtbot):
    chart.show_station("canal")
    chart.redraw()
    (x0, x1), _ = chart.viewbox.viewRange()
    assert (x0, x1) == pytest.approx((T0 / NS, (T0 + 120 * MINUTE) / NS))
    project.clock.go_live()
    project.clock.window_s = 1800.0
    project.clock.jump(T0 + 60 * MINUTE)  # a live clock set by hand, to know the answer
    qtbot.waitUntil(lambda: chart.viewbox.viewRange()[0][1] == pytest.approx((T0 + 60 * MINUTE) / NS), timeout=2000)
    (x0, x1), _ = chart.viewbox.viewRange()
    assert x0 == pytest.approx((T0 + 30 * MINUTE) / NS)
    x, y = chart.curves["canal.level"].getData()
    assert x.min() >= x0 - 60 and x.max() <= x1 + 60
    assert y.max() == pytest.approx(1.6)


def test_a_week_of_minutes_is_drawn_with_about_two_points_per_pixel(chart, project, qtbot):
    week = np.arange(7 * 24 * 60)
    values = 1.0 + 0.3 * np.sin(week / 90.0)
    values[5000] = 4.2  # one spike: downsampling must keep it
    project.observations.append("canal.level", T0 + 121 * MINUTE + week * MINUTE, values)
    project.clock.replay(T0, T0 + (121 + len(week)) * MINUTE)
    chart.show_station("canal")
    chart.redraw()
    width = int(chart.viewbox.width())
    counts = chart.point_counts()
    assert 0 < counts["canal.level"] <= 2 * width + 2
    assert counts["canal.level"] < len(week) / 4
    _, y = chart.curves["canal.level"].getData()
    assert np.nanmax(y) == pytest.approx(4.2)
    # Zooming into one hour fetches that hour at full resolution.
    start = (T0 + 121 * MINUTE + 5000 * MINUTE) / NS - 1800
    chart.viewbox.setXRange(start, start + 3600, padding=0)
    qtbot.waitUntil(lambda: chart.point_counts()["canal.level"] in (60, 61), timeout=2000)
