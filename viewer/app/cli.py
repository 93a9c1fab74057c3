"""The ``citytwin`` command: the desktop app, and headless ``info`` and ``render``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citytwin", description="CityTwin, a desktop digital twin of a city.")
    sub = parser.add_subparsers(dest="command")
    gui = sub.add_parser("open", help="open the app (the default; no path: the demo district)")
    gui.add_argument("paths", nargs="*", help="files or project folders to open")
    info = sub.add_parser("info", help="print the layers, CRS, counts and extents of files")
    info.add_argument("paths", nargs="+")
    info.add_argument("--crs", default=None, help="CRS for files that carry none")
    render = sub.add_parser("render", help="render files (or the demo district) to a PNG")
    render.add_argument("paths", nargs="*")
    render.add_argument("--view", choices=["2d", "3d"], default="3d")
    render.add_argument("--out", required=True, help="PNG file to write")
    render.add_argument("--size", default="1600x900", help="WIDTHxHEIGHT in pixels")
    render.add_argument("--camera", choices=["overview", "street"], default="overview")
    render.add_argument("--crs", default=None, help="CRS for files that carry none")
    from viewer.app import cli_scenario, cli_selftest, cli_sensors

    cli_sensors.add_parser(sub)
    cli_scenario.add_parsers(sub)
    cli_selftest.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``citytwin`` console script."""
    import multiprocessing

    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {"open", "info", "render", "sensors", "scenario", "validate", "selftest",
                                    "-h", "--help"}:
        argv = ["open", *argv]
    args = _parser().parse_args(argv)
    if args.command == "info":
        return _info(args)
    if args.command == "render":
        return _render(args)
    if args.command in ("scenario", "validate"):
        from viewer.app import cli_scenario

        return cli_scenario.run(args)
    if args.command == "selftest":
        from viewer.app import cli_selftest

        return cli_selftest.run(args)
    if args.command == "sensors":
        from viewer.app import cli_sensors

        return cli_sensors.run(args)
    from viewer.app.gui import run_gui

    return run_gui(args.paths)


def _info(args: argparse.Namespace) -> int:
    from viewer.commands.info import describe_path
    from viewer.readers.registry import ReadOptions

    options = ReadOptions(default_crs=args.crs)
    status = 0
    for path in args.paths:
        text = describe_path(path, options)
        print(text)
        status |= int("\n  error:" in text)
    return status


def _render(args: argparse.Namespace) -> int:
    from viewer.app.headless import load_for_render, render_2d, render_3d

    width, height = (int(v) for v in args.size.lower().split("x"))
    project, errors = load_for_render(args.paths, args.crs)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if not len(project.layers):
        print("error: nothing to render", file=sys.stderr)
        return 2
    out = Path(args.out)
    if args.view == "3d":
        render_3d(project, out, (width, height), args.camera)
    else:
        render_2d(project, out, (width, height))
    print(f"wrote {out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
