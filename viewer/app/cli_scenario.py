"""``citytwin scenario run`` and ``citytwin validate``: what-if runs and engine validation."""

from __future__ import annotations

import argparse


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register the ``scenario`` and ``validate`` sub-commands."""
    sc = sub.add_parser("scenario", help="run what-if scenarios without a window")
    verbs = sc.add_subparsers(dest="verb", required=True)
    run = verbs.add_parser("run", help="run a scenario and write its results")
    run.add_argument("hazard", choices=["flood"])
    run.add_argument("--project", required=True, help="project folder")
    run.add_argument("--scenario", required=True,
                     help="[[scenarios]] name, a scenario .toml/.json file, design-storm or recorded-storm")
    run.add_argument("--out", required=True, help="folder for GeoTIFFs, CSV and summary.json")
    run.add_argument("--cell-size", type=float, default=None, help="grid cell in m")
    run.add_argument("--baseline", action="store_true",
                     help="also run without measures; writes baseline/ and comparison.csv")
    val = sub.add_parser("validate", help="run an engine's validation cases and print a table")
    val.add_argument("engine", choices=["flood"])
    val.add_argument("--data", default=None,
                     help="the shared data folder holding flood/ (default $CITYTWIN_SHARED_DATA or ../shared/data)")
    val.add_argument("--case", action="append", default=None, help="run only these cases")
    val.add_argument("--figures", default=None, help="also write each case's figure (PNG) and table.md here")


def run(args: argparse.Namespace) -> int:
    """Carry out ``scenario`` or ``validate``; returns the exit status."""
    if args.command == "scenario":
        from viewer.commands.flood_run import scenario_run_command

        return scenario_run_command(args.project, args.scenario, args.out, cell_size=args.cell_size,
                                    baseline=args.baseline)
    from viewer.commands.flood_validation import run_cli

    return run_cli(args.data, args.case, args.figures)
