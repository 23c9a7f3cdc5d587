"""core/credentials.py against in-memory and simulated-failure keyring backends."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.SecretService import Keyring as SecretServiceKeyring
from keyring.errors import (
    InitError,
    KeyringError,
    KeyringLocked,
    NoKeyringError,
    PasswordDeleteError,
    PasswordSetError,
)

from attribution_workbench.core.credentials import (
    ENV_VAR,
    PROXY_KEYRING_USER,
    SERVICE,
    CredentialError,
    CredentialErrorKind,
    KeyStore,
    clean_api_key,
    env_api_key,
    looks_like_api_key,
    resolve_api_key,
    slot_user,
)
from attribution_workbench.core.wire import KEY_ENV_VAR
from memory_keyring import DaemonGoneKeyring, LockedKeyring, MemoryKeyring

KEY = "0123456789abcdef0123456789abcdef"
SENTINEL = "feedfacefeedfacefeedfacefeedface"  # a key that must never show up in messages
Kind = CredentialErrorKind


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (not installed in the test env)."""


class AltFileKeyring(MemoryKeyring):
    """Stands in for any keyrings.alt file backend, e.g. EncryptedKeyring."""


AltFileKeyring.__module__ = "keyrings.alt.file"


class FakeSecretService(SecretServiceKeyring):
    """The real SecretService class identity, with a dict instead of D-Bus behind it."""

    viable = False  # never picked up by keyring's own backend discovery

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


class FakeChainer:
    """Looks like keyring.backends.chainer.ChainerBackend holding the given backends."""

    def __init__(self, *backends: object) -> None:
        self.backends = list(backends)


FakeChainer.__module__ = "keyring.backends.chainer"


def dbus_error(name: str) -> Exception:
    from jeepney.wrappers import DBusErrorResponse

    error = DBusErrorResponse.__new__(DBusErrorResponse)
    error.name = name
    error.data = ("details from the bus",)
    return error


class DBusPythonException(Exception):
    """Shape of dbus-python's dbus.exceptions.DBusException (used by the KWallet backend)."""

    def __init__(self, name: str) -> None:
        super().__init__("details")
        self._name = name

    def get_dbus_name(self) -> str:
        return self._name


DBusPythonException.__module__ = "dbus.exceptions"
DBusPythonException.__qualname__ = "DBusException"


def caused(error: BaseException, cause: BaseException) -> BaseException:
    error.__cause__ = cause
    return error


# --- set / get / delete -----------------------------------------------------------------


def test_round_trip_through_the_installed_keyring(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore()  # picks up the backend conftest installed with keyring.set_keyring
    assert store.get("default", "us") is None

    store.set("default", "us", KEY)

    assert memory_keyring.entries == {(SERVICE, "default@us"): KEY}
    assert store.get("default", "us") == KEY
    assert store.get("default", "eu") is None  # regions are separate slots
    assert store.delete("default", "us") is True
    assert store.get("default", "us") is None
    assert memory_keyring.entries == {}


def test_set_replaces_the_previous_key() -> None:
    store = KeyStore(MemoryKeyring())
    store.set("prod", "eu", KEY)
    store.set("prod", "eu", SENTINEL)
    assert store.get("prod", "eu") == SENTINEL


def test_set_strips_surrounding_whitespace_from_a_paste() -> None:
    backend = MemoryKeyring()
    KeyStore(backend).set("default", "us", f"  \t{KEY}\n")
    assert backend.entries[(SERVICE, "default@us")] == KEY


@pytest.mark.parametrize("key", ["", "   ", "\n\t"])
def test_set_refuses_an_empty_key(key: str) -> None:
    backend = MemoryKeyring()
    with pytest.raises(ValueError, match="empty"):
        KeyStore(backend).set("default", "us", key)
    assert backend.calls == []


@pytest.mark.parametrize(
    "key", [f"{KEY[:16]} {KEY[16:]}", f"{KEY[:16]}\n{KEY[16:]}", "ab\x00cd", "ab\u200bcd"]
)
def test_set_refuses_inner_whitespace_and_control_characters(key: str) -> None:
    backend = MemoryKeyring()
    with pytest.raises(ValueError, match="spaces or control characters") as info:
        KeyStore(backend).set("default", "us", key)
    assert key not in str(info.value)
    assert backend.entries == {}


def test_delete_of_an_empty_slot_returns_false() -> None:
    store = KeyStore(MemoryKeyring())
    store.set("default", "eu", KEY)
    assert store.delete("default", "us") is False
    assert store.get("default", "eu") == KEY


def test_a_slot_holding_only_whitespace_reads_as_empty() -> None:
    backend = MemoryKeyring()
    backend.entries[(SERVICE, "default@us")] = "  \n"
    assert KeyStore(backend).get("default", "us") is None


def test_invalid_slot_is_rejected_before_the_keyring_is_touched() -> None:
    backend = MemoryKeyring()
    store = KeyStore(backend)
    with pytest.raises(ValueError):
        store.get("a@b", "us")
    with pytest.raises(ValueError):
        store.set("default", "ap", KEY)
    with pytest.raises(ValueError):
        store.delete("", "us")
    assert backend.calls == []


# --- the environment variable ---------------------------------------------------------


def test_environment_variable_wins_over_the_keyring() -> None:
    store = KeyStore(MemoryKeyring())
    store.set("default", "us", KEY)
    assert resolve_api_key(store, "default", "us", {ENV_VAR: f" {SENTINEL}\n"}) == (
        SENTINEL,
        "environment",
    )


def test_environment_variable_is_read_from_os_environ_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_VAR, SENTINEL)
    assert resolve_api_key(KeyStore(MemoryKeyring()), "default", "eu") == (
        SENTINEL,
        "environment",
    )


