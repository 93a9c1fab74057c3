"""Labels: chosen and ranked like a GIS would, placed on screen without overlap, Vietnamese glyphs drawn."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from tests.render.conftest import X0, Y0, make_dem, top_down
from viewer.core import Project, Style, VectorLayer
from viewer.render.label_placement import MAX_SHOWN_PER_LAYER
from viewer.render.labels import (TIER_ALLEY, TIER_AREA, TIER_MAJOR, TIER_MINOR, TIER_POINT, road_tiers,
                                  vector_labels)
from viewer.render.offscreen import offscreen_scene, snapshot


def _frame(geoms, **columns):
    import geopandas as gpd

    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:5897")


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_roads_are_ranked_by_class_and_named_once_along_their_whole_length():
    import shapely

    frame = _frame([shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(100, 0), (300, 0)]),
                    shapely.LineString([(0, 50), (400, 50)]), shapely.LineString([(0, 90), (900, 90)]),
                    shapely.LineString([(0, 120), (50, 120)])],
                   name=["Đường 3 Tháng 2", "Đường 3 Tháng 2", "Đường số 18", "Hẻm 289 Đường Lê Lai", "Kiệt 5"],
                   **{"class": ["primary", "primary", "residential", "residential", "alley"]})
    assert list(road_tiers(frame, list(frame["name"]))) == [TIER_MAJOR, TIER_MAJOR, TIER_MINOR, TIER_ALLEY,
                                                            TIER_ALLEY]
    labels = vector_labels(frame, "name", lambda xy: np.full(len(xy), 5.0))
    ordered = [labels.texts[i] for i in labels.order()]
    # the alley is the longest road but comes last: class first, size second
    assert ordered == ["Đường 3 Tháng 2", "Đường số 18", "Hẻm 289 Đường Lê Lai", "Kiệt 5"]
    main = labels.texts.index("Đường 3 Tháng 2")
    np.testing.assert_allclose(labels.points[main], (150.0, 0.0, 5.0))  # middle of both pieces
    assert labels.size[main] == pytest.approx(300.0)
    np.testing.assert_allclose(labels.alternates[main, 0], (90.0, 0.0, 5.0))  # 30 % along


def test_areas_and_points_come_first():
    import shapely

    water = vector_labels(_frame([shapely.box(0, 0, 400, 100), shapely.box(0, 200, 50, 250)],
                                 name=["Sông Hậu", "Ao"]), "name", lambda xy: np.zeros(len(xy)))
    assert dict(zip(water.texts, water.tier)) == {"Sông Hậu": TIER_AREA, "Ao": TIER_MINOR}
    assert not water.above and water.alternates is None
    points = vector_labels(_frame([shapely.Point(0, 0), shapely.Point(5, 5)], name=["Bệnh viện", None]),
                           "name", lambda xy: np.zeros(len(xy)))
    assert points.texts == ["Bệnh viện"] and list(points.tier) == [TIER_POINT] and points.above


def _crowded_city() -> Project:
    """40 parallel streets 10 m apart, a hospital in the middle of one, and an alley."""
    import shapely

    project = Project(crs="EPSG:5897")
    project.add_layer(make_dem())
    streets = [shapely.LineString([(X0 + 20, Y0 + 50 + 10 * k), (X0 + 480, Y0 + 50 + 10 * k)]) for k in range(40)]
    streets.append(shapely.LineString([(X0 + 240, Y0 + 20), (X0 + 240, Y0 + 30)]))
    roads = VectorLayer(name="roads", frame=_frame(streets, name=[f"Đường số {k}" for k in range(40)] + ["Hẻm 7"],
                                                   **{"class": ["secondary"] * 40 + ["residential"]}),
                        style=Style(label_field="name"))
    hospital = VectorLayer(name="facilities", frame=_frame([shapely.Point(X0 + 250, Y0 + 250)],
                                                           name=["Bệnh viện Đa khoa"]),
                           style=Style(label_field="name", point_size=10.0))
    project.add_layer(roads)
    project.add_layer(hospital)
    return project


def test_overlapping_labels_are_hidden_most_important_first_and_follow_the_camera():
    project = _crowded_city()
    roads, hospital = project.layers[1], project.layers[2]
    with offscreen_scene(project, size=(800, 450), view=None) as scene:
        top_down(scene)
        snapshot(scene)
        shown = scene.label_placer.shown
        texts = [label.text for label in shown]
        assert texts[0] == "Bệnh viện Đa khoa", "a point comes before the roads"
        assert 4 <= len(shown) < 41, "the crowd is thinned"
        assert sum(label.layer_id == roads.id for label in shown) <= MAX_SHOWN_PER_LAYER
        assert not any(_overlap(a.box, b.box) for a, b in itertools.combinations(shown, 2))
        assert "Hẻm 7" not in texts, "alleys are named only close up"

        # Closer, more streets have room, and the alley is near enough to be named.
        cx, cy = X0 + 240, Y0 + 80
        scene.set_camera_state({"position": [cx, cy, 250.0], "focal_point": [cx, cy, 0.0],
                                "view_up": [0.0, 1.0, 0.0], "view_angle": 30.0})
        snapshot(scene)
        close = scene.label_placer.shown
        assert "Hẻm 7" in [label.text for label in close]
        assert not any(_overlap(a.box, b.box) for a, b in itertools.combinations(close, 2))
        assert {label.text for label in close} != set(texts)

        hospital.visible = False
        snapshot(scene)
        assert "Bệnh viện Đa khoa" not in [label.text for label in scene.label_placer.shown]


def test_a_street_whose_middle_is_taken_is_named_further_along():
    import shapely

    from tests.render.conftest import to_display

    project = Project(crs="EPSG:5897")
    project.add_layer(make_dem())
    project.add_layer(VectorLayer(name="roads", frame=_frame(
        [shapely.LineString([(X0 + 20, Y0 + 250), (X0 + 480, Y0 + 250)])], name=["Đường Hòa Bình"],
        **{"class": ["primary"]}), style=Style(label_field="name")))
    project.add_layer(VectorLayer(name="facilities", frame=_frame(
        [shapely.Point(X0 + 250, Y0 + 244)], name=["Trường Cái Khế"]), style=Style(label_field="name")))
    with offscreen_scene(project, size=(800, 450), view=None) as scene:
        top_down(scene)
        snapshot(scene)
        boxes = {label.text: label.box for label in scene.label_placer.shown}
        assert set(boxes) == {"Đường Hòa Bình", "Trường Cái Khế"}
        street = scene.adapters[project.layers[1].id].labels
        middle = to_display(scene, *street.points[0])
        box = boxes["Đường Hòa Bình"]
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        assert abs(centre[1] - middle[1]) < 1.0, "still on the street"
        assert abs(centre[0] - middle[0]) > 60, "moved along it, off the school's label"
        assert not _overlap(box, boxes["Trường Cái Khế"])


def _ink(image: np.ndarray, box) -> float:
    """How much dark text is drawn inside a placed label's box (padding left out), in pixels."""
    from viewer.render.label_placement import PAD_X, PAD_Y

    height = image.shape[0]
    x0, y0, x1, y1 = (int(round(v)) for v in (box[0] + PAD_X + 1, box[1] + PAD_Y + 1,
                                               box[2] - PAD_X - 1, box[3] - PAD_Y - 1))
    patch = image[height - y1:height - y0, x0:x1].astype(float).sum(axis=2)
    return float(np.clip(600.0 - patch, 0.0, None).sum() / 600.0)  # text (20, 24, 28) counts ~1


