"""Fault descriptions: checked construction and the canned bodies faults answer with."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from .config import ENDPOINTS, HTTPAPI, REGIONS
from .validation import loads_strict, payload_too_large

# mode -> {param: (type, default)}; a default of None means "optional, absent".
# "accept" makes the server process the request (ingest, match) before answering with the
# fault, which is how a 500/502/504 or a dropped connection can hide a success.
_ACCEPT: dict[str, tuple[type, Any]] = {"accept": (bool, False)}
FAULT_PARAMS: dict[str, dict[str, tuple[type, Any]]] = {
    "delay": {"seconds": (float, 1.0)},
    "hang": {**_ACCEPT},
    "reset": {"stage": (str, "body"), **_ACCEPT},
    "status": {"code": (int, 500), "retry_after": (int, None), **_ACCEPT},
    "html": {"code": (int, 502), **_ACCEPT},
    "huge": {"size": (int, 50_000_000), **_ACCEPT},
    "non_utf8": {"charset": (str, "utf-8"), **_ACCEPT},
    "empty": {**_ACCEPT},
    "redirect": {"code": (int, 302), "location": (str, None), **_ACCEPT},
}
FAULT_MODES: tuple[str, ...] = tuple(FAULT_PARAMS)

# Where a "reset" cuts the answer: after part of the body (the client has a status and
# headers, so requests raises ChunkedEncodingError), inside the headers, or before any byte
# (requests raises ConnectionError).
RESET_STAGES = ("body", "headers", "none")
_CODE_RANGES = {"status": (400, 599), "html": (400, 599), "redirect": (300, 399)}
_HEADER_SAFE = re.compile(r"[\x21-\x7e]*")


class FaultError(ValueError):
    """A fault description that cannot be used."""


@dataclass
class Fault:
    id: int
    mode: str
    count: int  # 0 = until cleared
    path: str | None
    region: str | None
    params: dict[str, Any]
    used: int = 0
    remaining: int = field(init=False)

    def __post_init__(self) -> None:
        self.remaining = self.count

    def applies_to(self, region: str | None, endpoint: str) -> bool:
        return (self.path is None or self.path == endpoint) and (
            self.region is None or self.region == region
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "mode": self.mode, "count": self.count,
            "remaining": self.remaining if self.count else None, "used": self.used,
            "path": self.path, "region": self.region, "params": dict(self.params),
        }


MAX_SECONDS = 3600.0  # a delay or hang longer than an hour is a typo (and past it,
# threading's wait limit turns a huge value into an internal error at the next request)


def _coerce(name: str, kind: type, value: Any) -> Any:
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or value < 0 or value > MAX_SECONDS:
            raise FaultError(f"{name} must be a number from 0 to {MAX_SECONDS:g}")
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise FaultError(f"{name} must be >= 0")
        return value
    if isinstance(value, kind) and kind in (bool, str):
        return value
    raise FaultError(f"{name} must be a {kind.__name__}")


def _endpoint_and_region(path: Any, region: str | None) -> tuple[str | None, str | None]:
    """A fault's path as the endpoint it matches; "/eu/attribution" means region eu.

    Any other path would be taken and never fire (requests are matched on the endpoint,
    the region prefix taken off), so it is refused.
    """
    if path is None:
        return None, region
    endpoints = " or ".join(repr(e) for e in ENDPOINTS)
    if not isinstance(path, str):
        raise FaultError(f"path must be {endpoints}")
    for prefix in REGIONS:
        if path.startswith(f"/{prefix}/"):
            if region not in (None, prefix):
                raise FaultError(f"path {path!r} is in region {prefix}, not {region}")
            path, region = path[len(prefix) + 1:], prefix
            break
    if path not in ENDPOINTS:
        raise FaultError(
            f"path must be {endpoints} (optionally after /us or /eu), not {path!r}"
        )
    return path, region


def make_fault(
    fault_id: int, mode: Any, count: Any = 1, path: Any = None, region: Any = None,
    **params: Any,
) -> Fault:
    if mode not in FAULT_PARAMS:
        raise FaultError(f"unknown fault mode {mode!r}; use one of {', '.join(FAULT_MODES)}")
    count = _coerce("count", int, count)
    if region is not None and region not in REGIONS:
        raise FaultError(f"region must be one of {', '.join(REGIONS)}")
    path, region = _endpoint_and_region(path, region)
    spec = FAULT_PARAMS[mode]
    unknown = sorted(set(params) - set(spec))
    if unknown:
        known = ", ".join(spec) or "none"
        raise FaultError(f"unknown parameter(s) for {mode}: {', '.join(unknown)} (known: {known})")
    checked: dict[str, Any] = {}
    for name, (kind, default) in spec.items():
        value = params.get(name, default)
        if value is not None:
            checked[name] = _coerce(name, kind, value)
    if mode in _CODE_RANGES:
        low, high = _CODE_RANGES[mode]
        if not low <= checked["code"] <= high:
            raise FaultError(f"code for {mode} must be {low}..{high}")
    if mode == "reset" and checked["stage"] not in RESET_STAGES:
        raise FaultError(f"stage must be one of {', '.join(RESET_STAGES)}")
    for name in ("location", "charset"):
        if name in checked and not _HEADER_SAFE.fullmatch(checked[name]):
            raise FaultError(f"{name} must be printable ASCII without spaces")
    return Fault(fault_id, mode, count, path, region, checked)


def phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


def _throttled(body: bytes) -> dict[str, Any]:
    """429 detail naming the devices/users of the rejected request, as Amplitude's does."""
    devices: dict[str, int] = {}
    users: dict[str, int] = {}
    indexes: list[int] = []
    try:
        events = loads_strict(body.decode("utf-8")).get("events", [])
        for index, event in enumerate(events if isinstance(events, list) else []):
            if not isinstance(event, dict):
                continue
            indexes.append(index)
            for name, bucket in (("device_id", devices), ("user_id", users)):
                if isinstance(value := event.get(name), str):
                    bucket[value] = bucket.get(value, 0) + 1
    except (ValueError, AttributeError):
        pass
    return {"throttled_devices": devices, "throttled_users": users, "throttled_events": indexes}


def status_body(code: int, endpoint: str, request_body: bytes) -> tuple[str, bytes]:
    """(content type, body) for a ``status`` fault: JSON on /2/httpapi, text elsewhere."""
    if endpoint != HTTPAPI:
        return "text/plain; charset=utf-8", phrase(code).encode()
    payload: dict[str, Any]
    if code == 413:
        payload = payload_too_large()
    elif code == 429:
        payload = {"code": 429, "error": "Too many requests for some devices and users",
                   "eps_threshold": 30, **_throttled(request_body)}
    else:
        payload = {"code": code, "error": phrase(code)}
    return "application/json", json.dumps(payload).encode()


def html_page(code: int) -> bytes:
    """The bare error page a reverse proxy (nginx/ELB style) puts in front of an API."""
    title = f"{code} {phrase(code)}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()


# "café" in latin-1 plus a UTF-16 byte-order mark: invalid as UTF-8 in two different ways.
NON_UTF8_BODY = b"caf\xe9 \xff\xfe"
