"""Rendering without a window, for ``citytwin render``."""

from __future__ import annotations

import os
from pathlib import Path

from viewer.core.project import Project


def load_for_render(paths: list[str], default_crs: str | None = None) -> tuple[Project, list[str]]:
    """A project with ``paths`` opened (no path: the demo district) and the error messages."""
    from viewer.commands.demo import demo_project_dir
    from viewer.commands.open_files import add_to_project, open_paths
    from viewer.commands.project_io import is_project_dir, load_project, replace_project_contents
    from viewer.readers.registry import ReadOptions

    project = Project()
    errors: list[str] = []
    if not paths:
        paths = [str(demo_project_dir())]
    files = []
    for path in paths:
        if is_project_dir(path):
            loaded = load_project(path)
            errors.extend(str(e) for e in getattr(loaded, "load_errors", []))
            replace_project_contents(project, loaded)
        else:
            files.append(path)
    if files:
        result = open_paths(files, project.crs, ReadOptions(default_crs=default_crs))
        errors.extend(str(e) for e in result.errors)
        errors.extend(f"{p}: the file has no CRS; give one with --crs" for p in result.missing_crs)
        add_to_project(project, result)
    return project, errors


def render_3d(project: Project, out: Path, size: tuple[int, int], view: str = "overview") -> Path:
    """Render the 3D scene off screen to ``out``."""
    from viewer.render.offscreen import render_project_png

    return render_project_png(project, out, size=size, view=view)


def render_2d(project: Project, out: Path, size: tuple[int, int]) -> Path:
    """Render the 2D map off screen to ``out`` (Qt's offscreen platform when no display)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from viewer.qt.qt_map2d import QtMap2D

    app = QApplication.instance() or QApplication([])
    widget = QtMap2D(project)
    widget.resize(*size)
    extent = project.extent2d or project.extent
    if extent:
        widget.zoom_to(extent)
    image = widget.render_to_image(*size)
    image.save(str(out))
    widget.deleteLater()
    app.processEvents()
    return out
