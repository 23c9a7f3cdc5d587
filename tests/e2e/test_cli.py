"""attribution-cli end to end: real subprocesses against a sandbox subprocess.

Covers DESIGN.md's CLI contract: targets, both transports, byte-exact preview, raw text kept
verbatim, validation before sending, exit codes 0/1/2, the JSON shapes, verify, and keys that
never reach the output.
"""

from __future__ import annotations

import base64
import json
import signal
import uuid
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from cli_harness import (
    EU_KEY,
    FAIL_KEYRING,
    SENTINEL_KEY,
    US_KEY,
    Sandbox,
    run_cli,
    start_sandbox,
    stop_sandbox,
)

KEYS = {"us": US_KEY, "eu": EU_KEY}


def ios_event(event_type: str = "[Test] Install", spacing: str = "") -> str:
    idfa = str(uuid.uuid4()).upper()
    return (
        f'{{"event_type":{spacing}{json.dumps(event_type)},{spacing}"platform":"ios",'
        f'{spacing}"idfa":"{idfa}"}}'
    )


def recorded_event(record: dict[str, object]) -> str:
    body = base64.b64decode(str(record["body_b64"]))
    source = body.decode("utf-8") if body else str(record["query"])
    return parse_qs(source, keep_blank_values=True)["event"][0]


# --- send ---------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["us", "eu"])
@pytest.mark.parametrize("transport", ["body", "query"])
def test_send_reaches_the_region_with_either_transport(
    sandbox: Sandbox, region: str, transport: str
) -> None:
    text = ios_event()
    extra = ["--as-query"] if transport == "query" else []
    result = run_cli(
        "send",
        "--sandbox",
        sandbox.base_url,
        "--region",
        region,
        "--event",
        text,
        *extra,
        key=KEYS[region],
    )
    assert result.code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("200 OK")
    assert result.stdout.splitlines()[1] == "success"
    record = sandbox.last()
    assert (record["region"], record["endpoint"], record["status"]) == (region, "/attribution", 200)
    if transport == "query":
        assert record["body_size"] == 0
        assert "api_key=" in record["query"]
    else:
        assert record["query"] == ""
    assert recorded_event(record) == text


def test_key_of_the_other_region_is_rejected(sandbox: Sandbox) -> None:
    result = run_cli(
        "send",
        "--sandbox",
        sandbox.base_url,
        "--region",
        "us",
        "--event",
        ios_event(),
        key=EU_KEY,
    )
    assert result.code == 1
    assert "invalid_api_key" in result.stdout
    assert result.stderr.strip() == "attribution-cli: The server answered 400 Bad Request."


def test_sandbox_url_defaults_to_the_environment_variable(sandbox: Sandbox) -> None:
    result = run_cli(
        "send",
        "--sandbox",
        "--event",
        ios_event(),
        key=US_KEY,
        env={"ATTRIBUTION_SANDBOX_URL": sandbox.base_url},
    )
    assert result.code == 0, result.output
    assert sandbox.base_url + "/us/attribution" in result.stdout


def test_send_json_has_the_contract_shape(sandbox: Sandbox) -> None:
    result = run_cli(
        "send",
        "--sandbox",
        sandbox.base_url,
        "--as-query",
        "--json",
        "--event",
        ios_event(),
        key=US_KEY,
    )
    assert result.code == 0, result.output
    answer = result.json()
    assert set(answer) == {"status", "reason", "body", "elapsed_ms", "url", "error"}
    assert answer["status"] == 200
    assert answer["reason"] == "OK"
    assert answer["body"] == "success"
    assert answer["error"] is None
    assert isinstance(answer["elapsed_ms"], float)
    # Key-free even though the query transport carries the key in the URL.
    assert answer["url"] == sandbox.base_url + "/us/attribution"


def test_send_json_reports_a_network_failure(closed_port_url: str) -> None:
    result = run_cli(
        "send", "--sandbox", closed_port_url, "--json", "--event", ios_event(), key=US_KEY
    )
    assert result.code == 1
    answer = result.json()
    assert answer["status"] is None and answer["body"] is None
    assert answer["error"] and "refused" in answer["error"].lower()


def test_refused_port_is_one_sentence_and_exit_1(closed_port_url: str) -> None:
    result = run_cli("send", "--sandbox", closed_port_url, "--event", ios_event(), key=US_KEY)
    assert result.code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("attribution-cli: ")
    assert "refused" in lines[0].lower()


