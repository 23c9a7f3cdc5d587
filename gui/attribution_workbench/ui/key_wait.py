"""Wait, without polling, until the window's key is no longer on its way; then act once.

Right after start-up, or after a change of profile, region or target, the key for the
destination may still be looked up in the keyring, or the sandbox may still be starting
(``KeyChoice.pending``). The demo and "Send again" from History both wait for that before
they send. Everything that ends the wait makes the backend emit ``changed`` (or the
destination bar ``changed``), so this listens for those and gives up after a time limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

if TYPE_CHECKING:
    from attribution_workbench.ui.main_window import MainWindow


class KeyWait(QObject):
    """Calls ``then`` once: when the key is ready (at once if it is) or after ``timeout_s``.

    A child of the window: closing the window drops a wait that has not ended."""

    def __init__(self, window: MainWindow, then: Callable[[], object], timeout_s: float) -> None:
        super().__init__(window)
        self._window = window
        self._then: Callable[[], object] | None = then
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._end)
        window.backend.changed.connect(self._check)
        window.destination.changed.connect(self._check)
        self._deadline.start(int(timeout_s * 1000))
        self._check()

    def ended(self) -> bool:
        return self._then is None

    @Slot()
    def _check(self) -> None:
        window = self._window
        choice = window.backend.key_for(
            window.destination.current_target(), window.destination.current_region()
        )
        if not choice.pending:
            self._end()

    @Slot()
    def _end(self) -> None:
        then, self._then = self._then, None
        if then is None:
            return
        self._deadline.stop()
        self._window.backend.changed.disconnect(self._check)
        self._window.destination.changed.disconnect(self._check)
        self.deleteLater()
        then()
