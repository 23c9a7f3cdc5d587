"""The credentials dialog driven like a user: type, click, read what the dialog says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QToolButton

from attribution_workbench.core.credentials import ENV_VAR, SERVICE, KeyStore
from attribution_workbench.core.profiles import Credentials, KeySource, SlotState
from attribution_workbench.core.regions import Region, Target
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from attribution_workbench.ui.credentials_dialog import CredentialsDialog
from attribution_workbench.ui.settings_store import SettingsRegistryStorage
from memory_keyring import DaemonGoneKeyring, LockedKeyring, MemoryKeyring

KEY = "0123456789abcdef0123456789abcdef"
US_KEY, EU_KEY = DEMO_KEYS["us"], DEMO_KEYS["eu"]

Factory = Callable[..., CredentialsDialog]


@pytest.fixture
def settings_path(isolated_home: Path) -> str:
    return str(isolated_home / ".config" / "attribution-workbench" / "workbench.ini")


@pytest.fixture
def make_dialog(qtbot: QtBot, settings_path: str) -> Iterator[Factory]:
    """Build a dialog over the real settings file and wait for its first keyring read."""
    made: list[CredentialsDialog] = []

    def make(environ: dict[str, str] | None = None) -> CredentialsDialog:
        credentials = Credentials(
            KeyStore(), SettingsRegistryStorage(settings_path), environ=environ or {}
        )
        # The first refresh's answer is queued, so nothing is lost before waitSignal runs.
        dialog = CredentialsDialog(credentials)
        qtbot.addWidget(dialog)
        dialog.confirm = lambda text: True  # type: ignore[method-assign]
        made.append(dialog)
        qtbot.waitSignal(dialog.idle, timeout=10_000).wait()
        return dialog

    yield make
    for dialog in made:
        dialog.shutdown()


@pytest.fixture
def dialog(make_dialog: Factory) -> CredentialsDialog:
    return make_dialog()


def child(dialog: CredentialsDialog, kind: type, name: str):  # type: ignore[no-untyped-def]
    widget = dialog.findChild(kind, name)
    assert widget is not None, name
    return widget


def cell(dialog: CredentialsDialog, profile: str, region: Region) -> str:
    table = dialog.table
    for row in range(table.rowCount()):
        if table.item(row, 0).text() == profile:
            return table.item(row, 1 if region is Region.US else 2).text()
    raise AssertionError(f"no row for {profile}")


def click_and_wait(qtbot: QtBot, dialog: CredentialsDialog, button: QPushButton) -> None:
    assert button.isEnabled(), button.objectName()
    with qtbot.waitSignal(dialog.idle, timeout=10_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def paste_key(qtbot: QtBot, dialog: CredentialsDialog, text: str) -> None:
    field = child(dialog, QLineEdit, "key_input")
    field.clear()
    qtbot.keyClicks(field, text)


def test_every_named_widget_exists(dialog: CredentialsDialog) -> None:
    for name in ("key_input", "profile_name"):
        child(dialog, QLineEdit, name)
    child(dialog, QToolButton, "show_key")
    for name in ("save_key", "delete_key", "add_profile", "rename_profile", "delete_profile"):
        child(dialog, QPushButton, name)
    assert dialog.findChild(object, "profiles_table") is dialog.table
    assert dialog.findChild(object, "keyring_status") is dialog.keyring_status


def test_set_a_key_like_a_user(
    qtbot: QtBot, dialog: CredentialsDialog, memory_keyring: MemoryKeyring
) -> None:
    assert "Keys are kept in: " in dialog.keyring_status.text()
    assert "not a known OS keyring" in dialog.keyring_status.text()  # the test backend
    assert not dialog.banner.isVisibleTo(dialog)
    assert cell(dialog, "default", Region.US) == "not set"
    dialog.select_slot("default", Region.US)
    assert "Profile 'default', US (standard): not set" == dialog.slot_label.text()

    field = child(dialog, QLineEdit, "key_input")
    assert field.echoMode() is QLineEdit.EchoMode.Password
    paste_key(qtbot, dialog, "not-a-key")
    assert dialog.key_warning.isVisibleTo(dialog)
    assert "does not look like an Amplitude API key" in dialog.key_warning.text()
    paste_key(qtbot, dialog, f"  {KEY}  ")
    assert not dialog.key_warning.isVisibleTo(dialog)
    qtbot.mouseClick(child(dialog, QToolButton, "show_key"), Qt.MouseButton.LeftButton)
    assert field.echoMode() is QLineEdit.EchoMode.Normal

    click_and_wait(qtbot, dialog, dialog.save_key)
    assert memory_keyring.entries[(SERVICE, "default@us")] == KEY
    assert field.text() == "" and field.echoMode() is QLineEdit.EchoMode.Password
    assert cell(dialog, "default", Region.US) == "set ••••••••cdef"
    assert dialog.status.text() == (
        "Stored the US key of 'default' in the OS keyring: ••••••••cdef."
    )
    assert dialog.save_key.text() == "Replace key"

    click_and_wait(qtbot, dialog, dialog.delete_key)
    assert memory_keyring.entries == {}
    assert cell(dialog, "default", Region.US) == "not set"


def test_add_rename_delete_profile(
    qtbot: QtBot, dialog: CredentialsDialog, memory_keyring: MemoryKeyring, make_dialog: Factory
) -> None:
    qtbot.keyClicks(dialog.profile_name, "staging")
    qtbot.mouseClick(dialog.add_profile, Qt.MouseButton.LeftButton)
    assert dialog.current_profile() == "staging"
    assert cell(dialog, "staging", Region.EU) in ("unknown", "checking…")
    dialog.select_slot("staging", Region.EU)
    paste_key(qtbot, dialog, EU_KEY)
    click_and_wait(qtbot, dialog, dialog.save_key)
    assert cell(dialog, "staging", Region.EU) == "set ••••••••b4c6"

    qtbot.keyClicks(dialog.profile_name, "default")
    qtbot.mouseClick(dialog.add_profile, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "A profile named 'default' already exists."

    dialog.profile_name.setText("prod-eu")
    click_and_wait(qtbot, dialog, dialog.rename_profile)
    assert dialog.status.text() == "Renamed profile 'staging' to 'prod-eu'."
    assert memory_keyring.entries == {(SERVICE, "prod-eu@eu"): EU_KEY}
    assert cell(dialog, "prod-eu", Region.EU) == "set ••••••••b4c6"
    assert dialog.current_profile() == "prod-eu"  # the renamed row stays selected

    # The registry is in the settings file: a new dialog (the next start) lists it.
    again = make_dialog()
    assert [again.table.item(r, 0).text() for r in range(again.table.rowCount())] == [
        "default",
        "prod-eu",
    ]

    dialog.select_slot("prod-eu")
    click_and_wait(qtbot, dialog, dialog.delete_profile)
    assert memory_keyring.entries == {}
    assert dialog.table.rowCount() == 1


def test_no_keyring_offers_session_only(
    qtbot: QtBot, no_keyring: KeyringBackend, dialog: CredentialsDialog
) -> None:
    assert dialog.banner.isVisibleTo(dialog)
    text = dialog.banner_text.text()
    assert text.startswith("No OS keyring is available")
    assert "Install and unlock gnome-keyring or KWallet" in text
    assert "for this session only" in text
    assert "Keys cannot be saved" in dialog.keyring_status.text()
    assert dialog.session_only.isChecked()
    assert cell(dialog, "default", Region.EU) == "unknown (keyring unavailable)"

    dialog.select_slot("default", Region.EU)
    paste_key(qtbot, dialog, EU_KEY)
    click_and_wait(qtbot, dialog, dialog.save_key)
    assert cell(dialog, "default", Region.EU) == "session only ••••••••b4c6"
    assert "for this session only (not saved)" in dialog.status.text()
    assert dialog._credentials.key_for("default", Region.EU) == (EU_KEY, KeySource.SESSION)

    # Unticking session-only cannot sneak the key into a file: the save fails, explained.
    dialog.select_slot("default", Region.US)
    dialog.session_only.setChecked(False)
    paste_key(qtbot, dialog, US_KEY)
    click_and_wait(qtbot, dialog, dialog.save_key)
    assert dialog.status.text().startswith("No OS keyring is available")
    assert cell(dialog, "default", Region.US) == "unknown (keyring unavailable)"


def test_locked_keyring_shows_the_banner(
    qtbot: QtBot, locked_keyring: LockedKeyring, dialog: CredentialsDialog
) -> None:
    assert dialog.banner.isVisibleTo(dialog)
    assert dialog.banner_text.text().startswith("The OS keyring is locked")
    dialog.select_slot("default", Region.US)
    paste_key(qtbot, dialog, KEY)
    click_and_wait(qtbot, dialog, dialog.save_key)
    assert dialog.status.text().startswith("The OS keyring is locked")
    qtbot.mouseClick(child(dialog, QPushButton, "use_session"), Qt.MouseButton.LeftButton)
    assert dialog.session_only.isChecked()
    paste_key(qtbot, dialog, KEY)
    click_and_wait(qtbot, dialog, dialog.save_key)
    assert cell(dialog, "default", Region.US) == "session only ••••••••cdef"


def test_keyring_gone_mid_session_is_explained(
    qtbot: QtBot, gone_keyring: DaemonGoneKeyring, dialog: CredentialsDialog
) -> None:
    dialog.select_slot("default", Region.US)
    paste_key(qtbot, dialog, KEY)
    click_and_wait(qtbot, dialog, dialog.save_key)
    assert cell(dialog, "default", Region.US) == "set ••••••••cdef"
    gone_keyring.stop_daemon()
    click_and_wait(qtbot, dialog, dialog.delete_key)
    assert dialog.status.text().startswith("The OS keyring could not be reached")
    assert dialog.banner.isVisibleTo(dialog)
    assert cell(dialog, "default", Region.US) == "unknown (keyring unavailable) — last seen: set"
    assert dialog._credentials.slot_state("default", Region.US) is SlotState.SET
    # The app keeps going: a session-only key still works.
    qtbot.mouseClick(child(dialog, QPushButton, "use_session"), Qt.MouseButton.LeftButton)
    paste_key(qtbot, dialog, KEY)
    click_and_wait(qtbot, dialog, dialog.save_key)
    assert cell(dialog, "default", Region.US) == "session only ••••••••cdef"


def test_env_var_note(make_dialog: Factory) -> None:
    dialog = make_dialog({ENV_VAR: KEY})
    assert dialog.env_note.isVisibleTo(dialog)
    assert "overrides every profile" in dialog.env_note.text()


def test_verify_profile_and_pasted_key_against_the_sandbox(
    qtbot: QtBot, dialog: CredentialsDialog, sandbox_server: SandboxServer
) -> None:
    dialog.verify_panel.set_destination(Target.SANDBOX, sandbox_server.base_url)
    dialog.verify_panel.use_probe.setChecked(False)
    dialog.select_slot("default", Region.US)
    paste_key(qtbot, dialog, US_KEY)
    click_and_wait(qtbot, dialog, dialog.save_key)
    dialog.select_slot("default", Region.EU)
    paste_key(qtbot, dialog, US_KEY)  # the US key saved as the EU key by mistake
    click_and_wait(qtbot, dialog, dialog.save_key)

    panel = dialog.verify_panel
    with qtbot.waitSignal(panel.finished, timeout=15_000):
        qtbot.mouseClick(dialog.verify_profile, Qt.MouseButton.LeftButton)
    assert panel.summary.text() == (
        "US key accepted. The EU key belongs to US: US accepts it, EU does not."
    )
    assert panel.cell(Region.EU, 0).text() == "✖ rejected\nbelongs to US"

    paste_key(qtbot, dialog, EU_KEY)
    with qtbot.waitSignal(panel.finished, timeout=15_000):
        qtbot.mouseClick(dialog.verify_pasted, Qt.MouseButton.LeftButton)
    assert panel.summary.text() == "This key belongs to EU: only EU accepted it."
    assert dialog.verify_profile.isEnabled()


def test_an_unexpected_failure_is_reported_and_does_not_claim_nothing_changed(
    qtbot: QtBot, dialog: CredentialsDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed: list[bool] = []
    dialog.changed.connect(lambda: changed.append(True))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("half way through")

    monkeypatch.setattr(dialog._credentials, "rename_profile", broken)
    dialog.profile_name.setText("renamed")
    with qtbot.capture_exceptions() as exceptions:
        click_and_wait(qtbot, dialog, dialog.rename_profile)
    assert [type(e[1]) for e in exceptions] == [RuntimeError]  # to the error dialog
    assert dialog.status.text().startswith("Unexpected error (RuntimeError: half way through).")
    assert "nothing was changed" not in dialog.status.text()
    assert changed == [True]  # the window rereads the profiles