def test_environment_variable_makes_a_broken_keyring_irrelevant() -> None:
    store = KeyStore(LockedKeyring())
    assert resolve_api_key(store, "default", "us", {ENV_VAR: KEY}) == (KEY, "environment")


@pytest.mark.parametrize("environ", [{}, {ENV_VAR: ""}, {ENV_VAR: "   "}])
def test_keyring_is_used_when_the_environment_variable_is_unset_or_empty(
    environ: dict[str, str],
) -> None:
    store = KeyStore(MemoryKeyring())
    assert resolve_api_key(store, "default", "us", environ) is None
    store.set("default", "us", KEY)
    assert resolve_api_key(store, "default", "us", environ) == (KEY, "keyring")


def test_resolve_validates_the_slot_even_when_the_environment_wins() -> None:
    with pytest.raises(ValueError, match="region"):
        resolve_api_key(KeyStore(MemoryKeyring()), "default", "asia", {ENV_VAR: KEY})


def test_resolve_raises_keyring_failures() -> None:
    with pytest.raises(CredentialError) as info:
        resolve_api_key(KeyStore(LockedKeyring()), "default", "us", {})
    assert info.value.kind is Kind.LOCKED


# --- backends: none, insecure, real -----------------------------------------------------


@pytest.mark.parametrize("operation", ["get", "set", "delete", "check"])
def test_no_backend(no_keyring: KeyringBackend, operation: str) -> None:
    store = KeyStore()
    assert store.backend_name == "fail Keyring"
    assert store.is_real_keyring is False
    with pytest.raises(CredentialError) as info:
        if operation == "check":
            store.check_available()
        elif operation == "set":
            store.set("default", "us", SENTINEL)
        else:
            getattr(store, operation)("default", "us")
    assert info.value.kind is Kind.NO_BACKEND
    assert info.value.message.startswith("No OS keyring is available (")
    assert "gnome-keyring" in info.value.message and ENV_VAR in info.value.message
    assert SENTINEL not in str(info.value)


def test_null_backend_counts_as_no_backend() -> None:
    store = KeyStore(null.Keyring())
    with pytest.raises(CredentialError) as info:
        store.set("default", "us", KEY)
    assert info.value.kind is Kind.NO_BACKEND
    assert "null Keyring" in info.value.message


def test_no_keyring_error_from_a_backend_call_is_no_backend() -> None:
    backend = MemoryKeyring()
    backend.fail_with(NoKeyringError("No recommended backend was available."))
    with pytest.raises(CredentialError) as info:
        KeyStore(backend).get("default", "us")
    assert info.value.kind is Kind.NO_BACKEND


