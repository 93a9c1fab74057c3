"""Connections from Qt views to model (psygnal) signals, undone when the view goes away.

A view records each ``(signal, callback)`` it connects; when its C++ side is destroyed (or the
view shuts down) :func:`unlink_all` disconnects them, so the model never calls a dead widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Links = list[tuple[Any, Callable]]


def unlink_all(links: Links, *_: Any) -> None:
    """Disconnect every recorded connection and forget them (extra arguments are ignored, so
    this can be connected to ``QObject.destroyed`` with ``functools.partial``)."""
    for signal, callback in links:
        try:
            signal.disconnect(callback)
        except (ValueError, RuntimeError):
            pass
    links.clear()
