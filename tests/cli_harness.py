"""Helpers to run ``attribution-cli`` and its sandbox as real subprocesses.

CLI commands run as ``python -m attribution_workbench.cli``; the sandbox is
``attribution-cli sandbox --port 0`` (it prints the port it got). Every CLI run is checked
for leaked keys: no output may contain a full key unless the test asked for ``--reveal``,
and no run may end in a traceback.

``cli_env`` is the environment of every child process the tests start (CLI, GUI, probes):
no keyring, no key or sandbox URL from the developer's shell, and ``offline_proxies()``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GUI_DIR = Path(__file__).resolve().parents[1] / "gui"
CLI = [sys.executable, "-m", "attribution_workbench.cli"]

# The sandbox's demo keys (attribution_workbench.sandbox.DEMO_KEYS), spelled out so the
# tests do not trust the code they test.
US_KEY = "5f0e8a4c2b7d4e1f9a3c6b8d0e2f4a61"
EU_KEY = "e7c1d3b5a9f24680b1c3d5e7f9a2b4c6"
# A key no server knows; must never show up anywhere.
SENTINEL_KEY = "5e471ce1deadbeef5e471ce1deadbeef"
SECRETS = (US_KEY, EU_KEY, SENTINEL_KEY)

# Never let a CLI subprocess reach the developer's real keyring: the in-memory keyring of
# tests/conftest.py lives in the test process only. "fail" = no keyring at all.
FAIL_KEYRING = "keyring.backends.fail.Keyring"
_LISTENING = re.compile(r"^listening on (http://\S+)\n$")


def closed_port() -> int:
    """A loopback port on which nothing listens (a connection is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again at once


def offline_proxies() -> dict[str, str]:
    """Proxy variables that keep a stray request on the machine: every proxy is a closed
    loopback port (the request is refused), loopback itself is never proxied.

    A safety net, not a feature under test: a test that sends to a real host by mistake
    fails instead of reaching it. Tests of proxy behaviour set their own values.
    """
    dead = f"http://127.0.0.1:{closed_port()}"
    env = {"HTTP_PROXY": dead, "HTTPS_PROXY": dead, "ALL_PROXY": dead}
    env["NO_PROXY"] = "127.0.0.1,localhost,::1"
    # urllib and requests read the lower-case names too (and prefer them).
    return {**env, **{name.lower(): value for name, value in env.items()}}


def cli_env(extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The environment of a child process: ``os.environ`` (inside a test HOME and XDG_*
    point into tmp_path), the checkout's gui/ on PYTHONPATH, no keyring, no key, no sandbox
    URL, ``offline_proxies()``, then ``extra`` (None removes a variable)."""
    env = dict(os.environ)
    env.update(offline_proxies())
    env["PYTHONPATH"] = os.pathsep.join(
        [str(GUI_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env["PYTHON_KEYRING_BACKEND"] = FAIL_KEYRING
    env["PYTHONIOENCODING"] = "utf-8"
    for name in ("AMPLITUDE_API_KEY", "ATTRIBUTION_SANDBOX_URL", "AW_DEBUG"):
        env.pop(name, None)
    for name, value in (extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@dataclass
class Result:
    code: int
    stdout_bytes: bytes
    stderr_bytes: bytes

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8")

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    stdin: bytes | None = None,
    key: str | None = None,
    reveal: bool = False,
    timeout: float = 30,
) -> Result:
    """Run attribution-cli; ``key`` goes into $AMPLITUDE_API_KEY (never argv)."""
    extra = dict(env or {})
    if key is not None:
        extra["AMPLITUDE_API_KEY"] = key
    completed = subprocess.run(
        [*CLI, *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=cli_env(extra),
        timeout=timeout,
    )
    result = Result(completed.returncode, completed.stdout, completed.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    if not reveal:
        for secret in SECRETS:
            assert secret not in result.output, f"a key leaked into the output of {args}"
    return result


class Sandbox:
    """Client of the sandbox subprocess's inspection API."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base_url + path, timeout=5) as response:
            return json.loads(response.read())

    def post(self, path: str, payload: Any = None) -> Any:
        data = json.dumps(payload if payload is not None else {}).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def requests(self, **query: str) -> list[dict[str, Any]]:
        suffix = "&".join(f"{k}={v}" for k, v in query.items())
        found: list[dict[str, Any]] = self.get(
            "/_sandbox/requests" + ("?" + suffix if suffix else "")
        )
        return found

    def last_id(self) -> int:
        found = self.requests(limit="1")
        return int(found[-1]["id"]) if found else 0

    def last(self) -> dict[str, Any]:
        record: dict[str, Any] = self.get("/_sandbox/requests/last")
        return record


def start_sandbox(*extra_args: str) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(
        [*CLI, "sandbox", "--port", "0", *extra_args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    assert process.stdout is not None
    line = process.stdout.readline().decode("utf-8")
    match = _LISTENING.match(line)
    if match is None:
        process.kill()
        _, err = process.communicate(timeout=5)
        pytest.fail(f"sandbox did not start: {line!r} {err.decode(errors='replace')}")
    return process, match.group(1)


def stop_sandbox(process: subprocess.Popen[bytes], sig: int | None = signal.SIGTERM) -> int:
    """Send ``sig`` (None: it was already sent) and wait for the exit status."""
    if sig is not None and process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        raise
