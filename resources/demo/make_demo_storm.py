"""Generate the SYNTHETIC recorded storm of the demo district: a monsoon rain event on a spring
tide over 48 hours, as a CityTwin recording folder.

Nothing here was measured. A seeded numpy generator writes a plausible series for each sensor of
the synthetic Ninh Kiều district (EPSG:5897), 2025-10-20T00:00Z to 2025-10-22T00:00Z:

- a tide gauge on the Hậu river bank: a mixed, mainly semi-diurnal tide (M2, S2, K1, O1, M4) at a
  new-moon spring, lows flattened by the flood-season river flow, plus a small storm set-up;
- water levels in two canals (Khai Luông, Cái Khế): the river tide damped and lagged, plus the
  runoff of the rain falling on their catchments (a linear-reservoir response);
- four rain gauges: a moving storm with bursts of 60-80 mm/h and 120-180 mm in all, different
  at every gauge (timing follows the cell's track from the south-west; amounts and bursts vary);
- a wind station (1-minute speed and direction): light south-westerly monsoon, gusting to about
  15 m/s and veering west as the storm passes;
- two PM2.5 monitors: traffic peaks in the morning and evening, washed out by the rain; one goes
  offline for an hour (so the demo shows a stale sensor).

Usage::

    python resources/demo/make_demo_storm.py [OUTDIR]

OUTDIR defaults to ``ninh_kieu/sensors`` next to this script. Sensor positions are read from
``ninh_kieu/district.gpkg`` (rivers, canals, facilities), so regenerate this after the district.
"""

from __future__ import annotations

import pathlib
import shutil
import sys
from typing import Any

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from viewer.core.sensors import Datastream, SensorNetwork, Thing, Thresholds  # noqa: E402
from viewer.sensors.rows import ObservationRows  # noqa: E402
from viewer.sensors.table_values import slug  # noqa: E402

SEED = 20251020
EPSG = 5897
START = np.datetime64("2025-10-20T00:00:00", "ns")   # UTC
HOURS = 48
STEP_S = {"level": 300, "rain": 300, "wind": 60, "pm25": 300}
DEMO = pathlib.Path(__file__).resolve().parent / "ninh_kieu"
COMMAND = "python resources/demo/make_demo_storm.py resources/demo/ninh_kieu/sensors"

# Tide at the Hậu bank: constituent -> (amplitude m, period h); diurnal ones shifted in phase
# so that the two daily lows differ too (a mixed tide).
TIDE = {"M2": (0.66, 12.4206), "S2": (0.26, 12.0), "K1": (0.36, 23.9345), "O1": (0.25, 25.8193)}
TIDE_M4 = 0.07               # overtide: shorter, steeper flood
TIDE_DIURNAL_PHASE = 0.5     # rad
TIDE_PEAK_H = 31.25          # hours after START of the highest high water
ANNUAL_MEAN_M = 0.20         # mean water level over the VN-2000 height datum
FLOOD_SEASON_SETUP_M = 0.25  # October: the Mekong flood raises the river's mean level
LOW_WATER_DAMPING = 0.72     # river flow keeps the lows up
STORM_SETUP_M = 0.08         # wind and rain set-up at the height of the storm
# Storm: centre (h after START) of the main burst, and the bursts of the mean rain rate
# (centre h, width h, peak mm/h).
STORM_CENTRE_H = 30.0
RAIN_BURSTS = ((24.8, 0.5, 15.0), (28.7, 0.5, 30.0), (30.0, 0.4, 72.0), (31.3, 0.5, 28.0),
               (34.0, 2.0, 4.0))
STORM_SPEED_M_S = 6.0        # the cell moves towards the north-east
# Canals: name -> (gauge id, tide gain above / below the mean, lag min, rain gain m per mm,
# reservoir time constant h)
CANALS = {
    "Rạch Khai Luông": ("khai_luong", 0.86, 0.80, 25, 0.0045, 3.0),
    "Rạch Cái Khế": ("cai_khe", 0.82, 0.75, 40, 0.0042, 4.0),
}
RAIN_WARDS = ("Cái Khế", "Xuân Khánh", "Hưng Lợi", "Tân An")
RAIN_TOTALS_MM = (120.0, 180.0)   # each gauge's total is drawn in this range

