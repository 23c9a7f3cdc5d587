"""Key bindings that belong to one focused widget.

A window-wide action with the same key (an Edit ▸ Paste menu item, say) would make a
``QShortcut`` ambiguous, and Qt then triggers neither. ``bind_keys`` instead claims the key
during ``ShortcutOverride`` while the widget has focus, the way ``QLineEdit`` claims Ctrl+V,
so the focused widget wins and window shortcuts keep working everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QWidget

Key = QKeySequence | QKeySequence.StandardKey


class KeyBindings(QObject):
    """An event filter that runs a callback when its widget gets one of the bound keys."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._bindings: list[tuple[Key, Callable[[], object]]] = []
        widget.installEventFilter(self)

    def add(self, key: Key | str, callback: Callable[[], object]) -> None:
        self._bindings.append((QKeySequence(key) if isinstance(key, str) else key, callback))

    def _match(self, event: QKeyEvent) -> Callable[[], object] | None:
        pressed = QKeySequence(event.keyCombination())
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
