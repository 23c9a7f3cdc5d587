"""Helpers for the window tests: a sample event, waits, the sandbox's record, a heartbeat.

Kept apart from the fixtures (``tests/ui/conftest_window.py``, loaded with
``pytest_plugins``) so test modules, the leak tests in tests/integration too, can import
these names without importing the fixture plugin first.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from collections.abc import Mapping
from typing import Any

from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt, QTimer

from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services

IOS_EVENT = AttributionEvent(
    event_type="[Adjust] Install",
    platform="ios",
    idfa="6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84",
    user_properties={"[Adjust] campaign": "Spring + Summer", "[Adjust] clicks": 3},
)
# Offscreen Qt has no window manager: it says so at WARNING level each time a top-level
# window gets a minimum size or is raised, which qt_log_level_fail would count as a failure.
OFFSCREEN_NOISE = (
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",
)


class FixtureSandbox:
    """The test's own SandboxServer, handed to the window; the test stops it."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def keys(self) -> Mapping[str, str]:
        return DEMO_KEYS

    def stop(self) -> None:
        pass  # the test owns the server


class Heartbeat:
    """A 10 ms timer on the GUI thread, running inside ``with``; ``gaps_ms`` are the times
    between its beats (the first from the start), so a stalled GUI thread shows as a long gap.
    """

    def __init__(self) -> None:
        self.beats: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)
        self._timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def __enter__(self) -> Heartbeat:
        self.beats = [time.perf_counter()]
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.stop()

    @property
    def gaps_ms(self) -> list[float]:
        pairs = zip(self.beats, self.beats[1:], strict=False)
        return [(later - earlier) * 1000 for earlier, later in pairs]

    def max_gap_ms(self) -> float:
        return max(self.gaps_ms)


class UrlRecorder:
    def __init__(self) -> None:
        self.opened: list[str] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        return True


def settle(qtbot: QtBot, window: MainWindow) -> None:
    """Let the coalesced rebuild run (it is queued behind a zero-timeout timer)."""
    qtbot.waitUntil(lambda: not window._rebuild_timer.isActive())


def wait_sent(qtbot: QtBot, window: MainWindow, timeout_ms: int = 5000) -> None:
    qtbot.waitUntil(lambda: not window.is_sending(), timeout=timeout_ms)


def last_recorded(sandbox: SandboxServer) -> dict[str, Any]:
    """What the sandbox recorded for the last request, via its inspection API."""
    with urllib.request.urlopen(sandbox.base_url + "/_sandbox/requests/last", timeout=5) as r:
        record: dict[str, Any] = json.load(r)
    record["body"] = base64.b64decode(record["body_b64"])
    return record


def open_window(qtbot: QtBot, services: Services) -> MainWindow:
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window
