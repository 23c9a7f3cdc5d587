"""The exact request bytes, and every rendering of them, with the key masked or revealed."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution_workbench.core.event import AttributionEvent, parse_event_text
from attribution_workbench.core.regions import Api, Destination, Region, Target
from attribution_workbench.core.wire import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    KEY_ENV_VAR,
    Format,
    KeyStyle,
    PreparedRequest,
    Transport,
    WireError,
    encode_component,
    mask_key,
    prepare,
    prepare_v2,
)

# The docs' iOS example event, verbatim, and its encoding as the docs' example body shows it
# (the part after "event="), copied byte for byte from the Attribution API page.
DOCS_EVENT = (
    '{"event_type":"[YOUR COMPANY] Install", "idfa": "AEBE52E7-03EE-455A-B3C4-E57283966239", '
    '"user_properties": {"[YOUR COMPANY] media source": "facebook", "[YOUR COMPANY] campaign": '
    '"refer-a-friend"}, "platform": "ios"}'
)
DOCS_EVENT_ENCODED = (
    b"%7B%22event_type%22%3A%22%5BYOUR%20COMPANY%5D%20Install%22%2C%20%22idfa%22%3A%20"
    b"%22AEBE52E7-03EE-455A-B3C4-E57283966239%22%2C%20%22user_properties%22%3A%20%7B%2"
    b"2%5BYOUR%20COMPANY%5D%20media%20source%22%3A%20%22facebook%22%2C%20%22%5BYOUR%20"
    b"COMPANY%5D%20campaign%22%3A%20%22refer-a-friend%22%7D%2C%20%22platform%22%3A%20%"
    b"22ios%22%7D"
)
KEY = "0123456789abcdef0123456789abcdef"  # the shape of a real key: 32 hex digits
SENTINEL = "SENTINELkey7f3a9c2e41b8d6055e1c"  # needs no percent-encoding, so it shows verbatim
NASTY_EVENT = '{"event_type": "a+b & c=d %20 #x ?y", "n": "line\nbreak \' \\" $HOME `id` 😀"}'

US = Destination()
SANDBOX_EU = Destination(Region.EU, Target.SANDBOX, "http://127.0.0.1:8787")
FORM_TRANSPORTS = (Transport.BODY, Transport.QUERY)
ALL_STYLES = tuple(KeyStyle)
HIDING_STYLES = (KeyStyle.MASK, KeyStyle.ENV)

# Characters that break naive encoders, plus anything else Unicode has (no lone surrogates).
_SPECIAL = list("+&=%#?;/ \n\r\t\x00\"'\\{}[]$`!*~._-😀é€\u2028\ufeff\x7f")
_CHARS = st.one_of(st.sampled_from(_SPECIAL), st.characters(exclude_categories=("Cs",)))
texts = st.text(alphabet=_CHARS, max_size=60)
keys = st.text(alphabet=_CHARS, max_size=40)
surrogates = st.integers(0xD800, 0xDFFF).map(chr)
MANY = settings(max_examples=500, deadline=None)


def bash_words(command: str, environ: dict[str, str] | None = None) -> list[bytes]:
    """The argument words bash passes to curl when it runs ``command``."""
    script = 'curl() { printf "%s\\0" curl "$@"; }\n' + command
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(environ or {})}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, check=True)
    return done.stdout.split(b"\0")[:-1]


def curl_words(command: str) -> list[str]:
    """Split a rendered curl command as a POSIX shell does (line continuations removed)."""
    return shlex.split(command.replace("\\\n", ""))


def run_python(code: str) -> tuple[str, dict[str, Any]]:
    """Execute a rendered Python snippet against a stand-in ``requests``; return its post()."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def post(url: str, **kwargs: Any) -> Any:
        calls.append((url, kwargs))
        return types.SimpleNamespace(status_code=200, text="success")

    fake = types.ModuleType("requests")
    fake.post = post  # type: ignore[attr-defined]
    with mock.patch.dict(sys.modules, {"requests": fake}), mock.patch("builtins.print"):
        exec(compile(code, "<snippet>", "exec"), {})
    assert len(calls) == 1
    return calls[0]


def masked_at_spans(text: str, spans: tuple[tuple[int, int], ...], key: str) -> str:
    out, position = [], 0
    for start, end in sorted(spans):
        out += [text[position:start], mask_key(key)]
        position = end
    return "".join(out) + text[position:]


# --- the docs' example, byte for byte --------------------------------------------------------


