"""Geometry prepared in worker threads and attached on the owner thread; stale results dropped."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from tests.render.conftest import ground, make_buildings, make_dem
from viewer.core import Project, Style
from viewer.render.scene import Scene3D
from viewer.render.vtk_buildings import VtkBuildingsLayer
from viewer.render.vtk_layer import COLORS


class OwnerLoop:
    """A stand-in event loop: ``call_soon`` queues functions, :meth:`run` runs them here."""

    def __init__(self) -> None:
        self.posted: list = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def call_soon(self, function) -> None:
        with self._lock:
            self.posted.append(function)
            self.threads.add(threading.current_thread().name)

    def run(self) -> int:
        with self._lock:
            posted, self.posted = self.posted, []
        for function in posted:
            function()
        return len(posted)


@pytest.fixture
def loop() -> OwnerLoop:
    return OwnerLoop()


@pytest.fixture
def threaded_scene(loop) -> Iterator[Scene3D]:
    """A scene of a project with a DEM, whose every build (however small) goes to a worker."""
    from viewer.render.offscreen import offscreen_plotter

    project = Project(crs="EPSG:5897")
    project.add_layer(make_dem())
    plotter = offscreen_plotter((320, 200))
    scene = Scene3D(plotter, project, call_soon=loop.call_soon)
    scene.inline_work = 0
    scene.wait_until_ready(30)
    try:
        yield scene
    finally:
        scene.close()
        plotter.close()


@pytest.fixture
def gate(monkeypatch) -> Iterator[threading.Event]:
    """Buildings' prepare steps wait until the event is set (so a test can act meanwhile)."""
    event = threading.Event()
    prepare = VtkBuildingsLayer.prepare
    started = []

    def gated(self, terrain):
        started.append(self.layer.style)
        assert event.wait(30), "the test never opened the gate"
        return prepare(self, terrain)

    monkeypatch.setattr(VtkBuildingsLayer, "prepare", gated)
    event.started = started  # type: ignore[attr-defined]
    yield event
    event.set()


def _actors(scene: Scene3D) -> int:
    return scene.plotter.renderer.GetActors().GetNumberOfItems()


def test_a_big_layer_is_prepared_in_a_worker_and_attached_by_the_owner(threaded_scene, loop):
    scene = threaded_scene
    before = _actors(scene)
    buildings = make_buildings()
    attached_on, prepared_on = [], []
    original, original_prepare = VtkBuildingsLayer.attach, VtkBuildingsLayer.prepare

    def spy(self, prepared):
        attached_on.append(threading.current_thread() is threading.main_thread())
        original(self, prepared)

    def prepare_spy(self, terrain):
        prepared_on.append(threading.current_thread().name)
        return original_prepare(self, terrain)

    VtkBuildingsLayer.attach, VtkBuildingsLayer.prepare = spy, prepare_spy
    try:
        scene.project.add_layer(buildings)
        adapter = scene.adapters[buildings.id]
        assert scene.pending == 1 and adapter.actors == [] and _actors(scene) == before
        for _ in range(300):  # the worker posts the attach step; the owner runs it
            if loop.run():
                break
            threading.Event().wait(0.05)
        assert scene.pending == 0
    finally:
        VtkBuildingsLayer.attach, VtkBuildingsLayer.prepare = original, original_prepare
    assert attached_on == [True]
    # prepared in a worker; the attach step was posted to the owner (from the worker, or from the
    # submitting thread when the worker had already finished by the time the callback was added)
    assert len(prepared_on) == 1 and prepared_on[0].startswith("scene3d-prepare"), prepared_on
    assert loop.threads
    assert len(adapter._full) > 0 and _actors(scene) == before + len(adapter.actors)
    base, _ = adapter.building_z()
    x0 = buildings.frame.geometry.bounds["minx"].to_numpy()
    np.testing.assert_allclose(base, ground(x0), atol=1e-9)  # on the terrain


def test_buildings_wait_for_a_terrain_still_being_made(loop):
    from viewer.render.offscreen import offscreen_plotter

    project = Project(crs="EPSG:5897")
    plotter = offscreen_plotter((320, 200))
    scene = Scene3D(plotter, project, call_soon=loop.call_soon)
    scene.inline_work = 0
    try:
        project.add_layer(make_dem())
        buildings = make_buildings()
        project.add_layer(buildings)
        assert scene.terrain is None and scene.pending == 3  # terrain, DEM tiles, buildings
        assert scene.wait_until_ready(30)
        assert scene.terrain is not None and scene.terrain.source_id == project.layers[0].id
        base, _ = scene.adapters[buildings.id].building_z()
        np.testing.assert_allclose(base, ground(buildings.frame.geometry.bounds["minx"].to_numpy()), atol=1e-9)
    finally:
        scene.close()
        plotter.close()


