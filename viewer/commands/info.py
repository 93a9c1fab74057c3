"""``citytwin info``: what is in a file or project, without opening a window."""

from __future__ import annotations

from pathlib import Path

from viewer.commands.open_files import choose_project_crs
from viewer.commands.project_io import is_project_dir, load_project
from viewer.core.layers import Layer
from viewer.readers.errors import ReadError
from viewer.readers.registry import ReadOptions, read_path


def _crs_label(crs: str) -> str:
    from pyproj import CRS

    try:
        return f"{crs} ({CRS.from_user_input(crs).name})" if crs.startswith("EPSG:") else crs
    except Exception:  # an exotic CRS PROJ cannot name: show it as it is
        return crs


def describe_layer(layer: Layer) -> list[str]:
    """Lines describing one layer: name, kind, CRS, feature count, extent."""
    xmin, ymin, xmax, ymax = layer.extent
    lines = [f"  layer: {layer.name}",
             f"    kind: {layer.kind}",
             f"    crs: {_crs_label(layer.crs)}",
             f"    features: {layer.feature_count}",
             f"    extent: {xmin:.6f}, {ymin:.6f}, {xmax:.6f}, {ymax:.6f}"]
    frame = getattr(layer, "frame", None)
    if layer.kind == "buildings" and frame is not None and "height_source" in frame:
        counts = frame["height_source"].value_counts().to_dict()
        lines.append("    heights: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return lines


def describe_path(path: str | Path, options: ReadOptions | None = None) -> str:
    """A text report for ``path``: its layers and the project CRS the app would choose."""
    path = Path(path)
    lines = [f"{path}"]
    try:
        if is_project_dir(path):
            project = load_project(path)
            layers = list(project.layers)
            lines.append(f"  project: {project.name}" + ("  [synthetic]" if project.synthetic else ""))
            project_crs = project.crs
        else:
            layers = read_path(path, options or ReadOptions())
            project_crs = choose_project_crs(layers[0]) if layers else ""
    except ReadError as error:
        return f"{path}\n  error: {error.reason}"
    for layer in layers:
        lines.extend(describe_layer(layer))
    lines.append(f"  project crs: {_crs_label(project_crs)}")
    return "\n".join(lines)
