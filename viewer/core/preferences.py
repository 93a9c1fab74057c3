"""The user's preferences: plain data, read and written by :mod:`viewer.commands.preferences_io`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

LANGUAGES = ("system", "vi", "en")
"""Interface languages: ``system`` follows the operating system's locale (Vietnamese when it is
Vietnamese, English otherwise)."""


@dataclass
class Preferences:
    """What the user chose in the Preferences dialog.

    Attributes
    ----------
    language
        One of :data:`LANGUAGES`; applied when the app starts.
    """

    language: str = "system"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}: expected one of {', '.join(LANGUAGES)}")

    def to_dict(self) -> dict[str, Any]:
        """The preferences as TOML-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Preferences":
        """Preferences from ``data``; unknown keys are ignored (a newer version wrote them).

        Raises
        ------
        ValueError
            When a known key has a value this version cannot use.
        """
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