LEVEL_THRESHOLDS = {"river": (1.8, 2.0), "canal": (1.6, 1.9)}      # m, warning / alarm
RAIN_THRESHOLDS = (2.5, 4.17)                  # mm per 5 min: 30 and 50 mm/h
WIND_THRESHOLDS = (10.8, 13.9)                                     # m/s: Beaufort 6 and 7
PM25_THRESHOLDS = (50.0, 75.0)                                     # µg/m³
PM25_OUTAGE_H = (36.0, 37.0)                                       # second monitor offline


def _times(step_s: int) -> np.ndarray:
    """Hours after START of each step over the 48 hours (end excluded)."""
    return np.arange(0, HOURS * 3600, step_s) / 3600.0


def _ar1(rng: np.random.Generator, n: int, corr_steps: float, sigma: float) -> np.ndarray:
    """Red noise with unit-step lag correlation exp(-1/corr_steps) and std ``sigma``."""
    phi = np.exp(-1.0 / corr_steps)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sigma)
    shocks = rng.normal(0.0, sigma * np.sqrt(1 - phi * phi), n)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + shocks[i]
    return out


def _storm_envelope(t_h: np.ndarray) -> np.ndarray:
    """0..1: how much of the storm is on (wind, set-up)."""
    return np.exp(-0.5 * ((t_h - STORM_CENTRE_H) / 3.5) ** 2)


def river_level(t_h: np.ndarray) -> np.ndarray:
    """Noise-free water level (m over the VN-2000 datum) at the Hậu bank gauge."""
    eta = np.zeros_like(t_h)
    for name, (amp, period) in TIDE.items():
        phase = TIDE_DIURNAL_PHASE if name in ("K1", "O1") else 0.0
        eta += amp * np.cos(2 * np.pi * (t_h - TIDE_PEAK_H) / period + phase)
    eta += TIDE_M4 * np.cos(4 * np.pi * (t_h - TIDE_PEAK_H) / TIDE["M2"][1] + 0.3)
    eta = np.where(eta < 0, eta * LOW_WATER_DAMPING, eta)
    return (ANNUAL_MEAN_M + FLOOD_SEASON_SETUP_M + eta
            + STORM_SETUP_M * np.exp(-0.5 * ((t_h - TIDE_PEAK_H) / 3.0) ** 2))


def _positions(demo_dir: pathlib.Path) -> dict[str, tuple[float, float]]:
    """Sensor sites (EPSG:5897) from the district: banks, canals, ward houses, facilities."""
    import geopandas as gpd
    import shapely
    from shapely.ops import nearest_points

    gpkg = demo_dir / "district.gpkg"
    water = gpd.read_file(gpkg, layer="water").set_index("name").geometry
    facilities = gpd.read_file(gpkg, layer="facilities").set_index("name").geometry
    boundary = gpd.read_file(gpkg, layer="district_boundary").geometry.iloc[0]
    hau, can_tho = water["Sông Hậu"], water["Sông Cần Thơ"]
    # Tide gauge: on the Hậu bank 300 m downstream of the Cần Thơ river mouth, 3 m out.
    mouth = nearest_points(can_tho.buffer(1.0), hau)[1]
    bank = hau.exterior.intersection(boundary.buffer(-20.0))
    bank_line = shapely.line_merge(bank) if bank.geom_type == "MultiLineString" else bank
    if bank_line.geom_type == "MultiLineString":
        bank_line = max(bank_line.geoms, key=lambda g: g.length)
    along = bank_line.project(mouth)
    spot = bank_line.interpolate(min(along + 300.0, bank_line.length - 1.0))
    into = nearest_points(hau.buffer(-3.0).exterior, spot)[0]
    sites = {"tide": (into.x, into.y)}
    for name, (key, *_rest) in CANALS.items():
        canal = water[name]
        centre = canal.centroid
        p = centre if canal.contains(centre) else nearest_points(canal.buffer(-2.0), centre)[0]
        sites[key] = (p.x, p.y)
    for ward in RAIN_WARDS:
        p = facilities[f"Nhà văn hóa phường {ward}"]
        sites[f"rain:{ward}"] = (p.x, p.y)
    for key, name in (("wind", "Trường Đại học Cần Thơ"),
                      ("pm25_bv", "Bệnh viện Đa khoa Trung ương Cần Thơ"),
                      ("pm25_cvl", "Trường THPT Châu Văn Liêm")):
        p = facilities[name]
        sites[key] = (p.x, p.y)
    return {k: (round(float(x), 2), round(float(y), 2)) for k, (x, y) in sites.items()}


