"""Open files: read them, choose the project CRS, reproject; off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from viewer.core.layers import Layer
from viewer.core.progress import Progress
from viewer.core.project import Project
from viewer.core.vn2000 import choose_projected_crs
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.errors import MissingCRS, ReadError
from viewer.readers.registry import ReadOptions, read_path
from viewer.readers.reproject import check_area, is_geographic, lonlat_center, reproject_layer


@dataclass
class OpenResult:
    """What :func:`open_paths` gives back.

    Attributes
    ----------
    layers
        Layers read, reprojected to ``crs``.
    crs
        The project CRS (chosen from the first layer when none was given).
    errors
        One per file that could not be read; ``str(error)`` names the file and the reason.
    missing_crs
        Files that carry no CRS: ask the user, then open them again with ``default_crs``.
    """

    layers: list[Layer] = field(default_factory=list)
    crs: str = ""
    errors: list[ReadError] = field(default_factory=list)
    missing_crs: list[str] = field(default_factory=list)


def choose_project_crs(layer: Layer) -> str:
    """The project CRS a first layer sets: its own when projected; else the VN-2000 TM-3 zone
    of its province inside Vietnam, or its UTM zone elsewhere."""
    if not is_geographic(layer.crs):
        return layer.crs
    lon, lat = lonlat_center(layer)
    return choose_projected_crs(lon, lat)


def open_paths(paths: Iterable[str | Path], project_crs: str = "",
               options: ReadOptions | None = None, progress: Progress | None = None) -> OpenResult:
    """Read ``paths`` and reproject every layer to the project CRS.

    A file that fails is reported in ``errors`` (or ``missing_crs``) and the others still open.
    Cancellation (``progress.cancel()``) raises :class:`viewer.core.progress.Cancelled`.
    """
    paths = [Path(p) for p in paths]
    progress = progress or Progress()
    options = options or ReadOptions()
    result = OpenResult(crs=project_crs)
    for number, path in enumerate(paths):
        step = progress.sub(number / max(len(paths), 1), (number + 1) / max(len(paths), 1))
        step.update(0.0, str(path.name))
        try:
            layers = read_path(path, options, step)
            for layer in layers:
                check_area(layer)
        except MissingCRS:
            result.missing_crs.append(str(path))
            continue
        except ReadError as error:
            result.errors.append(error)
            continue
        for layer in layers:
            if not result.crs:
                result.crs = choose_project_crs(layer)
            try:
                reproject_layer(layer, result.crs)
            except Exception as exc:  # PROJ refuses: name the file, keep the rest
                result.errors.append(ReadError(path, QT_TRANSLATE_NOOP("ReadError", "cannot be reprojected to "
                                                                                    "{crs} ({detail})"),
                                                         crs=result.crs, detail=exc))
                continue
            result.layers.append(layer)
        step.update(1.0, str(path.name))
    return result


def add_to_project(project: Project, result: OpenResult) -> list[Layer]:
    """Add what :func:`open_paths` read to ``project`` (on the GUI thread: views react)."""
    if not project.crs and result.crs:
        project.crs = result.crs
    for layer in result.layers:
        if layer.crs != project.crs:  # opened against another project meanwhile
            reproject_layer(layer, project.crs)
        project.add_layer(layer)
    return result.layers