def test_docs_example_body_is_byte_exact() -> None:
    request = prepare(DOCS_EVENT, US, KEY)
    assert request.body == b"api_key=" + KEY.encode() + b"&event=" + DOCS_EVENT_ENCODED
    assert request.body.split(b"&event=", 1)[1] == DOCS_EVENT_ENCODED
    assert encode_component(DOCS_EVENT).encode("ascii") == DOCS_EVENT_ENCODED


def test_docs_example_pasted_as_text_keeps_its_spacing_on_the_wire() -> None:
    parsed = parse_event_text(DOCS_EVENT)
    assert parsed.event is not None
    assert prepare(parsed.event, US, KEY).body.endswith(b"&event=" + DOCS_EVENT_ENCODED)


def test_an_event_from_fields_is_sent_as_canonical_json() -> None:
    parsed = parse_event_text(DOCS_EVENT)
    assert parsed.event is not None
    event = parsed.event.with_fields()
    body = prepare(event, US, KEY).body
    sent = parse_qs(body.decode("ascii"))["event"][0]
    assert sent == event.canonical_json()
    assert json.loads(sent) == json.loads(DOCS_EVENT)


def test_form_body_request() -> None:
    request = prepare(DOCS_EVENT, US, KEY)
    assert request.method == "POST"
    assert request.url == "https://api2.amplitude.com/attribution"
    assert request.transport is Transport.BODY and request.api is Api.ATTRIBUTION
    headers = dict(request.headers)
    assert headers["Content-Type"] == FORM_CONTENT_TYPE
    assert headers["Content-Length"] == str(len(request.body)) == str(request.content_length)
    assert headers["User-Agent"].startswith("attribution-workbench/")
    assert f"Content-Length: {len(request.body)}" in request.header_lines()
    assert request.event_text == DOCS_EVENT
    assert request.host == "api2.amplitude.com"


def test_query_request_like_the_docs_android_example() -> None:
    request = prepare(DOCS_EVENT, US, KEY, Transport.QUERY)
    assert request.method == "POST"
    assert request.url == (
        "https://api2.amplitude.com/attribution?api_key="
        + KEY
        + "&event="
        + DOCS_EVENT_ENCODED.decode()
    )
    assert request.body == b""
    headers = dict(request.headers)
    assert headers["Content-Length"] == "0"
    assert "Content-Type" not in headers


def test_query_is_appended_to_a_url_that_has_one() -> None:
    destination = Destination(Region.US, Target.CUSTOM, "http://localhost:1/attribution?t=1")
    request = prepare("{}", destination, KEY, Transport.QUERY)
    assert request.url == f"http://localhost:1/attribution?t=1&api_key={KEY}&event=%7B%7D"
    assert request.display_url(KeyStyle.REVEAL) == request.url


def test_sandbox_and_eu_urls() -> None:
    request = prepare("{}", SANDBOX_EU, KEY)
    assert request.url == "http://127.0.0.1:8787/eu/attribution"
    assert prepare("{}", Destination(Region.EU), KEY).host == "api.eu.amplitude.com"


def test_the_attribution_api_takes_no_json_body() -> None:
    with pytest.raises(WireError, match="form parameters"):
        prepare("{}", US, KEY, Transport.JSON)


def test_the_key_is_not_in_the_repr() -> None:
    request = prepare(DOCS_EVENT, US, SENTINEL, Transport.QUERY)
    assert SENTINEL not in repr(request)
    assert SENTINEL not in repr(prepare_v2([], US, SENTINEL))


# --- encoding properties ---------------------------------------------------------------------


@MANY
@given(event=texts, key=keys)
def test_form_body_decodes_to_exactly_the_key_and_event(event: str, key: str) -> None:
    request = prepare(event, SANDBOX_EU, key)
    body = request.body.decode("ascii")
    assert parse_qs(body, keep_blank_values=True) == {"api_key": [key], "event": [event]}
    assert "+" not in body and " " not in body
    assert set(body) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~%&=")
    assert dict(request.headers)["Content-Length"] == str(len(request.body))


@MANY
@given(event=texts, key=keys)
def test_query_decodes_to_exactly_the_key_and_event(event: str, key: str) -> None:
    request = prepare(event, US, key, Transport.QUERY)
    request.url.encode("ascii")
    parts = urlsplit(request.url)
    assert parts.fragment == "" and parts.path == "/attribution"
    assert parse_qs(parts.query, keep_blank_values=True) == {"api_key": [key], "event": [event]}
    assert "+" not in parts.query and " " not in request.url
    assert request.body == b""


