"""attribution-cli in-process: key set/delete/status and keyring keys for send and verify.

A subprocess cannot see the in-memory keyring that tests/conftest.py installs, so these tests
call ``cli.main([...])`` in the test process (HTTP still goes to the sandbox subprocess).
"""

from __future__ import annotations

import io
import json
import uuid

import pytest

from attribution_workbench import cli, cli_commands
from cli_harness import EU_KEY, SENTINEL_KEY, US_KEY, Sandbox
from memory_keyring import DaemonGoneKeyring, LockedKeyring, MemoryKeyring

SERVICE = "attribution-workbench"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, secrets: tuple[str, ...] = ()
) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    for secret in (US_KEY, EU_KEY, SENTINEL_KEY, *secrets):
        assert secret not in out + err, f"a key leaked into the output of {argv}"
    assert "Traceback" not in err
    return code, out, err


def ios_event() -> str:
    return json.dumps(
        {"event_type": "[Test] Install", "platform": "ios", "idfa": str(uuid.uuid4()).upper()}
    )


def test_key_set_reads_stdin_and_stores_the_stripped_key(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"  {SENTINEL_KEY}\n"))
    code, out, err = run(capsys, "key", "set", "--region", "eu", "--profile", "staging")
    assert code == 0, err
    assert memory_keyring.entries == {(SERVICE, "staging@eu"): SENTINEL_KEY}
    assert "••••••••" + SENTINEL_KEY[-4:] in out
    assert "warning" not in err


def test_key_set_prompts_without_echo_on_a_terminal(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return SENTINEL_KEY

    monkeypatch.setattr("sys.stdin", FakeTerminal())
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    code, _, err = run(capsys, "key", "set", "--region", "us")
    assert code == 0, err
    assert prompts == ["API key for us (profile default): "]
    assert memory_keyring.entries[(SERVICE, "default@us")] == SENTINEL_KEY


def test_key_set_warns_about_text_that_is_not_an_amplitude_key(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("not-a-key-xyz"))
    code, _, err = run(capsys, "key", "set", "--region", "us", secrets=("not-a-key-xyz",))
    assert code == 0
    assert "does not look like an Amplitude API key" in err


@pytest.mark.parametrize("text", ["", "   \n", "two\nlines"])
def test_key_set_refuses_empty_or_broken_text(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    text: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, _, err = run(capsys, "key", "set", "--region", "us")
    assert code == 2
    assert "Nothing was stored" in err or "nothing was stored" in err
    assert memory_keyring.entries == {}


def test_key_status_and_delete(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    memory_keyring.entries[(SERVICE, "default@us")] = US_KEY
    code, out, _ = run(capsys, "key", "status")
    assert code == 0
    assert f"us (profile default): set (••••••••{US_KEY[-4:]})" in out
    assert "eu (profile default): not set" in out
    assert "MemoryKeyring" in out and "AMPLITUDE_API_KEY" not in out

    monkeypatch.setenv("AMPLITUDE_API_KEY", EU_KEY)
    code, out, _ = run(capsys, "key", "status", "--region", "us")
    assert code == 0
    assert "AMPLITUDE_API_KEY is set" in out and "overrides" in out

    assert run(capsys, "key", "delete", "--region", "us")[0] == 0
    assert memory_keyring.entries == {}
    code, out, _ = run(capsys, "key", "delete", "--region", "us")
    assert code == 0 and "nothing to delete" in out


@pytest.mark.parametrize("action", ["set", "status", "delete"])
def test_key_commands_without_a_keyring_exit_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: object,
    action: str,
) -> None:
    stdin = io.StringIO(SENTINEL_KEY)
    monkeypatch.setattr("sys.stdin", stdin)
    code, _, err = run(capsys, "key", action, "--region", "us")
    assert code == 2
    assert "No OS keyring is available" in err
    assert stdin.tell() == 0  # not even read: nobody types a key that cannot be kept


def test_key_set_into_a_locked_keyring_exits_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    locked_keyring: LockedKeyring,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(SENTINEL_KEY))
    code, _, err = run(capsys, "key", "set", "--region", "us")
    assert code == 2
    assert "locked" in err
    assert locked_keyring.entries == {}


def test_bad_profile_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "key", "status", "--profile", "a@b")
    assert code == 2
    assert "@" in err


def test_send_uses_the_keyring_key_of_the_region(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.entries[(SERVICE, "prod@eu")] = EU_KEY
    argv = ("send", "--sandbox", sandbox.base_url, "--event", ios_event(), "--region", "eu")
    code, out, err = run(capsys, *argv, "--profile", "prod")
    assert code == 0, err
    assert "success" in out
    # The same profile has no US key: a usage error, nothing sent.
    before = sandbox.last_id()
    code, _, err = run(capsys, *argv[:-1], "us", "--profile", "prod")
    assert code == 2 and "No API key for us (profile prod)" in err
    assert sandbox.last_id() == before


def test_verify_checks_each_region_with_its_own_keyring_key(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.entries[(SERVICE, "default@us")] = US_KEY
    code, out, err = run(capsys, "verify", "--sandbox", sandbox.base_url, "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["us"]["accepted"] is True
    assert answer["eu"] == {
        "accepted": False,
        "status": None,
        "message": "No API key is set for this region.",
        "method": "v2-empty-batch",
        "verdict": "not-set",
    }
    code, out, _ = run(capsys, "verify", "--sandbox", sandbox.base_url)
    assert code == 0
    assert "eu  not set" in out and "belongs to" not in out


def test_verify_reports_a_key_stored_under_the_wrong_region(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.entries[(SERVICE, "default@eu")] = US_KEY
    code, out, _ = run(capsys, "verify", "--sandbox", sandbox.base_url, "--region", "eu")
    assert code == 1
    assert out.splitlines()[-1].startswith("eu  rejected      400  Invalid API key: ••••••••")


def test_keyring_failing_mid_session_is_explained(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, gone_keyring: DaemonGoneKeyring
) -> None:
    gone_keyring.entries[(SERVICE, "default@us")] = US_KEY
    gone_keyring.stop_daemon()
    code, _, err = run(capsys, "send", "--sandbox", sandbox.base_url, "--event", ios_event())
    assert code == 2
    assert "could not be reached" in err


def test_unexpected_errors_are_one_sentence_with_the_key_masked(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, target: object, key: str, transport: object) -> None:
        raise RuntimeError(f"boom with {key}")

    monkeypatch.setenv("AMPLITUDE_API_KEY", US_KEY)
    monkeypatch.setattr(cli_commands, "_prepare", broken)
    code, out, err = run(capsys, "send", "--sandbox", sandbox.base_url, "--event", ios_event())
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        f"attribution-cli: Unexpected error (RuntimeError: boom with ••••••••{US_KEY[-4:]}); "
        "run again with AW_DEBUG=1 for details."
    ]


def test_ctrl_c_exits_130(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setenv("AMPLITUDE_API_KEY", US_KEY)
    monkeypatch.setattr(cli_commands, "_prepare", interrupted)
    code, _, err = run(capsys, "send", "--sandbox", sandbox.base_url, "--event", ios_event())
    assert code == 130
    assert err == "attribution-cli: Interrupted.\n"


def test_aw_debug_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setenv("AW_DEBUG", "1")
    monkeypatch.setenv("AMPLITUDE_API_KEY", US_KEY)
    monkeypatch.setattr(cli_commands, "_prepare", broken)
    assert cli.main(["send", "--sandbox", sandbox.base_url, "--event", ios_event()]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: boom" in err