@pytest.mark.parametrize("backend_class", [PlaintextKeyring, AltFileKeyring])
def test_plaintext_backend_is_refused_and_nothing_is_written(
    backend_class: type[MemoryKeyring],
) -> None:
    backend = backend_class()
    store = KeyStore(backend)
    assert store.is_real_keyring is False
    with pytest.raises(CredentialError) as info:
        store.set("default", "us", SENTINEL)
    assert info.value.kind is Kind.INSECURE_BACKEND
    assert store.backend_name in info.value.message
    assert "keeps keys in a file" in info.value.message
    assert SENTINEL not in str(info.value)
    assert backend.calls == []
    # Reading is refused as well: no key silently comes from a file either.
    with pytest.raises(CredentialError):
        store.get("default", "us")
    assert backend.calls == []


def test_secret_service_counts_as_a_real_keyring() -> None:
    real = KeyStore(SecretServiceKeyring())  # constructing it does not touch D-Bus
    assert real.backend_name == "SecretService Keyring"
    assert real.is_real_keyring is True
    store = KeyStore(FakeSecretService())  # subclasses count too
    assert store.is_real_keyring is True
    store.check_available()
    store.set("default", "eu", KEY)
    assert store.get("default", "eu") == KEY


def test_unknown_backend_is_usable_but_not_called_real() -> None:
    store = KeyStore(MemoryKeyring())
    assert store.is_real_keyring is False
    store.check_available()  # chosen on purpose (plugin or keyringrc.cfg): no error


@pytest.mark.parametrize(
    ("held", "real", "error"),
    [
        ([FakeSecretService()], True, None),
        ([FakeSecretService(), MemoryKeyring()], False, None),
        ([FakeSecretService(), PlaintextKeyring()], False, Kind.INSECURE_BACKEND),
        ([], False, Kind.NO_BACKEND),
        ([fail.Keyring()], False, Kind.NO_BACKEND),
    ],
)
def test_chainer_is_as_safe_as_its_least_safe_backend(
    held: list[object], real: bool, error: CredentialErrorKind | None
) -> None:
    store = KeyStore(FakeChainer(*held))  # type: ignore[arg-type]
    assert store.is_real_keyring is real
    if error is None:
        store.check_available()
    else:
        with pytest.raises(CredentialError) as info:
            store.check_available()
        assert info.value.kind is error


