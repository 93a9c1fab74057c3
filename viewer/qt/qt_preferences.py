"""The Preferences dialog: the interface language (applied at the next start)."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QMessageBox,
                               QVBoxLayout, QWidget)

from viewer.commands.preferences_io import load_preferences, save_preferences
from viewer.core.preferences import Preferences


class QtPreferencesDialog(QDialog):
    """Edit and save the user's :class:`~viewer.core.preferences.Preferences`.

    Parameters
    ----------
    parent
        The main window.

    Attributes
    ----------
    language_combo
        System / Tiếng Việt / English (language names are written in their own language).
    saved
        The preferences last saved by this dialog, or None.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Preferences"))
        self.preferences, _ = load_preferences()
        self.saved: Preferences | None = None
        self.language_combo = QComboBox(self)
        for code, text in (("system", self.tr("As the system")), ("vi", "Tiếng Việt"), ("en", "English")):
            self.language_combo.addItem(text, code)
        self.language_combo.setCurrentIndex(self.language_combo.findData(self.preferences.language))
        form = QFormLayout()
        form.addRow(self.tr("Language:"), self.language_combo)
        note = QLabel(self.tr("A new language is shown when CityTwin next starts."), self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Save the choices; a file that cannot be written is reported and the dialog stays open."""
        chosen = Preferences(language=self.language_combo.currentData())
        try:
            save_preferences(chosen)
        except OSError as exc:
            QMessageBox.warning(self, self.tr("Preferences"),
                                self.tr("The preferences could not be saved: {reason}").format(reason=exc))
            return
        self.saved = chosen
        super().accept()
