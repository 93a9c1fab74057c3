"""Writers for the standard files a project folder holds (GeoPackage, GeoTIFF)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from viewer.core.layers import RasterLayer, VectorLayer


def write_vector(layer: VectorLayer, path: Path, table: str) -> None:
    """Write ``layer`` as table ``table`` of the GeoPackage ``path`` (created or appended)."""
    import pyogrio

    frame = layer.frame
    kwargs = {"layer": table, "driver": "GPKG"}
    if path.exists():
        kwargs["append"] = False
    pyogrio.write_dataframe(frame, path, **kwargs)


def write_raster(layer: RasterLayer, path: Path) -> None:
    """Write ``layer`` as a tiled, DEFLATE-compressed GeoTIFF (NaN written as nodata)."""
    import rasterio
    from affine import Affine

    data = layer.data
    nodata = layer.nodata
    if np.issubdtype(data.dtype, np.floating):
        nodata = -9999.0 if nodata is None or not np.isfinite(nodata) else nodata
        data = np.where(np.isnan(data), nodata, data).astype(data.dtype)
    bands, rows, cols = data.shape
    profile = {"driver": "GTiff", "width": cols, "height": rows, "count": bands,
               "dtype": data.dtype.name, "crs": layer.crs, "transform": Affine(*layer.transform),
               "compress": "deflate", "nodata": nodata}
    if rows >= 256 and cols >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        dst.update_tags(ROLE=layer.role)
