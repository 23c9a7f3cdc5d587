"""The verify matrix: does a key work, in which region, and what did the server say?

Rows are regions, columns the two checks of ``core.verify`` (HTTP V2 empty batch, the
attribution probe). Each cell shows the verdict with an icon AND a word (never colour
alone), the server's own words, the HTTP status and the time of the check; the tooltip
names the method and the URL. A key accepted only in the other region is flagged
"belongs to EU/US".

Two ways to ask: a profile's keys (each region checked with its own key; a key its region
rejects is also tried in the other region, to catch an EU key stored as the US key) or one
pasted key against both regions. The checks run on a ``TaskRunner`` pool thread and can
be cancelled; the target and URL come from the caller, so the sandbox works the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from attribution_workbench import assets
from attribution_workbench.core.profiles import other_region
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.verify import (
    RegionCheck,
    Verdict,
    VerifyMethod,
    belongs_to,
    check_key,
    check_matrix,
    combined_verdict,
    region_verdicts,
)
from attribution_workbench.core.wire import mask_key
from attribution_workbench.ui import colours
from attribution_workbench.ui.layout import STRETCH, annotate, hbox, vbox
from attribution_workbench.ui.tasks import CancelRelay, Task, TaskRunner

CHECK_TIMEOUT_S = 10.0
CLIENT_OPTIONS: dict[str, Any] = {"connect_timeout": 5.0, "read_timeout": CHECK_TIMEOUT_S}
METHOD_TITLES = {
    VerifyMethod.V2_EMPTY_BATCH: "HTTP V2 empty batch",
    VerifyMethod.ATTRIBUTION_PROBE: "Attribution probe",
}
VERDICT_SYMBOLS = {
    Verdict.ACCEPTED: "✔",
    Verdict.REJECTED: "✖",
    Verdict.UNREACHABLE: "⚠",
    Verdict.INCONCLUSIVE: "?",
}
_VERDICT_ICONS = {
    Verdict.ACCEPTED: assets.Icon.VERDICT_OK,
    Verdict.REJECTED: assets.Icon.FINDING_ERROR,
    Verdict.UNREACHABLE: assets.Icon.FINDING_WARNING,
    Verdict.INCONCLUSIVE: assets.Icon.VERDICT_UNKNOWN,
}
PROBE_NOTE = (
    "The attribution probe sends one event with a random, never-seen ad ID. Amplitude holds "
    "an unmatched attribution event for up to 72 hours; no app event will ever carry that "
    "ID, so it is then dropped: no data is created. The HTTP V2 check sends an empty batch "
    "and creates nothing either."
)
VERDICT_COLUMN = 0
KeysSource = Callable[[], Mapping[Region, str]]
ClientFactory = Callable[[], Any]  # -> core.client.Client


@dataclass
class VerifyReport:
    """Everything one run found; ``belongs`` maps a slot's region to where its key works."""

    single_key: bool
    target: Target
    methods: tuple[VerifyMethod, ...]
    matrix: dict[Region, list[RegionCheck]] = field(default_factory=dict)
    belongs: dict[Region, Region] = field(default_factory=dict)
    missing: list[Region] = field(default_factory=list)
    env_key: bool = False
    # A custom URL is one server, taken as serving this region; the other is not checked.
    custom_region: Region | None = None

    def verdict(self, region: Region) -> Verdict | None:
        checks = self.matrix.get(region)
        return combined_verdict(checks) if checks else None


