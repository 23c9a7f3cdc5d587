# pytest-qt's QtBot methods carry no annotations; calling them is the point of these tests.
# mypy: disable-error-code="no-untyped-call"
"""The event editor driven as a user drives it: keys, clicks, the clipboard, raw text.

Assertions are on what the user sees (field text, visible notes, list items, the raw text)
and on ``wire_text()``, the exact text the main window sends.
"""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
import time
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QDateTime, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QToolButton,
    QWidget,
)

from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.rules import Finding, Level
from attribution_workbench.ui.event_editor import EventEditor

# The offscreen QPA plugin warns whenever a top-level window with a layout updates its size
# constraints; it is a limitation of the test platform, not something the code does wrong.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

UPPER_UUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")
LOWER_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
IDFA = "AEBE52E7-03EE-455A-B3C4-E57283966239"
ADID = "38400000-8cf0-11bd-b23e-10b96e40000d"
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def child(editor: QWidget, kind: type, name: str) -> Any:
    widget = editor.findChild(kind, name)
    assert widget is not None, f"no {kind.__name__} named {name!r}"
    return widget


def sent(editor: EventEditor) -> dict[str, Any]:
    text = editor.wire_text()
    assert text is not None, "the editor has nothing to send"
    value = json.loads(text)
    assert isinstance(value, dict)
    return value


def note(editor: EventEditor, field: str) -> str:
    """The note text shown under a field, or "" when no note is visible."""
    box = child(editor, QWidget, f"{field}_note")
    # isHidden, not isVisible: a note on the tab that is not current still counts.
    return "" if box.isHidden() else child(box, QLabel, f"{field}_note_text").text()


def listed(editor: EventEditor) -> list[str]:
    findings = child(editor, QListWidget, "findings")
    return [findings.item(row).text() for row in range(findings.count())]


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def focus(widget: QWidget, qtbot: QtBot) -> None:
    """Put the keyboard focus in ``widget``, as a click or Tab would."""
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def valid_ios(**extra: Any) -> AttributionEvent:
    return AttributionEvent(event_type="[Acme] Install", platform="ios", idfa=IDFA, **extra)


# -- platform and IDs --------------------------------------------------------------------


def test_platform_shows_only_its_id_fields(event_editor: EventEditor, qtbot: QtBot) -> None:
    platform = child(event_editor, QComboBox, "platform")
    assert [platform.itemText(i) for i in range(platform.count())] == ["ios", "android"]
    assert [platform.itemData(i) for i in range(platform.count())] == ["ios", "android"]
    shown = {
        name: child(event_editor, QLineEdit, name).isVisible()
        for name in ("idfa", "idfv", "adid", "android_app_set_id", "android_id")
    }
    assert shown == {
        "idfa": True,
        "idfv": True,
        "adid": False,
        "android_app_set_id": False,
        "android_id": False,
    }

    platform.setFocus()
    qtbot.keyClick(platform, Qt.Key.Key_Down)
    assert platform.currentText() == "android"
    shown = {
        name: child(event_editor, QLineEdit, name).isVisible()
        for name in ("idfa", "idfv", "adid", "android_app_set_id", "android_id")
    }
    assert shown == {
        "idfa": False,
        "idfv": False,
        "adid": True,
        "android_app_set_id": True,
        "android_id": True,
    }
    assert sent(event_editor)["platform"] == "android"


