"""The window's side of the history: the file opened in a worker, queries queued behind it,
and a table model that fetches one page at a time.

Every call into ``core.history`` runs on a one-thread ``TaskRunner``, so calls keep their
order (the file is opened first, then records and queries in the order they were asked for)
and the GUI thread never waits for SQLite. ``core.history`` (and with it ``sqlite3``) is only
imported by that worker, after the first paint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)

from attribution_workbench.core.wire import PreparedRequest
from attribution_workbench.ui.tasks import Callback, TaskRunner

if TYPE_CHECKING:
    from attribution_workbench.core.history import Entry, History, HistoryFilter

PAGE_SIZE = 200
AnyIndex = QModelIndex | QPersistentModelIndex


class HistoryStore(QObject):
    """Owns the History (opened by ``factory`` in a worker) and runs every call on it in order."""

    changed = Signal()  # entries were added, deleted or cleared
    notice = Signal(str)  # something the user must know (the old file was moved aside)

    def __init__(self, factory: Callable[[], History] | None, parent: QObject) -> None:
        super().__init__(parent)
        self._factory = factory
        self._runner = TaskRunner(self, max_threads=1)
        self._db: History | None = None  # set and used in the worker thread only
        self._started = False
        self._closed = False
        self.notice_text = ""

    def start(self) -> None:
        """Open the file in the worker (after the first paint); idempotent."""
        if self._started or self._closed or self._factory is None:
            return
        self._started = True
        factory = self._factory

        def open_db() -> str | None:
            self._db = factory()
            return self._db.notice

        self._runner.run(open_db, self._on_opened, "history open")

    def _on_opened(self, notice: Any, error: BaseException | None) -> None:
        if error is not None:
            notice = f"History is off for this session: {error}"
        if notice:
            self.notice_text = str(notice)
            self.notice.emit(self.notice_text)
        # No 'changed' here: every query asked for before the open runs after it (one worker,
        # in order), so a view that asked already gets the opened file's rows.

    def call(self, fn: Callable[[History], Any], callback: Callback, name: str = "history") -> None:
        """``fn(history)`` in the worker, then ``callback(result, error)`` here."""
        if self._closed or self._factory is None:
            return
        self.start()

        def run() -> Any:
            if self._db is None:
                raise RuntimeError("the history file is not open")
            return fn(self._db)

        self._runner.run(run, callback, name)

    def record(
        self,
        request: PreparedRequest,
        result: Any,
        error: BaseException | None,
        *,
        profile: str,
        region: str,
        target: str,
    ) -> None:
        def write(history: History) -> str | None:
            history.record_result(
                request, result, error, profile=profile, region=region, target=target
            )
            # Set when the disk refused the write and history moved to memory.
            return history.notice if history.in_memory else None

        self.call(write, self._on_recorded, "history record")

    def _on_recorded(self, notice: Any, error: BaseException | None) -> None:
        if error is None and notice and notice != self.notice_text:
            self.notice_text = str(notice)
            self.notice.emit(self.notice_text)
        self._on_written(None, error)

    def delete(self, ids: list[int]) -> None:
        self.call(lambda h: h.delete(ids), self._on_written, "history delete")

    def clear(self) -> None:
        self.call(lambda h: h.clear(), self._on_written, "history clear")

    def _on_written(self, _result: Any, error: BaseException | None) -> None:
        if error is not None:
            self.notice.emit(f"History could not be written: {error}")
        self.changed.emit()

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._runner.wait(3000)
        if self._db is not None:
            self._db.close()


COLUMNS = ("Time", "Status", "Region", "Target", "Event type", "Elapsed")


def status_text(entry: Entry) -> str:
    if entry.error_kind:
        return f"failed: {entry.error_kind}"
    return f"{entry.status} {entry.reason}".strip()


class HistoryModel(QAbstractTableModel):
    """Newest first; holds only the pages fetched so far (``PAGE_SIZE`` rows each)."""

    loaded = Signal()  # a new filter's first page (and the total) arrived

    def __init__(self, store: HistoryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._rows: list[Entry] = []
        self._total = 0
        self._filter: HistoryFilter | None = None
        self._generation = 0
        self._fetching = False
        self._shown = True
        self._stale = False
        store.changed.connect(self._on_store_changed)

    # --- loading -------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return self._total

    def set_filter(self, flt: HistoryFilter) -> None:
        self._filter = flt
        self.reload()

    def set_shown(self, shown: bool) -> None:
        """While the list is not on screen, a change only marks it stale (no queries)."""
        self._shown = shown
        if shown and self._stale:
            self.reload()

    @Slot()
    def _on_store_changed(self) -> None:
        if self._shown:
            self.reload()
        else:
            self._stale = True

    def reload(self) -> None:
        self._stale = False
        self._generation += 1
        generation, flt = self._generation, self._filter
        self._fetching = True
        self._store.call(
            lambda h: (h.count(flt), h.page(flt, 0, PAGE_SIZE)),
            lambda result, error: self._on_first_page(generation, result, error),
            "history page",
        )

    def _on_first_page(self, generation: int, result: Any, error: BaseException | None) -> None:
        if generation != self._generation:
            return  # a newer filter is on its way
        self._fetching = False
        self.beginResetModel()
        self._total, self._rows = (0, []) if error is not None else result
        self.endResetModel()
        self.loaded.emit()

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._fetching and len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation, flt, offset = self._generation, self._filter, len(self._rows)
        self._store.call(
            lambda h: h.page(flt, offset, PAGE_SIZE),
            lambda result, error: self._on_more(generation, result, error),
            "history page",
        )

    def _on_more(self, generation: int, result: Any, error: BaseException | None) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        if error is not None or not result:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(result) - 1)
        self._rows.extend(result)
        self.endInsertRows()

    # --- the table ---------------------------------------------------------------------------
    def entry(self, row: int) -> Entry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row())
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.time))
            if column == 1:
                return status_text(entry)
            if column == 2:
                return entry.region.upper()
            if column == 3:
                return entry.target
            if column == 4:
                return entry.event_type
            return "" if entry.elapsed_ms is None else f"{entry.elapsed_ms:.0f} ms"
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.url
        return None
