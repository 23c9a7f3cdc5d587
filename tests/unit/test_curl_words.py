"""The curl reader's shell scans (core/_curl.py): exactly shlex's words, in linear time."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution_workbench.core import _curl

# The characters that matter to sh quoting, plus a few that do not.
SHELL_TEXT = st.text(alphabet=list("ab -'\"\\\n\t\r$=&é\u00a0"), max_size=40)


def reference_join_continuations(text: str) -> str:
    """The character-by-character version this module used before (kept as the model)."""
    out: list[str] = []
    quote = ""
    index = 0
    while index < len(text):
        ch = text[index]
        if quote != "'" and ch == "\\" and index + 1 < len(text):
            if text[index + 1] == "\n":
                index += 2
                continue
            out.append(text[index : index + 2])
            index += 2
            continue
        if ch in "'\"" and (not quote or quote == ch):
            quote = "" if quote else ch
        out.append(ch)
        index += 1
    return "".join(out)


def shlex_words(text: str) -> list[str] | str:
    try:
        return shlex.split(text, posix=True)
    except ValueError as exc:
        return f"ValueError: {exc}"


def our_words(text: str) -> list[str] | str:
    try:
        return _curl.split_words(text)
    except ValueError as exc:
        return f"ValueError: {exc}"


@settings(max_examples=3000, deadline=None)
@given(SHELL_TEXT)
def test_split_words_is_shlex_split(text: str) -> None:
    assert our_words(text) == shlex_words(text)


@settings(max_examples=3000, deadline=None)
@given(SHELL_TEXT)
def test_join_continuations_is_unchanged(text: str) -> None:
    assert _curl.join_continuations(text) == reference_join_continuations(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("curl -d 'a b' \"c\\\"d\" e\\ f", ["curl", "-d", "a b", 'c"d', "e f"]),
        ("a '' \"\" b", ["a", "", "", "b"]),
        ('"x\\y\\\\z"', ["x\\y\\z"]),  # inside "…" only \" and \\ are escapes
        ("'it''s'", ["its"]),
        ("a\u00a0b c", ["a\u00a0b", "c"]),  # a no-break space is not a separator
    ],
)
def test_split_words_examples(text: str, words: list[str]) -> None:
    assert _curl.split_words(text) == words


@pytest.mark.parametrize("text", ["'open", '"open', "trailing\\"])
def test_split_words_refuses_what_shlex_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        _curl.split_words(text)


def test_a_megabyte_body_in_one_word_is_one_word() -> None:
    # Speed is measured in bench/bench_core.py (d): 1.2 MB in ~60 ms, where shlex took 10 s.
    body = "event=" + "%7B%22a%22%3A%22" * 75_000
    command = f"curl https://api2.amplitude.com/attribution -d 'api_key=k&{body}'"
    words = _curl.split_words(command)
    assert words == ["curl", "https://api2.amplitude.com/attribution", "-d", f"api_key=k&{body}"]
