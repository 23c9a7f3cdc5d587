"""Issue 8, State and Network in the window: a history disk that fills up, a settings file
full of garbage, and Request ▸ Network settings… (the proxy password goes to the keyring)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from attribution_workbench.core.history import History
from attribution_workbench.core.regions import Region, Target
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui import settings as S
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from failing_sqlite import DiskFull
from window_helpers import IOS_EVENT, OFFSCREEN_NOISE, open_window, settle, wait_sent

pytest_plugins = ["conftest_window"]
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)


def test_disk_full_history_keeps_sending_and_says_so(
    qtbot: QtBot, services: Services, tmp_path: Path, sandbox: SandboxServer
) -> None:
    path = tmp_path / "history.sqlite3"

    def full_disk_history() -> History:
        history = History(path)
        history._conn = DiskFull(history._conn)  # type: ignore[assignment]
        return history

    window = open_window(qtbot, dataclasses.replace(services, history=full_disk_history))
    qtbot.waitUntil(lambda: window.backend.sandbox is not None)
    window.editor.set_event(IOS_EVENT)
    settle(qtbot, window)
    before = len(sandbox.state.requests())
    window.send()
    wait_sent(qtbot, window)
    # The first refused write moves history to memory and says so in the status bar.
    qtbot.waitUntil(lambda: "memory" in window.history.notice_text, timeout=5000)
    assert "cannot be written" in window.statusBar().currentMessage()
    settle(qtbot, window)
    window.send()  # sends still work, and are still recorded (in memory)
    wait_sent(qtbot, window)
    assert len(sandbox.state.requests()) == before + 2
    counts: list[int] = []
    window.history.call(lambda h: h.count(), lambda result, _error: counts.append(result))
    qtbot.waitUntil(lambda: counts == [2], timeout=5000)


def _write_garbage(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(
        "[destination]\nregion=mars\n"
        "[send]\ntimeout_seconds=-5\n"
        "[credentials]\nprofiles={not json\n"
        "[response]\npretty_json=maybe\n"
        "[network]\nproxy_mode=carrier-pigeon\n"
    )


def test_garbage_settings_fall_back_to_defaults_with_a_note(
    qtbot: QtBot, services: Services
) -> None:
    _write_garbage(S.default_path())
    window = open_window(qtbot, dataclasses.replace(services, settings=S.Settings()))
    assert window.destination.current_region() is Region.US
    assert window.timeout.value() == S.TIMEOUT_S.default
    note = window.statusBar().currentMessage()
    assert note.startswith("Some settings were invalid and were reset to their defaults")
    for name in (
        "destination/region",
        "send/timeout_seconds",
        "credentials/profiles",
        "response/pretty_json",
        "network/proxy_mode",
    ):
        assert name in note


def test_clean_settings_have_no_note(qtbot: QtBot, window: MainWindow) -> None:
    assert "reset to their defaults" not in window.statusBar().currentMessage()


def test_network_dialog_saves_settings_and_password_in_keyring(
    qtbot: QtBot, window: MainWindow, memory_keyring: object
) -> None:
    from attribution_workbench.core.credentials import KeyStore
    from attribution_workbench.ui.network_dialog import NetworkDialog, load_network

    window.window_actions.network.trigger()
    dialog = window.findChild(NetworkDialog, "network_dialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.system.isChecked() and dialog.trust.isChecked()
    dialog.manual.setChecked(True)
    dialog.url.setText("ftp://nope")
    dialog.save()
    assert "not supported" in dialog.error.text() and dialog.isVisible()
    qtbot.keyClicks(dialog.url, "")
    dialog.url.setText("http://proxy.corp.example:3128")
    qtbot.keyClicks(dialog.user, "alice")
    qtbot.keyClicks(dialog.password, "pr0xy-secret")
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    settings = window.backend.settings
    assert settings.get(S.PROXY_MODE) == "manual"
    assert settings.get(S.PROXY_USER) == "alice"
    assert KeyStore().get_proxy_password() == "pr0xy-secret"
    assert "pr0xy-secret" not in Path(settings.path).read_text()
    config, password = load_network(settings.path)
    assert config.proxy_url == "http://proxy.corp.example:3128" and password == "pr0xy-secret"


def test_the_network_dialog_is_one_dialog_showing_the_saved_settings_at_each_open(
    qtbot: QtBot, window: MainWindow
) -> None:
    from attribution_workbench.ui.network_dialog import NetworkDialog

    window.window_actions.network.trigger()
    dialog = window.findChild(NetworkDialog, "network_dialog")
    assert dialog is not None
    dialog.manual.setChecked(True)
    dialog.url.setText("ftp://nope")
    dialog.save()
    assert dialog.error.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # cancel: nothing was saved
    assert not dialog.isVisible()
    for _ in range(3):
        window.window_actions.network.trigger()
        assert dialog.isVisible()
        dialog.reject()
    assert window.findChildren(NetworkDialog) == [dialog]
    window.window_actions.network.trigger()
    # The unsaved edits and the old error are gone: the dialog shows what is saved.
    assert dialog.system.isChecked() and not dialog.url.isEnabled()
    assert dialog.url.text() == "" and dialog.error.text() == ""


def test_network_settings_reach_send_even_when_the_password_cannot_be_stored(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from attribution_workbench.core.credentials import CredentialError
    from attribution_workbench.ui import network_dialog
    from attribution_workbench.ui.network_dialog import NetworkDialog

    resets: list[bool] = []
    monkeypatch.setattr(window.backend, "reset_sender", lambda: resets.append(True))

    def locked(password: str) -> None:
        raise CredentialError("The keyring is locked.")

    monkeypatch.setattr(network_dialog, "_store_password", locked)
    window.window_actions.network.trigger()
    dialog = window.findChild(NetworkDialog, "network_dialog")
    assert dialog is not None
    dialog.manual.setChecked(True)
    dialog.url.setText("http://proxy.corp.example:3128")
    qtbot.keyClicks(dialog.password, "pr0xy-secret")
    dialog.save()
    qtbot.waitUntil(lambda: "not saved" in dialog.error.text())
    assert dialog.isVisible()  # the user sees why, and can retry
    assert resets  # the written settings are what Send uses from now on


def test_settings_that_cannot_be_read_say_so_and_never_default_to_amplitude(
    qtbot: QtBot, services: Services
) -> None:
    # An unreadable settings file looked like a first start: with $AMPLITUDE_API_KEY set
    # the target became Amplitude (production), with no word of what happened. (A folder
    # where the file should be stands in for chmod 000, which root, as in CI, ignores.)
    Path(S.default_path()).mkdir(parents=True)
    environ = {**services.environ, "AMPLITUDE_API_KEY": "0a1b2c3d4e5f60718293a4b5c6d7e8f9"}
    window = open_window(
        qtbot, dataclasses.replace(services, settings=S.Settings(), environ=environ)
    )
    assert window.destination.current_target() is Target.SANDBOX
    note = window.statusBar().currentMessage()
    assert "cannot be read: this session starts from the defaults, on the sandbox" in note
    assert "will not be kept after quitting" in note
    assert not (window.editor.wire_text() or "").count("[Sample]")  # not a first start


def test_a_read_only_settings_file_is_read_and_says_changes_will_not_be_kept(
    qtbot: QtBot, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = S.Settings()
    settings.set(S.TARGET, Target.CUSTOM.value)
    settings.set(S.CUSTOM_URL, "http://127.0.0.1:9/us/attribution")
    settings.sync()
    real_open = open

    def read_only(path: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if str(path) == settings.path and mode != "r":
            raise PermissionError(13, "Permission denied")
        return real_open(path, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", read_only)
    window = open_window(qtbot, dataclasses.replace(services, settings=S.Settings()))
    monkeypatch.undo()
    assert window.destination.current_target() is Target.CUSTOM  # what was saved
    note = window.statusBar().currentMessage()
    assert "cannot be written (Permission denied)" in note and "cannot be read" not in note
