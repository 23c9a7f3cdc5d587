"""The main window: compose (EventEditor), choose a destination, preview, send, read the answer.

The one data flow of DESIGN.md, in one place: every editor or destination change rebuilds
ONE ``PreparedRequest`` (coalesced to once per event-loop turn); the preview renders that
object and Send sends that very object from a worker thread (``Backend``).

Start-up is staged (DESIGN.md budget: first paint within 1.3 x a bare PySide6 window). With
``staged=True`` (the app) the constructor only makes the frame: title, saved geometry and
the menu titles. The panes, menus and icon are built right after that frame's first paint,
and ``ready`` fires; then everything that may block (keyring, the HTTP client, the
sandbox) starts in workers. That is why the pane modules are imported inside the methods
below and not at the top: importing them (and PySide's first use of their Qt classes, about
30 ms of enum creation alone) would come before the first paint. ``staged=False`` (tests,
tools) builds the whole window in the constructor.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSize, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QWidget

from attribution_workbench import APP_NAME, MENU_TITLES, assets
from attribution_workbench.ui import settings as S

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QPaintEvent, QShowEvent
    from PySide6.QtWidgets import QDockWidget, QPushButton, QSpinBox, QSplitter

    from attribution_workbench.core.regions import Destination, Target
    from attribution_workbench.core.wire import PreparedRequest
    from attribution_workbench.ui.backend import Backend, SendCallback
    from attribution_workbench.ui.batch_dialog import BatchDialog
    from attribution_workbench.ui.destination import DestinationBar, SandboxBanner
    from attribution_workbench.ui.error_dialog import ErrorReporter
    from attribution_workbench.ui.event_editor import EventEditor
    from attribution_workbench.ui.history_store import HistoryStore
    from attribution_workbench.ui.host_gate import HostGate
    from attribution_workbench.ui.import_dialog import ImportDialog
    from attribution_workbench.ui.key_profiles import KeyProfiles
    from attribution_workbench.ui.key_wait import KeyWait
    from attribution_workbench.ui.menus import WindowActions
    from attribution_workbench.ui.preview_pane import PreviewPane
    from attribution_workbench.ui.response_pane import ResponsePane
    from attribution_workbench.ui.send_bar import SendBar
    from attribution_workbench.ui.services import Services
    from attribution_workbench.ui.unsaved import UnsavedChanges

MAX_REASONS = 3
DEFAULT_SIZE = (1200, 800)
HEADLESS_PLATFORMS = ("offscreen", "minimal")
LARGE_EVENT_CHARS = 256 * 1024  # past this, edits rebuild the request when typing pauses
LARGE_EVENT_PAUSE_MS = 250
EDITOR_MIN_WIDTH = 220  # with the right side, the window still fits an 800 px screen


def default_size(available: QSize) -> tuple[int, int]:
    """DEFAULT_SIZE, made to fit the screen's free area (a laptop at 200 % scaling offers
    960 x 540 logical pixels); the window's own minimum still applies."""
    width = min(DEFAULT_SIZE[0], int(available.width() * 0.95))
    height = min(DEFAULT_SIZE[1], int(available.height() * 0.95))
    return width, height


