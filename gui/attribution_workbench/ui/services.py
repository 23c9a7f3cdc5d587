"""What the main window needs from the outside world, passed in (git-cola's ApplicationContext).

Everything here may block (network, keyring, binding a port), so the window only ever calls
these from a worker thread, and none of them is imported before the first paint: ``app.py``
builds them with lazy imports, tests build them around the sandbox and a memory keyring.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # app.py builds Services before the first paint: nothing heavy at run time
    from attribution_workbench.core.history import History
    from attribution_workbench.core.profiles import Credentials
    from attribution_workbench.core.regions import Region
    from attribution_workbench.core.wire import PreparedRequest
    from attribution_workbench.ui.settings import Settings
    from attribution_workbench.ui.tasks import CancelRelay


class Sender(Protocol):
    """Sends one request; returns an ``Outcome`` or raises ``SendError`` (core.client)."""

    def send(self, request: PreparedRequest, timeout: float, cancel: CancelRelay) -> Any: ...


class SandboxHandle(Protocol):
    """A running local sandbox: where it listens and its demo key per region."""

    @property
    def base_url(self) -> str: ...

    @property
    def keys(self) -> Mapping[str, str]: ...

    def stop(self) -> None: ...


# (key, source) with source "environment" or "keyring" (a core.profiles.KeySource value);
# None when there is no key.
# Raises CredentialError (its message is shown) when the keyring fails.
KeyLookup = Callable[["Region"], "tuple[str, str] | None"]


def _no_url_opener(url: str) -> bool:
    return False


@dataclass
class Services:
    settings: Settings
    sender_factory: Callable[[], Sender]  # called once, in a worker, at the first send
    sandbox_starter: Callable[[], SandboxHandle] | None  # called in a worker, after paint
    open_url: Callable[[str], object] = _no_url_opener
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    # Makes the profiles store (cheap, no keyring call); called once, on the GUI thread,
    # after the first paint: sends use the selected profile's key. The app always has it.
    credentials: Callable[[], Credentials] | None = None
    # Without a profiles store (tools/screenshots.py): one lookup for every profile, called
    # in a worker. Neither: no key (only the sandbox target can send).
    key_lookup: KeyLookup | None = None
    # Opens the history file (core.history.History); called once, in a worker, after the
    # first paint. None: sends are not recorded and the History panel stays empty.
    history: Callable[[], History] | None = None
