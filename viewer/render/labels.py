"""Which features of a layer are worth a label in 3D, where the label goes and how much it matters.

Pure numpy/shapely (it runs in the worker thread that prepares a layer). Each candidate has a
*tier*, the class of what it names, and a *size* within the tier, as a GIS labels by class
first and by size second: big water bodies and parks, then point facilities, then the main
roads, then the minor roads, buildings and small areas, then alleys ("Hẻm", "Kiệt", "Ngõ" ...).
The scene's :class:`~viewer.render.label_placement.LabelPlacer` shows them on screen in that
order, skipping any that would overlap one already shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_LABELS = 300
"""Most label candidates one layer offers (its most important ones)."""
TIER_AREA, TIER_POINT, TIER_MAJOR, TIER_MINOR, TIER_ALLEY = range(5)
"""Label classes, most important first."""
BIG_AREA = 20_000.0
"""Polygons at least this big (m², 2 ha: a river reach, a park) are labelled before the rest."""
ROAD_CLASS_FIELDS = ("class", "highway", "fclass", "road_class", "type")
"""Columns that may hold a road's class (OpenStreetMap ``highway``, Geofabrik ``fclass`` ...)."""
MAJOR_ROADS = frozenset({"motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link",
                         "primary_link", "secondary_link", "major", "arterial", "highway"})
ALLEY_ROADS = frozenset({"alley", "service", "footway", "path", "track", "living_street", "pedestrian",
                         "steps", "cycleway", "driveway", "lane"})
ALLEY_PREFIXES = ("hẻm", "kiệt", "ngõ", "ngách")
"""Vietnamese names of alleys (south, centre, north): the last roads to be labelled."""
LINE_SPOTS = (0.5, 0.3, 0.7, 0.15, 0.85)
"""Where along a line its label may go (fractions of its length), in order of preference: a
street whose middle is taken by another label is named a little further along."""


@dataclass
class LabelCandidates:
    """Labels a layer would like to show.

    Attributes
    ----------
    points
        (N, 3) world anchors, z in metres (not exaggerated).
    texts
        N strings, each shown once.
    tier
        (N,) int label class (:data:`TIER_AREA` ... :data:`TIER_ALLEY`), lower first.
    size
        (N,) length, area or height: within a tier, bigger first.
    above
        Whether labels sit above their anchor (points, whose symbol they must not hide) rather
        than centred on it.
    alternates
        (N, K, 3) other anchors to try, in order, when a label does not fit at its own (NaN:
        none), or None.
    """

    points: np.ndarray
    texts: list[str]
    tier: np.ndarray
    size: np.ndarray
    above: bool = False
    alternates: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def order(self) -> np.ndarray:
        """Indices, most important first."""
        return np.lexsort((-self.size, self.tier))


def label_font() -> str | None:
    """A TrueType font with Vietnamese glyphs (VTK's built-in Arial drops ư, ơ, ễ ...).

    CityTwin ships DejaVu Sans Bold in resources/fonts (in the bundle too); None only when that
    file is missing, and then VTK's own font is used.
    """
    from viewer.core.resources import font_file

    path = font_file(bold=True)
    return str(path) if path.is_file() else None


def label_texts(frame: Any, field: str | None) -> list[str] | None:
    """The label strings of every row of ``frame`` for ``field`` (None when there is no such field)."""
    if not field or frame is None or field not in frame.columns:
        return None
    values = frame[field].to_numpy(dtype=object)
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip() for v in values]


def road_tiers(frame: Any, texts: list[str]) -> np.ndarray:
    """The label tier of every row of a roads ``frame``: from its class column, else its name."""
    tier = np.full(len(texts), TIER_MINOR, dtype=np.int64)
    field = next((name for name in ROAD_CLASS_FIELDS if name in frame.columns), None)
    if field is not None:
        classes = frame[field].astype(str).str.lower().to_numpy()
        tier[np.isin(classes, list(MAJOR_ROADS))] = TIER_MAJOR
        tier[np.isin(classes, list(ALLEY_ROADS))] = TIER_ALLEY
    alley_name = np.array([text.lower().startswith(ALLEY_PREFIXES) for text in texts], dtype=bool)
    tier[alley_name] = TIER_ALLEY
    return tier


