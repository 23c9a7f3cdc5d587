"""The verify matrix against an in-process clean_sandbox: what the user reads in each case."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
from pytestqt.qtbot import QtBot

from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.verify import VerifyMethod
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from attribution_workbench.ui.verify_panel import VerifyPanel, VerifyReport

US_KEY, EU_KEY = DEMO_KEYS["us"], DEMO_KEYS["eu"]
WRONG_KEY = "0" * 31 + "1"
V2, PROBE = VerifyMethod.V2_EMPTY_BATCH, VerifyMethod.ATTRIBUTION_PROBE


@pytest.fixture
def panel(qtbot: QtBot, clean_sandbox: SandboxServer) -> Iterator[VerifyPanel]:
    widget = VerifyPanel()
    qtbot.addWidget(widget)
    widget.set_destination(Target.SANDBOX, clean_sandbox.base_url)
    yield widget
    widget.shutdown()


def run(qtbot: QtBot, panel: VerifyPanel, start: object) -> VerifyReport:
    with qtbot.waitSignal(panel.finished, timeout=15_000) as blocker:
        assert start() is True  # type: ignore[operator]
        assert panel.cancel_button.isEnabled()
    assert not panel.is_running() and not panel.cancel_button.isEnabled()
    report = blocker.args[0]
    assert isinstance(report, VerifyReport)
    return report


def texts(panel: VerifyPanel, region: Region) -> tuple[str, str, str]:
    return (
        panel.cell(region, 0).text(),
        panel.cell_for(region, V2).text(),
        panel.cell_for(region, PROBE).text(),
    )


def test_us_key_is_accepted_in_us_only(qtbot: QtBot, panel: VerifyPanel) -> None:
    run(qtbot, panel, lambda: panel.verify_key(f"  {US_KEY}\n"))
    verdict, v2, probe = texts(panel, Region.US)
    assert verdict == "✔ accepted"
    assert v2.startswith("✔ accepted\n“") and "HTTP 200" in v2
    assert probe.startswith("✔ accepted\n“success”\nHTTP 200 · ")
    verdict, v2, probe = texts(panel, Region.EU)
    assert verdict == "✖ rejected\nbelongs to US"
    assert "Invalid API key: ••••••••" in v2 and US_KEY not in v2
    assert probe.startswith("✖ rejected\n“invalid_api_key”\nHTTP 400")
    assert panel.summary.text() == "This key belongs to US: only US accepted it."
    assert "One key (••••••••" in panel.scope.text() and US_KEY not in panel.scope.text()
    assert "72 hours" in panel.note.text() and "no data is created" in panel.note.text()
    tooltip = panel.cell_for(Region.EU, PROBE).toolTip()
    assert "Attribution probe" in tooltip and "/eu/attribution" in tooltip


def test_eu_demo_key_is_accepted_in_eu_only(qtbot: QtBot, panel: VerifyPanel) -> None:
    run(qtbot, panel, lambda: panel.verify_key(EU_KEY))
    assert texts(panel, Region.EU)[0] == "✔ accepted"
    assert texts(panel, Region.US)[0] == "✖ rejected\nbelongs to EU"
    assert panel.summary.text() == "This key belongs to EU: only EU accepted it."


def test_wrong_key_is_rejected_in_both(qtbot: QtBot, panel: VerifyPanel) -> None:
    panel.use_probe.setChecked(False)
    run(qtbot, panel, lambda: panel.verify_key(WRONG_KEY))
    for region in Region:
        verdict, v2, probe = texts(panel, region)
        assert verdict == "✖ rejected"
        assert v2.startswith("✖ rejected")
        assert probe == "not run"
    assert panel.summary.text() == (
        "This key was rejected in both regions: it is not a valid Amplitude API key."
    )


def test_network_down_is_unreachable(
    qtbot: QtBot, panel: VerifyPanel, closed_port_url: str
) -> None:
    panel.set_destination(Target.SANDBOX, closed_port_url)
    run(qtbot, panel, lambda: panel.verify_key(US_KEY))
    for region in Region:
        verdict, v2, probe = texts(panel, region)
        assert verdict == "⚠ unreachable"
        assert v2.startswith("⚠ unreachable\n“Connection refused") and "no answer" in v2
    assert "not accepted anywhere" in panel.summary.text()


def test_stopped_sandbox_is_unreachable(qtbot: QtBot) -> None:
    stopped = SandboxServer().start()
    url = stopped.base_url
    stopped.stop()
    panel = VerifyPanel()
    qtbot.addWidget(panel)
    panel.set_destination(Target.SANDBOX, url)
    run(qtbot, panel, lambda: panel.verify_key(EU_KEY))
    assert texts(panel, Region.EU)[0] == "⚠ unreachable"
    panel.shutdown()


def test_profile_keys_each_in_their_region(qtbot: QtBot, panel: VerifyPanel) -> None:
    def resolve() -> tuple[Mapping[Region, str], bool]:
        return {Region.US: US_KEY, Region.EU: EU_KEY}, False

    run(qtbot, panel, lambda: panel.verify_profile(resolve, "prod"))
    assert texts(panel, Region.US)[0] == "✔ accepted"
    assert texts(panel, Region.EU)[0] == "✔ accepted"
    assert panel.summary.text() == "US key accepted. EU key accepted."
    assert panel.scope.text().startswith("Profile 'prod': each region checked with its own key")


def test_profile_key_in_the_wrong_slot_is_flagged(qtbot: QtBot, panel: VerifyPanel) -> None:
    def resolve() -> tuple[Mapping[Region, str], bool]:
        return {Region.US: EU_KEY}, False  # an EU key saved as the US key; no EU key

    run(qtbot, panel, lambda: panel.verify_profile(resolve, "mixed"))
    assert texts(panel, Region.US)[0] == "✖ rejected\nbelongs to EU"
    assert texts(panel, Region.EU) == ("no key", "no key for this region", "no key for this region")
    assert panel.summary.text() == (
        "The US key belongs to EU: EU accepts it, US does not. No EU key."
    )


def test_key_lookup_failure_is_shown(qtbot: QtBot, panel: VerifyPanel) -> None:
    from attribution_workbench.core.credentials import CredentialError, CredentialErrorKind

    def resolve() -> tuple[Mapping[Region, str], bool]:
        raise CredentialError(CredentialErrorKind.LOCKED, "The OS keyring is locked.")

    with qtbot.waitSignal(panel.finished, timeout=10_000) as blocker:
        panel.verify_profile(resolve, "default")
    assert blocker.args == [None]
    assert panel.summary.text() == "Not checked: The OS keyring is locked."


def test_cancel_a_hanging_check(
    qtbot: QtBot, panel: VerifyPanel, clean_sandbox: SandboxServer
) -> None:
    clean_sandbox.add_fault("hang", count=10)
    with qtbot.waitSignal(panel.finished, timeout=15_000):
        panel.verify_key(US_KEY)
        assert panel.summary.text() == "Checking…"
        assert panel.verify_key(US_KEY) is False  # one run at a time
        qtbot.mouseClick(panel.cancel_button, pytest.importorskip("PySide6.QtCore").Qt.LeftButton)
    assert panel.summary.text().startswith("Cancelled.")
    assert "cancelled" in panel.cell_for(Region.US, V2).text()


def test_a_custom_url_is_checked_as_the_windows_region_only(
    qtbot: QtBot, panel: VerifyPanel, clean_sandbox: SandboxServer
) -> None:
    # One server for both rows: a US key was "accepted in both regions" at a URL that is
    # the sandbox's US endpoint, and the EU row's verdict came from the US server.
    panel.set_destination(
        Target.CUSTOM, clean_sandbox.base_url + "/us/attribution", Region.US
    )
    report = run(qtbot, panel, lambda: panel.verify_key(US_KEY))
    assert set(report.matrix) == {Region.US} and report.custom_region is Region.US
    assert texts(panel, Region.US)[0] == "✔ accepted"
    assert texts(panel, Region.EU) == (
        "not checked: the custom URL is sent as US",
    ) * 3
    assert panel.summary.text().startswith("The custom URL: US key accepted.")
    assert "checked as US only" in panel.scope.text()
    assert len(clean_sandbox.state.requests()) == 2  # V2 + probe, once each
    panel.set_destination(Target.SANDBOX, clean_sandbox.base_url, Region.US)
    run(qtbot, panel, lambda: panel.verify_key(US_KEY))
    assert texts(panel, Region.EU)[0] == "✖ rejected\nbelongs to US"  # the sandbox: both
