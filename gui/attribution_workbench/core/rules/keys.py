"""Keys the Attribution API does not read: did-you-mean for slips, notes for the rest."""

from __future__ import annotations

import re

from attribution_workbench.core.event import EVENT_TYPE, KNOWN_FIELDS, PLATFORM
from attribution_workbench.core.rules.base import Checker, Level

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

CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
SEPARATORS_RE = re.compile(r"[\s\-.]+")


class KeyChecks(Checker):
    """Rules for keys the Attribution API does not read."""

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
