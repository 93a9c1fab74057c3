"""Where the files CityTwin ships live: the demo city, translations, fonts, icons."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The resources/ folder: beside the package in a checkout, inside the bundle when frozen."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def font_file(bold: bool = False) -> Path:
    """The shipped font that covers Vietnamese (DejaVu Sans; see resources/fonts/README.md)."""
    return resources_dir() / "fonts" / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
