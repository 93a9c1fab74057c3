"""CSV tables: lon/lat columns, WKT and EWKT columns, and the rule that a CSV's CRS is never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from viewer.core.layers import BuildingsLayer
from viewer.readers import ReadError, ReadOptions, read_path
from viewer.readers.errors import MissingCRS


def test_lon_lat_columns_in_degrees_are_wgs84(tmp_path: Path):
    path = tmp_path / "stations.csv"
    path.write_text("station;Longitude;Latitude;level_m\n"
                    "Ninh Kieu;105.7880;10.0340;1.2\n"
                    "Cai Rang;105.7600;9.9900;0.9\n"
                    "broken;;10.0;0.1\n", encoding="utf-8")
    layer = read_path(path)[0]
    assert layer.crs == "EPSG:4326" and layer.geometry_type == "point"
    assert layer.feature_count == 2 and layer.source["dropped"] == 1
    assert list(layer.frame["station"]) == ["Ninh Kieu", "Cai Rang"]
    assert layer.frame.geometry.iloc[0].x == pytest.approx(105.788)
    assert layer.frame.geometry.iloc[1].y == pytest.approx(9.99)
    assert layer.frame["level_m"].tolist() == [1.2, 0.9]


def test_lon_lat_out_of_degree_range_or_x_y_need_a_crs(tmp_path: Path):
    path = tmp_path / "gauges.csv"
    path.write_text("id,x,y\n1,587000,1108000\n2,587500,1108200\n")
    with pytest.raises(MissingCRS, match="gauges.csv: .*CSV"):
        read_path(path)
    layer = read_path(path, ReadOptions(default_crs="EPSG:5897"))[0]
    assert layer.crs == "EPSG:5897" and layer.extent == (587000.0, 1108000.0, 587500.0, 1108200.0)
    named = tmp_path / "named.csv"
    named.write_text("id,lon,lat\n1,587000,1108000\n")
    with pytest.raises(MissingCRS):
        read_path(named)
    # x/y in degree range are still not taken for degrees: that would be a guess.
    small = tmp_path / "small.csv"
    small.write_text("id,x,y\n1,105.7,10.0\n")
    with pytest.raises(MissingCRS):
        read_path(small)


def test_wkt_column_with_polygons_that_are_buildings(tmp_path: Path):
    path = tmp_path / "buildings.csv"
    path.write_text(
        'WKT,storeys,use\n'
        '"POLYGON ((587100 1108100, 587120 1108100, 587120 1108115, 587100 1108115, 587100 1108100))",4,shop\n'
        '"POLYGON ((587200 1108100, 587230 1108100, 587230 1108130, 587200 1108130, 587200 1108100))",,home\n')
    layer = read_path(path, ReadOptions(default_crs="EPSG:5897", default_height=6.0))[0]
    assert isinstance(layer, BuildingsLayer) and layer.crs == "EPSG:5897"
    assert layer.frame["height"].tolist() == [12.0, 6.0]
    assert layer.frame["height_source"].tolist() == ["storeys", "default"]
    assert layer.frame.geometry.iloc[0].area == pytest.approx(300.0)


def test_ewkt_srid_states_the_crs_and_named_columns_are_used(tmp_path: Path):
    path = tmp_path / "pumps.csv"
    path.write_text("name\tshape_text\n"
                    "P1\tSRID=5897;POINT (587000 1108000)\n"
                    "P2\tSRID=5897;POINT (587010 1108020)\n")
    layer = read_path(path, ReadOptions(extra={"wkt": "shape_text"}))[0]
    assert layer.crs == "EPSG:5897" and layer.feature_count == 2
    assert layer.frame.geometry.iloc[1].coords[0] == (587010.0, 1108020.0)
    sniffed = read_path(path)[0]  # the WKT column is also found by its values
    assert sniffed.crs == "EPSG:5897" and sniffed.source["wkt"] == "shape_text"


def test_csv_without_coordinates_says_so(tmp_path: Path):
    path = tmp_path / "people.csv"
    path.write_text("name,age\nAn,31\n")
    with pytest.raises(ReadError, match="people.csv: no geometry column"):
        read_path(path)


def test_a_wkt_column_is_preferred_to_centroid_columns(tmp_path: Path):
    path = tmp_path / "parcels.csv"
    path.write_text('lon,lat,geom\n'
                    '105.5,10.5,"SRID=4326;LINESTRING (105.78 10.03, 105.79 10.04)"\n')
    layer = read_path(path)[0]
    assert layer.geometry_type == "line" and layer.source["wkt"] == "geom"
    assert layer.frame["lon"].tolist() == [105.5]
