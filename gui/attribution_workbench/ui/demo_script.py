"""The one-click scripted demo: preset → attribution → a pause on "held" → matching app event.

A small state machine on the GUI thread; every network step runs on a worker (the window's
own send path for the attribution, the window's backend for the app event), and the pause is
a timer, so the window stays live and Cancel works at every step.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from attribution_workbench.core import presets as P
from attribution_workbench.core.app_event import (
    case_mismatches,
    matching_app_event,
    prepare_app_event,
    read_v2_outcome,
)
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.presets import Preset
from attribution_workbench.core.wire import PreparedRequest, WireError

if TYPE_CHECKING:
    from attribution_workbench.core.regions import Destination
    from attribution_workbench.ui.main_window import MainWindow

HOLD_MS = 1500  # long enough for an audience to see "Held", short enough not to bore it
READY_WAIT_S = 10.0  # how long the key or the sandbox may take to be ready


class Phase(str, enum.Enum):
    IDLE = "idle"
    PREPARING = "preparing"
    ATTRIBUTION = "attribution"
    HOLDING = "holding"
    APP_EVENT = "app_event"


class DemoScript(QObject):
    """Runs the demo once per ``start``; ``progress`` narrates, ``finished`` ends each run."""

    progress = Signal(str)
    attribution_done = Signal(bool, str)  # accepted, what the server answered
    app_event_done = Signal(bool, str, str)  # accepted, summary, device_id
    finished = Signal(bool, str)  # ok, message

    def __init__(self, window: MainWindow, hold_ms: int = HOLD_MS) -> None:
        super().__init__(window)
        self._window = window
        self.hold_ms = hold_ms
        self.phase = Phase.IDLE
        self._event: AttributionEvent | None = None
        self._request: PreparedRequest | None = None
        self._destination: Destination | None = None
        self._profile: str | None = None
        self._waiting_for_send = False  # the app event waits for the user's own send to end
        self._next: Callable[[], None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)
        window.sent.connect(self._on_attribution_sent)
        window.failed.connect(self._on_attribution_failed)
        window.send_state_changed.connect(self._on_send_state_changed)

    def running(self) -> bool:
        return self.phase is not Phase.IDLE

    def destination(self) -> Destination | None:
        """Where the running demo sends (kept from its attribution event), else None."""
        return self._destination if self.running() else None

    def start(self, preset: Preset) -> bool:
        """Start a run with ``preset`` (fresh IDs) in the form; False when a run or a send
        is going on, or the user kept the current (changed) event."""
        from attribution_workbench.ui.event_files import replace_event

        if self.running() or self._window.is_sending():
            return False
        event = P.apply(preset)
        if not replace_event(self._window, event):
            return False
        self._event = event
        self.phase = Phase.PREPARING
        if preset.generate:
            self.progress.emit(f"Started from “{preset.name}” with a fresh ad ID.")
        else:  # e.g. the docs' examples keep their example IDs
            self.progress.emit(
                f"Started from “{preset.name}” with its own ad ID {event.first_ad_id()}: if "
                "it was sent before, the sandbox knows its user and matches it at once."
            )
        # The key (or the sandbox) may still be on its way right after start-up.
        self._window.when_key_ready(self._send_attribution, READY_WAIT_S)
        return True

    @Slot()
    def cancel(self) -> None:
        if not self.running():
            return
        phase = self.phase
        self.phase = Phase.IDLE  # first: the answers still on their way are ignored
        self._timer.stop()
        self._waiting_for_send = False
        if phase in (Phase.ATTRIBUTION, Phase.APP_EVENT) and self._window.is_sending():
            self._window.backend.cancel()
        self.finished.emit(False, "Demo cancelled.")

    # --- steps -----------------------------------------------------------------------------
    def _later(self, ms: int, step: Callable[[], None]) -> None:
        self._next = step
        self._timer.start(ms)

    @Slot()
    def _on_timer(self) -> None:
        step, self._next = self._next, None
        if step is not None and self.running():
            step()

    def _send_attribution(self) -> None:
        if self.phase is not Phase.PREPARING:
            return  # cancelled while the key was on its way
        window = self._window
        window.rebuild_now()
        blockers = window.send_blockers()
        if blockers or window.prepared_request() is None:
            self._finish(False, "Can't send: " + (blockers or ["there is no request"])[0])
            return
        self._request = window.prepared_request()
        # The app event goes where the attribution went, even if the user changes it meanwhile.
        self._destination = window.destination.destination()
        self._profile = window.backend.profile
        self.phase = Phase.ATTRIBUTION
        self.progress.emit("Sending the attribution event…")
        if refusal := window.send():  # e.g. the user kept the key from an unknown host
            self._finish(False, f"The attribution event was not sent: {refusal}")

    @Slot(object)
    def _on_attribution_sent(self, outcome: Any) -> None:
        if self.phase is not Phase.ATTRIBUTION:
            return
        answer = f"HTTP {outcome.status} {outcome.text[:80]}".strip()
        self.attribution_done.emit(bool(outcome.ok), answer)
        if not outcome.ok:
            self._finish(False, f"The attribution event was not accepted: {answer}")
            return
        self.phase = Phase.HOLDING
        # Accepted is all the answer says: held if no user has this ad ID yet, matched at
        # once if one has (the timeline shows which).
        self.progress.emit(f"Accepted: the timeline shows whether it is held. The app opens "
                           f"in {self.hold_ms / 1000:g} s…")
        self._later(self.hold_ms, self._send_app_event)

    @Slot(object)
    def _on_attribution_failed(self, error: Any) -> None:
        if self.phase is not Phase.ATTRIBUTION:
            return
        message = str(getattr(error, "message", "") or error)
        self.attribution_done.emit(False, message)
        self._finish(False, f"The attribution event was not sent: {message}")

    def _send_app_event(self) -> None:
        window, event, sent = self._window, self._event, self._request
        destination = self._destination
        if event is None or sent is None or destination is None:
            self._finish(False, "The destination changed; run the demo again.")
            return
        if window.is_sending():  # the user pressed Send meanwhile: wait for it to end
            self._waiting_for_send = True
            return
        app_event = matching_app_event(event)
        if mismatches := case_mismatches(event, app_event):
            self._finish(False, f"The app event's {', '.join(mismatches)} differ in case.")
            return
        try:
            request = prepare_app_event(app_event, destination, sent.api_key)
        except WireError as exc:
            self._finish(False, str(exc))
            return
        device_id = str(app_event["device_id"])
        self.phase = Phase.APP_EVENT
        self.progress.emit(f"The app opens: sending “{app_event['event_type']}” from device "
                           f"{device_id}…")
        refusal = window.send_request(
            request,
            lambda req, result, error: self._on_app_event_done(req, result, error, device_id),
            destination=destination,  # recorded in the history where it went
            profile=self._profile,
        )
        if refusal:
            self._finish(False, f"The app event was not sent: {refusal}")

    def _on_app_event_done(
        self, request: PreparedRequest, result: Any, error: BaseException | None, device_id: str
    ) -> None:
        # The window has recorded it, shown it and reported unexpected errors.
        if self.phase is not Phase.APP_EVENT:
            return
        if error is not None:
            message = str(getattr(error, "message", "") or error)
            self.app_event_done.emit(False, message, device_id)
            self._finish(False, f"The app event was not sent: {message}")
            return
        answer = read_v2_outcome(result, request)
        self.app_event_done.emit(answer.accepted, answer.summary, device_id)
        if not answer.accepted:
            self._finish(False, f"The app event was not accepted: {answer.summary}")
            return
        self._finish(True, f"App event accepted ({answer.summary})")

    @Slot()
    def _on_send_state_changed(self) -> None:
        if self._waiting_for_send and not self._window.is_sending():
            self._waiting_for_send = False
            self._send_app_event()

    def _finish(self, ok: bool, message: str) -> None:
        self.phase = Phase.IDLE
        self._timer.stop()
        self._waiting_for_send = False
        self.finished.emit(ok, message)
