"""Marking user-visible text for translation below the Qt layer.

Readers, sensors and engines may not import Qt, yet their messages reach the user. They write the
message as a template marked with :func:`QT_TRANSLATE_NOOP` (``pyside6-lupdate`` finds the mark by its
name and puts the template in the translation file) and keep the values apart
(:class:`MarkedMessage`); the Qt layer translates the template and fills it in
(:func:`viewer.qt.qt_locale.error_text`).
"""

from __future__ import annotations

from collections.abc import Callable


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate looks for
    """Return ``text`` unchanged; marks it for translation in ``context``."""
    return text


def fill(template: str, values: dict, word: Callable[[str], str] | None = None) -> str:
    """``template`` with its ``{names}`` filled from ``values`` (none: the template as it is). A tuple
    value is a list of words (marked for translation where they are defined), each passed through
    ``word`` (the Qt layer's translation; none in English) and joined with " / "; other values are
    used as they are."""
    if not values:
        return template
    ready = {key: " / ".join((word or str)(str(item)) for item in value) if isinstance(value, tuple) else value
             for key, value in values.items()}
    return template.format(**ready)


class MarkedMessage:
    """What an exception whose message is a marked template keeps: ``CONTEXT`` (the translation
    context), ``template`` and ``values``."""

    CONTEXT = ""
    template: str = ""
    values: dict = {}

    def _mark(self, template: str, values: dict) -> str:
        """Keep ``template`` and ``values``; returns the English message."""
        self.template, self.values = template, values
        return fill(template, values)
