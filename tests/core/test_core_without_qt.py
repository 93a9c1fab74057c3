"""The core runs with Qt, VTK and the GIS drivers absent: its tests pass in a Python that cannot
import them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

BLOCKED = ["PySide6", "shiboken6", "pyqtgraph", "pyvista", "pyvistaqt", "vtk", "vtkmodules",
           "rasterio", "pyogrio", "geopandas", "pyrosm"]


def test_core_tests_pass_without_qt_vtk_or_gis_drivers(tmp_path: Path, repo_root: Path):
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent(f"""
        import sys
        class _Block:
            blocked = {BLOCKED!r}
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in self.blocked:
                    raise ImportError(f"{{name}} is blocked for this test")
                return None
        sys.meta_path.insert(0, _Block())
    """))
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    env.pop("DISPLAY", None)
    probe = subprocess.run([sys.executable, "-c", "import PySide6"], env=env, capture_output=True)
    assert probe.returncode != 0, "the blocker did not block PySide6"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest-qt",
         "tests/core", "-k", "not without_qt"],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout
