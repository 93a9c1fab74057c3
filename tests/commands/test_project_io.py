"""Projects: a folder with a manifest and standard files; saving is atomic."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import box

from viewer.commands.project_io import MANIFEST, load_project, replace_project_contents, save_project
from viewer.core import BuildingsLayer, Project, RasterLayer, Style, VectorLayer
from viewer.readers.errors import ReadError


def make_project() -> Project:
    project = Project(name="Dự án thử – Ninh Kiều", crs="EPSG:5897")
    x0, y0 = 585_000.0, 1_109_000.0
    frame = gpd.GeoDataFrame(
        {"name": ["Nhà A", "Nhà B", "Chợ Cổ"], "height": [6.0, 9.0, 12.0],
         "height_source": ["height", "storeys", "default"]},
        geometry=[box(x0, y0, x0 + 5, y0 + 15), box(x0 + 10, y0, x0 + 15, y0 + 20), box(x0 + 30, y0, x0 + 50, y0 + 20)],
        crs="EPSG:5897")
    buildings = BuildingsLayer(name="Nhà", frame=frame, crs="EPSG:5897",
                               style=Style(kind="graduated", field="height", ramp="ylorrd"))
    roads = VectorLayer(name="Đường", crs="EPSG:5897", opacity=0.5, visible=False,
                        frame=gpd.GeoDataFrame({"name": ["Đường Hòa Bình"]},
                                               geometry=gpd.GeoSeries.from_wkt(["LINESTRING (585000 1109030, 585100 1109030)"]),
                                               crs="EPSG:5897"))
    data = np.linspace(0.3, 2.5, 64 * 80, dtype=np.float32).reshape(1, 64, 80)
    data[0, 0, 0] = np.nan
    dem = RasterLayer(name="DEM", data=data, transform=(4.0, 0.0, x0 - 100, 0.0, -4.0, y0 + 200),
                      crs="EPSG:5897", role="dem")
    for layer in (dem, buildings, roads):
        project.add_layer(layer)
    project.selection.select(buildings.id, 2)
    project.camera = {"position": [1.0, 2.0, 3.0], "focal_point": [0.0, 0.0, 0.0], "view_up": [0.0, 0.0, 1.0]}
    project.extent2d = (x0, y0, x0 + 100, y0 + 100)
    project.settings.vertical_exaggeration = 3.0
    return project


def test_save_and_reopen_restores_layers_styles_crs_camera_and_selection(tmp_path: Path):
    project = make_project()
    save_project(project, tmp_path / "p")
    loaded = load_project(tmp_path / "p")
    assert loaded.name == project.name and loaded.crs == "EPSG:5897"
    assert [layer.name for layer in loaded.layers] == ["DEM", "Nhà", "Đường"]
    assert [layer.kind for layer in loaded.layers] == ["raster", "buildings", "vector"]
    dem, buildings, roads = loaded.layers
    assert np.isnan(dem.data[0, 0, 0]) and dem.data[0, 63, 79] == pytest.approx(2.5)
    assert dem.transform == project.layers[0].transform
    assert list(buildings.frame["height"]) == [6.0, 9.0, 12.0]
    assert list(buildings.frame["height_source"]) == ["height", "storeys", "default"]
    assert buildings.style == project.layers[1].style
    assert roads.visible is False and roads.opacity == 0.5
    assert roads.frame["name"][0] == "Đường Hòa Bình"
    assert loaded.selection.layer_id == buildings.id == project.layers[1].id
    assert loaded.selection.index == 2
    assert loaded.camera == project.camera and loaded.extent2d == project.extent2d
    assert loaded.settings.vertical_exaggeration == 3.0


def test_project_files_are_standard_files_others_can_open(tmp_path: Path):
    save_project(make_project(), tmp_path / "p")
    manifest = tomllib.loads((tmp_path / "p" / MANIFEST).read_text(encoding="utf-8"))
    paths = {entry["path"] for entry in manifest["layers"]}
    gpkg = next(tmp_path.joinpath("p").glob("data-*/layers.gpkg"))
    tif = next(tmp_path.joinpath("p").glob("data-*/*.tif"))
    assert {str(gpkg.relative_to(tmp_path / "p")), str(tif.relative_to(tmp_path / "p"))} == paths
    import pyogrio

    assert sorted(name for name, _ in pyogrio.list_layers(gpkg)) == ["layer_001", "layer_002"]
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 5897 and src.shape == (64, 80)


def test_saving_twice_keeps_one_generation_of_files(tmp_path: Path):
    project = make_project()
    save_project(project, tmp_path / "p")
    project.layers[2].name = "Đường mới"
    save_project(project, tmp_path / "p")
    assert len(list((tmp_path / "p").glob("data-*"))) == 1
    assert load_project(tmp_path / "p").layers[2].name == "Đường mới"


def test_a_crash_mid_save_leaves_the_last_good_project(tmp_path: Path, repo_root: Path):
    folder = tmp_path / "p"
    save_project(make_project(), folder)
    before = (folder / MANIFEST).read_bytes()
    # Another process saves a changed project and is killed (SIGKILL) while writing its files.
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(repo_root / 'tests' / 'commands')!r})
        from test_project_io import make_project
        import viewer.readers.writers as writers
        from viewer.commands.project_io import save_project
        real = writers.write_vector
        def dying_write(layer, path, table):
            real(layer, path, table)
            os.kill(os.getpid(), signal.SIGKILL)
        writers.write_vector = dying_write
        project = make_project()
        project.layers[1].name = "half-saved"
        save_project(project, {str(folder)!r})
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=repo_root, capture_output=True, timeout=120)
    assert run.returncode == -9, run.stderr.decode()[-2000:]
    assert (folder / MANIFEST).read_bytes() == before
    assert len(list(folder.glob("data-*"))) == 2  # the half-written generation is there ...
    loaded = load_project(folder)  # ... but the manifest points to the complete one
    assert [layer.name for layer in loaded.layers] == ["DEM", "Nhà", "Đường"]
    save_project(loaded, folder)
    assert len(list(folder.glob("data-*"))) == 1  # the next save tidies up


def test_a_layer_whose_file_is_gone_is_reported_and_the_rest_loads(tmp_path: Path):
    save_project(make_project(), tmp_path / "p")
    next((tmp_path / "p").glob("data-*/*.tif")).unlink()
    loaded = load_project(tmp_path / "p")
    assert [layer.name for layer in loaded.layers] == ["Nhà", "Đường"]
    assert len(loaded.load_errors) == 1 and "raster_000.tif" in str(loaded.load_errors[0])


def test_not_a_project_is_a_clear_error(tmp_path: Path):
    (tmp_path / MANIFEST).write_text('format = "something-else"\n')
    with pytest.raises(ReadError, match="not a CityTwin project"):
        load_project(tmp_path)
    (tmp_path / MANIFEST).write_text("this is [not toml")
    with pytest.raises(ReadError, match="not a readable project manifest"):
        load_project(tmp_path)


def test_replace_project_contents_keeps_the_live_object(tmp_path: Path):
    live = Project()
    removed = []
    live.layers.events.removed.connect(lambda i, v: removed.append(v))
    live.add_layer(make_project().layers[2])
    replace_project_contents(live, make_project())
    assert len(removed) == 1 and [layer.name for layer in live.layers] == ["DEM", "Nhà", "Đường"]
    assert live.selection.index == 2 and live.crs == "EPSG:5897"


def test_saved_scenarios_come_back_and_a_broken_one_is_named(tmp_path):
    import tomllib

    import tomli_w

    from viewer.commands.project_io import load_project, save_project
    from viewer.core.project import Project
    from viewer.scenarios.flood_scenario import FloodEvent, FloodScenario, Rain

    project = Project(name="kịch bản", crs="EPSG:5897")
    for name in ("Mưa 50 mm", "Mưa 80 mm"):
        project.put_scenario(FloodScenario(name=name, event=FloodEvent(rain=Rain(kind="uniform", mm_per_h=50.0))))
    manifest = save_project(project, tmp_path / "p")
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    data["scenarios"][1]["event"]["hail"] = 1  # an unknown field
    data["scenarios"].append({"kind": "plume", "name": "Khói"})
    manifest.write_text(tomli_w.dumps(data), encoding="utf-8")
    again = load_project(tmp_path / "p")
    assert [s.name for s in again.scenarios] == ["Mưa 50 mm"]
    assert again.scenario_named("Mưa 50 mm") == project.scenario_named("Mưa 50 mm")
    messages = [str(e) for e in again.load_errors]
    assert len(messages) == 2 and all(m.startswith("citytwin.toml: scenario") for m in messages)
    assert "'Mưa 80 mm'" in messages[0] and "hail" in messages[0]
    assert "'Khói'" in messages[1] and "plume" in messages[1]
