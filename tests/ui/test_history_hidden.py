"""The History panel does not requery the file after every send while it is hidden."""

from __future__ import annotations

import dataclasses

import pytest
from pytestqt.qtbot import QtBot

from attribution_workbench.app import open_history
from attribution_workbench.ui.history_view import HistoryPanel
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from window_helpers import OFFSCREEN_NOISE, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)


@pytest.fixture
def services(services: Services) -> Services:
    return dataclasses.replace(services, history=open_history)


def send_and_record(qtbot: QtBot, window: MainWindow) -> None:
    settle(qtbot, window)
    window.send()
    wait_sent(qtbot, window)
    done: list[int] = []  # the record is queued on the history worker: wait until it ran
    window.history.call(lambda h: h.count(), lambda count, _error: done.append(count))
    qtbot.waitUntil(lambda: bool(done))


def test_a_hidden_panel_catches_up_when_shown_again(qtbot: QtBot, window: MainWindow) -> None:
    dock = window.show_history()
    panel = dock.widget()
    assert isinstance(panel, HistoryPanel)
    send_and_record(qtbot, window)
    qtbot.waitUntil(lambda: panel.model.total == 1, timeout=10_000)
    window.show_history()  # toggles: hidden now
    assert not panel.isVisible()
    send_and_record(qtbot, window)
    send_and_record(qtbot, window)
    qtbot.wait(200)
    assert panel.model.total == 1  # not requeried while nobody looks
    window.show_history()
    qtbot.waitUntil(lambda: panel.model.total == 3, timeout=10_000)
    assert panel.model.rowCount() == 3
