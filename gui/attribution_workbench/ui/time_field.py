"""The ``time`` field: milliseconds since epoch, typed, picked in local time, or not set.

The milliseconds box (object name ``time``) is the main input: power users paste values
there, and it shows the exact number that is sent. The picker edits the same value in local
time; "Now" and "Clear" do what they say. Not set means the key is left out and the server
uses the upload time. Whatever is typed is kept: text that is not an integer is sent as the
JSON it reads as (a string otherwise), and the rules say what is wrong with it.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal, Slot
from PySide6.QtWidgets import QDateTimeEdit, QLabel, QLineEdit, QPushButton, QWidget

from attribution_workbench.ui.findings import FieldNote
from attribution_workbench.ui.layout import TIGHT_SPACING, annotate, hbox, vbox

NOT_SET = "not set"  # the line under the field says what that means (it fits the box)
PICKER_FORMAT = "yyyy-MM-dd HH:mm:ss.zzz"
# Digits, optionally grouped the way people paste them: 1,700,000,000,000 or 1_700_000_000_000.
GROUPED_INT_RE = re.compile(r"-?\d{1,3}([,_ ]\d{3})+|-?\d+")


def parse_ms(text: str) -> Any:
    """The ``time`` value for what was typed: None (not set), an int, or other JSON/text."""
    stripped = text.strip()
    if not stripped:
        return None
    if GROUPED_INT_RE.fullmatch(stripped):
        return int(re.sub(r"[,_ ]", "", stripped))
    try:
        return json.loads(stripped)
    except ValueError:
        return stripped


def show_ms(value: Any) -> str:
    """What the milliseconds box shows for a ``time`` value; ``parse_ms`` reads it back."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def describe_ms(value: Any) -> str:
    if value is None:
        return "Not set: the server uses the upload time."
    if not isinstance(value, int) or isinstance(value, bool):
        return "Not an integer number of milliseconds."
    from datetime import datetime, timezone  # only for a set time: ~0.5 MB (rules/base.py)

    try:
        moment = datetime.fromtimestamp(value / 1000, tz=timezone.utc)
        local = moment.astimezone()
    except (OverflowError, OSError, ValueError):
        return "Out of the range of dates."
    millis = f"{value % 1000:03d}"
    utc = f"{moment:%Y-%m-%d %H:%M:%S}.{millis} UTC"
    if not local.utcoffset():
        return utc
    return f"{local:%Y-%m-%d %H:%M:%S}.{millis} {local.tzname() or 'local'}  ·  {utc}"


class _Picker(QDateTimeEdit):
    """A QDateTimeEdit that Tab leaves, as every other field: QDateTimeEdit's own Tab steps
    through its seven parts first (Left and Right do that already)."""

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002  (Qt's names)
        return QWidget.focusNextPrevChild(self, next)


class TimeField(QWidget):
    """Milliseconds box + local date-time picker + Now + Clear + a readable summary."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._value: Any = None
        self._loading = False

        self.ms_edit = QLineEdit()
        self.ms_edit.setObjectName("time")
        self.ms_edit.setPlaceholderText(NOT_SET)
        self.ms_edit.setClearButtonEnabled(True)
        # Room for a 13-digit millisecond time and the clear button: at a narrow window the
        # box shrank to its last three digits.
        digits = self.ms_edit.fontMetrics().horizontalAdvance("8" * 13)
        self.ms_edit.setMinimumWidth(digits + 2 * self.ms_edit.fontMetrics().height() + 8)
        annotate(
            self.ms_edit,
            "Time in milliseconds",
            "Event time in milliseconds since 1970-01-01 UTC. Leave empty to let the server "
            "use the upload time. Pasted numbers may use , or _ between thousands.",
        )
        self.picker = _Picker()
        self.picker.setObjectName("time_picker")
        self.picker.setCalendarPopup(True)
        self.picker.setDisplayFormat(PICKER_FORMAT)
        annotate(
            self.picker,
            "Time, local date and time",
            "The event time in your local time zone; changing it sets the milliseconds. "
            "Alt+Down opens the calendar.",
            "Event time in your local time zone (Alt+Down opens the calendar)",
        )
        self.now_button = QPushButton("Now")
        self.now_button.setObjectName("time_now")
        annotate(self.now_button, "Set time to now", "Set the event time to the current time")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("time_clear")
        annotate(
            self.clear_button,
            "Clear time",
            "Leave time out of the event; the server then uses the upload time",
        )
        self.summary = QLabel()
        self.summary.setObjectName("time_summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = FieldNote("time")

        self.ms_edit.textEdited.connect(self.on_ms_edited)
        self.picker.dateTimeChanged.connect(self.on_picker_changed)
        self.now_button.clicked.connect(self.set_now)
        self.clear_button.clicked.connect(self.clear)

        row = hbox(self.ms_edit, self.picker, self.now_button, self.clear_button)
        self.setLayout(vbox(row, self.summary, self.note, spacing=TIGHT_SPACING))
        self._show(update_ms=True)

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting ``edited``."""
        self._value = value
        self._show(update_ms=True)

    @Slot(str)
    def on_ms_edited(self, text: str) -> None:
        self._value = parse_ms(text)
        self._show(update_ms=False)  # never rewrite what the user is typing
        self.edited.emit()

    @Slot(QDateTime)
    def on_picker_changed(self, moment: QDateTime) -> None:
        if self._loading:
            return
        self._value = moment.toMSecsSinceEpoch()
        self._show(update_ms=True)
        self.edited.emit()

    @Slot()
    def set_now(self) -> None:
        self._value = int(time.time() * 1000)
        self._show(update_ms=True)
        self.edited.emit()

    @Slot()
    def clear(self) -> None:
        self._value = None
        self._show(update_ms=True)
        self.edited.emit()

    def _show(self, *, update_ms: bool) -> None:
        value = self._value
        self._loading = True
        try:
            if update_ms:
                self.ms_edit.setText(show_ms(value))
            if isinstance(value, int) and not isinstance(value, bool):
                # Qt takes a signed 64-bit value; a longer one (an extra digit pasted) is
                # still the user's value: it is kept, sent as typed and described below.
                if -(2**63) <= value < 2**63:
                    moment = QDateTime.fromMSecsSinceEpoch(value)
                    if moment.isValid():
                        self.picker.setDateTime(moment)
            elif value is None:
                # Not set: the picker starts from the present, which is what people pick.
                self.picker.setDateTime(QDateTime.currentDateTime())
        finally:
            self._loading = False
        self.summary.setText(describe_ms(value))
