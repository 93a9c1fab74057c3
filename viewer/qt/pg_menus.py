"""pyqtgraph's own right-click menus, taken out of the app's plots and map."""

from __future__ import annotations

from typing import Any


def drop_pyqtgraph_menus(view: Any) -> None:
    """Remove pyqtgraph's own right-click menus from ``view`` ("Export...", "View All", the plot
    options): they are English only, and the app has its own export."""
    scene = view.scene()
    for action in scene.contextMenu:
        action.setParent(None)  # no Python reference left: deleted
    scene.contextMenu = []
    if hasattr(view, "getPlotItem"):
        view.getPlotItem().setMenuEnabled(False)