def rain_series(rng: np.random.Generator, t_h: np.ndarray,
                sites: dict[str, tuple[float, float]]) -> dict[str, np.ndarray]:
    """Rain (mm per 5-minute step) at each gauge: the storm's bursts, shifted by the gauge's
    place along the cell's track, varied per gauge and burst, scaled to the gauge's total."""
    keys = [f"rain:{w}" for w in RAIN_WARDS]
    xy = np.array([sites[k] for k in keys])
    track = np.array([np.sin(np.pi / 4), np.cos(np.pi / 4)])      # towards the north-east
    along = (xy - xy.mean(axis=0)) @ track
    step_h = STEP_S["rain"] / 3600.0
    out = {}
    for key, distance in zip(keys, along):
        shift_h = distance / STORM_SPEED_M_S / 3600.0
        rate = np.zeros_like(t_h)
        for centre, width, peak in RAIN_BURSTS:
            jitter = rng.normal(0.0, 0.15)                           # h: bursts differ in timing
            rate += peak * rng.uniform(0.75, 1.2) * np.exp(
                -0.5 * ((t_h - centre - shift_h - jitter) / width) ** 2)
        rate *= np.exp(_ar1(rng, len(t_h), 3.0, 0.25) - 0.03)       # mm/h, cell structure
        rate[rate < 0.6] = 0.0                                        # below the gauge's resolution
        total = rng.uniform(*RAIN_TOTALS_MM)
        for _ in range(3):   # bring the total into place and the peak under 80 mm/h
            rate *= total / (rate.sum() * step_h)
            rate = np.minimum(rate, 79.0)
        out[key] = np.round(rate * step_h, 1)
    return out


def canal_level(t_h: np.ndarray, rain_mm: np.ndarray, gain_hi: float, gain_lo: float,
                lag_min: float, rain_gain: float, tau_h: float) -> np.ndarray:
    """Noise-free canal level: the river tide damped and lagged, plus the rain's runoff held
    in the canal (a fast catchment reservoir feeding a slow canal storage)."""
    mean = ANNUAL_MEAN_M + FLOOD_SEASON_SETUP_M
    dev = river_level(t_h - lag_min / 60.0) - mean
    tidal = mean + np.where(dev > 0, gain_hi * dev, gain_lo * dev)
    dt = t_h[1] - t_h[0]
    fast, slow = 0.0, 0.0
    storage = np.empty_like(t_h)
    k_fast, k_slow = np.exp(-dt / 0.6), np.exp(-dt / tau_h)
    for i, rain in enumerate(rain_mm):
        fast = fast * k_fast + rain
        slow = slow * k_slow + fast * (1 - k_fast)
        storage[i] = slow
    return tidal + rain_gain * storage


