"""The credentials dialog (Ctrl+K): profiles × regions, their keys, the keyring, the verify matrix.

Every keyring call runs on the ``TaskRunner`` pool (a locked keyring may wait on a prompt or
a D-Bus timeout); while one runs, the buttons that would start another are disabled and the
status line says what is happening. Keys are shown masked only (``••••••••cdef``); the entry
field is cleared as soon as a key is saved. When no OS keyring can hold keys, a banner names
the cause and what to do, and keys can be used for this session only (held in memory,
labelled "session only" wherever they appear).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from attribution_workbench.core.credentials import ENV_VAR, CredentialError
from attribution_workbench.core.profiles import (
    BackendInfo,
    Credentials,
    KeySource,
    SlotState,
    SlotStatus,
)
from attribution_workbench.core.regions import Region
from attribution_workbench.core.wire import mask_key
from attribution_workbench.ui import colours
from attribution_workbench.ui.key_entry import KeyEntry
from attribution_workbench.ui.layout import (
    GROUP_SPACING,
    MARGIN,
    STRETCH,
    annotate,
    hbox,
    push_button,
    vbox,
)
from attribution_workbench.ui.tasks import Task, TaskRunner
from attribution_workbench.ui.verify_panel import ClientFactory, VerifyPanel

REGION_COLUMNS = {Region.US: 1, Region.EU: 2}
SESSION_NOTE = (
    "You can still use a key for this session only: it is held in memory, never written "
    "anywhere, and forgotten when Attribution Workbench quits."
)


class CredentialsDialog(QDialog):
    """Manage profiles and keys; ``changed`` after anything was stored, renamed or deleted."""

    changed = Signal()
    renamed = Signal(str, str)  # (old, new) after a rename is stored, just before ``changed``
    idle = Signal()  # a keyring job (or refresh) finished; for tests and automation

    def __init__(
        self,
        credentials: Credentials,
        client_factory: ClientFactory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("credentials_dialog")
        self.setWindowTitle("API keys and profiles")
        self._credentials = credentials
        self._runner = TaskRunner(self)
        self._task: Task | None = None
        self._renamed_to: str | None = None  # select this profile on the next fill
        self._statuses: dict[tuple[str, Region], SlotStatus] = {}
        self._backend: BackendInfo | None = None
        self._region = Region.US
        self.verify_panel = VerifyPanel(self._runner, client_factory)
        self.verify_panel.finished.connect(self._after_verify)
        self._build()
        self.refresh()

    # --- construction ------------------------------------------------------------------
    def _build(self) -> None:
        self.keyring_status = QLabel("Checking the keyring…")
        self.keyring_status.setObjectName("keyring_status")
        self.keyring_status.setWordWrap(True)
        self.banner_text = QLabel()
        self.banner_text.setObjectName("keyring_banner_text")
        self.banner_text.setWordWrap(True)
        self.banner_text.setTextFormat(Qt.TextFormat.PlainText)
        self.banner_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.use_session = QPushButton("Use keys for this session only")
        self.use_session.setObjectName("use_session")
        self.use_session.clicked.connect(self._on_use_session)
        self.banner = QFrame()
        self.banner.setObjectName("keyring_banner")
        colours.panel(self.banner, colours.WARNING, colours.WARNING_BORDER)
        colours.set_text_colour(self.banner_text, colours.WARNING.text)
        self.banner.setLayout(vbox(self.banner_text, hbox(STRETCH, self.use_session), margin=6))
        self.banner.hide()
        self.env_note = QLabel(
            f"${ENV_VAR} is set: it overrides every profile's keys for sends and checks."
        )
        self.env_note.setObjectName("env_note")
        self.env_note.setWordWrap(True)
        self.env_note.setVisible(bool(self._credentials.env_key()))

        self.table = QTableWidget(0, 1 + len(REGION_COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
        self.table.setObjectName("profiles_table")
        self.table.setHorizontalHeaderLabels(["Profile", "US key", "EU key"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        annotate(
            self.table,
            "Profiles",
            "One row per profile; the US and EU columns show whether a key is set (masked), "
            "not set, or held for this session only. Select a cell to work on that key.",
        )
        self.table.currentCellChanged.connect(self._on_current_cell)

        self.profile_name = QLineEdit()
        self.profile_name.setObjectName("profile_name")
        self.profile_name.setPlaceholderText("Profile name, e.g. staging or prod-eu")
        self.profile_name.setAccessibleName("New profile name")
        self.profile_name.setAccessibleDescription(
            "The name of a key profile to add, e.g. staging or prod-eu"
        )
        self.profile_name.textChanged.connect(self._update_controls)
        self.add_profile = self._button("Add profile", "add_profile", self.on_add_profile)
        self.rename_profile = self._button("Rename to", "rename_profile", self.on_rename_profile)
        self.delete_profile = self._button("Delete profile…", "delete_profile", self.on_delete)

        self.key_entry = KeyEntry()
        self.key_entry.save_requested.connect(self.on_save_key)
        self.key_entry.delete_requested.connect(self.on_delete_key)
        self.key_entry.edited.connect(self._update_controls)
        # Short names for the parts tests and automation reach by object name.
        self.slot_label = self.key_entry.slot_label
        self.key_input = self.key_entry.key_input
        self.show_key = self.key_entry.show_key
        self.key_warning = self.key_entry.warning
        self.session_only = self.key_entry.session_only
        self.save_key = self.key_entry.save_key
        self.delete_key = self.key_entry.delete_key

        self.status = QLabel()
        self.status.setObjectName("credentials_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.verify_profile = self._button(
            "Check this profile's keys", "verify_profile", self.on_verify_profile
        )
        self.verify_pasted = self._button(
            "Check the pasted key in both regions", "verify_pasted", self.on_verify_pasted
        )
        verify_box = QGroupBox("Verify")
        verify_box.setLayout(
            vbox(hbox(self.verify_profile, self.verify_pasted, STRETCH), self.verify_panel)
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        self.setLayout(
            vbox(
                self.keyring_status,
                self.banner,
                self.env_note,
                self.table,
                hbox(self.profile_name, self.add_profile, self.rename_profile, self.delete_profile),
                self.key_entry,
                self.status,
                verify_box,
                buttons,
                spacing=GROUP_SPACING,
                margin=MARGIN,
            )
        )
        self.resize(760, 820)

    @Slot()
    def _on_use_session(self) -> None:
        self.session_only.setChecked(True)
        self.key_input.setFocus()

    def _button(self, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = push_button(text, slot, name=name)
        button.setAutoDefault(False)  # Enter in the key field saves; it must not close
        return button

    # --- selection ---------------------------------------------------------------------
    def current_profile(self) -> str | None:
        item = self.table.item(self.table.currentRow(), 0)
        return item.text() if item is not None else None

    def current_region(self) -> Region:
        return self._region

    def select_slot(self, profile: str, region: Region | None = None) -> None:
        """Make (profile, region) the slot the key field works on."""
        region = region or self._region
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.text() == profile:
                self.table.setCurrentCell(row, REGION_COLUMNS[region])
                # The same cell again emits no currentCellChanged: update here too.
                self._region = region
                self._update_controls()
                return

    @Slot(int, int, int, int)
    def _on_current_cell(self, row: int, column: int, _row: int, _column: int) -> None:
        for region, region_column in REGION_COLUMNS.items():
            if column == region_column:
                self._region = region
        self._update_controls()

    # --- state shown -------------------------------------------------------------------
    def _update_controls(self) -> None:
        busy = self._task is not None
        profile = self.current_profile()
        state = (
            self._credentials.slot_state(profile, self._region) if profile else SlotState.UNKNOWN
        )
        has_key = state in (SlotState.SET, SlotState.SESSION_ONLY)
        if profile:
            self.slot_label.setText(f"Profile '{profile}', {self._region.label}: {state.value}")
        else:
            self.slot_label.setText("Select a profile and a region in the table.")
        typed = bool(self.key_entry.text())
        self.save_key.setText("Replace key" if has_key else "Save key")
        self.save_key.setEnabled(not busy and bool(profile) and typed)
        self.delete_key.setEnabled(not busy and bool(profile) and state is not SlotState.NOT_SET)
        name = self.profile_name.text().strip()
        self.add_profile.setEnabled(not busy)
        self.rename_profile.setEnabled(not busy and bool(profile) and bool(name))
        self.delete_profile.setEnabled(not busy and bool(profile))
        self.verify_profile.setEnabled(bool(profile) and not self.verify_panel.is_running())
        self.verify_pasted.setEnabled(typed and not self.verify_panel.is_running())

    def _fill_table(self) -> None:
        # The selected row stays selected; after a rename, under its new name.
        keep_profile, self._renamed_to = self._renamed_to or self.current_profile(), None
        profiles = self._credentials.list_profiles()
        self.table.blockSignals(True)
        self.table.setRowCount(len(profiles))
        for row, profile in enumerate(profiles):
            self.table.setItem(row, 0, QTableWidgetItem(profile))
            for region, column in REGION_COLUMNS.items():
                self.table.setItem(row, column, self._slot_item(profile, region))
        self.table.blockSignals(False)
        if profiles:
            target = keep_profile if keep_profile in profiles else profiles[0]
            self.select_slot(target, self._region)
        self._update_controls()

    def _slot_item(self, profile: str, region: Region) -> QTableWidgetItem:
        status = self._statuses.get((profile, region))
        state = self._credentials.slot_state(profile, region)
        if status is not None and status.state is state:
            text = status.text
        elif status is not None and status.problem:
            # The keyring failed this time; say what it held when it last answered.
            text = status.text + (" — last seen: set" if state is SlotState.SET else "")
        elif self._task is not None:
            text = "checking…"
        else:  # known from the registry only (e.g. a profile added since the last refresh)
            text = SlotStatus(profile, region, state).text
        item = QTableWidgetItem(text)
        if state is SlotState.SESSION_ONLY:
            item.setToolTip("Held in memory for this session only; forgotten when the app quits.")
        elif status is not None and status.problem:
            item.setToolTip(status.problem)
        return item

    def _show_backend(self, info: BackendInfo, statuses: list[SlotStatus]) -> None:
        """The backend line, and the banner when keys cannot be kept (no backend, locked...)."""
        self._backend = info
        # A backend can be the right one and still fail every call (locked, daemon gone).
        problem = info.problem.message if info.problem else ""
        problem = problem or next((s.problem for s in statuses if s.problem), "")
        if info.problem is not None:
            self.keyring_status.setText(f"Keyring: {info.name}. Keys cannot be saved in it.")
        else:
            kind = "an OS keyring" if info.is_real else "not a known OS keyring, but in use"
            self.keyring_status.setText(f"Keys are kept in: {info.name} ({kind}).")
        self.banner.setVisible(bool(problem))
        if problem:
            self.banner_text.setText(f"{problem}\n\n{SESSION_NOTE}")
            if info.problem is not None:
                # Saving to the keyring cannot work at all; offer the alternative up front.
                self.session_only.setChecked(True)

    # --- background jobs ---------------------------------------------------------------
    def is_busy(self) -> bool:
        return self._task is not None

    def refresh(self) -> None:
        """Ask the keyring for the backend and every slot (in a worker), then redraw."""
        self._run(self._read_all, None, "credentials refresh")

    def _read_all(self) -> tuple[BackendInfo, list[SlotStatus]]:
        info = self._credentials.backend_info()
        return info, list(self._credentials.statuses())

    def _run(
        self,
        fn: Callable[[], Any],
        done: str | None,
        name: str,
        on_success: Callable[[], object] | None = None,
    ) -> None:
        if self._task is not None:
            self.status.setText("Still waiting for the keyring; try again in a moment.")
            return
        is_refresh = done is None

        def finished(result: Any, error: BaseException | None) -> None:
            self._task = None
            if is_refresh and error is None:
                info, statuses = result
                self._statuses = {(s.profile, s.region): s for s in statuses}
                self._show_backend(info, statuses)
            elif error is not None:
                self.status.setText(_error_text(error))
                if not isinstance(error, (CredentialError, ValueError)):
                    # A bug, not a keyring answer: the error dialog gets the details, and the
                    # window rereads the profiles (a rename may have got half way).
                    sys.excepthook(type(error), error, error.__traceback__)
                    if not is_refresh:
                        self.changed.emit()
            else:
                self.status.setText(done or "")
                if on_success is not None:
                    on_success()
                self.changed.emit()
            self._fill_table()
            if not is_refresh:
                self.refresh()  # show what the keyring holds now
            else:
                self.idle.emit()

        self._task = self._runner.run(fn, finished, name)
        if not is_refresh:
            self.status.setText("Waiting for the keyring…")
        self._update_controls()

    # --- actions -----------------------------------------------------------------------
    def confirm(self, text: str) -> bool:
        """Ask before destroying something (tests replace this)."""
        answer = QMessageBox.question(self, self.windowTitle(), text)
        return answer == QMessageBox.StandardButton.Yes

    @Slot()
    def on_add_profile(self) -> None:
        name = self.profile_name.text().strip()
        try:
            self._credentials.add_profile(name)  # no keyring call: only the registry
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        self.profile_name.clear()
        self.status.setText(f"Added profile '{name}'. Select a cell to set its keys.")
        self._fill_table()
        self.select_slot(name)
        self.changed.emit()

    @Slot()
    def on_rename_profile(self) -> None:
        old, new = self.current_profile(), self.profile_name.text().strip()
        if not old or not new:
            return
        credentials = self._credentials

        def rename() -> None:
            credentials.rename_profile(old, new)

        def renamed() -> None:
            self._renamed_to = new
            self.renamed.emit(old, new)

        self.profile_name.clear()
        self._run(
            rename,
            f"Renamed profile '{old}' to '{new}'.",
            "rename profile",
            on_success=renamed,
        )

    @Slot()
    def on_delete(self) -> None:
        profile = self.current_profile()
        if not profile or not self.confirm(
            f"Delete profile '{profile}' and its keys from the keyring?"
        ):
            return
        credentials = self._credentials
        self._run(
            lambda: credentials.delete_profile(profile),
            f"Deleted profile '{profile}'.",
            "delete profile",
        )

    @Slot()
    def on_save_key(self) -> None:
        profile, region = self.current_profile(), self._region
        if not profile or not self.key_entry.text() or self._task is not None:
            return
        session_only = self.session_only.isChecked()
        credentials = self._credentials
        where = "for this session only (not saved)" if session_only else "in the OS keyring"
        # The field is cleared at once: the key lives on only in the job and the keyring.
        key = self.key_entry.take_key()
        done = f"Stored the {region.value.upper()} key of '{profile}' {where}: {mask_key(key)}."
        self._run(
            lambda: credentials.set_key(profile, region, key, session_only),
            done,
            "save key",
        )

    @Slot()
    def on_delete_key(self) -> None:
        profile, region = self.current_profile(), self._region
        if not profile:
            return
        if not self.confirm(f"Delete the {region.value.upper()} key of profile '{profile}'?"):
            return
        credentials = self._credentials

        def delete() -> None:
            if not credentials.delete_key(profile, region):
                raise ValueError(f"There was no {region.value.upper()} key for '{profile}'.")

        self._run(delete, f"Deleted the {region.value.upper()} key of '{profile}'.", "delete key")

    @Slot()
    def on_verify_profile(self) -> None:
        profile = self.current_profile()
        if not profile:
            return
        credentials = self._credentials

        def resolve() -> tuple[Mapping[Region, str], bool]:
            keys: dict[Region, str] = {}
            from_env = False
            for region in Region:
                found = credentials.key_for(profile, region)
                if found is not None:
                    keys[region] = found[0]
                    from_env = found[1] is KeySource.ENVIRONMENT
            return keys, from_env

        self.verify_panel.verify_profile(resolve, profile)
        self._update_controls()

    @Slot()
    def on_verify_pasted(self) -> None:
        if self.verify_panel.verify_key(self.key_entry.text()):
            self._update_controls()

    @Slot(object)
    def _after_verify(self, _report: object) -> None:
        self._update_controls()

    # --- closing -----------------------------------------------------------------------
    def done(self, result: int) -> None:
        # Never leave a key behind in a hidden widget.
        self.key_entry.clear()
        self.verify_panel.cancel()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.key_entry.clear()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Wait for keyring jobs and checks (the owner's shutdown)."""
        self.verify_panel.shutdown()
        self._runner.wait(3000)


def _error_text(error: BaseException) -> str:
    if isinstance(error, CredentialError):
        return error.message
    if isinstance(error, ValueError):
        return str(error)
    # Rename and delete change the keyring step by step: say what is known, not "nothing".
    return (
        f"Unexpected error ({type(error).__name__}: {error}). The list below shows what the "
        "keyring holds now."
    )
