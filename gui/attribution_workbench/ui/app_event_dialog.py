"""Request ▸ Send matching app event…: the HTTP API V2 event that makes an attribution match.

Amplitude holds an attribution event until an app event carrying the same ad ID (byte for
byte: matching is case-sensitive) arrives. The dialog builds that event from the attribution
event (``core.app_event``), shows the exact ``/2/httpapi`` request in the same preview pane
as the main window (from the ONE PreparedRequest that Send sends), sends it to the main
window's current region, target and key, and reads the answer into one sentence.

The ad IDs are copied and shown read-only; "Edit IDs" is the escape hatch. An edit that only
changes the case of an ID is confirmed before sending, because it will not match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from attribution_workbench.core.app_event import (
    DEFAULT_APP_EVENT_TYPE,
    V2Answer,
    case_mismatches,
    default_device_id,
    matching_app_event,
    missing_ids,
    prepare_app_event,
    read_v2_outcome,
)
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.wire import PreparedRequest, WireError
from attribution_workbench.ui import colours
from attribution_workbench.ui.preview_pane import PreviewPane
from attribution_workbench.ui.response_pane import ResponsePane

if TYPE_CHECKING:
    from attribution_workbench.ui.main_window import MainWindow



def confirm_case_mismatch(parent: QWidget, details: list[tuple[str, str, str]]) -> bool:
    """Ask before sending IDs that differ from the attribution's only in case.

    ``details`` holds (field, attribution value, app event value). Tests patch this function.
    """
    lines = "\n".join(f"• {name}: attribution {a!r}, app event {b!r}" for name, a, b in details)
    answer = QMessageBox.warning(
        parent,
        "IDs differ in case",
        "Matching compares ad IDs case-sensitively, so these will NOT match the attribution "
        f"event:\n\n{lines}\n\nSend anyway?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def answer_text(answer: V2Answer) -> str:
    """The interpreted fields under the summary, one per line, only those present."""
    rows: list[str] = []
    for label, value in (
        ("events_ingested", answer.events_ingested),
        ("payload_size_bytes", answer.payload_size_bytes),
        ("server_upload_time", answer.server_upload_time),
        ("missing_field", answer.missing_field),
        ("retry after (s)", answer.retry_after_s),
    ):
        if value is not None:
            rows.append(f"{label}: {value}")
    if answer.invalid_key:
        rows.append("The key was rejected (a key of the other region is rejected too).")
    for name, field_name, indexes in answer.event_problems:
        rows.append(f"{name}: {field_name or '-'} {list(indexes)}")
    return "\n".join(rows)


class AppEventDialog(QDialog):
    """Builds, previews and sends the matching app event; ``answered`` after each answer."""

    answered = Signal(object)  # V2Answer

    def __init__(self, window: MainWindow, attribution: AttributionEvent) -> None:
        super().__init__(window)
        self.setObjectName("app_event_dialog")
        self.setWindowTitle("Send matching app event")
        self._window = window
        self.attribution = attribution
        self._prepared: PreparedRequest | None = None
        self._problem = ""
        self._sending = False
        self.last_answer: V2Answer | None = None

        intro = QLabel(
            "An HTTP API V2 app event carrying the same ad IDs, byte for byte: Amplitude then "
            "ingests the held attribution event. Sent to the main window's region, target and "
            "key."
        )
        intro.setWordWrap(True)
        self.event_type = QLineEdit(DEFAULT_APP_EVENT_TYPE)
        self.event_type.setObjectName("app_event_type")
        self.event_type.setAccessibleName("Event type")
        self.device_id = QLineEdit(default_device_id(attribution))
        self.device_id.setObjectName("app_event_device_id")
        self.device_id.setAccessibleName("Device ID")
        self.device_id.setToolTip("At least 5 characters; defaults to the first platform ad ID")
        form = QFormLayout()
        form.addRow("Event &type:", self.event_type)
        form.addRow("&Device ID:", self.device_id)
        self.id_fields: dict[str, QLineEdit] = {}
        self._id_values: dict[str, Any] = {}
        for name, value in attribution.ad_ids().items():
            self._id_values[name] = value
            edit = QLineEdit(value if isinstance(value, str) else str(value))
            edit.setObjectName(f"app_event_{name}")
            edit.setReadOnly(True)
            edit.setAccessibleName(name)
            edit.setToolTip("Copied byte for byte from the attribution event")
            edit.textEdited.connect(self._on_id_edited)
            self.id_fields[name] = edit
            form.addRow(f"{name}:", edit)
        self.edit_ids = QCheckBox("&Edit IDs (they must stay byte-identical to match)")
        self.edit_ids.setObjectName("app_event_edit_ids")
        self.edit_ids.toggled.connect(self._on_edit_toggled)
        form.addRow("", self.edit_ids)
        self.warning = QLabel()
        self.warning.setObjectName("app_event_warning")
        self.warning.setWordWrap(True)
        colours.set_text_colour(self.warning, colours.WARNING_TEXT)
        self.warning.hide()

        self.preview = PreviewPane()
        self.preview.setTitle("Preview — exactly what Send sends (HTTP API V2)")
        self.preview.hide_transport()
        self.preview.info.setToolTip("HTTP API V2: Content-Type application/json")
        self.response = ResponsePane()
        self.summary = QLabel()
        self.summary.setObjectName("app_event_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel()
        self.details.setObjectName("app_event_details")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.send_button = QPushButton("&Send app event")
        self.send_button.setObjectName("app_event_send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self._on_button_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(intro)
        top_layout.addLayout(form)
        top_layout.addWidget(self.warning)
        top_layout.addWidget(self.preview, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.summary)
        bottom_layout.addWidget(self.details)
        bottom_layout.addWidget(self.response, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.resize(760, 820)

        self.event_type.textChanged.connect(self.rebuild)
        self.device_id.textChanged.connect(self.rebuild)
        window.destination.changed.connect(self.rebuild)
        window.backend.changed.connect(self.rebuild)
        window.send_state_changed.connect(self._update_button)
        self.rebuild()

    # --- the event and the request ------------------------------------------------------
    def app_event(self) -> dict[str, Any]:
        """The event as it will be sent: the builder's, with any edited IDs applied."""
        event = matching_app_event(
            self.attribution,
            event_type=self.event_type.text(),
            device_id=self.device_id.text(),
        )
        for name, edit in self.id_fields.items():
            if edit.text() != self._shown(name):  # edited: send the text as typed
                event[name] = edit.text()
        return event

    def _shown(self, name: str) -> str:
        value = self._id_values[name]
        return value if isinstance(value, str) else str(value)

    def prepared_request(self) -> PreparedRequest | None:
        return self._prepared

    @Slot()
    def rebuild(self) -> None:
        window = self._window
        destination = window.destination.destination()
        choice = window.backend.key_for(
            window.destination.current_target(), window.destination.current_region()
        )
        prepared: PreparedRequest | None = None
        problem = ""
        if destination is None:
            problem = window.destination.problem() or "Choose where to send the request."
        elif choice.key is None:
            problem = choice.problem or f"No API key yet ({choice.note})."
        else:
            try:
                prepared = prepare_app_event(self.app_event(), destination, choice.key)
            except WireError as exc:
                problem = str(exc)
        if len(self.device_id.text()) < 5:
            problem = problem or "The device ID needs at least 5 characters."
        self._prepared = prepared if not problem else None
        self._problem = problem
        self.preview.set_request(self._prepared, problem)
        self._update_warning()
        self._update_button()

    def _update_warning(self) -> None:
        event = self.app_event()
        lines = []
        case = case_mismatches(self.attribution, event)
        if case:
            lines.append(
                "⚠ Differs only in case from the attribution event (will NOT match: matching "
                "is case-sensitive): " + ", ".join(case)
            )
        other = [name for name in missing_ids(self.attribution, event) if name not in case]
        if other:
            lines.append("⚠ Differs from the attribution event (cannot match): " + ", ".join(other))
        self.warning.setText("\n".join(lines))
        self.warning.setVisible(bool(lines))

    @Slot(bool)
    def _on_edit_toggled(self, editable: bool) -> None:
        for edit in self.id_fields.values():
            edit.setReadOnly(not editable)

    @Slot(str)
    def _on_id_edited(self, _text: str) -> None:
        self.rebuild()

    # --- send -------------------------------------------------------------------------------
    def is_sending(self) -> bool:
        """True while this dialog's request is on its way."""
        return self._sending

    @Slot()
    def _on_button_clicked(self) -> None:
        if self._sending:
            self._window.cancel_send()
        else:
            self.send()

    @Slot()
    def _update_button(self) -> None:
        """Send, or Cancel while this dialog's request is out; the window's send blocks it."""
        if self._sending:
            self.send_button.setText("&Cancel")
            self.send_button.setEnabled(True)
        else:
            self.send_button.setText("&Send app event")
            self.send_button.setEnabled(
                self._prepared is not None and not self._window.is_sending()
            )

    @Slot()
    def send(self) -> bool:
        """Send the previewed request through the window's one send path; False if not sent."""
        window = self._window
        self.rebuild()
        request = self._prepared
        if request is None:
            self.summary.setText(f"Not sent: {self._problem}")
            return False
        if window.is_sending():
            self.summary.setText("Not sent: another request is on its way; try again shortly.")
            return False
        event = self.app_event()
        case = case_mismatches(self.attribution, event)
        if case:
            details = [(name, self._shown(name), str(event[name])) for name in case]
            if not confirm_case_mismatch(self, details):
                self.summary.setText("Not sent: the IDs differ in case and would not match.")
                return False
        self._sending = True
        if refusal := window.send_request(request, self._on_done, self.response):
            self._sending = False
            self.summary.setText(refusal)
            self._update_button()
            return False
        self.summary.setText("⋯ Sending…")
        self.details.setText("")
        self._update_button()
        return True

    def _on_done(self, request: PreparedRequest, result: Any, error: BaseException | None) -> None:
        # The window has recorded it, shown it in this dialog's response pane and reported
        # unexpected errors; what is left is the app event's own reading of the answer.
        self._sending = False
        if error is None:
            answer = read_v2_outcome(result, request)
            self.last_answer = answer
            self.summary.setText(answer.summary)
            self.details.setText(answer_text(answer))
            self.answered.emit(answer)
        elif hasattr(error, "kind") and hasattr(error, "message"):  # core.client.SendError
            self.summary.setText(f"No answer: {error.message}")
        else:
            from attribution_workbench.ui.error_dialog import summary_of

            self.summary.setText(summary_of(error))
        self.rebuild()

    def done(self, result: int) -> None:
        """Closing the dialog stops waiting for its answer."""
        if self._sending:
            self._window.cancel_send()
        super().done(result)


