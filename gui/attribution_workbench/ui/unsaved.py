"""Unsaved changes to the event: tracked against a snapshot, asked about before replacing.

The snapshot is the editor's state (form fields and, while it has authority, the raw text;
not the current tab) as of the last New, Open or Save. Comparing two small dicts on each
edit is cheap. Tests replace ``ask_discard`` (the module-level function) with
``monkeypatch.setattr(unsaved, "ask_discard", ...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from attribution_workbench.ui.event_editor import EventEditor

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

QUESTION = "Discard the changes to the current event?"


def ask_discard(parent: QWidget | None) -> bool:
    """The confirmation dialog; True when the user chose to discard the changes."""
    # QMessageBox is imported when first asked: each PySide class costs memory once touched.
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Unsaved changes")
    box.setText(QUESTION)
    box.setInformativeText("The event was changed since it was last opened, created or saved.")
    discard = box.addButton(QMessageBox.StandardButton.Discard)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is discard


def _content(editor: EventEditor) -> dict[str, Any]:
    state = editor.save_state()
    state.pop("tab", None)  # switching tabs is not a change to the event
    return state


class UnsavedChanges(QObject):
    """Whether the editor differs from its snapshot; ``modified_changed(bool)`` on a flip."""

    modified_changed = Signal(bool)

    def __init__(self, editor: EventEditor, parent: QWidget) -> None:
        super().__init__(parent)
        self._editor = editor
        self._parent = parent
        self._snapshot = _content(editor)
        self._modified = False
        editor.event_changed.connect(self.update)

    def is_modified(self) -> bool:
        return self._modified

    def mark_clean(self) -> None:
        """The editor's current content is the saved (or freshly loaded) one."""
        self._snapshot = _content(self._editor)
        self._set(False)

    @Slot()
    def update(self) -> None:
        self._set(_content(self._editor) != self._snapshot)

    def may_replace(self) -> bool:
        """True when the event may be replaced: nothing changed, or the user discards it."""
        self.update()
        return not self._modified or ask_discard(self._parent)

    def _set(self, modified: bool) -> None:
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit(modified)
