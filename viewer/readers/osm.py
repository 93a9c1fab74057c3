"""OpenStreetMap PBF extracts (pyrosm): buildings, the drivable road network and points of interest.

Three layers in EPSG:4326, named ``buildings``, ``roads`` and ``pois`` (``options.layer`` picks
one). OSM tags become columns. Buildings get their height from the ``height`` tag, else
``building:levels`` (see :mod:`viewer.readers.buildings`). POIs mapped as areas or lines are
reduced to their centroid so that the layer is all points. ``options.extra["bbox"]`` (lon/lat
``[xmin, ymin, xmax, ymax]``) reads only that box of a large extract.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from viewer.core.layers import Layer
from viewer.core.progress import Cancelled, Progress
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.errors import CorruptFile, EmptyFile, ReadError
from viewer.readers.frames import drop_empty, frame_to_layer, is_polygonal, settle_crs
from viewer.readers.registry import ReadOptions, register_reader

OSM_LAYERS = ("buildings", "roads", "pois")


def _progress_callback(progress: Progress) -> Callable[[float, float], None]:
    """pyrosm's ``progress(done, total)`` hook; cancelling is checked between our own steps,
    not inside pyrosm's decoder threads, where an exception could be swallowed."""

    def report(done: float, total: float = 100.0) -> None:
        try:
            progress.update(float(done) / float(total or 100.0), "decoding OpenStreetMap data")
        except Cancelled:
            pass

    return report


def _points(frame: Any) -> Any:
    """POIs as points: areas and lines replaced by their centroid (planar; fine at POI size)."""
    import shapely

    geometry = frame.geometry.to_numpy()
    not_point = ~shapely.is_empty(geometry) & (shapely.get_type_id(geometry) != 0)
    if not_point.any():
        geometry = geometry.copy()
        geometry[not_point] = shapely.centroid(geometry[not_point])
        frame = frame.set_geometry(type(frame.geometry.values)(geometry, crs=frame.crs))
    return frame


def _get(osm: Any, kind: str) -> Any:
    if kind == "buildings":
        return osm.get_buildings()
    if kind == "roads":
        return osm.get_network(network_type="driving")
    return osm.get_pois()


@register_reader("osm", ["*.osm.pbf", "*.pbf"], priority=10)
def read_osm_pbf(path: Path, options: ReadOptions, progress: Progress) -> list[Layer]:
    """Read buildings, drivable roads and POIs from an OSM PBF file.

    Raises
    ------
    CorruptFile
        When pyrosm cannot decode the file.
    EmptyFile
        When none of the three layers has a feature.
    """
    from pyrosm import OSM

    kinds = list(OSM_LAYERS)
    if options.layer is not None:
        if options.layer not in OSM_LAYERS:
            raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "OSM files give the layers {layers}, not "
                                                                 "'{layer}'"),
                            layers=", ".join(OSM_LAYERS), layer=options.layer)
        kinds = [options.layer]
    bbox = options.extra.get("bbox")
    progress.update(0.0, "opening OpenStreetMap file")
    try:
        osm = OSM(str(path), bounding_box=list(bbox) if bbox is not None else None,
                  progress=_progress_callback(progress.sub(0.0, 0.1)))
    except Exception as exc:
        raise CorruptFile(path, QT_TRANSLATE_NOOP("ReadError", "not a readable OSM PBF file ({detail})"),
                          detail=exc) from exc
    layers: list[Layer] = []
    for i, kind in enumerate(kinds):
        progress.update((i + 0.1) / len(kinds), f"reading {kind}")
        step = progress.sub((i + 0.1) / len(kinds), (i + 1) / len(kinds))
        osm.progress = _progress_callback(step)
        try:
            frame = _get(osm, kind)
        except Exception as exc:
            raise CorruptFile(path, QT_TRANSLATE_NOOP("ReadError", "pyrosm could not read its {kind} ({detail})"),
                              kind=kind, detail=exc) from exc
        progress.update((i + 1) / len(kinds), f"preparing {kind}")
        if frame is None or len(frame) == 0:
            continue
        frame, dropped = drop_empty(frame.reset_index(drop=True))
        if kind == "buildings":
            polygons = frame.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
            dropped += int((~polygons).sum())
            frame = frame.loc[polygons].reset_index(drop=True)
        elif kind == "pois":
            frame = _points(frame)
        if len(frame) == 0:
            continue
        crs = settle_crs(frame.crs or "EPSG:4326", path, options)
        source = {"path": str(path), "layer": kind}
        if bbox is not None:
            source["bbox"] = list(bbox)
        layers.append(frame_to_layer(frame, kind, crs, options, source, dropped,
                                     buildings=kind == "buildings" and is_polygonal(frame)))
    if not layers:
        raise EmptyFile(path, QT_TRANSLATE_NOOP("ReadError", "it holds no buildings, drivable roads or points "
                                                             "of interest"))
    progress.update(1.0, "read")
    return layers
