"""The main window: the 2D map and the 3D view side by side, the layer and attribute docks,
the menus, drag and drop, and the status bar.

Every file operation is a command from :mod:`viewer.commands` run in a :class:`Worker`; the
window only starts it, shows its progress and applies its result to the project on the GUI
thread, where the views pick the change up from the model's events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import (QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent,
                           QImage, QKeySequence, QPainter)
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QSplitter, QToolBar, QWidget)

from viewer.commands.open_files import OpenResult, add_to_project, open_paths
from viewer.commands.project_io import (is_project_dir, load_project, replace_project_contents,
                                        save_project)
from viewer.core.layers import Layer
from viewer.core.project import Project
from viewer.qt.qt_alarm_list import QtAlarmList
from viewer.qt.qt_attribute_panel import QtAttributePanel, vietnamese_font
from viewer.qt.qt_depth_legend import QtDepthLegend
from viewer.qt.qt_feature_search import QtFeatureSearch
from viewer.qt.qt_flood_panel import QtFloodPanel
from viewer.qt.qt_layer_panel import QtLayerPanel
from viewer.qt.qt_locale import error_text, number_text
from viewer.qt.qt_map2d import QtMap2D
from viewer.qt.qt_progress import QtProgressWidget
from viewer.qt.qt_sensor_chart import QtSensorChart
from viewer.qt.qt_sensor_diagnostics import QtSensorDiagnostics
from viewer.qt.qt_sensor_dialogs import QtSensorMenu
from viewer.qt.qt_sensor_pump import QtSensorPump
from viewer.qt.qt_time_bar import QtTimeBar
from viewer.qt.qt_view3d import QtView3D
from viewer.qt.qt_workers import Worker
from viewer.qt.model_links import unlink_all

log = logging.getLogger(__name__)

APP_NAME = "CityTwin"
# Seconds the window waits, on close, for cancelled workers to stop.
CLOSE_WAIT_S = 10.0


def format_coordinates(x: float, y: float, crs: str, lon: float, lat: float) -> str:
    """Status-bar text for a map position: project coordinates, then latitude/longitude."""
    if lat >= 0:
        ns = QCoreApplication.translate("QtMainWindow", "N", "north")
    else:
        ns = QCoreApplication.translate("QtMainWindow", "S", "south")
    if lon >= 0:
        ew = QCoreApplication.translate("QtMainWindow", "E", "east")
    else:
        ew = QCoreApplication.translate("QtMainWindow", "W", "west")
    return (f"{number_text(x)}  {number_text(y)}  ({crs or '?'})    "
            f"{number_text(abs(lat), 5)}° {ns}  {number_text(abs(lon), 5)}° {ew}")


def readable_files_in(folder: Path) -> list[Path]:
    """The files directly in ``folder`` whose names a registered reader takes (sorted)."""
    from viewer.readers.registry import readers

    specs = readers()
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and not path.name.startswith(".")
                  and any(spec.matches(path) for spec in specs))




class QtMainWindow(QMainWindow):
    """The application window for ``project``.

    Parameters
    ----------
    project
        The live project; every view in the window follows it.

    Attributes
    ----------
    map2d, view3d, layer_panel, attribute_panel, progress_widget
        The parts, for the app and the tests.
    time_bar, sensor_chart, alarm_list, diagnostics_panel, sensor_pump, sensor_menu
        The sensor parts: the clock's controls (bottom), the chart, alarm and diagnostics docks,
        the timer that drains live sources and moves the clock, and the Sensors menu.
    error_box
        The last non-modal message listing files that could not be opened, or None.
    crs_dialog
        The open "which CRS?" dialog, or None.
    """

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._links: list[tuple[Any, Callable]] = []
        self._workers: list[Worker] = []
        self._closed = False
        self.error_box: QMessageBox | None = None
        self._error_lines: list[str] = []
        self.crs_dialog: QWidget | None = None
        # Layer names, attributes and place names are Vietnamese: every child inherits this.
        self.setFont(vietnamese_font(self.font()))

        self.map2d = QtMap2D(project, self)
        self.view3d = QtView3D(project, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.map2d)
        self.splitter.addWidget(self.view3d)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self.layer_panel = QtLayerPanel(project, self)
        self.layer_dock = self._dock(self.tr("Layers"), self.layer_panel,
                                     Qt.DockWidgetArea.LeftDockWidgetArea)
        self.attribute_panel = QtAttributePanel(project, self)
        self.attribute_dock = self._dock(self.tr("Attributes"), self.attribute_panel,
                                         Qt.DockWidgetArea.RightDockWidgetArea)

        self._build_sensor_parts()
        self.flood_panel = QtFloodPanel(project, self)
        self.flood_dock = self._dock(self.tr("Flood scenarios"), self.flood_panel,
                                     Qt.DockWidgetArea.RightDockWidgetArea)
        self.flood_dock.setObjectName("Flood")
        self.tabifyDockWidget(self.attribute_dock, self.flood_dock)
        self.attribute_dock.raise_()
        self.depth_legend = QtDepthLegend(project, self.map2d)
        self.search_box = QtFeatureSearch(project, self)
        self.search_box.chosen.connect(self.go_to_match)
        self.search_toolbar = QToolBar(self.tr("Search"), self)
        self.search_toolbar.setObjectName("Search")
        self.search_toolbar.addWidget(self.search_box)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.search_toolbar)

        self.coordinates_label = QLabel(self)
        self.progress_widget = QtProgressWidget(self)
        self.statusBar().addWidget(self.coordinates_label, 1)
        self.statusBar().addPermanentWidget(self.progress_widget)

        self._build_menus()
        self.setAcceptDrops(True)
        self.map2d.cursor_moved.connect(self._on_cursor_moved)
        self.layer_panel.zoom_requested.connect(self.zoom_to_layer)
        for signal in (project.events.name, project.events.synthetic):
            signal.connect(self._update_title)
            self._links.append((signal, self._update_title))
        self.destroyed.connect(partial(unlink_all, self._links))
        self._update_title()
        self.resize(1400, 850)
        self.sensor_pump.start()

    def _build_sensor_parts(self) -> None:
        project = self.project
        self.sensor_pump = QtSensorPump(project, parent=self)
        self.time_bar = QtTimeBar(project.clock, self, replay_range=project.observations.time_range)
        self.time_toolbar = QToolBar(self.tr("Time"), self)
        self.time_toolbar.setObjectName("Time")
        self.time_toolbar.setMovable(False)
        self.time_toolbar.addWidget(self.time_bar)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.time_toolbar)
        self.sensor_chart = QtSensorChart(project, self)
        self.chart_dock = self._dock(self.tr("Sensor chart"), self.sensor_chart,
                                     Qt.DockWidgetArea.BottomDockWidgetArea)
        self.chart_dock.hide()  # shown when a station is selected
        self.sensor_chart.station_shown.connect(self._show_chart)
        self.alarm_list = QtAlarmList(project, self)
        self.alarm_dock = self._dock(self.alarm_list.title(), self.alarm_list,
                                     Qt.DockWidgetArea.RightDockWidgetArea)
        self.alarm_dock.setObjectName("Alarms")
        self.alarm_list.title_changed.connect(self.alarm_dock.setWindowTitle)
        self.diagnostics_panel = QtSensorDiagnostics(lambda: self.sensor_pump.diagnostics, self)
        self.diagnostics_dock = self._dock(self.tr("Sensor diagnostics"), self.diagnostics_panel,
                                           Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.alarm_dock, self.diagnostics_dock)
        self.diagnostics_dock.hide()
        self.sensor_menu = QtSensorMenu(self, self.sensor_pump)

    def _show_chart(self, *_: Any) -> None:
        self.chart_dock.show()
        self.chart_dock.raise_()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # -- menus -----------------------------------------------------------------------------

    def _action(self, menu: Any, text: str, slot: Callable, shortcut: Any = None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda *_: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self._action(file_menu, self.tr("&Open…"), self.open_dialog, QKeySequence.StandardKey.Open)
        self._action(file_menu, self.tr("Open &Project…"), self.open_project_dialog)
        file_menu.addSeparator()
        self._action(file_menu, self.tr("&Save Project"), self.save_project,
                     QKeySequence.StandardKey.Save)
        self._action(file_menu, self.tr("Save Project &As…"), self.save_project_as,
                     QKeySequence.StandardKey.SaveAs)
        self._action(file_menu, self.tr("&Export view as image…"), self.export_view_dialog)
        file_menu.addSeparator()
        self._action(file_menu, self.tr("P&references…"), self.show_preferences,
                     QKeySequence.StandardKey.Preferences)
        file_menu.addSeparator()
        self._action(file_menu, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)

        view_menu = bar.addMenu(self.tr("&View"))
        group = QActionGroup(self)
        self.view_mode_actions: dict[str, QAction] = {}
        for mode, text in (("2d", self.tr("2D map")), ("3d", self.tr("3D view")),
                           ("both", self.tr("2D and 3D side by side"))):
            action = self._action(view_menu, text, partial(self.set_view_mode, mode))
            action.setCheckable(True)
            group.addAction(action)
            self.view_mode_actions[mode] = action
        self.view_mode_actions["both"].setChecked(True)
        view_menu.addSeparator()
        view_menu.addAction(self.layer_dock.toggleViewAction())
        view_menu.addAction(self.attribute_dock.toggleViewAction())
        view_menu.addSeparator()
        for dock, text in ((self.chart_dock, self.tr("Sensor chart")), (self.alarm_dock, self.tr("Alarms")),
                           (self.diagnostics_dock, self.tr("Sensor diagnostics"))):
            action = dock.toggleViewAction()
            action.setText(text)  # the alarm dock's title carries a count
            view_menu.addAction(action)
        time_action = self.time_toolbar.toggleViewAction()
        time_action.setText(self.tr("Time bar"))
        view_menu.addAction(time_action)

        bar.addMenu(self.sensor_menu)
        scenario_menu = bar.addMenu(self.tr("Sc&enarios"))
        self._action(scenario_menu, self.tr("&Flood…"), self.show_flood_panel)
        help_menu = bar.addMenu(self.tr("&Help"))
        self._action(help_menu, self.tr("&About CityTwin"), self.show_about)

    def show_flood_panel(self) -> None:
        """Show and raise the flood panel."""
        self.flood_dock.show()
        self.flood_dock.raise_()

    def set_view_mode(self, mode: str) -> None:
        """Show the 2D map (``"2d"``), the 3D view (``"3d"``) or both (``"both"``)."""
        self.map2d.setVisible(mode in ("2d", "both"))
        self.view3d.setVisible(mode in ("3d", "both"))
        self.view_mode_actions[mode].setChecked(True)

    def _update_title(self, *_: Any) -> None:
        title = self.project.name or self.tr("Untitled")
        if self.project.synthetic:
            title = self.tr("{name} (synthetic demo)").format(name=title)
        self.setWindowTitle(f"{title} — {APP_NAME}")

    def show_preferences(self) -> QWidget:
        """Open the Preferences dialog (non-blocking)."""
        from viewer.qt.qt_preferences import QtPreferencesDialog

        dialog = QtPreferencesDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_about(self) -> QWidget:
        """Open the About box (non-blocking)."""
        from viewer.qt.qt_about import QtAboutDialog

        dialog = QtAboutDialog(self.project, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- views -----------------------------------------------------------------------------

    def _on_cursor_moved(self, x: float, y: float) -> None:
        try:
            lon, lat = self.map2d.lonlat(x, y)
        except Exception:  # no CRS yet, or outside PROJ's area: show the plain coordinates
            self.coordinates_label.setText(f"{number_text(x)}  {number_text(y)}")
            return
        self.coordinates_label.setText(format_coordinates(x, y, self.project.crs, lon, lat))

    def go_to_match(self, match: Any) -> None:
        """Frame a search result on the map (with room around it: a point gets 200 m)."""
        x0, y0, x1, y1 = match.bounds
        pad = max(100.0, 0.5 * max(x1 - x0, y1 - y0))
        self.map2d.zoom_to((x0 - pad, y0 - pad, x1 + pad, y1 + pad))

    def zoom_to_layer(self, layer: Layer) -> None:
        """Frame ``layer`` in both views."""
        self.map2d.zoom_to_layer(layer)
        self.view3d.zoom_to_layer(layer)

    def zoom_to_project(self) -> None:
        """Frame everything in both views."""
        if self.project.extent is not None:
            self.map2d.zoom_to(self.project.extent)
        self.view3d.reset_camera()

    # -- workers ---------------------------------------------------------------------------

    def start_worker(self, worker: Worker) -> Worker:
        """Start ``worker`` with its progress in the status bar; tracked until it ends."""
        self._workers.append(worker)
        worker.done.connect(partial(self._forget_worker, worker))
        worker.cancelled.connect(lambda: self.statusBar().showMessage(
            self.tr("{what}: cancelled").format(what=worker.description), 5000))
        self.progress_widget.bind(worker)
        return worker.start()

    def _forget_worker(self, worker: Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)

    @property
    def workers(self) -> list[Worker]:
        """Workers this window started that have not ended."""
        return list(self._workers)

    # -- opening files ---------------------------------------------------------------------

    def open_dialog(self) -> None:
        """Ask for files and open them."""
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Open data"), "",
                                                self._file_filter())
        if paths:
            self.open_paths(paths)

    def _file_filter(self) -> str:
        from viewer.readers.registry import readers

        patterns = sorted({p for spec in readers() for p in spec.patterns})
        return self.tr("Data files ({patterns});;All files (*)").format(patterns=" ".join(patterns))

    def open_paths(self, paths: Iterable[str | Path], default_crs: str | None = None) -> None:
        """Open files and folders; a folder holding a project manifest opens as the project,
        any other folder opens the files in it that a reader takes.

        Files open after the project (if any) has loaded, so they are added to it.
        """
        paths = [Path(p) for p in paths]
        projects = [p for p in paths if is_project_dir(p)]
        files: list[Path] = []
        for path in paths:
            if path.is_dir() and path not in projects:
                files += readable_files_in(path)
            elif path not in projects:
                files.append(path)
        if len(projects) > 1:
            self.report_errors([self.tr("{name}: only one project can be open at a time")
                                .format(name=p.name) for p in projects[1:]])
        if projects:
            then = partial(self.open_paths, files, default_crs) if files else None
            self.open_project(projects[0], then=then)
        elif files:
            self._start_open(files, default_crs)

    def _start_open(self, files: list[Path], default_crs: str | None) -> Worker:
        from viewer.readers.registry import ReadOptions

        settings = self.project.settings
        options = ReadOptions(default_crs=default_crs or settings.default_crs,
                              storey_height=settings.storey_height,
                              default_height=settings.default_height)
        text = self.tr("Opening {name}…").format(name=files[0].name) if len(files) == 1 else \
            self.tr("Opening {n} files…").format(n=len(files))
        worker = Worker(open_paths, files, project_crs=self.project.crs, options=options,
                        description=text)
        worker.finished.connect(self._on_opened)
        worker.failed.connect(lambda message: self.report_errors([message]))
        return self.start_worker(worker)

    def _on_opened(self, result: OpenResult) -> None:
        was_empty = len(self.project.layers) == 0
        add_to_project(self.project, result)
        if was_empty and result.layers:
            self.zoom_to_project()
        if result.errors:
            self.report_errors([error_text(error) for error in result.errors])
        if result.missing_crs:
            self.ask_crs(result.missing_crs)
        if result.layers:
            self.statusBar().showMessage(self.tr("Opened {n} layers").format(n=len(result.layers)),
                                         5000)

    def ask_crs(self, paths: list[str]) -> QWidget:
        """Ask which CRS ``paths`` are in (non-blocking); on OK they open with it."""
        from viewer.qt.qt_crs_dialog import QtCrsDialog

        names = ", ".join(Path(p).name for p in paths)
        dialog = QtCrsDialog(names, self.project.crs, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._start_open([Path(p) for p in paths], dialog.crs()))
        dialog.finished.connect(lambda *_: setattr(self, "crs_dialog", None))
        self.crs_dialog = dialog
        dialog.open()
        return dialog

    def report_errors(self, messages: list[str]) -> QMessageBox:
        """List ``messages`` ("file: reason") in one non-modal box; what loaded stays loaded."""
        box = self.error_box
        if box is not None and box.isVisible():
            self._error_lines += list(messages)
        else:
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Some files could not be opened"),
                              "", QMessageBox.StandardButton.Close, self)
            box.setModal(False)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.destroyed.connect(lambda *_: setattr(self, "error_box", None))
            self.error_box = box
            self._error_lines = list(messages)
        box.setText(self.tr("These could not be opened (everything else is loaded):") + "\n\n"
                    + "\n".join(f"• {line}" for line in self._error_lines))
        box.show()
        return box

    # -- projects --------------------------------------------------------------------------

    def open_project_dialog(self) -> None:
        """Ask for a project folder and open it."""
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open project folder"))
        if folder:
            self.open_project(folder)

    def open_project(self, folder: str | Path, then: Callable[[], None] | None = None) -> Worker:
        """Read the project in ``folder`` off-thread, then show it in this window."""
        worker = Worker(load_project, Path(folder),
                        description=self.tr("Opening project {name}…").format(name=Path(folder).name))
        worker.finished.connect(partial(self._on_project_loaded, then))
        worker.failed.connect(lambda message: self.report_errors([message]))
        return self.start_worker(worker)

    def _on_project_loaded(self, then: Callable[[], None] | None, loaded: Project) -> None:
        replace_project_contents(self.project, loaded)
        if self.project.extent2d:
            self.map2d.zoom_to(self.project.extent2d)
        elif self.project.extent is not None:
            self.map2d.zoom_to(self.project.extent)
        if self.project.camera:
            self.view3d.set_camera_state(self.project.camera)
        else:
            self.view3d.reset_camera()
        errors = getattr(loaded, "load_errors", [])
        if errors:
            self.report_errors([error_text(error) for error in errors])
        if then is not None:
            then()

    def save_project(self) -> Worker | None:
        """Save to the project's folder (asking for one the first time)."""
        if not self.project.path:
            return self.save_project_as()
        return self.save_project_to(self.project.path)

    def save_project_as(self) -> Worker | None:
        """Ask for a folder and save the project there."""
        folder = QFileDialog.getExistingDirectory(self, self.tr("Save project in folder"))
        return self.save_project_to(folder) if folder else None

    def save_project_to(self, folder: str | Path) -> Worker:
        """Save the project, with the current 2D extent and 3D camera, into ``folder``."""
        self.project.camera = self.view3d.camera_state()
        extent = self.map2d.view_extent()
        self.project.extent2d = tuple(float(v) for v in extent) if extent else None
        worker = Worker(save_project, self.project, Path(folder),
                        description=self.tr("Saving project…"))
        worker.finished.connect(lambda path: self._saved(Path(folder), path))
        worker.failed.connect(lambda message: self.report_errors([message]))
        return self.start_worker(worker)

    def _saved(self, folder: Path, manifest: Path) -> None:
        self.project.path = str(folder)
        self.statusBar().showMessage(self.tr("Saved {path}").format(path=manifest), 5000)

    # -- image export ----------------------------------------------------------------------

    def export_view_dialog(self) -> None:
        """Ask for a file name and export the visible views as one image."""
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export view as image"), "view.png",
                                              self.tr("Images (*.png *.jpg)"))
        if path:
            self.export_view_image(path)

    def view_image(self) -> QImage:
        """The visible views side by side, at their on-screen size."""
        parts: list[QImage] = []
        if self.map2d.isVisible():
            parts.append(self.map2d.render_to_image(max(self.map2d.width(), 1),
                                                    max(self.map2d.height(), 1)))
        if self.view3d.isVisible():
            pixels = self.view3d.screenshot()
            height, width = pixels.shape[:2]
            image = QImage(pixels.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888)
            parts.append(image.copy())
        width = sum(p.width() for p in parts) or 1
        height = max((p.height() for p in parts), default=1)
        out = QImage(width, height, QImage.Format.Format_RGB32)
        out.fill(Qt.GlobalColor.white)
        painter = QPainter(out)
        x = 0
        for part in parts:
            painter.drawImage(x, 0, part)
            x += part.width()
        painter.end()
        return out

    def export_view_image(self, path: str | Path) -> bool:
        """Write :meth:`view_image` to ``path``; False (and a message) if it failed."""
        ok = self.view_image().save(str(path))
        if not ok:
            self.report_errors([self.tr("{name}: the image could not be written")
                                .format(name=Path(path).name)])
        return ok

    # -- drag and drop ---------------------------------------------------------------------

    @staticmethod
    def _dropped_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt name)
        if self._dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt name)
        paths = self._dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # -- closing ---------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if not self._closed:
            self._closed = True
            for worker in list(self._workers):
                worker.cancel()
            for worker in list(self._workers):
                if not worker.wait(CLOSE_WAIT_S):
                    log.warning("worker %r did not stop within %s s", worker.description,
                                CLOSE_WAIT_S)
            self.sensor_menu.shutdown()
            unlink_all(self._links)
            self.view3d.shutdown()
        super().closeEvent(event)
