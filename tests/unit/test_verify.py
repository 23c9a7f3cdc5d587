"""core.verify: interpreting answers, and real checks against an in-process clean_sandbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from attribution_workbench.core.answers import server_words
from attribution_workbench.core.client import CancelToken, Client
from attribution_workbench.core.regions import Destination, DestinationError, Region, Target
from attribution_workbench.core.rules import Level, check_event
from attribution_workbench.core.verify import (
    PROBE_EVENT_TYPE,
    RegionCheck,
    Verdict,
    VerifyMethod,
    accepting_regions,
    belongs_to,
    check_key,
    check_matrix,
    combined_verdict,
    interpret,
    probe_event,
    region_verdicts,
)
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer

V2, PROBE = VerifyMethod.V2_EMPTY_BATCH, VerifyMethod.ATTRIBUTION_PROBE
US_KEY, EU_KEY = DEMO_KEYS["us"], DEMO_KEYS["eu"]


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(connect_timeout=2.0, read_timeout=5.0) as shared:
        yield shared


@pytest.mark.parametrize(
    ("method", "status", "text", "verdict"),
    [
        (V2, 200, '{"code":200,"events_ingested":0}', Verdict.ACCEPTED),
        (V2, 400, '{"code":400,"error":"Invalid API key: abc"}', Verdict.REJECTED),
        (V2, 400, '{"code":400,"error":"Request missing required field"}', Verdict.INCONCLUSIVE),
        (V2, 400, "invalid_api_key", Verdict.INCONCLUSIVE),  # not the V2 API's words
        (V2, 429, '{"code":429,"error":"Too many requests"}', Verdict.INCONCLUSIVE),
        (V2, 503, "<html>down</html>", Verdict.INCONCLUSIVE),
        (PROBE, 200, "success", Verdict.ACCEPTED),
        (PROBE, 400, "invalid_api_key", Verdict.REJECTED),
        (PROBE, 400, " invalid_api_key\n", Verdict.REJECTED),
        (PROBE, 400, "missing_event", Verdict.INCONCLUSIVE),
        (PROBE, 500, "invalid_api_key", Verdict.INCONCLUSIVE),
        (PROBE, 413, "", Verdict.INCONCLUSIVE),
    ],
)
def test_interpret(method: VerifyMethod, status: int, text: str, verdict: Verdict) -> None:
    assert interpret(method, status, text) is verdict


@pytest.mark.parametrize(
    ("status", "reason", "text", "words"),
    [
        (400, "Bad Request", '{"code":400,"error":"Invalid API key: x"}', "Invalid API key: x"),
        (
            400,
            "Bad Request",
            '{"code":400,"error":"Request missing required field","missing_field":"api_key"}',
            "Request missing required field (api_key)",
        ),
        (400, "Bad Request", "  invalid_api_key \n", "invalid_api_key"),
        (502, "Bad Gateway", "<html><body>502</body></html>", "HTTP 502 Bad Gateway"),
        (500, "Internal Server Error", "", "HTTP 500 Internal Server Error"),
        (200, "OK", "a\n  b\tc", "a b c"),
    ],
)
def test_server_words(status: int, reason: str, text: str, words: str) -> None:
    assert server_words(status, reason, text) == words


def test_server_words_are_trimmed() -> None:
    words = server_words(500, "Internal Server Error", "x" * 5000)
    assert len(words) == 300 and words.endswith("…")


@pytest.mark.parametrize("platform", ["ios", "android"])
def test_probe_event_is_valid_random_and_never_seen(platform: str) -> None:
    first, second = probe_event(platform), probe_event(platform)
    assert first.event_type == PROBE_EVENT_TYPE
    assert first.ad_ids() != second.ad_ids()
    (ad_id,) = first.ad_ids().values()
    assert ad_id == (ad_id.upper() if platform == "ios" else ad_id.lower())
    levels = {finding.level for finding in check_event(first)}
    assert Level.ERROR not in levels and Level.WARNING not in levels


def test_probe_event_refuses_an_unknown_platform() -> None:
    with pytest.raises(ValueError, match="platform"):
        probe_event("web")


@pytest.mark.parametrize("method", [V2, PROBE])
def test_a_key_belongs_to_the_region_that_accepts_it(
    clean_sandbox: SandboxServer, client: Client, method: VerifyMethod
) -> None:
    keys = {Region.US: EU_KEY, Region.EU: EU_KEY}
    results = one_method(
        client, keys, [Region.US, Region.EU], Target.SANDBOX, clean_sandbox.base_url, method
    )
    assert list(results) == [Region.US, Region.EU]
    us, eu = results[Region.US], results[Region.EU]
    assert (us.verdict, us.status, us.accepted) == (Verdict.REJECTED, 400, False)
    assert (eu.verdict, eu.status, eu.accepted) == (Verdict.ACCEPTED, 200, True)
    assert us.method is method and eu.region is Region.EU
    assert belongs_to(region_verdicts({r: [c] for r, c in results.items()})) is Region.EU
    expected_path = "/2/httpapi" if method is V2 else "/attribution"
    assert eu.url == f"{clean_sandbox.base_url}/eu{expected_path}"
    assert eu.elapsed_ms is not None and abs(eu.checked_at - time.time()) < 60


def test_the_rejected_key_is_masked_in_the_message(
    clean_sandbox: SandboxServer, client: Client
) -> None:
    check = check_key(
        client, US_KEY, Destination(Region.EU, Target.SANDBOX, clean_sandbox.base_url)
    )
    assert check.verdict is Verdict.REJECTED
    assert check.message == "Invalid API key: ••••••••" + US_KEY[-4:]
    assert US_KEY not in check.message


def test_the_v2_check_ingests_nothing(clean_sandbox: SandboxServer, client: Client) -> None:
    check_key(client, US_KEY, Destination(Region.US, Target.SANDBOX, clean_sandbox.base_url))
    assert clean_sandbox.state.users() == []
    assert clean_sandbox.state.attributions() == []


def test_the_probe_is_only_ever_held(clean_sandbox: SandboxServer, client: Client) -> None:
    destination = Destination(Region.US, Target.SANDBOX, clean_sandbox.base_url)
    assert check_key(client, US_KEY, destination, PROBE).accepted is True
    (held,) = clean_sandbox.state.attributions()
    assert held["state"] == "held"
    clean_sandbox.advance_clock(73 * 3600 * 1000)
    assert [a["state"] for a in clean_sandbox.state.attributions()] == ["dropped"]


def test_regions_without_a_key_are_skipped(clean_sandbox: SandboxServer, client: Client) -> None:
    results = one_method(
        client,
        {Region.US: US_KEY, Region.EU: ""},
        [Region.US, Region.EU],
        Target.SANDBOX,
        clean_sandbox.base_url,
    )
    assert list(results) == [Region.US]
    assert belongs_to(region_verdicts({r: [c] for r, c in results.items()})) is Region.US


def test_server_errors_are_inconclusive(clean_sandbox: SandboxServer, client: Client) -> None:
    clean_sandbox.add_fault("status", code=503)
    check = check_key(
        client, US_KEY, Destination(Region.US, Target.SANDBOX, clean_sandbox.base_url)
    )
    assert (check.verdict, check.status, check.accepted) == (Verdict.INCONCLUSIVE, 503, None)
    assert check.message


def test_no_server_is_unreachable(client: Client, closed_port_url: str) -> None:
    check = check_key(client, US_KEY, Destination(Region.US, Target.SANDBOX, closed_port_url))
    assert (check.verdict, check.status, check.accepted) == (Verdict.UNREACHABLE, None, None)
    assert "refused" in check.message.lower()


def test_regions_are_checked_at_once(clean_sandbox: SandboxServer, client: Client) -> None:
    clean_sandbox.add_fault("delay", count=4, seconds=1.0)
    done: list[dict[Region, list[RegionCheck]]] = []
    worker = threading.Thread(
        target=lambda: done.append(
            check_matrix(
                client,
                {Region.US: US_KEY, Region.EU: US_KEY},
                [Region.US, Region.EU],
                Target.SANDBOX,
                clean_sandbox.base_url,
                (V2, PROBE),
            )
        )
    )
    worker.start()
    records = clean_sandbox.state.requests()
    while len(records) < 4 and worker.is_alive():
        time.sleep(0.005)
        records = clean_sandbox.state.requests()
    worker.join(30)
    # All four checks reached the sandbox before it answered any of them: they ran at once
    # (one after another, each would arrive only after the 1 s answer to the one before).
    assert len(records) == 4 and all(r["status"] is None for r in records), records
    (matrix,) = done
    assert [c.method for c in matrix[Region.US]] == [V2, PROBE]
    assert combined_verdict(matrix[Region.US]) is Verdict.ACCEPTED
    assert combined_verdict(matrix[Region.EU]) is Verdict.REJECTED


def test_one_cancel_stops_every_check(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("hang", count=2)
    token = CancelToken()
    read_timeout = 60.0
    cancelled_at: list[float] = []

    def cancel_once_both_are_held() -> None:
        deadline = time.perf_counter() + read_timeout
        while len(clean_sandbox.state.requests()) < 2 and time.perf_counter() < deadline:
            time.sleep(0.01)
        cancelled_at.append(time.perf_counter())
        token.cancel()

    threading.Thread(target=cancel_once_both_are_held, daemon=True).start()
    with Client(connect_timeout=2.0, read_timeout=read_timeout) as client:
        results = one_method(
            client,
            {Region.US: US_KEY, Region.EU: EU_KEY},
            [Region.US, Region.EU],
            Target.SANDBOX,
            clean_sandbox.base_url,
            cancel=token,
        )
    ended = time.perf_counter()
    assert len(clean_sandbox.state.requests()) == 2  # both were held when the cancel came
    assert ended - cancelled_at[0] < read_timeout / 2  # the cancel ended both, no timeout
    assert {check.verdict for check in results.values()} == {Verdict.UNREACHABLE}


def test_a_bad_target_fails_before_anything_is_sent(client: Client) -> None:
    with pytest.raises(DestinationError):
        one_method(
            client, {Region.US: US_KEY}, [Region.US], Target.CUSTOM, "http://example.com/x"
        )


def one_method(
    client: Client,
    keys: dict[Region, str],
    regions: list[Region],
    target: Target,
    url: str | None,
    method: VerifyMethod = V2,
    cancel: CancelToken | None = None,
) -> dict[Region, RegionCheck]:
    """``check_matrix`` with one method: each region's single check."""
    matrix = check_matrix(client, keys, regions, target, url, (method,), cancel=cancel)
    return {region: checks[0] for region, checks in matrix.items()}


