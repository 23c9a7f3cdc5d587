"""The exact request: one PreparedRequest holds the bytes that are sent and every rendering.

The preview pane, ``attribution-cli preview`` and the sender all use the same object, so what
the user sees is what goes on the wire. The object remembers where the key sits inside the
URL and the body (as character spans), so masking happens only when text is displayed: the
bytes under the mask are the bytes that are sent.

Percent-encoding follows the Attribution API docs: RFC 3986 style (``%20`` for a space,
``%2B`` for ``+``), i.e. ``urllib.parse.quote(s, safe="")``. A literal ``+`` is never left
unencoded, because a form decoder reads it as a space.
"""

from __future__ import annotations

import enum
import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

from attribution_workbench import __version__
from attribution_workbench.core.event import AttributionEvent, canonical_json
from attribution_workbench.core.regions import Api, Destination

USER_AGENT = f"attribution-workbench/{__version__}"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
KEY_ENV_VAR = "AMPLITUDE_API_KEY"
ENV_COPY_REFUSED = (
    "This API key has characters that are encoded on the wire, so a command reading it from "
    "$AMPLITUDE_API_KEY would send other bytes; copy with the key revealed instead."
)
# Below Linux's 128 KiB limit for one command-line argument (MAX_ARG_STRLEN), with room.
CURL_ARG_LIMIT = 120_000

Span = tuple[int, int]


class Transport(str, enum.Enum):
    BODY = "body"  # form-encoded POST body (the docs' iOS example; the default)
    QUERY = "query"  # parameters in the query string of a body-less POST (the "Android" example)
    JSON = "json"  # HTTP API V2 JSON body


class Format(str, enum.Enum):
    BODY = "body"
    QUERY = "query"
    CURL = "curl"
    PYTHON = "python"
    JSON = "json"
    HTTPIE = "httpie"


class KeyStyle(str, enum.Enum):
    """How a rendering shows the key."""

    MASK = "mask"  # bullets (the default on screen)
    REVEAL = "reveal"  # the key itself
    ENV = "env"  # a reference to $AMPLITUDE_API_KEY, so copied commands work without the secret
    REDACT = "redact"  # REDACTED_KEY: a constant with no character of the key (history, files)


# What stored copies of a request (history) show instead of the key: unlike mask_key, it says
# nothing about the key, and no ASCII key character appears in it.
REDACTED_KEY = "\u2022" * 8


class WireError(ValueError):
    """The request cannot be encoded; the message says why."""


def mask_key(key: str) -> str:
    """Bullets, plus the last four characters of a long key so profiles can be told apart."""
    tail = key[-4:]
    # Only a plain tail is shown: it then reads the same in a URL, a form body and JSON.
    shown = len(key) >= 20 and tail.isascii() and tail.isalnum()
    return "•" * 8 + (tail if shown else "")


# Shorter keys are not masked in free text: "0", "us" or "false" (no Amplitude key, which
# is 32 hex digits, but what a typo in $AMPLITUDE_API_KEY gives) would be replaced inside
# status codes, hosts and JSON, and corrupt the output. The preview masks by position.
MIN_MASKED_KEY_CHARS = 8


def redact_key(text: str, *keys: str, style: KeyStyle = KeyStyle.MASK) -> str:
    """``text`` with each key masked wherever it appears: raw, percent-encoded as a parameter
    is sent (``encode_component``), as ``quote``/``quote_plus`` spell it (a server or a
    library echoing the URL), or escaped in a JSON string. ``KeyStyle.MASK`` shows
    ``mask_key``, ``REDACT`` the constant ``REDACTED_KEY``. Longest spelling first, so a key
    containing another is masked whole. Keys under MIN_MASKED_KEY_CHARS are left alone."""
    masks: dict[str, str] = {}
    for key in keys:
        if len(key) < MIN_MASKED_KEY_CHARS:
            continue
        spellings = {key, json.dumps(key)[1:-1], json.dumps(key, ensure_ascii=False)[1:-1]}
        for encode in (encode_component, quote, quote_plus):
            try:
                spellings.add(encode(key))
            except (WireError, UnicodeEncodeError):  # an unpaired surrogate: sent nowhere
                pass
        for spelling in spellings:
            masks.setdefault(spelling, _key_text(key, style))
    for spelling in sorted(masks, key=len, reverse=True):
        text = text.replace(spelling, masks[spelling])
    return text


