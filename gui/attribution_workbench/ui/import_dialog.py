"""File ▸ Import… (Ctrl+Shift+V): paste a curl command, HTTP request, form body, URL or event.

The text is read by ``core.importer`` as it is typed (a long one when typing pauses); the
dialog says what was recognised and what was not. Import fills the window's form, region,
transport and target. A key found in the paste never goes into the form: the dialog offers
to store it in the keyring for the window's profile and the imported region (Save) or to
forget it (Discard). The pasted text is cleared as soon as it has been imported, so the key
does not linger in a widget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attribution_workbench.core.importer import ImportResult, parse_paste
from attribution_workbench.core.profiles import SlotState, SlotStatus
from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.wire import mask_key
from attribution_workbench.sandbox.config import DEMO_KEYS
from attribution_workbench.ui.layout import annotate
from attribution_workbench.ui.tasks import Task, TaskRunner

if TYPE_CHECKING:
    from attribution_workbench.ui.main_window import MainWindow

HINT = (
    "Paste a curl command, a raw HTTP request, a form body (api_key=…&event=…), "
    "a URL with a query string, or an event JSON."
)
# Up to this size the text is read on every keystroke (a few ms); a longer paste is read once
# typing pauses for READ_PAUSE_MS (1.2 MB takes ~80 ms, too long for every key). Import
# always reads the latest text first.
READ_AT_ONCE_CHARS = 64_000
READ_PAUSE_MS = 150


def read_clipboard(text: str) -> ImportResult | None:
    """What the parser makes of clipboard text worth prefilling (it recognises an event)."""
    if not text.strip() or len(text) >= 1_000_000:
        return None
    result = parse_paste(text)
    return result if result.usable else None


def apply_import(window: MainWindow, result: ImportResult) -> bool:
    """Fill the window from ``result``; the key (if any) is not touched here.

    False when the user kept the current (changed) event: then nothing is touched.
    """
    from attribution_workbench.ui.event_files import replace_event

    if result.event_text is not None and not replace_event(window, result.event_text):
        return False
    if result.region is not None:
        window.destination.set_region(result.region)
    if result.target is Target.CUSTOM and result.url:
        window.destination.set_custom_url(result.url)
    if result.target is not None:
        # A pasted sandbox URL means "the sandbox": the window's own sandbox is used.
        window.destination.set_target(result.target)
    if result.transport is not None:
        window.preview.set_transport(result.transport)
    return True


class ImportDialog(QDialog):
    """Paste, see what is recognised, import; then maybe save the pasted key."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("import_dialog")
        self.setWindowTitle("Import a request or event")
        self._window = window
        self._result: ImportResult | None = None
        self._runner = TaskRunner(self)
        self._task: Task | None = None
        self._key_region: Region | None = None
        self._read_timer = QTimer(self)
        self._read_timer.setSingleShot(True)
        self._read_timer.setInterval(READ_PAUSE_MS)
        self._read_timer.timeout.connect(self.read_text)

        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setObjectName("import_text")
        self.text.setPlaceholderText("curl -X POST https://api2.amplitude.com/attribution …")
        self.text.setTabChangesFocus(True)  # a paste box: Tab moves on, as in a form
        annotate(
            self.text,
            "Text to import",
            "Paste a curl command, a raw HTTP request, a form body, a URL or an event JSON",
        )
        self.hint.setBuddy(self.text)
        self.summary = QLabel()
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.import_button = QPushButton("&Import")
        self.import_button.setObjectName("import_button")
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        self.import_button.clicked.connect(self.on_import)

        self.key_offer = QLabel()
        self.key_offer.setObjectName("import_key_offer")
        self.key_offer.setWordWrap(True)
        self.save_key = QPushButton("&Save key")
        self.save_key.setObjectName("import_save_key")
        self.discard_key = QPushButton("&Discard key")
        self.discard_key.setObjectName("import_discard_key")
        self.key_buttons = QDialogButtonBox()
        self.key_buttons.addButton(self.save_key, QDialogButtonBox.ButtonRole.AcceptRole)
        self.key_buttons.addButton(self.discard_key, QDialogButtonBox.ButtonRole.RejectRole)
        self.save_key.clicked.connect(self.on_save_key)
        self.discard_key.clicked.connect(self.on_discard_key)

        layout = QVBoxLayout(self)
        for widget in (self.hint, self.text, self.summary, self.buttons):
            layout.addWidget(widget)
        layout.addWidget(self.key_offer)
        layout.addWidget(self.key_buttons)
        self._show_offer(False)
        self.resize(640, 420)
        clipboard = QGuiApplication.clipboard().text()
        prefill = read_clipboard(clipboard)  # read once: shown as the first reading
        if prefill is not None:
            self.text.setPlainText(clipboard)
        self._show_result(prefill)
        self.text.textChanged.connect(self.on_text_changed)  # then read as it is edited

    def _show_offer(self, shown: bool) -> None:
        offer: tuple[QWidget, ...] = (self.key_offer, self.key_buttons)
        paste: tuple[QWidget, ...] = (self.hint, self.text, self.buttons)
        for widget in offer:
            widget.setVisible(shown)
        for widget in paste:
            widget.setVisible(not shown)
        if shown:
            # The focused paste box is hidden now: a keyboard user lands on the offer (Save
            # is disabled until the keyring has answered; _enable_save moves on to it).
            self.discard_key.setFocus(Qt.FocusReason.OtherFocusReason)

    def _enable_save(self) -> None:
        self.save_key.setEnabled(True)
        if self.focusWidget() in (None, self.discard_key, self.text, self.import_button):
            self.save_key.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def on_text_changed(self) -> None:
        if self.text.document().characterCount() > READ_AT_ONCE_CHARS:
            self._read_timer.start()  # (re)starts the pause
        else:
            self.read_text()

    @Slot()
    def read_text(self) -> None:
        """Read the text now: the summary and the Import button follow it."""
        self._read_timer.stop()
        text = self.text.toPlainText()
        self._show_result(parse_paste(text) if text.strip() else None)

    def _show_result(self, result: ImportResult | None) -> None:
        self._result = result
        lines = [*result.recognised, *result.problems] if result is not None else []
        self.summary.setText("\n".join(lines))
        self.import_button.setEnabled(result is not None and result.usable)

    @Slot()
    def on_import(self) -> None:
        if self._read_timer.isActive():
            self.read_text()  # the last keystrokes are not read yet
        result = self._result
        if result is None or not result.usable:
            return
        if not apply_import(self._window, result):
            self.summary.setText("Nothing was imported: the current event was kept.")
            return  # the pasted text stays in the box
        # The pasted text may hold the key: it goes now, and the result keeps it only for
        # the save offer below.
        self.text.blockSignals(True)
        self.text.clear()
        self.text.blockSignals(False)
        self._window.show_status(f"Imported a {result.shape}.")
        if not result.found_key:
            self._result = None
            self.accept()
            return
        # Known from now on, so a crash report that happens to contain it masks it.
        self._window.reporter.forbid(result.found_key)
        if result.found_key in DEMO_KEYS.values():
            # The sandbox's own demo key: nothing worth keeping, and saving it would
            # replace the real key of that slot.
            self._result = None
            self._window.show_status(
                f"Imported a {result.shape}; its key is the sandbox's demo key (not saved)."
            )
            self.accept()
            return
        self._key_region = result.region or self._window.destination.current_region()
        self._offer_save(result.found_key, self._key_region)

    def _offer_save(self, key: str, region: Region) -> None:
        """Ask to save ``key``, once the keyring has said whether the slot holds one already:
        a key there is named, and the button says Replace."""
        profile = self._window.backend.profile
        slot = f"profile '{profile}' / region {region.value.upper()}"
        intro = (
            f"The pasted text contained an API key ({mask_key(key)}). "
            "It was not put into the form."
        )
        self.key_offer.setText(f"{intro} Checking what {slot} holds…")
        self.save_key.setText("&Save key")
        self.save_key.setEnabled(False)
        self._show_offer(True)
        credentials = self._window.backend.credentials()
        if credentials is None:
            self.key_offer.setText(f"{intro} Save it to {slot} in the keyring?")
            self._enable_save()
            return

        def checked(status: SlotStatus | None, error: BaseException | None) -> None:
            self._task = None
            stored = status.masked if status is not None and error is None else ""
            if status is not None and status.state is SlotState.NOT_SET:
                question = f"Save it to {slot} in the keyring?"
            elif stored and stored != mask_key(key):
                question = f"{slot.capitalize()} already holds a key ({stored}); replace it?"
                self.save_key.setText("&Replace key")
            elif stored:
                question = f"{slot.capitalize()} already holds this key; save it again?"
            else:  # the keyring could not say
                question = f"Save it to {slot} in the keyring (replacing any key there)?"
            self.key_offer.setText(f"{intro} {question}")
            self._enable_save()

        self._task = self._runner.run(
            lambda: credentials.slot_status(profile, region), checked, "check the key slot"
        )

    @Slot()
    def on_discard_key(self) -> None:
        self._result = None
        self._window.show_status("The pasted key was discarded.")
        self.reject()

    @Slot()
    def on_save_key(self) -> None:
        result, region = self._result, self._key_region
        credentials = self._window.backend.credentials()
        if self._task:
            return  # a save is already on its way
        if result is None or result.found_key is None or region is None:
            self.key_offer.setText("There is no key to save any more; paste it again.")
            return
        if credentials is None:
            self.key_offer.setText("The keyring is not ready yet; try again in a moment.")
            return
        key, profile = result.found_key, self._window.backend.profile
        self._result = None
        self.save_key.setEnabled(False)
        self.discard_key.setEnabled(False)
        self.key_offer.setText("Waiting for the keyring…")
        done = f"Stored the {region.value.upper()} key of '{profile}': {mask_key(key)}."

        def finished(_result: Any, error: BaseException | None) -> None:
            self._task = None
            if error is not None:
                # CredentialError/ValueError messages never contain the key.
                self.key_offer.setText(f"The key was not saved: {error}")
                self.discard_key.setEnabled(True)
                return
            self._window.backend.reload_keys()
            self._window.key_profiles.refresh()
            self._window.key_profiles.reload_dialog()  # if shown; a hidden one reads on show
            self._window.show_status(done)
            self.accept()

        self._task = self._runner.run(
            lambda: credentials.set_key(profile, region, key), finished, "save pasted key"
        )

    def is_busy(self) -> bool:
        return self._task is not None
