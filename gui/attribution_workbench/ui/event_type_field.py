"""The ``event_type`` field with its company-prefix helper.

The user sets a prefix once ("Acme" becomes "[Acme]"); "Apply prefix" (Ctrl+Shift+P in
either field) puts it at the start of the event type once, replacing a different leading
``[tag]``. ``company_prefix_changed`` fires when the remembered prefix changes, so the
window can keep it for the next start.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QLineEdit

from attribution_workbench.ui.keys import bind_keys
from attribution_workbench.ui.layout import annotate, tool_button

APPLY_PREFIX_KEY = "Ctrl+Shift+P"
LEADING_TAG_RE = re.compile(r"\[[^\[\]]*\]\s*")


def normalize_prefix(text: str) -> str:
    """``Acme`` or ``[Acme`` -> ``[Acme]``; empty stays empty."""
    name = text.strip().strip("[]").strip()
    return f"[{name}]" if name else ""


def with_prefix(event_type: str, prefix: str) -> str:
    """``event_type`` starting with ``prefix`` once; a different leading [tag] is replaced."""
    rest = event_type.lstrip()
    if rest.startswith(prefix):
        return event_type
    tag = LEADING_TAG_RE.match(rest)
    if tag is not None:
        rest = rest[tag.end() :]
    return f"{prefix} {rest}"


class EventTypeField(QObject):
    """The widgets and logic, not a widget: the form places ``editor``, ``prefix_label``,
    ``prefix`` and ``apply_button`` in its row. ``edited`` carries the new event type."""

    edited = Signal(str)
    company_prefix_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._last_prefix = ""
        self.editor = QLineEdit()
        self.editor.setObjectName("event_type")
        self.editor.setPlaceholderText("[Company] Install")
        annotate(
            self.editor,
            "Event type",
            "Name of the attribution event, by convention with your company prefix, e.g. "
            f"[Adjust] Install. {APPLY_PREFIX_KEY} applies the company prefix.",
            f"Event type, e.g. [Adjust] Install ({APPLY_PREFIX_KEY} applies the prefix)",
        )
        self.editor.textEdited.connect(lambda text: self.edited.emit(text))
        self.prefix = QLineEdit()
        self.prefix.setObjectName("company_prefix")
        self.prefix.setPlaceholderText("[Company]")
        self.prefix.setMaximumWidth(160)
        annotate(
            self.prefix,
            "Company prefix",
            "Your company prefix, e.g. [Acme]; remembered for next time. Brackets are added "
            f"if you leave them out. {APPLY_PREFIX_KEY} applies it.",
        )
        self.prefix.editingFinished.connect(self._on_prefix_finished)
        self.prefix_label = QLabel("Prefi&x:")
        self.prefix_label.setBuddy(self.prefix)
        self.apply_button = tool_button(
            "Apply prefix",
            self.apply_prefix,
            name="apply_prefix",
            accessible=(
                "Apply company prefix",
                "Put the company prefix at the start of the event type (once; a different "
                f"[tag] at the start is replaced) ({APPLY_PREFIX_KEY})",
            ),
        )
        for widget in (self.editor, self.prefix):
            bind_keys(widget, (APPLY_PREFIX_KEY, self.apply_prefix))

    def set_text(self, text: str) -> None:
        """Show ``text`` without emitting ``edited``."""
        if self.editor.text() != text:
            self.editor.setText(text)

    @Slot()
    def apply_prefix(self) -> None:
        prefix = normalize_prefix(self.prefix.text())
        self._remember(prefix)
        if not prefix:
            self.prefix.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        current = self.editor.text()
        updated = with_prefix(current, prefix)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        if updated != current:
            self.editor.setText(updated)
            self.editor.setCursorPosition(len(updated))
            self.edited.emit(updated)

    def company_prefix(self) -> str:
        return normalize_prefix(self.prefix.text())

    def set_company_prefix(self, prefix: str) -> None:
        """Show a remembered prefix without emitting ``company_prefix_changed``."""
        self._last_prefix = normalize_prefix(prefix)
        self.prefix.setText(self._last_prefix)

    @Slot()
    def _on_prefix_finished(self) -> None:
        self._remember(normalize_prefix(self.prefix.text()))

    def _remember(self, prefix: str) -> None:
        if self.prefix.text() != prefix:
            self.prefix.setText(prefix)
        if prefix != self._last_prefix:
            self._last_prefix = prefix
            self.company_prefix_changed.emit(prefix)