@MANY
@given(before=texts, bad=surrogates, after=texts, transport=st.sampled_from(FORM_TRANSPORTS))
def test_lone_surrogates_cannot_be_sent(
    before: str, bad: str, after: str, transport: Transport
) -> None:
    with pytest.raises(WireError, match="surrogate"):
        prepare(before + bad + after, US, KEY, transport)
    with pytest.raises(WireError, match="surrogate"):
        prepare("{}", US, before + bad + after, transport)
    with pytest.raises(WireError, match="surrogate"):
        prepare_v2([{"event_type": before + bad + after}], US, KEY)


# --- masking ---------------------------------------------------------------------------------


def requests_with(key: str) -> list[PreparedRequest]:
    return [
        prepare(NASTY_EVENT, US, key),
        prepare(NASTY_EVENT, SANDBOX_EU, key, Transport.QUERY),
        prepare_v2([{"event_type": "x", "device_id": "abcdef"}], US, key),
    ]


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("style", HIDING_STYLES)
def test_no_masked_or_env_rendering_contains_the_key(fmt: Format, style: KeyStyle) -> None:
    for request in requests_with(SENTINEL):
        text = request.render(fmt, style)
        assert SENTINEL not in text
        assert SENTINEL[:-4] not in text  # a long key shows at most its last four characters


@pytest.mark.parametrize("fmt", list(Format))
def test_revealed_renderings_contain_the_key(fmt: Format) -> None:
    for request in requests_with(SENTINEL):
        carries_key = not (
            (fmt is Format.QUERY and request.transport is not Transport.QUERY)
            or (fmt is Format.BODY and request.transport is Transport.QUERY)
        )
        assert (SENTINEL in request.render(fmt, KeyStyle.REVEAL)) is carries_key


def test_mask_key() -> None:
    assert mask_key("short") == "•" * 8
    assert mask_key(KEY) == "•" * 8 + KEY[-4:]
    assert mask_key("") == "•" * 8
    assert mask_key("0" * 20 + 'a"\\&') == "•" * 8  # a tail that needs escaping stays hidden


@MANY
@given(event=texts, key=keys)
def test_masking_changes_only_the_key_spans(event: str, key: str) -> None:
    body = prepare(event, US, key)
    (span,) = body.body_key_spans
    assert unquote(body.body_text()[span[0] : span[1]]) == key
    assert body.display_body(KeyStyle.REVEAL) == body.body_text()  # revealed = wire bytes
    assert body.display_body(KeyStyle.MASK) == masked_at_spans(
        body.body_text(), body.body_key_spans, key
    )
    query = prepare(event, SANDBOX_EU, key, Transport.QUERY)
    assert query.display_url(KeyStyle.REVEAL) == query.url
    assert query.display_url(KeyStyle.MASK) == masked_at_spans(query.url, query.url_key_spans, key)
    assert query.display_body(KeyStyle.MASK) == "" and body.display_url() == body.url


# --- curl ------------------------------------------------------------------------------------


@MANY
@given(event=texts, key=keys, transport=st.sampled_from(FORM_TRANSPORTS))
def test_revealed_curl_reproduces_the_url_and_body(
    event: str, key: str, transport: Transport
) -> None:
    request = prepare(event, US, key, transport)
    words = curl_words(request.render(Format.CURL, KeyStyle.REVEAL))
    assert words[:4] == ["curl", "-X", "POST", request.url]
    if request.body:
        assert words[words.index("--data-binary") + 1].encode("utf-8") == request.body
    else:
        assert "--data-binary" not in words and "Content-Length: 0" in words


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("transport", FORM_TRANSPORTS)
@pytest.mark.parametrize("style", [KeyStyle.REVEAL, KeyStyle.ENV])
def test_bash_runs_the_curl_command_with_the_exact_bytes(
    transport: Transport, style: KeyStyle
) -> None:
    request = prepare(NASTY_EVENT, US, KEY, transport)
    command = request.render(Format.CURL, style)
    if style is KeyStyle.ENV:
        assert KEY not in command and "${AMPLITUDE_API_KEY}" in command
    words = bash_words(command, {KEY_ENV_VAR: KEY})
    assert words[:4] == [b"curl", b"-X", b"POST", request.url.encode()]
    if request.body:
        assert words[words.index(b"--data-binary") + 1] == request.body
        assert b"Content-Type: " + FORM_CONTENT_TYPE.encode() in words
    else:
        assert b"--data-binary" not in words


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_runs_the_v2_curl_command_with_the_exact_bytes() -> None:
    request = prepare_v2([{"event_type": "it's $HOME `x` 😀", "device_id": "abcdef"}], US, KEY)
    for style in (KeyStyle.REVEAL, KeyStyle.ENV):
        words = bash_words(request.render(Format.CURL, style), {KEY_ENV_VAR: KEY})
        assert words[words.index(b"--data-binary") + 1] == request.body
        assert b"Content-Type: " + JSON_CONTENT_TYPE.encode() in words


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_a_body_over_the_argument_limit_goes_through_a_pipe(tmp_path: Path) -> None:
    # Linux refuses one argument over 128 KiB: "Argument list too long", nothing sent.
    request = prepare('{"event_type": "' + "é'x" * 60_000 + '"}', US, KEY)
    assert len(request.body) > 128 * 1024
    for style in (KeyStyle.REVEAL, KeyStyle.ENV):
        command = request.render(Format.CURL, style)
        assert command.startswith("printf %s ") and "--data-binary @-" in command
        # From a file, as a pasted or saved command runs (not bash -c: that is one argument).
        script = tmp_path / "send.sh"
        script.write_text("curl() { cat; }\n" + command, encoding="utf-8")  # curl's stdin
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), KEY_ENV_VAR: KEY}
        done = subprocess.run(["bash", str(script)], env=env, capture_output=True, check=True)
        assert done.stdout == request.body
    small = prepare(NASTY_EVENT, US, KEY).render(Format.CURL, KeyStyle.REVEAL)
    assert small.startswith("curl ") and "@-" not in small


