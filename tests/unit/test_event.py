"""The event model: canonical JSON, dict round trips, raw text kept verbatim."""

from __future__ import annotations

import json

import pytest

from attribution_workbench.core.event import (
    AD_ID_FIELDS,
    ANDROID_ID_FIELDS,
    IOS_ID_FIELDS,
    KNOWN_FIELDS,
    REQUIRED_ID_FIELDS,
    AttributionEvent,
    JsonProblem,
    canonical_json,
    parse_event_text,
)

IDFA = "AEBE52E7-03EE-455A-B3C4-E57283966239"


def full_event() -> AttributionEvent:
    # Keyword order deliberately differs from the canonical order.
    return AttributionEvent(
        user_properties={"[Adjust] network": "Fäcebook 😀", "[Adjust] n": 1},
        time=1396381378123,
        android_id="a1b2c3d4e5f60718",
        android_app_set_id="set",
        adid="ad",
        idfv="fv",
        idfa="fa",
        platform="ios",
        event_type="[Adjust] Install",
        extra={"zeta": 1, "alpha": [1, 2]},
    )


def test_known_fields_are_the_documented_keys_in_canonical_order() -> None:
    assert KNOWN_FIELDS == (
        "event_type",
        "platform",
        "idfa",
        "idfv",
        "adid",
        "android_app_set_id",
        "android_id",
        "time",
        "user_properties",
    )
    assert AD_ID_FIELDS == ("idfa", "idfv", "adid", "android_app_set_id", "android_id")


def test_canonical_json_has_a_stable_key_order_and_is_compact() -> None:
    assert full_event().canonical_json() == (
        '{"event_type":"[Adjust] Install","platform":"ios","idfa":"fa","idfv":"fv",'
        '"adid":"ad","android_app_set_id":"set","android_id":"a1b2c3d4e5f60718",'
        '"time":1396381378123,"user_properties":{"[Adjust] network":"Fäcebook 😀",'
        '"[Adjust] n":1},"zeta":1,"alpha":[1,2]}'
    )


def test_canonical_json_leaves_out_absent_fields_and_keeps_non_ascii() -> None:
    event = AttributionEvent(event_type="[Ä] Install", platform="android", adid="x")
    assert event.canonical_json() == '{"event_type":"[Ä] Install","platform":"android","adid":"x"}'
    assert canonical_json({"a": "é", "b": [1, {"c": None}]}) == '{"a":"é","b":[1,{"c":null}]}'
    assert AttributionEvent().canonical_json() == "{}"


def test_canonical_json_does_not_depend_on_the_input_dict_order() -> None:
    data = full_event().to_dict()
    shuffled = dict(reversed(list(data.items())))
    # Known keys sort canonically; unknown keys keep the order they were given in.
    assert (
        AttributionEvent.from_dict(shuffled)
        .canonical_json()
        .startswith('{"event_type":"[Adjust] Install","platform":"ios"')
    )
    assert list(AttributionEvent.from_dict(shuffled).to_dict())[-2:] == ["alpha", "zeta"]


def test_from_dict_keeps_unknown_keys_in_order() -> None:
    data = {"foo": 1, "event_type": "x", "eventType": "y", "platform": "ios", "extra": {"a": 1}}
    event = AttributionEvent.from_dict(data)
    assert event.event_type == "x" and event.platform == "ios"
    assert event.extra == {"foo": 1, "eventType": "y", "extra": {"a": 1}}
    assert list(event.extra) == ["foo", "eventType", "extra"]
    assert event.to_dict() == {
        "event_type": "x",
        "platform": "ios",
        "foo": 1,
        "eventType": "y",
        "extra": {"a": 1},
    }
    assert event.raw_text is None


def test_dict_round_trip_keeps_values_of_any_type() -> None:
    data = {"event_type": 5, "platform": ["ios"], "time": "123", "user_properties": [], "x": None}
    event = AttributionEvent.from_dict(data)
    assert event.to_dict() == data
    assert AttributionEvent.from_dict(event.to_dict()) == event


def test_from_dict_reads_null_as_absent() -> None:
    event = AttributionEvent.from_dict({"event_type": "x", "idfa": None})
    assert event.idfa is None
    assert event.to_dict() == {"event_type": "x"}


def test_ad_ids_lists_present_ids_in_canonical_order() -> None:
    event = AttributionEvent(android_id="b", idfa="a")
    assert event.ad_ids() == {"idfa": "a", "android_id": "b"}
    assert list(full_event().ad_ids()) == list(AD_ID_FIELDS)


