"""core.app_event: the matching app event, ID comparisons, and every V2 answer read."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution_workbench.core.answers import retry_after_seconds
from attribution_workbench.core.app_event import (
    DEFAULT_APP_EVENT_TYPE,
    THROTTLE_WAIT_S,
    case_mismatches,
    interpret_v2,
    matching_app_event,
    missing_ids,
    prepare_app_event,
)
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.regions import Api, Destination, Region, Target
from attribution_workbench.core.wire import Format, KeyStyle, Transport

IDFA = "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84"
IDFV = "A1B2C3D4-0000-4000-8000-ABCDEFABCDEF"
ADID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
KEY = "0123456789abcdef0123456789abcdef"
DEST = Destination(Region.US, Target.AMPLITUDE)


def ios(**ids: object) -> AttributionEvent:
    return AttributionEvent(event_type="[Adjust] Install", platform="ios", **ids)


# --- builder ---------------------------------------------------------------------------


def test_ios_event_copies_every_id_and_keeps_platform() -> None:
    event = matching_app_event(ios(idfa=IDFA, idfv=IDFV))
    assert event == {
        "event_type": DEFAULT_APP_EVENT_TYPE,
        "device_id": IDFV,  # idfv first for iOS
        "platform": "ios",
        "idfa": IDFA,
        "idfv": IDFV,
    }


def test_android_event_prefers_adid_then_app_set_id() -> None:
    attribution = AttributionEvent(
        event_type="x", platform="android", android_app_set_id=ADID, android_id="0123456789abcdef"
    )
    event = matching_app_event(attribution, event_type="Session Start")
    assert event["device_id"] == ADID
    assert event["platform"] == "android"
    assert event["event_type"] == "Session Start"
    assert event["android_app_set_id"] == ADID and event["android_id"] == "0123456789abcdef"
    with_adid = attribution.with_fields(adid="ffffffff-aaaa")
    assert matching_app_event(with_adid)["device_id"] == "ffffffff-aaaa"


@pytest.mark.parametrize(
    "odd",
    [
        "mixedCase-ID-With spaces ",
        "  leading",
        "ünïcödé-ÏD",
        "emoji-🙂-id",
        'quote"and\\backslash',
        "tab\tnewline\n",
        "+plus+sign+",
        "",
    ],
)
def test_odd_ids_are_copied_byte_identical(odd: str) -> None:
    attribution = ios(idfa=odd)
    event = matching_app_event(attribution)
    assert event["idfa"] == odd
    body = json.loads(prepare_app_event(event, DEST, KEY).body)
    assert body["events"][0]["idfa"] == odd
    assert body["events"][0]["idfa"].encode() == odd.encode()
    assert missing_ids(attribution, event) == []
    assert case_mismatches(attribution, event) == []


def test_non_string_ids_are_copied_as_they_are() -> None:
    attribution = ios(idfa=12345678)
    event = matching_app_event(attribution)
    assert event["idfa"] == 12345678
    assert missing_ids(attribution, {**event, "idfa": "12345678"}) == ["idfa"]
    assert missing_ids(attribution, {**event, "idfa": 12345678.0}) == ["idfa"]


@pytest.mark.parametrize("short", ["ABCD", "", "null", "00000000-0000-0000-0000-000000000000"])
def test_short_or_invalid_id_gets_a_random_device_id(short: str) -> None:
    event = matching_app_event(ios(idfa=short))
    uuid.UUID(event["device_id"])  # a fresh uuid4
    assert event["idfa"] == short


def test_five_characters_is_enough_and_explicit_device_id_wins() -> None:
    assert matching_app_event(ios(idfa="ABCDE"))["device_id"] == "ABCDE"
    assert matching_app_event(ios(idfa=IDFA), device_id="my-device")["device_id"] == "my-device"


def test_unknown_platform_is_kept_and_any_id_is_used() -> None:
    attribution = AttributionEvent(event_type="x", platform="IOS", adid=ADID)
    event = matching_app_event(attribution)
    assert event["platform"] == "IOS" and event["device_id"] == ADID
    assert "platform" not in matching_app_event(AttributionEvent(idfa=IDFA))


# --- comparisons -----------------------------------------------------------------------


def test_case_mismatches_and_missing_ids() -> None:
    attribution = ios(idfa=IDFA, idfv=IDFV)
    event = matching_app_event(attribution)
    lowered = {**event, "idfa": IDFA.lower()}
    assert case_mismatches(attribution, lowered) == ["idfa"]
    assert missing_ids(attribution, lowered) == ["idfa"]
    other = {key: value for key, value in event.items() if key != "idfv"}
    other["idfa"] = "something else"
    assert case_mismatches(attribution, other) == []
    assert missing_ids(attribution, other) == ["idfa", "idfv"]
    assert case_mismatches(attribution, event) == [] == missing_ids(attribution, event)


def test_prepare_app_event_is_one_v2_request_with_masked_key() -> None:
    event = matching_app_event(ios(idfa=IDFA))
    request = prepare_app_event(event, DEST, KEY)
    assert request.api is Api.HTTP_V2 and request.transport is Transport.JSON
    assert request.url == "https://api2.amplitude.com/2/httpapi"
    assert json.loads(request.body) == {"api_key": KEY, "events": [event]}
    for fmt in (Format.BODY, Format.CURL, Format.PYTHON, Format.JSON):
        shown = request.render(fmt, KeyStyle.MASK)
        assert KEY not in shown and IDFA in shown


# --- interpret_v2 ----------------------------------------------------------------------


def test_ingested() -> None:
    body = '{"code":200,"events_ingested":1,"payload_size_bytes":212,"server_upload_time":17}'
    answer = interpret_v2(200, body)
    assert answer.accepted and answer.events_ingested == 1
    assert answer.payload_size_bytes == 212 and answer.server_upload_time == 17
    assert answer.summary == "Ingested 1 event (212 bytes)."
    assert answer.error is None and not answer.invalid_key
    empty = interpret_v2(200, '{"code":200,"events_ingested":0,"payload_size_bytes":40}')
    assert empty.summary == "Ingested 0 events (40 bytes)."


def test_invalid_key_is_masked() -> None:
    answer = interpret_v2(400, json.dumps({"code": 400, "error": f"Invalid API key: {KEY}"}),
                          api_key=KEY)
    assert answer.invalid_key and not answer.accepted
    assert answer.summary.startswith("Rejected: Invalid API key")
    assert KEY not in answer.summary and KEY not in (answer.error or "")


def test_missing_field() -> None:
    body = '{"code":400,"error":"Request missing required field","missing_field":"api_key"}'
    answer = interpret_v2(400, body)
    assert answer.missing_field == "api_key" and answer.summary == "Missing field: api_key"


@pytest.mark.parametrize(
    "name", ["events_with_missing_fields", "events_with_invalid_fields",
             "events_with_invalid_id_lengths"]
)
def test_event_lists(name: str) -> None:
    body = json.dumps({"code": 400, "error": "Invalid field values on some events",
                       name: {"device_id": [0, 2]}})
    answer = interpret_v2(400, body)
    assert (name, "device_id", (0, 2)) in answer.event_problems
    assert "device_id" in answer.summary and "0, 2" in answer.summary
    as_list = interpret_v2(400, json.dumps({"code": 400, "error": "x", name: [1]}))
    assert as_list.event_problems == ((name, "", (1,)),)


def test_too_large() -> None:
    answer = interpret_v2(413, '{"code":413,"error":"Payload too large"}')
    assert answer.summary == "Too large (413): over 1 MB or 2000 events."


def test_throttled_without_and_with_retry_after() -> None:
    body = json.dumps({"code": 429, "error": "Too many requests for some devices and users",
                       "eps_threshold": 30, "throttled_devices": {"d": 31}})
    answer = interpret_v2(429, body)
    assert answer.retry_after_s == THROTTLE_WAIT_S
    assert answer.summary == (
        "Throttled (429): wait 30 s before retrying these devices (eps threshold 30)."
    )
    later = interpret_v2(429, body, {"retry-after": "7"})
    assert later.retry_after_s == 7.0 and "wait 7 s" in later.summary
    assert interpret_v2(429, "", {"Retry-After": "garbage"}).retry_after_s == THROTTLE_WAIT_S
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_errors_may_have_been_accepted(status: int) -> None:
    answer = interpret_v2(status, '{"code":500,"error":"Internal"}')
    assert not answer.accepted and "retrying can duplicate" in answer.summary


def test_unavailable_is_safe_to_retry() -> None:
    assert "Safe to retry" in interpret_v2(503, "", {"Retry-After": "2"}).summary
    assert interpret_v2(503, "", {"Retry-After": "2"}).retry_after_s == 2.0


@pytest.mark.parametrize(
    "text", ["<html><body><h1>502 Bad Gateway</h1></body></html>", "", "not json at all",
             "[1, 2]", '"a string"', "{", "\x00\xff"]
)
def test_odd_bodies(text: str) -> None:
    answer = interpret_v2(502, text)
    assert answer.summary and answer.events_ingested is None
    assert "<html>" not in answer.summary
    assert interpret_v2(200, text).summary.startswith("Accepted (HTTP 200)")
    assert interpret_v2(400, text).summary.startswith("Rejected (400)")


def test_wrong_types_in_json_are_ignored() -> None:
    body = json.dumps({"events_ingested": True, "payload_size_bytes": "12",
                       "missing_field": 3, "error": ["x"], "eps_threshold": "30",
                       "events_with_invalid_fields": {"x": "not a list"}})
    answer = interpret_v2(429, body)
    assert answer.events_ingested is None and answer.payload_size_bytes is None
    assert answer.missing_field is None and answer.summary.startswith("Throttled")


@settings(max_examples=300, deadline=None)
@given(
    status=st.integers(min_value=0, max_value=999),
    text=st.one_of(st.text(), st.builds(json.dumps, st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=10,
    ))),
    retry=st.one_of(st.none(), st.text()),
    key=st.one_of(st.none(), st.text()),
)
def test_interpret_v2_never_raises(
    status: int, text: str, retry: str | None, key: str | None
) -> None:
    headers = {"Retry-After": retry} if retry is not None else None
    answer = interpret_v2(status, text, headers, api_key=key)
    assert isinstance(answer.summary, str) and answer.summary
    if key and len(key) >= 8 and key not in text.replace(key, ""):
        assert key not in (answer.error or "")