class MainWindow(QMainWindow):
    """The product window. ``sent``/``failed`` fire after each answer (tests, history)."""

    sent = Signal(object)
    failed = Signal(object)
    painted = Signal()  # the window painted itself (the start-up probe times this)
    ready = Signal()  # the panes exist and the event is restored (see is_ready())
    send_state_changed = Signal()  # a send started or ended (is_sending() changed)
    # Class attributes: Qt delivers events (see paintEvent()) before __init__ has finished.
    _painted = False
    _built = False
    _started = False  # finish_start ran (it runs once: the first paint or the first show)
    _closed = False
    _was_sending = False  # what send_state_changed last announced
    editor: EventEditor
    banner: SandboxBanner
    destination: DestinationBar
    preview: PreviewPane
    send_bar: SendBar
    timeout: QSpinBox
    send_button: QPushButton
    response: ResponsePane
    main_splitter: QSplitter
    right_splitter: QSplitter
    reporter: ErrorReporter
    backend: Backend
    history: HistoryStore
    host_gate: HostGate
    key_profiles: KeyProfiles
    window_actions: WindowActions
    unsaved: UnsavedChanges
    import_dialog: ImportDialog  # set by File ▸ Import… (ui/event_files.py)
    batch_dialog: BatchDialog | None = None  # set by File ▸ Batch send… (ui/batch_dialog.py)

    def __init__(
        self,
        services: Services,
        reporter: ErrorReporter | None = None,
        *,
        staged: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowTitle(f"{APP_NAME}[*]")  # "[*]": "*" while the event has unsaved changes
        self._services = services
        self._settings = services.settings
        self._reporter = reporter
        self.history_dock: QDockWidget | None = None
        # A target the command line asked for, for this run only (app.py --sandbox): not saved.
        self.target_for_this_run: Target | None = None
        # The request the answer now being reported (sent / failed) belongs to.
        self.answered_request: PreparedRequest | None = None
        self._restore_geometry()
        if staged:
            self._show_frame()
        else:
            self._build()

    # --- construction ----------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        if geometry := self._settings.get(S.WINDOW_GEOMETRY):
            self.restoreGeometry(QByteArray(geometry))
        elif QGuiApplication.platformName() in HEADLESS_PLATFORMS:
            # No real screen: its 800 x 600 is a placeholder, not a size to fit (and the
            # benches compare this window with a bare one of DEFAULT_SIZE).
            self.resize(*DEFAULT_SIZE)
        else:
            self.resize(*default_size(self.screen().availableGeometry().size()))

    def _show_frame(self) -> None:
        """The first frame of a staged start: the menu titles (disabled), nothing else.

        Plain actions, not menus: _build clears them (QMenuBar.clear deletes the actions it
        owns). Not even the icon or the status bar: they cost 8 ms here (loading the icon's
        images; QStatusBar's first style set-up) and arrive with the panes.
        """
        bar = self.menuBar()
        for title in MENU_TITLES:
            bar.addAction(title).setEnabled(False)
        self.setCentralWidget(QWidget())

    def is_ready(self) -> bool:
        """True once the panes exist (at once unless staged; else after the first paint)."""
        return self._built

    def _build(self) -> None:
        """Build the panes, menus and services and restore the saved state; once."""
        if self._built or self._closed:
            return
        from attribution_workbench.ui.backend import Backend
        from attribution_workbench.ui.error_dialog import ErrorReporter
        from attribution_workbench.ui.history_store import HistoryStore
        from attribution_workbench.ui.host_gate import HostGate
        from attribution_workbench.ui.key_profiles import KeyProfiles
        from attribution_workbench.ui.menus import build_menus
        from attribution_workbench.ui.unsaved import UnsavedChanges
        from attribution_workbench.ui.window_history import WindowHistory

        services = self._services
        self.setWindowIcon(assets.qicon(assets.Icon.APP))
        self.reporter = self._reporter or ErrorReporter(lambda: self, self)
        self.backend = Backend(services, self.reporter, self)
        self.history = HistoryStore(services.history, self)
        self._history_hooks = WindowHistory(self)
        self.history.notice.connect(self._on_history_notice)
        self._prepared: PreparedRequest | None = None
        self._blockers: list[str] = []
        self.host_gate = HostGate(self)  # asks before the key goes to an unknown host
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(0)
        self._rebuild_timer.timeout.connect(self.rebuild_now)

        self._build_widgets()
        self.key_profiles = KeyProfiles(
            self.backend, self.destination, self, host_allows=self.host_gate.allows
        )
        self.destination.verify.clicked.connect(self.verify_keys)
        self.menuBar().clear()  # the first frame's placeholder titles
        self.window_actions = build_menus(self, self.preview)
        self._restore_settings()
        # The event as restored at start-up counts as unchanged, like a freshly opened one.
        self.unsaved = UnsavedChanges(self.editor, self)
        self.unsaved.modified_changed.connect(self.setWindowModified)
        self.editor.event_changed.connect(self.schedule_rebuild)  # findings change with it
        self.destination.changed.connect(self._on_destination_changed)
        self.preview.transport_changed.connect(self.schedule_rebuild)
        self.preview.status_message.connect(self.show_status)
        self.backend.changed.connect(self._on_backend_changed)
        self._built = True
        self._on_destination_changed()
        self.rebuild_now()
        self.ready.emit()

    def _build_widgets(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QSplitter

        from attribution_workbench.core.regions import Target
        from attribution_workbench.ui.destination import DestinationBar, SandboxBanner
        from attribution_workbench.ui.event_editor import EventEditor
        from attribution_workbench.ui.layout import container, tab_order, vbox
        from attribution_workbench.ui.preview_pane import PreviewPane
        from attribution_workbench.ui.response_pane import ResponsePane
        from attribution_workbench.ui.send_bar import SendBar

        self.editor = EventEditor()
        self.banner = SandboxBanner()
        self.banner.switch_requested.connect(lambda: self.destination.set_target(Target.AMPLITUDE))
        self.banner.retry_requested.connect(self.retry_sandbox)
        self.destination = DestinationBar()
        self.preview = PreviewPane()
        self.send_bar = SendBar()
        self.send_bar.clicked.connect(self._on_send_clicked)
        self.timeout = self.send_bar.timeout
        self.send_button = self.send_bar.button
        self.response = ResponsePane()

        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.setObjectName("right_splitter")
        self.right_splitter.addWidget(container(vbox(self.destination, self.preview)))
        self.right_splitter.addWidget(container(vbox(self.send_bar, self.response)))
        self.right_splitter.setStretchFactor(0, 1)
        self.right_splitter.setStretchFactor(1, 1)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("main_splitter")
        # The form must stay usable in a narrow window: without a floor, the right side
        # (its own minimum ~530 px) squeezed the editor to ~130 px of clipped labels.
        self.editor.setMinimumWidth(EDITOR_MIN_WIDTH)
        self.main_splitter.addWidget(self.editor)
        self.main_splitter.addWidget(self.right_splitter)
        self.main_splitter.setChildrenCollapsible(False)
        layout = vbox(self.banner, self.main_splitter, margin=6)
        layout.setStretch(1, 1)
        self.setCentralWidget(container(layout))
        self.statusBar().setObjectName("status_bar")
        # The editor keeps its own order (creation order); the right side goes top to bottom.
        chain: list[QWidget] = [
            self.destination.region,
            self.destination.target,
            self.destination.custom_url,
            self.destination.endpoint,
            self.destination.profile,
            self.destination.verify,
            self.destination.switch_region,
            self.preview.tabs,
            self.preview.preview,
            self.preview.transport,
            self.preview.reveal_key,
            self.preview.copy,
            self.timeout,
            self.send_button,
            self.response.status,  # the answer, read after a send (Shift+Tab from Send)
            self.response.message,
            self.response.tabs,
        ]
        tab_order(chain)

    # --- settings (ui/window_settings.py) -------------------------------------------------------
    def _restore_settings(self) -> None:
        from attribution_workbench.ui import window_settings

        window_settings.restore_settings(self, self._settings, self._services.environ)

    def save_settings(self) -> None:
        from attribution_workbench.ui import window_settings

        window_settings.save_settings(self, self._settings)

    # --- start-up work after the first paint -------------------------------------------------
    # paintEvent, not event(): a Python override that receives a plain QEvent makes PySide
    # build the Python classes of all ~50 QEvent subclasses (0.5 MB) on the first event.
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.finish_start)
        self.painted.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # In case no paint reaches the window itself (a start minimised or off-screen).
        QTimer.singleShot(500, self.finish_start)

    @Slot()
    def finish_start(self) -> None:
        """After the first paint: build the panes if staged, then start the services; once."""
        if self._started or self._closed:
            return
        self._started = True
        self._build()
        self.start_background_work()

    @Slot()
    def start_background_work(self) -> None:
        """Start what the destination needs (sandbox, key lookup); idempotent.

        The history file is not opened here: sqlite3 and the file (~2 MB) wait until the
        first send records something or the History panel is opened (ui.history_store).
        """
        if self._built and not self._closed:
            self.backend.start()

    # --- the request -----------------------------------------------------------------------
    @Slot()
    def schedule_rebuild(self) -> None:
        # A huge event (a pasted multi-megabyte property) takes ~0.1 s per rebuild: its
        # edits are gathered until typing pauses, so keys do not queue up behind rebuilds.
        # Send and prepared_request() run a pending rebuild first, so nothing goes stale.
        prepared = self._prepared
        large = prepared is not None and len(prepared.event_text) > LARGE_EVENT_CHARS
        self._rebuild_timer.start(LARGE_EVENT_PAUSE_MS if large else 0)

    @Slot()
    def _on_destination_changed(self) -> None:
        from attribution_workbench.core.regions import Target

        is_sandbox = self.destination.current_target() is Target.SANDBOX
        self.banner.setVisible(is_sandbox)
        if is_sandbox:
            self.backend.ensure_sandbox()
        self.schedule_rebuild()

    @Slot()
    def _on_backend_changed(self) -> None:
        sandbox = self.backend.sandbox
        url = sandbox.base_url if sandbox is not None else None
        self.destination.set_sandbox(url, self.backend.sandbox_problem)  # emits changed
        self.banner.set_sandbox_url(
            url, self.backend.sandbox_problem, retryable=self.backend.can_retry_sandbox()
        )
        self.key_profiles.refresh()

    @Slot()
    def retry_sandbox(self) -> None:
        """The banner's Retry: try to start the local sandbox again after it failed."""
        if self.backend.retry_sandbox():
            self.show_status("Starting the local sandbox again…")

    @Slot()
    def rebuild_now(self) -> None:
        """Rebuild the PreparedRequest, the preview and Send's state from the inputs."""
        from attribution_workbench.core.rules import errors
        from attribution_workbench.core.wire import WireError, prepare

        self._rebuild_timer.stop()
        destination = self.destination.destination()
        choice = self.backend.key_for(
            self.destination.current_target(), self.destination.current_region()
        )
        self.destination.set_key_note(choice.note)
        self.destination.set_key_hint(choice.problem or "", choice.hint)
        text = self.editor.wire_text()
        prepared: PreparedRequest | None = None
        problem = ""
        if destination is None:
            problem = self.destination.problem() or "Choose where to send the request."
        elif text is None:
            problem = "The raw JSON cannot be read; fix it (see the findings)."
        else:
            transport = self.preview.current_transport()
            try:
                prepared = prepare(text, destination, choice.key or "", transport)
            except WireError as exc:
                problem = str(exc)
        self._prepared = prepared
        self.preview.set_request(prepared, problem)
        reasons = [problem] if problem else []
        if choice.problem:
            reasons.append(choice.problem)
        blocking = errors(self.editor.findings())
        reasons += [finding.message for finding in blocking[:MAX_REASONS]]
        if len(blocking) > MAX_REASONS:
            reasons.append(f"…and {len(blocking) - MAX_REASONS} more error(s) in the findings.")
        self._blockers = reasons
        self._update_send_controls()

    def prepared_request(self) -> PreparedRequest | None:
        """The object the preview shows and Send sends (rebuilt first if an input changed
        since: the rebuild otherwise waits for the event loop's next turn)."""
        self._flush_rebuild()
        return self._prepared

    def send_blockers(self) -> list[str]:
        """Why Send is disabled now ([] when it is not), for the current inputs."""
        self._flush_rebuild()
        return list(self._blockers)

    def _flush_rebuild(self) -> None:
        if self._built and self._rebuild_timer.isActive():
            self.rebuild_now()

    def _update_send_controls(self) -> None:
        from attribution_workbench.ui.preview_pane import shortcut_text

        actions = self.window_actions
        sending = self.backend.is_sending()
        actions.cancel.setEnabled(sending)
        actions.send.setEnabled(not sending and not self._blockers)
        if sending:
            self.send_bar.show_in_flight(shortcut_text(actions.cancel))
        else:
            self.send_bar.show_idle(self._blockers, shortcut_text(actions.send))
        if sending != self._was_sending:
            self._was_sending = sending
            self.send_state_changed.emit()

    # --- send -------------------------------------------------------------------------------
    @Slot()
    def _on_send_clicked(self) -> None:
        if self.backend.is_sending():
            self.cancel_send()
        else:
            self.send()

    @Slot()
    def send(self) -> str | None:
        """Send the current PreparedRequest (the one in the preview) in a worker thread.

        Returns why it was not sent (also shown in the status bar), or None once it is on its
        way; ``sent`` or ``failed`` follows only then."""
        if self.backend.is_sending():
            reason = "A request is already on its way; press Esc to cancel it."
            self.show_status(reason)
            return reason
        self.editor.commit_open_edits()  # Ctrl+Return in a table cell sends what it shows
        self.rebuild_now()  # a pending rebuild must not leave Send with a stale request
        request = self._prepared
        if self._blockers or request is None:
            reason = (self._blockers or ["there is no request"])[0]
            self.show_status("Can't send: " + reason)
            return reason
        return self.send_request(request)

    def send_request(
        self,
        request: PreparedRequest,
        on_done: SendCallback | None = None,
        response: ResponsePane | None = None,
        destination: Destination | None = None,
        profile: str | None = None,
    ) -> str | None:
        """The one way anything in the window sends (Send, the app-event dialog, the demo).

        Asks before the key goes to an unknown host, takes the one in-flight slot (Send
        becomes Cancel, Esc cancels), records the answer in the history with the profile,
        region and target of this moment (or ``destination`` and ``profile``: where a request
        prepared earlier goes, e.g. the demo's app event), shows it in ``response`` (the
        window's pane by default), reports unexpected errors, then calls
        ``on_done(request, result, error)`` and emits ``sent`` or ``failed`` (the demo view
        follows every answer, app events too).
        Returns None once it is on its way, else why it was not sent (also in the status bar).
        """
        refusal = None
        if self.backend.is_sending():
            refusal = "A request is already on its way; press Esc to cancel it."
        elif not self.host_gate.allows(request.url):
            refusal = f"Not sent: the API key was not sent to {request.host}."
        if refusal:
            self.show_status(refusal)
            return refusal
        context = (
            profile or self.backend.profile,
            (destination.region if destination else self.destination.current_region()).value,
            (destination.target if destination else self.destination.current_target()).value,
        )
        pane = response or self.response

        def done(request: PreparedRequest, result: Any, error: BaseException | None) -> None:
            self._on_send_done(request, result, error, context, pane, on_done)

        self.backend.send(request, float(self.timeout.value()), done)
        pane.show_in_flight(request)
        self.show_status(f"Sending to {request.host}…")
        self._update_send_controls()
        return None

    @Slot()
    def cancel_send(self) -> None:
        if self.backend.is_sending():
            self.backend.cancel()
            self.show_status("Cancelling…")

    def when_key_ready(self, then: Callable[[], object], timeout_s: float) -> KeyWait:
        """Call ``then`` once the key for the destination is no longer on its way (the keyring
        lookup, the sandbox starting), at most ``timeout_s`` from now (ui/key_wait.py)."""
        from attribution_workbench.ui.key_wait import KeyWait

        return KeyWait(self, then, timeout_s)

    def is_sending(self) -> bool:
        return self.backend.is_sending()

    def _on_send_done(
        self,
        request: PreparedRequest,
        result: Any,
        error: BaseException | None,
        context: tuple[str, str, str],
        pane: ResponsePane,
        on_done: SendCallback | None,
    ) -> None:
        from attribution_workbench.ui.error_dialog import summary_of

        profile, region, target = context
        self.answered_request = request  # for listeners of sent/failed: which send this was
        self.history.record(request, result, error, profile=profile, region=region, target=target)
        if error is None:
            pane.show_outcome(result, request)
            self.show_status(f"HTTP {result.status} from {request.host}.")
        elif hasattr(error, "kind") and hasattr(error, "message"):  # core.client.SendError
            pane.show_error(error, request)  # type: ignore[arg-type]
            self.show_status(str(error.message))
        else:
            pane.show_failure(summary_of(error), request)
            self.reporter.report(type(error), error, error.__traceback__)
        self._update_send_controls()
        if on_done is not None:
            on_done(request, result, error)
        if error is None:
            self.sent.emit(result)
        else:
            self.failed.emit(error)

    # --- file menu (ui/event_files.py) ---------------------------------------------------------
    @Slot()
    def new_event(self) -> bool:
        from attribution_workbench.ui import event_files

        return event_files.new_event(self)

    def open_event_file(self, path: Path) -> bool:
        from attribution_workbench.ui import event_files

        return event_files.open_into(self, path)

    @Slot()
    def show_import(self) -> None:
        """File ▸ Import… (Ctrl+Shift+V): paste a request or event to fill the form."""
        from attribution_workbench.ui import event_files

        event_files.show_import(self)

    def save_event_file(self, path: Path) -> bool:
        from attribution_workbench.ui import event_files

        return event_files.save_from(self, path)

    # --- misc ----------------------------------------------------------------------------------
    @Slot(str)
    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def open_url(self, url: str) -> None:
        self._services.open_url(url)

    @Slot()
    def show_credentials(self) -> None:
        """Request ▸ API keys and profiles (Ctrl+K): the one credentials dialog, non-modal."""
        if self.key_profiles.show_dialog() is None:
            self.show_status("The keyring is not ready yet; try again in a moment.")

    @Slot()
    def verify_keys(self) -> None:
        """The Verify button (Ctrl+Shift+K): check the profile's keys in the dialog's matrix."""
        from attribution_workbench.core.regions import Target

        if self.destination.current_target() is Target.CUSTOM and not self.host_gate.allows(
            self.destination.custom_url.text()
        ):
            self.show_status("Not verified: the API key was not sent to that host.")
            return
        if self.key_profiles.show_dialog(verify=True) is None:
            self.show_status("The keyring is not ready yet; try again in a moment.")

    @Slot()
    def show_demo(self) -> QDockWidget:
        """View ▸ Demo (Ctrl+D): the attribution timeline and scripted demo, built on first use."""
        from attribution_workbench.ui.demo_view import show_demo

        return show_demo(self)

    # --- history (ui/window_history.py) -------------------------------------------------------
    @Slot()
    def show_history(self) -> QDockWidget:
        """View ▸ History (Ctrl+H): show (building it on first use) or hide the panel."""
        return self._history_hooks.show()

    @Slot(str)
    def _on_history_notice(self, text: str) -> None:
        self._history_hooks.on_notice(text)

    def load_history_entry(self, entry: Any, keep_profile: bool = False) -> bool:
        """Put a history entry (core.history.Entry) back into the form and destination."""
        return self._history_hooks.load_entry(entry, keep_profile)

    def resend_history_entry(self, entry: Any) -> None:
        """Load the entry, then send it through the normal path with the current key."""
        self._history_hooks.resend_entry(entry)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save settings, stop waiting for answers, stop the sandbox; idempotent."""
        if self._closed:
            return
        self._closed = True
        if not self._built:  # closed before the panes existed: nothing changed to save
            return
        self._rebuild_timer.stop()
        self.save_settings()
        self.key_profiles.shutdown()
        if self.batch_dialog is not None:
            self.batch_dialog.shutdown()
        self.backend.shutdown()
        self.history.shutdown()
