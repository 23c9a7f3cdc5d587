"""attribution-cli as scripts use it: odd keys, limits, closed input, one-server endpoints.

Each case was found by a review that scripted the CLI, and reproduced before it was mended.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from attribution_workbench import cli_keys
from attribution_workbench.cli_support import Console
from cli_harness import CLI, US_KEY, Sandbox, cli_env, run_cli

IDFA = "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F80"
EVENT = f'{{"event_type":"[Test] Install","platform":"ios","idfa":"{IDFA}"}}'


@pytest.mark.parametrize("key", ["0", "us", "false", "1"])
def test_a_short_key_does_not_corrupt_the_output(sandbox: Sandbox, key: str) -> None:
    # The output was masked by replacing the key's text everywhere: "0" turned HTTP 400
    # into "4••••••••" and the host 127.0.0.1 into bullets, and the JSON did not parse.
    result = run_cli(
        "send", "--event", EVENT, "--sandbox", sandbox.base_url, "--as-query", "--json", key=key
    )
    assert result.code == 1
    answer = result.json()
    assert answer["status"] == 400 and answer["body"] == "invalid_api_key"
    assert answer["url"] == sandbox.base_url + "/us/attribution"
    assert "too short to be masked" in result.stderr
    checked = run_cli("verify", "--sandbox", sandbox.base_url, "--json", key=key)
    assert set(checked.json()) == {"us", "eu"}
    assert {region["accepted"] for region in checked.json().values()} == {False}


def test_a_timeout_past_a_day_is_refused_before_sending(sandbox: Sandbox) -> None:
    since = sandbox.last_id()
    for command in (["send", "--event", EVENT], ["verify"]):
        result = run_cli(*command, "--sandbox", sandbox.base_url, "--timeout", "1e11", key=US_KEY)
        assert result.code == 2 and "more than a day" in result.stderr
    assert sandbox.last_id() == since
    ok = run_cli("send", "--event", EVENT, "--sandbox", sandbox.base_url, "--timeout", "86400",
                 key=US_KEY)
    assert ok.code == 0


def test_a_deeply_nested_event_is_a_bad_input_in_every_preview_format(tmp_path: Path) -> None:
    deep = "[" * 990 + "]" * 990
    path = tmp_path / "deep.json"
    path.write_text(
        f'{{"event_type":"[Test] Install","platform":"ios","idfa":"{IDFA}",'
        f'"user_properties":{{"[Test] deep":{deep}}}}}',
        encoding="utf-8",
    )
    for fmt in ("body", "json", "curl"):
        result = run_cli("preview", "--event-file", str(path), "--format", fmt, key=US_KEY)
        assert result.code == 2, (fmt, result.stderr)
        assert "nested too deeply" in result.stderr and "Unexpected error" not in result.stderr


def test_a_closed_standard_input_is_a_bad_input() -> None:
    completed = subprocess.run(
        [*CLI, "preview", "--event-file", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=cli_env({"AMPLITUDE_API_KEY": US_KEY}),
        timeout=30,
        # Python sets sys.stdin to None when descriptor 0 is closed at start.
        preexec_fn=lambda: __import__("os").close(0),
    )
    stderr = completed.stderr.decode()
    assert completed.returncode == 2, stderr
    assert "standard input" in stderr and "closed" in stderr and "Traceback" not in stderr


def test_verify_at_one_endpoint_needs_the_region_it_serves(sandbox: Sandbox) -> None:
    endpoint = sandbox.base_url + "/us/attribution"
    since = sandbox.last_id()
    both = run_cli("verify", "--endpoint", endpoint, key=US_KEY)
    assert both.code == 2 and "--region" in both.stderr
    assert sandbox.last_id() == since
    one = run_cli("verify", "--endpoint", endpoint, "--region", "us", "--json", key=US_KEY)
    assert one.code == 0 and set(one.json()) == {"us"} and one.json()["us"]["accepted"]


def test_key_set_refuses_a_bad_key_without_first_promising_to_store_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Store:
        backend_name = "test store"

        def set(self, *args: object) -> None:
            raise AssertionError("nothing may be stored")

    args = type("Args", (), {"region": "eu", "profile": "default"})()
    monkeypatch.setattr(cli_keys, "_read_key", lambda prompt: "has space inside")
    with pytest.raises(cli_keys.CliError, match="spaces or control characters"):
        cli_keys._set(Store(), args, Console())  # type: ignore[arg-type]
    assert "storing it anyway" not in capsys.readouterr().err


def test_ctrl_d_at_the_key_prompt_is_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    def eof(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr(cli_keys.sys, "stdin", Terminal())
    monkeypatch.setattr(cli_keys.getpass, "getpass", eof)
    assert cli_keys._read_key("API key: ") == ""  # then _set: "No key was given", exit 2


def test_json_output_masks_a_key_with_quotes_in_it(sandbox: Sandbox) -> None:
    key = 'abc"def\\ghi-jkl'
    result = run_cli("send", "--event", EVENT, "--sandbox", sandbox.base_url, "--json", key=key)
    assert result.code == 1
    json.loads(result.stdout)
    assert "def" not in result.stdout.replace("undefined", "")
    assert json.dumps(key)[1:-1] not in result.stdout
