"""Where a request goes: Amplitude's US or EU hosts, the local sandbox, or a custom URL.

Region is always ``us`` (standard) or ``eu`` (residency). The target decides the host:
Amplitude's real hosts, the sandbox (``BASE/us/...`` or ``BASE/eu/...``) or a full custom
``/attribution`` URL. Plain ``http`` is allowed only on loopback, because the API key
travels in the request.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit


class Region(str, enum.Enum):
    US = "us"
    EU = "eu"

    @property
    def label(self) -> str:
        return "US (standard)" if self is Region.US else "EU (residency)"


class Target(str, enum.Enum):
    AMPLITUDE = "amplitude"
    SANDBOX = "sandbox"
    CUSTOM = "custom"


class Api(str, enum.Enum):
    """The endpoint paths of the API family this tool talks to."""

    ATTRIBUTION = "/attribution"
    HTTP_V2 = "/2/httpapi"


AMPLITUDE_BASE = {
    Region.US: "https://api2.amplitude.com",
    Region.EU: "https://api.eu.amplitude.com",
}
# Every Amplitude API host and its region: each region's base host, plus the US host one
# docs example uses (believed to behave as api2).
AMPLITUDE_HOSTS = {
    **{str(urlsplit(base).hostname): region for region, base in AMPLITUDE_BASE.items()},
    "api.amplitude.com": Region.US,
}
DEFAULT_SANDBOX_URL = "http://127.0.0.1:8787"
SANDBOX_ENV_VAR = "ATTRIBUTION_SANDBOX_URL"


class DestinationError(ValueError):
    """A URL the tool refuses to send to; the message says why and what to do."""


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (the only hosts where plain http is allowed)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        import ipaddress  # on first use: not needed to start

        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # ::ffff:127.0.0.1 is how a dual-stack socket reports an IPv4 loopback client.
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def check_url(url: str, what: str = "URL") -> str:
    """Return ``url`` stripped if it is an absolute http(s) URL the key may be sent to."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinationError(
            f"The {what} must be a full http:// or https:// address, "
            f"e.g. https://example.com/attribution."
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise DestinationError(
            f"The {what} uses plain http:// to {parts.hostname}; the API key would travel "
            "unencrypted. Use https://, or a loopback host (localhost, 127.0.0.1, ::1)."
        )
    if parts.fragment or url.endswith("#"):
        raise DestinationError(
            f"The {what} has a #fragment; everything after # is never sent. Remove it."
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise DestinationError(f"The {what} has an invalid port: {exc}.") from None
    if problem := _unencoded(url, parts):
        raise DestinationError(f"The {what} {problem}")
    # The client sends the scheme and host in lower case: show them as they go out.
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = f"{userinfo}{at}{hostport.lower()}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, ""))


_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _unencoded(url: str, parts: SplitResult) -> str | None:
    """Why ``url`` would not be sent as written, or None.

    The HTTP client (requests, urllib3) rewrites some URLs on the way out: it percent-encodes
    a space, a non-ASCII character, a lone %, and characters such as { } | ^ ` " < > \\ [ ]
    after the host; it decodes %41 back to A, writes %2b as %2B, drops ./ and ../ segments
    and a trailing "?". The preview would then show other bytes than the ones sent, so the
    user writes the URL in the form it is sent in.
    """
    for position, char in enumerate(url):
        where = f"at character {position + 1}"
        if char.isspace() or not char.isascii() or not char.isprintable():
            code = f"U+{ord(char):04X}"
            return (
                f"has {'a space' if char == ' ' else repr(char) + f' ({code})'} {where}; "
                "write the address as it is sent: percent-encoded (a space as %20), and a "
                "non-ASCII host name in its xn-- form."
            )
        if char != "%":
            continue
        escape = url[position : position + 3]
        if not _PERCENT_ESCAPE.fullmatch(escape):
            return f"has a % {where} that is not a %XX escape; write it as %25."
        decoded = chr(int(escape[1:], 16))
        if decoded.isalnum() and decoded.isascii() or decoded in "-._~":
            return f"has {escape} {where}, which is sent as {decoded}; write {decoded}."
        if escape != escape.upper():
            return f"has {escape} {where}, which is sent as {escape.upper()}; write that."
    rest_start = len(f"{parts.scheme}://{parts.netloc}")  # brackets only for an IPv6 host
    for position, char in enumerate(url[rest_start:], start=rest_start):
        if char in _ENCODED_ON_THE_WAY:
            return (
                f"has {char!r} at character {position + 1}, which is sent percent-encoded "
                f"(%{ord(char):02X}); write that."
            )
    if any(part in (".", "..") for part in parts.path.split("/")):
        return (
            "has a ./ or ../ segment, which is resolved before it is sent; "
            "write the path without it."
        )
    if url.endswith("?"):
        return "ends in a ? with nothing after it, which is dropped when sent; remove it."
    return None


_ENCODED_ON_THE_WAY = frozenset('{}|^`"<>\\[]')


def sandbox_base_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(SANDBOX_ENV_VAR) or DEFAULT_SANDBOX_URL


@dataclass(frozen=True)
class Destination:
    """A region plus a target; ``url`` is the sandbox base URL or the custom full URL."""

    region: Region = Region.US
    target: Target = Target.AMPLITUDE
    url: str | None = None

    def __post_init__(self) -> None:
        if self.target is not Target.AMPLITUDE:
            if not self.url:
                raise DestinationError(f"The {self.target.value} target needs a URL.")
            what = "sandbox URL" if self.target is Target.SANDBOX else "custom URL"
            object.__setattr__(self, "url", check_url(self.url, what))

    def endpoint(self, api: Api = Api.ATTRIBUTION) -> str:
        """The full URL of ``api`` for this destination."""
        if self.target is Target.AMPLITUDE:
            return AMPLITUDE_BASE[self.region] + api.value
        assert self.url is not None
        if self.target is Target.SANDBOX:
            return self.url.rstrip("/") + "/" + self.region.value + api.value
        return _custom_endpoint(self.url, api)

    @property
    def host(self) -> str:
        return str(urlsplit(self.endpoint()).hostname or "")


def _custom_endpoint(url: str, api: Api) -> str:
    """A custom URL names the /attribution endpoint; other APIs sit beside it."""
    if api is Api.ATTRIBUTION:
        return url
    parts = urlsplit(url)
    path = parts.path
    if path.endswith(Api.ATTRIBUTION.value):
        path = path[: -len(Api.ATTRIBUTION.value)]
    return str(urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") + api.value, "", "")))


# --- which hosts may receive the key without asking -----------------------------------------

AMPLITUDE_DOMAIN = "amplitude.com"
# Hosts a typo is measured against: the API hosts and the bare domain.
_KNOWN_HOSTS = (*AMPLITUDE_HOSTS, AMPLITUDE_DOMAIN)
TYPO_DISTANCE = 2


@dataclass(frozen=True)
class HostWarning:
    """Why sending the key to ``host`` needs the user's confirmation first."""

    host: str
    message: str
    looks_like_typo: bool


def is_amplitude_host(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == AMPLITUDE_DOMAIN or host.endswith("." + AMPLITUDE_DOMAIN)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _looks_like_amplitude(host: str) -> bool:
    labels = host.split(".")
    # The host itself, and its last two labels (the registrable part, roughly).
    candidates = {host, ".".join(labels[-2:])}
    return any(
        edit_distance(candidate, known) <= TYPO_DISTANCE
        for candidate in candidates
        for known in _KNOWN_HOSTS
    )


def host_check(url: str) -> HostWarning | None:
    """None when the key may go to ``url``'s host unasked (Amplitude or loopback).

    Otherwise a HostWarning whose message asks for confirmation; ``looks_like_typo`` when
    the host is within a couple of keystrokes of an Amplitude host.
    """
    host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    if not host or is_loopback_host(host) or is_amplitude_host(host):
        return None
    typo = _looks_like_amplitude(host)
    message = f"Send your API key to {host}? It is not an Amplitude host."
    if typo:
        message += " It looks like a misspelling of an Amplitude host; check the custom URL."
    return HostWarning(host, message, typo)
