"""API keys in the OS keyring, one slot per (profile, region).

Keys live under service ``attribution-workbench`` with user ``PROFILE@REGION``. Everything
that can go wrong in a keyring backend (no backend, a plaintext backend, a locked
collection, a dismissed prompt, a daemon that went away) becomes a ``CredentialError``
whose message names the cause and what to do, and never contains a key.

``keyring`` is imported lazily: it probes D-Bus and loads backends, which costs start-up
time the GUI does not want to spend before its first paint.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeVar

from attribution_workbench.core.wire import KEY_ENV_VAR

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "attribution-workbench"
# The keyring slot of the manual proxy's password (Settings > Network); "@network" is no region.
PROXY_KEYRING_USER = "proxy@network"
ENV_VAR = KEY_ENV_VAR
REGIONS = ("us", "eu")
MAX_PROFILE_LENGTH = 64

_T = TypeVar("_T")
_API_KEY_RE = re.compile(r"[0-9a-fA-F]{32}")
_FALLBACK = f"or set {ENV_VAR} for this shell"

# Backends that keep secrets in an OS-managed, encrypted store. Matched on the defining
# module of any class in the backend's MRO, so keyring itself never has to be imported
# to classify (and subclasses of these still count).
_REAL_MODULES = frozenset(
    {
        "keyring.backends.SecretService",
        "keyring.backends.libsecret",
        "keyring.backends.kwallet",
        "keyring.backends.macOS",
        "keyring.backends.Windows",
    }
)
# Backends that store nothing: asking them is the same as having no keyring.
_EMPTY_CLASSES = frozenset({"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"})
# keyrings.alt file backends write the key to a file in the home directory (plain or
# protected by a password typed into this very process); never put an API key there.
_INSECURE_MODULE_PREFIXES = ("keyrings.alt.file", "keyrings.alt.pyfs")


class CredentialErrorKind(enum.Enum):
    NO_BACKEND = "no_backend"
    INSECURE_BACKEND = "insecure_backend"
    LOCKED = "locked"
    DENIED = "denied"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"


class CredentialError(Exception):
    """A keyring problem explained for the user; ``str(error) == error.message``."""

    def __init__(self, kind: CredentialErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message


def slot_user(profile: str, region: str) -> str:
    """The keyring user name of a slot: ``PROFILE@REGION``."""
    if not profile:
        raise ValueError("The profile name is empty; give it a name such as 'default'.")
    if len(profile) > MAX_PROFILE_LENGTH:
        raise ValueError(f"The profile name is longer than {MAX_PROFILE_LENGTH} characters.")
    if "@" in profile:
        # "@" separates profile from region in the keyring user name.
        raise ValueError("The profile name must not contain '@'.")
    if profile != profile.strip():
        raise ValueError("The profile name must not start or end with whitespace.")
    if _has_control_or_invisible(profile):
        raise ValueError("The profile name must not contain control or invisible characters.")
    if region not in REGIONS:
        raise ValueError(f"Unknown region {region!r}; use 'us' or 'eu'.")
    return f"{profile}@{region}"


def _has_control_or_invisible(text: str) -> bool:
    """Any character of Unicode's "Other" categories (control, format, unassigned, ...)."""
    import unicodedata  # here: the window loads this module at start, and checks are rare

    return any(unicodedata.category(ch).startswith("C") for ch in text)


def clean_api_key(key: str) -> str:
    """``key`` without surrounding whitespace; ValueError when that is empty or holds
    whitespace or control characters (a stray newline or tab from a paste is a mistake,
    never part of a key: it would be sent in a form field and shown in headers)."""
    key = key.strip()
    if not key:
        raise ValueError("The API key is empty; paste the key from Amplitude's settings.")
    if _has_control_or_invisible(key) or any(ch.isspace() for ch in key):
        raise ValueError("The API key contains spaces or control characters; paste it again.")
    return key


