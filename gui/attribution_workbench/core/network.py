"""How sends reach the network: which proxy (if any) and which certificates are trusted.

Corporate users sit behind proxies and TLS-inspecting gateways. ``NetworkConfig`` says:

- ``proxy_mode``: ``system`` (default) takes the proxy from the environment (HTTPS_PROXY /
  HTTP_PROXY, respecting NO_PROXY); ``none`` never uses a proxy, whatever the environment
  says; ``manual`` uses ``proxy_url``, with ``proxy_user`` and a password that lives in the
  keyring (``core.credentials.PROXY_KEYRING_USER``), never in the settings file.
- Loopback destinations (the sandbox) are never proxied in any mode. ``proxy_loopback`` turns
  that off; it exists for tests and diagnostics only (a test proxy on loopback must be able
  to see a request without anything leaving the machine).
- ``use_os_trust_store``: verify certificates against the operating system's trust store
  (``truststore``), so a company CA installed in the OS just works. Without it (or when
  truststore is missing) requests' bundled certifi list is used. A CA bundle named in
  REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE is honoured in both cases (added to what is trusted).

Pure: nothing here imports requests, keyring or truststore at module level.
"""

from __future__ import annotations

import enum
import logging
import os
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from attribution_workbench.core.regions import is_loopback_host


class ProxyMode(enum.Enum):
    SYSTEM = "system"
    NONE = "none"
    MANUAL = "manual"


@dataclass(frozen=True)
class NetworkConfig:
    proxy_mode: ProxyMode = ProxyMode.SYSTEM
    proxy_url: str = ""
    proxy_user: str = ""
    use_os_trust_store: bool = True
    proxy_loopback: bool = False  # tests and diagnostics only; see the module docstring


def check_proxy_url(url: str) -> str | None:
    """Why ``url`` cannot be a manual proxy address, or None when it can."""
    text = url.strip()
    if not text:
        return "Enter the proxy address, e.g. http://proxy.example.com:3128."
    parts = urlsplit(text if "://" in text else "http://" + text)
    if parts.scheme not in ("http", "https"):
        return f"The proxy scheme {parts.scheme!r} is not supported; use http:// or https://."
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number in range
    except ValueError:
        return "The proxy port is not a number between 0 and 65535."
    if not parts.hostname:
        return "The proxy address has no host name."
    if parts.username or parts.password:
        return "Put the proxy user name and password in their own fields, not in the address."
    return None


def manual_proxy_url(config: NetworkConfig, password: str | None) -> str:
    """The manual proxy URL with credentials (percent-encoded) when a user is set."""
    text = config.proxy_url.strip()
    parts = urlsplit(text if "://" in text else "http://" + text)
    netloc = parts.netloc
    if config.proxy_user:
        auth = quote(config.proxy_user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        netloc = f"{auth}@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def proxies_for(
    config: NetworkConfig,
    url: str,
    password: str | None = None,
    environ_proxies: dict[str, str] | None = None,
) -> dict[str, str]:
    """The ``proxies`` mapping for one send to ``url``.

    ``environ_proxies`` is what the environment says for this URL (requests'
    ``get_environ_proxies``, which applies NO_PROXY); only used in system mode.
    """
    host = urlsplit(url).hostname or ""
    if is_loopback_host(host) and not config.proxy_loopback:
        # A sandbox send must never be captured by a proxy (the proxy could not reach it).
        return {}
    if config.proxy_mode is ProxyMode.NONE:
        return {}
    if config.proxy_mode is ProxyMode.MANUAL:
        if check_proxy_url(config.proxy_url) is not None:
            return {}
        proxy = manual_proxy_url(config, password)
        return {"http": proxy, "https": proxy}
    return dict(environ_proxies or {})


def ca_bundle_from_environment() -> str | None:
    """A CA bundle named in the environment (corporate TLS inspection), as requests honours."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


@dataclass(frozen=True)
class Trust:
    """What the client verifies certificates with: an SSL context (or None for certifi)."""

    context: ssl.SSLContext | None
    description: str
    note: str = ""  # set when the OS trust store was wanted but is not available


def make_trust(config: NetworkConfig) -> Trust:
    """The OS trust store through truststore when asked for and available, else certifi."""
    if not config.use_os_trust_store:
        return Trust(None, "the bundled certificate list (certifi)")
    try:
        import truststore  # lazy: only a send needs it, never the first paint
    except ImportError:
        logging.getLogger(__name__).warning("truststore is missing; using certifi's list")
        return Trust(
            None,
            "the bundled certificate list (certifi)",
            "The OS trust store cannot be used (the 'truststore' package is not installed); "
            "certificates are checked against the bundled list instead.",
        )
    return Trust(truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "the operating system's store")


def tls_advice(reason: str) -> str:
    """A sentence on what a certificate failure means and what to do about it."""
    low = reason.lower()
    if "self-signed" in low or "self signed" in low:
        what = "The server's certificate is self-signed, so it is not trusted."
    elif "unable to get local issuer" in low or "untrusted" in low or "not trusted" in low:
        what = "The certificate was issued by a CA this computer does not trust."
    elif "expired" in low:
        return "The server's certificate has expired."
    elif "hostname" in low or "ip address mismatch" in low:
        return "The certificate was issued for a different host name."
    else:
        what = "The certificate is not trusted."
    return (
        f"{what} If your company inspects TLS traffic, install its CA certificate in the "
        "operating system's trust store (or name a CA bundle in REQUESTS_CA_BUNDLE)."
    )
