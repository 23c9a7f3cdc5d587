"""SendError: what went wrong with a send, as a kind and one plain sentence for a user.

``map_exception`` turns what requests, urllib3, http.client, ssl and the socket layer raise
into a SendError. They nest their exceptions (requests wraps urllib3's MaxRetryError, whose
``reason`` wraps NewConnectionError, whose ``__cause__`` is the OSError), so the whole
chain is inspected, most specific kind first.

No text here may contain the API key: requests' messages include the URL, which carries the
key in the query transport, so everything taken from an exception is scrubbed.
"""

from __future__ import annotations

import enum
import errno
import http.client
import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
import urllib3.exceptions as u3

from attribution_workbench.core.network import tls_advice
from attribution_workbench.core.regions import is_loopback_host
from attribution_workbench.core.wire import PreparedRequest, redact_key

# A reset while uploading a body this large most likely means the server refused its size
# (the HTTP API V2 documents a 1 MB limit and closes such uploads early).
_LARGE_UPLOAD = 1_000_000

# What a send can raise that is a network or protocol failure rather than a bug.
HANDLED: tuple[type[BaseException], ...] = (
    requests.RequestException,
    u3.HTTPError,
    http.client.HTTPException,
    OSError,
    ValueError,
)


class SendErrorKind(str, enum.Enum):
    TIMEOUT = "timeout"
    CONNECT_TIMEOUT = "connect_timeout"
    REFUSED = "refused"
    DNS = "dns"
    TLS = "tls"
    RESET = "reset"
    PROXY = "proxy"
    TOO_LARGE = "too_large"
    INVALID_URL = "invalid_url"
    CANCELLED = "cancelled"
    PROTOCOL = "protocol"
    OTHER = "other"