# Byte -> its spelling in a parameter: the unreserved characters as they are, the rest %XX.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_ENCODED_BYTE = tuple(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256))


def encode_component(text: str) -> str:
    """Percent-encode one parameter value exactly as the docs' example does.

    The same as ``quote(text, safe="")``, in one C-level pass over the bytes (a 5 MB event
    in ~90 ms instead of ~140 ms: it runs on every edit).
    """
    try:
        return "".join(map(_ENCODED_BYTE.__getitem__, text.encode("utf-8")))
    except UnicodeEncodeError:
        raise WireError(
            "The text contains an unpaired surrogate character that cannot be sent as UTF-8; "
            "remove it (it often comes from a broken \\ud800-style escape)."
        ) from None


@dataclass(frozen=True)
class PreparedRequest:
    """Method, URL, headers and body bytes of one request, plus where the key sits in them."""

    method: str
    url: str = field(repr=False)
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    transport: Transport
    api: Api
    event_text: str = field(repr=False)
    api_key: str = field(repr=False)
    url_key_spans: tuple[Span, ...] = field(repr=False, default=())
    body_key_spans: tuple[Span, ...] = field(repr=False, default=())

    @property
    def content_length(self) -> int:
        return len(self.body)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    def body_text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def display_url(self, style: KeyStyle = KeyStyle.MASK) -> str:
        return _join(_segments(self.url, self.url_key_spans), self.api_key, style)

    def display_body(self, style: KeyStyle = KeyStyle.MASK) -> str:
        return _join(_segments(self.body_text(), self.body_key_spans), self.api_key, style)

    def header_lines(self) -> list[str]:
        return [f"{name}: {value}" for name, value in self.headers]

    def env_copy_ok(self) -> bool:
        """Whether a copy that reads the key from $AMPLITUDE_API_KEY sends these bytes.

        The copy puts the variable's raw text where the key sits on the wire, and there the
        key is percent-encoded (a form or URL) or JSON-escaped (the V2 body): the same only
        for a key those leave alone, as Amplitude's 32 hex digits are.
        """
        body = self.body_text()
        on_wire = [self.url[a:b] for a, b in self.url_key_spans]
        on_wire += [body[a:b] for a, b in self.body_key_spans]
        return all(text == self.api_key for text in on_wire)

    def render(self, fmt: Format, style: KeyStyle = KeyStyle.MASK) -> str:
        """The request as text in ``fmt``; only ``KeyStyle.REVEAL`` shows the key.

        ``KeyStyle.ENV`` raises WireError when ``env_copy_ok()`` is False: such a command
        would send other bytes than this request.
        """
        if style is KeyStyle.ENV and not self.env_copy_ok():
            raise WireError(ENV_COPY_REFUSED)
        if fmt is Format.BODY:
            return self.display_body(style)
        if fmt is Format.QUERY:
            return self.display_url(style)
        if fmt is Format.CURL:
            return _render_curl(self, style)
        if fmt is Format.PYTHON:
            return _render_python(self, style)
        if fmt is Format.HTTPIE:
            return _render_httpie(self, style)
        return _render_decoded(self, style)


def prepare(
    event: AttributionEvent | str,
    destination: Destination,
    api_key: str,
    transport: Transport = Transport.BODY,
) -> PreparedRequest:
    """Build the /attribution request. ``event`` text is sent verbatim."""
    event_text = event if isinstance(event, str) else event.wire_text()
    if transport is Transport.JSON:
        raise WireError("The Attribution API takes form parameters, not a JSON body.")
    key_part = encode_component(api_key)
    params = "api_key=" + key_part + "&event=" + encode_component(event_text)
    key_span = (len("api_key="), len("api_key=") + len(key_part))
    endpoint = destination.endpoint(Api.ATTRIBUTION)
    if transport is Transport.BODY:
        body = params.encode("ascii")
        return PreparedRequest(
            method="POST",
            url=endpoint,
            headers=_headers(FORM_CONTENT_TYPE, len(body)),
            body=body,
            transport=transport,
            api=Api.ATTRIBUTION,
            event_text=event_text,
            api_key=api_key,
            body_key_spans=(key_span,),
        )
    separator = "&" if urlsplit(endpoint).query else "?"
    offset = len(endpoint) + len(separator)
    return PreparedRequest(
        method="POST",
        url=endpoint + separator + params,
        headers=_headers(None, 0),
        body=b"",
        transport=transport,
        api=Api.ATTRIBUTION,
        event_text=event_text,
        api_key=api_key,
        url_key_spans=((key_span[0] + offset, key_span[1] + offset),),
    )


