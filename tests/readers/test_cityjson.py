"""CityJSON: the real Den Haag, Delft, Rotterdam and 3DBAG subsets, and small files written here."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from viewer.core.layers import SEMANTIC_CODES, BuildingsLayer
from viewer.readers import ReadError, ReadOptions, read_path
from viewer.readers.errors import MissingCRS

RD = ReadOptions(default_crs="EPSG:28992")
ROOF, WALL, GROUND = (SEMANTIC_CODES[k] for k in ("RoofSurface", "WallSurface", "GroundSurface"))


def _mesh_area(layer: BuildingsLayer) -> np.ndarray:
    p, t = layer.mesh.points, layer.mesh.triangles
    return 0.5 * np.linalg.norm(np.cross(p[t[:, 1]] - p[t[:, 0]], p[t[:, 2]] - p[t[:, 0]]), axis=1)


def test_files_without_crs_need_one(cityjson_dir: Path):
    for name in ("DH_01_subs.city.json", "rotterdam_subset.json", "multi_lod.json"):
        with pytest.raises(MissingCRS, match=name):
            read_path(cityjson_dir / name)


def test_den_haag_parts_are_merged_into_their_buildings(cityjson_dir: Path):
    layer = read_path(cityjson_dir / "DH_01_subs.city.json", RD)[0]
    assert isinstance(layer, BuildingsLayer) and layer.crs == "EPSG:28992"
    assert layer.source["reader"] == "cityjson" and layer.source["version"] == "1.1"
    frame = layer.frame
    # 4 Buildings: one with its own LoD2 solid, three made of 2 + 3 + 3 BuildingParts.
    assert len(frame) == 4 and sorted(frame["parts"]) == [0, 2, 3, 3]
    assert layer.lod == "2" and set(frame["lod"]) == {"2"}
    assert "roofType" in frame.columns  # part attributes fill in for the Building
    # z 3.5-14.7 m in the MANIFEST; heights come from the model.
    assert frame["z_min"].min() == pytest.approx(3.451)
    assert frame["z_max"].max() == pytest.approx(14.739)
    assert set(frame["height_source"]) == {"model"}
    assert ((frame["height"] > 8) & (frame["height"] < 11.3)).all()
    mesh = layer.mesh
    assert len(mesh.triangles) > 100 and set(np.unique(mesh.feature)) == {0, 1, 2, 3}
    assert {ROOF, WALL, GROUND} <= set(np.unique(mesh.semantic))
    # Closed solids stay closed: every directed edge has its opposite (consistent winding).
    t = mesh.triangles
    edges = {tuple(e) for e in np.concatenate([t[:, [0, 1]], t[:, [1, 2]], t[:, [2, 0]]])}
    assert all((b, a) in edges for a, b in edges)
    # Ground triangles face down, roof triangles up.
    p = mesh.points
    normal_z = np.cross(p[t[:, 1]] - p[t[:, 0]], p[t[:, 2]] - p[t[:, 0]])[:, 2]
    assert (normal_z[mesh.semantic == GROUND] < 0).all()
    assert (normal_z[mesh.semantic == ROOF] > 0).all()
    # Footprints are the GroundSurfaces: about the ground triangles' area (parts touch, and
    # a ground is not always exactly level).
    ground_area = _mesh_area(layer)[mesh.semantic == GROUND].sum()
    assert frame.geometry.area.sum() == pytest.approx(ground_area, rel=1e-4)


def test_delft_lod1_with_crs_and_measured_height(cityjson_dir: Path):
    started = time.perf_counter()
    layer = read_path(cityjson_dir / "delft.json")[0]
    elapsed = time.perf_counter() - started
    assert elapsed < 3.0, f"delft.json took {elapsed:.2f} s"
    # EPSG:7415 (RD New + NAP) -> its horizontal part.
    assert layer.crs == "EPSG:28992" and layer.lod == "1" and layer.source["version"] == "2.0"
    assert len(layer.frame) == 160  # the Buildings among 570 city objects
    assert (layer.frame["height_source"] == "height").all()
    np.testing.assert_allclose(layer.frame["height"], layer.frame["measuredHeight"])
    xmin, ymin, xmax, ymax = layer.extent
    assert 84616 <= xmin < xmax <= 85141 and 447422 <= ymin < ymax <= 447751
    assert len(layer.mesh.triangles) > 1000 and layer.mesh.points.shape[1] == 3
    assert set(np.unique(layer.mesh.feature)) == set(range(160))


def test_rotterdam_lod2_with_missing_textures(cityjson_dir: Path):
    layer = read_path(cityjson_dir / "rotterdam_subset.json", RD)[0]
    assert len(layer.frame) == 16 and layer.lod == "2"
    assert {ROOF, WALL, GROUND} <= set(np.unique(layer.mesh.semantic))
    assert (layer.frame["height"] > 5).all() and (layer.frame["height"] < 40).all()
    assert "TerrainHeight" in layer.frame.columns


def test_multi_lod_picks_the_highest_or_the_asked_one(cityjson_dir: Path):
    path = cityjson_dir / "multi_lod.json"
    best = read_path(path, RD)[0]
    assert best.lod == "2.2" and best.source["lods"] == ["1.2", "1.3", "2.2"]
    assert len(best.frame) == 10 and set(best.frame["lod"]) == {"2.2"}
    assert {ROOF, WALL} <= set(np.unique(best.mesh.semantic))
    block = read_path(path, ReadOptions(default_crs="EPSG:28992", extra={"lod": "1.2"}))[0]
    assert block.lod == "1.2" and block.source["lod"] == "1.2"
    assert set(np.unique(block.mesh.semantic)) == {0}  # LoD 1.2 carries no semantics
    # Same buildings, same footprints, a simpler mesh.
    assert list(block.frame["identificatie"]) == list(best.frame["identificatie"])
    np.testing.assert_allclose(block.frame.geometry.area, best.frame.geometry.area, rtol=0.02)
    assert len(block.mesh.triangles) < len(best.mesh.triangles)
    with pytest.raises(ReadError, match="no LoD 3"):
        read_path(path, ReadOptions(default_crs="EPSG:28992", extra={"lod": "3"}))


def _small_city() -> dict:
    """One Building, LoD2, 10 x 10 m with a 4 x 4 m courtyard (a roof with a hole), no CRS."""
    outer = [(0, 0), (10, 0), (10, 10), (0, 10)]
    inner = [(3, 3), (3, 7), (7, 7), (7, 3)]
    verts = [(x, y, 0) for x, y in outer + inner] + [(x, y, 6) for x, y in outer + inner]
    ground = [[3, 2, 1, 0], [4, 5, 6, 7]]
    roof = [[8, 9, 10, 11], [15, 14, 13, 12]]
    walls = [[[i, (i + 1) % 4, (i + 1) % 4 + 8, i + 8]] for i in range(4)]
    walls += [[[4 + (i + 1) % 4, 4 + i, 12 + i, 12 + (i + 1) % 4]] for i in range(4)]
    return {"type": "CityJSON", "version": "2.0",
            "transform": {"scale": [0.01, 0.01, 0.01], "translate": [85000.0, 447000.0, 1.0]},
            "CityObjects": {"b1": {"type": "Building", "attributes": {"height": "6 m", "name": "A"},
                                   "geometry": [{"type": "Solid", "lod": "2.2",
                                                 "boundaries": [[ground, roof] + walls],
                                                 "semantics": {"surfaces": [{"type": "GroundSurface"},
                                                                            {"type": "RoofSurface"},
                                                                            {"type": "WallSurface"}],
                                                               "values": [[0, 1] + [2] * 8]}}]}},
            "vertices": [[x * 100, y * 100, z * 100] for x, y, z in verts]}


def test_surfaces_with_holes_and_cityjsonseq(tmp_path: Path):
    city = _small_city()
    path = tmp_path / "courtyard.city.json"
    path.write_text(json.dumps(city))
    with pytest.raises(MissingCRS, match="courtyard.city.json"):
        read_path(path)
    layer = read_path(path, RD)[0]
    row = layer.frame.iloc[0]
    assert row["height"] == 6.0 and row["height_source"] == "height" and row["name"] == "A"
    assert row["z_min"] == pytest.approx(1.0) and row.geometry.area == pytest.approx(84.0)
    assert row.geometry.bounds == pytest.approx((85000, 447000, 85010, 447010))
    area = _mesh_area(layer)
    semantic = layer.mesh.semantic
    assert area[semantic == ROOF].sum() == pytest.approx(84.0)
    assert area[semantic == WALL].sum() == pytest.approx(4 * 10 * 6 + 4 * 4 * 6)

    # The same as CityJSONSeq, with the CRS stated (compound RD New + NAP, CityJSON 1.0 URN).
    header = {k: v for k, v in city.items() if k not in ("CityObjects", "vertices")}
    header.update(CityObjects={}, vertices=[],
                  metadata={"referenceSystem": "urn:ogc:def:crs:EPSG::7415"})
    feature = {"type": "CityJSONFeature", "id": "b1", "CityObjects": city["CityObjects"],
               "vertices": city["vertices"]}
    seq = tmp_path / "courtyard.city.jsonl"
    seq.write_text(json.dumps(header) + "\n" + json.dumps(feature) + "\n")
    streamed = read_path(seq)[0]
    assert streamed.crs == "EPSG:28992" and streamed.source["reader"] == "cityjson"
    assert len(streamed.mesh.triangles) == len(layer.mesh.triangles)
    np.testing.assert_allclose(streamed.mesh.points, layer.mesh.points)
