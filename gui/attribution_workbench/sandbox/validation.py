"""Server-side checks of /attribution and /2/httpapi requests (pure functions)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .config import AD_ID_FIELDS, INVALID_IDS

# Deeper JSON is refused as unparseable. The JVM servers' parser has a nesting limit of its
# own ([guess]: Jackson's default is 1000); below Python's recursion limit, this keeps
# every later step (json.dumps of the inspection answers) clear of RecursionError too.
MAX_JSON_DEPTH = 500
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1  # the API's "Long"


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN/Infinity; the real (JVM) servers do not.
    raise ValueError(f"not JSON: {name}")


def _finite_float(text: str) -> float:
    # 1e999 is valid JSON syntax that no double holds; Python would make it inf, which
    # json.dumps then writes as Infinity (not JSON) in the inspection answers.
    value = float(text)
    if value in (math.inf, -math.inf):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def json_depth(value: Any) -> int:
    """How deeply containers nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def loads_strict(text: str | bytes) -> Any:
    """json.loads that rejects NaN, Infinity, out-of-range numbers and nesting deeper than
    MAX_JSON_DEPTH, and turns every failure into ValueError."""
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError as exc:  # deeply nested input
        raise ValueError("JSON nested too deeply") from exc
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def is_json_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def ad_ids_of(event: Mapping[str, Any]) -> dict[str, str]:
    """Top-level ad-ID fields with non-empty string values (the only ones that can match)."""
    return {f: v for f in AD_ID_FIELDS if isinstance(v := event.get(f), str) and v}


@dataclass
class AttributionVerdict:
    status: int
    reason: str  # "ok" or the config key of the answer text
    text: str
    api_key: str | None = None
    event: dict[str, Any] | None = None
    ad_ids: dict[str, str] = field(default_factory=dict)


def _event_rule_violation(event: dict[str, Any], ids: dict[str, str]) -> str | None:
    event_type = event.get("event_type")
    if not isinstance(event_type, str) or not event_type.strip():
        return "missing_event_type"
    platform = event.get("platform")
    if platform not in ("ios", "android"):
        return "invalid_platform"
    if platform == "ios" and not ("idfa" in ids or "idfv" in ids):
        return "missing_ios_id"
    if platform == "android" and not ("adid" in ids or "android_app_set_id" in ids):
        return "missing_android_id"
    if "time" in event and not (
        is_json_int(event["time"]) and LONG_MIN <= event["time"] <= LONG_MAX
    ):
        return "invalid_time"
    # null passes as absent (the app warns about it); anything else must be an object.
    if event.get("user_properties") is not None and not isinstance(event["user_properties"], dict):
        return "invalid_user_properties"
    return None


def check_attribution(
    params: Mapping[str, str], valid_keys: frozenset[str], config: Mapping[str, Any]
) -> AttributionVerdict:
    """Key first (a caller with a bad key learns nothing about its event), then the event."""
    api_key = params.get("api_key", "")
    if api_key not in valid_keys:
        return AttributionVerdict(400, "invalid_api_key", config["invalid_api_key"])
    raw = params.get("event", "")
    if not raw.strip():
        return AttributionVerdict(400, "missing_event", config["missing_event"], api_key)
    try:
        event = loads_strict(raw)
    except ValueError:
        return AttributionVerdict(400, "missing_event", config["missing_event"], api_key)
    if not isinstance(event, dict):
        return AttributionVerdict(400, "not_an_object", config["not_an_object"], api_key)
    ids = ad_ids_of(event)
    violation = _event_rule_violation(event, ids)
    if violation is not None:
        return AttributionVerdict(400, violation, config[violation], api_key)
    return AttributionVerdict(200, "ok", config["success"], api_key, event, ids)


@dataclass
class HttpApiVerdict:
    status: int
    body: dict[str, Any]
    api_key: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


