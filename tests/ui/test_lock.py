"""The lock: no child's details on screen while locked; the passphrase, and only it, unlocks."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot
from shiboken6 import isValid
from sqlmodel import select

from iro_desk.clock import FixedClock
from iro_desk.demo import build_demo
from iro_desk.models import CaseTrack, Child, Review
from iro_desk.settings import Settings, update_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.lock import LockController, install_lock, passphrase_unlocks
from iro_desk.ui.main_window import MainWindow
from iro_desk.ui.review_form import ReviewForm

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)
PASSPHRASE = "demo passphrase for tests"


class FakeTime:
    """Clocks the test moves: a monotonic clock and the wall clock, in seconds."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall_time = 1_800_000_000.0

    def monotonic(self) -> float:
        return self.mono

    def wall(self) -> float:
        return self.wall_time


def make_store(path: Path, *, encrypted: bool) -> CaseloadStore:
    store = CaseloadStore.create(
        path, actor="test-iro", passphrase=PASSPHRASE if encrypted else None
    )
    build_demo(store, children=6, years=1, seed=1, today=TODAY)
    return store


@pytest.fixture
def encrypted_store(tmp_path: Path) -> Iterator[CaseloadStore]:
    store = make_store(tmp_path / "caseload.irodesk", encrypted=True)
    yield store
    store.close()


def open_window(qtbot: QtBot, store: CaseloadStore, tmp_path: Path) -> MainWindow:
    state = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
    # The bare main window: each test installs its own lock (fast ticks, its own clocks); the
    # app's window (create_main_window) has one already, tested in test_workspace.py.
    window = MainWindow(store, clock=FixedClock(TODAY), state=state)
    window.refresh()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.reading, timeout=20000)
    return window


@pytest.fixture
def window(qtbot: QtBot, encrypted_store: CaseloadStore, tmp_path: Path) -> MainWindow:
    return open_window(qtbot, encrypted_store, tmp_path)


CONTROLLERS: list[LockController] = []


def locked_app(qtbot: QtBot, window: MainWindow, **options: object) -> LockController:
    controller = install_lock(window, **options)  # type: ignore[arg-type]
    qtbot.addWidget(controller.lock_screen)
    CONTROLLERS.append(controller)
    return controller


@pytest.fixture(autouse=True)
def _never_left_locked() -> Iterator[None]:
    """A test that ends locked must not leave its modal lock screen over the next test."""
    yield
    while CONTROLLERS:
        controller = CONTROLLERS.pop()
        # Not unlock(): pytest-qt has closed the test's windows, which unlocking would reshow.
        if isValid(controller):
            controller.uninstall()


@pytest.fixture
def lock(qtbot: QtBot, window: MainWindow) -> LockController:
    return locked_app(qtbot, window)


def child_names(store: CaseloadStore) -> list[str]:
    with store.session() as session:
        children = session.exec(select(Child)).all()
        return [name for c in children for name in (c.first_name, c.last_name) if name]


def item_view_texts(view: QAbstractItemView) -> list[str]:
    model = view.model()
    if model is None:
        return []
    return [
        str(model.index(row, column).data() or "")
        for row in range(model.rowCount())
        for column in range(model.columnCount())
    ]


def visible_texts() -> list[str]:
    """Every text a person could read on screen now: titles, labels, fields, lists."""
    texts: list[str] = []
    for widget in QApplication.allWidgets():
        if not widget.isVisible():
            continue
        if widget.isWindow():
            texts.append(widget.windowTitle())
        texts.append(widget.accessibleName())
        if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            texts.append(widget.currentText())
        elif isinstance(widget, QAbstractItemView):
            texts.extend(item_view_texts(widget))
    return texts


def names_on_screen(names: list[str]) -> set[str]:
    shown = " ".join(visible_texts())
    return {name for name in names if name in shown}


def unlock_with(qtbot: QtBot, lock: LockController, passphrase: str) -> None:
    screen = lock.lock_screen
    screen.passphrase_edit.clear()
    qtbot.keyClicks(screen.passphrase_edit, passphrase)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)


def a_track_with_a_booked_review(store: CaseloadStore) -> uuid.UUID:
    with store.session() as session:
        review = session.exec(
            select(Review).where(Review.status == "booked", Review.child_id.is_not(None))  # type: ignore[union-attr]
        ).first()
        assert review is not None
        track = session.get(CaseTrack, review.track_id)
        assert track is not None
        return track.id


