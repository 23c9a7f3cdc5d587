"""The app as a whole: start-up (lazy imports, sandbox on and off), errors, assets, settings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QThread
from PySide6.QtGui import QIcon

import attribution_workbench
from attribution_workbench import __version__, assets
from attribution_workbench.app import argument_parser, install_excepthook, parse_args
from attribution_workbench.ui import settings as S
from attribution_workbench.ui.error_dialog import ErrorReporter
from attribution_workbench.ui.settings import Settings
from attribution_workbench.ui.tasks import CancelRelay, TaskRunner
from cli_harness import cli_env
from fresh_python import modules_loaded_by
from window_helpers import OFFSCREEN_NOISE

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

# Started as a child: reports which heavy modules were loaded at the first paint, then
# where the sandbox listens, then quits through the app's own shutdown path.
PROBE = r"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from attribution_workbench import app

HEAVY = ("requests", "urllib3", "keyring", "http.server", "attribution_workbench.core.client",
         "attribution_workbench.sandbox", "attribution_workbench.core.credentials",
         "truststore", "attribution_workbench.core.network",
         # the panes: built right after the first frame (a staged start)
         "attribution_workbench.ui.event_editor", "attribution_workbench.ui.preview_pane",
         "attribution_workbench.core.rules", "attribution_workbench.ui.error_box")
# Still not loaded once the window is ready and idle: each waits for its first use (memory).
IDLE_LAZY = ("requests", "keyring", "http.server", "email", "sqlite3", "ssl")
state = {}

def menu_titles(window):
    return "|".join(
        action.text() + ("" if action.isEnabled() else "(disabled)")
        for action in window.menuBar().actions()
    )

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "painted" not in state:
            state["painted"] = True
            loaded = [name for name in HEAVY if name in sys.modules]
            print("loaded-at-first-paint:" + ",".join(loaded), flush=True)
            print("ready-at-first-paint:%s" % watched.is_ready(), flush=True)
            print("menus-at-first-paint:" + menu_titles(watched), flush=True)
            QTimer.singleShot(200, wait_for_sandbox)
        return False

def wait_for_sandbox():
    window = state["window"]
    sandbox = window.backend.sandbox if window.is_ready() else None
    if sandbox is None:
        QTimer.singleShot(50, wait_for_sandbox)
        return
    print("menus-when-ready:" + menu_titles(window), flush=True)
    print("loaded-when-ready:" + ",".join(n for n in IDLE_LAZY if n in sys.modules), flush=True)
    import linecache  # PySide's import check reads sources; ui/source_scan keeps them out
    ours = [n.split("attribution_workbench")[-1] for n in linecache.cache
            if "attribution_workbench" in n]
    print("sources-cached:" + ",".join(sorted(ours)), flush=True)
    from PySide6.QtGui import QPixmapCache
    print("pixmap-cache-kb:%d" % QPixmapCache.cacheLimit(), flush=True)
    print("sandbox:" + sandbox.base_url, flush=True)
    QApplication.quit()

def on_window(window):
    state["window"] = window
    state["filter"] = FirstPaint()
    window.installEventFilter(state["filter"])

sys.exit(app.run(sys.argv[1:], on_window=on_window))
"""


def child_env(home: Path) -> dict[str, str]:
    """``cli_env`` (so no keyring: a GUI child must not reach a real Secret Service), with
    HOME and the settings in ``home``."""
    return cli_env(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
        }
    )


def test_version_flag(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "attribution_workbench", "--version"],
        env=child_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"attribution-workbench {__version__}"


def test_a_start_without_arguments_does_not_build_the_parser() -> None:
    # The same answer the parser gives, without its gettext lookups (which import locale).
    assert parse_args([]) == argument_parser().parse_known_args([])
    code = "from attribution_workbench.app import parse_args\nparse_args([])"
    assert modules_loaded_by(code, ["locale"]) == []
    assert parse_args(["--sandbox", "-platform", "offscreen"])[0].sandbox


