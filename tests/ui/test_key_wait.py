"""Waiting for the window's key without polling (ui/key_wait.py), and who relies on it."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from attribution_workbench.ui.backend import KeyChoice
from attribution_workbench.ui.demo_view import DemoPanel
from attribution_workbench.ui.main_window import MainWindow
from window_helpers import OFFSCREEN_NOISE, settle

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

PENDING = KeyChoice(None, "looking up…", "Looking up the API key…", pending=True)
READY = KeyChoice("0" * 32, "from the keyring")


def key_is(monkeypatch: pytest.MonkeyPatch, window: MainWindow, choice: KeyChoice) -> None:
    monkeypatch.setattr(window.backend, "key_for", lambda target, region: choice)


def test_waits_for_the_key_then_acts_once(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle(qtbot, window)
    calls: list[str] = []
    key_is(monkeypatch, window, PENDING)
    wait = window.when_key_ready(lambda: calls.append("go"), timeout_s=30)
    window.backend.changed.emit()  # something else changed: still pending
    assert calls == [] and not wait.ended()
    key_is(monkeypatch, window, READY)
    window.backend.changed.emit()  # the lookup ended
    assert calls == ["go"] and wait.ended()
    window.backend.changed.emit()
    window.destination.changed.emit()
    assert calls == ["go"]  # once


def test_acts_at_once_when_ready_and_gives_up_waiting_after_the_time_limit(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle(qtbot, window)
    calls: list[str] = []
    key_is(monkeypatch, window, READY)
    window.when_key_ready(lambda: calls.append("ready"), timeout_s=30)
    assert calls == ["ready"]
    key_is(monkeypatch, window, PENDING)
    window.when_key_ready(lambda: calls.append("late"), timeout_s=0.05)
    qtbot.waitUntil(lambda: calls == ["ready", "late"])


def test_a_demo_whose_send_is_refused_ends_instead_of_hanging(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle(qtbot, window)
    panel = window.show_demo().widget()
    assert isinstance(panel, DemoPanel)
    refusal = "the key was kept from collector.example.com"

    def refuse(*args: Any) -> str:
        return refusal

    monkeypatch.setattr(window, "send", refuse)  # e.g. the unknown-host question, declined
    panel.run_demo()
    qtbot.waitUntil(lambda: not panel.script.running())
    assert refusal in panel.status.text()
    qtbot.waitUntil(panel.run.isEnabled)  # ready for another run
