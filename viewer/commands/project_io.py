"""Save and open projects: a folder with ``citytwin.toml`` and standard files QGIS also opens.

Layout::

    project/
      citytwin.toml          the manifest (layers, styles, CRS, camera, selection)
      data-<generation>/     layers.gpkg (one table per vector layer), <n>.tif per raster,
                             copies of 3D model files (CityJSON)

Saving is atomic: the new generation's files are written first, then the manifest is replaced
with ``os.replace`` (atomic on POSIX and Windows), and only then is the previous generation
removed. A crash at any point leaves a manifest that points to complete files.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
import uuid
from pathlib import Path
from typing import Any

from viewer.core.layers import BuildingsLayer, Layer, RasterLayer, SensorLayer, VectorLayer
from viewer.core.progress import Progress
from viewer.core.project import Project, Settings
from viewer.core.style import Style
from viewer.core.water_layer import WaterDepthLayer
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.errors import ReadError
from viewer.readers.registry import ReadOptions, read_path
from viewer.readers.reproject import reproject_layer

MANIFEST = "citytwin.toml"
FORMAT = "citytwin-project"
VERSION = 1


def is_project_dir(path: str | Path) -> bool:
    """Whether ``path`` is a project folder (or its manifest)."""
    path = Path(path)
    return (path.is_dir() and (path / MANIFEST).is_file()) or path.name == MANIFEST


def _layer_entry(layer: Layer) -> dict[str, Any]:
    return {"id": layer.id, "name": layer.name, "kind": layer.kind, "visible": layer.visible,
            "opacity": float(layer.opacity), "style": layer.style.to_dict()}


def _write_layer(project: Project, layer: Layer, data_dir: Path, number: int) -> dict[str, Any]:
    """Write one layer's data into ``data_dir``; returns its manifest entry."""
    from viewer.readers.writers import write_raster, write_vector

    entry = _layer_entry(layer)
    rel = data_dir.name
    if isinstance(layer, WaterDepthLayer):
        from viewer.readers.water_frames import write_water

        name = f"water_{number:03d}.tif"
        write_water(layer, data_dir / name)
        entry.update(path=f"{rel}/{name}")
    elif isinstance(layer, RasterLayer):
        name = f"raster_{number:03d}.tif"
        write_raster(layer, data_dir / name)
        entry.update(path=f"{rel}/{name}", options={"role": layer.role})
    elif isinstance(layer, BuildingsLayer) and layer.mesh is not None and layer.source.get("path"):
        # A 3D model is kept as its original file (it cannot live in a GeoPackage table).
        src = Path(layer.source["path"])
        name = f"model_{number:03d}_{src.name}"
        shutil.copy2(src, data_dir / name)
        options = {k: v for k, v in layer.source.items() if k in ("lod", "default_crs")}
        entry.update(path=f"{rel}/{name}", options=options)
    elif isinstance(layer, SensorLayer):
        from viewer.sensors.recording import write_recording
        from viewer.sensors.rows import ObservationRows

        name = f"sensors_{number:03d}"
        ids = list(layer.network.datastreams) if layer.network is not None else []
        rows = ObservationRows(*project.observations.columns(ids))
        write_recording(data_dir / name, layer.network, rows, source_info={"saved_from": "project"})
        entry.update(path=f"{rel}/{name}")
    elif isinstance(layer, VectorLayer):
        table = f"layer_{number:03d}"
        write_vector(layer, data_dir / "layers.gpkg", table)
        entry.update(path=f"{rel}/layers.gpkg", layer=table)
    return entry


