"""Profiles: named sets of API keys, one slot per region, and the one place keys are looked up.

The OS keyring holds the keys (``core.credentials.KeyStore``) but cannot list its entries,
so a small registry remembers the profile names and what is known about each slot (has a
key / has none / not checked yet). The registry never holds a key, not even part of one;
it is stored through ``RegistryStorage`` (QSettings in the GUI, a dict in tests) so this
module stays free of Qt.

When no OS keyring is usable, a key can be held for this session only: in memory, gone on
exit, and labelled as such everywhere. Nothing ever falls back to a file.

``Credentials`` is safe to call from worker threads (the GUI runs every keyring call off
its own thread): the registry and the session keys sit behind one lock, and the keyring is
called outside it.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from attribution_workbench.core.credentials import (
    ENV_VAR,
    REGIONS,
    CredentialError,
    CredentialErrorKind,
    KeyStore,
    clean_api_key,
    env_api_key,
    slot_user,
)
from attribution_workbench.core.regions import Region
from attribution_workbench.core.wire import mask_key

DEFAULT_PROFILE = "default"
REGISTRY_VERSION = 1
# With these the app never wrote a key anywhere, so there is nothing to move or delete.
_NOTHING_STORED = frozenset({CredentialErrorKind.NO_BACKEND, CredentialErrorKind.INSECURE_BACKEND})


class SlotState(enum.Enum):
    SET = "set"  # the OS keyring holds a key for this slot
    NOT_SET = "not set"
    SESSION_ONLY = "session only"  # held in memory, forgotten on exit
    UNKNOWN = "unknown"  # not checked yet, or the keyring could not be asked


class KeySource(str, enum.Enum):
    ENVIRONMENT = "environment"
    SESSION = "session"
    KEYRING = "keyring"

    @property
    def label(self) -> str:
        if self is KeySource.ENVIRONMENT:
            return f"${ENV_VAR}"
        if self is KeySource.SESSION:
            return "this session only (not saved)"
        return "the OS keyring"


class RegistryStorage(Protocol):
    """Where the registry lives: one JSON-able value, None when nothing was stored yet."""

    def load(self) -> Any: ...

    def save(self, value: Any) -> None: ...


class MemoryStorage:
    """A ``RegistryStorage`` in a variable (tests, the CLI)."""

    def __init__(self, value: Any = None) -> None:
        self.value = value

    def load(self) -> Any:
        return self.value

    def save(self, value: Any) -> None:
        self.value = value


@dataclass(frozen=True)
class SlotStatus:
    """What the credentials dialog shows for one (profile, region) slot."""

    profile: str
    region: Region
    state: SlotState
    masked: str = ""  # "••••••••cdef" when a key is there, else ""
    problem: str = ""  # why the state is UNKNOWN (a CredentialError message)

    @property
    def text(self) -> str:
        if self.state is SlotState.SET:
            return f"set {self.masked}".rstrip()
        if self.state is SlotState.SESSION_ONLY:
            return f"session only {self.masked}".rstrip()
        if self.state is SlotState.NOT_SET:
            return "not set"
        return "unknown (keyring unavailable)" if self.problem else "unknown"


@dataclass(frozen=True)
class BackendInfo:
    name: str
    is_real: bool
    problem: CredentialError | None  # why keys cannot be kept in it, or None

    @property
    def available(self) -> bool:
        return self.problem is None


def _region(region: Region | str) -> Region:
    return region if isinstance(region, Region) else Region(str(region))


def other_region(region: Region) -> Region:
    return Region.EU if region is Region.US else Region.US


def check_profile_name(name: str) -> str:
    """``name`` if it can name a profile (the keyring user ``NAME@REGION`` rules), else raise."""
    slot_user(name, REGIONS[0])
    return name


class Credentials:
    """Profiles, their keys in the keyring, session-only keys and ``$AMPLITUDE_API_KEY``."""

    def __init__(
        self,
        store: KeyStore,
        storage: RegistryStorage,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self._storage = storage
        self._environ = environ
        self._lock = threading.RLock()
        # Serialises registry writes, which can block (a QSettings sync), so that _lock,
        # which the GUI thread takes, is never held across one.
        self._save_lock = threading.Lock()
        self._session: dict[tuple[str, Region], str] = {}
        # profile -> region -> does the keyring hold a key (absent = not known)
        self._known: dict[str, dict[Region, bool]] = self._load()

    # --- registry ----------------------------------------------------------------------
    def _load(self) -> dict[str, dict[Region, bool]]:
        known: dict[str, dict[Region, bool]] = {}
        try:
            raw = self._storage.load()
        except Exception:  # an unreadable registry only costs the list of names
            raw = None
        entries = raw.get("profiles") if isinstance(raw, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(name, str) or name in known or not _valid_name(name):
                continue  # garbage or a hand-edited name the keyring cannot hold
            slots = entry.get("keyring")
            known[name] = {
                Region(region): value
                for region, value in (slots.items() if isinstance(slots, dict) else ())
                if region in REGIONS and isinstance(value, bool)
            }
        # "default" always exists: it is what the CLI and $AMPLITUDE_API_KEY users get.
        known.setdefault(DEFAULT_PROFILE, {})
        return known

    def _save(self) -> None:
        """Write the registry; call it after releasing ``_lock``.

        The snapshot is taken under ``_save_lock``, so the last write always holds the
        latest state however the writers interleave.
        """
        with self._save_lock:
            with self._lock:
                value = {
                    "version": REGISTRY_VERSION,
                    "profiles": [
                        {"name": name, "keyring": {r.value: has for r, has in slots.items()}}
                        for name, slots in self._known.items()
                    ],
                }
            self._storage.save(value)

    def _learn(self, profile: str, region: Region, has_key: bool) -> None:
        with self._lock:
            slots = self._known.get(profile)
            if slots is None or slots.get(region) == has_key:
                return
            slots[region] = has_key
        self._save()

    # --- profiles ----------------------------------------------------------------------
    def list_profiles(self) -> list[str]:
        with self._lock:
            return list(self._known)

    def add_profile(self, name: str) -> None:
        """Add an empty profile; ValueError for a bad or existing name (no keyring call)."""
        check_profile_name(name)
        with self._lock:
            if name in self._known:
                raise ValueError(f"A profile named '{name}' already exists.")
            self._known[name] = {}
        self._save()

    def rename_profile(self, old: str, new: str) -> None:
        """Move a profile and its keys; on a keyring failure nothing changes (CredentialError).

        Each key is written under the new name first and the old slots are deleted only when
        every write succeeded; a failure on the way rolls the finished steps back.
        """
        check_profile_name(new)
        with self._lock:
            self._require(old)
            if old == DEFAULT_PROFILE:
                raise ValueError(
                    "The 'default' profile is the one the CLI uses; it cannot be renamed."
                )
            if new in self._known:
                raise ValueError(f"A profile named '{new}' already exists.")
        try:
            keys = self._keyring_keys(old)
        except CredentialError as exc:
            raise CredentialError(
                exc.kind,
                f"Could not rename profile '{old}' to '{new}': {exc.message} Nothing was changed.",
            ) from exc
        written: list[Region] = []
        deleted: list[Region] = []
        try:
            for region, key in (keys or {}).items():
                self.store.set(new, region.value, key)
                written.append(region)
            for region in keys or {}:
                self.store.delete(old, region.value)
                deleted.append(region)
        except CredentialError as exc:
            raise self._rollback(exc, old, new, keys or {}, written, deleted) from exc
        with self._lock:
            self._known.pop(old, None)
            # Every region was read above, so both slots of the new name are known now
            # (unless no keyring exists at all, when nothing is known).
            self._known[new] = {} if keys is None else {r: r in keys for r in Region}
            for region in Region:
                session_key = self._session.pop((old, region), None)
                if session_key is not None:
                    self._session[(new, region)] = session_key
        self._save()

    def _keyring_keys(self, profile: str) -> dict[Region, str] | None:
        """The profile's keys in the keyring; None when there is no keyring that could hold any."""
        keys: dict[Region, str] = {}
        for region in Region:
            try:
                key = self.store.get(profile, region.value)
            except CredentialError as exc:
                if exc.kind in _NOTHING_STORED:
                    return None
                raise
            if key is not None:
                keys[region] = key
        return keys

    def _rollback(
        self,
        error: CredentialError,
        old: str,
        new: str,
        keys: Mapping[Region, str],
        written: list[Region],
        deleted: list[Region],
    ) -> CredentialError:
        leftovers: list[str] = []
        only_new: set[Region] = set()
        for region in deleted:  # put back what was already removed from the old name
            try:
                self.store.set(old, region.value, keys[region])
            except CredentialError:
                only_new.add(region)
                leftovers.append(f"the {region.value.upper()} key is now only under '{new}'")
        for region in written:
            if region in only_new:
                continue  # never delete the only copy of a key
            try:
                self.store.delete(new, region.value)
            except CredentialError:
                leftovers.append(f"a copy of the {region.value.upper()} key is left under '{new}'")
        message = f"Could not rename profile '{old}' to '{new}': {error.message}"
        if leftovers:
            message += (
                " Undoing the rename failed too: " + "; ".join(leftovers) + ". Check with"
                f" `attribution-cli key status --profile {new}` once the keyring works again."
            )
        else:
            message += f" Nothing was changed: the keys are still under '{old}'."
        return CredentialError(error.kind, message)

    def delete_profile(self, name: str) -> None:
        """Delete a profile and its keys; if the keyring fails the profile stays (raises)."""
        with self._lock:
            self._require(name)
            if name == DEFAULT_PROFILE:
                raise ValueError(
                    "The 'default' profile is the one the CLI uses; delete its keys instead."
                )
        for region in Region:
            try:
                self.store.delete(name, region.value)
            except CredentialError as exc:
                if exc.kind not in _NOTHING_STORED:
                    raise
                break  # no keyring: the profile can only have session keys
        with self._lock:
            self._known.pop(name, None)
            for region in Region:
                self._session.pop((name, region), None)
        self._save()

    def _require(self, name: str) -> None:
        if name not in self._known:
            raise ValueError(f"There is no profile named '{name}'.")

    # --- slots -------------------------------------------------------------------------
    def slot_state(self, profile: str, region: Region | str) -> SlotState:
        """What is known about a slot without asking the keyring (cheap; GUI thread)."""
        region = _region(region)
        with self._lock:
            if (profile, region) in self._session:
                return SlotState.SESSION_ONLY
            has = self._known.get(profile, {}).get(region)
        if has is None:
            return SlotState.UNKNOWN
        return SlotState.SET if has else SlotState.NOT_SET

    def slot_status(self, profile: str, region: Region | str) -> SlotStatus:
        """The slot's state read from the keyring, masked (blocks; run it in a worker)."""
        region = _region(region)
        with self._lock:
            session_key = self._session.get((profile, region))
        if session_key is not None:
            return SlotStatus(profile, region, SlotState.SESSION_ONLY, mask_key(session_key))
        try:
            key = self.store.get(profile, region.value)
        except CredentialError as exc:
            return SlotStatus(profile, region, SlotState.UNKNOWN, problem=exc.message)
        self._learn(profile, region, key is not None)
        if key is None:
            return SlotStatus(profile, region, SlotState.NOT_SET)
        return SlotStatus(profile, region, SlotState.SET, mask_key(key))

    def statuses(self) -> Iterator[SlotStatus]:
        """Every slot of every profile, read from the keyring (blocks).

        After the first keyring failure the remaining slots are not asked (each call could
        wait for a D-Bus timeout or pop up another unlock prompt); they report that error.
        """
        problem: str | None = None
        for profile in self.list_profiles():
            for region in Region:
                if problem is not None and self.slot_state(profile, region) is not (
                    SlotState.SESSION_ONLY
                ):
                    yield SlotStatus(profile, region, SlotState.UNKNOWN, problem=problem)
                    continue
                status = self.slot_status(profile, region)
                problem = status.problem or problem
                yield status

    def backend_info(self) -> BackendInfo:
        """The keyring backend in use and why it cannot keep keys, if it cannot (blocks)."""
        try:
            name = self.store.backend_name  # loading the backend can fail too
        except CredentialError as exc:
            return BackendInfo("none", False, exc)
        try:
            self.store.check_available()
        except CredentialError as exc:
            return BackendInfo(name, False, exc)
        return BackendInfo(name, self.store.is_real_keyring, None)

    def env_key(self) -> str | None:
        return env_api_key(self._environ)

    def key_for(self, profile: str, region: Region | str) -> tuple[str, KeySource] | None:
        """The key a request for (profile, region) carries and where it came from (blocks).

        ``$AMPLITUDE_API_KEY`` wins, then a session-only key, then the keyring. A session
        key comes before the keyring because it is the user's latest explicit choice and it
        only exists when the keyring could not take the key; asking a broken keyring first
        would cost a timeout (or an unlock prompt) on every send. Raises CredentialError
        when the keyring fails and there is no other key.
        """
        region = _region(region)
        slot_user(profile, region.value)
        env_key = self.env_key()
        if env_key:
            return env_key, KeySource.ENVIRONMENT
        with self._lock:
            session_key = self._session.get((profile, region))
        if session_key is not None:
            return session_key, KeySource.SESSION
        key = self.store.get(profile, region.value)
        self._learn(profile, region, key is not None)
        return (key, KeySource.KEYRING) if key is not None else None

    def key_or_hint(
        self, profile: str, region: Region | str
    ) -> tuple[tuple[str, KeySource] | None, Region | None]:
        """``key_for`` plus, when the slot is empty, the other region if it has a key (blocks).

        What a send needs in one worker call: the key, or the "this profile has an EU key;
        switch region?" hint. The other slot is read from the keyring when not known yet.
        """
        region = _region(region)
        found = self.key_for(profile, region)
        if found is not None:
            return found, None
        other = other_region(region)
        if self.slot_state(profile, other) is SlotState.UNKNOWN:
            self.slot_status(profile, other)  # learns the state; a failure leaves it unknown
        return None, self.other_region_hint(profile, region)

    def set_key(
        self, profile: str, region: Region | str, key: str, session_only: bool = False
    ) -> SlotState:
        """Store a key (whitespace trimmed); raises ValueError or CredentialError."""
        region = _region(region)
        with self._lock:
            self._require(profile)
        key = clean_api_key(key)
        if session_only:
            with self._lock:
                self._session[(profile, region)] = key
            return SlotState.SESSION_ONLY
        self.store.set(profile, region.value, key)
        with self._lock:
            # The keyring has it now; a session key would shadow it (see key_for).
            self._session.pop((profile, region), None)
        self._learn(profile, region, True)
        return SlotState.SET

    def delete_key(self, profile: str, region: Region | str) -> bool:
        """Forget the key in use for a slot; False when there was none.

        A session-only key is the one in use when there is one, so only it is dropped;
        otherwise the keyring slot is deleted (CredentialError when the keyring fails).
        """
        region = _region(region)
        slot_user(profile, region.value)
        with self._lock:
            if self._session.pop((profile, region), None) is not None:
                return True
        deleted = self.store.delete(profile, region.value)
        self._learn(profile, region, False)
        return deleted

    def session_slots(self) -> list[tuple[str, Region]]:
        with self._lock:
            return list(self._session)

    def other_region_hint(self, profile: str, region: Region | str) -> Region | None:
        """The other region when this slot has no key but the other one has (no keyring call).

        Drives "this profile has an EU key; switch region?". None when the slot has a key,
        when nothing is known, or when $AMPLITUDE_API_KEY is set (it serves every region).
        """
        region = _region(region)
        if self.env_key():
            return None
        if self.slot_state(profile, region) is not SlotState.NOT_SET:
            return None
        other = other_region(region)
        if self.slot_state(profile, other) in (SlotState.SET, SlotState.SESSION_ONLY):
            return other
        return None


def hint_text(profile: str, region: Region, other: Region) -> str:
    """The sentence the main window shows next to Send for ``other_region_hint``."""
    article = "an" if other is Region.EU else "a"
    return (
        f"Profile '{profile}' has no {region.value.upper()} key, but it has {article}"
        f" {other.value.upper()} key; switch region to {other.value.upper()}?"
    )


def _valid_name(name: str) -> bool:
    try:
        check_profile_name(name)
    except ValueError:
        return False
    return True
