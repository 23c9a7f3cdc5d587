"""BatchSender against the in-process sandbox: retry policy, counts, rate limit, cancel."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from urllib.parse import parse_qs

from attribution_workbench.core.batch import (
    BatchSender,
    Progress,
    RetryPolicy,
    RowStatus,
    read_jsonl,
)
from attribution_workbench.core.client import CancelToken, Client
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer

POLICY = RetryPolicy(max_attempts=3, base_delay=0.3, max_delay=5)


def idfa(n: int) -> str:
    return f"6D0B3A4F-5C1E-4B8A-9D2F-{n:012X}"


def event_line(n: int) -> str:
    return json.dumps({"event_type": "[Batch] Install", "platform": "ios", "idfa": idfa(n)})


def lines(count: int, bad: tuple[int, ...] = ()) -> list[str]:
    return [
        ('{"platform": "ios"}' if n in bad else event_line(n)) + "\n"
        for n in range(1, count + 1)
    ]


def sender(server: SandboxServer, **options: object) -> BatchSender:
    destination = Destination(Region.US, Target.SANDBOX, server.base_url)
    return BatchSender(Client(), destination, DEMO_KEYS["us"], **options)  # type: ignore[arg-type]


def recorded(server: SandboxServer) -> dict[str, list[int | None]]:
    """idfa -> the status of each /attribution request that carried it, in order."""
    sent: dict[str, list[int | None]] = {}
    for record in server.state.requests(path="/attribution"):
        event = json.loads(parse_qs(record["body_text"])["event"][0])
        sent.setdefault(event["idfa"], []).append(record["status"])
    return sent


def test_fault_schedule_is_retried_exactly_where_the_policy_says(
    clean_sandbox: SandboxServer,
) -> None:
    # The first three requests (sent at once by three threads) meet 429, 503 and a 500
    # that the server ingested first; the 429/503 retries come later, after the faults.
    clean_sandbox.add_fault("status", code=429, retry_after=1, count=1, path="/attribution")
    clean_sandbox.add_fault("status", code=503, count=1, path="/attribution")
    clean_sandbox.add_fault("status", code=500, accept=True, count=1, path="/attribution")
    progress: list[Progress] = []
    batch = sender(clean_sandbox, concurrency=3, retry=POLICY, on_progress=progress.append)
    results = batch.run(read_jsonl(lines(8, bad=(5,))), total=7)

    by_status = Counter(result.status for result in results)
    assert by_status == {RowStatus.OK: 6, RowStatus.MAYBE_ACCEPTED: 1, RowStatus.SKIPPED: 1}
    assert next(r for r in results if r.status is RowStatus.SKIPPED).row.number == 5
    sent = recorded(clean_sandbox)
    assert idfa(5) not in sent  # the invalid row was never sent
    histories = sorted(sent.values(), key=lambda statuses: (len(statuses), statuses))
    assert histories == [[200]] * 4 + [[500], [429, 200], [503, 200]]
    maybe = next(r for r in results if r.status is RowStatus.MAYBE_ACCEPTED)
    assert maybe.attempts == 1 and maybe.http_status == 500
    # It was ingested (that is why it must not be retried automatically).
    maybe_idfa = json.loads(maybe.row.event_text or "")["idfa"]
    assert clean_sandbox.state.attributions(ad_id=maybe_idfa)
    retried = [r for r in results if r.attempts == 2]
    assert sorted(r.http_status for r in retried) == [200, 200]
    assert any(r.elapsed_ms >= 900 for r in retried)  # Retry-After: 1 was honoured
    final = progress[-1]
    assert final.done and (final.processed, final.ok, final.failed, final.retried) == (7, 6, 1, 2)

    # "Retry failed" is the user's call: only the maybe-accepted row goes again.
    again = batch.retry_failed(results)
    assert Counter(r.status for r in again) == {RowStatus.OK: 7, RowStatus.SKIPPED: 1}
    assert recorded(clean_sandbox)[maybe_idfa] == [500, 200]
    assert sum(len(s) for s in recorded(clean_sandbox).values()) == 10  # 7 + 2 retries + 1


def test_429_until_attempts_run_out_gives_up(clean_sandbox: SandboxServer) -> None:
    clean_sandbox.add_fault("status", code=503, count=0, path="/attribution")
    results = sender(clean_sandbox, concurrency=1, retry=RetryPolicy(2, 0.01)).run(
        read_jsonl(lines(2))
    )
    assert [(r.status, r.attempts) for r in results] == [(RowStatus.GAVE_UP, 2)] * 2
    assert len(clean_sandbox.state.requests(path="/attribution")) == 4


def test_rate_limit_spaces_the_sends(clean_sandbox: SandboxServer) -> None:
    started = time.monotonic()
    results = sender(clean_sandbox, rate=20, concurrency=4).run(read_jsonl(lines(6)))
    elapsed = time.monotonic() - started
    assert all(r.status is RowStatus.OK for r in results)
    assert elapsed >= (6 - 1) / 20
    times = sorted(r["time_ms"] for r in clean_sandbox.state.requests(path="/attribution"))
    assert times[-1] - times[0] >= 240


def test_cancel_stops_promptly(clean_sandbox: SandboxServer) -> None:
    # Two rows are answered, then every request hangs: the two workers are both held when
    # the cancel comes, so the run can only end early if the cancel interrupts them.
    clean_sandbox.add_fault("delay", seconds=0, count=2, path="/attribution")
    clean_sandbox.add_fault("hang", count=0, path="/attribution")
    timeout = 60.0
    batch = sender(clean_sandbox, concurrency=2, cancel=CancelToken(), timeout=timeout)
    cancelled_at: list[float] = []

    def cancel_once_both_are_held() -> None:
        deadline = time.monotonic() + timeout
        while len(clean_sandbox.state.requests(path="/attribution")) < 4:
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
        cancelled_at.append(time.monotonic())
        batch.cancel()

    canceller = threading.Thread(target=cancel_once_both_are_held, daemon=True)
    canceller.start()
    results = batch.run(read_jsonl(lines(40)))
    ended = time.monotonic()
    canceller.join()
    assert cancelled_at, "the two hung requests were never held at once"
    assert ended - cancelled_at[0] < timeout / 2  # the cancel ended it, not the timeout
    sent = [r for r in results if r.status is RowStatus.OK]
    assert 1 <= len(sent) < 10
    assert len(clean_sandbox.state.requests(path="/attribution")) < 10


def test_a_2xx_that_does_not_confirm_the_event_is_not_counted_ok(
    clean_sandbox: SandboxServer,
) -> None:
    # As `attribution-cli send` judges one answer (core/answers.confirms_success): HTTP 200
    # with an empty body is not the "success" the API answers, so the row may or may not have
    # been taken: maybe-accepted, not retried automatically, and the run is not all ok.
    clean_sandbox.add_fault("empty", accept=True, count=1, path="/attribution")
    results = sender(clean_sandbox, concurrency=1, retry=POLICY).run(read_jsonl(lines(3)))
    assert [r.status for r in results] == [
        RowStatus.MAYBE_ACCEPTED, RowStatus.OK, RowStatus.OK,
    ]
    doubtful = results[0]
    assert doubtful.http_status == 200 and doubtful.attempts == 1
    assert "empty body" in (doubtful.error or "")
    assert len(clean_sandbox.state.requests(path="/attribution")) == 3  # no automatic retry
