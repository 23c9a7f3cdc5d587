"""Local stand-in for Amplitude's Attribution API and HTTP V2 API (stdlib only, no Qt).

Serves ``/us/...`` and ``/eu/...`` (unprefixed = us) on loopback, records every request
as received, emulates 72-hour attribution matching on a movable clock, injects faults on
demand and exposes all of it as JSON under ``/_sandbox/``.
"""

from .config import ATTRIBUTION_WINDOW_MS, DEFAULT_CONFIG, DEMO_KEYS
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
