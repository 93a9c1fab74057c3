"""Picking in the 3D scene: which layer and feature is drawn under a pixel.

A vtkCellPicker finds the nearest cell along the ray through the pixel; the adapter owning the
picked actor maps the cell to its feature (the per-cell ``feature`` array, or the raster cell
under the hit point).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.core.layers import Layer
from viewer.render.vtk_layer import VtkLayer

if TYPE_CHECKING:
    from viewer.render.scene import Scene3D

LOCATOR_CELLS = 200_000
"""Meshes with more cells than this get a cell locator for picking (built on first pick)."""


class ScenePicker:
    """Picks features of a :class:`~viewer.render.scene.Scene3D`, keeping locators for big meshes."""

    def __init__(self) -> None:
        from vtkmodules.vtkRenderingCore import vtkCellPicker

        self._picker = vtkCellPicker()
        self._picker.SetTolerance(0.004)  # fraction of the window diagonal, for lines and points
        self._locators: dict[int, tuple[Any, Any]] = {}

    def pick(self, scene: Scene3D, display_x: float, display_y: float) -> tuple[str, int] | None:
        """See :meth:`Scene3D.pick`."""
        self._prepare_locators(scene)
        hit = self._pick_once(scene, display_x, display_y, exclude=None)
        if hit is None or hit[0] is not scene.terrain_layer:
            return None if hit is None else (hit[0].id, hit[1])
        # The terrain was hit: a drape or fill lying on it at the same spot is what the user sees.
        above = self._pick_once(scene, display_x, display_y, exclude=scene.adapters[hit[0].id])
        if above is not None and np.linalg.norm(np.subtract(above[2], hit[2])) < 0.5 * scene.exaggeration:
            hit = above
        return hit[0].id, hit[1]

    def _pick_once(self, scene: Scene3D, display_x: float, display_y: float, exclude: VtkLayer | None
                   ) -> tuple[Layer, int, tuple[float, float, float]] | None:
        picker = self._picker
        picker.InitializePickList()
        picker.SetPickFromList(exclude is not None)
        if exclude is not None:
            for adapter in scene.adapters.values():
                if adapter is not exclude:
                    for actor in adapter.actors:
                        picker.AddPickList(actor)
        if not picker.Pick(float(display_x), float(display_y), 0.0, scene.plotter.renderer):
            return None
        actor, cell_id = picker.GetActor(), picker.GetCellId()
        if actor is None or cell_id < 0:
            return None
        position = picker.GetPickPosition()
        for adapter in scene.adapters.values():
            if any(actor is a for a in adapter.actors):
                world = (position[0], position[1], position[2] / scene.exaggeration)
                index = adapter.feature_at(actor, cell_id, world)
                return None if index is None else (adapter.layer, int(index), position)
        return None

    def _prepare_locators(self, scene: Scene3D) -> None:
        """Give the picker a cell locator for every big visible mesh, so a pick stays fast."""
        from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator

        self._picker.RemoveAllLocators()
        live: dict[int, tuple[Any, Any]] = {}
        for adapter in scene.adapters.values():
            for actor in adapter.actors:
                mapper = actor.GetMapper() if hasattr(actor, "GetMapper") else None
                data = mapper.GetInput() if mapper is not None and hasattr(mapper, "GetInput") else None
                if data is None or not actor.GetVisibility() or data.GetNumberOfCells() < LOCATOR_CELLS:
                    continue
                key = id(data)  # the dict keeps ``data`` alive, so the id is not reused meanwhile
                if key not in self._locators:
                    locator = vtkStaticCellLocator()
                    locator.SetDataSet(data)
                    locator.BuildLocator()
                    self._locators[key] = (data, locator)
                live[key] = self._locators[key]
                self._picker.AddLocator(live[key][1])
        self._locators = live

    def close(self) -> None:
        """Drop the locators (and the meshes they hold)."""
        self._picker.RemoveAllLocators()
        self._locators = {}
