"""The Raw JSON tab: the event as text (``event_json``), two-way with the form.

What is SENT depends on what the user edited last, and the label at the top says which:
text typed here is sent verbatim (spacing and all); after a form edit this tab shows the
form's event indented for reading, while the compact canonical JSON of it is sent.

A form edit replaces the text. If the text was the user's own, it is kept and a "Restore"
button puts it back, so a stray click in the form never throws typing away.
"""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase, QTextOption
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QWidget

from attribution_workbench.core.event import JsonProblem
from attribution_workbench.core.rules import Finding
from attribution_workbench.ui.findings import FieldNote
from attribution_workbench.ui.keys import bind_keys
from attribution_workbench.ui.layout import (
    LONG_WORD_CHARS,
    STRETCH,
    TIGHT_SPACING,
    annotate,
    fit_wrap,
    hbox,
    vbox,
)

GOTO_KEY = "F8"
FORMAT_KEY = "Ctrl+Shift+F"
SOURCE_RAW = "Sent as typed: this text goes on the wire verbatim, spacing and all."
SOURCE_FORM = (
    "Sent as compact JSON built from the form (shown indented here). Edit this text to send "
    "it exactly as you type it."
)
SOURCE_BAD = (
    "Nothing can be sent: this text is not one JSON object (see below). The form keeps the "
    "last good event; nothing you typed here is changed."
)
# Characters a text editor turns into line breaks; inside JSON strings they must stay
# escaped, or the text shown would no longer be the same JSON. Surrogates cannot be shown.
_UNSAFE_RE = re.compile("[\u2028\u2029\ud800-\udfff]")


