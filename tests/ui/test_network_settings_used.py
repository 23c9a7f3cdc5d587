"""Settings ▸ Network applies to every way the GUI sends: Send, Verify and Batch.

Send always did (app.ClientSender); Verify and Batch built a bare Client, so behind a manual
proxy or without the OS trust store they went out differently from Send. They now all make
their client with ui.network_dialog.network_client from the window's settings file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from attribution_workbench.core.network import ProxyMode
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui import network_dialog
from attribution_workbench.ui import settings as S
from attribution_workbench.ui.batch_dialog import BatchDialog
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.network_dialog import network_client
from window_helpers import OFFSCREEN_NOISE, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)


class Spy:
    """Wraps network_client: records the settings file each client was made from."""

    def __init__(self) -> None:
        self.paths: list[str | None] = []

    def __call__(self, settings_path: str | None, **options: Any) -> Any:
        self.paths.append(settings_path)
        return network_client(settings_path, **options)


def test_network_client_carries_the_saved_settings(window: MainWindow) -> None:
    settings = window.backend.settings
    settings.set(S.PROXY_MODE, ProxyMode.NONE.value)
    settings.set(S.OS_TRUST_STORE, False)
    settings.sync()
    with network_client(settings.path) as client:
        assert client.network.proxy_mode is ProxyMode.NONE
        assert client.network.use_os_trust_store is False


def test_verify_and_batch_use_the_window_settings(
    qtbot: QtBot,
    window: MainWindow,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = Spy()
    monkeypatch.setattr(network_dialog, "network_client", spy)
    path = window.backend.settings.path

    dialog = window.key_profiles.show_dialog(verify=True)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.verify_panel.report is not None, timeout=20_000)
    assert spy.paths == [path]

    events = tmp_path / "b.jsonl"
    events.write_text(
        json.dumps({"event_type": "[Batch] Install", "platform": "ios",
                    "idfa": "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84"}) + "\n",
        encoding="utf-8",
    )
    window.window_actions.batch.trigger()
    batch = window.findChild(BatchDialog, "batch_dialog")
    assert batch is not None
    batch.load_file(events)
    qtbot.waitUntil(lambda: "valid" in batch.validation.text())
    qtbot.mouseClick(batch.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not batch.is_running(), timeout=10_000)
    assert spy.paths == [path, path]
    assert len(sandbox.state.requests(path="/attribution")) == 1


def test_a_replaced_sender_is_closed_not_left_to_the_garbage_collector(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle(qtbot, window)
    window.send()
    wait_sent(qtbot, window)
    sender = window.backend._sender
    assert sender is not None
    closed: list[bool] = []
    monkeypatch.setattr(sender, "close", lambda: closed.append(True))
    window.backend.reset_sender()  # what saving Settings > Network does
    assert closed == [True]  # its pooled connections go now
