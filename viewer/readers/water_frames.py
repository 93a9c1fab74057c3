"""Water-depth frames (a flood run on the clock) as one GeoTIFF that QGIS also opens.

Band k (1..n) is the depth in m at the k-th frame time (its band description is the ISO 8601 UTC
time); the last band is the bed elevation the water stands on ("bed"). The tag ``TIMES_NS`` holds
the frame times as int64 ns UTC and ``ROLE`` is ``water``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from viewer.core.water_layer import WaterDepthLayer
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.errors import ReadError

NODATA = -9999.0


def _iso(t_ns: int) -> str:
    return np.datetime_as_string(np.datetime64(int(t_ns), "ns"), unit="s") + "Z"


def write_water(layer: WaterDepthLayer, path: Path) -> None:
    """Write ``layer``'s frames and bed to ``path`` (tiled, DEFLATE)."""
    import rasterio
    from affine import Affine

    bands = np.concatenate([layer.frames, np.asarray(layer.bed, np.float32)[None]]).astype(np.float32)
    bands = np.where(np.isfinite(bands), bands, NODATA).astype(np.float32)
    count, rows, cols = bands.shape
    profile = {"driver": "GTiff", "width": cols, "height": rows, "count": count, "dtype": "float32",
               "crs": layer.crs or None, "transform": Affine(*layer.transform), "compress": "deflate",
               "nodata": NODATA, "interleave": "band"}
    if rows >= 256 and cols >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(bands)
        dst.update_tags(ROLE="water", TIMES_NS=json.dumps([int(t) for t in layer.times_ns]))
        for band, t_ns in enumerate(layer.times_ns, start=1):
            dst.set_band_description(band, _iso(t_ns))
        dst.set_band_description(count, "bed")


def read_water(path: Path, name: str = "") -> WaterDepthLayer:
    """Read what :func:`write_water` wrote; ReadError naming ``path`` when it is not such a file."""
    import rasterio

    try:
        with rasterio.open(path) as src:
            tags = src.tags()
            if tags.get("ROLE") != "water" or "TIMES_NS" not in tags:
                raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "not a CityTwin water-depth file (no "
                                                                     "ROLE=water / TIMES_NS "
                                                          "tags)"))
            times = np.asarray(json.loads(tags["TIMES_NS"]), dtype=np.int64)
            bands = src.read().astype(np.float32)
            crs = src.crs.to_string() if src.crs else ""
            transform = tuple(src.transform)[:6]
    except (rasterio.errors.RasterioIOError, ValueError) as exc:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "cannot read water-depth frames ({detail})"),
                        detail=exc) from exc
    if len(bands) != len(times) + 1:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "{bands} bands for {times} frame times (expected "
                                                             "one more: "
                                                    "the bed)"), bands=len(bands), times=len(times))
    bands[bands == NODATA] = np.nan
    frames = np.nan_to_num(bands[:-1], nan=0.0)
    return WaterDepthLayer(name=name or Path(path).stem, frames=frames, times_ns=times, bed=bands[-1],
                           crs=crs, transform=transform, role="image")
