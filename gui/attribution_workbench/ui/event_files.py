"""Open and save an event as a JSON file (File menu).

Opening keeps the file's text verbatim (it becomes the raw JSON that is sent). Saving writes
the user's raw text verbatim too; an event built from form fields is written indented, which
is easier to read and diff than the compact wire form. The functions at the end are the File
menu's New/Open/Import/Save on a window (``MainWindow`` delegates to them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from attribution_workbench.core.event import PLATFORMS, AttributionEvent
from attribution_workbench.ui.event_form import DEFAULT_PLATFORM

if TYPE_CHECKING:
    from attribution_workbench.ui.main_window import MainWindow

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


# --- the File menu's actions on a window ------------------------------------------------------
def replace_event(window: MainWindow, event: AttributionEvent | str) -> bool:
    """Put ``event`` (an event, or JSON text kept verbatim) in place of the editor's one.

    Every replacement goes through here (New, Open, Import, a history entry, a preset, the
    demo): it asks first when the current event has unsaved changes, and the new event counts
    as unchanged. False: the user kept the current event, nothing was touched.
    """
    if not window.unsaved.may_replace():
        return False
    if isinstance(event, str):
        window.editor.set_text(event)
    else:
        window.editor.set_event(event)
    window.unsaved.mark_clean()
    return True


def new_event(window: MainWindow) -> bool:
    """File ▸ New event; asks first if the event has unsaved changes. False: cancelled."""
    platform = window.editor.current_event().platform
    fresh = AttributionEvent(platform=platform if platform in PLATFORMS else DEFAULT_PLATFORM)
    if not replace_event(window, fresh):
        return False
    window.response.clear()
    window.show_status("New event.")
    return True


def show_import(window: MainWindow) -> None:
    """File ▸ Import… (Ctrl+Shift+V): paste a request or event to fill the form."""
    from attribution_workbench.ui.import_dialog import ImportDialog  # on first use

    if (previous := getattr(window, "import_dialog", None)) is not None:
        previous.deleteLater()  # a fresh dialog reads the clipboard afresh
    window.import_dialog = ImportDialog(window)
    window.import_dialog.open()


def open_into(window: MainWindow, path: Path) -> bool:
    """File ▸ Open…: read ``path`` into the editor (asks first about unsaved changes)."""
    try:
        text = read_event_file(path)
    except EventFileError as exc:
        window.show_status(str(exc))
        return False
    if not replace_event(window, text):
        return False
    window.show_status(f"Opened {path}.")
    return True


def save_from(window: MainWindow, path: Path) -> bool:
    """File ▸ Save as…: write the window's event to ``path``."""
    window.editor.commit_open_edits()
    text = window.editor.wire_text()
    if text is None:
        window.show_status("The raw JSON has an error; fix it before saving.")
        return False
    try:
        write_event_file(path, text, window.editor.current_event().raw_text)
    except EventFileError as exc:
        window.show_status(str(exc))
        return False
    window.unsaved.mark_clean()
    window.show_status(f"Saved {path}.")
    return True
