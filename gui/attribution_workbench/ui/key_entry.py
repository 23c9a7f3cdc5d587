"""The key entry box of the credentials dialog: a masked, paste-friendly field and its buttons.

The field echoes bullets unless "Show" is toggled; surrounding whitespace from a paste is
ignored; text that is not 32 hexadecimal characters gets an inline warning (it can still be
saved: the key format is Amplitude's, not ours to enforce). ``take_key()`` hands the key
over and clears the field at once, so no key stays behind in a widget.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QLineEdit, QPushButton, QToolButton

from attribution_workbench.core.credentials import looks_like_api_key
from attribution_workbench.ui import colours
from attribution_workbench.ui.layout import MARGIN, STRETCH, annotate, hbox, vbox

NOT_A_KEY = (
    "⚠ This does not look like an Amplitude API key (32 hexadecimal characters). Check that "
    "you copied the whole key; it can still be saved."
)


class KeyEntry(QGroupBox):
    """``save_requested``/``delete_requested`` when the buttons (or Enter) are pressed."""

    save_requested = Signal()
    delete_requested = Signal()
    edited = Signal()

    def __init__(self) -> None:
        super().__init__("Key")
        self.slot_label = QLabel()
        self.slot_label.setObjectName("slot_label")
        self.key_input = QLineEdit()
        self.key_input.setObjectName("key_input")
        self.key_input.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_input.setPlaceholderText("Paste the API key from Amplitude's project settings")
        self.key_input.setClearButtonEnabled(True)
        annotate(self.key_input, "API key", "The key to store for the selected profile and region")
        self.key_input.textChanged.connect(self._on_text)
        self.key_input.returnPressed.connect(self.save_requested)
        self.show_key = QToolButton()
        self.show_key.setObjectName("show_key")
        self.show_key.setText("Show")
        self.show_key.setCheckable(True)
        annotate(self.show_key, "Show key", "Show or hide the key being typed")
        self.show_key.toggled.connect(self._on_show)
        self.warning = QLabel(NOT_A_KEY)
        self.warning.setObjectName("key_warning")
        self.warning.setWordWrap(True)
        colours.set_text_colour(self.warning, colours.WARNING_TEXT)
        self.warning.hide()
        self.session_only = QCheckBox("For this session only (kept in memory, never saved)")
        self.session_only.setObjectName("session_only")
        self.save_key = QPushButton("Save key")
        self.save_key.setObjectName("save_key")
        self.delete_key = QPushButton("Delete key…")
        self.delete_key.setObjectName("delete_key")
        for button, signal in (
            (self.save_key, self.save_requested),
            (self.delete_key, self.delete_requested),
        ):
            button.setAutoDefault(False)  # Enter in the key field saves; it must not close
            button.clicked.connect(signal)
        self.setLayout(
            vbox(
                self.slot_label,
                hbox(self.key_input, self.show_key),
                self.warning,
                hbox(self.session_only, STRETCH, self.save_key, self.delete_key),
                margin=MARGIN,
            )
        )

    def text(self) -> str:
        """The typed key, surrounding whitespace removed."""
        return self.key_input.text().strip()

    def take_key(self) -> str:
        """The typed key; the field is cleared and masked again."""
        key = self.text()
        self.clear()
        return key

    def clear(self) -> None:
        self.key_input.clear()
        self.show_key.setChecked(False)

    @Slot(bool)
    def _on_show(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.key_input.setEchoMode(mode)
        self.show_key.setText("Hide" if shown else "Show")

    @Slot(str)
    def _on_text(self, _text: str) -> None:
        text = self.text()
        self.warning.setVisible(bool(text) and not looks_like_api_key(text))
        self.edited.emit()
