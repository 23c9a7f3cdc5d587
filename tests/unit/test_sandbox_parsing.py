"""Pure request parsing and validation of the sandbox (no sockets)."""

from __future__ import annotations

import io
import json
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution_workbench.sandbox import DEFAULT_CONFIG, DEMO_KEYS
from attribution_workbench.sandbox.parsing import (
    BodyTooLarge,
    ParseError,
    attribution_params,
    parse_form_body,
    parse_multipart,
    parse_urlencoded,
    read_chunked,
    split_target,
)
from attribution_workbench.sandbox.validation import check_attribution, check_httpapi

KEYS = frozenset({DEMO_KEYS["us"]})


def multipart(fields: dict[str, str], boundary: str = "XyZ") -> tuple[str, bytes]:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode() + b"\r\n"
        for name, value in fields.items()
    ]
    closing = f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + closing


def test_split_target() -> None:
    t = split_target("/eu/attribution?a=1")
    assert (t.region, t.endpoint, t.path, t.query, t.inspection) == (
        "eu", "/attribution", "/eu/attribution", "a=1", False)
    assert split_target("/2/httpapi").region == "us"
    assert split_target("/us").endpoint == "/"
    assert split_target("/usa/attribution").endpoint == "/usa/attribution"
    t = split_target("/_sandbox/requests?limit=2")
    assert (t.inspection, t.endpoint, t.region) == (True, "/requests", None)


def test_urlencoded_spaces_and_first_wins() -> None:
    assert parse_urlencoded("a=1+2&b=1%202&a=3&c&=x&&d=e=f") == {
        "a": "1 2", "b": "1 2", "c": "", "": "x", "d": "e=f"}
    assert parse_urlencoded(b"k=caf%C3%A9&bad=%ff&semi=1;2") == {
        "k": "café", "bad": "\ufffd", "semi": "1;2"}
    assert parse_urlencoded("a=%2B%26%3D%25") == {"a": "+&=%"}


def test_multipart_fields() -> None:
    ctype, body = multipart({"api_key": "k", "event": '{"a": "é\\n"}\r\nline2'})
    assert parse_multipart(ctype, body) == {"api_key": "k", "event": '{"a": "é\\n"}\r\nline2'}
    assert parse_form_body(ctype, body)["api_key"] == "k"
    with pytest.raises(ParseError):
        parse_multipart("multipart/form-data", body)  # no boundary
    with pytest.raises(ParseError):
        parse_multipart("multipart/form-data; boundary=other", body)


def test_form_body_media_types() -> None:
    assert parse_form_body(None, b"a=1") == {"a": "1"}
    assert parse_form_body("Application/X-WWW-Form-Urlencoded; charset=utf-8", b"a=1") == {
        "a": "1"}
    assert parse_form_body("application/json", b'{"a": 1}') == {}
    assert parse_form_body("text/plain", b"") == {}


def test_attribution_params_merge() -> None:
    params, note = attribution_params(b"api_key=q&event=q", None, b"event=b&api_key=")
    assert params == {"api_key": "q", "event": "b"} and note is None
    params, note = attribution_params("api_key=q", "multipart/form-data", b"junk")
    assert params == {"api_key": "q"} and note is not None and "boundary" in note
    params, note = attribution_params("", "application/json", b"{}")
    assert params == {} and note is not None and "application/json" in note


def test_read_chunked() -> None:
    stream = io.BytesIO(b"3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nrest")
    assert read_chunked(stream.readline, stream.read, 100) == b"abc0123456789"
    assert stream.read() == b"rest"
    for bad in (b"zz\r\n", b"3\r\nab", b"3\r\nabcXY0\r\n\r\n", b"", b"1" * 2000):
        stream = io.BytesIO(bad)
        with pytest.raises(ParseError):
            read_chunked(stream.readline, stream.read, 100)
    stream = io.BytesIO(b"65\r\n" + b"x" * 101 + b"\r\n0\r\n\r\n")
    with pytest.raises(BodyTooLarge):
        read_chunked(stream.readline, stream.read, 100)


@settings(deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_urlencoded_never_raises(data: bytes | str) -> None:
    result = parse_urlencoded(data)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())


SPECIAL = st.text(alphabet=st.sampled_from("+&=%# \n\r\t;?/é😀\x00\u2028"), max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), SPECIAL, st.text(alphabet=st.characters(codec="utf-8"))))
def test_percent_encoded_body_round_trips(text: str) -> None:
    body = ("api_key=k&event=" + quote(text, safe="")).encode("ascii")
    assert parse_urlencoded(body)["event"] == text
    assert parse_form_body("application/x-www-form-urlencoded", body)["event"] == text
    # The same through the query string and through urlencode's "+" spelling.
    assert attribution_params(body, None, b"")[0]["event"] == text
    assert parse_urlencoded(urlencode({"event": text}))["event"] == text


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=50), SPECIAL))
def test_multipart_round_trips_text(text: str) -> None:
    ctype, body = multipart({"event": text}, boundary="b0undary-7f3e")
    if "--b0undary-7f3e" in text:
        return
    assert parse_multipart(ctype, body)["event"] == text


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=10), st.text(max_size=200), max_size=4))
def test_check_attribution_never_raises(params: dict[str, str]) -> None:
    params.setdefault("api_key", DEMO_KEYS["us"])
    verdict = check_attribution(params, KEYS, DEFAULT_CONFIG)
    assert verdict.status in (200, 400)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20,
).map(lambda v: json.dumps(v).encode()))
def test_check_httpapi_never_raises(body: bytes) -> None:
    verdict = check_httpapi(body, KEYS, DEFAULT_CONFIG, 0)
    assert verdict.status in (200, 400, 413) and verdict.body["code"] == verdict.status


def test_check_attribution_order_and_rules() -> None:
    ok = json.dumps({"event_type": "e", "platform": "ios", "idfv": "X"})
    key = DEMO_KEYS["us"]
    assert check_attribution({"event": "junk"}, KEYS, DEFAULT_CONFIG).reason == "invalid_api_key"
    assert check_attribution({"api_key": key}, KEYS, DEFAULT_CONFIG).reason == "missing_event"
    verdict = check_attribution({"api_key": key, "event": ok}, KEYS, DEFAULT_CONFIG)
    assert (verdict.status, verdict.text, verdict.ad_ids) == (200, "success", {"idfv": "X"})
    bad_time = json.dumps({"event_type": "e", "platform": "ios", "idfv": "X", "time": 1e12})
    assert check_attribution({"api_key": key, "event": bad_time}, KEYS,
                             DEFAULT_CONFIG).reason == "invalid_time"
