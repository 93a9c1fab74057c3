"""The ``citytwin`` command line: ``info`` and ``render`` without a window."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def citytwin(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "viewer.app.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def test_info_on_a_zipped_shapefile_in_us_feet(shared_data: Path):
    run = citytwin("info", str(shared_data / "boundaries/nyc_boroughs_nybb/nybb_16a.zip"))
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "crs: EPSG:2263 (NAD83 / New York Long Island (ftUS))" in out
    assert "features: 5" in out
    assert "extent: 913175.1" in out and "272844.2" in out
    assert "project crs: EPSG:2263" in out


def test_info_chooses_utm_for_a_geographic_dem_and_reports_bad_files(shared_data: Path, tmp_path: Path):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"II*\x00" + b"\x00" * 50)
    run = citytwin("info", str(shared_data / "dem/pysheds_fort_worth_tx/dem.tif"), str(bad))
    assert run.returncode == 1
    assert "kind: raster" in run.stdout and "crs: EPSG:4326" in run.stdout
    assert "features: 131753" in run.stdout  # 359 x 367 cells
    assert "project crs: EPSG:32614 (WGS 84 / UTM zone 14N)" in run.stdout
    assert "bad.tif\n  error:" in run.stdout


def test_info_on_the_demo_project(demo_dir: Path):
    run = citytwin("info", str(demo_dir))
    assert run.returncode == 0, run.stderr
    assert "[synthetic]" in run.stdout and "project crs: EPSG:5897" in run.stdout
    assert "kind: buildings" in run.stdout


@pytest.mark.gui
def test_render_3d_of_the_demo_district_shows_buildings_on_terrain(tmp_path: Path):
    out = tmp_path / "demo3d.png"
    run = citytwin("render", "--view", "3d", "--size", "800x450", "--out", str(out))
    assert run.returncode == 0, run.stderr[-3000:]
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape == (450, 800, 3)
    colours = np.unique(image.reshape(-1, 3) // 16, axis=0)
    assert len(colours) > 40  # terrain shading, water, buildings: not a blank frame


@pytest.mark.gui
def test_render_2d_of_a_real_file(tmp_path: Path, shared_data: Path):
    out = tmp_path / "nyc.png"
    run = citytwin("render", str(shared_data / "boundaries/nyc_boroughs_nybb/nybb_16a.zip"),
                   "--view", "2d", "--size", "640x480", "--out", str(out))
    assert run.returncode == 0, run.stderr[-3000:]
    image = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert image.shape == (480, 640, 3)
    background = image[2, 2]
    differs = np.abs(image - background).sum(axis=2) > 30
    assert 0.15 < differs.mean() < 0.9, "filled borough polygons cover part of the frame"


def test_selftest_reports_each_librarys_proj_data_and_the_vn2000_point(repo_root):
    """What packaging/smoke_test.py compares in the bundle, here from the checkout."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "viewer.app.cli", "selftest"], cwd=repo_root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert not [name for name, part in report.items() if "error" in part]
    x, y = report["vn2000"]["xy"]
    assert abs(x - 585866.945) < 0.01 and abs(y - 1109730.015) < 0.01  # EPSG:6960 pinned
    assert report["pyproj"]["proj_db"] and report["rasterio"]["proj_db"] and report["rasterio"]["crs_epsg"] == 5897
    assert report["buildings"]["features"] == 5438 and report["dem"]["shape"] == [625, 750]
    assert report["bundle"]["frozen"] is False and "citytwin_vi.qm" in report["bundle"]["translations"]
