"""``citytwin validate flood``: run the flood engine's validation cases and print their table.

The cases (pure functions in :mod:`viewer.scenarios.flood.validation`) get their data here, from the
shared data folder (``flood/analytic_macdonald_1d`` and ``flood/merewether_arr_p15``, read with numpy;
the DEM is an ESRI ASCII grid inside a zip). Run as a module to regenerate the docs' figures::

    python -m viewer.commands.flood_validation --data ../shared/data --figures docs/validation
"""

from __future__ import annotations

import argparse
import os
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from viewer.core.progress import Progress
from viewer.scenarios.flood.validation import CaseOutcome, ValidationRow

MACDONALD_DIR = Path("flood") / "analytic_macdonald_1d"
MEREWETHER_DIR = Path("flood") / "merewether_arr_p15"


def default_data_dir() -> Path:
    """$CITYTWIN_SHARED_DATA, else ../shared/data beside the repository."""
    env = os.environ.get("CITYTWIN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"


def read_macdonald(data_dir: Path, rain: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, bed and analytic water surface of the MacDonald channel (Itzi's CSV: dx, topo, wse)."""
    path = Path(data_dir) / MACDONALD_DIR / ("mcdo_rain.csv" if rain else "mcdo_norain.csv")
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return table[:, 0], table[:, 1], table[:, 2]


def read_zipped_grid(archive: Path) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Elevation (NaN for no-data), cell size and upper-left corner of the first ESRI ASCII grid
    (``.asc``) in a zip, read by GDAL inside the archive."""
    import rasterio

    with zipfile.ZipFile(archive) as handle:
        name = next(n for n in handle.namelist() if n.lower().endswith(".asc"))
    with rasterio.open(f"/vsizip/{Path(archive).resolve()}/{name}") as grid:
        z = grid.read(1, masked=True).astype(np.float64).filled(np.nan)
        return z, float(grid.transform.a), (float(grid.transform.c), float(grid.transform.f))


@dataclass
class MerewetherData:
    """The Merewether case as arrays: DEM, houses, road, observation marks."""

    z: np.ndarray
    dx: float
    origin: tuple[float, float]
    houses: list[np.ndarray]
    road: np.ndarray
    points: np.ndarray
    observed: np.ndarray
    tuflow: np.ndarray
    labels: list[str]


def read_merewether(data_dir: Path) -> MerewetherData:
    """Read the ARR P15 Merewether files (see the folder's MANIFEST)."""
    folder = Path(data_dir) / MEREWETHER_DIR
    z, dx, origin = read_zipped_grid(folder / "topography1.zip")
    houses = [np.loadtxt(path, delimiter=",") for path in sorted((folder / "houses").glob("*.csv"))]
    road = np.loadtxt(folder / "Road" / "RoadPolygon.csv", delimiter=",")
    marks = np.genfromtxt(folder / "Observations" / "ObservationPoints.csv", delimiter=",", skip_header=1)
    # columns: x, y, ID, stage (draft report), stage (ARR final report), TUFLOW (ARR final report)
    return MerewetherData(z, dx, origin, houses, road, marks[:, :2], marks[:, 4], marks[:, 5],
                          [f"ID{int(i)}" for i in marks[:, 2]])


def _lake(data_dir: Path, progress: Progress | None) -> CaseOutcome:
    from viewer.scenarios.flood.validation.lake_at_rest import lake_at_rest

    return lake_at_rest()


def _macdonald(rain: bool) -> Callable[[Path, Progress | None], CaseOutcome]:
    def run(data_dir: Path, progress: Progress | None) -> CaseOutcome:
        from viewer.scenarios.flood.validation.macdonald import macdonald_1d

        x, bed, wse = read_macdonald(data_dir, rain)
        if rain:  # Itzi's case: 0.2 m/s on the first 5 m cell (1 m2/s) plus 3600 mm/h, 40 min
            return macdonald_1d(x, bed, wse, rain_mm_h=3600.0, q_in_m2s=1.0, duration_s=2400.0,
                                case="macdonald_rain")
        return macdonald_1d(x, bed, wse, q_in_m2s=2.0, duration_s=1200.0, case="macdonald_norain")

    return run


def _thacker(data_dir: Path, progress: Progress | None) -> CaseOutcome:
    from viewer.scenarios.flood.validation.thacker import thacker_paraboloid

    return thacker_paraboloid()


def _merewether(advection: bool) -> Callable[[Path, Progress | None], CaseOutcome]:
    def run(data_dir: Path, progress: Progress | None) -> CaseOutcome:
        from viewer.scenarios.flood.validation.merewether import merewether, merewether_grid

        data = read_merewether(data_dir)
        grid = merewether_grid(data.z, data.dx, data.origin, data.houses, data.road)
        return merewether(grid, (382265.0, 6354280.0), 10.0, 19.7, data.points, data.observed,
                          data.labels, reference=data.tuflow, advection=advection, progress=progress)

    return run


CASES: dict[str, Callable[[Path, Progress | None], CaseOutcome]] = {
    "lake_at_rest": _lake,
    "macdonald_norain": _macdonald(rain=False),
    "macdonald_rain": _macdonald(rain=True),
    "thacker_paraboloid": _thacker,
    "merewether": _merewether(advection=True),
    "merewether_local_inertial": _merewether(advection=False),
}


def run_validation(data_dir: Path, cases: Sequence[str] | None = None,
                   progress: Progress | None = None) -> list[CaseOutcome]:
    """Run the named cases (all by default) and return their outcomes, figures included."""
    names = list(cases) if cases else list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        raise ValueError(f"unknown flood validation case(s): {', '.join(unknown)}; "
                         f"known: {', '.join(CASES)}")
    outcomes = []
    for k, name in enumerate(names):
        sub = progress.sub(k / len(names), (k + 1) / len(names)) if progress is not None else None
        if sub is not None:
            sub.update(0.0, f"validating {name}")
        outcomes.append(CASES[name](Path(data_dir), sub))
    return outcomes


def validate_flood(data_dir: Path, cases: Sequence[str] | None = None,
                   progress: Progress | None = None) -> list[ValidationRow]:
    """Run the flood validation cases and return their rows (case, metric, value, threshold, passed)."""
    return [row for outcome in run_validation(data_dir, cases, progress) for row in outcome.rows]


def format_table(rows: Sequence[ValidationRow]) -> str:
    """A plain-text table of the rows: case, metric, value, threshold, pass."""
    headers = ["case", "metric", "value", "threshold", "pass"]
    cells = [[r.case, r.metric, _number(r.value), r.threshold,
              "-" if r.passed is None else ("PASS" if r.passed else "FAIL")] for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headers)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(v.ljust(w) for v, w in zip(c, widths)) for c in cells]
    return "\n".join(lines)


def format_markdown(rows: Sequence[ValidationRow]) -> str:
    """The same table in Markdown, for docs/validation.md."""
    lines = ["| case | metric | value | threshold | pass |", "| --- | --- | ---: | --- | --- |"]
    for r in rows:
        verdict = "-" if r.passed is None else ("**pass**" if r.passed else "**FAIL**")
        lines.append(f"| {r.case} | {r.metric} | {_number(r.value)} | {r.threshold} | {verdict} |")
    return "\n".join(lines)


def _number(value: float) -> str:
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.2e}"
    return f"{value:.4f}" if abs(value) < 100 else f"{value:,.0f}"


def write_figures(outcomes: Sequence[CaseOutcome], out_dir: Path) -> list[Path]:
    """One PNG per case (profiles against the analytic solution; Merewether's map and marks)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for outcome in outcomes:
        fig = outcome.figure
        if not fig:
            continue
        if outcome.case.startswith("merewether"):
            figure = _merewether_figure(plt, outcome)
        else:
            figure = _profile_figure(plt, outcome)
        path = out_dir / f"{outcome.case}.png"
        figure.tight_layout()
        figure.savefig(path, dpi=90)
        plt.close(figure)
        written.append(path)
    return written


def _profile_figure(plt, outcome: CaseOutcome):
    """The water surface along the case's axis over the bed; below it, the error against the
    analytic surface where there is one."""
    fig = outcome.figure
    has_exact = "exact" in fig
    figure, axes = plt.subplots(2 if has_exact else 1, 1, figsize=(9, 6.5 if has_exact else 4.5),
                                sharex=True, squeeze=False, gridspec_kw={"height_ratios": [2, 1][:1 + has_exact]})
    top = axes[0, 0]
    x = fig.get("x", np.arange(fig["bed"].size))
    top.fill_between(x, fig["bed"], np.nanmin(fig["bed"]) - 0.05, color="0.8", label="bed")
    if has_exact:
        top.plot(x, fig["exact"], "k-", lw=2.5, label="analytic")
    for key, style in (("advection", "C0--"), ("local inertial", "C3:")):
        if key in fig:
            top.plot(x, fig[key], style, lw=1.8, label=f"engine, {key}")
            if has_exact:
                axes[1, 0].plot(x, fig[key] - fig["exact"], style, lw=1.5, label=f"engine, {key}")
    top.set_ylabel("water surface (m)")
    top.set_title(outcome.case.replace("_", " "))
    top.legend()
    if has_exact:
        axes[1, 0].axhline(0.0, color="k", lw=0.8)
        axes[1, 0].set_ylabel("engine - analytic (m)")
    axes[-1, 0].set_xlabel("x (m)")
    return figure


def _merewether_figure(plt, outcome: CaseOutcome):
    fig = outcome.figure
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 6), gridspec_kw={"width_ratios": [1.2, 1]})
    xmin, ymin, xmax, ymax = fig["extent"]
    depth = np.where(fig["max_depth"] > 0.01, fig["max_depth"], np.nan)
    left.imshow(fig["bed"], extent=(xmin, xmax, ymin, ymax), cmap="gray")
    shown = left.imshow(depth, extent=(xmin, xmax, ymin, ymax), cmap="Blues", vmin=0, vmax=1.2)
    figure.colorbar(shown, ax=left, label="maximum depth (m)")
    for r, c in fig["cells"]:
        left.plot(xmin + (c + 0.5) * (xmax - xmin) / depth.shape[1],
                  ymax - (r + 0.5) * (ymax - ymin) / depth.shape[0], "r*", ms=12)
    left.set_title(outcome.case.replace("_", " ") + ": maximum depth and the five marks")
    marks = np.arange(fig["observed"].size)
    right.bar(marks - 0.25, fig["peak"] - fig["observed"], 0.25, label="engine - observed")
    if "reference" in fig:
        right.bar(marks, fig["reference"] - fig["observed"], 0.25, label="TUFLOW - observed")
    right.axhline(0.25, color="r", lw=0.8, ls="--")
    right.axhline(-0.25, color="r", lw=0.8, ls="--")
    right.set_xticks(marks)
    right.set_ylabel("peak stage error (m)")
    right.set_xlabel("observation mark (file order: ID4, ID3, ID0, ID1, ID2)")
    right.legend()
    return figure


def run_cli(data_dir: str | Path | None = None, cases: Sequence[str] | None = None,
            figures: str | Path | None = None) -> int:
    """What ``citytwin validate flood`` does: run, print the table (progress on stderr), optionally
    write the figures and ``table.md``; 0 when every threshold holds, 1 otherwise, 2 on bad input."""
    progress = Progress(lambda f, m: print(f"\r{f:6.1%} {m:60s}", end="", file=sys.stderr))
    try:
        outcomes = run_validation(Path(data_dir) if data_dir else default_data_dir(), cases, progress)
    except (ValueError, OSError) as error:  # an unknown case, a missing data folder
        print(f"\nerror: {error}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    rows = [row for outcome in outcomes for row in outcome.rows]
    print(format_table(rows))
    if figures:
        for path in write_figures(outcomes, Path(figures)):
            print(f"wrote {path}")
        (Path(figures) / "table.md").write_text(format_markdown(rows) + "\n")
    return 0 if all(r.passed is not False for r in rows) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m viewer.commands.flood_validation [--data DIR] [--case NAME]... [--figures DIR]``."""
    parser = argparse.ArgumentParser(prog="citytwin validate flood")
    parser.add_argument("--data", default=None, help="the shared data folder (holds flood/)")
    parser.add_argument("--case", action="append", choices=list(CASES), help="run only these cases")
    parser.add_argument("--figures", default=None, help="write the figures (PNG) and table.md here")
    args = parser.parse_args(argv)
    return run_cli(args.data, args.case, args.figures)


if __name__ == "__main__":
    sys.exit(main())
