"""Pure parsing of request targets and form parameters.

Everything here takes untrusted input. The only exception any function raises is
:class:`ParseError`; undecodable UTF-8 inside a value becomes U+FFFD rather than an
error, because a real form decoder keeps going and the key/event checks then fail
on their own terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import collapse_rfc2231_value
from urllib.parse import unquote_to_bytes

from .config import INSPECTION_PREFIX, REGIONS


class ParseError(ValueError):
    """Input that cannot be read as the format it claims to be."""


class BodyTooLarge(ParseError):
    """A body (or chunked stream) exceeds the server's hard cap."""


@dataclass(frozen=True)
class Target:
    """A request target split the way the sandbox routes it; nothing is decoded."""

    path: str  # path as sent, without the query
    query: str  # raw query string, without "?"
    region: str | None  # None for inspection paths
    endpoint: str  # path below the region prefix (or below /_sandbox for inspection)
    inspection: bool


def split_target(target: str) -> Target:
    if target.startswith(("http://", "https://")):
        # Absolute form (what a client sends to a proxy): route on the path part only.
        rest = target.split("//", 1)[1]
        target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    path, _, query = target.partition("?")
    path = path.partition("#")[0]
    if path == INSPECTION_PREFIX or path.startswith(INSPECTION_PREFIX + "/"):
        return Target(path, query, None, path[len(INSPECTION_PREFIX):] or "/", True)
    for region in REGIONS:
        prefix = "/" + region
        if path == prefix or path.startswith(prefix + "/"):
            return Target(path, query, region, path[len(prefix):] or "/", False)
    # Unprefixed paths are the US service, as on api2.amplitude.com.
    return Target(path, query, "us", path, False)


def _decode_component(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", "replace")


def parse_urlencoded(data: bytes | str) -> dict[str, str]:
    """Decode ``a=1&b=2`` (``+`` or ``%20`` for spaces); the first occurrence of a name wins.

    Only ``&`` separates pairs (``;`` does not, as in current browsers and Python 3.10+).
    A piece without ``=`` is a name with an empty value.
    """
    if isinstance(data, str):
        # surrogatepass keeps lone surrogates from raising; they decode to U+FFFD below.
        data = data.encode("utf-8", "surrogatepass")
    result: dict[str, str] = {}
    for piece in data.split(b"&"):
        if not piece:
            continue
        name, _, value = piece.partition(b"=")
        result.setdefault(_decode_component(name), _decode_component(value))
    return result


def query_bytes(query: str) -> bytes:
    """Undo http.server's latin-1 decoding of the request line to get the bytes sent."""
    return query.encode("latin-1", "replace")


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_multipart(content_type: str, body: bytes) -> dict[str, str]:
    """Decode multipart/form-data with the email package (the ``cgi`` module is gone)."""
    header = re.sub(r"[\r\n]+", " ", content_type)
    raw = b"Content-Type: " + header.encode("latin-1", "replace") + b"\r\n\r\n" + body
    try:
        message = BytesParser(policy=compat32).parsebytes(raw)
        if not message.is_multipart():
            raise ParseError("multipart body without a usable boundary")
        result: dict[str, str] = {}
        parts = message.get_payload()
        if not isinstance(parts, list):
            raise ParseError("multipart body without parts")
        for part in parts:
            if not isinstance(part, Message):
                continue
            name = part.get_param("name", header="content-disposition")
            if name is None:
                continue
            field = collapse_rfc2231_value(name)
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            charset = part.get_content_charset() or "utf-8"
            try:
                value = payload.decode(charset, "replace")
            except LookupError:
                value = payload.decode("utf-8", "replace")
            result.setdefault(field, value)
        return result
    except ParseError:
        raise
    # The email package raises assorted exception types on junk; callers get one type.
    except Exception as exc:
        raise ParseError(f"unreadable multipart body: {exc.__class__.__name__}") from exc


def parse_form_body(content_type: str | None, body: bytes) -> dict[str, str]:
    """Parameters carried by a request body, per its Content-Type.

    No Content-Type is read as urlencoded: ``requests.post(url, data="a=b")`` sends none.
    Other media types (JSON, text/plain, ...) carry no form parameters, as for a servlet.
    """
    if not body:
        return {}
    kind = media_type(content_type)
    if kind in ("", "application/x-www-form-urlencoded"):
        return parse_urlencoded(body)
    if kind == "multipart/form-data":
        return parse_multipart(content_type or "", body)
    return {}


def attribution_params(
    query: bytes | str, content_type: str | None, body: bytes
) -> tuple[dict[str, str], str | None]:
    """Merge query and body parameters; a non-empty body value wins over the query's.

    Returns the parameters and a note explaining a body that contributed nothing.
    Never raises.
    """
    params = parse_urlencoded(query)
    note: str | None = None
    try:
        from_body = parse_form_body(content_type, body)
    except ParseError as exc:
        from_body = {}
        note = str(exc)
    else:
        if body and not from_body:
            note = f"body ignored: no form parameters in a {media_type(content_type)!r} body"
    for name, value in from_body.items():
        if value or name not in params:
            params[name] = value
    return params, note


_CHUNK_SIZE_RE = re.compile(rb"[0-9A-Fa-f]{1,16}")


def read_chunked(
    readline: Callable[[int], bytes], read: Callable[[int], bytes], limit: int
) -> bytes:
    """Decode a ``Transfer-Encoding: chunked`` body from a stream, capped at ``limit`` bytes."""
    chunks: list[bytes] = []
    total = 0
    while True:
        line = readline(1026)
        if not line.endswith(b"\n"):
            raise ParseError("chunk size line missing or too long")
        size_text = line.split(b";", 1)[0].strip()
        if not _CHUNK_SIZE_RE.fullmatch(size_text):
            raise ParseError("bad chunk size")
        size = int(size_text, 16)
        if size == 0:
            break
        total += size
        if total > limit:
            raise BodyTooLarge(f"chunked body over {limit} bytes")
        data = read(size)
        if len(data) != size:
            raise ParseError("chunked body ended early")
        chunks.append(data)
        if read(2) not in (b"\r\n",):
            raise ParseError("chunk not followed by CRLF")
    # Trailer section: header lines until an empty line.
    for _ in range(100):
        line = readline(65537)
        if line in (b"\r\n", b"\n", b""):
            return b"".join(chunks)
    raise ParseError("too many trailer lines")