def run_checks(
    client: Any,
    keys: Mapping[Region, str],
    single_key: bool,
    target: Target,
    url: str | None,
    methods: tuple[VerifyMethod, ...],
    cancel: Any = None,
    custom_region: Region | None = None,
) -> VerifyReport:
    """Run the matrix (blocking; in a worker). Raises DestinationError for a bad URL.

    A custom URL (``custom_region``: the region the window sends it as) is one server: only
    that region is checked there, and no key is tried "in the other region" at the same URL.
    """
    report = VerifyReport(single_key, target, methods)
    regions = list(Region)
    if target is Target.CUSTOM and custom_region is not None:
        regions = [custom_region]
        report.custom_region = custom_region
    report.missing = [region for region in regions if not keys.get(region)]
    report.matrix = check_matrix(
        client, keys, regions, target, url, methods, CHECK_TIMEOUT_S, cancel
    )
    verdicts = region_verdicts(report.matrix)
    if report.custom_region is not None:
        return report
    if single_key:
        home = belongs_to(verdicts)
        if home is not None:
            report.belongs = {region: home for region in Region if region != home}
        return report
    for region, verdict in verdicts.items():
        if verdict is not Verdict.REJECTED:
            continue
        # Rejected in its own region: is it the other region's key, stored in the wrong slot?
        other = other_region(region)
        cross = check_key(
            client,
            keys[region],
            Destination(other, target, url),
            VerifyMethod.V2_EMPTY_BATCH,
            CHECK_TIMEOUT_S,
            cancel,
        )
        if cross.verdict is Verdict.ACCEPTED:
            report.belongs[region] = other
    return report


def _clock(epoch: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch))


def cell_text(check: RegionCheck) -> str:
    status = f"HTTP {check.status}" if check.status is not None else "no answer"
    return (
        f"{VERDICT_SYMBOLS[check.verdict]} {check.verdict.value}\n"
        f"“{check.message}”\n{status} · {_clock(check.checked_at)}"
    )


