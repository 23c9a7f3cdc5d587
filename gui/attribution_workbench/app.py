"""Start the GUI: parse the few arguments, install the excepthook, build the services and window.

Start-up speed is a budget (DESIGN.md: first paint within 1.3 x a bare PySide6 window), so
nothing here imports ``requests``, ``keyring`` or the sandbox's HTTP server at module level:
the services below import them inside the functions the window calls from a worker thread
after its first paint.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from attribution_workbench import __version__

if TYPE_CHECKING:
    from attribution_workbench.core.history import History
    from attribution_workbench.core.profiles import Credentials
    from attribution_workbench.core.wire import PreparedRequest
    from attribution_workbench.ui.error_dialog import ErrorReporter
    from attribution_workbench.ui.main_window import MainWindow
    from attribution_workbench.ui.services import SandboxHandle, Services
    from attribution_workbench.ui.settings import Settings
    from attribution_workbench.ui.tasks import CancelRelay

APP_ID = "io.github.attribution_workbench.AttributionWorkbench"
# smoke.py's switches (AW_SMOKE_TEST, AW_STARTUP_PROBE): only then is it imported at all.
SELF_CHECK_ENV = ("AW_SMOKE_TEST", "AW_STARTUP_PROBE")
MAX_RESPONSE_BYTES = 2_000_000
CONNECT_TIMEOUT_S = 5.0
PIXMAP_CACHE_KB = 0  # see keep_no_style_pixmaps


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    """Our options, and whatever is left for Qt (``-platform``, ``-style``, ...)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        # The usual start (a double-click, `make run`). Building the parser looks up
        # translations for its help texts (gettext imports locale and probes for .mo files):
        # memory and time at every start for a parse that has nothing to do.
        return argparse.Namespace(sandbox=False), []
    return argument_parser().parse_known_args(args)


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attribution-workbench",
        description="Compose, preview and send Amplitude attribution events.",
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="start with the local sandbox as the target (nothing leaves this computer)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


# --- services (each import happens in a worker thread, after the first paint) -----------------
class ClientSender:
    """``core.client.Client`` behind the window's Sender protocol."""

    def __init__(self, settings_path: str | None = None) -> None:
        from attribution_workbench.ui.network_dialog import network_client

        # Settings > Network, read in this worker through its own QSettings (reentrant).
        self._client = network_client(
            settings_path, connect_timeout=CONNECT_TIMEOUT_S, max_body_bytes=MAX_RESPONSE_BYTES
        )

    def send(self, request: PreparedRequest, timeout: float, cancel: CancelRelay) -> Any:
        from attribution_workbench.core.client import CancelToken

        token = CancelToken()
        cancel.link(token.cancel)
        return self._client.send(request, timeout=timeout, cancel=token)

    def close(self) -> None:
        self._client.close()


def start_sandbox() -> SandboxHandle:
    """The port at once; the HTTP server (~12 MB) loads on the first request (sandbox.lazy)."""
    from attribution_workbench.sandbox.lazy import LazySandboxServer

    return LazySandboxServer().start()


def open_url(url: str) -> bool:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    return bool(QDesktopServices.openUrl(QUrl(url)))


def credentials_factory(settings_path: str) -> Callable[[], Credentials]:
    """Makes the profiles store on first use (after the first paint: it loads keyring code)."""

    def make() -> Credentials:
        from attribution_workbench.core.credentials import KeyStore
        from attribution_workbench.core.profiles import Credentials
        from attribution_workbench.ui.settings_store import SettingsRegistryStorage

        return Credentials(KeyStore(), SettingsRegistryStorage(settings_path))

    return make


def open_history() -> History:
    """The history file under the user data dir (sqlite3 loads here, in a worker)."""
    from attribution_workbench.core.history import History

    return History()


def build_services(settings: Settings) -> Services:
    from attribution_workbench.ui.services import Services

    return Services(
        settings=settings,
        sender_factory=lambda: ClientSender(settings.path),
        sandbox_starter=start_sandbox,
        open_url=open_url,
        credentials=credentials_factory(settings.path),
        history=open_history,
    )


# --- errors -------------------------------------------------------------------------------------
Hook = Callable[[type[BaseException], BaseException, "TracebackType | None"], Any]


