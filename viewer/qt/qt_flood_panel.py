"""The flood panel: pick a scenario, try a measure, run it off the GUI thread, read the results.

A run (and, when asked, the same event without measures) happens in a :class:`Worker` with
progress, ETA and cancel in the status bar. When it ends, its results go into the project as
layers: the water depth on the clock (a depth raster in 2D, a water surface in 3D), the maximum
depth and the arrival time; the buildings get per-building impact columns (shown by identify);
the clock is set to replay the run; the impacts table and chart compare baseline and measures.
A click on the map charts the depth over time there. The scenario is kept in
``project.scenarios`` and so saved with the project.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QPushButton, QTabWidget, QVBoxLayout, QWidget)

from viewer.core.progress import Progress
from viewer.core.project import Project
from viewer.qt.model_links import unlink_all
from viewer.qt.qt_flood_charts import QtBuildingChart, QtDepthChart, QtImpactTable
from viewer.qt.qt_flood_measures import QtMeasureList
from viewer.qt.qt_locale import error_text, number_text, value_text
from viewer.qt.qt_workers import Worker

REPLAY_SPEED = 120.0
"""Clock speed the results are replayed at (two simulated minutes a second)."""


@dataclass
class FloodOutcome:
    """What the worker hands back: the run with the chosen measures and, optionally, its baseline."""

    run: Any
    baseline: Any = None
    water: Any = None  # the run's water-depth layer, once it is in the project


def run_with_baseline(project: Project, scenario: Any, baseline: bool, progress: Progress) -> FloodOutcome:
    """Run ``scenario`` (and its event without measures first when ``baseline``); worker thread."""
    from viewer.commands.flood_run import run_flood

    if baseline and scenario.measures:
        base = run_flood(project, scenario.baseline(), progress.sub(0.0, 0.5))
        return FloodOutcome(run_flood(project, scenario, progress.sub(0.5, 1.0)), base)
    return FloodOutcome(run_flood(project, scenario, progress))


class QtFloodPanel(QWidget):
    """Scenario, measures, run and results of the what-if flood.

    Parameters
    ----------
    project
        The project run on; results are added to it.
    window
        The main window: starts workers (progress in its status bar), reports errors, gives the map.
    """

    def __init__(self, project: Project, window: Any) -> None:
        super().__init__(window)
        self.project, self.main_window = project, window  # not self.window: that is QWidget.window()
        self.outcome: FloodOutcome | None = None
        self.worker: Worker | None = None
        self.choices: dict[str, Any] = {}  # name -> scenario offered, made by refresh_scenarios
        self._links: list[tuple[Any, Any]] = []

        self.scenario_box = QComboBox(self)
        self.raise_banks = QCheckBox(self.tr("Raise river and canal banks to"), self)
        self.crest = QDoubleSpinBox(self)
        self.crest.setRange(0.5, 6.0)
        self.crest.setSingleStep(0.1)
        self.crest.setValue(2.6)
        self.crest.setSuffix(" m")
        self.measure_list = QtMeasureList(project, self)
        self.measure_list.failed.connect(lambda reason: self.status.setText(reason))
        self.compare = QCheckBox(self.tr("Also run without measures (baseline)"), self)
        self.compare.setChecked(True)
        self.run_button = QPushButton(self.tr("Run flood"), self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.status = QLabel(self.tr("Choose a scenario and run it."), self)
        self.status.setWordWrap(True)
        self.table = QtImpactTable(self)
        self.building_chart = QtBuildingChart(self)
        self.depth_chart = QtDepthChart(self)
        self.tabs = QTabWidget(self)
        impacts = QWidget(self)
        column = QVBoxLayout(impacts)
        column.addWidget(self.table, 3)
        column.addWidget(self.building_chart, 2)
        self.tabs.addTab(impacts, self.tr("Impacts"))
        self.tabs.addTab(self.depth_chart, self.tr("Depth at a point"))

        form = QFormLayout()
        form.addRow(self.tr("Scenario"), self.scenario_box)
        measure = QHBoxLayout()
        measure.addWidget(self.raise_banks)
        measure.addWidget(self.crest)
        form.addRow(self.tr("Measure"), measure)
        form.addRow(self.tr("More measures"), self.measure_list)
        form.addRow("", self.compare)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)

        self.run_button.clicked.connect(lambda *_: self.run_selected())
        self.cancel_button.clicked.connect(lambda *_: self.worker is not None and self.worker.cancel())
        window.map2d.clicked.connect(self.chart_point)
        for signal, slot in ((project.clock.events.time_ns, self._on_time),
                             (project.scenarios.events.inserted, self.refresh_scenarios),
                             (project.scenarios.events.removed, self.refresh_scenarios),
                             (project.scenarios.events.changed, self.refresh_scenarios)):
            signal.connect(slot)
            self._links.append((signal, slot))
        self.destroyed.connect(partial(unlink_all, self._links))
        self.refresh_scenarios()

    # -- scenarios ---------------------------------------------------------------------------
    def scenarios(self) -> list[Any]:
        """The project's saved scenarios, then the built-in ones it does not override."""
        from viewer.commands.flood_run import builtin_scenarios

        saved = list(self.project.scenarios)
        names = {s.name for s in saved}
        try:
            builtins = builtin_scenarios(self.project)
        except Exception:  # a project without the layers a built-in one needs
            builtins = []
        return saved + [s for s in builtins if s.name not in names]

    def refresh_scenarios(self, *_: Any) -> None:
        """Refill the scenario list, keeping the current choice."""
        current = self.scenario_box.currentText()
        self.choices = {scenario.name: scenario for scenario in self.scenarios()}
        self.scenario_box.clear()
        self.scenario_box.addItems(list(self.choices))
        index = self.scenario_box.findText(current)
        self.scenario_box.setCurrentIndex(max(index, 0))

    def chosen_scenario(self) -> Any:
        """The selected scenario with the measure the panel adds (None when there is none)."""
        from viewer.commands.flood_run import embankment_measure

        found = self.choices.get(self.scenario_box.currentText())
        if found is None:
            return None
        measures, name = list(found.measures), found.name
        if self.raise_banks.isChecked():
            crest = self.crest.value()
            measures.append(embankment_measure(self.project, crest_m=crest))
            name = self.tr("{scenario} + banks at {crest} m").format(scenario=name, crest=value_text(crest))
        added = [copy.deepcopy(m) for m in self.measure_list.enabled_measures()]
        if added:
            measures += added
            name = self.tr("{scenario} + {n} measure(s)").format(scenario=name, n=len(added))
        return found if name == found.name else found.with_measures(measures, name=name)

    # -- running -----------------------------------------------------------------------------
    def run_selected(self) -> Worker | None:
        """Run the chosen scenario in a worker; returns it (None when nothing can run)."""
        try:
            scenario = self.chosen_scenario()
        except ValueError as error:  # ScenarioError: e.g. no water layer for the embankment
            self.main_window.report_errors([error_text(error)])
            return None
        if scenario is None or (self.worker is not None and self.worker.is_running()):
            return None
        if scenario.event.start_ns is None:  # an open start: now on the clock
            import dataclasses

            scenario = dataclasses.replace(scenario, event=dataclasses.replace(
                scenario.event, start_ns=int(self.project.clock.time_ns)))
        self.worker = Worker(run_with_baseline, self.project, scenario, self.compare.isChecked(),
                             description=self.tr("Flood: {name}").format(name=scenario.name))
        self.worker.finished.connect(self.show_outcome)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(lambda: self.status.setText(self.tr("Run cancelled.")))
        self.worker.done.connect(self._ended)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(self.tr("Running {name}…").format(name=scenario.name))
        return self.main_window.start_worker(self.worker)

    def _ended(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _failed(self, message: str) -> None:
        self.status.setText(self.tr("The run failed: {reason}").format(reason=message))
        self.main_window.report_errors([message])

    # -- results -----------------------------------------------------------------------------
    def show_outcome(self, outcome: FloodOutcome) -> None:
        """Put a finished run's results into the project and the panel (GUI thread)."""
        from viewer.scenarios.impacts import with_impact_columns

        self.outcome = outcome
        run, project = outcome.run, self.project
        for layer in [lay for lay in project.layers if lay.source.get("kind") == "flood"]:
            project.layers.remove(layer)  # the previous run's results
        water = outcome.water = run.water_layer()
        for layer in run.result_layers():
            layer.visible = False  # maximum depth and arrival time: in the layer panel, off at first
            project.add_layer(layer)
        if water is not None:
            project.add_layer(water)
        buildings = run.inputs.layers.get("buildings")
        if run.impacts is not None and run.impacts.buildings is not None and buildings in project.layers:
            columns = [c for c in ("depth_m", "class", "damage") if c in run.impacts.buildings.columns]
            buildings.frame = with_impact_columns(buildings.frame, run.impacts.buildings, "flood_", columns)
        project.put_scenario(run.scenario)
        start, end = int(run.times_ns[0]), int(run.times_ns[-1])
        project.clock.replay(start, end, speed=REPLAY_SPEED)
        project.clock.jump(start)
        summary = run.summary()
        numbers = {"flooded_area_m2": summary["flooded_area_m2"], **summary.get("impacts", {})}
        base_numbers = None
        if outcome.baseline is not None:
            base = outcome.baseline.summary()
            base_numbers = {"flooded_area_m2": base["flooded_area_m2"], **base.get("impacts", {})}
        self.table.show_numbers(numbers, base_numbers)
        if "buildings_by_class" in numbers:
            self.building_chart.show_classes(numbers["buildings_by_class"],
                                             base_numbers.get("buildings_by_class") if base_numbers else None)
        self.status.setText(self.tr("{name}: maximum depth {depth} m, {area} ha flooded. Play the time bar "
                                    "to watch the water; click the map for the depth there.").format(
            name=run.scenario.name, depth=number_text(summary['max_depth_m'], 2),
            area=number_text(summary['flooded_area_m2'] / 1e4)))

    def chart_point(self, x: float, y: float) -> bool:
        """Chart the depth over time at map point (x, y) from the top water-depth layer (also one
        reopened with a project), with this session's baseline beside it; False when no water
        layer covers the point."""
        water = [lay for lay in self.project.layers if lay.kind == "water"]
        if not water:
            return False
        times, depth = water[-1].depth_series(x, y)
        if not len(times):
            return False
        baseline = None
        if self.outcome is not None and self.outcome.baseline is not None and water[-1] is self.outcome.water:
            baseline = self.outcome.baseline.depth_series_at(x, y)[1]
        self.depth_chart.show_series(times, depth, f"{number_text(x, 0)}; {number_text(y, 0)}", baseline)
        self.depth_chart.set_time(self.project.clock.time_ns)
        self.tabs.setCurrentWidget(self.depth_chart)
        return True

    def _on_time(self, t_ns: int) -> None:
        for layer in self.project.layers:
            if layer.kind == "water":
                layer.show_time(int(t_ns))
        self.depth_chart.set_time(int(t_ns))
