"""What a hazard raster does to a city: buildings by class, people, damage, roads, facilities.

Hazard-neutral: it takes a raster of the hazard's intensity (a flood's maximum depth in m, a later
hazard's own measure) as an array plus its affine transform, and the features as GeoDataFrames in
the raster's CRS. The numbers it gives are what people brief from:

- buildings by intensity class (default classes for water depth: < 0.1 m dry, 0.1-0.5, 0.5-1.0,
  1.0-2.0, > 2.0 m; a value on an edge belongs to the class above it);
- residents affected: the sum of ``residents`` of the buildings in a class above the first;
- damage from depth-damage curves by building use (:mod:`viewer.scenarios.impact_curves`):
  fraction(value) x footprint area x maximum damage per m2, for affected buildings only;
- roads impassable above a threshold (length per road, the list of cut roads) and facilities
  affected (the value at their footprint or point) or cut off (no passable road to the outside,
  see :mod:`viewer.scenarios.impact_network`).

**The value at a building is the maximum** of the cells it covers (``building_stat="max"``; "mean"
is available): water reaching any wall enters the ground floor, and a mean over coarse cells
understates it. Where buildings were raised or blocked in the hazard model, pass their cells (and
permanent water, whose depth is not a flood) as ``ignore_mask`` and a ``sample_buffer_m`` of about
one cell, so a building reads the water standing around it rather than on its raised roof.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from viewer.scenarios.impact_curves import DamageModel
from viewer.scenarios.impact_network import access_status, assess_roads
from viewer.scenarios.impact_sampling import Transform, zonal_values

DEPTH_CLASS_EDGES_M = (0.1, 0.5, 1.0, 2.0)


def class_labels(edges, unit: str = "m") -> list[str]:
    """Labels of the classes that ``edges`` cut the values into (one more than edges)."""
    text = [f"{e:g}" for e in edges]
    labels = [f"< {text[0]} {unit}"]
    labels += [f"{lo}–{hi} {unit}" for lo, hi in zip(text[:-1], text[1:])]
    labels.append(f"> {text[-1]} {unit}")
    return labels


def classify(values, edges) -> np.ndarray:
    """Class index of each value: 0 below the first edge, k in [edge k-1, edge k)."""
    return np.digitize(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0), np.asarray(edges, dtype=float))


@dataclass
class ImpactOptions:
    """Thresholds, attribute names and the damage model.

    ``value_name`` names the column holding the raster value at each feature (``"depth_m"`` for a
    flood). ``exits_xy`` are points where roads leave the area (help comes from there); without
    them the largest passable part of the network counts as the outside.
    """

    class_edges: tuple[float, ...] = DEPTH_CLASS_EDGES_M
    unit: str = "m"
    value_name: str = "value"
    building_stat: str = "max"
    sample_buffer_m: float = 0.0
    impassable_threshold: float = 0.3
    road_step_m: float | None = None
    access_distance_m: float = 250.0
    exits_xy: list[tuple[float, float]] | None = None
    damage: DamageModel = field(default_factory=DamageModel)
    use_field: str = "use"
    residents_field: str = "residents"
    name_field: str = "name"
    bridge_field: str = "bridge"


@dataclass
class Impacts:
    """Per-feature tables (pandas DataFrames, index = the features' row order) and a summary dict
    of plain numbers, lists and dicts (JSON-ready)."""

    buildings: Any = None
    roads: Any = None
    facilities: Any = None
    summary: dict[str, Any] = field(default_factory=dict)


def assess_impacts(values: np.ndarray, transform: Transform, buildings=None, roads=None,
                   facilities=None, options: ImpactOptions | None = None,
                   ignore_mask: np.ndarray | None = None) -> Impacts:
    """Impacts of the hazard raster ``values`` (rows, cols) with ``transform`` on the features.

    Parameters
    ----------
    values
        Hazard intensity per cell (NaN reads as 0).
    transform
        Affine ``(a, b, c, d, e, f)`` of the raster, in the features' CRS (metres).
    buildings, roads, facilities
        GeoDataFrames (or None): footprints with optional use/residents, road lines with an
        optional bridge flag, facility points or footprints with an optional name.
    options
        Thresholds and names; defaults to :class:`ImpactOptions`.
    ignore_mask
        Cells not to read at buildings and facilities, and road pieces over them that stay passable.
    """
    import pandas as pd

    opts = options or ImpactOptions()
    values = np.asarray(values, dtype=float)
    labels = class_labels(opts.class_edges, opts.unit)
    summary: dict[str, Any] = {"class_edges": list(opts.class_edges), "unit": opts.unit,
                               "impassable_threshold": opts.impassable_threshold}
    out = Impacts(summary=summary)
    if buildings is not None:
        out.buildings = _buildings(values, transform, buildings, opts, ignore_mask, labels)
        table = out.buildings
        residents = table["residents"].to_numpy()
        summary.update(
            buildings_total=int(len(table)),
            buildings_affected=int(table["affected"].sum()),
            buildings_by_class={lab: int((table["class"] == k).sum()) for k, lab in enumerate(labels)},
            residents_total=int(residents.sum()),
            residents_affected=int(residents[table["affected"].to_numpy()].sum()),
            residents_by_class={lab: int(residents[(table["class"] == k).to_numpy()].sum())
                                for k, lab in enumerate(labels)},
            damage_total=float(table["damage"].sum()),
            damage_currency=opts.damage.currency,
            damage_source=opts.damage.source)
    state = None
    if roads is not None:
        bridges = _column(roads, opts.bridge_field, False).astype(bool) if opts.bridge_field else None
        exits = None if opts.exits_xy is None else np.asarray(opts.exits_xy, dtype=float)
        state = assess_roads(values, transform, roads.geometry.values, opts.impassable_threshold,
                             opts.road_step_m, ignore_mask, bridges, exits)
        out.roads = pd.DataFrame({
            "name": _column(roads, opts.name_field, ""),
            "length_m": state.length_m, "impassable_m": state.impassable_m,
            f"max_{opts.value_name}": state.max_value, "cut": state.impassable_m > 0}, index=roads.index)
        cut = out.roads["cut"].to_numpy()
        summary.update(roads_total=int(len(roads)), roads_cut=int(cut.sum()),
                       road_length_total_m=float(state.length_m.sum()),
                       road_length_impassable_m=float(state.impassable_m.sum()),
                       roads_cut_names=sorted({str(n) for n in out.roads["name"][cut] if str(n)}))
    if facilities is not None:
        out.facilities = _facilities(values, transform, facilities, opts, ignore_mask, state)
        table = out.facilities
        summary.update(
            facilities_total=int(len(table)), facilities_affected=int(table["affected"].sum()),
            facilities_cut_off=int(table["cut_off"].sum()),
            facilities_affected_names=[str(n) for n in table["name"][table["affected"]]],
            facilities_cut_off_names=[str(n) for n in table["name"][table["cut_off"]]])
    return out


def _column(frame, name: str, default) -> np.ndarray:
    if name and name in frame.columns:
        col = frame[name]
        return col.fillna(default).to_numpy() if hasattr(col, "fillna") else col.to_numpy()
    return np.full(len(frame), default, dtype=object if isinstance(default, str) else type(default))


def _sample_geoms(frame, buffer_m: float):
    import shapely

    geoms = frame.geometry.values
    return shapely.buffer(np.asarray(geoms, dtype=object), buffer_m) if buffer_m > 0 else geoms


def _buildings(values, transform, frame, opts: ImpactOptions, ignore_mask, labels):
    import pandas as pd

    value = zonal_values(values, transform, _sample_geoms(frame, opts.sample_buffer_m),
                         opts.building_stat, ignore_mask)
    klass = classify(value, opts.class_edges)
    affected = klass > 0
    uses = _column(frame, opts.use_field, "")
    residents = np.asarray(pd.to_numeric(pd.Series(_column(frame, opts.residents_field, 0)),
                                         errors="coerce").fillna(0).to_numpy(), dtype=float)
    area = np.asarray(frame.geometry.area, dtype=float)
    damage, fraction, curves = opts.damage.damage(np.where(affected, value, 0.0), uses, area)
    return pd.DataFrame({
        opts.value_name: value, "class": klass, "class_label": np.asarray(labels, dtype=object)[klass],
        "affected": affected, "residents": residents, "area_m2": area, "curve": curves,
        "damage_fraction": fraction, "damage": damage}, index=frame.index)


def _facilities(values, transform, frame, opts: ImpactOptions, ignore_mask, state):
    import pandas as pd
    import shapely

    value = zonal_values(values, transform, _sample_geoms(frame, opts.sample_buffer_m), "max", ignore_mask)
    affected = value >= opts.class_edges[0]
    reps = shapely.point_on_surface(np.asarray(frame.geometry.values, dtype=object))
    if state is not None:
        cut, dist = access_status(state, shapely.get_x(reps), shapely.get_y(reps), opts.access_distance_m)
    else:
        cut, dist = np.zeros(len(frame), dtype=bool), np.full(len(frame), np.nan)
    return pd.DataFrame({"name": _column(frame, opts.name_field, ""), opts.value_name: value,
                         "affected": affected, "cut_off": cut, "road_distance_m": dist},
                        index=frame.index)


def with_impact_columns(frame, table, prefix: str = "impact_", columns: list[str] | None = None):
    """A copy of ``frame`` with the per-feature ``table`` columns added as ``prefix + name``
    (per-building attributes for identify and export)."""
    out = frame.copy()
    for name in columns or [c for c in table.columns if c != "name"]:
        out[prefix + name] = table[name].to_numpy()
    return out


def _flatten(summary: dict[str, Any], prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "/"))
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            flat[name] = float(value)
    return flat


def compare_summaries(baseline: dict[str, Any], variant: dict[str, Any],
                      names: tuple[str, str] = ("baseline", "measures")) -> list[dict[str, Any]]:
    """Two summaries side by side: one row per number, with the difference and the change in %.

    Nested counts (by class) become ``"buildings_by_class/0.1–0.5 m"``. A number in only one
    summary reads 0 in the other. Settings echoed in the summary (class edges, thresholds) are left
    out.
    """
    a, b = _flatten(baseline), _flatten(variant)
    skip = {"impassable_threshold"}
    rows = []
    for key in [k for k in a if k not in skip] + [k for k in b if k not in a and k not in skip]:
        va, vb = a.get(key, 0.0), b.get(key, 0.0)
        rows.append({"metric": key, names[0]: va, names[1]: vb, "difference": vb - va,
                     "change_pct": (vb - va) / va * 100.0 if va else None})
    return rows


def comparison_text(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of :func:`compare_summaries` rows (for the command line and logs)."""
    if not rows:
        return ""
    names = [k for k in rows[0] if k not in ("metric", "difference", "change_pct")]
    width = max(len(r["metric"]) for r in rows)
    lines = [f"{'metric':<{width}}  {names[0]:>16}  {names[1]:>16}  {'difference':>16}  {'change':>8}"]
    for r in rows:
        change = "" if r["change_pct"] is None else f"{r['change_pct']:+.1f}%"
        lines.append(f"{r['metric']:<{width}}  {r[names[0]]:>16,.6g}  {r[names[1]]:>16,.6g}  "
                     f"{r['difference']:>+16,.6g}  {change:>8}")
    return "\n".join(lines)
