"""The demo's model: what happened to one ad ID's attribution, told as a timeline.

Against the local sandbox the story comes from its inspection API (``SandboxInspector``,
loopback only); ``timeline_from`` turns those answers into steps without any I/O, so it is
tested on plain dicts. Against real Amplitude nothing can be inspected: matching happens on
Amplitude's side, so ``timeline_for_amplitude`` tells only what was sent and answered, and
where to look (User Lookup).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from attribution_workbench.core.app_event import case_mismatches
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.regions import is_loopback_host

HOUR_MS = 3_600_000
MINUTE_MS = 60_000
DEFAULT_WINDOW_MS = 72 * HOUR_MS  # the docs' holding window; the sandbox says its own
INSPECT_TIMEOUT_S = 5.0
MAX_SHOWN_PROPERTIES = 6

RECEIVED = "Attribution received"
APP_EVENT = "App event received"
MATCHED = "Matched — the user now has the campaign properties"
MATCH_PENDING = "Matched — the user gets the campaign properties"
DROPPED = "Dropped after 72 h (no app event with the same ID arrived)"


class StepState(str, enum.Enum):
    DONE = "done"
    CURRENT = "current"
    PENDING = "pending"
    FAILED = "failed"


@dataclass(frozen=True)
class Step:
    state: StepState
    title: str
    detail: str = ""


class InspectorError(RuntimeError):
    """The sandbox's inspection API could not be reached or answered nonsense."""


def _requests_session() -> Any:
    import requests  # imported in the worker that first inspects, never at start-up

    session = requests.Session()
    session.trust_env = False  # loopback only: no proxies, no netrc
    return session


