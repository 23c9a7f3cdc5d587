"""Validation of an attribution event: a list of findings, each tied to one field.

Errors are what the Attribution API rejects (or what makes the event useless), so they block
sending. Warnings are events the API accepts but that will most likely never match a user
(junk or mis-cased IDs, seconds instead of milliseconds, ...). Infos are conventions. Every
message starts with the field's name ("idfa: ...") and says what to do.

The docs' own two examples must stay free of errors and warnings. Their Android example
carries the iOS example IDFA (upper case) as ``adid``; that is why the docs' example IDs get
one info of their own instead of the case warning.

Rules run on every keystroke, so they do plain dict and string work; every regex is compiled
once, at import.
"""

from __future__ import annotations

import enum
import json
import re
import time as _time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from attribution_workbench.core.event import (
    AD_ID_FIELDS,
    EVENT_TYPE,
    KNOWN_FIELDS,
    PLATFORM,
    PLATFORMS,
    AttributionEvent,
    json_kind,
    parse_event_text,
)


class Level(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    field: str  # a top-level event key, or "event" for the text as a whole
    level: Level
    message: str
    property_key: str | None = None  # set for findings about one user_properties key


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.level is Level.ERROR for finding in findings)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.level is Level.ERROR]


# --- reference data (API-FACTS.md) --------------------------------------------------------

# The legacy Android SDK's invalid device IDs plus HTTP API V2's invalid IDs, in lower case.
# All-zero IDs (the zero UUID among them) and empty IDs have messages of their own.
JUNK_IDS = frozenset(
    "9774d56d682e549c unknown android deface anonymous nil none null n/a na undefined {} "
    "lmy47d -1".split()
)
SHARED_ANDROID_ID = "9774d56d682e549c"  # one value shared by many devices (an Android 2.2 bug)
# IDs printed in documentation (Amplitude's, Google's): fine for trying, never a real device.
EXAMPLE_IDS = frozenset(
    {"aebe52e7-03ee-455a-b3c4-e57283966239", "38400000-8cf0-11bd-b23e-10b96e40000d"}
)
EXAMPLE_IDFA = "AEBE52E7-03EE-455A-B3C4-E57283966239"
EXAMPLE_TIME = 1396381378123

IOS_IDS = frozenset({"idfa", "idfv"})
ANDROID_AD_IDS = frozenset({"adid", "android_app_set_id"})
REQUIRED_IDS = {"ios": ("idfa", "idfv"), "android": ("adid", "android_app_set_id")}
PLATFORM_OF_ID = {name: "ios" for name in IOS_IDS}
PLATFORM_OF_ID.update({name: "android" for name in AD_ID_FIELDS if name not in IOS_IDS})

# Fields of an HTTP API V2 event: not documented for /attribution, but not typos either.
V2_EVENT_KEYS = frozenset(
    "user_id device_id event_properties groups group_properties app_version os_name "
    "os_version device_brand device_manufacturer device_model carrier country region city dma "
    "language price quantity revenue productId revenueType location_lat location_lng ip "
    "insert_id event_id session_id library plan user_agent".split()
)
# Other names people give a documented key (compared after normalising, see _suggest).
KEY_ALIASES = {
    "event": EVENT_TYPE,
    "event_name": EVENT_TYPE,
    "name": EVENT_TYPE,
    "type": EVENT_TYPE,
    "os": PLATFORM,
    "gaid": "adid",
    "aaid": "adid",
    "ad_id": "adid",
    "advertising_id": "adid",
    "google_ad_id": "adid",
    "app_set_id": "android_app_set_id",
    "appsetid": "android_app_set_id",
    "androidid": "android_id",
    "timestamp": "time",
    "event_time": "time",
    "properties": "user_properties",
    "user_props": "user_properties",
    "userprops": "user_properties",
}
# Identify operations may stand in user_properties; they are not property names.
USER_PROPERTY_OPERATIONS = frozenset(
    "$set $setOnce $add $append $prepend $unset $preInsert $postInsert $remove $clearAll".split()
)

UUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
HEX32_RE = re.compile(r"[0-9A-Fa-f]{32}")
ANDROID_ID_RE = re.compile(r"[0-9A-Fa-f]{14,16}")  # 64-bit hex; leading zeros are sometimes cut
PREFIX_RE = re.compile(r"\[([^\[\]]+)\]")
CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
SEPARATORS_RE = re.compile(r"[\s\-.]+")

