"""View ▸ History (Ctrl+H): the sent requests, newest first, with a filter row and actions.

The table shows a ``HistoryModel``, which fetches a page at a time in a worker, so ten
thousand entries open and filter as fast as ten. Open and Resend go through the window's
own form and send path; nothing here talks to the network.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QWidget,
)

from attribution_workbench.ui.history_store import HistoryModel, HistoryStore
from attribution_workbench.ui.layout import annotate, choice_box, hbox, push_button, vbox

if TYPE_CHECKING:
    from attribution_workbench.core.history import Entry, History

FILTER_DELAY_MS = 150
JSONL_FILTER = "JSON Lines (*.jsonl);;All files (*)"


def confirm_clear(parent: QWidget, total: int) -> bool:
    """Ask before deleting every entry (tests replace this function)."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(
        parent,
        "Clear history",
        f"Delete all {total} history entries? This cannot be undone.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_export_path(parent: QWidget) -> str:
    """Where to export to; "" when cancelled (tests replace this function)."""
    from PySide6.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getSaveFileName(
        parent, "Export history", "history.jsonl", JSONL_FILTER
    )
    return path


class HistoryPanel(QWidget):
    def __init__(
        self,
        store: HistoryStore,
        open_entry: Callable[[Entry], object],
        resend_entry: Callable[[Entry], object],
        show_status: Callable[[str], object],
        parent: QWidget | None = None,
        app_event_entry: Callable[[Entry], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._open_entry = open_entry
        self._app_event_entry = app_event_entry
        self._resend_entry = resend_entry
        self._show_status = show_status
        self.model = HistoryModel(store, self)

        self.text = QLineEdit()
        self.text.setObjectName("history_text")
        self.text.setPlaceholderText("Filter: event text, URL or body")
        self.text.setClearButtonEnabled(True)
        annotate(
            self.text,
            "History filter",
            "Show only the entries whose event text, URL or request body contains this text",
        )
        self.setFocusProxy(self.text)  # where the focus goes when the panel is shown
        self.status = choice_box(
            "history_status",
            (("All", None), ("OK", "ok"), ("Failed", "failed")),
            accessible=("History status filter", "Show all entries, or only OK or failed ones"),
        )
        self.region = choice_box(
            "history_region",
            (("All regions", None), ("US", "us"), ("EU", "eu")),
            accessible=("History region filter", "Show the entries of every region, or one"),
        )

        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
        self.table.setObjectName("history_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        # Fixed row heights: the view never measures rows, so a page lands in constant time.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self.open_selected)
        annotate(
            self.table,
            "History entries",
            "Every request sent, newest first. Enter or double-click loads one into the form.",
        )

        self.summary = QLabel()
        self.summary.setObjectName("history_summary")
        self.summary.setWordWrap(True)
        self.notice = QLabel(store.notice_text)
        self.notice.setObjectName("history_notice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(bool(store.notice_text))
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        store.notice.connect(self._on_notice)

        self.open_button = push_button(
            "Open",
            self.open_selected,
            tip="Load the entry into the form",
        )
        self.resend_button = push_button(
            "Resend",
            self.resend_selected,
            tip="Load the entry and send it with the current key",
        )
        self.app_event_button = push_button(
            "Matching app event…",
            self.app_event_selected,
            name="history_app_event",
            tip="Send the HTTP API V2 app event that makes this attribution event match",
        )
        if app_event_entry is None:
            # hide() only: setVisible(True) on a widget without a parent yet shows it as a
            # window of its own (and takes the keyboard focus from the main window).
            self.app_event_button.hide()
        self.curl_button = push_button(
            "Copy curl",
            self.copy_curl,
            tip="Copy as curl with $AMPLITUDE_API_KEY for the key",
        )
        self.delete_button = push_button(
            "Delete",
            self.delete_selected,
            tip="Delete the selected entries",
        )
        # No mnemonics on these buttons: the window's fields hold those letters (Alt+A IDFA,
        # Alt+D IDFV, Alt+O Form, Alt+P User properties, Alt+R Region, Alt+X Prefix).
        self.clear_button = push_button("Clear all…", self.clear_all, tip="Delete every entry")
        self.export_button = push_button(
            "Export…",
            self.export,
            tip="Export the selected entries (or all shown) as JSON Lines",
        )

        filters = hbox(self.text, self.status, self.region)
        filters.setStretch(0, 1)
        actions = hbox(
            self.open_button,
            self.resend_button,
            self.app_event_button,
            self.curl_button,
            self.delete_button,
            self.clear_button,
            self.export_button,
        )
        layout = vbox(self.notice, filters, self.table, self.summary, actions)
        layout.setStretch(2, 1)
        self.setLayout(layout)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.text.textChanged.connect(self._filter_timer.start)
        self.status.currentIndexChanged.connect(self.apply_filter)
        self.region.currentIndexChanged.connect(self.apply_filter)
        self.model.loaded.connect(self._update_summary)
        self.model.rowsInserted.connect(self._update_summary)
        self.apply_filter()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.model.set_shown(True)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.model.set_shown(False)  # sends while hidden mark it stale; no reloads

    # --- filter -----------------------------------------------------------------------------
    def current_filter(self) -> Any:
        from attribution_workbench.core.history import HistoryFilter

        return HistoryFilter(self.text.text(), self.status.currentData(), self.region.currentData())

    @Slot()
    def apply_filter(self) -> None:
        self._filter_timer.stop()
        self.model.set_filter(self.current_filter())

    @Slot()
    def _update_summary(self) -> None:
        total = self.model.total
        self.summary.setText(f"{total} entr{'y' if total == 1 else 'ies'}")

    @Slot(str)
    def _on_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(True)

    # --- actions ----------------------------------------------------------------------------
    def selected_entries(self) -> list[Entry]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [entry for row in rows if (entry := self.model.entry(row)) is not None]

    def _one_selected(self) -> Entry | None:
        entries = self.selected_entries()
        if not entries:
            self._show_status("Select a history entry first.")
            return None
        return entries[0]

    @Slot()
    def open_selected(self) -> None:
        if (entry := self._one_selected()) is not None:
            self._open_entry(entry)

    @Slot()
    def resend_selected(self) -> None:
        if (entry := self._one_selected()) is not None:
            self._resend_entry(entry)

    @Slot()
    def app_event_selected(self) -> None:
        if self._app_event_entry is not None and (entry := self._one_selected()) is not None:
            self._app_event_entry(entry)

    @Slot()
    def copy_curl(self) -> None:
        from attribution_workbench.core.history import entry_request
        from attribution_workbench.core.wire import Format, KeyStyle, WireError

        if (entry := self._one_selected()) is None:
            return
        try:
            text = entry_request(entry).render(Format.CURL, KeyStyle.ENV)
        except WireError as exc:  # a key that a $AMPLITUDE_API_KEY copy would not reproduce
            self._show_status(str(exc))
            return
        QGuiApplication.clipboard().setText(text)
        self._show_status("Copied as curl; it reads the key from $AMPLITUDE_API_KEY.")

    @Slot()
    def delete_selected(self) -> None:
        ids = [entry.id for entry in self.selected_entries()]
        if ids:
            self._store.delete(ids)
            self._show_status(f"Deleted {len(ids)} history entr{'y' if len(ids) == 1 else 'ies'}.")

    @Slot()
    def clear_all(self) -> None:
        if confirm_clear(self, self.model.total):
            self._store.clear()
            self._show_status("History cleared.")

    @Slot()
    def export(self) -> None:
        path = ask_export_path(self)
        if not path:
            return
        selection: Any = [entry.id for entry in self.selected_entries()] or self.current_filter()

        def write(history: History) -> int:
            with Path(path).open("w", encoding="utf-8", newline="\n") as file:
                return history.export_jsonl(selection, file)

        def done(count: Any, error: BaseException | None) -> None:
            if error is not None:
                self._show_status(f"Could not export the history: {error}")
            else:
                self._show_status(f"Exported {count} history entries to {path}.")

        self._store.call(write, done, "history export")


def make_dock(panel: HistoryPanel, parent: QWidget) -> QDockWidget:
    dock = QDockWidget("History", parent)
    dock.setObjectName("history")
    dock.setWidget(panel)
    return dock
