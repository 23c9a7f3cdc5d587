"""View ▸ Demo against the real window and sandbox: held, +72 h dropped, the scripted demo."""

from __future__ import annotations

import dataclasses

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from attribution_workbench.core.demo import StepState
from attribution_workbench.core.regions import Target
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui.demo_script import Phase
from attribution_workbench.ui.demo_view import (
    COLOURS,
    DEFAULT_PRESET,
    PULSE_EDGE,
    PULSE_MS,
    DemoPanel,
)
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from window_helpers import OFFSCREEN_NOISE, open_window, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)


def open_demo(window: MainWindow) -> DemoPanel:
    dock = window.show_demo()
    assert dock.objectName() == "demo_view" and dock.isVisible()
    panel = dock.widget()
    assert isinstance(panel, DemoPanel)
    return panel


def titles(panel: DemoPanel) -> list[str]:
    return [row.title.text() for row in panel.rows if not row.isHidden()]


def wait_title(qtbot: QtBot, panel: DemoPanel, index: int, start: str) -> None:
    qtbot.waitUntil(lambda: panel.rows[index].title.text().startswith(start), timeout=10_000)


def test_demo_is_not_built_before_first_use(window: MainWindow) -> None:
    assert window.findChild(DemoPanel) is None
    assert window.window_actions.demo.shortcut().toString() == "Ctrl+D"


def test_held_after_a_send_then_plus_72_hours_drops_it(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer
) -> None:
    panel = open_demo(window)
    assert "Nothing has arrived" in panel.rows[0].detail.text()
    window.send()
    wait_sent(qtbot, window)
    wait_title(qtbot, panel, 1, "Held (72 h window, 7")  # 72 h 0 m or 71 h 59 m left
    assert panel.rows[1].state is StepState.CURRENT
    assert panel.rows[1].accessibleName().startswith("Now: Held")
    check_current_row_is_marked(qtbot, panel, 1)
    qtbot.mouseClick(panel.findChild(type(panel.run), "advance_72h"), Qt.MouseButton.LeftButton)
    wait_title(qtbot, panel, 3, "Dropped after 72 h")
    assert panel.rows[3].icon.text() == "✖"
    assert panel.rows[3].accessibleName().startswith("Failed:")
    failed = QColor(COLOURS[StepState.FAILED])
    assert panel.rows[3].title.palette().color(QPalette.ColorRole.WindowText) == failed
    assert all(row.tint() is None for row in panel.rows)  # nothing is current any more


