"""Helpers for the main-window tests: a sample event, waits, and the sandbox's record.

Kept apart from the fixtures (``conftest_window.py``, loaded with ``pytest_plugins``) so test
modules can import these names without importing the fixture plugin first.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Mapping
from typing import Any

from pytestqt.qtbot import QtBot

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
    """The test's own SandboxServer, handed to the window; the fixture stops it."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.stopped_by_window = False

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def keys(self) -> Mapping[str, str]:
        return DEMO_KEYS

    def stop(self) -> None:
        self.stopped_by_window = True


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