# --- what goes on the wire -----------------------------------------------------------


AWKWARD = (
    '{ "event_type" : "[Test] Install + more & = % # ü 🚀",\n'
    '  "platform":   "ios", "idfa": "IDFA",\n'
    '  "user_properties": {"[Test] a b": "x+y z"} }'
)


def test_preview_reveal_body_is_exactly_what_send_puts_on_the_wire(sandbox: Sandbox) -> None:
    text = AWKWARD.replace("IDFA", str(uuid.uuid4()).upper())
    common = ("--sandbox", sandbox.base_url, "--event", text)
    preview = run_cli("preview", *common, "--format", "body", "--reveal", key=US_KEY, reveal=True)
    assert preview.code == 0, preview.output
    sent = run_cli("send", *common, key=US_KEY)
    assert sent.code == 0, sent.output
    wire_body = base64.b64decode(sandbox.last()["body_b64"])
    assert preview.stdout_bytes == wire_body + b"\n"
    # The docs' encoding: %20 for a space, %2B for a literal plus, never a bare "+".
    assert b"+" not in wire_body and b"%20" in wire_body and b"%2B" in wire_body
    assert recorded_event(sandbox.last()) == text  # the user's own spacing, verbatim


def test_preview_reveal_query_is_exactly_the_url_sent(sandbox: Sandbox) -> None:
    text = ios_event(spacing=" ")
    common = ("--sandbox", sandbox.base_url, "--event", text, "--region", "eu")
    preview = run_cli("preview", *common, "--format", "query", "--reveal", key=EU_KEY, reveal=True)
    assert preview.code == 0, preview.output
    sent = run_cli("send", *common, "--as-query", key=EU_KEY)
    assert sent.code == 0, sent.output
    record = sandbox.last()
    assert preview.stdout == sandbox.base_url + record["target"] + "\n"
    assert record["body_size"] == 0


@pytest.mark.parametrize("fmt", ["body", "query", "curl", "python", "json"])
def test_preview_masks_the_key_in_every_format(sandbox: Sandbox, fmt: str) -> None:
    # run_cli fails the test if the full key appears anywhere in the output.
    result = run_cli(
        "preview",
        "--sandbox",
        sandbox.base_url,
        "--format",
        fmt,
        "--event",
        ios_event(),
        key=US_KEY,
    )
    assert result.code == 0, result.output
    assert "••••••••" + US_KEY[-4:] in result.stdout


def test_preview_without_a_key_shows_a_placeholder_and_sends_nothing(sandbox: Sandbox) -> None:
    before = sandbox.last_id()
    result = run_cli("preview", "--sandbox", sandbox.base_url, "--event", ios_event())
    assert result.code == 0, result.output
    assert result.stdout.startswith("api_key=YOUR_API_KEY&event=")
    assert "YOUR_API_KEY" in result.stderr
    assert sandbox.last_id() == before


def test_preview_reveal_without_a_key_is_a_usage_error() -> None:
    result = run_cli("preview", "--event", ios_event(), "--reveal")
    assert result.code == 2
    assert result.stdout == ""
    assert "--reveal needs a key" in result.stderr


def test_format_body_with_as_query_is_a_usage_error() -> None:
    result = run_cli("preview", "--event", ios_event(), "--format", "body", "--as-query")
    assert result.code == 2
    assert "--format query" in result.stderr


def test_event_from_stdin(sandbox: Sandbox) -> None:
    text = ios_event(spacing="  ")
    result = run_cli(
        "send",
        "--sandbox",
        sandbox.base_url,
        "--event-file",
        "-",
        stdin=(text + "\n").encode(),
        key=US_KEY,
    )
    assert result.code == 0, result.output
    # Verbatim, except the newline that ends the piped text.
    assert recorded_event(sandbox.last()) == text


def test_event_from_a_file_keeps_its_layout(sandbox: Sandbox, tmp_path: Path) -> None:
    text = json.dumps(json.loads(ios_event()), indent=4)
    path = tmp_path / "event.json"
    path.write_text(text + "\n", encoding="utf-8")
    result = run_cli("send", "--sandbox", sandbox.base_url, "--event-file", str(path), key=US_KEY)
    assert result.code == 0, result.output
    assert recorded_event(sandbox.last()) == text


# --- bad input: exit 2, nothing sent -------------------------------------------------


