"""Validation cases of the flood engine: analytic solutions and a real flood with observations.

Each case is a pure function of arrays and parameters that runs the engine and returns a
:class:`CaseOutcome`: rows of (case, metric, value, threshold, passed) and the arrays its figure needs.
Reading the data files is the command layer's job (``viewer.commands.flood_validation``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ValidationRow:
    """One checked number. ``passed`` is None for rows shown for information (no threshold)."""

    case: str
    metric: str
    value: float
    threshold: str
    passed: bool | None


@dataclass
class CaseOutcome:
    """A case's rows, the arrays its figure is drawn from, and how long it ran."""

    case: str
    rows: list[ValidationRow]
    figure: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0


def at_most(case: str, metric: str, value: float, limit: float) -> ValidationRow:
    """A row that passes when ``value <= limit``."""
    return ValidationRow(case, metric, float(value), f"<= {limit:g}", bool(value <= limit))


def below(case: str, metric: str, value: float, limit: float) -> ValidationRow:
    """A row that passes when ``value < limit``."""
    return ValidationRow(case, metric, float(value), f"< {limit:g}", bool(value < limit))


def info(case: str, metric: str, value: float, note: str = "info") -> ValidationRow:
    """A row reported without a pass/fail verdict."""
    return ValidationRow(case, metric, float(value), note, None)


__all__ = ["CaseOutcome", "ValidationRow", "at_most", "below", "info"]
