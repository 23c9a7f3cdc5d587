"""The row between preview and response: timeout, why Send is disabled, and Send/Cancel.

Why Send is disabled is said twice: in the button's tooltip (every reason) and in a label
beside it (the first reason), because a tooltip alone is invisible to keyboard users.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox, QWidget

from attribution_workbench import assets
from attribution_workbench.ui import colours
from attribution_workbench.ui.layout import annotate, buddy_label, hbox
from attribution_workbench.ui.settings import TIMEOUT_RANGE_S

MAX_SHOWN = 110  # characters of the first reason beside the button; all of them in the tooltip


class SendBar(QWidget):
    """``clicked`` means Send when idle and Cancel while a request is in flight."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeout = QSpinBox()
        self.timeout.setObjectName("timeout")
        self.timeout.setRange(*TIMEOUT_RANGE_S)
        self.timeout.setSuffix(" s")
        annotate(
            self.timeout,
            "Timeout in seconds",
            "How long to wait for the server's answer before giving up",
        )
        self.blockers = QLabel()
        self.blockers.setObjectName("send_blockers")
        self.blockers.setWordWrap(True)
        colours.set_text_colour(self.blockers, colours.ERROR_TEXT)
        self.blockers.setAccessibleName("Why Send is disabled")
        self.button = QPushButton()
        self.button.setObjectName("send")
        self.button.setMinimumWidth(110)
        self.button.clicked.connect(self.clicked)
        # Loaded once: show_idle runs on every rebuild, i.e. on every keystroke.
        self._send_icon = assets.qicon(assets.Icon.SEND)
        self._stop_icon = assets.qicon(assets.Icon.STOP)
        layout = hbox(
            buddy_label("T&imeout:", self.timeout), self.timeout, self.blockers, self.button
        )
        layout.setStretch(2, 1)
        self.setLayout(layout)

    def show_idle(self, blockers: list[str], shortcut: str) -> None:
        """Send, enabled unless ``blockers`` lists reasons (each one a sentence)."""
        self.button.setText("Send")
        self.button.setIcon(self._send_icon)
        self.button.setEnabled(not blockers)
        if blockers:
            lines = "\n".join(f"• {reason}" for reason in blockers)
            tip = f"Can't send yet:\n{lines}"
            first = blockers[0] if len(blockers[0]) <= MAX_SHOWN else blockers[0][:MAX_SHOWN] + "…"
            more = f" (+{len(blockers) - 1} more)" if len(blockers) > 1 else ""
            self.blockers.setText(f"Can't send: {first}{more}")
            self.blockers.setToolTip(lines)
        else:
            tip = f"Send the request shown in the preview ({shortcut})"
            self.blockers.setText("")
            self.blockers.setToolTip("")
        annotate(self.button, "Send", tip)

    def show_in_flight(self, shortcut: str) -> None:
        self.button.setText("Cancel")
        self.button.setIcon(self._stop_icon)
        self.button.setEnabled(True)
        self.blockers.setText("")
        annotate(self.button, "Cancel", f"Stop waiting for the answer ({shortcut})")
