"""CityJSON 1.0/1.1/2.0 (``.city.json``, ``.json``) and CityJSONSeq (``.jsonl``) buildings.

One :class:`BuildingsLayer` per file: **one row per Building**, its BuildingParts merged into it
(their surfaces go to the Building's row of the mesh, and the ``parts`` column counts them). The row
has the Building's ``attributes`` as columns (a key the Building lacks is taken from its first
part that has it; a key that collides with ``id``/``type``/``lod``/``parts``/``z_min``/``z_max``
gets an ``attr_`` prefix), the footprint (the union of the GroundSurfaces of the chosen LoD, else
of the lowest LoD's surfaces projected on the ground), ``lod``, ``z_min``/``z_max`` (absolute) and
``height``: ``measuredHeight`` (or another height attribute) when valid, else ``z_max - z_min``
(``height_source == "model"``). The mesh holds every surface of the chosen LoD, triangulated, with
the row and semantic class (:data:`SEMANTIC_CODES`) of each triangle.

LoD: ``options.extra["lod"]`` (e.g. ``"2.2"``), default the highest in the file; a building without
it uses its highest LoD below, else its lowest above. Other city objects (roads, land use ...),
geometry templates and appearances (textures) are not read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from viewer.core.layers import SEMANTIC_CODES, Layer, SurfaceMesh
from viewer.core.progress import Progress
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.buildings import as_buildings_layer
from viewer.readers.cityjson_surfaces import (SURFACE_DEPTH, SurfaceCollector, footprints,
                                              select_surfaces)
from viewer.readers.errors import CorruptFile, EmptyFile, ReadError, UnsupportedFile
from viewer.readers.frames import normalise_crs, options_record, settle_crs
from viewer.readers.registry import ReadOptions, register_reader
from viewer.readers.reproject import check_area
from viewer.readers.triangulation import triangulate

BUILDING = "Building"
PART = "BuildingPart"
_RESERVED = {"id", "type", "lod", "parts", "z_min", "z_max", "geometry", "height_source"}
_SNIFF = re.compile(rb'"type"\s*:\s*"CityJSON|"CityObjects"\s*:')
_EPSG = re.compile(r"EPSG(?:/\d+(?:\.\d+)*/|::?|/)(\d+)", re.IGNORECASE)


def _sniff(path: Path) -> bool:
    """A CityJSON file names its type or its CityObjects near one of its ends."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(size - 4096, 0))
        tail = handle.read()
    return bool(_SNIFF.search(head) or _SNIFF.search(tail))


def _load(path: Path) -> tuple[dict[str, Any], list[tuple[dict[str, Any], list[Any]]]]:
    """The header (transform, metadata ...) and the (CityObjects, vertices) chunks of the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            if path.suffix.lower() == ".jsonl":
                lines = [json.loads(line) for line in handle if line.strip()]
            else:
                lines = [json.load(handle)]
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CorruptFile(path, QT_TRANSLATE_NOOP("ReadError", "not valid JSON ({detail})"),
                          detail=exc) from exc
    header = lines[0] if lines else {}
    if not isinstance(header, dict) or header.get("type") != "CityJSON":
        raise UnsupportedFile(path, QT_TRANSLATE_NOOP("ReadError", "not a CityJSON file (no \"type\": "
                                                                   "\"CityJSON\")"))
    chunks = [(header.get("CityObjects") or {}, header.get("vertices") or [])]
    chunks += [(f.get("CityObjects") or {}, f.get("vertices") or []) for f in lines[1:]
               if isinstance(f, dict) and f.get("type") == "CityJSONFeature"]
    return header, chunks


def decode_vertices(raw: list[Any], transform: dict[str, Any] | None) -> np.ndarray:
    """(N, 3) real-world coordinates from CityJSON vertices and the optional ``transform``."""
    points = np.asarray(raw, dtype=np.float64).reshape(-1, 3)
    if transform:
        points = points * np.asarray(transform.get("scale", (1, 1, 1)), dtype=np.float64)
        points = points + np.asarray(transform.get("translate", (0, 0, 0)), dtype=np.float64)
    return points


def cityjson_crs(header: dict[str, Any], path: Path, options: ReadOptions) -> str:
    """The horizontal CRS of the file (``7415`` RD New + NAP -> ``EPSG:28992``; z stays metres)."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    metadata = header.get("metadata") or {}
    reference = metadata.get("referenceSystem") or metadata.get("crs")
    if not reference:
        return settle_crs(None, path, options)
    match = _EPSG.search(str(reference))
    try:
        crs = CRS.from_epsg(int(match.group(1))) if match else CRS.from_user_input(str(reference))
    except CRSError as exc:
        if options.default_crs:
            return settle_crs(None, path, options)
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "its referenceSystem '{reference}' is not a CRS "
                                                             "PROJ knows"),
                        reference=reference) from exc
    if crs.is_compound:
        crs = crs.sub_crs_list[0]
    return normalise_crs(crs)


