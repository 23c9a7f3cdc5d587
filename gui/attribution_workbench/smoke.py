"""Checks a built app runs on itself: the bundle smoke test and the start-up probe.

A frozen bundle cannot be driven by pytest, so the app carries these few checks and runs
them when an environment variable asks (app.py imports this module only then).

``AW_SMOKE_TEST=1`` (packaging/smoke_test.sh): once the window has its panes (its ``ready``
signal), open every file under ``resources/`` (images through Qt's image and icon plugins,
so a plugin missing from the bundle shows up), point the window at its in-process sandbox,
put a valid event in the raw JSON editor, press Send and wait for the answer. Prints
``smoke: window shown, sent, status 200`` and quits with 0, or ``smoke: FAILED: ...`` and
quits with 1; gives up after ``AW_SMOKE_TIMEOUT_S`` (20) seconds. With
``AW_SMOKE_SCREENSHOT=<file.png>`` it also saves the window as it looks after the answer.

``AW_STARTUP_PROBE=1`` (bench/bench_startup.py, bench/bench_bundle.py): speaks the benches'
child protocol, so the venv app and a frozen one are timed alike: prints
``painted <time.monotonic_ns()>`` (one clock for every process on the machine, so the
parent subtracts its own start time) when the window's first paint starts, ``ready <ns>``
when it first paints with its panes in it (the app builds them after its first frame),
``idle`` ``AW_STARTUP_PROBE_IDLE_MS`` (1000) ms after the first paint (the parent then reads
the idle RSS from /proc), and quits 500 ms later with 0.

Only the window's public side is used: ``ready``/``is_ready()`` and the object names
``target``, ``event_json``, ``send``, ``response_status`` (DESIGN.md).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QGuiApplication

# Only what the start-up probe needs is imported here: the benches measure the app's idle
# memory with the probe loaded, so the smoke test's own imports (uuid, which loads platform;
# the image and widget classes) wait inside the functions that use them.
if TYPE_CHECKING:
    from attribution_workbench.ui.main_window import MainWindow

SMOKE_ENV = "AW_SMOKE_TEST"
PROBE_ENV = "AW_STARTUP_PROBE"
SCREENSHOT_ENV = "AW_SMOKE_SCREENSHOT"
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_IDLE_MS = 1000
QUIT_AFTER_IDLE_MS = 500  # time for the parent to read /proc/<pid>/status
POLL_MS = 50
IMAGE_SUFFIXES = {".svg", ".png"}
TEXT_SUFFIXES = {".desktop", ".xml", ".qss", ".css", ".txt", ".md"}
_STATUS_CODE = re.compile(r"\b([1-5]\d\d)\b")
W = TypeVar("W", bound=QObject)


def smoke_event() -> dict[str, object]:
    """A valid iOS install event (a fresh IDFA); the sandbox answers 200 with its demo key."""
    import uuid

    return {
        "event_type": "[Smoke] Install",
        "platform": "ios",
        "idfa": str(uuid.uuid4()).upper(),
        "user_properties": {"[Smoke] media source": "bundle smoke test"},
    }


def say(text: str) -> None:
    # A windowed Windows executable has no stdout at all.
    if sys.stdout is not None:
        print(text, flush=True)


def on_window_hook(
    environ: Mapping[str, str] = os.environ,
) -> Callable[[MainWindow], None] | None:
    """For ``app.run(on_window=...)``: the check the environment asks for ("1"), else None.

    The hook runs right after ``window.show()``; the check it makes is a child of the window.
    """
    if environ.get(SMOKE_ENV) == "1":
        timeout = float(environ.get("AW_SMOKE_TIMEOUT_S") or DEFAULT_TIMEOUT_S)
        screenshot = environ.get(SCREENSHOT_ENV)

        def smoke_test(window: MainWindow) -> None:
            SmokeTest(window, timeout, screenshot)

        return smoke_test
    if environ.get(PROBE_ENV) == "1":
        idle_ms = int(environ.get("AW_STARTUP_PROBE_IDLE_MS") or DEFAULT_IDLE_MS)

        def startup_probe(window: MainWindow) -> None:
            StartupProbe(window, idle_ms)

        return startup_probe
    return None


# --- resources ------------------------------------------------------------------------------
def check_resources() -> tuple[int, list[str]]:
    """Open every file under resources/ the way the app would; (files checked, problems)."""
    from attribution_workbench import assets

    problems: list[str] = []
    root = assets.resources_dir()
    files = sorted(path for path in root.rglob("*") if path.is_file())
    for path in files:
        name = path.relative_to(root).as_posix()
        try:
            problem = _check_file(path)
        except (OSError, ValueError) as exc:
            problem = f"cannot be read: {exc}"
        if problem:
            problems.append(f"{name}: {problem}")
    for icon in assets.Icon:
        try:
            assets.icon_path(icon)
        except assets.ResourceError as exc:
            problems.append(str(exc))
    return len(files), problems


def _check_file(path: Path) -> str | None:
    from PySide6.QtGui import QIcon, QImage

    data = path.read_bytes()
    if not data:
        return "is empty"
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        if QImage(str(path)).isNull():
            return "Qt cannot read this image (image format plugin missing?)"
        if QIcon(str(path)).pixmap(32, 32).isNull():
            return "Qt cannot make an icon of it (icon engine plugin missing?)"
    elif suffix == ".json":
        json.loads(data.decode("utf-8"))
    elif suffix in TEXT_SUFFIXES:
        data.decode("utf-8")
    return None


# --- the smoke test -------------------------------------------------------------------------
class SmokeTest(QObject):
    """Once the panes exist: checks resources, sends to the sandbox, quits 0 or 1."""

    def __init__(self, window: MainWindow, timeout_s: float, screenshot: str | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._screenshot = screenshot
        self._deadline = time.monotonic() + timeout_s
        self._phase = "waiting for the window's panes"
        self._done = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._timer.start()
        if window.is_ready():  # not staged: the panes came with the window
            QTimer.singleShot(0, self._start)
        else:  # staged: the panes follow the first frame (main_window)
            window.ready.connect(self._start)

    def _start(self) -> None:
        from PySide6.QtWidgets import QComboBox, QPlainTextEdit

        if self._done:
            return
        window = self._window
        say(
            f"smoke: window shown ({window.width()}x{window.height()}, "
            f"platform {QGuiApplication.platformName()})"
        )
        count, problems = check_resources()
        if problems:
            self._finish(1, f"{len(problems)} resource problem(s): " + "; ".join(problems))
            return
        say(f"smoke: {count} resource files load")
        try:
            target = self._child(QComboBox, "target")
            event_json = self._child(QPlainTextEdit, "event_json")
        except LookupError as exc:
            self._finish(1, str(exc))
            return
        index = target.findData("sandbox")
        if index < 0:
            self._finish(1, "the target box has no 'sandbox' entry")
            return
        target.setCurrentIndex(index)
        event_json.setPlainText(json.dumps(smoke_event()))
        self._phase = "waiting for the sandbox and an enabled Send button"

    def _poll(self) -> None:
        try:
            self._step()
        except LookupError as exc:
            self._finish(1, str(exc))

    def _step(self) -> None:
        from PySide6.QtWidgets import QLabel, QPushButton

        if self._done:
            return
        if time.monotonic() > self._deadline:
            blockers = self._window.findChild(QLabel, "send_blockers")
            why = f" (the window says: {blockers.text()!r})" if blockers and blockers.text() else ""
            self._finish(1, f"timed out {self._phase}{why}")
        elif self._phase.startswith("waiting for the sandbox"):
            send = self._child(QPushButton, "send")
            if send.isEnabled():
                send.click()
                self._phase = "waiting for the answer"
        elif self._phase == "waiting for the answer":
            status = self._child(QLabel, "response_status").text()
            if status.startswith("✓") or status.startswith("✗"):
                match = _STATUS_CODE.search(status)
                if match and match.group(1) == "200":
                    self._save_screenshot()
                    self._finish(0, "window shown, sent, status 200")
                else:
                    message = self._window.findChild(QLabel, "response_message")
                    detail = message.text() if message is not None else ""
                    self._finish(1, f"the answer was {status!r}: {detail}")

    def _save_screenshot(self) -> None:
        # For a person to look at the frozen app's fonts and icons (AW_SMOKE_SCREENSHOT=path).
        if self._screenshot and self._window.grab().save(self._screenshot):
            say(f"smoke: screenshot saved to {self._screenshot}")

    def _child(self, kind: type[W], name: str) -> W:
        widget = self._window.findChild(kind, name)
        if widget is None:
            raise LookupError(f"the window has no {kind.__name__} named {name!r}")
        return widget

    def _finish(self, code: int, text: str) -> None:
        self._done = True
        self._timer.stop()
        say(f"smoke: {text}" if code == 0 else f"smoke: FAILED: {text}")
        QGuiApplication.exit(code)


# --- the start-up probe ---------------------------------------------------------------------
class StartupProbe(QObject):
    """The benches' child protocol: ``painted <ns>``, ``ready <ns>``, ``idle``, quit.

    It follows the window's ``painted`` signal, not its events: an event filter would make
    PySide build the Python classes of every QEvent subclass (0.5 MB the app does not carry
    at idle), and the bare window it is compared with is probed the same light way.
    """

    def __init__(self, window: MainWindow, idle_ms: int) -> None:
        super().__init__(window)
        self._window = window
        self._idle_ms = idle_ms
        self._painted = False
        window.painted.connect(self._on_painted)

    @Slot()
    def _on_painted(self) -> None:
        if not self._painted:
            self._painted = True
            say(f"painted {time.monotonic_ns()}")
            QTimer.singleShot(self._idle_ms, self._report_idle)
        # "ready": the first paint with the panes in it (the window's own staged start).
        if self._window.is_ready():
            say(f"ready {time.monotonic_ns()}")
            self._window.painted.disconnect(self._on_painted)

    def _report_idle(self) -> None:
        say("idle")
        QTimer.singleShot(QUIT_AFTER_IDLE_MS, lambda: QGuiApplication.exit(0))