class VerifyPanel(QWidget):
    """Region × method matrix for one run; ``finished(VerifyReport | None)`` after each run."""

    started = Signal()
    finished = Signal(object)

    def __init__(
        self,
        runner: TaskRunner | None = None,
        client_factory: ClientFactory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("verify_panel")
        self._runner = runner or TaskRunner(self)
        self._client_factory = client_factory or _default_client
        self._task: Task | None = None
        self._relay: CancelRelay | None = None
        self._target = Target.AMPLITUDE
        self._url: str | None = None
        self._custom_region: Region | None = None
        # Asked before keys go to a custom URL (the window's HostGate.allows); None = no gate.
        self.host_allows: Callable[[str], bool] | None = None
        self.report: VerifyReport | None = None

        self.scope = QLabel("Nothing checked yet.")
        self.scope.setObjectName("verify_scope")
        self.scope.setWordWrap(True)
        self.matrix = QTableWidget(len(Region), 1 + len(METHOD_TITLES))
        self.matrix.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
        self.matrix.setObjectName("verify_matrix")
        self.matrix.setHorizontalHeaderLabels(["Result", *METHOD_TITLES.values()])
        self.matrix.setVerticalHeaderLabels([region.label for region in Region])
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.setWordWrap(True)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        annotate(
            self.matrix,
            "Verify matrix",
            "For each region (rows) and check method (columns): accepted, rejected, "
            "unreachable or inconclusive, with the server's own words and the time of the check",
        )
        self.summary = QLabel()
        self.summary.setObjectName("verify_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.use_probe = QCheckBox("Also send the attribution probe")
        self.use_probe.setObjectName("use_probe")
        self.use_probe.setChecked(True)
        self.use_probe.setToolTip(VerifyMethod.ATTRIBUTION_PROBE.description)
        self.cancel_button = QPushButton("Cancel check")
        self.cancel_button.setObjectName("cancel_verify")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.note = QLabel(PROBE_NOTE)
        self.note.setObjectName("verify_note")
        self.note.setWordWrap(True)
        colours.set_muted(self.note)
        self.setLayout(
            vbox(
                self.scope,
                self.matrix,
                self.summary,
                hbox(self.use_probe, STRETCH, self.cancel_button),
                self.note,
            )
        )
        self._clear_cells("")

    # --- configuration -----------------------------------------------------------------
    def set_destination(
        self, target: Target, url: str | None = None, region: Region | None = None
    ) -> None:
        """Where checks go: Amplitude, the sandbox (its base URL) or a custom URL, which is
        one server: ``region``, the region the window sends it as, is the one checked."""
        self._target = target
        self._url = url
        self._custom_region = region if target is Target.CUSTOM else None

    def methods(self) -> tuple[VerifyMethod, ...]:
        if self.use_probe.isChecked():
            return (VerifyMethod.V2_EMPTY_BATCH, VerifyMethod.ATTRIBUTION_PROBE)
        return (VerifyMethod.V2_EMPTY_BATCH,)

    def is_running(self) -> bool:
        return self._task is not None

    # --- running -----------------------------------------------------------------------
    def verify_key(self, key: str) -> bool:
        """Check one (pasted) key against both regions."""
        key = key.strip()
        if not key:
            self.summary.setText("Paste a key to check it.")
            return False
        keys = {region: key for region in Region}
        scope = f"One key ({mask_key(key)}) checked against both regions"
        return self._start(lambda: (keys, False), True, scope)

    def verify_profile(
        self, resolve: Callable[[], tuple[Mapping[Region, str], bool]], name: str
    ) -> bool:
        """Check a profile's keys; ``resolve()`` runs in the worker: ``(keys, from_env)``."""
        scope = f"Profile '{name}': each region checked with its own key"
        return self._start(resolve, False, scope)

    def _start(
        self,
        resolve: Callable[[], tuple[Mapping[Region, str], bool]],
        single_key: bool,
        scope: str,
    ) -> bool:
        if self._task is not None:
            self.summary.setText("A check is already running; cancel it first.")
            return False
        target, url, methods = self._target, self._url, self.methods()
        custom_region = self._custom_region
        if target is Target.CUSTOM and self.host_allows is not None:
            if not self.host_allows(url or ""):
                self.summary.setText("Not checked: the API key was not sent to that host.")
                return False
        relay = CancelRelay()

        def work() -> VerifyReport:
            from attribution_workbench.core.client import CancelToken

            token = CancelToken()
            relay.link(token.cancel)
            keys, from_env = resolve()
            one_key = single_key or from_env
            # A client per run: it picks up Settings ▸ Network as they are now.
            with self._client_factory() as client:
                report = run_checks(
                    client, keys, one_key, target, url, methods, token, custom_region
                )
            report.env_key = from_env
            return report

        self._relay = relay
        self._task = self._runner.run(work, self._on_done, "verify")
        where = "Amplitude" if target is Target.AMPLITUDE else (url or target.value)
        if custom_region is not None:
            where += f" (a custom URL is one server: checked as {custom_region.value.upper()} only)"
        self.scope.setText(f"{scope}, at {where}.")
        self._clear_cells("checking…")
        self.summary.setText("Checking…")
        self.cancel_button.setEnabled(True)
        self.started.emit()
        return True

    @Slot()
    def cancel(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            self.summary.setText("Cancelling…")

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """Cancel a running check and close the HTTP client (the owner's closeEvent)."""
        self.cancel()
        self._runner.wait(timeout_ms)

    def _on_done(self, result: Any, error: BaseException | None) -> None:
        cancelled = self._relay is not None and self._relay.cancelled
        self._task = None
        self._relay = None
        self.cancel_button.setEnabled(False)
        if error is not None:
            # DestinationError, CredentialError (the profile's keys could not be read), ...
            self.report = None
            self._clear_cells("not checked")
            self.summary.setText(f"Not checked: {getattr(error, 'message', None) or error}")
            self.finished.emit(None)
            return
        assert isinstance(result, VerifyReport)
        self.report = result
        self._show(result)
        if cancelled:
            self.summary.setText("Cancelled. " + self.summary.text())
        self.finished.emit(result)

    # --- display -----------------------------------------------------------------------
    def _clear_cells(self, text: str) -> None:
        for row in range(self.matrix.rowCount()):
            for column in range(self.matrix.columnCount()):
                self.matrix.setItem(row, column, QTableWidgetItem(text))

    def cell(self, region: Region, column: int) -> QTableWidgetItem:
        item = self.matrix.item(list(Region).index(region), column)
        assert item is not None
        return item

    def cell_for(self, region: Region, method: VerifyMethod) -> QTableWidgetItem:
        return self.cell(region, 1 + list(METHOD_TITLES).index(method))

    def _show(self, report: VerifyReport) -> None:
        icons = {verdict: assets.qicon(icon) for verdict, icon in _VERDICT_ICONS.items()}
        for row, region in enumerate(Region):
            checks = {check.method: check for check in report.matrix.get(region, [])}
            for column, method in enumerate(METHOD_TITLES, start=1):
                check = checks.get(method)
                if check is None:
                    why = _unchecked_text(report, region, "no key for this region", "not run")
                    self.matrix.setItem(row, column, QTableWidgetItem(why))
                    continue
                item = QTableWidgetItem(icons[check.verdict], cell_text(check))
                item.setToolTip(
                    f"{METHOD_TITLES[method]}: {method.description}.\n{check.url}\n"
                    f"Checked at {_clock(check.checked_at)}"
                )
                self.matrix.setItem(row, column, item)
            self.matrix.setItem(row, VERDICT_COLUMN, self._verdict_item(report, region, icons))
        self.matrix.resizeRowsToContents()
        self.summary.setText(summary_text(report))

    def _verdict_item(
        self, report: VerifyReport, region: Region, icons: Mapping[Verdict, QIcon]
    ) -> QTableWidgetItem:
        verdict = report.verdict(region)
        if verdict is None:
            return QTableWidgetItem(_unchecked_text(report, region, "no key", "not checked"))
        text = f"{VERDICT_SYMBOLS[verdict]} {verdict.value}"
        if region in report.belongs:
            text += f"\nbelongs to {report.belongs[region].value.upper()}"
        return QTableWidgetItem(icons[verdict], text)


def _unchecked_text(report: VerifyReport, region: Region, no_key: str, otherwise: str) -> str:
    if report.custom_region is not None and region is not report.custom_region:
        return f"not checked: the custom URL is sent as {report.custom_region.value.upper()}"
    return no_key if region in report.missing else otherwise


def summary_text(report: VerifyReport) -> str:
    """One or two sentences on what the matrix means."""
    if report.custom_region is not None:
        name = report.custom_region.value.upper()
        verdict = report.verdict(report.custom_region)
        if verdict is None:
            return f"No {name} key to check at the custom URL."
        return (
            f"The custom URL: {name} key {verdict.value}. It is one server, so which region "
            "a key belongs to cannot be told there; check against Amplitude for that."
        )
    verdicts = {region: report.verdict(region) for region in Region}
    if report.single_key:
        accepted = [r.value.upper() for r, v in verdicts.items() if v is Verdict.ACCEPTED]
        who = "The key from $AMPLITUDE_API_KEY" if report.env_key else "This key"
        if len(accepted) == 1:
            return f"{who} belongs to {accepted[0]}: only {accepted[0]} accepted it."
        if len(accepted) == len(Region):
            return f"{who} was accepted in both regions."
        if all(v is Verdict.REJECTED for v in verdicts.values()):
            return f"{who} was rejected in both regions: it is not a valid Amplitude API key."
        return f"{who} was not accepted anywhere; see the matrix for what each region said."
    parts: list[str] = []
    for region, verdict in verdicts.items():
        name = region.value.upper()
        if verdict is None:
            parts.append(f"No {name} key.")
        elif region in report.belongs:
            other = report.belongs[region].value.upper()
            parts.append(f"The {name} key belongs to {other}: {other} accepts it, {name} does not.")
        else:
            parts.append(f"{name} key {verdict.value}.")
    return " ".join(parts)


def _default_client() -> Any:
    """Without the window's settings (tests, tools): the environment's proxy and trust."""
    from attribution_workbench.core.client import Client

    return Client(**CLIENT_OPTIONS)
