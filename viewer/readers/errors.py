"""Errors a reader raises: each names the file and says why it could not be read."""

from __future__ import annotations

from pathlib import Path

from viewer.core.translatable import MarkedMessage


class ReadError(MarkedMessage, Exception):
    """A file could not be read. ``str(error)`` is the message shown to the user (in English; the Qt
    layer shows it translated from ``template`` and ``values``).

    Parameters
    ----------
    path
        The file (or ``zip://`` / ``file.gpkg|layer`` address) concerned.
    reason
        Why, in words a user can act on: a template marked with
        ``QT_TRANSLATE_NOOP("ReadError", ...)`` whose ``{names}`` are filled from ``values``.
    values
        The values of the template's placeholders (a library's own error text, a column name ...).
    """

    CONTEXT = "ReadError"

    def __init__(self, path: str | Path, reason: str, **values: object) -> None:
        self.path = str(path)
        self.reason = self._mark(reason, values)
        super().__init__(f"{Path(self.path).name}: {self.reason}")


class UnsupportedFile(ReadError):
    """No reader takes this file."""


class EmptyFile(ReadError):
    """The file holds no features or no data."""


class CorruptFile(ReadError):
    """The file is truncated, damaged or not what its name says."""


class MissingCRS(ReadError):
    """The file has no CRS and no default was given: the caller should ask the user."""


class OutOfArea(ReadError):
    """The coordinates lie outside the area where the file's CRS is valid."""
