"""Measures made from a feature the user selected on the map (the flood panel's "add measure")."""

from __future__ import annotations

from viewer.core.layers import VectorLayer
from viewer.core.project import Project
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.scenarios.flood_scenario import MEASURE_KINDS, Measure, ScenarioError

GEOMETRIES = {"raise": ("polygon", "line"), "wall": ("line", "polygon"), "pump": ("point", "polygon"),
              "retention": ("polygon",), "manning": ("polygon",)}
"""Which geometry kinds each measure takes (a wall on a polygon follows its outline)."""
MAIN_NUMBER = {"raise": "crest_m", "wall": "crest_m", "pump": "capacity_m3s", "retention": "depth_m",
               "manning": "n"}
"""The field the panel's number sets: a crest (m above datum), a capacity (m³/s), the depth dug (m),
Manning's n."""
GEOMETRY_WORDS = (QT_TRANSLATE_NOOP("ScenarioError", "point"), QT_TRANSLATE_NOOP("ScenarioError", "line"),
                  QT_TRANSLATE_NOOP("ScenarioError", "polygon"))
"""The geometry kinds as words of the messages (marked so that the interface shows them translated)."""


def selected_geometry(project: Project) -> tuple[str, str, str]:
    """The selected feature as (WKT in the project CRS, ``point``/``line``/``polygon``, its name).

    Raises
    ------
    ScenarioError
        When nothing, or a feature without a usable geometry, is selected.
    """
    layer = project.layer_by_id(project.selection.layer_id)
    index = project.selection.index
    if not isinstance(layer, VectorLayer) or index is None or layer.frame is None or index >= len(layer.frame):
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "select a feature on the map first (a road, a "
                                                               "dike, a point for a "
                                                               "pump)"))
    geometry = layer.frame.geometry.iloc[index]
    if geometry is None or geometry.is_empty:
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{layer}: feature {index} has no geometry"),
                            layer=layer.name,
                            index=index)
    kind = {"Point": "point", "LineString": "line", "Polygon": "polygon"}.get(
        geometry.geom_type.replace("Multi", ""), "")
    if not kind:
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{layer}: feature {index} is a {kind}, which "
                                                               "no measure "
                                                               "takes"), layer=layer.name, index=index,
                            kind=geometry.geom_type)
    row = layer.frame.iloc[index]
    name = next((str(row[c]) for c in ("name", "ten", "tên") if c in layer.frame.columns and isinstance(row[c], str)
                 and row[c]), f"{layer.name} #{index}")
    return geometry.wkt, kind, name


def measure_for(kind: str, value: float, wkt: str, geometry_kind: str, name: str) -> Measure:
    """A measure of ``kind`` with its main number ``value`` (:data:`MAIN_NUMBER`) on geometry ``wkt``.

    Raises
    ------
    ScenarioError
        When the geometry kind does not suit the measure, or the measure's own check refuses the
        value (:meth:`~viewer.scenarios.flood_scenario.Measure.validate`).
    """
    allowed = GEOMETRIES.get(kind)
    if allowed is None:
        raise ScenarioError(f"unknown measure {kind!r}")
    if geometry_kind not in allowed:
        raise ScenarioError(QT_TRANSLATE_NOOP("ScenarioError", "{name}: this measure needs a {allowed}, not a "
                                                               "{given}"),
                            name=name, allowed=allowed, given=(geometry_kind,))
    if kind == "wall" and geometry_kind == "polygon":
        import shapely

        wkt = shapely.from_wkt(wkt).boundary.wkt
    measure = MEASURE_KINDS[kind](name=name, geometry=wkt, **{MAIN_NUMBER[kind]: value})
    measure.validate()
    return measure
