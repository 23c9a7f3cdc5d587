"""End-to-end fixtures: the sandbox as a subprocess, started once per test module."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from cli_harness import Sandbox, start_sandbox, stop_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """One sandbox subprocess per test module (demo keys)."""
    process, base_url = start_sandbox()
    try:
        yield Sandbox(base_url)
    finally:
        assert stop_sandbox(process) == 0


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL on which nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
