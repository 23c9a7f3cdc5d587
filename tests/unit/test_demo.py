"""core.demo: the timeline from the sandbox's answers, and the inspector against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from attribution_workbench.core.app_event import (
    case_mismatches,
    matching_app_event,
    prepare_app_event,
)
from attribution_workbench.core.client import Client
from attribution_workbench.core.demo import (
    DROPPED,
    InspectorError,
    SandboxInspector,
    StepState,
    timeline_for_amplitude,
    timeline_from,
)
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import prepare
from attribution_workbench.sandbox import ATTRIBUTION_WINDOW_MS, DEMO_KEYS, SandboxServer

H = 3_600_000
IDFA = "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84"
PROPS = {"[AppsFlyer] media source": "Facebook Ads", "[AppsFlyer] campaign": "Spring"}


def record(state: str, now: int, **extra: Any) -> dict[str, Any]:
    received = now - 3 * H
    base = {
        "id": 1, "region": "us", "state": state, "received_at": received,
        "deadline": received + ATTRIBUTION_WINDOW_MS, "matched_at": None, "matched_by": None,
        "remaining_ms": received + ATTRIBUTION_WINDOW_MS - now if state == "held" else 0,
        "ad_ids": {"idfa": IDFA},
        "event": {"event_type": "[AppsFlyer] Install", "platform": "ios", "idfa": IDFA,
                  "user_properties": PROPS},
    }
    return base | extra


def states(steps: list[Any]) -> list[StepState]:
    return [step.state for step in steps]


def test_nothing_yet_has_no_done_step() -> None:
    steps = timeline_from([], [], 0)
    assert len(steps) == 4
    assert StepState.DONE not in states(steps)
    assert "Nothing has arrived" in steps[0].detail


def test_held_shows_the_time_left() -> None:
    now = 1_700_000_000_000
    steps = timeline_from([record("held", now)], [], now)
    assert states(steps) == [StepState.DONE, StepState.CURRENT, StepState.PENDING,
                             StepState.PENDING]
    assert steps[1].title == "Held (72 h window, 69 h 0 m left)"
    assert IDFA in steps[2].detail


def test_matched_shows_the_campaign_properties_the_user_now_has() -> None:
    now = 1_700_000_000_000
    matched = record("matched", now, matched_at=now - H, matched_by={"device_id": "dev-12345"})
    user = {"region": "us", "device_id": "dev-12345",
            "user_properties": PROPS | {"[AppsFlyer] campaign": "Spring (user)"}}
    steps = timeline_from([matched], [user], now)
    assert states(steps) == [StepState.DONE] * 4
    assert steps[1].detail.startswith("Held for 2 h 0 m")
    assert "dev-12345" in steps[2].detail
    assert "the user now has the campaign properties" in steps[3].title
    assert "[AppsFlyer] media source = Facebook Ads" in steps[3].title
    assert "[AppsFlyer] campaign = Spring (user)" in steps[3].title


def test_dropped_says_no_app_event_arrived_and_spots_a_case_difference() -> None:
    now = 1_700_000_000_000
    user = {"region": "us", "device_id": "d-1", "ad_ids": {"idfa": IDFA.lower()}}
    steps = timeline_from([record("dropped", now)], [user], now)
    assert states(steps)[-2:] == [StepState.FAILED, StepState.FAILED]
    assert steps[-1].title == DROPPED
    assert "letter case" in steps[2].detail


@pytest.mark.parametrize(
    ("ours", "theirs", "hinted"),
    [
        ({"idfa": IDFA}, {"idfa": IDFA.lower()}, True),
        ({"idfa": IDFA}, {"idfa": IDFA}, False),  # the same: it matches
        ({"idfa": IDFA}, {"idfv": IDFA.lower()}, False),  # another field
        ({"idfa": IDFA}, {"idfa": 5}, False),
        ({"adid": "stra\u00dfe-1"}, {"adid": "STRASSE-1"}, True),  # casefold, not lower
    ],
)
def test_the_case_hint_is_case_mismatches(
    ours: dict[str, Any], theirs: dict[str, Any], hinted: bool
) -> None:
    now = 1_700_000_000_000
    user = {"region": "us", "device_id": "d-1", "ad_ids": theirs}
    steps = timeline_from([record("dropped", now, ad_ids=ours)], [user], now)
    assert bool(case_mismatches(AttributionEvent.from_dict(ours), theirs)) is hinted
    assert ("letter case" in steps[2].detail) is hinted
    other_region = user | {"region": "eu"}
    steps = timeline_from([record("dropped", now, ad_ids=ours)], [other_region], now)
    assert "letter case" not in steps[2].detail


def test_the_newest_attribution_tells_the_story() -> None:
    now = 1_700_000_000_000
    old = record("dropped", now, id=1, received_at=now - 100 * H)
    new = record("held", now, id=2)
    steps = timeline_from([old, new], [], now)
    assert steps[1].state is StepState.CURRENT
    assert "1 earlier one(s)" in steps[0].detail


def test_amplitude_timeline_points_to_user_lookup() -> None:
    steps = timeline_for_amplitude(True, True, answer="200 success", device_id="ABC-123")
    assert states(steps)[:3] == [StepState.DONE] * 3
    assert "User Lookup" in steps[-1].detail and "ABC-123" in steps[-1].detail
    assert "Amplitude's side" in steps[-1].detail
    assert timeline_for_amplitude(None, None)[0].state is StepState.CURRENT
    assert timeline_for_amplitude(False, None, answer="400")[0].state is StepState.FAILED


def test_inspector_refuses_non_loopback_urls() -> None:
    with pytest.raises(InspectorError):
        SandboxInspector("http://example.com:8787")


# --- against the real in-process sandbox --------------------------------------------------------
@pytest.fixture
def client() -> Iterator[Client]:
    with Client() as c:
        yield c


@pytest.fixture
def inspector(clean_sandbox: SandboxServer) -> Iterator[SandboxInspector]:
    inspector = SandboxInspector(clean_sandbox.base_url)
    yield inspector
    inspector.close()


def send_attribution(server: SandboxServer, client: Client, event: AttributionEvent) -> None:
    destination = Destination(Region.US, Target.SANDBOX, server.base_url)
    outcome = client.send(prepare(event, destination, DEMO_KEYS["us"]))
    assert outcome.status == 200, outcome.text


def send_app_event(server: SandboxServer, client: Client, app_event: dict[str, Any]) -> None:
    destination = Destination(Region.US, Target.SANDBOX, server.base_url)
    outcome = client.send(prepare_app_event(app_event, destination, DEMO_KEYS["us"]))
    assert outcome.status == 200, outcome.text


EVENT = AttributionEvent(event_type="[AppsFlyer] Install", platform="ios", idfa=IDFA,
                         user_properties=PROPS)


def test_attribution_alone_then_72_hours_is_dropped(
    clean_sandbox: SandboxServer, client: Client, inspector: SandboxInspector
) -> None:
    assert inspector.timeline(IDFA)[0].state is StepState.CURRENT  # nothing yet
    send_attribution(clean_sandbox, client, EVENT)
    steps = inspector.timeline(IDFA, "us")
    assert steps[1].state is StepState.CURRENT
    assert steps[1].title in ("Held (72 h window, 72 h 0 m left)",
                              "Held (72 h window, 71 h 59 m left)")
    before = inspector.clock()
    assert inspector.advance(72) >= before + 72 * H
    steps = inspector.timeline(IDFA, "us")
    assert steps[-1].title == DROPPED and steps[-1].state is StepState.FAILED
    assert inspector.attributions(IDFA)[0]["state"] == "dropped"


def test_attribution_and_matching_app_event_is_matched(
    clean_sandbox: SandboxServer, client: Client, inspector: SandboxInspector
) -> None:
    send_attribution(clean_sandbox, client, EVENT)
    send_app_event(clean_sandbox, client, matching_app_event(EVENT))
    steps = inspector.timeline(IDFA, "us")
    assert states(steps) == [StepState.DONE] * 4
    assert "Facebook Ads" in steps[-1].title
    assert any(u.get("device_id") for u in inspector.users())


def test_case_mismatched_app_event_is_not_matched(
    clean_sandbox: SandboxServer, client: Client, inspector: SandboxInspector
) -> None:
    send_attribution(clean_sandbox, client, EVENT)
    app_event = matching_app_event(EVENT, device_id="device-lower") | {"idfa": IDFA.lower()}
    send_app_event(clean_sandbox, client, app_event)
    steps = inspector.timeline(IDFA, "us")
    assert steps[1].state is StepState.CURRENT  # still held
    assert "letter case" in steps[2].detail
    inspector.advance(72)
    assert inspector.attributions(IDFA)[0]["state"] == "dropped"
