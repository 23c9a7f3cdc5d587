"""``attribution-cli batch`` end to end: a real subprocess against a sandbox subprocess."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import time
from pathlib import Path

import requests

from attribution_workbench.core.batch import NOT_REACHED
from cli_harness import CLI, US_KEY, Sandbox, cli_env, closed_port, run_cli

IDFA = "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F8{}"
CSV = (
    "event_type,platform,idfa,time,user_properties.[Adjust] clicks\n"
    f"[Adjust] Install,ios,{IDFA.format(1)},1700000000000,3\n"
    "[Adjust] Install,windows,,,\n"
    f"[Adjust] Install,ios,{IDFA.format(3)},,\n"
)


def write(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def one_event_jsonl(tmp_path: Path, n: int) -> Path:
    """A JSONL file with one valid iOS install (IDFA number ``n``)."""
    path = tmp_path / "events.jsonl"
    path.write_text(
        f'{{"event_type":"[Adjust] Install","platform":"ios","idfa":"{IDFA.format(n)}"}}\n',
        encoding="utf-8",
    )
    return path


def attribution_requests(sandbox: Sandbox, since: int) -> list[dict[str, object]]:
    return [r for r in sandbox.requests(path="/attribution") if int(r["id"]) > since]


def test_invalid_rows_without_consent_send_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    since = sandbox.last_id()
    result = run_cli("batch", str(write(tmp_path)), "--sandbox", sandbox.base_url, key=US_KEY)
    assert result.code == 2
    assert "row 2: invalid" in result.stderr and "platform" in result.stderr
    assert "--skip-invalid" in result.stderr
    assert attribution_requests(sandbox, since) == []


def test_many_invalid_rows_list_the_first_ones_and_count_the_rest(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(CSV + "[Adjust] Install,windows,,,\n" * 60, encoding="utf-8")
    result = run_cli("batch", str(path), "--sandbox", sandbox.base_url, key=US_KEY)
    assert result.code == 2
    assert result.stderr.count(": invalid") == 50  # cli_batch.MAX_LISTED
    assert "row 2: invalid" in result.stderr and "row 52: invalid" in result.stderr
    assert "row 53: invalid" not in result.stderr
    assert "…and 11 more invalid row(s)." in result.stderr


def test_skip_invalid_sends_only_the_good_rows(sandbox: Sandbox, tmp_path: Path) -> None:
    since = sandbox.last_id()
    result = run_cli(
        "batch",
        str(write(tmp_path)),
        "--sandbox",
        sandbox.base_url,
        "--skip-invalid",
        "--json",
        key=US_KEY,
    )
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["summary"]["sent"] == 2 and data["summary"]["ok"] == 2
    assert data["summary"]["skipped"] == 1
    assert [(r["row"], r["status"]) for r in data["results"]] == [
        (1, "ok"),
        (2, "skipped"),
        (3, "ok"),
    ]
    first = data["results"][0]
    assert set(first) == {"row", "status", "http_status", "body", "elapsed_ms", "attempts", "error"}
    assert first["http_status"] == 200 and first["body"] == "success" and first["attempts"] == 1
    sent = attribution_requests(sandbox, since)
    assert len(sent) == 2
    bodies = " ".join(str(r["body_text"]) for r in sent)
    assert IDFA.format(1) in bodies and IDFA.format(3) in bodies


def test_a_500_makes_exit_1_and_is_not_retried(sandbox: Sandbox, tmp_path: Path) -> None:
    path = one_event_jsonl(tmp_path, 7)
    sandbox.post("/_sandbox/faults", {"mode": "status", "code": 500, "path": "/attribution"})
    since = sandbox.last_id()
    result = run_cli("batch", str(path), "--sandbox", sandbox.base_url, key=US_KEY)
    assert result.code == 1
    assert "may have been accepted" in result.stdout
    assert len(attribution_requests(sandbox, since)) == 1


def test_an_empty_200_is_not_ok_and_the_row_says_why(sandbox: Sandbox, tmp_path: Path) -> None:
    # As `send` judges the same answer: a 2xx without the API's "success" confirms nothing.
    path = one_event_jsonl(tmp_path, 8)
    sandbox.post("/_sandbox/faults", {"mode": "empty", "count": 1, "path": "/attribution"})
    result = run_cli("batch", str(path), "--sandbox", sandbox.base_url, key=US_KEY)
    assert result.code == 1
    row = next(line for line in result.stdout.splitlines() if line.startswith("row 1:"))
    assert "may have been accepted) (200): HTTP 200 with an empty body" in row
    assert "a 2xx that does not confirm the event" in result.stderr


def test_no_key_is_bad_input(sandbox: Sandbox, tmp_path: Path) -> None:
    since = sandbox.last_id()
    args = ("batch", str(write(tmp_path)), "--sandbox", sandbox.base_url, "--skip-invalid")
    result = run_cli(*args)  # no $AMPLITUDE_API_KEY, no keyring
    assert result.code == 2 and "AMPLITUDE_API_KEY" in result.stderr
    assert attribution_requests(sandbox, since) == []


def test_ctrl_c_reports_every_row_and_what_went_out(sandbox: Sandbox, tmp_path: Path) -> None:
    # Ctrl+C mid-batch printed nothing and left --results-csv empty: a script could not
    # tell which rows went out, so running it again sent duplicates.
    rows = 60
    path = tmp_path / "events.jsonl"
    path.write_text(
        "".join(
            f'{{"event_type":"[Adjust] Install","platform":"ios","idfa":"CTRL-C-{n}"}}\n'
            for n in range(rows)
        ),
        encoding="utf-8",
    )
    results_csv = tmp_path / "results.csv"
    sandbox.post("/_sandbox/faults", {"mode": "delay", "seconds": 0.2, "count": 0})
    since = sandbox.last_id()
    try:
        process = subprocess.Popen(
            [*CLI, "batch", str(path), "--sandbox", sandbox.base_url, "--json",
             "--concurrency", "2", "--results-csv", str(results_csv)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=cli_env({"AMPLITUDE_API_KEY": US_KEY}),
        )
        deadline = time.monotonic() + 20
        while len(attribution_requests(sandbox, since)) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        requests.delete(sandbox.base_url + "/_sandbox/faults", timeout=5)
    assert process.returncode == 130, err.decode()
    assert b"Traceback" not in err
    report = json.loads(out)
    statuses = [r["status"] for r in report["results"]]
    assert [r["row"] for r in report["results"]] == list(range(1, rows + 1))
    ok = statuses.count("ok")
    unreached = [r for r in report["results"] if r["error"] == NOT_REACHED]
    in_flight = [r for r in report["results"] if r["error"] and "in flight" in r["error"]]
    assert ok >= 4 and unreached and ok + len(unreached) + len(in_flight) == rows
    assert report["summary"]["sent"] == ok + len(in_flight)
    time.sleep(0.5)  # a request cancelled in flight may still be finishing on the server
    arrived = len(attribution_requests(sandbox, since))
    assert ok <= arrived <= ok + len(in_flight)
    with results_csv.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [row["status"] for row in written] == statuses
    assert "Interrupted:" in err.decode() and "not reached" in err.decode()


def test_rows_that_never_left_are_not_counted_as_sent(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        "".join(
            f'{{"event_type":"[Adjust] Install","platform":"ios","idfa":"{IDFA.format(n)}"}}\n'
            for n in range(4)
        ),
        encoding="utf-8",
    )
    dead = f"http://127.0.0.1:{closed_port()}"
    result = run_cli("batch", str(path), "--sandbox", dead, "--json", key=US_KEY, timeout=60)
    assert result.code == 1
    summary = result.json()["summary"]
    assert (summary["processed"], summary["sent"], summary["failed"]) == (4, 0, 4)
    assert summary["by_status"] == {"not-sent": 4}
    text = run_cli("batch", str(path), "--sandbox", dead, key=US_KEY, timeout=60)
    assert "4 processed, 0 sent: 0 ok, 4 failed, 0 skipped (invalid)." in text.stdout


def test_a_row_that_is_not_json_is_explained_once(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        f'{{"event_type":"[A] x","platform":"ios","idfa":"{IDFA.format(1)}"}}\n{{not json\n',
        encoding="utf-8",
    )
    result = run_cli("batch", str(path), "--sandbox", "http://127.0.0.1:1", key=US_KEY)
    assert result.code == 2 and "row 2: invalid" in result.stderr
    assert result.stderr.count("not valid JSON") == 1
