"""Opening files: project CRS choice, reprojection, and bad files reported by name."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from viewer.commands.open_files import add_to_project, open_paths
from viewer.core.progress import Cancelled, Progress
from viewer.core.project import Project
from viewer.readers.registry import ReadOptions


def test_geographic_dem_gets_its_utm_zone_and_is_reprojected(shared_data: Path):
    result = open_paths([shared_data / "dem/pysheds_fort_worth_tx/dem.tif"])
    assert result.errors == [] and result.crs == "EPSG:32614"
    dem = result.layers[0]
    assert dem.crs == "EPSG:32614" and dem.role == "dem"
    xmin, ymin, xmax, ymax = dem.extent
    # -97.485..-97.179 E, 32.5225..32.8217 N in UTM 14N (checked with pyproj by hand):
    # about 641.7-671.1 km E and 3,599-3,633 km N.
    assert 640_000 < xmin < 644_000 and 669_000 < xmax < 673_000
    assert 3_597_000 < ymin < 3_601_000 and 3_630_000 < ymax < 3_635_000
    assert 60 < dem.cell_size[0] < 100
    assert 140 < np.nanmin(dem.data) and np.nanmax(dem.data) < 300


def test_projected_first_layer_sets_the_project_crs(shared_data: Path):
    result = open_paths([shared_data / "boundaries/nyc_boroughs_nybb/nybb_16a.zip"])
    assert result.crs == "EPSG:2263" and result.layers[0].feature_count == 5
    project = Project()
    add_to_project(project, result)
    assert project.crs == "EPSG:2263" and len(project.layers) == 1


def test_a_bad_file_is_reported_by_name_and_the_good_one_still_opens(tmp_path: Path, shared_data: Path):
    bad = tmp_path / "broken_roads.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    empty = tmp_path / "empty.geojson"
    empty.write_text("")
    result = open_paths([bad, shared_data / "boundaries/nyc_boroughs_nybb/nybb_16a.zip", empty])
    assert [layer.feature_count for layer in result.layers] == [5]
    messages = [str(e) for e in result.errors]
    assert len(messages) == 2
    assert messages[0].startswith("broken_roads.gpkg: ")
    assert messages[1].startswith("empty.geojson: ") and "empty" in messages[1]


def test_a_file_without_crs_is_asked_for_then_opens_with_the_stated_one(tmp_path: Path, shared_data: Path):
    with zipfile.ZipFile(shared_data / "boundaries/nyc_boroughs_nybb/nybb_16a.zip") as archive:
        archive.extractall(tmp_path)
    shp = next(tmp_path.rglob("nybb.shp"))
    shp.with_suffix(".prj").unlink()
    result = open_paths([shp])
    assert result.layers == [] and result.missing_crs == [str(shp)]
    result = open_paths([shp], options=ReadOptions(default_crs="EPSG:2263"))
    assert result.crs == "EPSG:2263" and result.layers[0].feature_count == 5


def test_opening_can_be_cancelled(shared_data: Path):
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        open_paths([shared_data / "dem/pysheds_fort_worth_tx/dem.tif"], progress=progress)


def test_layers_are_reprojected_to_an_existing_project_crs(shared_data: Path):
    result = open_paths([shared_data / "boundaries/nyc_boroughs_nybb/nybb_16a.zip"], project_crs="EPSG:32618")
    xmin, ymin, xmax, ymax = result.layers[0].extent
    # New York City in UTM 18N: about 563-609 km E, 4,483-4,531 km N.
    assert 555_000 < xmin < 570_000 and 600_000 < xmax < 615_000
    assert 4_475_000 < ymin < 4_490_000 and 4_525_000 < ymax < 4_540_000