class SandboxInspector:
    """The sandbox's ``/_sandbox/`` API: attributions, users and the clock. Blocking I/O.

    ``client_factory`` makes the HTTP client (anything with requests' ``request()``); it is
    called on first use, so a worker thread pays for importing requests.
    """

    def __init__(
        self, base_url: str, client_factory: Callable[[], Any] | None = None
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not is_loopback_host(parts.hostname or ""):
            raise InspectorError(f"The sandbox inspector talks to loopback only, not {base_url}")
        self.base_url = base_url.rstrip("/")
        self._factory = client_factory or _requests_session
        self._client: Any = None

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self._client is None:
            self._client = self._factory()
        url = f"{self.base_url}/_sandbox/{path}"
        try:
            response = self._client.request(method, url, json=body, timeout=INSPECT_TIMEOUT_S)
            status, text = int(response.status_code), str(response.text)
        except Exception as exc:  # any transport failure becomes one readable error
            raise InspectorError(
                f"The sandbox at {self.base_url} did not answer ({_transport_reason(exc)})."
            ) from None
        try:
            data = json.loads(text)
        except ValueError:
            raise InspectorError(f"The sandbox answered {status} with non-JSON text") from None
        if status != 200:
            error = data.get("error") if isinstance(data, dict) else None
            raise InspectorError(f"The sandbox answered {status}: {error or text[:200]}")
        return data

    def attributions(
        self, ad_id: str | None = None, region: str | None = None
    ) -> list[dict[str, Any]]:
        query = {k: v for k, v in (("ad_id", ad_id), ("region", region)) if v}
        path = "attributions" + ("?" + urlencode(query) if query else "")
        return _list_of_dicts(self._call("GET", path))

    def users(self) -> list[dict[str, Any]]:
        return _list_of_dicts(self._call("GET", "users"))

    def clock(self) -> int:
        """The sandbox's ``now`` in ms (moved on by ``advance``)."""
        return _now_of(self._call("GET", "clock"))

    def advance(self, hours: float) -> int:
        """Move the sandbox clock forward; returns the new ``now`` in ms."""
        return _now_of(self._call("POST", "clock", {"advance_hours": hours}))

    def timeline(self, ad_id: str, region: str | None = None) -> list[Step]:
        """One consistent look (clock read last) at ``ad_id``'s story."""
        records = self.attributions(ad_id, region)
        users = self.users() if records else []
        return timeline_from(records, users, self.clock())

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if callable(close):
            close()
        self._client = None


_REASONS = (
    ("refused", "connection refused: is it still running?"),
    ("timed out", "timed out"),
    ("reset", "the connection was reset"),
    ("closed connection", "it closed the connection"),
    ("Remote end closed", "it closed the connection"),
)


def _transport_reason(exc: Exception) -> str:
    """A few words for a transport failure; requests' own text is a page of pool internals
    ("HTTPConnectionPool(host=..., port=...): Max retries exceeded with url: ...")."""
    text = str(exc)
    for needle, words in _REASONS:
        if needle in text:
            return words
    return type(exc).__name__


def _list_of_dicts(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise InspectorError("The sandbox answered with something other than a list")
    return [item for item in data if isinstance(item, dict)]


def _now_of(data: Any) -> int:
    now = data.get("now_ms") if isinstance(data, dict) else None
    if not isinstance(now, int):
        raise InspectorError("The sandbox's clock answer has no now_ms")
    return now


# --- the timeline ----------------------------------------------------------------------------
def duration_text(ms: int) -> str:
    """``71 h 59 m``; whole minutes, never negative."""
    ms = max(0, ms)
    hours, rest = divmod(ms, HOUR_MS)
    return f"{hours} h {rest // MINUTE_MS} m"


def _window_hours(record: Mapping[str, Any]) -> int:
    received, deadline = record.get("received_at"), record.get("deadline")
    if isinstance(received, int) and isinstance(deadline, int) and deadline > received:
        return round((deadline - received) / HOUR_MS)
    return DEFAULT_WINDOW_MS // HOUR_MS


def _ids_text(record: Mapping[str, Any]) -> str:
    ids = record.get("ad_ids")
    if not isinstance(ids, dict) or not ids:
        return "its advertising ID"
    return ", ".join(f"{name} {value}" for name, value in ids.items())


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _campaign_properties(record: Mapping[str, Any], users: Sequence[Mapping[str, Any]]) -> str:
    """The attribution's properties as the matched user now holds them."""
    event = record.get("event")
    props = event.get("user_properties") if isinstance(event, dict) else None
    wanted: dict[str, Any] = {}
    if isinstance(props, dict):
        for key, value in props.items():
            if key in ("$set", "$setOnce") and isinstance(value, dict):
                wanted.update(value)
            elif not key.startswith("$"):
                wanted[key] = value
    by = record.get("matched_by")
    device = by.get("device_id") if isinstance(by, dict) else None
    for user in users:
        held = user.get("user_properties")
        if device and user.get("device_id") == device and isinstance(held, dict):
            wanted = {key: held.get(key, value) for key, value in wanted.items()}
            break
    if not wanted:
        return "(the attribution event carried no user properties)"
    shown = [f"{key} = {_value_text(value)}" for key, value in wanted.items()]
    if len(shown) > MAX_SHOWN_PROPERTIES:
        more = len(shown) - MAX_SHOWN_PROPERTIES
        shown = shown[:MAX_SHOWN_PROPERTIES] + [f"and {more} more"]
    return "; ".join(shown)


def _case_hint(record: Mapping[str, Any], users: Sequence[Mapping[str, Any]]) -> str:
    """Says so when a user's app event carried one of the IDs in another letter case."""
    ids = record.get("ad_ids")
    if not isinstance(ids, dict):
        return ""
    attribution = AttributionEvent.from_dict(ids)
    for user in users:
        theirs = user.get("ad_ids")
        if user.get("region") != record.get("region") or not isinstance(theirs, dict):
            continue
        mismatched = case_mismatches(attribution, theirs)
        if mismatched:
            name = mismatched[0]
            return (
                f" An app event arrived with {name} {theirs[name]}, which differs only in letter "
                "case: matching is case-sensitive, so it does not count."
            )
    return ""


def timeline_from(
    records: Sequence[Mapping[str, Any]],
    users: Sequence[Mapping[str, Any]],
    now_ms: int,
) -> list[Step]:
    """The steps for the newest of ``records`` (the sandbox's attributions for one ad ID)."""
    if not records:
        return [
            Step(StepState.CURRENT, RECEIVED,
                 "Nothing has arrived for this ad ID yet: send the attribution event."),
            Step(StepState.PENDING, "Held (72 h window)",
                 "Amplitude holds an attribution event until the app reports the same ID."),
            Step(StepState.PENDING, APP_EVENT,
                 "A regular app event with the same advertising ID, byte for byte."),
            Step(StepState.PENDING, MATCH_PENDING, "The user gets the campaign's "
                 "properties; without an app event it is dropped after 72 h."),
        ]
    record = max(records, key=lambda r: (r.get("received_at") or 0, r.get("id") or 0))
    hours = _window_hours(record)
    received_at = record.get("received_at")
    age = now_ms - received_at if isinstance(received_at, int) else 0
    earlier = len(records) - 1
    received = Step(
        StepState.DONE, RECEIVED,
        f"The sandbox accepted it {duration_text(age)} ago ({record.get('region', '?')}, "
        f"{_ids_text(record)})." + (f" {earlier} earlier one(s) for this ID." if earlier else ""),
    )
    state = record.get("state")
    if state == "matched":
        matched_at = record.get("matched_at")
        held_for = matched_at - received_at if isinstance(matched_at, int) and isinstance(
            received_at, int) else 0
        by = record.get("matched_by")
        device = by.get("device_id") if isinstance(by, dict) else None
        return [
            received,
            Step(StepState.DONE, f"Held ({hours} h window)",
                 f"Held for {duration_text(held_for)} until the app reported the same ID."),
            Step(StepState.DONE, APP_EVENT,
                 f"An app event from device {device or '(a user ID)'} carried the same ID."),
            Step(StepState.DONE, MATCHED + ": " + _campaign_properties(record, users),
                 "The attribution event was ingested for that user."),
        ]
    if state == "dropped":
        return [
            received,
            Step(StepState.DONE, f"Held ({hours} h window)",
                 f"The {hours} h window ran out."),
            Step(StepState.FAILED, APP_EVENT,
                 "No app event with the same advertising ID arrived in time."
                 + _case_hint(record, users)),
            Step(StepState.FAILED, DROPPED.replace("72 h", f"{hours} h"),
                 "A random, never-seen ID creates no data: nothing was ingested."),
        ]
    remaining = record.get("remaining_ms")
    left = remaining if isinstance(remaining, int) else 0
    return [
        received,
        Step(StepState.CURRENT, f"Held ({hours} h window, {duration_text(left)} left)",
             "No known user has this ID yet, so it waits for the app to report it."),
        Step(StepState.PENDING, APP_EVENT,
             f"Waiting for an app event with {_ids_text(record)}." + _case_hint(record, users)),
        Step(StepState.PENDING, MATCH_PENDING,
             "Then the user gets the campaign properties; otherwise it is dropped when the "
             "window ends."),
    ]


USER_LOOKUP_NOTE = (
    "Matching happens on Amplitude's side: this tool cannot see whether the attribution was "
    "held, matched or dropped. In Amplitude, open User Lookup and search for the device ID"
)


def timeline_for_amplitude(
    sent_ok: bool | None,
    app_event_sent: bool | None,
    *,
    answer: str = "",
    app_event_answer: str = "",
    device_id: str | None = None,
) -> list[Step]:
    """What was sent to Amplitude and what it answered; None means not sent yet."""
    if sent_ok is None:
        sent = Step(StepState.CURRENT, "Attribution sent", "Not sent yet: press Send.")
    elif sent_ok:
        sent = Step(StepState.DONE, "Attribution sent", f"Amplitude answered: {answer or 'OK'}.")
    else:
        sent = Step(StepState.FAILED, "Attribution sent",
                    f"Amplitude did not accept it: {answer or 'no answer'}.")
    held_state = StepState.CURRENT if sent_ok and not app_event_sent else (
        StepState.DONE if sent_ok else StepState.PENDING)
    held = Step(held_state, "Held on Amplitude's side (up to 72 h)",
                "Amplitude keeps it until an app event with the same advertising ID arrives; "
                "it does not report this state.")
    if app_event_sent is None:
        app = Step(StepState.PENDING, "App event sent",
                   "Send a matching app event (same ad ID, same region and key).")
    elif app_event_sent:
        app = Step(StepState.DONE, "App event sent",
                   f"Amplitude answered: {app_event_answer or 'OK'}.")
    else:
        app = Step(StepState.FAILED, "App event sent",
                   f"Amplitude did not accept it: {app_event_answer or 'no answer'}.")
    where = f" {device_id}" if device_id else " the app event used"
    check = Step(
        StepState.CURRENT if sent_ok and app_event_sent else StepState.PENDING,
        "Check User Lookup in Amplitude",
        f"{USER_LOOKUP_NOTE}{where}; a match shows the campaign's user properties there "
        "(it can take a few minutes).",
    )
    return [sent, held, app, check]
