"""Paste to import: read an event (and where it was going) out of pasted text.

Recognises a curl command, a raw HTTP request, a form body ``api_key=…&event=…``, a full URL
with a query string, and a bare event JSON. The result says in plain sentences what was
recognised and what was not; ``parse_paste`` never raises.

A key found in the text is returned in ``found_key`` only so the caller can offer to store
it in the keyring: it never becomes part of the event, the form or any message (messages
show it masked). ``$AMPLITUDE_API_KEY``-style references and ``{{api_key}}``-style
placeholders are recognised as what they are, not as keys.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from attribution_workbench.core import _curl
from attribution_workbench.core.answers import json_object
from attribution_workbench.core.event import parse_event_text
from attribution_workbench.core.regions import (
    AMPLITUDE_BASE,
    AMPLITUDE_HOSTS,
    DestinationError,
    Region,
    Target,
    check_url,
    is_loopback_host,
)
from attribution_workbench.core.wire import Transport, mask_key

# A sandbox URL: BASE/us/attribution or BASE/eu/attribution.
_SANDBOX_PATH = re.compile(r"^(?P<base>.*)/(?P<region>us|eu)/attribution/?$")
_REQUEST_LINE = re.compile(
    r"^(?P<method>GET|POST|PUT|PATCH)\s+(?P<target>.*?)(?:\s+HTTP/\d(?:\.\d)?)?\s*$",
    re.IGNORECASE,
)
_ENV_REF = re.compile(
    r"^\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))$"
)
_PLACEHOLDER = re.compile(
    r"^(?:\{\{.*\}\}|<[^<>]*>|\[[^\[\]]*\]|(?:your[_ -]?)?(?:amplitude[_ -]?)?(?:project[_ -]?)?"
    r"api[_ -]?key|x{3,}|\.\.\.|…)$",
    re.IGNORECASE,
)
_FORM_START = re.compile(r"^(?:api_key|event)=")


@dataclass(frozen=True)
class ImportResult:
    """What ``parse_paste`` found. ``None`` fields were not found (keep the current value)."""

    event_text: str | None = None
    transport: Transport | None = None
    region: Region | None = None
    target: Target | None = None
    url: str | None = None  # the sandbox base URL or the custom /attribution URL
    found_key: str | None = field(default=None, repr=False)
    key_from_env: bool = False
    shape: str | None = None
    recognised: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when there is an event to put into the form."""
        return self.event_text is not None

    def summary(self) -> str:
        return " ".join([*self.recognised, *self.problems])


@dataclass
class _Request:
    """The parts of a request, gathered by each shape's reader."""

    shape: str
    url: str | None = None
    query: str = ""
    body_params: list[tuple[str, str]] = field(default_factory=list)
    query_params: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_paste(text: str) -> ImportResult:
    """Read pasted text; never raises."""
    try:
        result = _parse(text)
    except Exception as exc:  # a safety net: a paste must never crash the caller
        return ImportResult(problems=[f"The text could not be read ({type(exc).__name__})."])
    return _keyless(result)


# "api_key": as a JSON member name, however spaced.
_KEY_MEMBER = re.compile(r'"api_key"\s*:')
# What an Amplitude key looks like, wherever a message might quote one.
_HEX_KEY = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32}(?![0-9A-Fa-f])")


def _keyless(result: ImportResult) -> ImportResult:
    """The last guard of the promise above: no event text holding an api_key member, and no
    message quoting a key (masked, the found one and anything shaped like one)."""
    def mask(sentence: str) -> str:
        if result.found_key:
            sentence = sentence.replace(result.found_key, mask_key(result.found_key))
        return _HEX_KEY.sub(lambda match: mask_key(match.group()), sentence)

    event_text, problems = result.event_text, [mask(p) for p in result.problems]
    if event_text is not None and _KEY_MEMBER.search(event_text):
        event_text = None
        problems.append(
            "The event text holds an api_key, so it was not imported: a key never goes into "
            "the form. Remove the api_key member (or fix the JSON around it) and paste again."
        )
    return replace(
        result,
        event_text=event_text,
        transport=result.transport if event_text is not None else None,
        recognised=[mask(r) for r in result.recognised],
        problems=problems,
    )


