"""Paste to import: real-world shapes, region/transport detection, keys, and a round trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution_workbench.core.importer import parse_paste
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import Format, KeyStyle, Transport, prepare

KEY = "5e471ce1deadbeef5e471ce1deadbeef"
EVENT = (
    '{"event_type":"[Test] Install","platform":"ios","idfa":"AEBE52E7-03EE-455A-B3C4-E57283966239"}'
)
ENCODED = (
    "%7B%22event_type%22%3A%22%5BTest%5D%20Install%22%2C%22platform%22%3A%22ios%22%2C"
    "%22idfa%22%3A%22AEBE52E7-03EE-455A-B3C4-E57283966239%22%7D"
)

# The two examples of the Attribution API docs, verbatim (indented as on the page).
DOCS_IOS = """\
        POST /attribution HTTP/1.1
        Host: api.amplitude.com
        Content-Length: 365

        api_key={{api_key}}&event=%7B%22event_type%22%3A%22%5BYOUR%20COMPANY%5D%20Install%22%2C%20%22idfa%22%3A%20%22AEBE52E7-03EE-455A-B3C4-E57283966239%22%2C%20%22user_properties%22%3A%20%7B%22%5BYOUR%20COMPANY%5D%20media%20source%22%3A%20%22facebook%22%2C%20%22%5BYOUR%20COMPANY%5D%20campaign%22%3A%20%22refer-a-friend%22%7D%2C%20%22platform%22%3A%20%22ios%22%7D
"""  # noqa: E501
DOCS_IOS_EVENT = (
    '{"event_type":"[YOUR COMPANY] Install", "idfa": "AEBE52E7-03EE-455A-B3C4-E57283966239", '
    '"user_properties": {"[YOUR COMPANY] media source": "facebook", "[YOUR COMPANY] campaign": '
    '"refer-a-friend"}, "platform": "ios"}'
)
DOCS_ANDROID = """\

        POST /attribution?api_key={{api_key}}&event={"event_type":"[YOUR COMPANY] Install","adid": "AEBE52E7-03EE-455A-B3C4-E57283966239", "user_properties": {"[YOUR COMPANY] media source": "facebook", "[YOUR COMPANY] campaign": "refer-a-friend"}, "platform": "android"} HTTP/1.1
        Host: api2.amplitude.com
