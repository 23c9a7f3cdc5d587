"""Every preference the GUI keeps, declared once with its type and default (QSettings, INI).

Reading never fails: a missing, mistyped or out-of-range value gives the default, so a
hand-edited or older settings file cannot break start-up. Nothing secret is ever written:
there is no setting for a key, and ``Settings`` refuses to write any value that contains a
secret registered with ``forbid()`` (the keys in use), in case one was typed into the form.

The file lives in the standard config location of the platform (``$XDG_CONFIG_HOME`` on
Linux, read each time a ``Settings`` is opened, so tests can point it at a temp dir):
``<config>/<ORGANIZATION>/<APPLICATION>.ini``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

ORGANIZATION = "attribution-workbench"
APPLICATION = "workbench"
SCHEMA_VERSION = 1

_log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One settings key: its name in the file, its Python type, default and extra check."""

    name: str
    type: type
    default: T
    check: Callable[[Any], bool] | None = None

    def parse(self, raw: Any) -> tuple[T, bool]:
        """(value, False) when ``raw`` is present but garbage and the default was used."""
        if raw is None:
            return self.default, True
        try:
            value = _convert(self.type, raw)
        except (TypeError, ValueError):
            return self.default, False
        if self.check is not None and not self.check(value):
            return self.default, False
        return value, True


def _convert(kind: type, raw: Any) -> Any:
    # The INI format stores everything as text; QSettings hands strings back for numbers
    # and booleans, and QByteArray for @ByteArray(...) values.
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ValueError(raw)
    if kind is int:
        if isinstance(raw, bool):
            raise ValueError(raw)
        return int(str(raw).strip())
    if kind is str:
        if not isinstance(raw, str):
            raise TypeError(raw)
        return raw
    if kind is bytes:
        if isinstance(raw, QByteArray):
            return raw.data()
        if isinstance(raw, bytes):
            return raw
        raise TypeError(raw)
    if kind is dict:
        value = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(value, dict):
            raise TypeError(raw)
        return value
    raise TypeError(f"unsupported setting type {kind!r}")


def _one_of(*choices: str) -> Callable[[Any], bool]:
    return lambda value: value in choices