def open_app_event_dialog(
    window: MainWindow, attribution: AttributionEvent | None = None
) -> AppEventDialog | None:
    """Open the dialog for ``attribution`` (default: the window's current event)."""
    event = attribution if attribution is not None else window.editor.current_event()
    if event.first_ad_id() is None:
        window.show_status("The event has no ad ID (idfa, idfv, adid, ...) to match on.")
        return None
    previous = getattr(window, "app_event_dialog", None)
    if previous is not None:
        if previous.is_sending():  # its answer is still to come: keep it, bring it forward
            previous.show()
            previous.raise_()
            window.show_status("The app event is still on its way; cancel it or wait.")
            return None
        previous.close()
        previous.deleteLater()
    dialog = AppEventDialog(window, event)
    window.app_event_dialog = dialog  # type: ignore[attr-defined]
    dialog.show()
    return dialog


def history_event(entry: Any) -> tuple[AttributionEvent | None, str]:
    """A history entry's attribution event, or (None, why it has none)."""
    from attribution_workbench.core.event import parse_event_text

    if getattr(entry, "api", "/attribution") != "/attribution":
        return None, "That entry is not an attribution event; pick an /attribution send."
    parsed = parse_event_text(entry.event_text)
    if parsed.event is None:
        return None, f"History entry #{entry.id} has no readable event."
    return parsed.event, ""