"""  # noqa: E501
DOCS_ANDROID_EVENT = (
    '{"event_type":"[YOUR COMPANY] Install","adid": "AEBE52E7-03EE-455A-B3C4-E57283966239", '
    '"user_properties": {"[YOUR COMPANY] media source": "facebook", "[YOUR COMPANY] campaign": '
    '"refer-a-friend"}, "platform": "android"}'
)

EU = "https://api.eu.amplitude.com/attribution"
US = "https://api2.amplitude.com/attribution"

# (name, pasted text, event text, region, transport, found key)
SHAPES = [
    ("docs iOS", DOCS_IOS, DOCS_IOS_EVENT, Region.US, Transport.BODY, None),
    ("docs Android", DOCS_ANDROID, DOCS_ANDROID_EVENT, Region.US, Transport.QUERY, None),
    (
        "curl single quotes",
        f"curl -X POST '{EU}' -H 'Content-Type: application/x-www-form-urlencoded' "
        f"--data 'api_key={KEY}&event={ENCODED}'",
        EVENT,
        Region.EU,
        Transport.BODY,
        KEY,
    ),
    (
        "curl double quotes",
        f'curl "{EU}" -d "api_key={KEY}&event={ENCODED}"',
        EVENT,
        Region.EU,
        Transport.BODY,
        KEY,
    ),
    (
        "curl line continuations",
        f"curl -sS -X POST \\\n  {US} \\\n  -H 'Accept: */*' \\\n  --data-raw 'api_key={KEY}' \\\n"
        f"  --data-raw 'event={ENCODED}'",
        EVENT,
        Region.US,
        Transport.BODY,
        KEY,
    ),
    (
        "curl -G query",
        f"curl -G {EU} --data-urlencode 'api_key={KEY}' --data-urlencode 'event={EVENT}'",
        EVENT,
        Region.EU,
        Transport.QUERY,
        KEY,
    ),
    (
        "curl --data-urlencode body",
        f"curl {US} --data-urlencode 'event={EVENT}' -d api_key=$AMPLITUDE_API_KEY",
        EVENT,
        Region.US,
        Transport.BODY,
        None,
    ),
    (
        "curl --url and -XPOST",
        f"$ curl -XPOST --url '{US}?api_key={KEY}&event={ENCODED}'",
        EVENT,
        Region.US,
        Transport.QUERY,
        KEY,
    ),
    (
        "raw HTTP with headers",
        f"POST /attribution HTTP/1.1\r\nHost: api.eu.amplitude.com\r\nUser-Agent: x\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n\r\napi_key={KEY}&event={ENCODED}",
        EVENT,
        Region.EU,
        Transport.BODY,
        KEY,
    ),
    ("form body", f"api_key={KEY}&event={ENCODED}\n", EVENT, None, Transport.BODY, KEY),
    ("form body, + for spaces", "event=%7B%22a%22%3A+1%7D", '{"a": 1}', None, Transport.BODY, None),
    ("full URL", f"{EU}?api_key={KEY}&event={ENCODED}", EVENT, Region.EU, Transport.QUERY, KEY),
    ("bare JSON", "  " + EVENT + "\n", EVENT, None, None, None),
    (
        "markdown fence",
        f"```bash\ncurl {EU} -d 'event={ENCODED}'\n```",
        EVENT,
        Region.EU,
        Transport.BODY,
        None,
    ),
]


@pytest.mark.parametrize(
    ("text", "event", "region", "transport", "key"),
    [shape[1:] for shape in SHAPES],
    ids=[shape[0] for shape in SHAPES],
)
def test_real_world_shapes(
    text: str, event: str, region: Region | None, transport: Transport | None, key: str | None
) -> None:
    result = parse_paste(text)
    assert result.usable, result.summary()
    assert result.event_text == event
    assert result.region is region
    if transport is not None:
        assert result.transport is transport
    assert result.found_key == key
    assert result.recognised, result
    # The key is never shown in a message, and never part of the event.
    assert KEY not in result.summary()
    assert KEY not in (result.event_text or "")


def test_docs_placeholder_is_not_a_key() -> None:
    result = parse_paste(DOCS_IOS)
    assert result.found_key is None
    assert any("placeholder" in line for line in result.recognised)
    assert result.target is Target.AMPLITUDE


def test_curl_summary_says_what_was_recognised_and_missing() -> None:
    result = parse_paste(f"curl -X POST {EU} -d 'api_key={KEY}'")
    assert not result.usable
    assert result.recognised[0] == f"Recognised a curl command to {EU} (EU)."
    assert "The event parameter is missing." in result.problems
    assert result.found_key == KEY
    assert "••••••••beef" in result.summary()


@pytest.mark.parametrize(
    ("text", "target", "url", "region"),
    [
        (
            f"curl http://127.0.0.1:8787/eu/attribution -d 'event={ENCODED}'",
            Target.SANDBOX,
            "http://127.0.0.1:8787",
            Region.EU,
        ),
        (
            f"curl http://localhost:9000/base/us/attribution -d 'event={ENCODED}'",
            Target.SANDBOX,
            "http://localhost:9000/base",
            Region.US,
        ),
        (
            f"curl https://proxy.example.com/attribution -d 'event={ENCODED}'",
            Target.CUSTOM,
            "https://proxy.example.com/attribution",
            None,
        ),
        (
            f"curl http://[::1]:8080/attribution -d 'event={ENCODED}'",
            Target.CUSTOM,
            "http://[::1]:8080/attribution",
            None,
        ),
    ],
)
def test_targets_other_than_amplitude(
    text: str, target: Target, url: str, region: Region | None
) -> None:
    result = parse_paste(text)
    assert (result.target, result.url, result.region) == (target, url, region)


def test_plain_http_to_a_remote_host_is_a_problem() -> None:
    result = parse_paste(f"curl http://proxy.example.com/attribution -d 'event={ENCODED}'")
    assert result.usable
    assert any("unencrypted" in problem for problem in result.problems)


@pytest.mark.parametrize("reference", ["$AMPLITUDE_API_KEY", "${AMPLITUDE_API_KEY}"])
def test_environment_reference_is_not_a_key(reference: str) -> None:
    result = parse_paste(f'curl {US} -d "api_key={reference}" -d "event={ENCODED}"')
    assert result.found_key is None
    assert result.key_from_env
    assert any("$AMPLITUDE_API_KEY" in line for line in result.recognised)


def test_body_wins_over_query() -> None:
    result = parse_paste(f"curl '{US}?event=%7B%7D' -d 'event={ENCODED}'")
    assert result.event_text == EVENT
    assert result.transport is Transport.BODY
    assert any("both" in problem for problem in result.problems)


def test_urlencode_file_is_not_supported() -> None:
    result = parse_paste(f"curl {US} --data-urlencode event@event.json")
    assert not result.usable
    assert any("file" in problem for problem in result.problems)


def test_json_object_of_parameters_drops_the_key() -> None:
    result = parse_paste(json.dumps({"api_key": KEY, "event": json.loads(EVENT)}))
    assert result.found_key == KEY
    assert result.event_text is not None and KEY not in result.event_text
    assert json.loads(result.event_text) == json.loads(EVENT)


@pytest.mark.parametrize(
    "text", ["", "   \n", "hello world", "GET", "curl", "curl '", "<html></html>", "=&=&", "POST"]
)
def test_garbage_says_what_was_not_recognised(text: str) -> None:
    result = parse_paste(text)
    assert not result.usable
    assert result.problems


EVENT_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from("+&=%#'\"\n\\ {}$`"),
    )
)
KEYS = st.text(alphabet="0123456789abcdefABCDEF", min_size=20, max_size=40)
DESTINATIONS = st.one_of(
    st.builds(Destination, st.sampled_from(Region)),
    st.builds(
        Destination,
        st.sampled_from(Region),
        st.just(Target.SANDBOX),
        st.sampled_from(["http://127.0.0.1:8787", "http://localhost:9/x"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(EVENT_TEXT, DESTINATIONS, st.sampled_from([Transport.BODY, Transport.QUERY]), KEYS)
def test_round_trip_curl_export(
    text: str, destination: Destination, transport: Transport, key: str
) -> None:
    prepared = prepare(text, destination, key, transport)
    revealed = parse_paste(prepared.render(Format.CURL, KeyStyle.REVEAL))
    assert revealed.event_text == text
    assert revealed.region is destination.region
    assert revealed.target is destination.target
    assert revealed.url == destination.url
    assert revealed.transport is transport
    assert revealed.found_key == key

    from_env = parse_paste(prepared.render(Format.CURL, KeyStyle.ENV))
    assert from_env.event_text == text
    assert (from_env.region, from_env.transport) == (destination.region, transport)
    assert from_env.found_key is None
    assert from_env.key_from_env
    assert any("AMPLITUDE_API_KEY" in line for line in from_env.recognised)


def test_a_masked_key_from_our_own_preview_is_not_a_key() -> None:
    text = (
        "curl -X POST https://api2.amplitude.com/attribution "
        "--data-binary 'api_key=••••••••4a61&event=%7B%7D'"
    )
    result = parse_paste(text)
    assert result.found_key is None
    assert any("masked" in line for line in result.recognised)


@pytest.mark.parametrize(
    "text",
    [
        "api_key=abc&event=%5B1%5D",  # an array, not an event object
        '{"api_key": "k", "event": "42"}',  # a number
        "api_key=abc&event=" + "%5B" * 5000,  # nested too deeply to read
    ],
)
def test_an_event_that_is_not_an_object_is_reported_not_imported_silently(text: str) -> None:
    result = parse_paste(text)
    assert result.problems, result
    assert not any("could not be read" in problem for problem in result.problems)


def test_an_empty_body_value_does_not_hide_the_querys() -> None:
    event = json.dumps({"event_type": "[A] Install", "platform": "ios", "idfa": "A" * 8})
    text = (
        f"POST /attribution?api_key=k123&event={event} HTTP/1.1\n"
        "Host: api2.amplitude.com\n"
        "Content-Type: application/x-www-form-urlencoded\n\n"
        "event=&api_key="
    )
    result = parse_paste(text)
    assert result.event_text == event, result
    assert result.found_key == "k123"


# --- a key never reaches the event (found by a security review, each reproduced) ---------


def no_key_anywhere(result: object, key: str = KEY) -> None:
    assert key not in repr(result)  # found_key, the one place it may be, has repr=False
    for line in [*result.recognised, *result.problems]:  # type: ignore[attr-defined]
        assert key not in line


def test_an_http_v2_body_gives_its_first_event_without_the_key() -> None:
    event = {"event_type": "[Adjust] Install", "idfa": "ABC", "platform": "ios"}
    result = parse_paste(json.dumps({"api_key": KEY, "events": [event, {"event_type": "b"}]}))
    assert result.found_key == KEY and result.event_text is not None
    assert json.loads(result.event_text) == event
    assert "HTTP API V2" in result.summary() and "of 2" in result.summary()
    no_key_anywhere(result)


def test_an_event_with_the_key_inside_is_taken_without_it() -> None:
    result = parse_paste(json.dumps({"api_key": KEY, **json.loads(EVENT)}))
    assert result.found_key == KEY and result.event_text is not None
    assert json.loads(result.event_text) == json.loads(EVENT)
    assert "taken out" in result.summary()


@pytest.mark.parametrize(
    "broken",
    [
        f'{{"api_key": "{KEY}", "event": {EVENT}',  # the final }} missing
        f'{{"api_key": "{KEY}", "event": {EVENT},}}',  # a trailing comma
        f'{{"api_key":"{KEY}","events":[{EVENT}]',
    ],
)
def test_broken_json_holding_a_key_is_not_imported_as_written(broken: str) -> None:
    # "Imported as written" put the whole text, key and all, into the raw editor, the
    # preview (Reveal off) and the saved window state.
    result = parse_paste(broken)
    assert not result.usable and result.event_text is None
    assert "holds an api_key" in result.summary()
    no_key_anywhere(result)


def test_curl_with_a_json_body_imports_the_event_and_never_quotes_the_key() -> None:
    text = (
        "curl -X POST https://api2.amplitude.com/attribution "
        "-H 'Content-Type: application/json' "
        f"-d '{{\"api_key\": \"{KEY}\", \"event\": {EVENT}}}'"
    )
    result = parse_paste(text)
    assert result.found_key == KEY and result.event_text is not None
    assert json.loads(result.event_text) == json.loads(EVENT)
    assert "Ignored parameters" not in result.summary()
    assert "reads a form body" in result.summary()
    no_key_anywhere(result)


def test_a_message_never_quotes_a_key_shaped_value() -> None:
    result = parse_paste(f"api_key=x&event={EVENT}&{KEY}=1")
    assert "Ignored parameters: ••••••••" in result.summary()
    no_key_anywhere(result)
