"""Helpers for GUI tests: the main window and the calendar read the caseload off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

READ_TIMEOUT_MS = 20000


@pytest.fixture
def wait_read(qtbot: QtBot) -> Callable[[Any], None]:
    """Wait until a main window (or a calendar) has applied the caseload it is reading."""

    def wait(view: Any) -> None:
        qtbot.waitUntil(lambda: not view.reading, timeout=READ_TIMEOUT_MS)

    return wait


@pytest.fixture
def refreshed(qtbot: QtBot, wait_read: Callable[[Any], None]) -> Callable[[Any], None]:
    """``view.refresh()``, then wait until what it read is shown."""

    def refresh(view: Any) -> None:
        view.refresh()
        wait_read(view)

    return refresh
