"""The main window's key profiles, driven like a user: Ctrl+K, the profile selector, Verify."""

from __future__ import annotations

import re

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMenu, QTabWidget

from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.verify import Verdict
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from attribution_workbench.ui import settings as S
from attribution_workbench.ui.credentials_dialog import CredentialsDialog
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.settings import Settings
from memory_keyring import MemoryKeyring
from window_helpers import OFFSCREEN_NOISE, last_recorded, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

WRONG_KEY = "0123456789abcdef0123456789abcdef"  # looks right, the sandbox rejects it


def open_credentials(qtbot: QtBot, window: MainWindow) -> CredentialsDialog:
    """Ctrl+K, then wait until the dialog has read the keyring."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = window.key_profiles.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.confirm = lambda text: True  # type: ignore[method-assign]
    qtbot.waitUntil(lambda: not dialog.is_busy() and dialog.table.rowCount() > 0)
    return dialog


def add_profile(qtbot: QtBot, dialog: CredentialsDialog, name: str) -> None:
    dialog.profile_name.clear()
    qtbot.keyClicks(dialog.profile_name, name)
    qtbot.mouseClick(dialog.add_profile, Qt.MouseButton.LeftButton)


def save_key(
    qtbot: QtBot, dialog: CredentialsDialog, profile: str, region: Region, key: str
) -> None:
    dialog.select_slot(profile, region)
    qtbot.keyClicks(dialog.key_input, key)
    with qtbot.waitSignal(dialog.idle, timeout=10_000):
        qtbot.mouseClick(dialog.save_key, Qt.MouseButton.LeftButton)


def profiles_listed(window: MainWindow) -> list[str]:
    combo = window.destination.profile
    return [combo.itemText(i) for i in range(combo.count())]


def choose_profile(qtbot: QtBot, window: MainWindow, name: str) -> None:
    combo = window.destination.profile
    combo.setCurrentIndex(combo.findText(name))
    qtbot.waitUntil(lambda: f"profile '{name}'" in window.destination.key_note.text())
    settle(qtbot, window)


def test_ctrl_k_opens_the_dialog_on_the_window_profile_and_region(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.destination.set_region(Region.EU)
    dialog = open_credentials(qtbot, window)
    assert dialog.parent() is window and not dialog.isModal()
    assert dialog.current_profile() == "default"
    assert dialog.current_region() is Region.EU
    # The same dialog comes back, on whatever the window shows now.
    dialog.hide()
    window.destination.set_region(Region.US)
    assert open_credentials(qtbot, window) is dialog
    assert dialog.current_region() is Region.US
    action = window.window_actions.credentials
    assert action.shortcut().toString() == "Ctrl+K"
    assert action.text().replace("&", "") == "API keys and profiles…"


def test_reopening_shows_keys_changed_meanwhile_and_delete_works_on_them(
    qtbot: QtBot, window: MainWindow, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_credentials(qtbot, window)
    assert dialog.current_region() is Region.US
    assert not dialog.delete_key.isEnabled()  # nothing stored yet
    dialog.hide()
    # Stored elsewhere while the dialog was closed (Import, attribution-cli key set).
    memory_keyring.entries[("attribution-workbench", "default@us")] = WRONG_KEY
    assert open_credentials(qtbot, window) is dialog
    qtbot.waitUntil(lambda: "set" in slot_text(dialog, "default", 1))
    assert dialog.delete_key.isEnabled()


def slot_text(dialog: CredentialsDialog, profile: str, column: int) -> str:
    for row in range(dialog.table.rowCount()):
        item = dialog.table.item(row, 0)
        if item is not None and item.text() == profile:
            cell = dialog.table.item(row, column)
            return cell.text() if cell is not None else ""
    return ""


def test_profiles_from_the_dialog_fill_the_selector_and_choose_the_key_sent(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer
) -> None:
    dialog = open_credentials(qtbot, window)
    add_profile(qtbot, dialog, "staging")
    assert profiles_listed(window) == ["default", "staging"]
    save_key(qtbot, dialog, "default", Region.US, WRONG_KEY)
    save_key(qtbot, dialog, "staging", Region.US, DEMO_KEYS["us"])
    dialog.close()

    # The sandbox as a custom loopback URL: the profile's key travels, not a demo key.
    window.destination.set_target(Target.CUSTOM)
    qtbot.keyClicks(window.destination.custom_url, sandbox.base_url + "/us/attribution")
    choose_profile(qtbot, window, "staging")
    note = window.destination.key_note.text()
    assert "the OS keyring" in note and "profile 'staging', US" in note
    with qtbot.waitSignal(window.sent, timeout=10_000):
        qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    wait_sent(qtbot, window)
    assert DEMO_KEYS["us"].encode() in last_recorded(sandbox)["body"]
    assert window.response.status.text().startswith("✓ 200 OK")

    choose_profile(qtbot, window, "default")
    with qtbot.waitSignal(window.sent, timeout=10_000):
        qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    wait_sent(qtbot, window)
    assert WRONG_KEY.encode() in last_recorded(sandbox)["body"]
    assert window.response.body.toPlainText() == "invalid_api_key"

    # The choice is remembered (its name only).
    choose_profile(qtbot, window, "staging")
    window.save_settings()
    assert Settings(window._settings.path).get(S.PROFILE) == "staging"


def test_sandbox_target_keeps_its_demo_keys_and_says_so(qtbot: QtBot, window: MainWindow) -> None:
    note = window.destination.key_note.text()
    assert "demo key" in note and "ignores profiles" in note
    request = window.prepared_request()
    assert request is not None and request.api_key == DEMO_KEYS["us"]


def test_other_region_hint_and_its_button_switch_the_region(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = open_credentials(qtbot, window)
    add_profile(qtbot, dialog, "prod-eu")
    save_key(qtbot, dialog, "prod-eu", Region.EU, DEMO_KEYS["eu"])
    dialog.close()
    window.destination.set_target(Target.AMPLITUDE)
    window.destination.set_region(Region.US)
    window.destination.profile.setCurrentIndex(window.destination.profile.findText("prod-eu"))

    hint = window.destination.key_hint
    qtbot.waitUntil(lambda: hint.isVisible())
    assert hint.text() == (
        "Profile 'prod-eu' has no US key, but it has an EU key; switch region to EU?"
    )
    assert not window.send_button.isEnabled()
    switch = window.destination.switch_region
    assert switch.text() == "Switch to EU"
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton)

    assert window.destination.current_region() is Region.EU
    qtbot.waitUntil(lambda: "profile 'prod-eu', EU" in window.destination.key_note.text())
    settle(qtbot, window)
    assert not hint.isVisible()
    assert window.send_button.isEnabled()


def test_verify_button_checks_the_profile_against_the_sandbox(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = open_credentials(qtbot, window)
    save_key(qtbot, dialog, "default", Region.US, DEMO_KEYS["us"])
    dialog.close()
    verify = window.destination.verify
    assert verify.text() == "Verify key…" and "Ctrl+Shift+K" in verify.toolTip()

    panel = dialog.verify_panel
    with qtbot.waitSignal(panel.finished, timeout=20_000) as finished:
        qtbot.mouseClick(verify, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    report = finished.args[0]
    assert report is not None and report.target is Target.SANDBOX
    assert report.verdict(Region.US) is Verdict.ACCEPTED
    assert report.missing == [Region.EU]
    assert "accepted" in panel.cell(Region.US, 0).text()


def test_no_two_visible_mnemonics_share_a_letter(qtbot: QtBot, window: MainWindow) -> None:
    window.destination.set_target(Target.CUSTOM)  # shows the URL row too
    settle(qtbot, window)
    texts = [action.text() for action in window.menuBar().actions()]
    for label in window.findChildren(QLabel):
        if label.buddy() is not None and label.isVisibleTo(window):
            texts.append(label.text())
    for tabs in window.findChildren(QTabWidget):
        if tabs.isVisibleTo(window):
            texts += [tabs.tabText(i) for i in range(tabs.count())]
    letters = [m.group(1).lower() for t in texts if (m := re.search(r"&([^&])", t))]
    duplicates = {letter for letter in letters if letters.count(letter) > 1}
    assert not duplicates, [t for t in texts if re.search(rf"&[{''.join(duplicates)}]", t, re.I)]


def test_every_menu_item_has_a_mnemonic_of_its_own_in_its_menu(window: MainWindow) -> None:
    # Alt+letter, then the item's letter: the keyboard reaches every item, even those
    # without a shortcut (the copy-with-$AMPLITUDE_API_KEY items, Network settings...).
    for title_action in window.menuBar().actions():
        menu = title_action.menu()
        assert isinstance(menu, QMenu), title_action.text()
        texts = [a.text() for a in menu.actions() if not a.isSeparator()]
        letters = [m.group(1).lower() for t in texts if (m := re.search(r"&([^&])", t))]
        assert len(letters) == len(texts), [t for t in texts if "&" not in t]
        assert len(set(letters)) == len(letters), (title_action.text(), texts)


def test_renaming_the_selected_profile_keeps_it_selected(qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_credentials(qtbot, window)
    add_profile(qtbot, dialog, "staging")
    add_profile(qtbot, dialog, "qa")
    window.destination.profile.setCurrentIndex(window.destination.profile.findText("staging"))
    assert window.backend.profile == "staging"

    dialog.select_slot("staging")
    dialog.profile_name.clear()
    qtbot.keyClicks(dialog.profile_name, "stage")
    with qtbot.waitSignal(dialog.idle, timeout=10_000):
        qtbot.mouseClick(dialog.rename_profile, Qt.MouseButton.LeftButton)
    assert "stage" in profiles_listed(window) and "staging" not in profiles_listed(window)
    assert window.destination.profile.currentText() == "stage"
    assert window.backend.profile == "stage"

    # Renaming another profile leaves the selection alone.
    dialog.select_slot("qa")
    qtbot.keyClicks(dialog.profile_name, "qa2")
    with qtbot.waitSignal(dialog.idle, timeout=10_000):
        qtbot.mouseClick(dialog.rename_profile, Qt.MouseButton.LeftButton)
    assert "qa2" in profiles_listed(window)
    assert window.destination.profile.currentText() == "stage"


def test_a_hidden_credentials_dialog_reads_the_keyring_once_when_shown_again(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = open_credentials(qtbot, window)
    dialog.close()
    reads: list[bool] = []
    original = dialog.refresh
    dialog.refresh = lambda: (reads.append(True), original())[1]  # type: ignore[method-assign]
    window.key_profiles.reload_dialog()  # e.g. after Import saved a key
    assert reads == []  # hidden: nothing read now (each read may wait on D-Bus or prompt)
    open_credentials(qtbot, window)
    assert reads == [True]  # ...but once when it is shown again
    window.key_profiles.reload_dialog()
    qtbot.waitUntil(lambda: not dialog.is_busy())
    assert reads == [True, True]  # shown: read now