@pytest.mark.parametrize(
    ("key", "json_escaped"),
    [("ab+c/d=e&f%g", False), ("kéy😀x", False), ('a\\b"c', True)],
)
def test_a_key_encoded_on_the_wire_is_never_copied_as_env(key: str, json_escaped: bool) -> None:
    # $AMPLITUDE_API_KEY would put the raw key where the encoded one is sent: percent-encoded
    # in a form body or URL, JSON-escaped in the V2 body (only quotes and backslashes there).
    form, query, v2 = requests_with(key)
    for request in (form, query, v2) if json_escaped else (form, query):
        assert not request.env_copy_ok()
        for fmt in (Format.CURL, Format.PYTHON, Format.HTTPIE):
            with pytest.raises(WireError, match="encoded on the wire"):
                request.render(fmt, KeyStyle.ENV)
        assert request.render(Format.CURL, KeyStyle.REVEAL)  # revealed still works
    assert v2.env_copy_ok() is not json_escaped
    assert all(request.env_copy_ok() for request in requests_with(KEY))


# --- python ----------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ALL_STYLES)
def test_python_rendering_is_valid_python(style: KeyStyle) -> None:
    for request in requests_with(KEY):
        compile(request.render(Format.PYTHON, style), "<snippet>", "exec")


@pytest.mark.parametrize("style", [KeyStyle.REVEAL, KeyStyle.ENV])
def test_python_rendering_posts_the_exact_url_and_body(style: KeyStyle) -> None:
    with mock.patch.dict(os.environ, {KEY_ENV_VAR: KEY}):
        for request in requests_with(KEY):
            url, kwargs = run_python(request.render(Format.PYTHON, style))
            assert url == request.url
            assert kwargs.get("data", b"") == request.body
            assert kwargs["timeout"] > 0
            if request.body:
                assert kwargs["headers"] == {"Content-Type": dict(request.headers)["Content-Type"]}


@MANY
@given(event=texts, key=keys, transport=st.sampled_from(FORM_TRANSPORTS))
def test_revealed_python_data_expression_gives_back_the_body(
    event: str, key: str, transport: Transport
) -> None:
    request = prepare(event, US, key, transport)
    url, kwargs = run_python(request.render(Format.PYTHON, KeyStyle.REVEAL))
    assert url == request.url
    assert kwargs.get("data", b"") == request.body


# --- decoded JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("transport", FORM_TRANSPORTS)
@pytest.mark.parametrize(
    ("style", "shown"),
    [(KeyStyle.MASK, mask_key(KEY)), (KeyStyle.REVEAL, KEY), (KeyStyle.ENV, "$AMPLITUDE_API_KEY")],
)
def test_decoded_json_rendering(transport: Transport, style: KeyStyle, shown: str) -> None:
    request = prepare(DOCS_EVENT, SANDBOX_EU, KEY, transport)
    decoded = json.loads(request.render(Format.JSON, style))
    assert decoded == {
        "method": "POST",
        "url": "http://127.0.0.1:8787/eu/attribution",
        "transport": transport.value,
        "api_key": shown,
        "event": json.loads(DOCS_EVENT),
    }


