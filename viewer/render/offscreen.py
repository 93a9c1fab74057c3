"""Headless rendering of a project: a PNG for reports, an image array for tests and benchmarks.

Multisampling is off: under a software OpenGL (Xvfb, CI, a server) it costs a lot for little.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from viewer.core.project import Project


def offscreen_plotter(size: tuple[int, int] = (1600, 900)) -> Any:
    """An off-screen pyvista Plotter of ``size`` (width, height) pixels without multisampling."""
    import pyvista as pv

    theme = pv.themes.Theme()
    theme.multi_samples = 0
    theme.window_size = [int(size[0]), int(size[1])]
    plotter = pv.Plotter(off_screen=True, window_size=[int(size[0]), int(size[1])], theme=theme)
    plotter.render_window.SetMultiSamples(0)
    return plotter


@contextmanager
def offscreen_scene(project: Project, size: tuple[int, int] = (1600, 900),
                    view: str | None = "overview") -> Iterator[Any]:
    """A :class:`~viewer.render.scene.Scene3D` of ``project`` on an off-screen plotter.

    The camera is ``view`` (``"overview"``, ``"street"``), or the project's saved camera when
    ``view`` is None (the overview when it has none). The scene and plotter are closed on exit.
    """
    from viewer.render.scene import Scene3D

    plotter = offscreen_plotter(size)
    scene = Scene3D(plotter, project)
    try:
        if view is not None:
            scene.set_view(view)
        elif project.camera:
            scene.set_camera_state(project.camera)
        yield scene
    finally:
        scene.close()
        plotter.close()


def snapshot(scene: Any) -> np.ndarray:
    """Render ``scene`` now and return its pixels, (height, width, 3) uint8, top row first."""
    plotter = scene.plotter
    plotter.render()
    image = plotter.screenshot(return_img=True)
    return np.ascontiguousarray(np.asarray(image)[..., :3], dtype=np.uint8)


def render_project_image(project: Project, size: tuple[int, int] = (1600, 900),
                         view: str | None = "overview") -> np.ndarray:
    """The project drawn in 3D as an (H, W, 3) uint8 array (see :func:`offscreen_scene`)."""
    with offscreen_scene(project, size, view) as scene:
        return snapshot(scene)


def render_project_png(project: Project, path: str | Path, size: tuple[int, int] = (1600, 900),
                       view: str | None = "overview") -> Path:
    """Write the project drawn in 3D to the PNG file ``path`` and return its path."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(render_project_image(project, size, view)).save(path)
    return path