def _lod_key(lod: Any) -> float:
    try:
        return float(lod)
    except (TypeError, ValueError):
        return 0.0


def _pick(geometries: list[dict[str, Any]], target: str) -> dict[str, Any] | None:
    """The geometry at ``target`` LoD, else the highest below it, else the lowest above it."""
    if not geometries:
        return None
    for g in geometries:
        if str(g.get("lod")) == target:
            return g
    below = [g for g in geometries if _lod_key(g.get("lod")) <= _lod_key(target)]
    if below:
        return max(below, key=lambda g: _lod_key(g.get("lod")))
    return min(geometries, key=lambda g: _lod_key(g.get("lod")))


def _surfaces(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return [g for g in obj.get("geometry") or [] if g.get("type") in SURFACE_DEPTH]


def _rows(objects: dict[str, tuple[dict[str, Any], int]]) -> tuple[list[str], dict[str, int]]:
    """Building ids (one row each) and the row of every Building and BuildingPart."""
    rows: list[str] = []
    row_of: dict[str, int] = {}
    for oid, (obj, _) in objects.items():
        if obj.get("type") == BUILDING:
            row_of[oid] = len(rows)
            rows.append(oid)
    for oid, (obj, _) in objects.items():
        if obj.get("type") != PART:
            continue
        root, seen = oid, {oid}
        while True:  # parts of parts: climb to the Building
            declared = objects.get(root, ({}, 0))[0].get("parents") or []
            parents = [p for p in declared if p in objects]
            if not parents or parents[0] in seen:
                break
            root = parents[0]
            seen.add(root)
        if root in row_of:
            row_of[oid] = row_of[root]
        else:  # an orphan part stands for itself
            row_of[oid] = len(rows)
            rows.append(oid)
    return rows, row_of


def _plain(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def _attributes(oid: str, objects: dict[str, tuple[dict[str, Any], int]],
                parts: list[str]) -> dict[str, Any]:
    own = dict(objects[oid][0].get("attributes") or {})
    for part in parts:
        for key, value in (objects[part][0].get("attributes") or {}).items():
            own.setdefault(key, value)
    return {(f"attr_{k}" if k in _RESERVED else k): _plain(v) for k, v in own.items()}


def _collect(objects: dict[str, tuple[dict[str, Any], int]], members: list[str],
             row_of: dict[str, int], n_rows: int,
             target: str) -> tuple[SurfaceCollector, list[set[str]]]:
    """Surfaces of the chosen LoD, and the LoDs used by each row."""
    chosen = SurfaceCollector()
    row_lods: list[set[str]] = [set() for _ in range(n_rows)]
    for oid in members:
        obj, offset = objects[oid]
        geometry = _pick(_surfaces(obj), target)
        if geometry is None:
            continue
        row_lods[row_of[oid]].add(str(geometry.get("lod")))
        chosen.add_geometry(geometry, row_of[oid], offset)
    return chosen, row_lods


def _footprints(points: np.ndarray, chosen: SurfaceCollector,
                objects: dict[str, tuple[dict[str, Any], int]], members: list[str],
                row_of: dict[str, int], n_rows: int) -> np.ndarray:
    """Per row: the union of its GroundSurfaces, else of its lowest LoD projected; or None."""
    rings, feature, semantic = chosen.arrays()
    ground_rings, ground_ids = select_surfaces(rings, semantic == SEMANTIC_CODES["GroundSurface"])
    shapes = footprints(points, ground_rings, feature[ground_ids], n_rows)
    missing = np.array([shape is None for shape in shapes], dtype=bool)
    if missing.any():
        lowest = SurfaceCollector()
        for oid in members:
            geometries = _surfaces(objects[oid][0])
            if geometries and missing[row_of[oid]]:
                low = min(geometries, key=lambda g: _lod_key(g.get("lod")))
                lowest.add_geometry(low, row_of[oid], objects[oid][1])
        low_rings, low_feature, _ = lowest.arrays()
        shapes[missing] = footprints(points, low_rings, low_feature, n_rows)[missing]
    return shapes


def _mesh(points: np.ndarray, chosen: SurfaceCollector, keep: np.ndarray) -> SurfaceMesh:
    """The chosen surfaces triangulated, for the kept rows, renumbered to the kept rows."""
    rings, feature, semantic = chosen.arrays()
    triangles, surface = triangulate(points, rings)
    row = feature[surface]
    inside = keep[row]
    triangles, surface, row = triangles[inside], surface[inside], row[inside]
    used, compact = np.unique(triangles, return_inverse=True)
    new_row = np.cumsum(keep) - 1
    return SurfaceMesh(points[used], compact.reshape(-1, 3).astype(np.int64),
                       new_row[row].astype(np.int64), semantic[surface].astype(np.int8))


def _z_range(points: np.ndarray, chosen: SurfaceCollector,
             n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest z of each row's surfaces (NaN for rows without)."""
    rings, feature, _ = chosen.arrays()
    z = points[rings.vertices, 2]
    row = np.repeat(feature[rings.surface], rings.counts)
    z_min, z_max = np.full(n_rows, np.nan), np.full(n_rows, np.nan)
    np.fmin.at(z_min, row, z)
    np.fmax.at(z_max, row, z)
    return z_min, z_max


@register_reader("cityjson", ["*.city.json", "*.json", "*.city.jsonl", "*.jsonl"], priority=10,
                 sniff=_sniff)
def read_cityjson(path: Path, options: ReadOptions, progress: Progress) -> list[Layer]:
    """Read the buildings of a CityJSON file as one :class:`BuildingsLayer` with a mesh.

    Raises
    ------
    MissingCRS
        When the file has no ``referenceSystem`` and ``options.default_crs`` is not set.
    EmptyFile
        When it holds no Building with a surface geometry.
    ReadError
        When ``options.extra["lod"]`` names a LoD the file does not have.
    """
    import geopandas as gpd
    import pandas as pd

    progress.update(0.0, "parsing CityJSON")
    header, chunks = _load(path)
    crs = cityjson_crs(header, path, options)
    progress.update(0.3, "decoding vertices")
    objects: dict[str, tuple[dict[str, Any], int]] = {}
    raw_vertices: list[Any] = []
    for city_objects, vertices in chunks:
        offset = len(raw_vertices)
        objects.update({oid: (obj, offset) for oid, obj in city_objects.items()})
        raw_vertices.extend(vertices)
    points = decode_vertices(raw_vertices, header.get("transform"))
    rows, row_of = _rows(objects)
    members = [oid for oid in objects if oid in row_of]
    lods = sorted({str(g.get("lod")) for oid in members for g in _surfaces(objects[oid][0])},
                  key=_lod_key)
    if not lods:
        raise EmptyFile(path, QT_TRANSLATE_NOOP("ReadError", "it holds no Building with a surface geometry"))
    target = str(options.extra.get("lod", lods[-1]))
    if target not in lods:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "it has no LoD {target} (LoDs: {lods})"),
                        target=target,
                        lods=", ".join(lods))

    progress.update(0.4, f"collecting LoD {target} surfaces")
    n = len(rows)
    chosen, row_lods = _collect(objects, members, row_of, n, target)
    progress.update(0.5, "footprints")
    shapes = _footprints(points, chosen, objects, members, row_of, n)
    keep = np.array([shape is not None for shape in shapes], dtype=bool)
    if not keep.any():
        raise EmptyFile(path, QT_TRANSLATE_NOOP("ReadError", "no Building has a footprint"))
    z_min, z_max = _z_range(points, chosen, n)
    progress.update(0.6, "triangulating surfaces")
    mesh = _mesh(points, chosen, keep)

    progress.update(0.9, "building the layer")
    parts_of: dict[int, list[str]] = {}
    for oid in members:
        if objects[oid][0].get("type") == PART and oid != rows[row_of[oid]]:
            parts_of.setdefault(row_of[oid], []).append(oid)
    records = []
    for row in np.flatnonzero(keep):
        oid = rows[row]
        record = {"id": oid, "type": objects[oid][0].get("type")}
        record.update(_attributes(oid, objects, parts_of.get(row, [])))
        record.update({"lod": max(row_lods[row], key=_lod_key) if row_lods[row] else "",
                       "parts": len(parts_of.get(row, [])), "z_min": z_min[row],
                       "z_max": z_max[row]})
        records.append(record)
    frame = gpd.GeoDataFrame(pd.DataFrame.from_records(records),
                             geometry=gpd.GeoSeries(list(shapes[keep]), crs=crs), crs=crs)
    name = path.name.split(".")[0]
    layer = as_buildings_layer(frame, name, crs, options, model_height=(z_max - z_min)[keep])
    layer.mesh = mesh
    layer.lod = target
    layer.source = {"path": str(path), "layer": name, "lod": target, "lods": lods,
                    "version": str(header.get("version", "")), "dropped": int((~keep).sum()),
                    "options": options_record(options)}
    check_area(layer)
    progress.update(1.0, "read")
    return [layer]
