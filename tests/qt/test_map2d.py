"""The 2D map widget, checked by the pixels it draws and the model it changes (under Xvfb)."""

from __future__ import annotations

import types

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from viewer.core.layers import RasterLayer, VectorLayer
from viewer.core.project import Project
from viewer.core.style import Style
from viewer.qt.map2d_painters import HIGHLIGHT_COLOR
from viewer.qt.qt_map2d import QtMap2D
from viewer.qt.qt_scale_bar import format_length, nice_length

CRS = "EPSG:5897"
X0, Y0 = 585_000.0, 1_109_000.0
VIEW = (X0 - 20, Y0 - 20, X0 + 420, Y0 + 370)
RED, BLUE, GREEN = "#d62728", "#1f77b4", "#2ca02c"
LINE, POINT, ZONE = "#9467bd", "#ff7f0e", "#ff00ff"
MARKET = "Chợ Nổi Cái Răng"


def raster_colour(row: int, col: int) -> str:
    return QtGui.QColor(40 * col + 10, 40 * row + 10, 200).name()


@pytest.fixture
def city():
    """Raster at the bottom, then three blocks, a road and two sensors, in EPSG:5897."""
    import geopandas as gpd
    import shapely

    blocks = gpd.GeoDataFrame(
        {"use": ["res", "com", "pub"], "name": ["Nhà A", MARKET, None]},
        geometry=[shapely.box(X0 + 0, Y0, X0 + 100, Y0 + 100), shapely.box(X0 + 150, Y0, X0 + 250, Y0 + 100),
                  shapely.box(X0 + 300, Y0, X0 + 400, Y0 + 100)], crs=CRS)
    roads = gpd.GeoDataFrame({"name": ["Đường 30/4"]},
                             geometry=[shapely.LineString([(X0, Y0 + 150), (X0 + 400, Y0 + 150)])], crs=CRS)
    sensors = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[shapely.Point(X0 + 50, Y0 + 200),
                                                         shapely.Point(X0 + 200, Y0 + 200)], crs=CRS)
    rows, cols = np.mgrid[0:4, 0:4]
    image = np.stack([40 * cols + 10, 40 * rows + 10, np.full((4, 4), 200)]).astype(np.uint8)
    project = Project(crs=CRS)
    ns = types.SimpleNamespace(project=project)
    ns.raster = project.add_layer(RasterLayer(name="photo", crs=CRS, data=image, role="image",
                                              transform=(25.0, 0.0, X0, 0.0, -25.0, Y0 + 350)))
    ns.blocks = project.add_layer(VectorLayer(
        name="blocks", crs=CRS, frame=blocks,
        style=Style(kind="categorized", field="use", edge_color="#333333",
                    categories={"res": RED, "com": BLUE, "pub": GREEN})))
    ns.roads = project.add_layer(VectorLayer(name="roads", crs=CRS, frame=roads,
                                             style=Style(color=LINE, line_width=3)))
    ns.sensors = project.add_layer(VectorLayer(name="sensors", crs=CRS, frame=sensors,
                                               style=Style(color=POINT, point_size=10)))
    return ns


@pytest.fixture
def map2d(qtbot, city):
    widget = QtMap2D(city.project)
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.zoom_to(VIEW)
    return widget


def grab(widget: QtMap2D) -> QtGui.QImage:
    return widget.grab().toImage()


def colour_at(widget: QtMap2D, x: float, y: float, image: QtGui.QImage | None = None) -> str:
    image = grab(widget) if image is None else image
    pos = widget.view.viewport().mapTo(widget, widget.viewport_pos(x, y))
    return image.pixelColor(pos).name()


def colours_around(widget: QtMap2D, x: float, y: float, radius: int = 3) -> set[str]:
    image = grab(widget)
    pos = widget.view.viewport().mapTo(widget, widget.viewport_pos(x, y))
    return {image.pixelColor(pos.x() + dx, pos.y() + dy).name()
            for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1)}


