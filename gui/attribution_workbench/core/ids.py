"""Fresh random device IDs for trying events out.

Matching compares IDs byte for byte, so the case matters: iOS reports IDFA and IDFV as
upper-case UUIDs, Android reports its advertising and app set IDs as lower-case UUIDs, and
``android_id`` (Settings.Secure.ANDROID_ID) is 16 lower-case hex digits, not a UUID.
"""

from __future__ import annotations

from attribution_workbench.core.event import ANDROID_ID_FIELDS, IOS_ID_FIELDS


def new_ad_id(platform: str) -> str:
    """A random UUID written the way ``platform`` ("ios" or "android") reports ad IDs."""
    import uuid  # on first use: uuid (and the platform module it loads) is not needed to start

    text = str(uuid.uuid4())
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
