"""The PyInstaller bundle against the venv app and a bare window: size, first paint, idle RSS.

Budgets (DESIGN.md): the bundle <= 130 MB on disk and starts within 1.2 x the venv app;
like the app, within 1.3 x a bare PySide6 window on start and idle memory.

Measured exactly as bench/bench_startup.py measures the venv app and the bare window: its
``measure`` runs all three, with one environment (``child_env``). The venv app is
``python -m attribution_workbench``, the bundle its executable, both with
``AW_STARTUP_PROBE=1``: the app's own probe (gui/attribution_workbench/smoke.py) prints
``painted <monotonic ns>`` at its window's first paint, ``ready <ns>`` at its first paint with
the panes, and ``idle`` a second later, when the parent reads VmRSS. Every run is a fresh
process with an empty config dir; the three kinds take turns; medians of ``--runs`` runs
after one unmeasured warm-up each.

    python bench/bench_bundle.py [--runs 7] [--platform offscreen|xcb] [--cold] [--bundle DIR]

The page cache is warm (the warm-up runs read every file). ``--cold`` adds a second series
that drops the page cache before every run (``echo 3 > /proc/sys/vm/drop_caches``: root only;
it says so and skips the series when not permitted). Without a bundle in ``dist/`` the script
says how to build one and exits 0. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import bench_startup  # the sibling script: same protocol, same environment, same measurements
from _common import ratio_verdict as verdict
from _common import rotating

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUNDLE = ROOT / "dist" / "attribution-workbench"
SIZE_BUDGET_MB = 130.0
START_BUDGET = 1.2  # bundle / venv app
BARE_BUDGET = bench_startup.BUDGET  # bundle / bare window, as for the venv app

Sample = bench_startup.Sample


def disk_usage(path: Path) -> int:
    """Bytes the bundle occupies on disk (allocated blocks, like ``du``)."""
    total = 0
    for entry in path.rglob("*"):
        if entry.is_file() and not entry.is_symlink():
            total += entry.stat().st_blocks * 512
    return total


def drop_page_cache() -> str | None:
    """Empty the page cache; the reason it could not, or None."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as control:
            control.write("3\n")
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return None


def series(
    runners: dict[str, Callable[[], Sample]], runs: int, between: Callable[[], object] | None
) -> dict[str, Sample]:
    """Medians of ``runs`` runs of each kind, the kinds rotating their order."""
    samples = rotating(runners, runs, between)
    return {kind: bench_startup.median_sample(values) for kind, values in samples.items()}


def report(title: str, medians: dict[str, Sample]) -> None:
    bundle, app, bare = medians["bundle"], medians["app"], medians["bare"]
    print(title)
    print(
        f"  first paint  bundle {bundle.paint_ms:7.1f} ms   venv app {app.paint_ms:7.1f} ms   "
        f"bare window {bare.paint_ms:7.1f} ms"
    )
    print(f"               bundle/app  {verdict(bundle.paint_ms / app.paint_ms, START_BUDGET)}")
    print(f"               app/bare    {verdict(app.paint_ms / bare.paint_ms, BARE_BUDGET)}")
    print(f"               bundle/bare {verdict(bundle.paint_ms / bare.paint_ms, BARE_BUDGET)}")
    print(
        f"  panes shown  bundle {bundle.ready_ms:7.1f} ms   venv app {app.ready_ms:7.1f} ms   "
        f"(not a budget: the first paint with the panes in it)"
    )
    print(f"               bundle/app  {bundle.ready_ms / app.ready_ms:.2f}")
    print(
        f"  idle RSS     bundle {bundle.rss_kb / 1024:7.1f} MB   venv app "
        f"{app.rss_kb / 1024:7.1f} MB   bare window {bare.rss_kb / 1024:7.1f} MB"
    )
    print(f"               bundle/app  {bundle.rss_kb / app.rss_kb:.2f}")
    print(f"               app/bare    {verdict(app.rss_kb / bare.rss_kb, BARE_BUDGET)}")
    print(f"               bundle/bare {verdict(bundle.rss_kb / bare.rss_kb, BARE_BUDGET)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--platform", choices=("offscreen", "xcb"))
    parser.add_argument("--cold", action="store_true", help="also measure with a cold page cache")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    args = parser.parse_args()
    executable = args.bundle / "attribution-workbench"
    if not executable.is_file():
        print(f"bundle bench: skipped: no bundle in {args.bundle} (build one with: make bundle)")
        return 0
    if not sys.platform.startswith("linux"):
        print("bundle bench: skipped: Linux only (it reads /proc)")
        return 0
    platform = args.platform or ("xcb" if os.environ.get("DISPLAY") else "offscreen")

    size = disk_usage(args.bundle)
    size_mb = size / 1e6
    size_verdict = "ok" if size_mb <= SIZE_BUDGET_MB else "OVER BUDGET"
    print(f"bundle bench: {args.bundle}, platform {platform}")
    print(
        f"  size on disk {size_mb:.1f} MB ({size / 2**20:.1f} MiB)   "
        f"budget <= {SIZE_BUDGET_MB:.0f} MB {size_verdict}"
    )

    runners: dict[str, Callable[[], Sample]] = {
        "bundle": lambda: bench_startup.measure([str(executable)], platform),
        "app": lambda: bench_startup.measure(bench_startup.APP, platform),
        "bare": lambda: bench_startup.measure(bench_startup.BARE, platform),
    }
    for run in runners.values():  # warm the page cache (and write the venv's .pyc files)
        run()
    report(
        f"page cache warm: {args.runs} rotating runs each, medians",
        series(runners, args.runs, between=None),
    )
    if args.cold:
        problem = drop_page_cache()
        if problem:
            print(f"page cache cold: skipped: cannot drop the page cache here ({problem})")
        else:
            report(
                f"page cache cold (dropped before every run): {args.runs} rotating runs each, "
                "medians",
                series(runners, args.runs, between=drop_page_cache),
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
