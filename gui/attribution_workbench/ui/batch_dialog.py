"""File ▸ Batch send…: validate a CSV / JSON Lines file, send its rows, show the results.

The file is streamed twice in worker threads (validate, then send) and never loaded whole.
Sends go to the main window's current destination with its current key and transport,
taken when Start is pressed. Progress comes back through a queued signal; the GUI thread
only updates widgets.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from attribution_workbench.core import batch
from attribution_workbench.ui.layout import STRETCH, annotate, buddy_label, hbox, push_button, vbox
from attribution_workbench.ui.tasks import CancelRelay, Task, TaskRunner

if TYPE_CHECKING:
    from attribution_workbench.ui.main_window import MainWindow

FILE_FILTER = "Batch files (*.csv *.jsonl *.ndjson *.json);;All files (*)"
MAX_LISTED = 200  # invalid rows shown one by one
COLUMNS = ("row", "status", "body", "elapsed")


_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str) -> _W:
    widget.setObjectName(name)
    return widget


class _Bridge(QObject):
    # Emitted from the worker; the bridge lives in the GUI thread, so delivery is queued.
    progress = Signal(object)


class BatchDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("batch_dialog")
        self.setWindowTitle("Batch send")
        self.resize(760, 620)
        self._window = window
        self._runner = TaskRunner(self, max_threads=1)
        self._bridge = _Bridge(self)
        self._bridge.progress.connect(self._on_progress)
        self._path: Path | None = None
        self._valid = 0
        self._invalid = 0
        self._task: Task | None = None
        # The validation whose answer counts (a token): a slow one for a file chosen before
        # must not enable Start, or set the totals, for the file chosen since.
        self._checking: object | None = None
        self._relay: CancelRelay | None = None
        self.results: list[batch.RowResult] = []
        self._build()
        self._update_controls()

    def _build(self) -> None:
        self.file = _named(QLineEdit(), "batch_file")
        self.file.setReadOnly(True)
        self.file.setPlaceholderText("A .csv or .jsonl file")
        annotate(self.file, "Batch file", "The .csv or .jsonl file whose rows are sent")
        self.choose = push_button("&Choose file…", self.ask_file, name="batch_choose")
        self.validation = _named(QLabel("Choose a file to validate its rows."), "batch_validation")
        self.validation.setWordWrap(True)
        self.invalid_rows = _named(QPlainTextEdit(), "batch_invalid")
        self.invalid_rows.setReadOnly(True)
        self.invalid_rows.setMaximumHeight(120)
        self.invalid_rows.hide()
        self.skip_invalid = _named(QCheckBox("S&kip invalid rows"), "batch_skip_invalid")
        self.skip_invalid.toggled.connect(self._update_controls)
        self.rate = _named(QDoubleSpinBox(), "batch_rate")
        self.rate.setDecimals(1)
        self.rate.setMaximum(10_000.0)
        self.rate.setSpecialValueText("unlimited")  # shown at 0
        self.rate.setSuffix(" events/s")
        self.concurrency = _named(QSpinBox(), "batch_concurrency")
        self.concurrency.setRange(1, 32)
        self.concurrency.setValue(4)
        annotate(self.rate, "Rate", "At most this many events per second; 0 is unlimited")
        annotate(self.concurrency, "Concurrency", "How many requests are on their way at once")
        self.start = push_button("&Start", self.start_batch, name="batch_start")
        self.cancel = push_button("Ca&ncel", self.cancel_batch, name="batch_cancel")
        self.progress = _named(QProgressBar(), "batch_progress")
        self.stats = _named(QLabel(""), "batch_stats")
        self.table = _named(QTableWidget(0, len(COLUMNS)), "batch_results")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        annotate(self.table, "Batch results", "One row per event: its status and the answer")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.retry = push_button("&Retry failed", self.retry_failed, name="batch_retry")
        self.export = push_button("&Export CSV…", self.ask_export, name="batch_export")
        self.setLayout(
            vbox(
                hbox(self.file, self.choose),
                self.validation,
                self.invalid_rows,
                hbox(self.skip_invalid, STRETCH, buddy_label("R&ate:", self.rate), self.rate),
                hbox(buddy_label("C&oncurrency:", self.concurrency), self.concurrency, STRETCH,
                     self.start, self.cancel),
                self.progress,
                self.stats,
                self.table,
                hbox(STRETCH, self.retry, self.export),
            )
        )

    # -- state --------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._task is not None

    @Slot()
    def _update_controls(self) -> None:
        running = self.is_running()
        consent = self._invalid == 0 or self.skip_invalid.isChecked()
        validated = self._checking is None
        self.start.setEnabled(not running and validated and self._valid > 0 and consent)
        self.choose.setEnabled(not running)
        self.cancel.setEnabled(running)
        retryable = any(r.status in batch.USER_RETRYABLE for r in self.results)
        self.retry.setEnabled(not running and retryable)
        self.export.setEnabled(not running and bool(self.results))

    # -- file and validation ------------------------------------------------------------

    @Slot()
    def ask_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Batch file", "", FILE_FILTER)
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Validate every row of ``path`` in a worker; the result shows when it is done."""
        if self.is_running():
            return  # the rows being sent come from the current file
        token = self._checking = object()
        self._path = path
        self.file.setText(str(path))
        self._valid = self._invalid = 0
        self.validation.setText("Validating…")
        self.invalid_rows.hide()
        self._update_controls()
        self._runner.run(
            lambda: batch.count_rows(batch.iter_rows(path), MAX_LISTED),
            lambda result, error: self._on_validated(token, result, error),
        )

    def _on_validated(self, token: object, result: Any, error: BaseException | None) -> None:
        if token is not self._checking:
            return  # the answer for a file chosen before the current one
        self._checking = None
        if error is not None:
            self._update_controls()
            self.validation.setText(f"Cannot read the file: {error}")
            return
        counts: batch.RowCounts = result
        valid, invalid = counts.valid, counts.invalid
        self._valid, self._invalid = valid, invalid
        if invalid:
            lines = []
            for row in counts.first_invalid:
                lines.append(f"row {row.number}: " + "; ".join(row.problems()))
            if invalid > len(counts.first_invalid):
                lines.append(f"…and {invalid - len(counts.first_invalid)} more.")
            self.invalid_rows.setPlainText("\n".join(lines))
            self.invalid_rows.show()
            self.validation.setText(
                f"{valid} valid row(s), {invalid} invalid (below). Tick “Skip invalid rows” "
                "to send the valid ones."
            )
        else:
            self.validation.setText(f"All {valid} row(s) are valid.")
        self.progress.setRange(0, max(valid, 1))
        self.progress.setValue(0)
        self._update_controls()

    # -- sending ------------------------------------------------------------------------

    def _target(self) -> tuple[Any, str | None, Any, str]:
        """(destination, key, transport, problem) from the main window, as of now."""
        bar = self._window.destination
        destination = bar.destination()
        choice = self._window.backend.key_for(bar.current_target(), bar.current_region())
        problem = ""
        if destination is None:
            problem = bar.problem() or "Choose where to send the requests."
        elif not choice.key:
            problem = choice.problem or "There is no API key for this destination."
        elif not self._window.host_gate.allows(destination.endpoint()):
            problem = f"the API key was not sent to {destination.host}."
        return destination, choice.key, self._window.preview.current_transport(), problem

    @Slot()
    def start_batch(self) -> None:
        if self._path is None or self.is_running():
            return
        path, total = self._path, self._valid
        self._launch(lambda sender: sender.run(batch.iter_rows(path), total), total)

    @Slot()
    def retry_failed(self) -> None:
        previous = list(self.results)
        again = sum(1 for r in previous if r.status in batch.USER_RETRYABLE)
        if again and not self.is_running():
            self._launch(lambda sender: sender.retry_failed(previous), again)

    def _launch(self, work: Any, total: int) -> None:
        destination, key, transport, problem = self._target()
        if problem:
            self.stats.setText(f"Can't send: {problem}")
            return
        rate = self.rate.value() or None
        concurrency = self.concurrency.value()
        relay = CancelRelay()
        progress = self._bridge.progress.emit
        settings_path = self._window.backend.settings.path

        def run() -> list[batch.RowResult]:
            # The HTTP client is imported here, in the worker, never on the GUI thread.
            from attribution_workbench.core.client import CancelToken
            from attribution_workbench.ui.network_dialog import network_client

            # Settings ▸ Network, like Send and Verify.
            with network_client(settings_path) as client:
                sender = batch.BatchSender(
                    client,
                    destination,
                    key or "",
                    transport,
                    rate=rate,
                    concurrency=concurrency,
                    on_progress=progress,
                    cancel=CancelToken(),
                )
                relay.link(sender.cancel)
                result: list[batch.RowResult] = work(sender)
                return result

        self._relay = relay
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self.table.setRowCount(0)  # this run's rows fill it as they finish
        self.stats.setText(f"Sending {total} row(s)…")
        self._task = self._runner.run(run, self._on_done, "batch send")
        self._update_controls()

    @Slot()
    def cancel_batch(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            self.stats.setText("Cancelling…")

    @Slot(object)
    def _on_progress(self, progress: batch.Progress) -> None:
        self.progress.setValue(min(progress.processed, self.progress.maximum()))
        eta = f", ETA {progress.eta_s:.0f} s" if progress.eta_s is not None else ""
        self.stats.setText(
            f"{progress.processed}/{progress.total} done — {progress.ok} ok, "
            f"{progress.failed} failed, {progress.retried} retried — {progress.rate:.1f}/s{eta}"
        )
        # Rows appear as they finish; _on_done puts the whole table in row order.
        for result in progress.finished:
            self._set_row(self.table.rowCount(), result)

    def _on_done(self, result: Any, error: BaseException | None) -> None:
        cancelled = self._relay is not None and self._relay.cancelled
        self._task = None
        self._relay = None
        if error is not None:
            self.stats.setText(f"The batch stopped: {error}")
        else:
            self.results = result
            self._fill_table()
            ok = sum(1 for r in self.results if r.status is batch.RowStatus.OK)
            failed = sum(
                1
                for r in self.results
                if r.status not in (batch.RowStatus.OK, batch.RowStatus.SKIPPED)
            )
            verb = "Cancelled" if cancelled else "Done"
            self.stats.setText(f"{verb}: {ok} ok, {failed} failed, {len(self.results)} row(s).")
        self._update_controls()

    def _fill_table(self) -> None:
        self.table.setRowCount(0)
        for index, result in enumerate(self.results):
            self._set_row(index, result)

    def _set_row(self, index: int, result: batch.RowResult) -> None:
        status = result.status.label
        if result.http_status is not None:
            status = f"{result.http_status} {status}"
        detail = result.body
        if result.status is not batch.RowStatus.OK and result.error:
            # Why it is not ok first (an empty 200 has no body to show; "HTTP 400" alone
            # would hide the server's own word), then what the server said.
            detail = f"{result.error}: {detail}" if detail else result.error
        cells = (
            str(result.row.number),
            status,
            detail,
            f"{result.elapsed_ms:.0f} ms" if result.attempts else "",
        )
        self.table.setRowCount(max(self.table.rowCount(), index + 1))
        for column, text in enumerate(cells):
            self.table.setItem(index, column, QTableWidgetItem(text))

    # -- export -------------------------------------------------------------------------

    @Slot()
    def ask_export(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export results", "batch-results.csv", "CSV (*.csv)"
        )
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> bool:
        """Write the results to ``path``; False (and why, under the table) when it cannot."""
        try:
            with path.open("w", encoding="utf-8", newline="") as out:
                batch.write_results_csv(self.results, out)
        except OSError as exc:
            self.stats.setText(f"The results were not exported: {exc.strerror or exc} ({path}).")
            return False
        self.stats.setText(f"Exported {len(self.results)} row(s) to {path}.")
        return True

    def done(self, code: int) -> None:  # noqa: D401 - Qt override
        # Closing the dialog stops a running batch rather than leaving it sending unseen.
        self.cancel_batch()
        super().done(code)

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """The window is closing: stop sending and wait (briefly) for the workers."""
        self.cancel_batch()
        self._runner.wait(timeout_ms)


def open_batch_dialog(window: MainWindow) -> BatchDialog:
    """Show the window's batch dialog (one per window, kept between uses)."""
    dialog: BatchDialog | None = getattr(window, "batch_dialog", None)
    if dialog is None:
        dialog = BatchDialog(window)
        window.batch_dialog = dialog
    dialog.show()
    return dialog
