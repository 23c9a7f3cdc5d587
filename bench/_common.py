"""What the bench scripts share: a helper, not a benchmark (`make bench` skips bench/_*.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

GUI_DIR = Path(__file__).resolve().parent.parent / "gui"
T = TypeVar("T")


def bootstrap() -> None:
    """Make ``attribution_workbench`` importable from a checkout without the project installed."""
    try:
        import attribution_workbench  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(GUI_DIR))


def rotating(
    runners: Mapping[str, Callable[[], T]],
    rounds: int,
    between: Callable[[], object] | None = None,
) -> dict[str, list[T]]:
    """Each runner's results over ``rounds`` rounds; every round starts one runner later.

    Rotating the order means no runner always goes first (or last), so drift (a warming
    cache, a growing log) hits every runner alike. ``between`` runs before every run.
    """
    results: dict[str, list[T]] = {name: [] for name in runners}
    names = list(runners)
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            if between is not None:
                between()
            results[name].append(runners[name]())
    return results


def verdict(ok: bool) -> str:
    return "PASS" if ok else "OVER"


def ratio_verdict(ratio: float, budget: float) -> str:
    """A ratio that must stay at or below ``budget``, with its verdict."""
    return f"{ratio:.2f} (budget <= {budget}) {verdict(ratio <= budget)}"


def print_table(rows: Sequence[tuple[str, str, str, str]]) -> None:
    """Rows of (metric, value, budget, verdict) under a header, in aligned columns."""
    table = [("metric", "value", "budget", "verdict"), *rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    print()
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
