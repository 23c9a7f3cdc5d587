"""Hostile and odd input (issue 8): property tests over every parser that takes user text.

Five targets, each with an explicit example budget. With ``CI=true`` (``.ci/run``) the
budgets below run in full (``EXAMPLES`` sums to more than 10,000, on top of the
properties in the other test modules); locally a tenth of each, so ``make test`` stays fast.
The switch is the Hypothesis profile tests/conftest.py loads ("ci": ``CI=true`` or
``HYPOTHESIS_PROFILE=ci``), so ``HYPOTHESIS_PROFILE`` can force either scale.

Properties: nothing raises (except the one documented exception type), nothing hangs
(every target runs with a bounded input size), and every rejection carries a sentence.
"""

from __future__ import annotations

import http.client
import io
import json
import string
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from attribution_workbench.core import batch, importer, rules
from attribution_workbench.core.event import KNOWN_FIELDS
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import Transport, WireError, prepare
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from attribution_workbench.sandbox.parsing import (
    ParseError,
    attribution_params,
    parse_form_body,
    parse_multipart,
    parse_urlencoded,
    read_chunked,
    split_target,
)

FULL = settings.get_current_profile_name() == "ci"
# Examples per test in CI; locally a tenth. Keys are the five targets of issue 8.
EXAMPLES: dict[str, dict[str, int]] = {
    "rules": {"json_events": 1500, "any_text": 1000, "mangled_json": 800},
    "wire": {"round_trip": 1500, "surrogates": 500},
    "importer": {"any_text": 1000, "shaped": 1500},
    "batch": {"jsonl": 800, "csv": 800, "file_bytes": 300},
    "sandbox_parser": {"form_body": 800, "chunked": 500, "target": 300, "params": 400},
}
HTTP_EXAMPLES = 300 if FULL else 40  # in addition: random requests over a real socket


def budget(target: str, test: str) -> settings:
    full = EXAMPLES[target][test]
    return settings(
        max_examples=full if FULL else max(20, full // 10),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- shared strategies ----------------------------------------------------------------------

ODD = list("\x00\x01\x08\t\n\r\x0b\x0c\x1b\x1f\x7f\u0085\u00a0\u2028\u2029\u200b\u200e\u200f"
           "\u202a\u202b\u202c\u202d\u202e\u2066\u2069\ufeff\ufffd\uffff"
           "\u0627\u0644\u0639\u05e9\u05dc\u05d5\u05dd😀🇩🇪e\u0301\"'\\{}[]:,+&=%#?;/ $`")
chars = st.one_of(st.sampled_from(ODD), st.characters(exclude_categories=("Cs",)))
odd_text = st.text(alphabet=chars, max_size=40)
any_text = st.text(max_size=400)  # surrogates included
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), odd_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(sorted(KNOWN_FIELDS)) | odd_text
events = st.dictionaries(field_names, json_values, max_size=8) | st.fixed_dictionaries(
    {"event_type": odd_text, "platform": st.sampled_from(["ios", "android", "IOS", "", "web"])},
    optional={
        "idfa": odd_text | st.uuids().map(str), "adid": odd_text, "time": json_scalars,
        "user_properties": st.dictionaries(odd_text, json_values, max_size=6) | json_values,
    },
)


def json_text(value: object, indent: int | None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)


# --- rules ----------------------------------------------------------------------------------


def assert_explained(findings: list[rules.Finding]) -> None:
    for finding in findings:
        assert isinstance(finding.level, rules.Level)
        assert finding.message.strip()
        if finding.level is rules.Level.ERROR:
            # Every message starts with the field's name, as shown to the user.
            assert finding.message.startswith(rules._label(finding.field) + ":"), finding


@budget("rules", "json_events")
@given(events, st.sampled_from([None, 2]), st.integers(0, 2**45))
def test_rules_explain_any_json_event(event: dict[str, object], indent: int | None,
                                      now: int) -> None:
    findings = rules.check_text(json_text(event, indent), now_ms=now)
    assert_explained(findings)


@budget("rules", "any_text")
@given(any_text | odd_text)
def test_rules_never_raise_on_any_text(text: str) -> None:
    findings = rules.check_text(text, now_ms=1_700_000_000_000)
    assert_explained(findings)


@budget("rules", "mangled_json")
@given(events, st.data())
def test_rules_explain_mangled_json(event: dict[str, object], data: st.DataObject) -> None:
    text = json_text(event, None)
    cut = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(["", ",", "'", "\u201c", "}", "]", "NaN", "\x00", "{"]))
    mangled = text[:cut] + insert + text[cut + data.draw(st.integers(0, 3)):]
    findings = rules.check_text(mangled, now_ms=1_700_000_000_000)
    assert_explained(findings)
    try:
        value = json.loads(mangled)
    except (ValueError, RecursionError):
        assert rules.has_errors(findings)  # not JSON: always an error that says so
    else:
        if not isinstance(value, dict):
            assert rules.has_errors(findings)


