"""The conflict view and the Sync button, driven like an IRO would, on two invented laptops."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlmodel import select

from iro_desk.clock import FixedClock
from iro_desk.demo import build_demo
from iro_desk.models import Child
from iro_desk.settings import load_settings, update_settings
from iro_desk.store import CaseloadStore
from iro_desk.sync.engine import SyncCancelledError, sync_caseload
from iro_desk.sync.state import open_conflicts
from iro_desk.ui.app import create_main_window
from iro_desk.ui.conflict_view import CHOICE_ROLE, ConflictDialog
from iro_desk.ui.sync_view import SyncButton, SyncController, SyncReportDialog, install_sync

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)
CLOCK = FixedClock(TODAY)


def _laptop(folder: Path, share: Path, name: str, template: Path | None) -> CaseloadStore:
    path = folder / name / "caseload.irodesk"
    path.parent.mkdir(parents=True)
    if template is not None:
        shutil.copyfile(template, path)
        store = CaseloadStore.open(path, actor=f"iro-{name}")
    else:
        store = CaseloadStore.create(path, actor=f"iro-{name}")
    with store.session() as session:
        update_settings(session, team_share_folder=str(share), sync_scope="all")
    return store


def _sync(store: CaseloadStore) -> None:
    with store.session() as session:
        settings = load_settings(session)
    sync_caseload(store, settings, clock=CLOCK)


def _edit_child(store: CaseloadStore, ref: str, **changes: str) -> None:
    with store.session() as session:
        child = session.exec(select(Child).where(Child.child_ref == ref)).one()
        for name, value in changes.items():
            setattr(child, name, value)
        session.add(child)


def _child(store: CaseloadStore, ref: str) -> Child:
    with store.session() as session:
        return session.exec(select(Child).where(Child.child_ref == ref)).one()


@pytest.fixture
def laptops(tmp_path: Path) -> Iterator[tuple[CaseloadStore, CaseloadStore]]:
    """Laptop A (with the demo caseload) and laptop B, both synced with one share."""
    share = tmp_path / "share"
    share.mkdir()
    template = tmp_path / "template.irodesk"
    with CaseloadStore.create(template) as maker:
        build_demo(maker, children=6, years=1, seed=3, today=TODAY)
    a = _laptop(tmp_path, share, "a", template)
    _sync(a)
    b = _laptop(tmp_path, share, "b", None)
    _sync(b)
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def conflicted(
    laptops: tuple[CaseloadStore, CaseloadStore],
) -> tuple[CaseloadStore, CaseloadStore]:
    """The notes and UPN of DEMO-0002 changed differently on A and on B; B synced second."""
    a, b = laptops
    _edit_child(a, "DEMO-0002", notes="A: likes drawing", upn="A111")
    _edit_child(b, "DEMO-0002", notes="B: likes swimming", upn="B222")
    _sync(a)
    _sync(b)
    return a, b


def _click(qtbot: QtBot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _click_row(qtbot: QtBot, view: QTableView, row: int) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_the_iro_chooses_a_value_from_each_side_and_the_record_keeps_them(
    qtbot: QtBot, qtmodeltester: ModelTester, conflicted: tuple[CaseloadStore, CaseloadStore]
) -> None:
    a, b = conflicted
    dialog = ConflictDialog(b)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtmodeltester.check(dialog.records_model)
    qtmodeltester.check(dialog.fields_model)
    assert dialog.records_model.rowCount() == 1
    assert "DEMO-0002" in dialog.records_model.index(0).data()
    fields = dialog.fields_model
    rows = {fields.index(r, 0).data(): r for r in range(fields.rowCount())}
    assert set(rows) == {"Notes", "UPN"}
    notes = rows["Notes"]
    shown = [fields.index(notes, column).data() for column in range(4)]
    assert shown == ["Notes", "(empty)", "B: likes swimming", "A: likes drawing"]
    assert fields.index(notes, 4).data() == "— choose —"
    assert not dialog.save_button.isEnabled(), "nothing is settled until the IRO chooses"

    _click_row(qtbot, dialog.fields_view, notes)
    _click(qtbot, dialog.keep_local)
    _click_row(qtbot, dialog.fields_view, rows["UPN"])
    _click(qtbot, dialog.keep_theirs)
    assert fields.index(notes, 4).data() == "This laptop's"
    assert fields.index(notes, 2).data() == "✔ B: likes swimming"
    assert fields.index(rows["UPN"], 4).data() == "The team's"
    assert fields.index(rows["UPN"], 0).data(CHOICE_ROLE) == "theirs"
    with qtbot.waitSignal(dialog.resolved, timeout=5000):
        _click(qtbot, dialog.save_button)

    child = _child(b, "DEMO-0002")
    assert (child.notes, child.upn) == ("B: likes swimming", "A111")
    with b.session() as session:
        assert open_conflicts(session) == []
    assert dialog.records_model.rowCount() == 0
    assert dialog.empty_label.isVisibleTo(dialog)
    _sync(b)
    _sync(a)
    assert (_child(a, "DEMO-0002").notes, _child(a, "DEMO-0002").upn) == (
        "B: likes swimming", "A111"
    )


def test_choosing_only_some_fields_leaves_the_rest_waiting(
    qtbot: QtBot, conflicted: tuple[CaseloadStore, CaseloadStore]
) -> None:
    _a, b = conflicted
    dialog = ConflictDialog(b)
    qtbot.addWidget(dialog)
    dialog.show()
    fields = dialog.fields_model
    upn = next(r for r in range(fields.rowCount()) if fields.index(r, 0).data() == "UPN")
    _click_row(qtbot, dialog.fields_view, upn)
    _click(qtbot, dialog.keep_theirs)
    _click(qtbot, dialog.save_button)
    assert _child(b, "DEMO-0002").notes == "B: likes swimming"
    assert [fields.index(r, 0).data() for r in range(fields.rowCount())] == ["Notes"]


def test_keyboard_alone_settles_a_conflict(
    qtbot: QtBot, conflicted: tuple[CaseloadStore, CaseloadStore]
) -> None:
    _a, b = conflicted
    dialog = ConflictDialog(b)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    dialog.fields_view.setFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # all from the team
    qtbot.waitUntil(dialog.save_button.isEnabled)  # a mnemonic clicks after a short animation
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # save
    qtbot.waitUntil(lambda: dialog.records_model.rowCount() == 0)
    child = _child(b, "DEMO-0002")
    assert (child.notes, child.upn) == ("A: likes drawing", "A111")


# --- The Sync button and the history ---------------------------------------------------------


def test_the_sync_button_syncs_and_says_when(
    qtbot: QtBot, laptops: tuple[CaseloadStore, CaseloadStore]
) -> None:
    a, b = laptops
    controller = SyncController(b, clock=CLOCK)
    button = SyncButton(controller)
    qtbot.addWidget(button)
    assert button.text().startswith("⟳ Synced ")
    assert button.accessibleName() == "Sync"
    _edit_child(a, "DEMO-0003", notes="Changed on A")
    _sync(a)
    with qtbot.waitSignal(controller.finished, timeout=30000) as finished:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert finished.args[0].came_in_count == 1
    qtbot.waitUntil(lambda: button.isEnabled())
    assert button.text().startswith("⟳ Synced ")
    assert _child(b, "DEMO-0003").notes == "Changed on A"
    controller.shutdown()


def test_a_new_caseload_says_not_synced_and_conflicts_show_on_the_button(
    qtbot: QtBot, tmp_path: Path, conflicted: tuple[CaseloadStore, CaseloadStore]
) -> None:
    fresh = CaseloadStore.create(tmp_path / "fresh.irodesk")
    never = SyncButton(SyncController(fresh, clock=CLOCK))
    qtbot.addWidget(never)
    assert never.text() == "○ Not synced"
    _a, b = conflicted
    waiting = SyncButton(SyncController(b, clock=CLOCK))
    qtbot.addWidget(waiting)
    assert waiting.text() == "⚠ 1 conflict"
    assert "choose" in waiting.toolTip()
    fresh.close()


def test_the_history_lists_what_came_in_and_went_out(
    qtbot: QtBot, qtmodeltester: ModelTester, laptops: tuple[CaseloadStore, CaseloadStore]
) -> None:
    a, b = laptops
    _edit_child(b, "DEMO-0004", notes="From B")
    _sync(b)
    dialog = SyncReportDialog(b)
    qtbot.addWidget(dialog)
    dialog.show()
    qtmodeltester.check(dialog.history_model)
    qtmodeltester.check(dialog.went_out_model)
    assert dialog.history_model.rowCount() == 2
    assert dialog.went_out_model.rowCount() == 1
    went = [dialog.went_out_model.index(0, c).data() for c in range(3)]
    assert went[0] == "Changed" and "DEMO-0004" in went[1] and went[2] == "Child"
    assert "1 went out" in dialog.summary.text()
    _click_row(qtbot, dialog.history_view, 1)
    assert dialog.came_in_model.rowCount() > 0, "the first sync brought the whole caseload in"


def test_the_main_window_gets_a_sync_menu_and_toolbar_button(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    conflicted: tuple[CaseloadStore, CaseloadStore],
) -> None:
    _a, b = conflicted
    state = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = create_main_window(b, clock=CLOCK, state=state)
    qtbot.addWidget(window)
    controller = install_sync(window)
    window.show()
    assert window.named_actions["sync_now"].shortcut().toString() == "Ctrl+Shift+S"
    assert window.sync_button.text() == "⚠ 1 conflict"
    asked: list[str] = []

    def no(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(no))
    with qtbot.waitSignal(controller.finished, timeout=30000):
        window.named_actions["sync_now"].trigger()
    qtbot.waitUntil(lambda: "Synced with the team file" in window.statusBar().currentMessage())
    assert asked == []
    controller.shutdown()


def test_a_running_sync_can_be_stopped_from_the_sync_menu(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    laptops: tuple[CaseloadStore, CaseloadStore],
) -> None:
    _a, b = laptops

    def slow_sync(*_args: object, cancelled: object = None, **_kwargs: object) -> object:
        assert callable(cancelled)
        deadline = time.monotonic() + 20
        while not cancelled() and time.monotonic() < deadline:
            time.sleep(0.01)
        raise SyncCancelledError("The sync was stopped. Nothing was changed.")

    monkeypatch.setattr("iro_desk.ui.sync_view.sync_caseload", slow_sync)
    state = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = create_main_window(b, clock=CLOCK, state=state)
    qtbot.addWidget(window)
    window.show()
    controller = window.workspace.sync
    stop = window.named_actions["sync_stop"]
    assert stop.shortcut().toString() == "Ctrl+Shift+X"
    assert not stop.isEnabled(), "nothing to stop before a sync starts"
    window.named_actions["sync_now"].trigger()
    assert controller.running and stop.isEnabled()
    with qtbot.waitSignal(controller.stopped, timeout=20000):
        stop.trigger()
    assert not controller.running and not stop.isEnabled()
    assert "stopped" in window.statusBar().currentMessage()
    assert controller.last_error is None
    controller.shutdown()
