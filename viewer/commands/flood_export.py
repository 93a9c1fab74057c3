"""Write a flood run to files QGIS and a spreadsheet open: GeoTIFFs in the project CRS, CSV, JSON.

``out_dir`` receives:

- ``max_depth.tif``: deepest water of each cell (m, float32; -9999 on no-data cells);
- ``arrival_time.tif``: seconds from the start to the first 5 cm of water (float32; -9999 where
  the water never came, and on no-data cells);
- ``depth_series.tif``: one band per frame (m, float32), band descriptions the frames' ISO 8601 UTC
  times, tags ``START`` (ISO) and ``TIMES_S`` (seconds since the start, comma-separated);
- ``impacts.csv``: one row per building: its attributes plus ``flood_depth_m``, ``flood_class``,
  ``flood_class_label``, ``flood_affected``, ``flood_damage`` ...; ``roads.csv`` and
  ``facilities.csv`` likewise;
- ``summary.json``: the scenario, the run, the water balance, the impact numbers and the warnings.

CSV files are UTF-8 with a byte-order mark, so Excel reads the Vietnamese names right.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from viewer.commands.flood_run import FloodRun

NODATA = -9999.0


def _write_tif(path: Path, bands: np.ndarray, run: FloodRun, descriptions: list[str] | None = None,
               tags: dict[str, str] | None = None) -> Path:
    import rasterio
    from affine import Affine

    bands = np.asarray(bands, dtype=np.float32)
    if bands.ndim == 2:
        bands = bands[None]
    nodata_cells = ~np.isfinite(run.inputs.z)
    bands = np.where(np.isfinite(bands) & ~nodata_cells[None], bands, NODATA).astype(np.float32)
    profile = {"driver": "GTiff", "height": bands.shape[1], "width": bands.shape[2],
               "count": bands.shape[0], "dtype": "float32", "nodata": NODATA,
               "transform": Affine(*run.inputs.transform), "compress": "deflate",
               "crs": run.inputs.crs or None}
    if bands.shape[1] >= 256 and bands.shape[2] >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(bands)
        for k, text in enumerate(descriptions or [], start=1):
            dst.set_band_description(k, text)
        dst.update_tags(SOURCE="CityTwin flood scenario", SCENARIO=run.scenario.name, **(tags or {}))
    return path


def _write_csv(path: Path, frame, table, prefix: str) -> Path:
    import pandas as pd

    if frame is not None:
        attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
    else:
        attrs = pd.DataFrame(index=range(len(table)))
    renamed = table.reset_index(drop=True).rename(columns=lambda c: prefix + c)
    out = pd.concat([attrs, renamed.drop(columns=[prefix + "name"], errors="ignore")], axis=1)
    out.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def export_results(run: FloodRun, out_dir: str | Path) -> list[Path]:
    """Write the run's rasters, tables and summary into ``out_dir`` (created); returns the paths."""
    from viewer.scenarios.flood_scenario import ns_to_iso

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = ns_to_iso(run.start_ns)
    written = [
        _write_tif(out / "max_depth.tif", run.max_depth, run, ["max depth (m)"], {"START": start}),
        _write_tif(out / "arrival_time.tif", run.arrival_time_s, run,
                   ["arrival time (s since start)"], {"START": start, "ARRIVAL_DEPTH_M": "0.05"}),
    ]
    if len(run.depth):
        times = run.result.times_s
        written.append(_write_tif(out / "depth_series.tif", run.depth, run,
                                  [ns_to_iso(int(t)) for t in run.times_ns],
                                  {"START": start, "TIMES_S": ",".join(f"{t:g}" for t in times)}))
    if run.impacts is not None:
        layers = run.inputs.layers
        for name, key in (("impacts.csv", "buildings"), ("roads.csv", "roads"), ("facilities.csv", "facilities")):
            table = getattr(run.impacts, key)
            if table is not None:
                layer = layers.get(key)
                written.append(_write_csv(out / name, getattr(layer, "frame", None), table, "flood_"))
    summary = run.summary() | {"definition": run.scenario.to_dict(),
                               "files": [p.name for p in written] + ["summary.json"]}
    path = out / "summary.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=_json_default), encoding="utf-8")
    written.append(path)
    return written


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
