"""The CLI sends the key only to Amplitude, loopback, or a host named with --allow-host.

No test here contacts a non-loopback address: a refused host is refused before any
connection, and the --allow-host acceptance is checked on the Destination it returns.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from attribution_workbench.cli_support import CliError, destination
from attribution_workbench.core.regions import Region, Target
from attribution_workbench.sandbox import SandboxServer
from cli_harness import SENTINEL_KEY, run_cli
from key_recorder import Recorder

EVENT = json.dumps(
    {
        "event_type": "[Key] Install",
        "platform": "ios",
        "idfa": "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84",
    }
)
TYPO_URL = "https://api2.amplitud.com/attribution"


@pytest.mark.parametrize("command", ["send", "verify"])
def test_a_mistyped_custom_host_is_refused_with_exit_2(command: str) -> None:
    extra = ["--event", EVENT] if command == "send" else []
    result = run_cli(command, "--endpoint", TYPO_URL, *extra, key=SENTINEL_KEY)
    assert result.code == 2
    assert result.stdout == ""
    assert "Refusing to send the API key to api2.amplitud.com" in result.stderr
    assert "misspelling" in result.stderr and "--allow-host api2.amplitud.com" in result.stderr


def test_batch_to_an_unknown_host_is_refused(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(EVENT + "\n", encoding="utf-8")
    result = run_cli(
        "batch",
        str(rows),
        "--endpoint",
        "https://collector.example.com/attribution",
        key=SENTINEL_KEY,
    )
    assert result.code == 2
    assert "collector.example.com: it is not an Amplitude host." in result.stderr
    assert "misspelling" not in result.stderr


def test_preview_of_an_unknown_host_is_not_refused() -> None:
    result = run_cli(
        "preview", "--endpoint", TYPO_URL, "--event", EVENT, "--format", "curl", key=SENTINEL_KEY
    )
    assert result.code == 0, result.stderr
    assert TYPO_URL in result.stdout


def test_allow_host_lets_that_host_and_only_that_host_through() -> None:
    def args(*allowed: str) -> argparse.Namespace:
        return argparse.Namespace(command="send", endpoint=TYPO_URL, allow_host=list(allowed))

    with pytest.raises(CliError) as refused:
        destination(args(), Region.US)
    assert refused.value.code == 2
    with pytest.raises(CliError):
        destination(args("api2.amplitude.com"), Region.US)  # another host does not count
    chosen = destination(args("API2.amplitud.com."), Region.US)
    assert chosen.target is Target.CUSTOM and chosen.endpoint() == TYPO_URL


def test_loopback_and_amplitude_endpoints_need_no_allow_host() -> None:
    for url in ("http://127.0.0.1:9/attribution", "https://api.eu.amplitude.com/attribution"):
        ns = argparse.Namespace(command="send", endpoint=url, allow_host=[])
        assert destination(ns, Region.EU).endpoint() == url


@pytest.mark.parametrize("command", ["send", "verify"])
def test_a_sandbox_url_that_is_not_loopback_is_refused_too(command: str) -> None:
    # Given as --sandbox BASE_URL or left in $ATTRIBUTION_SANDBOX_URL: same rule as --endpoint.
    extra = ["--event", EVENT] if command == "send" else []
    given = run_cli(
        command, "--sandbox", "https://sandbox.example.com", *extra, key=SENTINEL_KEY
    )
    from_env = run_cli(
        command,
        "--sandbox",
        *extra,
        key=SENTINEL_KEY,
        env={"ATTRIBUTION_SANDBOX_URL": "https://sandbox.example.com"},
    )
    for result in (given, from_env):
        assert result.code == 2, result.output
        assert "Refusing to send the API key to sandbox.example.com" in result.stderr


def test_a_sandbox_elsewhere_is_allowed_by_name() -> None:
    def args(*allowed: str) -> argparse.Namespace:
        return argparse.Namespace(
            command="send", sandbox="https://sandbox.example.com", allow_host=list(allowed)
        )

    with pytest.raises(CliError):
        destination(args(), Region.EU)
    chosen = destination(args("sandbox.example.com"), Region.EU)
    assert chosen.target is Target.SANDBOX
    assert chosen.endpoint() == "https://sandbox.example.com/eu/attribution"
    loopback = argparse.Namespace(command="send", sandbox="http://127.0.0.1:9", allow_host=[])
    assert destination(loopback, Region.US).endpoint() == "http://127.0.0.1:9/us/attribution"


def test_a_redirect_is_not_followed_so_the_other_host_gets_nothing(
    clean_sandbox: SandboxServer,
) -> None:
    with Recorder() as other:
        for code in (301, 302, 307, 308):
            clean_sandbox.add_fault("redirect", code=code, location=other.url + "/attribution")
            result = run_cli(
                "send", "--sandbox", clean_sandbox.base_url, "--event", EVENT, key=SENTINEL_KEY
            )
            assert result.code == 1, result.output
            assert str(code) in result.output
        assert other.seen == []
    sent = json.dumps(clean_sandbox.state.requests())
    assert SENTINEL_KEY in sent  # it did travel, to the sandbox only
