"""``citytwin sensors ...``: import, inspect, record and publish sensor data without a window."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``sensors`` sub-commands."""
    sensors = sub.add_parser("sensors", help="import, inspect, record and publish sensor data")
    verbs = sensors.add_subparsers(dest="verb", required=True)
    imp = verbs.add_parser("import", help="CSV or Parquet table -> a recording folder")
    imp.add_argument("file")
    imp.add_argument("--out", required=True)
    imp.add_argument("--time-column", action="append", default=None,
                     help="time column; give it twice for separate date and time-of-day columns")
    imp.add_argument("--tz", default=None, help="time zone of naive times, e.g. +07:00 or Asia/Ho_Chi_Minh")
    imp.add_argument("--layout", choices=["long", "wide"], default=None)
    imp.add_argument("--sensor-column", default=None)
    imp.add_argument("--value-column", default=None)
    imp.add_argument("--units", action="append", default=None,
                     help="UNIT for every sensor, or NAME=UNIT per sensor (repeatable); else from column names")
    imp.add_argument("--columns", default=None, help="wide layout: comma-separated columns to import")
    imp.add_argument("--time-format", default=None, help="strptime format when times are ambiguous")
    info = verbs.add_parser("info", help="datastreams, counts, first and last time (UTC)")
    info.add_argument("recording")
    rec = verbs.add_parser("record", help="record an MQTT feed until stopped (Ctrl+C)")
    rec.add_argument("--broker", required=True, help="HOST:PORT")
    rec.add_argument("--topic", action="append", required=True)
    rec.add_argument("--out", required=True)
    pub = verbs.add_parser("publish", help="publish a recording to an MQTT broker at a chosen speed")
    pub.add_argument("--recording", required=True)
    pub.add_argument("--broker", required=True, help="HOST:PORT")
    pub.add_argument("--speed", type=float, default=60.0)


def _units(values: list[str] | None) -> str | dict[str, str] | None:
    """``--units m`` (one for all) or ``--units a=m --units b=mm``."""
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        return values[0]
    return dict(v.split("=", 1) for v in values if "=" in v)


def _import(args: argparse.Namespace) -> int:
    from viewer.commands.sensor_files import import_sensors
    from viewer.sensors.table_time import TableImportError

    time_column = args.time_column
    if time_column and len(time_column) == 1:
        time_column = time_column[0]
    elif time_column:
        time_column = tuple(time_column[:2])
    options = {}
    if args.columns:
        options["columns"] = [c.strip() for c in args.columns.split(",") if c.strip()]
    if args.time_format:
        options["time_format"] = args.time_format
    try:
        report = import_sensors(Path(args.file), Path(args.out), time_column=time_column, tz=args.tz,
                                layout=args.layout, sensor_column=args.sensor_column,
                                value_column=args.value_column, units=_units(args.units), **options)
    except (TableImportError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report)
    return 0


def run(args: argparse.Namespace) -> int:
    """Carry out a ``sensors`` sub-command; returns the exit status."""
    if args.verb == "import":
        return _import(args)
    if args.verb == "info":
        from viewer.commands.sensor_files import sensors_info

        try:
            print(sensors_info(Path(args.recording)))
        except FileNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    if args.verb == "record":
        from viewer.commands.sensor_live import record

        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        record(args.broker, args.topic, Path(args.out), network=None, stop_event=stop)
        return 0
    if args.verb == "publish":
        from viewer.commands.sensor_live import publish

        count = publish(Path(args.recording), args.broker, args.speed)
        print(f"published {count} observations")
        return 0
    print(f"unknown sensors command {args.verb}", file=sys.stderr)
    return 2