def test_a_layer_removed_while_it_is_prepared_attaches_nothing(threaded_scene, loop, gate):
    scene = threaded_scene
    before = _actors(scene)
    buildings = make_buildings()
    scene.project.add_layer(buildings)
    adapter = scene.adapters[buildings.id]
    scene.project.remove_layer(buildings)
    assert scene.pending == 0 and buildings.id not in scene.adapters
    gate.set()
    threading.Event().wait(0.5)
    loop.run()
    assert adapter.actors == [] and _actors(scene) == before


def test_a_restyle_while_preparing_attaches_only_the_new_style(threaded_scene, loop, gate):
    scene = threaded_scene
    buildings = make_buildings()
    scene.project.add_layer(buildings)
    buildings.style = Style(color="#00ff00")
    assert scene.pending == 1
    gate.set()
    assert scene.wait_until_ready(30)
    adapter = scene.adapters[buildings.id]
    assert [style.color for style in gate.started][-1] == "#00ff00"
    colors = np.concatenate([np.asarray(mesh.cell_data[COLORS]) for mesh in adapter._meshes])
    assert np.all(colors == (0, 255, 0)), "no tile from the stale build with the old colour"
    assert len(adapter._full) == len(adapter._meshes)
    assert sum(1 for a in adapter.actors if a.GetVisibility()) == len(adapter._full)
    loop.run()  # the stale build's late delivery changes nothing
    assert len(adapter._full) == len(adapter._meshes)


def test_hiding_and_selecting_while_preparing_apply_when_attached(threaded_scene, gate):
    scene = threaded_scene
    buildings = make_buildings()
    scene.project.add_layer(buildings)
    buildings.visible = False
    scene.project.selection.select(buildings.id, 4)
    gate.set()
    assert scene.wait_until_ready(30)
    adapter = scene.adapters[buildings.id]
    assert adapter.actors and not any(actor.GetVisibility() for actor in adapter.actors)
    tile = adapter._feature_tile[4]
    mesh = adapter._meshes[tile]
    rgb = np.asarray(mesh.cell_data[COLORS])[np.asarray(mesh.cell_data["feature"]) == 4]
    assert np.all(rgb == (255, 221, 0))


def test_closing_while_preparing_drops_the_result(loop, gate):
    from viewer.render.offscreen import offscreen_plotter

    project = Project(crs="EPSG:5897")
    plotter = offscreen_plotter((320, 200))
    scene = Scene3D(plotter, project, call_soon=loop.call_soon)
    scene.inline_work = 0
    try:
        buildings = make_buildings()
        project.add_layer(buildings)
        adapter = scene.adapters[buildings.id]
        scene.close()
        gate.set()
        threading.Event().wait(0.5)
        loop.run()
        assert adapter.actors == [] and _actors(scene) == 0
        assert scene.pending == 0 and scene.wait_until_ready(0.1)
    finally:
        plotter.close()


def test_without_call_soon_everything_is_built_at_once():
    from viewer.render.offscreen import offscreen_plotter

    project = Project(crs="EPSG:5897")
    project.add_layer(make_dem())
    buildings = make_buildings()
    project.add_layer(buildings)
    plotter = offscreen_plotter((320, 200))
    scene = Scene3D(plotter, project)
    try:
        scene.inline_work = 0  # no hook: inline whatever the size
        project.add_layer(make_buildings())
        assert scene.pending == 0
        assert all(adapter.actors for adapter in scene.adapters.values())
    finally:
        scene.close()
        plotter.close()


def test_a_restyle_is_coloured_in_a_worker_and_the_last_one_wins(threaded_scene, monkeypatch):
    scene = threaded_scene
    buildings = make_buildings()
    scene.project.add_layer(buildings)
    assert scene.wait_until_ready(30)
    adapter = scene.adapters[buildings.id]
    gate, asked = threading.Event(), []
    prepare_style = VtkBuildingsLayer.prepare_style

    def gated(self, style):
        asked.append(style.color)
        assert gate.wait(30)
        return prepare_style(self, style)

    monkeypatch.setattr(VtkBuildingsLayer, "prepare_style", gated)
    meshes = list(adapter._meshes)
    before = np.concatenate([np.asarray(mesh.cell_data[COLORS]) for mesh in meshes]).copy()
    buildings.style = Style(color="#00ff00")
    assert scene.pending == 1
    scene.project.selection.select(buildings.id, 2)
    buildings.style = Style(color="#0000ff")
    colors = np.concatenate([np.asarray(mesh.cell_data[COLORS]) for mesh in meshes])
    features = np.concatenate([np.asarray(mesh.cell_data["feature"]) for mesh in meshes])
    np.testing.assert_array_equal(colors[features != 2], before[features != 2])  # not recoloured yet
    gate.set()
    assert scene.wait_until_ready(30)
    assert adapter._meshes == meshes, "a restyle keeps the geometry"
    colors = np.concatenate([np.asarray(mesh.cell_data[COLORS]) for mesh in meshes])
    assert np.all(colors[features != 2] == (0, 0, 255)) and np.all(colors[features == 2] == (255, 221, 0))
    assert asked[-1] == "#0000ff"
