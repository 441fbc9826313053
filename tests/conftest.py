"""Shared fixtures: a fixed today, caseload files in tmp_path, never the real home folder."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt must never look for a display in tests (without this it aborts the whole run).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from iro_desk.clock import FixedClock  # noqa: E402
from iro_desk.store import CaseloadStore  # noqa: E402

TODAY = dt.date(2027, 1, 4)
TEST_PASSPHRASE = "demo passphrase for tests"


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("IRO_DESK_DB", raising=False)
    # The CLI encrypts new caseloads; scripts (and these tests) give the passphrase this way.
    monkeypatch.setenv("IRO_DESK_PASSPHRASE", TEST_PASSPHRASE)


@pytest.fixture
def clock() -> FixedClock:
    """Today is fixed: Monday 4 January 2027."""
    return FixedClock(TODAY)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseloadStore]:
    """A new, empty caseload file."""
    opened = CaseloadStore.create(tmp_path / "caseload.irodesk", actor="test-iro")
    yield opened
    opened.close()
