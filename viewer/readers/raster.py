"""Rasters through GDAL (rasterio): GeoTIFF/COG, VRT, ERDAS .img, ASCII grids, JPEG 2000, SRTM
.hgt, and PNG/JPEG with a world file.

A single-band numeric raster is a DEM (``role="dem"``): float32 with nodata as NaN. Anything else is
an image (``role="image"``) kept in its own data type; paletted rasters are expanded to RGBA.
``options.extra["role"]`` overrides the choice. Rasters larger than ``options.extra["max_size"]``
(default 4096) cells on a side are read decimated by rasterio (``out_shape``); the factor is kept in
``layer.source["decimation"]``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from viewer.core.layers import Layer, RasterLayer
from viewer.core.progress import Progress
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.errors import CorruptFile, ReadError
from viewer.readers.frames import options_record, settle_crs
from viewer.readers.registry import ReadOptions, register_reader
from viewer.readers.reproject import check_area

MAX_SIZE = 4096
_WORLD_FILES = {".png": (".pgw", ".pngw"), ".jpg": (".jgw", ".jpgw"), ".jpeg": (".jgw", ".jpegw")}


def _has_georeference(path: Path) -> bool:
    """For formats without built-in georeferencing: a world file or a GDAL .aux.xml beside it."""
    suffix = path.suffix.lower()
    if suffix not in _WORLD_FILES:
        return True
    candidates = [path.with_suffix(s) for s in (*_WORLD_FILES[suffix], ".wld")]
    candidates.append(path.with_name(path.name + ".aux.xml"))
    return any(c.exists() for c in candidates)


def choose_role(count: int, dtype: str, paletted: bool, options: ReadOptions) -> str:
    """``"dem"`` for one numeric band, else ``"image"``; ``options.extra["role"]`` wins."""
    role = options.extra.get("role")
    if role in ("dem", "image"):
        return str(role)
    if count == 1 and not paletted and np.issubdtype(np.dtype(dtype), np.number):
        return "dem"
    return "image"


def _palette_to_rgba(index: np.ndarray, colormap: dict[int, tuple[int, ...]]) -> np.ndarray:
    lut = np.zeros((max(max(colormap) + 1, 256), 4), dtype=np.uint8)
    for value, color in colormap.items():
        lut[value, : len(color)] = color[:4]
    return np.moveaxis(lut[np.clip(index, 0, len(lut) - 1)], -1, 0)


def _read_dataset(ds: Any, path: Path, options: ReadOptions, progress: Progress) -> RasterLayer:
    from affine import Affine
    from rasterio.enums import Resampling
    from rasterio.errors import RasterioError

    if ds.transform.is_identity and not ds.gcps[0]:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "the raster is not georeferenced (no "
                                                             "geotransform or world file)"))
    crs = settle_crs(ds.crs if ds.crs else None, path, options)
    paletted = False
    try:
        paletted = ds.count == 1 and bool(ds.colormap(1))
    except ValueError:  # rasterio raises when band 1 has no colour table
        paletted = False
    role = choose_role(ds.count, ds.dtypes[0], paletted, options)
    max_size = int(options.extra.get("max_size", MAX_SIZE))
    factor = max(1, math.ceil(max(ds.width, ds.height) / max_size))
    rows, cols = math.ceil(ds.height / factor), math.ceil(ds.width / factor)
    # Averaging keeps DEM and photo detail honest; palette indices must not be averaged.
    resampling = Resampling.nearest if paletted or factor == 1 else Resampling.average
    progress.update(0.1, f"reading {ds.count} band(s), {cols} x {rows} cells")
    try:
        data = ds.read(out_shape=(ds.count, rows, cols), masked=True, resampling=resampling)
    except RasterioError as exc:
        reason = exc.__cause__ or exc  # rasterio's "Read failed" hides GDAL's words in the cause
        raise CorruptFile(path, QT_TRANSLATE_NOOP("ReadError", "its cells cannot be read, the file may be "
                                                               "truncated "
                                                                "({detail})"), detail=reason) from exc
    progress.update(0.8, "preparing cells")
    nodata = ds.nodata
    if role == "dem":
        array = np.ma.filled(data.astype(np.float32), np.nan)
        layer_nodata = None  # NaN marks it
    elif paletted:
        array = _palette_to_rgba(np.ma.filled(data[0], 0), ds.colormap(1))
        layer_nodata = None
    else:
        array = np.ma.getdata(data)
        layer_nodata = None if nodata is None else float(nodata)
    t = ds.transform @ Affine.scale(ds.width / cols, ds.height / rows)
    source = {"path": str(path), "role": role, "decimation": factor,
              "file_shape": (ds.height, ds.width), "file_nodata": nodata, "paletted": paletted,
              "options": options_record(options)}
    return RasterLayer(name=path.name.split(".")[0], crs=crs, data=np.ascontiguousarray(array),
                       transform=(t.a, t.b, t.c, t.d, t.e, t.f), nodata=layer_nodata, role=role,
                       source=source)


@register_reader("raster", ["*.tif", "*.tiff", "*.vrt", "*.img", "*.asc", "*.jp2", "*.hgt",
                            "*.png", "*.jpg", "*.jpeg"], priority=0, sniff=_has_georeference)
def read_raster(path: Path, options: ReadOptions, progress: Progress) -> list[Layer]:
    """Read a GDAL raster as one :class:`RasterLayer` in the file's CRS.

    Raises
    ------
    MissingCRS
        When the raster has no CRS and ``options.default_crs`` is not set.
    CorruptFile
        When GDAL cannot open it or read its cells.
    """
    import rasterio
    from rasterio.errors import RasterioError

    progress.update(0.0, "opening raster")
    try:
        dataset = rasterio.open(path)
    except RasterioError as exc:
        raise CorruptFile(path, QT_TRANSLATE_NOOP("ReadError", "GDAL cannot read it as a raster ({detail})"),
                          detail=exc) from exc
    with dataset as ds:
        layer = _read_dataset(ds, path, options, progress)
    check_area(layer)
    progress.update(1.0, "read")
    return [layer]