def test_invalid_event_lists_every_error_and_sends_nothing(sandbox: Sandbox) -> None:
    before = sandbox.last_id()
    result = run_cli(
        "send",
        "--sandbox",
        sandbox.base_url,
        "--event",
        '{"platform": "web", "time": "soon"}',
        key=US_KEY,
    )
    assert result.code == 2
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    fields = {line.split()[1].rstrip(":") for line in errors}
    assert {"event_type", "platform", "time"} <= fields, result.stderr
    assert "nothing was sent" in result.stderr
    assert sandbox.last_id() == before


def test_preview_of_an_invalid_event_shows_the_request_but_exits_2(sandbox: Sandbox) -> None:
    before = sandbox.last_id()
    result = run_cli(
        "preview", "--sandbox", sandbox.base_url, "--event", '{"platform": "ios"}', key=US_KEY
    )
    assert result.code == 2
    assert result.stdout.startswith("api_key=••••••••")
    assert "error: event_type" in result.stderr
    assert "send would refuse it" in result.stderr
    assert sandbox.last_id() == before


def test_send_timeout(sandbox: Sandbox) -> None:
    sandbox.post("/_sandbox/faults", {"mode": "hang", "count": 1})
    result = run_cli(
        "send",
        "--sandbox",
        sandbox.base_url,
        "--timeout",
        "0.5",
        "--event",
        ios_event(),
        key=US_KEY,
    )
    assert result.code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "0.5" in lines[0], result.stderr


def test_warnings_do_not_block_sending(sandbox: Sandbox) -> None:
    idfa = str(uuid.uuid4())
    text = f'{{"event_type": "[Test] Install", "platform": "ios", "idfa": "{idfa}"}}'
    result = run_cli("send", "--sandbox", sandbox.base_url, "--event", text, key=US_KEY)
    assert result.code == 0, result.output
    assert "warning: idfa" in result.stderr  # a lower-case IDFA never matches


@pytest.mark.parametrize("text", ['{"event_type": "x",', "[1, 2]", ""])
def test_text_that_is_not_one_json_object_is_refused(sandbox: Sandbox, text: str) -> None:
    before = sandbox.last_id()
    result = run_cli("send", "--sandbox", sandbox.base_url, "--event", text, key=US_KEY)
    assert result.code == 2
    assert "error: " in result.stderr
    assert sandbox.last_id() == before


def test_plain_http_to_a_remote_host_is_refused() -> None:
    result = run_cli(
        "send",
        "--endpoint",
        "http://example.com/attribution",
        "--event",
        ios_event(),
        key=US_KEY,
    )
    assert result.code == 2
    assert "https://" in result.stderr


def test_send_without_any_key_is_a_usage_error(sandbox: Sandbox) -> None:
    before = sandbox.last_id()
    result = run_cli("send", "--sandbox", sandbox.base_url, "--event", ios_event())
    assert result.code == 2
    assert "AMPLITUDE_API_KEY" in result.stderr
    assert sandbox.last_id() == before


def test_missing_event_and_missing_command_are_usage_errors() -> None:
    assert run_cli("send").code == 2
    assert run_cli().code == 2
    assert run_cli("send", "--event", "{}", "--event-file", "-").code == 2
    missing = run_cli("send", "--event-file", "/nonexistent/event.json", key=US_KEY)
    assert missing.code == 2 and "Cannot read" in missing.stderr


def test_version() -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert result.stdout.startswith("attribution-cli ")


# --- verify -------------------------------------------------------------------------


def test_verify_json_tells_the_region_of_an_environment_key(sandbox: Sandbox) -> None:
    result = run_cli("verify", "--sandbox", sandbox.base_url, "--json", key=US_KEY)
    assert result.code == 0, result.output
    answer = result.json()
    assert list(answer) == ["us", "eu"]
    assert answer["us"]["accepted"] is True and answer["us"]["status"] == 200
    assert answer["eu"]["accepted"] is False and answer["eu"]["status"] == 400
    assert answer["eu"]["message"].startswith("Invalid API key")
    assert {answer[r]["method"] for r in answer} == {"v2-empty-batch"}


def test_verify_text_says_which_region_the_key_belongs_to(sandbox: Sandbox) -> None:
    result = run_cli("verify", "--sandbox", sandbox.base_url, key=EU_KEY)
    assert result.code == 0, result.output
    assert "The key belongs to eu." in result.stdout
    lines = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[-3:-1]}
    assert lines == {"us": "rejected", "eu": "accepted"}


