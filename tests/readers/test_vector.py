"""Vector files: GeoPackage (all layers), zipped Shapefile, GeoJSON, FlatGeobuf and GeoParquet."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from viewer.core.layers import BuildingsLayer, VectorLayer
from viewer.readers import ReadError, ReadOptions, find_reader, read_path
from viewer.readers.errors import MissingCRS
from viewer.readers.reproject import reproject_layer

NYBB = "boundaries/nyc_boroughs_nybb/nybb_16a.zip"


def _district(crs: str = "EPSG:32648") -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two small layers near Can Tho (UTM 48N): roads with a null geometry, and houses."""
    roads = gpd.GeoDataFrame(
        {"name": ["Hoa Binh", "30/4", "no geometry"], "lanes": [4, 2, 1]},
        geometry=[shapely.LineString([(587000, 1108000), (588000, 1108500)]),
                  shapely.LineString([(587500, 1107000), (587600, 1109000)]), None], crs=crs)
    houses = gpd.GeoDataFrame(
        {"so_tang": [3, 5]},
        geometry=[shapely.box(587100, 1108100, 587120, 1108115),
                  shapely.box(587200, 1108100, 587230, 1108130)], crs=crs)
    return roads, houses


def test_geopackage_gives_one_layer_per_spatial_table(tmp_path: Path):
    roads, houses = _district()
    path = tmp_path / "district.gpkg"
    roads.to_file(path, layer="roads", engine="pyogrio")
    houses.to_file(path, layer="nha_o", engine="pyogrio")
    # A non-spatial table is skipped.
    pyogrio.write_dataframe(pd.DataFrame({"key": [1]}), path, layer="lookup")
    layers = read_path(path)
    assert [layer.name for layer in layers] == ["roads", "nha_o"]
    road_layer, house_layer = layers
    assert type(road_layer) is VectorLayer and road_layer.crs == "EPSG:32648"
    assert road_layer.feature_count == 2 and road_layer.source["dropped"] == 1
    assert list(road_layer.frame["name"]) == ["Hoa Binh", "30/4"]
    assert road_layer.source["layer"] == "roads" and road_layer.source["reader"] == "vector"
    # Polygons with a storey count are buildings; heights are storeys x storey height.
    assert isinstance(house_layer, BuildingsLayer)
    assert list(house_layer.frame["height"]) == [9.0, 15.0]
    assert set(house_layer.frame["height_source"]) == {"storeys"}
    only = read_path(path, ReadOptions(layer="nha_o", storey_height=3.5))
    assert [layer.name for layer in only] == ["nha_o"]
    assert list(only[0].frame["height"]) == [10.5, 17.5]
    with pytest.raises(ReadError, match="no layer 'bridges'"):
        read_path(path, ReadOptions(layer="bridges"))


def test_zipped_nyc_boroughs_in_us_feet(shared_data: Path):
    layers = read_path(shared_data / NYBB)
    assert len(layers) == 1
    boroughs = layers[0]
    assert boroughs.crs == "EPSG:2263" and boroughs.feature_count == 5
    assert sorted(boroughs.frame["BoroName"]) == ["Bronx", "Brooklyn", "Manhattan", "Queens",
                                                   "Staten Island"]
    assert boroughs.source["member"] == "nybb.shp" and boroughs.source["reader"] == "zipped vector"
    np.testing.assert_allclose(boroughs.extent, (913175, 120122, 1067383, 272844), atol=2.0)
    reproject_layer(boroughs, "EPSG:4326")
    manhattan = boroughs.frame.loc[boroughs.frame["BoroName"] == "Manhattan"].geometry.iloc[0]
    centroid = shapely.centroid(manhattan)
    assert centroid.x == pytest.approx(-73.97, abs=0.01)
    assert centroid.y == pytest.approx(40.78, abs=0.01)


