"""Run a flood scenario on a project: inputs -> engine -> results on the clock -> impacts.

:func:`run_flood` is what the GUI's worker and the headless ``citytwin scenario run flood``
(:func:`scenario_run_command`) call; :func:`export_results` writes the GeoTIFFs, CSV tables and
summary (from :mod:`viewer.commands.flood_export`); :func:`design_storm_scenario` and
:func:`recorded_storm_scenario` give every project a scenario to start from (from
:mod:`viewer.commands.flood_presets`).
"""

from __future__ import annotations

import warnings as pywarnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from viewer.commands.flood_export import export_results
from viewer.commands.flood_inputs import FloodInputs, engine_inputs, prepare_inputs
from viewer.commands.flood_presets import (DESIGN_STORM_NAME, RECORDED_STORM_NAME, builtin_scenarios,
                                           design_storm_scenario, embankment_measure,
                                           recorded_storm_scenario)
from viewer.core.progress import Progress
from viewer.core.project import Project
from viewer.scenarios.flood_scenario import FloodScenario, ScenarioError

__all__ = ["DESIGN_STORM_NAME", "RECORDED_STORM_NAME", "FloodRun", "builtin_scenarios", "compare_runs",
           "design_storm_scenario", "embankment_measure", "export_results", "find_scenario", "flood_impacts",
           "read_scenario_file", "recorded_storm_scenario", "run_flood", "scenario_run_command",
           "write_scenario_file"]


