"""Which 3D adapter draws which kind of layer.

The scene looks an adapter up by ``layer.kind``; adding a layer kind means registering one adapter
class, never growing an ``isinstance`` chain. Built-in adapters are registered by dotted path and
imported on first use, so importing this module loads no VTK.
"""

from __future__ import annotations

import importlib
from typing import Any

_ADAPTERS: dict[str, Any] = {
    "raster": "viewer.render.vtk_raster:VtkRasterLayer",
    "buildings": "viewer.render.vtk_buildings:VtkBuildingsLayer",
    "vector": "viewer.render.vtk_vector:VtkVectorLayer",
    "sensors": "viewer.render.vtk_sensors:VtkSensorLayer",
    "water": "viewer.render.vtk_water:VtkWaterLayer",
}


def register_adapter(kind: str, adapter: type | str) -> None:
    """Draw layers whose ``kind`` is ``kind`` with ``adapter``.

    Parameters
    ----------
    kind
        The layer kind (``Layer.kind``).
    adapter
        A :class:`viewer.render.vtk_layer.VtkLayer` subclass, or its ``"module:Class"`` path to
        import on first use. Replaces any adapter registered for ``kind`` before.
    """
    _ADAPTERS[kind] = adapter


def adapter_for(kind: str) -> type | None:
    """The adapter class for layer kind ``kind``, or None when that kind is not drawn in 3D."""
    adapter = _ADAPTERS.get(kind)
    if isinstance(adapter, str):
        module_name, _, class_name = adapter.partition(":")
        adapter = getattr(importlib.import_module(module_name), class_name)
        _ADAPTERS[kind] = adapter
    return adapter


def registered_kinds() -> list[str]:
    """Layer kinds that have an adapter."""
    return sorted(_ADAPTERS)
