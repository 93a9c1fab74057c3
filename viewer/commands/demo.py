"""Where the embedded demo district lives (a project folder shipped in resources/)."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The resources/ folder: beside the package in a checkout, inside the bundle when frozen."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def demo_project_dir() -> Path:
    """The demo district project folder (synthetic Ninh Kiều, Cần Thơ)."""
    return resources_dir() / "demo" / "ninh_kieu"
