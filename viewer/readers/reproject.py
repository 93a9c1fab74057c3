"""Reprojection of layers to the project CRS, with VN-2000 handled as first-class.

Every transformation between VN-2000 and another datum goes through EPSG:6960 ("VN-2000 to WGS 84
(2)"): left to itself PROJ picks EPSG:5194 in parts of the country, 0.8 m away.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from viewer.core.layers import BuildingsLayer, Layer, RasterLayer, SurfaceMesh, VectorLayer
from viewer.core.vn2000 import VN2000_TO_WGS84_OPERATION
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.errors import OutOfArea


def crs_string(crs: Any) -> str:
    """A compact, stable string for a CRS: ``"EPSG:nnnn"`` when it has a code, else WKT."""
    from pyproj import CRS

    crs = CRS.from_user_input(crs)
    code = crs.to_epsg(min_confidence=90)
    if code is not None:
        return f"EPSG:{code}"
    auth = crs.to_authority(min_confidence=90)
    if auth is not None:
        return f"{auth[0]}:{auth[1]}"
    return crs.to_wkt()


def _is_vn2000(crs: Any) -> bool:
    geodetic = crs.geodetic_crs
    return geodetic is not None and geodetic.name.startswith("VN-2000")


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Any:
    """A pyproj Transformer from ``src`` to ``dst`` in x/y (lon/lat) order.

    When exactly one side is on the VN-2000 datum, the operation through EPSG:6960 is used.
    """
    from pyproj import CRS, Transformer
    from pyproj.transformer import TransformerGroup

    src_crs, dst_crs = CRS.from_user_input(src), CRS.from_user_input(dst)
    if _is_vn2000(src_crs) != _is_vn2000(dst_crs):
        from pyproj.crs import CoordinateOperation

        code = int(VN2000_TO_WGS84_OPERATION.split(":")[1])
        pinned = CoordinateOperation.from_epsg(code).name
        group = TransformerGroup(src_crs, dst_crs, always_xy=True)
        for candidate in group.transformers:
            if pinned in candidate.description:
                return candidate
    return Transformer.from_crs(src_crs, dst_crs, always_xy=True)


def transform_xy(x: np.ndarray, y: np.ndarray, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays from ``src`` to ``dst`` (x/y, lon/lat order)."""
    if src == dst:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    tx, ty = transformer(src, dst).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(tx), np.asarray(ty)


def is_geographic(crs: str) -> bool:
    """Whether ``crs`` is in degrees."""
    from pyproj import CRS

    return CRS.from_user_input(crs).is_geographic


def lonlat_center(layer: Layer) -> tuple[float, float]:
    """Centre of the layer's extent in WGS 84 lon/lat."""
    xmin, ymin, xmax, ymax = layer.extent
    lon, lat = transform_xy(np.array([(xmin + xmax) / 2]), np.array([(ymin + ymax) / 2]),
                            layer.crs, "EPSG:4326")
    return float(lon[0]), float(lat[0])


def check_area(layer: Layer) -> None:
    """Raise OutOfArea when the layer's extent lies outside its CRS's area of use.

    A margin of one CRS-width is allowed around the area; this catches files whose CRS is plainly
    wrong (projected metres labelled as degrees, a UTM file tagged with the wrong zone ...).
    """
    from pyproj import CRS

    crs = CRS.from_user_input(layer.crs)
    area = crs.area_of_use
    if area is None or not layer.feature_count:
        return
    xmin, ymin, xmax, ymax = layer.extent
    path = layer.source.get("path", layer.name)
    if crs.is_geographic:
        if xmin < -180.5 or xmax > 360.5 or ymin < -90.5 or ymax > 90.5:
            raise OutOfArea(path, QT_TRANSLATE_NOOP("ReadError", "coordinates ({xmin:.0f}, {ymin:.0f}) .. "
                                                                 "({xmax:.0f}, "
                                                        "{ymax:.0f}) are not degrees, but the file says {crs}"),
                            xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax, crs=crs.name)
        lon = np.array([xmin, xmax, (xmin + xmax) / 2])
        lat = np.array([ymin, ymax, (ymin + ymax) / 2])
    else:
        cx = np.array([xmin, xmax, (xmin + xmax) / 2])
        cy = np.array([ymin, ymax, (ymin + ymax) / 2])
        with np.errstate(all="ignore"):
            lon, lat = transform_xy(cx, cy, layer.crs, "EPSG:4326")
        if not np.all(np.isfinite(lon)) or not np.all(np.isfinite(lat)):
            raise OutOfArea(path, QT_TRANSLATE_NOOP("ReadError", "coordinates cannot be placed on Earth in "
                                                                 "{crs}"), crs=crs.name)
    w = max(area.east - area.west, 1.0)
    h = max(area.north - area.south, 1.0)
    lon_c, lat_c = float(lon[2]), float(lat[2])
    if not (area.west - w <= lon_c <= area.east + w and area.south - h <= lat_c <= area.north + h):
        raise OutOfArea(path, QT_TRANSLATE_NOOP("ReadError", "its centre ({lon:.3f}°, {lat:.3f}°) lies far "
                                                             "outside where "
                                                    "{crs} is used ({area}); is the CRS right?"),
                        lon=lon_c, lat=lat_c, crs=crs.name, area=area.name)


