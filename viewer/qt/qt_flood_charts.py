"""What a flood run shows beside the map: the impacts table, the buildings-by-depth chart, and the
depth over time at a clicked point (with a cursor at the clock's time)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem

from viewer.core.clock import NS
from viewer.qt.pg_menus import drop_pyqtgraph_menus

translate = QCoreApplication.translate

BASELINE_COLOR, MEASURES_COLOR = "#868e96", "#1971c2"


def impact_metrics() -> list[tuple[str, str]]:
    """(summary key, label) of the rows the impacts table shows."""
    return [("flooded_area_m2", translate("QtFloodCharts", "Flooded area (ha)")),
            ("buildings_affected", translate("QtFloodCharts", "Buildings flooded")),
            ("residents_affected", translate("QtFloodCharts", "Residents affected")),
            ("damage_total", translate("QtFloodCharts", "Damage (million VND)")),
            ("roads_cut", translate("QtFloodCharts", "Roads impassable")),
            ("road_length_impassable_m", translate("QtFloodCharts", "Impassable road length (km)")),
            ("facilities_affected", translate("QtFloodCharts", "Critical facilities flooded")),
            ("facilities_cut_off", translate("QtFloodCharts", "Critical facilities cut off"))]


def _shown(key: str, value: Any) -> float:
    value = float(value)
    return {"flooded_area_m2": value / 1e4, "damage_total": value / 1e6,
            "road_length_impassable_m": value / 1e3}.get(key, value)


class QtImpactTable(QTableWidget):
    """Impact numbers of a run, and of its baseline beside it when there is one."""

    def show_numbers(self, measures: dict[str, Any], baseline: dict[str, Any] | None = None) -> None:
        """Fill the table from two summaries (``baseline`` None: one column)."""
        locale = QLocale()
        heads = [translate("QtFloodCharts", "Impact"),
                 translate("QtFloodCharts", "With measures") if baseline else translate("QtFloodCharts", "Scenario")]
        if baseline:
            heads[1:1] = [translate("QtFloodCharts", "Baseline")]
            heads.append(translate("QtFloodCharts", "Change"))
        rows = [(key, label) for key, label in impact_metrics() if key in measures]
        self.setColumnCount(len(heads))
        self.setHorizontalHeaderLabels(heads)
        self.setRowCount(len(rows))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, (key, label) in enumerate(rows):
            values = [_shown(key, measures[key])]
            if baseline:
                values = [_shown(key, baseline.get(key, 0.0)), values[0]]
                values.append(values[1] - values[0])
            self.setItem(r, 0, QTableWidgetItem(label))
            for c, value in enumerate(values, start=1):
                digits = 0 if float(value).is_integer() or abs(value) >= 100 else 1
                text = locale.toString(float(value), "f", digits)
                if baseline and c == len(values) and value > 0:
                    text = "+" + text
                self.setItem(r, c, QTableWidgetItem(text))
        self.resizeColumnsToContents()


class QtBuildingChart(pg.PlotWidget):
    """Buildings per depth class, baseline and with-measures bars side by side."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent, background="w")
        drop_pyqtgraph_menus(self)
        self.setMinimumHeight(160)
        self.getPlotItem().setLabel("left", translate("QtFloodCharts", "Buildings"))
        self.getPlotItem().showGrid(y=True, alpha=0.3)
        self.bars: dict[str, list[float]] = {}

    def show_classes(self, measures: dict[str, int], baseline: dict[str, int] | None = None) -> None:
        """Bars from ``buildings_by_class`` dicts (class label -> count)."""
        plot = self.getPlotItem()
        plot.clear()
        labels = list(measures)
        x = np.arange(len(labels), dtype=float)
        self.bars = {"measures": [float(measures[k]) for k in labels]}
        width = 0.38 if baseline else 0.7
        if baseline:
            self.bars["baseline"] = [float(baseline.get(k, 0)) for k in labels]
            plot.addItem(pg.BarGraphItem(x=x - width / 2, height=self.bars["baseline"], width=width,
                                         brush=BASELINE_COLOR,
                                         name=translate("QtFloodCharts", "Baseline")))
        plot.addItem(pg.BarGraphItem(x=x + (width / 2 if baseline else 0.0), height=self.bars["measures"],
                                     width=width, brush=MEASURES_COLOR))
        plot.getAxis("bottom").setTicks([list(zip(x, labels))])
        title = translate("QtFloodCharts", "Buildings by flood depth")
        if baseline:
            title += translate("QtFloodCharts", " (grey: baseline)")
        plot.setTitle(title)


class QtDepthChart(pg.PlotWidget):
    """Depth over time at one point, with a cursor at the clock's time (hours from the start)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent, background="w")
        drop_pyqtgraph_menus(self)
        self.setMinimumHeight(150)
        plot = self.getPlotItem()
        plot.setLabel("left", translate("QtFloodCharts", "Depth (m)"))
        plot.setLabel("bottom", translate("QtFloodCharts", "Hours from the start"))
        plot.showGrid(x=True, y=True, alpha=0.3)
        self.curve = plot.plot(pen=pg.mkPen(MEASURES_COLOR, width=2))
        self.baseline_curve = plot.plot(pen=pg.mkPen(BASELINE_COLOR, width=1.5,
                                                     style=pg.QtCore.Qt.PenStyle.DashLine))
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#212529"))
        plot.addItem(self.cursor)
        self.start_ns = 0

    def show_series(self, times_ns: np.ndarray, depth: np.ndarray, where: str,
                    baseline: np.ndarray | None = None) -> None:
        """Plot ``depth`` (m) at ``times_ns``; ``baseline`` is the same point without measures."""
        self.start_ns = int(times_ns[0]) if len(times_ns) else 0
        hours = (np.asarray(times_ns, dtype=np.int64) - self.start_ns) / (3600 * NS)
        self.curve.setData(hours, np.asarray(depth, dtype=float))
        if baseline is not None and len(baseline) == len(hours):
            self.baseline_curve.setData(hours, np.asarray(baseline, dtype=float))
        else:
            self.baseline_curve.setData([], [])
        self.getPlotItem().setTitle(translate("QtFloodCharts", "Depth at {where}").format(where=where))

    def set_time(self, t_ns: int) -> None:
        """Move the cursor to clock time ``t_ns``."""
        self.cursor.setValue((int(t_ns) - self.start_ns) / (3600 * NS))
