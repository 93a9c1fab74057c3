"""Marking user-visible text for translation below the Qt layer.

Readers, sensors and engines may not import Qt, yet their messages reach the user. They write the
message as a template marked with :func:`QT_TRANSLATE_NOOP` (``pyside6-lupdate`` finds the mark by its
name and puts the template in the translation file) and keep the values apart; the Qt layer
translates the template and fills it in (:func:`viewer.qt.qt_locale.translated`).
"""

from __future__ import annotations


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate looks for
    """Return ``text`` unchanged; marks it for translation in ``context``."""
    return text
