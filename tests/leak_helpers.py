"""Shared by the leak tests: where a secret could hide (files, texts), and every log line."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest


def needles(secret: str) -> list[bytes]:
    """The key as raw bytes and in the encodings a file might hold it in."""
    forms = {
        secret,
        secret.upper(),
        quote(secret, safe=""),
        "".join(f"%{ord(c):02X}" for c in secret),  # fully percent-encoded
        json.dumps(secret)[1:-1],
        "".join(f"\\u{ord(c):04x}" for c in secret),  # JSON \u escapes
    }
    found = [form.encode() for form in forms]
    found.append(secret.encode("utf-16-le"))
    return found


def files_containing(root: Path, *secrets: str) -> list[str]:
    """Every file under ``root`` holding any of ``secrets`` in any of those forms."""
    wanted = [needle for secret in secrets for needle in needles(secret)]
    hits = []
    for dirpath, _dirs, filenames in os.walk(root):
        for filename in filenames:
            path = Path(dirpath) / filename
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if any(needle in data for needle in wanted):
                hits.append(str(path))
    return hits


def texts_containing(texts: Iterable[str], *secrets: str) -> list[str]:
    """Every text (a log, captured stdout/stderr) holding any of ``secrets`` in any of the
    forms ``needles`` lists."""
    wanted = [needle for secret in secrets for needle in needles(secret)]
    return [
        text for text in texts if any(n in text.encode("utf-8", "surrogatepass") for n in wanted)
    ]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs() -> Iterator[Collect]:
    """Every log record at DEBUG and above, from every logger, formatted with its args."""
    handler = Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
