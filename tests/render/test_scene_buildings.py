"""The 3D scene of the synthetic project: buildings on the terrain, picking, pixels, reactions to the model."""

from __future__ import annotations

import numpy as np
import pytest

from tests.render.conftest import CELL, SIZE, X0, Y0, ground, pixel, to_display, top_down
from viewer.core import Style
from viewer.render.offscreen import snapshot
from viewer.render.scene import BACKGROUND
from viewer.render.vtk_layer import COLORS, FEATURE, HIGHLIGHT_RGB

RED = "#ff0000"


def _buildings(scene):
    layer = scene.project.layers[1]
    return layer, scene.adapters[layer.id]


def _cells(adapter):
    """(points of each cell (K, 3, 3), feature (K,), rgb (K, 3)) over every tile."""
    corners, feature, rgb = [], [], []
    for mesh in adapter._meshes:
        faces = np.asarray(mesh.regular_faces)
        corners.append(np.asarray(mesh.points)[faces])
        feature.append(np.asarray(mesh.cell_data[FEATURE]))
        rgb.append(np.asarray(mesh.cell_data[COLORS]))
    return np.concatenate(corners), np.concatenate(feature), np.concatenate(rgb)


def _roof_centre(layer, index):
    x0, y0, x1, y1 = layer.frame.geometry.iloc[index].bounds
    height = layer.frame["height"].iloc[index]
    return (x0 + x1) / 2, (y0 + y1) / 2, ground(x0) + height


def test_buildings_stand_on_the_terrain_with_their_heights(scene):
    layer, adapter = _buildings(scene)
    corners, feature, _ = _cells(adapter)
    bounds = layer.frame.geometry.bounds.to_numpy()
    heights = layer.frame["height"].to_numpy()
    expected_base = ground(bounds[:, 0])  # the terrain rises eastwards: lowest at the west wall
    base, top = adapter.building_z()
    np.testing.assert_allclose(base, expected_base, atol=1e-9)
    np.testing.assert_allclose(top, expected_base + heights, atol=1e-9)
    z_min = np.full(50, np.inf)
    z_max = np.full(50, -np.inf)
    np.minimum.at(z_min, feature, corners[..., 2].min(axis=1))
    np.maximum.at(z_max, feature, corners[..., 2].max(axis=1))
    np.testing.assert_allclose(z_min, expected_base, atol=1e-6)
    np.testing.assert_allclose(z_max, expected_base + heights, atol=1e-6)


def test_every_cell_maps_to_the_building_it_belongs_to(scene):
    import shapely

    layer, adapter = _buildings(scene)
    corners, feature, _ = _cells(adapter)
    assert np.array_equal(np.bincount(feature, minlength=50), np.full(50, 10))  # 8 walls + 2 roof
    middle = corners.mean(axis=1)
    footprints = np.asarray(layer.frame.geometry.values, dtype=object)[feature]
    inside = shapely.intersects_xy(shapely.buffer(footprints, 1e-6), middle[:, 0], middle[:, 1])
    assert inside.all()


def test_picking_a_building_on_screen_returns_it(scene):
    layer, _ = _buildings(scene)
    top_down(scene)
    snapshot(scene)
    for index in (0, 17, 49):
        assert scene.pick(*to_display(scene, *_roof_centre(layer, index))) == (layer.id, index)
    dem = scene.project.layers[0]
    x, y = X0 + 252.5, Y0 + 12.5  # open ground south of the first row, mid-cell
    hit = scene.pick(*to_display(scene, x, y, ground(x)))
    row, col = dem.cell_of(x, y)
    assert hit == (dem.id, row * SIZE + col)
    assert scene.pick(2, 2) is None  # sky


def test_offscreen_image_has_buildings_where_they_project_and_terrain_elsewhere(scene):
    layer, _ = _buildings(scene)
    layer.style = Style(color=RED)
    top_down(scene)
    image = snapshot(scene)
    assert image.shape == (450, 800, 3)
    for index in (3, 25, 44):
        r, g, b = pixel(image, to_display(scene, *_roof_centre(layer, index)))
        assert r > 120 and g < 40 and b < 40, (index, r, g, b)
    x, y = X0 + 252.0, Y0 + 10.0
    r, g, b = pixel(image, to_display(scene, x, y, ground(x)))
    assert not (r > 120 and g < 40 and b < 40)
    assert g > r, "viridis terrain is green-blue in the middle of its range"
    background = np.array([int(BACKGROUND[i:i + 2], 16) for i in (1, 3, 5)])
    assert np.abs(image[2, 2].astype(int) - background).max() <= 2


def test_a_style_change_recolours_without_rebuilding(scene):
    layer, adapter = _buildings(scene)
    top_down(scene)
    actors = list(adapter.actors)
    points = [mesh.GetPoints() for mesh in adapter._meshes]
    layer.style = Style(kind="categorized", field="use", categories={"home": "#00ff00", "shop": "#0000ff"})
    assert adapter.actors == actors
    assert [mesh.GetPoints() for mesh in adapter._meshes] == points
    _, feature, rgb = _cells(adapter)
    uses = layer.frame["use"].to_numpy()[feature]
    assert np.all(rgb[uses == "home"] == (0, 255, 0))
    assert np.all(rgb[uses == "shop"] == (0, 0, 255))
    image = snapshot(scene)
    r, g, b = pixel(image, to_display(scene, *_roof_centre(layer, 0)))  # a home
    assert g > 150 and r < 60 and b < 60
    r, g, b = pixel(image, to_display(scene, *_roof_centre(layer, 1)))  # a shop
    assert b > 150 and r < 60 and g < 60


