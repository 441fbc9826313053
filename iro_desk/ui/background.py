"""Reading the caseload off the GUI thread: the newest request wins, results come back by signal.

A ``BackgroundReader`` runs one read at a time on a thread of its own (reading a 2,250-child
caseload takes a second or more; the window stays responsive meanwhile). Each ``start(work)``
is a new request: a request not yet begun when a newer one arrives is skipped, and the result of
any request older than the newest is dropped, so a slow read never overwrites a newer one.
``finished(result)`` or ``failed(exception)`` fires on the GUI thread for the newest request;
``busy_changed(bool)`` says when a read starts and ends.

``work`` runs on the reader's thread: it must open its own ``store.session()`` (sessions are not
shared between threads) and must not touch widgets; the slots connected to ``finished`` apply
its result on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal


class _Latest:
    """The newest request's number, read by the worker to skip a request already superseded."""

    def __init__(self) -> None:
        self.generation = 0


class _Reply(QObject):
    """Carries one request's outcome from the worker thread back to the GUI thread."""

    done = Signal(int, object, object)  # generation, result, exception (or None)


class BackgroundReader(QObject):
    """Runs reads of the caseload on a thread of its own; see the module docstring."""

    finished = Signal(object)
    failed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        """A reader with one thread of its own (reads queue behind one another)."""
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._latest = _Latest()
        self._answered = 0
        self._replies: dict[int, _Reply] = {}

    @property
    def busy(self) -> bool:
        """True while the newest request has not been answered."""
        return self._answered != self._latest.generation

    def start(self, work: Callable[[], Any]) -> int:
        """Run ``work()`` off the GUI thread; returns the request's number."""
        was_busy = self.busy
        self._latest.generation += 1
        generation = self._latest.generation
        reply = _Reply()
        reply.done.connect(self._done)
        self._replies[generation] = reply
        latest = self._latest

        def run() -> None:
            if latest.generation != generation:
                reply.done.emit(generation, None, None)  # superseded before it began
                return
            try:
                result = work()
            except Exception as exc:  # handed to the GUI thread, shown there
                reply.done.emit(generation, None, exc)
                return
            reply.done.emit(generation, result, None)

        self._pool.start(run)
        if not was_busy:
            self.busy_changed.emit(True)
        return generation

    def cancel(self) -> None:
        """Forget every request and wait for a read under way to end (before closing a file).

        No result of a request made before this is delivered.
        """
        self._pool.clear()
        was_busy = self.busy
        self._latest.generation += 1
        self._answered = self._latest.generation
        self._pool.waitForDone()
        if was_busy:
            self.busy_changed.emit(False)

    def _done(self, generation: int, result: object, error: object) -> None:
        self._replies.pop(generation, None)
        if generation != self._latest.generation:
            return  # an older request: a newer one is under way or answered
        self._answered = generation
        self.busy_changed.emit(False)
        if isinstance(error, BaseException):
            self.failed.emit(error)
        else:
            self.finished.emit(result)
