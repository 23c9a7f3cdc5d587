"""Profiles and the credentials dialog over the REAL Secret Service (gnome-keyring on D-Bus).

Skips outside such a session, fails instead when AW_REQUIRE_REAL_KEYRING=1 (the
``secret_service`` fixture decides). Run it with a throwaway keyring:

    bash .ci/with-keyring.sh .venv/bin/python -m pytest -m real_keyring

Profiles are named ``ci-test-<random>`` and their slots are deleted afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from attribution_workbench.core.client import Client
from attribution_workbench.core.credentials import SERVICE, KeyStore
from attribution_workbench.core.profiles import Credentials, KeySource, SlotState
from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.verify import Verdict, check_matrix, region_verdicts
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from attribution_workbench.ui.credentials_dialog import CredentialsDialog
from attribution_workbench.ui.settings_store import SettingsRegistryStorage

pytestmark = pytest.mark.real_keyring


@pytest.fixture
def names(secret_service: KeyringBackend) -> Iterator[list[str]]:
    """Fresh profile names; every slot of every name is removed from the keyring afterwards."""
    token = secrets.token_hex(4)
    made = [f"ci-test-{token}-a", f"ci-test-{token}-b"]
    yield made
    for name in made:
        for region in ("us", "eu"):
            try:
                secret_service.delete_password(SERVICE, f"{name}@{region}")
            except PasswordDeleteError:
                pass  # already gone: the normal case when the test passed


@pytest.fixture
def credentials(secret_service: KeyringBackend, isolated_home: Path) -> Credentials:
    path = str(isolated_home / ".config" / "attribution-workbench" / "workbench.ini")
    # The default backend, as the app gets it: it must be the real Secret Service here.
    store = KeyStore()
    assert store.is_real_keyring, store.backend_name
    return Credentials(store, SettingsRegistryStorage(path), environ={})


def test_set_read_verify_rename_delete(
    credentials: Credentials, secret_service: KeyringBackend, names: list[str]
) -> None:
    first, second = names
    info = credentials.backend_info()
    assert info.available and info.is_real

    credentials.add_profile(first)
    credentials.set_key(first, Region.US, f"  {DEMO_KEYS['us']}\n")
    credentials.set_key(first, Region.EU, DEMO_KEYS["eu"])
    assert secret_service.get_password(SERVICE, f"{first}@us") == DEMO_KEYS["us"]
    assert credentials.key_for(first, Region.US) == (DEMO_KEYS["us"], KeySource.KEYRING)
    assert credentials.slot_status(first, Region.EU).text == "set ••••••••b4c6"

    keys = {region: credentials.key_for(first, region)[0] for region in Region}  # type: ignore[index]
    with SandboxServer() as server, Client(connect_timeout=2.0) as client:
        matrix = check_matrix(client, keys, list(Region), Target.SANDBOX, server.base_url)
    assert region_verdicts(matrix) == {
        Region.US: Verdict.ACCEPTED,
        Region.EU: Verdict.ACCEPTED,
    }

    credentials.rename_profile(first, second)
    assert secret_service.get_password(SERVICE, f"{first}@us") is None
    assert secret_service.get_password(SERVICE, f"{second}@eu") == DEMO_KEYS["eu"]

    assert credentials.delete_key(second, Region.US) is True
    assert credentials.slot_state(second, Region.US) is SlotState.NOT_SET
    credentials.delete_profile(second)
    assert secret_service.get_password(SERVICE, f"{second}@eu") is None


def test_dialog_over_the_real_keyring(
    qtbot: QtBot, credentials: Credentials, secret_service: KeyringBackend, names: list[str]
) -> None:
    profile = names[0]
    credentials.add_profile(profile)
    dialog = CredentialsDialog(credentials)
    qtbot.addWidget(dialog)
    qtbot.waitSignal(dialog.idle, timeout=20_000).wait()
    assert "SecretService" in dialog.keyring_status.text()
    assert "(an OS keyring)" in dialog.keyring_status.text()
    assert not dialog.banner.isVisibleTo(dialog)

    dialog.select_slot(profile, Region.EU)
    qtbot.keyClicks(dialog.key_input, DEMO_KEYS["eu"])
    with qtbot.waitSignal(dialog.idle, timeout=20_000):
        qtbot.mouseClick(dialog.save_key, Qt.MouseButton.LeftButton)
    assert secret_service.get_password(SERVICE, f"{profile}@eu") == DEMO_KEYS["eu"]

    with SandboxServer() as server:
        dialog.verify_panel.set_destination(Target.SANDBOX, server.base_url)
        with qtbot.waitSignal(dialog.verify_panel.finished, timeout=20_000):
            qtbot.mouseClick(dialog.verify_profile, Qt.MouseButton.LeftButton)
    assert dialog.verify_panel.summary.text() == "No US key. EU key accepted."

    dialog.confirm = lambda text: True  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.idle, timeout=20_000):
        qtbot.mouseClick(dialog.delete_key, Qt.MouseButton.LeftButton)
    assert secret_service.get_password(SERVICE, f"{profile}@eu") is None
    dialog.shutdown()