def test_switching_platform_keeps_typed_ids_but_sends_only_current(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    platform = child(event_editor, QComboBox, "platform")
    qtbot.keyClicks(child(event_editor, QLineEdit, "idfa"), IDFA)
    qtbot.keyClick(platform, Qt.Key.Key_Down)  # android
    qtbot.keyClicks(child(event_editor, QLineEdit, "adid"), ADID)
    assert sent(event_editor)["adid"] == ADID
    assert "idfa" not in sent(event_editor)

    qtbot.keyClick(platform, Qt.Key.Key_Up)  # back to ios
    assert child(event_editor, QLineEdit, "idfa").text() == IDFA
    assert sent(event_editor)["idfa"] == IDFA
    assert "adid" not in sent(event_editor)
    assert event_editor.current_event().adid is None

    qtbot.keyClick(platform, Qt.Key.Key_Down)
    assert child(event_editor, QLineEdit, "adid").text() == ADID


def test_generate_gives_ids_in_the_platform_case(event_editor: EventEditor, qtbot: QtBot) -> None:
    qtbot.mouseClick(child(event_editor, QToolButton, "generate_idfa"), Qt.MouseButton.LeftButton)
    idfa = child(event_editor, QLineEdit, "idfa").text()
    assert UPPER_UUID.fullmatch(idfa)
    idfv_field = child(event_editor, QLineEdit, "idfv")
    focus(idfv_field, qtbot)  # keys reach the field the user is in
    qtbot.keyClick(idfv_field, Qt.Key.Key_G, CTRL)
    assert UPPER_UUID.fullmatch(idfv_field.text())
    assert sent(event_editor)["idfa"] == idfa and sent(event_editor)["idfv"] == idfv_field.text()

    qtbot.keyClick(child(event_editor, QComboBox, "platform"), Qt.Key.Key_Down)
    for name in ("adid", "android_app_set_id"):
        qtbot.mouseClick(
            child(event_editor, QToolButton, f"generate_{name}"), Qt.MouseButton.LeftButton
        )
        assert LOWER_UUID.fullmatch(child(event_editor, QLineEdit, name).text())
    android_id = child(event_editor, QLineEdit, "android_id")
    focus(android_id, qtbot)
    qtbot.keyClick(android_id, Qt.Key.Key_G, CTRL)
    assert re.fullmatch(r"[0-9a-f]{16}", sent(event_editor)["android_id"])
    assert child(event_editor, QToolButton, "generate_adid").toolTip().count("Ctrl+G") == 1


# -- findings ------------------------------------------------------------------------------


def test_findings_show_next_to_the_field_and_in_the_list_and_clear(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    assert event_editor.has_errors()
    assert note(event_editor, "event_type").startswith("Error:")
    assert any(t.startswith("Error:") and "event_type" in t for t in listed(event_editor))

    reported: list[list[Finding]] = []
    event_editor.findings_changed.connect(reported.append)
    qtbot.keyClicks(child(event_editor, QLineEdit, "event_type"), "[Acme] Install")
    assert len(reported) == len("[Acme] Install")
    assert reported[-1] == event_editor.findings()
    assert not any(f.field == "event_type" for f in reported[-1])
    assert note(event_editor, "event_type") == ""
    assert event_editor.has_errors()  # still no advertising ID
    assert note(event_editor, "idfa").startswith("Error:")

    qtbot.keyClicks(child(event_editor, QLineEdit, "idfa"), "c0a1d3f4-5b6e-4f70-8a9b-0c1d2e3f4a5b")
    assert not event_editor.has_errors()
    assert note(event_editor, "idfa").startswith("Warning:")  # lower case on iOS
    assert any(t.startswith("Warning:") for t in listed(event_editor))
    assert not any(t.startswith("Error:") for t in listed(event_editor))


def test_findings_list_enter_goes_to_the_field(event_editor: EventEditor, qtbot: QtBot) -> None:
    findings = child(event_editor, QListWidget, "findings")
    row = next(i for i, text in enumerate(listed(event_editor)) if "idfa" in text)
    findings.setFocus()
    findings.setCurrentRow(row)
    qtbot.keyClick(findings, Qt.Key.Key_Return)
    assert focused() is child(event_editor, QLineEdit, "idfa")


def test_hidden_platform_id_finding_shows_at_platform(event_editor: EventEditor) -> None:
    event_editor.set_text(
        json.dumps({"event_type": "[A] I", "platform": "ios", "idfa": IDFA, "adid": ADID})
    )
    assert not child(event_editor, QLineEdit, "adid").isVisible()
    assert "adid" in note(event_editor, "platform")
    assert note(event_editor, "platform").startswith("Warning:")


# -- company prefix -----------------------------------------------------------------------


def test_company_prefix_is_applied_once(event_editor: EventEditor, qtbot: QtBot) -> None:
    event_type = child(event_editor, QLineEdit, "event_type")
    prefix = child(event_editor, QLineEdit, "company_prefix")
    apply = child(event_editor, QToolButton, "apply_prefix")
    qtbot.keyClicks(event_type, "Install")
    with qtbot.waitSignal(event_editor.company_prefix_changed) as signal:
        qtbot.keyClicks(prefix, "Acme")
        qtbot.mouseClick(apply, Qt.MouseButton.LeftButton)
    assert signal.args == ["[Acme]"]
    assert event_type.text() == "[Acme] Install"
    qtbot.mouseClick(apply, Qt.MouseButton.LeftButton)
    assert event_type.text() == "[Acme] Install"
    assert sent(event_editor)["event_type"] == "[Acme] Install"
    assert event_editor.company_prefix() == "[Acme]"

    event_type.selectAll()
    qtbot.keyClicks(event_type, "[Other] Open")
    qtbot.keyClick(event_type, Qt.Key.Key_P, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert event_type.text() == "[Acme] Open"

    event_editor.set_company_prefix("[Beta]")
    assert prefix.text() == "[Beta]" and event_editor.company_prefix() == "[Beta]"


# -- user properties -----------------------------------------------------------------------


def press_enter(qtbot: QtBot, table: QTableView) -> None:
    """Enter in a cell editor; the view commits on its next event-loop turn."""
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.NoState)


def edit_cell(qtbot: QtBot, table: QTableView, row: int, column: int, text: str) -> None:
    """F2 on a cell, select all, type, Enter."""
    table.setFocus()
    table.setCurrentIndex(table.model().index(row, column))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    qtbot.keyClick(focused(), Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focused(), text)
    press_enter(qtbot, table)


def add_row(editor: EventEditor, qtbot: QtBot, key: str, value: str) -> None:
    """Add a row with the Add button and type key, Tab, value, Enter."""
    qtbot.mouseClick(child(editor, QToolButton, "add_property"), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(focused(), key)
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), value)
    press_enter(qtbot, child(editor, QTableView, "user_properties"))


def test_tab_goes_key_value_type_then_out_of_the_table_while_editing(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Insert)  # a new row, its key cell being edited
    qtbot.keyClicks(focused(), "[Acme] a")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert table.currentIndex().column() == 1
    qtbot.keyClicks(focused(), "1")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert table.currentIndex().column() == 2 and isinstance(focused(), QComboBox)
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)  # from the last column: out, as when not editing
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.NoState)
    assert focused() is not table and not table.isAncestorOf(focused())
    left_to = focused()
    assert sent(event_editor)["user_properties"] == {"[Acme] a": 1}
    table.setFocus()  # the same place Tab reaches from the table without an edit
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert focused() is left_to


def test_properties_typed_values_become_json(event_editor: EventEditor, qtbot: QtBot) -> None:
    rows = [
        ("[Acme] text", "facebook"),
        ("[Acme] count", "42"),
        ("[Acme] ratio", "-1.5"),
        ("[Acme] organic", "true"),
        ("[Acme] nothing", "null"),
        ("[Acme] obj", '{"a":1}'),
        ("[Acme] list", "[1, 2]"),
        ("[Acme] quoted", '"42"'),
    ]
    for key, value in rows:
        add_row(event_editor, qtbot, key, value)
    props = sent(event_editor)["user_properties"]
    assert list(props) == [key for key, _ in rows]  # row order is key order
    assert props == {
        "[Acme] text": "facebook",
        "[Acme] count": 42,
        "[Acme] ratio": -1.5,
        "[Acme] organic": True,
        "[Acme] nothing": None,
        "[Acme] obj": {"a": 1},
        "[Acme] list": [1, 2],
        "[Acme] quoted": "42",
    }
    table = child(event_editor, QTableView, "user_properties")
    assert table.model().index(1, 2).data() == "auto: number"

    # Type column: make "42" a string with the keyboard (F2, Down = "string").
    table.setCurrentIndex(table.model().index(1, 2))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    combo = focused()
    assert isinstance(combo, QComboBox)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    press_enter(qtbot, table)
    assert sent(event_editor)["user_properties"]["[Acme] count"] == "42"
    assert table.model().index(1, 2).data() == "string"


def test_value_that_does_not_fit_its_type_is_an_error(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    event_editor.set_event(valid_ios())
    QGuiApplication.clipboard().setText("[Acme] n\tabc\tnumber\n")
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_V, CTRL)
    assert event_editor.has_errors()
    assert "not a number" in note(event_editor, "user_properties")
    assert table.model().index(0, 1).data(Qt.ItemDataRole.DecorationRole) is not None
    edit_cell(qtbot, table, 0, 1, "7")
    assert not event_editor.has_errors()
    assert sent(event_editor)["user_properties"] == {"[Acme] n": 7}