def test_vietnamese_glyphs_are_drawn():
    import shapely

    from viewer.core.resources import resources_dir
    from viewer.render.labels import label_font

    # the shipped font, not whatever the machine has
    assert label_font() is not None and Path(label_font()).parent == resources_dir() / "fonts"
    texts = ["Đ", "D", "ư", "u", "Đường", "Duong", "Cần Thơ – Ninh Kiều", "Can Tho - Ninh Kieu"]
    project = Project(crs="EPSG:5897")
    project.add_layer(make_dem())
    places = [shapely.Point(X0 + 30 + 88 * k, Y0 + 250) for k in range(6)]
    places += [shapely.Point(X0 + 200, Y0 + 140), shapely.Point(X0 + 200, Y0 + 60)]
    project.add_layer(VectorLayer(name="glyphs", frame=_frame(places, name=texts),
                                  style=Style(label_field="name", point_size=4.0)))
    with offscreen_scene(project, size=(800, 450), view=None) as scene:
        top_down(scene)
        image = snapshot(scene)
        boxes = {label.text: label.box for label in scene.label_placer.shown}
    assert set(boxes) == set(texts)
    ink = {text: _ink(image, box) for text, box in boxes.items()}
    # VTK's own Arial draws no ư at all, and "Đường" lighter than "Duong": DejaVu draws them.
    assert ink["D"] > 20 and ink["u"] > 15, ink
    assert ink["Đ"] > ink["D"] + 4, ("the bar of Đ", ink)
    assert ink["ư"] > ink["u"] + 3, ("the horn of ư", ink)
    assert ink["Đường"] > ink["Duong"] + 10, ink
    # the marks of ầ, ơ, ề and the dash: more ink than the same words without them, and no
    # missing-glyph boxes (which would at least double it)
    vietnamese, plain = ink["Cần Thơ – Ninh Kiều"], ink["Can Tho - Ninh Kieu"]
    assert plain > 60 and plain + 8 < vietnamese < 1.6 * plain, ink
