"""VN-2000 is first-class: the national datum operation EPSG:6960 is used, not PROJ's default."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from viewer.core.vn2000 import VN2000_EPSG
from viewer.readers.reproject import transform_xy, transformer

# The published EPSG:6960 parameters (coordinate frame rotation), written out as a PROJ pipeline
# independently of PROJ's operation choice: WGS 84 -> VN-2000 -> TM-3 zone 482 (105°E, k=0.9999).
PIPELINE_6960_TM3_105 = (
    "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
    "+step +proj=cart +ellps=WGS84 "
    "+step +inv +proj=helmert +x=-191.90441429 +y=-39.30318279 +z=-111.45032835 "
    "+rx=-0.00928836 +ry=0.01975479 +rz=-0.00427372 +s=0.252906278 +convention=coordinate_frame "
    "+step +inv +proj=cart +ellps=WGS84 "
    "+step +proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84")

# A point on the Ninh Kiều waterfront, Cần Thơ (Mekong delta), WGS 84.
LON, LAT = 105.7880, 10.0340


def test_mekong_delta_point_uses_epsg_6960():
    expected = Transformer.from_pipeline(PIPELINE_6960_TM3_105).transform(LON, LAT)
    x, y = transform_xy(np.array([LON]), np.array([LAT]), "EPSG:4326", "EPSG:5897")
    assert x[0] == pytest.approx(expected[0], abs=0.01)
    assert y[0] == pytest.approx(expected[1], abs=0.01)
    # PROJ's own default (EPSG:5194) lands about 0.8 m away: the pin matters here.
    default = Transformer.from_crs("EPSG:4326", "EPSG:5897", always_xy=True).transform(LON, LAT)
    assert 0.5 < np.hypot(default[0] - x[0], default[1] - y[0]) < 1.2
    assert "VN-2000 to WGS 84 (2)" in transformer("EPSG:4326", "EPSG:5897").description


def test_round_trip_between_vn2000_zones_and_wgs84_is_within_a_millimetre():
    x, y = transform_xy(np.array([LON]), np.array([LAT]), "EPSG:4326", "EPSG:9210")
    lon, lat = transform_xy(x, y, "EPSG:9210", "EPSG:4326")
    assert lon[0] == pytest.approx(LON, abs=1e-8) and lat[0] == pytest.approx(LAT, abs=1e-8)
    # Between two VN-2000 zones no datum change happens at all.
    x2, y2 = transform_xy(x, y, "EPSG:9210", "EPSG:5897")
    x1, y1 = transform_xy(np.array([LON]), np.array([LAT]), "EPSG:4326", "EPSG:5897")
    assert x2[0] == pytest.approx(x1[0], abs=1e-3) and y2[0] == pytest.approx(y1[0], abs=1e-3)


@pytest.mark.parametrize("code", VN2000_EPSG)
def test_every_vn2000_code_is_known_and_transformable(code):
    x, y = transform_xy(np.array([106.0]), np.array([16.0]), "EPSG:4326", f"EPSG:{code}")
    assert np.isfinite(x[0]) and np.isfinite(y[0])