@pytest.mark.parametrize("text", ["[]", "[1, 2]", "0", "-1.5e300", '"x"', "null", "true",
                                  "[" * 100_000, '{"a":' * 50_000])
def test_rules_name_the_problem_with_non_objects(text: str) -> None:
    findings = rules.check_text(text)
    assert rules.has_errors(findings)
    assert_explained(findings)


# --- wire encoding --------------------------------------------------------------------------

SANDBOX = Destination(Region.EU, Target.SANDBOX, "http://127.0.0.1:8787")


@budget("wire", "round_trip")
@given(st.text(alphabet=chars, max_size=300) | events.map(lambda e: json_text(e, None)),
       st.text(alphabet=chars, max_size=40), st.sampled_from([Transport.BODY, Transport.QUERY]))
def test_wire_round_trips_any_text(event: str, key: str, transport: Transport) -> None:
    request = prepare(event, SANDBOX, key, transport)
    raw = request.body.decode("ascii") if transport is Transport.BODY else (
        urlsplit(request.url).query)
    assert parse_qs(raw, keep_blank_values=True, strict_parsing=False) == {
        "api_key": [key], "event": [event]}
    assert request.event_text == event


@budget("wire", "surrogates")
@given(st.text(max_size=60), st.integers(0xD800, 0xDFFF).map(chr), st.text(max_size=60),
       st.booleans(), st.sampled_from([Transport.BODY, Transport.QUERY]))
def test_wire_refuses_surrogates_with_a_sentence(
    before: str, bad: str, after: str, in_key: bool, transport: Transport
) -> None:
    text = before + bad + after
    with pytest.raises(WireError) as caught:
        prepare("{}" if in_key else text, SANDBOX, text if in_key else "k", transport)
    assert "surrogate" in str(caught.value) and str(caught.value).endswith(".")


# --- paste importer -------------------------------------------------------------------------

curl_words = st.sampled_from([
    "curl", "$ curl", "curl.exe", "-X", "POST", "-G", "-d", "--data", "--data-urlencode",
    "--data-binary", "--data-raw", "-H", "'Content-Type: application/json'", "\\\n",
    "https://api2.amplitude.com/attribution", "http://127.0.0.1:8787/eu/attribution",
    "https://api.eu.amplitude.com/attribution?api_key=x", "'api_key=$AMPLITUDE_API_KEY'",
    "\"api_key=${KEY}\"", "event='{\"a\":1}'", "'event={\"platform\":\"ios\"}'", "@file.json",
    "'", '"', "$'\\x00'", "`id`", "&", "|", ";", "#", "^", "```", "\r\n", "\u202e",
]) | st.text(alphabet=chars, max_size=12)
http_lines = st.sampled_from([
    "POST /attribution HTTP/1.1", "GET /eu/attribution?api_key=a&event=%7B%7D HTTP/1.1",
    "Host: api2.amplitude.com", "Host: evil.example", "Content-Type: application/x-www-form-"
    "urlencoded", "", "api_key=k&event=%7B%22platform%22%3A%22ios%22%7D", "event={", "\t",
]) | st.text(alphabet=chars, max_size=30)
shaped_pastes = st.one_of(
    st.lists(curl_words, max_size=14).map(" ".join),
    st.lists(http_lines, max_size=8).map("\r\n".join),
    st.tuples(st.sampled_from(["https://api2.amplitude.com/attribution?", "api_key=", ""]),
              st.lists(st.tuples(st.sampled_from(["api_key", "event", "x", ""]), odd_text),
                       max_size=4)).map(
        lambda p: p[0] + "&".join(f"{k}={quote(v)}" for k, v in p[1])),
    events.map(lambda e: "```json\n" + json_text(e, 2) + "\n```"),
)


def assert_paste_explained(result: importer.ImportResult) -> None:
    assert result.recognised or result.problems, result  # something is always said
    assert all(isinstance(p, str) and p.strip() for p in result.problems)
    if not result.usable:
        assert result.problems, result
    assert isinstance(result.summary(), str)


