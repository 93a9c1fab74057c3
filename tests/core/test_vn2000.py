"""Project CRS choice: VN-2000 TM-3 zones by province, UTM elsewhere."""

from __future__ import annotations

import pytest

from viewer.core.vn2000 import PROVINCES, TM3_EPSG, choose_projected_crs, province_at, utm_epsg


@pytest.mark.parametrize("lon, lat, expected", [
    (105.785, 10.030, "EPSG:5897"),   # Cần Thơ, 105°00'
    (105.850, 21.030, "EPSG:5897"),   # Hà Nội, 105°00'
    (106.700, 10.780, "EPSG:9210"),   # TP. Hồ Chí Minh, 105°45'
    (108.220, 16.050, "EPSG:5899"),   # Đà Nẵng, 107°45'
    (106.680, 20.860, "EPSG:9210"),   # Hải Phòng, 105°45'
    (109.190, 12.240, "EPSG:9217"),   # Khánh Hòa, 108°15'
    (104.920, 11.560, "EPSG:32648"),  # Phnom Penh: not Vietnam -> UTM 48N
    (24.940, 60.170, "EPSG:32635"),   # Helsinki -> UTM 35N
    (-97.330, 32.670, "EPSG:32614"),  # Fort Worth -> UTM 14N
    (151.75, -32.93, "EPSG:32756"),   # Newcastle, Australia -> UTM 56S
])
def test_choose_projected_crs(lon, lat, expected):
    assert choose_projected_crs(lon, lat) == expected


def test_every_province_has_an_official_zone():
    assert len(PROVINCES) == 63
    assert len({p.name for p in PROVINCES}) == 63
    for province in PROVINCES:
        assert province.meridian in TM3_EPSG
        assert province_at(province.lon, province.lat) == province


def test_utm_zone_edges():
    assert utm_epsg(-180.0, 1.0) == 32601
    assert utm_epsg(179.99, -1.0) == 32760
    assert utm_epsg(0.0, 0.0) == 32631
