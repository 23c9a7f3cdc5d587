"""No file the app writes and no log line it prints contains a key.

A scripted session with a sentinel key: store it through the credentials dialog (keyring and
session-only), verify it against the sandbox (whose V2 answer echoes a rejected key back),
send an event with it from the main window, save the event, close everything. HOME and
XDG_* point into tmp_path (tests/conftest.py), the settings file is given an explicit path
inside that XDG_CONFIG_HOME, and every log record, stdout/stderr and Qt message is kept.
Then every file under tmp_path and every captured line is searched for the sentinel.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from attribution_workbench.app import ClientSender
from attribution_workbench.core.credentials import KeyStore
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.profiles import Credentials
from attribution_workbench.core.regions import Region, Target
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui.credentials_dialog import CredentialsDialog
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from attribution_workbench.ui.settings import Settings
from attribution_workbench.ui.settings_store import SettingsRegistryStorage
from leak_helpers import Collect, files_containing, texts_containing
from window_helpers import OFFSCREEN_NOISE, FixtureSandbox

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

SENTINEL = "0badc0de5e471e1f00d5eed1dea15ca7"  # a plausible 32-hex key
SESSION_SENTINEL = "5e551011dead0000beef000011115e55"


def test_no_key_in_any_file_or_log(
    qtbot: QtBot,
    tmp_path: Path,
    isolated_home: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    all_logs: Collect,
) -> None:
    caplog.set_level(logging.DEBUG)
    config = Path(os.environ["XDG_CONFIG_HOME"])
    settings_path = str(config / "attribution-workbench" / "workbench.ini")
    credentials = Credentials(KeyStore(), SettingsRegistryStorage(settings_path), environ={})

    with SandboxServer() as server:
        # 1. Keys in through the dialog: the sentinel into the keyring, another session-only.
        dialog = CredentialsDialog(credentials)
        qtbot.addWidget(dialog)
        qtbot.waitSignal(dialog.idle, timeout=10_000).wait()
        dialog.select_slot("default", Region.US)
        qtbot.keyClicks(dialog.key_input, f" {SENTINEL} ")
        qtbot.mouseClick(dialog.show_key, Qt.MouseButton.LeftButton)  # shown on screen only
        with qtbot.waitSignal(dialog.idle, timeout=10_000):
            qtbot.mouseClick(dialog.save_key, Qt.MouseButton.LeftButton)
        dialog.select_slot("default", Region.EU)
        dialog.session_only.setChecked(True)
        qtbot.keyClicks(dialog.key_input, SESSION_SENTINEL)
        with qtbot.waitSignal(dialog.idle, timeout=10_000):
            qtbot.mouseClick(dialog.save_key, Qt.MouseButton.LeftButton)

        # 2. Verify: both keys go on the wire; the V2 API answers "Invalid API key: <key>".
        dialog.verify_panel.set_destination(Target.SANDBOX, server.base_url)
        with qtbot.waitSignal(dialog.verify_panel.finished, timeout=15_000):
            qtbot.mouseClick(dialog.verify_profile, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(dialog.key_input, SENTINEL)
        with qtbot.waitSignal(dialog.verify_panel.finished, timeout=15_000):
            qtbot.mouseClick(dialog.verify_pasted, Qt.MouseButton.LeftButton)
        shown = dialog.verify_panel.summary.text() + dialog.verify_panel.scope.text()
        for region in Region:
            for column in range(3):
                item = dialog.verify_panel.cell(region, column)
                shown += item.text() + item.toolTip()
        assert "rejected" in shown
        assert SENTINEL not in shown and SESSION_SENTINEL not in shown
        dialog.key_input.clear()

        # 3. The main window: Ctrl+K opens its own dialog, where the sentinel becomes the US
        # key of a new profile; the profile selector picks it; Send carries it to the
        # sandbox (as a custom URL, so the sentinel, not a demo key, travels); the Verify
        # button checks it; the event is saved and the window closed.
        services = Services(
            settings=Settings(settings_path),
            sender_factory=ClientSender,
            sandbox_starter=lambda: FixtureSandbox(server),
            open_url=lambda url: True,
            credentials=lambda: credentials,
        )
        window = MainWindow(services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.backend.credentials() is not None)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        keys_dialog = window.key_profiles.dialog
        assert keys_dialog is not None and keys_dialog.isVisible()
        qtbot.waitUntil(lambda: not keys_dialog.is_busy() and keys_dialog.table.rowCount() > 0)
        qtbot.keyClicks(keys_dialog.profile_name, "leak")
        qtbot.mouseClick(keys_dialog.add_profile, Qt.MouseButton.LeftButton)
        keys_dialog.select_slot("leak", Region.US)
        qtbot.keyClicks(keys_dialog.key_input, SENTINEL)
        with qtbot.waitSignal(keys_dialog.idle, timeout=10_000):
            qtbot.mouseClick(keys_dialog.save_key, Qt.MouseButton.LeftButton)
        keys_dialog.close()
        profile = window.destination.profile
        profile.setCurrentIndex(profile.findText("leak"))
        window.destination.set_region(Region.US)
        window.destination.set_target(Target.CUSTOM)
        window.destination.set_custom_url(server.base_url + "/us/attribution")
        window.editor.set_event(
            AttributionEvent(
                event_type="[Leak] Install",
                platform="ios",
                idfa="6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84",
            )
        )
        # The form already held a sendable event (the first-run sample): wait for the request
        # that carries the new profile's key, not merely for no blockers.
        def ready_with_the_sentinel() -> bool:
            prepared = window.prepared_request()
            return prepared is not None and SENTINEL.encode() in prepared.body

        qtbot.waitUntil(ready_with_the_sentinel, timeout=10_000)
        assert window.send_blockers() == []
        assert "profile 'leak', US" in window.destination.key_note.text()
        with qtbot.waitSignal(window.sent, timeout=10_000):
            window.send()
        window.destination.set_target(Target.SANDBOX)
        qtbot.waitUntil(lambda: window.backend.sandbox is not None)
        with qtbot.waitSignal(keys_dialog.verify_panel.finished, timeout=15_000) as verified:
            qtbot.mouseClick(window.destination.verify, Qt.MouseButton.LeftButton)
        assert (
            verified.args[0] is not None
            and "rejected" in keys_dialog.verify_panel.cell(Region.US, 0).text()
        )
        assert window.save_event_file(isolated_home / "event.json")
        window.close()
        dialog.close()
        dialog.shutdown()
        # The test means something only if the sentinel really travelled.
        on_the_wire = json.dumps(server.state.requests())
        assert SENTINEL in on_the_wire and SESSION_SENTINEL in on_the_wire

    # 4. Search everything.
    assert Path(settings_path).exists()  # the settings really were written here
    assert files_containing(tmp_path, SENTINEL, SESSION_SENTINEL) == []
    captured = capsys.readouterr()
    logs = [caplog.text, captured.out, captured.err, *all_logs.lines]
    assert texts_containing(logs, SENTINEL, SESSION_SENTINEL) == []
