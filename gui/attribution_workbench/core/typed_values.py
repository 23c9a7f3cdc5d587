"""Typed property values as a person writes them in a table: text plus a type.

A user property row holds the text the user typed and a type. ``auto`` (the default) reads
the text as a JSON literal when it exactly is one (``42``, ``-1.5``, ``true``, ``null``,
``{"a": 1}``, ``[1, 2]``, ``"quoted"``) and as plain text otherwise, so ``facebook`` needs no
quotes and ``"42"`` (with quotes) stays the string 42. The explicit types say what the user
means and report text that does not fit instead of guessing.

Converting a value back into (type, text) is lossless: a string that ``auto`` would read as
something else is given the ``string`` type.
"""

from __future__ import annotations

import enum
import io
import json
import math
from typing import Any

from attribution_workbench.core.event import canonical_json, json_kind


class ValueType(str, enum.Enum):
    AUTO = "auto"
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    NULL = "null"
    JSON = "json"


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are Python extensions, not JSON; the server could not read them.
    raise ValueError(f"{name} is not valid JSON")


class NumberTooLarge(ValueError):
    """A JSON number no 64-bit reader holds (``1e999``)."""


def _finite_float(text: str) -> float:
    # 1e999 is JSON syntax, but no 64-bit reader holds it: Python reads infinity, and
    # json.dumps would then write the invalid word Infinity.
    value = float(text)
    if not math.isfinite(value):
        raise NumberTooLarge(f"{text} is too large for a 64-bit float")
    return value


def read_json(text: str) -> Any:
    """``json.loads`` that raises only ValueError: also for NaN/Infinity (not JSON) and for
    text nested too deeply for Python to read (RecursionError, e.g. 5,000 ``[``)."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("it is nested too deeply to read") from None


def convert(kind: ValueType, text: str) -> tuple[Any, str | None]:
    """The JSON value for ``text`` read as ``kind``, and why it does not fit (None if it does).

    When the text does not fit, the value is the text itself, so nothing typed is lost.
    """
    if kind is ValueType.STRING:
        return text, None
    if kind is ValueType.NULL:
        return None, None
    if kind is ValueType.AUTO:
        if text and text == text.strip() and text[0] in '-0123456789tfn{["':
            try:
                return read_json(text), None
            except ValueError:
                pass
        return text, None
    if kind is ValueType.BOOLEAN:
        word = text.strip().lower()
        if word in ("true", "false"):
            return word == "true", None
        return text, f"{_quote(text)} is not a boolean; write true or false"
    try:
        value = read_json(text)
    except NumberTooLarge:
        return text, f"{_quote(text)} is too large for a 64-bit float; write a smaller number"
    except ValueError as exc:
        if kind is ValueType.NUMBER:
            return text, f"{_quote(text)} is not a number; write digits, e.g. 42 or -1.5"
        return text, f"{_quote(text)} is not valid JSON: {_reason(exc)}"
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is ValueType.NUMBER and not is_number:
        return text, f"{_quote(text)} is not a number; write digits, e.g. 42 or -1.5"
    return value, None


def describe(value: Any) -> tuple[ValueType, str]:
    """The (type, text) a row shows for ``value``; ``convert`` gives ``value`` back."""
    if isinstance(value, str):
        if convert(ValueType.AUTO, value)[0] == value:
            return ValueType.AUTO, value
        return ValueType.STRING, value
    if value is None:
        return ValueType.AUTO, "null"
    if isinstance(value, bool):
        return ValueType.AUTO, "true" if value else "false"
    try:
        text = canonical_json(value)
    except (TypeError, ValueError):
        return ValueType.STRING, str(value)
    if isinstance(value, float) and not _finite(value):
        # NaN/Infinity came from lenient JSON; keep the number, the rules report it.
        return ValueType.JSON, text
    return ValueType.AUTO, text


def inferred(kind: ValueType, text: str) -> str:
    """What the type column shows: the type, and for ``auto`` what the text was read as."""
    if kind is not ValueType.AUTO:
        return str(kind.value)
    value, _error = convert(kind, text)
    return f"auto: {json_kind(value)}"


def _finite(value: float) -> bool:
    return value == value and value not in (float("inf"), float("-inf"))


def _quote(text: str, limit: int = 40) -> str:
    shown = json.dumps(text, ensure_ascii=False)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}" if exc.lineno == 1 else str(exc)
    return str(exc)


_TYPE_NAMES = {kind.value: kind for kind in ValueType}


def parse_tsv(text: str) -> list[tuple[str, ValueType, str]]:
    """Rows pasted from a spreadsheet: ``key<TAB>value[<TAB>type]`` lines.

    Spreadsheets put a cell that holds a tab, a newline or a quote in quotes, doubling the
    quotes inside; such cells are unquoted. A first line that is exactly a
    ``key/value[/type]`` header is skipped, and so are blank lines. A line without a tab is
    a key with an empty value.
    """
    rows: list[tuple[str, ValueType, str]] = []
    for cells in _tsv_lines(text):
        if not any(cells):
            continue
        if not rows and [c.strip().lower() for c in cells[:3]] in (
            ["key", "value"],
            ["key", "value", "type"],
        ):
            continue
        key = cells[0]
        kind = ValueType.AUTO
        if len(cells) == 3 and cells[2].strip().lower() in _TYPE_NAMES:
            kind = _TYPE_NAMES[cells[2].strip().lower()]
            value = cells[1]
        else:
            value = "\t".join(cells[1:])
        rows.append((key, kind, value))
    return rows


def _tsv_lines(text: str) -> list[list[str]]:
    """Split spreadsheet text into cells, honouring quoted cells (the csv module's dialect)."""
    import csv  # on the first paste, not at start-up (~0.1 MB)

    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    except csv.Error:
        # Only a cell over the csv module's size limit (128 KiB) gets here; no spreadsheet
        # makes one (Excel stops at 32,767 characters). Keep the text, cut at tabs only.
        return [line.rstrip("\r\n").split("\t") for line in io.StringIO(text, newline="")]


def to_tsv(rows: list[tuple[str, str, ValueType]]) -> str:
    """``key<TAB>value[<TAB>type]`` lines as a spreadsheet reads them (cells with tabs or
    newlines quoted); the type is written unless it is auto, so a paste reads each row back
    as it was ("02134" as a string stays a string)."""

    def cell(text: str) -> str:
        if text.startswith('"') or any(c in text for c in "\t\r\n"):
            return '"' + text.replace('"', '""') + '"'
        return text

    def line(key: str, value: str, kind: ValueType) -> str:
        typed = "" if kind is ValueType.AUTO else f"\t{kind.value}"
        return f"{cell(key)}\t{cell(value)}{typed}\n"

    return "".join(line(*row) for row in rows)
