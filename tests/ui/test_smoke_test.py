"""``iro-desk gui --smoke-test``: the app starts on a demo caseload, shows children and quits."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from iro_desk.cli import build_parser
from iro_desk.clock import FixedClock
from iro_desk.ui import main_window
from iro_desk.ui.smoke_test import SMOKE_DEMO_CHILDREN, SMOKE_EVENT_LOOP_MS, run_smoke_test

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)


def test_the_gui_command_takes_the_smoke_test_option() -> None:
    assert build_parser().parse_args(["gui", "--smoke-test"]).smoke_test is True
    assert build_parser().parse_args(["gui"]).smoke_test is False


def test_with_no_caseload_the_smoke_test_writes_the_demo_and_shows_it(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    caseload = tmp_path / "x.irodesk"
    assert run_smoke_test(qapp, caseload, clock=FixedClock(TODAY)) == 0
    assert capsys.readouterr().out == f"smoke test: ok, {SMOKE_DEMO_CHILDREN} children shown\n"
    assert caseload.is_file()
    assert QApplication.topLevelWidgets() == [] or not any(
        widget.isVisible() for widget in QApplication.topLevelWidgets()
    ), "the window is closed again"

    assert run_smoke_test(qapp, caseload, clock=FixedClock(TODAY)) == 0, "and opens it again"


def test_a_file_that_is_not_a_caseload_fails_the_smoke_test(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = tmp_path / "notes.irodesk"
    stranger.write_bytes(b"Dear diary, this is not a caseload.\n")
    assert run_smoke_test(qapp, stranger, clock=FixedClock(TODAY)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("smoke test: FAILED: ")
    assert stranger.read_bytes() == b"Dear diary, this is not a caseload.\n"


def test_a_slow_caseload_read_is_waited_for_not_judged_too_soon(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a loaded machine the background read outlasts the first moment of the event loop."""
    caseload = tmp_path / "x.irodesk"
    assert run_smoke_test(qapp, caseload, clock=FixedClock(TODAY)) == 0
    capsys.readouterr()
    real_read = main_window.read_caseload

    def slow_read(*args: object, **kwargs: object) -> object:
        time.sleep(SMOKE_EVENT_LOOP_MS * 3 / 1000)  # a stand-in for a busy machine
        return real_read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(main_window, "read_caseload", slow_read)
    assert run_smoke_test(qapp, caseload, clock=FixedClock(TODAY)) == 0
    assert capsys.readouterr().out == f"smoke test: ok, {SMOKE_DEMO_CHILDREN} children shown\n"