@budget("importer", "any_text")
@given(any_text | odd_text)
def test_importer_never_raises_on_any_text(text: str) -> None:
    assert_paste_explained(importer.parse_paste(text))


@budget("importer", "shaped")
@given(shaped_pastes)
def test_importer_explains_curl_http_and_form_lookalikes(text: str) -> None:
    assert_paste_explained(importer.parse_paste(text))


def test_importer_safety_net_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(text: str) -> importer.ImportResult:
        raise RecursionError("deep")

    monkeypatch.setattr(importer, "_parse", boom)
    assert_paste_explained(importer.parse_paste("curl x"))


# --- batch readers --------------------------------------------------------------------------


def assert_rows_explained(rows: list[batch.Row]) -> None:
    for row in rows:
        if not row.valid:
            problems = row.problems()
            assert problems and all(p.strip() for p in problems), row


jsonl_lines = st.lists(
    st.one_of(any_text, odd_text, events.map(lambda e: json_text(e, None))), max_size=8)


@budget("batch", "jsonl")
@given(jsonl_lines, st.sampled_from(["\n", "\r\n", ""]))
def test_jsonl_reader_never_raises(lines: list[str], end: str) -> None:
    rows = list(batch.read_jsonl(line + end for line in lines))
    assert_rows_explained(rows)


csv_cell = st.one_of(odd_text, st.sampled_from(['"', '""', "\"a\"\"b\"", ",", "\r", "\n", "{}",
                                                '{"a":1}', "1e999", "-0", "\ufeff"]))
csv_header = st.lists(st.sampled_from(sorted(KNOWN_FIELDS) + [
    "user_properties.[X] a", "user_properties.", "", "time", "x y"]) | odd_text, max_size=6)


@budget("batch", "csv")
@given(csv_header, st.lists(st.lists(csv_cell, max_size=7), max_size=5), st.booleans())
def test_csv_reader_never_raises(header: list[str], rows: list[list[str]], raw: bool) -> None:
    if raw:  # cells joined without quoting: broken quotes, ragged rows
        text = "\n".join(",".join(cells) for cells in [header, *rows])
    else:
        out = io.StringIO()
        import csv

        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        text = out.getvalue()
    assert_rows_explained(list(batch.read_csv(io.StringIO(text, newline=""))))


@budget("batch", "file_bytes")
@given(st.binary(max_size=300) | odd_text.map(lambda t: t.encode("utf-8")),
       st.sampled_from(["rows.csv", "rows.jsonl"]))
def test_batch_files_of_any_bytes_are_read_or_refused_with_a_sentence(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, name: str
) -> None:
    path = tmp_path_factory.mktemp("batch") / name
    path.write_bytes(data)
    try:
        rows = list(batch.iter_rows(path))
    except ValueError as exc:  # what the CLI and the batch dialog catch (bad UTF-8)
        assert str(exc).strip()
    else:
        assert_rows_explained(rows)


