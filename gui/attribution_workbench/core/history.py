"""The history of sent requests: one SQLite file (WAL mode) under the user data dir.

Every send, answered or not, is one row, written in its own committed transaction, so a
crash loses nothing that was committed, and WAL plus a busy timeout lets two windows (or
two processes) write at once. The key is never stored in any form: the request's URL and
body are stored as rendered with ``KeyStyle.REDACT`` (a constant mask built from the
request's own key spans), and every other text that could echo the key (the server's
answer, an error message, the event text itself) has the key, raw and percent-encoded,
replaced by the same mask.

A file SQLite cannot read (garbage, truncated, not a database, unreadable) never stops the
app: it is moved aside as ``history.sqlite3.corrupt-YYYYmmdd-HHMMSS``, a fresh file is
started, and ``History.notice`` says where the old one went.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from attribution_workbench.core.regions import Api
from attribution_workbench.core.wire import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    REDACTED_KEY,
    KeyStyle,
    PreparedRequest,
    Transport,
    redact_key,
)

FILE_NAME = "history.sqlite3"
APP_DIR = "attribution-workbench"
MAX_RESPONSE_CHARS = 64 * 1024
BUSY_TIMEOUT_MS = 5000
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    profile TEXT NOT NULL,
    region TEXT NOT NULL,
    target TEXT NOT NULL,
    url TEXT NOT NULL,
    transport TEXT NOT NULL,
    api TEXT NOT NULL,
    event_text TEXT NOT NULL,
    event_type TEXT NOT NULL,
    request_body TEXT NOT NULL,
    ok INTEGER NOT NULL,
    status INTEGER,
    reason TEXT NOT NULL,
    response_body TEXT NOT NULL,
    response_truncated INTEGER NOT NULL,
    elapsed_ms REAL,
    error_kind TEXT,
    error_message TEXT NOT NULL
);
-- Newest first within a status or region filter walks one index, no sort.
CREATE INDEX IF NOT EXISTS entries_ok ON entries (ok, id);
CREATE INDEX IF NOT EXISTS entries_region ON entries (region, id);
CREATE INDEX IF NOT EXISTS entries_region_ok ON entries (region, ok, id);
"""
_COLUMNS = (
    "id, time, profile, region, target, url, transport, api, event_text, event_type, "
    "request_body, ok, status, reason, response_body, response_truncated, elapsed_ms, "
    "error_kind, error_message"
)


def default_path() -> Path:
    import platformdirs

    # appauthor=False: on Windows the same folder as the presets (%LOCALAPPDATA%\<app>),
    # not <app>\<app>; Linux and macOS are unchanged.
    return platformdirs.user_data_path(APP_DIR, appauthor=False) / FILE_NAME


@dataclass(frozen=True)
class HistoryFilter:
    """``text`` matches event text, URL or request body; ``status`` is "ok", "failed" or None."""

    text: str = ""
    status: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Entry:
    id: int
    time: float
    profile: str
    region: str
    target: str
    url: str
    transport: str
    api: str
    event_text: str
    event_type: str
    request_body: str
    ok: bool
    status: int | None
    reason: str
    response_body: str
    response_truncated: bool
    elapsed_ms: float | None
    error_kind: str | None
    error_message: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["time_iso"] = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.time))
        return data


def event_type_of(event_text: str) -> str:
    try:
        value = json.loads(event_text)
    except (ValueError, RecursionError):
        return ""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict) and isinstance(value.get("event_type"), str):
        return str(value["event_type"])
    return ""


def entry_request(entry: Entry) -> PreparedRequest:
    """A PreparedRequest rebuilt from an entry, its key being the mask: render it with
    ``KeyStyle.ENV`` for a command that runs with ``$AMPLITUDE_API_KEY``."""
    url_spans = _spans(entry.url, REDACTED_KEY)
    body_spans = _spans(entry.request_body, REDACTED_KEY)
    body = entry.request_body.encode("utf-8")
    transport = Transport(entry.transport)
    headers: list[tuple[str, str]] = []
    if body:
        ctype = JSON_CONTENT_TYPE if transport is Transport.JSON else FORM_CONTENT_TYPE
        headers.append(("Content-Type", ctype))
    headers.append(("Content-Length", str(len(body))))
    return PreparedRequest(
        method="POST",
        url=entry.url,
        headers=tuple(headers),
        body=body,
        transport=transport,
        api=Api(entry.api),
        event_text=entry.event_text,
        api_key=REDACTED_KEY,
        url_key_spans=url_spans,
        body_key_spans=body_spans,
    )


