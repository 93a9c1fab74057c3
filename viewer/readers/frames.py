"""GeoDataFrame -> layer, the last steps every vector reader shares.

The CRS is settled (the file's, else ``options.default_crs``, else :class:`MissingCRS`), empty and
null geometries are dropped and counted, building-like polygon layers become
:class:`BuildingsLayer`, and the extent is checked against the CRS's area of use.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from viewer.core.layers import VectorLayer
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.buildings import as_buildings_layer, looks_like_buildings
from viewer.readers.errors import MissingCRS
from viewer.readers.registry import ReadOptions
from viewer.readers.reproject import check_area, crs_string


def options_record(options: ReadOptions) -> dict[str, Any]:
    """The reader options as plain data, kept in ``layer.source`` to read the file again."""
    return dataclasses.asdict(options)


def normalise_crs(crs: Any) -> str:
    """:func:`crs_string`, with OGC:CRS84 written as EPSG:4326 (the same lon/lat axes for us:
    every transformation here is made with ``always_xy``)."""
    text = crs_string(crs)
    return "EPSG:4326" if text == "OGC:CRS84" else text


def settle_crs(crs: Any, path: str | Path, options: ReadOptions, layer: str | None = None) -> str:
    """The CRS to give a layer: ``crs`` when the file has one, else the default, else raise.

    Raises
    ------
    MissingCRS
        When ``crs`` is None and ``options.default_crs`` is not set.
    """
    if crs is not None and str(crs) != "":
        return normalise_crs(crs)
    if options.default_crs:
        return normalise_crs(options.default_crs)
    if layer:
        raise MissingCRS(path, QT_TRANSLATE_NOOP("ReadError", "layer '{layer}' states no coordinate reference "
                                                              "system; choose one to read it"), layer=layer)
    raise MissingCRS(path, QT_TRANSLATE_NOOP("ReadError", "it states no coordinate reference system; choose "
                                                          "one "
                                                          "to read it"))


def drop_empty(frame: Any) -> tuple[Any, int]:
    """``frame`` without rows whose geometry is null or empty, and how many were dropped."""
    geometry = frame.geometry
    bad = (geometry.isna() | geometry.is_empty).to_numpy()
    if not bad.any():
        return frame, 0
    return frame.loc[~bad].reset_index(drop=True), int(bad.sum())


def is_polygonal(frame: Any) -> bool:
    """Whether every geometry of ``frame`` is a (multi)polygon."""
    kinds = set(frame.geom_type.dropna().unique())
    return bool(kinds) and kinds <= {"Polygon", "MultiPolygon"}


def frame_to_layer(frame: Any, name: str, crs: str, options: ReadOptions,
                   source: dict[str, Any], dropped: int = 0,
                   buildings: bool | None = None) -> VectorLayer:
    """A VectorLayer (or BuildingsLayer) from ``frame``, in ``crs``, area-checked.

    Parameters
    ----------
    frame
        A GeoDataFrame, empty geometries already dropped.
    name
        Layer name.
    crs
        Settled CRS string (see :func:`settle_crs`).
    options
        Reader options (building heights, kept in ``source["options"]``).
    source
        What is needed to read it again; ``dropped`` and ``options`` are added.
    dropped
        Number of features dropped for having no geometry.
    buildings
        Force (True) or forbid (False) a BuildingsLayer; None decides from the name and columns.

    Raises
    ------
    OutOfArea
        When the coordinates do not fit the CRS.
    """
    frame = frame.set_crs(crs, allow_override=True)
    if buildings is None:
        buildings = is_polygonal(frame) and looks_like_buildings(name, frame.columns)
    if buildings:
        layer: VectorLayer = as_buildings_layer(frame, name, crs, options)
    else:
        layer = VectorLayer(name=name, crs=crs, frame=frame.reset_index(drop=True))
    layer.source = {**source, "dropped": int(dropped), "options": options_record(options)}
    check_area(layer)
    return layer