def test_a_cell_counts_while_it_is_typed_and_escape_puts_it_back(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    event_editor.set_event(valid_ios(user_properties={"[Acme] n": 1}))
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 1))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    cell = focused()
    assert isinstance(cell, QLineEdit)
    qtbot.keyClick(cell, Qt.Key.Key_End)  # F2 selects the whole text
    qtbot.keyClicks(cell, "23")  # no Enter: the preview follows each keystroke
    assert sent(event_editor)["user_properties"] == {"[Acme] n": 123}
    assert cell.text() == "123" and cell.cursorPosition() == 3  # typing was not disturbed
    qtbot.keyClick(cell, Qt.Key.Key_Home)
    qtbot.keyClicks(cell, "x")
    assert sent(event_editor)["user_properties"] == {"[Acme] n": "x123"}
    assert cell.cursorPosition() == 1
    qtbot.keyClick(cell, Qt.Key.Key_Escape)  # the value from before the edit comes back
    assert sent(event_editor)["user_properties"] == {"[Acme] n": 1}
    assert table.model().index(0, 1).data(Qt.ItemDataRole.EditRole) == "1"


def test_escape_in_a_cell_gives_an_opened_text_its_authority_back(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    # An opened file's text is sent as written ("1.50" stays "1.50"). The cell's first
    # keystroke hands the authority to the form; Escape must hand it back, text and all,
    # or the window would stay "modified" and send the form's compact JSON instead.
    from attribution_workbench.ui.unsaved import UnsavedChanges

    text = (
        '{"event_type": "[Acme] Install", "platform": "ios", '
        f'"idfa": "{IDFA}", "user_properties": {{"[Acme] price": 1.50}}}}'
    )
    event_editor.set_text(text)
    unsaved = UnsavedChanges(event_editor, event_editor)
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 1))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    cell = focused()
    qtbot.keyClicks(cell, "9")
    assert event_editor.wire_text() != text and unsaved.is_modified()
    qtbot.keyClick(cell, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: event_editor.wire_text() == text)
    assert not unsaved.is_modified()
    assert not child(event_editor, QPushButton, "raw_restore").isVisibleTo(event_editor)


def test_properties_remove_and_reorder_with_keys_and_buttons(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    event_editor.set_event(valid_ios(user_properties={"a": 1, "b": 2, "c": 3, "d": 4}))
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    table.setCurrentIndex(table.model().index(2, 0))  # c
    qtbot.keyClick(table, Qt.Key.Key_Up, ALT)
    assert list(sent(event_editor)["user_properties"]) == ["a", "c", "b", "d"]
    qtbot.mouseClick(
        child(event_editor, QToolButton, "move_property_up"), Qt.MouseButton.LeftButton
    )
    assert list(sent(event_editor)["user_properties"]) == ["c", "a", "b", "d"]
    qtbot.keyClick(table, Qt.Key.Key_Down, ALT)
    qtbot.keyClick(table, Qt.Key.Key_Down, ALT)
    assert list(sent(event_editor)["user_properties"]) == ["a", "b", "c", "d"]
    assert table.currentIndex().row() == 2  # the moved row stays current

    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert list(sent(event_editor)["user_properties"]) == ["a", "b", "d"]
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.mouseClick(child(event_editor, QToolButton, "remove_property"), Qt.MouseButton.LeftButton)
    assert sent(event_editor)["user_properties"] == {"b": 2, "d": 4}
    qtbot.keyClick(table, Qt.Key.Key_Insert)
    qtbot.keyClicks(focused(), "e")
    press_enter(qtbot, table)
    assert sent(event_editor)["user_properties"] == {"b": 2, "e": "", "d": 4}


def test_paste_rows_from_a_spreadsheet(event_editor: EventEditor, qtbot: QtBot) -> None:
    event_editor.set_event(valid_ios())
    QGuiApplication.clipboard().setText(
        "Key\tValue\r\n"
        "[Acme] network\tfacebook\r\n"
        "[Acme] cost\t1.25\r\n"
        '[Acme] note\t"two\r\nlines"\r\n'
        "[Acme] id\t007\r\n"
        "[Acme] zip\t01234\tstring\r\n"
    )
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_V, CTRL)
    assert sent(event_editor)["user_properties"] == {
        "[Acme] network": "facebook",
        "[Acme] cost": 1.25,
        "[Acme] note": "two\r\nlines",
        "[Acme] id": "007",
        "[Acme] zip": "01234",
    }
    assert child(event_editor, QLabel, "user_properties_count").text() == "5 rows"
    # Ctrl+C copies selected rows back as key<TAB>value lines.
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(table.model().index(0, 0)).center(),
    )
    qtbot.keyClick(table, Qt.Key.Key_C, CTRL)
    assert QGuiApplication.clipboard().text() == "[Acme] network\tfacebook\n"
    # All rows copied, removed and pasted back: each keeps its type ("42" stays a string).
    event_editor.form.properties.paste_text("[Acme] code\t42\tstring\n[Acme] on\ttrue\tstring\n")
    before = sent(event_editor)["user_properties"]
    assert before["[Acme] code"] == "42" and before["[Acme] on"] == "true"
    qtbot.keyClick(table, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(table, Qt.Key.Key_C, CTRL)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert "user_properties" not in sent(event_editor)
    qtbot.keyClick(table, Qt.Key.Key_V, CTRL)
    assert sent(event_editor)["user_properties"] == before


def test_paste_over_the_empty_row_is_one_edit(event_editor: EventEditor) -> None:
    event_editor.set_event(valid_ios())
    table = event_editor.form.properties
    table.add_row()  # an empty row, current: a paste replaces it
    assert table.model.rows()[table.view.currentIndex().row()].is_placeholder()
    edits: list[bool] = []
    table.model.edited.connect(lambda: edits.append(True))
    table.paste_text("[Acme] a\t1\n[Acme] b\t2\n")
    assert edits == [True]  # one edit: one refresh of the editor, no in-between event
    assert sent(event_editor)["user_properties"] == {"[Acme] a": 1, "[Acme] b": 2}


def test_table_keys_win_over_a_window_wide_paste_action(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    triggered: list[bool] = []
    action = QAction("Paste", event_editor)
    action.setShortcut(QKeySequence.StandardKey.Paste)
    action.triggered.connect(lambda: triggered.append(True))
    event_editor.addAction(action)  # like an Edit ▸ Paste menu item of the main window
    QGuiApplication.clipboard().setText("[Acme] a\t1\n[Acme] b\t2\n")
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_V, CTRL)
    assert sent(event_editor)["user_properties"] == {"[Acme] a": 1, "[Acme] b": 2}
    assert not triggered


def test_duplicate_keys_are_flagged_not_merged(event_editor: EventEditor, qtbot: QtBot) -> None:
    event_editor.set_event(valid_ios())
    QGuiApplication.clipboard().setText("[Acme] k\t1\n[Acme] other\t2\n[Acme] k\t3\n")
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_V, CTRL)
    duplicates = [f for f in event_editor.findings() if f.property_key == "[Acme] k"]
    assert [f.level for f in duplicates] == [Level.ERROR]
    assert "rows 1 and 3" in duplicates[0].message
    assert event_editor.has_errors()
    assert "rows 1 and 3" in note(event_editor, "user_properties")
    model = table.model()
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None
    assert model.index(1, 0).data(Qt.ItemDataRole.DecorationRole) is None
    assert "row(s) 3" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)

    edit_cell(qtbot, table, 2, 0, "[Acme] k2")
    assert not event_editor.has_errors()
    assert sent(event_editor)["user_properties"] == {
        "[Acme] k": 1,
        "[Acme] other": 2,
        "[Acme] k2": 3,
    }


