"""The import rule of DESIGN.md, checked by import-linter against pyproject.toml's contracts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_import_contracts_are_kept(repo_root: Path):
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache"], cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_importing_the_package_loads_no_heavy_library():
    code = ("import sys, viewer, viewer.core, viewer.commands.open_files, viewer.app.cli;"
            "heavy = [m for m in ('PySide6','pyvista','vtk','geopandas','rasterio','pyogrio','pyrosm','scipy')"
            " if m in sys.modules]; print(heavy)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