def save_project(project: Project, folder: str | Path, progress: Progress | None = None) -> Path:
    """Save ``project`` into ``folder`` atomically; returns the manifest path.

    The project object is only read (this runs in a worker thread); the caller records
    ``project.path`` on the GUI thread afterwards.
    """
    import tomli_w

    folder = Path(folder)
    progress = progress or Progress()
    folder.mkdir(parents=True, exist_ok=True)
    data_dir = folder / f"data-{uuid.uuid4().hex[:8]}"
    data_dir.mkdir()
    try:
        entries = []
        layers = list(project.layers)
        for number, layer in enumerate(layers):
            progress.update(number / max(len(layers), 1), layer.name)
            entries.append(_write_layer(project, layer, data_dir, number))
        for path in data_dir.rglob("*"):
            if path.is_file():
                _fsync(path)
        selected = project.layer_by_id(project.selection.layer_id)
        manifest = {
            "format": FORMAT, "version": VERSION, "name": project.name, "crs": project.crs,
            "synthetic": project.synthetic, "description": project.description,
            "settings": vars(project.settings) | {"default_crs": project.settings.default_crs or ""},
            "view": {"camera": project.camera,
                     "extent2d": list(project.extent2d) if project.extent2d else []},
            "selection": {"layer": selected.id if selected else "",
                          "index": project.selection.index if selected else -1},
            "layers": entries,
            "scenarios": [scenario.to_dict() for scenario in list(project.scenarios)],
        }
        tmp = folder / f".{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "wb") as handle:
            tomli_w.dump(_clean(manifest), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / MANIFEST)
    except BaseException:
        shutil.rmtree(data_dir, ignore_errors=True)
        raise
    _remove_old_generations(folder, keep=data_dir.name)
    progress.update(1.0, "saved")
    return folder / MANIFEST


def _clean(value: Any) -> Any:
    """TOML has no null: drop None values recursively."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value if v is not None]
    return value


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _remove_old_generations(folder: Path, keep: str) -> None:
    for child in folder.iterdir():
        if child.is_dir() and re.fullmatch(r"data-[0-9a-f]{8}", child.name) and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith(f".{MANIFEST}.") and child.name.endswith(".tmp"):
            child.unlink(missing_ok=True)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The parsed manifest of a project folder; ReadError when missing or malformed."""
    folder = Path(folder)
    path = folder / MANIFEST if folder.is_dir() else folder
    try:
        with open(path, "rb") as handle:
            manifest = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "not a readable project manifest ({detail})"),
                        detail=exc) from exc
    if manifest.get("format") != FORMAT:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "not a CityTwin project (format is {format!r})"),
                        format=manifest.get("format"))
    if int(manifest.get("version", 0)) > VERSION:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "made by a newer CityTwin (project version "
                                                             "{version})"),
                        version=manifest["version"])
    return manifest


def load_project(folder: str | Path, progress: Progress | None = None) -> Project:
    """Read a project folder into a new :class:`Project` (call off the GUI thread).

    Layers whose files fail are skipped; their errors are in ``project.load_errors``.
    """
    folder = Path(folder)
    if folder.name == MANIFEST:
        folder = folder.parent
    progress = progress or Progress()
    manifest = read_manifest(folder)
    settings = Settings(**{k: v for k, v in manifest.get("settings", {}).items()
                           if k in Settings.__dataclass_fields__})
    settings.default_crs = settings.default_crs or None
    view = manifest.get("view", {})
    extent = view.get("extent2d") or None
    project = Project(name=manifest.get("name", folder.name), crs=manifest.get("crs", ""),
                      synthetic=bool(manifest.get("synthetic", False)),
                      description=manifest.get("description", ""), camera=view.get("camera", {}),
                      extent2d=tuple(extent) if extent else None, path=str(folder),
                      settings=settings)
    errors: list[ReadError] = []
    entries = manifest.get("layers", [])
    for number, entry in enumerate(entries):
        step = progress.sub(number / max(len(entries), 1), (number + 1) / max(len(entries), 1))
        try:
            layer = _read_entry(folder, entry, project, step)
        except ReadError as error:
            errors.append(error)
            continue
        project.add_layer(layer)
    span = project.observations.time_range()
    if span is not None:
        project.clock.replay(span[0], span[1], speed=60.0)
    selection = manifest.get("selection", {})
    if project.layer_by_id(selection.get("layer")) is not None and selection.get("index", -1) >= 0:
        project.selection.select(selection["layer"], selection["index"])
    _read_scenarios(folder, manifest, project, errors)
    project.load_errors = errors  # type: ignore[attr-defined]
    return project


