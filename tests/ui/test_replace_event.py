"""Every way of replacing the event asks first when it has unsaved changes (ui/unsaved.py).

New and Open always did; a history entry, a preset, Import and the demo's Run now go through
the same event_files.replace_event. Declining leaves the changed event (and the destination)
exactly as it was; accepting replaces it and the new event counts as unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from attribution_workbench.app import open_history
from attribution_workbench.core import presets as P
from attribution_workbench.core.importer import parse_paste
from attribution_workbench.core.regions import Region
from attribution_workbench.ui import unsaved
from attribution_workbench.ui.import_dialog import apply_import
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.presets_menu import PresetsMenu
from attribution_workbench.ui.services import Services
from window_helpers import OFFSCREEN_NOISE, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

CHANGED = '{"event_type":"[Mine] Typed by hand","platform":"android","adid":"x"}'
PASTED = (
    "curl -X POST https://api.eu.amplitude.com/attribution "
    '--data-urlencode \'event={"event_type":"[Branch] Install","platform":"ios",'
    '"idfa":"6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84"}\''
)


@pytest.fixture
def services(services: Services) -> Services:
    return dataclasses.replace(services, history=open_history)


class Answer:
    def __init__(self, discard: bool) -> None:
        self.discard = discard
        self.asked = 0

    def __call__(self, parent: object) -> bool:
        self.asked += 1
        return self.discard


def entry_of(qtbot: QtBot, window: MainWindow) -> object:
    window.send()
    wait_sent(qtbot, window)
    found: list[object] = []
    window.history.call(lambda h: h.page(None, 0, 1)[0], lambda e, _error: found.append(e))
    qtbot.waitUntil(lambda: bool(found))
    return found[0]


def replacers(qtbot: QtBot, window: MainWindow) -> dict[str, Callable[[], bool]]:
    entry = entry_of(qtbot, window)
    preset = P.load_builtin()[0]
    menu = window.findChild(PresetsMenu)
    assert isinstance(menu, PresetsMenu)
    return {
        "history entry": lambda: window.load_history_entry(entry),
        "preset": lambda: menu.apply_preset(preset),
        "import": lambda: apply_import(window, parse_paste(PASTED)),
    }


@pytest.mark.parametrize("way", ["history entry", "preset", "import"])
def test_declining_keeps_the_changed_event_and_accepting_replaces_it(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    replace = replacers(qtbot, window)[way]
    window.editor.set_text(CHANGED)
    settle(qtbot, window)
    assert window.isWindowModified()
    answer = Answer(discard=False)
    monkeypatch.setattr(unsaved, "ask_discard", answer)
    assert not replace()
    assert answer.asked == 1
    assert window.editor.wire_text() == CHANGED
    assert window.destination.current_region() is Region.US  # the import's EU not applied
    answer.discard = True
    assert replace()
    assert answer.asked == 2 and window.editor.wire_text() != CHANGED
    assert not window.isWindowModified()


def test_an_unchanged_event_is_replaced_without_a_question(
    qtbot: QtBot, window: MainWindow
) -> None:
    # tests/ui/conftest.py fails the test if the question is asked.
    for replace in replacers(qtbot, window).values():
        assert replace()
        assert not window.isWindowModified()


def test_the_demo_asks_before_it_puts_its_preset_in_the_form(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    dock = window.show_demo()
    view = dock.widget()
    window.editor.set_text(CHANGED)
    settle(qtbot, window)
    monkeypatch.setattr(unsaved, "ask_discard", Answer(discard=False))
    view.run.click()
    assert window.editor.wire_text() == CHANGED
    assert view.status.text() == "The demo did not start: the current event was kept."
    assert not window.is_sending()