def check_current_row_is_marked(qtbot: QtBot, panel: DemoPanel, index: int) -> None:
    """The current step: a tint that changes with the pulse and a blue left edge, painted
    without style sheets; the other steps have neither."""
    row = panel.rows[index]
    first = row.tint()
    assert first is not None
    qtbot.waitUntil(lambda: row.tint() != first, timeout=3 * PULSE_MS)
    assert all(other.tint() is None for other in panel.rows if other is not row)
    image = row.grab().toImage()
    assert image.pixelColor(1, row.height() // 2) == QColor(PULSE_EDGE)
    icon = row.icon.palette().color(QPalette.ColorRole.WindowText)
    assert icon == QColor(COLOURS[StepState.CURRENT])
    assert not any(w.styleSheet() for w in (panel, row, row.icon, row.title, row.detail))


def test_run_demo_reaches_matched(qtbot: QtBot, window: MainWindow) -> None:
    panel = open_demo(window)
    panel.script.hold_ms = 300
    assert panel.preset.currentText() == DEFAULT_PRESET
    seen_accepted: list[bool] = []
    panel.script.progress.connect(lambda text: seen_accepted.append(text.startswith("Accepted")))
    qtbot.mouseClick(panel.run, Qt.MouseButton.LeftButton)
    assert panel.cancel.isEnabled() and not panel.run.isEnabled()
    wait_title(qtbot, panel, 3, "Matched — the user now has the campaign properties")
    assert "Facebook Ads" in panel.rows[3].title.text()
    assert any(seen_accepted)
    qtbot.waitUntil(lambda: panel.run.isEnabled() and not panel.cancel.isEnabled())
    assert "App event accepted" in panel.status.text()
    assert window.editor.current_event().event_type  # the preset is in the form


def test_run_demo_can_be_cancelled_while_held(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer
) -> None:
    panel = open_demo(window)
    hold_ms = 500  # short: uncancelled, the app event would go out during the wait below
    panel.script.hold_ms = hold_ms
    panel.run_demo()
    qtbot.waitUntil(lambda: panel.status.text().startswith("Accepted"), timeout=10_000)
    assert panel.script.phase is Phase.HOLDING  # cancelled while held, not after
    qtbot.mouseClick(panel.cancel, Qt.MouseButton.LeftButton)
    assert panel.status.text() == "Demo cancelled."
    assert panel.run.isEnabled() and not panel.script.running()
    qtbot.wait(3 * hold_ms)  # well past the moment the app event was due
    paths = [record["path"] for record in sandbox.state.requests()]
    assert any(path.endswith("/attribution") for path in paths)  # the demo did start
    assert not any(path.endswith("/2/httpapi") for path in paths), paths  # no app event
    wait_title(qtbot, panel, 1, "Held (72 h window")
    assert panel.rows[1].state is StepState.CURRENT
    # Not matched: the last step is still ahead ("...gets...", not "...now has...").
    matched = panel.rows[3]
    assert matched.state is StepState.PENDING, matched.title.text()
    assert not matched.title.text().startswith("Matched — the user now has")


def test_presentation_mode_enlarges_the_type(qtbot: QtBot, window: MainWindow) -> None:
    panel = open_demo(window)
    before = panel.rows[0].title.font().pointSizeF()
    button = panel.findChild(type(panel.run), "presentation")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.isChecked()
    assert panel.rows[0].title.font().pointSizeF() > before * 1.5
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert panel.rows[0].title.font().pointSizeF() == pytest.approx(before)


def test_amplitude_target_explains_user_lookup(qtbot: QtBot, window: MainWindow) -> None:
    window.destination.set_target(Target.AMPLITUDE)
    settle(qtbot, window)
    panel = open_demo(window)
    qtbot.waitUntil(lambda: "User Lookup" in panel.rows[3].detail.text())
    assert "Amplitude's side" in panel.rows[3].detail.text()
    assert panel.rows[0].title.text() == "Attribution sent"
    assert not panel.advance_72.isEnabled()


def test_on_amplitude_an_app_event_answer_lands_on_the_app_event_step(
    qtbot: QtBot, window: MainWindow
) -> None:
    from attribution_workbench.core.app_event import matching_app_event, prepare_app_event
    from attribution_workbench.core.client import Outcome, SendError
    from attribution_workbench.core.regions import Destination, Region

    window.destination.set_target(Target.AMPLITUDE)
    settle(qtbot, window)
    panel = open_demo(window)
    app_event = matching_app_event(window.editor.current_event())
    request = prepare_app_event(app_event, Destination(Region.US, Target.AMPLITUDE), "k" * 32)
    window.answered_request = request  # as send_request sets it before sent / failed
    body = b'{"code": 200, "events_ingested": 1, "payload_size_bytes": 99}'
    window.sent.emit(
        Outcome(status=200, reason="OK", headers=(), body=body, truncated=False,
                text=body.decode(), charset="utf-8", elapsed_ms=1.0, bytes_sent=1,
                url=request.url)
    )
    qtbot.waitUntil(lambda: panel.rows[2].state is StepState.DONE)
    assert "Ingested 1 event" in panel.rows[2].detail.text()  # read, not "HTTP 200 {..."
    window.failed.emit(SendError("timeout", "The server did not answer within 15 s."))
    qtbot.waitUntil(lambda: panel.rows[2].state is StepState.FAILED)
    assert panel.rows[0].state is not StepState.FAILED  # the attribution step is untouched


def test_a_timeline_that_cannot_be_read_hides_stale_steps_and_keeps_the_narration(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the sandbox gone, the steps of the previous ad ID stayed on screen under the new
    # heading (a false "received"), requests' pool internals replaced the demo's message,
    # and the error stayed after the sandbox answered again.
    from attribution_workbench.core.demo import InspectorError, SandboxInspector

    panel = open_demo(window)
    window.send()
    wait_sent(qtbot, window)
    wait_title(qtbot, panel, 1, "Held (72 h window")
    panel.status.setText("The demo's own words.")
    # What a stopped sandbox gives (the real words: a refused port, read for real).
    with pytest.raises(InspectorError) as refused:
        SandboxInspector("http://127.0.0.1:9").clock()  # nothing listens on port 9
    monkeypatch.setattr(SandboxInspector, "timeline", lambda *a: (_ for _ in ()).throw(
        refused.value))
    panel.refresh()
    qtbot.waitUntil(panel.read_error.isVisible, timeout=10_000)
    words = panel.read_error.text()
    assert "did not answer (connection refused" in words and "HTTPConnectionPool" not in words
    assert titles(panel) == [] and panel.status.text() == "The demo's own words."
    monkeypatch.undo()
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.read_error.isVisible(), timeout=10_000)
    wait_title(qtbot, panel, 1, "Held (72 h window")


def test_a_preset_with_its_own_ad_id_does_not_claim_a_fresh_one(
    qtbot: QtBot, window: MainWindow
) -> None:
    panel = open_demo(window)
    panel.script.hold_ms = 200
    index = next(i for i in range(panel.preset.count()) if "docs" in panel.preset.itemText(i))
    panel.preset.setCurrentIndex(index)
    said: list[str] = []
    panel.script.progress.connect(said.append)
    panel.run_demo()
    qtbot.waitUntil(lambda: panel.run.isEnabled(), timeout=10_000)
    assert "its own ad ID" in said[0] and "fresh" not in said[0]
    assert not any(line.startswith("Held") for line in said)


def test_the_demo_records_its_app_event_where_it_went(
    qtbot: QtBot, services: Services
) -> None:
    # Switching the region mid-demo: the app event rightly went to /us/2/httpapi, but the
    # history stored it as EU, and the panel followed the combo box to EU.
    from attribution_workbench.app import open_history
    from attribution_workbench.core.regions import Region

    window = open_window(qtbot, dataclasses.replace(services, history=open_history))
    qtbot.waitUntil(lambda: window.backend.sandbox is not None)
    panel = open_demo(window)
    panel.script.hold_ms = 600
    panel.run_demo()
    qtbot.waitUntil(lambda: panel.script.phase is Phase.HOLDING, timeout=10_000)
    window.destination.set_region(Region.EU)
    qtbot.waitUntil(lambda: panel.run.isEnabled(), timeout=10_000)
    assert "App event accepted" in panel.status.text()
    app_events: list[object] = []

    def recorded() -> bool:  # the history is written in a worker after the answer
        window.history.call(
            lambda h: [e for e in h.page(limit=5) if e.api == "/2/httpapi"],
            lambda result, _error: app_events.extend(result or []),
        )
        return bool(app_events)

    qtbot.waitUntil(recorded, timeout=5000)
    assert app_events[0].region == "us"  # type: ignore[attr-defined]
    assert "/us/2/httpapi" in app_events[0].url  # type: ignore[attr-defined]
    assert "(US)" in panel.heading.text() or not panel.script.running()


def test_presentation_mode_on_a_1280_by_720_projector_clips_nothing(
    qtbot: QtBot, window: MainWindow
) -> None:
    # The Matched step's title got 51 of the 150 px it needs: the story had no scroll area.
    window.resize(1280, 720)
    panel = open_demo(window)
    panel.script.hold_ms = 200
    panel.presentation.setChecked(True)
    panel.run_demo()
    qtbot.waitUntil(lambda: panel.run.isEnabled(), timeout=10_000)
    wait_title(qtbot, panel, 3, "Matched — the user now has")
    qtbot.wait(50)
    assert window.width() == 1280
    for row in panel.rows:
        title = row.title
        assert title.height() >= title.heightForWidth(title.width()), title.text()
    assert panel.story.verticalScrollBar().maximum() > 0  # it scrolls instead
