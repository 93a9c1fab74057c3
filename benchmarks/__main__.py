"""Run the benchmarks and print one table.

Usage: ``python -m benchmarks [NAME ...] [--sizes N,N,...] [--repeats N]``.
NAMEs: ``buildings`` (10k, 100k, 300k generated buildings), ``sensors`` (MQTT ingest into the
store), ``replay`` (1,000 sensors, a week at one-minute steps), ``flood`` (Merewether, beside ANUGA 4.1;
needs ``pip install -e .[bench]``); default: all. Each size runs in its
own process so peak memory is its own.
Needs an X server for the 3D and 2D frames; without DISPLAY it re-runs itself under xvfb-run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

# name -> (module, default sizes, default repeats)
BENCHMARKS = {
    "buildings": ("benchmarks.bench_buildings", "10000,100000,300000", 5),
    "sensors": ("benchmarks.bench_sensors", "200000", 1),
    "replay": ("benchmarks.bench_replay", "1000", 50),
    "flood": ("benchmarks.bench_flood", "133536", 3),
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS))
    parser.add_argument("--sizes", default=None, help="override the sizes of every named benchmark")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, "-m", "benchmarks", *sys.argv[1:]]
        return subprocess.call(cmd)
    rows: list[dict] = []
    for name in args.names:
        module, sizes, repeats = BENCHMARKS[name]
        for size in (int(s) for s in (args.sizes or sizes).split(",")):
            run = subprocess.run([sys.executable, "-m", module, str(size), str(args.repeats or repeats)],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                rows.append({"benchmark": name, "size": size, "metric": "error",
                             "value": run.stderr.strip().splitlines()[-1][:60] if run.stderr else "?", "unit": ""})
                continue
            rows.extend(json.loads(run.stdout.strip().splitlines()[-1]))
    _print_table(rows)
    return 0


def _format(value) -> str:
    if not isinstance(value, float):
        return str(value)
    return f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}"


def _print_table(rows: list[dict]) -> None:
    headers = ["benchmark", "size", "metric", "value", "unit", "target"]
    cells = [[_format(r.get(h, "")) for h in headers] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("-+-".join("-" * w for w in widths))
    for c in cells:
        print(" | ".join(v.ljust(w) for v, w in zip(c, widths)))


if __name__ == "__main__":
    sys.exit(main())
