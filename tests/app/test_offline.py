"""CityTwin works with no network: the main flows pass with every outbound connection refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.gui


def _namespace_prefix() -> list[str]:
    """``unshare -rn`` (a network namespace with only loopback) where the machine allows it."""
    tool = shutil.which("unshare")
    if tool and subprocess.run([tool, "-rn", "true"], capture_output=True).returncode == 0:
        return [tool, "-rn"]
    return []


def test_main_flows_pass_with_the_network_blocked(tmp_path, repo_root, shared_data):
    files = [str(shared_data / "dem" / "pysheds_fort_worth_tx" / "dem.tif"),
             str(shared_data / "boundaries" / "nyc_boroughs_nybb" / "nybb_16a.zip")]
    env = dict(os.environ, PYTHONPATH=str(repo_root), NO_PROXY="*",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"))
    prefix = _namespace_prefix()
    done = subprocess.run([*prefix, sys.executable, str(repo_root / "tests" / "app" / "offline_flows.py"),
                           str(tmp_path / "out"), *files], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert result["attempts"] == [] and result["guard_refused"], result
    assert result["demo_opened"] and len(result["demo_layers"]) >= 3, result
    assert result["files_opened"] and result["errors"] == [], result
    assert result["render_bytes"] > 20_000 and result["view_exported"] and result["project_saved"]
    assert result["clock_mode"] == "replay" and result["replayed_s"] >= 60, result
    if prefix:  # in the namespace even C code could not have reached out; say so in the output
        print("ran inside a network namespace with only loopback")
