"""Scenarios every project has: a design storm, the recorded storm of its sensors, and a measure
to try against them (raised embankments along every river and canal)."""

from __future__ import annotations

import numpy as np

from viewer.commands.flood_inputs import find_layer
from viewer.core.project import Project
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.scenarios.flood_scenario import (M2_PERIOD_S, Boundary, FloodEvent, FloodScenario,
                                             FloodSettings, Rain, RaiseMeasure, ScenarioError)

DESIGN_STORM_NAME = "Mưa 120 mm + triều cường"
RECORDED_STORM_NAME = "Bão ghi nhận (cảm biến)"
TIDAL_RIVERS = ("Sông Hậu", "Sông Cần Thơ")
DEFAULT_CELL_M = 20.0  # the demo district (3 x 2.5 km) in 18,750 cells: a run of hours in about a minute
# What the street drains carry away (mm/h of rain taken off everywhere): Vietnamese urban drainage is
# designed for roughly the 2-year storm, about 25 mm/h sustained (TCVN 7957:2008 order of magnitude).
DRAIN_MM_H = 25.0


def _river_names(project: Project) -> list[str]:
    """Tidal river features of the project's water layer (the demo's, else any of kind river)."""
    layer = find_layer(project, "water")
    if layer is None or "name" not in layer.frame.columns:
        return []
    names = set(layer.frame["name"].astype(str))
    chosen = [n for n in TIDAL_RIVERS if n in names]
    if not chosen and "kind" in layer.frame.columns:
        chosen = sorted(set(layer.frame.loc[layer.frame["kind"] == "river", "name"].astype(str)))
    return chosen


def design_storm_scenario(project: Project) -> FloodScenario:
    """"Mưa 120 mm + triều cường": 120 mm of rain in 3 h on a spring tide, 4 h simulated.

    The hyetograph is a triangle from 0 to a peak of 80 mm/h at 1 h and back to 0 at 3 h (its
    area is 120 mm). The tide on the tidal rivers is a semi-diurnal (M2, 12.42 h) spring tide of
    mean 0.65 m and amplitude 1.4 m (high water 2.05 m over the VN-2000 datum, about the highest
    tides recorded at Cần Thơ), with high water at 1 h, on the rain's peak. Without rivers in the
    project the scenario is rain only. The start is left open: the clock's time when it is run.
    """
    rivers = _river_names(project)
    boundaries = [Boundary(kind="design", name="Triều cường", water=rivers, mean_m=0.65, amplitude_m=1.4,
                           period_s=M2_PERIOD_S, phase_deg=360.0 * 3600.0 / M2_PERIOD_S)] if rivers else []
    return FloodScenario(
        name=DESIGN_STORM_NAME,
        description="Design storm: 120 mm in 3 h (triangular, peak 80 mm/h at 1 h) on a spring tide "
                    "with high water 2.05 m at the rain's peak.",
        event=FloodEvent(duration_s=4 * 3600.0,
                         rain=Rain(kind="hyetograph", times_s=[0.0, 3600.0, 10800.0],
                                   mm_per_h=[0.0, 80.0, 0.0]),
                         boundaries=boundaries),
        settings=FloodSettings(cell_size_m=DEFAULT_CELL_M, output_interval_s=300.0,
                               rain_loss_mm_per_h=DRAIN_MM_H))


def recorded_storm_scenario(project: Project, hours_before_peak: float = 3.0,
                            duration_h: float = 6.0) -> FloodScenario:
    """The storm in the project's sensor store: its rain gauges spread over the grid and its tide
    gauge on the tidal rivers, over a window around the rain's peak (3 h before to 3 h after by
    default). ScenarioError when the project has no rain gauge with readings."""
    store, network = project.observations, project.sensors
    gauges = [d.id for d in network.datastreams.values()
              if d.observed_property.lower() in ("rainfall", "rain", "precipitation") and store.count(d.id)]
    if not gauges:
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "the project has no rain gauge with readings "
                                                               "to drive a "
                                                               "recorded storm"))
    _, times, values, _ = store.columns(gauges)
    t_unique, inverse = np.unique(times, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=np.nan_to_num(values))  # all gauges, per time
    start_ns = int(t_unique[int(np.argmax(total))]) - int(hours_before_peak * 3600e9)
    start_ns -= start_ns % int(300e9)  # on a 5-minute step

    def is_tide_gauge(stream) -> bool:
        thing = network.things.get(stream.thing_id)
        return thing is not None and str(thing.properties.get("kind", "")) == "tide_gauge"

    tide = [d.id for d in network.datastreams.values()
            if d.observed_property.lower() == "water_level" and store.count(d.id) and is_tide_gauge(d)]
    rivers = _river_names(project)
    boundaries = [Boundary(kind="sensor", name="Trạm thủy văn", water=rivers, datastream=tide[0])] \
        if tide and rivers else []
    return FloodScenario(
        name=RECORDED_STORM_NAME,
        description=f"The recorded storm: rain gauges {', '.join(gauges)}"
                    + (f" and tide gauge {tide[0]}" if boundaries else "") + ", around the rain's peak.",
        event=FloodEvent(start_ns=start_ns, duration_s=duration_h * 3600.0,
                         rain=Rain(kind="sensors", datastreams=gauges), boundaries=boundaries),
        settings=FloodSettings(cell_size_m=DEFAULT_CELL_M, output_interval_s=300.0,
                               rain_loss_mm_per_h=DRAIN_MM_H))


def embankment_measure(project: Project, crest_m: float = 2.6, width_m: float = 40.0,
                       name: str = "Nâng kè sông, rạch") -> RaiseMeasure:
    """Raise the banks of every river and canal to ``crest_m``: the band ``width_m`` wide along the
    outline of the project's water layer (wide enough to be a continuous barrier on grids up to
    about ``width_m / 2`` cells). ScenarioError without a water layer."""
    import shapely

    layer = find_layer(project, "water")
    if layer is None:
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "the project has no water layer to build "
                                                               "embankments along"))
    water = shapely.union_all(np.asarray(layer.frame.geometry.values, dtype=object))
    band = water.buffer(width_m, join_style="mitre").difference(water)
    dem = find_layer(project, "dem")
    if dem is not None:
        band = band.intersection(shapely.box(*dem.extent))
    return RaiseMeasure(name=name, geometry=band.simplify(1.0).wkt, crest_m=crest_m)


def builtin_scenarios(project: Project) -> list[FloodScenario]:
    """The design storm, and the recorded storm where the project has rain gauges."""
    out = [design_storm_scenario(project)]
    try:
        out.append(recorded_storm_scenario(project))
    except ScenarioError:
        pass
    return out