def _parse(text: str) -> ImportResult:
    cleaned = _clean(text)
    if not cleaned:
        return ImportResult(problems=["There is nothing to import: the text is empty."])
    first = cleaned.split("\n", 1)[0].strip()
    if first.startswith("{"):
        return _bare_json(cleaned)
    request: _Request | None
    if re.match(r"^(?:\$\s*)?curl(?:\.exe)?\s", cleaned + " "):
        request = _read_curl(cleaned)
    elif _REQUEST_LINE.match(first) and (
        first.upper().startswith(("GET ", "POST ", "PUT ", "PATCH "))
    ):
        request = _read_http(cleaned)
    elif re.match(r"^https?://", first, re.IGNORECASE):
        request = _split_url(_Request("URL", url=first))
    elif _FORM_START.match(first) or ("&event=" in first or "&api_key=" in first):
        request = _Request("form body", body_params=_params("".join(cleaned.split("\n"))))
    else:
        request = None
    if request is None:
        return ImportResult(
            problems=[
                "The text was not recognised: it is not a curl command, a raw HTTP request, "
                "a form body (api_key=…&event=…), a URL with a query string, or an event JSON."
            ]
        )
    return _result(request)


def _clean(text: str) -> str:
    """Dedent, drop Markdown code fences and surrounding blank lines, unify newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    lines = [line for line in lines if not re.match(r"^\s*(```|~~~)", line)]
    return textwrap.dedent("\n".join(lines)).strip()


def _bare_json(text: str) -> ImportResult:
    recognised = ["Recognised an event JSON."]
    problems: list[str] = []
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        problem = parse_event_text(text).problem  # the editor's words for what is wrong
        problems.append(f"{problem}; it was imported as written.")
        return ImportResult(
            event_text=text, shape="event JSON", recognised=recognised, problems=problems
        )
    if isinstance(value, dict) and "api_key" in value:
        return _result(_json_parameters(value))
    if not isinstance(value, dict):
        problems.append("The JSON is not an object; an event is one JSON object.")
    return ImportResult(
        event_text=text, shape="event JSON", recognised=recognised, problems=problems
    )


def _json_parameters(value: dict[str, Any]) -> _Request:
    """A JSON object of parameters (it has ``api_key`` or ``event``), as those parameters.

    ``{"api_key", "event"}`` is the two parameters written as JSON; ``{"api_key", "events"}``
    is an HTTP API V2 body, whose first event is taken; anything else is an event with the
    key put into it by mistake, taken without the key.
    """
    shape = "JSON object of parameters"
    params: list[tuple[str, str]] = []
    if "api_key" in value:
        key = value["api_key"]
        params.append(("api_key", key if isinstance(key, str) else json.dumps(key)))
    notes: list[str] = []
    events = value.get("events")
    if "event" in value:
        event = value["event"]
    elif isinstance(events, list) and events:
        event = events[0]
        shape = "HTTP API V2 body (/2/httpapi)"
        notes.append(
            "It is not an attribution request: its first event"
            + (f" (of {len(events)})" if len(events) > 1 else "")
            + " was taken as the attribution event; check its fields."
        )
    else:
        event = {name: item for name, item in value.items() if name != "api_key"}
        notes.append("The api_key was inside the event; it was taken out.")
    event_text = event if isinstance(event, str) else json.dumps(event, ensure_ascii=False)
    params.append(("event", event_text))
    return _Request(shape, body_params=params, notes=notes)


def _read_curl(text: str) -> _Request:
    parsed = _curl.parse(text)
    request = _Request("curl command", url=parsed.url, notes=[], problems=list(parsed.problems))
    request = _split_url(request) if parsed.url else request
    data: list[tuple[str, str]] = []
    for kind, value in parsed.data:
        if kind == "urlencode":
            data.extend(_urlencode_piece(value, request))
        elif value.lstrip().startswith("{") and (as_json := json_object(value)) is not None:
            # -d '{"api_key": …, "event": …}' (-H 'Content-Type: application/json'): a JSON
            # body, not form data; a bare JSON event is the event. The endpoint reads a form
            # (api_key=…&event=…), which is what the app sends.
            if "api_key" in as_json or "event" in as_json:
                json_request = _json_parameters(as_json)
                data.extend(json_request.body_params)
                request.notes.extend(json_request.notes)
            else:
                data.append(("event", value))
            request.problems.append(
                "The data is JSON; the endpoint reads a form body (api_key=…&event=…), which "
                "is what the app sends."
            )
        else:
            data.extend(_params(value))
    if parsed.get:
        request.query_params.extend(data)
    else:
        request.body_params.extend(data)
    if parsed.method and parsed.method.upper() not in ("POST", "GET"):
        request.problems.append(f"The method {parsed.method.upper()} was ignored; it is POST.")
    return request


def _urlencode_piece(value: str, request: _Request) -> list[tuple[str, str]]:
    # curl --data-urlencode forms: "content", "=content", "name=content", "@file", "name@file".
    if "=" in value:
        name, content = value.split("=", 1)
        return [(name, content)] if name else [("", content)]
    if "@" in value:
        request.problems.append(
            "--data-urlencode reads a file (@file); reading files is not supported, "
            "paste the event itself."
        )
        return []
    return [("", value)]


def _read_http(text: str) -> _Request:
    head, _sep, body = text.partition("\n\n")
    lines = head.split("\n")
    match = _REQUEST_LINE.match(lines[0].strip())
    assert match is not None
    target = match.group("target").strip()
    host = ""
    for line in lines[1:]:
        name, _colon, value = line.partition(":")
        if name.strip().lower() == "host":
            host = value.strip()
    request = _Request("raw HTTP request")
    if re.match(r"^https?://", target, re.IGNORECASE):
        request.url = target
    elif host:
        hostname = urlsplit("//" + host).hostname or ""
        scheme = "http" if is_loopback_host(hostname) else "https"
        request.url = f"{scheme}://{host}{target}"
    else:
        request.problems.append("The request has no Host header, so the host is unknown.")
        request.query = target.partition("?")[2]
    request = _split_url(request) if request.url else request
    if not request.query_params and request.query:
        request.query_params = _params(request.query)
    body = "".join(line.strip() for line in body.split("\n"))
    if body:
        request.body_params = _params(body)
    return request


def _split_url(request: _Request) -> _Request:
    """Split ``request.url`` into the endpoint and its query parameters."""
    assert request.url is not None
    url = request.url
    base, _sep, query = url.partition("?")
    # A # ends the URL, except inside the raw JSON some docs put into the query.
    query = query if "{" in query else query.partition("#")[0]
    request.url = base
    request.query = query
    request.query_params = _params(query)
    return request


def _params(text: str) -> list[tuple[str, str]]:
    """Form parameters, decoded. A raw (unencoded) JSON value is taken whole, as written.

    The docs' "Android" example puts raw JSON, spaces and all, into the query; a value that
    starts with ``{`` therefore runs to its matching brace rather than to the next ``&``.
    """
    out: list[tuple[str, str]] = []
    position = 0
    while position <= len(text):
        end = text.find("&", position)
        end = len(text) if end < 0 else end
        piece = text[position:end]
        name, eq, value = piece.partition("=")
        if eq and value.startswith("{"):
            start = position + len(name) + 1
            close = _matching_brace(text, start)
            out.append((unquote_plus(name), text[start:close]))
            amp = text.find("&", close)
            position = len(text) + 1 if amp < 0 else amp + 1
            continue
        if piece:
            out.append((unquote_plus(name), unquote_plus(value, errors="replace")))
        position = end + 1
    return out


def _matching_brace(text: str, start: int) -> int:
    """The index just past the brace that closes ``text[start]``, or the end of the text."""
    depth = 0
    in_string = False
    index = start
    while index < len(text):
        ch = text[index]
        if in_string:
            if ch == "\\":
                index += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(text)


def _result(request: _Request) -> ImportResult:
    recognised: list[str] = []
    problems = list(request.problems)
    region, target, url, where = _destination(request.url, problems)
    recognised.append(f"Recognised a {request.shape}" + (f" to {where}." if where else "."))
    recognised.extend(request.notes)

    event_text, transport = _pick("event", request, problems)
    key_text, _key_transport = _pick("api_key", request, problems)
    if event_text is None:
        problems.append("The event parameter is missing.")
    else:
        recognised.append(
            "The event was in the form body (body transport)."
            if transport is Transport.BODY
            else "The event was in the query string (query transport)."
        )
        if not event_text.strip():
            problems.append("The event parameter is empty.")
        elif (problem := parse_event_text(event_text).problem) is not None:
            problems.append(f"{problem}.")  # the editor's words: not JSON, not an object, …
    found_key, from_env = _classify_key(key_text, recognised, problems)
    unnamed = [name for name, _ in request.body_params + request.query_params if not name]
    if unnamed:
        problems.append("Data without a parameter name was ignored.")
    others = sorted(
        {name for name, _ in request.body_params + request.query_params} - {"event", "api_key", ""}
    )
    if others:
        problems.append("Ignored parameters: " + ", ".join(others) + ".")
    return ImportResult(
        event_text=event_text,
        transport=transport if event_text is not None else None,
        region=region,
        target=target,
        url=url,
        found_key=found_key,
        key_from_env=from_env,
        shape=request.shape,
        recognised=recognised,
        problems=problems,
    )


def _pick(name: str, request: _Request, problems: list[str]) -> tuple[str | None, Transport | None]:
    # As the server reads them: the body wins over the query when both carry a value.
    body = [value for key, value in request.body_params if key == name]
    query = [value for key, value in request.query_params if key == name]
    if body and query and name == "event":
        problems.append("The event is in both the body and the query; the body's was taken.")
    if len(body) > 1 or (not body and len(query) > 1):
        problems.append(f"The {name} parameter appears more than once; the first was taken.")
    # An empty body value does not hide the query's (the sandbox reads them the same way).
    if body and (body[0] or not query):
        return body[0], Transport.BODY
    if query:
        return query[0], Transport.QUERY
    return None, None


def _classify_key(
    value: str | None, recognised: list[str], problems: list[str]
) -> tuple[str | None, bool]:
    if value is None:
        return None, False
    key = value.strip()
    env = _ENV_REF.match(key)
    if env:
        name = env.group("braced") or env.group("bare")
        recognised.append(
            f"The key is taken from the environment variable ${name}; no key is in the text."
        )
        return None, True
    if not key:
        problems.append("The api_key parameter is empty.")
        return None, False
    if _PLACEHOLDER.match(key):
        recognised.append(f"The api_key {key} is a placeholder, not a key.")
        return None, False
    if "•" in key:  # our own masked previews (wire.mask_key / REDACT) pasted back
        recognised.append(
            "The api_key is masked (copied from a masked preview); no key is in the text."
        )
        return None, False
    if any(ch.isspace() or not ch.isprintable() for ch in key):
        problems.append("The api_key value contains spaces or control characters; it was ignored.")
        return None, False
    recognised.append(
        f"The text contains an API key ({mask_key(key)}); it is not put into the form."
    )
    return key, False


def _destination(
    url: str | None, problems: list[str]
) -> tuple[Region | None, Target | None, str | None, str]:
    """(region, target, url, description) for an endpoint URL."""
    if not url:
        return None, None, None, ""
    if "://" not in url:
        url = "http://" + url  # as curl does
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    endpoint = parts._replace(query="", fragment="").geturl()
    region = AMPLITUDE_HOSTS.get(host)
    if region is not None:
        if parts.path.rstrip("/") != "/attribution":
            problems.append(f"The path {parts.path or '/'} is not /attribution.")
        if AMPLITUDE_BASE[region] != f"https://{host}":
            problems.append(
                f"The host {host} is imported as the {region.value.upper()} region "
                f"({AMPLITUDE_BASE[region]})."
            )
        return region, Target.AMPLITUDE, None, f"{endpoint} ({region.value.upper()})"
    if not host:
        problems.append("The URL has no host.")
        return None, None, None, ""
    if is_loopback_host(host):
        sandbox = _SANDBOX_PATH.match(parts.path)
        if sandbox:
            region = Region(sandbox.group("region"))
            base = parts._replace(path=sandbox.group("base"), query="", fragment="").geturl()
            return region, Target.SANDBOX, base, f"{endpoint} (sandbox, {region.value.upper()})"
    try:
        check_url(endpoint, "pasted URL")
    except DestinationError as exc:
        problems.append(str(exc))
    problems.append("The region could not be told from the host; the current one is kept.")
    return None, Target.CUSTOM, endpoint, f"{endpoint} (custom URL)"
