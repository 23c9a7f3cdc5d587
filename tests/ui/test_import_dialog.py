"""File ▸ Import… (Ctrl+Shift+V): paste, see what is recognised, fill the form, save the key."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.wire import KeyStyle, Transport
from attribution_workbench.sandbox import DEMO_KEYS
from attribution_workbench.ui.import_dialog import ImportDialog
from attribution_workbench.ui.main_window import MainWindow
from memory_keyring import MemoryKeyring
from window_helpers import OFFSCREEN_NOISE, settle

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

PASTED_KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
EVENT = (
    '{"event_type": "[Branch] Install", "platform": "android", '
    '"adid": "3f8e9a1c-0b2d-4e5f-8a7b-6c5d4e3f2a1b"}'
)
CURL = (
    "curl -X POST https://api.eu.amplitude.com/attribution \\\n"
    "  -H 'Content-Type: application/x-www-form-urlencoded' \\\n"
    f"  --data-urlencode 'api_key={PASTED_KEY}' \\\n"
    f"  --data-urlencode 'event={EVENT}'\n"
)


def open_import(qtbot: QtBot, window: MainWindow) -> ImportDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(
        window,
        Qt.Key.Key_V,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.import_dialog
    assert isinstance(dialog, ImportDialog) and dialog.objectName() == "import_dialog"
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def paste(qtbot: QtBot, dialog: ImportDialog, text: str) -> None:
    dialog.text.clear()
    dialog.text.insertPlainText(text)  # as a paste does: one edit


def test_paste_curl_fills_the_form_and_offers_to_save_the_key(
    qtbot: QtBot, window: MainWindow, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    assert window.destination.current_region() is Region.US
    dialog = open_import(qtbot, window)
    paste(qtbot, dialog, CURL)
    summary = dialog.summary.text()
    assert "Recognised a curl command to https://api.eu.amplitude.com/attribution (EU)." in summary
    assert PASTED_KEY not in summary
    assert dialog.import_button.isEnabled()

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.editor.wire_text() == EVENT
    assert window.destination.current_region() is Region.EU
    assert window.destination.current_target() is Target.AMPLITUDE
    assert window.preview.current_transport() is Transport.BODY
    # The key is nowhere in the form, the preview or the dialog's text box.
    assert PASTED_KEY not in (window.editor.wire_text() or "")
    assert PASTED_KEY not in window.preview.shown_text()
    prepared = window.prepared_request()
    assert prepared is None or PASTED_KEY not in prepared.render(
        window.preview.current_format(), KeyStyle.REVEAL
    )
    assert dialog.text.toPlainText() == ""

    assert dialog.key_offer.isVisible()
    qtbot.waitUntil(dialog.save_key.isEnabled)  # the slot was checked first
    offer = dialog.key_offer.text()
    assert "••••••••e8f9" in offer and PASTED_KEY not in offer
    assert "Save it to profile 'default' / region EU" in offer
    assert dialog.save_key.text() == "&Save key"
    qtbot.mouseClick(dialog.save_key, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert memory_keyring.entries[("attribution-workbench", "default@eu")] == PASTED_KEY

    window.save_settings()
    for path in Path(tmp_path).rglob("*"):
        if path.is_file():
            assert PASTED_KEY.encode() not in path.read_bytes(), path


def test_a_key_already_in_the_slot_is_named_and_the_button_says_replace(
    qtbot: QtBot, window: MainWindow, memory_keyring: MemoryKeyring
) -> None:
    stored = "ffffeeeeddddccccbbbbaaaa99998888"
    memory_keyring.entries[("attribution-workbench", "default@eu")] = stored
    qtbot.waitUntil(lambda: window.backend.credentials() is not None)
    dialog = open_import(qtbot, window)
    paste(qtbot, dialog, CURL)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.save_key.isEnabled)
    assert "already holds a key (••••••••8888); replace it?" in dialog.key_offer.text()
    assert dialog.save_key.text() == "&Replace key"
    qtbot.mouseClick(dialog.discard_key, Qt.MouseButton.LeftButton)
    assert memory_keyring.entries[("attribution-workbench", "default@eu")] == stored


def test_the_sandbox_demo_key_is_not_offered_for_saving(
    qtbot: QtBot, window: MainWindow, memory_keyring: MemoryKeyring
) -> None:
    sandbox_curl = CURL.replace(
        "https://api.eu.amplitude.com/attribution", "http://127.0.0.1:8787/eu/attribution"
    ).replace(PASTED_KEY, DEMO_KEYS["eu"])
    dialog = open_import(qtbot, window)
    paste(qtbot, dialog, sandbox_curl)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert not memory_keyring.entries
    assert "sandbox's demo key (not saved)" in window.statusBar().currentMessage()


def test_discard_forgets_the_key(
    qtbot: QtBot, window: MainWindow, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_import(qtbot, window)
    paste(qtbot, dialog, CURL)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.discard_key, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert not memory_keyring.entries
    assert window.editor.wire_text() == EVENT
    # Discarded, yet still masked should it ever turn up in an error report.
    assert PASTED_KEY not in window.reporter.redact(f"boom: api_key={PASTED_KEY}")


def test_docs_android_example_sets_the_query_transport(qtbot: QtBot, window: MainWindow) -> None:
    event = {"event_type": "[YOUR COMPANY] Install", "adid": "AEBE52E7", "platform": "android"}
    text = (
        f"POST /attribution?api_key={{{{api_key}}}}&event={json.dumps(event)} HTTP/1.1\n"
        "Host: api2.amplitude.com\n"
    )
    dialog = open_import(qtbot, window)
    paste(qtbot, dialog, text)
    assert "placeholder" in dialog.summary.text()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()  # no key: no offer
    assert window.preview.current_transport() is Transport.QUERY
    assert window.destination.current_target() is Target.AMPLITUDE


def test_garbage_says_what_was_not_recognised(qtbot: QtBot, window: MainWindow) -> None:
    before = window.editor.wire_text()
    dialog = open_import(qtbot, window)
    paste(qtbot, dialog, "this is not a request")
    assert "not recognised" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()
    paste(qtbot, dialog, "curl https://api.eu.amplitude.com/attribution -d 'api_key=x'")
    assert "The event parameter is missing." in dialog.summary.text()
    assert not dialog.import_button.isEnabled()
    dialog.reject()
    assert window.editor.wire_text() == before


def test_clipboard_is_prefilled_when_importable(qtbot: QtBot, window: MainWindow) -> None:
    url = f"https://api.eu.amplitude.com/attribution?event={quote(EVENT, safe='')}"
    QGuiApplication.clipboard().setText(url)
    dialog = open_import(qtbot, window)
    assert dialog.text.toPlainText() == url
    dialog.reject()
    QGuiApplication.clipboard().setText("just some words")
    dialog = open_import(qtbot, window)
    assert dialog.text.toPlainText() == ""
    dialog.reject()


def test_the_clipboard_is_read_once_when_the_dialog_opens(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from attribution_workbench.ui import import_dialog

    reads: list[str] = []
    real = import_dialog.parse_paste
    monkeypatch.setattr(import_dialog, "parse_paste", lambda text: reads.append(text) or real(text))
    QGuiApplication.clipboard().setText(CURL)
    dialog = open_import(qtbot, window)
    assert dialog.text.toPlainText() == CURL and dialog.import_button.isEnabled()
    assert "Recognised" in dialog.summary.text()
    assert reads == [CURL]
    dialog.reject()


def big_event(properties: int) -> str:
    props = {f"[Branch] property {i}": "x" * 40 for i in range(properties)}
    return json.dumps({"event_type": "[Branch] Install", "platform": "ios", "idfa": "A" * 8,
                       "user_properties": props})


def test_a_long_paste_is_read_when_typing_pauses_and_import_reads_the_latest_text(
    qtbot: QtBot, window: MainWindow
) -> None:
    text = big_event(2000)  # ~130,000 characters: past READ_AT_ONCE_CHARS
    dialog = open_import(qtbot, window)
    paste(qtbot, dialog, "this is not a request")
    assert not dialog.import_button.isEnabled()
    paste(qtbot, dialog, text)
    # Read once typing pauses, not on every keystroke of a long text.
    qtbot.waitUntil(dialog.import_button.isEnabled)
    assert "event" in dialog.summary.text().lower()
    # An edit that spoils the text, then Import before the pause: the latest text is read
    # first, and nothing is imported from the stale reading.
    before = window.editor.wire_text()
    dialog.text.moveCursor(dialog.text.textCursor().MoveOperation.Start)
    dialog.text.insertPlainText("x")  # no longer anything the importer recognises
    assert dialog._read_timer.isActive()
    dialog.on_import()
    assert dialog.isVisible() and not dialog.import_button.isEnabled()
    assert window.editor.wire_text() == before
    dialog.reject()


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"api_key": PASTED_KEY, "events": [json.loads(EVENT)]}),  # an HTTP V2 body
        f'{{"api_key": "{PASTED_KEY}", "event": {EVENT}',  # one JSON slip: the final }} missing
    ],
)
def test_a_pasted_key_never_reaches_the_editor_preview_or_saved_state(
    qtbot: QtBot, window: MainWindow, memory_keyring: MemoryKeyring, text: str
) -> None:
    before = window.editor.wire_text()
    dialog = open_import(qtbot, window)
    paste(qtbot, dialog, text)
    qtbot.waitUntil(lambda: bool(dialog.summary.text()))
    assert PASTED_KEY not in dialog.summary.text()
    if dialog.import_button.isEnabled():
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        settle(qtbot, window)
        assert json.loads(window.editor.wire_text() or "") == json.loads(EVENT)
    else:
        assert "holds an api_key" in dialog.summary.text()
        assert window.editor.wire_text() == before
    assert PASTED_KEY not in (window.editor.wire_text() or "")
    assert PASTED_KEY not in window.preview.shown_text()
    window.save_settings()
    settings = window.backend.settings
    settings.sync()
    assert PASTED_KEY not in Path(settings.path).read_text(encoding="utf-8")


def test_the_key_offer_takes_the_focus_and_tab_never_types_into_the_paste_box(
    qtbot: QtBot, window: MainWindow, memory_keyring: MemoryKeyring
) -> None:
    # Import hid the focused paste box: Tab then typed a tab into it, which cleared what
    # was recognised, and Save key did nothing at all.
    dialog = open_import(qtbot, window)
    assert dialog.text.tabChangesFocus() and dialog.text.accessibleName() == "Text to import"
    paste(qtbot, dialog, CURL)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.save_key.isVisible() and dialog.save_key.isEnabled())
    assert dialog.focusWidget() is dialog.save_key  # the focus the dialog gives when active
    dialog._result = None  # as if the text had been read again meanwhile
    dialog.on_save_key()
    assert "no key to save" in dialog.key_offer.text()
