"""The reader registry: readers register the file patterns they take, a priority and an optional
content sniffer; :func:`find_reader` picks one for a path. Built-in readers use the same registry a
plug-in would."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viewer.core.layers import Layer
from viewer.core.progress import Progress
from viewer.core.translatable import QT_TRANSLATE_NOOP
from viewer.readers.errors import CorruptFile, ReadError, UnsupportedFile


@dataclass
class ReadOptions:
    """Choices a reader needs from the user or the project.

    Parameters
    ----------
    default_crs
        CRS for files that carry none; None means "ask" (the reader raises MissingCRS).
    storey_height
        Metres per storey when a building has a storey count but no height.
    default_height
        Height given (and flagged) to buildings with neither.
    layer
        One sub-layer to read (GeoPackage table, ...); None reads all.
    extra
        Reader-specific options (CSV column names, CityJSON LoD ...).
    """

    default_crs: str | None = None
    storey_height: float = 3.0
    default_height: float = 9.0
    layer: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


ReaderFunc = Callable[[Path, ReadOptions, Progress], list[Layer]]


@dataclass
class ReaderSpec:
    """A registered reader."""

    name: str
    patterns: tuple[str, ...]
    priority: int
    func: ReaderFunc
    sniff: Callable[[Path], bool] | None = None

    def matches(self, path: Path) -> bool:
        """Whether the file name matches one of the patterns (case-insensitive)."""
        name = path.name.lower()
        return any(fnmatch.fnmatch(name, pattern) for pattern in self.patterns)


_READERS: list[ReaderSpec] = []


def register_reader(name: str, patterns: list[str] | tuple[str, ...], priority: int = 0,
                    sniff: Callable[[Path], bool] | None = None) -> Callable[[ReaderFunc], ReaderFunc]:
    """Decorator registering ``func(path, options, progress) -> list[Layer]``.

    Among readers whose pattern matches, those whose ``sniff(path)`` is true come first, then
    by descending ``priority``.
    """

    def decorate(func: ReaderFunc) -> ReaderFunc:
        _READERS.append(ReaderSpec(name, tuple(p.lower() for p in patterns), priority, func, sniff))
        return func

    return decorate


def readers() -> list[ReaderSpec]:
    """All registered readers (built-ins are imported on first use)."""
    _load_builtins()
    return list(_READERS)


def find_reader(path: str | Path) -> ReaderSpec:
    """The best reader for ``path``; raises UnsupportedFile when none takes it."""
    path = Path(path)
    candidates = [spec for spec in readers() if spec.matches(path)]
    if not candidates:
        raise UnsupportedFile(path, QT_TRANSLATE_NOOP("ReadError", "no reader for files like '{name}'"),
                              name=path.name)

    def rank(spec: ReaderSpec) -> tuple[int, int]:
        sniffed = 0
        if spec.sniff is not None:
            try:
                sniffed = 1 if spec.sniff(path) else -1
            except OSError:
                sniffed = -1
        return (sniffed, spec.priority)

    return max(candidates, key=rank)


def read_path(path: str | Path, options: ReadOptions | None = None,
              progress: Progress | None = None) -> list[Layer]:
    """Read ``path`` with the best reader; layers come back in the file's own CRS.

    Raises
    ------
    ReadError
        With the file name and the reason, for anything that goes wrong.
    """
    path = Path(path)
    options = options or ReadOptions()
    progress = progress or Progress()
    if not path.exists():
        raise ReadError(path, QT_TRANSLATE_NOOP("ReadError", "file not found"))
    if path.is_file() and path.stat().st_size == 0:
        from viewer.readers.errors import EmptyFile

        raise EmptyFile(path, QT_TRANSLATE_NOOP("ReadError", "the file is empty (0 bytes)"))
    spec = find_reader(path)
    try:
        layers = spec.func(path, options, progress)
    except ReadError:
        raise
    except Exception as exc:  # a driver's own error: keep its words, name the file
        from viewer.core.progress import Cancelled

        if isinstance(exc, Cancelled):
            raise
        raise CorruptFile(path, QT_TRANSLATE_NOOP("ReadError", "{reader} could not read it ({detail})"),
                          reader=spec.name,
                          detail=f"{type(exc).__name__}: {exc}") from exc
    for layer in layers:
        layer.source.setdefault("path", str(path))
        layer.source.setdefault("reader", spec.name)
    return layers


_loaded = False


def _load_builtins() -> None:
    """Import the built-in reader modules so that their decorators run."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for module in ("vector", "tabular", "raster", "osm", "cityjson"):
        try:
            importlib.import_module(f"viewer.readers.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"viewer.readers.{module}":
                raise
