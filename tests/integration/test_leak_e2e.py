"""End to end, GUI and CLI together: a sentinel key leaks into no file, log, error or clipboard.

HOME and XDG_* point into tmp_path (tests/conftest.py). The sentinel is stored through the
app's credentials store (the in-memory keyring) for the GUI and given to CLI subprocesses in
$AMPLITUDE_API_KEY. The GUI sends, verifies, batch-sends, keeps history (entries, a JSONL
export, "copy curl"), saves the event, copies curl/Python/HTTPie with $AMPLITUDE_API_KEY,
imports a pasted curl that carries the sentinel (the save offer declined), shows a crash
dialog for an exception whose message holds the key, and closes; the CLI sends, verifies,
batch-sends, previews (no --reveal) and shows key status. Then every file under tmp_path,
every log record, stdout/stderr (ours and the subprocesses'), the error dialog and every
clipboard state is searched. The one allowed copy: the user reveals the key and copies.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QGuiApplication

from attribution_workbench.app import (
    ClientSender,
    credentials_factory,
    install_excepthook,
    open_history,
)
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.wire import Format
from attribution_workbench.sandbox import SandboxServer
from attribution_workbench.ui import history_view
from attribution_workbench.ui.batch_dialog import BatchDialog
from attribution_workbench.ui.history_view import HistoryPanel
from attribution_workbench.ui.import_dialog import ImportDialog
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.services import Services
from attribution_workbench.ui.settings import Settings
from cli_harness import CLI, cli_env
from leak_helpers import Collect, files_containing, texts_containing
from window_helpers import OFFSCREEN_NOISE, FixtureSandbox

pytestmark = [
    pytest.mark.slow,
    pytest.mark.qt_log_ignore(
        *OFFSCREEN_NOISE, r"This plugin does not support grabbing the keyboard"
    ),
]

SENTINEL = "5e471ce1ab1e0000feedface5e471ce1"  # 32 hex: looks like a real key
EVENT = AttributionEvent(
    event_type="[Leak] Install", platform="ios", idfa="6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84"
)
EVENT_JSON = json.dumps({"event_type": "[Leak] Install", "platform": "ios", "idfa": EVENT.idfa})


class Clipboard:
    """Every text the clipboard held, checked as the test goes."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def take(self) -> str:
        text = QGuiApplication.clipboard().text()
        self.seen.append(text)
        return text


def cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """attribution-cli with the sentinel in $AMPLITUDE_API_KEY (HOME is the test's)."""
    return subprocess.run(
        [*CLI, *args],
        input=stdin,
        capture_output=True,
        env=cli_env({"AMPLITUDE_API_KEY": SENTINEL}),
        timeout=60,
    )