def test_verify_probe_creates_no_data(sandbox: Sandbox) -> None:
    before = sandbox.last_id()
    result = run_cli(
        "verify", "--sandbox", sandbox.base_url, "--method", "probe", "--json", key=US_KEY
    )
    assert result.code == 0, result.output
    answer = result.json()
    assert (answer["us"]["accepted"], answer["us"]["message"]) == (True, "success")
    assert (answer["eu"]["accepted"], answer["eu"]["message"]) == (False, "invalid_api_key")
    probes = [r for r in sandbox.requests(since=str(before)) if r["endpoint"] == "/attribution"]
    assert len(probes) == 2
    event = json.loads(recorded_event(probes[0]))
    assert event["event_type"] == "[Attribution Workbench] Key check"
    assert event["idfa"] == event["idfa"].upper()
    # The accepted probe is only held: nothing ever matches a fresh random ID.
    held = sandbox.get(f"/_sandbox/attributions?ad_id={event['idfa']}")
    assert all(item["state"] != "matched" for item in _items(held))


def _items(payload: object) -> list[dict[str, object]]:
    if isinstance(payload, dict):
        payload = payload.get("attributions", [])
    assert isinstance(payload, list)
    return payload


def test_verify_both_methods(sandbox: Sandbox) -> None:
    result = run_cli(
        "verify",
        "--sandbox",
        sandbox.base_url,
        "--method",
        "both",
        "--json",
        "--region",
        "us",
        key=US_KEY,
    )
    assert result.code == 0, result.output
    us = result.json()["us"]
    assert us["accepted"] is True and us["method"] == "both"
    assert [check["method"] for check in us["checks"]] == ["v2-empty-batch", "attribution-probe"]


def test_verify_an_unknown_key_exits_1(sandbox: Sandbox) -> None:
    result = run_cli("verify", "--sandbox", sandbox.base_url, key=SENTINEL_KEY)
    assert result.code == 1
    assert "No region accepted the key." in result.stdout


def test_verify_unreachable_server(closed_port_url: str) -> None:
    result = run_cli("verify", "--sandbox", closed_port_url, "--json", key=US_KEY)
    assert result.code == 1
    answer = result.json()
    for region in ("us", "eu"):
        assert answer[region]["accepted"] is False  # DESIGN.md: a bool
        assert answer[region]["verdict"] == "unreachable"
        assert answer[region]["status"] is None
        assert "refused" in answer[region]["message"].lower()


def test_verify_without_a_keyring_or_key_is_a_usage_error(sandbox: Sandbox) -> None:
    before = sandbox.last_id()
    result = run_cli("verify", "--sandbox", sandbox.base_url)
    assert result.code == 2
    assert "keyring" in result.stderr.lower()
    assert sandbox.last_id() == before


# --- keys ---------------------------------------------------------------------------


def test_key_set_without_a_keyring_stores_nothing_anywhere(tmp_path: Path) -> None:
    home = tmp_path / "cli-home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "PYTHON_KEYRING_BACKEND": FAIL_KEYRING,
    }
    result = run_cli("key", "set", "--region", "us", stdin=SENTINEL_KEY.encode(), env=env)
    assert result.code == 2
    assert "No OS keyring is available" in result.stderr
    for path in home.rglob("*"):
        if path.is_file():
            assert SENTINEL_KEY.encode() not in path.read_bytes(), path


def test_the_key_cannot_be_given_on_the_command_line() -> None:
    result = run_cli("key", "set", "--region", "us", SENTINEL_KEY, reveal=True)
    assert result.code == 2
    assert result.stdout == ""


# --- the sandbox command ------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sandbox_prints_one_line_and_stops_cleanly(sig: signal.Signals) -> None:
    process, base_url = start_sandbox("--key", "eu=" + SENTINEL_KEY)
    try:
        result = run_cli(
            "send",
            "--sandbox",
            base_url,
            "--region",
            "eu",
            "--event",
            ios_event(),
            key=SENTINEL_KEY,
        )
        assert result.code == 0, result.output
        assert (
            run_cli(
                "send", "--sandbox", base_url, "--region", "eu", "--event", ios_event(), key=EU_KEY
            ).code
            == 1
        )
    finally:
        code = stop_sandbox(process, sig)
    assert code == 0
    assert process.stdout is not None
    assert process.stdout.read() == b""  # nothing after the "listening on" line
