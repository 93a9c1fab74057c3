"""VN-2000 TM-3 zones of Vietnam's provinces (pure data and arithmetic, no PROJ).

Each province has an official TM-3 central meridian (Circular 973/2001/TT-TCĐC, the 63 provinces
before the 2025 merger, which cadastral data still uses). A point is placed in a province by its
nearest provincial capital; capitals of neighbouring countries act as sentinels so that points in
Cambodia, Laos or China are not taken for Vietnam. This is an approximation near provincial borders,
where either meridian gives sub-metre-per-kilometre scale error anyway.
"""

from __future__ import annotations

import math
from typing import NamedTuple

# Central meridian (degrees) -> EPSG code of the VN-2000 / TM-3 projected CRS.
TM3_EPSG: dict[float, int] = {
    102.0: 5896, 103.0: 9205, 104.0: 9206, 104.5: 9207, 104.75: 9208, 105.0: 5897, 105.5: 9209,
    105.75: 9210, 106.0: 9211, 106.25: 9212, 106.5: 9213, 107.0: 9214, 107.25: 9215,
    107.5: 9216, 107.75: 5899, 108.0: 5898, 108.25: 9217, 108.5: 9218,
}

# Every VN-2000 CRS the app treats as first-class (geographic, UTM 48N/49N and all TM-3 zones).
VN2000_EPSG: tuple[int, ...] = (4756, 3405, 3406, *sorted(TM3_EPSG.values()))

# The VN-2000 -> WGS 84 operation to use everywhere (PROJ would otherwise pick EPSG:5194 in parts
# of the country, about 0.8 m away).
VN2000_TO_WGS84_OPERATION = "EPSG:6960"


class Province(NamedTuple):
    """A province: name, capital lon/lat, TM-3 central meridian (degrees)."""

    name: str
    lon: float
    lat: float
    meridian: float


PROVINCES: tuple[Province, ...] = (
    Province("Hà Nội", 105.85, 21.03, 105.0), Province("TP. Hồ Chí Minh", 106.70, 10.78, 105.75),
    Province("Hải Phòng", 106.68, 20.86, 105.75), Province("Đà Nẵng", 108.22, 16.05, 107.75),
    Province("Cần Thơ", 105.78, 10.03, 105.0), Province("An Giang", 105.43, 10.38, 104.75),
    Province("Bà Rịa – Vũng Tàu", 107.17, 10.50, 107.75), Province("Bắc Giang", 106.19, 21.27, 107.0),
    Province("Bắc Kạn", 105.83, 22.15, 106.5), Province("Bạc Liêu", 105.72, 9.29, 105.0),
    Province("Bắc Ninh", 106.07, 21.18, 105.5), Province("Bến Tre", 106.37, 10.24, 105.75),
    Province("Bình Định", 109.22, 13.78, 108.25), Province("Bình Dương", 106.65, 10.98, 105.75),
    Province("Bình Phước", 106.90, 11.53, 106.25), Province("Bình Thuận", 108.10, 10.93, 108.5),
    Province("Cà Mau", 105.15, 9.18, 104.5), Province("Cao Bằng", 106.26, 22.67, 105.75),
    Province("Đắk Lắk", 108.04, 12.67, 108.5), Province("Đắk Nông", 107.69, 12.00, 108.5),
    Province("Điện Biên", 103.02, 21.39, 103.0), Province("Đồng Nai", 106.82, 10.95, 107.75),
    Province("Đồng Tháp", 105.63, 10.46, 105.0), Province("Gia Lai", 108.00, 13.98, 108.5),
    Province("Hà Giang", 104.98, 22.82, 105.5), Province("Hà Nam", 105.92, 20.54, 105.0),
    Province("Hà Tĩnh", 105.90, 18.34, 105.5), Province("Hải Dương", 106.33, 20.94, 105.5),
    Province("Hậu Giang", 105.47, 9.78, 105.0), Province("Hòa Bình", 105.34, 20.81, 106.0),
    Province("Hưng Yên", 106.05, 20.65, 105.5), Province("Khánh Hòa", 109.19, 12.24, 108.25),
    Province("Kiên Giang", 105.08, 10.01, 104.5), Province("Kon Tum", 108.00, 14.35, 107.5),
    Province("Lai Châu", 103.46, 22.40, 103.0), Province("Lâm Đồng", 108.44, 11.94, 107.75),
    Province("Lạng Sơn", 106.76, 21.85, 107.25), Province("Lào Cai", 103.97, 22.48, 104.75),
    Province("Long An", 106.41, 10.54, 105.75), Province("Nam Định", 106.17, 20.42, 105.5),
    Province("Nghệ An", 105.69, 18.67, 104.75), Province("Ninh Bình", 105.97, 20.25, 105.0),
    Province("Ninh Thuận", 108.99, 11.57, 108.25), Province("Phú Thọ", 105.40, 21.32, 104.75),
    Province("Phú Yên", 109.32, 13.09, 108.5), Province("Quảng Bình", 106.60, 17.47, 106.0),
    Province("Quảng Nam", 108.48, 15.57, 107.75), Province("Quảng Ngãi", 108.80, 15.12, 108.0),
    Province("Quảng Ninh", 107.08, 20.95, 107.75), Province("Quảng Trị", 107.10, 16.82, 106.25),
    Province("Sóc Trăng", 105.97, 9.60, 105.5), Province("Sơn La", 103.91, 21.33, 104.0),
    Province("Tây Ninh", 106.10, 11.31, 105.5), Province("Thái Bình", 106.34, 20.45, 105.5),
    Province("Thái Nguyên", 105.84, 21.59, 106.5), Province("Thanh Hóa", 105.78, 19.81, 105.0),
    Province("Thừa Thiên Huế", 107.58, 16.46, 107.0), Province("Tiền Giang", 106.36, 10.36, 105.75),
    Province("Trà Vinh", 106.34, 9.93, 105.5), Province("Tuyên Quang", 105.22, 21.82, 106.0),
    Province("Vĩnh Long", 105.97, 10.25, 105.5), Province("Vĩnh Phúc", 105.60, 21.31, 105.0),
    Province("Yên Bái", 104.87, 21.72, 104.75),
)

