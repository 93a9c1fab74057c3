"""Text labels at 3D points, kept cheap: at most a few hundred, placed without overlap by VTK."""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_LABELS = 200
"""Most labels one layer shows; beyond this the labels are thinned evenly."""


def label_font() -> str | None:
    """A TrueType font with Vietnamese glyphs (VTK's built-in Arial drops ư, ơ, ễ ...).

    DejaVu Sans ships with matplotlib (a pyvista dependency) on every platform; Linux systems
    usually have it too. None when neither is found (VTK's own font is used).
    """
    import importlib.util
    from pathlib import Path

    candidates = []
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.submodule_search_locations:
        fonts = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
        candidates.append(fonts / "DejaVuSans-Bold.ttf")
    candidates.append(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"))
    return next((str(path) for path in candidates if path.is_file()), None)


def choose_labels(texts: list[str], priority: np.ndarray | None = None, limit: int = MAX_LABELS) -> np.ndarray:
    """Indices of the labels worth showing: non-empty, each text once (where its ``priority`` is
    highest), at most ``limit`` of them, highest priority first."""
    priority = np.zeros(len(texts)) if priority is None else np.nan_to_num(np.asarray(priority, dtype=float))
    seen: set[str] = set()
    keep: list[int] = []
    for i in np.argsort(-priority, kind="stable"):
        text = texts[i]
        if text and text not in seen:
            seen.add(text)
            keep.append(int(i))
            if len(keep) == limit:
                break
    return np.asarray(keep, dtype=np.int64)


class LabelSet:
    """Labels ``texts`` at world ``points`` drawn by a VTK label placement mapper.

    Parameters
    ----------
    points
        (N, 3) world coordinates (z not exaggerated).
    texts
        N label strings; empty ones are left out, and a text repeated (a street cut into many
        segments) is shown once, where its priority is highest.
    priority
        N numbers, higher placed first (feature length or area): where labels would overlap
        the more important one is shown. None: all equal.
    color
        Text colour as (r, g, b) in 0..255.

    Attributes
    ----------
    actor
        The vtkActor2D to add to the renderer.
    """

    def __init__(self, points: np.ndarray, texts: list[str], priority: np.ndarray | None = None,
                 color: tuple[int, int, int] = (20, 24, 28)) -> None:
        from vtkmodules.vtkCommonCore import vtkDoubleArray, vtkPoints, vtkStringArray
        from vtkmodules.vtkCommonDataModel import vtkPolyData
        from vtkmodules.vtkRenderingCore import vtkActor2D
        from vtkmodules.vtkRenderingLabel import vtkLabelPlacementMapper, vtkPointSetToLabelHierarchy

        priority = np.zeros(len(texts)) if priority is None else np.nan_to_num(np.asarray(priority, dtype=float))
        keep = choose_labels(texts, priority)
        self.points = np.asarray(points, dtype=np.float64).reshape(-1, 3)[keep]
        self._vtk_points = vtkPoints()
        self._vtk_points.SetDataTypeToDouble()
        self._polydata = vtkPolyData()
        self._polydata.SetPoints(self._vtk_points)
        strings = vtkStringArray()
        strings.SetName("label")
        for i in keep:
            strings.InsertNextValue(str(texts[i]))
        self._polydata.GetPointData().AddArray(strings)
        rank = vtkDoubleArray()
        rank.SetName("priority")
        for i in keep:
            rank.InsertNextValue(float(priority[i]))
        self._polydata.GetPointData().AddArray(rank)
        self.set_exaggeration(1.0)

        hierarchy = vtkPointSetToLabelHierarchy()
        hierarchy.SetInputData(self._polydata)
        hierarchy.SetLabelArrayName("label")
        hierarchy.SetPriorityArrayName("priority")
        text = hierarchy.GetTextProperty()
        font = label_font()
        if font is not None:
            text.SetFontFamilyAsString("File")
            text.SetFontFile(font)
        text.SetFontSize(13)
        text.SetColor(*(c / 255.0 for c in color))
        text.SetBold(True)
        text.SetJustificationToCentered()
        text.SetBackgroundColor(1.0, 1.0, 1.0)
        text.SetBackgroundOpacity(0.6)
        mapper = vtkLabelPlacementMapper()
        mapper.SetInputConnection(hierarchy.GetOutputPort())
        mapper.SetPlaceAllLabels(False)
        self.actor: Any = vtkActor2D()
        self.actor.SetMapper(mapper)

    def set_exaggeration(self, factor: float) -> None:
        """Move the label anchors to the exaggerated heights."""
        from vtkmodules.util.numpy_support import numpy_to_vtk

        scaled = self.points * np.array([1.0, 1.0, float(factor)])
        self._vtk_points.SetData(numpy_to_vtk(scaled, deep=True))
        self._polydata.Modified()


def label_texts(frame: Any, field: str | None) -> list[str] | None:
    """The label strings of every row of ``frame`` for ``field`` (None when there is no such field)."""
    if not field or frame is None or field not in frame.columns:
        return None
    values = frame[field].to_numpy(dtype=object)
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
