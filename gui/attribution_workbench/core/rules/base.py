"""What every rule shares: findings, their levels, message helpers and the checker's core.

The checks themselves are mixins of :class:`Checker`, one module per part of the event
(``ids``, ``timestamps``, ``prefixes``, ``keys``); the package joins them and runs them in
field order.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from attribution_workbench.core.event import KNOWN_FIELDS, AttributionEvent


class Level(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    field: str  # a top-level event key, or "event" for the text as a whole
    level: Level
    message: str
    property_key: str | None = None  # set for findings about one user_properties key


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.level is Level.ERROR for finding in findings)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.level is Level.ERROR]


def _show(value: Any, limit: int = 60) -> str:
    """A value as JSON for a message, shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    except RecursionError:  # nested as deep as the parser allowed: too deep to write back
        text = "nested too deeply to show"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(field: str) -> str:
    """How a message names a field: documented keys bare, other keys quoted (spaces show)."""
    return field if field in KNOWN_FIELDS or field == "event" else _show(field)


def _date(ms: int) -> str:
    # Here, not at the top: datetime costs ~0.5 MB and the window checks events at start-up,
    # where only a set time needs a date.
    from datetime import datetime, timezone

    try:
        moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return "out of range"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _present(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeio" else "a ") + word


class Checker:
    """One run of the rules over one event; collects findings in field order."""

    def __init__(
        self,
        event: AttributionEvent,
        raw: dict[str, Any] | None,
        now_ms: int,
        unknown: list[tuple[str, str | None]],
    ) -> None:
        self.event = event
        self.raw = raw  # the parsed text, when there is one: it tells "null" from "absent"
        self.now_ms = now_ms
        self.findings: list[Finding] = []
        # Unknown keys, each with the documented key it probably meant (or None).
        self.unknown = unknown
        self.near_misses: dict[str, str] = {}
        for key, meant in self.unknown:
            if meant is not None:
                self.near_misses.setdefault(meant, key)

    def add(self, field: str, level: Level, sentence: str, key: str | None = None) -> None:
        self.findings.append(Finding(field, level, f"{_label(field)}: {sentence}", key))

    def absent(self, name: str) -> str:
        """Why ``name`` has no value: written as null, or missing (maybe misspelt)."""
        if self.raw is not None and name in self.raw:
            return "It is null"
        other = self.near_misses.get(name)
        if other is not None:
            return f"It is missing (the event has {_show(other)}: rename that to {name})"
        return "It is missing"
