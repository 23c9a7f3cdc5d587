"""API keys in the real Secret Service (gnome-keyring on a D-Bus session bus).

Skips when no Secret Service is reachable; ``.ci/run`` sets AW_REQUIRE_REAL_KEYRING=1 so a
skip becomes a failure there. Run it locally with a throwaway keyring:

    bash .ci/with-keyring.sh make test
    bash .ci/with-keyring.sh .venv/bin/python -m pytest -m real_keyring

On a desktop session it uses your own default collection, in slots named
``ci-test-<random>@us`` that it deletes again.

The CLI half only (``-k cli``) needs ``attribution_workbench/cli.py``.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from attribution_workbench.core.credentials import SERVICE, KeyStore, resolve_api_key

pytestmark = pytest.mark.real_keyring


@pytest.fixture
def profile(secret_service: KeyringBackend) -> Iterator[str]:
    """A fresh profile name; its slots are removed from the keyring afterwards."""
    name = f"ci-test-{secrets.token_hex(4)}"
    yield name
    for region in ("us", "eu"):
        try:
            secret_service.delete_password(SERVICE, f"{name}@{region}")
        except PasswordDeleteError:
            pass  # already gone: the normal case when the test passed


def test_default_backend_is_a_real_os_keyring(secret_service: KeyringBackend) -> None:
    # What the CLI and the app get without being handed a backend.
    store = KeyStore()
    assert store.is_real_keyring, store.backend_name
    store.check_available()


def test_round_trip_through_keystore(secret_service: KeyringBackend, profile: str) -> None:
    store = KeyStore(secret_service)
    assert store.backend_name == "SecretService Keyring"
    assert store.is_real_keyring
    key, other_key = secrets.token_hex(16), secrets.token_hex(16)

    assert store.get(profile, "us") is None
    store.set(profile, "us", f"  {key}\n")
    assert store.get(profile, "us") == key
    assert store.get(profile, "eu") is None
    # Stored under the documented service/user, where other tools (secret-tool) see it.
    assert secret_service.get_password(SERVICE, f"{profile}@us") == key
    assert resolve_api_key(store, profile, "us", environ={}) == (key, "keyring")

    store.set(profile, "us", other_key)
    assert store.get(profile, "us") == other_key

    assert store.delete(profile, "us") is True
    assert store.get(profile, "us") is None
    assert store.delete(profile, "us") is False


def run_cli(*args: str, stdin_text: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "attribution_workbench.cli", *args],
        input=stdin_text if stdin_text is not None else "",
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_key_set_status_delete(secret_service: KeyringBackend, profile: str) -> None:
    store = KeyStore(secret_service)
    key = secrets.token_hex(16)
    slot = ["--region", "us", "--profile", profile]

    # The key goes in on stdin (never as an argument); the CLI reads it as stdin is no TTY.
    done = run_cli("key", "set", *slot, stdin_text=key + "\n")
    assert done.returncode == 0, done.stderr
    assert key not in done.stdout + done.stderr
    assert store.get(profile, "us") == key  # it really landed in the Secret Service

    status = run_cli("key", "status", *slot)
    output = status.stdout + status.stderr
    assert status.returncode == 0, output
    assert key not in output
    assert re.search(r"\bset\b", output, re.IGNORECASE), output
    assert "not set" not in output.lower(), output

    deleted = run_cli("key", "delete", *slot)
    assert deleted.returncode == 0, deleted.stderr
    assert key not in deleted.stdout + deleted.stderr
    assert store.get(profile, "us") is None

    status = run_cli("key", "status", *slot)
    output = status.stdout + status.stderr
    assert key not in output
    assert "not set" in output.lower(), output
