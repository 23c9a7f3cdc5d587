"""Rules on the text itself: JSON syntax hints, duplicate keys, NaN and Infinity."""

from __future__ import annotations

import json
from typing import Any

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


class _TextScan:
    """Duplicate keys and NaN/Infinity: things the parsed event no longer shows."""

    def __init__(self) -> None:
        self.duplicates: list[tuple[dict[str, Any], str]] = []
        self.constants: set[str] = set()

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    self.duplicates.append((out, key))
                seen.add(key)
        return out

    def constant(self, name: str) -> float:
        self.constants.add(name)
        return float(name)


def _text_findings(text: str) -> list[Finding]:
    scan = _TextScan()
    try:
        top = json.loads(text, object_pairs_hook=scan.pairs, parse_constant=scan.constant)
    except RecursionError:  # the hooks add a frame; the first parse got through just so
        return []
    findings = []
    if scan.constants:
        findings.append(
            Finding(
                "event",
                Level.ERROR,
                f"event: It uses {', '.join(sorted(scan.constants))}, which is not valid JSON; "
                "the server cannot read it. Write a number or a string instead.",
            )
        )
    props = top.get("user_properties")
    reported: set[tuple[int, str]] = set()
    for owner, key in scan.duplicates:
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
