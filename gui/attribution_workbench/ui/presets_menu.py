"""File ▸ Presets: start from a partner-style event, or save the current event as your own.

Nothing is read at start-up: the built-in presets and the user's are loaded when the menu is
about to open (a few small JSON files), so the first paint does not wait for them. Applying
a preset replaces the event in the editor (with fresh IDs) and leaves the destination, key
and transport as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attribution_workbench.core import presets as P
from attribution_workbench.core.presets import Preset, PresetError, UserPresets

if TYPE_CHECKING:
    from attribution_workbench.ui.main_window import MainWindow


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
            self._user = UserPresets()
        return self._user

    def builtin_presets(self) -> list[Preset]:
        if self._builtin is None:
            try:
                self._builtin = P.load_builtin()
            except (PresetError, OSError) as exc:  # ResourceError is an OSError
                self._builtin = []
                self._builtin_problem = f"The built-in presets could not be read: {exc}"
        return self._builtin

    @Slot()
    def refresh(self) -> None:
        """Rebuild the menu from the files (cheap: a few small JSON files)."""
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
        from attribution_workbench.ui.event_files import replace_event

        if not replace_event(self._window, P.apply(preset)):
            return False
        fresh = ", ".join(preset.generate)
        note = f" with fresh {fresh}" if fresh else ""
        self._window.show_status(f"Started from the preset “{preset.name}”{note}.")
        return True

    def save_current(self, name: str, description: str = "", *, overwrite: bool = False) -> Preset:
        """Save the editor's event as a user preset; PresetError says why not."""
        if self._window.editor.wire_text() is None:
            raise PresetError("The raw JSON has an error; fix it before saving it as a preset.")
        preset = P.preset_from_event(name, description, self._window.editor.current_event())
        saved = self.user_presets().save(preset, overwrite=overwrite)
        self._window.show_status(f"Saved the preset “{saved.name}”.")
        return saved

    @Slot()
    def ask_save(self) -> None:
        dialog = SavePresetDialog(self, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot()
    def show_manage(self) -> ManagePresetsDialog:
        if self.manage_dialog is None:
            self.manage_dialog = ManagePresetsDialog(self.user_presets(), self._window)
        self.manage_dialog.reload()
        self.manage_dialog.show()
        return self.manage_dialog


class SavePresetDialog(QDialog):
    """Name and description for a new user preset; errors are shown inside the dialog."""

    def __init__(self, menu: PresetsMenu, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("save_preset_dialog")
        self.setWindowTitle("Save current event as preset")
        self._menu = menu
        self.name = QLineEdit()
        self.name.setObjectName("preset_name")
        self.description = QLineEdit()
        self.description.setObjectName("preset_description")
        self.problem = QLabel()
        self.problem.setObjectName("preset_problem")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Description:", self.description)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._overwrite_name = ""

    def accept(self) -> None:
        name = self.name.text()
        overwrite = self._overwrite_name == name.strip() != ""
        try:
            if not overwrite and self._menu.user_presets().exists(name):
                # The first Save on a taken name asks; the second replaces it.
                self._overwrite_name = name.strip()
                self.problem.setText(
                    f"A preset named {name.strip()!r} already exists. "
                    "Press Save again to replace it."
                )
                return
            self._menu.save_current(name, self.description.text(), overwrite=overwrite)
        except PresetError as exc:
            self.problem.setText(str(exc))
            return
        super().accept()


class ManagePresetsDialog(QDialog):
    """Rename or delete the user's presets (built-in presets are read-only)."""

    def __init__(self, store: UserPresets, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manage_presets_dialog")
        self.setWindowTitle("My presets")
        self._store = store
        self.list = QListWidget()
        self.list.setObjectName("user_presets")
        self.new_name = QLineEdit()
        self.new_name.setObjectName("preset_new_name")
        self.new_name.setPlaceholderText("New name")
        self.rename_button = QPushButton("&Rename")
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button = QPushButton("De&lete")
        self._pending_delete: str | None = None
        self.delete_button.clicked.connect(self.delete_selected)
        self.problem = QLabel()
        self.problem.setObjectName("manage_problem")
        self.problem.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.new_name, 1)
        row.addWidget(self.rename_button)
        row.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(close)
        self.list.currentItemChanged.connect(self._on_selection)

    def reload(self) -> None:
        loaded = self._store.load()
        self.list.clear()
        for preset in loaded.presets:
            item = QListWidgetItem(preset.name)
            item.setToolTip(preset.description)
            self.list.addItem(item)
        self.problem.setText(" ".join(loaded.problems))
        if self.list.count():
            self.list.setCurrentRow(0)
        self._on_selection()

    def names(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    def select(self, name: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).text() == name:
                self.list.setCurrentRow(row)

    def _selected(self) -> str | None:
        item = self.list.currentItem()
        return item.text() if item is not None else None

    def _confirm_delete(self, name: str | None) -> None:
        """``name``: the preset the next Delete press removes; None: nothing pending."""
        self._pending_delete = name
        self.delete_button.setText("De&lete" if name is None else "&Confirm delete")

    @Slot()
    def _on_selection(self) -> None:
        name = self._selected()
        self._confirm_delete(None)  # a pending confirmation was for another
        self.rename_button.setEnabled(name is not None)
        self.delete_button.setEnabled(name is not None)
        if name is not None:
            self.new_name.setText(name)

    @Slot()
    def rename_selected(self) -> None:
        old = self._selected()
        if old is None:
            return
        try:
            renamed = self._store.rename(old, self.new_name.text())
        except PresetError as exc:
            self.problem.setText(str(exc))
            return
        self.reload()
        self.select(renamed.name)
        self.problem.setText(f"Renamed “{old}” to “{renamed.name}”.")

    @Slot()
    def delete_selected(self) -> None:
        name = self._selected()
        if name is None:
            return
        # Two presses: the first asks, the second deletes (no modal box in the way).
        if self._pending_delete != name:
            self._confirm_delete(name)
            self.problem.setText(f"Press Confirm delete to delete “{name}”.")
            return
        self._confirm_delete(None)
        try:
            self._store.delete(name)
        except PresetError as exc:
            self.problem.setText(str(exc))
            return
        self.reload()
        self.problem.setText(f"Deleted “{name}”.")
