"""Fixed facts of the emulated server and the switchable behaviour (API-FACTS [guess] items)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

DEMO_KEYS: dict[str, str] = {
    "us": "5f0e8a4c2b7d4e1f9a3c6b8d0e2f4a61",
    "eu": "e7c1d3b5a9f24680b1c3d5e7f9a2b4c6",
}
ATTRIBUTION_WINDOW_MS = 72 * 3600 * 1000

REGIONS: tuple[str, ...] = ("us", "eu")
ATTRIBUTION = "/attribution"
HTTPAPI = "/2/httpapi"
ENDPOINTS: tuple[str, ...] = (ATTRIBUTION, HTTPAPI)
INSPECTION_PREFIX = "/_sandbox"

# The IDs matching uses (the seed: "the Advertising ID (IDFA/IDFV or ADID)", plus the App
# Set ID that stands in for ADID). android_id is the device's Android ID, not an advertising
# ID: it never matches. Order matters only for display; matching is field-to-same-field.
AD_ID_FIELDS: tuple[str, ...] = ("idfa", "idfv", "adid", "android_app_set_id")
ZERO_UUID = "00000000-0000-0000-0000-000000000000"
# Compared case-insensitively, as the HTTP V2 docs list them.
INVALID_IDS: frozenset[str] = frozenset(
    {"anonymous", "nil", "none", "null", "n/a", "na", "undefined", "unknown", "",
     ZERO_UUID, "{}", "lmy47d", "0", "-1"}
)

# Beyond this the server refuses to read the body at all (protects the sandbox itself);
# the documented 1 MB limit of /2/httpapi is a separate, switchable setting.
MAX_REQUEST_BODY = 20 * 1024 * 1024
MAX_RECORDED_REQUESTS = 20_000
MAX_RECORDED_BYTES = 256 * 1024 * 1024  # oldest records go first beyond either limit

# Every value here is either an undocumented guess or a documented limit a demo may
# want to tighten, so all of it is switchable at run time through /_sandbox/config.
DEFAULT_CONFIG: dict[str, Any] = {
    # /attribution answer texts.
    "success": "success",
    "invalid_api_key": "invalid_api_key",
    "missing_event": "missing_event",
    "not_an_object": "invalid_event",
    "missing_event_type": "invalid_event",
    "invalid_platform": "invalid_event",
    "missing_ios_id": "invalid_event",
    "missing_android_id": "invalid_event",
    "invalid_time": "invalid_event",
    "invalid_user_properties": "invalid_event",
    "attribution_content_type": "text/html; charset=utf-8",
    # Matching.
    "case_sensitive_match": True,
    "match_known_users": True,
    "zero_uuid_matches": False,
    # /2/httpapi.
    "httpapi_max_body_bytes": 1_000_000,
    "httpapi_max_events": 2000,
    "empty_events_checks_key": True,
}


class ConfigError(ValueError):
    """A config update names an unknown key or gives a value of the wrong type."""


def checked_config_update(update: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``update`` if every key is known and every value has the default's type."""
    if not isinstance(update, Mapping):
        raise ConfigError("config must be a JSON object")
    unknown = sorted(k for k in update if k not in DEFAULT_CONFIG)
    if unknown:
        raise ConfigError(
            f"unknown config key(s): {', '.join(map(str, unknown))}; "
            f"known: {', '.join(DEFAULT_CONFIG)}"
        )
    for key, value in update.items():
        default = DEFAULT_CONFIG[key]
        # bool is an int subclass; keep flags and numbers from standing in for each other.
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        else:
            ok = isinstance(value, type(default))
        if not ok:
            raise ConfigError(f"config key {key!r} needs a {type(default).__name__} value")
        if key in HEADER_KEYS and not _HEADER_VALUE.fullmatch(value):
            # Sent as a header value: a CR or LF would let it write headers of its own.
            raise ConfigError(f"config key {key!r} must be printable ASCII on one line")
    return dict(update)


HEADER_KEYS = frozenset({"attribution_content_type"})  # values that go out as headers
_HEADER_VALUE = re.compile(r"[\x20-\x7e]*")


def normalize_keys(keys: Mapping[str, Iterable[str] | str] | None) -> dict[str, frozenset[str]]:
    """Region -> valid keys; a bare string counts as one key, not as its characters."""
    if keys is None:
        keys = DEMO_KEYS
    result: dict[str, frozenset[str]] = {region: frozenset() for region in REGIONS}
    for region, values in keys.items():
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}; use one of {', '.join(REGIONS)}")
        if isinstance(values, str):
            values = [values]
        result[region] = frozenset(str(v) for v in values)
    return result