def review_form(qtbot: QtBot, store: CaseloadStore, tmp_path: Path) -> ReviewForm:
    form = ReviewForm(
        store,
        track_id=a_track_with_a_booked_review(store),
        today=TODAY,
        settings=Settings(),
        drafts_dir=tmp_path / "drafts",
    )
    qtbot.addWidget(form)
    return form


# -- locking hides the data ----------------------------------------------------------------------


def test_locking_hides_every_childs_name_and_every_window(
    qtbot: QtBot, window: MainWindow, lock: LockController, tmp_path: Path
) -> None:
    names = child_names(window.store)
    form = review_form(qtbot, window.store, tmp_path)
    form.show()
    qtbot.waitExposed(form)
    assert names_on_screen(names), "the demo's children should be on screen before locking"

    window.named_actions["lock_now"].trigger()

    assert lock.is_locked
    assert not window.isVisible()
    assert not form.isVisible()
    assert lock.lock_screen.isVisible()
    assert names_on_screen(names) == set()
    screen_text = " ".join(visible_texts())
    assert "caseload.irodesk is locked" in screen_text
    assert str(window.store.path) in screen_text
    assert lock.lock_screen.passphrase_edit.isVisible()


def test_lock_now_is_in_the_file_menu_with_ctrl_l(window: MainWindow, lock: LockController) -> None:
    action = window.named_actions["lock_now"]
    assert action in window.menus["file"].actions()
    assert action.text().replace("&", "") == "Lock now"
    assert action.shortcut() == QKeySequence("Ctrl+L")
    assert action.toolTip()
    file_actions = window.menus["file"].actions()
    assert file_actions.index(action) < file_actions.index(window.named_actions["quit"])


def test_ctrl_l_locks(qtbot: QtBot, window: MainWindow, lock: LockController) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert lock.is_locked


