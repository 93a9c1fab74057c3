"""Observations from a real SensorThings server: paging, time filters, client-side order."""

from __future__ import annotations

import numpy as np
import pytest
from .sta_testserver import DUPLICATE_STEPS, MINUTE_NS, START, STEPS

from viewer.commands.sensor_sta import attach_sensorthings
from viewer.core.progress import Cancelled, Progress
from viewer.core.project import Project
from viewer.core.sensor_status import SourceDiagnostics
from viewer.sensors.sensorthings import SensorThingsClient, entity_key, ns_from_iso

T0 = ns_from_iso(START)


def _expected(times: np.ndarray, start: int | None, end: int | None) -> np.ndarray:
    keep = np.ones(times.size, dtype=bool)
    if start is not None:
        keep &= times >= start
    if end is not None:
        keep &= times <= end
    return times[keep]


def test_whole_history_equals_what_was_posted(sta_server, full_history) -> None:
    stream_id = full_history["stream_id"]
    times, values = sta_server.posted[stream_id]
    rows = full_history["rows"]
    assert len(rows) == STEPS + len(DUPLICATE_STEPS)
    assert set(rows.stream_ids) == {stream_id}
    np.testing.assert_array_equal(rows.times_ns, times)
    # Same-time pairs may come in either order: compare (time, value) pairs sorted.
    got, want = np.lexsort((rows.values, rows.times_ns)), np.lexsort((values, times))
    np.testing.assert_array_equal(rows.values[got], values[want])
    assert np.all(rows.quality == 0)
    snapshot = full_history["diagnostics"]
    assert snapshot["accepted"] == STEPS + len(DUPLICATE_STEPS)
    # The only rejections: rows this server repeats on two pages (same @iot.id), kept once;
    # the refused $top=1000 is not counted (the client asked again with the server's limit).
    assert set(snapshot["rejected"]) <= {"repeated_id"}
    assert snapshot["received"] - snapshot["accepted"] == sum(snapshot["rejected"].values())
    print(f"\nwhole history: {snapshot['accepted']} observations in {full_history['seconds']:.1f} s")


def test_server_order_is_not_time_order_but_the_rows_are(sta_server, full_history) -> None:
    stream_id = full_history["stream_id"]
    client = SensorThingsClient(sta_server.base_url)
    first = client.get_json(f"Datastreams({entity_key(stream_id)})/Observations", {"$top": 5})
    server_times = [ns_from_iso(o["phenomenonTime"]) for o in first["value"]]
    assert server_times != sorted(server_times)  # this server answers newest first
    assert np.all(np.diff(full_history["rows"].times_ns) >= 0)


def test_same_time_observations_are_all_kept(sta_server, full_history) -> None:
    times, values = sta_server.posted[full_history["stream_id"]]
    rows = full_history["rows"]
    for step in DUPLICATE_STEPS:
        at = rows.values[rows.times_ns == T0 + step * MINUTE_NS]
        assert len(at) == 2 and sorted(at) == sorted(values[times == T0 + step * MINUTE_NS])
    rain_id = sta_server.streams["rain"]
    step = DUPLICATE_STEPS[1]
    rain = SensorThingsClient(sta_server.base_url).observations(
        rain_id, T0 + step * MINUTE_NS, T0 + step * MINUTE_NS)
    rain_times, rain_values = sta_server.posted[rain_id]
    assert sorted(rain.values) == sorted(rain_values[rain_times == T0 + step * MINUTE_NS])
    assert len(rain) == 2


@pytest.mark.parametrize(("start", "end", "rounded_in"), [
    (T0 + 90 * MINUTE_NS, T0 + 160 * MINUTE_NS, 0),                    # inclusive bounds, one same-time pair
    # Bounds between observations; the end, asked to the microsecond (rounded up), lets the pair
    # at minute 100 through, and the client drops it.
    (T0 + 90 * MINUTE_NS + 30 * 10**9, T0 + 100 * MINUTE_NS - 1, 2),
    (T0 + (STEPS - 25) * MINUTE_NS, None, 0),                         # open end
    (None, T0 + 12 * MINUTE_NS, 0),                                    # open start
])
def test_time_window_returns_exactly_the_posted_observations(sta_server, start, end, rounded_in) -> None:
    diagnostics = SourceDiagnostics("sta")
    client = SensorThingsClient(sta_server.base_url, diagnostics=diagnostics)
    for stream_id, (times, _values) in sta_server.posted.items():
        rows = client.observations(stream_id, start, end, page_size=20)
        np.testing.assert_array_equal(rows.times_ns, _expected(times, start, end))
    assert diagnostics.snapshot()["rejected"].get("outside_window", 0) == 2 * rounded_in


def test_progress_follows_pages_and_cancel_stops(sta_server) -> None:
    stream_id = sta_server.streams["rain"]
    client = SensorThingsClient(sta_server.base_url)
    fractions: list[float] = []
    client.observations(stream_id, T0, T0 + 59 * MINUTE_NS, page_size=20,
                        progress=Progress(lambda f, _m: fractions.append(f)))
    assert fractions == sorted(fractions) and len(fractions) >= 3 and fractions[-1] == 1.0

    progress = Progress(lambda _f, _m: progress.cancel())
    with pytest.raises(Cancelled):
        client.observations(stream_id, T0, T0 + 59 * MINUTE_NS, page_size=20, progress=progress)


def test_attach_sensorthings_reads_network_and_history_window(sta_server) -> None:
    from viewer.readers.reproject import transform_xy

    project = Project(crs="EPSG:5897")
    start, end = T0 + 600 * MINUTE_NS, T0 + 700 * MINUTE_NS
    fractions: list[float] = []
    network, rows = attach_sensorthings(project, sta_server.base_url, start, end,
                                        progress=Progress(lambda f, _m: fractions.append(f)))
    assert set(network.datastreams) == set(sta_server.streams.values())
    for stream_id, (times, _values) in sta_server.posted.items():
        got = rows.times_ns[rows.stream_ids == stream_id]
        np.testing.assert_array_equal(got, _expected(times, start, end))
    assert len(rows) == 2 * 101
    station = network.things[sta_server.things["water"]]
    x, y = transform_xy(np.array([station.lon]), np.array([station.lat]), "EPSG:4326", "EPSG:5897")
    assert (station.x, station.y) == pytest.approx((x[0], y[0]), abs=1e-6)
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert len(project.sensors.datastreams) == 0  # the caller adds them on the GUI thread