def prepare_v2(
    events: Sequence[dict[str, Any]],
    destination: Destination,
    api_key: str,
    options: dict[str, Any] | None = None,
) -> PreparedRequest:
    """Build an HTTP API V2 request (``/2/httpapi``, JSON body) with the same machinery."""
    head = '{"api_key":'
    key_json = canonical_json(api_key)
    events_json = canonical_json(list(events))
    tail = ',"events":' + events_json
    if options:
        tail += ',"options":' + canonical_json(options)
    text = head + key_json + tail + "}"
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:
        raise WireError("The event contains an unpaired surrogate character; remove it.") from None
    # The span covers the key inside its quotes, in characters of the decoded body text.
    start = len(head) + 1
    return PreparedRequest(
        method="POST",
        url=destination.endpoint(Api.HTTP_V2),
        headers=_headers(JSON_CONTENT_TYPE, len(body)),
        body=body,
        transport=Transport.JSON,
        api=Api.HTTP_V2,
        event_text=events_json,
        api_key=api_key,
        body_key_spans=((start, start + len(key_json) - 2),),
    )


def _headers(content_type: str | None, length: int) -> tuple[tuple[str, str], ...]:
    # Set explicitly (and the client sends only these) so the preview lists what is sent.
    # identity: the response body size cap applies to bytes on the wire, and no decoding
    # surprises hide what the server answered.
    headers = [("User-Agent", USER_AGENT), ("Accept", "*/*"), ("Accept-Encoding", "identity")]
    if content_type:
        headers.append(("Content-Type", content_type))
    headers.append(("Content-Length", str(length)))
    return tuple(headers)


# A text split into literal pieces and key pieces, so each format can quote them its own way.
Segments = list[tuple[str, bool]]


def _segments(text: str, spans: tuple[Span, ...]) -> Segments:
    out: Segments = []
    position = 0
    for start, end in sorted(spans):
        out.append((text[position:start], False))
        out.append((text[start:end], True))
        position = end
    out.append((text[position:], False))
    return [(piece, is_key) for piece, is_key in out if piece or is_key]


def _key_text(key: str, style: KeyStyle) -> str:
    if style is KeyStyle.REVEAL:
        return key
    if style is KeyStyle.ENV:
        return "$" + KEY_ENV_VAR
    if style is KeyStyle.REDACT:
        return REDACTED_KEY
    return mask_key(key)


def _join(segments: Segments, key: str, style: KeyStyle) -> str:
    # Revealed, the key shows as it sits on the wire (percent-encoded in a form body or URL,
    # escaped in JSON), so the revealed text is exactly the bytes that are sent.
    return "".join(
        _key_text(key, style) if is_key and style is not KeyStyle.REVEAL else piece
        for piece, is_key in segments
    )


def _shell_word(segments: Segments, key: str, style: KeyStyle) -> str:
    """One shell word; the key becomes "$AMPLITUDE_API_KEY" (expanded) in ENV style."""
    if style is not KeyStyle.ENV:
        return shlex.quote(_join(segments, key, style))
    parts = []
    for piece, is_key in segments:
        if is_key:
            parts.append('"${' + KEY_ENV_VAR + '}"')
        else:
            parts.append(shlex.quote(piece))
    return "".join(parts) or "''"


def _render_curl(request: PreparedRequest, style: KeyStyle) -> str:
    lines = [
        f"curl -X {request.method} "
        + _shell_word(_segments(request.url, request.url_key_spans), request.api_key, style)
    ]
    for name, value in request.headers:
        if name in ("Content-Type",) or (name == "Content-Length" and not request.body):
            lines.append("-H " + shlex.quote(f"{name}: {value}"))
    if not request.body:
        return " \\\n  ".join(lines)
    body = _shell_word(
        _segments(request.body_text(), request.body_key_spans), request.api_key, style
    )
    if len(body.encode("utf-8")) < CURL_ARG_LIMIT:
        lines.append("--data-binary " + body)
        return " \\\n  ".join(lines)
    # Linux refuses one argument over 128 KiB ("Argument list too long"); printf is a shell
    # builtin, so the body goes through a pipe instead (printf %s adds no newline).
    lines.append("--data-binary @-")
    return f"printf %s {body} \\\n  | " + " \\\n  ".join(lines)