@pytest.mark.parametrize(
    "text",
    [
        f'{{"event_type":"[YOUR COMPANY] Install", "idfa": "{IDFA}", "platform": "ios"}}',
        '{\n  "platform" : "android",\n\t"adid":"x"   }\n',
        '  {"b": 1, "a": 2, "event_type": "é \\u00e9 😀"}  ',
    ],
)
def test_raw_text_is_kept_verbatim_for_the_wire(text: str) -> None:
    parsed = parse_event_text(text)
    assert parsed.problem is None and parsed.event is not None
    assert parsed.text == text
    assert parsed.value == json.loads(text)
    assert parsed.event.raw_text == text
    assert parsed.event.wire_text() == text
    # The canonical form is still there when asked for.
    assert parsed.event.canonical_json() == canonical_json(parsed.event.to_dict())


def test_wire_text_is_canonical_json_without_raw_text() -> None:
    event = AttributionEvent(event_type="x", platform="ios")
    assert event.wire_text() == '{"event_type":"x","platform":"ios"}'


def test_editing_a_field_drops_the_raw_text() -> None:
    parsed = parse_event_text('{"event_type": "x",   "platform": "ios"}')
    assert parsed.event is not None
    edited = parsed.event.with_fields(idfa=IDFA)
    assert edited.raw_text is None
    assert edited.wire_text() == f'{{"event_type":"x","platform":"ios","idfa":"{IDFA}"}}'
    assert parsed.event.idfa is None  # frozen: the original is unchanged


def test_events_are_frozen() -> None:
    with pytest.raises(AttributeError):
        AttributionEvent().event_type = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "words", "position"),
    [
        ("", ["empty"], None),
        (" \n ", ["empty"], None),
        ("{", ["not valid JSON"], (1, 2)),
        ('{"a": 1,\n "b" 2}', ["not valid JSON", "':'"], (2, 6)),
        ("[1, 2]", ["array", "ONE event object", "batch"], None),
        ("[]", ["array"], None),
        ("3", ["JSON number"], None),
        ("3.5", ["JSON number"], None),
        ('"{}"', ["JSON string"], None),
        ("true", ["JSON boolean"], None),
        ("null", ["JSON null"], None),
        ("[" * 50_000 + "]" * 50_000, ["nested too deeply"], None),
    ],
)
def test_parse_problems(text: str, words: list[str], position: tuple[int, int] | None) -> None:
    parsed = parse_event_text(text)
    assert parsed.event is None and parsed.problem is not None
    for word in words:
        assert word in parsed.problem.message
    if position is None:
        assert parsed.problem.line is None
        assert str(parsed.problem) == parsed.problem.message
    else:
        assert (parsed.problem.line, parsed.problem.column) == position
        assert str(parsed.problem).endswith(f"(line {position[0]}, column {position[1]})")


def test_json_problem_str() -> None:
    assert str(JsonProblem("Bad.")) == "Bad."
    assert str(JsonProblem("Bad", 3, 4)) == "Bad (line 3, column 4)"


def test_first_ad_id_is_the_first_non_empty_string_in_canonical_order() -> None:
    assert AttributionEvent(platform="ios").first_ad_id() is None
    assert AttributionEvent(idfa="", idfv=5, adid=None).first_ad_id() is None
    assert AttributionEvent(android_id="aid", idfv="fv").first_ad_id() == "fv"
    assert AttributionEvent(idfa="", idfv=" ", adid="ad").first_ad_id() == " "
    assert AttributionEvent(idfa=7, adid="ad", android_app_set_id="set").first_ad_id() == "ad"
    assert AttributionEvent(extra={"gaid": "x"}).first_ad_id() is None


def test_id_field_groups() -> None:
    assert AD_ID_FIELDS == IOS_ID_FIELDS + ANDROID_ID_FIELDS
    assert REQUIRED_ID_FIELDS == {
        "ios": ("idfa", "idfv"),
        "android": ("adid", "android_app_set_id"),
    }


def test_parse_notes_duplicate_keys_and_constants_the_value_hides() -> None:
    text = '{"a": 1, "a": {"b": NaN, "b": 2}, "c": [Infinity, -Infinity], "d": {"e": 1}}'
    parsed = parse_event_text(text)
    assert parsed.value == json.loads(text)  # the last duplicate wins, as in a plain parse
    assert parsed.constants == {"NaN", "Infinity", "-Infinity"}
    assert [(owner is parsed.value, key) for owner, key in parsed.duplicates] == [
        (False, "b"),
        (True, "a"),
    ]
    assert parsed.duplicates[0][0] is parsed.value["a"]


def test_parse_of_plain_json_notes_nothing() -> None:
    parsed = parse_event_text('{"a": {"b": 1}, "b": 2.5}')
    assert parsed.duplicates == () and parsed.constants == frozenset()
