"""Send a PreparedRequest and turn whatever happens into an Outcome or a SendError.

What goes on the wire is exactly the PreparedRequest: its method, URL, headers (plus the
Host header HTTP requires) and body bytes. Nothing else is added, so the preview is true:
no session default headers, no cookies, no netrc credentials, no redirects followed (a
redirect could carry the key to another host; a 3xx comes back as an Outcome).

One ``requests.Session`` owns the connection pool (keep-alive). A send calls the session's
transport adapter directly instead of ``Session.send``: the adapter is the part of requests
that is safe to share between threads (urllib3's pool manager locks pool creation and each
pool hands connections out through a thread-safe queue), while ``Session.send`` mutates
the shared cookie jar and would read a whole 3xx body while it resolves the redirect.

Cancellation is real: a cancellable send registers a duplicate descriptor of its socket with
the CancelToken, and ``cancel()`` shuts that socket down from the cancelling thread; the
blocked connect, handshake or read returns at once and the send raises
``SendError(CANCELLED)``. The plumbing (pool and connection subclasses) is in ``_transport``.
"""

from __future__ import annotations

import codecs
import json
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.util import SKIP_HEADER

from attribution_workbench.core import _transport
from attribution_workbench.core._transport import CancelToken
from attribution_workbench.core.answers import header_value
from attribution_workbench.core.network import (
    NetworkConfig,
    ProxyMode,
    ca_bundle_from_environment,
    make_trust,
    proxies_for,
)
from attribution_workbench.core.send_errors import (
    HANDLED,
    SendError,
    SendErrorKind,
    map_exception,
)
from attribution_workbench.core.wire import PreparedRequest

__all__ = ["CancelToken", "Client", "Outcome", "SendError", "SendErrorKind", "decode_text"]

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    """The server's answer, verbatim: whatever the status, whatever the body."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool
    text: str
    charset: str
    elapsed_ms: float
    bytes_sent: int
    url: str
    # The charset the body is not valid in (the declared one, else UTF-8) when it is shown
    # decoded as ``charset`` instead; "" when it decoded as labelled.
    charset_failed: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        """The header's value (repeated headers joined with ", "), case-insensitively."""
        return header_value(self.headers, name)

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";", 1)[0].strip().lower()

    @property
    def is_json(self) -> bool:
        media = self.content_type
        return media == "application/json" or media.endswith("+json")

    def json(self) -> Any | None:
        """The body as JSON if it is labelled or looks like JSON and parses; else None."""
        if not (self.is_json or self.text.lstrip()[:1] in ("{", "[")):
            return None
        try:
            return json.loads(self.text)
        except (ValueError, RecursionError):
            return None

    @property
    def redirect_location(self) -> str | None:
        return self.header("Location") if 300 <= self.status < 400 else None


