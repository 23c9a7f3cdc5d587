"""Open and save an event as a JSON file (File menu).

Opening keeps the file's text verbatim (it becomes the raw JSON that is sent). Saving writes
the user's raw text verbatim too; an event built from form fields is written indented, which
is easier to read and diff than the compact wire form.
"""

from __future__ import annotations

import json
from pathlib import Path

MAX_EVENT_FILE_BYTES = 5_000_000
FILE_FILTER = "JSON files (*.json);;All files (*)"


class EventFileError(Exception):
    """A file that cannot be read or written; the message names it and says why."""


def read_event_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_EVENT_FILE_BYTES:
            raise EventFileError(
                f"Could not open {path.name}: it is larger than "
                f"{MAX_EVENT_FILE_BYTES // 1_000_000} MB; an event is a single small object."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise EventFileError(f"Could not open {path.name}: {exc.strerror or exc}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EventFileError(f"Could not open {path.name}: it is not UTF-8 text.") from None


def write_event_file(path: Path, wire_text: str, raw_text: str | None) -> None:
    """Write ``raw_text`` verbatim if the event came from text, else ``wire_text`` indented."""
    if raw_text is not None:
        text = raw_text
    else:
        text = json.dumps(json.loads(wire_text), indent=2, ensure_ascii=False) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise EventFileError(f"Could not save {path.name}: {exc.strerror or exc}.") from None
