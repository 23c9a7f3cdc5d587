"""Rules for ``time``: a JSON integer of milliseconds since epoch, not too far off now."""

from __future__ import annotations

from attribution_workbench.core.event import json_kind
from attribution_workbench.core.rules.base import Checker, Level, _a, _date, _show

EXAMPLE_TIME = 1396381378123
SECONDS_BELOW = 10**11  # as ms that is before 1973; as seconds it is after the year 5000
MICROSECONDS_FROM = 10**14  # as ms that is after the year 5000
FUTURE_SLACK_MS = 5 * 60 * 1000
OLD_BEFORE_MS = 365 * 24 * 3600 * 1000


class TimeChecks(Checker):
    """Rules for ``time``."""

    def check_time(self) -> None:
        value = self.event.time
        ms_hint = f"milliseconds since epoch, e.g. {EXAMPLE_TIME}"
        if value is None:
            if self.raw is not None and "time" in self.raw:
                self.add(
                    "time",
                    Level.WARNING,
                    f"It is null; remove the key (the upload time is used) or give {ms_hint}.",
                )
        elif isinstance(value, str):
            digits = value.strip()
            if digits.isascii() and digits.removeprefix("-").isdigit():
                fix = "Remove the quotes."
                if len(digits) <= 25:  # int() refuses over 4,300 digits; no time needs 20
                    fix = f"Remove the quotes: {int(digits)}."
            else:
                fix = f"Give {ms_hint}."
            self.add(
                "time",
                Level.ERROR,
                f"It is the string {_show(value)} but must be a JSON integer. {fix}",
            )
        elif isinstance(value, float):
            if value.is_integer():
                fix = f"Write it without the decimal point: {int(value)}."
            elif value == value and abs(value) != float("inf"):
                fix = f"Round it to whole milliseconds: {round(value)}."
            else:
                fix = f"Give {ms_hint}."
            self.add(
                "time",
                Level.ERROR,
                f"It is the decimal number {_show(value)} but must be an integer. {fix}",
            )
        elif isinstance(value, bool) or not isinstance(value, int):
            self.add(
                "time",
                Level.ERROR,
                f"It is {_a(json_kind(value))} ({_show(value)}) but must be an integer: {ms_hint}.",
            )
        else:
            self.check_time_range(value)

    def check_time_range(self, ms: int) -> None:
        if ms < SECONDS_BELOW:
            if ms >= 10**8:  # 1973..5138 as seconds
                self.add(
                    "time",
                    Level.WARNING,
                    f"{ms} looks like seconds (as milliseconds it is {_date(ms)}); time is in "
                    f"milliseconds since epoch. Multiply by 1000: {ms * 1000}.",
                )
            else:
                self.add(
                    "time",
                    Level.WARNING,
                    f"{ms} as milliseconds since epoch is {_date(ms)}; give the event's time in "
                    f"milliseconds, e.g. {EXAMPLE_TIME}, or remove the key.",
                )
        elif ms >= MICROSECONDS_FROM:
            factor, unit = (1000, "microseconds") if ms < 10**17 else (10**6, "nanoseconds")
            self.add(
                "time",
                Level.WARNING,
                f"{ms} looks like {unit}; time is in milliseconds since epoch. Divide by "
                f"{factor}: {ms // factor}.",
            )
        elif ms > self.now_ms + FUTURE_SLACK_MS:
            self.add(
                "time",
                Level.WARNING,
                f"{ms} is in the future ({_date(ms)}). Give the time of the install, or remove "
                "the key to use the upload time.",
            )
        elif ms < self.now_ms - OLD_BEFORE_MS:
            self.add(
                "time",
                Level.INFO,
                f"{ms} is more than a year ago ({_date(ms)}); check it is the time you meant.",
            )
