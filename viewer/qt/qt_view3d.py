"""The 3D view: a pyvistaqt interactor showing the project's :class:`Scene3D`, with a toolbar.

The scene itself (terrain, buildings, highlight) lives in :mod:`viewer.render.scene` and follows
the model; this widget only hosts it, turns a click into ``project.selection`` and offers the
camera presets and the vertical exaggeration.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, Signal, Slot
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QToolBar, QVBoxLayout, QWidget

from viewer.core.layers import Layer
from viewer.core.project import Project
from viewer.qt.model_links import unlink_all

# A press and release further apart than this (logical pixels) is a drag, not a click.
CLICK_TOLERANCE = 4


class QtCallSoon(QObject):
    """Runs functions posted from any thread on the thread this object lives in (the GUI thread).

    The scene's worker threads call the object with the function that attaches a prepared
    layer; a queued signal carries it to the Qt event loop, so the GUI thread never waits for
    the worker and VTK is only touched on the GUI thread.
    """

    posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.posted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def __call__(self, function: Callable[[], None]) -> None:
        self.posted.emit(function)

    @Slot(object)
    def _run(self, function: Callable[[], None]) -> None:
        function()


class QtView3D(QWidget):
    """Hosts the 3D scene of ``project``.

    Parameters
    ----------
    project
        The model drawn; clicks set ``project.selection``; the exaggeration is stored in
        ``project.settings.vertical_exaggeration``.

    Attributes
    ----------
    plotter
        The ``pyvistaqt.QtInteractor`` (a pyvista plotter and a QWidget).
    scene
        The :class:`viewer.render.scene.Scene3D` drawn into it.
    """

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pyvistaqt

        from viewer.render.scene import Scene3D

        self.project = project
        self._links: list[tuple[Any, Callable]] = []
        self._press: QPointF | None = None
        self._closed = False

        self.toolbar = QToolBar(self)
        self.overview_action = self.toolbar.addAction(self.tr("Overview"),
                                                      lambda: self.set_view("overview"))
        self.overview_action.setToolTip(self.tr("Look at the whole district from above"))
        self.street_action = self.toolbar.addAction(self.tr("Street"),
                                                    lambda: self.set_view("street"))
        self.street_action.setToolTip(self.tr("Look along a street at eye level"))
        self.reset_action = self.toolbar.addAction(self.tr("Reset"), self.reset_camera)
        self.reset_action.setToolTip(self.tr("Fit everything in view"))
        self.toolbar.addSeparator()
        self.toolbar.addWidget(QLabel(self.tr("Vertical exaggeration "), self))
        self.exaggeration_spin = QDoubleSpinBox(self)
        self.exaggeration_spin.setRange(1.0, 10.0)
        self.exaggeration_spin.setSingleStep(0.5)
        self.exaggeration_spin.setDecimals(1)
        self.exaggeration_spin.setSuffix(" ×")
        self.exaggeration_spin.setValue(self._stored_exaggeration())
        self.exaggeration_spin.valueChanged.connect(self.set_exaggeration)
        self.toolbar.addWidget(self.exaggeration_spin)

        self.plotter = pyvistaqt.QtInteractor(self, multi_samples=0, auto_update=False)
        # Files dropped on the 3D view go to the window (which opens them), not to pyvista.
        self.plotter.setAcceptDrops(False)
        self.plotter.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.plotter, 1)

        # Big layers are prepared in worker threads and attached through the event loop.
        self.call_soon = QtCallSoon(self)
        self.scene = Scene3D(self.plotter, project, call_soon=self.call_soon)
        if self.exaggeration_spin.value() != 1.0:
            self.scene.set_exaggeration(self.exaggeration_spin.value())
        self._link(project.events.settings, self._on_settings_replaced)
        self.destroyed.connect(partial(unlink_all, self._links))

    def _link(self, signal: Any, callback: Callable) -> None:
        signal.connect(callback)
        self._links.append((signal, callback))

    def _stored_exaggeration(self) -> float:
        value = float(getattr(self.project.settings, "vertical_exaggeration", 1.0) or 1.0)
        return min(max(value, 1.0), 10.0)

    def _on_settings_replaced(self, *_: Any) -> None:
        # A loaded project brings its own settings object: show (and apply) its exaggeration.
        self.exaggeration_spin.setValue(self._stored_exaggeration())

    # -- camera ----------------------------------------------------------------------------

    def set_view(self, name: str) -> None:
        """Camera preset ``"overview"`` or ``"street"``."""
        self.scene.set_view(name)
        self.plotter.render()

    def reset_camera(self) -> None:
        """Fit the whole scene in view."""
        self.scene.reset_camera()
        self.plotter.render()

    def zoom_to_layer(self, layer: Layer) -> None:
        """Frame ``layer``'s extent, keeping the viewing direction.

        The scene draws in world coordinates (project CRS, z scaled by the exaggeration), so the
        layer's extent is directly a box to frame; its height is the whole scene's.
        """
        if not layer.feature_count:
            return
        xmin, ymin, xmax, ymax = layer.extent
        bounds = self.plotter.renderer.ComputeVisiblePropBounds()
        zmin, zmax = (bounds[4], bounds[5]) if bounds[0] <= bounds[1] else (0.0, 0.0)
        self.plotter.renderer.reset_camera(render=False,
                                           bounds=(xmin, xmax, ymin, ymax, zmin, zmax))
        self.plotter.render()

    def camera_state(self) -> dict[str, Any]:
        """The camera as plain data (for the project file)."""
        return self.scene.camera_state()

    def set_camera_state(self, state: dict[str, Any]) -> None:
        """Restore a camera saved with :meth:`camera_state`."""
        if state:
            self.scene.set_camera_state(state)
            self.plotter.render()

    def set_exaggeration(self, value: float) -> None:
        """Stretch heights by ``value`` (1-10) and remember it in the project settings."""
        value = min(max(float(value), 1.0), 10.0)
        self.project.settings.vertical_exaggeration = value
        if self.exaggeration_spin.value() != value:
            self.exaggeration_spin.setValue(value)  # emits valueChanged -> back here once
            return
        self.scene.set_exaggeration(value)
        self.plotter.render()

    # -- picking ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self.plotter and not self._closed:
            kind = event.type()
            if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
                self._press = event.position()
            elif (kind == QEvent.Type.MouseButtonRelease
                  and event.button() == Qt.MouseButton.LeftButton and self._press is not None):
                moved = (event.position() - self._press).manhattanLength()
                self._press = None
                if moved <= CLICK_TOLERANCE:
                    self.pick_at(event.position())
        return False  # VTK still gets every event (rotate, pan, zoom)

    def display_position(self, pos: QPoint | QPointF) -> tuple[int, int]:
        """VTK display coordinates (device pixels, y up) of a widget position (logical, y down)."""
        ratio = self.plotter.devicePixelRatioF()
        return (int(round(pos.x() * ratio)),
                int(round((self.plotter.height() - pos.y() - 1) * ratio)))

    def widget_position(self, display_x: float, display_y: float) -> QPoint:
        """Inverse of :meth:`display_position`: where to click to hit a display pixel."""
        ratio = self.plotter.devicePixelRatioF()
        return QPoint(int(round(display_x / ratio)),
                      int(round(self.plotter.height() - 1 - display_y / ratio)))

    def pick_at(self, pos: QPoint | QPointF) -> tuple[str, int] | None:
        """Select the feature under widget position ``pos``; clicking on nothing clears."""
        hit = self.scene.pick(*self.display_position(pos))
        if hit is None:
            self.project.selection.clear()
            return None
        layer_id, index = hit
        self.project.selection.select(layer_id, int(index))
        return layer_id, int(index)

    # -- images and shutdown ---------------------------------------------------------------

    def screenshot(self) -> Any:
        """The image as an (h, w, 3) uint8 array, every layer in it.

        An export asks for the whole picture, so layers still being prepared are waited for
        (at most 60 s) and attached first; the interactive view never waits.
        """
        if self.scene.pending:
            self.scene.wait_until_ready(60.0)  # attaching them renders a new frame
        return self.plotter.screenshot(return_img=True)

    def shutdown(self) -> None:
        """Release the scene and the render window (idempotent)."""
        if self._closed:
            return
        self._closed = True
        unlink_all(self._links)
        self.plotter.removeEventFilter(self)
        try:
            self.scene.close()
        finally:
            self.plotter.close()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(event)
