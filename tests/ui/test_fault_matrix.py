"""The fault matrix in the window (issue 8): one window per fault, sent as a user sends.

For every fault the response pane says something specific (key words per case), a 10 ms
heartbeat on the GUI thread never stalls past 50 ms while the attempt runs, the attempt is
in the History store with its status or error kind, and the next send succeeds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from attribution_workbench.app import open_history
from attribution_workbench.core.history import Entry
from attribution_workbench.core.regions import Target
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from key_recorder import Recorder
from window_helpers import IOS_EVENT, OFFSCREEN_NOISE, Heartbeat, open_window, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

OTHER_HOST = "{other}/attribution"  # a loopback Recorder on another port: "another host"
PROFILE_KEY = "0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Case:
    """One fault; "{other}" in ``words`` and in the fault's parameters stands for the URL of
    the ``other`` Recorder (a redirect's target), which must receive nothing."""

    name: str
    words: tuple[str, ...]  # each must appear in the status line + message + truncation note
    status: int | None = None  # the History entry's status...
    kind: str | None = None  # ...or its error kind
    fault: tuple[str, dict[str, Any]] | None = None  # sandbox.add_fault(mode, **params)
    url: str | None = None  # "refused" / "tls": a Custom URL instead of the sandbox
    timeout: int = 5
    extra: Callable[[MainWindow], None] | None = field(default=None, compare=False)


def _truncated_note(window: MainWindow) -> None:
    assert window.response.truncated.isVisible()
    assert "cut off" in window.response.truncated.text()


CASES = [
    Case("slow", ("✓ 200",), status=200, fault=("delay", {"seconds": 0.4})),
    Case("hang", ("timeout", "did not answer within 1 s"), kind="timeout",
         fault=("hang", {}), timeout=1),
    Case("refused", ("refused",), kind="refused", url="refused"),
    Case("reset", ("reset", "before the answer was complete"), kind="reset",
         fault=("reset", {"stage": "body"})),
    Case("tls", ("certificate", "could not be verified"), kind="tls", url="tls"),
    Case("413", ("413", "too large"), status=413, fault=("status", {"code": 413})),
    Case("429-retry-after", ("429", "Retry-After", "wait 7 s"), status=429,
         fault=("status", {"code": 429, "retry_after": 7})),
    Case("429-bare", ("429", "no Retry-After", "wait at least 30 s"), status=429,
         fault=("status", {"code": 429})),
    Case("500", ("500", "may have been accepted", "twice"), status=500,
         fault=("status", {"code": 500})),
    Case("502", ("502", "may have been accepted"), status=502, fault=("status", {"code": 502})),
    Case("503", ("503", "safe to retry"), status=503, fault=("status", {"code": 503})),
    Case("504", ("504", "may have been accepted"), status=504, fault=("status", {"code": 504})),
    Case("html", ("HTML error page", "proxy", "502", "may have been accepted"), status=502,
         fault=("html", {"code": 502})),
    Case("huge-50MB", ("truncated", "does not confirm"), status=200,
         fault=("huge", {"size": 50_000_000}), extra=_truncated_note),
    Case("non-utf8", ("not valid UTF-8", "latin-1"), status=200,
         fault=("non_utf8", {"charset": "utf-8"})),
    Case("empty", ("empty body", "does not confirm"), status=200, fault=("empty", {})),
    Case("redirect-other-host",
         ("302", OTHER_HOST, "another host", "not followed", "NOT sent"), status=302,
         fault=("redirect", {"code": 302, "location": OTHER_HOST + "?api_key=x&event=y"})),
]


@pytest.fixture
def other() -> Iterator[Recorder]:
    """The "other host" of the redirect case (a loopback port of its own): gets nothing."""
    with Recorder() as recorder:
        yield recorder


def _history(qtbot: QtBot, window: MainWindow, count: int) -> list[Entry]:
    """The newest ``count`` History entries, oldest first, once that many are written."""
    found: list[list[Entry]] = []

    def ask() -> bool:
        found.clear()
        window.history.call(lambda h: h.page(limit=count), lambda result, _e: found.append(result))
        qtbot.waitUntil(lambda: bool(found), timeout=3000)
        return len(found[0]) >= count

    qtbot.waitUntil(ask, timeout=5000)
    return list(reversed(found[0]))


def _send_with_heartbeat(qtbot: QtBot, window: MainWindow) -> float:
    """Click Send, wait for the answer; the longest gap (ms) of a 10 ms GUI-thread timer."""
    with Heartbeat() as heartbeat:
        qtbot.wait(30)
        assert window.send_button.isEnabled(), window.send_button.toolTip()
        qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
        wait_sent(qtbot, window, timeout_ms=15_000)
        qtbot.wait(30)
    assert len(heartbeat.beats) > 5
    return heartbeat.max_gap_ms()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fault(
    case: Case,
    qtbot: QtBot,
    services: Services,
    sandbox: SandboxServer,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    closed_port_url: str,
    other: Recorder,
) -> None:
    words = tuple(word.format(other=other.url) for word in case.words)
    window = open_window(qtbot, dataclasses.replace(services, history=open_history))
    qtbot.waitUntil(lambda: window.backend.sandbox is not None)
    window.editor.set_event(IOS_EVENT)
    settle(qtbot, window)
    window.timeout.setValue(case.timeout)
    if case.url is not None:
        if case.url == "refused":
            url = closed_port_url + "/attribution"
        else:
            url = request.getfixturevalue("tls_server")[0] + "/attribution"
        monkeypatch.setenv("AMPLITUDE_API_KEY", PROFILE_KEY)
        window.destination.set_target(Target.CUSTOM)
        window.destination.set_custom_url(url)
        qtbot.waitUntil(lambda: "$AMPLITUDE_API_KEY" in window.destination.key_note.text())
        settle(qtbot, window)
    if case.fault is not None:
        mode, params = case.fault
        params = {
            name: value.format(other=other.url) if isinstance(value, str) else value
            for name, value in params.items()
        }
        sandbox.add_fault(mode, **params)

    gap = _send_with_heartbeat(qtbot, window)

    shown = "\n".join(
        [
            window.response.status.text(),
            window.response.message.text(),
            window.response.truncated.text() if window.response.truncated.isVisible() else "",
        ]
    )
    for word in words:
        assert word in shown, f"{word!r} not in {shown!r}"
    assert "Traceback" not in shown and PROFILE_KEY not in shown
    assert "api_key=x" not in window.response.message.text()
    if case.extra is not None:
        case.extra(window)
    assert gap < 50, f"the GUI thread stalled for {gap:.0f} ms"
    assert other.seen == []  # the redirect was not followed: the other host got nothing

    (entry,) = _history(qtbot, window, 1)
    assert (entry.status, entry.error_kind) == (case.status, case.kind)

    # The next send works: back to the sandbox, no fault left, the default timeout.
    if case.url is not None:
        window.destination.set_target(Target.SANDBOX)
        settle(qtbot, window)
    window.timeout.setValue(5)
    _send_with_heartbeat(qtbot, window)
    assert window.response.status.text().startswith("✓ 200"), window.response.status.text()
    assert window.response.body.toPlainText() == "success"
    assert window.response.message.text().count("HTTP 200") == 1
    first, second = _history(qtbot, window, 2)
    assert first.id == entry.id and second.status == 200 and second.ok


def test_every_fault_mode_is_in_the_matrix() -> None:
    from attribution_workbench.sandbox.faults import FAULT_MODES

    covered = {case.fault[0] for case in CASES if case.fault is not None}
    assert covered == set(FAULT_MODES)

