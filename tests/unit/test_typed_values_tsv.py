"""Spreadsheet paste (``parse_tsv``) and copy (``to_tsv``) of property rows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from attribution_workbench.core.typed_values import ValueType, convert, parse_tsv, to_tsv

# The characters that matter to the format, plus a few that other line splitters treat as
# line breaks (a TSV paste must not).
_ALPHABET = st.sampled_from(list('ab"\t\r\n \x0b\x0c\x1c\x85\u2028\x00é'))


def _reference_cells(text: str) -> list[list[str]]:
    """The hand-written splitter parse_tsv used before it used the csv module (the oracle)."""
    lines: list[list[str]] = []
    cells: list[str] = []
    cell: list[str] = []
    i, n = 0, len(text)
    at_start = True
    while i < n:
        char = text[i]
        if at_start and char == '"':
            i += 1
            while i < n:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        cell.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                cell.append(text[i])
                i += 1
            at_start = False
            continue
        at_start = False
        if char == "\t":
            cells.append("".join(cell))
            cell, at_start = [], True
        elif char in "\r\n":
            if char == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            cells.append("".join(cell))
            lines.append(cells)
            cells, cell, at_start = [], [], True
        else:
            cell.append(char)
        i += 1
    if cell or cells:
        cells.append("".join(cell))
        lines.append(cells)
    return lines


def _reference_parse(text: str) -> list[tuple[str, ValueType, str]]:
    """parse_tsv's row rules over the reference splitter."""
    types = {kind.value: kind for kind in ValueType}
    rows: list[tuple[str, ValueType, str]] = []
    for cells in _reference_cells(text):
        if not any(cells):
            continue
        if not rows and [c.strip().lower() for c in cells[:3]] in (
            ["key", "value"],
            ["key", "value", "type"],
        ):
            continue
        if len(cells) == 3 and cells[2].strip().lower() in types:
            rows.append((cells[0], types[cells[2].strip().lower()], cells[1]))
        else:
            rows.append((cells[0], ValueType.AUTO, "\t".join(cells[1:])))
    return rows


@given(st.text(_ALPHABET, max_size=24))
def test_parse_tsv_reads_what_the_hand_written_splitter_read(text: str) -> None:
    assert parse_tsv(text) == _reference_parse(text)


@given(st.text(_ALPHABET, max_size=12) | st.sampled_from(["key\tvalue\ttype\n", "a\tb\tnumber"]))
def test_parse_tsv_never_raises_on_short_text(text: str) -> None:
    parse_tsv(text)


_KEY = st.text(st.sampled_from(list('ab"\t\r\n 1{é')), min_size=1, max_size=8).filter(
    # A key that is only blank reads as a blank row; "key" first reads as a header.
    lambda key: key.strip() != "" and key.strip().lower() != "key"
)


@given(
    st.lists(
        st.tuples(
            _KEY,
            st.text(st.sampled_from(list('ab"\t\r\n 1{é')), max_size=8),
            st.sampled_from(list(ValueType)),
        )
    )
)
def test_what_copy_writes_paste_reads_back(rows: list[tuple[str, str, ValueType]]) -> None:
    # Key, text and type: "02134" typed as a string must not come back as a number.
    assert [(key, text, kind) for key, kind, text in parse_tsv(to_tsv(rows))] == rows


def test_quoted_cells_headers_types_and_blank_lines() -> None:
    text = 'key\tvalue\n"a\tb"\t"1\n2"\tstring\r\n\nc\n"say ""hi"""\t42\n'
    assert parse_tsv(text) == [
        ("a\tb", ValueType.STRING, "1\n2"),
        ("c", ValueType.AUTO, ""),
        ('say "hi"', ValueType.AUTO, "42"),
    ]


def test_a_cell_over_the_csv_size_limit_is_kept_whole() -> None:
    big = "x" * 200_000
    assert parse_tsv(f"a\t{big}\nb\t1\n") == [
        ("a", ValueType.AUTO, big),
        ("b", ValueType.AUTO, "1"),
    ]


def test_json_nested_too_deeply_is_a_reason_not_a_crash() -> None:
    deep = "[" * 5000 + "]" * 5000
    value, problem = convert(ValueType.JSON, deep)
    assert value == deep and problem is not None and "nested too deeply" in problem
    assert convert(ValueType.AUTO, deep) == (deep, None)  # auto: kept as the text typed


def test_a_number_too_large_for_a_double_is_kept_as_text_with_a_reason() -> None:
    value, problem = convert(ValueType.NUMBER, "1e400")
    assert value == "1e400" and problem is not None and "too large" in problem
    value, problem = convert(ValueType.JSON, '{"cost": -1e999}')
    assert value == '{"cost": -1e999}' and problem is not None and "too large" in problem
    assert convert(ValueType.AUTO, "1e999") == ("1e999", None)  # a string, never Infinity
    assert convert(ValueType.NUMBER, "1e308") == (1e308, None)
