"""Run blocking work on a QThreadPool; get ``(result, error)`` back on the GUI thread.

The pattern of Picard's ``run_task`` and git-cola's ``RunTask``: the caller hands over a
plain function and a callback; the function runs in a pool thread; the callback runs in the
thread of the ``TaskRunner`` (the GUI thread) through a queued signal. The runner keeps a
reference to every running task, so neither the runnable nor its signal object is collected
while a thread still uses it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

Callback = Callable[[Any, BaseException | None], None]


@dataclass(frozen=True)
class _Done:
    # One wrapper object per emission: a queued ``object`` argument that is None itself has
    # crashed PySide6 with a refcount error ("deallocating None") on Python < 3.12.
    task_id: int
    result: Any
    error: BaseException | None


class _Signals(QObject):
    # Emitted from the pool thread; the receiver lives in the GUI thread, so it is queued.
    done = Signal(object)


class _Job(QRunnable):
    def __init__(self, task_id: int, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns it; TaskRunner holds it until done.
        self._task_id = task_id
        self._fn = fn
        self._signals = signals

    def run(self) -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = self._fn()
        except BaseException as exc:  # every failure must reach the callback, or Send sticks
            error = exc
        try:
            self._signals.done.emit(_Done(self._task_id, result, error))
        except RuntimeError:
            # The app quit while this ran (a history write waiting on another program's
            # lock, say): the signal object is gone and nobody is left to tell. Without
            # this, PySide printed "Signal source has been deleted" tracebacks at exit.
            pass


@dataclass
class Task:
    """A running (or finished) piece of work; ``name`` shows up in diagnostics."""

    id: int
    name: str
    callback: Callback
    job: _Job = field(repr=False)
    signals: _Signals = field(repr=False)


class TaskRunner(QObject):
    """Owns a thread pool and the references to the tasks running on it."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._running: dict[int, Task] = {}

    def run(self, fn: Callable[[], Any], callback: Callback, name: str = "task") -> Task:
        """Start ``fn()`` in a pool thread; ``callback(result, error)`` runs here afterwards."""
        task_id = next(self._ids)
        signals = _Signals()
        signals.done.connect(self._on_done)
        job = _Job(task_id, fn, signals)
        task = Task(task_id, name, callback, job, signals)
        self._running[task_id] = task
        self._pool.start(job)
        return task

    def running(self) -> list[Task]:
        return list(self._running.values())

    def wait(self, timeout_ms: int) -> bool:
        """Block until every task has finished (shutdown only); True if they all did."""
        return bool(self._pool.waitForDone(timeout_ms))

    @Slot(object)
    def _on_done(self, done: _Done) -> None:
        task = self._running.pop(done.task_id, None)
        if task is None:
            return
        task.callback(done.result, done.error)


class CancelRelay:
    """A GUI-side cancel switch for work whose real cancel token is made in the worker.

    The worker creates the client's own token (so the client module is never imported on
    the GUI thread) and ``link``s its ``cancel``; a cancel that came first fires at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._hooks: list[Callable[[], object]] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def link(self, hook: Callable[[], object]) -> None:
        with self._lock:
            if not self._cancelled:
                self._hooks.append(hook)
                return
        hook()

    def cancel(self) -> None:
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            hooks, self._hooks = self._hooks, []
        for hook in hooks:
            hook()