def test_csv_field_over_the_csv_module_limit_is_an_invalid_row(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("event_type,platform\n" + "x" * 200_000 + ",ios\n[A] B,ios\n")
    try:
        rows = list(batch.iter_rows(path))
    except ValueError as exc:
        assert str(exc).strip()
    else:
        assert_rows_explained(rows)
        assert rows and not rows[0].valid


# --- the sandbox's request parser -----------------------------------------------------------

content_types = st.sampled_from([
    None, "", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=x",
    "multipart/form-data", "multipart/form-data; boundary=b", "multipart/form-data; boundary=",
    'multipart/form-data; boundary="a b"', "multipart/form-data; boundary=\x00\r\n",
    "text/plain", "application/json",
]) | st.text(alphabet=chars, max_size=60)
# Any boundary at all (surrogates too), for the multipart parser.
any_boundary = st.text(max_size=60).map("multipart/form-data; boundary={}".format)


def multipart_body(boundary: str, parts: list[tuple[str, str]], tail: bytes) -> bytes:
    out = b""
    for name, value in parts:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode("utf-8", "surrogatepass")
    return out + f"--{boundary}--".encode("utf-8", "surrogatepass") + tail


bodies = st.one_of(
    st.binary(max_size=400),
    st.binary(max_size=300).map(b"--".__add__),  # starts like a multipart delimiter
    st.text(alphabet=chars, max_size=200).map(lambda t: t.encode()),
    st.builds(multipart_body, st.sampled_from(["b", "a b", ""]),
              st.lists(st.tuples(odd_text, odd_text), max_size=3), st.binary(max_size=20)),
)


@budget("sandbox_parser", "form_body")
@given(content_types | any_boundary, bodies)
def test_sandbox_form_parsing_raises_only_parse_error(ctype: str | None, body: bytes) -> None:
    try:
        params = parse_form_body(ctype, body)
    except ParseError as exc:
        assert str(exc).strip()
    else:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    if ctype and ctype.lower().startswith("multipart"):
        try:
            parse_multipart(ctype, body)
        except ParseError as exc:
            assert str(exc).strip()


@budget("sandbox_parser", "params")
@given(any_text | st.binary(max_size=200), content_types, bodies)
def test_sandbox_attribution_params_never_raise(query: str | bytes, ctype: str | None,
                                                body: bytes) -> None:
    params, note = attribution_params(query, ctype, body)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    assert note is None or note.strip()
    parse_urlencoded(query)


chunk_streams = st.one_of(
    st.binary(max_size=200),
    st.lists(st.tuples(st.binary(max_size=20), st.sampled_from([b"\r\n", b"\n", b"", b"x"]),
                       st.integers(-2, 2)), max_size=5).map(
        lambda chunks: b"".join(
            f"{max(0, len(c) + d):x}".encode() + b"\r\n" + c + end for c, end, d in chunks)
        + b"0\r\n\r\n"),
)


@budget("sandbox_parser", "chunked")
@given(chunk_streams, st.integers(0, 100))
def test_sandbox_chunked_reader_raises_only_parse_error(stream: bytes, limit: int) -> None:
    source = io.BytesIO(stream)
    try:
        body = read_chunked(source.readline, source.read, limit)
    except ParseError as exc:
        assert str(exc).strip()
    else:
        assert len(body) <= limit


@budget("sandbox_parser", "target")
@given(any_text | st.sampled_from(["http://", "https://x", "/_sandbox", "//", "?", "#"]))
def test_sandbox_split_target_never_raises(target: str) -> None:
    routed = split_target(target)
    assert routed.inspection or routed.region in ("us", "eu")


# --- the sandbox over real HTTP -------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_sandbox() -> object:
    with SandboxServer() as server:
        yield server


http_paths = st.sampled_from(["/us/attribution", "/eu/attribution", "/attribution"])
http_queries = st.one_of(
    st.just(""),
    st.text(alphabet=string.ascii_letters + string.digits + "%&=+;-_.~!*'()[]{}\"", max_size=80),
    st.builds(lambda key, event: f"api_key={quote(key, safe='')}&event={quote(event, safe='')}",
              st.sampled_from([DEMO_KEYS["us"], DEMO_KEYS["eu"], "", "x"]),
              events.map(lambda e: json_text(e, None)) | odd_text),
)


@settings(max_examples=HTTP_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(path=http_paths, query=http_queries, ctype=content_types.filter(
    lambda c: c is None or all(32 <= ord(ch) < 127 for ch in c)), body=bodies)
def test_sandbox_answers_any_request_over_http(
    hostile_sandbox: SandboxServer, path: str, query: str, ctype: str | None, body: bytes
) -> None:
    assume(ctype is None or ctype.strip() == ctype)
    conn = http.client.HTTPConnection(hostile_sandbox.host, hostile_sandbox.port, timeout=10)
    try:
        headers = {"Content-Length": str(len(body))}
        if ctype is not None:
            headers["Content-Type"] = ctype
        conn.request("POST", path + ("?" + query if query else ""), body=body, headers=headers)
        response = conn.getresponse()  # a dropped connection raises here
        response.read()
    finally:
        conn.close()
    assert response.status in (200, 400, 413), (response.status, path, query, ctype)


def test_sandbox_still_serves_after_the_hostile_requests(hostile_sandbox: SandboxServer) -> None:
    event = json.dumps({"event_type": "[A] Install", "platform": "ios",
                        "idfa": "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84"})
    conn = http.client.HTTPConnection(hostile_sandbox.host, hostile_sandbox.port, timeout=10)
    try:
        conn.request("POST", "/us/attribution",
                     body=f"api_key={DEMO_KEYS['us']}&event={quote(event, safe='')}",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert conn.getresponse().status == 200
    finally:
        conn.close()
