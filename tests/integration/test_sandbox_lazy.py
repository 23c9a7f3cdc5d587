"""LazySandboxServer: the port at once, the HTTP server on the first connection.

Each test runs in a fresh interpreter where it matters that ``http.server`` is not loaded
yet; the rest talk to it over real loopback sockets.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest

from attribution_workbench.sandbox import DEMO_KEYS
from attribution_workbench.sandbox.lazy import LazySandboxServer
from cli_harness import cli_env

IOS_BODY = (
    "api_key=" + DEMO_KEYS["us"] + "&event=" + urllib.request.quote(
        json.dumps({"event_type": "[Adjust] Install", "platform": "ios",
                    "idfa": "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84"})
    )
).encode()

CHILD = r"""
import sys
from attribution_workbench.sandbox.lazy import LazySandboxServer
# socket.py too (~1 MB with selectors and array): the port is bound through _socket.
HEAVY = ("http.server", "http.client", "email", "ssl", "attribution_workbench.sandbox.handler",
         "socket", "selectors")
server = LazySandboxServer().start()
print("before:" + ",".join(name for name in HEAVY if name in sys.modules))
import urllib.request  # the client side brings http.client and ssl itself
with urllib.request.urlopen(server.base_url + "/_sandbox/health", timeout=10) as answer:
    print("status:%d" % answer.status)
print("loaded:%s" % server.loaded)
server.stop()
"""


def test_nothing_heavy_loads_until_the_first_connection_which_is_then_served() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD], env=cli_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines())
    assert lines["before"] == ""
    assert lines["status"] == "200"
    assert lines["loaded"] == "True"


def post(base_url: str, path: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(
        base_url + path,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.read()


def test_first_request_is_answered_and_recorded_like_the_plain_server() -> None:
    server = LazySandboxServer().start()
    try:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert not server.loaded
        status, body = post(server.base_url, "/attribution", IOS_BODY)
        assert (status, body) == (200, b"success")
        assert server.loaded
        recorded = server.server.state.requests()
        assert len(recorded) == 1 and recorded[0]["path"] == "/attribution"
    finally:
        server.stop()


def test_many_clients_at_once_on_the_first_connection_all_get_answers() -> None:
    server = LazySandboxServer().start()
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        status, _ = post(server.base_url, "/attribution", IOS_BODY)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one) for _ in range(20)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert statuses == [200] * 20
        assert len(server.server.state.requests()) == 20
    finally:
        server.stop()


@pytest.mark.parametrize("served", [False, True], ids=["never-connected", "served"])
def test_stop_frees_the_port_and_is_idempotent(served: bool) -> None:
    server = LazySandboxServer().start()
    port = server.port
    if served:
        post(server.base_url, "/attribution", IOS_BODY)
    server.stop()
    server.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    with pytest.raises(RuntimeError):
        server.server  # noqa: B018


def test_using_server_loads_it_without_a_connection() -> None:
    server = LazySandboxServer().start()
    try:
        server.server.advance_clock(1000)
        assert server.loaded
        status, _ = post(server.base_url, "/attribution", IOS_BODY)
        assert status == 200
    finally:
        server.stop()


def test_a_server_that_cannot_load_refuses_connections_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from attribution_workbench.sandbox import server as server_module

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("simulated: the HTTP server could not start")

    server = LazySandboxServer().start()
    port = server.port
    monkeypatch.setattr(server_module, "SandboxServer", broken)
    try:
        with pytest.raises(OSError, match="simulated"):
            server.server  # noqa: B018
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), 2).close()
        with pytest.raises(RuntimeError):
            server.start()  # stopped is stopped
    finally:
        server.stop()


def test_the_bare_listener_is_set_up_like_create_server_and_adopted_as_is() -> None:
    from attribution_workbench.sandbox.sockets import adopt, listen_bare, socket_pair

    bare = listen_bare()
    host, port = bare.getsockname()
    assert host == "127.0.0.1" and port > 0
    assert not os.get_inheritable(bare.fileno())  # PEP 446, as every socket Python makes
    assert bare.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
    fd = bare.fileno()
    adopted = adopt(bare)
    try:
        assert isinstance(adopted, socket.socket) and adopted.fileno() == fd
        assert bare.fileno() == -1  # detached: closing it cannot close the adopted socket
        assert adopted.family == socket.AF_INET and adopted.type == socket.SOCK_STREAM
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            accepted, _ = adopted.accept()  # still the same listening socket
            accepted.close()
    finally:
        adopted.close()
    wake_read, wake_write = socket_pair()
    wake_write.send(b"x")
    assert wake_read.recv(1) == b"x"
    wake_read.close()
    wake_write.close()


def test_a_failed_adoption_leaves_the_descriptor_with_the_bare_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from attribution_workbench.sandbox.sockets import adopt, listen_bare

    bare = listen_bare()
    fd = bare.fileno()

    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise OSError("no more sockets")

    monkeypatch.setattr(socket, "socket", refuse)
    with pytest.raises(OSError):
        adopt(bare)
    assert bare.fileno() == fd  # still owned: closing it frees the port
    port = bare.getsockname()[1]
    bare.close()
    monkeypatch.undo()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
