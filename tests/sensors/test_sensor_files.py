"""``citytwin sensors import`` / ``info`` as commands: a real table into a recording folder and
back, and the text ``info`` prints."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import pytest

from viewer.commands.sensor_files import import_sensors, iso_utc, sensors_info
from viewer.core.clock import NS
from viewer.core.progress import Cancelled, Progress
from viewer.core.sensors import QUALITY_BAD, QUALITY_GOOD
from viewer.sensors.recording import read_metadata, read_recording
from viewer.sensors.table_import import TimeZoneRequired


def ns(text: str) -> int:
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()) * NS


def excerpt(source: Path, target: Path, first: int, count: int) -> Path:
    """The header and ``count`` data lines from line ``first`` of a real (maybe gzip'd) CSV:
    a full import writes one segment per hour, too many files for a quick test."""
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines(keepends=True)
    target.write_text("".join([lines[0], *lines[1 + first: 1 + first + count]]), encoding="utf-8")
    return target


def test_iso_utc() -> None:
    assert iso_utc(ns("2015-12-31T18:00:00Z")) == "2015-12-31T18:00:00Z"
    assert iso_utc(ns("2015-12-31T18:00:00Z") + 250_000_000) == "2015-12-31T18:00:00.25Z"
    assert iso_utc(-NS) == "1969-12-31T23:59:59Z"


def test_import_hanoi_into_a_recording_and_describe_it(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "vietnam" / "hanoi_us_embassy_pm25_airnow" / "Hanoi_PM2.5_2016_YTD.csv"
    # Rows 0-107: local 2016-01-01 01:00 to 2016-01-05 12:00; the monitor was down (QC
    # "Missing", -999) from 10:00 on the 1st to 12:00 on the 4th: 75 rows.
    table = excerpt(source, tmp_path / "hanoi.csv", 0, 108)
    out = tmp_path / "recording"
    with pytest.raises(TimeZoneRequired):
        import_sensors(table, out, layout="long", sensor_column="Site", value_column="Raw Conc.")
    assert not out.exists()
    fractions: list[float] = []
    report = import_sensors(table, out, tz="+07:00", layout="long", sensor_column="Site",
                            value_column="Raw Conc.", progress=Progress(lambda f, m: fractions.append(f)))
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert (report.rows_read, report.kept, report.dropped) == (108, 33, {"missing_value": 75})
    assert report.segments == 33 and report.time_zone == "+07:00"
    assert [(s.id, s.unit, s.count) for s in report.streams] == [("Hanoi", "µg/m³", 33)]
    assert report.streams[0].first_ns == ns("2015-12-31T18:00:00Z")
    assert report.streams[0].last_ns == ns("2016-01-05T05:00:00Z")
    text = str(report)
    assert "kept 33" in text and "missing_value 75" in text and "time zone +07:00" in text

    network, rows = read_recording(out)
    assert len(rows) == 33 and network.datastreams["Hanoi"].unit == "µg/m³"
    assert float(rows.values[0]) == 94.7 and int(rows.times_ns[0]) == ns("2015-12-31T18:00:00Z")
    gap = np.diff(rows.times_ns) // NS
    assert gap.max() == (3 * 24 + 4) * 3600  # 02:00Z on the 1st to 06:00Z on the 4th, not filled
    _, info = read_metadata(out)
    assert info["kind"] == "import" and info["files"] == ["hanoi.csv"] and info["time_zone"] == "+07:00"

    lines = sensors_info(out).splitlines()
    row = next(line for line in lines if line.startswith("Hanoi"))
    assert row.split() == ["Hanoi", "Hanoi", "µg/m³", "33", "2015-12-31T18:00:00Z",
                           "2016-01-05T05:00:00Z"]
    assert lines[-1] == ("total: 1 things, 1 datastreams, 33 observations, "
                         "2015-12-31T18:00:00Z to 2016-01-05T05:00:00Z")


def test_import_keeps_gaps_and_flags(shared_data: Path, tmp_path: Path) -> None:
    sst = shared_data / "sensors" / "bokeh_sea_surface_temperature" / "sea_surface_temperature.csv.gz"
    # Rows 6905-6924 straddle the 12-hour gap after 2016-07-08T01:30Z.
    table = excerpt(sst, tmp_path / "sst.csv", 6905, 20)
    report = import_sensors(table, tmp_path / "sst")
    assert report.kept == 20 and report.time_zone == "from the values"
    _, rows = read_recording(tmp_path / "sst")
    steps = np.diff(rows.times_ns) // NS
    assert sorted(set(steps)) == [1800, 43200]
    assert report.segments == len(np.unique(rows.times_ns // (3600 * NS)))

    airnow = tmp_path / "flags.csv"
    airnow.write_text("Site,Date (LT),Raw Conc.,QC Name\n"
                      "Hanoi,2016-01-01 01:00 AM,94.7,Valid\n"
                      "Hanoi,2016-01-01 02:00 AM,-999,Missing\n"
                      "Hanoi,2016-01-01 03:00 AM,-15,Invalid\n", encoding="utf-8")
    report = import_sensors(airnow, tmp_path / "flags", tz="Asia/Ho_Chi_Minh", units="µg/m³")
    assert report.layout == "long" and report.dropped == {"missing_value": 1}
    assert report.quality_counts == {QUALITY_GOOD: 1, QUALITY_BAD: 1}
    _, rows = read_recording(tmp_path / "flags")
    assert rows.quality.tolist() == [QUALITY_GOOD, QUALITY_BAD]


def test_import_can_be_cancelled(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("time,a\n2025-10-20T00:00:00Z,1\n", encoding="utf-8")
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        import_sensors(table, tmp_path / "out", progress=progress)
    assert not (tmp_path / "out").exists()


def test_info_of_the_demo_storm(demo_dir: Path) -> None:
    text = sensors_info(demo_dir / "sensors")
    lines = text.splitlines()
    assert "synthetic = True" in lines[1]
    level = next(line.split() for line in lines if line.startswith("khai_luong.water_level"))
    assert level[-4:] == ["m", "576", "2025-10-20T00:00:00Z", "2025-10-21T23:55:00Z"]
    wind = next(line.split() for line in lines if line.startswith("gio_dhct.wind_speed"))
    assert wind[-3:] == ["2880", "2025-10-20T00:00:00Z", "2025-10-21T23:59:00Z"]
    assert lines[-1].startswith("total: 10 things, 11 datastreams, 10932 observations")
    with pytest.raises(FileNotFoundError):
        sensors_info(demo_dir / "no_such_recording")
