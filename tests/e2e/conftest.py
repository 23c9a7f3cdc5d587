"""End-to-end fixtures: the sandbox as a subprocess, started once per test module."""

from __future__ import annotations

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
