"""Request ▸ Send matching app event… against the real window and the real sandbox."""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
import urllib.request
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from attribution_workbench.app import open_history
from attribution_workbench.core.app_event import V2Answer
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.regions import Region
from attribution_workbench.core.wire import Format, KeyStyle
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from attribution_workbench.ui import app_event_dialog
from attribution_workbench.ui.app_event_dialog import AppEventDialog
from attribution_workbench.ui.history_view import HistoryPanel
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from window_helpers import IOS_EVENT, OFFSCREEN_NOISE, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

IDFA = IOS_EVENT.idfa


@pytest.fixture
def services(services: Services) -> Services:
    return dataclasses.replace(services, history=open_history)


def state_of(sandbox: SandboxServer, ad_id: str) -> str:
    query = urllib.parse.urlencode({"ad_id": ad_id})
    with urllib.request.urlopen(
        f"{sandbox.base_url}/_sandbox/attributions?{query}", timeout=5
    ) as response:
        found: list[dict[str, Any]] = json.load(response)
    assert len(found) == 1, found
    return str(found[0]["state"])


def send_attribution(qtbot: QtBot, window: MainWindow) -> None:
    settle(qtbot, window)
    with qtbot.waitSignal(window.sent, timeout=5000):
        window.send()
    wait_sent(qtbot, window)


def open_dialog(qtbot: QtBot, window: MainWindow) -> AppEventDialog:
    action = window.window_actions.app_event
    assert action.isEnabled()
    action.trigger()
    dialog = window.findChild(AppEventDialog, "app_event_dialog")
    assert isinstance(dialog, AppEventDialog)
    qtbot.waitUntil(lambda: dialog.prepared_request() is not None)
    return dialog


def send_app_event(qtbot: QtBot, dialog: AppEventDialog) -> V2Answer:
    with qtbot.waitSignal(dialog.answered, timeout=5000) as blocker:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    answer = blocker.args[0]
    assert isinstance(answer, V2Answer)
    return answer


def test_send_matching_app_event_matches(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer
) -> None:
    send_attribution(qtbot, window)
    assert state_of(sandbox, IDFA) == "held"
    dialog = open_dialog(qtbot, window)

    assert dialog.event_type.text() == "App Open"
    assert dialog.device_id.text() == IDFA
    assert dialog.id_fields["idfa"].text() == IDFA and dialog.id_fields["idfa"].isReadOnly()
    dialog.preview.set_format(Format.BODY)
    shown = dialog.preview.preview.toPlainText()
    assert DEMO_KEYS["us"] not in shown  # masked
    body = json.loads(dialog.preview.preview.toPlainText().replace("••••••••", "K"))
    assert body["events"] == [
        {"event_type": "App Open", "device_id": IDFA, "platform": "ios", "idfa": IDFA}
    ]
    request = dialog.prepared_request()
    assert request is not None and request.url.endswith("/us/2/httpapi")
    assert request.render(Format.BODY, KeyStyle.REVEAL).encode() == request.body
    for fmt in (Format.CURL, Format.PYTHON, Format.JSON):
        dialog.preview.set_format(fmt)
        assert IDFA in dialog.preview.preview.toPlainText()

    answer = send_app_event(qtbot, dialog)
    assert answer.summary.startswith("Ingested 1 event")
    assert dialog.summary.text() == answer.summary
    assert "events_ingested: 1" in dialog.details.text()
    assert dialog.response.status_text().startswith("✓ 200")
    assert state_of(sandbox, IDFA) == "matched"
    dialog.close()