def click(qtbot, widget: QtMap2D, x: float, y: float) -> None:
    qtbot.mouseClick(widget.view.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=widget.viewport_pos(x, y))


def test_first_layers_fit_the_view_and_extent_round_trips(qtbot, city):
    widget = QtMap2D(city.project)
    qtbot.addWidget(widget)
    xmin, ymin, xmax, ymax = widget.view_extent()
    assert xmin <= X0 and ymin <= Y0 and xmax >= X0 + 400 and ymax >= Y0 + 350
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.zoom_to(VIEW)
    xmin, ymin, xmax, ymax = widget.view_extent()
    # Aspect locked 1:1: the height fits exactly, the width grows to the 4:3 viewport.
    assert ymin == pytest.approx(VIEW[1], abs=0.5) and ymax == pytest.approx(VIEW[3], abs=0.5)
    assert (xmax - xmin) / (ymax - ymin) == pytest.approx(800 / 600, rel=0.01)


def test_polygons_filled_with_their_category_colour_on_the_background(map2d):
    image = grab(map2d)
    assert colour_at(map2d, X0 + 50, Y0 + 50, image) == RED
    assert colour_at(map2d, X0 + 200, Y0 + 50, image) == BLUE
    assert colour_at(map2d, X0 + 350, Y0 + 50, image) == GREEN
    assert colour_at(map2d, X0 + 125, Y0 + 50, image) == QtGui.QColor(QtMap2D.BACKGROUND).name()


def test_restyle_recolours_without_new_items(map2d, city):
    item = map2d.layer_item(city.blocks.id)
    city.blocks.style = Style(color="#123456")
    assert map2d.layer_item(city.blocks.id) is item
    assert colour_at(map2d, X0 + 50, Y0 + 50) == "#123456"
    assert colour_at(map2d, X0 + 200, Y0 + 50) == "#123456"


def test_opacity_and_visibility(map2d, city):
    background = QtGui.QColor(QtMap2D.BACKGROUND)
    city.blocks.opacity = 0.0
    assert colour_at(map2d, X0 + 50, Y0 + 50) == background.name()
    city.blocks.opacity = 0.5
    half = QtGui.QColor(colour_at(map2d, X0 + 50, Y0 + 50))
    red = QtGui.QColor(RED)
    assert half.red() == pytest.approx((red.red() + background.red()) / 2, abs=3)
    assert half.green() == pytest.approx((red.green() + background.green()) / 2, abs=3)
    city.blocks.opacity = 1.0
    city.blocks.visible = False
    assert colour_at(map2d, X0 + 50, Y0 + 50) == background.name()
    city.blocks.visible = True
    assert colour_at(map2d, X0 + 50, Y0 + 50) == RED


def test_top_layer_wins_and_follows_reordering(map2d, city):
    import geopandas as gpd
    import shapely

    zone = VectorLayer(name="zone", crs=CRS, style=Style(color=ZONE), frame=gpd.GeoDataFrame(
        geometry=[shapely.box(X0 + 50, Y0 + 25, X0 + 200, Y0 + 75)], crs=CRS))
    city.project.add_layer(zone)
    assert colour_at(map2d, X0 + 75, Y0 + 50) == ZONE
    city.project.layers.move(len(city.project.layers) - 1, 0)
    assert colour_at(map2d, X0 + 75, Y0 + 50) == RED
    city.project.remove_layer(zone)
    assert map2d.layer_item(zone.id) is None
    assert colour_at(map2d, X0 + 75, Y0 + 50) == RED


def test_lines_points_and_raster_are_drawn_in_place(map2d):
    image = grab(map2d)
    assert LINE in colours_around(map2d, X0 + 275, Y0 + 150, radius=1)
    assert colour_at(map2d, X0 + 50, Y0 + 200, image) == POINT
    assert colour_at(map2d, X0 + 200, Y0 + 200, image) == POINT
    # Cell (row 1, col 2) spans x 50..75 and y 300..325 (rows run south from y = 350).
    assert colour_at(map2d, X0 + 62.5, Y0 + 312.5, image) == raster_colour(1, 2)
    assert colour_at(map2d, X0 + 12.5, Y0 + 337.5, image) == raster_colour(0, 0)
    assert colour_at(map2d, X0 + 87.5, Y0 + 262.5, image) == raster_colour(3, 3)


