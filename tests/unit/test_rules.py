"""Rules: every rule over good and bad input, with level, field and the message's key words."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution_workbench.core.event import (
    KNOWN_FIELDS,
    V2_INVALID_IDS,
    AttributionEvent,
    parse_event_text,
)
from attribution_workbench.core.rules import (
    Finding,
    Level,
    check_event,
    check_parsed,
    check_text,
    errors,
    has_errors,
)

NOW = 1_764_000_000_000  # 2025-11-24
IDFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC"
IDFV = "F2B3C1D0-5E4F-4A3B-9C8D-7E6F5A4B3C2D"
ADID = "cdda802e-fb9c-47ad-9866-0794d394c912"
APP_SET_ID = "0e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170"
ANDROID_ID = "a1b2c3d4e5f60718"
ZERO = "00000000-0000-0000-0000-000000000000"
DROP = object()  # marks a key to remove from the base event

# The docs' two examples, verbatim (iOS: the form-body example; Android: the query example).
DOCS_IOS = (
    '{"event_type":"[YOUR COMPANY] Install", "idfa": "AEBE52E7-03EE-455A-B3C4-E57283966239", '
    '"user_properties": {"[YOUR COMPANY] media source": "facebook", "[YOUR COMPANY] campaign": '
    '"refer-a-friend"}, "platform": "ios"}'
)
DOCS_ANDROID = (
    '{"event_type":"[YOUR COMPANY] Install","adid": "AEBE52E7-03EE-455A-B3C4-E57283966239", '
    '"user_properties": {"[YOUR COMPANY] media source": "facebook", "[YOUR COMPANY] campaign": '
    '"refer-a-friend"}, "platform": "android"}'
)


def ios(**changes: Any) -> dict[str, Any]:
    return _apply(
        {
            "event_type": "[Adjust] Install",
            "platform": "ios",
            "idfa": IDFA,
            "user_properties": {"[Adjust] network": "facebook", "[Adjust] campaign": "xmas"},
        },
        changes,
    )


def android(**changes: Any) -> dict[str, Any]:
    return _apply({"event_type": "[Adjust] Install", "platform": "android", "adid": ADID}, changes)


def _apply(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        if value is DROP:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def check(event: dict[str, Any] | str) -> list[Finding]:
    text = event if isinstance(event, str) else json.dumps(event)
    return check_text(text, now_ms=NOW)


def describe(findings: list[Finding]) -> str:
    return "\n".join(f"{f.level.value} {f.field} {f.property_key}: {f.message}" for f in findings)


def assert_finding(
    findings: list[Finding],
    field: str,
    level: Level,
    words: list[str],
    property_key: str | None = None,
) -> Finding:
    """Exactly one finding of ``level`` on ``field`` (and key); its message has every word."""
    matching = [
        f
        for f in findings
        if f.field == field and f.level is level and f.property_key == property_key
    ]
    assert len(matching) == 1, describe(findings)
    message = matching[0].message
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"
    return matching[0]


def assert_all_named(findings: list[Finding]) -> None:
    for finding in findings:
        known = finding.field in KNOWN_FIELDS or finding.field == "event"
        label = finding.field if known else json.dumps(finding.field)
        assert finding.message.startswith(label + ": "), finding.message
        assert finding.message.rstrip().endswith((".", "?")), finding.message


# --- clean events ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        ios(),
        ios(idfa=DROP, idfv=IDFV),
        ios(idfv=IDFV),
        ios(user_properties=DROP),
        ios(time=NOW),
        ios(time=NOW - 86_400_000),
        ios(time=NOW + 60_000),  # within the clock-skew allowance
        ios(event_type="[Branch] INSTALL", user_properties={"[Branch] channel": "facebook"}),
        ios(user_properties={"$set": {"[Adjust] network": "x"}, "[Adjust] campaign": "y"}),
        ios(user_properties={"[Adjust] nested": {"a": [1, 2]}, "[Adjust] n": 1.5}),
        android(),
        android(adid=DROP, android_app_set_id=APP_SET_ID),
        android(android_app_set_id=APP_SET_ID, android_id=ANDROID_ID),
        android(android_id=ANDROID_ID.upper()),
        android(event_type="[adjust] install", user_properties={"[adjust] network": "x"}),
    ],
)
def test_a_correct_event_gives_no_findings(event: dict[str, Any]) -> None:
    assert check(event) == []


@pytest.mark.parametrize("text", [DOCS_IOS, DOCS_ANDROID])
def test_the_docs_examples_give_no_errors_and_no_warnings(text: str) -> None:
    findings = check(text)
    assert [f for f in findings if f.level is not Level.INFO] == [], describe(findings)
    # Only the conventions: the [YOUR COMPANY] placeholder and the docs' example ID.
    id_field = "idfa" if json.loads(text)["platform"] == "ios" else "adid"
    assert {f.field for f in findings} == {"event_type", "user_properties", id_field}
    assert_finding(findings, id_field, Level.INFO, ["example ID"])
    assert_finding(findings, "event_type", Level.INFO, ["placeholder", "[YOUR COMPANY]"])
    assert_all_named(findings)


def test_docs_example_as_an_event_built_from_fields_is_clean_too() -> None:
    event = AttributionEvent.from_dict(json.loads(DOCS_IOS))
    assert not [f for f in check_event(event, now_ms=NOW) if f.level is not Level.INFO]


# --- errors ----------------------------------------------------------------------------------

ERROR_CASES = [
    # (event, field, words)
    (ios(event_type=DROP), "event_type", ["missing", "required", "[Adjust] Install"]),
    (ios(event_type=None), "event_type", ["null", "required"]),
    (ios(event_type=""), "event_type", ["empty", "required"]),
    (ios(event_type="   "), "event_type", ["empty"]),
    (ios(event_type=5), "event_type", ["number", "string"]),
    (ios(event_type=["x"]), "event_type", ["array", "string"]),
    (ios(event_type=DROP, **{"event-type": "x"}), "event_type", ['"event-type"', "rename"]),
    (ios(platform=DROP), "platform", ["missing", '"ios" or "android"', 'probably "ios"']),
    (android(platform=DROP), "platform", ['probably "android"']),
    (ios(platform=None), "platform", ["null"]),
    (ios(platform="iOS"), "platform", ['"iOS"', 'exactly "ios"', "lower case", 'Use "ios"']),
    (ios(platform="IOS"), "platform", ['Use "ios"']),
    (ios(platform=" ios"), "platform", ["no spaces", 'Use "ios"']),
    (android(platform="Android"), "platform", ['Use "android"']),
    (android(platform="android\n"), "platform", ['Use "android"']),
    (android(platform="Android OS"), "platform", ['exactly "ios" or "android"', 'Use "android"']),
    (ios(platform="iPhone"), "platform", ['Use "ios"']),
    (ios(platform="web"), "platform", ['exactly "ios" or "android"', "iOS and Android"]),
    (ios(platform=1), "platform", ["number", "string"]),
    (ios(idfa=DROP), "idfa", ["ios event needs idfa or idfv", "advertising ID"]),
    (ios(idfa=""), "idfa", ["idfa or idfv", "idfa is empty"]),
    (ios(idfa=" ", idfv=""), "idfa", ["idfa is empty", "idfv is empty"]),
    (ios(idfa=DROP, IDFA=IDFA), "idfa", ['"IDFA"', "rename it to idfa"]),
    (android(adid=DROP), "adid", ["android event needs adid or android_app_set_id"]),
    (android(adid=DROP, android_id=ANDROID_ID), "adid", ["android_id alone is not enough"]),
    (ios(idfa=123), "idfa", ["number", "strings", "quotes"]),
    (ios(idfa=123, idfv=IDFV), "idfa", ["number", "strings"]),
    (ios(idfv=True), "idfv", ["boolean", "strings"]),
    (android(adid={"id": ADID}), "adid", ["object", "strings"]),
    (android(android_id=123), "android_id", ["number", "strings"]),
    (ios(time="1396381378123"), "time", ["string", "JSON integer", "Remove the quotes"]),
    (ios(time=" 1396381378123 "), "time", ["Remove the quotes: 1396381378123."]),
    (ios(time="yesterday"), "time", ["string", "milliseconds since epoch"]),
    (ios(time=1396381378123.0), "time", ["decimal", "without the decimal point: 1396381378123"]),
    (ios(time=1396381378123.7), "time", ["decimal", "Round", "1396381378124"]),
    (ios(time=True), "time", ["boolean", "integer"]),
    (ios(time=False), "time", ["boolean"]),
    (ios(time=[NOW]), "time", ["array", "integer"]),
    (ios(time={"ms": NOW}), "time", ["object", "integer"]),
    (ios(user_properties=[]), "user_properties", ["array", "must be an object"]),
    (ios(user_properties=["a", "b"]), "user_properties", ["array", "object"]),
    (ios(user_properties="facebook"), "user_properties", ["string", "object"]),
    (ios(user_properties='{"a": 1}'), "user_properties", ["string holding JSON", "quotes"]),
    (ios(user_properties=3), "user_properties", ["number", "object"]),
    (ios(user_properties=True), "user_properties", ["boolean", "object"]),
]


@pytest.mark.parametrize(("event", "field", "words"), ERROR_CASES)
def test_errors(event: dict[str, Any], field: str, words: list[str]) -> None:
    findings = check(event)
    assert_finding(findings, field, Level.ERROR, words)
    assert has_errors(findings)
    assert errors(findings) == [f for f in findings if f.level is Level.ERROR]
    assert_all_named(findings)


def test_an_ios_event_without_ids_gets_one_error_not_one_per_field() -> None:
    findings = check(ios(idfa="", idfv=""))
    assert len(errors(findings)) == 1
    assert [f.level for f in findings] == [Level.ERROR], describe(findings)


# --- text that is not one JSON object --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["empty", "JSON object"]),
        ("   \n\t", ["empty"]),
        ('{"event_type": "x",\n  "platform": ios}', ["not valid JSON", "line 2, column 15"]),
        ('{"event_type" "x"}', ["not valid JSON", "line 1, column 15"]),
        ("{'event_type': 'x'}", ["line 1, column 2", "double quotes", "not single quotes"]),
        ('{"a": 1,\n}', ["line 2, column 1", "trailing comma"]),
        ('{"a": [1, 2,]}', ["trailing comma"]),
        ('{"event_type": \u201cx\u201d}', ["line 1, column 16", "typographic quotes"]),
        ('{"event_type": "a\nb"}', ["Invalid control character", "line 1"]),
        ('{"event_type": "x"', ["not valid JSON", "line 1"]),
        ('{"a": 1} {"b": 2}', ["Extra data"]),
        ("[]", ["array", "ONE event object per request", "separately", "batch"]),
        ('[{"event_type": "x"}, {"event_type": "y"}]', ["array", "per request"]),
        ("42", ["number", "must be a JSON object"]),
        ("1.5", ["number", "JSON object"]),
        ('"{}"', ["string", "JSON object"]),
        ("null", ["null", "JSON object"]),
        ("true", ["boolean", "JSON object"]),
        ("[" * 100_000, ["nested too deeply"]),
        ('{"event_type": "x", "platform": "ios", "idfa": "A", "time": NaN}', ["NaN", "not valid"]),
        ('{"event_type": "x", "a": Infinity, "b": -Infinity}', ["-Infinity, Infinity"]),
    ],
)
def test_text_that_is_not_one_json_object(text: str, words: list[str]) -> None:
    findings = check(text)
    finding = assert_finding(findings, "event", Level.ERROR, words)
    assert finding.message.startswith("event: ")
    assert has_errors(findings)


def test_parse_errors_report_only_the_parse_problem() -> None:
    assert len(check("{")) == 1
    assert len(check("[1]")) == 1


# --- warnings --------------------------------------------------------------------------------

ZERO_WORDS = ["all-zero", "Limit Ad Tracking", "App Tracking Transparency", "simulators"]
ZERO_WORDS += ["invalid", "never matches", "real device"]

WARNING_CASES = [
    # the all-zero ID in every ID field
    (ios(idfa=ZERO), "idfa", ZERO_WORDS),
    (ios(idfv=ZERO), "idfv", ZERO_WORDS),
    (android(adid=ZERO), "adid", ZERO_WORDS),
    (android(android_app_set_id=ZERO), "android_app_set_id", ZERO_WORDS),
    (android(android_id="0000000000000000"), "android_id", ["all-zero"]),
    (ios(idfa="00000000000000000000000000000000"), "idfa", ["all-zero"]),
    # other known junk
    (android(adid="unknown"), "adid", ["placeholder", "invalid device ID", "never matches"]),
    (android(android_id="9774d56d682e549c"), "android_id", ["many Android devices share"]),
    (android(android_id="Android"), "android_id", ["placeholder"]),
    (android(android_id="DEFACE"), "android_id", ["placeholder"]),
    (ios(idfv="null"), "idfv", ["placeholder"]),
    (ios(idfv="None"), "idfv", ["placeholder"]),
    (ios(idfv="N/A"), "idfv", ["placeholder"]),
    (ios(idfv="undefined"), "idfv", ["placeholder"]),
    (ios(idfv="anonymous"), "idfv", ["placeholder"]),
    (ios(idfv="{}"), "idfv", ["placeholder"]),
    (ios(idfv="-1"), "idfv", ["placeholder"]),
    (ios(idfv="0"), "idfv", ["all-zero"]),
    (android(android_id="lmy47d"), "android_id", ["placeholder"]),
    # not a UUID where one is expected
    (ios(idfa="not-an-id"), "idfa", ['"not-an-id"', "not a UUID", "8-4-4-4-12", "advertising"]),
    (ios(idfv="12345"), "idfv", ["not a UUID", "vendor ID"]),
    (android(adid="38400000-8cf0-11bd-b23e-10b96e40000"), "adid", ["not a UUID"]),
    (android(android_app_set_id="abc"), "android_app_set_id", ["not a UUID", "app set ID"]),
    (ios(idfa=IDFA.replace("-", "")), "idfa", ["without dashes", "8-4-4-4-12"]),
    (ios(idfa="{" + IDFA + "}"), "idfa", ["braces", IDFA]),
    # case: matching is case-sensitive
    (ios(idfa=IDFA.lower()), "idfa", ["lower case", "case-sensitive", IDFA, "very same string"]),
    (ios(idfv=IDFV[:8] + IDFV[8:].lower()), "idfv", ["lower case", IDFV]),
    (android(adid=ADID.upper()), "adid", ["upper case", "case-sensitive", ADID, "very same"]),
    (
        android(android_app_set_id=APP_SET_ID.upper()),
        "android_app_set_id",
        ["upper case", APP_SET_ID],
    ),
    # spacing and emptiness
    (ios(idfa=f" {IDFA} "), "idfa", ["spaces", "exact string", IDFA]),
    (ios(idfv=""), "idfv", ["empty", "invalid", "remove the key"]),
    (android(android_app_set_id="  "), "android_app_set_id", ["empty"]),
    (ios(idfv=None), "idfv", ["null", "remove the key"]),
    (ios(event_type=" [Adjust] Install "), "event_type", ["spaces", '"[Adjust] Install"']),
    # time
    (ios(time=1_700_000_000), "time", ["looks like seconds", "Multiply by 1000: 1700000000000"]),
    (ios(time=1_396_381_378), "time", ["seconds", "1970-01-17"]),
    (ios(time=0), "time", ["1970-01-01", "milliseconds"]),
    (ios(time=-5), "time", ["1969-12-31"]),
    (ios(time=1_700_000_000_000_000), "time", ["microseconds", "Divide by 1000: 1700000000000"]),
    (ios(time=1_700_000_000_000_000_000), "time", ["nanoseconds", "Divide by 1000000"]),
    (ios(time=NOW + 10 * 60_000), "time", ["future", "2025-11-24", "upload time"]),
    (ios(time=NOW + 400 * 86_400_000), "time", ["future", "2026-"]),
    (ios(time=None), "time", ["null", "remove the key"]),
    # an ID of the other platform
    (ios(adid=ADID), "adid", ["android ID in an ios event", "not used for matching on ios"]),
    (ios(android_id=ANDROID_ID), "android_id", ["android ID", "not used for matching"]),
    (ios(android_app_set_id=APP_SET_ID), "android_app_set_id", ["android ID"]),
    (android(idfa=IDFA), "idfa", ["ios ID in an android event", "matching on android"]),
    (android(idfv=IDFV), "idfv", ["ios ID"]),
    # unknown keys that look like documented ones
    (ios(**{"event-type": "x"}), "event-type", ['did you mean "event_type"', "Rename"]),
    (ios(eventType="x"), "eventType", ['did you mean "event_type"']),
    (ios(evnet_type="x"), "evnet_type", ['did you mean "event_type"']),
    (ios(**{"idfa ": IDFA}), "idfa ", ['did you mean "idfa"']),
    (ios(IDFV=IDFV), "IDFV", ['did you mean "idfv"']),
    (ios(userProperties={}), "userProperties", ['did you mean "user_properties"']),
    (ios(user_property={}), "user_property", ['did you mean "user_properties"']),
    (ios(Platform="ios"), "Platform", ['did you mean "platform"']),
    (android(gaid=ADID), "gaid", ['did you mean "adid"']),
    (android(appSetId=APP_SET_ID), "appSetId", ['did you mean "android_app_set_id"']),
    (ios(timestamp=NOW), "timestamp", ['did you mean "time"']),
    # user property keys
    (ios(user_properties=None), "user_properties", ["null", "object"]),
]


@pytest.mark.parametrize(("event", "field", "words"), WARNING_CASES)
def test_warnings(event: dict[str, Any], field: str, words: list[str]) -> None:
    findings = check(event)
    assert_finding(findings, field, Level.WARNING, words)
    assert not has_errors(findings), describe(findings)
    assert_all_named(findings)


@pytest.mark.parametrize(
    ("props", "key", "words"),
    [
        ({"idfa": IDFA}, "idfa", ["advertising ID", "top-level", "Move it out"]),
        ({"adid": ADID}, "adid", ["top-level"]),
        ({"": "x"}, "", ["empty", "name"]),
    ],
)
def test_user_property_key_warnings(props: dict[str, Any], key: str, words: list[str]) -> None:
    findings = check(ios(user_properties=props))
    assert_finding(findings, "user_properties", Level.WARNING, words, property_key=key)


def test_duplicate_keys_in_the_text_are_warned_about() -> None:
    text = (
        f'{{"event_type": "[Adjust] Install", "platform": "ios", "idfa": "{IDFV}", '
        f'"idfa": "{IDFA}", "user_properties": {{"[Adjust] a": 1, "[Adjust] a": 2, '
        '"[Adjust] a": 3}}'
    )
    findings = check(text)
    assert_finding(findings, "idfa", Level.WARNING, ["more than once", "reads the last"])
    assert_finding(findings, "user_properties", Level.WARNING, ["more than once"], "[Adjust] a")
    assert len(findings) == 2, describe(findings)


def test_duplicates_inside_nested_values_are_not_reported() -> None:
    text = json.dumps(ios(user_properties={"[Adjust] x": "PLACEHOLDER"}))
    text = text.replace('"PLACEHOLDER"', '{"a": 1, "a": 2}')
    assert check(text) == []


def test_the_all_zero_id_does_not_also_give_case_or_shape_warnings() -> None:
    findings = check(android(adid=ZERO))
    assert len(findings) == 1


def test_a_misspelt_key_is_named_in_the_missing_field_error() -> None:
    findings = check(ios(user_properties=DROP, event_type=DROP, eventType="[Adjust] Install"))
    assert_finding(findings, "event_type", Level.ERROR, ['"eventType"'])
    assert_finding(findings, "eventType", Level.WARNING, ["did you mean"])


def test_a_platform_that_is_only_miscased_still_drives_the_platform_rules() -> None:
    findings = check(ios(platform="iOS", idfa=DROP, adid=ADID))
    assert_finding(findings, "platform", Level.ERROR, ['Use "ios"'])
    assert_finding(findings, "idfa", Level.ERROR, ["idfa or idfv"])
    assert_finding(findings, "adid", Level.WARNING, ["android ID in an ios event"])


def test_a_guessed_platform_does_not_produce_platform_specific_findings() -> None:
    # No platform: only the platform error, no "android ID on ios" or missing-ID noise.
    findings = check(ios(platform=DROP, adid=ADID))
    assert [f.field for f in findings] == ["platform"], describe(findings)


# --- infos -----------------------------------------------------------------------------------

INFO_CASES = [
    (ios(event_type="Install"), "event_type", ["no company prefix", '"[Adjust] Install"']),
    (ios(event_type="[YOUR COMPANY] Install"), "event_type", ["placeholder", "[YOUR COMPANY]"]),
    (ios(event_type="[Your Company] Install"), "event_type", ["placeholder"]),
    (ios(user_properties={}), "user_properties", ["empty", "media source", "remove the key"]),
    (ios(time=NOW - 2 * 365 * 86_400_000), "time", ["more than a year ago", "2023-"]),
    (ios(time=1396381378123), "time", ["more than a year", "2014-04-01"]),
    (ios(idfa="AEBE52E7-03EE-455A-B3C4-E57283966239"), "idfa", ["example ID", "real device"]),
    (android(adid="38400000-8cf0-11bd-b23e-10b96e40000d"), "adid", ["example ID"]),
    (android(android_id="12345"), "android_id", ["does not look like an Android ID", "16 hex"]),
    (android(android_id=ADID), "android_id", ["16 hex"]),
    (ios(foo=1), "foo", ["not a documented Attribution API key", "user_properties"]),
    (ios(user_id="u1"), "user_id", ["HTTP API field", "may ignore"]),
    (ios(event_properties={}), "event_properties", ["HTTP API field"]),
    (ios(device_id="d1"), "device_id", ["HTTP API field"]),
]


@pytest.mark.parametrize(("event", "field", "words"), INFO_CASES)
def test_infos(event: dict[str, Any], field: str, words: list[str]) -> None:
    findings = check(event)
    assert_finding(findings, field, Level.INFO, words)
    assert [f.level for f in findings] == [Level.INFO], describe(findings)
    assert_all_named(findings)


@pytest.mark.parametrize(
    ("props", "key", "words"),
    [
        ({"network": "x"}, "network", ["no company prefix", '"[Adjust] network"']),
        ({"[YOUR COMPANY] campaign": "x"}, "[YOUR COMPANY] campaign", ["placeholder"]),
        ({"[adjust] network": "x"}, "[adjust] network", ["[adjust]", "[Adjust]", "one spelling"]),
        ({"[AppsFlyer] campaign": "x"}, "[AppsFlyer] campaign", ["prefix [AppsFlyer]"]),
    ],
)
def test_user_property_key_infos(props: dict[str, Any], key: str, words: list[str]) -> None:
    findings = check(ios(user_properties=props))
    assert_finding(findings, "user_properties", Level.INFO, words, property_key=key)
    assert len(findings) == 1, describe(findings)


def test_each_unprefixed_property_gets_its_own_finding_for_the_table() -> None:
    props = {f"prop {i}": i for i in range(200)}
    findings = check(ios(user_properties=props))
    assert [f.property_key for f in findings] == list(props)
    assert {f.level for f in findings} == {Level.INFO}


def test_no_prefix_hint_uses_the_event_types_company() -> None:
    findings = check(ios(event_type="[Branch] install", user_properties={"channel": "x"}))
    assert '"[Branch] channel"' in findings[0].message


def test_placeholder_keys_do_not_also_count_as_a_prefix_mismatch() -> None:
    event = ios(event_type="[YOUR COMPANY] Install", user_properties={"[Adjust] a": 1})
    assert [f.field for f in check(event)] == ["event_type"]


# --- the API the GUI and CLI use -------------------------------------------------------------


def test_check_event_works_on_an_event_built_from_fields() -> None:
    event = AttributionEvent(event_type="[Adjust] Install", platform="android", adid=ADID)
    assert check_event(event, now_ms=NOW) == []
    bad = event.with_fields(platform="Android", adid=ADID.upper(), time=1_700_000_000)
    findings = check_event(bad, now_ms=NOW)
    assert [(f.field, f.level) for f in findings] == [
        ("platform", Level.ERROR),
        ("adid", Level.WARNING),
        ("time", Level.WARNING),
    ]


def test_check_event_cannot_tell_null_from_absent_and_says_missing() -> None:
    findings = check_event(AttributionEvent(platform="ios", idfa=IDFA), now_ms=NOW)
    assert_finding(findings, "event_type", Level.ERROR, ["missing"])


def test_now_defaults_to_the_current_time() -> None:
    import time

    current = int(time.time() * 1000)
    event = AttributionEvent(event_type="[A] b", platform="ios", idfa=IDFA)
    assert check_event(event.with_fields(time=current)) == []
    future = check_event(event.with_fields(time=current + 3_600_000))
    assert [f.field for f in future] == ["time"]


def test_findings_are_frozen_and_levels_are_strings() -> None:
    finding = Finding("idfa", Level.WARNING, "idfa: x.")
    assert finding.property_key is None
    with pytest.raises(AttributeError):
        finding.level = Level.ERROR  # type: ignore[misc]
    assert Level.ERROR == "error" and Level.WARNING.value == "warning" and Level.INFO == "info"
    assert not has_errors([finding]) and errors([finding]) == []
    assert has_errors(iter([finding, Finding("event", Level.ERROR, "event: y.")]))


def test_findings_come_in_field_order() -> None:
    event = ios(platform="iOS", time=1_700_000_000, idfa=IDFA.lower(), user_properties={}, zzz=1)
    event = {"zzz": 1, **event}
    fields = [f.field for f in check(event)]
    assert fields == ["platform", "idfa", "time", "user_properties", "zzz"]


def test_every_message_in_every_case_names_its_field() -> None:
    for event, *_ in ERROR_CASES + WARNING_CASES + INFO_CASES:
        assert_all_named(check(event))


# --- robustness ------------------------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=8,
)
_field_names = st.sampled_from([*KNOWN_FIELDS, "event-type", "IDFA", "x", ""])


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("{}[]\",:0123456789 \n'aeNI-.\u201c")) | st.characters()
    )
)
def test_check_text_never_raises_on_any_text(text: str) -> None:
    findings = check_text(text, now_ms=NOW)
    assert all(isinstance(f, Finding) for f in findings)
    assert_all_named(findings)


@settings(max_examples=120, deadline=None)
@given(event=st.dictionaries(_field_names, _json_values, max_size=8), now=st.integers(0, 2**45))
def test_any_json_object_gets_findings_and_never_an_exception(
    event: dict[str, Any], now: int
) -> None:
    findings = check_text(json.dumps(event), now_ms=now)
    assert_all_named(findings)
    # An event without a usable event_type or platform can never pass.
    if not isinstance(event.get("event_type"), str) or event.get("platform") not in (
        "ios",
        "android",
    ):
        assert has_errors(findings)
    assert check_event(AttributionEvent.from_dict(event), now_ms=now) is not None


@pytest.mark.parametrize(
    "text",
    [
        DOCS_IOS,
        f'{{"event_type": "x", "platform": "ios", "idfa": "{IDFA}", "idfa": "0", '
        '"user_properties": {"[A] a": 1, "[A] a": 2, "[A] b": {"c": 1, "c": 2}}}',
        '{"event_type": "x", "platform": "android", "adid": NaN, "time": -Infinity}',
        '{"event_type": "x",\n  "platform": ios}',
        "{'event_type': 'x'}",
        '{"a": 1} {"b": 2}',
        '[{"a": 1, "a": 2}]',
        "",
        "[" * 100_000,
    ],
)
def test_check_text_is_check_parsed_of_one_parse(text: str) -> None:
    assert check_text(text, now_ms=NOW) == check_parsed(parse_event_text(text), now_ms=NOW)


@pytest.mark.parametrize("invalid", sorted(V2_INVALID_IDS))
def test_every_id_the_v2_api_rejects_is_warned_about(invalid: str) -> None:
    for written in (invalid, invalid.upper()):
        findings = check(ios(idfa=written, idfv=IDFV))
        assert [(f.field, f.level) for f in findings] == [("idfa", Level.WARNING)], describe(
            findings
        )


@pytest.mark.parametrize("legacy", ["9774d56d682e549c", "Android", "DEFACE", "000000000000000"])
def test_legacy_android_sdk_junk_ids_are_warned_about(legacy: str) -> None:
    findings = check(android(android_id=legacy))
    assert_finding(findings, "android_id", Level.WARNING, ["never matches"])


def test_a_number_too_large_for_a_double_is_an_error_where_it_is() -> None:
    # 1e999 is JSON syntax, but every 64-bit reader makes it infinity (Python too).
    text = (
        f'{{"event_type": "[A] I", "platform": "ios", "idfa": "{IDFA}", "idfv": 1e999,'
        ' "user_properties": {"[A] cost": 1e999, "[A] ok": 1.5, "[A] deep": {"x": [-1e400]}}}'
    )
    findings = check_text(text, now_ms=NOW)
    assert has_errors(findings)
    errors = [(f.field, f.property_key) for f in findings if "too large" in f.message]
    assert errors == [
        ("idfv", None),
        ("user_properties", "[A] cost"),
        ("user_properties", "[A] deep"),
    ]
    # The same event built in code (the form, a preset file) gets the same findings.
    event = parse_event_text(text).event
    assert event is not None
    assert [f for f in check_event(event, now_ms=NOW) if "too large" in f.message] == [
        f for f in findings if "too large" in f.message
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"event_type": "x", "time": 1' + "0" * 5000 + "}", ["number too long", "4,300"]),
        ('{"event_type": "x", "time": "' + "1" * 5000 + '"}', ["string", "Remove the quotes."]),
        ('{"event_type": "x", "platform": ' + "[" * 990 + "]" * 990 + "}", ["too deeply"]),
    ],
)
def test_hostile_text_gets_findings_not_exceptions(text: str, words: list[str]) -> None:
    findings = check_text(text, now_ms=NOW)
    assert has_errors(findings)
    assert any(all(word in f.message for word in words) for f in findings), findings


def test_a_too_large_number_beside_nan_is_still_found_and_nan_is_named_as_such() -> None:
    text = (
        f'{{"event_type": "[A] I", "platform": "ios", "idfa": "{IDFA}", '
        '"user_properties": {"[A] a": NaN, "[A] b": 1e999}}'
    )
    findings = check_text(text, now_ms=NOW)
    by_key = {f.property_key: f.message for f in findings if f.field == "user_properties"}
    assert "NaN (not a number)" in by_key["[A] a"] and "too large" not in by_key["[A] a"]
    assert "too large" in by_key["[A] b"]  # was hidden whenever the text used NaN
    assert any("not valid JSON" in f.message for f in findings)  # the text's own finding
    event = parse_event_text(text).event
    assert event is not None
    built = {f.property_key: f.message for f in check_event(event, now_ms=NOW)}
    assert "NaN (not a number)" in built["[A] a"] and "too large" in built["[A] b"]
