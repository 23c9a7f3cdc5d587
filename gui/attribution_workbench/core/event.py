"""The attribution event: one JSON object with the documented fields.

An event is built from form fields, from a dict, or from raw JSON text. Raw text is kept
verbatim because the user's own spacing is what they asked to send; events built from
fields are serialised as compact canonical JSON with a stable key order.

Field values are typed ``Any`` on purpose: an event parsed from text may carry a number
where a string belongs, and the rules (``core.rules``) must see it to say so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

# The documented keys, in the order canonical JSON writes them.
EVENT_TYPE = "event_type"
PLATFORM = "platform"
IOS_ID_FIELDS = ("idfa", "idfv")
ANDROID_AD_ID_FIELDS = ("adid", "android_app_set_id")  # android_id alone is not enough
ANDROID_ID_FIELDS = (*ANDROID_AD_ID_FIELDS, "android_id")
AD_ID_FIELDS = IOS_ID_FIELDS + ANDROID_ID_FIELDS
# The IDs each platform requires: an event needs at least one of them.
REQUIRED_ID_FIELDS = {"ios": IOS_ID_FIELDS, "android": ANDROID_AD_ID_FIELDS}
KNOWN_FIELDS = (
    EVENT_TYPE,
    PLATFORM,
    *IOS_ID_FIELDS,
    *ANDROID_ID_FIELDS,
    "time",
    "user_properties",
)
PLATFORMS = ("ios", "android")

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
# Values the HTTP API V2 rejects as IDs (API-FACTS section 2), in lower case: compare
# ``value.strip().lower()``.
V2_INVALID_IDS = frozenset(
    {
        "anonymous", "nil", "none", "null", "n/a", "na", "undefined", "unknown", "",
        ZERO_UUID, "{}", "lmy47d", "0", "-1",
    }
)


@dataclass(frozen=True)
class JsonProblem:
    """Why event text is not a usable JSON object, with a 1-based position when known."""

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"{self.message} (line {self.line}, column {self.column})"


@dataclass(frozen=True)
class AttributionEvent:
    """One attribution event. ``None`` means the key is absent."""

    event_type: Any = None
    platform: Any = None
    idfa: Any = None
    idfv: Any = None
    adid: Any = None
    android_app_set_id: Any = None
    android_id: Any = None
    time: Any = None
    user_properties: Any = None
    # Keys the docs do not list, in the order they were given.
    extra: dict[str, Any] = field(default_factory=dict)
    # The exact text to send, when the event came from raw JSON text.
    raw_text: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttributionEvent:
        known = {name: data[name] for name in KNOWN_FIELDS if name in data}
        extra = {key: value for key, value in data.items() if key not in KNOWN_FIELDS}
        return cls(**known, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """The event as a dict in canonical key order, absent (None) fields left out."""
        out: dict[str, Any] = {}
        for name in KNOWN_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        for key, value in self.extra.items():
            if key not in out:
                out[key] = value
        return out

    def canonical_json(self) -> str:
        return canonical_json(self.to_dict())

    def wire_text(self) -> str:
        """The event text that goes on the wire: raw text verbatim, else canonical JSON."""
        return self.raw_text if self.raw_text is not None else self.canonical_json()

    def with_fields(self, **changes: Any) -> AttributionEvent:
        """A copy with fields changed; it is no longer the user's raw text."""
        return replace(self, raw_text=None, **changes)

    def ad_ids(self) -> dict[str, Any]:
        """The advertising ID fields that are present, in canonical order."""
        return {
            name: getattr(self, name) for name in AD_ID_FIELDS if getattr(self, name) is not None
        }

    def first_ad_id(self) -> str | None:
        """The first advertising ID that is a non-empty string, in canonical order; else None.

        "The event has an ad ID" is ``first_ad_id() is not None``.
        """
        for value in self.ad_ids().values():
            if isinstance(value, str) and value:
                return value
        return None


def json_kind(value: Any) -> str:
    """The JSON name of a value's type, for messages: string, number, boolean, null, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def canonical_json(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (the wire encoding percent-encodes UTF-8 anyway)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class _TextScan:
    """Parse hooks that note what the parsed value no longer shows: duplicate keys, NaN/Infinity.

    They build the same value as a plain parse (the last duplicate wins; NaN and Infinity
    become floats).
    """

    def __init__(self) -> None:
        self.duplicates: list[tuple[dict[str, Any], str]] = []
        self.constants: set[str] = set()

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    self.duplicates.append((out, key))
                seen.add(key)
        return out

    def constant(self, name: str) -> float:
        self.constants.add(name)
        return float(name)


@dataclass(frozen=True)
class ParsedText:
    """Result of reading event text: the JSON value, the event (if it is an object), or why not.

    ``duplicates`` lists (object, key) for each key written more than once in an object of
    ``value`` (the object is the very dict inside ``value``); ``constants`` the NaN/Infinity
    names the text uses. Neither shows in ``value`` itself.
    """

    text: str
    value: Any = None
    event: AttributionEvent | None = None
    problem: JsonProblem | None = None
    duplicates: tuple[tuple[dict[str, Any], str], ...] = ()
    constants: frozenset[str] = frozenset()


def parse_event_text(text: str) -> ParsedText:
    """Parse raw event text; never raises. A JSON object becomes an event that keeps ``text``."""
    if not text.strip():
        return ParsedText(
            text, problem=JsonProblem("The event text is empty; write a JSON object.")
        )
    scan = _TextScan()
    try:
        try:
            value = json.loads(text, object_pairs_hook=scan.pairs, parse_constant=scan.constant)
        except RecursionError:
            # The hooks add a frame: text nested right up to the limit reads only without them.
            scan = _TextScan()
            value = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedText(
            text,
            problem=JsonProblem(f"The event is not valid JSON: {exc.msg}", exc.lineno, exc.colno),
        )
    except RecursionError:
        return ParsedText(text, problem=JsonProblem("The event JSON is nested too deeply to read."))
    except ValueError:  # an integer of over 4,300 digits (Python's conversion limit)
        return ParsedText(
            text,
            problem=JsonProblem(
                "The event has a number too long to read (over 4,300 digits); "
                "no field takes one that long."
            ),
        )
    if isinstance(value, list):
        return ParsedText(
            text,
            value=value,
            problem=JsonProblem(
                "The event is a JSON array; the Attribution API takes ONE event object per "
                "request. Send each element separately (or use batch)."
            ),
        )
    if not isinstance(value, dict):
        kind = json_kind(value)
        return ParsedText(
            text,
            value=value,
            problem=JsonProblem(f"The event is a JSON {kind}; it must be a JSON object {{...}}."),
        )
    event = replace(AttributionEvent.from_dict(value), raw_text=text)
    return ParsedText(
        text,
        value=value,
        event=event,
        duplicates=tuple(scan.duplicates),
        constants=frozenset(scan.constants),
    )
