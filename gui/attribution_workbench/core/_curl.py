"""Read a pasted curl command: its URL, method, data pieces and ``-G``.

Shell quoting is read as sh does (single quotes, double quotes, backslashes, ``\\``-newline
continuations); variables are NOT expanded, so ``"$AMPLITUDE_API_KEY"`` stays a reference
the importer can recognise. Only what matters for an attribution request is interpreted;
other options are skipped with their arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Options whose value is request data, and how curl treats the value.
_DATA = {
    "-d": "data",
    "--data": "data",
    "--data-ascii": "data",
    "--data-binary": "data",
    "--data-raw": "raw",
    "--data-urlencode": "urlencode",
    "-F": "form",
    "--form": "form",
    "--form-string": "form",
}
# Other options that take an argument (skipped with it).
_WITH_ARG = set(
    """
    -H --header -X --request -A --user-agent -e --referer -u --user -b --cookie -c
    --cookie-jar -o --output -m --max-time --connect-timeout -w --write-out -x --proxy
    --retry --cacert --cert -E --key -T --upload-file -r --range --resolve --url --json -K
    --config --limit-rate -y -Y --retry-delay --retry-max-time --interface --proto
    --capath
    """.split()
)
_SHORT_WITH_ARG = {opt[1] for opt in (*_DATA, *_WITH_ARG) if len(opt) == 2}


@dataclass
class CurlCommand:
    url: str | None = None
    method: str | None = None
    get: bool = False
    # (kind, value): kind is data, raw, urlencode or form.
    data: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# The two scans below are linear in the text and work a run of characters at a time: a
# pasted command may carry a megabyte of body in one word. (shlex.split builds each word
# one character at a time, quadratic in its length: 10 s for a 1.2 MB curl command, with
# the import dialog frozen meanwhile.)
_CONTINUATION_PIECES = re.compile(
    r"'[^']*'?"  # single-quoted: kept exactly, backslashes and all
    r'|"[^"\\]*(?:\\.[^"\\]*)*"?'  # double-quoted: a backslash pairs with the next character
    r"|(?:[^'\"\\]|\\.)+"  # unquoted, the same pairs
    r"|\\",  # a backslash that ends the text
    re.DOTALL,
)
_BACKSLASH_PAIR = re.compile(r"\\(.)", re.DOTALL)
_BLANKS = re.compile(r"[ \t\r\n]+")  # shlex's whitespace, exactly
_WORD_PIECES = re.compile(
    r"(?P<plain>[^ \t\r\n'\"\\]+)"
    r"|'(?P<single>[^']*)'"
    r'|"(?P<double>[^"\\]*(?:\\.[^"\\]*)*)"'
    r"|\\(?P<escaped>.)",
    re.DOTALL,
)
# What is left ends in a backslash with nothing to escape (bare, or in an open "…").
_ENDS_ESCAPING = re.compile(r'(?:"[^"\\]*(?:\\.[^"\\]*)*)?\\', re.DOTALL)
# Inside double quotes, shlex lets a backslash escape only '"' and itself.
_DOUBLE_QUOTED_ESCAPE = re.compile(r'\\(["\\])')


def join_continuations(text: str) -> str:
    """Remove backslash-newline pairs outside single quotes, as sh does."""
    out: list[str] = []
    for match in _CONTINUATION_PIECES.finditer(text):
        piece = match.group()
        out.append(piece if piece.startswith("'") else _BACKSLASH_PAIR.sub(_unless_newline, piece))
    return "".join(out)


def _unless_newline(pair: re.Match[str]) -> str:
    return "" if pair.group(1) == "\n" else pair.group()


def split_words(text: str) -> list[str]:
    """The words of ``text`` exactly as ``shlex.split(text)`` gives them (POSIX rules, no
    comments). Raises ValueError, as shlex does, on an unclosed quote or a final backslash."""
    words: list[str] = []
    word: list[str] | None = None  # the pieces of the word being read; None between words
    position = 0
    while position < len(text):
        if blanks := _BLANKS.match(text, position):
            if word is not None:
                words.append("".join(word))
                word = None
            position = blanks.end()
            continue
        piece = _WORD_PIECES.match(text, position)
        if piece is None:  # shlex's two messages, for the same two cases
            ends_escaping = _ENDS_ESCAPING.fullmatch(text, position) is not None
            raise ValueError("No escaped character" if ends_escaping else "No closing quotation")
        kind = piece.lastgroup or "plain"
        value = piece.group(kind)
        if kind == "double":
            value = _DOUBLE_QUOTED_ESCAPE.sub(r"\1", value)
        if word is None:
            word = []
        word.append(value)
        position = piece.end()
    if word is not None:
        words.append("".join(word))
    return words


def parse(text: str) -> CurlCommand:
    command = CurlCommand()
    joined = join_continuations(text.strip())
    if joined.startswith("$"):
        joined = joined[1:].lstrip()  # a shell prompt copied along
    try:
        words = split_words(joined)
    except ValueError as exc:
        command.problems.append(f"The shell quoting is incomplete ({exc}).")
        try:
            words = split_words(joined + _closing_quote(joined))
        except ValueError:
            return command
    words = words[1:]  # "curl"
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            _take_url(command, words[index:])
            break
        option, value = _split_option(word)
        if option is None:
            _take_url(command, [word])
            continue
        if option in ("-G", "--get"):
            command.get = True
        if option in _DATA or option in _WITH_ARG:
            if value is None:
                if index >= len(words):
                    command.problems.append(f"The option {option} has no value.")
                    break
                value = words[index]
                index += 1
            _take_option(command, option, value)
        elif value and option.startswith("-") and not option.startswith("--"):
            # A cluster of short flags, e.g. -sSG or -sd'…'.
            _take_cluster(command, option[1:] + value, words, index)
    return command


def _split_option(word: str) -> tuple[str | None, str | None]:
    if not word.startswith("-") or word == "-":
        return None, None
    if word.startswith("--"):
        name, eq, value = word.partition("=")
        return (name, value) if eq else (word, None)
    # -XPOST, -d'…': a short option followed by its value in one word.
    return word[:2], (word[2:] or None)


def _take_cluster(command: CurlCommand, letters: str, words: list[str], index: int) -> None:
    for position, letter in enumerate(letters):
        if letter == "G":
            command.get = True
        if letter in _SHORT_WITH_ARG:
            rest = letters[position + 1 :]
            value = rest or (words[index] if index < len(words) else "")
            _take_option(command, "-" + letter, value)
            if not rest and index < len(words):
                words.pop(index)
            return


def _take_option(command: CurlCommand, option: str, value: str) -> None:
    if option in ("-X", "--request"):
        command.method = value
    elif option == "--url":
        _take_url(command, [value])
    elif option == "--json":
        command.problems.append(
            "curl --json sends a JSON body; the Attribution API takes form parameters."
        )
    elif option in _DATA:
        kind = _DATA[option]
        if kind == "data" and value.startswith("@"):
            command.problems.append(
                f"{option} {value} reads a file; reading files is not supported, "
                "paste the data itself."
            )
            return
        if kind == "form":
            if "=@" in value or "=<" in value:
                command.problems.append("A -F field that reads a file was ignored.")
                return
            kind = "urlencode"  # name=value, the value as written
        command.data.append((kind, value))


def _take_url(command: CurlCommand, words: list[str]) -> None:
    for word in words:
        if command.url is None:
            command.url = word
        else:
            command.problems.append(f"An extra argument {word[:40]!r} was ignored.")


def _closing_quote(text: str) -> str:
    quote = ""
    for ch in text:
        if ch in "'\"" and (not quote or quote == ch):
            quote = "" if quote else ch
    return quote
