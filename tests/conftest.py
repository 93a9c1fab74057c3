"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_data() -> Path:
    env = os.environ.get("CITYTWIN_SHARED_DATA")
    return Path(env) if env else (REPO.parent / "shared" / "data").resolve()


@pytest.fixture(autouse=True, scope="session")
def _own_settings_and_logs(tmp_path_factory):
    """Preferences and logs go to a temporary home (platformdirs follows the XDG variables), never
    to the user's own folders."""
    home = tmp_path_factory.mktemp("xdg")
    saved = {name: os.environ.get(name) for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")}
    for name in saved:
        os.environ[name] = str(home / name.lower())
    yield home
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real city data beside the repository (../shared/data). Missing data fails the test:
    tests on real data must run, not skip."""
    path = _shared_data()
    if not path.is_dir():
        pytest.fail(f"real data folder {path} is missing (set CITYTWIN_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The demo district project folder."""
    return REPO / "resources" / "demo" / "ninh_kieu"


@pytest.fixture(scope="module")
def one_engine_thread():
    """The flood engine's numba kernels on one thread for a module: on the demo's 125 x 150 grid the
    parallel kernels cost more in thread hand-offs than they gain, and ten times more while other
    processes load the machine. The thread count is restored afterwards."""
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)
