"""CSV/Parquet sensor table import: real series from ../shared/data (counts, UTC times, units, QC
flags, gaps, replay on the clock) and small made-up tables for each rule."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import pytest

from viewer.core.clock import NS, Clock
from viewer.core.observations import ObservationStore
from viewer.core.sensors import QUALITY_BAD, QUALITY_GOOD, QUALITY_SUSPECT
from viewer.sensors.table_import import TableImportError, TimeZoneRequired, import_table


def ns(text: str) -> int:
    """ns UTC of an ISO time with Z."""
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()) * NS


def value_at(result, stream: str, iso: str) -> tuple[float, int]:
    rows = result.rows
    hit = (rows.stream_ids == stream) & (rows.times_ns == ns(iso))
    assert hit.sum() == 1, f"{stream} has {hit.sum()} rows at {iso}"
    return float(rows.values[hit][0]), int(rows.quality[hit][0])


# ---- real series ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hanoi_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "vietnam" / "hanoi_us_embassy_pm25_airnow").glob("*.csv"))
    assert len(files) == 5
    return files


@pytest.fixture(scope="module")
def hanoi(hanoi_files: list[Path]):
    return import_table(hanoi_files, tz="+07:00", layout="long", sensor_column="Site",
                        value_column="Raw Conc.")


def test_hanoi_counts_and_qc_flags(hanoi, hanoi_files: list[Path]) -> None:
    # Independent count with the csv module: QC names and repeated local times.
    qc, seen, repeats = {}, set(), 0
    for path in hanoi_files:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                qc[row["QC Name"]] = qc.get(row["QC Name"], 0) + 1
                key = row["Date (LT)"]
                if key in seen and row["QC Name"] != "Missing":
                    repeats += 1
                seen.add(key)
    assert qc == {"Valid": 31856, "Missing": 716, "Invalid": 291, "Suspect": 29}  # MANIFEST.md
    assert hanoi.rows_read == hanoi.values_read == 32892
    assert repeats == 4  # the US-DST 03:00 repeated each March: kept once
    assert hanoi.dropped == {"missing_value": 716, "duplicate_time": 4}
    assert hanoi.kept == 32892 - 716 - 4
    assert hanoi.quality_counts == {QUALITY_GOOD: 31856 - 4, QUALITY_SUSPECT: 29, QUALITY_BAD: 291}
    assert not np.any(hanoi.rows.values == -999.0)


def test_hanoi_local_time_becomes_utc(hanoi) -> None:
    assert hanoi.layout == "long" and hanoi.time_column == "Date (LT)"
    assert hanoi.time_zone == "+07:00"
    # Local 2016-01-01 01:00 (UTC+7) is 2015-12-31T18:00Z; value 94.7, Valid.
    assert int(hanoi.rows.times_ns[0]) == ns("2015-12-31T18:00:00Z")
    assert value_at(hanoi, "Hanoi", "2015-12-31T18:00:00Z") == (94.7, QUALITY_GOOD)
    assert int(hanoi.rows.times_ns[-1]) == ns("2020-07-31T17:00:00Z")  # local 2020-08-01 00:00
    # "2019-10-07 10:00 PM" local, 80.0, Suspect.
    assert value_at(hanoi, "Hanoi", "2019-10-07T15:00:00Z") == (80.0, QUALITY_SUSPECT)
    stream = hanoi.network.datastreams["Hanoi"]
    assert stream.unit == "µg/m³"            # from the "Conc. Unit" column, UG/M3
    assert stream.observed_property == "pm25"  # from the "Parameter" column
    assert stream.expected_interval_s == 3600.0
    assert np.all(np.diff(hanoi.rows.times_ns) > 0)


def test_hanoi_zone_by_name_and_required(hanoi_files: list[Path]) -> None:
    named = import_table(hanoi_files[3], tz="Asia/Ho_Chi_Minh", layout="long",
                         sensor_column="Site", value_column="Raw Conc.")
    assert int(named.rows.times_ns[0]) == ns("2019-10-07T14:00:00Z")  # local 21:00
    with pytest.raises(TimeZoneRequired) as caught:
        import_table(hanoi_files[3], layout="long", sensor_column="Site", value_column="Raw Conc.")
    message = str(caught.value)
    assert "Hanoi_PM2.5_2019_YTD.csv" in message and "'Date (LT)'" in message and "tz" in message


def test_hanoi_replay_follows_recorded_values(hanoi) -> None:
    store = ObservationStore()
    rows = hanoi.rows
    result = store.append_rows(rows.stream_ids, rows.times_ns, rows.values, rows.quality)
    assert result.accepted == hanoi.kept and result.duplicates == 0
    clock = Clock()
    first, last = store.time_range()
    clock.replay(first, last, speed=1000.0)
    assert clock.time_ns == ns("2015-12-31T18:00:00Z")
    seen = []
    for _ in range(3):
        value, when = store.latest(clock.time_ns, ["Hanoi"])
        seen.append((float(value[0]), int(when[0])))
        clock.step(3600)
    assert seen == [(94.7, ns("2015-12-31T18:00:00Z")), (88.7, ns("2015-12-31T19:00:00Z")),
                    (value_at(hanoi, "Hanoi", "2015-12-31T20:00:00Z")[0], ns("2015-12-31T20:00:00Z"))]
    # Playing: 3.6 wall seconds at 1000x are one hour of data.
    clock.jump(ns("2017-06-01T00:00:00Z"))
    clock.playing = True
    clock.advance(3.6)
    value, when = store.latest(clock.time_ns, ["Hanoi"])
    assert int(when[0]) == ns("2017-06-01T01:00:00Z")
    assert float(value[0]) == value_at(hanoi, "Hanoi", "2017-06-01T01:00:00Z")[0]
    clock.jump(last + 10 * NS)
    assert clock.time_ns == last  # clamped to the replay range


@pytest.fixture(scope="module")
def fremont_csv(shared_data: Path) -> Path:
    return shared_data / "sensors" / "seattle_fremont_bridge_bike_counts" / "FremontBridge.csv"


def test_fremont_wide_with_daylight_saving(fremont_csv: Path) -> None:
    result = import_table(fremont_csv, tz="America/Los_Angeles")
    assert result.layout == "wide" and result.time_column == "Date"
    assert set(result.network.datastreams) == {"fremont_bridge_east_sidewalk",
                                               "fremont_bridge_west_sidewalk"}
    assert result.rows_read == 55488 and result.values_read == 2 * 55488
    # 6 spring-forward 02:00 rows do not exist in Seattle time, 7 fall-back 01:00 rows are
    # ambiguous: both counted, never guessed. 9 empty cells per column, 5 of them at 02:00.
    assert result.dropped == {"nonexistent_local_time": 12, "ambiguous_local_time": 14,
                              "missing_value": 8}
    assert result.kept == 2 * 55488 - 34
    assert int(result.rows.times_ns[0]) == ns("2012-10-03T07:00:00Z")   # 00:00 PDT
    assert int(result.rows.times_ns[-1]) == ns("2019-02-01T07:00:00Z")  # 23:00 PST
    assert value_at(result, "fremont_bridge_east_sidewalk", "2019-02-01T07:00:00Z")[0] == 7.0
    assert value_at(result, "fremont_bridge_west_sidewalk", "2019-02-01T07:00:00Z")[0] == 6.0
    # Summer rows are 7 h behind UTC: "07/01/2018 12:00:00 PM" -> 19:00Z.
    summer = value_at(result, "fremont_bridge_east_sidewalk", "2018-07-01T19:00:00Z")[0]
    fixed = import_table(fremont_csv, tz="-08:00", units="count")
    assert fixed.dropped == {"missing_value": 18}
    assert value_at(fixed, "fremont_bridge_east_sidewalk", "2018-07-01T20:00:00Z")[0] == summer
    # No unit anywhere: said, not invented.
    assert all(s.unit == "" for s in result.network.datastreams.values())
    assert any("no unit known" in w for w in result.warnings)
    assert all(s.unit == "count" for s in fixed.network.datastreams.values())
    assert not any("no unit" in w for w in fixed.warnings)


def test_sea_surface_temperature_gaps_stay_gaps(shared_data: Path) -> None:
    path = shared_data / "sensors" / "bokeh_sea_surface_temperature" / "sea_surface_temperature.csv.gz"
    with gzip.open(path, "rt", newline="") as handle:
        raw = [row["time (UTC)"] for row in csv.DictReader(handle)]
    result = import_table(path)  # "Z" in the values: no zone to state
    assert result.time_zone == "from the values"
    assert result.rows_read == len(raw) == 19226
    assert result.dropped == {"duplicate_time": 1}       # 2017-03-21T16:30Z appears twice
    assert result.kept == len(set(raw)) == 19225
    stream = result.network.datastreams["temperature"]
    assert stream.unit == "°C" and stream.expected_interval_s == 1800.0
    times = result.rows.times_ns
    assert int(times[0]) == ns("2016-02-15T00:00:00Z") and int(times[-1]) == ns("2017-03-22T00:00:00Z")
    steps = np.diff(times)
    # Exactly the steps of the file: 30 minutes, one of 1 h, one of 12 h; nothing filled in.
    assert sorted(set(steps // NS)) == [1800, 3600, 43200]
    assert int((steps == 43200 * NS).sum()) == 1 and int((steps == 3600 * NS).sum()) == 1
    gap = (times > ns("2016-07-08T01:30:00Z")) & (times < ns("2016-07-08T13:30:00Z"))
    assert not gap.any()
    store = ObservationStore()
    store.append("temperature", times, result.rows.values)
    clock = Clock()
    clock.replay(int(times[0]), int(times[-1]))
    clock.jump(ns("2016-07-08T07:00:00Z"))
    value, when = store.latest(clock.time_ns, ["temperature"])
    assert (float(value[0]), int(when[0])) == (15.63, ns("2016-07-08T01:30:00Z"))  # the last before
    clock.step(6.5 * 3600)
    value, when = store.latest(clock.time_ns, ["temperature"])
    assert (float(value[0]), int(when[0])) == (16.66, ns("2016-07-08T13:30:00Z"))


def test_tmy3_date_and_hour_columns_in_local_standard_time(shared_data: Path) -> None:
    path = shared_data / "sensors" / "pvlib_tmy3_greensboro" / "723170TYA.CSV"
    columns = ["Wspd (m/s)", "Wdir (degrees)", "Dry-bulb (C)", "Pressure (mbar)",
               "Lprecip depth (mm)"]
    with pytest.raises(TimeZoneRequired, match=r"Date \(MM/DD/YYYY\) \+ Time \(HH:MM\)"):
        import_table(path, columns=columns)
    # The manifest: local standard time, UTC-5 all year (no daylight saving).
    result = import_table(path, tz="-05:00", columns=columns)
    assert result.time_column == "Date (MM/DD/YYYY) + Time (HH:MM)"  # the line above the header skipped
    assert result.rows_read == 8760 and result.kept == 5 * 8760 and result.dropped == {}
    units = {s.id: s.unit for s in result.network.datastreams.values()}
    assert units == {"wspd": "m/s", "wdir": "°", "dry_bulb": "°C", "pressure": "hPa",
                     "lprecip_depth": "mm"}
    props = {s.id: s.observed_property for s in result.network.datastreams.values()}
    assert props["wspd"] == "wind_speed" and props["lprecip_depth"] == "rainfall"
    # A typical year of months from different years: April 1980 first, September 2003 last,
    # its "24:00" being 1 October 00:00 local.
    assert int(result.rows.times_ns[0]) == ns("1980-04-01T06:00:00Z")
    assert int(result.rows.times_ns[-1]) == ns("2003-10-01T05:00:00Z")
    assert value_at(result, "wspd", "1988-01-01T06:00:00Z")[0] == 6.2      # 01/01/1988 01:00
    wind = result.rows.values[result.rows.stream_ids == "wspd"]
    assert wind.sum() == pytest.approx(26756.9)
    assert (result.rows.stream_ids == "wdir").sum() == 8760


# ---- rules, on small tables -----------------------------------------------------------------

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_long_layout_found_and_c_locale_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "levels.csv",
                 "timestamp;station;level [m];qc\n"
                 "2025-10-20 07:00;Cai Khe;1.25;good\n"
                 "2025-10-20 07:00;Khai Luong;1,30;good\n"        # a decimal comma: not a number
                 "2025-10-20 07:05;Cai Khe;NA;good\n"
                 "2025-10-20 07:05;Khai Luong;1.31;questionable\n"
                 "nonsense;Cai Khe;1.4;good\n"
                 "2025-10-20 07:10;Cai Khe;1.5;weird\n"
                 "2025-10-20 07:10;;1.6;good\n")
    result = import_table(path, tz="+07:00")
    assert result.layout == "long"
    assert result.dropped == {"non_numeric": 1, "missing_value": 1, "unparseable_time": 1,
                              "missing_sensor": 1}
    assert result.kept == 3 and result.values_read == 7
    assert value_at(result, "cai_khe", "2025-10-20T00:00:00Z") == (1.25, QUALITY_GOOD)
    assert value_at(result, "khai_luong", "2025-10-20T00:05:00Z") == (1.31, QUALITY_SUSPECT)
    assert value_at(result, "cai_khe", "2025-10-20T00:10:00Z") == (1.5, QUALITY_SUSPECT)
    assert any("weird" in w for w in result.warnings)
    assert {s.unit for s in result.network.datastreams.values()} == {"m"}
    assert result.network.things["cai_khe"].name == "Cai Khe"


def test_offsets_in_values_and_unit_suffixes(tmp_path: Path) -> None:
    path = write(tmp_path, "wind.csv",
                 "datetime,wind_speed_m_s,rain_mm,pm25_ug_m3,flag\n"
                 "2025-10-20T07:00:00+07:00,3.5,0,20,0\n"
                 "2025-10-20T00:01:00Z,4.0,1.2,-999,2\n")
    result = import_table(path, tz="+09:00")  # the values' own offsets win, with a warning
    assert result.layout == "wide" and result.time_zone == "from the values"
    assert any("own UTC offsets" in w for w in result.warnings)
    assert value_at(result, "wind_speed_m_s", "2025-10-20T00:00:00Z") == (3.5, QUALITY_GOOD)
    assert value_at(result, "rain_mm", "2025-10-20T00:01:00Z") == (1.2, QUALITY_BAD)
    assert result.dropped == {"missing_value": 1}  # -999
    units = {s.id: s.unit for s in result.network.datastreams.values()}
    assert units == {"wind_speed_m_s": "m/s", "rain_mm": "mm", "pm25_ug_m3": "µg/m³"}


def test_units_given_per_sensor_and_time_column_given(tmp_path: Path) -> None:
    path = write(tmp_path, "obs.csv", "when,a,b\n2025-01-02 03:04:05,1,2\n")
    result = import_table(path, time_column="when", tz="UTC", units={"a": "m", "b": "degC"})
    assert {s.id: s.unit for s in result.network.datastreams.values()} == {"a": "m", "b": "°C"}
    assert int(result.rows.times_ns[0]) == ns("2025-01-02T03:04:05Z")
    with pytest.raises(TableImportError, match="no column 'nope'"):
        import_table(path, time_column="nope", tz="UTC")
    with pytest.raises(TableImportError, match="unknown time zone"):
        import_table(path, tz="Mars/Olympus")


def test_day_first_dates_and_ambiguous_dates(tmp_path: Path) -> None:
    path = write(tmp_path, "vn.csv", "Ngay,muc nuoc (m)\n05/10/2025 07:00,1.1\n"
                                     "25/10/2025 07:00,1.2\n")
    result = import_table(path, tz="+07:00")  # 25 cannot be a month: day first
    assert int(result.rows.times_ns[0]) == ns("2025-10-05T00:00:00Z")
    only_small = write(tmp_path, "amb.csv", "date,v\n05/10/2025 07:00,1\n06/10/2025 07:00,2\n")
    with pytest.raises(TableImportError, match="month-first and day-first"):
        import_table(only_small, tz="UTC")
    given = import_table(only_small, tz="UTC", time_format="%d/%m/%Y %H:%M")
    assert int(given.rows.times_ns[0]) == ns("2025-10-05T07:00:00Z")


def test_header_says_utc_and_epoch_seconds(tmp_path: Path) -> None:
    path = write(tmp_path, "utc.csv", "time (UTC),temperature (celsius)\n2025-10-20 00:00,27.5\n")
    result = import_table(path)
    assert result.time_zone == "UTC" and int(result.rows.times_ns[0]) == ns("2025-10-20T00:00:00Z")
    epoch = write(tmp_path, "epoch.csv", "timestamp,v\n1760918400,1\n1760918460,2\n")
    result = import_table(epoch)
    assert int(result.rows.times_ns[1]) == ns("2025-10-20T00:01:00Z")


def test_parquet_long_and_naive(tmp_path: Path) -> None:
    import pandas as pd

    aware = pd.DataFrame({
        "stream_id": ["a.level", "b.rain", "a.level"],
        "time": pd.to_datetime(["2025-10-20T00:00Z", "2025-10-20T00:00Z", "2025-10-20T00:05Z"],
                               utc=True),
        "value": [1.0, 0.5, 1.1], "quality": pd.array([0, 1, 0], dtype="int8")})
    aware.to_parquet(tmp_path / "long.parquet")
    result = import_table(tmp_path / "long.parquet", layout="long")
    assert result.kept == 3 and set(result.network.datastreams) == {"a.level", "b.rain"}
    assert value_at(result, "b.rain", "2025-10-20T00:00:00Z") == (0.5, QUALITY_SUSPECT)
    naive = pd.DataFrame({"time": pd.to_datetime(["2025-10-20 07:00"]), "level_m": [1.0]})
    naive.to_parquet(tmp_path / "naive.parquet")
    with pytest.raises(TimeZoneRequired, match="naive.parquet"):
        import_table(tmp_path / "naive.parquet")
    result = import_table(tmp_path / "naive.parquet", tz="Asia/Ho_Chi_Minh")
    assert int(result.rows.times_ns[0]) == ns("2025-10-20T00:00:00Z")
    assert result.network.datastreams["level_m"].unit == "m"
