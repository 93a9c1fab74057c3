"""The forcing series of a flood run: rain, boundary levels, inflows and breaches, from the scenario's
design values or from the project's sensor store over the event window.

Sensor series on the engine's time axis (seconds since the event start):

- read over [start - 2 steps, end + 2 steps] so linear interpolation covers the whole window;
- NaN readings are dropped; a stretch without readings longer than 1.5 reporting intervals is a
  gap, bridged by linear interpolation and reported in ``FloodInputs.warnings``; a series that
  starts after or ends before the window is held at its first / last value (also reported);
- rain gauges report depth per step (unit ``mm``, as the demo's 5-minute gauges) or a rate
  (``mm/h``); a depth is turned into the rate over its step and placed at the step's centre (the
  reading at t covers (t - step, t]); negative or absurd (> 1000 mm/h) rain is an error naming the
  gauge; several gauges are spread over the grid by inverse-distance weighting (exponent 2 by
  default) at every reporting time.
"""

from __future__ import annotations

import numpy as np

from viewer.core.project import Project
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.scenarios.flood_scenario import Boundary, FloodScenario, ScenarioError, ns_to_iso

MAX_RAIN_MM_H = 1000.0
MAX_LEVEL_M = 50.0
DESIGN_STEP_S = 300.0
FIELD_VALUES_MAX = 64_000_000  # a rain field larger than this (nt * ny * nx) is coarsened in time


def sensor_series(project: Project, stream_id: str, start_ns: int, duration_s: float, label: str,
                  warnings: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
    """(times in s since start, values, reporting step in s) of a datastream over the window."""
    stream = project.sensors.datastreams.get(stream_id)
    if stream is None and not project.observations.count(stream_id):
        raise ScenarioError(f"{label}: the project has no datastream {stream_id!r}")
    step = float(stream.expected_interval_s) if stream is not None and stream.expected_interval_s else 0.0
    pad = int(2 * max(step, 60.0) * 1e9)
    end_ns = start_ns + int(round(duration_s * 1e9))
    times_ns, values = project.observations.window(stream_id, start_ns - pad, end_ns + pad)
    good = np.isfinite(values)
    dropped = int((~good).sum())
    times_ns, values = times_ns[good], values[good]
    if len(times_ns) == 0:
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label}: datastream {stream!r} has no reading "
                                                               "between "
                                                               "{start} and {end}"),
                            label=label, stream=stream_id, start=ns_to_iso(start_ns), end=ns_to_iso(end_ns))
    t = (times_ns - start_ns) / 1e9
    if not step:
        step = float(np.median(np.diff(t))) if len(t) > 1 else 300.0
    gaps = np.diff(t) > 1.5 * step
    if gaps.any() or dropped:
        missing = float(np.sum(np.diff(t)[gaps] - step))
        warnings.append(f"{label}: {int(gaps.sum())} gap(s) in {stream_id!r} ({missing / 60:.0f} min without "
                        f"readings{f', {dropped} NaN reading(s) dropped' if dropped else ''}) bridged by "
                        "linear interpolation")
    if t[0] > step:
        warnings.append(f"{label}: {stream_id!r} starts {t[0] / 60:.0f} min after the event start; "
                        "held at its first value before")
    if t[-1] < duration_s - step:
        warnings.append(f"{label}: {stream_id!r} ends {(duration_s - t[-1]) / 60:.0f} min before the event "
                        "end; held at its last value after")
    return t, values, step


def _gauge_name(project: Project, stream_id: str) -> str:
    stream = project.sensors.datastreams.get(stream_id)
    thing = project.sensors.things.get(stream.thing_id) if stream is not None else None
    return f"rain gauge {stream_id!r}" + (f" ({thing.name})" if thing is not None else "")