# Cities just across the border: a point nearer to one of these is not in Vietnam.
_FOREIGN = ((104.92, 11.56), (103.86, 13.36), (104.18, 10.61), (105.47, 12.00), (106.02, 13.53),
            (107.00, 13.74), (105.80, 15.12), (104.75, 16.56), (102.60, 17.97), (102.14, 19.89),
            (103.85, 18.42), (101.90, 21.18), (103.38, 23.37), (105.23, 23.10), (106.62, 22.38),
            (107.97, 21.54), (108.35, 22.82), (110.35, 20.02), (109.27, 19.30), (112.3, 16.8),
            (109.9, 8.0), (111.5, 11.0), (103.5, 9.0), (102.0, 12.0), (100.5, 13.75))

_MAX_KM = 220.0


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km (spherical Earth; ample for picking the nearest capital)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


def province_at(lon: float, lat: float) -> Province | None:
    """The province holding (lon, lat) on WGS 84 / VN-2000 degrees, or None outside Vietnam."""
    if not (101.5 <= lon <= 110.5 and 8.0 <= lat <= 23.6):
        return None
    nearest = min(PROVINCES, key=lambda p: _km(lon, lat, p.lon, p.lat))
    best = _km(lon, lat, nearest.lon, nearest.lat)
    if best > _MAX_KM:
        return None
    if any(_km(lon, lat, flon, flat) < best for flon, flat in _FOREIGN):
        return None
    return nearest


def tm3_epsg(meridian: float) -> int:
    """EPSG code of the VN-2000 / TM-3 CRS with this central meridian."""
    return TM3_EPSG[float(meridian)]


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 / UTM zone holding (lon, lat)."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def choose_projected_crs(lon: float, lat: float) -> str:
    """Project CRS for data centred at (lon, lat): the province's VN-2000 TM-3 zone inside
    Vietnam, else the UTM zone."""
    province = province_at(lon, lat)
    if province is not None:
        return f"EPSG:{tm3_epsg(province.meridian)}"
    return f"EPSG:{utm_epsg(lon, lat)}"
