"""The observation store: order, duplicates, latest values, windows and downsampling."""

from __future__ import annotations

import numpy as np

from viewer.core.clock import NS
from viewer.core.observations import ObservationStore

T0 = 1_760_918_400 * NS


def test_in_order_appends_and_latest():
    store = ObservationStore()
    events = []
    store.appended.connect(events.append)
    r = store.append("a", [T0, T0 + 60 * NS], [1.0, 2.0])
    assert (r.accepted, r.duplicates, r.out_of_order) == (2, 0, 0)
    store.append("b", [T0 + 30 * NS], [5.0])
    values, times = store.latest(T0 + 59 * NS, ["a", "b", "missing"])
    assert values[0] == 1.0 and values[1] == 5.0 and np.isnan(values[2])
    assert times[0] == T0
    values, _ = store.latest(T0 - 1, ["a"])
    assert np.isnan(values[0])
    assert events == [{"a"}, {"b"}] and store.count() == 3
    assert store.time_range() == (T0, T0 + 60 * NS)


def test_duplicates_dropped_and_out_of_order_sorted_in():
    store = ObservationStore()
    store.append("a", [T0, T0 + 120 * NS], [1.0, 3.0])
    r = store.append("a", [T0 + 60 * NS, T0 + 120 * NS, T0 + 60 * NS], [2.0, 9.0, 7.0])
    assert (r.accepted, r.duplicates, r.out_of_order) == (1, 2, 1)
    t, v = store.window("a", T0, T0 + 200 * NS)
    assert list(v) == [1.0, 2.0, 3.0]  # first copy kept, existing value not overwritten
    assert list(np.diff(t)) == [60 * NS, 60 * NS]


def test_append_rows_groups_by_stream_and_emits_once():
    store = ObservationStore()
    events = []
    store.appended.connect(events.append)
    ids = np.array(["x", "y", "x", "y"], dtype=object)
    r = store.append_rows(ids, np.array([T0, T0, T0 + NS, T0]), np.array([1.0, 2.0, 3.0, 4.0]))
    assert r.accepted == 3 and r.duplicates == 1
    assert events == [{"x", "y"}]
    assert store.count("x") == 2 and store.count("y") == 1


def test_window_downsampling_keeps_the_peaks():
    store = ObservationStore()
    n = 7 * 24 * 60  # a week at one-minute steps
    times = T0 + np.arange(n, dtype=np.int64) * 60 * NS
    values = np.sin(np.arange(n) / 300.0)
    values[5000] = 42.0  # one spike
    store.append("a", times, values)
    t, v = store.window("a", T0, times[-1], max_points=1000)
    assert len(t) <= 1000 and np.all(np.diff(t) >= 0)
    assert v.max() == 42.0 and v.min() == values.min()
    t, v = store.window("a", times[10], times[19])
    assert len(t) == 10 and v[0] == values[10]
