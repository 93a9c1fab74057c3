"""The model: project, layers, styles, selection, progress. No Qt, no VTK, no file I/O."""

from viewer.core.layers import (BuildingsLayer, Layer, RasterLayer, SensorLayer, SurfaceMesh,
                                 VectorLayer)
from viewer.core.progress import Cancelled, Progress
from viewer.core.project import Project, Selection, Settings
from viewer.core.style import Style

__all__ = ["BuildingsLayer", "Cancelled", "Layer", "Progress", "Project", "RasterLayer",
           "SensorLayer", "Selection", "Settings", "Style", "SurfaceMesh", "VectorLayer"]
