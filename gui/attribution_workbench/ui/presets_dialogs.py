"""The Presets menu's two dialogs: save the current event as a preset, manage my presets.

Imported when one of them is first opened (presets_menu.py says why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attribution_workbench.core.presets import PresetError, UserPresets

if TYPE_CHECKING:
    from attribution_workbench.ui.presets_menu import PresetsMenu


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