PLACEHOLDER_COMPANY = "your company"
SECONDS_BELOW = 10**11  # as ms that is before 1973; as seconds it is after the year 5000
MICROSECONDS_FROM = 10**14  # as ms that is after the year 5000
FUTURE_SLACK_MS = 5 * 60 * 1000
OLD_BEFORE_MS = 365 * 24 * 3600 * 1000
_TYPOGRAPHIC_QUOTES = "\u201c\u201d\u2018\u2019"


def _show(value: Any, limit: int = 60) -> str:
    """A value as JSON for a message, shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(field: str) -> str:
    """How a message names a field: documented keys bare, other keys quoted (spaces show)."""
    return field if field in KNOWN_FIELDS or field == "event" else _show(field)


def _date(ms: int) -> str:
    try:
        moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return "out of range"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _present(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeio" else "a ") + word


class _Checker:
    """One run of the rules over one event; collects findings in field order."""

    def __init__(self, event: AttributionEvent, raw: dict[str, Any] | None, now_ms: int) -> None:
        self.event = event
        self.raw = raw  # the parsed text, when there is one: it tells "null" from "absent"
        self.now_ms = now_ms
        self.findings: list[Finding] = []
        # Unknown keys, each with the documented key it probably meant (or None).
        self.unknown = [(key, _suggest(key)) for key in event.extra]
        self.near_misses: dict[str, str] = {}
        for key, meant in self.unknown:
            if meant is not None:
                self.near_misses.setdefault(meant, key)

    def add(self, field: str, level: Level, sentence: str, key: str | None = None) -> None:
        self.findings.append(Finding(field, level, f"{_label(field)}: {sentence}", key))

    def absent(self, name: str) -> str:
        """Why ``name`` has no value: written as null, or missing (maybe misspelt)."""
        if self.raw is not None and name in self.raw:
            return "It is null"
        other = self.near_misses.get(name)
        if other is not None:
            return f"It is missing (the event has {_show(other)}: rename that to {name})"
        return "It is missing"

    def run(self) -> list[Finding]:
        self.check_event_type()
        self.check_ids(self.check_platform())
        self.check_time()
        self.check_user_properties()
        self.check_unknown_keys()
        return self.findings

    # -- event_type ------------------------------------------------------------------------

    def check_event_type(self) -> None:
        value = self.event.event_type
        example = 'Name the event, e.g. "[Adjust] Install".'
        if value is None:
            self.add(
                EVENT_TYPE, Level.ERROR, f"{self.absent(EVENT_TYPE)}; it is required. {example}"
            )
            return
        if not isinstance(value, str):
            self.add(
                EVENT_TYPE,
                Level.ERROR,
                f"It is {_a(json_kind(value))} ({_show(value)}) but must be a string. {example}",
            )
            return
        name = value.strip()
        if not name:
            self.add(EVENT_TYPE, Level.ERROR, f"It is empty; it is required. {example}")
            return
        if name != value:
            self.add(
                EVENT_TYPE,
                Level.WARNING,
                "It has spaces at the start or end, which Amplitude keeps, so it becomes a "
                f"different event type. Remove them: {_show(name)}.",
            )
        prefix = PREFIX_RE.match(name)
        if prefix is None:
            self.add(
                EVENT_TYPE,
                Level.INFO,
                "It has no company prefix; by convention attribution events start with the "
                'company\'s name in brackets, e.g. "[Adjust] Install".',
            )
        elif prefix.group(1).strip().lower() == PLACEHOLDER_COMPANY:
            self.add(
                EVENT_TYPE,
                Level.INFO,
                "It still has the docs' placeholder [YOUR COMPANY]; put your company's name "
                'there, e.g. "[Adjust] Install".',
            )

    # -- platform --------------------------------------------------------------------------

    def check_platform(self) -> str | None:
        """Check ``platform``; return the platform the event is meant for, when it is clear."""
        value = self.event.platform
        if value is None:
            hint = ""
            for name in AD_ID_FIELDS:
                if _present(getattr(self.event, name)):
                    hint = f' The event has {_a(name)}, so it is probably "{PLATFORM_OF_ID[name]}".'
                    break
            self.add(
                PLATFORM,
                Level.ERROR,
                f'{self.absent(PLATFORM)}; it is required: "ios" or "android".{hint}',
            )
            return None  # a guess is not enough to judge which IDs are required or misplaced
        if not isinstance(value, str):
            self.add(
                PLATFORM,
                Level.ERROR,
                f'It is {_a(json_kind(value))} ({_show(value)}) but must be the string "ios" or '
                '"android".',
            )
            return None
        if value in PLATFORMS:
            return value
        normal = value.strip().lower()
        if normal in PLATFORMS:
            self.add(
                PLATFORM,
                Level.ERROR,
                f'It is {_show(value)} but must be exactly "{normal}" (lower case, no spaces). '
                f'Use "{normal}".',
            )
            return normal
        meant = None
        if "android" in normal:
            meant = "android"
        elif "ios" in normal or "iphone" in normal or "ipad" in normal:
            meant = "ios"
        hint = f'Use "{meant}".' if meant else "The Attribution API is for iOS and Android apps."
        self.add(
            PLATFORM,
            Level.ERROR,
            f'It is {_show(value)} but must be exactly "ios" or "android". {hint}',
        )
        return meant

    # -- advertising IDs -------------------------------------------------------------------

    def check_ids(self, platform: str | None) -> None:
        event = self.event
        required = REQUIRED_IDS.get(platform or "", ())
        required_met = not required or any(_present(getattr(event, n)) for n in required)
        # An ID of the wrong type has its own error below; one error per field is enough.
        mistyped = any(not isinstance(getattr(event, n), (str, type(None))) for n in required)
        if not required_met and not mistyped and platform is not None:
            self.report_missing_ids(platform, required)
        for name in AD_ID_FIELDS:
            value = getattr(event, name)
            if value is None:
                if self.raw is not None and name in self.raw:
                    self.add(
                        name, Level.WARNING, "It is null; give the device's ID or remove the key."
                    )
                continue
            if not isinstance(value, str):
                self.add(
                    name,
                    Level.ERROR,
                    f"It is {_a(json_kind(value))} ({_show(value)}) but IDs must be strings. "
                    "Write it in quotes.",
                )
                continue
            if platform is not None and PLATFORM_OF_ID[name] != platform:
                self.add(
                    name,
                    Level.WARNING,
                    f"It is an {PLATFORM_OF_ID[name]} ID in an {platform} event; it will be sent, "
                    f"but it is not used for matching on {platform}. Remove it, or fix platform.",
                )
            self.check_id_value(name, value, quiet_if_empty=name in required and not required_met)

    def report_missing_ids(self, platform: str, required: tuple[str, ...]) -> None:
        first, second = required
        notes = []
        for name in required:
            value = getattr(self.event, name)
            if isinstance(value, str):
                notes.append(f"{name} is empty")
            elif name in self.near_misses:
                notes.append(f"the event has {_show(self.near_misses[name])}: rename it to {name}")
        detail = f" ({'; '.join(notes)})" if notes else ""
        also = ""
        if platform == "android" and _present(self.event.android_id):
            also = " android_id alone is not enough."
        self.add(
            first,
            Level.ERROR,
            f"An {platform} event needs {first} or {second}, and neither is set{detail}. Add the "
            f"device's advertising ID; matching uses it.{also}",
        )

    def check_id_value(self, name: str, value: str, *, quiet_if_empty: bool) -> None:
        ident = value.strip()
        if not ident:
            if not quiet_if_empty:  # else the missing-ID error already says so
                self.add(
                    name,
                    Level.WARNING,
                    "It is empty, which Amplitude treats as an invalid ID. Fill in the device's "
                    "ID or remove the key.",
                )
            return
        if ident != value:
            self.add(
                name,
                Level.WARNING,
                "It has spaces at the start or end; matching compares the exact string, so "
                f"remove them: {_show(ident)}.",
            )
        lower = ident.lower()
        if not ident.strip("0-"):
            self.add(
                name,
                Level.WARNING,
                f"{_show(ident)} is the all-zero ID that iOS returns when Limit Ad Tracking is "
                "on or App Tracking Transparency is denied, and on simulators. Amplitude treats "
                "it as invalid and it never matches; use a real device's ID.",
            )
        elif lower in JUNK_IDS:
            why = (
                "a value many Android devices share"
                if lower == SHARED_ANDROID_ID
                else "a placeholder"
            )
            self.add(
                name,
                Level.WARNING,
                f"{_show(ident)} is {why}, which Amplitude treats as an invalid device ID; it "
                "never matches. Use the device's real ID.",
            )
        elif lower in EXAMPLE_IDS:
            self.add(
                name,
                Level.INFO,
                f"{ident} is an example ID from documentation; it matches only app events that "
                "carry the very same ID. Use a real device's ID for a live test.",
            )
        elif name == "android_id":
            if ANDROID_ID_RE.fullmatch(ident) is None:
                self.add(
                    name,
                    Level.INFO,
                    f"{_show(ident)} does not look like an Android ID (usually 16 hex digits, "
                    "from Settings.Secure.ANDROID_ID); check it is the right ID.",
                )
        elif UUID_RE.fullmatch(ident) is None:
            self.add(name, Level.WARNING, _not_uuid_sentence(name, ident))
        elif name in IOS_IDS and ident != ident.upper():
            self.add(
                name,
                Level.WARNING,
                "It is in lower case, but matching is case-sensitive and iOS reports "
                f"{name.upper()} in upper case ({ident.upper()}). Make sure the app's own events "
                "carry the very same string.",
            )
        elif name in ANDROID_AD_IDS and ident != lower:
            self.add(
                name,
                Level.WARNING,
                "It is in upper case, but matching is case-sensitive and Android reports this ID "
                f"in lower case ({lower}). Make sure the app's own events carry the very same "
                "string.",
            )

    # -- time ------------------------------------------------------------------------------

    def check_time(self) -> None:
        value = self.event.time
        ms_hint = f"milliseconds since epoch, e.g. {EXAMPLE_TIME}"
        if value is None:
            if self.raw is not None and "time" in self.raw:
                self.add(
                    "time",
                    Level.WARNING,
                    f"It is null; remove the key (the upload time is used) or give {ms_hint}.",
                )
        elif isinstance(value, str):
            digits = value.strip()
            if digits.isascii() and digits.removeprefix("-").isdigit():
                fix = f"Remove the quotes: {int(digits)}."
            else:
                fix = f"Give {ms_hint}."
            self.add(
                "time",
                Level.ERROR,
                f"It is the string {_show(value)} but must be a JSON integer. {fix}",
            )
        elif isinstance(value, float):
            if value.is_integer():
                fix = f"Write it without the decimal point: {int(value)}."
            elif value == value and abs(value) != float("inf"):
                fix = f"Round it to whole milliseconds: {round(value)}."
            else:
                fix = f"Give {ms_hint}."
            self.add(
                "time",
                Level.ERROR,
                f"It is the decimal number {_show(value)} but must be an integer. {fix}",
            )
        elif isinstance(value, bool) or not isinstance(value, int):
            self.add(
                "time",
                Level.ERROR,
                f"It is {_a(json_kind(value))} ({_show(value)}) but must be an integer: {ms_hint}.",
            )
        else:
            self.check_time_range(value)

    def check_time_range(self, ms: int) -> None:
        if ms < SECONDS_BELOW:
            if ms >= 10**8:  # 1973..5138 as seconds
                self.add(
                    "time",
                    Level.WARNING,
                    f"{ms} looks like seconds (as milliseconds it is {_date(ms)}); time is in "
                    f"milliseconds since epoch. Multiply by 1000: {ms * 1000}.",
                )
            else:
                self.add(
                    "time",
                    Level.WARNING,
                    f"{ms} as milliseconds since epoch is {_date(ms)}; give the event's time in "
                    f"milliseconds, e.g. {EXAMPLE_TIME}, or remove the key.",
                )
        elif ms >= MICROSECONDS_FROM:
            factor, unit = (1000, "microseconds") if ms < 10**17 else (10**6, "nanoseconds")
            self.add(
                "time",
                Level.WARNING,
                f"{ms} looks like {unit}; time is in milliseconds since epoch. Divide by "
                f"{factor}: {ms // factor}.",
            )
        elif ms > self.now_ms + FUTURE_SLACK_MS:
            self.add(
                "time",
                Level.WARNING,
                f"{ms} is in the future ({_date(ms)}). Give the time of the install, or remove "
                "the key to use the upload time.",
            )
        elif ms < self.now_ms - OLD_BEFORE_MS:
            self.add(
                "time",
                Level.INFO,
                f"{ms} is more than a year ago ({_date(ms)}); check it is the time you meant.",
            )

    # -- user_properties -------------------------------------------------------------------

    def check_user_properties(self) -> None:
        props = self.event.user_properties
        field = "user_properties"
        example = '{"[Adjust] network": "facebook"}'
        if props is None:
            if self.raw is not None and field in self.raw:
                self.add(
                    field,
                    Level.WARNING,
                    f"It is null; remove the key or give an object, e.g. {example}.",
                )
            return
        if not isinstance(props, dict):
            if isinstance(props, str) and props.lstrip().startswith("{"):
                sentence = (
                    "It is a string holding JSON; it must be the object itself. Remove the "
                    "quotes around {...}."
                )
            else:
                sentence = (
                    f"It is {_a(json_kind(props))} ({_show(props)}) but must be an object, "
                    f"e.g. {example}."
                )
            self.add(field, Level.ERROR, sentence)
            return
        if not props:
            self.add(
                field,
                Level.INFO,
                "It is empty; attribution data (media source, campaign, ...) normally goes here. "
                "Add it, or remove the key.",
            )
            return
        company = None
        if isinstance(self.event.event_type, str):
            match = PREFIX_RE.match(self.event.event_type.strip())
            if match is not None and match.group(1).strip().lower() != PLACEHOLDER_COMPANY:
                company = match.group(1)
        add = self.add
        for key in props:
            if not isinstance(key, str) or key in USER_PROPERTY_OPERATIONS:
                continue
            name = key.strip()
            match = PREFIX_RE.match(name)
            if match is not None:
                prefix = match.group(1)
                if prefix.strip().lower() == PLACEHOLDER_COMPANY:
                    add(
                        field,
                        Level.INFO,
                        f"The key {_show(key)} still has the docs' placeholder [YOUR COMPANY]; "
                        "put your company's name there.",
                        key,
                    )
                elif company is not None and prefix != company:
                    add(
                        field,
                        Level.INFO,
                        f"The key {_show(key)} has the prefix [{prefix}] but event_type has "
                        f"[{company}]; Amplitude treats differently written prefixes as "
                        "different properties. Use one spelling.",
                        key,
                    )
            elif not name:
                add(field, Level.WARNING, "A key is empty; give the property a name.", key)
            elif name in AD_ID_FIELDS:
                add(
                    field,
                    Level.WARNING,
                    f"The key {_show(key)} is an advertising ID, which matching reads only as a "
                    "top-level field of the event. Move it out of user_properties.",
                    key,
                )
            else:
                add(
                    field,
                    Level.INFO,
                    f"The key {_show(key)} has no company prefix; by convention attribution "
                    f'properties have one, e.g. "[{company or "Adjust"}] {name}".',
                    key,
                )

    # -- unknown keys ----------------------------------------------------------------------

    def check_unknown_keys(self) -> None:
        for key, meant in self.unknown:
            if meant is not None:
                self.add(
                    key,
                    Level.WARNING,
                    f'This is not a key the Attribution API reads; did you mean "{meant}"? '
                    "Rename it.",
                )
            elif key in V2_EVENT_KEYS:
                self.add(
                    key,
                    Level.INFO,
                    "This HTTP API field is not documented for the Attribution API; it will be "
                    "sent, but Amplitude may ignore it.",
                )
            else:
                self.add(
                    key,
                    Level.INFO,
                    "This is not a documented Attribution API key; it will be sent, but "
                    "Amplitude may ignore it. Attribution data belongs in user_properties.",
                )


def _suggest(key: str) -> str | None:
    """The documented key that ``key`` most likely meant, if it looks like a slip."""
    if key in V2_EVENT_KEYS:
        return None
    normal = SEPARATORS_RE.sub("_", CAMEL_RE.sub("_", key.strip())).strip("_").lower()
    if normal in KNOWN_FIELDS:
        return normal
    alias = KEY_ALIASES.get(normal)
    if alias is not None:
        return alias
    import difflib  # only for an unknown field name; not needed to start

    close = difflib.get_close_matches(normal, KNOWN_FIELDS, n=1, cutoff=0.8)
    return close[0] if close else None


def _not_uuid_sentence(name: str, ident: str) -> str:
    bare = ident.removeprefix("{").removesuffix("}")
    if bare != ident and UUID_RE.fullmatch(bare):
        return f"It is wrapped in braces; remove them: {bare}."
    if HEX32_RE.fullmatch(bare):
        return (
            "It is a UUID written without dashes; write it as the device reports it (8-4-4-4-12 "
            f"hex digits, e.g. {EXAMPLE_IDFA}), or it will not match."
        )
    what = (
        "vendor" if name == "idfv" else "app set" if name == "android_app_set_id" else "advertising"
    )
    return (
        f"{_show(ident)} is not a UUID (8-4-4-4-12 hex digits, e.g. {EXAMPLE_IDFA}); check you "
        f"copied the device's {what} ID."
    )


# --- entry points ---------------------------------------------------------------------------


def check_event(event: AttributionEvent, *, now_ms: int | None = None) -> list[Finding]:
    """Findings for one event, in field order. ``now_ms`` defaults to the current time."""
    return _check(event, None, now_ms)


def check_text(text: str, *, now_ms: int | None = None) -> list[Finding]:
    """Parse raw event text and check it; text that is not one JSON object is an ERROR."""
    parsed = parse_event_text(text)
    if parsed.event is None:
        problem = parsed.problem
        message = str(problem) if problem is not None else "The event is not a JSON object."
        if problem is not None and problem.line is not None and problem.column is not None:
            message += "." + _json_hint(text, problem.line, problem.column)
        return [Finding("event", Level.ERROR, "event: " + message)]
    raw = parsed.value if isinstance(parsed.value, dict) else None
    return _text_findings(text) + _check(parsed.event, raw, now_ms)


def _check(
    event: AttributionEvent, raw: dict[str, Any] | None, now_ms: int | None
) -> list[Finding]:
    now = int(_time.time() * 1000) if now_ms is None else now_ms
    return _Checker(event, raw, now).run()


def _json_hint(text: str, line: int, column: int) -> str:
    """A plain hint for the commonest ways pasted JSON goes wrong, from the error position."""
    lines = text.split("\n")
    if line > len(lines):
        return ""
    position = sum(len(part) + 1 for part in lines[: line - 1]) + column - 1
    char = text[position : position + 1]
    before = text[:position].rstrip()[-1:]
    if char in _TYPOGRAPHIC_QUOTES and char:
        return " It has typographic quotes (“ ”); replace them with straight double quotes."
    if char == "'":
        return " JSON needs double quotes around names and strings, not single quotes."
    if before == "," and char in ("}", "]"):
        return " Remove the comma before the closing bracket; JSON allows no trailing comma."
    return ""


class _TextScan:
    """Duplicate keys and NaN/Infinity: things the parsed event no longer shows."""

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


def _text_findings(text: str) -> list[Finding]:
    scan = _TextScan()
    try:
        top = json.loads(text, object_pairs_hook=scan.pairs, parse_constant=scan.constant)
    except RecursionError:  # the hooks add a frame; the first parse got through just so
        return []
    findings = []
    if scan.constants:
        findings.append(
            Finding(
                "event",
                Level.ERROR,
                f"event: It uses {', '.join(sorted(scan.constants))}, which is not valid JSON; "
                "the server cannot read it. Write a number or a string instead.",
            )
        )
    props = top.get("user_properties")
    reported: set[tuple[int, str]] = set()
    for owner, key in scan.duplicates:
        if (id(owner), key) in reported:
            continue
        reported.add((id(owner), key))
        if owner is top:
            findings.append(
                Finding(
                    key,
                    Level.WARNING,
                    f"{_label(key)}: It appears more than once in the event; servers differ on "
                    "which one they read (this tool reads the last). Keep one.",
                )
            )
        elif owner is props:
            findings.append(
                Finding(
                    "user_properties",
                    Level.WARNING,
                    f"user_properties: The key {_show(key)} appears more than once; servers "
                    "differ on which value they read. Keep one.",
                    key,
                )
            )
    return findings