def test_start_up_paints_before_any_heavy_import_then_starts_and_stops_the_sandbox(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "--sandbox"],
        env=child_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    assert lines["loaded-at-first-paint"] == ""
    # The first frame: the real menu titles (not usable yet); then the panes.
    assert lines["ready-at-first-paint"] == "False"
    titles = [title.replace("&", "") for title in attribution_workbench.MENU_TITLES]
    first_menus = lines["menus-at-first-paint"].replace("&", "")
    assert first_menus == "|".join(f"{title}(disabled)" for title in titles)
    assert lines["menus-when-ready"].replace("&", "") == "|".join(titles)
    assert lines["loaded-when-ready"] == ""
    # Not even the two package files PySide's own check read before app.run installed ours.
    assert lines["sources-cached"] == ""
    assert lines["pixmap-cache-kb"] == "0"  # app.keep_no_style_pixmaps (idle memory)
    base_url = lines["sandbox"]
    assert base_url.startswith("http://127.0.0.1:")
    # The app stopped its sandbox on quit: nothing listens on that port any more.
    port = int(base_url.rsplit(":", 1)[1])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    assert (tmp_path / ".config" / S.ORGANIZATION / (S.APPLICATION + ".ini")).is_file()


# --- errors -------------------------------------------------------------------------------------
def test_uncaught_exception_opens_a_non_modal_dialog_with_collapsed_details(
    qtbot: QtBot,
) -> None:
    reporter = ErrorReporter()
    reporter.forbid(SECRET)
    restore = install_excepthook(reporter)
    try:
        try:
            raise ValueError(f"the widget broke while holding {SECRET}")
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        restore()
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert not dialog.isModal()
    summary = dialog.summary.text()
    assert "ValueError: the widget broke" in summary and "still running" in summary
    assert SECRET not in summary
    assert not dialog.details.isVisible()  # the traceback is there, but collapsed
    dialog.toggle.click()
    assert dialog.details.isVisible()
    details = dialog.details.toPlainText()
    assert details.startswith("Traceback") and SECRET not in details


def test_errors_in_other_threads_reach_the_same_dialog(qtbot: QtBot) -> None:
    reporter = ErrorReporter()
    restore = install_excepthook(reporter)

    def fail() -> None:
        raise RuntimeError("worker failed")

    try:
        worker = threading.Thread(target=fail)
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: reporter.dialog is not None)
        sys.excepthook(KeyError, KeyError("second"), None)
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.error_count() == 2)
    finally:
        restore()
    assert reporter.dialog is not None
    qtbot.addWidget(reporter.dialog)
    assert "2 errors so far" in reporter.dialog.summary.text()
    assert "worker failed" in reporter.dialog.details.toPlainText()


# --- tasks -------------------------------------------------------------------------------------
def test_task_results_and_errors_come_back_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    seen: list[tuple[object, object, bool]] = []
    gui = QThread.currentThread()

    def record(result: object, error: BaseException | None) -> None:
        seen.append((result, error, QThread.currentThread() is gui))

    runner.run(lambda: threading.current_thread().name, record)

    def boom() -> None:
        raise ValueError("no")

    runner.run(boom, record)
    assert len(runner.running()) in (0, 1, 2)
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert runner.running() == []
    results = {
        type(error).__name__ if error else "ok": (result, on_gui) for result, error, on_gui in seen
    }
    assert results["ValueError"] == (None, True)
    name, on_gui = results["ok"]
    assert on_gui and name != threading.current_thread().name


def test_cancel_relay_fires_hooks_linked_before_and_after() -> None:
    relay = CancelRelay()
    calls: list[str] = []
    relay.link(lambda: calls.append("early"))
    relay.cancel()
    relay.cancel()  # idempotent
    relay.link(lambda: calls.append("late"))
    assert relay.cancelled and calls == ["early", "late"]


# --- assets ------------------------------------------------------------------------------------
@pytest.mark.parametrize("icon", list(assets.Icon))
def test_every_named_icon_exists_and_loads(qapp: object, icon: assets.Icon) -> None:
    assert assets.icon_path(icon).is_file()
    loaded = assets.qicon(icon)
    assert isinstance(loaded, QIcon) and not loaded.isNull()
    assert not assets.qpixmap(icon, 32).isNull()


