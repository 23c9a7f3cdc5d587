"""The matching app event: the HTTP API V2 event that makes a held attribution event match.

Amplitude holds an attribution event that matches no known user for up to 72 hours; a
regular app event carrying the same advertising ID, top-level and byte for byte (matching is
case-sensitive), makes it ingest. This module builds that event from the attribution event,
says which IDs can no longer match once a user edits them, prepares the ``/2/httpapi``
request with the same PreparedRequest machinery as every other send, and reads any answer
of that API into one plain sentence (never raising, the key masked if echoed back).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from attribution_workbench.core.answers import (
    header_value,
    json_object,
    retry_after_seconds,
    server_words,
    v2_key_rejected,
)
from attribution_workbench.core.event import (
    AD_ID_FIELDS,
    IOS_ID_FIELDS,
    REQUIRED_ID_FIELDS,
    V2_INVALID_IDS,
    AttributionEvent,
)
from attribution_workbench.core.regions import Destination
from attribution_workbench.core.wire import PreparedRequest, prepare_v2, redact_key

DEFAULT_APP_EVENT_TYPE = "App Open"
MIN_DEVICE_ID_CHARS = 5  # the V2 API rejects shorter user_id/device_id values
THROTTLE_WAIT_S = 30.0  # the docs: wait 30 s before retrying throttled devices

# Which ad ID a device_id defaults to, per platform (the IDs an SDK would use): the
# platform's required IDs, iOS SDKs taking the vendor ID (idfv) first.
_DEVICE_ID_SOURCES = {**REQUIRED_ID_FIELDS, "ios": IOS_ID_FIELDS[::-1]}
# Values the V2 API rejects as IDs, compared case-insensitively.
_INVALID_IDS = V2_INVALID_IDS
_EVENT_LISTS = (
    "events_with_missing_fields",
    "events_with_invalid_fields",
    "events_with_invalid_id_lengths",
)


def _usable_device_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) >= MIN_DEVICE_ID_CHARS
        and value.strip().lower() not in _INVALID_IDS
    )


def default_device_id(attribution: AttributionEvent) -> str:
    """The attribution's first platform ad ID if usable as a device_id, else a random UUID."""
    platform = attribution.platform if isinstance(attribution.platform, str) else ""
    sources = _DEVICE_ID_SOURCES.get(platform, AD_ID_FIELDS)
    for name in sources:
        value = getattr(attribution, name)
        if _usable_device_id(value):
            return str(value)
    return str(uuid.uuid4())


def matching_app_event(
    attribution: AttributionEvent,
    *,
    event_type: str = DEFAULT_APP_EVENT_TYPE,
    device_id: str | None = None,
) -> dict[str, Any]:
    """The V2 event carrying every ad ID of ``attribution`` top-level, values untouched."""
    event: dict[str, Any] = {
        "event_type": event_type,
        "device_id": device_id if device_id is not None else default_device_id(attribution),
    }
    if attribution.platform is not None:
        event["platform"] = attribution.platform
    event.update(attribution.ad_ids())
    return event


def _same(a: Any, b: Any) -> bool:
    # Byte-identical on the wire: the JSON text must be the same (1 and 1.0 and "1" differ).
    try:
        return json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)
    except (TypeError, ValueError):
        return a is b


def case_mismatches(attribution: AttributionEvent, app_event: Mapping[str, Any]) -> list[str]:
    """Ad-ID fields whose app-event value equals the attribution's only when ignoring case.

    Matching is case-sensitive, so these will NOT match.
    """
    out = []
    for name, value in attribution.ad_ids().items():
        other = app_event.get(name)
        if (
            isinstance(value, str)
            and isinstance(other, str)
            and value != other
            and value.casefold() == other.casefold()
        ):
            out.append(name)
    return out


def missing_ids(attribution: AttributionEvent, app_event: Mapping[str, Any]) -> list[str]:
    """Ad-ID fields of the attribution absent from, or different in, the app event.

    Case-only differences are included (they do not match either).
    """
    return [
        name
        for name, value in attribution.ad_ids().items()
        if name not in app_event or not _same(value, app_event[name])
    ]


def prepare_app_event(
    app_event: Mapping[str, Any], destination: Destination, api_key: str
) -> PreparedRequest:
    """The one /2/httpapi request that previews and sends ``app_event``."""
    return prepare_v2([dict(app_event)], destination, api_key)


