"""Drop the source text that PySide's import hook leaves in ``linecache`` (about 4 MB).

PySide6 hooks ``import``: for every module imported after PySide itself it reads the whole
source (``inspect.getsource``) to see whether the module mentions "PySide6" (its
``__feature__`` switch). ``inspect`` reads through ``linecache``, which keeps every line of
every such file for the life of the process: about 4.4 MB for the modules the window and its
services import, a tenth of the app's memory above a bare window. The cache only saves a
traceback from reading the file again, so the window drops it once its panes are built and
then every 30 s (a slow timer: services, dialogs and the HTTP client are imported later).
"""

from __future__ import annotations

import linecache


def release() -> None:
    linecache.clearcache()
