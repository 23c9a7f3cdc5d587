"""The main window's link to the key profiles: the profile list and the credentials dialog.

The destination bar shows the profile selector and the Verify button; this object fills the
selector from ``core.profiles.Credentials`` (once the backend has made it, after the first
paint), tells the backend which profile a send uses, and owns the one credentials dialog
(Ctrl+K), created on first use and kept: shown non-modally, pointed at the window's target,
profile and region each time. Nothing here imports the keyring code before it is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from attribution_workbench.core.regions import Region, Target
from attribution_workbench.ui.backend import Backend
from attribution_workbench.ui.destination import DestinationBar

if TYPE_CHECKING:
    from attribution_workbench.ui.credentials_dialog import CredentialsDialog


class KeyProfiles(QObject):
    """Keeps the profile selector, the backend's profile and the credentials dialog in step."""

    def __init__(
        self,
        backend: Backend,
        destination: DestinationBar,
        parent: QWidget,
        host_allows: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = parent
        self._host_allows = host_allows
        self._backend = backend
        self._destination = destination
        self.dialog: CredentialsDialog | None = None
        # (profile, region, verify) to apply once the dialog's table is filled.
        self._pending: tuple[str, Region, bool] | None = None
        destination.profile_changed.connect(backend.set_profile)

    def restore(self, profile: str) -> None:
        """The remembered profile, shown and used before the list of profiles is known."""
        self._destination.set_profiles([profile], profile)
        self._backend.set_profile(profile)

    @Slot()
    def refresh(self, prefer: str | None = None) -> None:
        """Fill the selector from the store (cheap: no keyring call); keeps the selection.

        ``prefer`` (a renamed profile's new name) wins over the kept one. A profile that no
        longer exists (deleted) falls back to the first one.
        """
        credentials = self._backend.credentials()
        if credentials is None:
            return
        names = credentials.list_profiles()
        current = prefer if prefer in names else self._destination.current_profile()
        self._destination.set_profiles(names, current)
        self._backend.set_profile(self._destination.current_profile())

    # --- the dialog ------------------------------------------------------------------
    def show_dialog(self, verify: bool = False) -> CredentialsDialog | None:
        """Show the credentials dialog on the window's profile and region; maybe verify."""
        credentials = self._backend.credentials()
        if credentials is None:
            return None  # before the first paint: nothing to show yet
        if self.dialog is None:
            from attribution_workbench.ui.credentials_dialog import CredentialsDialog
            from attribution_workbench.ui.network_dialog import network_client
            from attribution_workbench.ui.verify_panel import CLIENT_OPTIONS

            settings_path = self._backend.settings.path
            dialog = CredentialsDialog(
                credentials,
                # Verify sends with the same network settings as Send (proxy, trust store).
                lambda: network_client(settings_path, **CLIENT_OPTIONS),
                parent=self._window,
            )
            # Checks started inside the dialog ask about unknown hosts like Send does.
            dialog.verify_panel.host_allows = self._host_allows
            dialog.renamed.connect(self._on_renamed)
            dialog.changed.connect(self._on_changed)
            dialog.idle.connect(self._apply_pending)
            self.dialog = dialog
        dialog = self.dialog
        if not dialog.isVisible() and not dialog.is_busy():
            # Keys may have changed since it was last shown (Import, the CLI, another window).
            dialog.refresh()
        dialog.verify_panel.set_destination(*self._verify_destination())
        self._pending = (
            self._destination.current_profile(),
            self._destination.current_region(),
            verify,
        )
        if dialog.table.rowCount() > 0:  # filled already; else the first refresh applies it
            self._apply_pending()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def reload_dialog(self) -> None:
        """Read the keyring again into the credentials dialog while it is shown (a worker).

        A hidden dialog re-reads when it is shown again (open_dialog): reading now too
        would ask the keyring twice, each read a D-Bus call that may prompt to unlock."""
        if self.dialog is not None and self.dialog.isVisible() and not self.dialog.is_busy():
            self.dialog.refresh()

    def _verify_destination(self) -> tuple[Target, str | None, Region | None]:
        target = self._destination.current_target()
        if target is Target.SANDBOX:
            sandbox = self._backend.sandbox
            return target, sandbox.base_url if sandbox is not None else None, None
        if target is Target.CUSTOM:
            url = self._destination.custom_url.text().strip() or None
            return target, url, self._destination.current_region()
        return target, None, None

    @Slot()
    def _apply_pending(self) -> None:
        dialog, pending = self.dialog, self._pending
        if dialog is None or pending is None or dialog.table.rowCount() == 0:
            return
        self._pending = None
        profile, region, verify = pending
        dialog.select_slot(profile, region)
        if verify and not dialog.verify_panel.is_running():
            dialog.on_verify_profile()

    @Slot()
    def _on_changed(self) -> None:
        self.refresh()
        self._backend.reload_keys()

    @Slot(str, str)
    def _on_renamed(self, old: str, new: str) -> None:
        """Keep a renamed profile selected under its new name (``changed`` follows)."""
        if self._destination.current_profile() == old:
            self.refresh(prefer=new)

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.shutdown()
