"""The interface language: which one, its translators, and the locale numbers and dates follow.

Translations live in ``resources/translations``: ``citytwin_<lang>.ts`` for CityTwin's own
strings and ``qtbase_<lang>.ts`` for the Qt strings users see in standard buttons and dialogs
(Qt ships no Vietnamese ones). They are compiled to ``.qm`` at build time (the bundle, the
bootstrap script); a checkout compiles stale ones when the app starts.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from viewer.core.resources import resources_dir

log = logging.getLogger(__name__)

_installed: list[QTranslator] = []


def translations_dir() -> Path:
    """The folder holding the ``.ts`` sources and the compiled ``.qm`` files."""
    return resources_dir() / "translations"


def system_language(system: QLocale | None = None) -> str:
    """``"vi"`` when the operating system's locale is Vietnamese, ``"en"`` otherwise."""
    locale = system if system is not None else QLocale.system()
    return "vi" if locale.language() == QLocale.Language.Vietnamese else "en"


def resolve_language(choice: str, system: QLocale | None = None) -> str:
    """The language to show for the preference ``choice`` (``system``, ``vi`` or ``en``)."""
    return system_language(system) if choice == "system" else choice


def display_locale(language: str, system: QLocale | None = None) -> QLocale:
    """The locale numbers and dates are shown in: Vietnam's for Vietnamese; for English the
    system's when it is an English one, else US English."""
    if language == "vi":
        return QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam)
    locale = system if system is not None else QLocale.system()
    if locale.language() == QLocale.Language.English:
        return locale
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def compile_stale_translations(folder: Path | None = None) -> list[Path]:
    """Compile each ``.ts`` in ``folder`` whose ``.qm`` is missing or older (a checkout only;
    a frozen bundle carries compiled files). Returns the files written."""
    folder = folder or translations_dir()
    if getattr(sys, "frozen", False) or not folder.is_dir():
        return []
    stale = [ts for ts in sorted(folder.glob("*.ts"))
             if not ts.with_suffix(".qm").exists() or ts.with_suffix(".qm").stat().st_mtime < ts.stat().st_mtime]
    if not stale:
        return []
    tool = Path(sys.executable).with_name("pyside6-lrelease")
    command = str(tool) if tool.exists() else shutil.which("pyside6-lrelease")
    if command is None:
        log.warning("pyside6-lrelease not found: translations in %s not compiled", folder)
        return []
    written = []
    for ts in stale:
        done = subprocess.run([command, "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))],
                              capture_output=True, text=True, check=False)
        if done.returncode == 0:
            written.append(ts.with_suffix(".qm"))
        else:
            log.warning("%s: not compiled (%s)", ts, done.stderr.strip() or done.returncode)
    return written


def apply_language(language: str, system: QLocale | None = None) -> list[QTranslator]:
    """Install the translators of ``language`` (``vi`` or ``en``) in the running application,
    replacing those installed before, and make its locale the default for numbers and dates.

    Widgets created afterwards show the language; existing ones keep their text (the
    Preferences dialog therefore applies a change at the next start). Returns the translators
    that loaded; a missing file is logged, never fatal (the interface falls back to English).
    """
    app = QCoreApplication.instance()
    for translator in _installed:
        if app is not None:
            app.removeTranslator(translator)
    _installed.clear()
    QLocale.setDefault(display_locale(language, system))
    if language == "en":
        return []
    folder = translations_dir()
    files = [folder / f"citytwin_{language}.qm", folder / f"qtbase_{language}.qm",
             Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)) / f"qtbase_{language}.qm"]
    for path in files:
        translator = QTranslator()
        if path.exists() and translator.load(str(path)):
            if app is not None:
                app.installTranslator(translator)
            _installed.append(translator)
        elif path.parent == folder:
            log.warning("%s: translation not loaded; the interface stays in English", path)
    return list(_installed)