class Client:
    """Sends PreparedRequests over one shared keep-alive session. Safe to share between a
    few worker threads; ``close()`` (or leaving the ``with`` block) drops the connections."""

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_body_bytes: int = 1_000_000,
        network: NetworkConfig | None = None,
        proxy_password: str | None = None,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_body_bytes = max_body_bytes
        self.network = network or NetworkConfig()
        self._proxy_password = proxy_password  # the manual proxy's, from the keyring
        self.trust = make_trust(self.network)
        self._session = requests.Session()
        # Only request.headers are sent; the session's defaults (python-requests UA, gzip,
        # keep-alive) would make the preview lie.
        self._session.headers.clear()
        # trust_env would add ~/.netrc credentials and environment proxies for every host;
        # proxies are chosen per send below instead (core.network: never for loopback).
        self._session.trust_env = False
        self._adapter = _transport.CancellableAdapter(
            pool_maxsize=16, ssl_context=self.trust.context
        )
        self._session.mount("http://", self._adapter)
        self._session.mount("https://", self._adapter)

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def send(
        self,
        request: PreparedRequest,
        *,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> Outcome:
        """Send ``request`` once; raises SendError when no complete answer arrives.

        ``timeout`` (default: ``read_timeout``) is the longest the server may stay silent
        while the answer is awaited or read, as in requests; the body cap bounds the rest.
        """
        read_timeout = self.read_timeout if timeout is None else timeout
        start = time.perf_counter()
        error: SendError | None = None
        # The exception is mapped inside ``except`` but raised outside it, so the SendError
        # carries no __context__ that could print a key-bearing URL in a traceback.
        try:
            if cancel is not None and cancel.cancelled:
                raise _Cancelled
            with _transport.cancel_scope(cancel):
                return self._exchange(request, read_timeout, start)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a SendError below
            elapsed = (time.perf_counter() - start) * 1000
            if cancel is not None and cancel.cancelled:
                # Whatever the shut-down socket raised, the user's cancel is the cause.
                error = SendError(SendErrorKind.CANCELLED, "The send was cancelled.", elapsed)
            elif isinstance(exc, HANDLED):
                error = map_exception(exc, request, read_timeout, self.connect_timeout, elapsed)
            else:
                raise
        raise error

    def _exchange(self, request: PreparedRequest, read_timeout: float, start: float) -> Outcome:
        wire = requests.PreparedRequest()
        # prepare_url validates (MissingSchema/InvalidURL) and leaves wire.py's already
        # percent-encoded URL byte-identical.
        wire.prepare_url(request.url, None)
        wire.method = request.method
        wire.headers = _wire_headers(request)
        wire.body = request.body
        response = self._adapter.send(
            wire,
            stream=True,
            timeout=(self.connect_timeout, read_timeout),
            verify=ca_bundle_from_environment() or True,
            proxies=proxies_for(
                self.network,
                request.url,
                self._proxy_password,
                _environ_proxies(request.url, self.network),
            ),
        )
        try:
            body, truncated = _read_capped(response, self.max_body_bytes)
        except BaseException:
            response.close()
            raise
        if truncated:
            # Closing (not draining) drops the connection, so a 50 MB answer is not downloaded.
            response.close()
        elapsed = (time.perf_counter() - start) * 1000
        headers = tuple((str(k), str(v)) for k, v in response.raw.headers.items())
        content_type = header_value(headers, "Content-Type") or ""
        text, charset, failed = decode_text(body, content_type, truncated)
        return Outcome(
            status=response.status_code,
            reason=response.reason or "",
            headers=headers,
            body=body,
            truncated=truncated,
            text=text,
            charset=charset,
            elapsed_ms=elapsed,
            bytes_sent=len(request.body),
            url=request.display_url(),
            charset_failed=failed,
        )


class _Cancelled(Exception):
    """Raised before anything is sent when the token is already cancelled."""


def _wire_headers(request: PreparedRequest) -> CaseInsensitiveDict[str]:
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(request.headers)
    # urllib3/http.client would add their own User-Agent and Accept-Encoding when absent;
    # SKIP_HEADER tells them not to, so a request without them is sent without them.
    for name in ("User-Agent", "Accept-Encoding"):
        if name not in headers:
            headers[name] = SKIP_HEADER
    if "Content-Length" not in headers:
        # HTTP needs framing; without this requests would switch to chunked encoding.
        headers["Content-Length"] = str(len(request.body))
    return headers


def _environ_proxies(url: str, network: NetworkConfig) -> dict[str, str]:
    if network.proxy_mode is not ProxyMode.SYSTEM:
        return {}
    # Applies NO_PROXY; trust_env is off on the session, so this is the only place the
    # environment's proxies come in.
    return dict(requests.utils.get_environ_proxies(url))


def _read_capped(response: requests.Response, limit: int) -> tuple[bytes, bool]:
    """Read the body in chunks, stopping after ``limit`` bytes (one extra byte tells us
    there was more)."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        data = response.raw.read(min(_CHUNK, limit + 1 - total), decode_content=False)
        if not data:
            break
        chunks.append(data)
        total += len(data)
    body = b"".join(chunks)
    return body[:limit], total > limit


def decode_text(
    body: bytes, content_type: str, truncated: bool = False
) -> tuple[str, str, str]:
    """(text, charset used, charset that failed): the declared charset, else UTF-8, else
    latin-1. Never raises.

    The third item names the first charset that could not decode the body ("" when the
    body decoded as labelled); a declared charset Python does not know is no failure, the
    body is then read as UTF-8. A truncated body may end inside a multi-byte character;
    that tail is left out rather than making the whole body fall back to latin-1.
    """
    declared = ""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            declared = value.strip().strip("\"'").lower()
    failed = ""
    for charset in dict.fromkeys(c for c in (declared, "utf-8") if c):
        try:
            info = codecs.lookup(charset)
        except (LookupError, TypeError, ValueError):
            continue
        # Refuse bytes-to-bytes "codecs" such as base64 or zlib named as a charset.
        if not getattr(info, "_is_text_encoding", True):
            continue
        try:
            return info.incrementaldecoder().decode(body, final=not truncated), charset, failed
        except (UnicodeError, TypeError, ValueError):
            failed = failed or charset
    return body.decode("latin-1"), "latin-1", failed