@pytest.mark.parametrize("transport", FORM_TRANSPORTS)
def test_decoded_json_shows_a_custom_urls_own_parameters(transport: Transport) -> None:
    custom = Destination(Region.EU, Target.CUSTOM, "http://127.0.0.1:9/eu/attribution?src=x&y=a%2Bb")
    decoded = json.loads(prepare(DOCS_EVENT, custom, KEY, transport).render(Format.JSON))
    if transport is Transport.QUERY:  # the query is the parameters: all decoded
        assert decoded["url"] == "http://127.0.0.1:9/eu/attribution"
        assert decoded["other_parameters"] == {"src": "x", "y": "a+b"}
    else:  # the URL goes out whole, its parameters beside the body's
        assert decoded["url"] == "http://127.0.0.1:9/eu/attribution?src=x&y=a%2Bb"
        assert "other_parameters" not in decoded


def test_decoded_json_shows_event_text_that_is_not_json_as_a_string() -> None:
    decoded = json.loads(prepare("not json", US, KEY).render(Format.JSON))
    assert decoded["event"] == "not json"


def test_body_and_query_formats() -> None:
    body = prepare(DOCS_EVENT, US, KEY)
    assert body.render(Format.BODY, KeyStyle.REVEAL) == body.body.decode()
    assert body.render(Format.BODY).startswith("api_key=" + mask_key(KEY) + "&event=%7B")
    assert body.render(Format.BODY, KeyStyle.ENV).startswith("api_key=$AMPLITUDE_API_KEY&event=")
    query = prepare(DOCS_EVENT, US, KEY, Transport.QUERY)
    assert query.render(Format.QUERY, KeyStyle.REVEAL) == query.url
    assert query.render(Format.BODY) == ""


# --- HTTP API V2 -----------------------------------------------------------------------------

V2_EVENTS = [{"event_type": "[Adjust] Install", "device_id": "abcdef", "idfa": "É 😀"}]


def test_prepare_v2_body_is_json_with_the_key() -> None:
    request = prepare_v2(V2_EVENTS, Destination(Region.EU), KEY, {"min_id_length": 1})
    assert request.url == "https://api.eu.amplitude.com/2/httpapi"
    assert request.method == "POST" and request.api is Api.HTTP_V2
    assert request.transport is Transport.JSON
    assert json.loads(request.body) == {
        "api_key": KEY,
        "events": V2_EVENTS,
        "options": {"min_id_length": 1},
    }
    headers = dict(request.headers)
    assert headers["Content-Type"] == JSON_CONTENT_TYPE
    assert headers["Content-Length"] == str(len(request.body))
    assert len(request.body) > len(request.body_text())  # bytes, not characters


def test_prepare_v2_empty_batch_and_custom_destination() -> None:
    destination = Destination(Region.US, Target.CUSTOM, "http://127.0.0.1:9/x/attribution")
    request = prepare_v2([], destination, KEY)
    assert request.url == "http://127.0.0.1:9/x/2/httpapi"
    assert json.loads(request.body) == {"api_key": KEY, "events": []}


def test_prepare_v2_decoded_rendering_masks_the_key() -> None:
    request = prepare_v2(V2_EVENTS, US, KEY)
    decoded = json.loads(request.render(Format.JSON))
    assert decoded["body"] == {"api_key": mask_key(KEY), "events": V2_EVENTS}
    assert decoded["transport"] == "json"


@MANY
@given(key=keys, value=texts)
def test_prepare_v2_key_span_masks_exactly_the_key(key: str, value: str) -> None:
    request = prepare_v2([{"event_type": value}], US, key)
    text = request.body_text()
    assert json.loads(request.body) == {"api_key": key, "events": [{"event_type": value}]}
    (span,) = request.body_key_spans
    assert json.loads('"' + text[span[0] : span[1]] + '"') == key
    assert request.display_body(KeyStyle.REVEAL) == text
    masked = request.display_body(KeyStyle.MASK)
    assert masked == masked_at_spans(text, request.body_key_spans, key)
    assert json.loads(masked)["api_key"] == mask_key(key)


def test_an_event_object_and_its_text_give_the_same_bytes() -> None:
    event = AttributionEvent(event_type="[A] b", platform="ios", idfa="X")
    assert prepare(event, US, KEY).body == prepare(event.canonical_json(), US, KEY).body


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_encode_component_is_quote_with_nothing_safe(text: str) -> None:
    # encode_component maps bytes through a table (it runs on every edit of a possibly
    # multi-megabyte event); it must spell everything exactly as quote(text, safe="").
    try:
        expected = quote(text, safe="")
    except UnicodeEncodeError:
        with pytest.raises(WireError):
            encode_component(text)
        return
    assert encode_component(text) == expected