def test_a_thousand_properties(event_editor: EventEditor, qtbot: QtBot) -> None:
    props = {f"[Acme] key {i:04}": (i if i % 2 else f"value {i}") for i in range(1000)}
    event_editor.set_event(valid_ios(user_properties=props))
    table = child(event_editor, QTableView, "user_properties")
    assert table.model().rowCount() == 1000
    assert child(event_editor, QLabel, "user_properties_count").text() == "1000 rows"
    assert table.indexAt(QPoint(5, 5)).data() == "[Acme] key 0000"
    table.scrollToBottom()
    qtbot.waitUntil(lambda: table.indexAt(QPoint(5, table.viewport().height() - 5)).row() > 990)
    assert sent(event_editor)["user_properties"] == props
    qtbot.keyClicks(child(event_editor, QLineEdit, "event_type"), " 2")
    assert sent(event_editor)["user_properties"] == props
    assert sent(event_editor)["event_type"] == "[Acme] Install 2"


# -- time ----------------------------------------------------------------------------------


def test_time_now_clear_and_milliseconds(event_editor: EventEditor, qtbot: QtBot) -> None:
    ms_field = child(event_editor, QLineEdit, "time")
    picker = child(event_editor, QDateTimeEdit, "time_picker")
    summary = child(event_editor, QLabel, "time_summary")
    assert ms_field.text() == "" and "not set" in ms_field.placeholderText()
    assert "upload time" in summary.text()
    assert "time" not in sent(event_editor)

    before = int(time.time() * 1000)
    qtbot.mouseClick(child(event_editor, QPushButton, "time_now"), Qt.MouseButton.LeftButton)
    ms = int(ms_field.text())
    assert before <= ms <= int(time.time() * 1000)
    assert sent(event_editor)["time"] == ms
    assert picker.dateTime().toMSecsSinceEpoch() == ms

    qtbot.mouseClick(child(event_editor, QPushButton, "time_clear"), Qt.MouseButton.LeftButton)
    assert ms_field.text() == "" and "time" not in sent(event_editor)

    qtbot.keyClicks(ms_field, "1,700,000,000,123")
    assert sent(event_editor)["time"] == 1700000000123
    assert picker.dateTime() == QDateTime.fromMSecsSinceEpoch(1700000000123)
    assert "2023-11-14 22:13:20.123 UTC" in summary.text()

    picker.setFocus()
    qtbot.keyClick(picker, Qt.Key.Key_Home)  # the year section
    qtbot.keyClick(picker, Qt.Key.Key_Up)
    assert (
        picker.dateTime().date().year()
        == QDateTime.fromMSecsSinceEpoch(1700000000123).date().year() + 1
    )
    assert int(ms_field.text()) == picker.dateTime().toMSecsSinceEpoch()
    assert sent(event_editor)["time"] == int(ms_field.text())

    ms_field.clear()
    qtbot.keyClicks(ms_field, "soon")
    assert sent(event_editor)["time"] == "soon"  # kept as typed; the rules explain
    assert note(event_editor, "time").startswith("Error:")


