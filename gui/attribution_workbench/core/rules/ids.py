"""Rules for ``platform`` and the advertising IDs: presence, shape, case, junk and zero IDs.

The docs' Android example carries the iOS example IDFA (upper case) as ``adid``; that is why
the docs' example IDs get one info of their own instead of the case warning.
"""

from __future__ import annotations

import re

from attribution_workbench.core.event import (
    AD_ID_FIELDS,
    ANDROID_AD_ID_FIELDS,
    ANDROID_ID_FIELDS,
    IOS_ID_FIELDS,
    PLATFORM,
    PLATFORMS,
    REQUIRED_ID_FIELDS,
    V2_INVALID_IDS,
    json_kind,
)
from attribution_workbench.core.rules.base import Checker, Level, _a, _present, _show

# --- reference data (API-FACTS.md) --------------------------------------------------------

SHARED_ANDROID_ID = "9774d56d682e549c"  # one value shared by many devices (an Android 2.2 bug)
# HTTP API V2's invalid IDs plus the legacy Android SDK's, in lower case. All-zero IDs (the
# zero UUID and "0" among them) and empty IDs have messages of their own.
JUNK_IDS = V2_INVALID_IDS | {SHARED_ANDROID_ID, "android", "deface"}
# IDs printed in documentation (Amplitude's, Google's): fine for trying, never a real device.
EXAMPLE_IDS = frozenset(
    {"aebe52e7-03ee-455a-b3c4-e57283966239", "38400000-8cf0-11bd-b23e-10b96e40000d"}
)
EXAMPLE_IDFA = "AEBE52E7-03EE-455A-B3C4-E57283966239"

PLATFORM_OF_ID = {name: "ios" for name in IOS_ID_FIELDS}
PLATFORM_OF_ID.update({name: "android" for name in ANDROID_ID_FIELDS})

UUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
HEX32_RE = re.compile(r"[0-9A-Fa-f]{32}")
ANDROID_ID_RE = re.compile(r"[0-9A-Fa-f]{14,16}")  # 64-bit hex; leading zeros are sometimes cut


class IdChecks(Checker):
    """Rules for ``platform`` and the advertising ID fields."""

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
        required = REQUIRED_ID_FIELDS.get(platform or "", ())
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
        elif name in IOS_ID_FIELDS and ident != ident.upper():
            self.add(
                name,
                Level.WARNING,
                "It is in lower case, but matching is case-sensitive and iOS reports "
                f"{name.upper()} in upper case ({ident.upper()}). Make sure the app's own events "
                "carry the very same string.",
            )
        elif name in ANDROID_AD_ID_FIELDS and ident != lower:
            self.add(
                name,
                Level.WARNING,
                "It is in upper case, but matching is case-sensitive and Android reports this ID "
                f"in lower case ({lower}). Make sure the app's own events carry the very same "
                "string.",
            )


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
