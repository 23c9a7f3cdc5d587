"""The sandbox's inspection API serves this computer only, and refuses what breaks it later.

The recorded requests hold the API keys sent, and the control routes reset and fault the
sandbox: no other computer, and no web page open in a browser here, may use them.
"""

from __future__ import annotations

import http.client
import json

import pytest

from attribution_workbench.cli_commands import _network_notes
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.sandbox.inspection import refusal


def call(
    server: SandboxServer, method: str, path: str, body: object = None, **headers: str
) -> tuple[int, dict[str, object]]:
    host, port = server.base_url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        data = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=data, headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")
    finally:
        connection.close()


def test_a_loopback_caller_is_served(clean_sandbox: SandboxServer) -> None:
    assert call(clean_sandbox, "GET", "/_sandbox/health")[0] == 200
    assert call(clean_sandbox, "GET", "/_sandbox/health", Host="localhost:1")[0] == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},  # a page's fetch() from a browser on this computer
        {"Origin": "null"},  # a sandboxed frame or a file:// page
        {"Host": "evil.example"},  # DNS rebinding: a name that resolves to 127.0.0.1
    ],
)
def test_web_pages_are_refused(clean_sandbox: SandboxServer, headers: dict[str, str]) -> None:
    status, answer = call(
        clean_sandbox,
        "POST",
        "/_sandbox/faults",
        {"mode": "status", "code": 500, "count": 0},
        **headers,
    )
    assert status == 403 and "error" in answer
    assert clean_sandbox.state.faults() == []  # nothing was changed
    status, _ = call(clean_sandbox, "GET", "/_sandbox/requests", **headers)
    assert status == 403


def test_other_computers_are_refused() -> None:
    # Not sent over a network (tests stay on loopback): the rule itself.
    assert refusal("192.0.2.7", None, None) is not None
    assert refusal("::ffff:192.0.2.7", None, None) is not None
    assert refusal("127.0.0.1", None, "127.0.0.1:8787") is None
    assert refusal("::ffff:127.0.0.1", "http://localhost:8787", "[::1]:8787") is None


def test_values_that_would_break_later_requests_are_refused(clean_sandbox: SandboxServer) -> None:
    endless = {"mode": "delay", "seconds": 1e300}  # past threading's wait limit
    status, answer = call(clean_sandbox, "POST", "/_sandbox/faults", endless)
    assert status == 400 and "3600" in str(answer["error"])
    injected = {"attribution_content_type": "text/html\r\nSet-Cookie: pwn=1"}
    assert call(clean_sandbox, "POST", "/_sandbox/config", injected)[0] == 400
    two_lines = {"success": "line one\nline two"}  # a body, not a header: allowed
    assert call(clean_sandbox, "POST", "/_sandbox/config", two_lines)[0] == 200


def test_a_network_address_gets_a_warning_and_a_usable_url() -> None:
    assert _network_notes("127.0.0.1", 8787) == []
    notes = _network_notes("0.0.0.0", 8787)
    assert "other computers can send events" in notes[0]
    assert notes[1] == "From this computer, use http://127.0.0.1:8787."