def env_api_key(environ: Mapping[str, str] | None = None) -> str | None:
    """``$AMPLITUDE_API_KEY`` without surrounding whitespace; None when unset or blank."""
    env = os.environ if environ is None else environ
    return env.get(ENV_VAR, "").strip() or None


def looks_like_api_key(text: str) -> bool:
    """True when ``text`` (whitespace trimmed, as ``KeyStore.set`` stores it) is 32 hex digits."""
    return _API_KEY_RE.fullmatch(text.strip()) is not None


class KeyStore:
    """get/set/delete of API keys in one keyring backend (the default one if none given)."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            import keyring  # lazy: see the module docstring

            # get_keyring() reads keyringrc.cfg / PYTHON_KEYRING_BACKEND and probes the
            # candidates; a broken configuration must not escape as a raw exception.
            self._backend = _call("load its backend", keyring.get_keyring)
        return self._backend

    @property
    def backend_name(self) -> str:
        backend = self.backend
        name = getattr(backend, "name", None)
        return name if isinstance(name, str) else type(backend).__name__

    @property
    def is_real_keyring(self) -> bool:
        return _classify_backend(self.backend) == "real"

    def check_available(self) -> None:
        """Raise unless the backend can hold a key safely (every get/set/delete checks)."""
        safety = _classify_backend(self.backend)
        if safety == "empty":
            no_backend = CredentialErrorKind.NO_BACKEND
            cause = f"keyring chose '{self.backend_name}'"
            raise CredentialError(no_backend, _message(no_backend, cause, "store keys"))
        if safety == "insecure":
            # No silent plaintext fallback: refusing is the whole point of this check.
            raise CredentialError(
                CredentialErrorKind.INSECURE_BACKEND,
                f"The keyring backend '{self.backend_name}' keeps keys in a file, not in an OS"
                " keyring, so Attribution Workbench will not use it. Install and unlock"
                " gnome-keyring or KWallet (and remove keyrings.alt or PYTHON_KEYRING_BACKEND),"
                f" {_FALLBACK}.",
            )

    def get(self, profile: str, region: str) -> str | None:
        user = slot_user(profile, region)
        self.check_available()
        backend = self.backend
        value = _call("read the key", lambda: backend.get_password(SERVICE, user))
        if value is None:
            return None
        # A slot holding only whitespace (written by another tool) counts as empty.
        return value.strip() or None

    def set(self, profile: str, region: str, key: str) -> None:
        user = slot_user(profile, region)
        key = clean_api_key(key)
        self.check_available()
        backend = self.backend
        _call("save the key", lambda: backend.set_password(SERVICE, user, key))

    def delete(self, profile: str, region: str) -> bool:
        """Delete a slot; False when nothing was stored there."""
        user = slot_user(profile, region)
        self.check_available()
        backend = self.backend
        # Backends disagree on deleting a missing entry (SecretService raises
        # PasswordDeleteError, others return quietly), so look first. The lookup also does
        # any unlocking, so the delete itself then only fails for real reasons.
        if _call("read the key", lambda: backend.get_password(SERVICE, user)) is None:
            return False
        _call("delete the key", lambda: backend.delete_password(SERVICE, user))
        return True

    # The manual proxy's password (Settings > Network) lives here too, in its own slot
    # (PROXY_KEYRING_USER), never in the settings file.
    def get_proxy_password(self) -> str | None:
        self.check_available()
        backend, user = self.backend, PROXY_KEYRING_USER
        return _call("read the proxy password", lambda: backend.get_password(SERVICE, user))

    def set_proxy_password(self, password: str) -> None:
        """Store ``password``; an empty one deletes the slot."""
        self.check_available()
        backend, user = self.backend, PROXY_KEYRING_USER
        if password:
            _call("save the proxy password", lambda: backend.set_password(SERVICE, user, password))
        elif _call("read the proxy password", lambda: backend.get_password(SERVICE, user)):
            _call("delete the proxy password", lambda: backend.delete_password(SERVICE, user))


def resolve_api_key(
    store: KeyStore,
    profile: str,
    region: str,
    environ: Mapping[str, str] | None = None,
) -> tuple[str, str] | None:
    """The key to use and where it came from: ``(key, "environment" | "keyring")``.

    ``$AMPLITUDE_API_KEY`` wins so scripts and CI never need a keyring. None when the slot is
    empty; keyring failures raise ``CredentialError``.
    """
    slot_user(profile, region)  # bad input is an error even when the environment wins
    from_env = env_api_key(environ)
    if from_env:
        return from_env, "environment"
    key = store.get(profile, region)
    return (key, "keyring") if key is not None else None


# --- backend classification ---------------------------------------------------------


def _class_names(cls: type) -> Iterator[tuple[str, str]]:
    for klass in cls.__mro__:
        yield klass.__module__, f"{klass.__module__}.{klass.__qualname__}"


def _classify_backend(backend: object) -> str:
    """'real', 'empty', 'insecure' or 'unknown' (a plugin we cannot vouch for)."""
    names = list(_class_names(type(backend)))
    if any(module == "keyring.backends.chainer" for module, _ in names):
        # The chainer writes to the first of its backends that accepts the call, so it is
        # only as safe as the least safe one it holds.
        kinds = {_classify_backend(b) for b in getattr(backend, "backends", ())}
        if not kinds or kinds == {"empty"}:
            return "empty"
        if "insecure" in kinds:
            return "insecure"
        return "real" if kinds == {"real"} else "unknown"
    if any(
        module.startswith(_INSECURE_MODULE_PREFIXES) or "plaintext" in qualname.lower()
        for module, qualname in names
    ):
        return "insecure"
    if any(qualname in _EMPTY_CLASSES for _, qualname in names):
        return "empty"
    if any(module in _REAL_MODULES for module, _ in names):
        return "real"
    # Unknown backends (plugins, or a backend chosen in keyringrc.cfg) are used, because
    # someone installed or configured them on purpose, but is_real_keyring stays False so
    # the UI can say "not an OS keyring".
    return "unknown"


# --- exception mapping ----------------------------------------------------------------
# Exceptions are recognised by class name, so secretstorage, jeepney and dbus-python
# (only some of which exist on a given OS) never have to be imported here.

_KIND_BY_CLASS = {
    "keyring.errors.NoKeyringError": CredentialErrorKind.NO_BACKEND,
    "keyring.errors.KeyringLocked": CredentialErrorKind.LOCKED,
    "secretstorage.exceptions.LockedException": CredentialErrorKind.LOCKED,
    "secretstorage.exceptions.PromptDismissedException": CredentialErrorKind.DENIED,
    "secretstorage.exceptions.SecretServiceNotAvailableException": CredentialErrorKind.UNAVAILABLE,
    # keyring raises InitError when it cannot open the collection at all.
    "keyring.errors.InitError": CredentialErrorKind.UNAVAILABLE,
    # A socket that vanished, a bus address pointing nowhere, a D-Bus timeout.
    "builtins.OSError": CredentialErrorKind.UNAVAILABLE,
}
_DBUS_ERROR_CLASSES = frozenset(
    {"jeepney.wrappers.DBusErrorResponse", "dbus.exceptions.DBusException"}
)
_KIND_BY_DBUS_ERROR = {
    "org.freedesktop.Secret.Error.IsLocked": CredentialErrorKind.LOCKED,
    "org.freedesktop.DBus.Error.AccessDenied": CredentialErrorKind.DENIED,
    "org.freedesktop.DBus.Error.AuthFailed": CredentialErrorKind.DENIED,
    "org.freedesktop.DBus.Error.ServiceUnknown": CredentialErrorKind.UNAVAILABLE,
    "org.freedesktop.DBus.Error.NameHasNoOwner": CredentialErrorKind.UNAVAILABLE,
    "org.freedesktop.DBus.Error.NoReply": CredentialErrorKind.UNAVAILABLE,
    "org.freedesktop.DBus.Error.NoServer": CredentialErrorKind.UNAVAILABLE,
    "org.freedesktop.DBus.Error.Disconnected": CredentialErrorKind.UNAVAILABLE,
    "org.freedesktop.DBus.Error.Timeout": CredentialErrorKind.UNAVAILABLE,
    "org.freedesktop.DBus.Error.TimedOut": CredentialErrorKind.UNAVAILABLE,
}


def _dbus_error_name(exc: BaseException) -> str | None:
    # jeepney keeps it in .name, dbus-python behind get_dbus_name().
    name = getattr(exc, "name", None)
    getter = getattr(exc, "get_dbus_name", None)
    if name is None and callable(getter):
        name = getter()
    return name if isinstance(name, str) else None


def _kind_of(exc: BaseException) -> tuple[CredentialErrorKind, str] | None:
    """The kind and a key-free cause for one exception, None if it says nothing specific."""
    qualnames = [qualname for _, qualname in _class_names(type(exc))]
    if any(q in _DBUS_ERROR_CLASSES for q in qualnames):
        name = _dbus_error_name(exc) or "unknown D-Bus error"
        if name.startswith("org.freedesktop.DBus.Error.Spawn."):
            return CredentialErrorKind.UNAVAILABLE, name  # the daemon could not be started
        return _KIND_BY_DBUS_ERROR.get(name, CredentialErrorKind.FAILED), name
    for qualname in qualnames:
        if qualname in _KIND_BY_CLASS:
            return _KIND_BY_CLASS[qualname], type(exc).__name__
    return None


def _to_credential_error(exc: BaseException, action: str) -> CredentialError:
    # Walk the explicit cause chain (``raise X from Y``) and keep the innermost specific
    # answer: keyring wraps e.g. SecretServiceNotAvailableException in a generic InitError.
    # Only class names and D-Bus error names reach the message, never str(exc): a backend's
    # own text is not ours to vouch for.
    found: tuple[CredentialErrorKind, str] | None = None
    current: BaseException | None = exc
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _kind_of(current) or found
        current = current.__cause__
    kind, cause = found or (CredentialErrorKind.FAILED, type(exc).__name__)
    return CredentialError(kind, _message(kind, cause, action))


def _message(kind: CredentialErrorKind, cause: str, action: str) -> str:
    if kind is CredentialErrorKind.NO_BACKEND:
        return (
            f"No OS keyring is available ({cause}: no Secret Service on the session bus and"
            f" no other OS keyring). Install and unlock gnome-keyring or KWallet, {_FALLBACK}."
        )
    if kind is CredentialErrorKind.LOCKED:
        return (
            f"The OS keyring is locked and could not be unlocked ({cause}). Unlock it, e.g."
            f" by logging in to the desktop or with your keyring manager, and try again,"
            f" {_FALLBACK}."
        )
    if kind is CredentialErrorKind.DENIED:
        return (
            f"Access to the OS keyring was refused ({cause}: the unlock prompt was dismissed"
            f" or access was denied). Allow access when asked and try again, {_FALLBACK}."
        )
    if kind is CredentialErrorKind.UNAVAILABLE:
        return (
            f"The OS keyring could not be reached ({cause}: its service is not running or"
            f" its D-Bus connection went away). Start or unlock gnome-keyring or KWallet and"
            f" try again, {_FALLBACK}."
        )
    return (
        f"The OS keyring failed to {action} ({cause}). Try again; if it keeps"
        f" failing, check your keyring service, {_FALLBACK}."
    )


def _call(action: str, fn: Callable[[], _T]) -> _T:
    try:
        return fn()
    except CredentialError:
        raise
    except Exception as exc:
        # Any backend may raise anything (plugins, pywin32, dbus-python); the app must
        # keep running and explain, so nothing but BaseException-only signals escapes.
        # The original stays chained for debugging; it carries no key either.
        raise _to_credential_error(exc, action) from exc
