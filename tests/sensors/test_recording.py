"""Recording folders: WAL records (torn and corrupt ones skipped), hourly Parquet segments rolled
when an hour is complete and merged when an hour is continued, crash recovery, and the files
readable by pandas/pyarrow."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

from viewer.sensors.recording import ReadStats, Recorder, read_recording, write_recording
from viewer.sensors.rows import ObservationRows
from viewer.sensors.segments import segment_name
from viewer.sensors.wal import WalStats, WalWriter, encode_record, read_wal

NS = 1_000_000_000
H10 = 1_795_428_000 * NS  # 2026-11-23T10:00:00Z


def rows_at(stream: str, seconds: list[float], value0: float = 0.0) -> ObservationRows:
    n = len(seconds)
    return ObservationRows(np.array([stream] * n, dtype=object), H10 + (np.array(seconds) * NS).astype(np.int64),
                           value0 + np.arange(n, dtype=float))


def as_set(rows: ObservationRows) -> set[tuple[str, int, float]]:
    return set(zip(rows.stream_ids.tolist(), rows.times_ns.tolist(), rows.values.tolist()))


def test_segment_name_is_the_utc_hour():
    assert segment_name(H10) == "20261123T10.parquet"


def test_wal_round_trip_keeps_every_column(tmp_path):
    rows = ObservationRows(np.array(["a", "bé", "a"], dtype=object), np.array([3, 1, 2]),
                           np.array([1.5, -2.0, np.pi]), np.array([0, 1, 2], dtype=np.int8))
    writer = WalWriter(tmp_path / "1.wal")
    writer.append(rows)
    writer.append(rows_at("c", [0]))
    writer.close()
    back = read_wal(tmp_path / "1.wal")
    assert back.stream_ids.tolist() == ["a", "bé", "a", "c"]
    assert back.times_ns.tolist()[:3] == [3, 1, 2] and back.values.tolist()[:3] == [1.5, -2.0, np.pi]
    assert back.quality.tolist() == [0, 1, 2, 0]


def test_torn_last_wal_record_is_skipped_and_counted(tmp_path):
    folder = tmp_path / "rec"
    (folder / "wal").mkdir(parents=True)
    good = [rows_at("a", [i]) for i in range(5)]
    data = b"".join(encode_record(r) for r in good) + encode_record(rows_at("a", [99]))[:-7]
    (folder / "wal" / "00000001.wal").write_bytes(data)
    stats = ReadStats()
    _, rows = read_recording(folder, stats=stats)
    assert rows.times_ns.tolist() == [H10 + i * NS for i in range(5)]
    assert stats.wal.records == 5 and stats.wal.bad_records == 1


def test_corrupt_middle_wal_record_is_skipped_and_reading_resumes(tmp_path):
    records = [bytearray(encode_record(rows_at("a", [i]))) for i in range(4)]
    records[1][-3] ^= 0xFF  # a flipped bit in a value: the CRC catches it
    path = tmp_path / "x.wal"
    path.write_bytes(b"".join(records))
    stats = WalStats()
    rows = read_wal(path, stats)
    assert rows.times_ns.tolist() == [H10, H10 + 2 * NS, H10 + 3 * NS]
    assert (stats.records, stats.bad_records) == (3, 1)


def test_recorder_rolls_an_hour_once_complete(tmp_path, network):
    folder = tmp_path / "rec"
    recorder = Recorder(folder, network, grace_s=60, min_roll_interval_s=0)
    try:
        recorder.write(rows_at("rain1", [0, 1800, 3599]))
        recorder.write(rows_at("rain1", [3600 + 30], 10))  # 11:00:30, within the grace: no roll
        assert not list((folder / "segments").glob("*.parquet"))
        recorder.write(rows_at("rain1", [3600 + 90], 20))  # 11:01:30: hour 10 is complete
        segment = folder / "segments" / "20261123T10.parquet"
        assert segment.exists()
        frame = pd.read_parquet(segment)
        assert frame["value"].tolist() == [0.0, 1.0, 2.0]
        assert str(frame["time"].dtype) == "datetime64[ns, UTC]" and frame["quality"].dtype == np.int8
        wal_files = list((folder / "wal").glob("*.wal"))
        assert len(wal_files) == 1 and read_wal(wal_files[0]).values.tolist() == [10.0, 20.0]
        # A late row for hour 10 waits in the WAL, then is merged into the hour's segment.
        recorder.write(rows_at("rain1", [900], 5))
        recorder.write(rows_at("rain1", [2 * 3600 + 120], 30))
        assert pd.read_parquet(segment)["value"].tolist() == [0.0, 5.0, 1.0, 2.0]
        assert recorder.pending_rows() == 1
    finally:
        recorder.close()
    assert not list((folder / "wal").glob("*.wal"))
    names = sorted(p.name for p in (folder / "segments").glob("*.parquet"))
    assert names == ["20261123T10.parquet", "20261123T11.parquet", "20261123T12.parquet"]
    _, rows = read_recording(folder)
    assert rows.values.tolist() == [0.0, 5.0, 1.0, 2.0, 10.0, 20.0, 30.0]


def test_continuing_an_hour_merges_its_segment_and_drops_repeats(tmp_path, network):
    folder = tmp_path / "rec"
    with Recorder(folder, network) as recorder:
        recorder.write(rows_at("rain1", [0, 60, 120]))
    with Recorder(folder, network) as recorder:
        recorder.write(rows_at("rain1", [120, 180], 100))  # 120 repeats: the first value stays
        recorder.write(rows_at("wind1", [60], 7))
    frame = pd.read_parquet(folder / "segments" / "20261123T10.parquet")
    assert list(frame["stream_id"]) == ["rain1", "rain1", "wind1", "rain1", "rain1"]
    assert frame["value"].tolist() == [0.0, 1.0, 7.0, 2.0, 101.0]
    assert frame["time"].is_monotonic_increasing


def test_recorder_recovers_a_wal_left_by_a_crash(tmp_path, network):
    folder = tmp_path / "rec"
    write_recording(folder, network, rows_at("rain1", [0]))
    writer = WalWriter(folder / "wal" / "00000007.wal")  # what a killed recorder leaves behind
    writer.append(rows_at("rain1", [60, 120], 1))
    writer.close()
    with Recorder(folder) as recorder:
        assert recorder.pending_rows() == 2
        recorder.write(rows_at("rain1", [180], 3))
    assert "rain1" in read_recording(folder)[0].datastreams  # the metadata is kept
    assert not list((folder / "wal").glob("*.wal"))
    _, rows = read_recording(folder)
    assert rows.values.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_rows_in_both_a_segment_and_the_wal_are_read_once(tmp_path, network):
    folder = tmp_path / "rec"
    write_recording(folder, network, rows_at("rain1", [0, 60]))
    writer = WalWriter(folder / "wal" / "00000001.wal")  # a crash between segment and WAL rotation
    writer.append(rows_at("rain1", [0, 60, 120]))
    writer.close()
    stats = ReadStats()
    _, rows = read_recording(folder, stats=stats)
    assert rows.times_ns.tolist() == [H10, H10 + 60 * NS, H10 + 120 * NS] and stats.duplicates == 2


def test_write_and_read_recording_with_metadata_and_time_filter(tmp_path, network):
    folder = tmp_path / "rec"
    rows = ObservationRows.concat([rows_at("rain1", np.arange(0, 3 * 3600, 600).tolist()),
                                   rows_at("wind1", np.arange(0, 3 * 3600, 900).tolist(), 50)])
    write_recording(folder, network, rows, source_info={"kind": "test", "note": None})
    meta = tomllib.loads((folder / "recording.toml").read_text())
    assert meta["format"] == "citytwin-recording" and meta["version"] == 1 and meta["source"] == {"kind": "test"}
    back_network, back = read_recording(folder)
    assert set(back_network.datastreams) == set(network.datastreams)
    assert back_network.datastreams["canal1_level"].thresholds.alarm == 1.9
    assert as_set(back) == as_set(rows) and np.all(np.diff(back.times_ns) >= 0)
    _, part = read_recording(folder, start_ns=H10 + 3600 * NS, end_ns=H10 + 7200 * NS)
    assert part.times_ns.min() == H10 + 3600 * NS and part.times_ns.max() == H10 + 7200 * NS
    assert len(part) == 7 + 5


def test_not_a_recording_is_refused(tmp_path):
    (tmp_path / "recording.toml").write_text('format = "something-else"\n')
    with pytest.raises(ValueError, match="not a CityTwin recording"):
        read_recording(tmp_path)


def test_recorder_fsyncs_in_the_background_and_stops_its_thread(tmp_path, network, no_thread_leak, wait_until):
    recorder = Recorder(tmp_path / "rec", network, sync_interval_s=0.05)
    try:
        recorder.write(rows_at("rain1", [0]))
        wait_until(lambda: not recorder._wal.dirty, 2.0, "the background fsync")
    finally:
        recorder.close()
    with pytest.raises(RuntimeError):
        recorder.write(rows_at("rain1", [1]))
