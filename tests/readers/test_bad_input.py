"""Bad files: each raises a ReadError subclass whose message names the file and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from viewer.core.progress import Cancelled, Progress
from viewer.readers import ReadError, read_path
from viewer.readers.errors import CorruptFile, EmptyFile, OutOfArea, UnsupportedFile


def _halve(path: Path) -> Path:
    cut = path.with_name("cut_" + path.name)
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    return cut


def test_empty_file(tmp_path: Path):
    for name in ("roads.gpkg", "dem.tif", "city.json"):
        path = tmp_path / name
        path.write_bytes(b"")
        with pytest.raises(EmptyFile, match=f"^{name}: .*empty"):
            read_path(path)


def test_truncated_geopackage(tmp_path: Path):
    rng = np.random.default_rng(7)
    frame = gpd.GeoDataFrame({"label": [f"house {i}" for i in range(3000)]},
                             geometry=shapely.points(rng.uniform(587000, 590000, (3000, 2))),
                             crs="EPSG:5897")
    whole = tmp_path / "houses.gpkg"
    frame.to_file(whole, engine="pyogrio")
    assert read_path(whole)[0].feature_count == 3000
    with pytest.raises(CorruptFile, match="^cut_houses.gpkg: .*malformed"):
        read_path(_halve(whole))


def test_truncated_geotiff(tmp_path: Path):
    whole = tmp_path / "dem.tif"
    data = np.random.default_rng(3).random((1, 400, 400), dtype=np.float32)
    with rasterio.open(whole, "w", driver="GTiff", width=400, height=400, count=1, dtype="float32",
                       crs="EPSG:5897", transform=Affine(5, 0, 587000, 0, -5, 1110000)) as ds:
        ds.write(data)
    assert read_path(whole)[0].data.shape == (1, 400, 400)
    with pytest.raises(CorruptFile, match="^cut_dem.tif: .*truncated"):
        read_path(_halve(whole))


@pytest.mark.parametrize("name", ["roads.gpkg", "dem.tif", "city.json"])
def test_random_bytes(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_bytes(np.random.default_rng(11).bytes(4096))
    with pytest.raises(CorruptFile, match=f"^{name}: .*(not recognized|cannot read)"):
        read_path(path)


def test_unsupported_extension(tmp_path: Path):
    path = tmp_path / "survey.xyz123"
    path.write_text("1 2 3\n")
    with pytest.raises(UnsupportedFile, match="^survey.xyz123: no reader"):
        read_path(path)


def test_geojson_without_features(tmp_path: Path):
    path = tmp_path / "none.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(EmptyFile, match="^none.geojson: .*no features"):
        read_path(path)


def test_geojson_with_projected_coordinates(tmp_path: Path):
    # GeoJSON means WGS 84; these are VN-2000 metres written without a crs member.
    path = tmp_path / "pumps.geojson"
    feature = {"type": "Feature", "properties": {"name": "P1"},
               "geometry": {"type": "Point", "coordinates": [587000.0, 1108000.0]}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(OutOfArea, match="^pumps.geojson: .*not degrees"):
        read_path(path)


def test_cityjson_truncated(tmp_path: Path):
    path = tmp_path / "half.city.json"
    path.write_text('{"type": "CityJSON", "version": "2.0", "CityObjects": {"b": {"type": "Bu')
    with pytest.raises(CorruptFile, match="^half.city.json: not valid JSON"):
        read_path(path)


def test_missing_file_and_cancel(tmp_path: Path, shared_data: Path):
    with pytest.raises(ReadError, match="^ghost.gpkg: file not found"):
        read_path(tmp_path / "ghost.gpkg")
    progress = Progress()
    progress.cancel()
    for name in ("dem/pysheds_fort_worth_tx/dem.tif", "boundaries/nyc_boroughs_nybb/nybb_16a.zip",
                 "buildings3d/cjio_cityjson_nl_ch/delft.json"):
        with pytest.raises(Cancelled):
            read_path(shared_data / name, progress=progress)
