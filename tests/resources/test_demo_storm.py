"""The SYNTHETIC recorded storm of the demo district: deterministic, committed up to date, and
physically plausible (tide, rain, canal response, wind, PM2.5 washout, thresholds)."""

from __future__ import annotations

import importlib.util
import pathlib
import tomllib
from types import ModuleType

import numpy as np
import pytest

from viewer.core.clock import NS
from viewer.core.sensors import LEVEL_ALARM, LEVEL_WARNING
from viewer.sensors.recording import read_metadata, read_recording

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "resources" / "demo" / "make_demo_storm.py"
COMMITTED = ROOT / "resources" / "demo" / "ninh_kieu" / "sensors"
START_NS = 1_760_918_400 * NS   # 2025-10-20T00:00:00Z
H = 3600 * NS
CANALS = ("khai_luong.water_level", "cai_khe.water_level")
RAIN = ("mua_cai_khe.rainfall", "mua_xuan_khanh.rainfall", "mua_hung_loi.rainfall",
        "mua_tan_an.rainfall")


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo_storm", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load_generator()


@pytest.fixture(scope="module")
def storm():
    """The committed recording, read as the app reads it."""
    return read_recording(COMMITTED)


def series(storm, stream_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Hours after the start and values of one datastream."""
    rows = storm[1]
    mask = rows.stream_ids == stream_id
    return (rows.times_ns[mask] - START_NS) / H, rows.values[mask]


def test_deterministic_and_committed_up_to_date(gen: ModuleType, storm, tmp_path: pathlib.Path) -> None:
    a_net, a = gen.build()
    _, b = gen.build()
    for name in ("stream_ids", "times_ns", "values", "quality"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    summary = gen.generate(tmp_path / "sensors")
    fresh_net, fresh = read_recording(tmp_path / "sensors")
    committed_net, committed = storm
    for name in ("stream_ids", "times_ns", "values", "quality"):
        assert np.array_equal(getattr(fresh, name), getattr(committed, name)), name
        assert np.array_equal(getattr(fresh, name), getattr(a, name)), name
    assert (tmp_path / "sensors" / "recording.toml").read_text(encoding="utf-8") == (
        COMMITTED / "recording.toml").read_text(encoding="utf-8")
    assert (tmp_path / "sensors" / "MANIFEST.md").read_text(encoding="utf-8") == (
        COMMITTED / "MANIFEST.md").read_text(encoding="utf-8")
    assert summary["rows"] == len(committed) == 10932 and summary["segments"] == 48
    other = gen.build(seed=gen.SEED + 1)[1]
    assert not np.array_equal(other.values, a.values)


def test_labelled_synthetic_and_small() -> None:
    _, source = read_metadata(COMMITTED)
    assert source["synthetic"] is True and "SYNTHETIC" in source["description"]
    assert "SYNTHETIC" in (COMMITTED / "MANIFEST.md").read_text(encoding="utf-8").splitlines()[0]
    data = tomllib.loads((COMMITTED / "recording.toml").read_text(encoding="utf-8"))
    assert data["format"] == "citytwin-recording"
    total = sum(p.stat().st_size for p in COMMITTED.rglob("*") if p.is_file())
    assert total < 1_500_000
    segments = sorted(p.name for p in (COMMITTED / "segments").glob("*.parquet"))
    assert len(segments) == 48 and segments[0] == "20251020T00.parquet"
    assert segments[-1] == "20251021T23.parquet"


def test_counts_steps_and_names(storm) -> None:
    network, rows = storm
    assert len(network.things) == 10 and len(network.datastreams) == 11
    assert network.things["tram_can_tho"].name == "Trạm thủy văn Cần Thơ (sông Hậu)"
    assert network.things["mua_tan_an"].name == "Đo mưa phường Tân An"
    assert network.datastreams["khai_luong.water_level"].name == "Mực nước rạch Khai Luông"
    for stream in network.datastreams.values():
        t, _ = series(storm, stream.id)
        step_h = stream.expected_interval_s / 3600
        assert t[0] == 0.0 and t[-1] == pytest.approx(48 - step_h)
        steps = np.round(np.diff(t) / step_h, 6)
        if stream.id == "bui_chau_van_liem.pm25":
            # Offline for an hour (36-37 h): one gap, no invented rows.
            assert len(t) == 576 - 12 and sorted(set(steps)) == [1.0, 13.0]
        else:
            assert len(t) == round(48 / step_h) and set(steps) == {1.0}
    units = {s.id: s.unit for s in network.datastreams.values()}
    assert units["can_tho.water_level"] == "m" and units["mua_tan_an.rainfall"] == "mm"
    assert units["gio_dhct.wind_speed"] == "m/s" and units["gio_dhct.wind_direction"] == "°"
    assert units["bui_bv_trung_uong.pm25"] == "µg/m³"


def test_sensors_placed_in_the_district(storm, demo_dir: pathlib.Path) -> None:
    import geopandas as gpd
    import shapely

    network = storm[0]
    water = gpd.read_file(demo_dir / "district.gpkg", layer="water").set_index("name").geometry
    boundary = gpd.read_file(demo_dir / "district.gpkg", layer="district_boundary").geometry.iloc[0]
    where = {t.id: shapely.Point(t.x, t.y) for t in network.things.values()}
    assert all(boundary.contains(p) for p in where.values())
    hau = water["Sông Hậu"]
    assert hau.contains(where["tram_can_tho"]) and hau.exterior.distance(where["tram_can_tho"]) < 5
    assert water["Rạch Khai Luông"].contains(where["rach_khai_luong"])
    assert water["Rạch Cái Khế"].contains(where["rach_cai_khe"])
    land = [k for k in where if not k.startswith(("tram_", "rach_"))]
    assert not any(water.contains(where[k]).any() for k in land)
    gauges = np.array([[where[k].x, where[k].y] for k in where if k.startswith("mua_")])
    spread = np.hypot(*(gauges[:, None, :] - gauges[None, :, :]).transpose(2, 0, 1))
    assert spread[np.triu_indices(4, 1)].min() > 500  # spread over the district
    thing = network.things["tram_can_tho"]
    assert 105.7 < thing.lon < 105.9 and 9.9 < thing.lat < 10.1


def test_spring_tide(storm) -> None:
    t, level = series(storm, "can_tho.water_level")
    for day in (0, 1):
        d = level[(t >= 24 * day) & (t < 24 * (day + 1))]
        assert 2.0 <= d.max() - d.min() <= 2.5
        assert 1.9 <= d.max() <= 2.1
    # Mixed, mainly semi-diurnal: two high waters a day, unequal.
    interior = (level[1:-1] > level[:-2]) & (level[1:-1] >= level[2:])
    smooth = np.convolve(level, np.ones(7) / 7, mode="same")
    peaks = t[1:-1][interior & (smooth[1:-1] > 0.8)]
    highs = [peaks[0]] + [p for a, p in zip(peaks, peaks[1:]) if p - a > 3]
    assert len(highs) == 4
    assert level[np.argmin(np.abs(t - highs[0]))] - level[np.argmin(np.abs(t - highs[1]))] > 0.5


def test_rain_storm(storm) -> None:
    totals, peak_times = [], []
    for sid in RAIN:
        t, mm = series(storm, sid)
        assert mm.min() == 0.0 and np.all(mm == np.round(mm, 1))
        totals.append(mm.sum())
        assert 60 <= mm.max() * 12 <= 80, sid          # 5-minute intensity in mm/h
        assert mm[t < 23].sum() == 0.0 and mm[t > 44].sum() == 0.0
        peak_times.append(t[np.argmax(mm)])
    assert all(120 <= v <= 180 for v in totals)
    assert max(totals) - min(totals) > 20               # gauges differ
    assert len(set(np.round(peak_times, 3))) > 1


def test_canals_follow_the_tide_and_the_rain(gen: ModuleType, storm) -> None:
    t, river = series(storm, "can_tho.water_level")
    lags = {}
    for sid in CANALS:
        _, canal = series(storm, sid)
        # Before the rain: the river tide, damped and lagged.
        before = t < 22
        shifts = np.arange(0, 13)
        corr = [np.corrcoef(river[before][: before.sum() - s], canal[before][s:])[0, 1] for s in shifts]
        lags[sid] = int(shifts[np.argmax(corr)]) * 5
        assert max(corr) > 0.99
        assert np.ptp(canal[before]) < np.ptp(river[before])
        # The storm: what the tide explains is exceeded by the runoff, after the rain peak.
        key = sid.split(".")[0]
        _, hi, lo, lag, _, _ = next(v for v in gen.CANALS.values() if v[0] == key)
        mean = gen.ANNUAL_MEAN_M + gen.FLOOD_SEASON_SETUP_M
        dev = gen.river_level(t - lag / 60) - mean
        excess = canal - (mean + np.where(dev > 0, hi * dev, lo * dev))
        assert np.abs(excess[before]).max() < 0.04
        rain = np.mean([series(storm, r)[1] for r in RAIN], axis=0)
        assert 0.2 < excess.max() < 0.6
        delay = t[np.argmax(excess)] - t[np.argmax(np.convolve(rain, np.ones(12), "same"))]
        assert 0.5 <= delay <= 4.0
    assert 15 <= lags["khai_luong.water_level"] < lags["cai_khe.water_level"] <= 50


def test_canal_thresholds_reached_in_the_storm(storm) -> None:
    network = storm[0]
    for sid in CANALS:
        t, level = series(storm, sid)
        levels = network.datastreams[sid].thresholds.levels(level)
        alarm = t[levels == LEVEL_ALARM]
        assert len(alarm) >= 6 and 28 <= alarm.min() and alarm.max() <= 36  # only in the storm
        assert (levels[t < 24] == LEVEL_WARNING).any()  # the spring tide alone warns
    t, level = series(storm, "can_tho.water_level")
    assert (network.datastreams["can_tho.water_level"].thresholds.levels(level) == LEVEL_ALARM).any()
    t, mm = series(storm, RAIN[0])
    assert (network.datastreams[RAIN[0]].thresholds.levels(mm) == LEVEL_ALARM).any()


def test_wind_and_pm25(storm) -> None:
    t, speed = series(storm, "gio_dhct.wind_speed")
    _, direction = series(storm, "gio_dhct.wind_direction")
    assert speed[t < 20].mean() < 5 and 12 <= speed.max() <= 16
    storm_time = (t > 28) & (t < 32)
    assert 7 <= speed[storm_time].mean() <= 12
    assert np.all((direction >= 0) & (direction < 360))
    assert 200 <= np.median(direction[t < 20]) <= 250           # south-west monsoon
    assert 260 <= np.median(direction[t > 36]) <= 300           # veered west after the storm
    for sid in ("bui_bv_trung_uong.pm25", "bui_chau_van_liem.pm25"):
        t, pm = series(storm, sid)
        same_hours_day1 = pm[(t >= 7) & (t < 11)]
        washed = pm[(t >= 31) & (t < 35)]
        assert washed.mean() < 0.4 * same_hours_day1.mean()
        assert pm.max() > 50                                         # rush hour before the storm
        assert pm.min() > 0