def test_keyring_is_imported_lazily() -> None:
    # Start-up time: importing the module or building a store must not load keyring.
    code = textwrap.dedent(
        """
        import sys
        from attribution_workbench.core.credentials import KeyStore
        KeyStore()
        assert "keyring" not in sys.modules, "keyring imported eagerly"
        # unicodedata too: the window imports this module at start, names are checked rarely
        assert "unicodedata" not in sys.modules, "unicodedata imported eagerly"
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- failures: locked, mid-session, every exception family ------------------------------


@pytest.mark.parametrize("operation", ["get", "set", "delete"])
def test_locked_keyring(locked_keyring: LockedKeyring, operation: str) -> None:
    store = KeyStore()
    with pytest.raises(CredentialError) as info:
        if operation == "set":
            store.set("default", "us", SENTINEL)
        else:
            getattr(store, operation)("default", "us")
    assert info.value.kind is Kind.LOCKED
    assert "locked" in info.value.message and "Unlock it" in info.value.message
    assert SENTINEL not in str(info.value)


def test_daemon_gone_mid_session(gone_keyring: DaemonGoneKeyring) -> None:
    store = KeyStore()
    store.set("default", "us", KEY)
    assert store.get("default", "us") == KEY

    gone_keyring.stop_daemon()

    for call in (
        lambda: store.get("default", "us"),
        lambda: store.set("default", "eu", SENTINEL),
        lambda: store.delete("default", "us"),
    ):
        with pytest.raises(CredentialError) as info:
            call()
        assert info.value.kind is Kind.UNAVAILABLE
        assert "could not be reached" in info.value.message
        assert SENTINEL not in str(info.value) and KEY not in str(info.value)
    # The store object stays usable: once the daemon is back, so is the key.
    gone_keyring.fail_with(None)
    assert store.get("default", "us") == KEY


def _secretstorage_errors() -> list[tuple[BaseException, CredentialErrorKind]]:
    try:
        from secretstorage import exceptions
    except ImportError:  # Linux only
        return []
    return [
        (exceptions.LockedException("Item is locked!"), Kind.LOCKED),
        (exceptions.PromptDismissedException("Prompt dismissed."), Kind.DENIED),
        (exceptions.SecretServiceNotAvailableException("gone"), Kind.UNAVAILABLE),
        (exceptions.ItemNotFoundException("No such item"), Kind.FAILED),
        (
            caused(InitError("Failed to create the collection"), exceptions.LockedException()),
            Kind.LOCKED,
        ),
        (
            caused(PasswordSetError("set failed"), exceptions.PromptDismissedException()),
            Kind.DENIED,
        ),
    ]


BASIC_ERRORS: list[tuple[BaseException, CredentialErrorKind]] = [
    (NoKeyringError("none"), Kind.NO_BACKEND),
    (KeyringLocked("Failed to unlock the collection!"), Kind.LOCKED),
    (InitError("Failed to create the collection"), Kind.UNAVAILABLE),
    (PasswordSetError("Can't store password"), Kind.FAILED),
    (PasswordDeleteError("No such password!"), Kind.FAILED),
    (KeyringError("anything"), Kind.FAILED),
    (ConnectionResetError(104, "Connection reset by peer"), Kind.UNAVAILABLE),
    (BrokenPipeError(32, "Broken pipe"), Kind.UNAVAILABLE),
    (FileNotFoundError(2, "No such file or directory"), Kind.UNAVAILABLE),
    (TimeoutError("timed out"), Kind.UNAVAILABLE),
    (caused(InitError("wrapped"), ConnectionRefusedError()), Kind.UNAVAILABLE),
    (caused(KeyringLocked("wrapped"), RuntimeError("inner, unspecific")), Kind.LOCKED),
    (RuntimeError("a plugin failing its own way"), Kind.FAILED),
    (ValueError("another"), Kind.FAILED),
    (dbus_error("org.freedesktop.Secret.Error.IsLocked"), Kind.LOCKED),
    (dbus_error("org.freedesktop.DBus.Error.AccessDenied"), Kind.DENIED),
    (dbus_error("org.freedesktop.DBus.Error.ServiceUnknown"), Kind.UNAVAILABLE),
    (dbus_error("org.freedesktop.DBus.Error.NoReply"), Kind.UNAVAILABLE),
    (dbus_error("org.freedesktop.DBus.Error.Spawn.ChildExited"), Kind.UNAVAILABLE),
    (dbus_error("org.freedesktop.DBus.Error.Failed"), Kind.FAILED),
    (DBusPythonException("org.freedesktop.DBus.Error.NoReply"), Kind.UNAVAILABLE),
    (DBusPythonException("org.kde.KWallet.Error.Denied"), Kind.FAILED),
]


@pytest.mark.parametrize("operation", ["get", "set", "delete"])
@pytest.mark.parametrize(("error", "kind"), BASIC_ERRORS + _secretstorage_errors())
def test_every_backend_exception_becomes_a_credential_error(
    error: BaseException, kind: CredentialErrorKind, operation: str
) -> None:
    backend = MemoryKeyring()
    backend.entries[(SERVICE, "default@us")] = KEY  # so delete gets past its lookup
    backend.fail_with(error)
    store = KeyStore(backend)
    with pytest.raises(CredentialError) as info:
        if operation == "set":
            store.set("default", "us", SENTINEL)
        else:
            getattr(store, operation)("default", "us")
    assert info.value.kind is kind
    assert info.value.__cause__ is error  # kept for debugging
    assert str(info.value) == info.value.message
    assert ENV_VAR in info.value.message  # every message says what to do


def test_delete_failure_after_the_lookup_is_reported() -> None:
    class DeleteFails(MemoryKeyring):
        def delete_password(self, service: str, username: str) -> None:
            raise PasswordDeleteError("refused")

    backend = DeleteFails()
    backend.entries[(SERVICE, "default@us")] = KEY
    with pytest.raises(CredentialError) as info:
        KeyStore(backend).delete("default", "us")
    assert info.value.kind is Kind.FAILED
    assert "failed to delete the key (PasswordDeleteError)" in info.value.message


def test_messages_never_contain_the_key_even_when_the_backend_echoes_it() -> None:
    class Echoing(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise PasswordSetError(f"could not store {password!r} for {username}")

    with pytest.raises(CredentialError) as info:
        KeyStore(Echoing()).set("default", "us", SENTINEL)
    assert info.value.kind is Kind.FAILED
    assert info.value.message == (
        "The OS keyring failed to save the key (PasswordSetError). Try again; if it keeps"
        f" failing, check your keyring service, or set {ENV_VAR} for this shell."
    )
    for text in (str(info.value), repr(info.value), *map(str, info.value.args)):
        assert SENTINEL not in text


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (NoKeyringError(), "No OS keyring is available (NoKeyringError"),
        (KeyringLocked(), "The OS keyring is locked and could not be unlocked (KeyringLocked)"),
        (
            dbus_error("org.freedesktop.DBus.Error.AccessDenied"),
            "Access to the OS keyring was refused (org.freedesktop.DBus.Error.AccessDenied",
        ),
        (ConnectionResetError(), "The OS keyring could not be reached (ConnectionResetError"),
        (KeyringError(), "The OS keyring failed to read the key (KeyringError)"),
    ],
)
def test_messages_name_the_cause(error: BaseException, words: str) -> None:
    backend = MemoryKeyring()
    backend.fail_with(error)
    with pytest.raises(CredentialError) as info:
        KeyStore(backend).get("default", "us")
    assert info.value.message.startswith(words)


# --- slot names and key shape -----------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "region", "user"),
    [
        ("default", "us", "default@us"),
        ("prod-eu", "eu", "prod-eu@eu"),
        ("Équipe marketing", "us", "Équipe marketing@us"),
        ("p" * 64, "eu", "p" * 64 + "@eu"),
    ],
)
def test_slot_user(profile: str, region: str, user: str) -> None:
    assert slot_user(profile, region) == user


@pytest.mark.parametrize(
    ("profile", "region", "message"),
    [
        ("", "us", "empty"),
        ("p" * 65, "us", "longer than 64"),
        ("me@work", "us", "'@'"),
        ("tab\there", "us", "control"),
        ("new\nline", "us", "control"),
        ("nul\x00", "us", "control"),
        ("zero\u200bwidth", "us", "invisible"),
        (" padded", "us", "whitespace"),
        ("padded ", "us", "whitespace"),
        ("default", "US", "region"),
        ("default", "", "region"),
        ("default", "ap", "use 'us' or 'eu'"),
    ],
)
def test_slot_user_rejects(profile: str, region: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        slot_user(profile, region)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (KEY, True),
        (KEY.upper(), True),
        (f"  {KEY}\n", True),
        (KEY[:-1], False),
        (KEY + "0", False),
        (KEY[:-1] + "g", False),
        (f"{KEY[:16]} {KEY[16:]}", False),
        ("", False),
        ("not a key", False),
    ],
)
def test_looks_like_api_key(text: str, expected: bool) -> None:
    assert looks_like_api_key(text) is expected


# --- shared helpers ------------------------------------------------------------------------


def test_clean_api_key_trims_and_refuses_what_set_refuses() -> None:
    assert clean_api_key(f" \t{KEY}\n") == KEY
    for bad in ("", "  \n", "abc def", "abc\x00", "ab\u200bcd"):
        with pytest.raises(ValueError):
            clean_api_key(bad)


def test_env_api_key_reads_the_one_variable_the_wire_names() -> None:
    assert ENV_VAR == KEY_ENV_VAR == "AMPLITUDE_API_KEY"
    assert env_api_key({ENV_VAR: f"  {KEY}\n"}) == KEY
    assert env_api_key({ENV_VAR: "  "}) is None
    assert env_api_key({}) is None


def test_the_proxy_password_has_its_own_slot() -> None:
    backend = MemoryKeyring()
    store = KeyStore(backend)
    store.set_proxy_password("s3cret")
    assert backend.entries == {(SERVICE, PROXY_KEYRING_USER): "s3cret"}
    assert store.get_proxy_password() == "s3cret"
    store.set_proxy_password("")
    assert backend.entries == {}
