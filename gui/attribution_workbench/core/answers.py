"""What an HTTP answer from /attribution means, in one plain sentence: pure, no I/O.

The client shows every answer verbatim; this module adds the "what this means / what to do"
line the response pane and the CLI print next to it. It reads only the answer's status,
headers and body (a structural ``Answer``), so the window can use it before the HTTP client
is imported. Facts behind the wording: shared/API-FACTS.md (500/502/504 may have been
accepted, 503 is safe to retry, 429 asks for a wait, success is the plain text "success").
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterable
from typing import Any, Protocol
from urllib.parse import urlsplit

# Bare-text error bodies of the Attribution API family (API-FACTS.md).
BODY_HINTS = {
    "invalid_api_key": (
        "The key was refused: check that it is this project's key and that it belongs to "
        "the chosen region (a US key does not work in the EU, and the other way round)."
    ),
    "missing_event": "The server found no usable event parameter in the request.",
}

_MAY_HAVE_BEEN_ACCEPTED = (500, 502, 504)
# Retry-After delta-seconds: ASCII digits only (str.isdigit also takes "²" and other digits
# int() refuses); a decimal fraction is read too, as some servers send one.
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class Answer(Protocol):
    """What is read from ``core.client.Outcome``."""

    @property
    def status(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def body(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    @property
    def charset(self) -> str: ...
    @property
    def charset_failed(self) -> str: ...
    @property
    def truncated(self) -> bool: ...
    @property
    def url(self) -> str: ...
    def header(self, name: str) -> str | None: ...


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The header's value (repeated headers joined with ", "), case-insensitively."""
    wanted = name.lower()
    values = [value for key, value in headers if key.lower() == wanted]
    return ", ".join(values) if values else None


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<title>" in head


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from ``now`` (default: the
    clock), at least 0; None when absent or unreadable. Never raises."""
    if value is None:
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        seconds = float(text)
    else:
        # Here, not at the top: email.utils brings socket and calendar (~0.8 MB), and the
        # window imports this module at start-up for the response pane.
        from datetime import timezone
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            seconds = when.timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, IndexError, OverflowError, OSError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def retry_after_words(value: str | None) -> str | None:
    """"wait 30 s" for Retry-After: 30, "wait until <date>" otherwise, None if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return f"wait {text} s"
    return f"wait until {text}"


def redirect_target(location: str, request_url: str) -> tuple[str, bool]:
    """(where the redirect points, without query or fragment; True if it is another host)."""
    try:
        base = urlsplit(request_url)
        parts = urlsplit(location)
    except ValueError:
        return "an unreadable address", True
    shown = parts._replace(query="", fragment="").geturl()
    if not parts.netloc:
        return f"{shown or '/'} on the same host", False
    try:
        other = (parts.hostname or "") != (base.hostname or "") or (
            parts.port != base.port or (parts.scheme or base.scheme) != base.scheme
        )
    except ValueError:  # .port: out of range or not a number, so not this server's
        other = True
    return shown, other


def _status_sentence(answer: Answer) -> str | None:
    code = answer.status
    name = f"HTTP {code}" + (f" {answer.reason}" if answer.reason else "")
    wait = retry_after_words(answer.header("Retry-After"))
    if 300 <= code < 400:
        location = answer.header("Location")
        if not location:
            return f"{name} is a redirect without a Location; it was not followed."
        where, other = redirect_target(location, answer.url)
        host_words = "another host" if other else "the same server"
        return (
            f"{name}: the server pointed the request to {where} ({host_words}); the redirect "
            "was not followed, so the event and the API key were NOT sent there — if that "
            "address is right, enter it as a Custom URL."
        )
    if code == 413:
        return (
            f"{name}: the server refused the request as too large (413); the Attribution API "
            "takes one event per request — shorten long values or user_properties and send again."
        )
    if code == 429:
        if wait:
            return (
                f"{name}: too many requests (429); the server asks you to {wait} "
                "(Retry-After) before sending again."
            )
        return (
            f"{name}: too many requests (429) and no Retry-After header; wait at least 30 s "
            "(Amplitude's documented throttle window) before sending again."
        )
    if code == 503:
        extra = f"; the server asks you to {wait} (Retry-After) first" if wait else ""
        return (
            f"{name}: the service is unavailable and did not take the event — it is safe "
            f"to retry{extra}."
        )
    if code in _MAY_HAVE_BEEN_ACCEPTED or 500 <= code < 600:
        return (
            f"{name}: a server error, but the event may have been accepted anyway — retrying "
            "could record it twice, so check in Amplitude before you send it again."
        )
    return None


