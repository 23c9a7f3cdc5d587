"""In-memory keyring backends for tests: a working one and ones that fail like real ones.

``tests/conftest.py`` installs a fresh ``MemoryKeyring`` for every test (except those marked
``real_keyring``); import these classes to build other situations:

    from memory_keyring import MemoryKeyring, LockedKeyring, DaemonGoneKeyring
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import InitError, KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A dict-backed backend. ``fail_with(exc)`` makes every later call raise ``exc``."""

    # Not viable: keyring's own discovery (get_keyring(), the chainer) must never pick a
    # test backend up; only keyring.set_keyring() installs it.
    viable = False
    priority = -1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str, str]] = []  # (operation, service, username)
        self._error: BaseException | None = None

    def fail_with(self, error: BaseException | None) -> None:
        self._error = error

    def _enter(self, operation: str, service: str, username: str) -> None:
        self.calls.append((operation, service, username))
        if self._error is not None:
            raise self._error

    def get_password(self, service: str, username: str) -> str | None:
        self._enter("get", service, username)
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._enter("set", service, username)
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._enter("delete", service, username)
        try:
            del self.entries[(service, username)]
        except KeyError:
            # What the SecretService backend raises for a missing entry.
            raise PasswordDeleteError("No such password!") from None


class LockedKeyring(MemoryKeyring):
    """A keyring whose collection stays locked: the unlock prompt failed or was dismissed.

    keyring's SecretService backend raises exactly this after its unlock attempt fails
    (seen for real when gnome-keyring is restarted without a display for its prompt).
    """

    def __init__(self) -> None:
        super().__init__()
        self.fail_with(KeyringLocked("Failed to unlock the collection!"))


def daemon_gone_error() -> BaseException:
    """The error keyring's SecretService backend raises once the daemon has gone away."""
    try:
        from secretstorage.exceptions import SecretServiceNotAvailableException
    except ImportError:  # secretstorage only exists on Linux
        cause: BaseException = ConnectionResetError(104, "Connection reset by peer")
    else:
        cause = SecretServiceNotAvailableException("Can't connect to the Secret Service")
    error = InitError(f"Failed to create the collection: {cause}.")
    error.__cause__ = cause
    return error


class DaemonGoneKeyring(MemoryKeyring):
    """Works until ``stop_daemon()``; then every call fails like a vanished Secret Service."""

    def stop_daemon(self, error: BaseException | None = None) -> None:
        self.fail_with(error if error is not None else daemon_gone_error())
