"""Keys of the event that the form has no field for ("Other keys").

They come from raw JSON text (``user_id``, a typo such as ``evnt_type``, ...). The form must
not lose them: they are listed read-only here, kept, and sent; the Raw JSON tab edits them.
The list carries the findings about each key (an icon per item, the messages in the note).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QWidget

from attribution_workbench.core.event import canonical_json
from attribution_workbench.core.rules import Finding
from attribution_workbench.ui.findings import ICON_PX, FieldNote, level_icon, worst
from attribution_workbench.ui.keys import bind_keys
from attribution_workbench.ui.layout import (
    GROUP_SPACING,
    TIGHT_SPACING,
    annotate,
    hbox,
    tool_button,
    vbox,
)

VALUE_LIMIT = 120
VISIBLE_ROWS = 5


class OtherKeys(QWidget):
    """The ``other_keys`` list, a Remove button and a note; hidden while there are none."""

    removed = Signal(str)  # the user removed this key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keys: list[str] = []
        self._shown: list[tuple[str, Any]] = []  # what set_keys last showed
        self.list = QListWidget()
        self.list.setObjectName("other_keys")
        self.list.setIconSize(QSize(ICON_PX, ICON_PX))
        self.list.setMaximumHeight(self.fontMetrics().height() * VISIBLE_ROWS)
        annotate(
            self.list,
            "Other keys",
            "Keys in the event that the form has no field for. They are kept and sent; edit "
            "them in the Raw JSON tab. Delete removes the selected key.",
        )
        self.remove_button = tool_button(
            "Remove key",
            self.remove_current,
            name="remove_other_key",
            accessible=(
                "Remove other key",
                "Remove the selected key from the event (Delete in the list)",
            ),
        )
        # "Del", not StandardKey.Delete: on Linux that holds Ctrl+D too (View ▸ Demo).
        bind_keys(self.list, ("Del", self.remove_current))
        self.note = FieldNote("other_keys")
        label = QLabel("Other keys (kept and sent; edit them as raw JSON):")
        label.setBuddy(self.list)
        self.setLayout(
            vbox(
                GROUP_SPACING,
                label,
                hbox(self.list, self.remove_button),
                self.note,
                spacing=TIGHT_SPACING,
            )
        )
        self.hide()

    def set_keys(self, extra: dict[str, Any]) -> None:
        # As JSON, not with ==: 1 == True in Python, but not on the wire.
        items = [(key, canonical_json(value)) for key, value in extra.items()]
        if items == self._shown:  # the form reloads on every raw-JSON keystroke
            return
        self._shown = items
        row = self.list.currentRow()
        self._keys = list(extra)
        self.list.clear()
        for key, value in extra.items():
            text = canonical_json(value)
            if len(text) > VALUE_LIMIT:
                text = text[: VALUE_LIMIT - 1] + "…"
            self.list.addItem(QListWidgetItem(f"{key}: {text}"))
        if self._keys:
            self.list.setCurrentRow(max(0, min(row, len(self._keys) - 1)))
        self.setVisible(bool(self._keys))

    def show_findings(self, findings: list[Finding]) -> None:
        """The note shows them all; each key's item gets the icon of its worst finding."""
        self.note.set_findings(findings)
        for row, key in enumerate(self._keys):
            mine = [f for f in findings if f.field == key]
            level = worst(mine)
            item = self.list.item(row)
            item.setIcon(level_icon(level) if level is not None else QIcon())
            item.setToolTip("\n".join(f.message for f in mine))

    def focus_key(self, key: str) -> bool:
        if key not in self._keys:
            return False
        self.list.setCurrentRow(self._keys.index(key))
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    @Slot()
    def remove_current(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._keys):
            self.removed.emit(self._keys[row])
