"""Unexpected errors, shown to the user: a non-modal dialog with a sentence and hidden details.

``ErrorReporter`` is what the excepthook calls (from any thread). It formats the error where
it happened, masks every registered secret, and hands it to the GUI thread through a queued
signal. One ``ErrorDialog`` collects the errors: a burst of failures (an exception in a slot
that runs on every keystroke) adds to one window instead of opening fifty.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from attribution_workbench.ui.error_box import ErrorDialog

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def summary_of(exc: BaseException) -> str:
    """One sentence about the error for people, with the exception's own words."""
    words = str(exc).strip() or "no message"
    first_line = words.splitlines()[0][:300]
    return (
        f"Something went wrong inside Attribution Workbench ({type(exc).__name__}: "
        f"{first_line}). The app is still running and your event is kept; the details "
        "below help a bug report."
    )


class ErrorReporter(QObject):
    """Formats errors in whatever thread they happen; shows them in the GUI thread."""

    _reported = Signal(str, str)

    def __init__(
        self,
        parent_widget: Callable[[], QWidget | None] = lambda: None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._parent_widget = parent_widget
        # Replaced, never changed in place: report() may read it from a worker thread.
        self._secrets: frozenset[str] = frozenset()
        self._dialog: ErrorDialog | None = None
        self._reported.connect(self._show)

    def set_parent_widget(self, parent_widget: Callable[[], QWidget | None]) -> None:
        self._parent_widget = parent_widget

    def forbid(self, secret: str) -> None:
        """Mask ``secret`` wherever it appears in a reported error."""
        if secret:
            self._secrets = self._secrets | {secret}

    def redact(self, text: str) -> str:
        # Imported here: start-up does not need the wire module before the first frame.
        from attribution_workbench.core.wire import KeyStyle, redact_key

        return redact_key(text, *self._secrets, style=KeyStyle.REDACT)

    def report(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        """Show an error; safe to call from any thread."""
        details = self.redact("".join(traceback.format_exception(exc_type, exc, tb)))
        summary = self.redact(summary_of(exc))
        # Also on stderr: a log is the only trace if the dialog itself cannot be shown.
        print(details, file=sys.stderr, end="")
        self._reported.emit(summary, details)

    @property
    def dialog(self) -> ErrorDialog | None:
        return self._dialog

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        if self._dialog is None or not self._dialog.isVisible():
            if self._dialog is not None:
                self._dialog.deleteLater()
            from attribution_workbench.ui.error_box import ErrorDialog  # on the first error

            self._dialog = ErrorDialog(self._parent_widget())
        self._dialog.add_error(summary, details)
        self._dialog.show()
        self._dialog.raise_()
