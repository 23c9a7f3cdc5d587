"""A sqlite3 connection whose writes fail as on a full disk (there is no tiny tmpfs in CI)."""

from __future__ import annotations

import sqlite3


class DiskFull:
    """Wraps a real connection: INSERT and DELETE raise "database or disk is full", everything
    else (reads, transactions, PRAGMAs) is the real connection's."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith(("INSERT", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)

    def __enter__(self) -> DiskFull:
        self._conn.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.__exit__(*exc)  # type: ignore[arg-type]
