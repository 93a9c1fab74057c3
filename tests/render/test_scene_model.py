"""The scene follows the model: layers come and go, cameras round-trip, adapters come from the registry."""

from __future__ import annotations

import json

import numpy as np
import pytest
from psygnal import evented

from tests.render.conftest import CELL, SIZE, X0, Y0, ground, make_buildings, pixel, to_display, top_down
from viewer.core import Project, Style, VectorLayer
from viewer.core.layers import Layer
from viewer.render.offscreen import offscreen_scene, render_project_image, render_project_png, snapshot
from viewer.render.registry import adapter_for, register_adapter
from viewer.render.vtk_buildings import VtkBuildingsLayer
from viewer.render.vtk_layer import VtkLayer


def test_camera_state_round_trips_as_plain_data(scene):
    scene.set_exaggeration(2.0)
    scene.set_view("overview")
    state = scene.camera_state()
    assert json.loads(json.dumps(state)) == state
    assert set(state) == {"position", "focal_point", "view_up", "view_angle"}
    scene.set_view("street")
    assert scene.camera_state()["position"] != state["position"]
    scene.set_camera_state(state)
    again = scene.camera_state()
    for key in ("position", "focal_point", "view_up"):
        np.testing.assert_allclose(again[key], state[key], atol=1e-6)
    assert again["view_angle"] == state["view_angle"]
    # stored in metres: the same state puts the camera twice as high in the scene at 2x
    assert scene.plotter.renderer.GetActiveCamera().GetPosition()[2] == pytest.approx(2 * state["position"][2])


def test_overview_sees_the_whole_district_and_street_view_stands_on_the_ground(scene):
    scene.set_view("overview")
    snapshot(scene)
    renderer = scene.plotter.renderer
    for x, y in ((X0, Y0), (X0 + SIZE * CELL, Y0 + SIZE * CELL), (X0, Y0 + SIZE * CELL)):
        dx, dy = to_display(scene, x, y, ground(x))
        assert 0 <= dx < 800 and 0 <= dy < 450
    scene.set_view("street")
    state = scene.camera_state()
    x, y, z = state["position"]
    assert X0 <= x <= X0 + SIZE * CELL and Y0 <= y <= Y0 + SIZE * CELL
    assert 1.7 <= z - ground(x) <= 30.0
    assert abs(state["focal_point"][2] - z) < 0.1 * np.hypot(state["focal_point"][0] - x, state["focal_point"][1] - y)
    import shapely

    footprints = np.asarray(scene.project.layers[1].frame.geometry.values, dtype=object)
    assert not shapely.intersects_xy(footprints, x, y).any(), "the eye is not inside a building"
    assert renderer.GetActiveCamera().GetViewUp()[2] > 0.9


def test_layers_added_and_removed_later_come_and_go(scene):
    renderer = scene.plotter.renderer
    project = scene.project
    extra = make_buildings()
    extra.frame = extra.frame.iloc[:5]
    project.add_layer(extra)
    assert isinstance(scene.adapters[extra.id], VtkBuildingsLayer)
    actors = list(scene.adapters[extra.id].actors)
    assert all(renderer.HasViewProp(actor) for actor in actors)
    project.selection.select(extra.id, 2)
    project.remove_layer(extra)
    assert extra.id not in scene.adapters
    assert not any(renderer.HasViewProp(actor) for actor in actors)
    extra.visible = False  # no longer listened to: must not fail or touch the scene


def test_replacing_a_layers_frame_rebuilds_it(scene):
    layer = scene.project.layers[1]
    adapter = scene.adapters[layer.id]
    layer.frame = layer.frame.iloc[:3].copy()
    assert sum(mesh.n_cells for mesh in adapter._meshes) == 30


def test_hiding_the_only_dem_keeps_buildings_on_the_ground_and_removing_it_drops_them(scene):
    dem, layer = scene.project.layers
    adapter = scene.adapters[layer.id]
    base, _ = adapter.building_z()
    dem.visible = False
    np.testing.assert_allclose(adapter.building_z()[0], base)
    scene.project.remove_layer(dem)
    assert scene.terrain is None
    np.testing.assert_allclose(adapter.building_z()[0], 0.0)