def test_hiding_the_layer_hides_its_actors(scene):
    layer, adapter = _buildings(scene)
    layer.style = Style(color=RED)
    top_down(scene)
    where = to_display(scene, *_roof_centre(layer, 12))
    layer.visible = False
    assert not any(actor.GetVisibility() for actor in adapter.actors)
    r, g, b = pixel(snapshot(scene), where)
    assert not (r > 120 and g < 40)
    layer.visible = True
    assert all(actor.GetVisibility() for actor in adapter._full)
    r, g, b = pixel(snapshot(scene), where)
    assert r > 120 and g < 40


def test_exaggeration_scales_heights(scene):
    layer, adapter = _buildings(scene)
    _, top = adapter.building_z()
    scene.set_exaggeration(3.0)
    assert scene.project.settings.vertical_exaggeration == 3.0
    z_max = max(actor.GetBounds()[5] for actor in adapter._full)
    assert z_max == pytest.approx(3.0 * top.max())
    dem_actors = scene.adapters[scene.project.layers[0].id].actors
    assert max(actor.GetBounds()[5] for actor in dem_actors) == pytest.approx(3.0 * ground(X0 + (SIZE - 0.5) * CELL))
    top_down(scene)
    snapshot(scene)
    assert scene.pick(*to_display(scene, *_roof_centre(layer, 30))) == (layer.id, 30)


def test_selection_is_highlighted_and_cleared(scene):
    layer, adapter = _buildings(scene)
    top_down(scene)
    scene.project.selection.select(layer.id, 7)
    _, feature, rgb = _cells(adapter)
    assert np.all(rgb[feature == 7] == HIGHLIGHT_RGB)
    assert not np.any(np.all(rgb[feature != 7] == HIGHLIGHT_RGB, axis=1))
    r, g, b = pixel(snapshot(scene), to_display(scene, *_roof_centre(layer, 7)))
    assert r > 150 and g > 130 and b < 60, "yellow"
    scene.project.selection.clear()
    _, feature, rgb = _cells(adapter)
    assert not np.any(np.all(rgb == HIGHLIGHT_RGB, axis=1))


def test_far_away_tiles_show_roofs_only_and_stay_pickable(scene):
    layer, adapter = _buildings(scene)
    layer.style = Style(color=RED)
    cx, cy = X0 + 250.0, Y0 + 250.0
    scene.set_camera_state({"position": [cx, cy, 4000.0], "focal_point": [cx, cy, 0.0],
                            "view_up": [0.0, 1.0, 0.0], "view_angle": 30.0})
    image = snapshot(scene)
    assert adapter._use_lod.all()
    assert not any(actor.GetVisibility() for actor in adapter._full)
    assert all(actor.GetVisibility() for actor in adapter._lod)
    r, g, b = pixel(image, to_display(scene, *_roof_centre(layer, 22)))
    assert r > 120 and g < 40
    assert scene.pick(*to_display(scene, *_roof_centre(layer, 22))) == (layer.id, 22)
    top_down(scene)
    snapshot(scene)
    assert not adapter._use_lod.any()
    assert all(actor.GetVisibility() for actor in adapter._full)


def test_missing_heights_empty_and_multipart_footprints(project):
    import geopandas as gpd
    import shapely

    from viewer.render.offscreen import offscreen_scene

    layer = project.layers[1]
    geoms = list(layer.frame.geometry.iloc[:4])
    geoms[1] = None
    geoms[2] = shapely.MultiPolygon([shapely.box(X0 + 300, Y0 + 300, X0 + 310, Y0 + 310),
                                     shapely.box(X0 + 320, Y0 + 300, X0 + 330, Y0 + 310)])
    layer.frame = gpd.GeoDataFrame({"height": [np.nan, 5.0, 12.0, 8.0]}, geometry=geoms, crs="EPSG:5897")
    project.settings.default_height = 7.5
    with offscreen_scene(project, size=(320, 200)) as scene:
        adapter = scene.adapters[layer.id]
        base, top = adapter.building_z()
        assert top[0] - base[0] == pytest.approx(7.5), "no height: the project's default"
        assert top[2] - base[2] == pytest.approx(12.0)
        assert base[2] == pytest.approx(ground(X0 + 300))
        _, feature, _ = _cells(adapter)
        assert np.array_equal(np.bincount(feature, minlength=4), [10, 0, 20, 10])


def test_labels_sit_on_the_roofs_and_follow_the_exaggeration(scene):
    layer, adapter = _buildings(scene)
    layer.style = Style(label_field="name")
    labels = adapter.labels
    assert labels is not None and len(labels) == 50
    _, top = adapter.building_z()
    first = labels.order()[0]
    assert labels.texts[first] == "B49" and labels.points[first, 2] == pytest.approx(top.max() + 2.0), \
        "the tallest building is labelled first"
    top_down(scene)
    snapshot(scene)
    placed = {label.text: label for label in scene.label_placer.shown}
    assert "B49" in placed
    anchor = labels.points[first]

    def centre(label):
        x0, y0, x1, y1 = label.box
        return np.array([(x0 + x1) / 2, (y0 + y1) / 2])

    np.testing.assert_allclose(centre(placed["B49"]), to_display(scene, *anchor), atol=1.0)
    scene.set_exaggeration(2.0)
    snapshot(scene)
    moved = {label.text: label for label in scene.label_placer.shown}["B49"]
    np.testing.assert_allclose(centre(moved), to_display(scene, *anchor), atol=1.0)  # z doubled in there
    assert np.abs(centre(moved) - centre(placed["B49"])).max() > 2.0, "the label rose with the roof"
    layer.opacity = 0.3
    assert scene.label_placer.text_property.GetOpacity() == 1.0
    layer.style = Style()
    assert adapter.labels is None
    snapshot(scene)
    assert scene.label_placer.shown == []