def _check(verdict: Verdict) -> RegionCheck:
    return RegionCheck(Region.US, V2, verdict, None, "", 0.0, "")


@pytest.mark.parametrize(
    ("verdicts", "combined"),
    [
        ([Verdict.ACCEPTED, Verdict.ACCEPTED], Verdict.ACCEPTED),
        ([Verdict.ACCEPTED, Verdict.INCONCLUSIVE], Verdict.ACCEPTED),
        ([Verdict.REJECTED, Verdict.UNREACHABLE], Verdict.REJECTED),
        ([Verdict.ACCEPTED, Verdict.REJECTED], Verdict.INCONCLUSIVE),
        ([Verdict.UNREACHABLE, Verdict.UNREACHABLE], Verdict.UNREACHABLE),
        ([Verdict.UNREACHABLE, Verdict.INCONCLUSIVE], Verdict.INCONCLUSIVE),
    ],
)
def test_combined_verdict(verdicts: list[Verdict], combined: Verdict) -> None:
    assert combined_verdict([_check(v) for v in verdicts]) is combined


def test_belongs_to_needs_exactly_one_accepting_region() -> None:
    accepted, rejected = Verdict.ACCEPTED, Verdict.REJECTED
    assert belongs_to({Region.US: accepted, Region.EU: rejected}) is Region.US
    assert belongs_to({Region.US: accepted, Region.EU: accepted}) is None
    assert belongs_to({Region.US: rejected, Region.EU: Verdict.UNREACHABLE}) is None
    assert accepting_regions({Region.EU: accepted, Region.US: accepted}) == [Region.EU, Region.US]


def test_region_verdicts_combine_each_regions_checks() -> None:
    from attribution_workbench.core.verify import RegionCheck, region_verdicts

    def check(verdict: Verdict) -> RegionCheck:
        return RegionCheck(
            Region.US, VerifyMethod.V2_EMPTY_BATCH, verdict, 200, "", 0.0, "http://127.0.0.1:9"
        )

    matrix = {
        Region.US: [check(Verdict.ACCEPTED), check(Verdict.UNREACHABLE)],
        Region.EU: [check(Verdict.ACCEPTED), check(Verdict.REJECTED)],
    }
    assert region_verdicts(matrix) == {
        Region.US: Verdict.ACCEPTED,
        Region.EU: Verdict.INCONCLUSIVE,
    }