def test_ctrl_l_locks_from_a_form_in_its_own_window(
    qtbot: QtBot, window: MainWindow, lock: LockController, tmp_path: Path
) -> None:
    form = review_form(qtbot, window.store, tmp_path)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    form.child_views.setFocus()
    qtbot.keyClick(form.child_views, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert lock.is_locked
    assert not form.isVisible()


# -- the passphrase --------------------------------------------------------------------------------


def test_a_wrong_passphrase_is_refused_beside_the_field(
    qtbot: QtBot, window: MainWindow, lock: LockController
) -> None:
    names = child_names(window.store)
    lock.lock()
    unlock_with(qtbot, lock, "not the passphrase")

    screen = lock.lock_screen
    assert lock.is_locked
    assert screen.problem_label.isVisible()
    assert "does not open caseload.irodesk" in screen.problem_label.text()
    assert screen.problem_label.text().startswith("⚠")
    assert not window.isVisible()
    assert names_on_screen(names) == set()


def test_an_empty_passphrase_is_asked_for(
    qtbot: QtBot, window: MainWindow, lock: LockController
) -> None:
    lock.lock()
    qtbot.mouseClick(lock.lock_screen.unlock_button, Qt.MouseButton.LeftButton)
    assert lock.is_locked
    assert "Type the passphrase" in lock.lock_screen.problem_label.text()


def test_the_right_passphrase_unlocks_and_brings_everything_back(
    qtbot: QtBot, window: MainWindow, lock: LockController
) -> None:
    window.filter_edit.setText("a")
    lock.lock()
    unlock_with(qtbot, lock, "wrong")
    with qtbot.waitSignal(lock.locked_changed) as unlocked:
        unlock_with(qtbot, lock, PASSPHRASE)

    assert unlocked.args == [False]
    assert not lock.is_locked
    assert not lock.lock_screen.isVisible()
    assert window.isVisible()
    assert window.filter_edit.text() == "a"
    assert names_on_screen(child_names(window.store))


def test_enter_in_the_passphrase_field_unlocks(
    qtbot: QtBot, window: MainWindow, lock: LockController
) -> None:
    lock.lock()
    qtbot.keyClicks(lock.lock_screen.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(lock.lock_screen.passphrase_edit, Qt.Key.Key_Return)
    assert not lock.is_locked


def test_escape_and_the_close_button_do_not_unlock(
    qtbot: QtBot, window: MainWindow, lock: LockController
) -> None:
    lock.lock()
    qtbot.keyClick(lock.lock_screen.passphrase_edit, Qt.Key.Key_Escape)
    lock.lock_screen.close()
    assert lock.is_locked
    assert lock.lock_screen.isVisible()
    assert not window.isVisible()


def test_the_passphrase_is_checked_against_the_key_in_use(
    encrypted_store: CaseloadStore,
) -> None:
    assert passphrase_unlocks(encrypted_store, PASSPHRASE)
    assert not passphrase_unlocks(encrypted_store, PASSPHRASE + " ")
    assert not passphrase_unlocks(encrypted_store, "")


def test_a_caseload_that_is_not_encrypted_still_hides_and_says_so(
    qtbot: QtBot, tmp_path: Path
) -> None:
    store = make_store(tmp_path / "demo.irodesk", encrypted=False)
    try:
        window = open_window(qtbot, store, tmp_path)
        lock = locked_app(qtbot, window)
        names = child_names(store)
        lock.lock()

        screen = lock.lock_screen
        assert not window.isVisible()
        assert names_on_screen(names) == set()
        assert not screen.passphrase_edit.isVisible()
        assert screen.plain_note.isVisible()
        assert "not encrypted, so anyone can open it; press Unlock to continue" in (
            screen.plain_note.text()
        )
        assert "encrypt it" in screen.plain_note.text()

        qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
        assert not lock.is_locked
        assert window.isVisible()
    finally:
        store.close()


# -- unsaved typing survives ---------------------------------------------------------------------


def test_typing_in_an_open_review_form_survives_lock_and_unlock(
    qtbot: QtBot, window: MainWindow, lock: LockController, tmp_path: Path
) -> None:
    form = review_form(qtbot, window.store, tmp_path)
    form.show()
    qtbot.waitExposed(form)
    form.child_views.setFocus()
    qtbot.keyClicks(form.child_views, "She wants to stay at her school")

    lock.lock()
    assert not form.isVisible()
    unlock_with(qtbot, lock, PASSPHRASE)

    assert form.isVisible()
    assert form.child_views.toPlainText() == "She wants to stay at her school"
    assert form.is_dirty


def test_a_modal_form_is_blanked_not_closed_and_its_exec_carries_on(
    qtbot: QtBot, window: MainWindow, lock: LockController, tmp_path: Path
) -> None:
    names = child_names(window.store)
    form = review_form(qtbot, window.store, tmp_path)
    form.setModal(True)
    seen: dict[str, object] = {}

    def while_open() -> None:
        try:
            form.child_views.setFocus()
            qtbot.keyClicks(form.child_views, "Typed in a modal form")
            lock.lock()
            seen["form visible"] = form.isVisible()
            seen["views visible"] = form.child_views.isVisible()
            seen["names"] = names_on_screen(names)
            seen["title"] = form.windowTitle()
            unlock_with(qtbot, lock, PASSPHRASE)
            seen["unlocked"] = not lock.is_locked
            seen["views visible after"] = form.child_views.isVisible()
            seen["text"] = form.child_views.toPlainText()
        finally:
            form.done(QDialog.DialogCode.Accepted)

    QTimer.singleShot(0, while_open)
    result = form.exec()

    assert result == QDialog.DialogCode.Accepted, "locking must not end the form's exec()"
    assert seen == {
        "form visible": True,
        "views visible": False,
        "names": set(),
        "title": "Locked — IRO Desk",
        "unlocked": True,
        "views visible after": True,
        "text": "Typed in a modal form",
    }


def test_a_window_that_appears_while_locked_is_blanked(
    qtbot: QtBot, window: MainWindow, lock: LockController
) -> None:
    lock.lock()
    late = QDialog()
    qtbot.addWidget(late)
    late.setWindowTitle("Sync finished for Someone Private")
    text = QLabel("Someone Private's record changed")
    QVBoxLayout(late).addWidget(text)
    late.show()

    assert late.isVisible()
    assert not text.isVisible()
    assert "Someone Private" not in " ".join(visible_texts())
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is lock.lock_screen)

    unlock_with(qtbot, lock, PASSPHRASE)
    assert text.isVisible()
    assert late.windowTitle() == "Sync finished for Someone Private"


def test_quit_keeps_unsaved_typing_as_a_draft_and_closes(
    qtbot: QtBot,
    window: MainWindow,
    lock: LockController,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(True)))
    form = review_form(qtbot, window.store, tmp_path)
    form.show()
    form.child_views.setFocus()
    qtbot.keyClicks(form.child_views, "Kept for later")
    lock.lock()

    qtbot.mouseClick(lock.lock_screen.quit_button, Qt.MouseButton.LeftButton)

    assert quits == [True]
    draft = form.drafts.load(form.draft_key)
    assert draft is not None and draft.fields["child_views"] == "Kept for later"


# -- when it locks -------------------------------------------------------------------------------