def _between(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: low <= value <= high


# --- every key, once -------------------------------------------------------------------
VERSION = Setting("version", int, SCHEMA_VERSION)
WINDOW_GEOMETRY = Setting("window/geometry", bytes, b"")
WINDOW_STATE = Setting("window/state", bytes, b"")
MAIN_SPLITTER = Setting("window/main_splitter", bytes, b"")
RIGHT_SPLITTER = Setting("window/right_splitter", bytes, b"")
EDITOR_STATE: Setting[dict[str, Any]] = Setting("editor/state", dict, {})
COMPANY_PREFIX = Setting("editor/company_prefix", str, "")
REGION = Setting("destination/region", str, "us", _one_of("us", "eu"))
# "" = never chosen: the first start picks the sandbox unless a key is in the environment.
TARGET = Setting("destination/target", str, "", _one_of("", "amplitude", "sandbox", "custom"))
CUSTOM_URL = Setting("destination/custom_url", str, "", lambda url: len(url) <= 2048)
# The profile whose keys a send uses (core.profiles); its name only, never a key.
PROFILE = Setting("destination/profile", str, "default", lambda name: 0 < len(name) <= 64)
# The profile registry (ui.settings_store): profile names and which regions have a key.
PROFILES: Setting[dict[str, Any]] = Setting("credentials/profiles", dict, {})
TIMEOUT_RANGE_S = (1, 300)  # the Timeout box's range (ui/send_bar.py)
TIMEOUT_S = Setting("send/timeout_seconds", int, 15, _between(*TIMEOUT_RANGE_S))
PREVIEW_FORMAT = Setting(
    "preview/format", str, "body", _one_of("body", "query", "curl", "python", "json")
)
TRANSPORT = Setting("preview/transport", str, "body", _one_of("body", "query"))
PRETTY_JSON = Setting("response/pretty_json", bool, True)
# Settings > Network (core.network.NetworkConfig). The proxy password is in the keyring.
PROXY_MODE = Setting("network/proxy_mode", str, "system", _one_of("system", "none", "manual"))
PROXY_URL = Setting("network/proxy_url", str, "", lambda url: len(url) <= 2048)
PROXY_USER = Setting("network/proxy_user", str, "", lambda user: len(user) <= 256)
OS_TRUST_STORE = Setting("network/os_trust_store", bool, True)

ALL: tuple[Setting[Any], ...] = (
    VERSION,
    WINDOW_GEOMETRY,
    WINDOW_STATE,
    MAIN_SPLITTER,
    RIGHT_SPLITTER,
    EDITOR_STATE,
    COMPANY_PREFIX,
    REGION,
    TARGET,
    CUSTOM_URL,
    PROFILE,
    PROFILES,
    TIMEOUT_S,
    PREVIEW_FORMAT,
    TRANSPORT,
    PRETTY_JSON,
    PROXY_MODE,
    PROXY_URL,
    PROXY_USER,
    OS_TRUST_STORE,
)


def json_object(value: Any) -> dict[str, Any] | None:
    """``value`` if it is a dict that can be stored as JSON, else None."""
    if not isinstance(value, dict):
        return None
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value


def default_path(organization: str = ORGANIZATION, application: str = APPLICATION) -> str:
    """``<config dir>/<organization>/<application>.ini``, as QSettings' IniFormat lays it out.

    The names are passed, not read from QCoreApplication: a test runner's or another host's
    application name must not move the user's settings.
    """
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return os.path.join(base, organization, application + ".ini")


class Settings:
    """Typed access to the declared settings over one INI-format QSettings."""

    def __init__(self, path: str | None = None) -> None:
        self._qsettings = QSettings(path or default_path(), QSettings.Format.IniFormat)
        self._secrets: set[str] = set()
        self.reset: list[str] = []  # keys read with a garbage value (the default was used)
        self.existed = os.path.exists(self.path)  # False: the very first start

    def read_problem(self) -> str | None:
        """Why the stored settings could not be read (every value is then its default), or
        None. QSettings reads the file on first use and only reports it in status()."""
        self._qsettings.value(VERSION.name)
        status = self._qsettings.status()
        if status is QSettings.Status.AccessError:
            return f"The settings file {self.path} cannot be read"
        if status is QSettings.Status.FormatError:
            return f"The settings file {self.path} is damaged"
        return None

    def save_problem(self) -> str | None:
        """Why this session's settings could not be saved at quit, or None; checked without
        writing anything (the file is opened for appending and closed)."""
        try:
            if os.path.lexists(self.path):
                with open(self.path, "a", encoding="utf-8"):
                    pass
                return None
            folder = os.path.dirname(self.path) or "."
            while not os.path.exists(folder):  # QSettings creates the missing folders
                folder = os.path.dirname(folder)
            if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
                return f"The settings folder {folder} cannot be written"
        except OSError as exc:
            return f"The settings file {self.path} cannot be written ({exc.strerror or exc})"
        return None

    @property
    def path(self) -> str:
        return self._qsettings.fileName()

    def forbid(self, secret: str) -> None:
        """Never write a value containing ``secret`` (an API key in use)."""
        if secret:
            self._secrets.add(secret)

    def get(self, setting: Setting[T]) -> T:
        value, valid = setting.parse(self._qsettings.value(setting.name))
        if not valid and setting.name not in self.reset:
            _log.warning("Setting %s had an invalid value; using the default.", setting.name)
            self.reset.append(setting.name)
        return value

    def check_all(self) -> list[str]:
        """Read every declared setting; the names whose stored values were garbage (their
        defaults are used instead), for a note to the user."""
        for setting in ALL:
            self.get(setting)
        return list(self.reset)

    def set(self, setting: Setting[T], value: T) -> None:
        if not isinstance(value, setting.type) or (setting.type is int and isinstance(value, bool)):
            raise TypeError(f"{setting.name} takes {setting.type.__name__}, not {value!r}")
        stored: Any = value
        if isinstance(value, dict):
            stored = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        elif isinstance(value, bytes):
            stored = QByteArray(value)
        if self._contains_secret(stored):
            # Better to forget a preference than to write a key to a plain file.
            self._qsettings.remove(setting.name)
            _log.warning("Not saving %s: it contains an API key.", setting.name)
            return
        self._qsettings.setValue(setting.name, stored)

    def _contains_secret(self, stored: Any) -> bool:
        if isinstance(stored, QByteArray):
            text = bytes(stored.data()).decode("latin-1")
        else:
            text = str(stored)
        return any(secret in text for secret in self._secrets)

    def sync(self) -> None:
        self.set(VERSION, SCHEMA_VERSION)
        self._qsettings.sync()
        if self._qsettings.status() is not QSettings.Status.NoError:
            _log.warning("The settings could not be saved to %s.", self.path)

    def names(self) -> Iterator[str]:
        """The keys currently stored (declared or not), for tests and diagnostics."""
        yield from self._qsettings.allKeys()
