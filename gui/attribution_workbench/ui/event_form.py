"""The event as a form: event type (with the company prefix helper), platform and its IDs,
time, user properties, and the keys the form has no field for.

The form keeps VALUES, not widget text: a field the user has not touched keeps exactly what
the event held (a number where a string belongs stays a number, so the rules can say so),
and the ID fields of the platform that is not selected keep their values while hidden.
``build_event`` sends only the selected platform's IDs. An empty field means "key absent".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from attribution_workbench import assets
from attribution_workbench.core.event import (
    AD_ID_FIELDS,
    ANDROID_ID_FIELDS,
    IOS_ID_FIELDS,
    PLATFORMS,
    AttributionEvent,
)
from attribution_workbench.core.ids import new_id_for
from attribution_workbench.core.rules import Finding
from attribution_workbench.ui.event_type_field import EventTypeField
from attribution_workbench.ui.findings import FieldNote
from attribution_workbench.ui.form_state import TEXT_FIELDS, FormState, read_state
from attribution_workbench.ui.keys import bind_keys
from attribution_workbench.ui.layout import (
    GROUP_SPACING,
    SPACING,
    STRETCH,
    TIGHT_SPACING,
    Item,
    annotate,
    buddy_label,
    choice_box,
    container,
    hbox,
    tab_order,
    tool_button,
    vbox,
)
from attribution_workbench.ui.other_keys import OtherKeys
from attribution_workbench.ui.properties_table import PropertiesTable
from attribution_workbench.ui.time_field import TimeField

HIDDEN_IDS = {"ios": ANDROID_ID_FIELDS, "android": IOS_ID_FIELDS}


def hidden_ids(platform: Any) -> tuple[str, ...]:
    """The ID fields another platform uses; none for a platform that is not ios/android
    (raw JSON may hold anything there, even a list)."""
    return HIDDEN_IDS.get(platform, ()) if isinstance(platform, str) else ()
DEFAULT_PLATFORM = "ios"
GENERATE_KEY = "Ctrl+G"
ID_INFO = {
    # field: (label with mnemonic, accessible name, what it is, how generated)
    "idfa": ("IDF&A", "IDFA", "iOS advertising identifier", "an upper-case UUID"),
    "idfv": ("I&DFV", "IDFV", "iOS identifier for vendor", "an upper-case UUID"),
    "adid": ("&adid", "adid", "Google advertising ID (Android)", "a lower-case UUID"),
    "android_app_set_id": (
        "App set I&D",
        "Android app set ID",
        "Android app set ID",
        "a lower-case UUID",
    ),
    "android_id": (
        "A&ndroid ID",
        "Android ID",
        "Android ID (Settings.Secure.ANDROID_ID), optional",
        "16 lower-case hex digits",
    ),
}


def show_text(value: Any) -> str:
    """What a line edit shows for a value: strings as they are, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class EventForm(QWidget):
    """Form fields for one event. ``edited`` fires for user edits only, never for ``load``."""

    edited = Signal()
    company_prefix_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self._values: dict[str, Any] = dict.fromkeys(TEXT_FIELDS)
        self._values["platform"] = DEFAULT_PLATFORM
        self._extra: dict[str, Any] = {}
        self._hidden_ids: tuple[str, ...] | None = None
        self.fields: dict[str, QWidget] = {}  # field name -> the widget that edits it
        self.notes: dict[str, FieldNote] = {}  # field name -> its findings note
        self.rows: dict[str, QWidget] = {}  # field name -> the widget of its form row
        self.generate_buttons: dict[str, QToolButton] = {}

        self.source_label = QLabel()
        self.source_label.setObjectName("form_source")
        self.source_label.setWordWrap(True)
        self.source_label.hide()
        self.event_note = FieldNote("event")

        self._form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(SPACING)
        self.event_type_field = field = EventTypeField(self)
        self.event_type = field.editor  # the ``event_type`` QLineEdit
        field.edited.connect(lambda text: self._set_text_value("event_type", text))
        field.company_prefix_changed.connect(self.company_prefix_changed)
        form.addRow(
            buddy_label("Event t&ype:", self.event_type),
            self._field(
                self.event_type, "event_type", field.prefix_label, field.prefix, field.apply_button
            ),
        )
        self._build_platform(form)
        for name in AD_ID_FIELDS:
            self._build_id(form, name)
        self.time = TimeField()
        self.time.edited.connect(self._on_edited)
        self.fields["time"] = self.time.ms_edit
        self.notes["time"] = self.time.note
        form.addRow(buddy_label("Ti&me:", self.time.ms_edit), self.time)

        self.properties = PropertiesTable()
        self.properties.edited.connect(self._on_edited)
        self.fields["user_properties"] = self.properties.view
        self.notes["user_properties"] = self.properties.note
        self.other = OtherKeys()
        self.other.removed.connect(self._remove_other_key)
        self.notes["other_keys"] = self.other.note

        layout = vbox(
            self.source_label,
            self.event_note,
            form,
            GROUP_SPACING,
            buddy_label("User &properties:", self.properties.view),
            self.properties,
            self.other,
            spacing=TIGHT_SPACING,
        )
        layout.setStretchFactor(self.properties, 1)  # spare height goes to the table
        self.setLayout(layout)
        self._set_tab_order()
        self._show_values()

    # -- building ------------------------------------------------------------------------

    def _field(self, editor: QWidget, name: str, *extra: Item) -> QWidget:
        """The form row of one field: editor and helpers, its findings note under them."""
        note = FieldNote(name)
        self.notes[name] = note
        self.fields[name] = editor
        row = container(vbox(hbox(editor, *extra), note, spacing=TIGHT_SPACING))
        self.rows[name] = row
        return row

    def _build_platform(self, form: QFormLayout) -> None:
        self.platform = choice_box(
            "platform",
            ((name, name) for name in PLATFORMS),
            accessible=(
                "Platform",
                "ios or android; only the selected platform's ID fields are shown and sent "
                "(values typed for the other platform are kept for when you switch back).",
            ),
        )
        self.platform.currentIndexChanged.connect(self._on_platform_changed)
        form.addRow(
            buddy_label("P&latform:", self.platform),
            self._field(self.platform, "platform", STRETCH),
        )

    def _build_id(self, form: QFormLayout, name: str) -> None:
        label, accessible, what, shape = ID_INFO[name]
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setClearButtonEnabled(True)
        annotate(
            edit,
            accessible,
            f"{what}. Matching compares it exactly, including upper/lower case. "
            f"{GENERATE_KEY} puts a fresh random one here.",
            f"{what} ({GENERATE_KEY}: generate {shape})",
        )
        edit.textEdited.connect(self._text_setter(name))
        generate = self._generator(name)
        button = tool_button(
            "New",
            generate,
            name=f"generate_{name}",
            icon=assets.qicon(assets.Icon.GENERATE),
            accessible=(
                f"Generate {accessible}",
                f"Put a fresh random {accessible} in the field: {shape} ({GENERATE_KEY}). A "
                "random ID matches no real user, so the event is held and then dropped.",
            ),
        )
        bind_keys(edit, (GENERATE_KEY, generate))
        self.generate_buttons[name] = button
        form.addRow(buddy_label(f"{label}:", edit), self._field(edit, name, button))

    def _generator(self, name: str) -> Callable[[], None]:
        return lambda: self.generate(name)

    def _text_setter(self, name: str) -> Callable[[str], None]:
        return lambda text: self._set_text_value(name, text)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.event_type,
            self.event_type_field.prefix,
            self.event_type_field.apply_button,
            self.platform,
        ]
        for name in AD_ID_FIELDS:
            chain += [self.fields[name], self.generate_buttons[name]]
        chain += [
            self.time.ms_edit,
            self.time.picker,
            self.time.now_button,
            self.time.clear_button,
            self.properties.add_button,
            self.properties.remove_button,
            self.properties.up_button,
            self.properties.down_button,
            self.properties.paste_button,
            self.properties.view,
            self.other.list,
            self.other.remove_button,
        ]
        tab_order(chain)

    # -- user edits ------------------------------------------------------------------------

    def _on_edited(self) -> None:
        if not self._loading:
            self.edited.emit()

    def _set_text_value(self, name: str, text: str) -> None:
        self._values[name] = text if text else None
        self._on_edited()

    @Slot(int)
    def _on_platform_changed(self, index: int) -> None:
        if self._loading or index < 0:
            return
        self._values["platform"] = self.platform.itemData(index)
        self.platform.setPlaceholderText("")
        self._update_visible_ids()
        self.edited.emit()

    def generate(self, name: str) -> None:
        """Put a fresh random ID into field ``name``."""
        value = new_id_for(name)
        edit = self.fields[name]
        assert isinstance(edit, QLineEdit)
        edit.setText(value)
        self._values[name] = value
        self.edited.emit()

    def company_prefix(self) -> str:
        return self.event_type_field.company_prefix()

    def set_company_prefix(self, prefix: str) -> None:
        self.event_type_field.set_company_prefix(prefix)

    @Slot(str)
    def _remove_other_key(self, key: str) -> None:
        self._extra.pop(key, None)
        self.other.set_keys(self._extra)
        self.edited.emit()

    # -- values in and out -----------------------------------------------------------------

    def build_event(self) -> AttributionEvent:
        """The event the form describes: only the selected platform's IDs."""
        values = dict(self._values)
        for name in hidden_ids(values["platform"]):
            values[name] = None
        return AttributionEvent(
            **values,
            time=self.time.value(),
            user_properties=self.properties.model.value(),
            extra=dict(self._extra),
        )

    def load(self, event: AttributionEvent, *, keep_hidden: bool) -> None:
        """Show ``event``. With ``keep_hidden``, IDs of the other platform that ``event``
        lacks keep their typed values (used while following raw text)."""
        values = {name: getattr(event, name) for name in TEXT_FIELDS}
        if keep_hidden:
            for name in hidden_ids(values["platform"]):
                if values[name] is None:
                    values[name] = self._values[name]
        self._values = values
        self._extra = dict(event.extra)
        self._loading = True
        try:
            self.time.set_value(event.time)
            self.properties.model.load(event.user_properties)
        finally:
            self._loading = False
        self._show_values()

    def problems(self) -> list[Finding]:
        """Findings only the form knows (duplicate property rows, values that do not fit)."""
        return self.properties.model.problems()

    def state(self) -> dict[str, Any]:
        """JSON-able state, hidden IDs and typed rows included (see ``form_state``)."""
        model = self.properties.model
        return FormState(
            values=dict(self._values),
            time=self.time.value(),
            rows=[(r.key, r.kind, r.text) for r in model.rows()],
            opaque_properties=[model.opaque_value()] if model.is_opaque() else None,
            extra=dict(self._extra),
            empty_properties_kept=model.empty_kept(),
        ).to_json()

    def restore(self, state: Any) -> bool:
        """Show a ``state()`` dict; False (and nothing changed) if it is not one."""
        try:
            saved = read_state(state)
        except (TypeError, ValueError, KeyError, AttributeError):
            return False
        self._values, self._extra = saved.values, saved.extra
        self._loading = True
        try:
            self.time.set_value(saved.time)
            self.properties.model.load_rows(
                saved.rows, saved.opaque_properties, empty_kept=saved.empty_properties_kept
            )
        finally:
            self._loading = False
        self._show_values()
        return True

    def _show_values(self) -> None:
        self._loading = True
        try:
            self.event_type_field.set_text(show_text(self._values["event_type"]))
            for name in AD_ID_FIELDS:
                edit = self.fields[name]
                assert isinstance(edit, QLineEdit)
                text = show_text(self._values[name])
                if edit.text() != text:
                    edit.setText(text)
            platform = self._values["platform"]
            index = self.platform.findData(platform) if isinstance(platform, str) else -1
            self.platform.setCurrentIndex(index)
            if index < 0:
                shown = "not set" if platform is None else f"{json.dumps(platform)}: not valid"
                self.platform.setPlaceholderText(shown)
        finally:
            self._loading = False
        self._update_visible_ids()
        self.other.set_keys(self._extra)

    def _update_visible_ids(self) -> None:
        hidden = hidden_ids(self._values["platform"])
        if hidden == self._hidden_ids:
            return
        self._hidden_ids = hidden
        for name in AD_ID_FIELDS:
            self._form.setRowVisible(self.rows[name], name not in hidden)

    # -- findings --------------------------------------------------------------------------

    def visible_field(self, name: str) -> bool:
        return name not in hidden_ids(self._values["platform"])

    def show_findings(self, findings: list[Finding]) -> None:
        """Put each finding next to its field; unknown keys go next to "Other keys"."""
        grouped: dict[str, list[Finding]] = {name: [] for name in self.notes}
        grouped["event"] = []
        for finding in findings:
            name = finding.field
            if name in AD_ID_FIELDS and not self.visible_field(name):
                name = "platform"  # its field is hidden: say it where the user looks
            elif name not in grouped:
                name = "other_keys"
            grouped[name].append(finding)
        for name, note in self.notes.items():
            if name != "other_keys":
                note.set_findings(grouped[name])
        self.event_note.set_findings(grouped["event"])
        self.properties.model.set_marks(grouped["user_properties"])
        self.other.show_findings(grouped["other_keys"])

    def focus_field(self, name: str, property_key: str | None = None) -> bool:
        """Move the keyboard focus to the field of a finding; False if it has none here."""
        if name == "user_properties":
            self.properties.focus_key(property_key)
            return True
        if self.other.focus_key(name):
            return True
        if name in AD_ID_FIELDS and not self.visible_field(name):
            name = "platform"
        widget = self.fields.get(name)
        if widget is None:
            return False
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        return True
