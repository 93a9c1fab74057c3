"""Where the embedded demo district lives (a project folder shipped in resources/)."""

from __future__ import annotations

from pathlib import Path

from viewer.core.resources import resources_dir


def demo_project_dir() -> Path:
    """The demo district project folder (synthetic Ninh Kiều, Cần Thơ)."""
    return resources_dir() / "demo" / "ninh_kieu"