def test_click_selects_the_feature_and_empty_click_clears(qtbot, map2d, city):
    selection = city.project.selection
    click(qtbot, map2d, X0 + 200, Y0 + 50)
    assert (selection.layer_id, selection.index) == (city.blocks.id, 1)
    # Two pixels (1.3 m) off the road: within the 5-pixel tolerance.
    click(qtbot, map2d, X0 + 275, Y0 + 151.3)
    assert (selection.layer_id, selection.index) == (city.roads.id, 0)
    click(qtbot, map2d, X0 + 200, Y0 + 200)
    assert (selection.layer_id, selection.index) == (city.sensors.id, 1)
    click(qtbot, map2d, X0 + 62.5, Y0 + 312.5)
    assert (selection.layer_id, selection.index) == (city.raster.id, 1 * 4 + 2)
    click(qtbot, map2d, X0 + 125, Y0 + 50)
    assert (selection.layer_id, selection.index) == (None, None)


def test_selection_from_elsewhere_is_highlighted(map2d, city):
    assert HIGHLIGHT_COLOR not in colours_around(map2d, X0 + 150, Y0 + 50)
    city.project.selection.select(city.blocks.id, 1)
    assert HIGHLIGHT_COLOR in colours_around(map2d, X0 + 150, Y0 + 50)
    assert HIGHLIGHT_COLOR not in colours_around(map2d, X0 + 100, Y0 + 50)
    city.project.selection.select(city.sensors.id, 0)
    assert HIGHLIGHT_COLOR not in colours_around(map2d, X0 + 150, Y0 + 50)
    ring = colours_around(map2d, X0 + 50, Y0 + 200, radius=9)
    assert HIGHLIGHT_COLOR in ring
    city.project.selection.clear()
    assert map2d.selection_outline.is_empty


def test_scale_bar_shows_a_round_length_for_the_zoom(map2d):
    assert (nice_length(150), nice_length(260), nice_length(999), nice_length(1200)) == (100, 200, 500, 1000)
    assert (format_length(100), format_length(2000), format_length(0.5)) == ("100 m", "2 km", "0.5 m")
    width = map2d.view.viewport().width()
    height = map2d.view.viewport().height()
    map2d.zoom_to((X0, Y0, X0 + width * 1.25, Y0 + height * 1.25))  # 1.25 m per pixel
    assert map2d.scale_bar.text == "100 m"
    assert map2d.scale_bar.bar_px == pytest.approx(80, abs=0.5)
    map2d.zoom_to((X0, Y0, X0 + width * 12.5, Y0 + height * 12.5))
    assert map2d.scale_bar.text == "1 km"


def test_cursor_position_in_project_crs_and_lonlat(qtbot, map2d):
    from pyproj import CRS as PyprojCRS
    from pyproj.transformer import TransformerGroup

    target = (X0 + 308.93, Y0 + 275.2)
    with qtbot.waitSignal(map2d.cursor_moved, timeout=3000) as signal:
        qtbot.mouseMove(map2d.view.viewport(), map2d.viewport_pos(*target))
    x, y = signal.args
    pixel = (map2d.view_extent()[2] - map2d.view_extent()[0]) / map2d.view.viewport().width()
    assert abs(x - target[0]) <= pixel and abs(y - target[1]) <= pixel
    # VN-2000 <-> WGS 84 must go through EPSG:6960, "VN-2000 to WGS 84 (2)".
    group = TransformerGroup(PyprojCRS(CRS), PyprojCRS("EPSG:4326"), always_xy=True)
    pinned = next(t for t in group.transformers if "VN-2000 to WGS 84 (2)" in t.description)
    lon, lat = pinned.transform(x, y)
    got = map2d.lonlat(x, y)
    assert got[0] == pytest.approx(lon, abs=1e-6) and got[1] == pytest.approx(lat, abs=1e-6)
    text = map2d.cursor_text(585308.93, 1109275.2)
    assert text.startswith("585 308.93, 1 109 275.20 m (EPSG:5897) | 10.03")
    assert "° N, 105.78" in text and text.endswith("° E")


