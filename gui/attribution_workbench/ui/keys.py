"""Key bindings that belong to one focused widget.

A window-wide action with the same key (an Edit ▸ Paste menu item, say) would make a
``QShortcut`` ambiguous, and Qt then triggers neither. ``bind_keys`` instead claims the key
during ``ShortcutOverride`` while the widget has focus, the way ``QLineEdit`` claims Ctrl+V,
so the focused widget wins and window shortcuts keep working everywhere else.

The filter goes on when the widget first gets the focus (``QApplication.focusChanged``),
not when the binding is made: an event filter written in Python makes PySide build the
Python classes of all ~50 QEvent subclasses (0.5 MB) on the first event it sees, and a
window that was just opened has had no key pressed in any of these widgets yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

Key = QKeySequence | QKeySequence.StandardKey


class KeyBindings(QObject):
    """An event filter that runs a callback when its widget gets one of the bound keys."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self._bindings: list[tuple[Key, Callable[[], object]]] = []
        self._filtering = False  # until then, waiting for the focus (connected to focusChanged)
        if self._holds(QApplication.focusWidget()):
            self._start_filtering()
        else:
            self._app().focusChanged.connect(self._on_focus_changed)

    @property
    def filtering(self) -> bool:
        """True once the widget has had the focus (the filter is installed from then on)."""
        return self._filtering

    @staticmethod
    def _app() -> QApplication:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        return app

    def _holds(self, focus: QWidget | None) -> bool:
        # A child (a cell editor of a table, say) passes the keys it ignores up to the widget.
        return focus is not None and (focus is self._widget or self._widget.isAncestorOf(focus))

    @Slot(QWidget, QWidget)
    def _on_focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        # Key events go to the focus widget only after this signal: nothing is missed.
        if self._holds(now) and not self._filtering:
            self._app().focusChanged.disconnect(self._on_focus_changed)
            self._start_filtering()

    def _start_filtering(self) -> None:
        self._filtering = True
        self._widget.installEventFilter(self)

    def add(self, key: Key | str, callback: Callable[[], object]) -> None:
        self._bindings.append((QKeySequence(key) if isinstance(key, str) else key, callback))

    def _match(self, event: QKeyEvent) -> Callable[[], object] | None:
        # The keypad's Del or Ins is the same key to the user as the main block's.
        combination = event.keyCombination()
        modifiers = combination.keyboardModifiers() & ~Qt.KeyboardModifier.KeypadModifier
        pressed = QKeySequence(QKeyCombination(modifiers, combination.key()))
        for key, callback in self._bindings:
            if isinstance(key, QKeySequence.StandardKey):
                if event.matches(key):
                    return callback
            elif key.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch:
                return callback
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            callback = self._match(event)
            if callback is not None:
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    callback()
                return True
        return False


def bind_keys(widget: QWidget, *bindings: tuple[Key | str, Callable[[], object]]) -> KeyBindings:
    """Bind keys to callbacks while ``widget`` has focus; returns the filter (owned by widget)."""
    keys = KeyBindings(widget)
    for key, callback in bindings:
        keys.add(key, callback)
    return keys


def escape_hides(window: Any, panel: QWidget, toggle: Callable[[], object]) -> KeyBindings:
    """Esc in a docked panel: cancels a send in flight, as Esc does everywhere in the window
    (its Cancel send action), else hides the panel (``toggle``), which returns the focus."""

    def escape() -> None:
        if window.is_sending():
            window.cancel_send()
        else:
            toggle()

    return bind_keys(panel, ("Esc", escape))
