"""The window's link to the outside world: the in-process sandbox, API keys, the HTTP sender.

Every call into ``Services`` may block, so each runs on the ``TaskRunner``'s pool and reports
back on the GUI thread. Nothing starts before ``start()``, which the window calls after its
first paint: until then no keyring is touched, no port is bound and the HTTP client is not
even imported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.wire import KEY_ENV_VAR, PreparedRequest
from attribution_workbench.ui.error_dialog import ErrorReporter
from attribution_workbench.ui.services import SandboxHandle, Sender, Services
from attribution_workbench.ui.tasks import CancelRelay, Task, TaskRunner

if TYPE_CHECKING:
    from attribution_workbench.core.profiles import Credentials
    from attribution_workbench.ui.settings import Settings

SendCallback = Callable[[PreparedRequest, Any, "BaseException | None"], None]
# core.profiles.DEFAULT_PROFILE: importing core.profiles takes ~30 ms, which the panes (built
# on the GUI thread right after the first frame) should not wait for.
DEFAULT_PROFILE = "default"


def _source_label(source: str) -> str:
    """Where a key came from, in words (core.profiles.KeySource.label)."""
    from attribution_workbench.core.profiles import KeySource

    try:
        return KeySource(source).label
    except ValueError:
        return str(source)


@dataclass
class KeyChoice:
    """The key a request would carry, the words shown next to "API key:", and why none."""

    key: str | None
    note: str
    problem: str | None = None
    hint: Region | None = None  # the slot is empty but this region has a key
    pending: bool = False  # still on its way: the key lookup or the sandbox is starting


@dataclass
class _KeyState:
    pending: bool = True
    key: str | None = None
    source: str = ""
    problem: str | None = None
    hint: Region | None = None


class Backend(QObject):
    """Owns the sandbox, the looked-up keys and the sender; ``changed`` when any of them moves."""

    changed = Signal()

    def __init__(self, services: Services, reporter: ErrorReporter, parent: QObject) -> None:
        super().__init__(parent)
        self._services = services
        self._reporter = reporter
        self._runner = TaskRunner(self)
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self._keys: dict[Region, _KeyState] = {}
        self._profile = DEFAULT_PROFILE
        self._credentials: Credentials | None = None
        self._sender: Sender | None = None
        self._sandbox: SandboxHandle | None = None
        self._sandbox_problem: str | None = None
        self._sandbox_task: Task | None = None
        # Every sandbox a worker started, including one whose result is not delivered yet,
        # so shutdown can stop it even then.
        self._started_sandboxes: list[SandboxHandle] = []
        self._in_flight: CancelRelay | None = None  # the send on its way, if any
        self._retired: list[Sender] = []  # replaced senders a send in flight may still use

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Allow background work from now on (called after the first paint); idempotent."""
        if not self._started and not self._closed:
            self._started = True
            self.changed.emit()

    def shutdown(self) -> None:
        """Cancel a send, wait briefly for workers, stop the sandbox; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._in_flight is not None:
            self._in_flight.cancel()
        self._runner.wait(3000)
        with self._lock:
            sandboxes, self._started_sandboxes = self._started_sandboxes, []
        for handle in sandboxes:
            handle.stop()
        self._sandbox = None
        for sender in (*self._retired, self._sender):
            _close(sender)

    # --- sandbox -------------------------------------------------------------------------------
    @property
    def sandbox(self) -> SandboxHandle | None:
        return self._sandbox

    @property
    def sandbox_problem(self) -> str | None:
        return self._sandbox_problem

    def ensure_sandbox(self) -> None:
        """Start the local sandbox (in a worker) unless it runs, is starting or failed."""
        if not self._started or self._closed or self._sandbox_problem:
            return
        if self._sandbox is not None or self._sandbox_task is not None:
            return
        starter = self._services.sandbox_starter
        if starter is None:
            self._sandbox_problem = "this build has no sandbox"
            self.changed.emit()
            return

        def start() -> SandboxHandle:
            handle = starter()
            with self._lock:
                self._started_sandboxes.append(handle)
            return handle

        self._sandbox_task = self._runner.run(start, self._on_sandbox_started, "sandbox")

    def can_retry_sandbox(self) -> bool:
        """True when the sandbox failed to start and trying again might help."""
        return bool(self._sandbox_problem) and self._services.sandbox_starter is not None

    def retry_sandbox(self) -> bool:
        """Forget the failed start and try again (in a worker); False when that cannot help."""
        if self._closed or not self.can_retry_sandbox():
            return False
        self._sandbox_problem = None
        self.changed.emit()  # "starting…" until the worker answers
        self.ensure_sandbox()
        return True

    def _on_sandbox_started(self, handle: Any, error: BaseException | None) -> None:
        self._sandbox_task = None
        if self._closed:
            return
        if error is not None:
            self._sandbox_problem = str(error) or type(error).__name__
        else:
            self._sandbox = handle
        self.changed.emit()

    # --- keys ----------------------------------------------------------------------------------
    @property
    def profile(self) -> str:
        """The profile whose keys a send uses."""
        return self._profile

    def set_profile(self, name: str) -> None:
        if name and name != self._profile:
            self._profile = name
            self.reload_keys()

    def credentials(self) -> Credentials | None:
        """The profiles store; None before the first paint or when the services have none."""
        factory = self._services.credentials
        if self._credentials is None and factory is not None and self._started:
            self._credentials = factory()
        return self._credentials

    def reload_keys(self) -> None:
        self._keys.clear()
        self.changed.emit()

    def key_for(self, target: Target, region: Region) -> KeyChoice:
        if target is Target.SANDBOX:
            # The Sandbox target always carries the sandbox's demo keys; a profile's key
            # reaches the sandbox through the Custom URL target.
            if self._sandbox is None:
                return KeyChoice(
                    None,
                    "the sandbox's demo key (once it runs)",
                    pending=self._sandbox_problem is None,
                )
            key = self._sandbox.keys.get(region.value)
            return KeyChoice(
                key,
                f"the sandbox's built-in demo key for {region.value.upper()} (the Local sandbox"
                " target ignores profiles; use Custom URL to send a profile's key to it)",
            )
        state = self._key_state(region)
        if state.pending:
            return KeyChoice(None, "looking up…", "Looking up the API key…", pending=True)
        if state.key is None:
            return KeyChoice(None, "none found", state.problem, state.hint)
        label = _source_label(state.source)
        if state.source == "environment":
            return KeyChoice(state.key, f"from {label} (it wins over every profile)")
        where = f"profile '{self._profile}', {region.value.upper()}"
        return KeyChoice(state.key, f"from {label} ({where})")

    def _key_state(self, region: Region) -> _KeyState:
        state = self._keys.get(region)
        if state is not None:
            return state
        state = _KeyState()
        if not self._started or self._closed:
            return state  # the keyring is not touched before the first paint
        self._keys[region] = state
        lookup = self._services.key_lookup
        credentials = self.credentials()
        profile = self._profile

        def find() -> tuple[Any, Region | None]:
            if credentials is not None:
                return credentials.key_or_hint(profile, region)
            return (lookup(region) if lookup is not None else None), None

        self._runner.run(
            find,
            lambda result, error: self._on_key_found(region, state, result, error),
            f"key lookup {profile}@{region.value}",
        )
        return state

    def _on_key_found(
        self, region: Region, state: _KeyState, result: Any, error: BaseException | None
    ) -> None:
        if self._keys.get(region) is not state:
            return  # reloaded meanwhile
        state.pending = False
        if error is not None:
            state.problem = str(error) or type(error).__name__
            if not hasattr(error, "kind"):  # not a CredentialError: a bug worth reporting
                self._reporter.report(type(error), error, error.__traceback__)
        elif result[0] is None:
            state.hint = result[1]
            if state.hint is not None:
                from attribution_workbench.core.profiles import hint_text

                state.problem = hint_text(self._profile, region, state.hint)
            else:
                option = "" if self._profile == DEFAULT_PROFILE else f" --profile {self._profile}"
                state.problem = (
                    f"No API key for {region.label} in profile '{self._profile}': add one "
                    f"under Request ▸ API keys and profiles (Ctrl+K), set ${KEY_ENV_VAR}, or run "
                    f"`attribution-cli key set --region {region.value}{option}`. The Local "
                    "sandbox target works without one."
                )
        else:
            state.key, state.source = result[0]
            self._services.settings.forbid(state.key)
            self._reporter.forbid(state.key)
        self.changed.emit()

    # --- send ----------------------------------------------------------------------------------
    def is_sending(self) -> bool:
        return self._in_flight is not None

    def send(self, request: PreparedRequest, timeout: float, callback: SendCallback) -> None:
        """Send ``request`` in a worker; ``callback(request, outcome, error)`` afterwards."""
        if self._in_flight is not None:
            raise RuntimeError("a request is already in flight")
        relay = CancelRelay()

        def done(result: Any, error: BaseException | None) -> None:
            self._in_flight = None
            retired, self._retired = self._retired, []
            for sender in retired:
                _close(sender)
            if not self._closed:
                callback(request, result, error)

        self._runner.run(
            lambda: self._sender_instance().send(request, timeout, relay), done, "send"
        )
        self._in_flight = relay

    def cancel(self) -> None:
        if self._in_flight is not None:
            self._in_flight.cancel()

    @property
    def settings(self) -> Settings:
        return self._services.settings

    def reset_sender(self) -> None:
        """Drop the sender so the next send builds one with the current network settings.
        The old one (its pooled connections) is closed now, or when the send using it ends."""
        with self._lock:
            old, self._sender = self._sender, None
        if old is None:
            return
        if self._in_flight is None:
            _close(old)
        else:
            self._retired.append(old)

    def _sender_instance(self) -> Sender:
        # Runs in the worker: the first call imports the HTTP client off the GUI thread.
        with self._lock:
            if self._sender is None:
                self._sender = self._services.sender_factory()
            return self._sender


def _close(sender: Sender | None) -> None:
    close = getattr(sender, "close", None)
    if callable(close):
        close()
