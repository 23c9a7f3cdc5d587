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

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from attribution_workbench import assets

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


class ErrorDialog(QDialog):
    """Non-modal: the user can keep working, copy the details, and close it when done."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error_dialog")
        self.setWindowTitle("Attribution Workbench — error")
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self._details: list[str] = []

        icon = QLabel()
        icon.setPixmap(assets.qpixmap(assets.Icon.ERROR, 32))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.summary = QLabel()
        self.summary.setObjectName("error_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setMinimumWidth(420)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addWidget(self.summary, 1)

        self.toggle = QToolButton()
        self.toggle.setObjectName("error_details_toggle")
        self.toggle.setText("Details")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAccessibleName("Show error details")
        self.toggle.toggled.connect(self._on_toggled)

        self.details = QPlainTextEdit()
        self.details.setObjectName("error_details")
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setAccessibleName("Error details")
        self.details.setMinimumHeight(200)
        self.details.hide()  # collapsed: the sentence comes first, the traceback on request

        copy = QPushButton("Copy details")
        copy.clicked.connect(self._copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def add_error(self, summary: str, details: str) -> None:
        self._details.append(details)
        count = len(self._details)
        more = f"\n\n({count} errors so far; the details list them all.)" if count > 1 else ""
        self.summary.setText(summary + more)
        self.details.setPlainText("\n\n".join(self._details))

    def error_count(self) -> int:
        return len(self._details)

    @Slot(bool)
    def _on_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.adjustSize()

    @Slot()
    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())

    def closeEvent(self, event: QCloseEvent) -> None:
        # The next error starts a fresh list.
        self._details.clear()
        super().closeEvent(event)


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
        self._secrets: set[str] = set()
        self._dialog: ErrorDialog | None = None
        self._reported.connect(self._show)

    def set_parent_widget(self, parent_widget: Callable[[], QWidget | None]) -> None:
        self._parent_widget = parent_widget

    def forbid(self, secret: str) -> None:
        """Mask ``secret`` wherever it appears in a reported error."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "•" * 8)
        return text

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
            self._dialog = ErrorDialog(self._parent_widget())
        self._dialog.add_error(summary, details)
        self._dialog.show()
        self._dialog.raise_()
