"""Street-level frames stay cheap: a tiled terrain and a draw distance that grows with the eye's height."""

from __future__ import annotations

import numpy as np
import pytest

from tests.render.conftest import X0, Y0, make_dem, pixel, to_display
from viewer.core import BuildingsLayer, Project, Style
from viewer.render.camera import DRAW_DISTANCE, draw_distance
from viewer.render.offscreen import offscreen_scene, snapshot
from viewer.render.terrain import Terrain


def test_the_terrain_tiles_cover_its_surface_exactly():
    dem = make_dem()
    terrain = Terrain.from_dem(dem)
    points, triangles = terrain.surface()
    blocks = terrain.blocks(block=32)
    assert len(blocks) == 16  # 99 cells a side in tiles of 32
    tiled = np.concatenate([ids[tris] for ids, tris in blocks])
    assert len(tiled) == len(triangles)
    assert {tuple(t) for t in tiled} == {tuple(t) for t in triangles}
    np.testing.assert_array_equal(terrain.points(), points)


def test_draw_distance_grows_with_height():
    assert draw_distance(8.0) == DRAW_DISTANCE
    assert draw_distance(50.0) == pytest.approx(5000.0)
    assert draw_distance(-3.0) == DRAW_DISTANCE


def _street_of_two_buildings() -> Project:
    """A tall red building 300 m up a street and another 2.5 km up it, on flat ground."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame({"height": [30.0, 400.0]},
                             geometry=[shapely.box(X0 - 20, Y0 + 300, X0 + 20, Y0 + 340),
                                       shapely.box(X0 - 200, Y0 + 2500, X0 + 200, Y0 + 2900)], crs="EPSG:5897")
    project = Project(crs="EPSG:5897")
    project.add_layer(BuildingsLayer(name="buildings", frame=frame, style=Style(color="#ff0000"), crs="EPSG:5897"))
    return project


def _look_north(scene, height: float) -> None:
    scene.set_camera_state({"position": [X0, Y0, height], "focal_point": [X0, Y0 + 1000.0, height * 0.5],
                            "view_up": [0.0, 0.0, 1.0], "view_angle": 30.0})


def _red(rgb) -> bool:
    r, g, b = rgb
    return r > 120 and g < 60 and b < 60


def test_beyond_the_draw_distance_nothing_is_drawn_at_street_level():
    # 600 px high: the far building is big enough on screen to keep its walls (no roofs-only LOD)
    with offscreen_scene(_street_of_two_buildings(), size=(800, 600), view=None) as scene:
        _look_north(scene, 8.0)
        image = snapshot(scene)
        near, far = scene.plotter.renderer.GetActiveCamera().GetClippingRange()
        assert far == pytest.approx(DRAW_DISTANCE) and near <= 1.5
        assert _red(pixel(image, to_display(scene, X0, Y0 + 300, 15.0))), "the near building is drawn"
        assert not _red(pixel(image, to_display(scene, X0, Y0 + 2500, 300.0))), "the far one is not"

        _look_north(scene, 60.0)  # higher up the eye sees farther
        image = snapshot(scene)
        assert scene.plotter.renderer.GetActiveCamera().GetClippingRange()[1] > 2900.0
        assert _red(pixel(image, to_display(scene, X0, Y0 + 2500, 300.0)))


@pytest.fixture
def small_tiles(monkeypatch):
    """Terrain tiles of 32 cells, so the 99-cell test DEM is cut into 16."""
    monkeypatch.setattr("viewer.render.terrain.TERRAIN_BLOCK", 32)


def test_the_overview_is_not_cut(small_tiles, scene):
    scene.set_view("overview")
    snapshot(scene)
    camera = scene.plotter.renderer.GetActiveCamera()
    bounds = np.array(scene.bounds())
    corners = np.array([[x, y, z] for x in bounds[0:2] for y in bounds[2:4] for z in bounds[4:6]])
    farthest = np.linalg.norm(corners - np.array(camera.GetPosition()), axis=1).max()
    assert camera.GetClippingRange()[1] >= farthest - 1e-6
    dem_actors = scene.adapters[scene.project.layers[0].id].actors
    assert len(dem_actors) == len(scene.terrain.blocks()) == 16, "the terrain is tiled so the renderer can cull it"
    scene.set_view("street")
    snapshot(scene)
    assert camera.GetClippingRange()[1] <= DRAW_DISTANCE


def test_the_terrain_tiles_share_one_colour_ramp(small_tiles, scene):
    from viewer.core.style import ramp_colors
    from viewer.render.vtk_layer import COLORS

    dem = scene.project.layers[0]
    adapter = scene.adapters[dem.id]
    z = scene.terrain.z.ravel()  # NaN where the DEM has no data
    for style in (dem.style, Style(kind="graduated", ramp="terrain")):  # no vmin/vmax: from the data
        dem.style = style
        expected = ramp_colors(z, style.ramp, style.vmin, style.vmax)[:, :3]
        blocks = scene.terrain.blocks()
        assert len(blocks) == len(adapter._meshes) > 1
        for mesh, (ids, _) in zip(adapter._meshes, blocks):
            np.testing.assert_array_equal(np.asarray(mesh.point_data[COLORS]), expected[ids])
