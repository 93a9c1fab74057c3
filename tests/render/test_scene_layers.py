"""Vector layers and image drapes on the terrain, and LoD2 surfaces standing on it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.render.conftest import X0, Y0, ground, make_dem, pixel, to_display, top_down
from viewer.core import BuildingsLayer, Project, RasterLayer, Style, SurfaceMesh, VectorLayer
from viewer.core.layers import SEMANTIC_CODES
from viewer.render.offscreen import offscreen_scene, snapshot
from viewer.render.vtk_buildings import SEMANTIC_RGB
from viewer.render.vtk_layer import COLORS, FEATURE, HIGHLIGHT_RGB
from viewer.render.vtk_vector import FILL_LIFT, LINE_LIFT, POINT_LIFT


def _vector(geoms, **columns):
    import geopandas as gpd

    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:5897")


@pytest.fixture
def city():
    import shapely

    project = Project(crs="EPSG:5897")
    project.add_layer(make_dem())
    roads = VectorLayer(name="roads", frame=_vector(
        [shapely.LineString([(X0 + 20, Y0 + 100), (X0 + 480, Y0 + 100)]),
         shapely.LineString([(X0 + 250, Y0 + 20), (X0 + 250, Y0 + 480)]),
         shapely.LineString([(X0 + 20, Y0 + 480), (X0 + 200, Y0 + 480)])],
        name=["Hai Bà Trưng", "Hòa Bình", "Hai Bà Trưng"]),
        style=Style(color="#ff00ff", line_width=4.0, label_field="name"))
    facilities = VectorLayer(name="facilities", frame=_vector(
        [shapely.Point(X0 + 100, Y0 + 300), shapely.Point(X0 + 400, Y0 + 300)], type=["school", "hospital"]),
        style=Style(kind="categorized", field="type", point_size=14.0,
                    categories={"school": "#0000ff", "hospital": "#ff0000"}))
    water = VectorLayer(name="water", frame=_vector([shapely.box(X0 + 300, Y0 + 380, X0 + 460, Y0 + 460)]),
                        style=Style(color="#00ffff"))
    boundary = VectorLayer(name="boundary", frame=_vector([shapely.box(X0 + 10, Y0 + 10, X0 + 490, Y0 + 490)]),
                           style=Style(color="#000000", edge_color="#00ff00", fill=False))
    for layer in (roads, facilities, water, boundary):
        project.add_layer(layer)
    return project


def test_lines_points_and_fills_lie_on_the_terrain(city):
    with offscreen_scene(city, size=(800, 450), view=None) as scene:
        roads, facilities, water, boundary = (scene.adapters[lay.id] for lay in city.layers[1:])
        line_mesh = roads._parts["line"][0]
        xyz = np.asarray(line_mesh.points)
        np.testing.assert_allclose(xyz[:, 2], ground(xyz[:, 0]) + LINE_LIFT, atol=1e-6)
        assert len(xyz) > 50, "densified to the terrain cells so the road follows the ground"
        points = np.asarray(facilities._parts["point"][0].points)
        np.testing.assert_allclose(points[:, 2], ground(points[:, 0]) + POINT_LIFT, atol=1e-6)
        fill = np.asarray(water._parts["fill"][0].points)
        # flat, at the median ground of the closed outline: box() runs x = 460, 460, 300, 300, 460
        np.testing.assert_allclose(fill[:, 2], ground(X0 + 460) + FILL_LIFT, atol=1e-5)
        assert "fill" not in boundary._parts and "outline" in boundary._parts
        assert roads.labels is not None and len(roads.labels.points) == 2, "one label per street name"
        font = scene.label_placer.text_property
        assert font.GetFontFamilyAsString() == "File" and font.GetFontFile().endswith(".ttf")

        top_down(scene)
        image = snapshot(scene)
        r, g, b = pixel(image, to_display(scene, X0 + 150, Y0 + 100, ground(X0 + 150) + LINE_LIFT))
        assert r > 150 and b > 150 and g < 90, "magenta road"
        r, g, b = pixel(image, to_display(scene, X0 + 100, Y0 + 300, ground(X0 + 100) + POINT_LIFT))
        assert b > 150 and r < 80, "blue school"
        r, g, b = pixel(image, to_display(scene, X0 + 400, Y0 + 300, ground(X0 + 400) + POINT_LIFT))
        assert r > 150 and b < 80, "red hospital"
        r, g, b = pixel(image, to_display(scene, X0 + 380, Y0 + 420, ground(X0 + 380) + FILL_LIFT))
        assert g > 150 and b > 150, "translucent cyan water over the terrain"
        r, g, b = pixel(image, to_display(scene, X0 + 200, Y0 + 200, ground(X0 + 200)))
        assert (r, g, b) != pytest.approx((0, 0, 0), abs=40), "the boundary is not filled"

        school = scene.pick(*to_display(scene, X0 + 100, Y0 + 300, ground(X0 + 100) + POINT_LIFT))
        assert school == (city.layers[2].id, 0)
        road = scene.pick(*to_display(scene, X0 + 250, Y0 + 300, ground(X0 + 250) + LINE_LIFT))
        assert road == (city.layers[1].id, 1)


def test_vector_restyle_selection_and_fill_toggle(city):
    with offscreen_scene(city, size=(400, 300), view=None) as scene:
        roads_layer, water_layer = city.layers[1], city.layers[3]
        roads = scene.adapters[roads_layer.id]
        mesh = roads._parts["line"][0]
        roads_layer.style = Style(color="#123456")
        assert roads._parts["line"][0] is mesh
        assert np.all(np.asarray(mesh.cell_data[COLORS]) == (0x12, 0x34, 0x56))
        city.selection.select(roads_layer.id, 1)
        assert roads._highlight is not None
        highlight = roads._highlight.GetMapper().GetInput()
        assert highlight.GetNumberOfCells() == np.count_nonzero(np.asarray(mesh.cell_data[FEATURE]) == 1)
        assert tuple(round(c * 255) for c in roads._highlight.GetProperty().GetColor()) == HIGHLIGHT_RGB
        city.selection.clear()
        assert roads._highlight is None
        water = scene.adapters[water_layer.id]
        water_layer.style = water_layer.style.evolve(fill=False)
        assert "fill" not in water._parts
        water_layer.opacity = 0.5
        assert water._parts["outline"][1].GetProperty().GetOpacity() == 0.5


def _image_layer(transform):
    """A 2-band-high RGB image: its north half red, its south half blue."""
    data = np.zeros((3, 40, 40), dtype=np.uint8)
    data[0, :20] = 255  # rows 0-19 are the north half
    data[2, 20:] = 255
    return RasterLayer(name="photo", data=data, transform=transform, role="image", crs="EPSG:5897")


def test_an_image_is_draped_on_the_terrain_the_right_way_up(project):
    photo = _image_layer((10.0, 0.0, X0 + 50.0, 0.0, -10.0, Y0 + 450.0))  # 400 m square
    project.add_layer(photo)
    project.layers[1].visible = False
    with offscreen_scene(project, size=(800, 450), view=None) as scene:
        drape = np.concatenate([np.asarray(mesh.points) for mesh in scene.adapters[photo.id]._meshes])
        z, x = drape[:, 2], drape[:, 0]
        np.testing.assert_allclose(z, ground(x), atol=1e-6)
        top_down(scene)
        image = snapshot(scene)
        north = pixel(image, to_display(scene, X0 + 250, Y0 + 350, ground(X0 + 250)))
        south = pixel(image, to_display(scene, X0 + 250, Y0 + 150, ground(X0 + 250)))
        outside = pixel(image, to_display(scene, X0 + 20, Y0 + 250, ground(X0 + 20)))
        assert north[0] > 200 and north[2] < 50, north
        assert south[2] > 200 and south[0] < 50, south
        assert not (outside[0] > 200 and outside[2] < 50) and not (outside[2] > 200 and outside[0] < 50)
        hit = scene.pick(*to_display(scene, X0 + 55, Y0 + 445, ground(X0 + 55)))
        assert hit == (photo.id, 0)


def test_without_a_dem_an_image_is_a_flat_plane():
    photo = _image_layer((10.0, 0.0, X0, 0.0, -10.0, Y0 + 400.0))
    project = Project(crs="EPSG:5897")
    project.add_layer(photo)
    with offscreen_scene(project, size=(400, 300), view=None) as scene:
        (mesh,) = scene.adapters[photo.id]._meshes
        assert np.all(np.asarray(mesh.points)[:, 2] == 0.0) and mesh.n_cells == 2
        cx, cy = X0 + 200, Y0 + 200
        scene.set_camera_state({"position": [cx, cy, 1000.0], "focal_point": [cx, cy, 0.0],
                                "view_up": [0.0, 1.0, 0.0], "view_angle": 30.0})
        image = snapshot(scene)
        north, south = image[80, 200].astype(int), image[220, 200].astype(int)
        assert north[0] > 200 and north[2] < 50 and south[2] > 200 and south[0] < 50


def _box_mesh(x0, y0, size, z0, height):
    """A closed box with a ground, four walls and a roof, in CityJSON-like absolute heights."""
    x1, y1, z1 = x0 + size, y0 + size, z0 + height
    points = np.array([[x0, y0, z0], [x1, y0, z0], [x1, y1, z0], [x0, y1, z0],
                       [x0, y0, z1], [x1, y0, z1], [x1, y1, z1], [x0, y1, z1]])
    triangles = np.array([[0, 2, 1], [0, 3, 2],  # ground
                          [4, 5, 6], [4, 6, 7],  # roof
                          [0, 1, 5], [0, 5, 4], [1, 2, 6], [1, 6, 5],
                          [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]])
    semantic = np.array([SEMANTIC_CODES["GroundSurface"]] * 2 + [SEMANTIC_CODES["RoofSurface"]] * 2
                        + [SEMANTIC_CODES["WallSurface"]] * 8, dtype=np.int8)
    return points, triangles, semantic


def test_lod2_surfaces_sit_on_the_terrain_coloured_by_surface_class(project):
    import geopandas as gpd
    import shapely

    points, triangles, semantic = _box_mesh(X0 + 200, Y0 + 200, 40.0, 100.0, 25.0)
    frame = gpd.GeoDataFrame({"height": [25.0], "height_source": ["model"]},
                             geometry=[shapely.box(X0 + 200, Y0 + 200, X0 + 240, Y0 + 240)], crs="EPSG:5897")
    mesh = SurfaceMesh(points=points, triangles=triangles, feature=np.zeros(12, dtype=np.int64), semantic=semantic)
    lod2 = BuildingsLayer(name="lod2", frame=frame, mesh=mesh, lod="2", crs="EPSG:5897")
    project.layers[1].visible = False
    project.add_layer(lod2)
    with offscreen_scene(project, size=(800, 450), view=None) as scene:
        adapter = scene.adapters[lod2.id]
        (tile,) = adapter._meshes
        z = np.asarray(tile.points)[:, 2]
        assert z.min() == pytest.approx(ground(X0 + 200)) and z.max() == pytest.approx(ground(X0 + 200) + 25.0)
        rgb = np.asarray(tile.cell_data[COLORS])
        assert np.all(rgb[semantic == 3] == SEMANTIC_RGB[3]) and np.all(rgb[semantic == 2] == SEMANTIC_RGB[2])
        top_down(scene)
        image = snapshot(scene)
        roof = to_display(scene, X0 + 220, Y0 + 220, ground(X0 + 200) + 25.0)
        r, g, b = pixel(image, roof)
        assert r > 120 and r > g + 50 and r > b + 50, "red-brown roof"
        assert scene.pick(*roof) == (lod2.id, 0)
        lod2.style = Style(kind="categorized", field="height_source", categories={"model": "#00ff00"})
        r, g, b = pixel(snapshot(scene), roof)
        assert g > 120 and r < 60, "coloured by the style's field now"
        project.selection.select(lod2.id, 0)
        assert np.all(np.asarray(tile.cell_data[COLORS]) == HIGHLIGHT_RGB)