def test_a_time_past_64_bits_is_kept_sent_as_typed_and_survives_a_restore(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    # Nanoseconds pasted: past Qt's 64 bits, still the user's value (and the rules say so).
    huge = 17000000000000000000
    ms_field = child(event_editor, QLineEdit, "time")
    qtbot.keyClicks(ms_field, str(huge))
    assert sent(event_editor)["time"] == huge
    assert "nanoseconds" in note(event_editor, "time")
    # The raw text, edited past that value, keeps what is sent in step with what is shown.
    raw = child(event_editor, QPlainTextEdit, "event_json")
    text = raw.toPlainText().replace('"time": ' + str(huge), '"time": ' + str(huge) + "1")
    raw.setPlainText(text)
    assert sent(event_editor)["time"] == huge * 10 + 1
    raw.setPlainText(text.replace("1700", "1800", 1))
    assert sent(event_editor)["time"] == 18000000000000000000 * 10 + 1
    state = event_editor.save_state()
    event_editor.restore_state(state)
    assert sent(event_editor)["time"] == 18000000000000000000 * 10 + 1


def test_an_explicit_empty_user_properties_survives_a_restore(event_editor: EventEditor) -> None:
    event_editor.set_text(
        f'{{"event_type": "[Acme] I", "platform": "ios", "idfa": "{IDFA}",'
        ' "user_properties": {}}'
    )
    event_editor.on_form_edited()  # the form takes over (as a form edit would)
    assert sent(event_editor)["user_properties"] == {}
    state = event_editor.save_state()
    event_editor.restore_state(json.loads(json.dumps(state)))  # as QSettings keeps it
    assert sent(event_editor)["user_properties"] == {}


# -- raw JSON ------------------------------------------------------------------------------


def test_raw_json_round_trip(event_editor: EventEditor, qtbot: QtBot) -> None:
    qtbot.keyClicks(child(event_editor, QLineEdit, "event_type"), "[Acme] Install")
    qtbot.keyClicks(child(event_editor, QLineEdit, "idfa"), IDFA)
    raw = child(event_editor, QPlainTextEdit, "event_json")
    source = child(event_editor, QLabel, "raw_source")
    assert json.loads(raw.toPlainText()) == {
        "event_type": "[Acme] Install",
        "platform": "ios",
        "idfa": IDFA,
    }
    assert "\n  " in raw.toPlainText()  # shown indented ...
    assert event_editor.wire_text() == (  # ... sent compact
        '{"event_type":"[Acme] Install","platform":"ios","idfa":"' + IDFA + '"}'
    )
    assert "compact" in source.text()

    qtbot.keyClick(event_editor, Qt.Key.Key_J, ALT)
    tabs = event_editor.tabs
    assert tabs.currentIndex() == 1
    raw.setFocus()
    cursor = raw.document().find("Install")
    raw.setTextCursor(cursor)  # the word selected; typing replaces it
    qtbot.keyClicks(raw, "Open")
    assert child(event_editor, QLineEdit, "event_type").text() == "[Acme] Open"
    assert event_editor.wire_text() == raw.toPlainText()  # sent as typed, indentation and all
    assert "as typed" in source.text()
    assert event_editor.current_event().raw_text == raw.toPlainText()

    qtbot.keyClicks(child(event_editor, QLineEdit, "event_type"), "!")
    assert json.loads(raw.toPlainText())["event_type"] == "[Acme] Open!"
    assert event_editor.wire_text() == json.dumps(
        json.loads(raw.toPlainText()), separators=(",", ":")
    )


def test_raw_text_with_custom_spacing_is_sent_verbatim(event_editor: EventEditor) -> None:
    text = f'{{ "event_type" :"[A] I" ,\r\n\t"platform":"ios",  "idfa" : "{IDFA}" }}  \n'
    event_editor.set_text(text)
    assert event_editor.wire_text() == text
    assert event_editor.current_event().event_type == "[A] I"
    assert child(event_editor, QLineEdit, "idfa").text() == IDFA


def test_bad_json_keeps_the_text_and_points_at_the_error(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    event_editor.set_text('{\n  "event_type": "[A] I",\n  "platform": "ios",\n  "idfa": "X"\n}')
    raw = child(event_editor, QPlainTextEdit, "event_json")
    event_editor.tabs.setCurrentIndex(1)
    raw.setFocus()
    cursor = raw.document().find('"[A] I",')
    cursor.setPosition(cursor.selectionEnd())
    raw.setTextCursor(cursor)
    qtbot.keyClick(raw, Qt.Key.Key_Backspace)  # delete the comma after "[A] I"
    broken = '{\n  "event_type": "[A] I"\n  "platform": "ios",\n  "idfa": "X"\n}'
    assert raw.toPlainText() == broken
    assert event_editor.wire_text() is None
    assert event_editor.has_errors()
    assert note(event_editor, "event_json").startswith("Error:")
    assert "The event is not valid JSON" in note(event_editor, "event_json")
    assert "line 3, column 3" in note(event_editor, "event_json")
    assert any("not valid JSON" in text for text in listed(event_editor))
    assert "Nothing can be sent" in child(event_editor, QLabel, "raw_source").text()
    # The form keeps the last good event.
    assert child(event_editor, QLineEdit, "event_type").text() == "[A] I"
    assert event_editor.current_event().event_type == "[A] I"

    goto = child(event_editor, QPushButton, "raw_goto_error")
    assert goto.isVisible() and "line 3, column 3" in goto.text()
    raw.moveCursor(raw.textCursor().MoveOperation.Start)
    qtbot.mouseClick(goto, Qt.MouseButton.LeftButton)
    assert raw.textCursor().position() == broken.index('"platform"')
    assert raw.textCursor().blockNumber() == 2

    # Things that are not form edits never touch the text.
    event_editor.set_company_prefix("[Other]")
    assert raw.toPlainText() == broken

    # A form edit replaces the text, and the user's text can be restored.
    qtbot.keyClicks(child(event_editor, QLineEdit, "event_type"), "!")
    assert json.loads(raw.toPlainText())["event_type"] == "[A] I!"
    restore = child(event_editor, QPushButton, "raw_restore")
    assert restore.isVisible()
    qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)
    assert raw.toPlainText() == broken and event_editor.wire_text() is None
    assert not restore.isVisible()


def test_error_position_counts_characters_outside_the_basic_plane(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    event_editor.set_text('{"event_type": "🎉🎉", x}')
    raw = child(event_editor, QPlainTextEdit, "event_json")
    qtbot.mouseClick(child(event_editor, QPushButton, "raw_goto_error"), Qt.MouseButton.LeftButton)
    cursor = raw.textCursor()
    cursor.movePosition(cursor.MoveOperation.Right, cursor.MoveMode.KeepAnchor)
    assert cursor.selectedText() == "x"


@pytest.mark.parametrize(
    ("text", "words"),
    [("[1, 2]", "JSON array"), ("42", "JSON number"), ('"x"', "JSON string"), ("", "empty")],
)
def test_text_that_is_not_an_object_says_what_it_is(
    event_editor: EventEditor, text: str, words: str
) -> None:
    event_editor.set_event(valid_ios())
    event_editor.set_text(text)
    assert event_editor.wire_text() is None and event_editor.has_errors()
    assert words in note(event_editor, "event_json")
    assert not child(event_editor, QPushButton, "raw_goto_error").isVisible()
    assert event_editor.current_event().event_type == "[Acme] Install"


def test_format_reindents_keeping_duplicates_and_numbers(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    event_editor.set_text(
        '{"event_type":"[A] I","platform":"ios","idfa":"' + IDFA + '","time":1.50e3,'
        '"user_properties":{"k":1,"k":2}}'
    )
    qtbot.mouseClick(child(event_editor, QPushButton, "raw_format"), Qt.MouseButton.LeftButton)
    text = child(event_editor, QPlainTextEdit, "event_json").toPlainText()
    assert '"time": 1.50e3' in text
    assert text.count('"k"') == 2
    assert event_editor.wire_text() == text
    assert any("more than once" in f.message for f in event_editor.findings())


def test_unknown_keys_are_kept_and_shown(event_editor: EventEditor, qtbot: QtBot) -> None:
    event_editor.set_text(
        json.dumps(
            {
                "event_type": "[A] I",
                "platform": "ios",
                "idfa": IDFA,
                "campaign_id": "c1",
                "user_id": "u1",
            }
        )
    )
    other = child(event_editor, QListWidget, "other_keys")
    assert other.isVisible()
    assert [other.item(i).text() for i in range(other.count())] == [
        'campaign_id: "c1"',
        'user_id: "u1"',
    ]
    assert "campaign_id" in note(event_editor, "other_keys")
    qtbot.keyClicks(child(event_editor, QLineEdit, "event_type"), "!")  # a form edit
    assert sent(event_editor)["campaign_id"] == "c1" and sent(event_editor)["user_id"] == "u1"

    other.setFocus()
    other.setCurrentRow(0)
    qtbot.keyClick(other, Qt.Key.Key_Delete)
    assert "campaign_id" not in sent(event_editor) and sent(event_editor)["user_id"] == "u1"


def test_a_platform_that_is_not_a_string_is_followed_not_fatal(event_editor: EventEditor) -> None:
    # Raw JSON may put anything under "platform"; the form must follow it like any text.
    event_editor.set_text('{"event_type": "[A] I", "platform": ["ios"]}')
    assert json.loads(event_editor.wire_text() or "null")["platform"] == ["ios"]
    assert any(f.field == "platform" for f in event_editor.findings())


def test_true_after_1_is_a_new_value_in_properties_and_other_keys(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    # In Python 1 == True; on the wire they differ, so the form must not keep the old one.
    base = {"event_type": "[A] I", "platform": "ios", "idfa": IDFA}
    event_editor.set_text(json.dumps({**base, "user_properties": 1, "foo": 1}))
    event_editor.set_text(json.dumps({**base, "user_properties": True, "foo": True}))
    other = child(event_editor, QListWidget, "other_keys")
    assert [other.item(i).text() for i in range(other.count())] == ["foo: true"]
    qtbot.keyClicks(child(event_editor, QLineEdit, "event_type"), "!")  # a form edit
    assert sent(event_editor)["user_properties"] is True
    assert sent(event_editor)["foo"] is True


def test_values_of_the_wrong_type_survive_until_edited(event_editor: EventEditor) -> None:
    event_editor.set_text(
        '{"event_type": 5, "platform": "web", "idfa": "' + IDFA + '", "time": "1"}'
    )
    assert child(event_editor, QLineEdit, "event_type").text() == "5"
    platform = child(event_editor, QComboBox, "platform")
    assert platform.currentIndex() == -1 and '"web"' in platform.placeholderText()
    assert note(event_editor, "platform").startswith("Error:")
    assert child(event_editor, QLineEdit, "time").text() == '"1"'
    # Unknown platform: every ID field is shown.
    assert child(event_editor, QLineEdit, "adid").isVisible()
    child(event_editor, QLineEdit, "idfv").setText("")  # nothing the user did
    event = event_editor.form.build_event()
    assert (event.event_type, event.platform, event.time) == (5, "web", "1")


def test_raw_edits_keep_the_hidden_platform_ids_typed_in_the_form(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    qtbot.keyClicks(child(event_editor, QLineEdit, "idfa"), IDFA)
    qtbot.keyClick(child(event_editor, QComboBox, "platform"), Qt.Key.Key_Down)  # android
    event_editor.set_text(json.dumps({"event_type": "[A] I", "platform": "android", "adid": ADID}))
    qtbot.keyClick(child(event_editor, QComboBox, "platform"), Qt.Key.Key_Up)  # ios
    assert child(event_editor, QLineEdit, "idfa").text() == IDFA
    assert sent(event_editor) == {"event_type": "[A] I", "platform": "ios", "idfa": IDFA}


def test_control_characters_and_right_to_left_text_survive(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    props = {
        "ctl": "a\x00b\x01\x1f\n\r\t\x7f",
        "rtl": "שלום \u200fعربي\u202e!",
        "[Acme] κλειδί": "ü\u2028\u2029",
        "astral": "🎉𝄞",
    }
    event_editor.set_event(
        AttributionEvent(
            event_type="[Acme] \u05d0\u200f", platform="ios", idfa=IDFA, user_properties=props
        )
    )
    assert sent(event_editor)["user_properties"] == props
    raw = child(event_editor, QPlainTextEdit, "event_json")
    assert json.loads(raw.toPlainText())["user_properties"] == props

    raw.setFocus()
    raw.moveCursor(raw.textCursor().MoveOperation.End)
    qtbot.keyClicks(raw, " ")  # a raw edit: the text as shown is sent
    assert sent(event_editor)["user_properties"] == props
    assert sent(event_editor)["event_type"] == "[Acme] \u05d0\u200f"

    qtbot.keyClick(child(event_editor, QLineEdit, "idfv"), Qt.Key.Key_G, CTRL)  # a form edit
    assert sent(event_editor)["user_properties"] == props
    assert sent(event_editor)["event_type"] == "[Acme] \u05d0\u200f"


# -- state ---------------------------------------------------------------------------------


def test_save_and_restore_state(event_editor: EventEditor, qtbot: QtBot) -> None:
    qtbot.keyClicks(child(event_editor, QLineEdit, "idfa"), IDFA)
    qtbot.keyClick(child(event_editor, QComboBox, "platform"), Qt.Key.Key_Down)
    event_editor.set_event(
        AttributionEvent(
            event_type="[Acme] Install",
            platform="android",
            adid=ADID,
            time=1700000000000,
            user_properties={"[Acme] zip": "01234", "[Acme] n": 5},
            extra={"custom": [1]},
        )
    )
    QGuiApplication.clipboard().setText("[Acme] bad\tabc\tnumber\n")
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_V, CTRL)
    state = json.loads(json.dumps(event_editor.save_state()))  # what QSettings would keep

    restored = EventEditor()
    qtbot.addWidget(restored)
    restored.restore_state(state)
    assert restored.wire_text() == event_editor.wire_text()
    assert restored.findings() == event_editor.findings()
    model = child(restored, QTableView, "user_properties").model()
    types = {model.index(r, 0).data(): model.index(r, 2).data() for r in range(model.rowCount())}
    assert types == {
        "[Acme] zip": "auto: string",
        "[Acme] n": "auto: number",
        "[Acme] bad": "number",
    }

    event_editor.set_text('{"event_type": "[A] I",  "platform": "ios", "idfa": "' + IDFA + '"')
    state = json.loads(json.dumps(event_editor.save_state()))
    restored.restore_state(state)
    assert child(restored, QPlainTextEdit, "event_json").toPlainText() == (
        event_editor.wire_text() or child(event_editor, QPlainTextEdit, "event_json").toPlainText()
    )
    assert restored.wire_text() is None and restored.is_raw_authority()


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "x",
        42,
        [],
        {"version": 99},
        {"version": 1, "form": {"values": 5}},
        {"version": 1, "form": {"values": {}, "rows": [["a", "bogus", "1"]]}},
        {"version": 1, "form": {"values": {}, "rows": [[1, "auto", "1"]]}},
        {"version": 1, "form": {"values": {}, "extra": {"k": object()}}},
        {"version": 1, "form": {"values": {}}, "raw_text": 5, "tab": "raw"},
    ],
)
def test_restore_state_tolerates_garbage(qtbot: QtBot, garbage: Any) -> None:
    editor = EventEditor()
    qtbot.addWidget(editor)
    editor.set_text("broken")
    editor.restore_state(garbage)
    assert editor.wire_text() is not None
    assert not editor.is_raw_authority()
    if garbage == {"version": 1, "form": {"values": {}}, "raw_text": 5, "tab": "raw"}:
        assert editor.wire_text() == "{}"
    else:
        assert editor.wire_text() == '{"platform":"ios"}'


# -- keyboard and accessibility ------------------------------------------------------------

INPUTS = (
    "event_type",
    "company_prefix",
    "apply_prefix",
    "platform",
    "idfa",
    "generate_idfa",
    "idfv",
    "generate_idfv",
    "adid",
    "generate_adid",
    "android_app_set_id",
    "generate_android_app_set_id",
    "android_id",
    "generate_android_id",
    "time",
    "time_picker",
    "time_now",
    "time_clear",
    "add_property",
    "remove_property",
    "move_property_up",
    "move_property_down",
    "paste_properties",
    "user_properties",
    "other_keys",
    "remove_other_key",
    "event_json",
    "raw_format",
    "raw_restore",
    "findings",
)


def test_every_input_has_an_accessible_name_description_and_tooltip(
    event_editor: EventEditor,
) -> None:
    for name in INPUTS:
        widget = child(event_editor, QWidget, name)
        assert widget.accessibleName(), name
        assert widget.accessibleDescription(), name
        assert widget.toolTip(), name


def test_mnemonics_and_tab_order(event_editor: EventEditor, qtbot: QtBot) -> None:
    event_type = child(event_editor, QLineEdit, "event_type")
    event_type.setFocus()
    for key, name in [
        (Qt.Key.Key_L, "platform"),
        (Qt.Key.Key_A, "idfa"),
        (Qt.Key.Key_D, "idfv"),
        (Qt.Key.Key_P, "user_properties"),
        (Qt.Key.Key_M, "time"),
        (Qt.Key.Key_X, "company_prefix"),
        (Qt.Key.Key_G, "findings"),
        (Qt.Key.Key_Y, "event_type"),
    ]:
        qtbot.keyClick(focused(), key, ALT)
        assert focused().objectName() == name
    qtbot.keyClick(focused(), Qt.Key.Key_J, ALT)
    assert event_editor.tabs.currentIndex() == 1
    qtbot.keyClick(focused(), Qt.Key.Key_O, ALT)
    assert event_editor.tabs.currentIndex() == 0
    event_type.setFocus()

    order = []
    for _ in range(6):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        order.append(focused().objectName())
    assert order == ["company_prefix", "apply_prefix", "platform", "idfa", "generate_idfa", "idfv"]
    generate = child(event_editor, QAbstractButton, "generate_idfa")
    generate.setFocus()
    qtbot.keyClick(generate, Qt.Key.Key_Space)
    assert UPPER_UUID.fullmatch(child(event_editor, QLineEdit, "idfa").text())

    raw = child(event_editor, QPlainTextEdit, "event_json")
    qtbot.keyClick(focused(), Qt.Key.Key_J, ALT)
    raw.setFocus()
    qtbot.keyClick(raw, Qt.Key.Key_Tab)  # Tab leaves the editor instead of typing a tab
    assert focused() is not raw and "\t" not in raw.toPlainText()


def test_event_changed_fires_once_per_edit(event_editor: EventEditor, qtbot: QtBot) -> None:
    count: list[int] = []
    event_editor.event_changed.connect(lambda: count.append(1))
    qtbot.keyClicks(child(event_editor, QLineEdit, "event_type"), "abc")
    assert len(count) == 3
    event_editor.set_text("{}")
    event_editor.set_event(valid_ios())
    assert len(count) == 5


def test_findings_for_a_property_and_for_the_text_go_to_their_place(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    event_editor.set_event(valid_ios(user_properties={"[Acme] a": 1, "no prefix": 2}))
    finding = next(f for f in event_editor.findings() if f.property_key == "no prefix")
    event_editor.focus_finding(finding)
    table = child(event_editor, QTableView, "user_properties")
    assert focused() is child(event_editor, QTableView, "user_properties")
    assert table.currentIndex().row() == 1

    event_editor.set_text('{"event_type": }')
    findings = child(event_editor, QListWidget, "findings")
    qtbot.mouseClick(
        findings.viewport(),
        Qt.MouseButton.LeftButton,
        pos=findings.visualItemRect(findings.item(0)).center(),
    )
    raw = child(event_editor, QPlainTextEdit, "event_json")
    assert raw.textCursor().position() == len('{"event_type": ')
    assert event_editor.tabs.currentIndex() == 1
    assert focused() is child(event_editor, QPlainTextEdit, "event_json")


def test_set_event_with_raw_text_is_sent_verbatim(event_editor: EventEditor) -> None:
    text = '{"event_type":"[A] I",   "platform":"ios","idfa":"' + IDFA + '"}'
    event_editor.set_event(AttributionEvent(event_type="[A] I", platform="ios", raw_text=text))
    assert event_editor.wire_text() == text and event_editor.is_raw_authority()
    event_editor.set_event(valid_ios())
    assert not event_editor.is_raw_authority()
    assert sent(event_editor) == {"event_type": "[Acme] Install", "platform": "ios", "idfa": IDFA}


def test_many_edits_do_not_wear_out_true(event_editor: EventEditor, qtbot: QtBot) -> None:
    """PySide6 6.12.0's emit() drops a reference to True on each call (pyproject excludes it
    on Python < 3.12, where that aborts the interpreter); this guards against a regression."""
    event_type = child(event_editor, QLineEdit, "event_type")
    gc.collect()
    before = sys.getrefcount(True)
    for _ in range(5):
        qtbot.keyClicks(event_type, "abcdefghij" * 10)
        event_type.clear()
    gc.collect()
    # On 6.12.0 about 1,500 references go (3 emits a key); other code moves a few dozen.
    assert before - sys.getrefcount(True) < 300


def test_each_raw_keystroke_parses_the_text_once(
    event_editor: EventEditor, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    event_editor.set_text(f'{{"event_type": "[A] I", "platform": "ios", "idfa": "{IDFA}", "a": 1}}')
    raw = child(event_editor, QPlainTextEdit, "event_json")
    raw.setFocus()
    raw.moveCursor(raw.textCursor().MoveOperation.End)
    parsed: list[str] = []
    loads = json.loads

    def counting_loads(text: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(text)
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting_loads)
    qtbot.keyClick(raw, Qt.Key.Key_Space)
    monkeypatch.undo()
    assert parsed.count(raw.toPlainText()) == 1
    assert event_editor.wire_text() == raw.toPlainText()
    assert any(f.field == "a" for f in event_editor.findings())  # the rules still ran


def test_finding_icons_are_one_size_in_notes_and_list(event_editor: EventEditor) -> None:
    # The list's default icon size (the style's) is larger than the notes' 16 px.
    findings = child(event_editor, QListWidget, "findings")
    assert (findings.iconSize().width(), findings.iconSize().height()) == (16, 16)


# -- key bindings and memory ---------------------------------------------------------------

EVENT_CLASSES_AFTER_START = r"""
import sys
from PySide6 import QtGui
from PySide6.QtWidgets import QApplication
from attribution_workbench.ui.event_editor import EventEditor
app = QApplication([])
editor = EventEditor()
editor.resize(1000, 900)
editor.show()
for _ in range(20):
    app.processEvents()
print(",".join(sorted(name for name in vars(QtGui) if name.endswith("Event"))))
"""


def test_a_shown_editor_has_not_made_pyside_build_every_event_class() -> None:
    # A Python event filter (or event() override) makes PySide build the classes of all ~50
    # QEvent subclasses on its first event (0.5 MB of idle memory): ui/keys.py installs
    # its filters on first focus, so showing the editor builds only the few it handles.
    result = subprocess.run(
        [sys.executable, "-c", EVENT_CLASSES_AFTER_START],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    built = result.stdout.strip().splitlines()[-1].split(",")
    assert "QDragEnterEvent" not in built and "QTabletEvent" not in built, built
    assert len(built) < 10


def test_bound_keys_work_once_the_field_has_had_the_focus(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    from attribution_workbench.ui.keys import KeyBindings

    idfv = child(event_editor, QLineEdit, "idfv")
    bindings = idfv.findChild(KeyBindings)
    assert bindings is not None and not bindings.filtering  # nothing focused it yet
    qtbot.mouseClick(idfv, Qt.MouseButton.LeftButton)  # a click gives the focus
    qtbot.waitUntil(idfv.hasFocus)
    assert bindings.filtering
    qtbot.keyClick(idfv, Qt.Key.Key_G, CTRL)
    assert UPPER_UUID.fullmatch(idfv.text())
    idfv.clearFocus()
    qtbot.keyClick(child(event_editor, QLineEdit, "event_type"), Qt.Key.Key_A)
    assert bindings.filtering  # stays installed: refocusing costs nothing


def test_a_binding_made_on_the_focused_widget_filters_at_once_without_warnings(
    event_editor: EventEditor, qtbot: QtBot
) -> None:
    import warnings

    from attribution_workbench.ui.keys import bind_keys

    prefix = child(event_editor, QLineEdit, "event_type")
    focus(prefix, qtbot)
    hits: list[bool] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PySide warns on a disconnect that was never made
        bindings = bind_keys(prefix, ("Ctrl+Shift+J", lambda: hits.append(True)))
    assert bindings.filtering
    qtbot.keyClick(prefix, Qt.Key.Key_J, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert hits == [True]


def test_a_binding_works_when_the_focus_goes_to_a_child_of_the_widget(qtbot: QtBot) -> None:
    from attribution_workbench.ui.keys import bind_keys

    outer = QWidget()
    inner = QLineEdit(outer)  # like a table's cell editor: keys it ignores go to the parent
    qtbot.addWidget(outer)
    outer.show()
    qtbot.waitExposed(outer)
    outer.activateWindow()
    qtbot.waitUntil(outer.isActiveWindow)
    hits: list[bool] = []
    bindings = bind_keys(outer, ("Alt+Down", lambda: hits.append(True)))
    focus(inner, qtbot)
    assert bindings.filtering
    qtbot.keyClick(inner, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert hits == [True]


def test_delete_while_a_type_editor_is_open_removes_the_row_quietly(
    event_editor: EventEditor, qtbot: QtBot, qtlog: Any
) -> None:
    # The type column's combo box does not take Delete, so the table's Delete removes the
    # selected rows with the editor still open; Qt then logged "commitData called with an
    # editor that does not belong to this view" when the editor lost focus.
    event_editor.set_event(valid_ios(user_properties={"a": 1, "b": "x", "c": True}))
    table = child(event_editor, QTableView, "user_properties")
    table.setFocus()
    table.setCurrentIndex(table.model().index(1, 2))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    assert isinstance(focused(), QComboBox)
    qtbot.keyClick(focused(), Qt.Key.Key_Down)  # a new type for "b", committed at once
    qtbot.keyClick(focused(), Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.NoState)
    qtbot.wait(50)  # the removed editor's deferred deletion and focus change
    assert sent(event_editor)["user_properties"] == {"a": 1, "c": True}
    assert table.hasFocus() or table.isAncestorOf(focused())
    warnings = [r.message for r in qtlog.records if "commitData" in r.message]
    assert warnings == []
