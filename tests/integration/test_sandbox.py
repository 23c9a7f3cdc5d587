"""The sandbox's emulated endpoints, matching and inspection API, over real loopback sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from attribution_workbench.sandbox import ATTRIBUTION_WINDOW_MS, DEMO_KEYS, SandboxServer

US, EU = DEMO_KEYS["us"], DEMO_KEYS["eu"]
IDFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC"
IOS_EVENT: dict[str, Any] = {
    "event_type": "[Adjust] Install",
    "platform": "ios",
    "idfa": IDFA,
    "user_properties": {"[Adjust] campaign": "spring", "[Adjust] network": "search"},
}
ANDROID_EVENT: dict[str, Any] = {
    "event_type": "[Branch] Install",
    "platform": "android",
    "adid": "cdda802e-fb9c-47ad-9866-0794d394c912",
}


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def attribute(
    http: requests.Session,
    clean_sandbox: SandboxServer,
    event: Any,
    *,
    key: str = US,
    region: str = "us",
) -> requests.Response:
    text = event if isinstance(event, str) else json.dumps(event)
    return http.post(
        f"{clean_sandbox.base_url}/{region}/attribution", data={"api_key": key, "event": text}
    )


def app_event(
    http: requests.Session,
    clean_sandbox: SandboxServer,
    *events: dict[str, Any],
    key: str = US,
    region: str = "us",
) -> requests.Response:
    return http.post(
        f"{clean_sandbox.base_url}/{region}/2/httpapi", json={"api_key": key, "events": events}
    )


def form(
    clean_sandbox: SandboxServer,
    http: requests.Session,
    body: str,
    path: str = "/attribution",
    query: str = "",
) -> requests.Response:
    url = clean_sandbox.base_url + path + (f"?{query}" if query else "")
    return http.post(
        url, data=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )


# -- /attribution -------------------------------------------------------------------------


@pytest.mark.parametrize("region,key", [("us", US), ("eu", EU)])
def test_attribution_success_in_both_regions(
    http: requests.Session, clean_sandbox: SandboxServer, region: str, key: str
) -> None:
    r = attribute(http, clean_sandbox, IOS_EVENT, key=key, region=region)
    assert (r.status_code, r.text) == (200, "success")
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert clean_sandbox.state.attributions()[0]["region"] == region


def test_unprefixed_path_is_us(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    r = http.post(
        clean_sandbox.base_url + "/attribution",
        data={"api_key": US, "event": json.dumps(IOS_EVENT)},
    )
    assert r.text == "success"
    r = http.post(
        clean_sandbox.base_url + "/attribution",
        data={"api_key": EU, "event": json.dumps(IOS_EVENT)},
    )
    assert (r.status_code, r.text) == (400, "invalid_api_key")


@pytest.mark.parametrize("region,key", [("us", EU), ("eu", US), ("us", ""), ("us", US.upper())])
def test_other_region_or_bad_key_rejected(
    http: requests.Session, clean_sandbox: SandboxServer, region: str, key: str
) -> None:
    r = attribute(http, clean_sandbox, IOS_EVENT, key=key, region=region)
    assert (r.status_code, r.text) == (400, "invalid_api_key")


def test_missing_key_checked_before_event(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    r = form(clean_sandbox, http, "event=not-json")
    assert (r.status_code, r.text) == (400, "invalid_api_key")


@pytest.mark.parametrize("event", ["", "   ", "{not json", '{"a": NaN}', "[" * 50_000])
def test_missing_or_unparseable_event(
    http: requests.Session, clean_sandbox: SandboxServer, event: str
) -> None:
    r = attribute(http, clean_sandbox, event)
    assert (r.status_code, r.text) == (400, "missing_event")


def test_absent_event(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    r = form(clean_sandbox, http, f"api_key={US}")
    assert (r.status_code, r.text) == (400, "missing_event")


@pytest.mark.parametrize(
    "change",
    [
        {"event_type": None},
        {"event_type": ""},
        {"event_type": 5},
        {"platform": "iOS"},
        {"platform": "web"},
        {"platform": None},
        {"idfa": None},
        {"idfa": ""},
        {"time": 1.5},
        {"time": "1700000000000"},
        {"time": True},
        {"time": None},
    ],
)
def test_ios_rule_violations(
    http: requests.Session, clean_sandbox: SandboxServer, change: dict[str, Any]
) -> None:
    event = {**IOS_EVENT, **change}
    event = {k: v for k, v in event.items() if v is not None or k == "time"}
    r = attribute(http, clean_sandbox, event)
    assert (r.status_code, r.text) == (400, "invalid_event")
    assert clean_sandbox.state.attributions() == []


@pytest.mark.parametrize("event", ["[]", json.dumps([IOS_EVENT]), '"text"', "42", "null"])
def test_event_must_be_one_object(
    http: requests.Session, clean_sandbox: SandboxServer, event: str
) -> None:
    r = attribute(http, clean_sandbox, event)
    assert (r.status_code, r.text) == (400, "invalid_event")


def test_android_rules(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    assert attribute(http, clean_sandbox, ANDROID_EVENT).text == "success"
    set_id = {k: v for k, v in ANDROID_EVENT.items() if k != "adid"}
    set_id["android_app_set_id"] = "a5e1c0d2-77b4-4f5e-9d1a-1f2e3d4c5b6a"
    assert attribute(http, clean_sandbox, set_id).text == "success"
    only_android_id = {k: v for k, v in ANDROID_EVENT.items() if k != "adid"}
    only_android_id["android_id"] = "9774d56d682e549d"
    assert attribute(http, clean_sandbox, only_android_id).text == "invalid_event"
    # An iOS ID does not satisfy the Android rule.
    assert attribute(http, clean_sandbox, {**only_android_id, "idfa": IDFA}).text == "invalid_event"
    assert (
        attribute(http, clean_sandbox, {**IOS_EVENT, "time": 1_700_000_000_000}).text == "success"
    )


@pytest.mark.parametrize("space", ["+", "%20"])
def test_plus_and_percent20_bodies(
    http: requests.Session, clean_sandbox: SandboxServer, space: str
) -> None:
    text = json.dumps({**IOS_EVENT, "event_type": "[Adjust] Install + Open"})
    encoded = quote(text, safe="").replace("%20", space)
    r = form(clean_sandbox, http, f"api_key={US}&event={encoded}")
    assert r.text == "success"
    assert clean_sandbox.state.attributions()[0]["event"]["event_type"] == "[Adjust] Install + Open"


def test_query_string_only_post_and_get(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    query = f"api_key={US}&event={quote(json.dumps(IOS_EVENT), safe='')}"
    assert http.post(f"{clean_sandbox.base_url}/attribution?{query}").text == "success"
    assert http.get(f"{clean_sandbox.base_url}/eu/attribution?{query}").text == "invalid_api_key"
    assert http.get(f"{clean_sandbox.base_url}/attribution?{query}").text == "success"
    assert len(clean_sandbox.state.attributions()) == 2


def test_body_wins_over_query(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    bad = quote(json.dumps({"event_type": "x"}), safe="")
    good = quote(json.dumps(IOS_EVENT), safe="")
    r = form(clean_sandbox, http, f"api_key={US}&event={good}", query=f"api_key={EU}&event={bad}")
    assert r.text == "success"
    # A value the body does not carry still comes from the query.
    r = form(clean_sandbox, http, f"event={good}", query=f"api_key={US}")
    assert r.text == "success"
    r = form(clean_sandbox, http, f"api_key={EU}", query=f"api_key={US}&event={good}")
    assert r.text == "invalid_api_key"


def test_multipart_form(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    files = {"api_key": (None, US), "event": (None, json.dumps({**IOS_EVENT, "x": "é & +"}))}
    r = http.post(clean_sandbox.base_url + "/eu/attribution", files=files)
    assert r.text == "invalid_api_key"
    r = http.post(clean_sandbox.base_url + "/attribution", files=files)
    assert r.text == "success"
    assert clean_sandbox.state.attributions()[0]["event"]["x"] == "é & +"


def test_broken_multipart_is_explained(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    r = http.post(
        clean_sandbox.base_url + "/attribution",
        data=b"junk",
        headers={"Content-Type": "multipart/form-data"},
    )
    assert (r.status_code, r.text) == (400, "invalid_api_key")
    assert "boundary" in clean_sandbox.state.request()["note"]  # type: ignore[index]


def test_json_body_is_not_form_data(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    r = http.post(clean_sandbox.base_url + "/attribution", json={"api_key": US, "event": IOS_EVENT})
    assert (r.status_code, r.text) == (400, "invalid_api_key")
    assert "application/json" in clean_sandbox.state.request()["note"]  # type: ignore[index]


def test_wrong_method_and_unknown_path(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    r = http.put(clean_sandbox.base_url + "/attribution")
    assert r.status_code == 405 and "POST" in r.headers["Allow"]
    for path in ("/nope", "/us/attribution/extra", "/xx/attribution", "/eu", "/"):
        r = http.post(clean_sandbox.base_url + path)
        assert (r.status_code, r.text) == (404, "Not Found")
    r = http.get(clean_sandbox.base_url + "/2/httpapi")
    assert r.status_code == 405 and r.json()["code"] == 405


# -- /2/httpapi ---------------------------------------------------------------------------


def raw_httpapi(
    http: requests.Session, clean_sandbox: SandboxServer, body: bytes | str, region: str = "us"
) -> requests.Response:
    return http.post(
        f"{clean_sandbox.base_url}/{region}/2/httpapi",
        data=body,
        headers={"Content-Type": "application/json"},
    )


def test_httpapi_success(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    r = app_event(
        http,
        clean_sandbox,
        {"event_type": "open", "device_id": "device-1"},
        {"event_type": "open", "user_id": "user-1", "time": 1_700_000_000_000},
    )
    body = r.json()
    assert r.status_code == 200 and body["code"] == 200 and body["events_ingested"] == 2
    assert body["payload_size_bytes"] == len(clean_sandbox.state.request()["body_text"].encode())  # type: ignore[index]
    assert abs(body["server_upload_time"] - clean_sandbox.state.clock()["now_ms"]) < 5000
    assert r.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe", b"[1,2]", b'"x"', b'{"a": NaN}'])
def test_httpapi_invalid_json(
    http: requests.Session, clean_sandbox: SandboxServer, body: bytes
) -> None:
    r = raw_httpapi(http, clean_sandbox, body)
    assert r.status_code == 400
    assert r.json() == {"code": 400, "error": "Invalid JSON request body"}


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"events": []}, "api_key"),
        ({"api_key": "", "events": []}, "api_key"),
        ({"api_key": US}, "events"),
    ],
)
def test_httpapi_missing_field(
    http: requests.Session, clean_sandbox: SandboxServer, payload: dict[str, Any], field: str
) -> None:
    r = raw_httpapi(http, clean_sandbox, json.dumps(payload))
    assert r.status_code == 400
    assert r.json() == {
        "code": 400,
        "error": "Request missing required field",
        "missing_field": field,
    }


@pytest.mark.parametrize("region,key", [("us", EU), ("eu", US), ("us", "nope")])
def test_httpapi_invalid_key(
    http: requests.Session, clean_sandbox: SandboxServer, region: str, key: str
) -> None:
    r = app_event(
        http, clean_sandbox, {"event_type": "a", "device_id": "device-1"}, key=key, region=region
    )
    assert r.status_code == 400
    assert r.json() == {"code": 400, "error": f"Invalid API key: {key}"}


def test_httpapi_empty_events_checks_key(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    r = app_event(http, clean_sandbox, key=EU, region="eu")
    assert r.status_code == 200 and r.json()["events_ingested"] == 0
    assert (
        app_event(http, clean_sandbox, key=US, region="eu").json()["error"]
        == f"Invalid API key: {US}"
    )
    clean_sandbox.state.update_config({"empty_events_checks_key": False})
    assert app_event(http, clean_sandbox, key=US, region="eu").json()["events_ingested"] == 0


def test_httpapi_per_event_problems(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    events = [
        {"event_type": "ok", "device_id": "device-0"},
        {"device_id": "device-1"},
        {"event_type": "no ids"},
        {"event_type": "x", "device_id": "NULL"},
        {"event_type": "x", "user_id": "00000000-0000-0000-0000-000000000000"},
        {"event_type": "x", "device_id": "abcd"},
        {"event_type": "x", "user_id": "-1"},
        {"event_type": "x", "device_id": "device-7", "time": 1.5},
        "not an object",
        {"event_type": "x", "device_id": "Anonymous", "user_id": "usr"},
    ]
    r = app_event(http, clean_sandbox, *events)  # type: ignore[arg-type]
    body = r.json()
    assert r.status_code == 400 and body["code"] == 400
    assert body["events_with_missing_fields"] == {"event_type": [1], "device_id": [2]}
    assert body["events_with_invalid_fields"] == {
        "device_id": [3, 9],
        "user_id": [4, 6],
        "time": [7],
        "event": [8],
    }
    assert body["events_with_invalid_id_lengths"] == {"device_id": [5], "user_id": [9]}
    assert clean_sandbox.state.users() == []  # a rejected batch ingests nothing


@pytest.mark.parametrize(
    "value",
    [
        "anonymous",
        "nil",
        "none",
        "null",
        "n/a",
        "na",
        "undefined",
        "unknown",
        "",
        "00000000-0000-0000-0000-000000000000",
        "{}",
        "lmy47d",
        "LMY47D",
        "0",
        "-1",
        "Undefined",
    ],
)
def test_httpapi_invalid_ids(
    http: requests.Session, clean_sandbox: SandboxServer, value: str
) -> None:
    r = app_event(http, clean_sandbox, {"event_type": "x", "device_id": value})
    assert r.json()["events_with_invalid_fields"] == {"device_id": [0]}


def test_httpapi_id_length_option(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    r = app_event(http, clean_sandbox, {"event_type": "x", "user_id": "abc"})
    assert r.json()["error"] == "Invalid id length for user_id or device_id"
    r = http.post(
        clean_sandbox.base_url + "/2/httpapi",
        json={
            "api_key": US,
            "events": [{"event_type": "x", "user_id": "abc"}],
            "options": {"min_id_length": 3},
        },
    )
    assert r.json()["events_ingested"] == 1


def test_httpapi_payload_too_large(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    too_many = [{"event_type": "x", "device_id": f"device-{i}"} for i in range(2001)]
    r = app_event(http, clean_sandbox, *too_many)
    assert (r.status_code, r.json()) == (413, {"code": 413, "error": "Payload too large"})
    assert app_event(http, clean_sandbox, *too_many[:2000]).json()["events_ingested"] == 2000
    big = {"event_type": "x", "device_id": "device-1", "p": "x" * 1_000_000}
    r = app_event(http, clean_sandbox, big)
    assert (r.status_code, r.json()["error"]) == (413, "Payload too large")


# -- matching -----------------------------------------------------------------------------


def test_match_marks_attribution_and_sets_user_properties(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    attribute(http, clean_sandbox, IOS_EVENT)
    [held] = clean_sandbox.state.attributions()
    assert held["state"] == "held" and held["ad_ids"] == {"idfa": IDFA}
    assert held["deadline"] == held["received_at"] + ATTRIBUTION_WINDOW_MS
    assert 0 < held["remaining_ms"] <= ATTRIBUTION_WINDOW_MS
    app_event(
        http,
        clean_sandbox,
        {
            "event_type": "session_start",
            "device_id": "device-42",
            "idfa": IDFA,
            "user_properties": {"plan": "free"},
        },
    )
    [matched] = http.get(clean_sandbox.base_url + "/_sandbox/attributions").json()
    assert matched["state"] == "matched" and matched["remaining_ms"] == 0
    assert matched["matched_by"] == {"device_id": "device-42", "user_id": None}
    assert matched["matched_at"] >= matched["received_at"]
    [user] = http.get(clean_sandbox.base_url + "/_sandbox/users").json()
    assert user["device_id"] == "device-42"
    assert user["user_properties"] == {
        "plan": "free",
        "[Adjust] campaign": "spring",
        "[Adjust] network": "search",
    }
    assert user["attribution_ids"] == [matched["id"]]


def test_case_difference_does_not_match(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    attribute(http, clean_sandbox, IOS_EVENT)
    app_event(
        http, clean_sandbox, {"event_type": "open", "device_id": "device-42", "idfa": IDFA.lower()}
    )
    assert clean_sandbox.state.attributions()[0]["state"] == "held"
    clean_sandbox.state.update_config({"case_sensitive_match": False})
    app_event(
        http, clean_sandbox, {"event_type": "open", "device_id": "device-42", "idfa": IDFA.lower()}
    )
    assert clean_sandbox.state.attributions()[0]["state"] == "matched"


def test_other_field_key_or_region_does_not_match(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    attribute(http, clean_sandbox, IOS_EVENT)
    app_event(http, clean_sandbox, {"event_type": "o", "device_id": "device-1", "idfv": IDFA})
    app_event(
        http,
        clean_sandbox,
        {"event_type": "o", "device_id": "device-1", "idfa": IDFA},
        key=EU,
        region="eu",
    )
    app_event(
        http,
        clean_sandbox,
        {"event_type": "o", "device_id": IDFA, "user_properties": {"idfa": IDFA}},
    )
    assert [a["state"] for a in clean_sandbox.state.attributions()] == ["held"]
    other = SandboxServer(keys={"us": [US, "second-us-key-000000000000000000"]}).start()
    try:
        attribute(http, other, IOS_EVENT)
        app_event(
            http,
            other,
            {"event_type": "o", "device_id": "device-1", "idfa": IDFA},
            key="second-us-key-000000000000000000",
        )
        assert other.state.attributions()[0]["state"] == "held"
    finally:
        other.stop()


def test_window_passes_and_late_event_does_not_match(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    attribute(http, clean_sandbox, IOS_EVENT)
    attribute(http, clean_sandbox, ANDROID_EVENT)
    clean_sandbox.advance_clock(ATTRIBUTION_WINDOW_MS - 60_000)
    app_event(
        http,
        clean_sandbox,
        {"event_type": "o", "device_id": "device-1", "adid": ANDROID_EVENT["adid"]},
    )
    r = http.post(clean_sandbox.base_url + "/_sandbox/clock", json={"advance_hours": 1})
    assert r.json()["offset_ms"] == ATTRIBUTION_WINDOW_MS + 3_540_000
    states = {a["event"]["platform"]: a for a in clean_sandbox.state.attributions()}
    assert states["ios"]["state"] == "dropped" and states["ios"]["remaining_ms"] == 0
    assert states["android"]["state"] == "matched"
    app_event(http, clean_sandbox, {"event_type": "o", "device_id": "device-2", "idfa": IDFA})
    assert [a["state"] for a in clean_sandbox.state.attributions(ad_id=IDFA)] == ["dropped"]
    dropped = http.get(clean_sandbox.base_url + "/_sandbox/attributions?state=dropped").json()
    assert [a["event"]["platform"] for a in dropped] == ["ios"]


def test_known_user_matches_at_once(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    app_event(http, clean_sandbox, {"event_type": "o", "device_id": "device-1", "idfa": IDFA})
    attribute(http, clean_sandbox, IOS_EVENT)
    assert clean_sandbox.state.attributions()[0]["state"] == "matched"
    clean_sandbox.state.update_config({"match_known_users": False})
    attribute(http, clean_sandbox, IOS_EVENT)
    assert clean_sandbox.state.attributions()[1]["state"] == "held"


def test_zero_uuid_never_matches(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    zero = "00000000-0000-0000-0000-000000000000"
    attribute(http, clean_sandbox, {**IOS_EVENT, "idfa": zero})
    app_event(http, clean_sandbox, {"event_type": "o", "device_id": "device-1", "idfa": zero})
    assert clean_sandbox.state.attributions()[0]["state"] == "held"


# -- inspection API -----------------------------------------------------------------------


def test_requests_recorded_exactly(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    raw = b"api_key=" + US.encode() + b"&event=%7B%22a%22%3A1%7D&x=caf\xe9"
    http.post(
        clean_sandbox.base_url + "/eu/attribution?q=1+2",
        data=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Dup": "a"},
    )
    rec = http.get(clean_sandbox.base_url + "/_sandbox/requests/last").json()
    assert rec["region"] == "eu" and rec["method"] == "POST"
    assert rec["target"] == "/eu/attribution?q=1+2" and rec["path"] == "/eu/attribution"
    assert rec["endpoint"] == "/attribution" and rec["query"] == "q=1+2"
    assert rec["body_text"] is None and rec["body_size"] == len(raw)
    import base64

    assert base64.b64decode(rec["body_b64"]) == raw
    assert ["X-Dup", "a"] in rec["headers"]
    assert rec["client"].startswith("127.0.0.1:") and rec["status"] == 400
    assert isinstance(rec["id"], int) and isinstance(rec["time_ms"], int)


def test_requests_filters(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    attribute(http, clean_sandbox, IOS_EVENT)
    attribute(http, clean_sandbox, IOS_EVENT, key=EU, region="eu")
    app_event(http, clean_sandbox, key=EU, region="eu")
    http.get(clean_sandbox.base_url + "/_sandbox/health")  # inspection calls are not recorded
    listing = http.get(clean_sandbox.base_url + "/_sandbox/requests").json()
    assert [r["endpoint"] for r in listing] == ["/attribution", "/attribution", "/2/httpapi"]
    assert [r["id"] for r in listing] == sorted(r["id"] for r in listing)
    eu = http.get(clean_sandbox.base_url + "/_sandbox/requests", params={"region": "eu"}).json()
    assert len(eu) == 2
    only = http.get(
        clean_sandbox.base_url + "/_sandbox/requests", params={"path": "/attribution", "limit": "1"}
    ).json()
    assert len(only) == 1 and only[0]["region"] == "eu"
    full = http.get(
        clean_sandbox.base_url + "/_sandbox/requests", params={"path": "/eu/2/httpapi"}
    ).json()
    assert len(full) == 1
    since = http.get(
        clean_sandbox.base_url + "/_sandbox/requests", params={"since": listing[1]["id"]}
    ).json()
    assert [r["id"] for r in since] == [listing[2]["id"]]
    one = http.get(f"{clean_sandbox.base_url}/_sandbox/requests/{listing[0]['id']}").json()
    assert one == listing[0]


def test_inspection_misc(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    health = http.get(clean_sandbox.base_url + "/_sandbox/health").json()
    assert health["ok"] is True and health["keys"] == {"us": 1, "eu": 1}
    assert http.get(clean_sandbox.base_url + "/_sandbox/requests/last").status_code == 404
    clock = http.get(clean_sandbox.base_url + "/_sandbox/clock").json()
    assert clock["offset_ms"] == 0
    assert (
        http.post(clean_sandbox.base_url + "/_sandbox/clock", json={"advance_ms": 5000}).json()[
            "offset_ms"
        ]
        == 5000
    )
    clean_sandbox.advance_clock(1000)
    assert clean_sandbox.state.clock()["offset_ms"] == 6000
    attribute(http, clean_sandbox, IOS_EVENT)
    assert http.post(clean_sandbox.base_url + "/_sandbox/reset").json() == {"ok": True}
    assert clean_sandbox.state.clock()["offset_ms"] == 0
    assert http.get(clean_sandbox.base_url + "/_sandbox/attributions").json() == []
    assert http.get(clean_sandbox.base_url + "/_sandbox/requests").json() == []


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/_sandbox/nope", None),
        ("POST", "/_sandbox/health", None),
        ("POST", "/_sandbox/clock", b"{"),
        ("POST", "/_sandbox/clock", b"[]"),
        ("POST", "/_sandbox/clock", b'{"advance_ms": -1}'),
        ("POST", "/_sandbox/clock", b'{"advance_ms": "1"}'),
        ("POST", "/_sandbox/clock", b'{"rewind_ms": 1}'),
        ("POST", "/_sandbox/clock", b'{"advance_ms": 1, "advance_hours": 1}'),
        ("GET", "/_sandbox/requests?limit=x", None),
        ("GET", "/_sandbox/requests?region=mars", None),
        ("GET", "/_sandbox/attributions?state=lost", None),
        ("GET", "/_sandbox/requests/abc", None),
        ("POST", "/_sandbox/faults", b"{}"),
        ("POST", "/_sandbox/faults", b'{"mode": "explode"}'),
        ("POST", "/_sandbox/faults", b'{"mode": "delay", "seconds": "slow"}'),
        ("POST", "/_sandbox/faults", b'{"mode": "status", "code": 200}'),
        ("POST", "/_sandbox/faults", b'{"mode": "status", "colour": 1}'),
        ("POST", "/_sandbox/faults", b'{"mode": "hang", "count": -1}'),
        ("POST", "/_sandbox/faults", b'{"mode": "hang", "region": "mars"}'),
        ("POST", "/_sandbox/faults", b'{"mode": "redirect", "location": "a\\r\\nb"}'),
        ("POST", "/_sandbox/config", b'{"no_such_switch": 1}'),
        ("POST", "/_sandbox/config", b'{"missing_event": 1}'),
        ("POST", "/_sandbox/config", b"\xff"),
    ],
)
def test_malformed_inspection_requests(
    http: requests.Session, clean_sandbox: SandboxServer, method: str, path: str, body: bytes | None
) -> None:
    r = http.request(method, clean_sandbox.base_url + path, data=body)
    assert r.status_code in (400, 404, 405)
    assert isinstance(r.json()["error"], str)
    assert http.get(clean_sandbox.base_url + "/_sandbox/health").json()["internal_errors"] == 0


def test_config_switches_words(http: requests.Session, clean_sandbox: SandboxServer) -> None:
    config = http.get(clean_sandbox.base_url + "/_sandbox/config").json()
    assert config["invalid_api_key"] == "invalid_api_key" and config["success"] == "success"
    r = http.post(
        clean_sandbox.base_url + "/_sandbox/config",
        json={
            "invalid_api_key": "bad key",
            "missing_event": "no event",
            "invalid_platform": "invalid_platform",
            "missing_ios_id": "need idfa or idfv",
        },
    )
    assert r.status_code == 200 and r.json()["invalid_api_key"] == "bad key"
    assert attribute(http, clean_sandbox, IOS_EVENT, key="x").text == "bad key"
    assert attribute(http, clean_sandbox, "").text == "no event"
    assert (
        attribute(http, clean_sandbox, {**IOS_EVENT, "platform": "web"}).text == "invalid_platform"
    )
    assert attribute(http, clean_sandbox, {**IOS_EVENT, "idfa": ""}).text == "need idfa or idfv"
    assert attribute(http, clean_sandbox, {**IOS_EVENT, "time": 1.0}).text == "invalid_event"
    r = http.post(clean_sandbox.base_url + "/_sandbox/config", json={"nope": "x"})
    assert r.status_code == 400 and "nope" in r.json()["error"]
    clean_sandbox.reset()  # reset keeps config ...
    assert attribute(http, clean_sandbox, IOS_EVENT, key="x").text == "bad key"
    http.delete(clean_sandbox.base_url + "/_sandbox/config")  # ... DELETE restores the defaults
    assert attribute(http, clean_sandbox, IOS_EVENT, key="x").text == "invalid_api_key"


def test_configure_and_absolute_form_target(clean_sandbox: SandboxServer) -> None:
    import http.client

    config = clean_sandbox.configure(success="ok", attribution_content_type="text/plain")
    assert config["success"] == "ok"
    with pytest.raises(ValueError):
        clean_sandbox.configure(success=1)
    conn = http.client.HTTPConnection("127.0.0.1", clean_sandbox.port, timeout=2)
    query = f"api_key={EU}&event={quote(json.dumps(IOS_EVENT), safe='')}"
    conn.request("POST", f"http://api.eu.amplitude.com/eu/attribution?{query}")
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"ok")
    assert response.getheader("Content-Type") == "text/plain"
    conn.close()
    assert clean_sandbox.state.request()["region"] == "eu"  # type: ignore[index]


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def strict_json(response: requests.Response) -> Any:
    """The answer parsed as JSON parsers outside Python read it (no NaN or Infinity)."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"not JSON: {name}")

    return json.loads(response.text, parse_constant=refuse)


