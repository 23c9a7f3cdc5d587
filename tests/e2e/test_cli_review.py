"""attribution-cli: batch results files, network help, shared options and input files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from attribution_workbench import cli
from attribution_workbench.cli_support import read_source
from attribution_workbench.core.regions import Destination
from attribution_workbench.core.wire import Transport, prepare
from cli_harness import EU_KEY, US_KEY, Sandbox, run_cli

IDFA = "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F8{}"
EVENT = json.dumps({"event_type": "[Adjust] install", "platform": "ios", "idfa": IDFA.format(0)})


def jsonl(tmp_path: Path, count: int = 2) -> Path:
    path = tmp_path / "events.jsonl"
    events = (
        json.dumps({"event_type": "[Adjust] install", "platform": "ios", "idfa": IDFA.format(i)})
        for i in range(count)
    )
    path.write_text("\n".join(events) + "\n", encoding="utf-8")
    return path


def sent_since(sandbox: Sandbox, since: int) -> int:
    return sum(1 for r in sandbox.requests(path="/attribution") if int(r["id"]) > since)


# --- batch --results-csv ------------------------------------------------------------------


def test_a_results_file_that_cannot_be_written_stops_the_batch_before_sending(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    since = sandbox.last_id()
    out = tmp_path / "no-such-dir" / "results.csv"
    args = ("batch", str(jsonl(tmp_path)), "--sandbox", sandbox.base_url, "--results-csv", str(out))
    result = run_cli(*args, key=US_KEY)
    assert result.code == 2, result.output
    assert f"Cannot write the results to {out}" in result.stderr
    assert "nothing was sent" in result.stderr
    assert sent_since(sandbox, since) == 0


def test_the_results_file_may_not_be_the_batch_file(sandbox: Sandbox, tmp_path: Path) -> None:
    since = sandbox.last_id()
    source = jsonl(tmp_path)
    before = source.read_bytes()
    args = ("batch", str(source), "--sandbox", sandbox.base_url, "--results-csv", str(source))
    result = run_cli(*args, key=US_KEY)
    assert result.code == 2 and "is the batch file itself" in result.stderr
    assert source.read_bytes() == before
    assert sent_since(sandbox, since) == 0


def test_the_results_file_holds_one_line_per_row_and_the_summary_is_printed(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    out = tmp_path / "results.csv"
    out.write_text("old results\n", encoding="utf-8")
    args = ("batch", str(jsonl(tmp_path, 3)), "--sandbox", sandbox.base_url)
    result = run_cli(*args, "--results-csv", str(out), "--json", key=US_KEY)
    assert result.code == 0, result.output
    summary = result.json()["summary"]
    assert (summary["sent"], summary["ok"], summary["failed"], summary["skipped"]) == (3, 3, 0, 0)
    assert summary["by_status"] == {"ok": 3} and summary["retried"] == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["row"], r["status"], r["http_status"]) for r in rows] == [
        ("1", "ok", "200"),
        ("2", "ok", "200"),
        ("3", "ok", "200"),
    ]


def test_the_text_summary_counts_failures(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.post("/_sandbox/faults", {"mode": "status", "code": 400, "path": "/attribution"})
    result = run_cli("batch", str(jsonl(tmp_path)), "--sandbox", sandbox.base_url, key=US_KEY)
    assert result.code == 1, result.output
    assert "2 sent: 1 ok, 1 failed, 0 skipped (invalid)." in result.stdout


# --- network ------------------------------------------------------------------------------


def test_help_names_the_network_controls_the_cli_reads() -> None:
    result = run_cli("--help")
    assert result.code == 0
    for name in ("HTTPS_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE"):
        assert name in result.stdout


def test_the_proxy_message_is_true_for_the_cli_and_the_app() -> None:
    import requests

    from attribution_workbench.core.send_errors import map_exception

    request = prepare(EVENT, Destination(), US_KEY, Transport.BODY)
    error = map_exception(requests.exceptions.ProxyError("refused"), request, 30, 5, 0.0)
    # The environment (what the CLI reads) first; the dialog named as the app's.
    assert error.message.startswith(
        "The proxy (HTTPS_PROXY / HTTP_PROXY in the environment, or the app's Settings > "
        "Network) failed"
    )


# --- shared options -----------------------------------------------------------------------


def test_each_command_keeps_its_own_region_default() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["send"]).region == "us"
    assert parser.parse_args(["batch", "x.csv"]).region == "us"
    assert parser.parse_args(["preview"]).region is None  # --from-paste may detect one
    assert parser.parse_args(["verify"]).region is None  # both
    assert parser.parse_args(["key", "status"]).region is None  # both
    for command in (["send"], ["preview"], ["batch", "x.csv"], ["verify"], ["key", "status"]):
        assert parser.parse_args(command).profile == "default"
    with pytest.raises(SystemExit):
        parser.parse_args(["key", "set"])  # --region is required there


@pytest.mark.parametrize(
    "args",
    [("send", "--timeout", "0"), ("send", "--timeout", "inf"), ("batch", "f", "--rate", "x")],
)
def test_timeouts_and_rates_must_be_positive_numbers(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.code == 2
    assert f"argument {args[-2]}:" in result.stderr


# --- input files --------------------------------------------------------------------------


def test_pasted_text_and_event_files_share_one_reader(tmp_path: Path) -> None:
    missing = run_cli("preview", "--from-paste", str(tmp_path / "missing.txt"))
    assert missing.code == 2
    assert "Cannot read the pasted text from" in missing.stderr
    latin1 = tmp_path / "event.json"
    latin1.write_bytes(b'{"event_type": "caf\xe9"}')
    for option, words in (("--from-paste", "The pasted text in"), ("--event-file", "The event in")):
        result = run_cli("preview", option, str(latin1))
        assert result.code == 2
        assert f"{words} {latin1} is not UTF-8 text (bad byte at offset 19)." in result.stderr


def test_read_source_drops_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_bytes(b"\xef\xbb\xbf" + EVENT.encode() + b"\n")
    assert read_source(str(path), "the event") == EVENT + "\n"


def test_verify_names_an_environment_key_once(sandbox: Sandbox) -> None:
    result = run_cli("verify", "--sandbox", sandbox.base_url, key=EU_KEY)
    assert result.code == 0, result.output
    assert result.stdout.startswith("Key from $AMPLITUDE_API_KEY (••••••••")
