"""Fixtures for the event editor tests (tests/ui)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from attribution_workbench.ui.event_editor import EventEditor


@pytest.fixture
def event_editor(qtbot: QtBot) -> EventEditor:
    """An EventEditor shown as an active top-level window, so visibility and focus are real."""
    editor = EventEditor()
    qtbot.addWidget(editor)
    editor.resize(1000, 900)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    return editor
