"""Find features by name across the project's vector layers (the map's search box)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from viewer.core.layers import VectorLayer
from viewer.core.project import Project
from viewer.core.text_search import query_key, search_key

NAME_COLUMNS = ("name", "ten", "tên", "name_vi", "name:vi", "ten_duong", "label", "title")
"""Columns searched in each layer, besides the layer's label field (case-insensitive)."""
MAX_MATCHES = 200


@dataclass(frozen=True)
class FeatureMatch:
    """A feature whose name contains the query.

    Attributes
    ----------
    layer_id, index
        Where it is (the project's selection takes these).
    text
        The matching name, as the file has it.
    layer_name
        The layer's name, shown beside the text.
    bounds
        (xmin, ymin, xmax, ymax) in the project CRS, to zoom to.
    """

    layer_id: str
    index: int
    text: str
    layer_name: str
    bounds: tuple[float, float, float, float]


def name_columns(layer: VectorLayer) -> list[str]:
    """The columns of ``layer`` that hold names: its label field and :data:`NAME_COLUMNS`."""
    if layer.frame is None:
        return []
    wanted = [layer.style.label_field] if getattr(layer.style, "label_field", None) else []
    wanted += list(NAME_COLUMNS)
    by_fold = {str(column).casefold(): column for column in layer.frame.columns if column != "geometry"}
    found: list[str] = []
    for name in wanted:
        column = by_fold.get(str(name).casefold())
        if column is not None and column not in found:
            found.append(column)
    return found


_KEYS: dict[int, tuple[weakref.ref, dict]] = {}
"""By frame (its id, checked by a weak reference), the comparison keys of its name columns: built on
the first search and dropped with the frame, so later keystrokes compare strings only."""


def _keys(frame, column: str, plain: bool) -> list[str | None]:  # noqa: ANN001 - a GeoDataFrame
    entry = _KEYS.get(id(frame))
    if entry is None or entry[0]() is not frame:
        entry = _KEYS[id(frame)] = (weakref.ref(frame, lambda _, key=id(frame): _KEYS.pop(key, None)), {})
    per_frame = entry[1]
    cached = per_frame.get((column, plain))
    if cached is None:
        values = frame[column].to_numpy(dtype=object)
        cached = [search_key(v, plain) if isinstance(v, str) and v else None for v in values]
        per_frame[(column, plain)] = cached
    return cached


def find_features(project: Project, query: str, limit: int = MAX_MATCHES) -> list[FeatureMatch]:
    """Features of visible and hidden vector layers whose name contains ``query`` (at most
    ``limit``; an empty query finds nothing). Order: layer order, then row order. A query with
    diacritics must match them; one without matches names with or without them
    (:mod:`viewer.core.text_search`)."""
    query = query.strip()
    if not query:
        return []
    needle, plain = query_key(query)
    found: list[FeatureMatch] = []
    for layer in project.layers:
        if not isinstance(layer, VectorLayer):
            continue
        for column in name_columns(layer):
            keys = _keys(layer.frame, column, plain)
            for index, key in enumerate(keys):
                if key is not None and needle in key:
                    bounds = tuple(float(v) for v in layer.frame.geometry.iloc[index].bounds)
                    text = str(layer.frame[column].iloc[index])
                    found.append(FeatureMatch(layer.id, index, text, layer.name, bounds))  # type: ignore[arg-type]
                    if len(found) >= limit:
                        return found
    return found