def test_case_edit_warns_and_does_not_match(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    send_attribution(qtbot, window)
    dialog = open_dialog(qtbot, window)
    asked: list[list[tuple[str, str, str]]] = []

    def refuse(parent: object, details: list[tuple[str, str, str]]) -> bool:
        asked.append(details)
        return False

    monkeypatch.setattr(app_event_dialog, "confirm_case_mismatch", refuse)
    dialog.edit_ids.setChecked(True)
    edit = dialog.id_fields["idfa"]
    assert not edit.isReadOnly()
    edit.selectAll()
    qtbot.keyClicks(edit, IDFA.lower())
    assert dialog.warning.isVisible() and "case" in dialog.warning.text()
    assert IDFA.lower() in (dialog.prepared_request() or pytest.fail()).body.decode()

    assert dialog.send() is False
    assert asked == [[("idfa", IDFA, IDFA.lower())]]
    assert dialog.summary.text().startswith("Not sent")

    monkeypatch.setattr(
        app_event_dialog, "confirm_case_mismatch", lambda parent, details: asked.append(details)
        or True,
    )
    answer = send_app_event(qtbot, dialog)
    assert len(asked) == 2 and answer.accepted
    assert state_of(sandbox, IDFA) == "held"
    dialog.close()


def test_action_disabled_without_ad_id(qtbot: QtBot, window: MainWindow) -> None:
    window.editor.set_event(AttributionEvent(event_type="[Adjust] Install", platform="ios"))
    settle(qtbot, window)
    assert not window.window_actions.app_event.isEnabled()
    window.editor.set_event(IOS_EVENT)
    settle(qtbot, window)
    assert window.window_actions.app_event.isEnabled()


def test_from_history_entry(qtbot: QtBot, window: MainWindow, sandbox: SandboxServer) -> None:
    send_attribution(qtbot, window)
    dock = window.show_history()
    panel = dock.widget()
    assert isinstance(panel, HistoryPanel)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=20_000)
    window.editor.set_event(AttributionEvent(event_type="x", platform="ios"))
    window.destination.set_region(Region.EU)  # the window moved on since that send
    panel.table.selectRow(0)
    assert panel.app_event_button.isVisibleTo(panel)
    panel.app_event_selected()
    dialog = window.findChild(AppEventDialog, "app_event_dialog")
    assert isinstance(dialog, AppEventDialog)
    qtbot.waitUntil(lambda: dialog.prepared_request() is not None)
    assert dialog.id_fields["idfa"].text() == IDFA
    # It goes where the attribution went (US), or it could never match it.
    assert window.destination.current_region() is Region.US
    request = dialog.prepared_request()
    assert request is not None and "/us/2/httpapi" in request.url
    send_app_event(qtbot, dialog)
    assert state_of(sandbox, IDFA) == "matched"
    # The app-event send is in history too.
    qtbot.waitUntil(lambda: panel.model.total == 2, timeout=20_000)
    newest = panel.model.entry(0)
    assert newest is not None and newest.api == "/2/httpapi" and newest.ok
    dialog.close()


def test_app_event_history_entry_is_not_loaded_into_the_form(
    qtbot: QtBot, window: MainWindow
) -> None:
    send_attribution(qtbot, window)
    dialog = open_dialog(qtbot, window)
    send_app_event(qtbot, dialog)
    dialog.close()
    panel = window.show_history().widget()
    assert isinstance(panel, HistoryPanel)
    qtbot.waitUntil(lambda: panel.model.total == 2, timeout=20_000)
    text = window.editor.wire_text()
    entry = panel.model.entry(0)
    assert entry is not None and entry.api == "/2/httpapi"
    assert window.load_history_entry(entry) is False
    window.resend_history_entry(entry)
    assert window.editor.wire_text() == text and not window.is_sending()


def dialog_waiting_for_an_answer(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer
) -> AppEventDialog:
    """An app event sent to a sandbox that never answers it."""
    send_attribution(qtbot, window)
    dialog = open_dialog(qtbot, window)
    sandbox.add_fault("hang", path="/2/httpapi")
    assert dialog.send()
    return dialog


def test_the_dialog_cancels_its_own_send_and_the_window_shows_the_flight(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer
) -> None:
    dialog = dialog_waiting_for_an_answer(qtbot, window, sandbox)
    # One in-flight slot: the dialog's button is Cancel, the window's Send bar says so too.
    assert dialog.is_sending() and dialog.send_button.text() == "&Cancel"
    assert window.is_sending() and window.send_button.text() == "Cancel"
    assert window.window_actions.cancel.isEnabled()
    # Opening the dialog again keeps the one whose answer is still to come.
    assert app_event_dialog.open_app_event_dialog(window) is None
    assert window.findChild(AppEventDialog, "app_event_dialog") is dialog
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.is_sending(), timeout=5000)
    assert not dialog.is_sending() and dialog.send_button.text() == "&Send app event"
    assert dialog.summary.text().startswith("No answer:")
    assert window.send_button.text() == "Send"


def test_closing_the_dialog_stops_waiting_for_its_answer(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer
) -> None:
    dialog = dialog_waiting_for_an_answer(qtbot, window, sandbox)
    dialog.reject()
    qtbot.waitUntil(lambda: not window.is_sending(), timeout=5000)
    assert not dialog.is_sending()


def test_the_app_event_preview_offers_no_transport_choice(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = open_dialog(qtbot, window)
    assert dialog.preview.transport.isHidden() and dialog.preview.transport_label.isHidden()
    assert not window.preview.transport_label.isHidden()  # the window's keeps its choice
