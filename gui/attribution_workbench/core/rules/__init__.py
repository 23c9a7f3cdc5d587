"""Validation of an attribution event: a list of findings, each tied to one field.

Errors are what the Attribution API rejects (or what makes the event useless), so they block
sending. Warnings are events the API accepts but that will most likely never match a user
(junk or mis-cased IDs, seconds instead of milliseconds, ...). Infos are conventions. Every
message starts with the field's name ("idfa: ...") and says what to do.

The docs' own two examples must stay free of errors and warnings (``ids`` explains the one
info their Android example needs).

Rules run on every keystroke, so they do plain dict and string work; every regex is compiled
once, at import. Each part of the event has a module of checks (``ids``, ``timestamps``,
``prefixes``, ``keys``, ``text``); this package runs them in field order and is the public
entry point.
"""

from __future__ import annotations

import time as _time
from typing import Any

from attribution_workbench.core.event import AttributionEvent, ParsedText, parse_event_text
from attribution_workbench.core.rules.base import Finding, Level, errors, has_errors
from attribution_workbench.core.rules.base import _label as _label
from attribution_workbench.core.rules.ids import IdChecks
from attribution_workbench.core.rules.keys import KeyChecks, _suggest
from attribution_workbench.core.rules.prefixes import PrefixChecks
from attribution_workbench.core.rules.text import _json_hint, _text_findings, non_finite_findings
from attribution_workbench.core.rules.timestamps import TimeChecks

__all__ = [
    "Finding",
    "Level",
    "check_event",
    "check_parsed",
    "check_text",
    "errors",
    "has_errors",
]


class _Checker(PrefixChecks, IdChecks, TimeChecks, KeyChecks):
    """All the rules, run in field order."""

    def run(self) -> list[Finding]:
        self.check_event_type()
        self.check_ids(self.check_platform())
        self.check_time()
        self.check_user_properties()
        self.check_unknown_keys()
        return self.findings


# --- entry points ---------------------------------------------------------------------------


def check_event(event: AttributionEvent, *, now_ms: int | None = None) -> list[Finding]:
    """Findings for one event, in field order. ``now_ms`` defaults to the current time."""
    return _check(event, None, now_ms) + non_finite_findings(event)


def check_text(text: str, *, now_ms: int | None = None) -> list[Finding]:
    """Parse raw event text and check it; text that is not one JSON object is an ERROR."""
    return check_parsed(parse_event_text(text), now_ms=now_ms)


def check_parsed(parsed: ParsedText, *, now_ms: int | None = None) -> list[Finding]:
    """Check text already read by ``parse_event_text`` (the editor parses each edit once)."""
    if parsed.event is None:
        problem = parsed.problem
        message = str(problem) if problem is not None else "The event is not a JSON object."
        if problem is not None and problem.line is not None and problem.column is not None:
            message += "." + _json_hint(parsed.text, problem.line, problem.column)
        return [Finding("event", Level.ERROR, "event: " + message)]
    raw = parsed.value if isinstance(parsed.value, dict) else None
    # NaN/Infinity written as such also get the event-level "not valid JSON" finding; the
    # per-field one says where, and finds a 1e999 beside them.
    return _text_findings(parsed) + _check(parsed.event, raw, now_ms) + non_finite_findings(
        parsed.event
    )


def _check(
    event: AttributionEvent, raw: dict[str, Any] | None, now_ms: int | None
) -> list[Finding]:
    now = int(_time.time() * 1000) if now_ms is None else now_ms
    unknown = [(key, _suggest(key)) for key in event.extra]
    return _Checker(event, raw, now, unknown).run()