def reproject_layer(layer: Layer, dst: str) -> Layer:
    """Reproject ``layer`` in place to ``dst`` and return it."""
    if not layer.crs or layer.crs == dst:
        layer.crs = layer.crs or dst
        return layer
    if isinstance(layer, RasterLayer):
        _reproject_raster(layer, dst)
    elif isinstance(layer, VectorLayer):
        _reproject_vector(layer, dst)
    layer.crs = dst
    return layer


def _reproject_vector(layer: VectorLayer, dst: str) -> None:
    import shapely

    t = transformer(layer.crs, dst)

    def func(coords: np.ndarray) -> np.ndarray:
        x, y = t.transform(coords[:, 0], coords[:, 1])
        out = coords.copy()
        out[:, 0], out[:, 1] = x, y
        return out

    frame = layer.frame.copy()
    geoms = shapely.transform(np.asarray(frame.geometry.values), func, include_z=False)
    layer.frame = frame.set_geometry(type(frame.geometry.values)(geoms, crs=dst), crs=dst)
    if isinstance(layer, BuildingsLayer) and layer.mesh is not None:
        mesh = layer.mesh
        x, y = t.transform(mesh.points[:, 0], mesh.points[:, 1])
        points = np.column_stack([x, y, mesh.points[:, 2]])
        layer.mesh = SurfaceMesh(points, mesh.triangles, mesh.feature, mesh.semantic)


def _reproject_raster(layer: RasterLayer, dst: str) -> None:
    """Resample onto a north-up grid in ``dst`` (nearest cell; bilinear would smear nodata).

    Every target cell centre is transformed back into the source grid with the pinned transformer,
    so rasters follow the same datum operation as vectors.
    """
    xmin, ymin, xmax, ymax = layer.extent
    rows, cols = layer.shape
    # Outline of the source grid, densified, to find the target extent.
    edge = np.linspace(0.0, 1.0, 33)
    bx = np.concatenate([xmin + (xmax - xmin) * edge, np.full(33, xmax),
                         xmin + (xmax - xmin) * edge, np.full(33, xmin)])
    by = np.concatenate([np.full(33, ymin), ymin + (ymax - ymin) * edge, np.full(33, ymax),
                         ymin + (ymax - ymin) * edge])
    tx, ty = transform_xy(bx, by, layer.crs, dst)
    txmin, txmax, tymin, tymax = tx.min(), tx.max(), ty.min(), ty.max()
    # Keep about the same number of cells along the longer side.
    size = max((txmax - txmin) / cols, (tymax - tymin) / rows)
    ncols = max(int(np.ceil((txmax - txmin) / size)), 1)
    nrows = max(int(np.ceil((tymax - tymin) / size)), 1)
    cx = txmin + (np.arange(ncols) + 0.5) * size
    cy = tymax - (np.arange(nrows) + 0.5) * size
    gx, gy = np.meshgrid(cx, cy)
    sx, sy = transform_xy(gx.ravel(), gy.ravel(), dst, layer.crs)
    a, b, c, d, e, f = layer.transform
    det = a * e - b * d
    col = np.floor((e * (sx - c) - b * (sy - f)) / det)
    row = np.floor((-d * (sx - c) + a * (sy - f)) / det)
    inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols) & np.isfinite(row)
    data = layer.data
    fill: float = np.nan if np.issubdtype(data.dtype, np.floating) else 0
    out = np.full((data.shape[0], nrows * ncols), fill, dtype=data.dtype)
    ri, ci = row[inside].astype(np.int64), col[inside].astype(np.int64)
    out[:, inside] = data[:, ri, ci]
    layer.data = out.reshape(data.shape[0], nrows, ncols)
    layer.transform = (size, 0.0, txmin, 0.0, -size, tymax)
