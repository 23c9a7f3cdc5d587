"""File ▸ Batch send…: validate, consent, send with progress, results, cancel."""

from __future__ import annotations

import csv
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from attribution_workbench.core import batch
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui.batch_dialog import BatchDialog
from attribution_workbench.ui.main_window import MainWindow
from window_helpers import OFFSCREEN_NOISE

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)


def write_jsonl(path: Path, count: int, bad: tuple[int, ...] = ()) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in range(1, count + 1):
            event = {"event_type": "[Batch] Install", "platform": "ios"}
            if n not in bad:
                event["idfa"] = f"6D0B3A4F-5C1E-4B8A-9D2F-{n:012X}"
            out.write(json.dumps(event) + "\n")
    return path


def open_dialog(qtbot: QtBot, window: MainWindow, path: Path) -> BatchDialog:
    window.window_actions.batch.trigger()
    dialog = window.findChild(BatchDialog, "batch_dialog")
    assert dialog is not None and dialog.isVisible()
    dialog.load_file(path)
    qtbot.waitUntil(lambda: "valid" in dialog.validation.text())
    return dialog


def test_send_with_consent_fills_progress_and_results(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, window, write_jsonl(tmp_path / "b.jsonl", 6, bad=(3,)))
    assert "5 valid row(s), 1 invalid" in dialog.validation.text()
    assert dialog.invalid_rows.isVisible() and "row 3:" in dialog.invalid_rows.toPlainText()
    assert not dialog.start.isEnabled()  # no consent yet
    qtbot.mouseClick(dialog.skip_invalid, Qt.MouseButton.LeftButton)
    assert dialog.start.isEnabled()
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    assert dialog.progress.value() == dialog.progress.maximum() == 5
    assert "5/5 sent" in dialog.stats.text() or dialog.stats.text().startswith("Done: 5 ok")
    assert dialog.table.rowCount() == 6
    statuses = [dialog.table.item(i, 1).text() for i in range(6)]
    assert statuses[2] == "skipped (invalid)"
    assert [s for i, s in enumerate(statuses) if i != 2] == ["200 ok"] * 5
    assert dialog.table.item(0, 2).text() == "success"
    assert len(sandbox.state.requests(path="/attribution")) == 5
    assert not dialog.retry.isEnabled() and dialog.export.isEnabled()
    out = tmp_path / "results.csv"
    dialog.export_csv(out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["status"] for r in rows].count("ok") == 5


def test_a_500_is_offered_to_retry_failed(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, window, write_jsonl(tmp_path / "b.jsonl", 2))
    sandbox.add_fault("status", code=500, accept=True, count=1, path="/attribution")
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    assert len(sandbox.state.requests(path="/attribution")) == 2  # not retried automatically
    assert dialog.retry.isEnabled()
    qtbot.mouseClick(dialog.retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    assert len(sandbox.state.requests(path="/attribution")) == 3
    assert [dialog.table.item(i, 1).text() for i in range(2)] == ["200 ok"] * 2


def test_a_row_that_is_not_ok_says_why_before_the_body(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, window, write_jsonl(tmp_path / "b.jsonl", 2))
    sandbox.add_fault("empty", count=1, path="/attribution")  # an empty 200 confirms nothing
    sandbox.add_fault("status", code=400, count=1, path="/attribution")
    dialog.concurrency.setValue(1)
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    rows = [(dialog.table.item(i, 1).text(), dialog.table.item(i, 2).text()) for i in range(2)]
    assert rows[0][0].startswith("200 failed") and "empty body" in rows[0][1]
    assert rows[1] == ("400 rejected", "HTTP 400: Bad Request")  # the server's word kept


def test_cancel_mid_way_stops(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, window, write_jsonl(tmp_path / "b.jsonl", 40))
    sandbox.add_fault("delay", seconds=0.4, count=0, path="/attribution")
    dialog.concurrency.setValue(2)
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    assert dialog.is_running() and dialog.cancel.isEnabled()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 2, timeout=5000)
    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=2000)
    assert dialog.stats.text().startswith("Cancelled")
    assert len(sandbox.state.requests(path="/attribution")) < 40
    assert not dialog.cancel.isEnabled() and dialog.start.isEnabled()


def test_an_export_to_an_unwritable_place_says_so_under_the_table(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, window, write_jsonl(tmp_path / "b.jsonl", 2))
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    missing = tmp_path / "no such folder" / "results.csv"
    assert not dialog.export_csv(missing)
    assert dialog.stats.text().startswith("The results were not exported:")
    assert str(missing) in dialog.stats.text()
    assert dialog.export_csv(tmp_path / "results.csv")
    assert dialog.stats.text().startswith("Exported 2 row(s)")


def test_closing_the_window_stops_a_running_batch(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.add_fault("delay", seconds=0.3, count=0, path="/attribution")
    dialog = open_dialog(qtbot, window, write_jsonl(tmp_path / "b.jsonl", 40))
    dialog.concurrency.setValue(1)
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(sandbox.state.requests(path="/attribution")) >= 1, timeout=5000)
    window.shutdown()
    sent = len(sandbox.state.requests(path="/attribution"))
    qtbot.wait(800)  # more than two more rows' worth of delay
    assert len(sandbox.state.requests(path="/attribution")) == sent < 40


def test_the_results_table_fills_while_the_batch_runs(
    qtbot: QtBot, window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.add_fault("delay", seconds=0.15, count=0, path="/attribution")
    dialog = open_dialog(qtbot, window, write_jsonl(tmp_path / "b.jsonl", 12))
    dialog.concurrency.setValue(1)
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() >= 2, timeout=10_000)
    assert dialog.is_running()  # rows are shown before the batch is over
    assert dialog.table.item(0, 1).text() == "200 ok"
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20_000)
    numbers = [dialog.table.item(i, 0).text() for i in range(dialog.table.rowCount())]
    assert numbers == [str(n) for n in range(1, 13)]


def test_a_late_validation_of_the_file_before_does_not_apply_to_the_one_chosen_since(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = write_jsonl(tmp_path / "big.jsonl", 40)
    small = write_jsonl(tmp_path / "small.jsonl", 3, bad=(2,))
    gates = {big: threading.Event(), small: threading.Event()}
    finished: list[Path] = []
    real_count = batch.count_rows

    def gated_count(rows: Any, keep: int) -> batch.RowCounts:
        counts = real_count(rows, keep)
        path = big if counts.valid + counts.invalid == 40 else small
        gates[path].wait(10)
        finished.append(path)
        return counts

    monkeypatch.setattr(batch, "count_rows", gated_count)
    window.window_actions.batch.trigger()
    dialog = window.findChild(BatchDialog, "batch_dialog")
    assert dialog is not None
    dialog.load_file(big)
    dialog.load_file(small)  # chosen while the big file is still being validated
    gates[big].set()
    qtbot.waitUntil(lambda: finished == [big])
    qtbot.wait(50)  # the big file's answer reaches the GUI thread: it must change nothing
    assert dialog.validation.text() == "Validating…" and not dialog.start.isEnabled()
    gates[small].set()
    qtbot.waitUntil(lambda: "invalid" in dialog.validation.text())
    assert "2 valid row(s), 1 invalid" in dialog.validation.text()
    assert not dialog.start.isEnabled()  # an invalid row and no consent yet
