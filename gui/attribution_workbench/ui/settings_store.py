"""The profile registry (``core.profiles.RegistryStorage``) kept in the app's QSettings file.

The registry holds profile names and which regions have a key, never a key: the value is
written through ``ui.settings.Settings`` as ``PROFILES``, declared there with every other
setting.
Each load and save opens its own ``Settings`` on the same file, because the credentials
code runs in worker threads and a QSettings object is reentrant, not thread-safe; QSettings
objects on one file in one process share their cache, so they all see the same values.
"""

from __future__ import annotations

from typing import Any

from attribution_workbench.ui.settings import PROFILES, Settings, default_path

__all__ = ["PROFILES", "SettingsRegistryStorage"]


class SettingsRegistryStorage:
    """Load/save the profile registry as one JSON value in the settings file at ``path``."""

    def __init__(self, path: str | None = None) -> None:
        # Resolved once: the XDG variables may change later (tests), the file must not.
        self.path = path or default_path()

    def load(self) -> Any:
        value = Settings(self.path).get(PROFILES)
        return value or None

    def save(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise TypeError(f"the profile registry is a JSON object, not {type(value).__name__}")
        settings = Settings(self.path)
        settings.set(PROFILES, value)
        settings.sync()
