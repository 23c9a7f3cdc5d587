"""The JSON inspection and control API under /_sandbox/ (no key needed).

GET  health                      status, clock and counts
GET  requests[?region&path&limit&since]   recorded requests, newest last
GET  requests/last, requests/<id>         one recorded request (404 JSON if none)
GET  attributions[?ad_id&state&region]    held | matched | dropped, with remaining_ms
GET  users                       per-device view with merged user_properties
GET  clock / POST clock          {"advance_ms": N} or {"advance_hours": H}; forward only
GET|POST|DELETE faults           list / add {"mode", "count", "path", "region", ...} / clear
GET  faults/modes                every mode with its parameters and defaults
GET|POST|DELETE config           read / switch values / restore defaults
POST reset                       forget requests, attributions, users, faults, clock offset
Errors are JSON objects with an "error" string: 400 bad input, 404 path, 405 method,
403 a caller it does not serve (``refusal``).

Only this computer is served: the recorded requests hold the API keys sent, and the
control routes reset and fault the sandbox. A sandbox listening on a network address
(``attribution-cli sandbox --host 0.0.0.0``) takes events from other computers, but its
inspection API answers loopback clients only; a web page open in a browser here is refused
too (a foreign Origin, or a Host that is a name other than localhost: DNS rebinding).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from attribution_workbench.core.regions import is_loopback_host

from .config import REGIONS, ConfigError
from .faults import FAULT_MODES, FAULT_PARAMS, FaultError
from .parsing import parse_urlencoded, query_bytes
from .state import SandboxState
from .validation import loads_strict

Reply = tuple[int, Any]


class _BadRequest(Exception):
    pass


def _int_param(query: dict[str, str], name: str) -> int | None:
    if name not in query:
        return None
    text = query[name].strip()
    if not text.isascii() or not text.isdigit():
        raise _BadRequest(f"{name} must be a whole number >= 0")
    return int(text)


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = loads_strict(body.decode("utf-8"))
    except ValueError as exc:
        raise _BadRequest(f"body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise _BadRequest("body must be a JSON object")
    return value


def _region(query: dict[str, str]) -> str | None:
    region = query.get("region") or None
    if region is not None and region not in REGIONS:
        raise _BadRequest(f"region must be one of {', '.join(REGIONS)}")
    return region


def _health(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    return 200, {"ok": True, "service": "attribution-workbench sandbox",
                 "regions": list(REGIONS), **state.clock(), **state.summary()}


def _requests(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    return 200, state.requests(_region(q), q.get("path") or None, _int_param(q, "limit"),
                               _int_param(q, "since"))


def _last_request(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    record = state.request()
    return (200, record) if record is not None else (404, {"error": "no request recorded yet"})


def _attributions(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    wanted = q.get("state") or None
    if wanted not in (None, "held", "matched", "dropped"):
        raise _BadRequest("state must be held, matched or dropped")
    return 200, state.attributions(q.get("ad_id") or None, wanted, _region(q))


def _users(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    return 200, state.users()


def _clock(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    return 200, state.clock()


def _advance(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    data = _json_object(body)
    unknown = set(data) - {"advance_ms", "advance_hours"}
    if unknown or len(data) != 1:
        raise _BadRequest('give exactly one of {"advance_ms": N} or {"advance_hours": H}')
    (name, value), = data.items()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise _BadRequest(f"{name} must be a number >= 0")
    if value > 1e15:
        raise _BadRequest(f"{name} is too large")
    ms = round(value * 3_600_000) if name == "advance_hours" else round(value)
    state.advance_clock(ms)
    return 200, state.clock()


def _faults(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    return 200, state.faults()


def _add_fault(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    data = _json_object(body)
    if "mode" not in data:
        raise _BadRequest(f"mode is required; one of {', '.join(FAULT_MODES)}")
    try:
        return 200, state.add_fault(**data)
    except FaultError as exc:
        raise _BadRequest(str(exc)) from exc


def _clear_faults(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    return 200, {"cleared": state.clear_faults()}


def _fault_modes(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    return 200, {mode: {name: default for name, (_, default) in spec.items()}
                 for mode, spec in FAULT_PARAMS.items()}


def _config(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    return 200, state.config()


def _set_config(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    try:
        return 200, state.update_config(_json_object(body))
    except ConfigError as exc:
        raise _BadRequest(str(exc)) from exc


def _reset_config(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    return 200, state.reset_config()


def _reset(state: SandboxState, q: dict[str, str], body: bytes) -> Reply:
    state.reset()
    return 200, {"ok": True}


_Route = Callable[[SandboxState, dict[str, str], bytes], Reply]
ROUTES: dict[str, dict[str, _Route]] = {
    "/health": {"GET": _health},
    "/requests": {"GET": _requests},
    "/requests/last": {"GET": _last_request},
    "/attributions": {"GET": _attributions},
    "/users": {"GET": _users},
    "/clock": {"GET": _clock, "POST": _advance},
    "/faults": {"GET": _faults, "POST": _add_fault, "DELETE": _clear_faults},
    "/faults/modes": {"GET": _fault_modes},
    "/config": {"GET": _config, "POST": _set_config, "DELETE": _reset_config},
    "/reset": {"POST": _reset},
}


def refusal(client_host: str, origin: str | None, host: str | None) -> str | None:
    """Why the inspection API does not answer this caller, or None (see the module)."""
    if not is_loopback_host(client_host):
        return "the inspection API answers only this computer (loopback clients)"
    if origin is not None and not is_loopback_host(urlsplit(origin).hostname or ""):
        return f"the inspection API does not answer web pages (Origin {origin})"
    if host:
        name = urlsplit(f"//{host}").hostname or ""
        if not (_is_ip(name) or is_loopback_host(name)):
            return f"the inspection API answers only an IP address or localhost (Host {host})"
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def handle(state: SandboxState, method: str, endpoint: str, query: str, body: bytes) -> Reply:
    """Answer one inspection request; every failure is a JSON error, never an exception."""
    endpoint = endpoint.rstrip("/") or "/"
    q = parse_urlencoded(query_bytes(query))
    if endpoint.startswith("/requests/") and endpoint != "/requests/last":
        number = endpoint[len("/requests/"):]
        if method != "GET":
            return 405, {"error": f"{method} not allowed here; use GET"}
        if not (number.isascii() and number.isdigit()):
            return 404, {"error": f"no such inspection path: /_sandbox{endpoint}"}
        record = state.request(int(number))
        return (200, record) if record else (404, {"error": f"no request {number}"})
    methods = ROUTES.get(endpoint)
    if methods is None:
        return 404, {"error": f"no such inspection path: /_sandbox{endpoint}",
                     "paths": [f"/_sandbox{p}" for p in ROUTES]}
    route = methods.get(method)
    if route is None:
        return 405, {"error": f"{method} not allowed here; use {', '.join(methods)}"}
    try:
        return route(state, q, body)
    except (_BadRequest, ValueError, TypeError) as exc:
        return 400, {"error": str(exc)}
