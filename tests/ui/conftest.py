"""Fixtures for the event editor tests (tests/ui)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from attribution_workbench.ui import unsaved
from attribution_workbench.ui.event_editor import EventEditor


@pytest.fixture(autouse=True)
def no_discard_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real "Discard the changes?" box would block the test; fail instead (tests that
    expect the question patch ``unsaved.ask_discard`` themselves)."""

    def unexpected(parent: object) -> bool:
        pytest.fail("unexpected 'Discard the changes to the current event?' question")

    monkeypatch.setattr(unsaved, "ask_discard", unexpected)


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
