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
from typing import IO, NamedTuple

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
            if event.type() != QEvent.Type.Paint:
                return False
            if not self.done:
                self.done = True
                print(f"painted {time.monotonic_ns()}", flush=True)
                QTimer.singleShot(IDLE_MS, report_idle)
            # The app's first frame comes before its panes (a staged start); "ready" is the
            # first paint with them. A bare window is ready at its first paint.
            if kind == "bare" or watched.findChild(QObject, "target") is not None:
                print(f"ready {time.monotonic_ns()}", flush=True)
                watched.removeEventFilter(self)
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


def measure(kind: str, platform: str) -> Sample:
    """The figures of one fresh child."""
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
        sample, code = run_child([sys.executable, __file__, "--child", kind], env)
    if code != 0 or sample is None:
        raise RuntimeError(f"the {kind} child failed (exit {code})")
    return sample


def run_child(
    argv: list[str], env: dict[str, str], stderr: IO[str] | None = None
) -> tuple[Sample | None, int]:
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


def verdict(ratio: float, budget: float) -> str:
    return f"{ratio:.2f} (budget <= {budget}) {'ok' if ratio <= budget else 'OVER BUDGET'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--platform", choices=("offscreen", "xcb"))
    parser.add_argument("--child", choices=("app", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    platform = args.platform or ("xcb" if os.environ.get("DISPLAY") else "offscreen")
    results: dict[str, list[Sample]] = {"app": [], "bare": []}
    measure("bare", platform)  # warm the OS file cache once; not counted
    measure("app", platform)
    for run in range(args.runs):
        order = ("app", "bare") if run % 2 == 0 else ("bare", "app")
        for kind in order:
            results[kind].append(measure(kind, platform))
    app, bare = median_sample(results["app"]), median_sample(results["bare"])
    print(f"start-up bench: {args.runs} alternating runs each, platform {platform}, medians")
    print(
        f"  first paint  app {app.paint_ms:7.1f} ms   bare window {bare.paint_ms:7.1f} ms   "
        f"ratio {verdict(app.paint_ms / bare.paint_ms, BUDGET)}"
    )
    print(
        f"  idle RSS     app {app.rss_kb / 1024:7.1f} MB   bare window {bare.rss_kb / 1024:7.1f} MB"
        f"   ratio {verdict(app.rss_kb / bare.rss_kb, BUDGET)}"
    )
    # Not a budget: how long after its first frame the app paints its panes (a staged start).
    after = app.ready_ms - app.paint_ms
    print(
        f"  panes shown  app {app.ready_ms:7.1f} ms   (first frame + {after:.1f} ms; "
        f"ratio to the bare window's first paint {app.ready_ms / bare.paint_ms:.2f}, not a budget)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
