"""Helpers for tests of long work that can be stopped (a ``check`` that stops it on cue)."""

from __future__ import annotations

from iro_desk.errors import WorkCancelledError


class StopAt:
    """A ``check`` that counts its calls and stops the work at call ``at`` (0: never)."""

    def __init__(self, at: int = 0) -> None:
        self.at = at
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.calls == self.at:
            raise WorkCancelledError()
