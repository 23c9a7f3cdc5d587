"""BatchSender with a fake client: rows that cannot be sent, bugs, masked bodies, progress.

Every row a worker takes ends with a result: a row whose request cannot be encoded is
NOT_SENT, an unexpected exception fails only its own row, and the run never hangs.
"""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest

from attribution_workbench.core.batch import (
    BODY_CAP,
    BatchSender,
    Progress,
    Row,
    RowResult,
    RowStatus,
    read_csv,
    read_jsonl,
)
from attribution_workbench.core.client import Outcome
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import PreparedRequest, encode_component, mask_key

KEY = "sentinel+KEY/4242abcdef01234ZqxW"
DEST = Destination(Region.US, Target.SANDBOX, "http://127.0.0.1:9")
IDFA = "6D0B3A4F-5C1E-4B8A-9D2F-{:012X}"


def event_line(n: int) -> str:
    return json.dumps({"event_type": "[Batch] Install", "platform": "ios", "idfa": IDFA.format(n)})


class FakeClient:
    """Answers "success"; ``boom`` idfas raise a bug; ``echo`` makes the body repeat the key."""

    def __init__(self, boom: frozenset[str] = frozenset(), echo: str = "") -> None:
        self.boom = boom
        self.echo = echo
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, request: PreparedRequest, **_: Any) -> Outcome:
        with self._lock:
            self.sent.append(request.event_text)
        if any(idfa in request.event_text for idfa in self.boom):
            raise RuntimeError(f"bug while sending with {request.api_key}")
        text = self.echo or "success"
        return Outcome(200, "OK", (), text.encode(), False, text, "utf-8", 1.0, 0, "")


def run(
    client: FakeClient, rows: list[Row], concurrency: int
) -> tuple[list[RowResult], list[Progress]]:
    progress: list[Progress] = []
    sender = BatchSender(
        client,  # type: ignore[arg-type]
        DEST,
        KEY,
        concurrency=concurrency,
        on_progress=progress.append,
        progress_interval=0.0,
    )
    results: list[RowResult] = []
    # A guard, not a timing assertion: before the fix a dead worker hung the run forever.
    thread = threading.Thread(target=lambda: results.extend(sender.run(rows, len(rows))))
    thread.daemon = True
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the batch run hung"
    return results, progress


def surrogate_csv(count: int) -> list[Row]:
    """Row 1 has a user property with an unpaired surrogate (valid for the rules, but it
    cannot be encoded as UTF-8); rows 2.. are fine."""
    lines = ["event_type,platform,idfa,user_properties"]
    lines.append(f'[Batch] Install,ios,{IDFA.format(1)},"{{""a"": ""\\ud800""}}"')
    lines += [f"[Batch] Install,ios,{IDFA.format(n)}," for n in range(2, count + 1)]
    rows = list(read_csv(io.StringIO("\n".join(lines) + "\n")))
    assert rows[0].valid and "\ud800" in (rows[0].event_text or "")
    return rows


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_row_that_cannot_be_encoded_is_not_sent_and_the_rest_go(concurrency: int) -> None:
    client = FakeClient()
    results, _ = run(client, surrogate_csv(8), concurrency)
    assert [r.row.number for r in results] == list(range(1, 9))
    first = results[0]
    assert first.status is RowStatus.NOT_SENT and "surrogate" in (first.error or "")
    assert first.attempts == 0
    assert all(r.status is RowStatus.OK for r in results[1:])
    assert len(client.sent) == 7


@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_unexpected_exception_fails_only_its_row(concurrency: int) -> None:
    client = FakeClient(boom=frozenset({IDFA.format(2)}))
    rows = list(read_jsonl(event_line(n) + "\n" for n in range(1, 9)))
    results, progress = run(client, rows, concurrency)
    assert [r.row.number for r in results] == list(range(1, 9))
    failed = results[1]
    assert failed.status is RowStatus.MAYBE_ACCEPTED
    assert "RuntimeError" in (failed.error or "") and "bug while sending" in (failed.error or "")
    assert KEY not in (failed.error or "") and mask_key(KEY) in (failed.error or "")
    assert sum(r.status is RowStatus.OK for r in results) == 7
    assert progress[-1].done and (progress[-1].ok, progress[-1].failed) == (7, 1)


def test_stored_bodies_have_the_key_masked_before_the_cut() -> None:
    # The key straddles BODY_CAP: a cut before masking would keep its first part.
    echo = "x" * (BODY_CAP - 10) + KEY + " " + encode_component(KEY)
    client = FakeClient(echo=echo)
    results, _ = run(client, list(read_jsonl([event_line(1)])), 1)
    (result,) = results
    assert len(result.body) <= BODY_CAP
    assert KEY[:8] not in result.body and "sentinel" not in result.body
    short = FakeClient(echo="Invalid API key: " + KEY)
    (result,) = run(short, list(read_jsonl([event_line(1)])), 1)[0]
    assert result.body == "Invalid API key: " + mask_key(KEY)


def test_progress_carries_every_finished_row_once() -> None:
    client = FakeClient()
    lines = [event_line(n) + "\n" for n in range(1, 7)] + ['{"platform": "ios"}\n']
    rows = list(read_jsonl(lines))
    results, progress = run(client, rows, 3)
    finished = [r for p in progress for r in p.finished]
    assert sorted(r.row.number for r in finished) == list(range(1, 8))
    assert sorted(finished, key=lambda r: r.row.number) == results
    assert any(r.status is RowStatus.SKIPPED for r in finished)
