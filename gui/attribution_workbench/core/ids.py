"""Fresh random device IDs for trying events out.

Matching compares IDs byte for byte, so the case matters: iOS reports IDFA and IDFV as
upper-case UUIDs, Android reports its advertising and app set IDs as lower-case UUIDs, and
``android_id`` (Settings.Secure.ANDROID_ID) is 16 lower-case hex digits, not a UUID.
"""

from __future__ import annotations

import os

from attribution_workbench.core.event import ANDROID_ID_FIELDS, IOS_ID_FIELDS


def _uuid4() -> str:
    """A random (version 4) UUID in the usual 8-4-4-4-12 lowercase form.

    What ``str(uuid.uuid4())`` gives, without the uuid module: on Linux it imports and runs
    ``platform`` (0.3 MB), and the window's first-run sample event needs an ID at start-up.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # variant: RFC 4122
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def new_ad_id(platform: str) -> str:
    """A random UUID written the way ``platform`` ("ios" or "android") reports ad IDs."""
    text = _uuid4()
    if platform == "ios":
        return text.upper()
    if platform == "android":
        return text
    raise ValueError(f"unknown platform {platform!r}; expected 'ios' or 'android'")


def new_android_id() -> str:
    """A random ANDROID_ID: 64 bits as 16 lower-case hex digits."""
    import secrets  # on first use (it loads hmac, hashlib and OpenSSL's libcrypto)

    return secrets.token_hex(8)


def new_id_for(field: str) -> str:
    """A random value shaped like the ID field ``field`` (idfa, idfv, adid, ...)."""
    if field == "android_id":
        return new_android_id()
    if field in IOS_ID_FIELDS:
        return new_ad_id("ios")
    if field in ANDROID_ID_FIELDS:
        return new_ad_id("android")
    raise ValueError(f"{field!r} is not an advertising ID field")