def _read_scenarios(folder: Path, manifest: dict[str, Any], project: Project, errors: list) -> None:
    """The manifest's ``[[scenarios]]`` into ``project.scenarios``; a table that cannot be read
    is reported in ``errors`` (naming it) and left out, the others are kept."""
    from viewer.scenarios.flood_scenario import scenarios_from_manifest

    messages: list[str] = []
    for scenario in scenarios_from_manifest(manifest, messages):
        project.put_scenario(scenario)
    errors.extend(ReadError(folder / MANIFEST, message) for message in messages)


def _read_entry(folder: Path, entry: dict[str, Any], project: Project, progress: Progress) -> Layer:
    path = folder / entry["path"]
    if entry.get("kind") == "sensors":
        return _read_sensor_entry(path, entry, project, progress)
    if entry.get("kind") == "water":
        from viewer.readers.water_frames import read_water

        layer = read_water(path, entry.get("name", ""))  # written by save_project in the project CRS
        _apply_entry(layer, entry)
        return layer
    options = ReadOptions(default_crs=project.settings.default_crs or project.crs or None,
                          storey_height=project.settings.storey_height,
                          default_height=project.settings.default_height,
                          layer=entry.get("layer"), extra=dict(entry.get("options", {})))
    layers = read_path(path, options, progress)
    if not layers:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "holds no layer"))
    layer = layers[0]
    if project.crs:
        reproject_layer(layer, project.crs)
    elif not project.crs:
        project.crs = layer.crs
    _apply_entry(layer, entry)
    return layer


def _read_sensor_entry(path: Path, entry: dict[str, Any], project: Project, progress: Progress) -> Layer:
    from viewer.commands.sensor_project import place_stations, read_sensor_recording

    try:
        network, rows = read_sensor_recording(path, progress)
    except (OSError, ValueError, KeyError) as exc:
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "not a readable sensor recording ({detail})"),
                        detail=exc) from exc
    place_stations(network, project.crs)
    for thing in network.things.values():
        project.sensors.add(thing, network.of_thing(thing.id))
    project.observations.append_rows(rows.stream_ids, rows.times_ns, rows.values, rows.quality)
    layer = SensorLayer(name=entry.get("name", "Sensors"), crs=project.crs, network=project.sensors,
                        status=project.sensor_status, source={"path": str(path), "kind": "sensors"})
    _apply_entry(layer, entry)
    return layer


def _apply_entry(layer: Layer, entry: dict[str, Any]) -> None:
    """Display state from a manifest entry."""
    layer.id = entry.get("id", layer.id)
    layer.name = entry.get("name", layer.name)
    layer.visible = bool(entry.get("visible", True))
    layer.opacity = float(entry.get("opacity", 1.0))
    layer.style = Style.from_dict(entry.get("style", {}))


def replace_project_contents(target: Project, source: Project) -> None:
    """Make the live ``target`` show ``source`` (GUI thread; the views follow the events)."""
    target.selection.clear()
    while len(target.layers):
        target.layers.pop()
    target.name, target.description = source.name, source.description
    target.synthetic, target.path, target.settings = source.synthetic, source.path, source.settings
    target.crs = source.crs
    target.scenarios.clear()
    target.scenarios.extend(source.scenarios)
    _move_sensors(target, source)
    for layer in list(source.layers):
        if isinstance(layer, SensorLayer):
            layer.network, layer.status = target.sensors, target.sensor_status
        target.layers.append(layer)
    target.extent2d = source.extent2d
    target.camera = dict(source.camera)
    target.selection.select(source.selection.layer_id, source.selection.index)
    if source.clock.mode == "replay":
        target.clock.replay(source.clock.start_ns, source.clock.end_ns, source.clock.speed)
        target.clock.jump(source.clock.time_ns)
    target.sensor_status.refresh(target.clock.time_ns)


def _move_sensors(target: Project, source: Project) -> None:
    """Replace the target's stations and observations with the source's."""
    target.sensors.clear()
    target.observations.clear()
    target.alarms.alarms.clear()
    for thing in source.sensors.things.values():
        target.sensors.add(thing, source.sensors.of_thing(thing.id))
    target.observations.append_rows(*source.observations.columns())
