"""View ▸ History against the real window and sandbox: record, open, resend, copy, delete."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from attribution_workbench.app import open_history
from attribution_workbench.core.history import Entry, History, default_path
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import Transport, prepare
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from attribution_workbench.ui import history_view, unsaved
from attribution_workbench.ui.history_view import HistoryPanel
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from window_helpers import IOS_EVENT, OFFSCREEN_NOISE, Heartbeat, open_window, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)


@pytest.fixture
def services(services: Services) -> Services:
    """The window fixtures' services plus the app's own history (in the test's data dir)."""
    return dataclasses.replace(services, history=open_history)


def panel_of(qtbot: QtBot, window: MainWindow) -> HistoryPanel:
    dock = window.show_history()
    assert dock.objectName() == "history" and dock.isVisible()
    panel = dock.widget()
    assert isinstance(panel, HistoryPanel)
    return panel


def wait_rows(qtbot: QtBot, panel: HistoryPanel, count: int) -> None:
    # Generous: the queries run on a worker, and CI machines can be busy; the heartbeat, not
    # this timeout, is what the responsiveness test asserts.
    qtbot.waitUntil(
        lambda: panel.model.total == count and panel.model.rowCount() == min(count, 200),
        timeout=20_000,
    )


def send(qtbot: QtBot, window: MainWindow) -> None:
    settle(qtbot, window)
    window.send()
    wait_sent(qtbot, window)


def send_one(qtbot: QtBot, window: MainWindow) -> tuple[HistoryPanel, Entry]:
    """Open the panel, send once, wait for its row: (panel, that entry)."""
    panel = panel_of(qtbot, window)
    send(qtbot, window)
    wait_rows(qtbot, panel, 1)
    entry = panel.model.entry(0)
    assert entry is not None
    return panel, entry


def select(panel: HistoryPanel, row: int) -> None:
    panel.table.clearSelection()
    panel.table.selectRow(row)


def test_send_open_resend_copy_delete_clear(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel, entry = send_one(qtbot, window)
    assert entry.ok and entry.event_type == IOS_EVENT.event_type
    assert entry.target == "sandbox" and entry.region == "us"
    assert "[Adjust] Install" in panel.model.data(panel.model.index(0, 4))

    # Open: the form gets the event back after it was changed (after asking about the change).
    window.editor.set_text('{"event_type":"something else","platform":"android"}')
    asked: list[object] = []
    monkeypatch.setattr(unsaved, "ask_discard", lambda parent: asked.append(parent) or True)
    select(panel, 0)
    panel.open_selected()
    assert len(asked) == 1
    assert window.editor.wire_text() == entry.event_text
    assert window.destination.current_target() is Target.SANDBOX

    # Resend: a second entry, sent with the current (sandbox) key.
    panel.resend_selected()
    wait_sent(qtbot, window)
    wait_rows(qtbot, panel, 2)

    # Copy curl: runnable with $AMPLITUDE_API_KEY, never the key.
    select(panel, 0)
    panel.copy_curl()
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("curl -X POST") and "${AMPLITUDE_API_KEY}" in copied
    for key in DEMO_KEYS.values():
        assert key not in copied

    select(panel, 0)
    panel.delete_selected()
    wait_rows(qtbot, panel, 1)

    monkeypatch.setattr(history_view, "confirm_clear", lambda parent, total: False)
    panel.clear_all()
    qtbot.wait(100)
    assert panel.model.total == 1
    monkeypatch.setattr(history_view, "confirm_clear", lambda parent, total: True)
    panel.clear_all()
    wait_rows(qtbot, panel, 0)


def test_failed_send_is_recorded_and_key_never_in_file(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer
) -> None:
    window.destination.set_region(Region.EU)
    send(qtbot, window)
    sandbox.add_fault("hang")
    settle(qtbot, window)
    window.send()
    window.cancel_send()
    wait_sent(qtbot, window)
    panel = panel_of(qtbot, window)
    wait_rows(qtbot, panel, 2)
    failed = panel.model.entry(0)
    assert failed is not None and not failed.ok and failed.error_kind
    for name in ("history.sqlite3", "history.sqlite3-wal"):
        path = default_path().with_name(name)
        if path.exists():
            data = path.read_bytes()
            for key in DEMO_KEYS.values():
                assert key.encode() not in data


def test_filters(qtbot: QtBot, window: MainWindow, export_path: Path, monkeypatch) -> None:
    send(qtbot, window)
    window.destination.set_region(Region.EU)
    window.editor.set_text(IOS_EVENT.wire_text().replace("Adjust", "Kochava"))
    send(qtbot, window)
    panel = panel_of(qtbot, window)
    wait_rows(qtbot, panel, 2)
    panel.region.setCurrentIndex(panel.region.findData("eu"))
    wait_rows(qtbot, panel, 1)
    panel.region.setCurrentIndex(0)
    panel.text.setText("kochava")
    wait_rows(qtbot, panel, 1)
    assert "Kochava" in panel.model.entry(0).event_text  # type: ignore[union-attr]
    panel.text.setText("")
    panel.status.setCurrentIndex(panel.status.findData("failed"))
    wait_rows(qtbot, panel, 0)
    panel.status.setCurrentIndex(panel.status.findData("ok"))
    wait_rows(qtbot, panel, 2)

    monkeypatch.setattr(history_view, "ask_export_path", lambda parent: str(export_path))
    panel.export()
    qtbot.waitUntil(lambda: export_path.exists() and len(export_path.read_text().splitlines()) == 2)


@pytest.fixture
def export_path(tmp_path: Path) -> Path:
    return tmp_path / "export.jsonl"


def test_ten_thousand_entries_do_not_stall_the_ui(qtbot: QtBot, window: MainWindow) -> None:
    history = History(default_path())
    request = prepare(IOS_EVENT.wire_text(), Destination(Region.US), "k" * 32, Transport.BODY)
    conn = history._conn
    with conn:  # bulk set-up: one transaction
        for i in range(10_000):
            history.record(
                request,
                profile="default",
                region="eu" if i % 5 else "us",
                target="amplitude",
                status=200 if i % 4 else 400,
            )
    history.close()

    with Heartbeat() as heartbeat:
        start = time.perf_counter()
        panel = panel_of(qtbot, window)
        wait_rows(qtbot, panel, 10_000)
        opened = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        panel.status.setCurrentIndex(panel.status.findData("failed"))
        wait_rows(qtbot, panel, 2500)
        panel.region.setCurrentIndex(panel.region.findData("us"))
        wait_rows(qtbot, panel, 500)  # every 20th entry is a failed US one
        panel.text.setText("adjust")
        qtbot.wait(300)
        wait_rows(qtbot, panel, 500)
        panel.table.scrollToBottom()
        qtbot.waitUntil(lambda: panel.model.rowCount() > 200, timeout=20_000)
        filtered = (time.perf_counter() - start) * 1000
    worst = heartbeat.max_gap_ms()
    print(f"10k: open {opened:.0f} ms, filters {filtered:.0f} ms, heartbeat max gap {worst:.1f} ms")
    assert worst < 50


@pytest.mark.parametrize("first_use", ["panel", "send"])
def test_corrupt_history_is_moved_aside_and_explained_on_first_use(
    qtbot: QtBot, services: Services, first_use: str
) -> None:
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"garbage, not SQLite\n" * 64)
    window = open_window(qtbot, services)
    qtbot.wait(300)
    assert window.history.notice_text == ""  # not opened at start (sqlite3 waits)
    assert path.read_bytes().startswith(b"garbage")
    if first_use == "send":
        qtbot.waitUntil(lambda: window.backend.sandbox is not None)
        window.editor.set_event(IOS_EVENT)
        settle(qtbot, window)
        window.send()
        wait_sent(qtbot, window)
    else:
        panel_of(qtbot, window)
    qtbot.waitUntil(lambda: bool(window.history.notice_text))
    moved = [p for p in path.parent.iterdir() if p.name.startswith("history.sqlite3.corrupt-")]
    assert len(moved) == 1
    assert str(moved[0]) in window.statusBar().currentMessage()
    panel = panel_of(qtbot, window) if first_use == "send" else window.history_dock.widget()
    assert str(moved[0]) in panel.notice.text() and panel.notice.isVisibleTo(panel)


def test_opening_history_shows_no_window_of_its_own_and_names_its_inputs(
    qtbot: QtBot, window: MainWindow
) -> None:
    shown: list[str] = []

    class TopLevelShows(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if (
                event.type() == QEvent.Type.Show
                and isinstance(watched, QWidget)
                and watched.isWindow()
                and watched is not window
                and type(watched).__name__ not in ("QTipLabel", "QComboBoxPrivateContainer")
            ):
                shown.append(f"{type(watched).__name__} {watched.objectName()!r}")
            return False

    spy = TopLevelShows()
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(spy)
    try:
        panel = panel_of(qtbot, window)
        settle(qtbot, window)
    finally:
        app.removeEventFilter(spy)
    assert shown == []  # (a parentless button used to flash up as a window, taking focus)
    for widget in (panel.text, panel.status, panel.region, panel.table):
        assert widget.accessibleName(), widget.objectName()
    # The window's Alt+letters stay with the window's fields: no mnemonic on the panel.
    assert all("&" not in button.text() for button in panel.findChildren(QPushButton))


def test_resend_keeps_the_key_profile_the_user_chose(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Resend ("with the current key") switched the profile back to the entry's, so a 400
    # invalid_api_key could only be resent with the same bad key.
    panel, entry = send_one(qtbot, window)
    assert entry.profile == "default"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = window.key_profiles.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.is_busy() and dialog.table.rowCount() > 0)
    qtbot.keyClicks(dialog.profile_name, "staging")
    qtbot.mouseClick(dialog.add_profile, Qt.MouseButton.LeftButton)
    dialog.close()
    profiles = window.destination.profile
    qtbot.waitUntil(lambda: profiles.findText("staging") >= 0)
    profiles.setCurrentIndex(profiles.findText("staging"))
    sent: list[str] = []
    monkeypatch.setattr(window, "send", lambda: sent.append(window.destination.current_profile()))
    select(panel, 0)
    panel.resend_selected()
    qtbot.waitUntil(lambda: bool(sent), timeout=5000)
    assert sent == ["staging"] and window.destination.current_profile() == "staging"
    # Open (not resend) does put the entry's profile back.
    select(panel, 0)
    panel.open_selected()
    assert window.destination.current_profile() == "default"