def test_shapefile_without_prj_needs_a_crs(tmp_path: Path, shared_data: Path):
    frame = gpd.read_file(f"zip://{shared_data / NYBB}")
    shp = tmp_path / "nybb.shp"
    frame.to_file(shp, engine="pyogrio")
    shp.with_suffix(".prj").unlink()
    with pytest.raises(MissingCRS) as caught:
        read_path(shp)
    assert str(caught.value).startswith("nybb.shp: ") and "coordinate reference system" in str(
        caught.value)
    layer = read_path(shp, ReadOptions(default_crs="EPSG:2263"))[0]
    assert layer.crs == "EPSG:2263" and layer.feature_count == 5


def test_geojson_multipart_and_z_geometries_are_kept(tmp_path: Path):
    frame = gpd.GeoDataFrame(
        {"kind": ["pier", "mast"]},
        geometry=[shapely.MultiLineString([[(105.78, 10.03), (105.79, 10.03)],
                                           [(105.78, 10.04), (105.79, 10.04)]]),
                  shapely.Point(105.785, 10.035, 42.0)], crs="EPSG:4326")
    path = tmp_path / "harbour.geojson"
    frame.to_file(path, engine="pyogrio")
    layer = read_path(path)[0]
    assert layer.crs == "EPSG:4326" and layer.geometry_type == "mixed"
    assert layer.frame.geometry.iloc[0].geom_type == "MultiLineString"
    assert layer.frame.geometry.iloc[1].has_z and layer.frame.geometry.iloc[1].z == 42.0


@pytest.mark.parametrize("suffix", [".fgb", ".parquet"])
def test_flatgeobuf_and_geoparquet_round_trip(tmp_path: Path, suffix: str):
    roads, houses = _district("EPSG:5897")
    houses = houses.assign(height=["12 m", "bad"], name=["A", "B"])
    path = tmp_path / f"buildings{suffix}"
    if suffix == ".parquet":
        houses.to_parquet(path)
    else:
        houses.to_file(path, engine="pyogrio")
    assert find_reader(path).name == ("geoparquet" if suffix == ".parquet" else "vector")
    layer = read_path(path)[0]
    assert isinstance(layer, BuildingsLayer) and layer.crs == "EPSG:5897"
    frame = layer.frame.sort_values("name")  # FlatGeobuf's spatial index may reorder features
    assert list(frame["name"]) == ["A", "B"]
    # "12 m" is parsed; "bad" falls through to the storey count (5 x 3 m).
    assert list(frame["height"]) == [12.0, 15.0]
    assert list(frame["height_source"]) == ["height", "storeys"]
    assert list(frame["height_raw"]) == ["12 m", "bad"]
    np.testing.assert_allclose(layer.extent, houses.total_bounds)


def test_parquet_without_geo_metadata_is_not_taken_for_geoparquet(tmp_path: Path):
    path = tmp_path / "readings.parquet"
    pd.DataFrame({"t": [1, 2], "value": [0.5, 0.7]}).to_parquet(path)
    with pytest.raises(ReadError, match="GeoParquet"):
        read_path(path)


def test_zip_with_two_shapefiles_and_a_layer_choice(tmp_path: Path):
    import zipfile

    roads, houses = _district()
    for name, frame in (("roads", roads.dropna()), ("houses", houses)):
        frame.to_file(tmp_path / f"{name}.shp", engine="pyogrio")
    archive = tmp_path / "district.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in sorted(tmp_path.glob("*.*")):
            if file.suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                out.write(file, f"data/{file.name}")
    layers = read_path(archive)
    assert sorted(layer.name for layer in layers) == ["houses", "roads"]
    assert sorted(layer.source["member"] for layer in layers) == ["data/houses.shp",
                                                                   "data/roads.shp"]
    only = read_path(archive, ReadOptions(layer="roads"))
    assert [(layer.name, layer.feature_count) for layer in only] == [("roads", 2)]
    with pytest.raises(ReadError, match="district.zip: the archive has no layer 'parks'"):
        read_path(archive, ReadOptions(layer="parks"))
