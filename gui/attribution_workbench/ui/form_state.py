"""Reading back a saved form state (from QSettings), trusting nothing in it.

Qt-free on purpose: it only checks shapes. Anything that is not exactly what
``EventForm.state()`` writes raises, and the caller falls back to a fresh form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from attribution_workbench.core.event import AD_ID_FIELDS, canonical_json
from attribution_workbench.core.typed_values import ValueType

TEXT_FIELDS = ("event_type", "platform", *AD_ID_FIELDS)


@dataclass(frozen=True)
class FormState:
    values: dict[str, Any]  # event_type, platform and every ID field (hidden ones too)
    time: Any
    rows: list[tuple[str, ValueType, str]]
    opaque_properties: list[Any] | None  # [value] when user_properties is not an object
    extra: dict[str, Any]
    # The event said "user_properties": {} and the table is empty: the key is still sent.
    empty_properties_kept: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "values": dict(self.values),
            "time": self.time,
            "rows": [[key, kind.value, text] for key, kind, text in self.rows],
            "opaque_properties": self.opaque_properties,
            "extra": dict(self.extra),
            "empty_properties_kept": self.empty_properties_kept,
        }


def _json_value(value: Any) -> Any:
    canonical_json(value)  # raises TypeError/ValueError for what JSON cannot hold
    return value


def read_state(state: Any) -> FormState:
    """Validate a saved form state; raises TypeError/ValueError/KeyError on anything else."""
    if not isinstance(state, dict) or not isinstance(state["values"], dict):
        raise TypeError("not a form state")
    values = {name: _json_value(state["values"].get(name)) for name in TEXT_FIELDS}
    rows = []
    for key, kind, text in state.get("rows") or ():
        if not (isinstance(key, str) and isinstance(text, str)):
            raise TypeError("row cells must be strings")
        rows.append((key, ValueType(kind), text))
    opaque = state.get("opaque_properties")
    if opaque is not None and not (isinstance(opaque, list) and len(opaque) == 1):
        raise TypeError("opaque_properties must be [value]")
    extra = state.get("extra") or {}
    if not isinstance(extra, dict) or not all(isinstance(k, str) for k in extra):
        raise TypeError("extra must be an object")
    kept = state.get("empty_properties_kept", False)
    if not isinstance(kept, bool):
        raise TypeError("empty_properties_kept must be true or false")
    return FormState(
        values, _json_value(state.get("time")), rows, _json_value(opaque), _json_value(extra), kept
    )