def _render_httpie(request: PreparedRequest, style: KeyStyle) -> str:
    """An HTTPie command that sends the same URL and body bytes.

    HTTPie builds a body from ``name=value`` items with its own encoding, so the exact body is
    piped in on stdin instead (``printf %s`` adds no newline); without a body, stdin is ignored
    so the command also works in scripts.
    """
    url = _shell_word(_segments(request.url, request.url_key_spans), request.api_key, style)
    headers = [f"{name}:{value}" for name, value in request.headers if name == "Content-Type"]
    if not request.body:
        return " ".join(["http", "--ignore-stdin", request.method, url])
    body = _shell_word(
        _segments(request.body_text(), request.body_key_spans), request.api_key, style
    )
    command = " ".join(["http", request.method, url, *(shlex.quote(h) for h in headers)])
    return f"printf %s {body} \\\n  | {command}"


def _python_expr(segments: Segments, key: str, style: KeyStyle) -> str:
    if style is not KeyStyle.ENV:
        return repr(_join(segments, key, style))
    parts = [
        f'os.environ["{KEY_ENV_VAR}"]' if is_key else repr(piece) for piece, is_key in segments
    ]
    return " + ".join(parts) or "''"


def _render_python(request: PreparedRequest, style: KeyStyle) -> str:
    headers = {name: value for name, value in request.headers if name == "Content-Type"}
    url = _python_expr(_segments(request.url, request.url_key_spans), request.api_key, style)
    lines = ["import os", ""] if style is KeyStyle.ENV else []
    lines += [
        "import requests",
        "",
        "response = requests.post(",
        f"    {url},",
    ]
    if headers:
        lines.append(f"    headers={headers!r},")
    if request.body:
        body = _python_expr(
            _segments(request.body_text(), request.body_key_spans), request.api_key, style
        )
        if style is KeyStyle.ENV:
            body = f"({body})"
        lines.append(f"    data={body}.encode('utf-8'),")
    lines += ["    timeout=30,", ")", "print(response.status_code, response.text)"]
    return "\n".join(lines)


def _render_decoded(request: PreparedRequest, style: KeyStyle) -> str:
    """The parameters decoded, the event pretty-printed: what the server will read."""
    shown_key = _key_text(request.api_key, style)
    url = urlsplit(request.url)
    # Query transport: the query is the parameters, decoded below. Otherwise the URL is shown
    # whole (a custom URL's own ?parameters go out too).
    shown_url = url._replace(query="").geturl() if request.transport is Transport.QUERY else (
        request.url
    )
    decoded: dict[str, Any] = {
        "method": request.method,
        "url": shown_url,
        "transport": request.transport.value,
    }
    if request.transport is Transport.JSON:
        try:
            payload = json.loads(request.body)
        except RecursionError:  # an event nested past what Python reads: shown as text
            decoded["body"] = request.display_body(style)
        else:
            payload["api_key"] = shown_key
            decoded["body"] = payload
    else:
        source = request.body_text() if request.body else urlsplit(request.url).query
        params = parse_qs(source, keep_blank_values=True)
        event_text = params.get("event", [""])[0]
        try:
            event_value: Any = json.loads(event_text)
        except (ValueError, RecursionError):
            event_value = event_text
        decoded["api_key"] = shown_key
        decoded["event"] = event_value
        # Anything else the server reads: a custom URL's own parameters.
        others = {name: values for name, values in params.items() if name not in _OURS}
        if others:
            decoded["other_parameters"] = {
                name: values[0] if len(values) == 1 else values for name, values in others.items()
            }
    try:
        return json.dumps(decoded, indent=2, ensure_ascii=False)
    except RecursionError:
        # Readable by json.loads but too deep for the indenting (pure Python) encoder.
        if "event" in decoded:
            decoded["event"] = event_text
        else:
            decoded["body"] = request.display_body(style)
        return json.dumps(decoded, indent=2, ensure_ascii=False)


_OURS = frozenset({"api_key", "event"})