@dataclass
class FloodRun:
    """A finished run: its inputs, the engine's result, the impacts, on the app's clock.

    Attributes
    ----------
    scenario, inputs
        What was run (``inputs`` is the :class:`FloodInputs` with the grid, masks and warnings).
    result
        The engine's ``FloodResult``: ``times_s``, ``depth`` (nt, ny, nx), ``max_depth``,
        ``max_speed``, ``arrival_time_s`` (NaN where water never came), ``mass_error``, ``volumes``.
    impacts
        :class:`viewer.scenarios.impacts.Impacts` of the maximum depth (None when not asked for).
    """

    scenario: FloodScenario
    inputs: FloodInputs
    result: Any
    impacts: Any = None
    warnings: list[str] = field(default_factory=list)

    @property
    def start_ns(self) -> int:
        """Engine time 0 on the clock (int64 ns UTC)."""
        return self.inputs.start_ns

    @property
    def times_ns(self) -> np.ndarray:
        """Frame times on the clock: ``start_ns + t * 1e9``."""
        return self.inputs.start_ns + np.round(np.asarray(self.result.times_s) * 1e9).astype(np.int64)

    @property
    def depth(self) -> np.ndarray:
        """Depth frames (nt, ny, nx) float32."""
        return self.result.depth

    @property
    def max_depth(self) -> np.ndarray:
        """Maximum depth over the run (ny, nx)."""
        return self.result.max_depth

    @property
    def arrival_time_s(self) -> np.ndarray:
        """Seconds from the start to the first 5 cm of water; NaN where it never came."""
        return self.result.arrival_time_s

    def frame_at(self, t_ns: int) -> int:
        """Index of the last frame at or before clock time ``t_ns`` (0 before the start)."""
        return max(int(np.searchsorted(self.times_ns, int(t_ns), side="right")) - 1, 0)

    def depth_series_at(self, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
        """(times_ns, depth in m) at the cell holding (x, y), for a depth-over-time chart;
        empty arrays outside the grid or when frames were not kept."""
        dx, _, x0, _, _, y_top = self.inputs.transform
        row, col = int(np.floor((y_top - y) / dx)), int(np.floor((x - x0) / dx))
        ny, nx = self.inputs.shape
        if not (0 <= row < ny and 0 <= col < nx) or not len(self.depth):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        return self.times_ns, self.depth[:, row, col].copy()

    def result_layers(self) -> list:
        """Maximum depth (m) and arrival time (min) as raster layers in the project CRS, no-data
        (NaN) where dry or never reached, for the map and the 3D view."""
        from viewer.core.layers import RasterLayer
        from viewer.core.style import Style

        dry = (self.max_depth < 0.01) | self.inputs.water_cells | ~np.isfinite(self.inputs.z)
        depth = np.where(dry, np.nan, self.max_depth).astype(np.float32)
        arrival = np.where(dry, np.nan, self.arrival_time_s / 60.0).astype(np.float32)
        name = self.scenario.name
        common = {"crs": self.inputs.crs, "transform": tuple(self.inputs.transform), "role": "image",
                  "source": {"kind": "flood", "scenario": name}}
        return [RasterLayer(name=f"{name}: độ sâu lớn nhất (m)", data=depth[None],
                            style=Style(kind="graduated", ramp="blues", vmin=0.0, vmax=2.0), **common),
                RasterLayer(name=f"{name}: thời gian nước đến (phút)", data=arrival[None],
                            style=Style(kind="graduated", ramp="ylorrd", vmin=0.0,
                                        vmax=float(self.result.times_s[-1]) / 60.0), **common)]

    def water_layer(self):
        """The depth frames as a :class:`~viewer.core.water_layer.WaterDepthLayer` on the clock:
        a depth raster in 2D, a water surface over the ground in 3D. Permanent water (rivers and
        canals, drawn by their own layer) is left out; None when frames were not kept."""
        from viewer.core.style import Style
        from viewer.core.water_layer import WaterDepthLayer

        if not len(self.depth):
            return None
        keep = ~self.inputs.water_cells
        frames = np.where(keep[None], self.depth, 0.0).astype(np.float32)
        return WaterDepthLayer(name=f"{self.scenario.name}: độ sâu ngập (m)", frames=frames,
                               times_ns=self.times_ns, bed=self.inputs.z_ground, crs=self.inputs.crs,
                               transform=tuple(self.inputs.transform), role="image",
                               style=Style(kind="graduated", ramp="water", vmin=0.0, vmax=1.5),
                               opacity=0.85, source={"kind": "flood", "scenario": self.scenario.name})

    def summary(self) -> dict[str, Any]:
        """Key numbers (JSON-ready): run, water balance and impacts."""
        from viewer.scenarios.flood_scenario import ns_to_iso

        volumes = {k: float(v[-1]) for k, v in self.result.volumes.items()}
        out: dict[str, Any] = {
            "scenario": self.scenario.name, "start": ns_to_iso(self.start_ns),
            "end": ns_to_iso(int(self.times_ns[-1])), "duration_s": float(self.result.times_s[-1]),
            "cell_size_m": self.inputs.dx, "grid": list(self.inputs.shape), "crs": self.inputs.crs,
            "frames": int(len(self.result.times_s)), "mass_balance_error": float(self.result.mass_error),
            **volumes, "max_depth_m": float(np.nanmax(np.where(self.inputs.water_cells, 0.0, self.max_depth))),
            "flooded_area_m2": float(((self.max_depth >= 0.1) & ~self.inputs.water_cells).sum()
                                     * self.inputs.dx ** 2),
        }
        if self.impacts is not None:
            out["impacts"] = self.impacts.summary
        out["warnings"] = list(self.warnings)
        return out


def flood_impacts(inputs: FloodInputs, max_depth: np.ndarray, scenario: FloodScenario):
    """Impacts of a maximum-depth raster on the buildings, roads and facilities of ``inputs``.

    Buildings and facilities read the deepest water within one cell of their outline, leaving
    out building cells (raised or blocked in the model) and permanent water (every cell a river or
    canal touches: its depth is not a flood, and reads 0 here); road pieces over permanent water
    count as bridges.
    """
    from viewer.commands.flood_inputs import rasterize_mask
    from viewer.scenarios.impacts import ImpactOptions, assess_impacts

    options = ImpactOptions(value_name="depth_m", sample_buffer_m=inputs.dx,
                            impassable_threshold=scenario.settings.impassable_depth_m)
    frames = {role: (layer.frame if layer is not None and getattr(layer, "frame", None) is not None
                     and len(layer.frame) else None)
              for role, layer in inputs.layers.items()}
    water = inputs.water_cells.copy()
    if inputs.layers.get("water") is not None:
        water |= rasterize_mask(list(inputs.layers["water"].frame.geometry.values), inputs.shape,
                                inputs.transform, all_touched=True)
    depth = np.where(water, 0.0, max_depth)
    return assess_impacts(depth, inputs.transform, buildings=frames.get("buildings"),
                          roads=frames.get("roads"), facilities=frames.get("facilities"),
                          options=options, ignore_mask=inputs.building_cells | water)


def run_flood(project: Project, scenario: FloodScenario, progress: Progress | None = None,
              cell_size: float | None = None, keep_frames: bool = True, impacts: bool = True) -> FloodRun:
    """Build the inputs, run the engine to the end, gather the frames and assess the impacts.

    Call it off the GUI thread. ``progress`` gets 0-5 % for the inputs, 5-95 % for the engine's
    simulated time and the rest for the impacts; cancelling it raises ``Cancelled`` at the next
    frame. Bad input raises :class:`ScenarioError` with a message naming it.
    """
    from viewer.scenarios.flood import FloodInputWarning, accumulate, simulate

    progress = progress or Progress()
    inputs = prepare_inputs(project, scenario, cell_size, progress.sub(0.0, 0.05))
    with pywarnings.catch_warnings(record=True) as caught:
        pywarnings.simplefilter("always", FloodInputWarning)
        try:
            grid, forcing, params = engine_inputs(inputs)
            result = accumulate(simulate(grid, forcing, params, progress.sub(0.05, 0.95)),
                                keep_frames=keep_frames)
        except ValueError as exc:
            raise ScenarioError(f"scenario {scenario.name!r}: {exc}") from exc
    notes = list(inputs.warnings) + [str(w.message) for w in caught if issubclass(w.category, FloodInputWarning)]
    for w in caught:
        if not issubclass(w.category, FloodInputWarning):
            pywarnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    run = FloodRun(scenario=scenario, inputs=inputs, result=result, warnings=notes)
    if impacts:
        progress.update(0.96, "flood: impacts")
        run.impacts = flood_impacts(inputs, result.max_depth, scenario)
    progress.update(1.0, "flood: done")
    return run


def compare_runs(baseline: FloodRun, variant: FloodRun) -> list[dict[str, Any]]:
    """The impact summaries of two runs side by side (see ``compare_summaries``)."""
    from viewer.scenarios.impacts import compare_summaries

    def numbers(run: FloodRun) -> dict[str, Any]:
        return {"flooded_area_m2": run.summary()["flooded_area_m2"],
                **(run.impacts.summary if run.impacts is not None else {})}

    return compare_summaries(numbers(baseline), numbers(variant), names=("baseline", "measures"))


# --- files and the headless command ------------------------------------------------------------

def read_scenario_file(path: str | Path, name: str | None = None) -> FloodScenario:
    """A scenario from a TOML or JSON file: one scenario table, or ``[[scenarios]]`` (then the one
    called ``name``, or the only one)."""
    import json
    import tomllib

    path = Path(path)
    try:
        text = path.read_bytes()
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text.decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: not a readable scenario file ({exc})") from exc
    entries = data.get("scenarios", [data] if "event" in data else [])
    entries = [e for e in entries if e.get("kind", "flood") == "flood"]
    if name:
        entries = [e for e in entries if e.get("name") == name] or entries[:0]
    if len(entries) != 1:
        raise ScenarioError(f"{path}: holds {len(entries)} flood scenarios"
                            + (f" named {name!r}" if name else "") + "; expected one")
    return FloodScenario.from_dict(entries[0])


def write_scenario_file(path: str | Path, scenario: FloodScenario) -> Path:
    """Save one scenario as TOML (``[[scenarios]]``, the form the project manifest uses)."""
    import tomli_w

    path = Path(path)
    path.write_text(tomli_w.dumps({"scenarios": [scenario.to_dict()]}), encoding="utf-8")
    return path


def find_scenario(project: Project, project_dir: str | Path, name: str) -> FloodScenario:
    """The scenario called ``name``: a scenario file path, one of the project's saved scenarios
    (its manifest's ``[[scenarios]]``, read by ``load_project``), or a built-in one
    (``design-storm``, ``recorded-storm`` or their full names)."""
    candidate = Path(name)
    if candidate.suffix.lower() in (".toml", ".json") and candidate.is_file():
        return read_scenario_file(candidate)
    saved = list(project.scenarios)
    found = project.scenario_named(name)
    if found is not None:
        return found
    aliases = {"design-storm": design_storm_scenario, "design": design_storm_scenario,
               DESIGN_STORM_NAME: design_storm_scenario, "recorded-storm": recorded_storm_scenario,
               "recorded": recorded_storm_scenario, RECORDED_STORM_NAME: recorded_storm_scenario}
    if name in aliases:
        return aliases[name](project)
    known = [s.name for s in saved] + ["design-storm", "recorded-storm"]
    raise ScenarioError(f"no flood scenario {name!r} in {project_dir} (known: {', '.join(known)})")


def scenario_run_command(project_dir: str | Path, scenario_name: str, out_dir: str | Path,
                         cell_size: float | None = None, baseline: bool = False,
                         echo=print) -> int:
    """``citytwin scenario run flood --project DIR --scenario NAME --out DIR``.

    Loads the project, finds the scenario (see :func:`find_scenario`), runs it, writes the results
    (:func:`export_results`) and prints the key numbers. With ``baseline`` and measures in the
    scenario, the same event without measures runs too, into ``OUT/baseline``, and
    ``comparison.csv`` holds the two side by side. Returns 0 on success, 2 on bad input.
    """
    import sys

    from viewer.commands.project_io import load_project
    from viewer.readers.errors import ReadError

    shown = set()

    def report(fraction: float, message: str) -> None:
        if int(fraction * 10) not in shown:  # every 10 %
            shown.add(int(fraction * 10))
            print(f"  {fraction:4.0%} {message}", file=sys.stderr, flush=True)

    try:
        project = load_project(project_dir)
        for problem in getattr(project, "load_errors", []):  # e.g. a saved scenario that cannot be read
            print(f"warning: {problem}", file=sys.stderr)
        scenario = find_scenario(project, project_dir, scenario_name)
        echo(f"flood scenario {scenario.name!r} on {project.name}")
        run = run_flood(project, scenario, Progress(report), cell_size=cell_size)
        files = export_results(run, out_dir)
        rows = None
        if baseline and scenario.measures:
            base = run_flood(project, scenario.baseline(), Progress(report), cell_size=cell_size)
            export_results(base, Path(out_dir) / "baseline")
            rows = compare_runs(base, run)
            _write_rows(Path(out_dir) / "comparison.csv", rows)
    except (ScenarioError, ReadError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for note in run.warnings:
        echo(f"warning: {note}")
    echo(_summary_text(run))
    if rows:
        from viewer.scenarios.impacts import comparison_text

        echo(comparison_text(rows))
    echo(f"wrote {len(files)} files to {out_dir}")
    return 0


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")


def _summary_text(run: FloodRun) -> str:
    s = run.summary()
    lines = [f"  {s['start']} .. {s['end']}, {s['grid'][0]} x {s['grid'][1]} cells of {s['cell_size_m']:g} m, "
             f"{s['frames']} frames",
             f"  max depth {s['max_depth_m']:.2f} m, flooded area {s['flooded_area_m2'] / 1e4:.1f} ha, "
             f"mass balance error {s['mass_balance_error']:.2e}"]
    imp = s.get("impacts", {})
    if "buildings_total" in imp:
        lines.append(f"  buildings flooded {imp['buildings_affected']} of {imp['buildings_total']} "
                     f"({', '.join(f'{k}: {v}' for k, v in imp['buildings_by_class'].items())}), "
                     f"residents affected {imp['residents_affected']}, damage {imp['damage_total']:,.0f} "
                     f"{imp['damage_currency']}")
    if "roads_total" in imp:
        lines.append(f"  roads cut {imp['roads_cut']} of {imp['roads_total']} "
                     f"({imp['road_length_impassable_m'] / 1000:.2f} km impassable)")
    if "facilities_total" in imp:
        lines.append(f"  facilities flooded {imp['facilities_affected']}, cut off {imp['facilities_cut_off']} "
                     f"of {imp['facilities_total']}")
    return "\n".join(lines)
