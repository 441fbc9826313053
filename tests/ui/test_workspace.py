"""The screens put together in the main window: calendar first, the other tabs, the menus,
settings, help, the daily backup and restoring from a backup."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlmodel import col, select

from iro_desk.backups import list_backups, make_backup
from iro_desk.clock import FixedClock
from iro_desk.demo import build_demo
from iro_desk.models import Child, QaTool
from iro_desk.store import CaseloadStore
from iro_desk.ui import restore_dialog
from iro_desk.ui.app import create_main_window, open_with_retry
from iro_desk.ui.calendar_view import CalendarView
from iro_desk.ui.challenges_window import ChallengesWindow
from iro_desk.ui.figures_window import FiguresWindow
from iro_desk.ui.help_window import HelpDialog
from iro_desk.ui.main_window import MainWindow
from iro_desk.ui.qa_tool_form import QaToolForm
from iro_desk.ui.restore_dialog import RestoreDialog
from iro_desk.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)
LATER_TODAY = dt.datetime(2027, 1, 4, 15, 0, tzinfo=dt.UTC)  # after the daily backup at noon


@pytest.fixture
def demo_store(store: CaseloadStore) -> CaseloadStore:
    build_demo(store, children=8, years=2, seed=3, today=TODAY)
    return store


@pytest.fixture
def window(qtbot: QtBot, demo_store: CaseloadStore, tmp_path: Path) -> Iterator[MainWindow]:
    state = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
    shown = create_main_window(demo_store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    qtbot.waitUntil(lambda: not shown.reading, timeout=20000)
    # Today's backup is made off the GUI thread at opening.
    qtbot.waitUntil(lambda: not shown.workspace.backups.busy, timeout=20000)
    yield shown


def _tab_titles(window: MainWindow) -> list[str]:
    return [window.views.tabText(i) for i in range(window.views.count())]


def _children(store: CaseloadStore) -> list[str]:
    with store.session() as session:
        return sorted(
            c.child_ref for c in session.exec(select(Child)) if c.deleted_at is None
        )


def test_the_calendar_is_the_home_screen_beside_the_other_tabs(window: MainWindow) -> None:
    assert _tab_titles(window) == ["Calendar", "Caseload", "Challenges", "Figures"]
    assert isinstance(window.views.currentWidget(), CalendarView)
    assert window.views.tabBar().isVisible()
    # The other tabs are made when first shown: nothing of them is read at start-up.
    assert window.workspace.challenges.inner is None
    assert window.workspace.figures.inner is None
    window.named_actions["show_challenges_view"].trigger()
    assert isinstance(window.workspace.challenges.inner, ChallengesWindow)
    window.named_actions["show_figures_view"].trigger()
    assert isinstance(window.workspace.figures.inner, FiguresWindow)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&View", "&Child", "Ca&lendar", "S&ync", "&Help"]


def test_view_menu_shortcuts_bring_each_tab_forward(qtbot: QtBot, window: MainWindow) -> None:
    window.named_actions["show_caseload"].trigger()
    assert window.views.currentWidget() is window.caseload_view
    window.named_actions["show_challenges_view"].trigger()
    assert window.views.currentWidget() is window.workspace.challenges
    window.named_actions["show_calendar_view"].trigger()
    assert window.views.currentWidget() is window.workspace.calendar


def test_a_child_opened_from_the_calendar_is_selected_in_the_caseload(
    qtbot: QtBot, window: MainWindow, demo_store: CaseloadStore
) -> None:
    with demo_store.session() as session:
        child = session.exec(select(Child).order_by(Child.child_ref)).first()
        assert child is not None
        child_id, name = child.id, child.preferred_name or child.first_name
    with qtbot.waitSignal(window.child_activated) as signal:
        window.workspace.calendar.child_activated.emit(child_id)
    assert signal.args == [child_id]
    assert window.select_child(child_id)
    assert window.views.currentWidget() is window.caseload_view
    assert window.current_child() == child_id
    assert name in window.child_pane.name_label.text()


def test_opening_the_app_makes_todays_backup_once(
    qtbot: QtBot, window: MainWindow, demo_store: CaseloadStore
) -> None:
    daily = [b for b in list_backups(demo_store.path) if b.reason == "daily"]
    assert len(daily) == 1
    assert daily[0].children == 8
    window.workspace.daily_backup(demo_store)
    qtbot.waitUntil(lambda: not window.workspace.backups.busy)
    assert len([b for b in list_backups(demo_store.path) if b.reason == "daily"]) == 1


def test_settings_open_from_the_file_menu_and_saving_rereads_the_caseload(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[SettingsDialog] = []

    def accept(dialog: SettingsDialog) -> int:
        seen.append(dialog)
        return SettingsDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", accept)
    with qtbot.waitSignal(window.caseload_refreshed):
        window.named_actions["settings"].trigger()
    assert len(seen) == 1
    assert "Settings saved" in window.statusBar().currentMessage()
    assert window.named_actions["settings"].shortcut().toString() == "Ctrl+,"


def test_f1_opens_the_guide_and_the_rules_page_names_the_regulations(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert window.named_actions["help_guide"].shortcut().toString() == "F1"
    window.named_actions["help_guide"].trigger()
    dialog = window.workspace.help_dialog
    assert isinstance(dialog, HelpDialog)
    qtbot.waitExposed(dialog)
    assert dialog.tabs.currentWidget() is dialog.browsers["guide"]
    dialog.close()
    window.named_actions["help_rules"].trigger()
    rules = window.workspace.help_dialog
    assert "Care Planning" in rules.browsers["rules"].toPlainText()
    rules.close()


def test_start_a_qa_tool_for_the_selected_child(
    qtbot: QtBot, window: MainWindow, demo_store: CaseloadStore
) -> None:
    window.named_actions["show_caseload"].trigger()
    child = window.current_child()
    assert child is not None
    window.named_actions["start_qa_tool"].trigger()
    record = window.child_records.record_for(child)
    assert record is not None
    form = record.qa_form
    assert isinstance(form, QaToolForm)
    qtbot.waitExposed(form)
    with demo_store.session() as session:
        tools = [t for t in session.exec(select(QaTool)) if t.child_id == child]
    assert tools and tools[-1].status == "draft"
    # The record lists it under Challenges, where Enter opens it again.
    record.show_tab("Challenges")
    texts = record.qa_model.column_texts(1)
    assert texts and texts[0] == "Draft"
    form.close()
    record.close()


def test_restore_from_backup_brings_back_the_backup_and_keeps_the_current_file_aside(
    qtbot: QtBot, window: MainWindow, demo_store: CaseloadStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = demo_store.path
    before = _children(demo_store)
    make_backup(demo_store, "before-import", LATER_TODAY)
    with demo_store.session() as session:
        session.add(Child(child_ref="DEMO-9999", first_name="Added", last_name="Later",
                          dob=dt.date(2015, 1, 1)))
    with qtbot.waitSignal(window.caseload_refreshed, timeout=20000):
        window.refresh()
    assert "DEMO-9999" in _children(window.store)

    def choose_newest(dialog: RestoreDialog) -> int:
        assert dialog.model.rowCount() >= 2
        assert dialog.model.data(dialog.model.index(0, 1)) == "Before an import"
        dialog.table.selectRow(0)
        dialog.confirm()
        return dialog.result()

    monkeypatch.setattr(RestoreDialog, "exec", choose_newest)
    monkeypatch.setattr(restore_dialog, "ask_yes_no", lambda *_a, **_k: True)
    threads: list[threading.Thread] = []
    real_restore = restore_dialog.restore_backup

    def restore(*args: object) -> object:
        threads.append(threading.current_thread())
        return real_restore(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(restore_dialog, "restore_backup", restore)
    window.named_actions["restore_backup"].trigger()
    assert threads and threads[0] is not threading.main_thread(), "restored off the GUI thread"
    qtbot.waitUntil(lambda: not window.reading, timeout=20000)
    assert window.store.path == path
    assert _children(window.store) == before
    assert window.model.rowCount() == len(before)
    aside = [b for b in list_backups(path) if b.reason == "replaced-by-restore"]
    assert len(aside) == 1 and aside[0].children == len(before) + 1
    assert "Restored the before an import" in window.statusBar().currentMessage()


def test_nothing_is_restored_when_the_iro_says_no(
    window: MainWindow, demo_store: CaseloadStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_backup(demo_store, "before-import")
    monkeypatch.setattr(restore_dialog, "ask_yes_no", lambda *_a, **_k: False)

    def decline(dialog: RestoreDialog) -> int:
        dialog.confirm()
        return dialog.result()

    monkeypatch.setattr(RestoreDialog, "exec", decline)
    store = window.store
    window.named_actions["restore_backup"].trigger()
    assert window.store is store
    assert not [b for b in list_backups(store.path) if b.reason == "replaced-by-restore"]


def test_a_cut_short_caseload_is_left_as_it_is_and_its_backup_offered(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cut.irodesk"
    with CaseloadStore.create(path, passphrase="a good passphrase") as made:
        build_demo(made, children=5, years=1, seed=2, today=TODAY)
        make_backup(made, "daily")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    half = path.read_bytes()
    questions: list[str] = []
    monkeypatch.setattr(restore_dialog, "ask_passphrase",
                        lambda *_a, **_k: "a good passphrase")

    def answer(_parent: object, text: str, **_k: object) -> bool:
        questions.append(text)
        return True

    monkeypatch.setattr(restore_dialog, "ask_yes_no", answer)
    monkeypatch.setattr(
        "iro_desk.ui.first_run.ask_passphrase", lambda *_a, **_k: "a good passphrase"
    )
    opened = open_with_retry(path)
    assert opened is not None
    try:
        assert "damaged" in questions[0] or "cut short" in questions[0]
        assert "5 children" in questions[0]
        assert _children(opened) and len(_children(opened)) == 5
    finally:
        opened.close()
    aside = [b for b in list_backups(path, counts=False) if b.reason == "replaced-by-restore"]
    assert len(aside) == 1
    assert aside[0].path.read_bytes() == half


def test_a_damaged_caseload_with_no_backup_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "broken.irodesk"
    with CaseloadStore.create(path) as made:
        build_demo(made, children=3, years=1, seed=2, today=TODAY)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    shown: list[str] = []

    def capture(_parent: object, _title: str, text: str, *_args: object) -> object:
        shown.append(text)
        return QMessageBox.StandardButton.No

    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(capture))
    assert open_with_retry(path) is None
    assert shown and ("damaged" in shown[0] or "cut short" in shown[0])
    assert path.read_bytes() == data[: len(data) // 2]


def test_the_app_window_locks_from_the_file_menu(qtbot: QtBot, window: MainWindow) -> None:
    action = window.named_actions["lock_now"]
    assert action in window.menus["file"].actions()
    assert action.shortcut().toString() == "Ctrl+L"
    action.trigger()
    lock = window.workspace.lock
    assert lock.is_locked
    assert not window.isVisible()
    assert lock.try_unlock("")  # the demo caseload is not encrypted: Unlock is enough
    assert window.isVisible() and not lock.is_locked


def test_a_tab_out_of_sight_is_read_again_when_it_is_shown(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    calendar = window.workspace.calendar
    calls: list[str] = []
    real_refresh = calendar.refresh
    monkeypatch.setattr(calendar, "refresh", lambda: (calls.append("read"), real_refresh()))
    window.named_actions["show_caseload"].trigger()
    for _ in range(2):
        with qtbot.waitSignal(window.caseload_refreshed, timeout=20000):
            window.refresh()
    assert calls == []
    window.named_actions["show_calendar_view"].trigger()
    assert calls == ["read"]
    with qtbot.waitSignal(window.caseload_refreshed, timeout=20000):
        window.refresh()  # shown: read at once
    assert calls == ["read", "read"]


def test_after_a_change_and_a_refresh_the_list_and_the_calendar_show_the_new_state(
    qtbot: QtBot, window: MainWindow, demo_store: CaseloadStore
) -> None:
    calendar = window.workspace.calendar
    window.show_view(calendar)
    with demo_store.session() as session:
        child = session.exec(select(Child).where(col(Child.deleted_at).is_(None))).first()
        assert child is not None
        child.preferred_name = "Zebedee"
        child_uuid = child.id
    with qtbot.waitSignal(window.caseload_refreshed, timeout=20000):
        window.refresh()
    row = next(r for r in window.rows() if r.child_uuid == child_uuid)
    assert row.display_name.startswith("Zebedee")
    names = {e.child_name for e in calendar._entries if e.child_uuid == child_uuid}
    assert names and all(name.startswith("Zebedee") for name in names)
    assert window.due_schedule() is not None
    assert calendar._items == list(window.due_schedule().items), "one schedule, read once"


def test_a_backup_that_cannot_be_made_is_said_in_the_status_bar(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object) -> None:
        raise OSError("the disk is full")

    monkeypatch.setattr("iro_desk.ui.workspace.ensure_daily_backup", fail)
    window.workspace.daily_backup(window.store)
    qtbot.waitUntil(lambda: "could not be made" in window.statusBar().currentMessage())
    assert "the disk is full" in window.statusBar().currentMessage()


# -- booking a review from the child ------------------------------------------------------------


@pytest.fixture
def busy_window(qtbot: QtBot, store: CaseloadStore, tmp_path: Path) -> Iterator[MainWindow]:
    """The main window on a caseload with several reviews waiting to be booked."""
    build_demo(store, children=40, years=2, seed=3, today=TODAY)
    state = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
    shown = create_main_window(store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    qtbot.waitUntil(lambda: not shown.reading, timeout=20000)
    qtbot.waitUntil(lambda: not shown.workspace.backups.busy, timeout=20000)
    yield shown


def _bookable_children(window: MainWindow) -> list[tuple[uuid.UUID, str]]:
    """Children with a review waiting to be booked, soonest deadline first, as the calendar has."""
    calendar = window.workspace.calendar
    seen: dict[uuid.UUID, str] = {}
    for item in calendar.bookable_items():
        if item.child_uuid is not None:
            seen.setdefault(item.child_uuid, item.child_name)
    return list(seen.items())


def test_child_book_a_review_opens_the_form_on_the_selected_child(
    qtbot: QtBot, busy_window: MainWindow
) -> None:
    window = busy_window
    children = _bookable_children(window)
    assert len(children) >= 2, "the demo has several reviews to book"
    child, name = children[-1]  # not the soonest: the form must not fall back on it
    assert window.select_child(child)
    window.named_actions["book_child_review"].trigger()
    dialog = window.workspace.calendar.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.item.child_uuid == child
    assert window.views.currentWidget() is window.workspace.calendar
    dialog.reject()


def test_calendar_book_review_from_the_caseload_list_books_the_selected_child(
    qtbot: QtBot, busy_window: MainWindow
) -> None:
    window = busy_window
    children = _bookable_children(window)
    child, _name = children[-1]
    assert window.select_child(child)
    assert window.views.currentWidget() is window.caseload_view
    menu = window.menus["calendar"]
    menu.aboutToShow.emit()  # the IRO opens the Calendar menu from the caseload list
    window.named_actions["calendar_book_review"].trigger()
    menu.aboutToHide.emit()
    dialog = window.workspace.calendar.dialog
    assert dialog is not None and dialog.item.child_uuid == child
    dialog.reject()
    # Once the menu has closed, the calendar's own choice counts again (the soonest review).
    qtbot.waitUntil(lambda: window.workspace._menu_child is None)
    window.named_actions["calendar_book_review"].trigger()
    assert window.workspace.calendar.dialog.item.child_uuid == children[0][0]
    window.workspace.calendar.dialog.reject()


def test_a_child_with_nothing_to_book_is_told_so(
    qtbot: QtBot, busy_window: MainWindow
) -> None:
    window = busy_window
    waiting = {child for child, _name in _bookable_children(window)}
    others = [
        window.proxy.child_at(row).child_uuid for row in range(window.proxy.rowCount())
        if window.proxy.child_at(row).child_uuid not in waiting
    ]
    if not others:
        pytest.skip("every demo child has a review to book")
    assert window.select_child(others[0])
    calendar = window.workspace.calendar
    calendar.dialog = None
    window.named_actions["book_child_review"].trigger()
    assert calendar.dialog is None
    assert "no review waiting to be booked" in calendar.message_label.text()