def pass_time(lock: LockController, clocks: FakeTime, seconds: float, step: float = 5) -> None:
    """Let ``seconds`` go by with the timer ticking every ``step`` seconds."""
    gone = 0.0
    while gone < seconds and not lock.is_locked:
        clocks.mono += step
        clocks.wall_time += step
        gone += step
        lock.check()


def test_it_locks_after_the_minutes_set_without_use(
    qtbot: QtBot, window: MainWindow, encrypted_store: CaseloadStore
) -> None:
    clocks = FakeTime()
    lock = locked_app(qtbot, window, monotonic=clocks.monotonic, wall=clocks.wall)
    assert lock.lock_after == dt.timedelta(minutes=10)

    pass_time(lock, clocks, 9 * 60)
    assert not lock.is_locked
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_A)  # using the app starts the count again
    pass_time(lock, clocks, 9 * 60)
    assert not lock.is_locked
    pass_time(lock, clocks, 70)
    assert lock.is_locked
    assert "after 10 minutes without use" in lock.lock_screen.reason_label.text()


def test_a_changed_setting_is_used_from_the_next_refresh(
    qtbot: QtBot, window: MainWindow, encrypted_store: CaseloadStore
) -> None:
    # The window reads the caseload off the GUI thread: wait for what it read.
    clocks = FakeTime()
    lock = locked_app(qtbot, window, monotonic=clocks.monotonic, wall=clocks.wall)
    with encrypted_store.session() as session:
        update_settings(session, lock_after_minutes=2)
    with qtbot.waitSignal(window.caseload_refreshed, timeout=20000):
        window.refresh()
    assert lock.lock_after == dt.timedelta(minutes=2)
    pass_time(lock, clocks, 125)
    assert lock.is_locked


def test_the_idle_timer_locks_by_itself(qtbot: QtBot, window: MainWindow) -> None:
    lock = locked_app(qtbot, window, tick_ms=20)
    lock.lock_after = dt.timedelta(milliseconds=200)
    with qtbot.waitSignal(lock.locked_changed, timeout=5000):
        pass
    assert lock.is_locked
    assert not window.isVisible()


def test_waking_from_sleep_locks(qtbot: QtBot, window: MainWindow) -> None:
    clocks = FakeTime()
    lock = locked_app(qtbot, window, tick_ms=20, monotonic=clocks.monotonic, wall=clocks.wall)
    lock.lock_after = None
    # Asleep for an hour: the wall clock moved on, the monotonic clock (Linux, macOS) did not.
    clocks.wall_time += 3600
    with qtbot.waitSignal(lock.locked_changed, timeout=5000):
        pass
    assert lock.is_locked
    assert "went to sleep" in lock.lock_screen.reason_label.text()


def test_a_monotonic_jump_alone_also_counts_as_sleep(qtbot: QtBot, window: MainWindow) -> None:
    clocks = FakeTime()
    lock = locked_app(qtbot, window, monotonic=clocks.monotonic, wall=clocks.wall)
    lock.lock_after = None
    clocks.mono += 3600
    lock.check()
    assert lock.is_locked


def test_ordinary_ticks_and_losing_focus_do_not_lock(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    clocks = FakeTime()
    lock = locked_app(qtbot, window, monotonic=clocks.monotonic, wall=clocks.wall)
    pass_time(lock, clocks, 60)
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    QApplication.processEvents()
    clocks.wall_time -= 3600  # the clock put back an hour is not sleep
    lock.check()
    assert not lock.is_locked


def test_after_unlocking_the_idle_count_starts_again(
    qtbot: QtBot, window: MainWindow
) -> None:
    clocks = FakeTime()
    lock = locked_app(qtbot, window, monotonic=clocks.monotonic, wall=clocks.wall)
    pass_time(lock, clocks, 11 * 60)
    assert lock.is_locked
    unlock_with(qtbot, lock, PASSPHRASE)
    pass_time(lock, clocks, 5)
    assert not lock.is_locked


def test_a_message_box_open_when_locking_is_blanked(
    qtbot: QtBot, window: MainWindow, lock: LockController
) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Information, "About Someone", "Someone Private", parent=window
    )
    qtbot.addWidget(box)
    seen: dict[str, object] = {}

    def while_open() -> None:
        try:
            lock.lock()
            seen["hidden"] = "Someone Private" not in " ".join(visible_texts())
            seen["box still up"] = box.isVisible()
            unlock_with(qtbot, lock, PASSPHRASE)
            seen["back"] = "Someone Private" in " ".join(visible_texts())
        finally:
            box.done(0)

    QTimer.singleShot(0, while_open)
    box.exec()
    assert seen == {"hidden": True, "box still up": True, "back": True}
