"""The matching app event against the sandbox over real loopback sockets (core.client).

The sandbox holds an accepted attribution event and marks it matched when a /2/httpapi
event in the same region and key carries a byte-identical top-level ad ID.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from attribution_workbench.core.app_event import (
    case_mismatches,
    interpret_v2,
    matching_app_event,
    prepare_app_event,
)
from attribution_workbench.core.client import Client
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import prepare
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer

IDFA = "AEBE52E7-03EE-455A-B3C4-E57283966239"
ADID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(connect_timeout=2.0, read_timeout=5.0) as c:
        yield c


def attributions(server: SandboxServer, ad_id: str) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"ad_id": ad_id})
    url = f"{server.base_url}/_sandbox/attributions?{query}"
    with urllib.request.urlopen(url, timeout=5) as response:
        result: list[dict[str, Any]] = json.load(response)
    return result


def send_pair(
    server: SandboxServer,
    client: Client,
    attribution: AttributionEvent,
    app_event: dict[str, Any],
    region: Region = Region.US,
) -> str:
    destination = Destination(region, Target.SANDBOX, server.base_url)
    key = DEMO_KEYS[region.value]
    first = client.send(prepare(attribution, destination, key))
    assert first.status == 200 and first.text == "success"
    outcome = client.send(prepare_app_event(app_event, destination, key))
    headers = dict(outcome.headers)
    answer = interpret_v2(outcome.status, outcome.text, headers, api_key=key)
    assert answer.accepted, answer.summary
    return answer.summary


@pytest.mark.parametrize(
    "attribution",
    [
        AttributionEvent(event_type="[Adjust] Install", platform="ios", idfa=IDFA),
        AttributionEvent(event_type="[Adjust] Install", platform="android", adid=ADID),
        AttributionEvent(event_type="[Adjust] Install", platform="ios", idfa="odd Ïd + 🙂"),
    ],
    ids=["ios", "android", "odd-id"],
)
def test_matching_app_event_matches(
    clean_sandbox: SandboxServer, client: Client, attribution: AttributionEvent
) -> None:
    ad_id = next(iter(attribution.ad_ids().values()))
    summary = send_pair(clean_sandbox, client, attribution, matching_app_event(attribution))
    assert summary.startswith("Ingested 1 event (")
    [held] = attributions(clean_sandbox, ad_id)
    assert held["state"] == "matched"


def test_case_mismatched_app_event_does_not_match(
    clean_sandbox: SandboxServer, client: Client
) -> None:
    attribution = AttributionEvent(event_type="[Adjust] Install", platform="ios", idfa=IDFA)
    app_event = {**matching_app_event(attribution), "idfa": IDFA.lower()}
    assert case_mismatches(attribution, app_event) == ["idfa"]
    assert send_pair(clean_sandbox, client, attribution, app_event).startswith("Ingested 1 event")
    [held] = attributions(clean_sandbox, IDFA)
    assert held["state"] == "held"


def test_other_region_does_not_match(clean_sandbox: SandboxServer, client: Client) -> None:
    attribution = AttributionEvent(event_type="[Adjust] Install", platform="ios", idfa=IDFA)
    destination = Destination(Region.US, Target.SANDBOX, clean_sandbox.base_url)
    assert client.send(prepare(attribution, destination, DEMO_KEYS["us"])).status == 200
    eu = Destination(Region.EU, Target.SANDBOX, clean_sandbox.base_url)
    outcome = client.send(prepare_app_event(matching_app_event(attribution), eu, DEMO_KEYS["eu"]))
    assert outcome.status == 200
    [held] = attributions(clean_sandbox, IDFA)
    assert held["state"] == "held"


def test_wrong_key_is_read_and_masked(clean_sandbox: SandboxServer, client: Client) -> None:
    attribution = AttributionEvent(event_type="[Adjust] Install", platform="ios", idfa=IDFA)
    destination = Destination(Region.US, Target.SANDBOX, clean_sandbox.base_url)
    key = "wrong-key-0123456789abcdef"
    outcome = client.send(prepare_app_event(matching_app_event(attribution), destination, key))
    answer = interpret_v2(outcome.status, outcome.text, dict(outcome.headers), api_key=key)
    assert outcome.status == 400 and answer.invalid_key
    assert key not in answer.summary