def test_vietnamese_label_is_drawn(map2d, city):
    font = QtGui.QFont("DejaVu Sans")
    metrics = QtGui.QFontMetricsF(font)
    assert all(metrics.inFontUcs4(ord(ch)) for ch in MARKET)

    def dark_pixels() -> int:
        image = grab(map2d)
        top_left = map2d.view.viewport().mapTo(map2d, map2d.viewport_pos(X0 + 160, Y0 + 90))
        bottom_right = map2d.view.viewport().mapTo(map2d, map2d.viewport_pos(X0 + 240, Y0 + 10))
        count = 0
        for px in range(top_left.x(), bottom_right.x()):
            for py in range(top_left.y(), bottom_right.y()):
                c = image.pixelColor(px, py)
                count += c.red() + c.green() + c.blue() < 150
        return count

    assert dark_pixels() == 0
    city.blocks.style = city.blocks.style.evolve(label_field="name")
    assert dark_pixels() > 30
    labels = map2d.labels
    assert MARKET in labels.drawn and "Nhà A" in labels.drawn
    map2d.zoom_to((X0 - 20_000, Y0 - 20_000, X0 + 20_000, Y0 + 20_000))  # blocks under 24 px
    grab(map2d)
    assert labels.drawn == []


def test_far_zoom_paints_dots_not_shapes(qtbot):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(7)
    cx, cy = X0 + rng.uniform(0, 3000, 3000), Y0 + rng.uniform(0, 3000, 3000)
    houses = gpd.GeoDataFrame(geometry=shapely.box(cx - 2.5, cy - 7.5, cx + 2.5, cy + 7.5), crs=CRS)
    project = Project(crs=CRS)
    layer = project.add_layer(VectorLayer(name="houses", crs=CRS, frame=houses, style=Style(color=RED)))
    widget = QtMap2D(project)
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    item = widget.layer_item(layer.id)

    widget.zoom_to((X0 + 1400, Y0 + 1400, X0 + 1600, Y0 + 1600))
    grab(widget)
    near = item.paint_stats()
    assert near["shapes"] > 0 and near["dots"] == 0
    assert near["chunks"] < len(item.shapes["polygon"].batch.members)

    widget.zoom_to((X0, Y0, X0 + 3000, Y0 + 3000))  # houses about 3 px long: still shapes
    grab(widget)
    whole = item.paint_stats()
    assert whole["shapes"] == 3000 and whole["vertices"] == 5 * 3000 and whole["dots"] == 0

    widget.zoom_to((X0 - 30_000, Y0 - 30_000, X0 + 33_000, Y0 + 33_000))
    image = grab(widget)
    far = item.paint_stats()
    assert far["shapes"] == 0 and far["vertices"] == 0 and far["dots"] == 3000
    assert far["vertices"] + far["dots"] < whole["vertices"] + whole["dots"]
    red = QtGui.QColor(RED).rgb()
    filled = sum(image.pixel(px, py) == red for px in range(0, image.width(), 1)
                 for py in range(image.height() // 2 - 30, image.height() // 2 + 30))
    assert filled > 20


def test_render_to_image_while_hidden(qtbot, city):
    widget = QtMap2D(city.project)
    qtbot.addWidget(widget)
    widget.zoom_to(VIEW)
    image = widget.render_to_image(400, 300)
    assert (image.width(), image.height()) == (400, 300)
    xmin, ymin, xmax, ymax = widget.view_extent()
    assert (ymax - ymin) == pytest.approx(VIEW[3] - VIEW[1], abs=1)
    assert (xmax - xmin) / (ymax - ymin) == pytest.approx(4 / 3, rel=0.01)
    assert image.pixelColor(widget.viewport_pos(X0 + 200, Y0 + 50)).name() == BLUE
    assert image.pixelColor(widget.viewport_pos(X0 + 62.5, Y0 + 312.5)).name() == raster_colour(1, 2)


def test_a_deleted_map_stops_listening_to_the_model(qtbot, city):
    import shiboken6

    before = (len(city.blocks.events.visible), len(city.project.selection.events.index))
    widget = QtMap2D(city.project)
    assert len(city.blocks.events.visible) > before[0]
    assert len(city.project.selection.events.index) > before[1]
    shiboken6.delete(widget)
    # Nothing may reach the deleted widget or its items any more.
    assert (len(city.blocks.events.visible), len(city.project.selection.events.index)) == before
    city.blocks.visible = False
    city.blocks.style = Style(color="#000000")
    city.project.selection.select(city.blocks.id, 0)
    city.project.remove_layer(city.roads)


def test_a_dropped_map_is_collected(qtbot, city):
    import gc
    import weakref

    widget = QtMap2D(city.project)
    ref = weakref.ref(widget)
    del widget
    gc.collect()
    assert ref() is None
    city.blocks.visible = False
    city.project.selection.select(city.blocks.id, 0)


def test_project_crs_change_redraws_reprojected_layers_and_rescales(qtbot, map2d, city):
    from viewer.readers.reproject import reproject_layer

    for layer in list(city.project.layers):
        if layer.kind != "raster":
            reproject_layer(layer, "EPSG:4326")
    city.project.remove_layer(city.raster)
    city.project.crs = "EPSG:4326"
    qtbot.waitUntil(lambda: map2d.view_extent()[2] < 180.0, timeout=3000)
    xmin, ymin, xmax, ymax = map2d.view_extent()
    assert 105.7 < xmin < xmax < 105.9 and 10.0 < ymin < ymax < 10.1
    lon, lat = city.blocks.frame.geometry.iloc[1].centroid.coords[0]
    assert colour_at(map2d, lon, lat) == BLUE
    assert map2d.scale_bar.geographic
    # About 1 degree = 111 km * cos(10 deg) of longitude: the bar still shows metres.
    degrees_per_px = (xmax - xmin) / map2d.view.viewport().width()
    metres_per_px = degrees_per_px * 111_320 * np.cos(np.radians((ymin + ymax) / 2))
    assert map2d.scale_bar.length_m == nice_length(120 * metres_per_px)
    assert map2d.scale_bar.text.endswith(" m")
    assert map2d.cursor_text(lon, lat).startswith(f"{lat:.6f}° N, {lon:.6f}° E")


def test_unfilled_polygons_draw_and_pick_only_their_outline(qtbot, map2d, city):
    import geopandas as gpd
    import shapely

    edge = "#c0392b"
    boundary = city.project.add_layer(VectorLayer(
        name="boundary", crs=CRS, style=Style(color="#000000", edge_color=edge, line_width=2, fill=False),
        frame=gpd.GeoDataFrame(geometry=[shapely.box(X0 - 10, Y0 - 10, X0 + 410, Y0 + 110)], crs=CRS)))
    image = grab(map2d)
    assert colour_at(map2d, X0 + 125, Y0 + 50, image) == QtGui.QColor(QtMap2D.BACKGROUND).name()
    assert colour_at(map2d, X0 + 50, Y0 + 50, image) == RED
    assert edge in colours_around(map2d, X0 - 10, Y0 + 50, radius=2)
    click(qtbot, map2d, X0 + 50, Y0 + 50)
    assert (city.project.selection.layer_id, city.project.selection.index) == (city.blocks.id, 0)
    click(qtbot, map2d, X0 - 10, Y0 + 50)
    assert (city.project.selection.layer_id, city.project.selection.index) == (boundary.id, 0)
