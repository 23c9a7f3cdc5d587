"""Small layout helpers and the spacing every panel shares.

Panels are built in code; these keep that code short and the spacing consistent:
``hbox``/``vbox`` take widgets, layouts, ``STRETCH`` or an int (fixed space) in order, and
``annotate`` gives a widget its accessible name, description and tooltip in one call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

# Named spacings (pixels). Qt's defaults vary by style; a tool people screenshot should not.
TIGHT_SPACING = 2  # between a field and its note
SPACING = 6  # between widgets in a row
GROUP_SPACING = 12  # between groups of fields
NO_MARGIN = 0
MARGIN = 9  # inside a panel


class _Stretch:
    """Marker for ``hbox``/``vbox``: take the free space here."""


STRETCH = _Stretch()

Item = QWidget | QLayout | _Stretch | int | None


def _fill(layout: QBoxLayout, items: tuple[Item, ...], spacing: int, margin: int) -> None:
    layout.setSpacing(spacing)
    layout.setContentsMargins(margin, margin, margin, margin)
    for item in items:
        if item is None:
            continue
        if isinstance(item, _Stretch):
            layout.addStretch(1)
        elif isinstance(item, int):
            layout.addSpacing(item)
        elif isinstance(item, QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)


def hbox(*items: Item, spacing: int = SPACING, margin: int = NO_MARGIN) -> QHBoxLayout:
    """A horizontal layout holding ``items`` in order (None is skipped)."""
    layout = QHBoxLayout()
    _fill(layout, items, spacing, margin)
    return layout


def vbox(*items: Item, spacing: int = SPACING, margin: int = NO_MARGIN) -> QVBoxLayout:
    """A vertical layout holding ``items`` in order (None is skipped)."""
    layout = QVBoxLayout()
    _fill(layout, items, spacing, margin)
    return layout


def container(layout: QLayout, parent: QWidget | None = None) -> QWidget:
    """A plain widget that holds ``layout`` (for putting a layout where a widget goes)."""
    widget = QWidget(parent)
    widget.setLayout(layout)
    return widget


def push_button(
    text: str, slot: Callable[[], object], *, name: str = "", tip: str = ""
) -> QPushButton:
    """A QPushButton that calls ``slot``; ``name`` is its object name (tests, automation)."""
    button = QPushButton(text)
    if name:
        button.setObjectName(name)
    if tip:
        button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


def tool_button(
    text: str,
    slot: Callable[[], object],
    *,
    name: str,
    accessible: tuple[str, str],
    icon: QIcon | None = None,
) -> QToolButton:
    """A small button beside a field: ``text`` (beside ``icon``, if any), reachable with Tab,
    named ``name``, with ``accessible`` = (name, description) as ``annotate`` sets them."""
    button = QToolButton()
    button.setObjectName(name)
    button.setText(text)
    if icon is not None:
        button.setIcon(icon)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    annotate(button, *accessible)
    button.clicked.connect(slot)
    return button


def choice_box(
    name: str,
    items: Iterable[tuple[str, object]],
    *,
    accessible: tuple[str, str] | None = None,
    tip: str | None = None,
) -> QComboBox:
    """A QComboBox named ``name`` holding ``(text, data)`` items, in order.

    ``accessible`` is its (name, description) for screen readers, as ``annotate`` sets them;
    the tooltip is ``tip``, else the description.
    """
    box = QComboBox()
    box.setObjectName(name)
    for text, data in items:
        box.addItem(text, data)
    if accessible is not None:
        annotate(box, *accessible, tip)
    elif tip:
        box.setToolTip(tip)
    return box


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A label whose ``&`` mnemonic moves the keyboard focus to ``buddy``."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def readable_label(label: QLabel, description: str) -> None:
    """A label Tab reaches and a screen reader reads as its text (no fixed accessible name),
    with ``description`` saying what it is; its text can be selected with mouse or keys."""
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    label.setAccessibleDescription(description)


def annotate(widget: QWidget, name: str, description: str, tooltip: str | None = None) -> None:
    """Accessible name and description (for screen readers) and a tooltip (for everyone)."""
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(description)
    widget.setToolTip(tooltip if tooltip is not None else description)


def tab_order(widgets: list[QWidget]) -> None:
    """Tab moves through ``widgets`` in the order given."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


# A "word" this long makes Qt's default wrap (at word boundaries, else anywhere) search it for
# a break point over and over: a 200 KB token took 0.6 s per keystroke, 5 MB minutes.
LONG_WORD_CHARS = 2000
_LONG_WORD = re.compile(rf"\S{{{LONG_WORD_CHARS}}}")


def fit_wrap(
    edit: QPlainTextEdit,
    text: str,
    usual: QTextOption.WrapMode = QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere,
) -> None:
    """Give ``edit`` the ``usual`` wrap mode, or wrap-anywhere when ``text`` (what it is
    about to show) holds a very long word. Call it before the text is set: the layout
    happens as the text goes in. (Text under LONG_WORD_CHARS cannot hold such a word.)"""
    mode = QTextOption.WrapMode.WrapAnywhere if _LONG_WORD.search(text) else usual
    if edit.wordWrapMode() != mode:
        edit.setWordWrapMode(mode)


def set_dock_shown(dock: QDockWidget, shown: bool) -> None:
    """Show or hide a panel's dock (View ▸ History, View ▸ Demo), the keyboard focus going
    with it: a shown panel takes it (its focus proxy: its first control), so a keyboard user
    need not Tab through the whole window to reach it; a hidden one gives it back to where
    it was before (else Qt moves it to the next widget it finds)."""
    if shown:
        before = QApplication.focusWidget()
        if before is not None and not dock.isAncestorOf(before):
            dock.setProperty("focus_before", before)
        dock.show()
        if (panel := dock.widget()) is not None:
            panel.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return
    dock.hide()
    before = dock.property("focus_before")
    try:
        if isinstance(before, QWidget) and before.isVisible():
            before.setFocus(Qt.FocusReason.ShortcutFocusReason)
    except RuntimeError:  # that widget has been deleted meanwhile
        pass
