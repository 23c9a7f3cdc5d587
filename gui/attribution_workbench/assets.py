"""Where ``resources/`` is, and the name of every icon: the only module that builds asset paths.

``resources/`` is source kept at the top of the repository. It is found in three layouts:

- a checkout or editable install: ``<repo>/resources`` beside ``<repo>/gui``;
- an installed wheel: ``attribution_workbench/resources`` (pyproject force-includes it);
- a PyInstaller bundle: under ``sys._MEIPASS``, as ``attribution_workbench/resources`` or
  ``resources`` (whichever the spec's ``datas`` used).

No Qt import at module level: ``core/`` code (presets) may use ``resource_path`` too.
"""

from __future__ import annotations

import enum
import sys
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon, QPixmap

PACKAGE_DIR = Path(__file__).resolve().parent


class Icon(str, enum.Enum):
    """Every icon the app uses, by file name under ``resources/icons``."""

    APP = "app.svg"
    SEND = "send.svg"
    STOP = "stop.svg"
    COPY = "copy.svg"
    REVEAL = "reveal.svg"
    SANDBOX = "sandbox.svg"
    ERROR = "error.svg"
    # Findings next to fields and in the list (the level is also said in words).
    FINDING_ERROR = "finding-error.svg"
    FINDING_WARNING = "finding-warning.svg"
    FINDING_INFO = "finding-info.svg"
    GENERATE = "generate.svg"  # a fresh random ID
    # The user-properties table's toolbar.
    ROW_ADD = "row-add.svg"
    ROW_REMOVE = "row-remove.svg"
    ROW_UP = "row-up.svg"
    ROW_DOWN = "row-down.svg"
    PASTE = "paste.svg"
    # Verify keys: accepted / not decided (rejected and unreachable use the finding icons).
    VERDICT_OK = "verdict-ok.svg"
    VERDICT_UNKNOWN = "verdict-unknown.svg"


class ResourceError(FileNotFoundError):
    """resources/ (or one file in it) is missing: a broken install, not a user mistake."""


def candidate_dirs() -> list[Path]:
    """Where resources/ may be, most specific first."""
    candidates: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        root = Path(bundle)
        candidates += [root / "attribution_workbench" / "resources", root / "resources"]
    candidates.append(PACKAGE_DIR / "resources")  # installed wheel
    candidates.append(PACKAGE_DIR.parent.parent / "resources")  # checkout: <repo>/gui/<pkg>
    return candidates


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    for candidate in candidate_dirs():
        if (candidate / "icons" / Icon.APP.value).is_file():
            return candidate
    searched = ", ".join(str(path) for path in candidate_dirs())
    raise ResourceError(
        f"The resources folder of Attribution Workbench is missing (looked in {searched}). "
        "Reinstall the app."
    )


def resource_path(*parts: str) -> Path:
    """The path of a file under resources/, e.g. ``resource_path("presets", "adjust.json")``."""
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise ResourceError(f"The resource {'/'.join(parts)} is missing from {resources_dir()}.")
    return path


def icon_path(icon: Icon) -> Path:
    return resource_path("icons", icon.value)


@cache
def png_sizes(icon: Icon) -> tuple[tuple[int, Path], ...]:
    """(pixel size, path) of the icon's PNG renderings (``resources/icons/png/<name>-<n>.png``,
    made from the SVG by packaging/make_icons.py); empty when there are none."""
    stem = Path(icon.value).stem
    try:
        folder = resources_dir() / "icons" / "png"
    except ResourceError:
        return ()
    found: list[tuple[int, Path]] = []
    for path in folder.glob(f"{stem}-*.png"):
        size = path.stem.rpartition("-")[2]
        if size.isdigit():
            found.append((int(size), path))
    return tuple(sorted(found))


def qicon(icon: Icon) -> QIcon:
    """The icon as a QIcon; an empty icon (never an exception) if the file is missing.

    Built from the PNG renderings when they exist: the first SVG Qt draws loads its SVG
    icon engine, about 2 MB of memory for the life of the app. The SVG is the fallback.
    """
    from PySide6.QtGui import QIcon

    if pngs := png_sizes(icon):
        result = QIcon()
        for _size, path in pngs:
            result.addFile(str(path))  # Qt reads the size from the file (no QSize: memory)
        return result
    try:
        return QIcon(str(icon_path(icon)))
    except ResourceError:
        return QIcon()


def qpixmap(icon: Icon, size: int) -> QPixmap:
    """The icon rendered at ``size`` device-independent pixels (SVG stays sharp)."""
    return qicon(icon).pixmap(size, size)
