"""The base of every 3D layer adapter, and the few VTK building blocks the adapters share.

An adapter draws one model layer as VTK actors and keeps them in step with it: the scene calls
:meth:`VtkLayer.set_visible`, :meth:`~VtkLayer.set_opacity`, :meth:`~VtkLayer.apply_style`,
:meth:`~VtkLayer.set_selected` and :meth:`~VtkLayer.set_exaggeration` when the model changes.

Geometry is made in two steps so that a GUI never waits for it: :meth:`VtkLayer.prepare` turns
the layer into arrays and pyvista datasets (any thread; it touches no renderer), then
:meth:`VtkLayer.build` makes the actors from them on the thread that owns the scene (the scene's
:class:`~viewer.render.build_queue.BuildQueue` decides where each step runs).

Geometry is stored in world coordinates (project CRS, metres, z = elevation); vertical
exaggeration is an actor scale (1, 1, v), so changing it never rebuilds a mesh. Every pickable
mesh carries a per-cell ``feature`` array (row in the layer's frame, or raster cell) so a picked
cell maps back to its feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.core.layers import Layer
from viewer.core.style import Style

if TYPE_CHECKING:
    from viewer.render.labels import LabelCandidates
    from viewer.render.scene import Scene3D
    from viewer.render.terrain import Terrain

FEATURE = "feature"
"""Name of the per-cell array holding the feature index of each cell."""
COLORS = "rgb"
"""Name of the per-cell or per-point uint8 RGB array the mappers colour by."""
HIGHLIGHT_RGB = (255, 221, 0)
"""Colour of the selected feature."""


class VtkLayer:
    """Base class of the 3D adapters: owns the actors of one layer.

    Parameters
    ----------
    layer
        The model layer drawn.
    scene
        The scene the actors go into; gives the plotter, the terrain and the exaggeration.
        The adapter starts empty: the scene schedules its first build.

    Attributes
    ----------
    actors
        Every VTK prop of this layer.
    labels
        The label candidates of this layer (placed on screen by the scene), or None.
    """

    follows_terrain = True
    """Whether the layer's geometry depends on the terrain (rebuilt when the DEM changes)."""

    def __init__(self, layer: Layer, scene: Scene3D) -> None:
        self.layer = layer
        self.scene = scene
        self.actors: list[Any] = []
        self.labels: LabelCandidates | None = None
        self.selected: int | None = None

    # -- to implement ------------------------------------------------------------------------
    def prepare(self, terrain: Terrain | None) -> Any:
        """Make what :meth:`build` needs from the layer, standing on ``terrain``.

        Runs in a worker thread: numpy, shapely and pyvista datasets only, no actor, no
        renderer, no change to this adapter. The default prepares nothing.
        """
        return None

    def build(self, prepared: Any) -> None:
        """Create the actors (with :meth:`add_actor`) from what :meth:`prepare` returned.

        Runs on the thread that owns the scene, after the previous actors were removed.
        """
        raise NotImplementedError

    def work(self) -> int:
        """Rough size of the prepare step (vertices or cells read); small ones run inline."""
        frame = getattr(self.layer, "frame", None)
        return 0 if frame is None else 10 * len(frame)

    def apply_style(self, style: Style) -> None:
        """Recolour for ``style`` without rebuilding geometry where the adapter can."""
        self.rebuild()

    def prepare_style(self, style: Style) -> Any:
        """What restyling for ``style`` needs, made in a worker thread like :meth:`prepare`.

        Adapters whose restyle is heavy (colours of every building) override this and
        :meth:`attach_style`; the default leaves all the work to :meth:`apply_style`.
        """
        return style

    def attach_style(self, prepared: Any) -> None:
        """Apply what :meth:`prepare_style` made (owner thread)."""
        self.apply_style(prepared)

    # -- shared behaviour ---------------------------------------------------------------------
    def rebuild(self) -> None:
        """Make the geometry again (the layer or the terrain changed); the scene says where."""
        self.scene.schedule(self)

    def attach(self, prepared: Any) -> None:
        """Replace the actors with those built from ``prepared`` and bring them up to date with
        the layer (visibility, opacity, exaggeration, selection, labels)."""
        self.remove()
        self.build(prepared)
        self.set_exaggeration(self.scene.exaggeration)
        self.set_opacity(self.layer.opacity)
        self.set_visible(self.layer.visible)
        if self.selected is not None:
            self.set_selected(self.selected)

    def add_actor(self, actor: Any, pickable: bool = True) -> Any:
        """Put ``actor`` into the scene as one of this layer's props."""
        actor.SetPickable(pickable)
        self.scene.plotter.renderer.AddActor(actor)
        self.actors.append(actor)
        return actor

    def set_labels(self, labels: LabelCandidates | None) -> None:
        """Offer ``labels`` to the scene's label placement (None: this layer has no labels)."""
        self.labels = labels if labels is not None and len(labels) else None
        self.scene.label_placer.set(self.layer.id, self.labels, self.layer.visible)

    def remove(self) -> None:
        """Take every actor of this layer (and its labels) out of the scene."""
        renderer = self.scene.plotter.renderer
        for actor in self.actors:
            renderer.RemoveActor(actor)
        self.actors = []
        self.scene.label_placer.remove(self.layer.id)
        self.labels = None

    def set_visible(self, visible: bool) -> None:
        """Show or hide every actor and label."""
        for actor in self.actors:
            actor.SetVisibility(bool(visible))
        if self.labels is not None:
            self.scene.label_placer.set_visible(self.layer.id, bool(visible))

    def set_opacity(self, opacity: float) -> None:
        """Set the opacity of every 3D actor (labels stay opaque)."""
        for actor in self.actors:
            if hasattr(actor, "SetScale"):  # a 3D prop, not a 2D one
                actor.GetProperty().SetOpacity(float(opacity))

    def set_exaggeration(self, factor: float) -> None:
        """Scale the 3D actors' z by ``factor`` (labels follow through the scene's placement)."""
        for actor in self.actors:
            if hasattr(actor, "SetScale"):
                actor.SetScale(1.0, 1.0, float(factor))

    def set_selected(self, index: int | None) -> None:
        """Highlight feature ``index`` (None: nothing). The base adapter has no highlight."""
        self.selected = index

    def feature_at(self, actor: Any, cell_id: int, position: tuple[float, float, float]) -> int | None:
        """The feature drawn by cell ``cell_id`` of ``actor`` (picked at world ``position``)."""
        data = actor.GetMapper().GetInput()
        array = data.GetCellData().GetArray(FEATURE) if data is not None else None
        if array is None or not 0 <= cell_id < array.GetNumberOfTuples():
            return None
        return int(array.GetValue(cell_id))


