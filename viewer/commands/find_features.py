"""Find features by name across the project's vector layers (the map's search box)."""

from __future__ import annotations

from dataclasses import dataclass

from viewer.core.layers import VectorLayer
from viewer.core.project import Project
from viewer.core.text_search import query_matcher

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


def find_features(project: Project, query: str, limit: int = MAX_MATCHES) -> list[FeatureMatch]:
    """Features of visible and hidden vector layers whose name contains ``query`` (at most
    ``limit``; an empty query finds nothing). Order: layer order, then row order."""
    if not query.strip():
        return []
    match = query_matcher(query.strip())
    found: list[FeatureMatch] = []
    for layer in project.layers:
        if not isinstance(layer, VectorLayer):
            continue
        for column in name_columns(layer):
            values = layer.frame[column]
            for index, value in zip(range(len(values)), values.to_numpy(dtype=object)):
                if isinstance(value, str) and value and match(value):
                    bounds = tuple(float(v) for v in layer.frame.geometry.iloc[index].bounds)
                    found.append(FeatureMatch(layer.id, index, value, layer.name, bounds))  # type: ignore[arg-type]
                    if len(found) >= limit:
                        return found
    return found
