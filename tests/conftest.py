"""Set-up shared by every test: Qt offscreen, a private home per test, an in-memory keyring.

Fixtures:
- ``isolated_home`` (autouse): HOME and XDG_{CONFIG,DATA,CACHE,STATE}_HOME in tmp_path;
  AMPLITUDE_API_KEY, PYTHON_KEYRING_BACKEND and ATTRIBUTION_SANDBOX_URL removed; every proxy
  variable a closed loopback port, NO_PROXY loopback (``cli_harness.offline_proxies``), so a
  request meant for loopback that goes elsewhere by mistake is refused, not sent.
- ``memory_keyring`` (autouse): a fresh ``MemoryKeyring`` installed with
  ``keyring.set_keyring`` (None for tests marked ``real_keyring``).
- ``locked_keyring``, ``gone_keyring``, ``no_keyring``: install a failing backend instead.
- ``secret_service``: keyring's real SecretService backend; skips when none is reachable,
  fails instead when AW_REQUIRE_REAL_KEYRING=1 (``.ci/run`` sets it).
- ``sandbox_server``: one in-process sandbox per test module, on a free loopback port;
  ``clean_sandbox``: that sandbox with no recorded requests, faults or config changes left
  over from earlier tests.
- ``closed_port`` / ``closed_port_url``: a loopback port (``http://127.0.0.1:<port>``) on
  which nothing listens: a connection is refused.
- ``tls_server``: a self-signed HTTPS server on loopback per test module (``tls_helper``),
  as (base URL, certificate path); skips when no certificate can be made.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest
from hypothesis import settings

from cli_harness import closed_port as _closed_port
from cli_harness import offline_proxies
from leak_helpers import all_logs  # noqa: F401  (the leak tests' log-capturing fixture)
from memory_keyring import DaemonGoneKeyring, LockedKeyring, MemoryKeyring
from tls_helper import serve_tls

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from attribution_workbench.sandbox import SandboxServer

# Before anything imports Qt: no test may open a real window, even in a desktop session
# that exports QT_QPA_PLATFORM=wayland or xcb.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

# Qt warns when XDG_RUNTIME_DIR is unset (root in CI) and qt_log_level_fail makes that a
# failure; give it the private 0700 directory it expects.
if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime_dir = tempfile.mkdtemp(prefix="aw-test-runtime-")
    os.environ["XDG_RUNTIME_DIR"] = _runtime_dir
    atexit.register(shutil.rmtree, _runtime_dir, ignore_errors=True)

# Hypothesis: "ci" (CI=true, or HYPOTHESIS_PROFILE=ci) keeps no example database and prints
# the reproduction blob of a failure; tests/unit/test_hostile_input.py reads the same switch
# to run its full example budget (10x the local one).
settings.register_profile("ci", database=None, print_blob=True)
settings.register_profile("dev")
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev")
)

REQUIRE_REAL_KEYRING_ENV = "AW_REQUIRE_REAL_KEYRING"
HOW_TO_RUN_REAL_KEYRING = "run it with: bash .ci/with-keyring.sh make test"

_B = TypeVar("_B", bound="KeyringBackend")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and the XDG base dirs into tmp_path so no test reads or writes real ones."""
    home = tmp_path / "home"
    dirs = {
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_STATE_HOME": home / ".local" / "state",
        # platformdirs' sources on Windows; harmless elsewhere.
        "APPDATA": home / "AppData" / "Roaming",
        "LOCALAPPDATA": home / "AppData" / "Local",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True)
        monkeypatch.setenv(name, str(path))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    # A developer's shell must not change what a test sees: a key in the environment wins
    # over the keyring, a keyring backend override skips backend detection, and the sandbox
    # URL redirects --sandbox.
    for name in ("AMPLITUDE_API_KEY", "PYTHON_KEYRING_BACKEND", "ATTRIBUTION_SANDBOX_URL"):
        monkeypatch.delenv(name, raising=False)
    # Nothing a test sends may leave the machine, whatever the developer's proxy settings.
    for name, value in offline_proxies().items():
        monkeypatch.setenv(name, value)
    return home


@pytest.fixture(autouse=True)
def memory_keyring(
    request: pytest.FixtureRequest, isolated_home: Path
) -> Iterator[MemoryKeyring | None]:
    """Install an empty in-memory keyring for the test; real_keyring tests keep the real one."""
    if request.node.get_closest_marker("real_keyring") is not None:
        yield None
        return
    import keyring

    # Remember the detected backend (detected once per session, with the isolated config
    # dir, so a developer's keyringrc.cfg does not count) to put it back afterwards.
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def _install(backend: _B) -> _B:
    import keyring

    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def locked_keyring(memory_keyring: MemoryKeyring | None) -> LockedKeyring:
    """A keyring whose collection is locked and cannot be unlocked."""
    return _install(LockedKeyring())


@pytest.fixture
def gone_keyring(memory_keyring: MemoryKeyring | None) -> DaemonGoneKeyring:
    """A working keyring; call ``.stop_daemon()`` to make it fail like a vanished daemon."""
    return _install(DaemonGoneKeyring())


@pytest.fixture
def no_keyring(memory_keyring: MemoryKeyring | None) -> KeyringBackend:
    """keyring's own 'fail' backend: what get_keyring() returns when nothing is usable."""
    from keyring.backends import fail

    return _install(fail.Keyring())


def _secret_service_problem() -> str | None:
    """Why the real Secret Service cannot be used here, or None when it can."""
    try:
        import secretstorage
    except ImportError:
        return "secretstorage is not installed (it exists on Linux only)"
    try:
        with closing(secretstorage.dbus_init()) as connection:
            if not secretstorage.check_service_availability(connection):
                return "no Secret Service on the session bus"
            # The "default" alias is what keyring writes to. Never create or unlock it here:
            # on a desktop that would pop up a prompt in the middle of a test run.
            if secretstorage.Collection(connection).is_locked():
                return "the default keyring collection is locked"
    except Exception as exc:  # no bus, no socket, no default collection, D-Bus errors
        return f"no Secret Service reachable ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture
def secret_service() -> KeyringBackend:
    """keyring's SecretService backend, talking to a reachable and unlocked Secret Service."""
    problem = _secret_service_problem()
    if problem is not None:
        reason = f"real keyring test: {problem}; {HOW_TO_RUN_REAL_KEYRING}"
        if os.environ.get(REQUIRE_REAL_KEYRING_ENV, "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{REQUIRE_REAL_KEYRING_ENV} is set but {reason}", pytrace=False)
        pytest.skip(reason)
    from keyring.backends.SecretService import Keyring

    return Keyring()


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    from attribution_workbench.sandbox import SandboxServer

    with SandboxServer() as server:
        yield server


@pytest.fixture
def clean_sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    sandbox_server.reset()  # requests, attributions, faults, clock offset
    sandbox_server.state.reset_config()
    return sandbox_server


@pytest.fixture
def closed_port() -> int:
    """A loopback port on which nothing listens (a connection is refused)."""
    return _closed_port()


@pytest.fixture
def closed_port_url(closed_port: int) -> str:
    """``http://127.0.0.1:<closed_port>``: a loopback URL on which nothing listens."""
    return f"http://127.0.0.1:{closed_port}"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A self-signed HTTPS server on loopback, one per test module: (base URL, its cert)."""
    with serve_tls(tmp_path_factory.mktemp("tls")) as server:
        if server is None:
            pytest.skip("neither the cryptography package nor openssl is available")
        yield server
