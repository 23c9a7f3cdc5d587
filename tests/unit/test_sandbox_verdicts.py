"""Sandbox verdicts: one source for the 413 body and for an accepted event's ad IDs."""

from __future__ import annotations

import json

from attribution_workbench.sandbox import DEFAULT_CONFIG, DEMO_KEYS
from attribution_workbench.sandbox.config import HTTPAPI
from attribution_workbench.sandbox.faults import status_body
from attribution_workbench.sandbox.state import SandboxState
from attribution_workbench.sandbox.validation import check_attribution, payload_too_large

KEY = DEMO_KEYS["us"]
IDFA = "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F81"


def test_a_413_fault_answers_like_the_real_size_check() -> None:
    content_type, body = status_body(413, HTTPAPI, b"{}")
    assert content_type == "application/json"
    assert json.loads(body) == payload_too_large()


def test_an_accepted_event_carries_its_ad_ids() -> None:
    event = {"event_type": "[Adjust] install", "platform": "ios", "idfa": IDFA, "idfv": ""}
    verdict = check_attribution(
        {"api_key": KEY, "event": json.dumps(event)}, frozenset({KEY}), DEFAULT_CONFIG
    )
    assert (verdict.status, verdict.reason) == (200, "ok")
    assert verdict.ad_ids == {"idfa": IDFA}  # empty IDs cannot match, so they are left out


def test_an_event_that_is_not_an_object_is_refused() -> None:
    params = {"api_key": KEY, "event": "[1, 2]"}
    verdict = check_attribution(params, frozenset({KEY}), DEFAULT_CONFIG)
    assert (verdict.status, verdict.reason) == (400, "not_an_object")
    assert verdict.text == DEFAULT_CONFIG["not_an_object"]


def test_add_attribution_takes_the_verdict_ad_ids_instead_of_deriving_them() -> None:
    state = SandboxState({"us": frozenset({KEY})})
    idfv = "0E5B5F3A-2C4D-4E6F-8A9B-1C2D3E4F5A6B"
    event = {"event_type": "[Adjust] install", "platform": "ios", "idfa": IDFA, "idfv": idfv}
    given = state.add_attribution(1, "us", KEY, event, {"idfa": IDFA})
    derived = state.add_attribution(2, "us", KEY, dict(event))
    ad_ids = {a["id"]: a["ad_ids"] for a in state.attributions()}
    assert ad_ids == {given: {"idfa": IDFA}, derived: {"idfa": IDFA, "idfv": idfv}}
