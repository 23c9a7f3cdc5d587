"""Batch readers (CSV, JSON Lines) and the retry policy, as pure functions."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from attribution_workbench.core.answers import retry_after_seconds
from attribution_workbench.core.batch import (
    Decision,
    RetryPolicy,
    Row,
    RowResult,
    RowStatus,
    count_rows,
    decide,
    iter_rows,
    read_csv,
    read_jsonl,
    write_results_csv,
)

IDFA = "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84"
GOOD = json.dumps({"event_type": "[Adjust] Install", "platform": "ios", "idfa": IDFA})


def test_csv_fields_properties_and_typed_values() -> None:
    text = (
        "event_type,platform,idfa,time,user_properties.[Adjust] clicks,"
        "user_properties.[Adjust] paid,user_properties.[Adjust] network,user_properties.code\n"
        f'[Adjust] Install,ios,{IDFA},1700000000000,3,true,facebook,"""42"""\n'
    )
    (row,) = read_csv(io.StringIO(text))
    assert row.valid and row.number == 1
    event = json.loads(row.event_text or "")
    assert event["time"] == 1700000000000
    assert event["user_properties"] == {
        "[Adjust] clicks": 3,
        "[Adjust] paid": True,
        "[Adjust] network": "facebook",
        "code": "42",
    }


def test_csv_empty_cell_is_absent_and_bad_rows_are_invalid() -> None:
    text = (
        "event_type,platform,idfa,idfv,time\n"
        f"[Adjust] Install,ios,{IDFA},,\n"  # idfv and time absent
        "[Adjust] Install,windows,,,\n"  # bad platform, no id
        f"[Adjust] Install,ios,{IDFA},,soon\n"  # time is not an integer
        "a,b,c,d,e,f\n"  # too many cells
    )
    rows = list(read_csv(io.StringIO(text)))
    assert [r.number for r in rows] == [1, 2, 3, 4]
    assert "idfv" not in json.loads(rows[0].event_text or "") and rows[0].valid
    assert not rows[1].valid and any("platform" in m for m in rows[1].problems())
    assert not rows[2].valid and any("time" in m for m in rows[2].problems())
    assert not rows[3].valid and rows[3].event_text is None and "6 cells" in (rows[3].error or "")


def test_jsonl_good_bad_blank_lines_and_verbatim_text() -> None:
    spaced = GOOD.replace(",", ", ")
    lines = [spaced + "\n", "\n", "{not json\n", "[1, 2]\n", '{"platform": "ios"}\n']
    rows = list(read_jsonl(lines))
    assert [r.number for r in rows] == [1, 3, 4, 5]
    assert rows[0].valid and rows[0].event_text == spaced  # sent verbatim
    assert rows[1].error and "not valid JSON" in rows[1].error and rows[1].event_text is None
    assert rows[2].error and "array" in rows[2].error
    assert not rows[3].valid and rows[3].event_text is not None  # findings, not unreadable


def test_readers_stream_from_a_generator() -> None:
    pulled = []

    def lines() -> Iterator[str]:
        for i in range(1_000_000):
            pulled.append(i)
            yield GOOD + "\n"

    rows = read_jsonl(lines())
    first = next(rows)
    assert first.valid and len(pulled) == 1  # nothing read ahead


def test_iter_rows_picks_the_format_and_count_rows(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(GOOD + "\n{}\n" + GOOD + "\n", encoding="utf-8")
    counts = count_rows(iter_rows(path), keep=10)
    assert counts.valid == 2 and counts.invalid == 1
    assert [r.number for r in counts.first_invalid] == [2]
    with pytest.raises(ValueError, match="csv"):
        list(iter_rows(tmp_path / "events.txt"))


def test_count_rows_keeps_only_the_first_invalid_rows(tmp_path: Path) -> None:
    # A file of many bad rows: every one counted, only the first few held to be listed.
    path = tmp_path / "events.jsonl"
    path.write_text((GOOD + "\n") + ("{}\n" * 5000) + (GOOD + "\n"), encoding="utf-8")
    counts = count_rows(iter_rows(path), keep=3)
    assert (counts.valid, counts.invalid) == (2, 5000)
    assert [row.number for row in counts.first_invalid] == [2, 3, 4]


# --- retry policy ---------------------------------------------------------------------------

POLICY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=10)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, RowStatus.OK),
        (400, RowStatus.REJECTED),
        (302, RowStatus.REJECTED),
        (500, RowStatus.MAYBE_ACCEPTED),
        (502, RowStatus.MAYBE_ACCEPTED),
        (504, RowStatus.MAYBE_ACCEPTED),
    ],
)
def test_statuses_that_are_never_retried(status: int, expected: RowStatus) -> None:
    decision = decide(POLICY, 1, status=status)
    assert not decision.retry and decision.status is expected


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_back_off_exponentially_then_give_up(status: int) -> None:
    assert decide(POLICY, 1, status=status) == Decision(None, 0.5, decision_reason(status, 0.5))
    assert decide(POLICY, 2, status=status).delay == 1.0
    assert decide(POLICY, 3, status=status).status is RowStatus.GAVE_UP


def decision_reason(status: int, delay: float) -> str:
    return f"HTTP {status}: backing off {delay:g} s"


def test_retry_after_is_honoured_in_seconds_and_as_a_date() -> None:
    assert decide(POLICY, 1, status=429, retry_after="3").delay == 3
    now = 1_700_000_000.0
    date = "Tue, 14 Nov 2023 22:13:27 GMT"  # now + 7 s
    assert retry_after_seconds(date, now) == pytest.approx(7, abs=1)
    assert decide(POLICY, 1, status=503, retry_after=date, now=now).delay == pytest.approx(7, abs=1)
    assert retry_after_seconds("soon") is None
    # Longer than the policy allows: give up rather than stall the batch.
    assert decide(POLICY, 1, status=429, retry_after="30").status is RowStatus.GAVE_UP


@pytest.mark.parametrize(
    ("kind", "retry", "final"),
    [
        ("refused", True, RowStatus.NOT_SENT),
        ("connect_timeout", True, RowStatus.NOT_SENT),
        ("dns", True, RowStatus.NOT_SENT),
        ("tls", False, RowStatus.NOT_SENT),
        ("timeout", False, RowStatus.MAYBE_ACCEPTED),
        ("reset", False, RowStatus.MAYBE_ACCEPTED),
        ("protocol", False, RowStatus.MAYBE_ACCEPTED),
        ("cancelled", False, RowStatus.CANCELLED),
    ],
)
def test_network_errors(kind: str, retry: bool, final: RowStatus) -> None:
    assert decide(POLICY, 1, error_kind=kind).retry is retry
    assert decide(POLICY, 3, error_kind=kind).status is final


def test_results_csv() -> None:
    out = io.StringIO()
    row = Row(7, GOOD)
    write_results_csv([RowResult(row, RowStatus.OK, 200, "success", 12.34, 1)], out)
    assert out.getvalue().splitlines() == [
        "row,status,http_status,attempts,elapsed_ms,body,error",
        "7,ok,200,1,12.3,success,",
    ]


def test_csv_json_cells_nested_too_deeply_are_invalid_rows_not_a_crash() -> None:
    deep = "[" * 5000 + "]" * 5000
    text = (
        "event_type,platform,idfa,user_properties,user_properties.[Adjust] raw\n"
        f'[Adjust] Install,ios,{IDFA},"{deep}",\n'
        f'[Adjust] Install,ios,{IDFA},,"{deep}"\n'
        f"[Adjust] Install,ios,{IDFA},,\n"
    )
    rows = list(read_csv(io.StringIO(text)))
    assert [r.number for r in rows] == [1, 2, 3]
    assert not rows[0].valid and "nested too deeply" in (rows[0].error or "")
    assert rows[1].event_text is not None  # a property cell: kept as the text typed
    assert rows[2].valid


def test_a_repeated_header_column_is_one_file_problem_not_one_per_row() -> None:
    text = "event_type,platform,idfa,idfa\n" + f"[A] I,ios,{IDFA},{IDFA}\n" * 1000
    rows = list(read_csv(io.StringIO(text)))
    assert len(rows) == 1 and not rows[0].valid
    assert "repeats column(s) idfa" in (rows[0].error or "")


def test_a_2xx_the_answer_does_not_confirm_may_have_been_accepted() -> None:
    doubt = "HTTP 200 with an empty body: ..."
    assert decide(POLICY, 1, status=200, unconfirmed=doubt) == Decision(
        RowStatus.MAYBE_ACCEPTED, reason=doubt
    )
    assert decide(POLICY, 1, status=204, unconfirmed=None) == Decision(RowStatus.OK)
