"""Cold start to first paint, and idle memory, of the app vs a bare PySide6 window.

Budget (DESIGN.md): both ratios <= 1.3. Each run starts a fresh process with an empty config
dir (a first start: the target is the in-process sandbox, which starts after the first
paint), taking turns: the app exactly as the bundle runs it (``python -m attribution_workbench``
with ``AW_STARTUP_PROBE=1``: its own probe, gui/attribution_workbench/smoke.py) and a bare
``QMainWindow`` of the same size (this script's child). Each prints ``painted <ns>`` at the
first paint of its main window (``time.monotonic_ns()``, one clock for parent and child),
``ready <ns>`` at its first paint with the panes in it (the app's start is staged; a bare
window is ready at once) and, after 1 s idle, ``idle``; the parent then reads VmRSS from
``/proc/<pid>/status``. Medians of ``--runs`` runs.

    python bench/bench_startup.py [--runs 7] [--platform offscreen|xcb] [--no-floor]

A third child runs for reference (not a budget; ``--no-floor`` skips it): a plain PySide
window holding only the widget kinds DESIGN.md names (line edits, the three combo boxes, a
table, the preview and raw JSON text editors, tabs, a splitter, a menu bar, a status bar),
with no app code. What PySide and Qt cost for those widgets alone, above the bare window.

The platform defaults to xcb when $DISPLAY is set (e.g. under ``xvfb-run``), else offscreen.
Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from _common import GUI_DIR, ratio_verdict, rotating

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

BUDGET = 1.3
IDLE_MS = 1000
SIZE = (1200, 800)
# The two venv children: the app as installed (what the bundle's launcher runs) and the bare window.
APP = [sys.executable, "-m", "attribution_workbench"]
BARE = [sys.executable, str(Path(__file__).resolve()), "--child"]
FLOOR = [*BARE, "--floor"]


# --- child: the bare window -----------------------------------------------------------------------
def child(floor: bool = False) -> int:
    """A bare window speaking the probe protocol (the app's side: smoke.StartupProbe);
    with ``floor``, holding the DESIGN.md widgets (see --floor).

    It notices its first paint in ``paintEvent``, as the app's probe follows the window's
    ``painted`` signal: an event filter (or ``event()`` override) in Python would make PySide
    build the Python classes of all ~50 QEvent subclasses, 1.4 MB that a bare window does
    not have and that would flatter the ratio.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    if TYPE_CHECKING:
        from PySide6.QtGui import QPaintEvent

    class BareWindow(QMainWindow):
        painted = False

        def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
            super().paintEvent(event)
            if not self.painted:
                self.painted = True
                now = time.monotonic_ns()
                print(f"painted {now}\nready {now}", flush=True)
                QTimer.singleShot(IDLE_MS, report_idle)

    def report_idle() -> None:
        print("idle", flush=True)
        QTimer.singleShot(500, QApplication.quit)

    app = QApplication(sys.argv[:1])
    window = BareWindow()
    window.resize(*SIZE)
    if floor:
        fill_with_design_widgets(window)
    window.show()
    return int(app.exec())


def fill_with_design_widgets(window: QMainWindow) -> None:
    """The widget kinds DESIGN.md's object names call for, with a little text in them."""
    from PySide6 import QtWidgets as W

    for title in ("&File", "&Edit", "&View", "&Help"):
        window.menuBar().addMenu(title).addAction("Item")
    form = W.QFormLayout()
    form.addRow("Event type", W.QLineEdit())
    platform = W.QComboBox()
    platform.addItems(["ios", "android"])
    form.addRow("Platform", platform)
    for name in ("idfa", "idfv", "adid", "android_app_set_id", "android_id", "time"):
        form.addRow(name, W.QLineEdit())
    form.addRow("User properties", W.QTableView())
    event_tabs = W.QTabWidget()
    form_page = W.QWidget()
    form_page.setLayout(form)
    event_tabs.addTab(form_page, "Form")
    event_tabs.addTab(W.QPlainTextEdit(), "Raw JSON")
    right = W.QVBoxLayout()
    for items in (["US", "EU"], ["Amplitude", "Local sandbox", "Custom URL"]):
        box = W.QComboBox()
        box.addItems(items)
        right.addWidget(box)
    preview = W.QPlainTextEdit()
    preview.setReadOnly(True)
    preview.setPlainText("api_key=********&event=%7B%22event_type%22%3A%22%5BAdjust%5D...")
    right.addWidget(preview)
    right.addWidget(W.QCheckBox("Reveal key"))
    right.addWidget(W.QPushButton("Send"))
    right.addWidget(W.QLabel("No request sent yet"))
    right.addWidget(W.QPlainTextEdit())
    right_side = W.QWidget()
    right_side.setLayout(right)
    splitter = W.QSplitter()
    splitter.addWidget(event_tabs)
    splitter.addWidget(right_side)
    window.setCentralWidget(splitter)
    window.statusBar().showMessage("Ready")


# --- parent ---------------------------------------------------------------------------------------
def vm_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS line")


class Sample(NamedTuple):
    """One child's figures (or the medians of several)."""

    paint_ms: float  # spawn to the first paint of the main window
    ready_ms: float  # spawn to its first paint with the panes in it (a bare window: = paint)
    rss_kb: int  # VmRSS after IDLE_MS idle


def median_sample(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.paint_ms for s in samples),
        statistics.median(s.ready_ms for s in samples),
        int(statistics.median(s.rss_kb for s in samples)),
    )