def wind_series(rng: np.random.Generator, t_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1-minute wind speed (m/s) and direction (° from north)."""
    env = _storm_envelope(t_h)
    local_h = (t_h + 7.0) % 24.0
    mean = 3.0 + 0.8 * np.sin(2 * np.pi * (local_h - 9.0) / 24.0) + 6.6 * env
    gust = _ar1(rng, len(t_h), 6.0, 1.0) * (0.10 + 0.12 * env)
    speed = np.clip(mean * (1.0 + gust), 0.2, None)
    veer = 60.0 / (1.0 + np.exp(-(t_h - (STORM_CENTRE_H + 1.0)) / 1.5))
    wobble = _ar1(rng, len(t_h), 10.0, 1.0) * (6.0 + 25.0 / np.maximum(speed, 1.0))
    direction = (225.0 + veer + wobble) % 360.0
    return np.round(speed, 1), np.round(direction, 0) % 360.0


def pm25_series(rng: np.random.Generator, t_h: np.ndarray, rain_mm: np.ndarray,
                base: float) -> np.ndarray:
    """5-minute PM2.5 (µg/m³): traffic peaks at 7:30 and 19:00 local time, washed out by the
    rain (recent rain, fading over 8 h, takes the level down to about 8 µg/m³)."""
    local_h = (t_h + 7.0) % 24.0
    traffic = (24.0 * np.exp(-0.5 * ((local_h - 7.5) / 1.2) ** 2)
               + 30.0 * np.exp(-0.5 * ((local_h - 19.0) / 1.8) ** 2))
    level = base + traffic
    dt = t_h[1] - t_h[0]
    recent, k = 0.0, np.exp(-dt / 8.0)
    washed = np.empty_like(t_h)
    for i, rain in enumerate(rain_mm):
        recent = recent * k + rain
        washed[i] = recent
    floor = 8.0
    level = floor + (level - floor) * np.exp(-washed / 25.0)
    level *= np.exp(_ar1(rng, len(t_h), 6.0, 0.10))
    return np.round(level, 1)


def _lonlat(sites: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    from viewer.readers.reproject import transform_xy

    keys = list(sites)
    lon, lat = transform_xy(np.array([sites[k][0] for k in keys]),
                            np.array([sites[k][1] for k in keys]), f"EPSG:{EPSG}", "EPSG:4326")
    return {k: (round(float(a), 6), round(float(b), 6)) for k, a, b in zip(keys, lon, lat)}


def _network(sites: dict[str, tuple[float, float]]) -> SensorNetwork:
    """Things and datastreams of the storm (names in Vietnamese; ids in ASCII)."""
    lonlat = _lonlat(sites)
    network = SensorNetwork()
    note = "SYNTHETIC demo sensor (make_demo_storm.py); not a real station"

    def thing(tid: str, name: str, site: str, kind: str) -> Thing:
        x, y = sites[site]
        lon, lat = lonlat[site]
        return Thing(tid, name, note, {"kind": kind, "synthetic": True}, lon, lat, x, y)

    def level(sid: str, name: str, tid: str, limits: tuple[float, float]) -> Datastream:
        return Datastream(sid, name, tid, "m", "water_level", Thresholds(*limits, "above"),
                          float(STEP_S["level"]), "m over the VN-2000 height datum")

    network.add(thing("tram_can_tho", "Trạm thủy văn Cần Thơ (sông Hậu)", "tide", "tide_gauge"),
                [level("can_tho.water_level", "Mực nước sông Hậu tại Cần Thơ", "tram_can_tho",
                       LEVEL_THRESHOLDS["river"])])
    for name, (key, *_rest) in CANALS.items():
        network.add(thing(f"rach_{key}", f"Trạm đo mực nước {name.replace('Rạch', 'rạch')}", key,
                          "water_level_gauge"),
                    [level(f"{key}.water_level", f"Mực nước {name.replace('Rạch', 'rạch')}",
                           f"rach_{key}", LEVEL_THRESHOLDS["canal"])])
    for ward in RAIN_WARDS:
        tid = f"mua_{slug(ward)}"
        network.add(thing(tid, f"Đo mưa phường {ward}", f"rain:{ward}", "rain_gauge"),
                    [Datastream(f"{tid}.rainfall", f"Lượng mưa 5 phút phường {ward}", tid, "mm",
                                "rainfall", Thresholds(*RAIN_THRESHOLDS, "above"),
                                float(STEP_S["rain"]),
                                "mm per 5 minutes; 2.5 / 4.17 mm = 30 / 50 mm/h")])
    network.add(thing("gio_dhct", "Trạm gió Đại học Cần Thơ", "wind", "wind_station"),
                [Datastream("gio_dhct.wind_speed", "Tốc độ gió", "gio_dhct", "m/s", "wind_speed",
                            Thresholds(*WIND_THRESHOLDS, "above"), float(STEP_S["wind"]),
                            "1-minute mean; 10.8 / 13.9 m/s = Beaufort 6 / 7"),
                 Datastream("gio_dhct.wind_direction", "Hướng gió", "gio_dhct", "°",
                            "wind_direction", Thresholds(), float(STEP_S["wind"]),
                            "degrees clockwise from north, where the wind comes from")])
    for tid, name, site in (("bui_bv_trung_uong", "Bệnh viện Đa khoa Trung ương", "pm25_bv"),
                            ("bui_chau_van_liem", "Trường THPT Châu Văn Liêm", "pm25_cvl")):
        network.add(thing(tid, f"Quan trắc bụi PM2.5 {name}", site, "air_quality"),
                    [Datastream(f"{tid}.pm25", f"Bụi PM2.5 – {name}", tid, "µg/m³", "pm25",
                                Thresholds(*PM25_THRESHOLDS, "above"), float(STEP_S["pm25"]),
                                "5-minute mean")])
    return network


def build(demo_dir: pathlib.Path = DEMO, seed: int = SEED) -> tuple[SensorNetwork, ObservationRows]:
    """The storm's network and observations (sorted by time, then datastream id)."""
    rng = np.random.default_rng(seed)
    sites = _positions(pathlib.Path(demo_dir))
    network = _network(sites)
    t5, t1 = _times(STEP_S["level"]), _times(STEP_S["wind"])
    series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    river = river_level(t5) + rng.normal(0.0, 0.008, len(t5))
    series["can_tho.water_level"] = (t5, np.round(river, 2))
    rain = rain_series(rng, t5, sites)
    for ward in RAIN_WARDS:
        series[f"mua_{slug(ward)}.rainfall"] = (t5, rain[f"rain:{ward}"])
    # Each canal drains the rain of the two gauges nearest to it.
    for name, (key, hi, lo, lag, gain, tau) in CANALS.items():
        dist = {w: np.hypot(*np.subtract(sites[f"rain:{w}"], sites[key])) for w in RAIN_WARDS}
        near = sorted(dist, key=dist.get)[:2]
        catchment = np.mean([rain[f"rain:{w}"] for w in near], axis=0)
        level = canal_level(t5, catchment, hi, lo, lag, gain, tau)
        series[f"{key}.water_level"] = (t5, np.round(level + rng.normal(0.0, 0.006, len(t5)), 2))
    speed, direction = wind_series(rng, t1)
    series["gio_dhct.wind_speed"] = (t1, speed)
    series["gio_dhct.wind_direction"] = (t1, direction)
    for tid, site, base in (("bui_bv_trung_uong", "pm25_bv", 28.0),
                            ("bui_chau_van_liem", "pm25_cvl", 34.0)):
        dist = {w: np.hypot(*np.subtract(sites[f"rain:{w}"], sites[site])) for w in RAIN_WARDS}
        pm = pm25_series(rng, t5, rain[f"rain:{min(dist, key=dist.get)}"], base)
        keep = np.ones(len(t5), dtype=bool)
        if site == "pm25_cvl":
            keep = (t5 < PM25_OUTAGE_H[0]) | (t5 >= PM25_OUTAGE_H[1])
        series[f"{tid}.pm25"] = (t5[keep], pm[keep])
    start = int(START.astype(np.int64))
    batches = [ObservationRows(np.full(len(t), sid, dtype=object),
                               start + np.round(t * 3600.0).astype(np.int64) * 1_000_000_000, v)
               for sid, (t, v) in series.items()]
    rows = ObservationRows.concat(batches)
    order = np.lexsort((rows.stream_ids.astype(str), rows.times_ns))
    return network, rows.select(order)


def summarize(network: SensorNetwork, rows: ObservationRows) -> dict[str, Any]:
    """Figures of the storm for the manifest and the tests."""
    ids = rows.stream_ids.astype(str)
    streams = {}
    for sid, stream in network.datastreams.items():
        v = rows.values[ids == sid]
        t = rows.times_ns[ids == sid]
        streams[sid] = {"count": int(len(v)), "min": float(v.min()), "max": float(v.max()),
                        "sum": float(v.sum()), "step_s": stream.expected_interval_s,
                        "first": int(t[0]), "last": int(t[-1]),
                        "thresholds": (stream.thresholds.warning, stream.thresholds.alarm)}
    return {"rows": int(len(rows)), "things": len(network.things),
            "datastreams": len(network.datastreams), "streams": streams}


def _iso(t_ns: int) -> str:
    return str(np.datetime64(int(t_ns), "ns").astype("datetime64[s]")) + "Z"


def manifest(summary: dict[str, Any], seed: int, size_bytes: int, segments: int) -> str:
    """MANIFEST.md text of the recording folder."""
    s = summary["streams"]
    lines = []
    for sid, info in s.items():
        warn, alarm = info["thresholds"]
        limits = "–" if warn is None else f"{warn:g} / {alarm:g}"
        lines.append(f"| `{sid}` | {info['step_s']:g} s | {info['count']} | {info['min']:g} | "
                     f"{info['max']:g} | {limits} |")
    rain = {k: v for k, v in s.items() if k.endswith(".rainfall")}
    totals = ", ".join(f"{v['sum']:.0f}" for v in rain.values())
    peaks = ", ".join(f"{v['max'] * 12:.0f}" for v in rain.values())
    tide = s["can_tho.water_level"]
    table = "\n".join(lines)
    return f"""# Recorded storm of the demo district — SYNTHETIC DATA

**This is synthetic data**: a generated monsoon storm on a spring tide for the synthetic Ninh Kiều
district (Cần Thơ). No value here was measured; stations, names and places are invented or used
for flavour only. Do not use it for any real-world decision.

- Generator: `{COMMAND}`
  (or `generate(outdir, seed=...)` in that script); seed `{seed}`; the same seed and district
  give the same values.
- Time: {_iso(tide['first'])} to {_iso(tide['last'])} (48 hours, UTC; local time is UTC+7).
- Format: a CityTwin recording folder (`recording.toml` with `[source] synthetic = true`, hourly
  Parquet segments in `segments/`); {segments} segments, {size_bytes / 1e6:.2f} MB in all.
- Positions: EPSG:{EPSG} (`x`, `y`) and WGS 84 (`lon`, `lat`) of each thing, read from
  `../district.gpkg` (regenerate this recording after the district).
- Heights: m over the VN-2000 height datum.

What it shows:

- **Tide** (Hậu river at Cần Thơ): mixed, mainly semi-diurnal; a new-moon spring tide with a daily
  range of about 2.4–2.5 m and the higher high water at {tide['max']:.2f} m. The annual mean
  level is {ANNUAL_MEAN_M} m; the October flood season lifts the mean of this window by
  {FLOOD_SEASON_SETUP_M} m and the storm adds a set-up of {STORM_SETUP_M} m at its height.
- **Rain**: one monsoon storm moving north-east, from about {RAIN_BURSTS[0][0]:.0f} to
  {RAIN_BURSTS[-1][0] + 4:.0f} h after the start; totals per gauge {totals} mm; 5-minute peaks
  {peaks} mm/h.
- **Canals** (Khai Luông, Cái Khế): the river tide damped and lagged (25 and 40 minutes) plus the
  storm runoff; they pass the warning level on the spring tides and the alarm level only during
  the storm.
- **Wind**: light south-westerly monsoon, gusting to about 15 m/s and veering west in the storm.
- **PM2.5**: traffic peaks morning and evening, washed out by the rain. The monitor at Trường
  THPT Châu Văn Liêm is offline from {PM25_OUTAGE_H[0]:.0f} to {PM25_OUTAGE_H[1]:.0f} h after
  the start (no rows: it shows as stale).

| datastream | step | observations | min | max | warning / alarm |
|---|---:|---:|---:|---:|---|
{table}

Rain is in mm per 5-minute step: the thresholds 2.5 / 4.17 mm are 30 / 50 mm/h. Wind 10.8 /
13.9 m/s are Beaufort 6 / 7. Water level limits are in the spirit of the delta's alert levels,
not official ones.
"""


def generate(outdir: pathlib.Path, demo_dir: pathlib.Path = DEMO, seed: int = SEED) -> dict:
    """Write the storm recording (and MANIFEST.md) into ``outdir``.

    Parameters
    ----------
    outdir
        The recording folder; its ``segments/``, ``wal/`` and ``recording.toml`` are replaced.
    demo_dir
        The district folder whose ``district.gpkg`` places the sensors.
    seed
        Seed of the numpy random generator.

    Returns
    -------
    dict
        :func:`summarize` figures plus ``segments`` and ``bytes``.
    """
    from viewer.sensors.recording import write_recording

    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for stale in ("segments", "wal"):
        shutil.rmtree(outdir / stale, ignore_errors=True)
    network, rows = build(demo_dir, seed)
    source = {"kind": "synthetic", "synthetic": True,
              "description": "SYNTHETIC monsoon storm on a spring tide for the demo district "
                             "(not measured data)",
              "generator": COMMAND, "seed": seed,
              "start": _iso(int(START.astype(np.int64))),
              "end": _iso(int(START.astype(np.int64)) + HOURS * 3600 * 1_000_000_000)}
    segments = write_recording(outdir, network, rows, source_info=source)
    summary = summarize(network, rows)
    size = sum(p.stat().st_size for p in outdir.rglob("*") if p.is_file()
               and p.name != "MANIFEST.md")
    (outdir / "MANIFEST.md").write_text(manifest(summary, seed, size, len(segments)),
                                        encoding="utf-8")
    summary.update(segments=len(segments), bytes=size)
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: ``make_demo_storm.py [OUTDIR]``."""
    args = sys.argv[1:] if argv is None else argv
    out = pathlib.Path(args[0]) if args else DEMO / "sensors"
    summary = generate(out)
    print(f"{summary['rows']} observations of {summary['datastreams']} datastreams, "
          f"{summary['segments']} segments, {summary['bytes']} bytes -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