def test_deeply_nested_properties_match_and_inspect_whole(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    # ~490 levels made copy.deepcopy hit the recursion limit in the middle of matching:
    # a 500 with the attribution marked matched but not on its user, listings 500 after.
    deep = {**IOS_EVENT, "user_properties": {"[X] deep": nested(498)}}
    assert attribute(http, clean_sandbox, deep).text == "success"
    r = app_event(
        http, clean_sandbox, {"event_type": "open", "device_id": "device-deep", "idfa": IDFA}
    )
    assert r.status_code == 200
    [matched] = strict_json(http.get(clean_sandbox.base_url + "/_sandbox/attributions"))
    [user] = strict_json(http.get(clean_sandbox.base_url + "/_sandbox/users"))
    assert matched["state"] == "matched" and user["attribution_ids"] == [matched["id"]]
    assert user["user_properties"]["[X] deep"] == nested(498)
    assert clean_sandbox.state.summary()["internal_errors"] == 0
    # Deeper than 500 levels is refused as unparseable (the JVM parser has a limit too).
    too_deep = {**IOS_EVENT, "user_properties": {"[X] deep": nested(520)}}
    assert attribute(http, clean_sandbox, too_deep).text == "missing_event"
    r = app_event(http, clean_sandbox, {"event_type": "o", "device_id": "dev-2", "p": nested(520)})
    assert r.status_code == 400
    assert len(clean_sandbox.state.attributions()) == 1


def test_numbers_past_a_double_are_refused_so_inspection_stays_json(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    # Python reads 1e999 as inf, which json.dumps writes as Infinity: not JSON.
    text = json.dumps(IOS_EVENT)[:-1] + ', "time_zone_offset": 1e999}'
    assert attribute(http, clean_sandbox, text).text == "missing_event"
    body = '{"api_key": "%s", "events": [{"event_type": "o", "device_id": "dev-1", "v": -1e999}]}'
    assert raw_httpapi(http, clean_sandbox, body % US).status_code == 400
    assert attribute(http, clean_sandbox, {**IOS_EVENT, "user_properties": {"v": 1e308}}).ok
    strict_json(http.get(clean_sandbox.base_url + "/_sandbox/attributions"))
    strict_json(http.get(clean_sandbox.base_url + "/_sandbox/users"))


@pytest.mark.parametrize(
    "change",
    [
        {"time": 2**63},  # past the API's Long
        {"time": -(2**63) - 1},
        {"user_properties": "abc"},  # the seed: a Dictionary
        {"user_properties": [1, 2]},
    ],
)
def test_time_must_be_a_long_and_user_properties_an_object(
    http: requests.Session, clean_sandbox: SandboxServer, change: dict[str, Any]
) -> None:
    r = attribute(http, clean_sandbox, {**IOS_EVENT, **change})
    assert (r.status_code, r.text) == (400, "invalid_event")
    assert clean_sandbox.state.attributions() == []
    assert attribute(http, clean_sandbox, {**IOS_EVENT, "time": 2**63 - 1}).text == "success"
    # null passes as absent (the app warns about it, as the server may take it either way).
    assert attribute(http, clean_sandbox, {**IOS_EVENT, "user_properties": None}).ok


def test_android_id_is_not_an_advertising_id_for_matching(
    http: requests.Session, clean_sandbox: SandboxServer
) -> None:
    adid = ANDROID_EVENT["adid"]
    android_id = "9774d56d682e549e"
    attribute(http, clean_sandbox, {**ANDROID_EVENT, "android_id": android_id})
    app_event(
        http, clean_sandbox, {"event_type": "o", "device_id": "dev-aid", "android_id": android_id}
    )
    [held] = clean_sandbox.state.attributions()
    assert held["state"] == "held" and held["ad_ids"] == {"adid": adid}
    app_event(http, clean_sandbox, {"event_type": "o", "device_id": "dev-adid", "adid": adid})
    [matched] = clean_sandbox.state.attributions()
    assert matched["matched_by"]["device_id"] == "dev-adid"