def child_env(home: Path, platform: str) -> dict[str, str]:
    """The environment of every measured child: bare window, venv app and bundle alike."""
    env = dict(os.environ)
    env.pop("AMPLITUDE_API_KEY", None)  # a first start without a key
    # Like an installed app, start from bytecode: the warm-up runs write the .pyc files.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        QT_QPA_PLATFORM=platform,
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        AW_STARTUP_PROBE="1",  # the app's probe (smoke.py); the bare child ignores it
        AW_STARTUP_PROBE_IDLE_MS=str(IDLE_MS),
        # For the venv children; a PyInstaller bundle ignores PYTHONPATH.
        PYTHONPATH=os.pathsep.join(filter(None, [str(GUI_DIR), os.environ.get("PYTHONPATH")])),
    )
    return env


def measure(argv: list[str], platform: str) -> Sample:
    """The figures of one fresh child started with ``argv`` (APP, BARE or the bundle)."""
    with tempfile.TemporaryDirectory(prefix="aw-bench-") as tmp:
        home = Path(tmp)
        errors = home / "stderr"
        with errors.open("w") as stderr:
            sample, code = run_child(argv, child_env(home, platform), stderr)
        if code != 0 or sample is None:
            raise RuntimeError(f"{argv} failed (exit {code}): {errors.read_text()[-2000:]}")
    return sample


def run_child(argv: list[str], env: dict[str, str], stderr: IO[str]) -> tuple[Sample | None, int]:
    """Spawn a child that speaks the probe protocol ("painted <ns>", "ready <ns>", "idle").

    Returns (its Sample, or None when it did not say all three; its exit code).
    """
    started = time.monotonic_ns()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    assert process.stdout is not None
    times: dict[str, float] = {}
    rss: int | None = None
    for line in process.stdout:
        word, _, value = line.strip().partition(" ")
        if word in ("painted", "ready") and word not in times:
            times[word] = (int(value) - started) / 1e6
        elif word == "idle":
            rss = vm_rss_kb(process.pid)
    code = process.wait(timeout=60)
    if rss is None or len(times) < 2:
        return None, code
    return Sample(times["painted"], times["ready"], rss), code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--platform", choices=("offscreen", "xcb"))
    parser.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure DESIGN.md's widgets in a plain window (reference; default on)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(floor="--floor" in sys.argv)
    platform = args.platform or ("xcb" if os.environ.get("DISPLAY") else "offscreen")
    runners: dict[str, Callable[[], Sample]] = {
        "app": lambda: measure(APP, platform),
        "bare": lambda: measure(BARE, platform),
    }
    if args.floor:
        runners["floor"] = lambda: measure(FLOOR, platform)
    for run in runners.values():  # warm the OS file cache (and write the .pyc files); not counted
        run()
    samples = rotating(runners, args.runs)
    app, bare = median_sample(samples["app"]), median_sample(samples["bare"])
    print(f"start-up bench: {args.runs} alternating runs each, platform {platform}, medians")
    print(
        f"  first paint  app {app.paint_ms:7.1f} ms   bare window {bare.paint_ms:7.1f} ms   "
        f"ratio {ratio_verdict(app.paint_ms / bare.paint_ms, BUDGET)}"
    )
    print(
        f"  idle RSS     app {app.rss_kb / 1024:7.1f} MB   bare window {bare.rss_kb / 1024:7.1f} MB"
        f"   ratio {ratio_verdict(app.rss_kb / bare.rss_kb, BUDGET)}"
    )
    # Not a budget: how long after its first frame the app paints its panes (a staged start).
    after = app.ready_ms - app.paint_ms
    print(
        f"  panes shown  app {app.ready_ms:7.1f} ms   (first frame + {after:.1f} ms; "
        f"ratio to the bare window's first paint {app.ready_ms / bare.paint_ms:.2f}, not a budget)"
    )
    if args.floor:
        floor = median_sample(samples["floor"])
        print(
            f"  reference    DESIGN.md's widgets in a plain window, no app code: idle RSS "
            f"{floor.rss_kb / 1024:.1f} MB, ratio {floor.rss_kb / bare.rss_kb:.2f}; first paint "
            f"{floor.paint_ms:.1f} ms, ratio {floor.paint_ms / bare.paint_ms:.2f} (not a budget)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
