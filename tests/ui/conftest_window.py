"""Fixtures for the main-window tests, loaded by test modules with ``pytest_plugins``.

The window is built exactly as ``app.py`` builds it, except that its sandbox is one the
fixture owns (so a test can add faults and read what it recorded) and its URL opener records
instead of starting a browser. Keys come from the app's own profiles store:
``$AMPLITUDE_API_KEY`` or the per-test in-memory keyring that ``tests/conftest.py``
installs. (``tests/ui/conftest.py`` belongs to the event editor's tests; these fixtures live
here so the two do not collide.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from attribution_workbench.app import ClientSender, credentials_factory
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import SandboxHandle, Services
from attribution_workbench.ui.settings import Settings
from window_helpers import IOS_EVENT, FixtureSandbox, UrlRecorder, open_window, settle


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def url_recorder() -> UrlRecorder:
    return UrlRecorder()


@pytest.fixture
def services(sandbox: SandboxServer, url_recorder: UrlRecorder) -> Services:
    handle = FixtureSandbox(sandbox)

    def start() -> SandboxHandle:
        return handle

    settings = Settings()
    return Services(
        settings=settings,
        sender_factory=ClientSender,
        sandbox_starter=start,
        open_url=url_recorder,
        credentials=credentials_factory(settings.path),  # the memory keyring underneath
    )


@pytest.fixture
def window(qtbot: QtBot, services: Services) -> MainWindow:
    """A first-run window on the sandbox target, sandbox running, a valid iOS event in it."""
    win = open_window(qtbot, services)
    qtbot.waitUntil(lambda: win.backend.sandbox is not None)
    win.editor.set_event(IOS_EVENT)
    win.unsaved.mark_clean()  # as if IOS_EVENT had been opened from a file
    settle(qtbot, win)
    assert win.send_blockers() == []
    return win
