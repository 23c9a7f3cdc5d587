"""File ▸ Presets: start from a partner-style event, or save the current event as your own.

Nothing is read at start-up: the built-in presets and the user's are loaded when the menu is
about to open (a few small JSON files), so the first paint does not wait for them; the
presets code (core/presets.py) and the two dialogs (presets_dialogs.py) are imported then
too, not at start-up (~0.2 MB at idle). Applying a preset replaces the event in the editor
(with fresh IDs) and leaves the destination, key and transport as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

if TYPE_CHECKING:
    from attribution_workbench.core.presets import Preset, UserPresets
    from attribution_workbench.ui.main_window import MainWindow
    from attribution_workbench.ui.presets_dialogs import ManagePresetsDialog


class PresetsMenu(QMenu):
    """Built-in presets by partner, then the user's, then save and manage."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__("&Presets", parent)
        self.setObjectName("presets_menu")
        self.setToolTipsVisible(True)
        self._window = window
        self._builtin: list[Preset] | None = None
        self._builtin_problem = ""
        self._user: UserPresets | None = None
        self.manage_dialog: ManagePresetsDialog | None = None
        self._submenus: list[QMenu] = []
        # Owned by the window: clear() deletes the actions the menu owns.
        self.save_action = QAction("&Save current event as preset…", window)
        self.save_action.triggered.connect(self.ask_save)
        self.manage_action = QAction("&Manage my presets…", window)
        self.manage_action.triggered.connect(self.show_manage)
        self.aboutToShow.connect(self.refresh)
        self.addAction(self.save_action)  # until the first refresh: nothing else is loaded

    # --- loading ---------------------------------------------------------------------------
    def user_presets(self) -> UserPresets:
        if self._user is None:
            from attribution_workbench.core.presets import UserPresets

            self._user = UserPresets()
        return self._user

    def builtin_presets(self) -> list[Preset]:
        from attribution_workbench.core import presets as P

        if self._builtin is None:
            try:
                self._builtin = P.load_builtin()
            except (P.PresetError, OSError) as exc:  # ResourceError is an OSError
                self._builtin = []
                self._builtin_problem = f"The built-in presets could not be read: {exc}"
        return self._builtin

    @Slot()
    def refresh(self) -> None:
        """Rebuild the menu from the files (cheap: a few small JSON files)."""
        from attribution_workbench.core import presets as P

        self.clear()
        for old in self._submenus:
            old.deleteLater()
        self._submenus = []
        builtin = self.builtin_presets()
        if self._builtin_problem:
            self._disabled(self._builtin_problem)
        for partner, group in P.group_by_partner(builtin).items():
            submenu = self.addMenu(partner)
            self._submenus.append(submenu)
            submenu.setToolTipsVisible(True)
            for preset in group:
                submenu.addAction(self._preset_action(preset, submenu))
        self.addSection(P.USER_PARTNER)
        loaded = self.user_presets().load()
        for preset in loaded.presets:
            self.addAction(self._preset_action(preset, self))
        if not loaded.presets:
            self._disabled("(none yet: save the current event as a preset)")
        if loaded.problems:
            self._window.show_status(" ".join(loaded.problems))
        self.addSeparator()
        self.addAction(self.save_action)
        self.addAction(self.manage_action)
        self.manage_action.setEnabled(bool(loaded.presets))

    def _disabled(self, text: str) -> None:
        action = self.addAction(text)
        action.setEnabled(False)

    def _preset_action(self, preset: Preset, parent: QMenu) -> QAction:
        # "&" in a name would become a mnemonic; "&&" shows it as written.
        action = QAction(preset.name.replace("&", "&&"), parent)
        action.setToolTip(preset.description or preset.name)
        action.setStatusTip(preset.description)
        action.triggered.connect(lambda _checked=False, p=preset: self.apply_preset(p))
        return action

    def preset_actions(self) -> dict[str, QAction]:
        """Every preset's action by preset name (after ``refresh``), for tests and scripting."""
        found: dict[str, QAction] = {}
        for action in self.actions():
            submenu = action.menu()
            children = submenu.actions() if isinstance(submenu, QMenu) else [action]
            for child in children:
                if child.isEnabled() and child not in (self.save_action, self.manage_action):
                    if not child.isSeparator() and child.menu() is None:
                        found[child.text().replace("&&", "&")] = child
        return found

    # --- actions ---------------------------------------------------------------------------
    def apply_preset(self, preset: Preset) -> bool:
        """Replace the event with the preset's (fresh IDs); False: the user kept the event."""
        from attribution_workbench.core import presets as P
        from attribution_workbench.ui.event_files import replace_event

        if not replace_event(self._window, P.apply(preset)):
            return False
        fresh = ", ".join(preset.generate)
        note = f" with fresh {fresh}" if fresh else ""
        self._window.show_status(f"Started from the preset “{preset.name}”{note}.")
        return True

    def save_current(self, name: str, description: str = "", *, overwrite: bool = False) -> Preset:
        """Save the editor's event as a user preset; PresetError says why not."""
        from attribution_workbench.core import presets as P

        if self._window.editor.wire_text() is None:
            raise P.PresetError("The raw JSON has an error; fix it before saving it as a preset.")
        preset = P.preset_from_event(name, description, self._window.editor.current_event())
        saved = self.user_presets().save(preset, overwrite=overwrite)
        self._window.show_status(f"Saved the preset “{saved.name}”.")
        return saved

    @Slot()
    def ask_save(self) -> None:
        from attribution_workbench.ui.presets_dialogs import SavePresetDialog

        dialog = SavePresetDialog(self, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot()
    def show_manage(self) -> ManagePresetsDialog:
        if self.manage_dialog is None:
            from attribution_workbench.ui.presets_dialogs import ManagePresetsDialog

            self.manage_dialog = ManagePresetsDialog(self.user_presets(), self._window)
        self.manage_dialog.reload()
        self.manage_dialog.show()
        return self.manage_dialog