def test_sentinel_key_leaks_nowhere_over_gui_and_cli(
    qtbot: QtBot,
    tmp_path: Path,
    isolated_home: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    all_logs: Collect,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    clipboard = Clipboard()
    shown: list[str] = []  # every text the app put on screen that we read back
    cli_output: list[str] = []
    work = isolated_home / "work"  # inputs and outputs, searched with the rest of HOME
    work.mkdir()

    with SandboxServer(port=0) as server:
        settings = Settings()
        credentials = credentials_factory(settings.path)()
        credentials.set_key("default", Region.US, SENTINEL)  # into the (memory) keyring
        services = Services(
            settings=settings,
            sender_factory=ClientSender,
                sandbox_starter=lambda: FixtureSandbox(server),
            open_url=lambda url: True,
            credentials=lambda: credentials,
            history=open_history,
        )
        window = MainWindow(services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        restore_hook = install_excepthook(window.reporter)
        try:
            qtbot.waitUntil(lambda: window.backend.credentials() is not None)
            # A custom loopback URL on the sandbox: the sentinel, not a demo key, travels.
            window.destination.set_region(Region.US)
            window.destination.set_target(Target.CUSTOM)
            window.destination.set_custom_url(server.base_url + "/us/attribution")
            window.editor.set_event(EVENT)
            qtbot.waitUntil(lambda: window.send_blockers() == [], timeout=10_000)
            prepared = window.prepared_request()
            assert prepared is not None and SENTINEL.encode() in prepared.body

            # --- send -------------------------------------------------------------------
            panel_dock = window.show_history()
            panel = panel_dock.widget()
            assert isinstance(panel, HistoryPanel)
            with qtbot.waitSignal(window.sent, timeout=10_000):
                window.send()
            qtbot.waitUntil(lambda: not window.is_sending())
            shown.append(window.statusBar().currentMessage())

            # --- verify (the keys dialog's matrix, against the same custom URL) ---------
            window.verify_keys()
            qtbot.waitUntil(lambda: window.key_profiles.dialog is not None, timeout=10_000)
            keys_dialog = window.key_profiles.dialog
            assert keys_dialog is not None
            qtbot.waitUntil(
                lambda: (
                    keys_dialog.verify_panel.is_running()
                    or keys_dialog.verify_panel.summary.text() != ""
                ),
                timeout=10_000,
            )
            qtbot.waitUntil(lambda: not keys_dialog.verify_panel.is_running(), timeout=15_000)
            panel_text = keys_dialog.verify_panel.summary.text()
            for region in Region:
                for column in range(3):
                    item = keys_dialog.verify_panel.cell(region, column)
                    panel_text += item.text() + item.toolTip()
            shown.append(panel_text)
            keys_dialog.close()

            # --- batch: a small CSV through the batch dialog ------------------------------
            rows = work / "rows.csv"
            rows.write_text(
                "event_type,platform,idfa\n"
                + "".join(
                    f"[Leak] Install,ios,6D0B3A4F-5C1E-4B8A-9D2F-{n:012X}\n" for n in range(3)
                ),
                encoding="utf-8",
            )
            window.window_actions.batch.trigger()
            batch_dialog = window.findChild(BatchDialog, "batch_dialog")
            assert batch_dialog is not None
            batch_dialog.load_file(rows)
            qtbot.waitUntil(lambda: "valid" in batch_dialog.validation.text())
            assert batch_dialog.start.isEnabled()
            batch_dialog.start.click()
            qtbot.waitUntil(lambda: not batch_dialog.is_running(), timeout=15_000)
            assert batch_dialog.progress.value() == 3
            batch_dialog.export_csv(work / "batch-results.csv")
            shown.append(batch_dialog.stats.text())
            shown += [
                batch_dialog.table.item(r, c).text()
                for r in range(batch_dialog.table.rowCount())
                for c in range(batch_dialog.table.columnCount())
                if batch_dialog.table.item(r, c) is not None
            ]
            batch_dialog.close()

            # --- history: entries, copy curl, JSONL export -----------------------------
            # total counts the file's rows; the table's rows arrive from a worker after it.
            qtbot.waitUntil(lambda: panel.model.rowCount() >= 1, timeout=20_000)
            for row in range(panel.model.rowCount()):
                for column in range(panel.model.columnCount()):
                    shown.append(str(panel.model.data(panel.model.index(row, column))))
            # Not selectRow: it follows QGuiApplication.keyboardModifiers(), which a modifier
            # key an earlier test clicked in this process can leave "held" (then it extends
            # or toggles instead of selecting).
            panel.table.selectionModel().select(
                panel.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            panel.copy_curl()
            assert "${AMPLITUDE_API_KEY}" in clipboard.take()
            export = work / "history.jsonl"
            monkeypatch.setattr(history_view, "ask_export_path", lambda parent: str(export))
            panel.export()
            qtbot.waitUntil(lambda: export.exists() and export.read_text().strip() != "")

            # --- save event; copy as curl / Python / HTTPie with $AMPLITUDE_API_KEY ----
            assert window.save_event_file(work / "event.json")
            for fmt in (Format.CURL, Format.PYTHON, Format.HTTPIE):
                window.preview.copy_as(fmt)
                assert "AMPLITUDE_API_KEY" in clipboard.take()
            window.preview.copy_shown()  # masked on screen, masked in the clipboard
            clipboard.take()
            shown.append(window.preview.shown_text())

            # --- import a pasted curl carrying the sentinel; decline the save offer ----
            window.show_import()
            importer = window.import_dialog
            assert isinstance(importer, ImportDialog)
            importer.text.insertPlainText(
                f"curl -X POST {server.base_url}/us/attribution "
                f"--data-urlencode 'api_key={SENTINEL}' "
                f"--data-urlencode 'event={EVENT_JSON}'\n"
            )
            shown.append(importer.summary.text())
            assert importer.import_button.isEnabled()
            importer.import_button.click()
            shown.append(importer.key_offer.text())
            assert importer.key_offer.isVisible()
            importer.discard_key.click()
            assert not importer.isVisible()
            assert SENTINEL not in (window.editor.wire_text() or "")
            shown.append(window.preview.shown_text())

            # --- a crash whose message holds the key -----------------------------------
            try:
                raise RuntimeError(f"widget broke while sending api_key={SENTINEL}")
            except RuntimeError as exc:
                sys.excepthook(type(exc), exc, exc.__traceback__)
            qtbot.waitUntil(
                lambda: window.reporter.dialog is not None and window.reporter.dialog.isVisible()
            )
            crash = window.reporter.dialog
            assert crash is not None
            crash.toggle.click()
            assert "widget broke" in crash.summary.text()
            shown += [crash.summary.text(), crash.details.toPlainText()]
            crash.close()

            # Nothing so far put the key on the clipboard.
            assert all(SENTINEL not in text for text in clipboard.seen)

            # --- the one allowed copy: reveal, then copy -------------------------------
            window.preview.reveal_action.setChecked(True)
            window.preview.copy_action.trigger()
            revealed = clipboard.take()
            assert SENTINEL in revealed
            window.preview.reveal_action.setChecked(False)
            window.save_settings()
        finally:
            restore_hook()
            window.close()
        qtbot.waitUntil(lambda: not window.isVisible())

        # --- the CLI, with the key in $AMPLITUDE_API_KEY ------------------------------------
        endpoint = server.base_url + "/us/attribution"
        for args in (
            ("send", "--endpoint", endpoint, "--event", EVENT_JSON),
            ("verify", "--endpoint", endpoint, "--region", "us"),
            ("batch", str(rows), "--endpoint", endpoint),
            ("preview", "--endpoint", endpoint, "--event", EVENT_JSON, "--format", "curl"),
            ("preview", "--endpoint", endpoint, "--event", EVENT_JSON),
            ("key", "status"),
        ):
            done = cli(*args)
            out = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
            assert "Traceback" not in out, (args, out)
            # 0/1 for the requests; key status exits 2 here: the subprocess has no keyring.
            assert done.returncode in ((2,) if args[0] == "key" else (0, 1)), (args, out)
            cli_output.append(out)

        # The test means something only if the sentinel really travelled, GUI and CLI.
        on_the_wire = [json.dumps(r) for r in server.state.requests()]
        carrying = [r for r in on_the_wire if SENTINEL in r]
        assert len(carrying) >= 1 + 1 + 3 + 1 + 1 + 3  # GUI send/verify/batch, CLI the same

    # --- search everything ---------------------------------------------------------------------
    assert Path(settings.path).exists()
    assert export.exists() and (work / "event.json").exists()
    assert files_containing(tmp_path, SENTINEL) == []
    captured = capfd.readouterr()
    logs = [caplog.text, captured.out, captured.err, *all_logs.lines, *cli_output]
    assert texts_containing(logs, SENTINEL) == []
    assert all(SENTINEL not in text for text in shown)
    # The revealed copy is the only place the key is: the clipboard, as the user asked.
    assert QGuiApplication.clipboard().text() == revealed
    QGuiApplication.clipboard().clear()
