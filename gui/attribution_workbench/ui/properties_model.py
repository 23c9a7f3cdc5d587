"""The user properties as a table model: one row per key, in JSON key order.

Rows hold what the user typed (key, value text, type); the JSON value is computed when a
row changes, so building the event for 1,000 rows is a dict comprehension. A JSON object
holds a key once, so two rows with the same key are reported (an error naming both rows)
and marked in the table instead of being merged quietly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QIcon

from attribution_workbench.core.event import canonical_json
from attribution_workbench.core.rules import Finding, Level
from attribution_workbench.core.typed_values import ValueType, convert, describe, inferred
from attribution_workbench.ui.findings import PREFIX, finding_text, worst

KEY, VALUE, TYPE = range(3)
HEADERS = ("Key", "Value", "Type")
TYPE_HELP = (
    "auto reads the value as JSON when it exactly is a JSON literal (42, -1.5, true, null, "
    '{"a": 1}, [1, 2], "quoted") and as text otherwise; pick string, number, boolean, null '
    "or json to say what you mean."
)
_ABSENT = object()
Index = QModelIndex | QPersistentModelIndex


@dataclass(slots=True)
class PropertyRow:
    key: str = ""
    kind: ValueType = ValueType.AUTO
    text: str = ""
    value: Any = field(default=None, compare=False)
    error: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.value, self.error = convert(self.kind, self.text)

    def is_placeholder(self) -> bool:
        """A freshly added row nobody has typed into yet; it is not part of the event."""
        return not self.key and not self.text and self.kind in (ValueType.AUTO, ValueType.STRING)


# A cell shows at most this much of a long value (the editor and the wire keep all of it):
# laying out a pasted 5 MB value on every repaint froze the window for seconds a keystroke.
CELL_CHARS = 1000


def shown_cell(text: str) -> str:
    """``text`` as a table cell shows it: cut after CELL_CHARS, saying how long it is."""
    if len(text) <= CELL_CHARS:
        return text
    return f"{text[:CELL_CHARS]}… ({len(text):,} characters; double-click to see all)"


def _show(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


class PropertiesModel(QAbstractTableModel):
    """Key/value/type rows. ``edited`` fires for user changes, not for ``load``."""

    edited = Signal()

    def __init__(self, icons: dict[Level, QIcon], parent: Any = None) -> None:
        super().__init__(parent)
        self._icons = icons
        self._rows: list[PropertyRow] = []
        # user_properties that is not an object (from raw text): kept as is, not editable.
        self._opaque: Any = _ABSENT
        # The event said "user_properties": {}; keep the key while the table stays empty.
        self._explicit_empty = False
        self._duplicates: dict[str, list[int]] = {}
        self._marks: dict[str, tuple[Level | None, str]] = {}

    # -- reading --------------------------------------------------------------------------

    def rows(self) -> list[PropertyRow]:
        return list(self._rows)

    def is_opaque(self) -> bool:
        return self._opaque is not _ABSENT

    def opaque_value(self) -> Any:
        return None if self._opaque is _ABSENT else self._opaque

    def value(self) -> Any:
        """The user_properties value: a dict, None (absent), or the kept non-object value."""
        if self._opaque is not _ABSENT:
            return self._opaque
        out = {row.key: row.value for row in self._rows if not row.is_placeholder()}
        if not out and not self._explicit_empty:
            return None
        return out

    def row_of(self, key: str) -> int:
        """The row that holds ``key`` (the last one, whose value would be sent), or -1."""
        for row in range(len(self._rows) - 1, -1, -1):
            if self._rows[row].key == key:
                return row
        return -1

    def problems(self) -> list[Finding]:
        """What the rules cannot see in a dict: duplicate keys and values that do not fit."""
        found = []
        for key, rows in self._duplicates.items():
            numbers = ", ".join(str(r + 1) for r in rows[:-1]) + f" and {rows[-1] + 1}"
            found.append(
                Finding(
                    "user_properties",
                    Level.ERROR,
                    f"user_properties key {_show(key)} is in rows {numbers}; an object keeps "
                    f"one value per key, so only row {rows[-1] + 1} would be sent. Rename or "
                    "remove the others.",
                    key,
                )
            )
        for number, row in enumerate(self._rows, 1):
            if row.error is not None:
                found.append(
                    Finding(
                        "user_properties",
                        Level.ERROR,
                        f"user_properties key {_show(row.key)} (row {number}): {row.error}, "
                        "or set its type to auto or string.",
                        row.key,
                    )
                )
        return found

    # -- changing (load: programmatic; the rest: user edits, emit ``edited``) -------------

    def load(self, value: Any) -> None:
        """Show ``value`` (a dict, None or anything else from raw text); no ``edited``."""
        if value is not None and not isinstance(value, dict):
            rows: list[PropertyRow] = []
            opaque, explicit = value, False
        else:
            items = value.items() if value else ()
            rows = [PropertyRow(str(k), *describe(v)) for k, v in items]
            opaque, explicit = _ABSENT, value == {}
        self._explicit_empty = explicit
        # Compared as JSON: in Python 1 == True == 1.0, but they are different values to send.
        same_opaque = opaque is self._opaque or (
            opaque is not _ABSENT
            and self._opaque is not _ABSENT
            and canonical_json(opaque) == canonical_json(self._opaque)
        )
        if rows == self._rows and same_opaque:
            return  # typing in raw text re-loads the same rows on every key; keep the view
        self.beginResetModel()
        self._rows, self._opaque = rows, opaque
        self._recount()
        self.endResetModel()

    def empty_kept(self) -> bool:
        """The event said ``"user_properties": {}`` and the table is still empty."""
        return self._explicit_empty

    def load_rows(
        self,
        rows: Iterable[tuple[str, ValueType, str]],
        opaque: list[Any] | None = None,
        *,
        empty_kept: bool = False,
    ) -> None:
        """Show typed rows (from saved state); ``opaque`` is ``[value]`` for a non-object;
        ``empty_kept`` as ``empty_kept()`` said when the state was saved."""
        self.beginResetModel()
        self._rows = [PropertyRow(k, kind, t) for k, kind, t in rows]
        self._opaque = _ABSENT if opaque is None else opaque[0]
        self._explicit_empty = empty_kept
        self._recount()
        self.endResetModel()

    def insert(
        self, position: int, rows: Sequence[tuple[str, ValueType, str]], *, replace: bool = False
    ) -> None:
        """Insert ``rows`` at ``position``; with ``replace``, in place of the row there (a
        paste over the empty row). One edit either way: ``edited`` fires once."""
        position = max(0, min(position, len(self._rows)))
        self._forget_opaque()
        if replace and position < len(self._rows):
            self.beginRemoveRows(QModelIndex(), position, position)
            del self._rows[position]
            self.endRemoveRows()
        self.beginInsertRows(QModelIndex(), position, position + len(rows) - 1)
        self._rows[position:position] = [PropertyRow(k, kind, t) for k, kind, t in rows]
        self.endInsertRows()
        self._changed()

    def remove(self, rows: Iterable[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._rows):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        self._changed()

    def move(self, row: int, delta: int) -> int:
        """Move a row up (-1) or down (+1); returns where it ended up."""
        target = row + delta
        if not (0 <= row < len(self._rows) and 0 <= target < len(self._rows)):
            return row
        # Qt's destination is the row *before which* it goes, counted before the move.
        destination = target + 1 if delta > 0 else target
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        self._rows.insert(target, self._rows.pop(row))
        self.endMoveRows()
        self._changed()
        return target

    def set_marks(self, findings: Iterable[Finding]) -> None:
        """Show the findings about each key on its row (icon + tooltip)."""
        grouped: dict[str, list[Finding]] = {}
        for finding in findings:
            if finding.property_key is not None:
                grouped.setdefault(finding.property_key, []).append(finding)
        marks = {
            key: (worst(items), "\n".join(finding_text(f) for f in items))
            for key, items in grouped.items()
        }
        if marks != self._marks:
            self._marks = marks
            self._key_column_changed()

    def _forget_opaque(self) -> None:
        self._opaque = _ABSENT

    def _changed(self) -> None:
        self._recount()
        self._key_column_changed()
        self.edited.emit()

    def _recount(self) -> None:
        seen: dict[str, list[int]] = {}
        for number, row in enumerate(self._rows):
            if not row.is_placeholder():
                seen.setdefault(row.key, []).append(number)
        self._duplicates = {key: rows for key, rows in seen.items() if len(rows) > 1}

    def _key_column_changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, KEY), self.index(len(self._rows) - 1, KEY))

    # -- QAbstractTableModel -----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return HEADERS[section]
            return str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return (
                "The property name; by convention it starts with your [Company] prefix",
                "The value; with type auto, JSON literals are read as JSON",
                TYPE_HELP,
            )[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self._rows[index.row()]
        if not (index.column() == VALUE and row.kind is ValueType.NULL):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == KEY:
                return row.key if role == Qt.ItemDataRole.EditRole else shown_cell(row.key)
            if column == VALUE:
                if row.kind is ValueType.NULL and role == Qt.ItemDataRole.DisplayRole:
                    return "null"
                return row.text if role == Qt.ItemDataRole.EditRole else shown_cell(row.text)
            if role == Qt.ItemDataRole.EditRole:
                return row.kind.value
            return inferred(row.kind, row.text)
        if role == Qt.ItemDataRole.DecorationRole:
            level = self._level(row, column)
            return self._icons.get(level) if level is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, index.row(), column)
        return None

    def _level(self, row: PropertyRow, column: int) -> Level | None:
        if column == VALUE:
            return Level.ERROR if row.error is not None else None
        if column != KEY or row.is_placeholder():
            return None
        if row.key in self._duplicates:
            return Level.ERROR
        mark = self._marks.get(row.key)
        return mark[0] if mark else None

    def _tooltip(self, row: PropertyRow, number: int, column: int) -> str | None:
        if column == VALUE:
            return f"{PREFIX[Level.ERROR]} {row.error}" if row.error else None
        if column == TYPE:
            return TYPE_HELP
        lines = []
        others = [r + 1 for r in self._duplicates.get(row.key, ()) if r != number]
        if others and not row.is_placeholder():
            lines.append(
                f"{PREFIX[Level.ERROR]} the same key is also in row(s) "
                f"{', '.join(map(str, others))}"
            )
        mark = self._marks.get(row.key)
        if mark:
            lines.append(mark[1])
        return "\n".join(lines) or None

    def setData(  # noqa: N802
        self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row = self._rows[index.row()]
        column = index.column()
        if column == KEY:
            text = "" if value is None else str(value)
            if text == row.key:
                return False
            row.key = text
        elif column == VALUE:
            text = "" if value is None else str(value)
            if text == row.text:
                return False
            row.text = text
        else:
            try:
                kind = ValueType(value)
            except ValueError:
                return False
            if kind is row.kind:
                return False
            row.kind = kind
        row.refresh()
        self._forget_opaque()
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), TYPE))
        self._changed()
        return True