def rain_from_sensors(project: Project, scenario: FloodScenario, inputs) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and rain (mm/h): (nt,) for one gauge, (nt, ny, nx) spread by IDW for several."""
    rain = scenario.event.rain
    start, duration = inputs.start_ns, inputs.duration_s
    series, positions, steps = [], [], []
    for stream_id in rain.datastreams:
        label = _gauge_name(project, stream_id)
        t, v, step = sensor_series(project, stream_id, start, duration, label, inputs.warnings)
        stream = project.sensors.datastreams.get(stream_id)
        unit = (stream.unit if stream is not None else "mm").strip().lower().replace(" ", "")
        if unit in ("mm/h", "mmh-1", "mm/hr"):
            rate = v
        elif unit == "mm":
            rate, t = v * 3600.0 / step, t - step / 2.0
        else:
            raise ScenarioError(f"{label}: unit {unit!r} is not a rain unit (mm per step or mm/h)")
        bad = np.flatnonzero(rate < 0)
        if len(bad):
            k = bad[0]
            raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label} reports negative rain ({value:g} "
                                                                   "{unit}) at "
                                                                   "{when}; rain must be >= 0"),
                                label=label, value=v[k], unit=unit, when=ns_to_iso(start + int(t[k] * 1e9)))
        bad = np.flatnonzero(rate > MAX_RAIN_MM_H)
        if len(bad):
            raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label} reports {rate:.0f} mm/h, more "
                                                                   "than {most:.0f} "
                                                                   "mm/h (absurd for rain; check the unit)"),
                                label=label, rate=rate[bad[0]], most=MAX_RAIN_MM_H)
        series.append((t, rate))
        steps.append(step)
        thing = project.sensors.things.get(stream.thing_id) if stream is not None else None
        if len(rain.datastreams) > 1 and (thing is None or thing.x is None or thing.y is None):
            raise ScenarioError(f"{label} has no position in the project CRS; rain cannot be spread")
        positions.append((thing.x, thing.y) if thing is not None and thing.x is not None else (0.0, 0.0))
    step = min(steps)
    times = np.arange(0.0, duration + step, step)
    values = np.stack([np.interp(times, t, r) for t, r in series])  # (gauges, nt)
    if len(series) == 1:
        return times, values[0]
    ny, nx = inputs.shape
    while len(times) * ny * nx > FIELD_VALUES_MAX and len(times) > 2:
        times, values = times[::2], values[:, ::2]
        inputs.warnings.append("the rain field was thinned to every other reporting time to fit in memory")
    dx, _, x0, _, _, y_top = inputs.transform
    xs = x0 + (np.arange(nx) + 0.5) * dx
    ys = y_top - (np.arange(ny) + 0.5) * dx
    xy = np.asarray(positions)
    dist = np.hypot(xs[None, None, :] - xy[:, 0, None, None], ys[None, :, None] - xy[:, 1, None, None])
    weights = 1.0 / np.maximum(dist, dx / 2.0) ** rain.idw_power  # (gauges, ny, nx)
    weights /= weights.sum(axis=0)
    field = np.einsum("gt,gyx->tyx", values.astype(np.float32), weights.astype(np.float32))
    return times, field


def _design_rain(scenario: FloodScenario, duration: float) -> tuple[np.ndarray, np.ndarray]:
    rain = scenario.event.rain
    if rain.kind == "uniform":
        rate = float(rain.mm_per_h if not isinstance(rain.mm_per_h, list) else rain.mm_per_h[0])
        stop = duration if rain.duration_s is None else min(float(rain.duration_s), duration)
        if stop >= duration:
            return np.array([0.0, duration]), np.array([rate, rate])
        # a step down to no rain, a second after it stops (linear in between)
        return np.array([0.0, stop, stop + 1.0]), np.array([rate, rate, 0.0])
    return np.asarray(rain.times_s, dtype=float), np.asarray(rain.mm_per_h, dtype=float)


def _check_rain_values(values: np.ndarray, label: str) -> None:
    if np.any(~np.isfinite(values)):
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label}: rain holds NaN or infinite values"),
                            label=label)
    if np.any(values < 0):
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label}: rain must be >= 0 mm/h (got {value:g})"),
                            label=label, value=values.min())
    if np.any(values > MAX_RAIN_MM_H):
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label}: {value:g} mm/h is more than "
                                                               "{most:.0f} mm/h"), label=label,
                            value=values.max(), most=MAX_RAIN_MM_H)


def boundary_levels(project: Project, boundary: Boundary, inputs) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and levels (m) of a level boundary."""
    label = f"boundary {boundary.label!r}"
    duration = inputs.duration_s
    if boundary.kind == "design":
        step = min(DESIGN_STEP_S, boundary.period_s / 48.0)
        times = np.arange(0.0, duration + step, step)
        phase = np.deg2rad(boundary.phase_deg)
        levels = boundary.mean_m + boundary.amplitude_m * np.cos(2 * np.pi * times / boundary.period_s - phase)
    elif boundary.kind == "sensor":
        times, levels, _ = sensor_series(project, boundary.datastream, inputs.start_ns, duration, label,
                                         inputs.warnings)
        levels = levels + boundary.offset_m
    else:
        times = np.asarray(boundary.times_s, dtype=float)
        levels = np.asarray(boundary.levels_m, dtype=float)
    if np.any(np.abs(levels[np.isfinite(levels)]) > MAX_LEVEL_M):
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{label}: a level of {level:.1f} m is absurd "
                                                               "(check the unit)"),
                            label=label, level=np.nanmax(np.abs(levels)))
    return times, levels


