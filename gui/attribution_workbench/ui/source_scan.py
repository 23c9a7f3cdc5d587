"""Make PySide's per-import source check cheap: about 4 MB of memory and some start-up time.

PySide6 hooks ``import``: for every module imported after PySide itself, its
``shibokensupport.feature._mod_uses_pyside(module)`` decides whether the module may use the
``from __feature__ import ...`` switches by reading the module's whole source with
``inspect.getsource`` and looking for "PySide6". ``inspect`` reads through ``linecache``,
which keeps every line of every such file as its own string for the life of the process:
4.4 MB for the modules the window imports. Dropping the cache later gives back only part of
it (the freed small strings leave Python's memory pools fragmented): measured at idle,
75.9 MB with PySide's check and a cache clear, 71.6 MB with the check below.

``install()`` swaps in a check that answers the same question from the same source, read
through the module's loader into one short-lived string: no ``linecache`` entry, nothing
kept. A module without source (a frozen bundle's) answers False, as with PySide's own check.
The app never uses ``__feature__``; the answer is kept exact anyway, so a library that did
would see no difference.

The swap reaches into PySide's private support module. If a PySide release renames it,
``install()`` changes nothing and returns False (the app works as before, only heavier), and
tests/ui/test_source_scan.py fails, so an upgrade does not lose the saving silently.
"""

from __future__ import annotations

import sys
from types import ModuleType

FEATURE_MODULE = "shibokensupport.feature"
CHECK_NAME = "_mod_uses_pyside"


def uses_pyside(module: ModuleType) -> bool:
    """Whether ``module``'s source mentions PySide6 (PySide's own test), without linecache."""
    loader = getattr(module, "__loader__", None)
    get_source = getattr(loader, "get_source", None)
    if get_source is None:
        return False
    try:
        source = get_source(module.__name__)
    except Exception:  # this runs inside every import: it must never make one fail
        return False
    return isinstance(source, str) and "PySide6" in source


def install() -> bool:
    """Use ``uses_pyside`` for PySide's import check; True when it is in place.

    Call right after the first PySide6 import, before the app's own Qt modules.
    """
    feature = sys.modules.get(FEATURE_MODULE)
    if feature is None or not callable(getattr(feature, CHECK_NAME, None)):
        return False
    setattr(feature, CHECK_NAME, uses_pyside)
    forget_file_lines()
    return True


def forget_file_lines() -> None:
    """Drop the lines linecache holds from files on disk: those PySide's own check read for
    the modules imported before ``install()`` (enum, types, PySide6's own: ~0.2 MB at idle).

    A traceback that needs them reads the file again. Entries not read from a file (code
    typed into a console, registered lazily) are kept: they could not be read back.
    """
    import linecache

    for filename, entry in list(linecache.cache.items()):
        if len(entry) == 4 and entry[1] is not None:  # (size, mtime, lines, path): a file
            linecache.cache.pop(filename, None)
