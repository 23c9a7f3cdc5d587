"""Which modules a piece of code loads, run in a fresh interpreter (nothing imported yet)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable


def modules_loaded_by(code: str, names: Iterable[str]) -> list[str]:
    """Those of ``names`` in ``sys.modules`` after ``code`` ran in a new Python process."""
    report = f"\nimport sys\nprint(','.join(n for n in {tuple(names)!r} if n in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code + report],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    return [name for name in loaded.split(",") if name]
