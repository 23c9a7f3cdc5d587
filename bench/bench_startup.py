"""Cold start to first paint, and idle memory, of the app vs a bare PySide6 window.

Budget (DESIGN.md): both ratios <= 1.3. Each run starts a fresh interpreter for the app
(a first start: empty config dir, so the target is the in-process sandbox, which starts
after the first paint) and one for a bare ``QMainWindow`` of the same size, alternating
which goes first. A child prints the time of the first paint event of its main window
(``time.monotonic_ns()``, one clock for parent and child) and, after 1 s idle, "idle";
the parent then reads VmRSS from ``/proc/<pid>/status``. Medians of ``--runs`` runs.

    python bench/bench_startup.py [--runs 7] [--platform offscreen|xcb]

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
from pathlib import Path
from typing import IO

BUDGET = 1.3
IDLE_MS = 1000
GUI_DIR = Path(__file__).resolve().parent.parent / "gui"
SIZE = (1200, 800)


# --- child ----------------------------------------------------------------------------------------
def child(kind: str) -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    class FirstPaint(QObject):
        done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if not self.done and event.type() == QEvent.Type.Paint:
                self.done = True
                print(f"painted {time.monotonic_ns()}", flush=True)
                QTimer.singleShot(IDLE_MS, report_idle)
            return False

    def report_idle() -> None:
        print("idle", flush=True)
        QTimer.singleShot(500, QApplication.quit)

    probe = FirstPaint()

    def watch(window: QMainWindow) -> None:
        window.installEventFilter(probe)

    if kind == "app":
        from attribution_workbench.app import run

        return run([], on_window=watch)
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(*SIZE)
    watch(window)
    window.show()
    return int(app.exec())


# --- parent ---------------------------------------------------------------------------------------
def vm_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS line")


def measure(kind: str, platform: str) -> tuple[float, int]:
    """(ms from spawn to first paint, idle RSS in kB) of one fresh child."""
    with tempfile.TemporaryDirectory(prefix="aw-bench-") as home:
        env = dict(os.environ)
        env.pop("AMPLITUDE_API_KEY", None)  # a first start without a key
        # Like an installed app, start from bytecode: the warm-up runs write the .pyc files.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            QT_QPA_PLATFORM=platform,
            XDG_CONFIG_HOME=str(Path(home) / "config"),
            XDG_DATA_HOME=str(Path(home) / "data"),
            PYTHONPATH=os.pathsep.join(filter(None, [str(GUI_DIR), env.get("PYTHONPATH")])),
        )
        painted_ms, rss, code = run_child([sys.executable, __file__, "--child", kind], env)
    if code != 0 or painted_ms is None or rss is None:
        raise RuntimeError(f"the {kind} child failed (exit {code})")
    return painted_ms, rss


def run_child(
    argv: list[str], env: dict[str, str], stderr: IO[str] | None = None
) -> tuple[float | None, int | None, int]:
    """Spawn a child that speaks the probe protocol ("painted <ns>", then "idle").

    Returns (ms from spawn to first paint, idle RSS in kB, exit code); the first two are
    None when the child never said so.
    """
    started = time.monotonic_ns()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    assert process.stdout is not None
    painted_ms: float | None = None
    rss: int | None = None
    for line in process.stdout:
        if line.startswith("painted "):
            painted_ms = (int(line.split()[1]) - started) / 1e6
        elif line.strip() == "idle":
            rss = vm_rss_kb(process.pid)
    return painted_ms, rss, process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--platform", choices=("offscreen", "xcb"))
    parser.add_argument("--child", choices=("app", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    platform = args.platform or ("xcb" if os.environ.get("DISPLAY") else "offscreen")
    results: dict[str, list[tuple[float, int]]] = {"app": [], "bare": []}
    measure("bare", platform)  # warm the OS file cache once; not counted
    measure("app", platform)
    for run in range(args.runs):
        order = ("app", "bare") if run % 2 == 0 else ("bare", "app")
        for kind in order:
            results[kind].append(measure(kind, platform))
    paint = {kind: statistics.median(p for p, _ in runs) for kind, runs in results.items()}
    rss = {kind: statistics.median(r for _, r in runs) for kind, runs in results.items()}
    print(f"start-up bench: {args.runs} alternating runs each, platform {platform}, medians")
    for name, values, unit in (("first paint", paint, "ms"), ("idle RSS", rss, "MB")):
        scale = 1 / 1024 if unit == "MB" else 1
        ratio = values["app"] / values["bare"]
        verdict = "ok" if ratio <= BUDGET else "OVER BUDGET"
        print(
            f"  {name:<12} app {values['app'] * scale:7.1f} {unit}   bare window "
            f"{values['bare'] * scale:7.1f} {unit}   ratio {ratio:.2f} (budget <= {BUDGET}) "
            f"{verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
