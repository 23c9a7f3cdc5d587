"""The answer: status badge, body (verbatim or pretty JSON), headers, and the request sent.

The body is shown as the server sent it (decoded with its charset); a JSON body is
pretty-printed by default with a toggle back to the raw text. Failures without an HTTP
answer (timeout, refused, ...) show the SendError's own sentence and its kind, never a
traceback. The "Request" tab shows what produced the answer, with the key masked.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from PySide6.QtCore import Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attribution_workbench.core.answers import explain
from attribution_workbench.core.wire import KeyStyle, PreparedRequest, redact_key
from attribution_workbench.ui import colours
from attribution_workbench.ui.colours import BUSY, FAIL, IDLE, OK
from attribution_workbench.ui.layout import fit_wrap, readable_label

# Laying out a megabyte of text stalls the GUI thread for ~50 ms; the pane shows at most this
# many characters of a body (and says so). The History entry keeps the whole body read.
DISPLAY_LIMIT = 256_000
STATUS_DESCRIPTION = "Response status"  # an answer's own words replace it (HTTP 200, success)


# What the Attribution API's bare-text errors mean (API-FACTS.md), said next to the answer;
# core.answers (pure, no HTTP client import) interprets every other answer too.


class OutcomeLike(Protocol):
    """What the pane reads from ``core.client.Outcome`` (kept structural: no import)."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    truncated: bool
    text: str
    charset: str
    charset_failed: str
    elapsed_ms: float
    body: bytes
    url: str

    @property
    def ok(self) -> bool: ...

    def header(self, name: str) -> str | None: ...

    def json(self) -> Any | None: ...


class SendErrorLike(Protocol):
    kind: Any
    message: str
    elapsed_ms: float


def request_text(request: PreparedRequest) -> str:
    """The request as an HTTP-like listing with the key masked."""
    lines = [f"{request.method} {request.display_url(KeyStyle.MASK)}", *request.header_lines()]
    if request.body:
        lines += ["", request.display_body(KeyStyle.MASK)]
    return "\n".join(lines)


def _kind_text(kind: Any) -> str:
    return str(getattr(kind, "value", kind))


