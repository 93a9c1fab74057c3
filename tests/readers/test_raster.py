"""Rasters: the Fort Worth DEM, the Landsat RGB image, nodata, decimation and missing CRS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from viewer.readers import ReadOptions, read_path
from viewer.readers.errors import MissingCRS

DEM = "dem/pysheds_fort_worth_tx/dem.tif"
LANDSAT = "raster/hvsampledata_landsat_rgb/landsat_rgb.tif"


def _write(path: Path, data: np.ndarray, crs: str | None = "EPSG:5897", nodata=None, **extra) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1],
                       count=data.shape[0], dtype=data.dtype, crs=crs, nodata=nodata,
                       transform=Affine(10, 0, 587000, 0, -10, 1110000), **extra) as ds:
        ds.write(data)
    return path


def test_fort_worth_dem(shared_data: Path):
    dem = read_path(shared_data / DEM)[0]
    assert dem.role == "dem" and dem.crs == "EPSG:4326"
    assert dem.data.shape == (1, 359, 367) and dem.data.dtype == np.float32
    np.testing.assert_allclose(dem.extent, (-97.485, 32.5225, -97.17917, 32.82167), atol=1e-4)
    assert dem.transform[0] == pytest.approx(0.000833333) and dem.transform[4] < 0
    # The file has nodata = -32768 but no cell carries it.
    assert not np.isnan(dem.data).any() and dem.source["file_nodata"] == -32768
    assert np.nanmin(dem.data) == 147.0 and np.nanmax(dem.data) == 298.0
    assert dem.source["decimation"] == 1


def test_landsat_rgb_is_an_image(shared_data: Path):
    image = read_path(shared_data / LANDSAT)[0]
    assert image.role == "image" and image.crs == "EPSG:32618"
    assert image.data.shape == (3, 215, 237) and image.data.dtype == np.uint8
    np.testing.assert_allclose(image.extent, (101985, 2611485, 339315, 2826915), atol=1)
    as_dem = read_path(shared_data / LANDSAT, ReadOptions(extra={"role": "dem"}))[0]
    assert as_dem.role == "dem"


def test_nodata_cells_become_nan(tmp_path: Path):
    data = np.arange(12, dtype=np.int16).reshape(1, 3, 4)
    data[0, 1, 2] = -9999
    dem = read_path(_write(tmp_path / "dem.tif", data, nodata=-9999))[0]
    assert dem.data.dtype == np.float32 and np.isnan(dem.data[0, 1, 2])
    assert np.isnan(dem.data).sum() == 1 and dem.data[0, 2, 3] == 11.0
    assert dem.transform == (10.0, 0.0, 587000.0, 0.0, -10.0, 1110000.0)


def test_large_rasters_are_decimated(tmp_path: Path, shared_data: Path):
    dem = read_path(shared_data / DEM, ReadOptions(extra={"max_size": 100}))[0]
    assert dem.source["decimation"] == 4 and dem.data.shape == (1, 90, 92)
    # Same footprint, coarser cells, averaged values inside the original range.
    np.testing.assert_allclose(dem.extent, (-97.485, 32.5225, -97.17917, 32.82167), atol=1e-4)
    assert 147.0 <= np.nanmin(dem.data) and np.nanmax(dem.data) <= 298.0
    big = _write(tmp_path / "big.tif", np.ones((1, 10, 4100), dtype=np.float32))
    layer = read_path(big)[0]
    assert layer.source["decimation"] == 2 and layer.data.shape == (1, 5, 2050)
    assert layer.cell_size == pytest.approx((20.0, 20.0))


def test_raster_without_crs(tmp_path: Path):
    path = _write(tmp_path / "nocrs.tif", np.ones((1, 4, 4), dtype=np.float32), crs=None)
    with pytest.raises(MissingCRS, match="nocrs.tif: "):
        read_path(path)
    assert read_path(path, ReadOptions(default_crs="EPSG:5897"))[0].crs == "EPSG:5897"


def test_paletted_raster_becomes_rgba(tmp_path: Path):
    path = tmp_path / "landuse.tif"
    data = np.array([[[0, 1], [1, 2]]], dtype=np.uint8)
    _write(path, data)
    with rasterio.open(path, "r+") as ds:
        ds.write_colormap(1, {0: (0, 0, 0, 0), 1: (255, 0, 0, 255), 2: (0, 0, 255, 255)})
    image = read_path(path)[0]
    assert image.role == "image" and image.data.shape == (4, 2, 2)
    assert tuple(image.data[:, 0, 1]) == (255, 0, 0, 255)
    assert tuple(image.data[:, 1, 1]) == (0, 0, 255, 255)
