"""Vector files through GDAL (pyogrio): GeoPackage, GeoJSON, Shapefile (also zipped), FlatGeobuf,
KML, GPX; and GeoParquet through geopandas/pyarrow.

Every spatial table of a file becomes one layer (non-spatial tables are skipped); building-like
polygon tables become :class:`BuildingsLayer` (see :mod:`viewer.readers.buildings`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from viewer.core.layers import Layer
from viewer.core.progress import Progress
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.errors import CorruptFile, EmptyFile, ReadError, UnsupportedFile
from viewer.readers.frames import drop_empty, frame_to_layer, settle_crs
from viewer.readers.registry import ReadOptions, register_reader

#: Members of a .zip that are read (a shapefile's side files come along through /vsizip/).
ZIP_MEMBERS = (".shp", ".gpkg", ".geojson", ".fgb", ".kml", ".gpx")


def _gdal_failure(path: Path, exc: Exception) -> CorruptFile:
    return CorruptFile(path, QT_TRANSLATE_NOOP("ReadError", "GDAL cannot read it as a vector file ({detail})"),
                       detail=exc)


def list_spatial_tables(address: str, path: Path) -> list[str]:
    """Names of the tables with a geometry column in the data source at ``address``."""
    import pyogrio

    try:
        tables = pyogrio.list_layers(address)
    except Exception as exc:  # pyogrio.errors.DataSourceError and GDAL's own
        raise _gdal_failure(path, exc) from exc
    return [str(name) for name, geometry_type in tables if geometry_type is not None]


def read_table(address: str, table: str, path: Path) -> Any:
    """One table as a GeoDataFrame, through Arrow when the table allows it."""
    import geopandas as gpd

    try:
        return gpd.read_file(address, layer=table, engine="pyogrio", use_arrow=True)
    except Exception:
        pass  # some tables (mixed field types in GeoJSON ...) only read row by row
    try:
        return gpd.read_file(address, layer=table, engine="pyogrio")
    except Exception as exc:
        raise _gdal_failure(path, exc) from exc


def read_data_source(path: Path, address: str, options: ReadOptions, progress: Progress,
                     member: str | None = None) -> list[Layer]:
    """All spatial tables of ``address`` (a file, or a /vsizip/ member of ``path``) as layers.

    In a zip, a member without the table ``options.layer`` gives no layer rather than an error.
    """
    tables = list_spatial_tables(address, path)
    if options.layer is not None:
        if options.layer not in tables and member is not None:
            return []
        if options.layer not in tables:
            available = ", ".join(tables)
            raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "it has no layer '{layer}' (layers: {layers})"),
                            layer=options.layer, layers=available)
        tables = [options.layer]
    layers: list[Layer] = []
    for i, table in enumerate(tables):
        progress.update(i / max(len(tables), 1), f"reading {table}")
        frame = read_table(address, table, path)
        frame, dropped = drop_empty(frame)
        if len(frame) == 0:
            continue  # nothing to draw; the file as a whole is judged below
        crs = settle_crs(frame.crs, path, options, layer=table)
        source = {"path": str(path), "layer": table}
        if member is not None:
            source["member"] = member
        layers.append(frame_to_layer(frame, table, crs, options, source, dropped))
    progress.update(1.0, "read")
    return layers


@register_reader("vector", ["*.gpkg", "*.geojson", "*.json", "*.shp", "*.fgb", "*.geojsonl",
                            "*.geojsons", "*.jsonl", "*.kml", "*.gpx"], priority=0)
def read_vector(path: Path, options: ReadOptions, progress: Progress) -> list[Layer]:
    """Read every spatial table of a GDAL vector file (one layer each).

    Raises
    ------
    EmptyFile
        When no table has a feature with a geometry.
    MissingCRS, OutOfArea, CorruptFile
        See :mod:`viewer.readers.errors`.
    """
    layers = read_data_source(path, str(path), options, progress)
    if not layers:
        raise EmptyFile(path, QT_TRANSLATE_NOOP("ReadError", "it holds no features with a geometry"))
    return layers


def _zip_members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    return [n for n in names if n.lower().endswith(ZIP_MEMBERS) and not n.startswith("__MACOSX")]


def _sniff_zip(path: Path) -> bool:
    try:
        return bool(_zip_members(path))
    except zipfile.BadZipFile:
        return False


@register_reader("zipped vector", ["*.zip"], priority=0, sniff=_sniff_zip)
def read_zipped_vector(path: Path, options: ReadOptions, progress: Progress) -> list[Layer]:
    """Read the vector files inside a .zip (a zipped Shapefile, usually) through /vsizip/."""
    try:
        members = _zip_members(path)
    except zipfile.BadZipFile as exc:
        raise CorruptFile(path, QT_TRANSLATE_NOOP("ReadError", "not a readable zip archive ({detail})"),
                          detail=exc) from exc
    if not members:
        raise UnsupportedFile(path, QT_TRANSLATE_NOOP("ReadError", "the archive holds no Shapefile, "
                                                                   "GeoPackage, GeoJSON or FlatGeobuf"))
    layers: list[Layer] = []
    for i, member in enumerate(members):
        sub = progress.sub(i / len(members), (i + 1) / len(members))
        address = f"/vsizip/{path.resolve()}/{member}"
        layers += read_data_source(path, address, options, sub, member=member)
    if not layers and options.layer is not None:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "the archive has no layer '{layer}'"),
                        layer=options.layer)
    if not layers:
        raise EmptyFile(path, QT_TRANSLATE_NOOP("ReadError", "the archive holds no features with a geometry"))
    return layers


def _sniff_geoparquet(path: Path) -> bool:
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception:
        return False
    return b"geo" in metadata


@register_reader("geoparquet", ["*.parquet", "*.geoparquet"], priority=0, sniff=_sniff_geoparquet)
def read_geoparquet(path: Path, options: ReadOptions, progress: Progress) -> list[Layer]:
    """Read a GeoParquet file (a Parquet table with the ``geo`` metadata) as one layer."""
    import geopandas as gpd

    progress.update(0.0, "reading GeoParquet")
    if not _sniff_geoparquet(path):
        raise UnsupportedFile(path, QT_TRANSLATE_NOOP("ReadError", "a Parquet table without GeoParquet 'geo' "
                                                                   "metadata"))
    try:
        frame = gpd.read_parquet(path)
    except Exception as exc:
        raise CorruptFile(path, QT_TRANSLATE_NOOP("ReadError", "not a readable GeoParquet file ({detail})"),
                          detail=exc) from exc
    frame, dropped = drop_empty(frame)
    if len(frame) == 0:
        raise EmptyFile(path, QT_TRANSLATE_NOOP("ReadError", "it holds no features with a geometry"))
    crs = settle_crs(frame.crs, path, options)
    name = path.name.split(".")[0]
    progress.update(0.9, "checking")
    return [frame_to_layer(frame, name, crs, options, {"path": str(path), "layer": name}, dropped)]
