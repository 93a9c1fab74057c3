"""Model -> VTK/pyvista scene adapters: terrain, drapes, buildings, vectors, off-screen rendering.

No Qt here. Importing this package loads no VTK: :class:`Scene3D`, :func:`render_project_png`
and :func:`render_project_image` are imported on first access.
"""

from __future__ import annotations

from typing import Any

_LAZY = {"Scene3D": "viewer.render.scene",
         "render_project_png": "viewer.render.offscreen",
         "render_project_image": "viewer.render.offscreen",
         "register_adapter": "viewer.render.registry",
         "adapter_for": "viewer.render.registry"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'viewer.render' has no attribute {name!r}")
