"""A small synthetic sensor network for the sensor GUI tests (imported by the test_sensors_* modules;
holds no test itself).

Three stations in the test district (tests/qt/conftest.py), 1-minute data from T0 for two hours:

- ``canal``: a canal level rising 1.00 -> 2.20 m by 0.01 m a minute: warning (1.6 m) from
  T0 + 60 min, alarm (1.9 m) from T0 + 90 min.
- ``weather``: rain (mm, warning 20, alarm 50; stays at 2 mm) and wind (m/s, no thresholds).
- ``air``: PM2.5 that stops reporting at T0 + 30 min, so it is stale from T0 + 33 min on.
"""

from __future__ import annotations

import numpy as np

from viewer.core.clock import NS
from viewer.core.sensors import Datastream, SensorNetwork, Thing, Thresholds

X0, Y0 = 585000.0, 1109000.0
T0 = 1_760_918_400 * NS  # 2025-10-20T00:00:00Z
MINUTE = 60 * NS
STATIONS = {"canal": (X0 + 60, Y0 + 100), "weather": (X0 + 100, Y0 + 100), "air": (X0 + 140, Y0 + 100)}
GREEN, ORANGE, RED, GREY = (0x2F, 0x9E, 0x44), (0xF0, 0x8C, 0x00), (0xE0, 0x31, 0x31), (0x9E, 0x9E, 0x9E)


def sample_network() -> SensorNetwork:
    """The three stations and their four datastreams (x/y in EPSG:5897, no lon/lat)."""
    network = SensorNetwork()
    network.add(Thing("canal", "Rạch Cái Khế", x=STATIONS["canal"][0], y=STATIONS["canal"][1]),
                [Datastream("canal.level", "Mực nước rạch Cái Khế", "canal", "m", "water_level",
                            Thresholds(1.6, 1.9, "above"), 60.0)])
    weather = STATIONS["weather"]
    network.add(Thing("weather", "Trạm khí tượng Ninh Kiều", x=weather[0], y=weather[1]),
                [Datastream("weather.rain", "Lượng mưa", "weather", "mm", "rainfall", Thresholds(20.0, 50.0), 60.0),
                 Datastream("weather.wind", "Tốc độ gió", "weather", "m/s", "wind_speed", Thresholds(), 60.0)])
    network.add(Thing("air", "Bụi PM2.5", x=STATIONS["air"][0], y=STATIONS["air"][1]),
                [Datastream("air.pm25", "PM2.5", "air", "µg/m³", "pm25", Thresholds(50.0, 100.0), 60.0)])
    return network


def sample_rows():
    """Two hours of observations (the air station only for the first 30 minutes)."""
    from viewer.sensors.rows import ObservationRows

    minutes = np.arange(121)
    times = T0 + minutes * MINUTE
    ids, ts, values = [], [], []
    for key, series in (("canal.level", 1.0 + 0.01 * minutes), ("weather.rain", np.full(121, 2.0)),
                        ("weather.wind", 3.0 + np.sin(minutes / 10.0))):
        ids += [key] * len(times)
        ts.append(times)
        values.append(series)
    ids += ["air.pm25"] * 31
    ts.append(times[:31])
    values.append(np.full(31, 20.0))
    return ObservationRows(np.array(ids, dtype=object), np.concatenate(ts), np.concatenate(values))


def add_sample_sensors(project):
    """Add the sample network and data to ``project`` (replayed, paused at T0); returns the layer."""
    from viewer.commands.sensor_project import add_sensors

    layer = add_sensors(project, sample_network(), sample_rows())
    project.clock.jump(T0)
    project.sensor_status.refresh(project.clock.time_ns)
    return layer


def rgb_near(rgb, expected, tolerance: int = 12) -> bool:
    """Whether an (r, g, b) is within ``tolerance`` of ``expected`` in every channel."""
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(rgb[:3], expected))
