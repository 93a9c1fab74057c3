"""Validation against the sensor network: unknown datastreams, NaN, future times beyond the
clock skew, unit conversion or rejection; and the diagnostics bookkeeping."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

from viewer.core.observations import ObservationStore
from viewer.core.sensor_status import SourceDiagnostics
from viewer.sensors.ingest_buffer import IngestBuffer
from viewer.sensors.payloads import ParsedMessage, Rejection
from viewer.sensors.rows import ObservationRows
from viewer.sensors.validation import RejectionLog, Validator, count_append, unit_converter

NS = 1_000_000_000
NOW = 1_795_453_200 * NS


def message(ids, values, units=None, times=None) -> ParsedMessage:
    n = len(ids)
    times = [NOW - 60 * NS] * n if times is None else times
    rows = ObservationRows(np.array(ids, dtype=object), np.array(times, dtype=np.int64),
                           np.array(values, dtype=float))
    return ParsedMessage("citytwin/test", rows, np.array(units or [""] * n, dtype=object), [], n)


def validator(network, **kw) -> Validator:
    return Validator(network, now=lambda: NOW, **kw)


def test_unknown_datastream_is_rejected_and_known_kept(network):
    rows, rejected = validator(network).validate(message(["rain1", "nosuch", "rain1"], [1.0, 2.0, 3.0]))
    assert rows.values.tolist() == [1.0, 3.0]
    assert [(r.reason, r.n) for r in rejected] == [("unknown_stream", 1)]
    assert "nosuch" in rejected[0].detail and "citytwin/test" in rejected[0].detail


def test_nan_and_infinity_are_rejected(network):
    rows, rejected = validator(network).validate(message(["rain1"] * 3, [1.0, np.nan, np.inf]))
    assert rows.values.tolist() == [1.0] and [(r.reason, r.n) for r in rejected] == [("not_a_number", 2)]


def test_future_beyond_the_skew_is_rejected_within_it_kept(network):
    times = [NOW + 200 * NS, NOW + 400 * NS, NOW - 10 * NS]
    rows, rejected = validator(network, max_skew_s=300).validate(message(["rain1"] * 3, [1, 2, 3], times=times))
    assert rows.values.tolist() == [1.0, 3.0]
    assert [(r.reason, r.n) for r in rejected] == [("future_time", 1)]
    assert "400 s ahead" in rejected[0].detail


@pytest.mark.parametrize("unit, value, expected", [
    ("cm", 125.0, 1.25), ("mm", 1250.0, 1.25), ("m", 1.25, 1.25), ("km", 0.00125, 1.25), ("meter", 1.25, 1.25)])
def test_length_units_are_converted(network, unit, value, expected):
    rows, rejected = validator(network).validate(message(["canal1_level"], [value], [unit]))
    assert rows.values == pytest.approx([expected]) and not rejected


def test_speed_and_temperature_conversions(network):
    rows, _ = validator(network).validate(message(["wind1", "temp1", "temp1"], [36.0, 212.0, 20.0],
                                                   ["km/h", "°F", "Cel"]))
    assert rows.values == pytest.approx([10.0, 100.0, 20.0])


def test_temperature_conversion_can_be_refused(network):
    rows, rejected = validator(network, temperature=False).validate(message(["temp1"], [68.0], ["°F"]))
    assert len(rows) == 0 and rejected[0].reason == "wrong_unit"


def test_wrong_unit_is_rejected_and_the_rest_kept(network):
    rows, rejected = validator(network).validate(message(["canal1_level", "canal1_level", "wind1"],
                                                         [1.0, 2.0, 3.0], ["m/s", "m", ""]))
    assert rows.stream_ids.tolist() == ["canal1_level", "wind1"] and rows.values.tolist() == [2.0, 3.0]
    assert [(r.reason, r.n) for r in rejected] == [("wrong_unit", 1)]
    assert "'m'" in rejected[0].detail and "'m/s'" in rejected[0].detail


def test_unit_converter_knows_no_conversion_across_dimensions():
    assert unit_converter("m", "m/s") is None and unit_converter("furlong", "m") is None
    assert unit_converter("ug/m3", "µg/m³")(np.array([5.0])).tolist() == [5.0]


def test_create_unknown_adds_a_datastream_with_the_stated_unit(network):
    v = validator(network, create_unknown=True)
    rows, rejected = v.validate(message(["newgauge"], [1.0], ["Cel"]))
    assert len(rows) == 1 and not rejected
    assert network.datastreams["newgauge"].unit == "°C" and "newgauge" in network.things


def test_count_append_moves_duplicates_and_counts_out_of_order():
    diagnostics, store = SourceDiagnostics("test"), ObservationStore()
    diagnostics.count(received=3, accepted=3)
    count_append(diagnostics, store.append("a", [10, 20, 30], [1, 2, 3]))
    diagnostics.count(received=3, accepted=3)
    count_append(diagnostics, store.append("a", [20, 5, 40], [9, 0.5, 4]))  # 20 repeats, 5 is late
    snap = diagnostics.snapshot()
    assert snap["accepted"] == 5 and snap["rejected"] == {"duplicate": 1, "out_of_order": 1}
    assert snap["received"] == snap["accepted"] + snap["rejected"]["duplicate"]
    assert store.window("a", 0, 100)[1].tolist() == [0.5, 1, 2, 3, 4]  # the first value at 20 stays


def test_rejection_log_counts_everything_but_logs_once_per_reason(caplog):
    diagnostics = SourceDiagnostics("test")
    log = RejectionLog(diagnostics, logging.getLogger("test.rejections"))
    with caplog.at_level(logging.WARNING, logger="test.rejections"):
        for _ in range(50):
            log.add([Rejection("not_a_number", "topic 't': value is NaN", 2)])
    assert diagnostics.snapshot()["rejected"] == {"not_a_number": 100}
    assert len(caplog.records) == 1 and "not_a_number" in caplog.text


def test_ingest_buffer_hands_over_every_row_between_threads():
    buffer, drained = IngestBuffer(), []

    def feed(k: int) -> None:
        for i in range(200):
            buffer.put(ObservationRows(np.array([f"s{k}"], dtype=object), np.array([i]), np.array([float(i)])))

    threads = [threading.Thread(target=feed, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) or buffer.pending():
        drained.append(buffer.drain())
    for t in threads:
        t.join()
    rows = ObservationRows.concat(drained)
    assert len(rows) == 800 and buffer.pending() == 0
    for k in range(4):
        assert rows.times_ns[rows.stream_ids == f"s{k}"].tolist() == list(range(200))  # in order


def test_ingest_buffer_bound_drops_oldest_batches():
    buffer = IngestBuffer(max_rows=10)
    for i in range(5):
        buffer.put(ObservationRows(np.array(["a"] * 4, dtype=object), np.arange(4) + 4 * i, np.zeros(4)))
    assert buffer.pending() == 8 and buffer.dropped == 12
    assert buffer.drain().times_ns.tolist() == list(range(12, 20))
