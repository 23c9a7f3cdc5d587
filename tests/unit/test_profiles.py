"""core.profiles: the registry, session-only keys and key lookup over an in-memory keyring."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordSetError

from attribution_workbench.core.credentials import (
    ENV_VAR,
    SERVICE,
    CredentialError,
    CredentialErrorKind,
    KeyStore,
)
from attribution_workbench.core.profiles import (
    DEFAULT_PROFILE,
    Credentials,
    KeySource,
    MemoryStorage,
    SlotState,
    hint_text,
)
from attribution_workbench.core.regions import Region
from memory_keyring import DaemonGoneKeyring, LockedKeyring, MemoryKeyring

US_KEY = "0123456789abcdef0123456789abcdef"
EU_KEY = "fedcba9876543210fedcba9876543210"


def make(backend: KeyringBackend, storage: MemoryStorage | None = None, **env: str) -> Credentials:
    return Credentials(KeyStore(backend), storage or MemoryStorage(), environ=env)


@pytest.fixture
def creds(memory_keyring: MemoryKeyring) -> Credentials:
    return make(memory_keyring)


# --- registry --------------------------------------------------------------------------------
def test_default_profile_always_exists_and_starts_unknown(creds: Credentials) -> None:
    assert creds.list_profiles() == [DEFAULT_PROFILE]
    assert creds.slot_state(DEFAULT_PROFILE, Region.US) is SlotState.UNKNOWN


def test_registry_round_trip_never_holds_a_key(memory_keyring: MemoryKeyring) -> None:
    storage = MemoryStorage()
    creds = make(memory_keyring, storage)
    creds.add_profile("staging")
    creds.set_key("staging", "eu", f"  {EU_KEY}\n")
    dumped = json.dumps(storage.value)
    assert EU_KEY not in dumped and EU_KEY[-4:] not in dumped
    again = make(memory_keyring, storage)
    assert again.list_profiles() == [DEFAULT_PROFILE, "staging"]
    assert again.slot_state("staging", Region.EU) is SlotState.SET
    assert again.slot_state("staging", Region.US) is SlotState.UNKNOWN


@pytest.mark.parametrize(
    "stored",
    [None, "garbage", [1, 2], {"profiles": "x"}, {"profiles": [{"name": "a@b"}, 3, {"x": 1}]}],
)
def test_garbage_registry_gives_just_the_default(
    memory_keyring: MemoryKeyring, stored: object
) -> None:
    assert make(memory_keyring, MemoryStorage(stored)).list_profiles() == [DEFAULT_PROFILE]


def test_add_profile_rejects_bad_and_duplicate_names(creds: Credentials) -> None:
    creds.add_profile("prod-eu")
    for bad in ("", "a@b", " padded", "x" * 65, "tab\there"):
        with pytest.raises(ValueError):
            creds.add_profile(bad)
    with pytest.raises(ValueError, match="already exists"):
        creds.add_profile("prod-eu")


# --- keys --------------------------------------------------------------------------------------
def test_set_get_delete_through_the_keyring(
    creds: Credentials, memory_keyring: MemoryKeyring
) -> None:
    assert creds.key_for(DEFAULT_PROFILE, Region.US) is None
    assert creds.slot_state(DEFAULT_PROFILE, Region.US) is SlotState.NOT_SET
    assert creds.set_key(DEFAULT_PROFILE, Region.US, f" {US_KEY} ") is SlotState.SET
    assert memory_keyring.entries[(SERVICE, "default@us")] == US_KEY
    assert creds.key_for(DEFAULT_PROFILE, "us") == (US_KEY, KeySource.KEYRING)
    status = creds.slot_status(DEFAULT_PROFILE, Region.US)
    assert status.text == "set ••••••••cdef"
    assert creds.delete_key(DEFAULT_PROFILE, Region.US) is True
    assert creds.slot_state(DEFAULT_PROFILE, Region.US) is SlotState.NOT_SET
    assert creds.delete_key(DEFAULT_PROFILE, Region.US) is False


@pytest.mark.parametrize("bad", ["", "   ", "abc def", "abc\x00"])
def test_bad_keys_are_refused_before_anything_is_stored(
    creds: Credentials, memory_keyring: MemoryKeyring, bad: str
) -> None:
    for session_only in (False, True):
        with pytest.raises(ValueError):
            creds.set_key(DEFAULT_PROFILE, Region.US, bad, session_only=session_only)
    assert memory_keyring.entries == {}
    assert creds.session_slots() == []


def test_env_var_wins_over_keyring_and_session(memory_keyring: MemoryKeyring) -> None:
    creds = make(memory_keyring, **{ENV_VAR: f" {EU_KEY} "})
    creds.set_key(DEFAULT_PROFILE, Region.US, US_KEY)
    creds.set_key(DEFAULT_PROFILE, Region.EU, US_KEY, session_only=True)
    assert creds.key_for(DEFAULT_PROFILE, Region.US) == (EU_KEY, KeySource.ENVIRONMENT)
    assert creds.key_for(DEFAULT_PROFILE, Region.EU) == (EU_KEY, KeySource.ENVIRONMENT)
    assert creds.other_region_hint(DEFAULT_PROFILE, Region.US) is None


def test_session_only_key_lives_in_memory_only(
    creds: Credentials, memory_keyring: MemoryKeyring
) -> None:
    assert creds.set_key(DEFAULT_PROFILE, Region.EU, EU_KEY, session_only=True) is (
        SlotState.SESSION_ONLY
    )
    assert memory_keyring.entries == {}
    assert creds.slot_state(DEFAULT_PROFILE, Region.EU) is SlotState.SESSION_ONLY
    assert creds.slot_status(DEFAULT_PROFILE, Region.EU).text == "session only ••••••••3210"
    assert creds.key_for(DEFAULT_PROFILE, Region.EU) == (EU_KEY, KeySource.SESSION)
    # A new Credentials (the next start of the app) has forgotten it.
    assert make(memory_keyring).key_for(DEFAULT_PROFILE, Region.EU) is None
    # Saving to the keyring replaces the session key; deleting drops only the key in use.
    creds.set_key(DEFAULT_PROFILE, Region.EU, US_KEY)
    assert creds.key_for(DEFAULT_PROFILE, Region.EU) == (US_KEY, KeySource.KEYRING)
    creds.set_key(DEFAULT_PROFILE, Region.EU, EU_KEY, session_only=True)
    assert creds.delete_key(DEFAULT_PROFILE, Region.EU) is True
    assert creds.key_for(DEFAULT_PROFILE, Region.EU) == (US_KEY, KeySource.KEYRING)


# --- keyring failures --------------------------------------------------------------------------
def test_no_backend_explains_and_offers_session_keys(no_keyring: KeyringBackend) -> None:
    creds = make(no_keyring)
    info = creds.backend_info()
    assert not info.available and not info.is_real
    assert info.problem is not None and info.problem.kind is CredentialErrorKind.NO_BACKEND
    assert "gnome-keyring" in info.problem.message
    with pytest.raises(CredentialError) as caught:
        creds.set_key(DEFAULT_PROFILE, Region.US, US_KEY)
    assert caught.value.kind is CredentialErrorKind.NO_BACKEND
    with pytest.raises(CredentialError):
        creds.key_for(DEFAULT_PROFILE, Region.US)
    # The session-only offer works, and a profile holding only session keys can be managed.
    creds.add_profile("demo")
    creds.set_key("demo", Region.US, US_KEY, session_only=True)
    assert creds.key_for("demo", Region.US) == (US_KEY, KeySource.SESSION)
    creds.rename_profile("demo", "demo2")
    assert creds.key_for("demo2", Region.US) == (US_KEY, KeySource.SESSION)
    creds.delete_profile("demo2")
    assert creds.list_profiles() == [DEFAULT_PROFILE]
    statuses = list(creds.statuses())
    assert {s.state for s in statuses} == {SlotState.UNKNOWN}
    assert all("No OS keyring" in s.problem for s in statuses)


def test_locked_keyring_is_explained_not_raised_raw(locked_keyring: LockedKeyring) -> None:
    creds = make(locked_keyring)
    assert creds.backend_info().available  # a locked keyring is still the right place
    with pytest.raises(CredentialError) as caught:
        creds.set_key(DEFAULT_PROFILE, Region.US, US_KEY)
    assert caught.value.kind is CredentialErrorKind.LOCKED
    assert "locked" in caught.value.message
    status = creds.slot_status(DEFAULT_PROFILE, Region.US)
    assert status.state is SlotState.UNKNOWN and "locked" in status.problem
    assert status.text == "unknown (keyring unavailable)"
    creds.add_profile("p")
    with pytest.raises(CredentialError, match="Nothing was changed"):
        creds.rename_profile("p", "q")
    assert creds.list_profiles() == [DEFAULT_PROFILE, "p"]


def test_statuses_stop_asking_after_the_first_failure(locked_keyring: LockedKeyring) -> None:
    creds = make(locked_keyring)
    creds.add_profile("a")
    creds.set_key("a", Region.EU, EU_KEY, session_only=True)
    statuses = {(s.profile, s.region): s for s in creds.statuses()}
    assert len(locked_keyring.calls) == 1  # one prompt/timeout, not one per slot
    assert statuses[("a", Region.EU)].state is SlotState.SESSION_ONLY
    assert statuses[("a", Region.US)].state is SlotState.UNKNOWN


def test_daemon_gone_mid_session(gone_keyring: DaemonGoneKeyring) -> None:
    creds = make(gone_keyring)
    creds.set_key(DEFAULT_PROFILE, Region.US, US_KEY)
    assert creds.key_for(DEFAULT_PROFILE, Region.US) == (US_KEY, KeySource.KEYRING)
    gone_keyring.stop_daemon()
    with pytest.raises(CredentialError) as caught:
        creds.key_for(DEFAULT_PROFILE, Region.US)
    assert caught.value.kind is CredentialErrorKind.UNAVAILABLE
    assert US_KEY not in caught.value.message
    # What was known stays known; the UI can keep going with a session key.
    assert creds.slot_state(DEFAULT_PROFILE, Region.US) is SlotState.SET
    creds.set_key(DEFAULT_PROFILE, Region.US, EU_KEY, session_only=True)
    assert creds.key_for(DEFAULT_PROFILE, Region.US) == (EU_KEY, KeySource.SESSION)


# --- rename and delete -------------------------------------------------------------------------
def test_rename_moves_keys_and_session_keys(
    creds: Credentials, memory_keyring: MemoryKeyring
) -> None:
    creds.add_profile("old")
    creds.set_key("old", Region.US, US_KEY)
    creds.set_key("old", Region.EU, EU_KEY, session_only=True)
    creds.rename_profile("old", "new")
    assert creds.list_profiles() == [DEFAULT_PROFILE, "new"]
    assert memory_keyring.entries == {(SERVICE, "new@us"): US_KEY}
    assert creds.key_for("new", Region.US) == (US_KEY, KeySource.KEYRING)
    assert creds.key_for("new", Region.EU) == (EU_KEY, KeySource.SESSION)
    assert creds.slot_state("new", Region.US) is SlotState.SET
    with pytest.raises(ValueError):
        creds.rename_profile("new", DEFAULT_PROFILE)
    with pytest.raises(ValueError):
        creds.rename_profile(DEFAULT_PROFILE, "other")
    with pytest.raises(ValueError):
        creds.rename_profile("missing", "other")


class FlakyKeyring(MemoryKeyring):
    """Fails the given (operation, user) calls: each once, or every time with ``always``."""

    def __init__(self, *traps: tuple[str, str], always: bool = False) -> None:
        super().__init__()
        self.traps = set(traps)
        self.always = always

    def _enter(self, operation: str, service: str, username: str) -> None:
        super()._enter(operation, service, username)
        if (operation, username) in self.traps:
            if not self.always:
                self.traps.discard((operation, username))
            raise PasswordSetError("simulated failure")


def _with_two_keys(backend: FlakyKeyring) -> Credentials:
    backend.entries = {(SERVICE, "old@us"): US_KEY, (SERVICE, "old@eu"): EU_KEY}
    creds = make(backend)
    creds.add_profile("old")
    return creds


def test_rename_failing_on_a_write_rolls_back() -> None:
    backend = FlakyKeyring(("set", "new@eu"))
    creds = _with_two_keys(backend)
    with pytest.raises(CredentialError) as caught:
        creds.rename_profile("old", "new")
    assert "Nothing was changed" in caught.value.message
    assert backend.entries == {(SERVICE, "old@us"): US_KEY, (SERVICE, "old@eu"): EU_KEY}
    assert creds.list_profiles() == [DEFAULT_PROFILE, "old"]


def test_rename_failing_on_a_delete_restores_the_old_slots() -> None:
    backend = FlakyKeyring(("delete", "old@eu"))
    creds = _with_two_keys(backend)
    with pytest.raises(CredentialError) as caught:
        creds.rename_profile("old", "new")
    assert "Nothing was changed" in caught.value.message
    assert backend.entries == {(SERVICE, "old@us"): US_KEY, (SERVICE, "old@eu"): EU_KEY}


def test_rename_whose_rollback_fails_says_where_the_keys_are() -> None:
    # The move fails deleting the old slot, and the undo fails deleting the new copy.
    backend = FlakyKeyring(("delete", "old@us"), ("delete", "new@us"), always=True)
    backend.entries = {(SERVICE, "old@us"): US_KEY}
    creds = make(backend)
    creds.add_profile("old")
    with pytest.raises(CredentialError) as caught:
        creds.rename_profile("old", "new")
    message = caught.value.message
    assert "Undoing the rename failed too" in message and "left under 'new'" in message
    assert US_KEY not in message
    assert backend.entries[(SERVICE, "old@us")] == US_KEY
    assert creds.list_profiles() == [DEFAULT_PROFILE, "old"]


def test_delete_profile_removes_its_keys(creds: Credentials, memory_keyring: MemoryKeyring) -> None:
    creds.add_profile("gone")
    creds.set_key("gone", Region.US, US_KEY)
    creds.delete_profile("gone")
    assert memory_keyring.entries == {}
    assert creds.list_profiles() == [DEFAULT_PROFILE]
    with pytest.raises(ValueError):
        creds.delete_profile(DEFAULT_PROFILE)


def test_delete_profile_keeps_it_when_the_keyring_fails(gone_keyring: DaemonGoneKeyring) -> None:
    creds = make(gone_keyring)
    creds.add_profile("p")
    creds.set_key("p", Region.US, US_KEY)
    gone_keyring.stop_daemon()
    with pytest.raises(CredentialError):
        creds.delete_profile("p")
    assert "p" in creds.list_profiles()


# --- the other-region hint ---------------------------------------------------------------------
def test_other_region_hint(creds: Credentials) -> None:
    assert creds.other_region_hint(DEFAULT_PROFILE, Region.US) is None  # nothing known yet
    creds.set_key(DEFAULT_PROFILE, Region.EU, EU_KEY)
    assert creds.other_region_hint(DEFAULT_PROFILE, Region.US) is None  # US still unknown
    assert creds.key_for(DEFAULT_PROFILE, Region.US) is None  # now known to be empty
    assert creds.other_region_hint(DEFAULT_PROFILE, Region.US) is Region.EU
    assert creds.other_region_hint(DEFAULT_PROFILE, Region.EU) is None
    text = hint_text(DEFAULT_PROFILE, Region.US, Region.EU)
    assert text == ("Profile 'default' has no US key, but it has an EU key; switch region to EU?")
    creds.set_key(DEFAULT_PROFILE, Region.US, US_KEY, session_only=True)
    assert creds.other_region_hint(DEFAULT_PROFILE, Region.US) is None


def test_key_or_hint_reads_the_other_slot(
    creds: Credentials, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.entries[(SERVICE, "default@eu")] = EU_KEY  # set by the CLI, say
    assert creds.key_or_hint(DEFAULT_PROFILE, Region.US) == (None, Region.EU)
    assert creds.key_or_hint(DEFAULT_PROFILE, Region.EU) == ((EU_KEY, KeySource.KEYRING), None)
    assert creds.key_or_hint("nobody", Region.US) == (None, None)


# --- locking -----------------------------------------------------------------------------------


class WatchingStorage(MemoryStorage):
    """Records, for every save, whether another thread could take the registry lock then."""

    def __init__(self) -> None:
        super().__init__()
        self.creds: Credentials | None = None
        self.lock_free: list[bool] = []

    def save(self, value: Any) -> None:
        assert self.creds is not None
        lock = self.creds._lock
        got: list[bool] = []

        def probe() -> None:  # what the GUI thread's slot_state would do
            acquired = lock.acquire(blocking=False)
            got.append(acquired)
            if acquired:
                lock.release()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()
        self.lock_free.extend(got)
        super().save(value)


def test_registry_writes_never_hold_the_lock_the_gui_thread_takes(
    memory_keyring: MemoryKeyring,
) -> None:
    storage = WatchingStorage()
    creds = Credentials(KeyStore(memory_keyring), storage, environ={})
    storage.creds = creds
    creds.add_profile("staging")  # add
    creds.set_key("staging", Region.EU, EU_KEY)  # learn
    creds.rename_profile("staging", "prod")  # rename
    creds.delete_profile("prod")  # delete
    assert len(storage.lock_free) >= 4 and all(storage.lock_free)
    assert [p["name"] for p in storage.value["profiles"]] == [DEFAULT_PROFILE]


def test_concurrent_writers_leave_the_latest_registry(memory_keyring: MemoryKeyring) -> None:
    storage = MemoryStorage()
    creds = Credentials(KeyStore(memory_keyring), storage, environ={})
    names = [f"p{i}" for i in range(20)]
    threads = [threading.Thread(target=creds.add_profile, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = {p["name"] for p in storage.value["profiles"]}
    assert saved == {DEFAULT_PROFILE, *names}