def _error(status: int, message: str, **extra: Any) -> HttpApiVerdict:
    return HttpApiVerdict(status, {"code": status, "error": message, **extra})


def payload_too_large() -> dict[str, Any]:
    return {"code": 413, "error": "Payload too large"}


def _id_problem(value: Any, min_length: int) -> str | None:
    """Which index list an ID belongs in, or None if it is fine."""
    if is_json_int(value) or isinstance(value, float):
        # Amplitude answers a numeric device_id by its length (seen in Amplitude-TypeScript #81).
        value = str(value)
    if not isinstance(value, str):
        return "events_with_invalid_fields"
    if value.lower() in INVALID_IDS:
        return "events_with_invalid_fields"
    if len(value) < min_length:
        return "events_with_invalid_id_lengths"
    return None


def _event_problems(
    index: int, event: Any, min_length: int, out: dict[str, dict[str, list[int]]]
) -> None:
    def add(kind: str, name: str) -> None:
        out.setdefault(kind, {}).setdefault(name, []).append(index)

    if not isinstance(event, dict):
        add("events_with_invalid_fields", "event")
        return
    event_type = event.get("event_type")
    if event_type is None or event_type == "":
        add("events_with_missing_fields", "event_type")
    elif not isinstance(event_type, str):
        add("events_with_invalid_fields", "event_type")
    user_id, device_id = event.get("user_id"), event.get("device_id")
    if user_id is None and device_id is None:
        # Either ID would do; the docs call device_id "required unless user_id is present".
        add("events_with_missing_fields", "device_id")
    for name, value in (("user_id", user_id), ("device_id", device_id)):
        if value is not None and (kind := _id_problem(value, min_length)) is not None:
            add(kind, name)
    if "time" in event and not is_json_int(event["time"]):
        add("events_with_invalid_fields", "time")


_PROBLEM_MESSAGES = {
    "events_with_missing_fields": "Request missing required field",
    "events_with_invalid_fields": "Invalid field values on some events",
    "events_with_invalid_id_lengths": "Invalid id length for user_id or device_id",
}


def check_httpapi(
    body: bytes, valid_keys: frozenset[str], config: Mapping[str, Any], now_ms: int
) -> HttpApiVerdict:
    if len(body) > config["httpapi_max_body_bytes"]:
        return HttpApiVerdict(413, payload_too_large())
    try:
        payload = loads_strict(body.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is a ValueError too
        return _error(400, "Invalid JSON request body")
    if not isinstance(payload, dict):
        return _error(400, "Invalid JSON request body")
    api_key = payload.get("api_key")
    if api_key is None or api_key == "":
        return _error(400, "Request missing required field", missing_field="api_key")
    events = payload.get("events")
    if events is None:
        return _error(400, "Request missing required field", missing_field="events")
    if not isinstance(events, list):
        return _error(400, "Invalid field type: events must be an array", invalid_field="events")
    if len(events) > config["httpapi_max_events"]:
        return HttpApiVerdict(413, payload_too_large())
    ok = HttpApiVerdict(
        200,
        {"code": 200, "events_ingested": len(events), "payload_size_bytes": len(body),
         "server_upload_time": now_ms},
    )
    if not events and not config["empty_events_checks_key"]:
        return ok
    key_text = api_key if isinstance(api_key, str) else json.dumps(api_key)
    if key_text not in valid_keys:
        return _error(400, f"Invalid API key: {key_text}")
    options = payload.get("options")
    min_length = 5
    if isinstance(options, dict) and is_json_int(options.get("min_id_length")):
        min_length = max(1, options["min_id_length"])
    problems: dict[str, dict[str, list[int]]] = {}
    for index, event in enumerate(events):
        _event_problems(index, event, min_length, problems)
    if problems:
        first = next(k for k in _PROBLEM_MESSAGES if k in problems)
        return _error(400, _PROBLEM_MESSAGES[first], **problems)
    ok.api_key = key_text
    ok.events = events
    return ok
