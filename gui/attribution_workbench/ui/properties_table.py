"""The user properties editor: a table (``user_properties``) and its row actions.

Keyboard, while the table has focus: Insert adds a row, Delete removes the selected rows,
Alt+Up / Alt+Down move the current row, Ctrl+V pastes ``key<TAB>value`` lines copied from a
spreadsheet (one cell without tabs pastes into the current cell), Ctrl+C copies the selected
rows the same way. F2 or typing edits a cell; Tab moves from key to value to type. What is
typed in a key or value cell counts at once (findings and preview follow each keystroke);
Escape puts back the cell's value from before the edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelectionModel,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QTableView,
    QWidget,
)

from attribution_workbench import assets
from attribution_workbench.core.rules import Level
from attribution_workbench.core.typed_values import ValueType, parse_tsv, to_tsv
from attribution_workbench.ui.findings import FieldNote, level_icon
from attribution_workbench.ui.keys import bind_keys
from attribution_workbench.ui.layout import (
    STRETCH,
    TIGHT_SPACING,
    annotate,
    hbox,
    tool_button,
    vbox,
)
from attribution_workbench.ui.properties_model import (
    KEY,
    TYPE,
    TYPE_HELP,
    VALUE,
    Index,
    PropertiesModel,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStyleOptionViewItem

TYPE_LABELS = {
    ValueType.AUTO: "auto (JSON literal or text)",
    ValueType.STRING: "string",
    ValueType.NUMBER: "number",
    ValueType.BOOLEAN: "boolean",
    ValueType.NULL: "null",
    ValueType.JSON: "json (object, array, …)",
}
ROW_HEIGHT_PADDING = 6


class LiveTextDelegate(QStyledItemDelegate):
    """Key and value cells: what is typed reaches the model (and so the findings and the
    preview) at each keystroke, not only on Enter; Escape still puts back the cell's value
    from before the edit (``edit_started`` / ``edit_reverted`` let the editor put back what
    else the first keystroke changed: which text is sent)."""

    edit_started = Signal()
    edit_reverted = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # editor -> (its cell, the text before the edit), for Escape.
        self._before: dict[QWidget, tuple[QPersistentModelIndex, str]] = {}
        self.closeEditor.connect(self._on_close_editor)

    def createEditor(  # noqa: N802
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        editor = super().createEditor(parent, option, index)
        if isinstance(editor, QLineEdit):
            before = index.data(Qt.ItemDataRole.EditRole)
            self._before[editor] = (QPersistentModelIndex(index), "" if before is None else before)
            # textEdited: the user's changes (typing, paste, undo), not setEditorData's. Not
            # once the view has let the editor go (hidden, its row removed under it).
            editor.textEdited.connect(lambda _text: self._commit_if_shown(editor))
            editor.destroyed.connect(lambda: self._before.pop(editor, None))
            self.edit_started.emit()
        return editor

    def _commit_if_shown(self, editor: QWidget) -> None:
        if editor.isVisible():
            self.commitData.emit(editor)

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        # The model changed because of this very editor (each keystroke is committed):
        # setting the same text again would move the cursor to the end and drop a selection.
        if isinstance(editor, QLineEdit) and editor.text() == index.data(Qt.ItemDataRole.EditRole):
            return
        super().setEditorData(editor, index)

    @Slot(QWidget, QAbstractItemDelegate.EndEditHint)
    def _on_close_editor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        cell, before = self._before.pop(editor, (None, ""))
        if hint is QAbstractItemDelegate.EndEditHint.RevertModelCache and cell is not None:
            model = cell.model()
            if cell.isValid() and model is not None:
                model.setData(cell, before, Qt.ItemDataRole.EditRole)
                self.edit_reverted.emit()


class TypeDelegate(QStyledItemDelegate):
    """A combo box for the type column; the model follows each choice at once (arrow keys
    or the popup), and Enter, Tab or Escape close the editor as usual."""

    def createEditor(  # noqa: N802
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        combo = QComboBox(parent)
        for kind, label in TYPE_LABELS.items():
            combo.addItem(label, kind.value)
        combo.setAccessibleName("Value type")
        combo.setToolTip(TYPE_HELP)
        combo.currentIndexChanged.connect(lambda _i: self.commitData.emit(combo))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(  # noqa: N802
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Tab in the last column leaves the table, as it does outside an edit: Qt's own
        # "edit the next item" would wrap to the next row (and from the last row to the
        # first), so a keyboard user could never Tab out of a table being edited.
        if (
            isinstance(watched, QComboBox)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self.commitData.emit(watched)
            self.closeEditor.emit(watched, QAbstractItemDelegate.EndEditHint.NoHint)
            view = self.parent()
            if isinstance(view, QAbstractItemView):
                view.focusNextPrevChild(True)
            return True
        return super().eventFilter(watched, event)


class PropertiesTable(QWidget):
    """Table + Add/Remove/Up/Down/Paste buttons + the findings note for user_properties."""

    edited = Signal()
    cell_edit_started = Signal()  # a key or value cell editor opened
    cell_edit_reverted = Signal()  # ... and Escape put its value back

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PropertiesModel({level: level_icon(level) for level in Level}, self)
        self.model.edited.connect(self.edited)

        self.view = QTableView()
        self.view.setObjectName("user_properties")
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(TYPE, TypeDelegate(self.view))
        # The view's own delegate (key and value columns), not a column delegate: when a row
        # goes away under an open editor, Qt unhooks only the view's delegate from it.
        live_text = LiveTextDelegate(self.view)
        live_text.edit_started.connect(self.cell_edit_started)
        live_text.edit_reverted.connect(self.cell_edit_reverted)
        self.view.setItemDelegate(live_text)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        self.view.setWordWrap(False)
        # Fixed sizes: "resize to contents" would measure all 1,000 rows on every change.
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(KEY, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(TYPE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(KEY, 200)
        header.resizeSection(TYPE, 110)
        rows = self.view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + ROW_HEIGHT_PADDING)
        annotate(
            self.view,
            "User properties",
            "Key, value and type of each user property, in the order they are sent. "
            "Insert adds a row, Delete removes, Alt+Up and Alt+Down move, Ctrl+V pastes "
            "key-tab-value lines from a spreadsheet, Ctrl+C copies rows.",
            "User properties, sent in this order.\n"
            "Insert: add row · Delete: remove · Alt+Up/Alt+Down: move\n"
            "Ctrl+V: paste key⇥value[⇥type] lines from a spreadsheet · Ctrl+C: copy rows\n"
            "F2 or typing edits a cell. " + TYPE_HELP,
        )

        self.add_button = tool_button(
            "Add",
            self.add_row,
            name="add_property",
            icon=assets.qicon(assets.Icon.ROW_ADD),
            accessible=(
                "Add",
                "Add a row below the current one (Insert)",
            ),
        )
        self.remove_button = tool_button(
            "Remove",
            self.remove_rows,
            name="remove_property",
            icon=assets.qicon(assets.Icon.ROW_REMOVE),
            accessible=(
                "Remove",
                "Remove the selected rows (Delete)",
            ),
        )
        self.up_button = tool_button(
            "Up",
            lambda: self.move_row(-1),
            name="move_property_up",
            icon=assets.qicon(assets.Icon.ROW_UP),
            accessible=(
                "Move up",
                "Move the current row up (Alt+Up)",
            ),
        )
        self.down_button = tool_button(
            "Down",
            lambda: self.move_row(1),
            name="move_property_down",
            icon=assets.qicon(assets.Icon.ROW_DOWN),
            accessible=(
                "Move down",
                "Move the current row down (Alt+Down)",
            ),
        )
        self.paste_button = tool_button(
            "Paste rows",
            self.paste,
            name="paste_properties",
            icon=assets.qicon(assets.Icon.PASTE),
            accessible=(
                "Paste rows",
                "Paste key⇥value lines copied from a spreadsheet (Ctrl+V in the table); a third "
            "column may name the type; a key/value header line is skipped",
            ),
        )
        bind_keys(
            self.view,
            ("Ins", self.add_row),
            ("Del", self.remove_rows),  # not StandardKey.Delete: on Linux it holds Ctrl+D (Demo)
            ("Alt+Up", lambda: self.move_row(-1)),
            ("Alt+Down", lambda: self.move_row(1)),
            (QKeySequence.StandardKey.Paste, self.paste),
            (QKeySequence.StandardKey.Copy, self.copy),
        )

        self.opaque_label = QLabel()
        self.opaque_label.setObjectName("user_properties_opaque")
        self.opaque_label.setWordWrap(True)
        self.opaque_label.setTextFormat(Qt.TextFormat.PlainText)
        self.opaque_label.hide()
        self.note = FieldNote("user_properties")
        self.count_label = QLabel()
        self.count_label.setObjectName("user_properties_count")
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.model.rowsRemoved.connect(self._update_count)
        self._update_count()

        buttons = hbox(
            self.add_button,
            self.remove_button,
            self.up_button,
            self.down_button,
            self.paste_button,
            STRETCH,
            self.count_label,
        )
        self.setLayout(
            vbox(buttons, self.opaque_label, self.view, self.note, spacing=TIGHT_SPACING)
        )

    @Slot()
    def _update_count(self) -> None:
        count = self.model.rowCount()
        self.count_label.setText(f"{count} row{'s' if count != 1 else ''}")
        self._update_opaque()

    def _update_opaque(self) -> None:
        if self.model.is_opaque():
            kind = type(self.model.opaque_value()).__name__
            kind = {
                "str": "a string",
                "int": "a number",
                "float": "a number",
                "bool": "a boolean",
                "list": "an array",
            }.get(kind, kind)
            self.opaque_label.setText(
                f"user_properties in the raw JSON is {kind}, not an object, so the table "
                "cannot show it. It is kept as it is; fix it in the Raw JSON tab, or add a "
                "row here to replace it with a table."
            )
        self.opaque_label.setVisible(self.model.is_opaque())

    # -- actions ---------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        rows = {index.row() for index in self.view.selectionModel().selectedIndexes()}
        if not rows and self.view.currentIndex().isValid():
            rows = {self.view.currentIndex().row()}
        return sorted(rows)

    def _select(self, row: int, column: int = KEY, count: int = 1) -> None:
        """Make ``row`` current and select it and the ``count - 1`` rows below it."""
        from PySide6.QtCore import QItemSelection  # each PySide class costs memory once touched

        if not 0 <= row < self.model.rowCount():
            return
        index = self.model.index(row, column)
        self.view.setCurrentIndex(index)
        last = min(row + count, self.model.rowCount()) - 1
        self.view.selectionModel().select(
            QItemSelection(self.model.index(row, KEY), self.model.index(last, TYPE)),
            QItemSelectionModel.SelectionFlag.ClearAndSelect,
        )
        self.view.scrollTo(index)

    def commit_open_edit(self) -> None:
        """Take the text of a cell being edited into the model, as Enter would.

        The other fields follow every keystroke; a cell only on Enter, Tab or focus-out, and
        Ctrl+Return (Send) or Ctrl+S (Save) change neither the focus nor the cell first.
        """
        view = self.view
        if view.state() != QAbstractItemView.State.EditingState:
            return
        editor = view.indexWidget(view.currentIndex())  # the open editor of that cell
        if editor is not None:
            view.commitData(editor)
            view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    @Slot()
    def add_row(self) -> None:
        """Insert an empty row after the current one and start editing its key."""
        current = self.view.currentIndex()
        position = current.row() + 1 if current.isValid() else self.model.rowCount()
        self.model.insert(position, [("", ValueType.AUTO, "")])
        self._select(position)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.view.edit(self.model.index(position, KEY))

    @Slot()
    def remove_rows(self) -> None:
        # An open type editor (its combo box leaves Delete to the table) is closed first:
        # removing its row under it would drop the focus out of the table and make Qt warn
        # that the orphaned editor's commit does not belong to the view.
        self.commit_open_edit()
        rows = self.selected_rows()
        if not rows:
            return
        self.model.remove(rows)
        self._select(min(rows[0], self.model.rowCount() - 1))

    def move_row(self, delta: int) -> None:
        current = self.view.currentIndex()
        if not current.isValid():
            return
        row = self.model.move(current.row(), delta)
        self._select(row, current.column())

    @Slot()
    def paste(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> None:
        """Paste spreadsheet rows after the current row (replacing it if it is empty)."""
        current = self.view.currentIndex()
        if "\t" not in text and "\n" not in text.rstrip("\r\n") and current.isValid():
            # One cell: paste into the current cell, as a spreadsheet would.
            if self.model.flags(current) & Qt.ItemFlag.ItemIsEditable:
                self.model.setData(current, text.rstrip("\r\n"))
            return
        rows = parse_tsv(text)
        if not rows:
            return
        position = current.row() + 1 if current.isValid() else self.model.rowCount()
        over_empty_row = current.isValid() and self.model.rows()[current.row()].is_placeholder()
        if over_empty_row:
            position -= 1
        self.model.insert(position, rows, replace=over_empty_row)
        self._select(position, KEY, len(rows))

    @Slot()
    def copy(self) -> None:
        rows = self.model.rows()
        picked = [rows[r] for r in self.selected_rows()]
        if picked:
            QGuiApplication.clipboard().setText(to_tsv([(r.key, r.text, r.kind) for r in picked]))

    def focus_key(self, key: str | None) -> None:
        """Select the row of ``key`` (if given) and focus the table."""
        if key is not None:
            row = self.model.row_of(key)
            if row >= 0:
                self._select(row)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
