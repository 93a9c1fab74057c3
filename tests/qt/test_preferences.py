"""Preferences in the platform's config folder; the dialog's language switch; a broken file."""

from __future__ import annotations

import tomllib

from PySide6.QtWidgets import QDialogButtonBox

from tests.qt.conftest import shown
from viewer.commands.preferences_io import config_dir, load_preferences, preferences_path, save_preferences
from viewer.core.preferences import Preferences


def test_preferences_live_in_the_platform_config_folder(_own_settings_and_logs):
    assert str(config_dir()).startswith(str(_own_settings_and_logs))  # XDG_CONFIG_HOME, via platformdirs
    path = save_preferences(Preferences(language="vi"))
    assert path == preferences_path() and tomllib.loads(path.read_text("utf-8")) == {"language": "vi"}
    assert load_preferences() == (Preferences(language="vi"), None)
    path.unlink()
    assert load_preferences() == (Preferences(), None)


def test_a_broken_preferences_file_gives_the_defaults_and_a_message_naming_it(tmp_path):
    path = tmp_path / "preferences.toml"
    path.write_text('language = "klingon"\n', encoding="utf-8")
    preferences, message = load_preferences(path)
    assert preferences == Preferences() and str(path) in message and "klingon" in message
    path.write_text("language = [unclosed\n", encoding="utf-8")
    preferences, message = load_preferences(path)
    assert preferences == Preferences() and str(path) in message


def test_the_dialog_saves_the_language_for_the_next_start(qtbot, _own_settings_and_logs):
    from viewer.app.gui import setup_application
    from viewer.qt.qt_preferences import QtPreferencesDialog

    dialog = shown(qtbot, QtPreferencesDialog(), 400, 200)
    assert dialog.language_combo.currentData() == "system"
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("vi"))
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.saved == Preferences(language="vi")
    assert load_preferences()[0].language == "vi"
    try:
        from PySide6.QtCore import QCoreApplication

        _, preferences, messages = setup_application()
        assert preferences.language == "vi" and messages == []
        assert QCoreApplication.translate("QtMainWindow", "&File") != "&File"
    finally:
        preferences_path().unlink()
        from viewer.qt.qt_i18n import apply_language

        apply_language("en")