def best_per_text(texts: list[str], tier: np.ndarray, size: np.ndarray, limit: int = MAX_LABELS
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One candidate per distinct non-empty text (a street cut into pieces is named once).

    Each text is anchored on its biggest piece and ranked by its best tier and its total size.
    Returns the chosen rows, their tiers and sizes, at most ``limit``, most important first.
    """
    import pandas as pd

    rows = pd.DataFrame({"text": texts, "tier": tier, "size": np.nan_to_num(np.asarray(size, dtype=float))})
    rows = rows[rows["text"] != ""]
    if rows.empty:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    groups = rows.groupby("text", sort=False)
    anchor = groups["size"].idxmax().to_numpy()
    best_tier = groups["tier"].min().to_numpy()
    total = groups["size"].sum().to_numpy()
    order = np.lexsort((-total, best_tier))[:limit]
    return anchor[order].astype(np.int64), best_tier[order], total[order]


def vector_labels(frame: Any, field: str | None, anchor_z: Callable[[np.ndarray], np.ndarray],
                  limit: int = MAX_LABELS) -> LabelCandidates | None:
    """Label candidates of a vector layer's features.

    Parameters
    ----------
    frame
        The layer's GeoDataFrame.
    field
        The column to label with (None or missing: no labels).
    anchor_z
        z of the anchors at points (N, 2): the terrain plus a lift.
    limit
        Most candidates kept.
    """
    import shapely

    texts = label_texts(frame, field)
    if texts is None:
        return None
    geoms = np.asarray(frame.geometry.values, dtype=object)
    kind = shapely.get_type_id(geoms)
    lines, polygons = np.isin(kind, (1, 2, 5)), np.isin(kind, (3, 6))
    size = np.where(lines, shapely.length(geoms), np.where(polygons, shapely.area(geoms), 0.0))
    tier = np.full(len(geoms), TIER_POINT, dtype=np.int64)
    tier[polygons] = np.where(size[polygons] >= BIG_AREA, TIER_AREA, TIER_MINOR)
    if lines.any():
        tier[lines] = road_tiers(frame, texts)[lines]
    keep, tier, size = best_per_text(texts, tier, size, limit)
    chosen, on_line = geoms[keep], lines[keep]
    # Every candidate gets len(LINE_SPOTS) anchors; only lines have more than one place.
    spots = np.repeat(shapely.point_on_surface(chosen)[:, None], len(LINE_SPOTS), axis=1)
    spots[:, 1:] = None
    if on_line.any():
        merged = _whole_lines(geoms, texts, lines, [texts[i] for i in keep[on_line]])
        for k, fraction in enumerate(LINE_SPOTS):
            spots[on_line, k] = shapely.line_interpolate_point(merged, fraction, normalized=True)
    xy = np.stack([shapely.get_x(spots), shapely.get_y(spots)], axis=-1).reshape(len(keep), len(LINE_SPOTS), 2)
    ok = np.isfinite(xy[:, 0]).all(axis=1)
    if not ok.any():
        return None
    xy = xy[ok]
    flat = xy.reshape(-1, 2)
    z = np.full(len(flat), np.nan)
    finite = np.isfinite(flat).all(axis=1)
    z[finite] = anchor_z(flat[finite])
    anchors = np.column_stack([flat, z]).reshape(len(xy), len(LINE_SPOTS), 3)
    return LabelCandidates(anchors[:, 0], [texts[i] for i in keep[ok]], tier[ok], size[ok],
                           above=bool(np.isin(kind[keep[ok]], (0, 4)).all()),
                           alternates=anchors[:, 1:] if on_line.any() else None)


def _whole_lines(geoms: np.ndarray, texts: list[str], lines: np.ndarray, names: list[str]) -> np.ndarray:
    """For each of ``names``, every line of ``geoms`` with that text merged into one geometry
    (a street cut into many segments is labelled along all of it, not its longest piece)."""
    import shapely

    slot = {name: k for k, name in enumerate(names)}
    rows = np.array([i for i in np.flatnonzero(lines) if texts[i] in slot], dtype=np.int64)
    parts, part_row = shapely.get_parts(geoms[rows], return_index=True)
    group = np.array([slot[texts[i]] for i in rows[part_row]], dtype=np.int64)
    order = np.argsort(group, kind="stable")
    return shapely.line_merge(shapely.multilinestrings(parts[order], indices=group[order]))


def building_labels(frame: Any, field: str | None, base: np.ndarray, top: np.ndarray,
                    limit: int = MAX_LABELS) -> LabelCandidates | None:
    """Label candidates of buildings: on their roofs, the tallest first."""
    import shapely

    texts = label_texts(frame, field)
    if texts is None or len(texts) != len(top):
        return None
    height = np.asarray(top) - np.asarray(base)
    keep, tier, size = best_per_text(texts, np.full(len(texts), TIER_MINOR), height, limit)
    anchor = shapely.point_on_surface(np.asarray(frame.geometry.values, dtype=object)[keep])
    xy = np.column_stack([shapely.get_x(anchor), shapely.get_y(anchor)]).reshape(-1, 2)
    ok = np.isfinite(xy).all(axis=1)
    if not ok.any():
        return None
    keep = keep[ok]
    return LabelCandidates(np.column_stack([xy[ok], np.asarray(top)[keep] + 2.0]), [texts[i] for i in keep],
                           tier[ok], height[keep])