def pretty_json(value: Any) -> str:
    """``value`` as indented JSON that survives a plain-text editor unchanged."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class _Raw:
    """A number kept as written, so Format does not respell 1.50 or 1e3."""

    def __init__(self, text: str) -> None:
        self.text = text


def _dump(value: Any, level: int) -> str:
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, _Raw):
        return value.text
    if isinstance(value, tuple):  # an object as (key, value) pairs: duplicates kept
        if not value:
            return "{}"
        items = [f"{inner}{pretty_json(k)}: {_dump(v, level + 1)}" for k, v in value]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _dump(v, level + 1) for v in value) + f"\n{pad}]"
    return pretty_json(value)


def format_json(text: str) -> str | None:
    """``text`` re-indented, keeping key order, duplicate keys and number spellings."""
    try:
        value = json.loads(
            text, object_pairs_hook=tuple, parse_float=_Raw, parse_int=_Raw, parse_constant=_Raw
        )
    except (ValueError, RecursionError):
        return None
    return _dump(value, 0) + ("\n" if text.endswith("\n") else "")


def text_position(text: str, line: int, column: int) -> int:
    """The editor (UTF-16) position of a 1-based line/column in ``text``."""
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    index = sum(len(part) + 1 for part in lines[: line - 1]) + max(0, column - 1)
    return len(text[: min(index, len(text))].encode("utf-16-le")) // 2


class RawJsonPane(QWidget):
    """Source label, the ``event_json`` editor, the problem under it, Format/Restore."""

    text_edited = Signal()  # the user changed the text (typing, pasting, Format, Restore)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setting = False
        self._stash: str | None = None
        self._problem: JsonProblem | None = None

        self.source_label = QLabel(SOURCE_FORM)
        self.source_label.setObjectName("raw_source")
        self.source_label.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("event_json")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # Tab must not trap keyboard users in the editor; indent with spaces.
        self.editor.setTabChangesFocus(True)
        annotate(
            self.editor,
            "Event JSON",
            "The event as JSON text. Text you type here is sent exactly as typed. Tab moves "
            f"the focus (indent with spaces); {GOTO_KEY} goes to a JSON error; {FORMAT_KEY} "
            "re-indents.",
            f"The event as JSON; sent exactly as typed ({GOTO_KEY}: go to error, "
            f"{FORMAT_KEY}: format, Tab: next field)",
        )
        self.note = FieldNote("event_json")
        self.goto_button = QPushButton()
        self.goto_button.setObjectName("raw_goto_error")
        annotate(
            self.goto_button,
            "Go to the JSON error",
            f"Move the cursor to where the JSON stops being valid ({GOTO_KEY})",
        )
        self.goto_button.hide()
        self.format_button = QPushButton("Format")
        self.format_button.setObjectName("raw_format")
        annotate(
            self.format_button,
            "Format JSON",
            f"Re-indent the text, keeping key order and numbers as written ({FORMAT_KEY})",
        )
        self.restore_button = QPushButton("Restore the text you typed")
        self.restore_button.setObjectName("raw_restore")
        annotate(
            self.restore_button,
            "Restore typed text",
            "A form edit replaced the text you typed here; put it back (the form follows it)",
        )
        self.restore_button.hide()

        self.editor.textChanged.connect(self._on_text_changed)
        self.goto_button.clicked.connect(self.goto_error)
        self.format_button.clicked.connect(self.format_text)
        self.restore_button.clicked.connect(self.restore)
        bind_keys(self.editor, (GOTO_KEY, self.goto_error), (FORMAT_KEY, self.format_text))

        buttons = hbox(self.goto_button, STRETCH, self.restore_button, self.format_button)
        self.setLayout(
            vbox(self.source_label, self.editor, self.note, buttons, spacing=TIGHT_SPACING)
        )

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the text without emitting ``text_edited`` (the caller handles it)."""
        self._setting = True
        try:
            fit_wrap(self.editor, text)
            self.editor.setPlainText(text)
        finally:
            self._setting = False

    def show_form_text(self, text: str, *, replaced: str | None) -> None:
        """Show the form's event; ``replaced`` is the user's text it overwrote, if any."""
        if replaced is not None and replaced != text:
            self._stash = replaced
        if self.text() != text:
            self.set_text(text)
        self.restore_button.setVisible(self._stash is not None)

    def forget_stash(self) -> None:
        self._stash = None
        self.restore_button.hide()

    def set_source(self, raw: bool, usable: bool = True) -> None:
        self.source_label.setText(
            SOURCE_RAW if raw and usable else SOURCE_BAD if raw else SOURCE_FORM
        )

    def show_problem(self, problem: JsonProblem | None, findings: list[Finding]) -> None:
        """The text's own problems (field "event") under the editor, with a jump button."""
        self._problem = problem
        self.note.set_findings(findings)
        line = problem.line if problem is not None else None
        if problem is not None and line is not None:
            self.goto_button.setText(f"Go to line {line}, column {problem.column} ({GOTO_KEY})")
        self.goto_button.setVisible(line is not None)

    @Slot()
    def goto_error(self) -> None:
        problem = self._problem
        if problem is None or problem.line is None:
            return
        position = text_position(self.text(), problem.line, problem.column or 1)
        cursor = self.editor.textCursor()
        cursor.setPosition(min(position, self.editor.document().characterCount() - 1))
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def format_text(self) -> None:
        formatted = format_json(self.text())
        if formatted is not None and formatted != self.text():
            self._replace_as_user(formatted)

    @Slot()
    def restore(self) -> None:
        stash, self._stash = self._stash, None
        self.restore_button.hide()
        if stash is not None:
            self._replace_as_user(stash)
            self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def _replace_as_user(self, text: str) -> None:
        # Through the cursor, so Ctrl+Z in the editor takes it back.
        from PySide6.QtGui import QTextCursor  # on first use: idle memory

        cursor = QTextCursor(self.editor.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()

    @Slot()
    def _on_text_changed(self) -> None:
        if self._setting:
            return
        if self._stash is not None:
            self._stash = None
            self.restore_button.hide()
        # After a paste of a long token, say; a short text needs no second copy of itself
        # (text() is read again by the editor) unless the mode must go back to the usual.
        editor = self.editor
        usual = editor.wordWrapMode() == QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
        if editor.document().characterCount() > LONG_WORD_CHARS or not usual:
            fit_wrap(editor, editor.toPlainText())
        self.text_edited.emit()
