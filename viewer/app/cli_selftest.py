"""``citytwin selftest``: what a frozen bundle found inside itself, for the packaging smoke test.

Not a user command (it has no help line). It prints one JSON object saying where each of
pyproj, rasterio and pyogrio found its own PROJ database and GDAL data, whether each can build the
VN-2000 / TM-3 zone of Cần Thơ (EPSG:5897), a point moved to VN-2000 by the project's own transform,
the demo district's DEM read by rasterio and its buildings read by pyogrio. ``packaging/smoke_test.py``
compares those numbers with what a normal install prints. ``--grab-screen`` instead writes a picture
of the whole X screen (another process's window included) to an image file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# A point in Ninh Kiều, Cần Thơ (WGS 84), and the VN-2000 zone it is checked in.
PROBE_LONLAT = (105.7851, 10.0341)
PROBE_CRS = "EPSG:5897"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the hidden ``selftest`` sub-command."""
    test = sub.add_parser("selftest")
    test.add_argument("--grab-screen", default=None, metavar="IMAGE",
                      help="write the whole screen to IMAGE (.png, .ppm ...) instead of the report")
    test.add_argument("--delay", type=float, default=0.0, help="seconds to wait before grabbing")


def run(args: argparse.Namespace) -> int:
    """Print the JSON report (or grab the screen); 0 when every part could be measured."""
    if args.grab_screen:
        return grab_screen(Path(args.grab_screen), args.delay)
    report = self_report()
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return 0 if not any("error" in part for part in report.values() if isinstance(part, dict)) else 1


def _part(func: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    # One failing library must not hide what the others found.
    try:
        return func()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"error": f"{type(exc).__name__}: {exc}"}


def _proj_db(folder: str | Path | None) -> dict[str, Any]:
    """Where a proj.db is and the PROJ version it was made for (read from its metadata table)."""
    import sqlite3

    if not folder or not (Path(folder) / "proj.db").is_file():
        return {"dir": str(folder) if folder else None, "proj_db": False}
    db = Path(folder) / "proj.db"
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as con:
        meta = dict(con.execute("SELECT key, value FROM metadata"))
    return {"dir": str(folder), "proj_db": True, "proj_db_version": meta.get("PROJ.VERSION")}


def _pyproj() -> dict[str, Any]:
    import pyproj
    from pyproj.datadir import get_data_dir

    crs = pyproj.CRS.from_user_input(PROBE_CRS)
    return {**_proj_db(get_data_dir()), "proj": pyproj.proj_version_str, "crs_name": crs.name}


def _rasterio() -> dict[str, Any]:
    import rasterio
    from rasterio._env import get_proj_data_search_paths
    from rasterio.env import get_gdal_config
    from rasterio.warp import transform

    paths = list(get_proj_data_search_paths())
    with rasterio.Env():
        gdal_data = get_gdal_config("GDAL_DATA")
    crs = rasterio.crs.CRS.from_user_input(PROBE_CRS)
    x, y = transform("EPSG:4326", PROBE_CRS, [PROBE_LONLAT[0]], [PROBE_LONLAT[1]])
    return {**_proj_db(paths[0] if paths else None), "proj_search_paths": paths,
            "gdal": rasterio.__gdal_version__, "proj": getattr(rasterio, "__proj_version__", None),
            "gdal_data": gdal_data, "crs_epsg": crs.to_epsg(),
            "crs_is_vn2000": "VN-2000" in crs.to_wkt(),
            # GDAL's own choice of datum operation, for information: the app pins EPSG:6960.
            "probe_gdal_xy": [x[0], y[0]]}


def _pyogrio() -> dict[str, Any]:
    import numpy as np
    import pyogrio
    from pyogrio.raw import write
    from shapely import points, to_wkb

    # pyogrio does not say which PROJ folder it chose; its own init looks beside its module first.
    own = Path(pyogrio.__file__).parent / "proj_data"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.gpkg"
        geometry = np.array([to_wkb(points(*PROBE_LONLAT))], dtype=object)
        write(path, geometry, [], [], driver="GPKG", geometry_type="Point", crs=PROBE_CRS)
        crs = pyogrio.read_info(path)["crs"]
    return {**_proj_db(own if own.is_dir() else None), "gdal": pyogrio.__gdal_version_string__,
            "gdal_data": pyogrio.get_gdal_data_path(), "crs_written_and_read": crs}