@dataclass(frozen=True)
class V2Answer:
    """An HTTP API V2 answer, read."""

    status: int
    accepted: bool
    events_ingested: int | None
    payload_size_bytes: int | None
    server_upload_time: int | None
    error: str | None
    missing_field: str | None
    invalid_key: bool
    retry_after_s: float | None
    summary: str
    # {"events_with_invalid_fields": {"device_id": [0]}, ...} as (list, field, indexes) rows.
    event_problems: tuple[tuple[str, str, tuple[int, ...]], ...] = ()


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _event_problems(parsed: Mapping[str, Any]) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    rows: list[tuple[str, str, tuple[int, ...]]] = []
    for name in _EVENT_LISTS:
        value = parsed.get(name)
        if isinstance(value, dict):
            for field_name, indexes in value.items():
                found = tuple(i for i in indexes if _int(i) is not None) if isinstance(
                    indexes, list
                ) else ()
                rows.append((name, str(field_name), found))
        elif isinstance(value, list):
            rows.append((name, "", tuple(i for i in value if _int(i) is not None)))
    return tuple(rows)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def read_v2_outcome(outcome: Any, request: PreparedRequest) -> V2Answer:
    """``interpret_v2`` for an Outcome (status, text, header pairs) of ``request``."""
    headers = {name: value for name, value in outcome.headers}
    return interpret_v2(outcome.status, outcome.text, headers, api_key=request.api_key)


def interpret_v2(
    status: int,
    text: str,
    headers: Mapping[str, str] | None = None,
    *,
    api_key: str | None = None,
) -> V2Answer:
    """Read any /2/httpapi answer; never raises. ``api_key`` is masked wherever it is echoed."""
    if api_key:
        text = redact_key(text, api_key)
    parsed = json_object(text) or {}
    accepted = 200 <= status < 300
    ingested = _int(parsed.get("events_ingested"))
    size = _int(parsed.get("payload_size_bytes"))
    upload = _int(parsed.get("server_upload_time"))
    missing = parsed.get("missing_field")
    missing_field = missing if isinstance(missing, str) else None
    invalid_key = v2_key_rejected(status, text)
    problems = _event_problems(parsed)
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    error = None if accepted else server_words(status, reason, text)
    retry_after = retry_after_seconds(header_value((headers or {}).items(), "Retry-After"))
    if status == 429 and retry_after is None:
        retry_after = THROTTLE_WAIT_S

    if accepted:
        count = ingested if ingested is not None else 0
        summary = f"Ingested {_plural(count, 'event')}"
        summary += f" ({size} bytes)." if size is not None else "."
        if ingested is None:
            summary = f"Accepted (HTTP {status}); the answer did not say how many were ingested."
    elif invalid_key:
        summary = f"Rejected: {error}"
    elif missing_field is not None:
        summary = f"Missing field: {missing_field}"
    elif status == 413:
        summary = "Too large (413): over 1 MB or 2000 events."
    elif status == 429:
        threshold = _int(parsed.get("eps_threshold"))
        summary = f"Throttled (429): wait {retry_after:g} s before retrying these devices"
        summary += f" (eps threshold {threshold})." if threshold is not None else "."
    elif problems:
        parts = [
            f"{name.replace('events_with_', '').replace('_', ' ')}"
            + (f" {field_name}" if field_name else "")
            + f" (event {', '.join(map(str, indexes)) or '?'})"
            for name, field_name, indexes in problems
        ]
        summary = f"Rejected ({status}): {error}: " + "; ".join(parts) + "."
    elif status in (500, 502, 504):
        summary = (
            f"Server error ({status}): {error}. It may have been accepted anyway; "
            "retrying can duplicate the event."
        )
    elif status == 503:
        summary = f"Unavailable (503): {error}. Safe to retry."
    else:
        summary = f"Rejected ({status}): {error}"
    return V2Answer(
        status=status,
        accepted=accepted,
        events_ingested=ingested,
        payload_size_bytes=size,
        server_upload_time=upload,
        error=error,
        missing_field=missing_field,
        invalid_key=invalid_key,
        retry_after_s=retry_after,
        summary=summary,
        event_problems=problems,
    )
