"""Building heights: a height attribute, else storeys x storey height, else the flagged default."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from viewer.core.layers import BuildingsLayer
from viewer.readers import ReadOptions
from viewer.readers.buildings import as_buildings_layer, looks_like_buildings, parse_measure


def _footprints(**columns) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    boxes = [shapely.box(i * 20.0, 0.0, i * 20.0 + 10.0, 10.0) for i in range(n)]
    return gpd.GeoDataFrame(columns, geometry=boxes, crs="EPSG:5897")


def test_height_then_storeys_then_default_with_flags():
    frame = _footprints(HEIGHT=[12.5, None, "0", "2000", None, "7,5 m"],
                        levels=[2, 4, None, 3, "abc", None],
                        owner=["a", "b", "c", "d", "e", "f"])
    layer = as_buildings_layer(frame, "buildings", "EPSG:5897", ReadOptions(storey_height=3.2,
                                                                            default_height=8.0))
    assert isinstance(layer, BuildingsLayer) and layer.crs == "EPSG:5897"
    np.testing.assert_allclose(layer.frame["height"], [12.5, 12.8, 8.0, 9.6, 8.0, 7.5])
    assert layer.frame["height_source"].tolist() == ["height", "storeys", "default", "storeys",
                                                     "default", "height"]
    # Original columns are kept, geometry last.
    assert layer.frame["owner"].tolist() == list("abcdef")
    assert layer.frame.columns[-1] == layer.frame.geometry.name


def test_storey_height_is_configurable_and_model_height_comes_before_storeys():
    frame = _footprints(so_tang=[3, 3, 3])
    layer = as_buildings_layer(frame, "x", "EPSG:5897", ReadOptions(storey_height=4.0),
                               model_height=np.array([np.nan, 11.0, -1.0]))
    assert layer.frame["height"].tolist() == [12.0, 11.0, 12.0]
    assert layer.frame["height_source"].tolist() == ["storeys", "model", "storeys"]


def test_osm_style_values_are_parsed():
    np.testing.assert_allclose(parse_measure(["12", "12.5 m", "12,5", "40 ft", "15;18", None, "n/a"]),
                               [12, 12.5, 12.5, 12.192, 15, np.nan, np.nan])


def test_building_detection_by_name_or_columns():
    assert looks_like_buildings("Buildings", ["name"])
    assert looks_like_buildings("bldg_2024", [])
    assert looks_like_buildings("nha", ["so_tang"])
    assert looks_like_buildings("footprints", ["measuredHeight"])
    assert not looks_like_buildings("parks", ["name", "area"])


def test_heights_read_back_keep_their_flags():
    # A saved project's buildings: normalised heights with their flags, read again.
    frame = _footprints(height=[6.0, 9.0, 12.0], height_source=["height", "storeys", "default"],
                        levels=[7, 7, 7])
    layer = as_buildings_layer(frame, "x", "EPSG:5897", ReadOptions())
    assert layer.frame["height"].tolist() == [6.0, 9.0, 12.0]
    assert layer.frame["height_source"].tolist() == ["height", "storeys", "default"]
    assert "height_raw" not in layer.frame.columns
