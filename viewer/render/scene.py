"""The 3D scene of a project: one adapter per layer, kept in step with the model through its events.

:class:`Scene3D` attaches to any pyvista Plotter: the Qt view passes its QtInteractor, the
headless renderer an off-screen Plotter. It owns no state a user could change except through
the model, apart from the camera.

Geometry is made off the owner thread when the owner gives a ``call_soon`` hook (the Qt view):
a layer's prepare step runs in a worker thread and its actors are attached later, on the owner
thread (:mod:`viewer.render.build_queue`). Without the hook (headless rendering, benchmarks)
everything is built at once, inline.

Coordinates are world coordinates of the project CRS; the scene's z is elevation times the
vertical exaggeration (an actor scale, so changing it rebuilds nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import Any

from viewer.core.layers import Layer
from viewer.core.project import Project
from viewer.render.build_queue import BuildQueue
from viewer.render.camera import (apply_camera_state, camera_state, fit_clipping_range, overview_pose,
                                  street_pose)
from viewer.render.label_placement import LabelPlacer
from viewer.render.picking import ScenePicker
from viewer.render.registry import adapter_for
from viewer.render.terrain import Terrain
from viewer.render.vtk_layer import VtkLayer

GEOMETRY_FIELDS = ("frame", "mesh", "data", "transform", "nodata", "role")
"""Layer fields whose change means the layer's meshes are built again."""
BACKGROUND = "#dfe7ee"
"""Sky colour behind the scene."""
INLINE_WORK = 10_000
"""Prepare steps smaller than this (:meth:`VtkLayer.work`: about 1,000 buildings, a 100 x 100
DEM, a few milliseconds) run inline even when a ``call_soon`` hook is given: the trip to a
worker thread and back would cost the user a frame for nothing."""
TERRAIN_KEY = "\0terrain"
"""Build-queue key of the terrain (not a layer id)."""