class ResponsePane(QGroupBox):
    """Shows the last answer (the window saves the pretty-print toggle at shutdown)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Response", parent)
        self._outcome: OutcomeLike | None = None
        # What the body view shows: the answer with the API key masked (the V2 API echoes a
        # rejected key: "Invalid API key: <key>"), verbatim otherwise, and pretty-printed.
        self._plain_text = ""
        self._pretty_text: str | None = None
        self._key_masked = False
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

        self.status = QLabel()
        self.status.setObjectName("response_status")
        readable_label(self.status, STATUS_DESCRIPTION)  # read as its text: the answer
        colours.make_badge(self.status)

        self.message = QLabel()
        self.message.setObjectName("response_message")
        self.message.setWordWrap(True)
        readable_label(self.message, "What the response means")

        self.pretty = QCheckBox("Pretty-print JSON")
        self.pretty.setObjectName("response_pretty")
        self.pretty.setChecked(True)
        self.pretty.hide()  # shown only for a JSON answer
        self.pretty.setAccessibleName("Pretty-print JSON")
        self.pretty.setAccessibleDescription("Indent a JSON answer; off shows it as received")
        self.pretty.setToolTip("Indent a JSON answer; off shows the body exactly as received")
        self.pretty.toggled.connect(self._on_pretty_toggled)

        self.body = QPlainTextEdit()
        self.body.setObjectName("response_body")
        self.body.setReadOnly(True)
        self.body.setFont(mono)
        self.body.setAccessibleName("Response body")
        self.body.setAccessibleDescription("The server's answer, as received (the key masked)")
        self.body.setPlaceholderText("The server's answer appears here after Send.")

        self.truncated = QLabel()
        self.truncated.setObjectName("response_truncated")
        self.truncated.setWordWrap(True)
        self.truncated.hide()

        self.headers = QTableWidget(0, 2)
        self.headers.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
        self.headers.setObjectName("response_headers")
        self.headers.setHorizontalHeaderLabels(["Header", "Value"])
        self.headers.verticalHeader().hide()
        self.headers.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.headers.horizontalHeader().setStretchLastSection(True)
        self.headers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.headers.setAccessibleName("Response headers")
        self.headers.setAccessibleDescription("The answer's HTTP headers, one per row")

        self.request = QPlainTextEdit()
        self.request.setObjectName("response_request")
        self.request.setReadOnly(True)
        self.request.setFont(mono)
        self.request.setAccessibleName("Request sent")
        self.request.setAccessibleDescription(
            "The request that produced this response, the key masked"
        )

        body_page = QWidget()
        body_layout = QVBoxLayout(body_page)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self.body, 1)
        body_layout.addWidget(self.truncated)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("response_tabs")
        self.tabs.tabBar().setAccessibleName("Response: body, headers or the request sent")
        self.tabs.tabBar().setAccessibleDescription("Ctrl+Tab and Ctrl+Shift+Tab switch tabs")
        self.tabs.addTab(body_page, "&Body")
        # No mnemonic: Alt+H is Help, and every other letter of "Headers" is taken in the
        # window (Ctrl+Tab / Ctrl+PgDown reach the tab from the response pane).
        self.tabs.addTab(self.headers, "Headers")
        self.tabs.addTab(self.request, "Re&quest sent")

        top = QHBoxLayout()
        top.addWidget(self.status)
        top.addStretch(1)
        top.addWidget(self.pretty)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.clear()

    # --- states --------------------------------------------------------------------------
    def _reset(
        self, status: str, fill: colours.Fill, message: str, request: PreparedRequest | None
    ) -> None:
        """Every state starts here: no answer, no body, no headers, nothing extra shown."""
        self._set_status(status, fill)
        self.status.setAccessibleDescription(STATUS_DESCRIPTION)
        self._set_message(message)
        self._outcome = None
        self._set_body_text("")
        self.pretty.hide()
        self.truncated.hide()
        self.headers.setRowCount(0)
        self._set_request_text(request_text(request) if request is not None else "")

    def clear(self) -> None:
        self._reset("No request sent yet", IDLE, "", None)

    def show_in_flight(self, request: PreparedRequest) -> None:
        self._reset(
            "⋯ Sending…",
            BUSY,
            f"Waiting for {request.host}. Press Esc or Cancel to stop waiting.",
            request,
        )

    def show_outcome(self, outcome: OutcomeLike, request: PreparedRequest) -> None:
        mark = "✓" if outcome.ok else "✗"
        words = "success" if outcome.ok else "failure"
        reason = f" {outcome.reason}" if outcome.reason else ""
        self._set_status(
            f"{mark} {outcome.status}{reason} · {outcome.elapsed_ms:,.0f} ms",
            OK if outcome.ok else FAIL,
        )
        self.status.setAccessibleDescription(f"HTTP {outcome.status}, {words}")
        size = len(outcome.body)
        hint = explain(outcome)
        self._set_message(
            f"The server answered with HTTP {outcome.status} ({words}); "
            f"{size:,} byte{'s' if size != 1 else ''} of body, {outcome.charset}."
            + (f" {hint}" if hint else "")
        )
        self._outcome = outcome
        key = request.api_key
        self._plain_text = redact_key(outcome.text, key)
        self._key_masked = self._plain_text != outcome.text
        parsed = outcome.json()
        self._pretty_text = (
            redact_key(json.dumps(parsed, indent=2, ensure_ascii=False), key)
            if parsed is not None
            else None
        )
        self.pretty.setVisible(self._pretty_text is not None)
        self._show_body()
        self.headers.setRowCount(len(outcome.headers))
        for row, (name, value) in enumerate(outcome.headers):
            self.headers.setItem(row, 0, QTableWidgetItem(name))
            self.headers.setItem(row, 1, QTableWidgetItem(redact_key(value, key)))
        self._set_request_text(request_text(request))

    def show_error(self, error: SendErrorLike, request: PreparedRequest) -> None:
        kind = _kind_text(error.kind)
        title = "Cancelled" if kind == "cancelled" else "No answer"
        self._reset(
            f"✗ {title} · {kind} · {error.elapsed_ms:,.0f} ms", FAIL, error.message, request
        )
        self.status.setAccessibleDescription(f"failure: {kind}")
        self.body.setPlaceholderText(f"No response body: {error.message}")

    def show_failure(self, summary: str, request: PreparedRequest) -> None:
        """An unexpected error in the app itself (the details go to the error dialog)."""
        self._reset("✗ Not sent · internal error", FAIL, summary, request)
        self.status.setAccessibleDescription("failure: internal error")

    # --- helpers -------------------------------------------------------------------------
    def status_text(self) -> str:
        return self.status.text()

    def _set_status(self, text: str, fill: colours.Fill) -> None:
        self.status.setText(text)
        colours.fill(self.status, fill)

    def _set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _set_request_text(self, text: str) -> None:
        fit_wrap(self.request, text)
        self.request.setPlainText(text)

    def _set_body_text(self, text: str) -> None:
        self.body.setPlaceholderText("The server's answer appears here after Send.")
        fit_wrap(self.body, text)
        self.body.setPlainText(text)

    def _show_body(self) -> None:
        outcome = self._outcome
        if outcome is None:
            return
        pretty = self.pretty.isChecked() and self._pretty_text is not None
        text = self._pretty_text if pretty and self._pretty_text is not None else self._plain_text
        self._set_body_text(text[:DISPLAY_LIMIT])
        if not outcome.text:
            self.body.setPlaceholderText("(The answer has an empty body.)")
        # The notes describe the text on screen (the pretty form is longer than the answer).
        notes = []
        if outcome.truncated:
            notes.append(
                f"⚠ The body was cut off after {len(outcome.body):,} bytes: the server sent "
                "more than the app keeps. What is shown is the beginning, verbatim."
            )
        if len(text) > DISPLAY_LIMIT:
            notes.append(f"Only the first {DISPLAY_LIMIT:,} characters are shown here.")
        if self._key_masked:
            notes.append("The API key in the answer is shown masked.")
        self.truncated.setText(" ".join(notes))
        self.truncated.setVisible(bool(notes))

    @Slot(bool)
    def _on_pretty_toggled(self, checked: bool) -> None:
        self._show_body()
