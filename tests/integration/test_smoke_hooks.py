"""The app's self-checks (smoke.py) as app.run attaches them: which one, and when it starts.

The window here is a stand-in with the two things the checks use of MainWindow: the
``ready`` signal and ``is_ready()``. ``QGuiApplication.exit`` is replaced: the real one
would also stop every later event loop of this test process.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QWidget

from attribution_workbench import smoke
from fresh_python import modules_loaded_by

NO_TARGET = "smoke: FAILED: the window has no QComboBox named 'target'"


class StandInWindow(QWidget):
    """The window's side of the probes: ``ready``, ``painted`` (on each of its paints)."""

    ready = Signal()
    painted = Signal()

    def __init__(self, ready: bool) -> None:
        super().__init__()
        self.built = ready

    def is_ready(self) -> bool:
        return self.built

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        self.painted.emit()


class FakeApplication:
    codes: list[int] = []

    @staticmethod
    def platformName() -> str:  # noqa: N802  (Qt's name)
        return "test"

    @classmethod
    def exit(cls, code: int) -> None:
        cls.codes.append(code)


@pytest.fixture
def exits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    codes: list[int] = []
    monkeypatch.setattr(FakeApplication, "codes", codes)
    monkeypatch.setattr(smoke, "QGuiApplication", FakeApplication)
    return codes


def window(qtbot: QtBot, *, ready: bool) -> StandInWindow:
    widget = StandInWindow(ready)
    qtbot.addWidget(widget)  # deleted after the test, and the check (its child) with it
    return widget


@pytest.mark.parametrize(
    "environ",
    [{}, {"AW_SMOKE_TEST": "0"}, {"AW_SMOKE_TEST": ""}, {"AW_STARTUP_PROBE": "yes"}],
)
def test_no_hook_unless_a_check_is_asked_for(environ: dict[str, str]) -> None:
    assert smoke.on_window_hook(environ) is None


def test_the_smoke_test_starts_when_the_window_is_ready(
    qtbot: QtBot, capsys: pytest.CaptureFixture[str], exits: list[int]
) -> None:
    hook = smoke.on_window_hook({"AW_SMOKE_TEST": "1"})
    assert hook is not None
    staged = window(qtbot, ready=False)
    hook(staged)
    assert len(staged.findChildren(smoke.SmokeTest)) == 1
    qtbot.wait(3 * smoke.POLL_MS)
    assert capsys.readouterr().out == ""  # no panes yet: it waits
    staged.built = True
    staged.ready.emit()
    out = capsys.readouterr().out
    assert "smoke: window shown" in out
    assert NO_TARGET in out  # it went on to the panes (this stand-in has none)
    assert exits == [1]


def test_the_smoke_test_starts_at_once_on_a_window_already_ready(
    qtbot: QtBot, capsys: pytest.CaptureFixture[str], exits: list[int]
) -> None:
    hook = smoke.on_window_hook({"AW_SMOKE_TEST": "1"})
    assert hook is not None
    hook(window(qtbot, ready=True))
    qtbot.waitUntil(lambda: exits == [1])
    assert NO_TARGET in capsys.readouterr().out


def test_the_probe_says_painted_then_ready_once_the_panes_are_in(
    qtbot: QtBot, capsys: pytest.CaptureFixture[str], exits: list[int]
) -> None:
    # An idle report far beyond the test: only painted/ready are looked at here.
    hook = smoke.on_window_hook({"AW_STARTUP_PROBE": "1", "AW_STARTUP_PROBE_IDLE_MS": "600000"})
    assert hook is not None
    staged = window(qtbot, ready=False)
    hook(staged)
    assert len(staged.findChildren(smoke.StartupProbe)) == 1
    staged.show()
    out: list[str] = []

    def said(word: str) -> bool:
        out.extend(capsys.readouterr().out.split())
        return word in out

    qtbot.waitUntil(lambda: said("painted"))
    assert "ready" not in out
    staged.built = True
    staged.update()
    qtbot.waitUntil(lambda: said("ready"))
    assert [word for word in out if not word.isdigit()] == ["painted", "ready"]
    assert exits == []


def test_the_start_up_probe_loads_nothing_the_app_would_not() -> None:
    """The benches weigh the app with its probe loaded: the probe must not add to it."""
    code = (
        "from attribution_workbench import smoke\n"
        "assert smoke.on_window_hook({'AW_STARTUP_PROBE': '1'}) is not None\n"
    )
    extra = ("uuid", "platform", "PySide6.QtWidgets", "attribution_workbench.assets")
    assert modules_loaded_by(code, extra) == []