def explain(answer: Answer, *, body_hints: bool = True) -> str | None:
    """One sentence on what the answer means and what to do, or None when it speaks for itself.

    ``body_hints=False`` leaves out the words for the API's own bare-text errors
    (``invalid_api_key``...), which the CLI prints verbatim on stdout anyway.
    """
    failed = not 200 <= answer.status < 300
    hint = BODY_HINTS.get(answer.text.strip()) if failed and body_hints else None
    if hint:
        return hint
    status = _status_sentence(answer)
    if status and looks_like_html(answer.text):
        return (
            f"An HTML error page (from a proxy or load balancer, not the API itself) — {status}"
        )
    if status:
        return status
    if looks_like_html(answer.text) and not 200 <= answer.status < 300:
        return (
            f"HTTP {answer.status}: an HTML error page (from a proxy or load balancer, not "
            "the Attribution API itself), which does not say whether the event was taken."
        )
    if looks_like_html(answer.text):
        # The API's own 200 is the plain word "success" (its Content-Type says text/html,
        # so the body is what tells them apart).
        return (
            f"HTTP {answer.status} with an HTML page for a body: a captive portal, a proxy or "
            "a web site answered, not the Attribution API (it answers \"success\"), so this "
            "does not confirm that the event was taken."
        )
    if answer.truncated:
        return (
            f"The body was truncated after {len(answer.body):,} bytes (the app reads no "
            "more); the Attribution API answers with the short text \"success\", so this "
            "answer does not confirm the event — check that the address is the API."
        )
    if not answer.body:
        return (
            f"HTTP {answer.status} with an empty body: the Attribution API answers \"success\" "
            "when it takes an event, so this answer does not confirm that it was accepted."
        )
    undecodable = answer.charset_failed
    if undecodable:
        label = "UTF-8" if undecodable in ("utf-8", "utf8") else undecodable
        return (
            f"The body is not valid {label}, so it is shown decoded as {answer.charset} and "
            "some characters may be wrong; it is not the \"success\" the Attribution API "
            "answers."
        )
    return None


def confirms_success(answer: Answer) -> bool:
    """A 2xx answer with a readable, complete, non-empty body: the CLI exits 0 for it."""
    return 200 <= answer.status < 300 and explain(answer) is None


# --- the server's own words ----------------------------------------------------------------
MAX_MESSAGE_CHARS = 300
_V2_REJECTED_PREFIX = "invalid api key"  # HTTP API V2: {"error": "Invalid API key: ..."}
_ATTRIBUTION_REJECTED = "invalid_api_key"  # /attribution: the bare word


def json_object(text: str) -> dict[str, Any] | None:
    """The body as a JSON object, or None (not JSON, not an object, or too deep)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def json_error(text: str) -> str | None:
    """The ``error`` string of a JSON object body, if there is one."""
    parsed = json_object(text)
    error = parsed.get("error") if parsed else None
    return error if isinstance(error, str) else None


def key_rejected(status: int, text: str) -> bool:
    """An /attribution answer that refuses the key (400 ``invalid_api_key``)."""
    return status == 400 and text.strip().lower() == _ATTRIBUTION_REJECTED


def v2_key_rejected(status: int, text: str) -> bool:
    """An HTTP API V2 answer that refuses the key (400, error "Invalid API key...")."""
    error = json_error(text) if status == 400 else None
    return error is not None and error.strip().lower().startswith(_V2_REJECTED_PREFIX)


def server_words(status: int, reason: str, text: str) -> str:
    """The answer in the server's own words: a JSON ``error`` if there is one, else the body."""
    error = json_error(text)
    if error is not None:
        words = error
        parsed = json_object(text) or {}
        missing = parsed.get("missing_field")
        if isinstance(missing, str):
            words += f" ({missing})"
    else:
        words = text
    words = " ".join(words.split())
    if not words or words.startswith("<"):
        # Empty, or an HTML error page from a proxy: the status line says more.
        words = f"HTTP {status} {reason}".strip()
    if len(words) > MAX_MESSAGE_CHARS:
        words = words[: MAX_MESSAGE_CHARS - 1] + "…"
    return words
