"""Rules on the text itself: JSON syntax hints, duplicate keys, NaN and Infinity."""

from __future__ import annotations

import math
from typing import Any

from attribution_workbench.core.event import AttributionEvent, ParsedText
from attribution_workbench.core.rules.base import Finding, Level, _label, _show

_TYPOGRAPHIC_QUOTES = "\u201c\u201d\u2018\u2019"


def _json_hint(text: str, line: int, column: int) -> str:
    """A plain hint for the commonest ways pasted JSON goes wrong, from the error position."""
    lines = text.split("\n")
    if line > len(lines):
        return ""
    position = sum(len(part) + 1 for part in lines[: line - 1]) + column - 1
    char = text[position : position + 1]
    before = text[:position].rstrip()[-1:]
    if char in _TYPOGRAPHIC_QUOTES and char:
        return " It has typographic quotes (“ ”); replace them with straight double quotes."
    if char == "'":
        return " JSON needs double quotes around names and strings, not single quotes."
    if before == "," and char in ("}", "]"):
        return " Remove the comma before the closing bracket; JSON allows no trailing comma."
    return ""


def non_finite_findings(event: AttributionEvent) -> list[Finding]:
    """An ERROR for each field holding a number no JSON reader takes, where it is: one too
    large for a 64-bit double (``1e999`` reads as infinity), Infinity, or NaN."""
    findings = []
    for field, value in event.to_dict().items():
        if field == "time":
            continue  # any time that is not an integer has its own error (timestamps)
        if field == "user_properties" and isinstance(value, dict):
            for key, item in value.items():
                if (bad := _non_finite_in(item)) is not None:
                    findings.append(_non_finite(field, key, bad))
        elif (bad := _non_finite_in(value)) is not None:
            findings.append(_non_finite(field, None, bad))
    return findings


def _non_finite(field: str, key: str | None, number: float) -> Finding:
    where = f"{_label(field)}: The property {_show(key)}" if key is not None else _label(field)
    verb = " holds" if key is not None else ": It holds"
    what = (
        "NaN (not a number)"
        if math.isnan(number)
        else "a number too large for a 64-bit float, or Infinity (it reads as infinity)"
    )
    return Finding(
        field,
        Level.ERROR,
        f"{where}{verb} {what}; the server cannot read it. Write a smaller number, or a "
        "string.",
        key,
    )


def _non_finite_in(value: Any) -> float | None:
    """The first NaN or infinity anywhere in ``value``, or None."""
    if value is None or isinstance(value, (str, int)):  # nearly every value: no work
        return None
    # A loop, not recursion: the value may be nested as deep as the parser allowed.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _text_findings(parsed: ParsedText) -> list[Finding]:
    """Findings the parse noted but the event no longer shows (``parsed`` is an object)."""
    top = parsed.value
    findings = []
    if parsed.constants:
        findings.append(
            Finding(
                "event",
                Level.ERROR,
                f"event: It uses {', '.join(sorted(parsed.constants))}, which is not valid JSON; "
                "the server cannot read it. Write a number or a string instead.",
            )
        )
    props = top.get("user_properties")
    reported: set[tuple[int, str]] = set()
    for owner, key in parsed.duplicates:
        if (id(owner), key) in reported:
            continue
        reported.add((id(owner), key))
        if owner is top:
            findings.append(
                Finding(
                    key,
                    Level.WARNING,
                    f"{_label(key)}: It appears more than once in the event; servers differ on "
                    "which one they read (this tool reads the last). Keep one.",
                )
            )
        elif owner is props:
            findings.append(
                Finding(
                    "user_properties",
                    Level.WARNING,
                    f"user_properties: The key {_show(key)} appears more than once; servers "
                    "differ on which value they read. Keep one.",
                    key,
                )
            )
    return findings
