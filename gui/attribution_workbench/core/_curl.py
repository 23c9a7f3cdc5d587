"""Read a pasted curl command: its URL, method, data pieces and ``-G``.

Shell quoting is read as sh does (single quotes, double quotes, backslashes, ``\\``-newline
continuations); variables are NOT expanded, so ``"$AMPLITUDE_API_KEY"`` stays a reference
the importer can recognise. Only what matters for an attribution request is interpreted;
other options are skipped with their arguments.
"""

from __future__ import annotations

import shlex
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


def join_continuations(text: str) -> str:
    """Remove backslash-newline pairs outside single quotes, as sh does."""
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


def parse(text: str) -> CurlCommand:
    command = CurlCommand()
    joined = join_continuations(text.strip())
    if joined.startswith("$"):
        joined = joined[1:].lstrip()  # a shell prompt copied along
    try:
        words = shlex.split(joined, posix=True)
    except ValueError as exc:
        command.problems.append(f"The shell quoting is incomplete ({exc}).")
        try:
            words = shlex.split(joined + _closing_quote(joined), posix=True)
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