def test_closing_disconnects_from_the_model(project):
    with offscreen_scene(project, size=(320, 200)) as scene:
        adapter = scene.adapters[project.layers[1].id]
    project.layers[1].style = Style(color="#00ff00")
    project.layers[1].visible = False
    project.add_layer(make_buildings())
    assert scene.adapters == {}
    assert adapter.actors == []


@evented
class MarkerLayer(Layer):
    """A layer kind the registry does not know until a test registers it."""

    kind = "marker"

    @property
    def extent(self):
        return (X0, Y0, X0 + 10.0, Y0 + 10.0)

    @property
    def feature_count(self):
        return 1


class VtkMarkerLayer(VtkLayer):
    follows_terrain = False

    def build(self, prepared) -> None:
        import pyvista as pv

        self.add_actor(pv.Actor(mapper=pv.DataSetMapper(pv.Sphere(radius=5.0, center=(X0, Y0, 0.0)))))


def test_the_registry_picks_adapters_by_layer_kind(scene):
    assert adapter_for("buildings") is VtkBuildingsLayer
    assert adapter_for("no such kind") is None
    register_adapter("marker", VtkMarkerLayer)
    marker = MarkerLayer(name="marker")
    scene.project.add_layer(marker)
    assert isinstance(scene.adapters[marker.id], VtkMarkerLayer)
    marker.opacity = 0.25
    assert scene.adapters[marker.id].actors[0].GetProperty().GetOpacity() == 0.25


def test_render_project_png_writes_the_picture(project, tmp_path):
    from PIL import Image

    path = render_project_png(project, tmp_path / "out" / "city.png", size=(400, 300), view="street")
    with Image.open(path) as image:
        assert image.size == (400, 300)
        pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20  # a picture, not a blank


def test_render_project_image_uses_the_saved_camera(project):
    project.layers[1].style = Style(color="#ff0000")
    cx, cy = X0 + 250.0, Y0 + 250.0
    project.camera = {"position": [cx, cy, 1000.0], "focal_point": [cx, cy, 0.0],
                      "view_up": [0.0, 1.0, 0.0], "view_angle": 30.0}
    image = render_project_image(project, size=(800, 450), view=None)
    assert image.shape == (450, 800, 3) and image.dtype == np.uint8
    with offscreen_scene(project, size=(800, 450), view=None) as scene:
        top_down(scene)
        snapshot(scene)
        x0, y0, x1, y1 = project.layers[1].frame.geometry.iloc[13].bounds
        where = to_display(scene, (x0 + x1) / 2, (y0 + y1) / 2, ground(x0) + 19.0)
    r, g, b = pixel(image, where)
    assert r > 120 and g < 40


def test_an_empty_project_renders(tmp_path):
    image = render_project_image(Project(), size=(200, 100))
    assert image.shape == (100, 200, 3)
    layer = VectorLayer(name="nothing")
    project = Project()
    project.add_layer(layer)
    assert render_project_image(project, size=(200, 100)).shape == (100, 200, 3)


def test_model_changes_ask_for_one_frame_each(project):
    from viewer.render.offscreen import offscreen_plotter
    from viewer.render.scene import Scene3D

    plotter = offscreen_plotter((320, 200))
    frames = []
    scene = Scene3D(plotter, project, request_render=lambda: frames.append(1))
    try:
        layer = project.layers[1]
        frames.clear()
        project.selection.select(layer.id, 3)
        assert len(frames) == 1, "select() emits twice but draws once"
        project.selection.select(layer.id, 3)
        assert len(frames) == 1, "nothing changed, nothing drawn"
        layer.style = Style(color="#00ff00")
        layer.opacity = 0.5
        assert len(frames) == 3
    finally:
        scene.close()
        plotter.close()
