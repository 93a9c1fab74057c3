"""Tests of the synthetic Ninh Kiều demo district generator and of its committed output."""

from __future__ import annotations

import importlib.util
import pathlib
import unicodedata
from types import ModuleType
from typing import Any

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "resources" / "demo" / "make_demo_district.py"
COMMITTED = ROOT / "resources" / "demo" / "ninh_kieu"
LAYERS = ("district_boundary", "water", "roads", "buildings", "facilities")
WARDS = {"Tân An", "An Cư", "An Hội", "An Nghiệp", "An Phú", "Cái Khế", "Xuân Khánh", "Hưng Lợi",
         "An Khánh", "An Bình", "Thới Bình"}


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo_district", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read(folder: pathlib.Path) -> dict[str, Any]:
    """The DEM (array, profile, tags) and every layer of district.gpkg."""
    import pyogrio
    import rasterio

    with rasterio.open(folder / "dem.tif") as src:
        out: dict[str, Any] = {"dem": src.read(1), "profile": src.profile, "tags": src.tags(),
                               "transform": src.transform}
    for layer in LAYERS:
        out[layer] = pyogrio.read_dataframe(folder / "district.gpkg", layer=layer)
    return out


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load_generator()


@pytest.fixture(scope="module")
def first(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("demo_a")
    summary = gen.generate(folder)
    return {"folder": folder, "summary": summary, **_read(folder)}


@pytest.fixture(scope="module")
def second(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("demo_b")
    gen.generate(folder)
    return _read(folder)


def _sample(data: dict[str, Any], xy: np.ndarray) -> np.ndarray:
    """DEM values of the cells holding the points ``xy``."""
    from rasterio.transform import rowcol

    row, col = rowcol(data["transform"], xy[:, 0], xy[:, 1])
    return data["dem"][np.asarray(row), np.asarray(col)]


def _water_mask(data: dict[str, Any]) -> np.ndarray:
    from rasterio.features import rasterize

    return rasterize(data["water"].geometry, out_shape=data["dem"].shape,
                     transform=data["transform"]).astype(bool)


def test_summary_and_files(first: dict[str, Any]) -> None:
    s = first["summary"]
    assert sorted(p.name for p in first["folder"].iterdir()) == [
        "MANIFEST.md", "dem.tif", "district.gpkg"]
    assert 4000 <= s["buildings"] <= 7000
    assert 300 <= s["roads"] <= 2000
    assert 30 <= s["facilities"] <= 60
    assert s["district_boundary"] == 1 and s["water"] >= 6
    assert s["dem_shape"] == first["dem"].shape and 2.0 <= s["cell_size"] <= 5.0
    assert s["elev_min"] == pytest.approx(float(first["dem"].min()))
    assert s["elev_max"] == pytest.approx(float(first["dem"].max()))
    assert sum(p.stat().st_size for p in first["folder"].iterdir()) < 6_000_000
    manifest = (first["folder"] / "MANIFEST.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in manifest and "EPSG:5897" in manifest and str(s["seed"]) in manifest
    assert f"| `buildings` | {s['buildings']} |" in manifest


def test_dem(first: dict[str, Any]) -> None:
    p, dem = first["profile"], first["dem"]
    assert p["dtype"] == "float32" and p["nodata"] == -9999.0 and p["crs"].to_epsg() == 5897
    assert p["compress"] == "deflate" and p["tiled"] and p["blockxsize"] == 256
    assert first["tags"]["SYNTHETIC"] == "true" and "seed" in first["tags"]["SOURCE"]
    assert abs(first["transform"].a) == abs(first["transform"].e) == first["summary"]["cell_size"]
    water = _water_mask(first)
    assert dem[~water].min() >= 0.3 and dem[~water].max() <= 2.5
    assert dem[water].max() < 0.0
    assert -8.6 < dem.min() < -6.0 and 2.0 < dem.max()
    # Filled land about 1 m with lower backswamps; the embanked river banks above the highest tides.
    assert 0.8 <= np.median(dem[~water]) <= 1.4
    assert np.percentile(dem[~water], 99) > 2.1


def test_buildings(first: dict[str, Any]) -> None:
    import shapely

    b, roads, water = first["buildings"], first["roads"], first["water"]
    assert b.crs.to_epsg() == 5897 and set(b.geom_type) == {"Polygon"} and b.is_valid.all()
    assert b["building_id"].is_unique and b["building_id"].str.fullmatch(r"NK-\d{6}").all()
    assert set(b["use"]) <= {"residential", "mixed", "commercial", "public", "industrial",
                             "religious"}
    assert set(b["ward"]) == WARDS
    assert {"Chợ Cổ Cần Thơ", "Nhà thờ Chánh tòa", "Khách sạn Ninh Kiều"} <= set(b["name"])
    assert (b["name"] == "").mean() > 0.95
    storeys = b["storeys"].dropna()
    assert storeys.between(1, 12).all() and storeys.isin([1, 2, 3, 4]).mean() > 0.8
    no_height, no_storeys = b["height_m"].isna(), b["storeys"].isna()
    assert 0.03 < (no_height & ~no_storeys).mean() < 0.08
    assert 0.01 < no_storeys.mean() < 0.04 and not (no_storeys & ~no_height).any()
    assert (b["residents"][~b["use"].isin(["residential", "mixed"])] == 0).all()
    assert b["residents"].sum() > 10_000
    assert b["address"].str.contains(", Phường ").all()
    # On land, off the roads, and not overlapping each other.
    assert _sample(first, shapely.get_coordinates(b.geometry.values)).min() > 0.0
    all_water = water.union_all()
    shapely.prepare(all_water)
    assert not shapely.intersects(b.geometry.values, all_water).any()
    road_area = shapely.buffer(roads.geometry.values, roads["width_m"].values / 2)
    assert shapely.STRtree(road_area).query(b.geometry.values, predicate="intersects").size == 0
    i, j = shapely.STRtree(b.geometry.values).query(b.geometry.values, predicate="intersects")
    assert (i == j).all()


def test_roads_facilities_water(first: dict[str, Any]) -> None:
    import shapely

    r, f, w = first["roads"], first["facilities"], first["water"]
    assert set(r.geom_type) == {"LineString"} and r["road_id"].is_unique
    assert set(r["class"]) == {"primary", "secondary", "tertiary", "residential", "alley"}
    assert r["bridge"].dtype == bool and 5 <= r["bridge"].sum() < len(r) / 5
    assert r["lanes"].min() >= 1 and (r["width_m"] > 0).all()
    assert {"Đại lộ Hòa Bình", "Đường 30 Tháng 4", "Đường Hai Bà Trưng"} <= set(r["name"])
    assert r["name"].str.startswith("Hẻm ").any()
    land = ~r["bridge"].values
    assert _sample(first, shapely.get_coordinates(r.geometry.values[land])).min() > 0.0
    assert _sample(first, shapely.get_coordinates(r.geometry.values[~land])).min() < 0.0
    # One connected graph: edges meet at shared end points.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ends = np.round(np.r_[shapely.get_coordinates(shapely.get_point(r.geometry.values, 0)),
                          shapely.get_coordinates(shapely.get_point(r.geometry.values, -1))], 3)
    nodes = np.unique(ends, axis=0, return_inverse=True)[1].ravel()
    a, b = nodes[:len(r)], nodes[len(r):]
    graph = coo_matrix((np.ones(len(r)), (a, b)), shape=(nodes.max() + 1,) * 2)
    assert connected_components(graph, directed=False)[0] == 1
    noded = shapely.node(shapely.multilinestrings(r.geometry.values))
    assert shapely.get_num_geometries(noded) == len(r)
    boundary = first["district_boundary"]
    assert boundary["name"].tolist() == ["Quận Ninh Kiều (mô phỏng)"]
    assert r.within(boundary.geometry[0].buffer(0.05)).all()
    assert set(f.geom_type) == {"Point"} and f["facility_id"].is_unique
    assert set(f["type"]) == {"hospital", "school", "shelter", "fire_station", "police"}
    served = f["type"].isin(["hospital", "school", "shelter"])
    assert (f["capacity"][served] > 0).all() and (f["capacity"][~served] == 0).all()
    assert "Bệnh viện Đa khoa Trung ương Cần Thơ" in set(f["name"])
    assert _sample(first, shapely.get_coordinates(f.geometry.values)).min() > 0.0
    assert {"Sông Hậu", "Sông Cần Thơ"} <= set(w["name"]) and set(w["kind"]) == {"river", "canal"}
    assert (w["kind"] == "canal").sum() >= 4 and set(w.geom_type) == {"Polygon"}


def test_text_is_nfc_and_marked_synthetic(first: dict[str, Any]) -> None:
    import pyogrio

    path = first["folder"] / "district.gpkg"
    for layer in LAYERS:
        df = first[layer]
        for col in df.columns.drop("geometry"):
            values = [v for v in df[col] if isinstance(v, str)]
            assert all(unicodedata.is_normalized("NFC", v) for v in values), (layer, col)
        info = pyogrio.read_info(path, layer=layer)
        assert info["layer_metadata"]["SYNTHETIC"] == "true"
        assert "SYNTHETIC" in info["layer_metadata"]["DESCRIPTION"]
    pyogrio.list_layers(path)
    assert not (first["folder"] / "district.gpkg.aux.xml").exists()


def _assert_same(a: dict[str, Any], b: dict[str, Any], layers: tuple[str, ...],
                 exact: bool) -> None:
    """Same DEM and same layer tables; ``exact`` False allows last-digit differences."""
    import pandas as pd
    import shapely

    if exact:
        np.testing.assert_array_equal(a["dem"], b["dem"])
    else:
        np.testing.assert_allclose(a["dem"], b["dem"], rtol=0, atol=2e-3)
    for layer in layers:
        pd.testing.assert_frame_equal(a[layer].drop(columns="geometry"),
                                      b[layer].drop(columns="geometry"), check_exact=exact)
        tol = 0.0 if exact else 0.02
        assert shapely.equals_exact(a[layer].geometry.values, b[layer].geometry.values, tol).all()


def test_two_runs_are_identical(first: dict[str, Any], second: dict[str, Any]) -> None:
    _assert_same(first, second, LAYERS, exact=True)


def test_committed_output_matches_generator(first: dict[str, Any]) -> None:
    assert COMMITTED.is_dir(), f"run: python {SCRIPT.relative_to(ROOT)} to create {COMMITTED}"
    _assert_same(first, _read(COMMITTED), ("buildings", "roads", "facilities"), exact=False)
