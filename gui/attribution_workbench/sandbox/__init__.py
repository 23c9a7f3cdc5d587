"""Local stand-in for Amplitude's Attribution API and HTTP V2 API (stdlib only, no Qt).

Serves ``/us/...`` and ``/eu/...`` (unprefixed = us) on loopback, records every request
as received, emulates 72-hour attribution matching on a movable clock, injects faults on
demand and exposes all of it as JSON under ``/_sandbox/``.

The server classes are imported on first use (PEP 562): ``http.server`` brings ``email``,
``http.client`` and ``ssl`` (about 12 MB and 30 ms), which the GUI only needs once its
sandbox gets its first connection (``sandbox.lazy``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ATTRIBUTION_WINDOW_MS, DEFAULT_CONFIG, DEMO_KEYS

if TYPE_CHECKING:
    from .faults import FAULT_MODES
    from .server import SandboxServer
    from .state import SandboxState

__all__ = [
    "ATTRIBUTION_WINDOW_MS",
    "DEFAULT_CONFIG",
    "DEMO_KEYS",
    "FAULT_MODES",
    "SandboxServer",
    "SandboxState",
]

_LAZY = {"FAULT_MODES": ".faults", "SandboxServer": ".server", "SandboxState": ".state"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
