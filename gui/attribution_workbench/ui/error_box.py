"""The window that shows unexpected errors: a sentence first, the details on request.

Built by ``ui.error_dialog.ErrorReporter`` on the first error only, so start-up never pays
for its imports.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
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
