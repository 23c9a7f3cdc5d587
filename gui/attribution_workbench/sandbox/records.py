"""The records the sandbox keeps, each able to render itself as inspection JSON."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from .config import ATTRIBUTION_WINDOW_MS


def copy_json(value: Any) -> Any:
    """A deep copy of a parsed JSON value, without recursion.

    copy.deepcopy takes two Python frames per level, so ~490 nested objects (which
    json.loads accepts) hit the recursion limit in the middle of a state change.
    """
    if not isinstance(value, (dict, list)):
        return value  # str, int, float, bool, None: immutable
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, (dict, list)):
                child: Any = {} if isinstance(item, dict) else []
                stack.append((item, child))
            else:
                child = item
            if isinstance(target, dict):
                target[key] = child
            else:
                target.append(child)
    return root


@dataclass
class RecordedRequest:
    id: int
    time_ms: int
    region: str | None
    method: str
    target: str  # request target exactly as sent (path + "?" + query)
    path: str
    endpoint: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    client: str
    status: int | None = None
    fault: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        try:
            text: str | None = self.body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        return {
            "id": self.id, "time_ms": self.time_ms, "region": self.region,
            "method": self.method, "target": self.target, "path": self.path,
            "endpoint": self.endpoint, "query": self.query,
            "headers": [list(pair) for pair in self.headers],
            "body_text": text, "body_b64": base64.b64encode(self.body).decode("ascii"),
            "body_size": len(self.body), "client": self.client, "status": self.status,
            "fault": self.fault, "note": self.note,
        }


@dataclass
class Attribution:
    id: int
    request_id: int
    region: str
    api_key: str
    received_at: int
    event: dict[str, Any]
    ad_ids: dict[str, str]
    matched_at: int | None = None
    matched_by: dict[str, Any] | None = None

    @property
    def deadline(self) -> int:
        return self.received_at + ATTRIBUTION_WINDOW_MS

    def state(self, now: int) -> str:
        # Lazy: the clock only moves forward, so "dropped" never needs storing.
        if self.matched_at is not None:
            return "matched"
        return "held" if now < self.deadline else "dropped"

    def to_json(self, now: int) -> dict[str, Any]:
        state = self.state(now)
        return {
            "id": self.id, "request_id": self.request_id, "region": self.region,
            "state": state, "received_at": self.received_at, "deadline": self.deadline,
            "matched_at": self.matched_at, "matched_by": copy_json(self.matched_by),
            "remaining_ms": self.deadline - now if state == "held" else 0,
            "ad_ids": dict(self.ad_ids), "event": copy_json(self.event),
        }


@dataclass
class User:
    region: str
    device_id: str | None
    user_id: str | None
    first_seen: int
    last_seen: int
    event_count: int = 0
    user_properties: dict[str, Any] = field(default_factory=dict)
    ad_ids: dict[str, str] = field(default_factory=dict)
    attribution_ids: list[int] = field(default_factory=list)

    def apply_properties(self, props: Any) -> None:
        """Plain keys set; the identify operations $set/$setOnce/$unset act as named."""
        if not isinstance(props, dict):
            return
        for key, value in props.items():
            if key == "$set" and isinstance(value, dict):
                self.user_properties.update(copy_json(value))
            elif key == "$setOnce" and isinstance(value, dict):
                for k, v in value.items():
                    self.user_properties.setdefault(k, copy_json(v))
            elif key == "$unset" and isinstance(value, dict):
                for k in value:
                    self.user_properties.pop(k, None)
            elif not key.startswith("$"):
                self.user_properties[key] = copy_json(value)

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region, "device_id": self.device_id, "user_id": self.user_id,
            "first_seen": self.first_seen, "last_seen": self.last_seen,
            "event_count": self.event_count,
            "user_properties": copy_json(self.user_properties),
            "ad_ids": dict(self.ad_ids), "attribution_ids": list(self.attribution_ids),
        }