def ground_of(terrain: Terrain | None, xy: np.ndarray) -> np.ndarray:
    """Terrain elevation at points ``xy`` (N, 2); 0 without a terrain."""
    if terrain is None or len(xy) == 0:
        return np.zeros(len(xy))
    return terrain.sample_or_floor(xy[:, 0], xy[:, 1])


def triangle_mesh(points: np.ndarray, triangles: np.ndarray) -> Any:
    """A pyvista PolyData of ``triangles`` (K, 3) over ``points`` (N, 3)."""
    import pyvista as pv

    if len(triangles) == 0:
        return pv.PolyData(np.asarray(points, dtype=np.float64).reshape(-1, 3))
    return pv.PolyData.from_regular_faces(np.asarray(points, dtype=np.float64),
                                          np.asarray(triangles, dtype=np.int64))


def colored_actor(mesh: Any, on: str = "cell", lighting: bool = True, closed: bool = False) -> Any:
    """An actor drawing ``mesh`` in the RGB colours of its ``rgb`` array (``on`` "cell"/"point").

    ``closed`` surfaces (outward-facing triangles, never seen from inside) skip their back faces,
    which halves the walls a software renderer has to fill.
    """
    from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

    mapper = vtkPolyDataMapper()
    mapper.SetInputData(mesh)
    mapper.SetColorModeToDirectScalars()
    if on == "cell":
        mapper.SetScalarModeToUseCellFieldData()
    else:
        mapper.SetScalarModeToUsePointFieldData()
    mapper.SelectColorArray(COLORS)
    mapper.ScalarVisibilityOn()
    actor = vtkActor()
    actor.SetMapper(mapper)
    prop = actor.GetProperty()
    prop.SetLighting(lighting)
    # Some ambient light keeps walls facing away from the key light readable.
    prop.SetAmbient(0.3)
    prop.SetDiffuse(0.75)
    prop.SetBackfaceCulling(closed)
    return actor


def plain_actor(mesh: Any, rgb: tuple[int, int, int]) -> Any:
    """An actor drawing ``mesh`` (any VTK dataset) in one colour."""
    from vtkmodules.vtkRenderingCore import vtkActor, vtkDataSetMapper

    mapper = vtkDataSetMapper()
    mapper.SetInputData(mesh)
    mapper.ScalarVisibilityOff()
    actor = vtkActor()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColor(*(c / 255.0 for c in rgb))
    return actor


def rgb_of(color: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` as an (r, g, b) tuple of ints."""
    c = color.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16))
