"""The main window when the keyring is locked, missing, or vanishes mid-session.

The credentials dialog's side is in test_credentials_dialog.py; here the window's own key
lookup (for Send) meets the broken keyring: a plain message says what is wrong, no error
dialog opens, and the app keeps working (the sandbox target sends with its demo key).
"""

from __future__ import annotations

import pytest
from keyring.backend import KeyringBackend
from pytestqt.qtbot import QtBot

from attribution_workbench.core.regions import Region, Target
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from memory_keyring import DaemonGoneKeyring, LockedKeyring
from window_helpers import IOS_EVENT, OFFSCREEN_NOISE, open_window, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

KEY = "0123456789abcdef0123456789abcdef"


def on_custom(qtbot: QtBot, services: Services, sandbox: SandboxServer) -> MainWindow:
    window = open_window(qtbot, services)
    qtbot.waitUntil(lambda: window.backend.sandbox is not None)
    window.editor.set_event(IOS_EVENT)
    window.destination.set_region(Region.US)
    window.destination.set_target(Target.CUSTOM)
    window.destination.set_custom_url(sandbox.base_url + "/us/attribution")
    settle(qtbot, window)
    return window


def blocked_with(qtbot: QtBot, window: MainWindow, words: str) -> str:
    qtbot.waitUntil(lambda: any(words in b for b in window.send_blockers()), timeout=10_000)
    text = " ".join(window.send_blockers())
    assert "Traceback" not in text and "Error:" not in text
    return text


def still_works(qtbot: QtBot, window: MainWindow, sandbox: SandboxServer) -> None:
    """No error dialog, Send refuses plainly, and the sandbox target still sends."""
    assert window.reporter.dialog is None
    before = len(sandbox.state.requests())
    window.send()  # blocked: nothing goes out, nothing crashes
    assert len(sandbox.state.requests()) == before
    window.destination.set_target(Target.SANDBOX)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: window.send_blockers() == [], timeout=10_000)
    with qtbot.waitSignal(window.sent, timeout=10_000) as answered:
        window.send()
    assert answered.args[0].status == 200
    wait_sent(qtbot, window)
    assert window.reporter.dialog is None


def test_locked_keyring_blocks_send_plainly_and_the_app_keeps_working(
    qtbot: QtBot, locked_keyring: LockedKeyring, services: Services, sandbox: SandboxServer
) -> None:
    window = on_custom(qtbot, services, sandbox)
    blocked_with(qtbot, window, "The OS keyring is locked")
    still_works(qtbot, window, sandbox)


def test_missing_keyring_blocks_send_plainly_and_the_app_keeps_working(
    qtbot: QtBot, no_keyring: KeyringBackend, services: Services, sandbox: SandboxServer
) -> None:
    window = on_custom(qtbot, services, sandbox)
    blocked_with(qtbot, window, "No OS keyring is available")
    still_works(qtbot, window, sandbox)


def test_keyring_vanishing_mid_session_is_explained_at_the_next_lookup(
    qtbot: QtBot, gone_keyring: DaemonGoneKeyring, services: Services, sandbox: SandboxServer
) -> None:
    gone_keyring.entries[("attribution-workbench", "default@us")] = KEY
    window = on_custom(qtbot, services, sandbox)
    qtbot.waitUntil(lambda: window.send_blockers() == [], timeout=10_000)
    with qtbot.waitSignal(window.sent, timeout=10_000):
        window.send()
    wait_sent(qtbot, window)
    assert KEY in str(sandbox.state.requests()[-1])

    gone_keyring.stop_daemon()
    window.backend.reload_keys()  # what a profile switch or the keys dialog triggers
    blocked_with(qtbot, window, "could not be reached")
    still_works(qtbot, window, sandbox)