def _water_mask(boundary: Boundary, inputs) -> np.ndarray:
    from viewer.commands.flood_inputs import rasterize_mask

    layer = inputs.layers.get("water")
    label = f"boundary {boundary.label!r}"
    if layer is None or "name" not in layer.frame.columns:
        raise ScenarioError(f"{label}: no water layer with a 'name' field holds {', '.join(boundary.water)}")
    names = layer.frame["name"].astype(str)
    missing = [n for n in boundary.water if n not in set(names)]
    if missing:
        raise ScenarioError(f"{label}: no feature named {', '.join(map(repr, missing))} in layer "
                            f"{layer.name!r} (it has {', '.join(sorted(set(names)))})")
    geoms = list(layer.frame.geometry[names.isin(boundary.water).to_numpy()].values)
    mask = rasterize_mask(geoms, inputs.shape, inputs.transform)
    if not mask.any():
        raise ScenarioError(f"{label}: {', '.join(boundary.water)} covers no cell of the DEM")
    return mask


def _geometry_cells(wkt: str, label: str, inputs) -> np.ndarray:
    from viewer.commands.flood_inputs import measure_geometry, rasterize_mask

    geom = measure_geometry(wkt, label, inputs.extent, inputs.warnings)
    mask = rasterize_mask([geom], inputs.shape, inputs.transform)
    if not mask.any():
        raise ScenarioError(f"{label} covers no cell of the DEM")
    return mask


def subtract_loss(times: np.ndarray, values: np.ndarray, loss: float) -> tuple[np.ndarray, np.ndarray]:
    """Rain minus a constant loss rate, never below 0, for a series the engine interpolates linearly.

    A uniform hyetograph (1-D ``values``) gets a breakpoint wherever a segment crosses ``loss``, so
    the rain that is left is exactly the part of the piecewise-linear hyetograph above the loss; a
    gridded series (``values`` of shape (nt, ny, nx), from gauges at their own steps) is cut at its
    breakpoints only.
    """
    times, values = np.asarray(times, np.float64), np.asarray(values)
    if values.ndim == 1 and len(times) > 1:
        excess = values.astype(np.float64) - loss
        a, b = excess[:-1], excess[1:]
        crossing = np.flatnonzero((a * b) < 0)
        extra_t = times[crossing] + (times[crossing + 1] - times[crossing]) * a[crossing] / (a[crossing] - b[crossing])
        times = np.concatenate([times, extra_t])
        excess = np.concatenate([excess, np.zeros(len(extra_t))])
        order = np.argsort(times, kind="stable")
        return times[order], np.maximum(excess[order], 0.0).astype(values.dtype)
    return times, np.maximum(values - np.asarray(loss, dtype=values.dtype), 0)


def add_forcing(project: Project, scenario: FloodScenario, inputs) -> None:
    """Fill ``inputs`` (a FloodInputs) with rain, boundaries, inflows, breaches and initial water."""
    event = scenario.event
    if event.rain is not None:
        if event.rain.kind == "sensors":
            inputs.rain = rain_from_sensors(project, scenario, inputs)
        else:
            times, values = _design_rain(scenario, inputs.duration_s)
            _check_rain_values(values, f"rain ({event.rain.kind})")
            inputs.rain = (times, values)
        loss = scenario.settings.rain_loss_mm_per_h
        if loss > 0:
            inputs.rain = subtract_loss(*inputs.rain, loss)
    first_level = None
    for boundary in event.boundaries:
        if boundary.kind == "open":
            inputs.open_edges.append(boundary.edge)
            continue
        times, levels = boundary_levels(project, boundary, inputs)
        cells = boundary.edge if boundary.edge else _water_mask(boundary, inputs)
        inputs.boundaries.append((cells, times, levels, boundary.label))
        if first_level is None and not boundary.edge:
            first_level = float(np.interp(0.0, times[np.isfinite(levels)], levels[np.isfinite(levels)]))
    for inflow in event.inflows:
        label = f"inflow {inflow.name or 'inflow'!r}"
        if not inflow.times_s or len(inflow.times_s) != len(inflow.q_m3s):
            raise ScenarioError(f"{label}: times_s and q_m3s must be lists of the same length")
        inputs.inflows.append((_geometry_cells(inflow.geometry, label, inputs),
                               np.asarray(inflow.times_s, float), np.asarray(inflow.q_m3s, float),
                               inflow.name or "inflow"))
    for breach in event.breaches:
        label = f"breach {breach.name or 'breach'!r}"
        inputs.breaches.append((_geometry_cells(breach.geometry, label, inputs), float(breach.time_s),
                                float(breach.new_z_m), breach.name or "breach"))
    if scenario.settings.fill_water_bodies and first_level is not None and inputs.water_cells.any():
        # Rivers and canals start at the first boundary level instead of dry: no spin-up surge.
        fill = inputs.water_cells & np.isfinite(inputs.z)
        if inputs.blocked is not None:
            fill &= ~inputs.blocked
        depth = np.zeros(inputs.shape)
        depth[fill] = np.maximum(first_level - inputs.z[fill], 0.0)
        inputs.initial_depth = depth if depth.any() else None
