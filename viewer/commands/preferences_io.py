"""Where CityTwin keeps its settings and logs, and reading and writing the preferences file.

The folders are the platform's standard ones (platformdirs): on Linux ``~/.config/CityTwin`` and
``~/.local/state/CityTwin/log`` (or what ``XDG_CONFIG_HOME`` / ``XDG_STATE_HOME`` say), on Windows
``%LOCALAPPDATA%\\CityTwin``. The preferences file is TOML in UTF-8.
"""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path

from viewer.core.preferences import Preferences

log = logging.getLogger(__name__)

APP_DIR_NAME = "CityTwin"
PREFERENCES_FILE = "preferences.toml"


def config_dir() -> Path:
    """The folder for the user's settings (created on first use)."""
    from platformdirs import user_config_dir

    path = Path(user_config_dir(APP_DIR_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    """The folder for log files, crash reports included (created on first use)."""
    from platformdirs import user_log_dir

    path = Path(user_log_dir(APP_DIR_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def preferences_path() -> Path:
    """The preferences file."""
    return config_dir() / PREFERENCES_FILE


def load_preferences(path: Path | None = None) -> tuple[Preferences, str | None]:
    """The saved preferences, and a message when the file could not be used.

    A missing file gives the defaults silently; a broken one gives the defaults and a message
    naming the file and the reason (the app starts anyway, and saving replaces the file).
    """
    path = path or preferences_path()
    if not path.exists():
        return Preferences(), None
    try:
        return Preferences.from_dict(tomllib.loads(path.read_text(encoding="utf-8"))), None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError, ValueError) as exc:
        message = f"{path}: preferences not read ({exc}); using the defaults"
        log.warning(message)
        return Preferences(), message


def save_preferences(preferences: Preferences, path: Path | None = None) -> Path:
    """Write ``preferences`` atomically (a crash leaves the old file or the new one)."""
    import tomli_w

    path = path or preferences_path()
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as handle:
        tomli_w.dump(preferences.to_dict(), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return path
