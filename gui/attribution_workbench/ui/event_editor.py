"""The event editor: the form and the Raw JSON tab over one event, plus the findings.

Who decides what is sent ("authority") is whoever the user edited last:
- form edit  -> the form's event; the wire text is its compact canonical JSON, and the Raw
  JSON tab is rewritten (indented) to show it;
- raw edit   -> the text exactly as typed, if it is one JSON object (the form follows it);
  otherwise nothing can be sent (``wire_text()`` is None), the form keeps its last good
  state and the text is left alone.
Everything is recomputed synchronously on each change (the rules and both JSON renderings
of a 200-property event take well under 2 ms), so ``wire_text()`` and ``findings()`` are
always current and ``event_changed`` fires once per change.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QTabWidget, QWidget

from attribution_workbench.core import rules
from attribution_workbench.core.event import AttributionEvent, JsonProblem, parse_event_text
from attribution_workbench.core.rules import Finding
from attribution_workbench.ui.event_form import DEFAULT_PLATFORM, EventForm
from attribution_workbench.ui.findings import FindingsList, summary
from attribution_workbench.ui.layout import (
    NO_MARGIN,
    STRETCH,
    TIGHT_SPACING,
    annotate,
    buddy_label,
    container,
    hbox,
    vbox,
)
from attribution_workbench.ui.raw_json import RawJsonPane, pretty_json

STATE_VERSION = 1
FORM_TAB, RAW_TAB = 0, 1
FORM_FOLLOWS_RAW = (
    "The form shows the Raw JSON text, which is sent exactly as typed. Editing a field here "
    "sends JSON built from the form instead."
)
FORM_RAW_BAD = (
    "The Raw JSON text has an error, so nothing can be sent; the form shows the last good "
    "event. Editing a field here replaces that text (the Raw JSON tab can restore it)."
)


class EventEditor(QWidget):
    """Compose one attribution event as a form or as raw JSON; see the module docstring."""

    event_changed = Signal()
    findings_changed = Signal(list)  # list[Finding]
    company_prefix_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._raw_authority = False
        self._raw_text = ""  # the text to send while the raw tab has authority
        self._wire: str | None = None
        self._event = AttributionEvent(platform=DEFAULT_PLATFORM)
        self._problem: JsonProblem | None = None
        self._findings: list[Finding] = []

        self.form = EventForm()
        self.raw = RawJsonPane()
        self.form_scroll = QScrollArea()
        self.form_scroll.setObjectName("form_scroll")
        self.form_scroll.setWidgetResizable(True)
        # Not a Tab stop of its own (an unnamed, empty stop); it still scrolls to the field
        # that has the focus.
        self.form_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.form_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.form_scroll.setWidget(self.form)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("event_tabs")
        # The tab bar is what takes the focus: it carries the name a screen reader says.
        annotate(self.tabs.tabBar(), "Event editor", "Edit the event as a form or as raw JSON")
        self.tabs.addTab(self.form_scroll, "F&orm")
        self.tabs.addTab(self.raw, "Raw &JSON")
        self.tabs.setTabToolTip(FORM_TAB, "Edit the event field by field (Alt+O)")
        self.tabs.setTabToolTip(RAW_TAB, "Edit the event as JSON text, sent as typed (Alt+J)")

        self.findings_list = FindingsList()
        self.findings_summary = QLabel()
        self.findings_summary.setObjectName("findings_summary")
        findings_box = container(
            vbox(
                hbox(buddy_label("Findin&gs:", self.findings_list), self.findings_summary, STRETCH),
                self.findings_list,
                spacing=TIGHT_SPACING,
            )
        )
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("event_splitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.tabs)
        splitter.addWidget(findings_box)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        self.setLayout(vbox(splitter, margin=NO_MARGIN))

        self.form.edited.connect(self.on_form_edited)
        # A cell's first keystroke counts at once, so it hands the raw text's authority to
        # the form; Escape in that cell gives it back, with the text as it was.
        self._raw_before_cell_edit: str | None = None
        self.form.properties.cell_edit_started.connect(self._on_cell_edit_started)
        self.form.properties.cell_edit_reverted.connect(self._on_cell_edit_reverted)
        self.form.company_prefix_changed.connect(self.company_prefix_changed)
        self.raw.text_edited.connect(self.on_raw_edited)
        self.findings_list.finding_activated.connect(self.focus_finding)
        self._refresh_from_form(replaced=None, notify=False)

    # -- the contract --------------------------------------------------------------------

    def commit_open_edits(self) -> None:
        """Finish an edit still open in a table cell, so what follows sees its text."""
        self.form.properties.commit_open_edit()

    def wire_text(self) -> str | None:
        """The event text to send, or None while the raw text is not one JSON object."""
        return self._wire

    def current_event(self) -> AttributionEvent:
        """The event being sent (its ``raw_text`` is set while the raw text has authority);
        while the raw text is unusable, the form's last good event."""
        if self._raw_authority and self._wire is None:
            return self.form.build_event()
        return self._event

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def has_errors(self) -> bool:
        return rules.has_errors(self._findings)

    def is_raw_authority(self) -> bool:
        """True when the raw text (as typed) is what is sent, or blocks sending."""
        return self._raw_authority

    def set_event(self, event: AttributionEvent) -> None:
        """Show ``event`` in the form and the raw tab. An event that carries ``raw_text``
        (parsed from text) is put in the raw tab instead, to be sent verbatim."""
        if event.raw_text is not None:
            self.set_text(event.raw_text)
            return
        self.raw.forget_stash()
        self._raw_authority = False
        self.form.load(event, keep_hidden=False)
        self._refresh_from_form(replaced=None)

    def set_text(self, text: str) -> None:
        """Put ``text`` in the raw tab as if the user typed it; it is sent exactly so."""
        self.raw.set_text(text)
        self.raw.forget_stash()
        self._take_raw(text)

    def company_prefix(self) -> str:
        return self.form.company_prefix()

    def set_company_prefix(self, prefix: str) -> None:
        self.form.set_company_prefix(prefix)

    def save_state(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "form": self.form.state(),
            "raw_text": self._raw_text if self._raw_authority else None,
            "tab": self.tabs.currentIndex(),
        }

    def restore_state(self, state: Any) -> None:
        """Restore ``save_state()`` output; anything unreadable falls back to defaults."""
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            state = {}
        if not self.form.restore(state.get("form")):
            self.form.load(AttributionEvent(platform=DEFAULT_PLATFORM), keep_hidden=False)
        tab = state.get("tab")
        self.tabs.setCurrentIndex(tab if tab in (FORM_TAB, RAW_TAB) else FORM_TAB)
        raw = state.get("raw_text")
        if isinstance(raw, str):
            self.set_text(raw)
        else:
            self._raw_authority = False
            self._refresh_from_form(replaced=None)

    # -- following edits -----------------------------------------------------------------

    @Slot()
    def on_form_edited(self) -> None:
        replaced = self._raw_text if self._raw_authority else None
        self._raw_authority = False
        self._refresh_from_form(replaced=replaced)

    @Slot()
    def _on_cell_edit_started(self) -> None:
        self._raw_before_cell_edit = self._raw_text if self._raw_authority else None

    @Slot()
    def _on_cell_edit_reverted(self) -> None:
        text, self._raw_before_cell_edit = self._raw_before_cell_edit, None
        if text is not None:
            # After the cell editor has closed: loading the text rebuilds the table.
            QTimer.singleShot(0, lambda: self.set_text(text))

    @Slot()
    def on_raw_edited(self) -> None:
        self._take_raw(self.raw.text())

    def _refresh_from_form(self, *, replaced: str | None, notify: bool = True) -> None:
        event = self.form.build_event()
        self._event = event
        self._wire = event.canonical_json()
        self._problem = None
        self.raw.show_form_text(pretty_json(event.to_dict()), replaced=replaced)
        self._publish(rules.check_event(event) + self.form.problems(), notify)

    def _take_raw(self, text: str) -> None:
        self._raw_authority = True
        self._raw_text = text
        parsed = parse_event_text(text)
        # What is sent is settled before the form shows it: should showing it fail, the
        # preview and Send still follow the text (and the error reaches the excepthook).
        self._wire = None if parsed.event is None else text
        if parsed.event is not None:
            self._event = parsed.event
        self._problem = parsed.problem
        try:
            if parsed.event is not None:
                self.form.load(parsed.event, keep_hidden=True)
        finally:
            self._publish(rules.check_parsed(parsed), notify=True)

    def _publish(self, findings: list[Finding], notify: bool) -> None:
        self._findings = findings
        usable = self._wire is not None
        self.raw.set_source(self._raw_authority, usable)
        self.raw.show_problem(self._problem, [f for f in findings if f.field == "event"])
        follows = FORM_FOLLOWS_RAW if usable else FORM_RAW_BAD
        self.form.source_label.setText(follows if self._raw_authority else "")
        self.form.source_label.setVisible(self._raw_authority)
        self.form.show_findings(findings)
        self.findings_list.set_findings(findings)
        self.findings_summary.setText(summary(findings))
        if notify:
            self.event_changed.emit()
            self.findings_changed.emit(list(findings))

    # -- findings navigation -------------------------------------------------------------

    @Slot(object)
    def focus_finding(self, finding: Finding) -> None:
        """Show the field a finding is about and put the keyboard focus there."""
        if finding.field == "event":
            self.tabs.setCurrentIndex(RAW_TAB)
            self.raw.editor.setFocus(Qt.FocusReason.OtherFocusReason)
            self.raw.goto_error()
            return
        self.tabs.setCurrentIndex(FORM_TAB)
        if self.form.focus_field(finding.field, finding.property_key):
            focused = self.form.focusWidget()
            if focused is not None:
                self.form_scroll.ensureWidgetVisible(focused)