def _vn2000() -> dict[str, Any]:
    from viewer.readers.reproject import transform_xy, transformer

    x, y = transform_xy([PROBE_LONLAT[0]], [PROBE_LONLAT[1]], "EPSG:4326", PROBE_CRS)
    return {"lonlat": list(PROBE_LONLAT), "crs": PROBE_CRS, "xy": [float(x[0]), float(y[0])],
            "operation": transformer("EPSG:4326", PROBE_CRS).description}


def _dem() -> dict[str, Any]:
    import numpy as np
    import rasterio

    from viewer.commands.demo import demo_project_dir

    with rasterio.open(demo_project_dir() / "dem.tif") as ds:
        data = ds.read(1, masked=True)
        return {"shape": list(ds.shape), "crs": ds.crs.to_string(), "res": list(ds.res),
                "centre_value": float(data[ds.height // 2, ds.width // 2]),
                "mean": float(np.ma.mean(data))}


def _buildings() -> dict[str, Any]:
    import pyogrio

    from viewer.commands.demo import demo_project_dir

    info = pyogrio.read_info(demo_project_dir() / "district.gpkg", layer="buildings")
    return {"features": int(info["features"]), "crs": info["crs"], "geometry_type": info["geometry_type"]}


def _recording() -> dict[str, Any]:
    import pyarrow.parquet as pq

    from viewer.commands.demo import demo_project_dir

    segments = sorted((demo_project_dir() / "sensors" / "segments").glob("*.parquet"))
    table = pq.read_table(segments[0])
    return {"segments": len(segments), "first_rows": table.num_rows, "columns": table.column_names}


def _numba() -> dict[str, Any]:
    import numba

    # The flood kernels are compiled with cache=True: importing them checks numba can place a cache.
    import viewer.scenarios.flood.solver  # noqa: F401

    add = numba.njit(lambda a, b: a + b)
    return {"version": numba.__version__, "njit_1_plus_2": add(1, 2), "flood_kernels_import": True}


def _bundle() -> dict[str, Any]:
    import viewer
    from viewer.core.resources import resources_dir

    res = resources_dir()
    return {"frozen": bool(getattr(sys, "frozen", False)), "meipass": getattr(sys, "_MEIPASS", None),
            "executable": sys.executable, "viewer": str(Path(viewer.__file__).parent),
            "resources": str(res), "demo": (res / "demo" / "ninh_kieu" / "citytwin.toml").is_file(),
            "translations": sorted(p.name for p in (res / "translations").glob("*.qm")),
            "icons": sorted(p.name for p in (res / "icons").glob("*")) if (res / "icons").is_dir() else [],
            # None of these may be set for the whole process (each library finds its own data).
            "env": {k: os.environ.get(k) for k in ("PROJ_DATA", "PROJ_LIB", "GDAL_DATA")}}


def self_report() -> dict[str, Any]:
    """Everything the smoke test compares, one entry per library or file."""
    return {"pyproj": _part(_pyproj), "rasterio": _part(_rasterio), "pyogrio": _part(_pyogrio),
            "vn2000": _part(_vn2000), "dem": _part(_dem), "buildings": _part(_buildings),
            "recording": _part(_recording), "numba": _part(_numba), "bundle": _part(_bundle)}


def grab_screen(out: Path, delay: float = 0.0) -> int:
    """Write the whole screen to ``out`` (format from its suffix) after ``delay`` seconds; 1 if not."""
    from PySide6.QtGui import QGuiApplication

    time.sleep(max(delay, 0.0))
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    screen = app.primaryScreen()
    pixmap = screen.grabWindow(0) if screen is not None else None
    if pixmap is None or pixmap.isNull() or not pixmap.save(str(out)):
        print(f"error: could not grab the screen to {out}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({pixmap.width()}x{pixmap.height()})")
    return 0
