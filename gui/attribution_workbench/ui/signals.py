"""``emit(signal, *args)``: emit a Python-declared signal without corrupting ``True``.

PySide6 6.12.0's ``SignalInstance.emit()`` returns ``True`` without taking a reference for
it (6.11 does not). Python 3.12+ never frees ``True`` (it is immortal), but on 3.10/3.11
every discarded result takes one reference away, and after a few hundred emits (a few
hundred keystrokes in the editor) the interpreter aborts with "bool_dealloc: deallocating
True or False". This helper checks once, on a private object, whether ``emit`` lost a
reference, and if so gives each result back the reference it lacked. With a fixed PySide6,
or Python 3.12+, it is a plain ``emit``.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    ping = Signal()


_borrows: bool | None = None  # None until checked


def _emit_borrows() -> bool:
    global _borrows
    if _borrows is None:
        probe = _Probe()
        before = sys.getrefcount(True)
        ping: Any = probe.ping  # typed as returning None; it returns the bool
        result = ping.emit()
        del result
        _borrows = sys.getrefcount(True) < before
        if _borrows:
            _give_back(True)  # the reference the probe itself took away
    return _borrows


def _give_back(value: bool) -> None:
    import ctypes  # only with a PySide6 whose emit() borrows; not needed to start

    ctypes.pythonapi.Py_IncRef(ctypes.py_object(value))


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)``, safe on PySide6 6.12.0 with Python 3.10/3.11."""
    emitter: Any = signal  # typed as returning None; it returns the bool
    result = emitter.emit(*args)
    if isinstance(result, bool) and _emit_borrows():
        _give_back(result)