def install_excepthook(reporter: ErrorReporter) -> Callable[[], None]:
    """Route uncaught exceptions (GUI thread and others) to the error dialog; returns undo."""
    previous_sys = sys.excepthook
    previous_threading = threading.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous_sys(exc_type, exc, tb)
            return
        try:
            reporter.report(exc_type, exc, tb)
        except Exception:  # the dialog itself failed: at least the terminal shows it
            sys.__excepthook__(exc_type, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook

    def restore() -> None:
        sys.excepthook = previous_sys
        threading.excepthook = previous_threading

    return restore


def use_sandbox(window: MainWindow) -> None:
    """``--sandbox``: the local sandbox as the target for this run, whatever the settings
    say; the saved choice is kept unless the user picks another target meanwhile."""
    from attribution_workbench.core.regions import Target

    window.target_for_this_run = Target.SANDBOX

    window.destination.set_target(Target.SANDBOX)


# --- main -----------------------------------------------------------------------------------------
def run(
    argv: Sequence[str] | None = None,
    *,
    on_window: Callable[[MainWindow], None] | None = None,
) -> int:
    """Build and run the app; returns the exit code. ``on_window`` is for benches and tools."""
    args, qt_args = parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from attribution_workbench.ui import source_scan

    source_scan.install()  # before the app's Qt modules: saves ~4 MB (see the module)

    from attribution_workbench import APP_NAME
    from attribution_workbench.ui.error_dialog import ErrorReporter
    from attribution_workbench.ui.main_window import MainWindow
    from attribution_workbench.ui.settings import APPLICATION, ORGANIZATION, Settings

    if on_window is None and any(os.environ.get(name) == "1" for name in SELF_CHECK_ENV):
        from attribution_workbench import smoke  # the bundle's self-checks (packaging)

        on_window = smoke.on_window_hook()

    existing = QApplication.instance()
    if existing is None and (problem := display_problem(os.environ, qt_args)):
        print(f"attribution-workbench: {problem}", file=sys.stderr)
        return 2
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *qt_args])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)  # lets Wayland/X11 shells match the .desktop file and icon
    keep_no_style_pixmaps()

    reporter = ErrorReporter()
    restore_hook = install_excepthook(reporter)
    restore_signals = quit_on_signals(app)
    try:
        # Staged: the first frame shows at once, the panes follow right after it (main_window).
        window = MainWindow(build_services(Settings()), reporter, staged=True)
        reporter.set_parent_widget(lambda: window)
        # The icon's images load after the first frame, with the panes (main_window).
        window.ready.connect(lambda: app.setWindowIcon(window.windowIcon()))
        if args.sandbox:
            window.ready.connect(lambda: use_sandbox(window))
        app.aboutToQuit.connect(window.shutdown)
        window.show()
        if on_window is not None:
            on_window(window)
        return int(app.exec())
    finally:
        restore_signals()
        restore_hook()


def keep_no_style_pixmaps() -> None:
    """Let the style draw its buttons, frames and tabs each time instead of caching them.

    Qt keeps every rendered style element and icon size in QPixmapCache (up to 10 MB): 0.45
    MB of the idle window's memory right after start-up, growing as more of the UI is
    shown. Drawing them again costs ~0.8 ms on a full repaint of the window (4.6 vs 3.7
    ms, measured offscreen); the usual repaint is one field's, much less.
    """
    from PySide6.QtGui import QPixmapCache

    QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)


def display_problem(environ: Mapping[str, str], qt_args: Sequence[str]) -> str | None:
    """Why Qt would find no screen on this Linux machine, or None.

    Without one, Qt aborts the process with a message about a missing xcb-cursor library
    and "reinstalling the application" (over SSH, on a headless box): say what is wrong.
    """
    if not sys.platform.startswith("linux") or "-platform" in qt_args:
        return None
    if any(environ.get(name) for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        return None
    return (
        "no display found (neither $DISPLAY nor $WAYLAND_DISPLAY is set). Start it from a "
        "desktop session; to check it without a screen, set QT_QPA_PLATFORM=offscreen."
    )


def quit_on_signals(app: Any) -> Callable[[], None]:
    """Ctrl+C in the terminal (SIGINT) and SIGTERM quit the app through its normal shutdown.

    Python runs signal handlers only between bytecodes, and Qt's event loop is C++: the C
    handler writes a byte to a pipe (``signal.set_wakeup_fd``) that a QSocketNotifier
    watches, so the interpreter runs as soon as a signal comes and never otherwise (a
    polling timer would wake the idle app four times a second). Returns a function that
    puts the previous handlers back.
    """
    import signal

    from PySide6.QtCore import QSocketNotifier

    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals can only be handled on the main thread
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda _sig, _frame: app.quit())

    def restore_handlers() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)

    if sys.platform == "win32":
        # set_wakeup_fd takes only a socket there; a console Ctrl+C is handled at the
        # next Python call (any event the window handles in Python).
        return restore_handlers
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)  # the C handler must never block
    os.set_blocking(read_fd, False)
    previous_fd = signal.set_wakeup_fd(write_fd)
    notifier = QSocketNotifier(read_fd, QSocketNotifier.Type.Read, app)

    def drain() -> None:  # the Python handler has run by now; empty the pipe
        try:
            while os.read(read_fd, 512):
                pass
        except BlockingIOError:
            pass

    notifier.activated.connect(drain)

    def restore() -> None:
        notifier.setEnabled(False)
        notifier.deleteLater()
        signal.set_wakeup_fd(previous_fd)
        restore_handlers()
        os.close(read_fd)
        os.close(write_fd)

    return restore


def main() -> None:
    sys.exit(run())
