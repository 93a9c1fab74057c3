"""Values, levels, staleness and alarms at the clock's time."""

from __future__ import annotations

import numpy as np

from viewer.core.clock import NS
from viewer.core.observations import ObservationStore
from viewer.core.sensor_status import AlarmLog, SensorStatus, SourceDiagnostics
from viewer.core.sensors import (LEVEL_ALARM, LEVEL_NORMAL, LEVEL_WARNING, Datastream, SensorNetwork,
                                 Thing, Thresholds)

T0 = 1_760_918_400 * NS


def make() -> tuple[SensorNetwork, ObservationStore, AlarmLog, SensorStatus]:
    network = SensorNetwork()
    network.add(Thing("t1", "Trạm Cần Thơ"), [
        Datastream("level", "Mực nước", "t1", "m", "water_level", Thresholds(1.6, 1.9, "above"), 300),
        Datastream("oxygen", "Oxy hòa tan", "t1", "mg/L", "do", Thresholds(4.0, 2.0, "below"), 300)])
    store = ObservationStore()
    alarms = AlarmLog()
    return network, store, alarms, SensorStatus(network, store, alarms)


def test_threshold_levels_above_and_below():
    above = Thresholds(1.6, 1.9, "above").levels(np.array([1.0, 1.6, 1.95, np.nan]))
    below = Thresholds(4.0, 2.0, "below").levels(np.array([5.0, 3.0, 1.0]))
    assert list(above) == [LEVEL_NORMAL, LEVEL_WARNING, LEVEL_ALARM, LEVEL_NORMAL]
    assert list(below) == [LEVEL_NORMAL, LEVEL_WARNING, LEVEL_ALARM]


def test_rising_levels_raise_one_alarm_each_and_stale_after_three_intervals():
    network, store, alarms, status = make()
    store.append("level", T0 + np.arange(4) * 300 * NS, [1.0, 1.7, 1.8, 2.0])
    store.append("oxygen", [T0], [6.0])
    for k in range(4):
        status.refresh(T0 + k * 300 * NS)
    assert [(a.stream_id, a.level, a.value) for a in alarms.alarms] == [("level", 1, 1.7), ("level", 2, 2.0)]
    assert list(status.levels) == [LEVEL_ALARM, LEVEL_NORMAL]
    assert status.stale_ids() == []  # oxygen last reported 900 s ago: exactly 3 intervals
    status.refresh(T0 + 901 * NS)
    assert status.stale_ids() == ["oxygen"]
    alarms.acknowledge(alarms.alarms[0])
    assert len(alarms.unacknowledged) == 1


def test_going_back_in_time_does_not_raise_a_storm_of_alarms():
    network, store, alarms, status = make()
    store.append("level", T0 + np.arange(3) * 300 * NS, [2.0, 1.0, 2.0])
    status.refresh(T0)
    status.refresh(T0 + 300 * NS)
    status.refresh(T0 + 600 * NS)
    count = len(alarms.alarms)
    status.refresh(T0)  # the user jumps back
    assert len(alarms.alarms) == count


def test_diagnostics_counts_are_thread_safe_snapshots():
    diag = SourceDiagnostics("mqtt")
    import threading

    def work():
        for _ in range(1000):
            diag.count(received=1, accepted=1)
            diag.reject("malformed_json", "topic a: not JSON")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = diag.snapshot()
    assert snap["received"] == 4000 and snap["rejected"] == {"malformed_json": 4000}
    assert snap["last_problem"] == "topic a: not JSON"


def test_noise_around_a_limit_raises_one_alarm_not_hundreds():
    network, store, alarms, status = make()
    rng = np.random.default_rng(0)
    values = 1.6 + rng.normal(0, 0.02, 500)  # hovering on the 1.6 m warning limit
    values[-1] = 1.0  # then well below it
    values = np.append(values, 1.61)  # and up again: a new crossing
    times = T0 + np.arange(len(values), dtype=np.int64) * 60 * NS
    store.append("level", times, values)
    for t in times:
        status.refresh(int(t))
    assert [a.level for a in alarms.alarms] == [1, 1]
    assert Thresholds(1.6, 1.9, "above", deadband=0.1).release_limits() == (1.5, 1.7999999999999998)
