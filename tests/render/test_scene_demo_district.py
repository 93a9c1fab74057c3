"""The demo district (resources/demo/ninh_kieu) in 3D: its buildings stand on its terrain.

The layers are read here with geopandas and rasterio directly (viewer.render must not depend on
viewer.readers); styles and the exaggeration come from the demo's project file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from viewer.core import BuildingsLayer, Project, RasterLayer, Style, VectorLayer
from viewer.render.offscreen import offscreen_scene, snapshot

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "ninh_kieu"

pytestmark = pytest.mark.skipif(not (DEMO / "district.gpkg").exists() or not (DEMO / "dem.tif").exists(),
                                reason="the demo district has not been generated yet")


def _demo_project() -> Project:
    import geopandas as gpd
    import rasterio

    manifest = tomllib.loads((DEMO / "citytwin.toml").read_text(encoding="utf-8"))
    styles = {entry.get("layer", entry["path"]): Style.from_dict(entry.get("style", {}))
              for entry in manifest["layers"]}
    project = Project(name=manifest["name"], crs="EPSG:5897", synthetic=True)
    project.settings.vertical_exaggeration = float(manifest["settings"]["vertical_exaggeration"])
    with rasterio.open(DEMO / "dem.tif") as src:
        data = src.read(1, masked=True).filled(np.nan).astype(np.float32)[None]
        transform = tuple(src.transform)[:6]
    project.add_layer(RasterLayer(name="dem", data=data, transform=transform, role="dem",
                                  style=styles["dem.tif"], crs="EPSG:5897"))
    for name in ("water", "district_boundary", "roads"):
        frame = gpd.read_file(DEMO / "district.gpkg", layer=name)
        project.add_layer(VectorLayer(name=name, frame=frame, style=styles.get(name, Style()), crs="EPSG:5897"))
    buildings = gpd.read_file(DEMO / "district.gpkg", layer="buildings")
    storey = float(manifest["settings"]["storey_height"])
    height = buildings["height_m"].astype(float)
    height = height.fillna(buildings["storeys"].astype(float) * storey).fillna(manifest["settings"]["default_height"])
    buildings["height"] = height
    buildings["height_source"] = "height"
    project.add_layer(BuildingsLayer(name="buildings", frame=buildings, style=Style(color="#ff0000"),
                                     crs="EPSG:5897"))
    return project


def test_the_demo_district_buildings_stand_on_its_terrain():
    import shapely

    project = _demo_project()
    layer = project.layers[-1]
    with offscreen_scene(project, size=(1200, 675), view="overview") as scene:
        adapter = scene.adapters[layer.id]
        assert scene.exaggeration == 3.0
        base, top = adapter.building_z()
        coords, owner = shapely.get_coordinates(np.asarray(layer.frame.geometry.values, dtype=object),
                                                return_index=True)
        lowest = np.full(len(layer.frame), np.inf)
        np.minimum.at(lowest, owner, scene.terrain.sample(coords[:, 0], coords[:, 1]))
        np.testing.assert_allclose(base, lowest, atol=1e-6)
        np.testing.assert_allclose(top - base, layer.frame["height"], atol=1e-6)
        assert 0.0 <= np.median(base) <= 3.0, "on the delta's land, 0.3-2.5 m"

        # Look down on the middle of the district and compare roofs with the ground between them.
        xmin, ymin, xmax, ymax = layer.extent
        cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
        scene.set_camera_state({"position": [cx, cy, 700.0], "focal_point": [cx, cy, 0.0],
                                "view_up": [0.0, 1.0, 0.0], "view_angle": 30.0})
        image = snapshot(scene)
        renderer = scene.plotter.renderer
        inside = shapely.intersects_xy(np.asarray(layer.frame.geometry.values, dtype=object), cx, cy)
        roofs = shapely.point_on_surface(np.asarray(layer.frame.geometry.values, dtype=object))
        near = np.flatnonzero(np.hypot(shapely.get_x(roofs) - cx, shapely.get_y(roofs) - cy) < 150)
        assert len(near) > 20 and not inside.all()
        red = 0
        for i in near:
            renderer.SetWorldPoint(shapely.get_x(roofs[i]), shapely.get_y(roofs[i]), top[i] * 3.0, 1.0)
            renderer.WorldToDisplay()
            dx, dy, _ = renderer.GetDisplayPoint()
            r, g, b = image[image.shape[0] - 1 - int(round(dy)), int(round(dx))].astype(int)
            red += r > 120 and g < 60 and b < 60
        assert red >= 0.8 * len(near), f"{red} of {len(near)} roofs are red"
        # with the buildings hidden the same pixels show the terrain (or roads, water), never red
        layer.visible = False
        bare = snapshot(scene)
        reds = (bare[..., 0] > 120) & (bare[..., 1] < 60) & (bare[..., 2] < 60)
        assert reds.mean() < 0.01
        assert len(np.unique(bare.reshape(-1, 3)[::97], axis=0)) > 10, "a coloured terrain, not a blank"