def _spans(text: str, needle: str) -> tuple[tuple[int, int], ...]:
    spans = []
    start = text.find(needle)
    while start >= 0:
        spans.append((start, start + len(needle)))
        start = text.find(needle, start + len(needle))
    return tuple(spans)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(flt: HistoryFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if flt.status in ("ok", "failed"):
        clauses.append("ok = ?")
        params.append(1 if flt.status == "ok" else 0)
    if flt.region:
        clauses.append("region = ?")
        params.append(flt.region)
    if flt.text.strip():
        clauses.append(
            "(event_text LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\'"
            " OR request_body LIKE ? ESCAPE '\\')"
        )
        params += [_like(flt.text.strip())] * 3
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class History:
    """The history file. Thread-safe: one connection, used under a lock."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.notice: str | None = None  # set when the old file had to be moved aside
        self._lock = threading.Lock()
        self.in_memory = False  # True once history is kept in memory for this session
        try:
            self._conn = self._open()
        except (OSError, sqlite3.Error) as exc:
            # A file we may not write (read-only directory or disk, disk full) is not
            # damaged: leave it where it is and keep this session's history in memory.
            storage = isinstance(exc, OSError) or _is_storage_error(exc)
            self._conn = self._to_memory(exc) if storage else self._recover(exc)

    # --- opening ---------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.DatabaseError(f"journal mode is {mode}, not WAL")
            # FULL: a record that returned is on disk even if the machine goes down next.
            conn.execute("PRAGMA synchronous = FULL")
            # A truncated or damaged file often opens fine and fails on the first read.
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            with conn:
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute(f"SELECT {_COLUMNS} FROM entries LIMIT 1").fetchall()
        except BaseException:
            conn.close()
            raise
        return conn

    def _recover(self, error: BaseException) -> sqlite3.Connection:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while moved.exists():
            counter += 1
            moved = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
        try:
            if self.path.exists():
                os.replace(self.path, moved)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    os.replace(side, moved.with_name(moved.name + suffix))
            conn = self._open()
        except (OSError, sqlite3.Error) as second:
            # Not even a fresh file works (read-only disk, no permission): keep this
            # session's history in memory rather than refuse to start.
            self.notice = (
                f"The history file {self.path} cannot be used ({error}; {second}). "
                "History is kept in memory for this session only."
            )
            return _empty_memory()
        self.notice = (
            f"The history file could not be read ({error}); it was moved to {moved} "
            "and a new, empty history was started."
        )
        return conn

    def _to_memory(self, error: BaseException) -> sqlite3.Connection:
        """An in-memory copy of what the file holds (if it can be read at all), with a
        notice. The file itself is left untouched, so nothing committed is lost."""
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            source = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
            try:
                source.backup(memory)
            finally:
                source.close()
            memory.execute(f"SELECT {_COLUMNS} FROM entries LIMIT 1").fetchall()
        except (OSError, ValueError, sqlite3.Error):
            memory.close()
            memory = _empty_memory()
        self.in_memory = True
        why = "is in use by another program" if "locked" in str(error) else "cannot be written"
        self.notice = (
            f"The history file {self.path} {why} ({error}). "
            "History is kept in memory for this session only; the file was left as it is."
        )
        return memory

    def _write(self, fn: Callable[[sqlite3.Connection], sqlite3.Cursor]) -> sqlite3.Cursor:
        """Run one committed write; when the disk refuses it (full, read-only), switch to
        memory for the rest of the session and write there instead."""
        with self._lock:
            try:
                with self._conn:
                    return fn(self._conn)
            except sqlite3.OperationalError as exc:
                if self.in_memory or not _is_storage_error(exc):
                    raise
                old, self._conn = self._conn, self._to_memory(exc)
                old.close()
                with self._conn:
                    return fn(self._conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def journal_mode(self) -> str:
        with self._lock:
            return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0])

    # --- writing ---------------------------------------------------------------------------
    def record(
        self,
        request: PreparedRequest,
        *,
        profile: str,
        region: str,
        target: str,
        status: int | None = None,
        reason: str = "",
        response_text: str = "",
        elapsed_ms: float | None = None,
        error_kind: str | None = None,
        error_message: str = "",
        when: float | None = None,
    ) -> int:
        """Store one send (its own committed transaction); returns the new entry's id."""
        def redact(text: str) -> str:
            return redact_key(text, request.api_key, style=KeyStyle.REDACT)

        response = redact(response_text)
        truncated = len(response) > MAX_RESPONSE_CHARS
        ok = error_kind is None and status is not None and 200 <= status < 300
        row = (
            time.time() if when is None else when,
            profile,
            region,
            target,
            redact(request.display_url(KeyStyle.REDACT)),
            request.transport.value,
            request.api.value,
            redact(request.event_text),
            redact(event_type_of(request.event_text)),
            redact(request.display_body(KeyStyle.REDACT)),
            int(ok),
            status,
            redact(reason),
            response[:MAX_RESPONSE_CHARS],
            int(truncated),
            elapsed_ms,
            error_kind,
            redact(error_message),
        )
        cursor = self._write(
            lambda conn: conn.execute(
                f"INSERT INTO entries ({_COLUMNS.removeprefix('id, ')})"
                f" VALUES ({', '.join('?' * len(row))})",
                row,
            )
        )
        return int(cursor.lastrowid or 0)

    def record_result(
        self,
        request: PreparedRequest,
        result: Any,
        error: BaseException | None,
        *,
        profile: str,
        region: str,
        target: str,
    ) -> int:
        """Record an ``Outcome`` (``result``) or a ``SendError``/other failure (``error``)."""
        if error is None:
            return self.record(
                request,
                profile=profile,
                region=region,
                target=target,
                status=int(result.status),
                reason=str(result.reason),
                response_text=str(result.text),
                elapsed_ms=float(result.elapsed_ms),
            )
        kind = getattr(error, "kind", None)
        return self.record(
            request,
            profile=profile,
            region=region,
            target=target,
            error_kind=str(getattr(kind, "value", kind or type(error).__name__)),
            error_message=str(getattr(error, "message", error)),
            elapsed_ms=getattr(error, "elapsed_ms", None),
        )

    def delete(self, ids: Iterable[int]) -> int:
        wanted = [(int(i),) for i in ids]
        cursor = self._write(
            lambda conn: conn.executemany("DELETE FROM entries WHERE id = ?", wanted)
        )
        return int(cursor.rowcount)

    def clear(self) -> None:
        self._write(lambda conn: conn.execute("DELETE FROM entries"))

    # --- reading ---------------------------------------------------------------------------
    def page(
        self, flt: HistoryFilter | None = None, offset: int = 0, limit: int = 200
    ) -> list[Entry]:
        """Newest first."""
        where, params = _where(flt or HistoryFilter())
        sql = f"SELECT {_COLUMNS} FROM entries{where} ORDER BY id DESC LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._conn.execute(sql, [*params, limit, offset]).fetchall()
        return [_entry(row) for row in rows]

    def _older(self, flt: HistoryFilter, below: int | None, limit: int) -> list[Entry]:
        """Up to ``limit`` entries matching ``flt``, newest first, with ids below ``below``."""
        where, params = _where(flt)
        if below is not None:
            where += (" AND " if where else " WHERE ") + "id < ?"
            params.append(below)
        sql = f"SELECT {_COLUMNS} FROM entries{where} ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._conn.execute(sql, [*params, limit]).fetchall()
        return [_entry(row) for row in rows]

    def count(self, flt: HistoryFilter | None = None) -> int:
        where, params = _where(flt or HistoryFilter())
        with self._lock:
            return int(
                self._conn.execute(f"SELECT COUNT(*) FROM entries{where}", params).fetchone()[0]
            )

    def get(self, entry_id: int) -> Entry | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE id = ?", (entry_id,)
            ).fetchone()
        return _entry(row) if row else None

    def export_jsonl(self, selection: Sequence[int] | HistoryFilter | None, file: IO[str]) -> int:
        """Write the chosen entries (ids, a filter, or None for all), one JSON object a line."""
        written = 0
        if isinstance(selection, HistoryFilter) or selection is None:
            # Page by id, not OFFSET: each page is an index lookup (OFFSET rescans every
            # earlier row), and a send recorded meanwhile cannot shift a row into two pages.
            below: int | None = None
            while batch := self._older(selection or HistoryFilter(), below, 500):
                for entry in batch:
                    file.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")
                written += len(batch)
                below = batch[-1].id
            return written
        for entry_id in selection:
            found = self.get(entry_id)
            if found is not None:
                file.write(json.dumps(found.to_json(), ensure_ascii=False) + "\n")
                written += 1
        return written


# SQLite's words for "the storage refused", as opposed to "the file is damaged". A lock
# held past the busy timeout (another instance clearing a big history, a DB browser, a
# backup) says nothing about the file: it must never be moved aside as corrupt.
_STORAGE_ERRORS = (
    "disk is full",
    "readonly",
    "read-only",
    "unable to open",
    "disk i/o error",
    "database is locked",
    "database table is locked",
)


def _empty_memory() -> sqlite3.Connection:
    """A fresh in-memory history: the fallback when no file can be used."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.executescript(_SCHEMA)
    return conn


def _is_storage_error(error: BaseException) -> bool:
    text = str(error).lower()
    return any(words in text for words in _STORAGE_ERRORS)


def _entry(row: Sequence[Any]) -> Entry:
    values = list(row)
    values[11] = bool(values[11])  # ok
    values[15] = bool(values[15])  # response_truncated
    return Entry(*values)
