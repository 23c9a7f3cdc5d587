"""The response pane: every state starts from a clean slate (nothing left over from the last)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from attribution_workbench.core.client import Outcome
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import prepare
from attribution_workbench.ui import colours
from attribution_workbench.ui.response_pane import DISPLAY_LIMIT, ResponsePane

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support")

REQUEST = prepare(
    '{"event_type":"[Adjust] Install","platform":"ios"}',
    Destination(Region.US, Target.SANDBOX, "http://127.0.0.1:9"),
    "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
)


def json_answer() -> Outcome:
    return answer(b'{"code": 200, "events_ingested": 1}')


@pytest.fixture
def pane(qtbot: QtBot) -> ResponsePane:
    pane = ResponsePane()
    qtbot.addWidget(pane)
    pane.show()
    return pane


def test_an_internal_failure_after_a_json_answer_leaves_no_pretty_toggle(
    pane: ResponsePane,
) -> None:
    pane.show_outcome(json_answer(), REQUEST)
    assert pane.pretty.isVisible() and pane.headers.rowCount() == 1
    pane.show_failure("Something went wrong inside Attribution Workbench.", REQUEST)
    assert not pane.pretty.isVisible()
    assert not pane.truncated.isVisible()
    assert pane.headers.rowCount() == 0 and pane.body.toPlainText() == ""
    assert pane.status.accessibleDescription() == "failure: internal error"


def test_sending_again_forgets_what_the_last_answer_said_to_screen_readers(
    pane: ResponsePane,
) -> None:
    pane.show_outcome(json_answer(), REQUEST)
    assert pane.status.accessibleDescription() == "HTTP 200, success"
    pane.show_in_flight(REQUEST)
    assert pane.status.accessibleDescription() == "Response status"
    assert not pane.pretty.isVisible() and pane.headers.rowCount() == 0
    assert "Waiting for 127.0.0.1" in pane.message.text()
    pane.clear()
    assert pane.request.toPlainText() == "" and not pane.message.isVisible()


def test_the_status_badge_says_and_colours_each_state(pane: ResponsePane) -> None:
    assert colours.fill_of(pane.status) == colours.IDLE
    pane.show_in_flight(REQUEST)
    assert colours.fill_of(pane.status) == colours.BUSY
    assert pane.status.text().startswith("⋯ Sending")
    pane.show_outcome(json_answer(), REQUEST)
    assert colours.fill_of(pane.status) == colours.OK
    assert pane.status.text().startswith("✓ 200 OK")
    pane.show_failure("Something went wrong inside Attribution Workbench.", REQUEST)
    assert colours.fill_of(pane.status) == colours.FAIL
    assert pane.status.text().startswith("✗ Not sent")
    assert pane.status.font().bold()


def answer(body: bytes, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Outcome:
    return Outcome(
        status=status,
        reason="OK" if status == 200 else "Bad Request",
        headers=(("Content-Type", "application/json"), *headers),
        body=body,
        truncated=False,
        text=body.decode(),
        charset="utf-8",
        elapsed_ms=3.0,
        bytes_sent=120,
        url=REQUEST.url,
    )


def test_a_key_echoed_by_the_server_is_masked_in_body_pretty_body_and_headers(
    pane: ResponsePane,
) -> None:
    key = REQUEST.api_key
    body = ('{"code": 400, "error": "Invalid API key: ' + key + '"}').encode()
    pane.show_outcome(answer(body, 400, (("X-Echo", key),)), REQUEST)
    for pretty in (False, True):
        pane.pretty.setChecked(pretty)
        shown = pane.body.toPlainText()
        assert "Invalid API key: ••••••••" + key[-4:] in shown and key not in shown
        assert pane.truncated.isVisible() and "masked" in pane.truncated.text()
    header = pane.headers.item(1, 1)
    assert header is not None and key not in header.text()
    pane.show_outcome(json_answer(), REQUEST)  # nothing to mask: no note
    assert not pane.truncated.isVisible()


def test_the_cut_off_note_follows_the_text_on_screen(pane: ResponsePane) -> None:
    # Compact JSON under the display limit that pretty-prints to well over it.
    items = ",".join(f'{{"k":{i},"v":"x"}}' for i in range(DISPLAY_LIMIT // 30))
    body = ("[" + items + "]").encode()
    assert len(body) < DISPLAY_LIMIT
    pane.show_outcome(answer(body), REQUEST)
    pane.pretty.setChecked(False)
    assert not pane.truncated.isVisible()
    pane.pretty.setChecked(True)
    assert pane.truncated.isVisible()
    assert f"Only the first {DISPLAY_LIMIT:,} characters" in pane.truncated.text()