class Scene3D:
    """The project drawn into ``plotter``.

    Parameters
    ----------
    plotter
        A pyvista Plotter (a pyvistaqt QtInteractor is one).
    project
        The model. The scene listens to its layer list, each layer's fields and the selection.
    request_render
        Called when the picture changed; defaults to ``plotter.render`` (which draws at once).
        A GUI can pass a coalescing one (a zero-delay single-shot timer) so that a burst of
        model events costs one frame.
    call_soon
        Called from a worker thread with a function to run soon on the thread that owns the
        scene (a GUI posts it to its event loop). Given, big layers are prepared in worker
        threads and attached when ready; None: everything is built at once, inline.

    Attributes
    ----------
    adapters
        Layer id -> its :class:`~viewer.render.vtk_layer.VtkLayer`.
    terrain
        The :class:`~viewer.render.terrain.Terrain` of the project's DEM, or None without one
        (or while it is being made).
    exaggeration
        The vertical exaggeration in use (mirrors ``project.settings.vertical_exaggeration``).
    label_placer
        The :class:`~viewer.render.label_placement.LabelPlacer` showing every layer's labels.
    inline_work
        Prepare steps up to this size run inline (:data:`INLINE_WORK`; 0 sends all to workers).
    """

    def __init__(self, plotter: Any, project: Project,
                 request_render: Callable[[], None] | None = None,
                 call_soon: Callable[[Callable[[], None]], None] | None = None) -> None:
        self.plotter = plotter
        self._request_render = request_render or plotter.render
        self.project = project
        self.exaggeration = float(project.settings.vertical_exaggeration or 1.0)
        self.inline_work = INLINE_WORK
        self.terrain: Terrain | None = None
        self.terrain_layer: Layer | None = None
        self._terrain_future: Future | None = None
        self._terrain_stale = True
        self.adapters: dict[str, VtkLayer] = {}
        self._links: list[tuple[Any, Callable]] = []
        self._layer_links: dict[str, list[tuple[Any, Callable]]] = {}
        self._picker = ScenePicker()
        self._closed = False
        self._queue = BuildQueue(call_soon, on_attached=self.render)
        renderer = plotter.renderer
        # Runs before every other StartEvent observer (the label placement needs its far plane).
        self._clip_observer = renderer.AddObserver("StartEvent", self._fit_clipping_range, 10.0)
        self.label_placer = LabelPlacer(renderer, lambda: self.exaggeration)
        plotter.set_background(BACKGROUND)
        self._light_scene()
        self._model_links: list[tuple[Any, Callable]] = []
        self._link(self._links, project.events.settings, self._on_settings)
        self._link(self._links, project.events.layers, self._relink)
        self._link(self._links, project.events.selection, self._relink)
        self._relink()
        self.reset_camera()

    def _light_scene(self) -> None:
        """One key light riding with the camera (above and right of it).

        A light kit has five lights, each one paid per pixel by a software renderer; one light
        plus the actors' ambient term shades walls and roofs apart at a fraction of the cost.
        """
        import pyvista as pv

        self.plotter.renderer.remove_all_lights()
        self.plotter.renderer.add_light(pv.Light(position=(0.3, 0.6, 1.0), focal_point=(0.0, 0.0, 0.0),
                                                 intensity=0.9, light_type="camera light"))

    # -- model -> adapters --------------------------------------------------------------------
    @staticmethod
    def _link(links: list, signal: Any, callback: Callable) -> None:
        signal.connect(callback)
        links.append((signal, callback))

    def _relink(self, *_: Any) -> None:
        """Listen to the project's current layer list and selection (a loaded project may bring
        new ones), then catch up with them."""
        for signal, callback in self._model_links:
            signal.disconnect(callback)
        self._model_links = []
        events = self.project.layers.events
        for signal in (events.inserted, events.removed, events.changed, events.moved, events.reordered):
            self._link(self._model_links, signal, self._sync)
        selection = self.project.selection.events
        self._link(self._model_links, selection.index, self._on_selection)
        self._link(self._model_links, selection.layer_id, self._on_selection)
        self._sync()

    def _sync(self, *_: Any) -> None:
        """Make the adapters match the layer list (idempotent, so any list event can call it)."""
        layers = {layer.id: layer for layer in self.project.layers}
        for layer_id in [i for i in self.adapters if i not in layers]:
            self._drop(layer_id)
        terrain_changed = self._update_terrain()
        for layer in layers.values():
            if layer.id not in self.adapters and adapter_for(layer.kind) is not None:
                self._adopt(layer)
            elif terrain_changed and self.adapters.get(layer.id) is not None:
                adapter = self.adapters[layer.id]
                if adapter.follows_terrain or adapter.layer is self.terrain_layer:
                    adapter.rebuild()
        self._on_selection()
        self.render()

    def _adopt(self, layer: Layer) -> None:
        links: list[tuple[Any, Callable]] = []
        events = layer.events
        self._link(links, events.visible, lambda *_, lay=layer: self._on_visible(lay))
        self._link(links, events.opacity, lambda *_, lay=layer: self._call(lay, "set_opacity", lay.opacity))
        self._link(links, events.style, lambda *_, lay=layer: self._call(lay, "apply_style", lay.style))
        for name in GEOMETRY_FIELDS:
            signal = getattr(events, name, None)
            if signal is not None:
                self._link(links, signal, lambda *_, lay=layer: self._on_geometry(lay))
        self._layer_links[layer.id] = links
        adapter = adapter_for(layer.kind)(layer, self)
        self.adapters[layer.id] = adapter
        self.schedule(adapter)

    def _drop(self, layer_id: str) -> None:
        self._queue.cancel(layer_id)
        for signal, callback in self._layer_links.pop(layer_id, []):
            signal.disconnect(callback)
        adapter = self.adapters.pop(layer_id)
        adapter.remove()

    def _call(self, layer: Layer, method: str, value: Any) -> None:
        adapter = self.adapters.get(layer.id)
        if adapter is None:
            return
        if method == "apply_style":
            self._restyle(adapter, value)
            return
        getattr(adapter, method)(value)
        self.render()

    def _restyle(self, adapter: VtkLayer, style: Any) -> None:
        """Give ``adapter`` its new style: its colours (and labels) are made like its geometry,
        in a worker when they are big, and a build still in flight is made again instead (it
        has the old style)."""
        if self._queue.pending_kind(adapter.layer.id) == "build":
            self.schedule(adapter)
            return
        done = self._queue.submit(adapter.layer.id, partial(adapter.prepare_style, style), adapter.attach_style,
                                  inline=adapter.work() <= self.inline_work, kind="style")
        if done.done():
            self.render()

    # -- building -----------------------------------------------------------------------------
    def schedule(self, adapter: VtkLayer) -> None:
        """Build ``adapter``'s geometry again: prepared in a worker (when the scene has a
        ``call_soon`` hook and the work is big) and attached on the owner thread; a build of the
        same layer still in flight is dropped."""
        needs_terrain = adapter.follows_terrain or adapter.layer is self.terrain_layer
        terrain = self._terrain_future if needs_terrain else None
        inline = (terrain is None or terrain.done()) and adapter.work() <= self.inline_work

        def prepare() -> Any:
            return adapter.prepare(None if terrain is None else terrain.result())

        self._queue.submit(adapter.layer.id, prepare, partial(self._attach, adapter), inline=inline)

    def _attach(self, adapter: VtkLayer, prepared: Any) -> None:
        if self.adapters.get(adapter.layer.id) is adapter:
            adapter.attach(prepared)

    @property
    def pending(self) -> int:
        """Builds (terrain included) prepared or being prepared and not attached yet."""
        return self._queue.pending

    def wait_until_ready(self, timeout: float | None = None) -> bool:
        """Wait for every build in flight and attach it now (on the owner thread; for tests and
        exports). Returns True when nothing is left pending."""
        return self._queue.wait_until_ready(timeout)

    def _on_visible(self, layer: Layer) -> None:
        if getattr(layer, "role", "") == "dem":
            self._sync()  # the terrain may now be another DEM, or none
        self._call(layer, "set_visible", layer.visible)

    def _on_geometry(self, layer: Layer) -> None:
        if layer is self.terrain_layer or getattr(layer, "role", "") == "dem":
            self._terrain_stale = True  # make the terrain again; _sync rebuilds what stands on it
            self._sync()
        adapter = self.adapters.get(layer.id)
        if adapter is not None and layer is not self.terrain_layer:
            adapter.rebuild()
        self.render()

    def _terrain_dem(self) -> Layer | None:
        """The project's DEM (the top visible one); a hidden DEM still carries the scene when it
        is the only one, so hiding the terrain does not drop every building to z = 0."""
        dem = self.project.dem()
        if dem is None:
            dems = [lay for lay in self.project.layers if lay.kind == "raster" and getattr(lay, "role", "") == "dem"]
            dem = dems[-1] if dems else None
        return dem

    def _update_terrain(self) -> bool:
        """Make the terrain of the project's DEM again if that DEM changed; True when it did.

        The terrain is prepared like a layer; the layers standing on it wait for it in their own
        prepare steps, and :attr:`terrain` is set when it is attached.
        """
        dem = self._terrain_dem()
        if dem is self.terrain_layer and not self._terrain_stale:
            return False
        self.terrain_layer = dem
        self._terrain_stale = False
        if dem is None or dem.data is None:
            self._queue.cancel(TERRAIN_KEY)
            self._terrain_future, self.terrain = None, None
        else:
            inline = int(dem.data.size) <= self.inline_work
            self._terrain_future = self._queue.submit(TERRAIN_KEY, partial(Terrain.from_dem, dem),
                                                      self._set_terrain, inline=inline)
        return True

    def _set_terrain(self, terrain: Terrain) -> None:
        self.terrain = terrain

    def _on_selection(self, *_: Any) -> None:
        # select() emits layer_id then index; rendering only on a real change draws once.
        layer_id, index = self.project.selection.layer_id, self.project.selection.index
        changed = False
        for owner, adapter in self.adapters.items():
            wanted = index if owner == layer_id else None
            if adapter.selected != wanted:
                adapter.set_selected(wanted)
                changed = True
        if changed:
            self.render()

    def _on_settings(self, *_: Any) -> None:
        """A new settings object (a project was loaded): take its exaggeration."""
        factor = float(self.project.settings.vertical_exaggeration or 1.0)
        if factor != self.exaggeration:
            self.set_exaggeration(factor)

    def set_exaggeration(self, factor: float) -> None:
        """Draw heights ``factor`` times their size (also stored in the project settings)."""
        factor = float(factor)
        if factor <= 0:
            raise ValueError(f"vertical exaggeration must be positive, not {factor}")
        state = self.camera_state()
        self.project.settings.vertical_exaggeration = factor
        self.exaggeration = factor
        for adapter in self.adapters.values():
            adapter.set_exaggeration(factor)
        self.set_camera_state(state)

    # -- picking ------------------------------------------------------------------------------
    def pick(self, display_x: float, display_y: float) -> tuple[str, int] | None:
        """The (layer id, feature index) drawn at a display position, or None.

        ``display_x``, ``display_y`` are VTK display coordinates: pixels from the lower-left
        corner of the render window (a Qt widget's y is ``height - 1 - y``). What lies on the
        terrain (a drape, a fill) wins over the terrain itself at the same spot.
        """
        return self._picker.pick(self, display_x, display_y)

    # -- camera -------------------------------------------------------------------------------
    def camera_state(self) -> dict[str, Any]:
        """The camera pose as plain floats (world coordinates, z not exaggerated)."""
        return camera_state(self.plotter.renderer.GetActiveCamera(), self.exaggeration)

    def set_camera_state(self, state: dict[str, Any]) -> None:
        """Restore a pose from :meth:`camera_state`."""
        renderer = self.plotter.renderer
        apply_camera_state(renderer.GetActiveCamera(), state, self.exaggeration)
        renderer.camera_set = True
        renderer.ResetCameraClippingRange()
        self.render()

    def set_view(self, kind: str) -> None:
        """``"overview"``: the whole project from above at an angle; ``"street"``: at street level."""
        renderer = self.plotter.renderer
        bounds = self.bounds()
        angle = renderer.GetActiveCamera().GetViewAngle()
        if kind == "overview":
            width, height = self.plotter.window_size
            state = overview_pose(bounds, angle, width / max(height, 1))
        elif kind == "street":
            state = street_pose(self.project, self.terrain, bounds, self.exaggeration, angle)
        else:
            raise ValueError(f"unknown view {kind!r}: use 'overview' or 'street'")
        camera = renderer.GetActiveCamera()
        camera.SetPosition(*state["position"])
        camera.SetFocalPoint(*state["focal_point"])
        camera.SetViewUp(*state["view_up"])
        camera.OrthogonalizeViewUp()
        renderer.camera_set = True
        renderer.ResetCameraClippingRange()
        self.render()

    def reset_camera(self) -> None:
        """Back to the overview of the whole project."""
        self.set_view("overview")

    def _fit_clipping_range(self, *_: Any) -> None:
        """Before each frame: clipping planes around what is visible, no farther than the draw
        distance (:func:`~viewer.render.camera.fit_clipping_range`)."""
        fit_clipping_range(self.plotter.renderer, self._ground_z)

    def _ground_z(self, x: float, y: float) -> float:
        """Scene z (exaggerated) of the terrain at (x, y); 0 without a terrain."""
        terrain = self.terrain
        return 0.0 if terrain is None else float(terrain.sample_or_floor([x], [y])[0]) * self.exaggeration

    def bounds(self) -> tuple[float, float, float, float, float, float]:
        """(xmin, xmax, ymin, ymax, zmin, zmax) of the visible scene (z exaggerated)."""
        bounds = self.plotter.renderer.ComputeVisiblePropBounds()
        if bounds[0] > bounds[1]:
            extent = self.project.extent or (-500.0, -500.0, 500.0, 500.0)
            return (extent[0], extent[2], extent[1], extent[3], 0.0, 0.0)
        return tuple(bounds)  # type: ignore[return-value]

    # -- lifetime -----------------------------------------------------------------------------
    def render(self) -> None:
        """Ask for a new frame (``request_render``; a plotter skips it before its first show)."""
        if not self._closed:
            self._request_render()

    def close(self) -> None:
        """Disconnect from the model, drop the builds in flight and take every actor out."""
        if self._closed:
            return
        self._queue.close()
        for signal, callback in self._links + self._model_links:
            signal.disconnect(callback)
        self._links, self._model_links = [], []
        for layer_id in list(self.adapters):
            self._drop(layer_id)
        self.label_placer.close()
        self.plotter.renderer.RemoveObserver(self._clip_observer)
        self._picker.close()
        self._closed = True
