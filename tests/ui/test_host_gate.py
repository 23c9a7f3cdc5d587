"""The key goes only to Amplitude, loopback, or a host the user confirmed in this session.

Nothing here contacts a non-loopback address: the decline path sends nothing at all, and the
accept path runs with a recording sender in place of the HTTP client. A redirect is proven
not followed against two real loopback servers.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from attribution_workbench.core.client import Outcome
from attribution_workbench.core.regions import HostWarning, Region, Target
from attribution_workbench.core.wire import PreparedRequest
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui import host_gate
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from key_recorder import Recorder
from memory_keyring import MemoryKeyring
from window_helpers import IOS_EVENT, OFFSCREEN_NOISE, open_window, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

KEY = "c0ffee00c0ffee00c0ffee00c0ffee00"
TYPO_URL = "https://api2.amplitud.com/attribution"
OTHER_URL = "https://collector.example.com/attribution"


class RecordingSender:
    """Stands in for the HTTP client: records what would have been sent, answers 200."""

    sent: list[PreparedRequest] = []

    def send(self, request: PreparedRequest, timeout: float, cancel: Any) -> Outcome:
        RecordingSender.sent.append(request)
        return Outcome(200, "OK", (), b"", False, "", "utf-8", 1.0, len(request.body), request.url)

    def close(self) -> None:
        pass


class Asker:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[HostWarning] = []

    def __call__(self, parent: object, warning: HostWarning) -> bool:
        self.asked.append(warning)
        return self.answer


@pytest.fixture
def offline_window(qtbot: QtBot, services: Services, memory_keyring: MemoryKeyring) -> MainWindow:
    """A window whose sender never touches the network, a US key in the keyring."""
    RecordingSender.sent = []
    memory_keyring.entries[("attribution-workbench", "default@us")] = KEY
    window = open_window(qtbot, dataclasses.replace(services, sender_factory=RecordingSender))
    window.editor.set_event(IOS_EVENT)
    window.destination.set_region(Region.US)
    window.destination.set_target(Target.CUSTOM)
    return window


def custom(qtbot: QtBot, window: MainWindow, url: str) -> None:
    window.destination.set_custom_url(url)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: window.send_blockers() == [], timeout=10_000)


def test_declining_a_mistyped_host_sends_nothing(
    qtbot: QtBot, offline_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = offline_window
    asker = Asker(False)
    monkeypatch.setattr(host_gate, "ask", asker)
    custom(qtbot, window, TYPO_URL)
    window.send()
    wait_sent(qtbot, window)
    assert RecordingSender.sent == []
    assert len(asker.asked) == 1 and asker.asked[0].looks_like_typo
    assert asker.asked[0].message.startswith(
        "Send your API key to api2.amplitud.com? It is not an Amplitude host."
    )
    assert "not sent" in window.statusBar().currentMessage()
    window.send()  # declined is not remembered: it asks again
    assert len(asker.asked) == 2 and RecordingSender.sent == []


def test_accepting_is_remembered_per_host_for_the_session(
    qtbot: QtBot, offline_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = offline_window
    asker = Asker(True)
    monkeypatch.setattr(host_gate, "ask", asker)
    custom(qtbot, window, TYPO_URL)
    for _ in range(2):
        window.send()
        wait_sent(qtbot, window)
    assert len(asker.asked) == 1  # asked once for this host
    assert [r.host for r in RecordingSender.sent] == ["api2.amplitud.com"] * 2
    assert KEY.encode() in RecordingSender.sent[0].body

    custom(qtbot, window, OTHER_URL)  # another host: asked again, without the typo hint
    window.send()
    wait_sent(qtbot, window)
    assert len(asker.asked) == 2 and not asker.asked[1].looks_like_typo
    assert window.host_gate.confirmed_hosts() == {"api2.amplitud.com", "collector.example.com"}


def test_a_new_window_asks_again(
    qtbot: QtBot, services: Services, offline_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(host_gate, "ask", Asker(True))
    custom(qtbot, offline_window, TYPO_URL)
    offline_window.send()
    wait_sent(qtbot, offline_window)
    offline_window.close()
    second = open_window(qtbot, dataclasses.replace(services, sender_factory=RecordingSender))
    assert second.host_gate.confirmed_hosts() == frozenset()  # never saved


def test_amplitude_hosts_are_not_asked_about(
    qtbot: QtBot, offline_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    asker = Asker(False)
    monkeypatch.setattr(host_gate, "ask", asker)
    custom(qtbot, offline_window, "https://api2.amplitude.com/attribution")
    offline_window.send()
    wait_sent(qtbot, offline_window)
    assert asker.asked == [] and len(RecordingSender.sent) == 1


def test_verify_to_a_declined_host_does_not_open_the_keys_dialog(
    qtbot: QtBot, offline_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    asker = Asker(False)
    monkeypatch.setattr(host_gate, "ask", asker)
    custom(qtbot, offline_window, TYPO_URL)
    offline_window.verify_keys()
    assert len(asker.asked) == 1
    assert (
        offline_window.key_profiles.dialog is None
        or not offline_window.key_profiles.dialog.isVisible()
    )


def test_verify_started_inside_the_keys_dialog_is_gated_too(
    qtbot: QtBot, offline_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = offline_window
    # Target is still Amplitude: no question. The dialog exists once the keyring is ready.
    qtbot.waitUntil(lambda: window.key_profiles.show_dialog() is not None, timeout=10_000)
    dialog = window.key_profiles.dialog
    assert dialog is not None
    asker = Asker(False)
    monkeypatch.setattr(host_gate, "ask", asker)
    custom(qtbot, window, TYPO_URL)
    window.show_credentials()  # points the dialog's matrix at the custom URL
    assert dialog.verify_panel.verify_key(KEY) is False
    assert len(asker.asked) == 1 and asker.asked[0].host == "api2.amplitud.com"
    assert "not sent" in dialog.verify_panel.summary.text()
    assert not dialog.verify_panel.is_running() and RecordingSender.sent == []


def test_the_gui_never_follows_a_redirect_to_another_host(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer
) -> None:
    with Recorder() as other:
        for code in (302, 307):
            sandbox.add_fault("redirect", code=code, location=other.url + "/attribution")
            with qtbot.waitSignal(window.sent, timeout=10_000) as answered:
                window.send()
            assert answered.args[0].status == code
            wait_sent(qtbot, window)
        assert other.seen == []
    assert len(sandbox.state.requests(path="/attribution")) == 2


def test_the_app_event_dialog_asks_too_and_a_refusal_sends_nothing(
    qtbot: QtBot, offline_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from attribution_workbench.ui.app_event_dialog import open_app_event_dialog

    window = offline_window
    asker = Asker(False)
    monkeypatch.setattr(host_gate, "ask", asker)
    custom(qtbot, window, TYPO_URL)
    dialog = open_app_event_dialog(window)
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.prepared_request() is not None, timeout=10_000)
    assert not dialog.send()
    assert RecordingSender.sent == [] and len(asker.asked) == 1
    assert dialog.summary.text() == "Not sent: the API key was not sent to api2.amplitud.com."
    assert not dialog.is_sending() and dialog.send_button.text() == "&Send app event"