class SendError(Exception):
    """The request got no complete HTTP answer. ``message`` is one plain sentence for a user.

    Neither ``message`` nor ``detail`` ever contains the API key: requests' own exception
    texts include the URL, which carries the key in the query transport, so they are scrubbed,
    and the original exception is not chained (a logged traceback would print it).
    """

    def __init__(
        self, kind: SendErrorKind, message: str, elapsed_ms: float = 0.0, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.elapsed_ms = elapsed_ms
        self.detail = detail  # scrubbed technical text (exception types and texts), may be ""

    def __str__(self) -> str:
        return self.message


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (requests and urllib3 nest them in args,
    ``reason`` and ``__cause__``)."""
    seen: set[int] = set()
    queue: list[BaseException] = [exc]
    while queue and len(seen) < 32:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        # __context__ only where Python itself would print it ("During handling of ...").
        context = None if current.__suppress_context__ else current.__context__
        inner = [getattr(current, "reason", None), current.__cause__, context]
        inner += list(current.args)
        queue += [item for item in inner if isinstance(item, BaseException)]


def _where(request: PreparedRequest) -> tuple[str, str]:
    """(host, "host:port") for messages; never raises, even for a malformed URL."""
    try:
        parts = urlsplit(request.url)
        host = parts.hostname or "?"
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "?", "?"
    shown = f"[{host}]" if ":" in host else host
    return host, f"{shown}:{port}"


def _tls_reason(chain: list[BaseException]) -> tuple[bool, str]:
    """(is a certificate verification failure, reason in words)."""
    for item in chain:
        if isinstance(item, ssl.SSLCertVerificationError):
            return True, str(item.verify_message or item.reason or "unknown reason")
    for item in chain:
        if isinstance(item, ssl.SSLError):
            return False, str(item.reason or item.strerror or item).lower().replace("_", " ")
    return False, "the handshake failed"


def map_exception(
    exc: BaseException,
    request: PreparedRequest,
    read_timeout: float,
    connect_timeout: float,
    elapsed: float,
) -> SendError:
    chain = list(_chain(exc))
    host, where = _where(request)
    # Exception types outermost first, then the innermost text: enough for a bug report.
    detail = " <- ".join(type(e).__name__ for e in chain) + f": {chain[-1]}"
    detail = redact_key(detail, request.api_key)

    def has(*types: type[BaseException]) -> bool:
        return any(isinstance(item, types) for item in chain)

    def fail(kind: SendErrorKind, message: str) -> SendError:
        return SendError(kind, redact_key(message, request.api_key), elapsed, detail)

    K = SendErrorKind
    if has(
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
        u3.LocationValueError,
    ):
        # Without the query: with a hand-built request the key spans may not fit the URL.
        try:
            shown = urlsplit(request.display_url())._replace(query="", fragment="").geturl()
        except ValueError:
            shown = "given"
        return fail(K.INVALID_URL, f"The address {shown} is not a valid http:// or https:// URL.")
    if has(requests.exceptions.ProxyError, u3.ProxyError):
        return fail(
            K.PROXY,
            # True for both front ends: the CLI reads only the environment's proxy.
            f"The proxy (HTTPS_PROXY / HTTP_PROXY in the environment, or the app's "
            f"Settings > Network) failed or refused the connection to {where}.",
        )
    if has(requests.exceptions.SSLError, u3.SSLError, ssl.SSLError, ssl.CertificateError):
        verify, reason = _tls_reason(chain)
        reason = reason.rstrip(".")
        if verify:
            return fail(
                K.TLS,
                f"The TLS certificate of {host} could not be verified: {reason}. "
                + tls_advice(reason),
            )
        return fail(K.TLS, f"The TLS connection to {where} failed: {reason}.")
    # urllib3 makes NewConnectionError a subclass of ConnectTimeoutError (history); a
    # refused or unresolvable connect is not a timeout.
    if has(requests.exceptions.ConnectTimeout) or any(
        isinstance(e, u3.ConnectTimeoutError) and not isinstance(e, u3.NewConnectionError)
        for e in chain
    ):
        return fail(
            K.CONNECT_TIMEOUT,
            f"Could not connect to {where} within {connect_timeout:g} s (connect timeout).",
        )
    if has(requests.exceptions.ReadTimeout, u3.ReadTimeoutError, TimeoutError):
        return fail(
            K.TIMEOUT, f"The server did not answer within {read_timeout:g} s (read timeout)."
        )
    if has(u3.NameResolutionError, socket.gaierror):
        return fail(
            K.DNS,
            f"The host name {host} could not be resolved (DNS lookup failed); "
            "check the address and the network connection.",
        )
    if has(ConnectionRefusedError) or _errno_in(chain, errno.ECONNREFUSED):
        hint = (
            " — is the sandbox running?"
            if is_loopback_host(host)
            else "; nothing is listening there."
        )
        return fail(K.REFUSED, f"Connection refused by {where}{hint}")
    if has(http.client.LineTooLong):
        return fail(
            K.TOO_LARGE,
            f"The answer from {where} has a header line or header "
            "block larger than the client accepts.",
        )
    reset_types = (
        ConnectionResetError,
        BrokenPipeError,
        ConnectionAbortedError,
        http.client.IncompleteRead,
        requests.exceptions.ChunkedEncodingError,
    )
    if has(*reset_types) or any(_is_broken(e) for e in chain):
        if len(request.body) >= _LARGE_UPLOAD and has(BrokenPipeError, ConnectionResetError):
            size = len(request.body) / 1_000_000
            return fail(
                K.TOO_LARGE,
                f"{where} closed the connection while the {size:.1f} MB "
                "request was being sent; it is probably too large.",
            )
        return fail(
            K.RESET,
            f"The connection to {where} was reset or closed before the answer was complete.",
        )
    if has(http.client.HTTPException, requests.exceptions.InvalidHeader, u3.ProtocolError):
        return fail(K.PROTOCOL, f"The answer from {where} is not valid HTTP.")
    if _errno_in(chain, errno.ENETUNREACH, errno.EHOSTUNREACH):
        return fail(K.OTHER, f"{where} cannot be reached from this machine (no route).")
    innermost = chain[-1]
    text = getattr(innermost, "strerror", None) or str(innermost) or type(innermost).__name__
    return fail(K.OTHER, f"The request to {where} failed: {str(text).rstrip('.')}.")


def _errno_in(chain: list[BaseException], *codes: int) -> bool:
    return any(isinstance(e, OSError) and e.errno in codes for e in chain)


def _is_broken(exc: BaseException) -> bool:
    # urllib3 words a connection lost mid-request "Connection aborted." and one lost
    # mid-body "Connection broken: ..."; a RemoteDisconnected (closed without any answer)
    # is a ConnectionResetError and already counted.
    return (
        isinstance(exc, u3.ProtocolError)
        and str(exc).startswith(("Connection aborted", "Connection broken"))
        and not any(
            isinstance(a, http.client.HTTPException)
            and not isinstance(a, (http.client.IncompleteRead, http.client.RemoteDisconnected))
            for a in exc.args
        )
    )