def test_resources_are_found_in_a_pyinstaller_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = tmp_path / "attribution_workbench" / "resources" / "icons"
    bundled.mkdir(parents=True)
    (bundled / assets.Icon.APP.value).write_text("<svg/>", encoding="utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assets.resources_dir.cache_clear()
    try:
        assert assets.resources_dir() == tmp_path / "attribution_workbench" / "resources"
    finally:
        assets.resources_dir.cache_clear()


def test_resources_are_found_in_an_installed_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "attribution_workbench"
    (package / "resources" / "icons").mkdir(parents=True)
    (package / "resources" / "icons" / assets.Icon.APP.value).write_text("<svg/>")
    monkeypatch.setattr(assets, "PACKAGE_DIR", package)
    assets.resources_dir.cache_clear()
    try:
        assert assets.resources_dir() == package / "resources"
        monkeypatch.setattr(assets, "PACKAGE_DIR", tmp_path / "nowhere" / "pkg")
        assets.resources_dir.cache_clear()
        with pytest.raises(assets.ResourceError, match="Reinstall"):
            assets.resources_dir()
    finally:
        assets.resources_dir.cache_clear()


# --- settings ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "stored", "expected"),
    [
        (S.TIMEOUT_S, "9000", S.TIMEOUT_S.default),
        (S.TIMEOUT_S, "ten", S.TIMEOUT_S.default),
        (S.TIMEOUT_S, "30", 30),
        (S.PRETTY_JSON, "maybe", True),
        (S.PRETTY_JSON, "false", False),
        (S.REGION, "EU", "us"),
        (S.TARGET, "custom", "custom"),
        (S.EDITOR_STATE, "[1, 2]", {}),
        (S.EDITOR_STATE, '{"version": 1}', {"version": 1}),
    ],
)
def test_stored_values_are_checked(
    setting: S.Setting[object], stored: str, expected: object
) -> None:
    settings = Settings()
    settings._qsettings.setValue(setting.name, stored)
    assert settings.get(setting) == expected


def test_settings_refuse_wrong_types_and_registered_secrets() -> None:
    settings = Settings()
    with pytest.raises(TypeError):
        settings.set(S.TIMEOUT_S, "10")  # type: ignore[arg-type]
    settings.forbid(SECRET)
    settings.set(S.CUSTOM_URL, f"https://example.com/attribution?api_key={SECRET}")
    settings.set(S.EDITOR_STATE, {"note": SECRET})
    settings.set(S.REGION, "eu")
    settings.sync()
    text = Path(settings.path).read_text(encoding="utf-8")
    assert SECRET not in text
    assert "region=eu" in text
    assert set(settings.names()) == {"destination/region", "version"}


def test_every_setting_is_declared_once() -> None:
    names = [setting.name for setting in S.ALL]
    assert len(names) == len(set(names))
    assert not any("key" in name.lower() for name in names)


def test_without_a_display_it_says_so_and_exits_2(tmp_path: Path) -> None:
    env = child_env(tmp_path)
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "attribution_workbench"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no display found" in result.stderr and "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "term"])
def test_ctrl_c_or_sigterm_in_the_terminal_quits_cleanly(tmp_path: Path, sig: int) -> None:
    env = {**child_env(tmp_path), "AW_STARTUP_PROBE": "1", "AW_STARTUP_PROBE_IDLE_MS": "60000"}
    child = subprocess.Popen(
        [sys.executable, "-m", "attribution_workbench"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().startswith("painted")
        assert child.stdout.readline().startswith("ready")  # the panes are up
        child.send_signal(sig)
        assert child.wait(timeout=10) == 0  # through aboutToQuit: settings saved
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert (tmp_path / ".config" / S.ORGANIZATION / (S.APPLICATION + ".ini")).is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="no wakeup pipe on Windows")
def test_a_signal_wakes_the_event_loop_without_a_polling_timer(qtbot: QtBot) -> None:
    from PySide6.QtCore import QEventLoop, QObject, QTimer

    from attribution_workbench.app import quit_on_signals

    loop = QEventLoop()

    class Owner(QObject):
        quits = 0

        def quit(self) -> None:
            self.quits += 1
            loop.quit()

    owner = Owner()
    restore = quit_on_signals(owner)
    try:
        assert owner.findChildren(QTimer) == []  # nothing wakes the idle app
        QTimer.singleShot(3000, loop.quit)  # a C++ slot: runs no Python
        started = time.monotonic()
        # From another thread: the main thread sits in Qt's C++ loop and runs no Python
        # until something wakes it (here only the wakeup pipe can, before 3 s).
        killer = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM))
        killer.start()
        loop.exec()
        killer.join()
        assert owner.quits == 1 and time.monotonic() - started < 2.0
    finally:
        restore()


def test_a_task_that_finishes_after_its_signals_are_gone_is_quiet(
    qtbot: QtBot, capfd: pytest.CaptureFixture[str]
) -> None:
    # At quit, a job still running (a history write waiting on another program's lock)
    # finished after its signal object was deleted: PySide printed "Signal source has been
    # deleted" tracebacks on stderr.
    import shiboken6

    runner = TaskRunner()
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "done"

    task = runner.run(slow, lambda result, error: None)
    shiboken6.delete(task.signals)  # what shutdown does to it underneath
    release.set()
    qtbot.waitUntil(lambda: runner._pool.activeThreadCount() == 0, timeout=5000)
    assert "Traceback" not in capfd.readouterr().err
