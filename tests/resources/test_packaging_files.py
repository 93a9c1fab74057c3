"""The installers' own files: a valid menu entry in English and Vietnamese, the icons it names, and a
per-user Windows installer with a Start-menu entry and an uninstaller. (The frozen bundle itself is
checked by packaging/smoke_test.py, which packaging/build_linux.sh runs.)"""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess

import pytest
from PySide6.QtGui import QImage


def _desktop_entry(repo_root):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive: Name[vi]
    parser.read(repo_root / "packaging" / "linux" / "citytwin.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_menu_entry_has_english_and_vietnamese_names(repo_root):
    entry = _desktop_entry(repo_root)
    assert entry["Type"] == "Application" and entry["Icon"] == "citytwin" and entry["Exec"].startswith("CityTwin")
    assert entry["Name"] and entry["Name[vi]"]
    for key in ("GenericName", "Comment"):
        assert entry[f"{key}[vi]"] != entry[key]
    assert "đô thị" in entry["GenericName[vi]"] and "ngập lụt" in entry["Comment[vi]"]
    tool = shutil.which("desktop-file-validate")
    if tool:
        done = subprocess.run([tool, str(repo_root / "packaging" / "linux" / "citytwin.desktop")],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("size", [16, 32, 48, 128, 256])
def test_each_icon_size_is_there_and_drawn(repo_root, size):
    image = QImage(str(repo_root / "resources" / "icons" / f"citytwin-{size}.png"))
    assert (image.width(), image.height()) == (size, size)
    centre = image.pixelColor(size // 2, size // 2)
    assert centre.alpha() == 255  # not a blank or transparent file


def test_the_windows_icon_holds_the_sizes(repo_root):
    data = (repo_root / "resources" / "icons" / "citytwin.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1) and count >= 4  # an ICO directory with several images
    sizes = {data[6 + 16 * k] or 256 for k in range(count)}
    assert {16, 32, 48, 256} <= sizes, sizes


def test_the_windows_installer_is_per_user_with_menu_entry_and_uninstaller(repo_root):
    script = (repo_root / "packaging" / "windows" / "citytwin.iss").read_text(encoding="utf-8-sig")
    assert "PrivilegesRequired=lowest" in script and "DefaultDirName={localappdata}" in script
    assert "[Icons]" in script and "{autoprograms}" in script  # Start-menu entry
    assert "UninstallDisplayIcon" in script and "Vietnamese.isl" in script
    assert 'Source: "{#SourceDir}\\*"' in script  # the one-folder bundle, recursively
