"""The evented model: layers, project, selection, styles, progress (no Qt, no GIS drivers)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from viewer.core import Cancelled, Progress, Project, RasterLayer, Style
from viewer.core.style import category_colors, feature_colors, ramp_colors


def _raster(**kw) -> RasterLayer:
    data = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    return RasterLayer(name="r", data=data, transform=(2.0, 0.0, 100.0, 0.0, -2.0, 50.0), crs="EPSG:5897", **kw)


def test_layer_field_events_fire_once_per_change():
    layer = _raster()
    seen = []
    layer.events.visible.connect(seen.append)
    layer.events.opacity.connect(seen.append)
    layer.visible = False
    layer.visible = False  # no change, no event
    layer.opacity = 0.5
    assert seen == [False, 0.5]


def test_raster_geometry_extent_cells_and_sampling():
    layer = _raster(nodata=5.0)
    assert layer.extent == (100.0, 44.0, 108.0, 50.0)
    assert layer.cell_size == (2.0, 2.0)
    assert layer.cell_of(101.0, 49.0) == (0, 0)
    assert layer.cell_of(107.5, 44.5) == (2, 3)
    assert layer.cell_of(99.0, 49.0) is None
    values = layer.sample(np.array([101.0, 107.5, 103.0, 0.0]), np.array([49.0, 44.5, 47.0, 0.0]))
    # cell (1, 1) holds 5 = nodata -> NaN; outside -> NaN
    assert values[0] == 0.0 and values[1] == 11.0
    assert np.isnan(values[2]) and np.isnan(values[3])
    assert layer.attributes(6) == {"row": 1, "col": 2, "band 1": 6.0}


def test_project_add_sets_crs_selection_and_remove_clears_it():
    project = Project()
    events = []
    project.layers.events.inserted.connect(lambda i, v: events.append(("inserted", v.name)))
    project.selection.events.index.connect(lambda v: events.append(("index", v)))
    layer = project.add_layer(_raster())
    assert project.crs == "EPSG:5897"
    project.selection.select(layer.id, 3)
    project.remove_layer(layer)
    assert project.selection.layer_id is None and project.selection.index is None
    assert events == [("inserted", "r"), ("index", 3), ("index", None)]
    assert project.extent is None


def test_dem_is_the_top_visible_dem_layer():
    project = Project()
    low, high = _raster(role="dem"), _raster(role="dem")
    project.add_layer(low)
    project.add_layer(high)
    project.add_layer(_raster(role="image"))
    assert project.dem() is high
    high.visible = False
    assert project.dem() is low


def test_styles_give_expected_colours():
    columns = {"use": np.array(["a", "b", "a", None], dtype=object), "h": np.array([0.0, 5.0, 10.0, np.nan])}
    cat = feature_colors(Style(kind="categorized", field="use", categories={"a": "#ff0000"}), columns, 4)
    assert tuple(cat[0]) == (255, 0, 0, 255) and tuple(cat[2]) == (255, 0, 0, 255)
    assert tuple(cat[1]) != tuple(cat[0])
    grad = ramp_colors(columns["h"], "gray", 0.0, 10.0)
    assert tuple(grad[0][:3]) == (0, 0, 0) and tuple(grad[2][:3]) == (255, 255, 255)
    assert tuple(grad[1][:3]) == (128, 128, 128)
    assert tuple(grad[3][:3]) == (160, 160, 160)  # NaN is grey
    single = feature_colors(Style(color="#102030"), columns, 4)
    assert (single == (16, 32, 48, 255)).all()
    _, legend = category_colors(columns["use"], {})
    assert list(legend) == ["", "a", "b"]


def test_style_round_trips_through_plain_data():
    style = Style(kind="graduated", field="height", ramp="ylorrd", vmin=0.0, label_field="name")
    assert Style.from_dict(style.to_dict() | {"unknown": 1}) == style


def test_progress_cancel_from_another_thread_stops_work():
    progress = Progress()
    reached = []

    def work():
        try:
            for i in range(10_000):
                progress.update(i / 10_000)
                reached.append(i)
                if i == 10:
                    threading.Thread(target=progress.cancel).start()
                    threading.Event().wait(0.05)
        except Cancelled:
            reached.append("cancelled")

    work()
    assert reached[-1] == "cancelled" and len(reached) < 100


def test_sub_progress_maps_onto_parent_range():
    seen = []
    parent = Progress(lambda f, m: seen.append(round(f, 3)))
    child = parent.sub(0.5, 0.75)
    child.update(0.5)
    assert seen == [0.625]
    parent.cancel()
    with pytest.raises(Cancelled):
        child.update(0.9)
