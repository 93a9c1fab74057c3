"""Numbers, dates and names as the user reads them, in the locale of the interface language.

What the screen shows follows ``QLocale()`` (set by :func:`viewer.qt.qt_i18n.apply_language`):
Vietnamese gives ``1.234,5`` and ``4/12/2026``. Files and wire formats never come through here:
they stay in C locale and ISO 8601 UTC. Names sort with the locale's collator (``Đ`` after
``D``) and searches compare NFC-normalised, case-folded text (:mod:`viewer.core.text_search`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from pathlib import PurePath
from typing import TypeVar

from PySide6.QtCore import QCollator, QCoreApplication, QDateTime, QLocale, Qt, QTimeZone

from viewer.core.translatable import MarkedMessage, fill

T = TypeVar("T")

DATE_FORMATS = {QLocale.Language.Vietnamese: "d/M/yyyy"}
"""Date formats by language; others use ISO ``yyyy-MM-dd``, which no reader misreads."""


def number_text(value: float, decimals: int = 1) -> str:
    """``value`` with ``decimals`` digits and the locale's separators (``1.234,5`` in Vietnamese)."""
    return QLocale().toString(float(value), "f", decimals)


def value_text(value: float, digits: int = 6) -> str:
    """A measured value with up to ``digits`` significant digits, like ``%g`` but with the
    locale's decimal sign (``64,8`` in Vietnamese)."""
    return QLocale().toString(float(value), "g", digits)


def count_text(value: int) -> str:
    """A whole number with the locale's group separator (``12.345`` in Vietnamese)."""
    return QLocale().toString(int(value))


def date_format() -> str:
    """The QDateTime pattern for dates in the current locale."""
    return DATE_FORMATS.get(QLocale().language(), "yyyy-MM-dd")


def datetime_text(t_ns: int, zone: QTimeZone | None = None, seconds: bool = True) -> str:
    """The instant ``t_ns`` (ns since the epoch, UTC) as the user reads it, in ``zone``
    (default: the system's), e.g. ``24/11/2026 07:00:00`` in Vietnamese."""
    stamp = QDateTime.fromMSecsSinceEpoch(int(t_ns) // 1_000_000, zone or QTimeZone.systemTimeZone())
    return stamp.toString(date_format() + (" HH:mm:ss" if seconds else " HH:mm"))


def collator() -> QCollator:
    """A collator for the current locale (case-insensitive, digits compared as numbers)."""
    result = QCollator(QLocale())
    result.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    result.setNumericMode(True)
    return result


def sorted_by_name(items: Iterable[T], name: Callable[[T], str] = str) -> list[T]:
    """``items`` in the locale's alphabetical order of ``name(item)``."""
    key = collator().sortKey
    return sorted(items, key=lambda item: key(unicodedata.normalize("NFC", name(item))))


def error_text(error: BaseException) -> str:
    """The message of ``error`` in the interface language: errors raised below the Qt layer with a
    marked template and its values (:class:`~viewer.core.translatable.MarkedMessage`) are translated
    and filled in here, prefixed with the file's name when they have one; others give
    ``str(error)``. A translation that does not fit its values falls back to the English message
    rather than hide the error."""
    if not isinstance(error, MarkedMessage):
        return str(error) or type(error).__name__
    try:
        reason = fill(QCoreApplication.translate(error.CONTEXT, error.template), error.values,
                      lambda word: QCoreApplication.translate(error.CONTEXT, word))
    except (KeyError, IndexError, ValueError):
        return str(error)
    path = getattr(error, "path", "")
    return f"{PurePath(path).name}: {reason}" if path else reason
