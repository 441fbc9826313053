"""The main window on a demo caseload: the list, the filter, the child pane, menus and state."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlmodel import col, select

from iro_desk.clock import FixedClock
from iro_desk.demo import build_demo
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import Child
from iro_desk.overview import ChildRow
from iro_desk.store import CaseloadStore
from iro_desk.ui import errors as ui_errors
from iro_desk.ui import main_window as main_window_module
from iro_desk.ui.app import create_main_window
from iro_desk.ui.caseload_model import ROW_ROLE, ChildFilterProxy, ChildTableModel, Column
from iro_desk.ui.first_run import NewCaseloadDialog
from iro_desk.ui.main_window import MainWindow
from iro_desk.ui.theme import STATUS_STYLES, status_colour, status_label

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)


class MessageBoxes:
    """Captures what would have been shown in message boxes, without blocking."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answer: object = None) -> None:
        self.texts: list[str] = []
        answer = answer if answer is not None else QMessageBox.StandardButton.Ok

        def capture(_parent: object, _title: str, text: str, *_args: object) -> object:
            self.texts.append(text)
            return answer

        for name in ("warning", "critical", "information", "question"):
            monkeypatch.setattr(QMessageBox, name, staticmethod(capture))


@pytest.fixture
def demo_store(store: CaseloadStore) -> CaseloadStore:
    """Twelve invented children with two years of history."""
    build_demo(store, children=12, years=2, seed=1, today=TODAY)
    return store


@pytest.fixture
def state(tmp_path: Path) -> QSettings:
    """Window layout kept in a file of this test's own."""
    return QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(
    qtbot: QtBot,
    demo_store: CaseloadStore,
    state: QSettings,
    wait_read: Callable[[MainWindow], None],
) -> Iterator[MainWindow]:
    shown = create_main_window(demo_store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    wait_read(shown)
    # The calendar is the home screen; these tests are about the caseload list.
    shown.show_view(shown.caseload_view)
    yield shown


def visible_names(window: MainWindow) -> list[str]:
    proxy = window.proxy
    return [proxy.child_at(row).display_name for row in range(proxy.rowCount())]


def column_values(window: MainWindow, column: Column) -> list[str]:
    proxy = window.proxy
    return [proxy.index(row, column).data() for row in range(proxy.rowCount())]


def test_the_list_shows_every_child_with_a_count(window: MainWindow) -> None:
    assert window.table.model().rowCount() == 12
    assert window.count_label.text() == "12 children"
    assert window.windowTitle() == "caseload.irodesk — IRO Desk"
    assert str(window.store.path) in window.path_label.text()


def test_the_columns_are_the_ones_an_iro_scans(window: MainWindow) -> None:
    header = [window.proxy.headerData(column, Qt.Orientation.Horizontal) for column in Column]
    assert header == [
        "Name",
        "Child ID",
        "Age",
        "Review due by",
        "Status",
        "Legal status",
        "Placement",
    ]
    statuses = column_values(window, Column.STATUS)
    symbols = {style.label for style in STATUS_STYLES.values()}
    assert set(statuses) <= symbols, "every status shows a symbol and a word"


def test_typing_part_of_a_name_filters_the_list_as_you_type(
    qtbot: QtBot, window: MainWindow
) -> None:
    rows = window.rows()
    last_names = [row.last_name for row in rows]
    unique = next(name for name in last_names if last_names.count(name) == 1)
    qtbot.keyClicks(window.filter_edit, unique[:5].upper())
    assert all(unique[:5].casefold() in name.casefold() for name in visible_names(window))
    qtbot.keyClicks(window.filter_edit, unique[5:].lower())
    (child,) = [row for row in rows if row.last_name == unique]
    assert visible_names(window) == [child.display_name]
    assert window.count_label.text() == "1 of 12 children"
    assert window.child_pane.name_label.text() == child.display_name


def test_the_filter_finds_a_child_by_child_id(qtbot: QtBot, window: MainWindow) -> None:
    child = window.rows()[4]
    qtbot.keyClicks(window.filter_edit, child.child_ref.lower())
    assert visible_names(window) == [child.display_name]


def test_a_filter_that_matches_nobody_says_so(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.filter_edit, "zzz")
    assert window.proxy.rowCount() == 0
    assert window.count_label.text() == "0 of 12 children"
    assert "zzz" in window.child_pane.message
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Escape)
    assert window.proxy.rowCount() == 12


def test_moving_down_the_list_with_the_keyboard_shows_that_child(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Home)
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    child = window.proxy.child_at(2)
    pane = window.child_pane
    assert pane.child_uuid == child.child_uuid
    assert pane.name_label.text() == child.display_name
    assert child.child_ref in pane.subtitle_label.text()
    assert pane.care_box.value_of("Legal status") == (
        f"{child.legal_status} {child.legal_status_label}"
    )
    titles = [
        pane.timeline_model.entry_at(row).title for row in range(pane.timeline_model.rowCount())
    ]
    assert "Became looked after" in titles


def test_clicking_a_row_shows_that_child(qtbot: QtBot, window: MainWindow) -> None:
    child = window.proxy.child_at(5)
    rect = window.table.visualRect(window.proxy.index(5, Column.NAME))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.child_pane.name_label.text() == child.display_name
    assert window.child_pane.review_box.value_of("Status") == status_label(child.next_status)


def test_down_from_the_filter_box_moves_into_the_list(qtbot: QtBot, window: MainWindow) -> None:
    window.focus_filter()
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Down)
    assert window.table.hasFocus() or window.focusWidget() is window.table


def test_enter_on_a_row_asks_to_open_the_child_record(qtbot: QtBot, window: MainWindow) -> None:
    window.table.setFocus()
    child = window.proxy.child_at(0)
    with qtbot.waitSignal(window.child_activated, timeout=2000) as signal:
        qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert signal.args == [child.child_uuid]


def test_double_click_on_a_row_asks_to_open_the_child_record(
    qtbot: QtBot, window: MainWindow
) -> None:
    child = window.proxy.child_at(3)
    rect = window.table.visualRect(window.proxy.index(3, Column.NAME))
    viewport = window.table.viewport()
    with qtbot.waitSignal(window.child_activated, timeout=2000) as signal:
        # A real double-click: the first press selects the row, the second opens it.
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == [child.child_uuid]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        pytest.param(Column.AGE, lambda row: row.age, id="age sorts as a number, not as text"),
        pytest.param(
            Column.NEXT_REVIEW, lambda row: row.next_deadline, id="review date sorts by date"
        ),
    ],
)
def test_clicking_a_header_sorts_by_value(
    qtbot: QtBot, window: MainWindow, column: Column, value: Callable[[ChildRow], object]
) -> None:
    header = window.table.horizontalHeader()
    window.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=header.rect().topLeft() + _section_centre(header, column),
    )
    assert header.sortIndicatorSection() == column
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    values = [value(window.proxy.child_at(row)) for row in range(window.proxy.rowCount())]
    present = [v for v in values if v is not None]
    assert present == sorted(present)
    as_text = [window.proxy.index(row, column).data() for row in range(window.proxy.rowCount())]
    assert as_text != sorted(as_text), "the demo needs values whose text order differs"


def test_the_list_starts_with_the_next_review_due(window: MainWindow) -> None:
    deadlines = [window.proxy.child_at(row).next_deadline for row in range(12)]
    present = [day for day in deadlines if day is not None]
    assert present == sorted(present)
    assert deadlines[: len(present)] == present, "children with no review due come last"


def _section_centre(header: QHeaderView, column: int) -> QPoint:
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    return QPoint(x, header.height() // 2)


def test_status_sorts_overdue_first(window: MainWindow) -> None:
    window.table.sortByColumn(Column.STATUS, Qt.SortOrder.AscendingOrder)
    urgency = ["overdue", "due_soon", "scheduled", "upcoming", ""]
    ranks = [urgency.index(window.proxy.child_at(r).next_status) for r in range(12)]
    assert ranks == sorted(ranks)


def test_find_child_is_ctrl_f_and_puts_the_cursor_in_the_filter(window: MainWindow) -> None:
    action = window.named_actions["find_child"]
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    window.table.setFocus()
    action.trigger()
    assert window.focusWidget() is window.filter_edit


def test_refresh_keeps_the_selected_child(
    qtbot: QtBot, window: MainWindow, refreshed: Callable[[MainWindow], None]
) -> None:
    child = window.proxy.child_at(7)
    assert window.select_child(child.child_uuid)
    refreshed(window)
    assert window.current_child() == child.child_uuid
    assert window.child_pane.name_label.text() == child.display_name


def test_every_menu_action_has_a_mnemonic_or_shortcut(window: MainWindow) -> None:
    seen = 0
    for menu in window.menus.values():
        assert "&" in menu.title()
        for action in menu.actions():
            if action.isSeparator():
                continue
            seen += 1
            assert "&" in action.text() or not action.shortcut().isEmpty(), action.text()
    assert seen >= 6
    assert window.named_actions["open_caseload"].shortcut() == QKeySequence("Ctrl+O")
    assert window.named_actions["quit"].shortcut() == QKeySequence("Ctrl+Q")


def test_every_control_has_an_accessible_name(window: MainWindow) -> None:
    kinds = (QAbstractItemView, QLineEdit, QPushButton, QTabWidget)
    unnamed = [
        f"{type(widget).__name__} {widget.objectName()}"
        for widget in window.findChildren(QWidget)
        if isinstance(widget, kinds)
        and not isinstance(widget, QHeaderView)
        # Qt's own parts of a named control: a spin box's line edit, a combo box's popup list.
        and not isinstance(widget.parent(), QAbstractSpinBox)
        and not (widget.parent() and isinstance(widget.parent().parent(), QComboBox))
        and not widget.accessibleName()
    ]
    assert unnamed == []


def test_add_view_gives_a_tab_and_a_view_menu_entry(qtbot: QtBot, window: MainWindow) -> None:
    calendar = QLabel("A calendar")
    calendar.setObjectName("calendar")
    expected = QKeySequence(f"Ctrl+{window.views.count() + 1}")
    action = window.add_view("Another view", calendar)
    assert action.shortcut() == expected
    assert action in window.menus["view"].actions()
    action.trigger()
    assert window.views.currentWidget() is calendar
    window.named_actions["show_caseload"].trigger()
    assert window.views.currentWidget() is window.caseload_view


def test_select_child_from_another_view_shows_the_caseload(
    qtbot: QtBot, window: MainWindow
) -> None:
    other = QLabel("Another view")
    window.add_view("Other", other)
    window.show_view(other)
    child = window.proxy.child_at(9)
    qtbot.keyClicks(window.filter_edit, "no such child")
    assert window.select_child(child.child_uuid)
    assert window.views.currentWidget() is window.caseload_view
    assert window.child_pane.child_uuid == child.child_uuid


def test_window_layout_is_remembered(
    qtbot: QtBot, demo_store: CaseloadStore, state: QSettings
) -> None:
    first = create_main_window(demo_store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(760, 560)
    first.splitter.setSizes([300, 440])
    sizes = first.splitter.sizes()
    first.save_state()
    again = create_main_window(demo_store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.size() == first.size()
    assert again.splitter.sizes() == sizes


def test_opening_a_file_that_is_not_a_caseload_explains_and_keeps_the_current_one(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = MessageBoxes(monkeypatch)
    stranger = tmp_path / "shopping.db"
    conn = sqlite3.connect(stranger)
    conn.execute("CREATE TABLE item (name TEXT)")
    conn.commit()
    conn.close()
    before = stranger.read_bytes()
    assert not window.open_caseload(stranger)
    assert len(boxes.texts) == 1
    assert "shopping.db is a database, but not an IRO Desk caseload" in boxes.texts[0]
    assert "You are still working on caseload.irodesk" in boxes.texts[0]
    assert "Traceback" not in boxes.texts[0]
    assert stranger.read_bytes() == before
    assert window.count_label.text() == "12 children"


def test_opening_another_caseload_shows_its_children(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, wait_read: Callable[[MainWindow], None]
) -> None:
    other_path = tmp_path / "other.irodesk"
    with CaseloadStore.create(other_path) as other:
        build_demo(other, children=3, years=1, seed=2, today=TODAY)
    with qtbot.waitSignal(window.caseload_opened, timeout=2000):
        assert window.open_caseload(other_path)
    # While the new file is read, nothing of the previous caseload is in sight.
    assert window.count_label.text() == "0 children"
    wait_read(window)
    assert window.count_label.text() == "3 children"
    assert window.store.path == other_path
    assert "other.irodesk" in window.windowTitle()


def test_an_empty_caseload_says_there_are_no_children(
    qtbot: QtBot, store: CaseloadStore, state: QSettings, wait_read: Callable[[MainWindow], None]
) -> None:
    empty = create_main_window(store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(empty)
    wait_read(empty)
    assert empty.count_label.text() == "0 children"
    assert "no children on this caseload" in empty.child_pane.message


def test_the_models_follow_the_item_model_rules(
    qtmodeltester: ModelTester, window: MainWindow
) -> None:
    model = ChildTableModel(window.rows())
    qtmodeltester.check(model)
    proxy = ChildFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter_text("a")
    qtmodeltester.check(proxy)
    window.select_child(window.rows()[0].child_uuid)
    qtmodeltester.check(window.child_pane.timeline_model)
    assert model.index(0, 0).data(ROW_ROLE) == window.rows()[0]


@pytest.mark.parametrize("status", ["overdue", "due_soon", "scheduled", "upcoming", "done", ""])
def test_each_status_has_words_and_a_colour_for_light_and_dark_themes(status: str) -> None:
    style = STATUS_STYLES[status]
    assert style.symbol and style.text
    light = QPalette(Qt.GlobalColor.white)
    light.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.white)
    light.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.black)
    dark = QPalette(light)
    dark.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black)
    dark.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.white)
    # Text on a dark window must be light, and on a light window dark.
    assert status_colour(status, dark).lightnessF() > 0.55
    assert status_colour(status, light).lightnessF() < 0.45


def test_a_bug_is_logged_with_its_traceback_and_the_iro_told_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = MessageBoxes(monkeypatch)
    log_path = ui_errors.setup_logging(tmp_path / "logs" / "iro-desk.log")
    try:
        raise RuntimeError("a demo bug")
    except RuntimeError as exc:
        ui_errors.show_exception(None, exc)
    for handler in logging.getLogger("iro_desk").handlers:
        handler.flush()
    logged = log_path.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: a demo bug" in logged
    assert str(log_path) in boxes.texts[0]
    assert "Traceback" not in boxes.texts[0]


def test_an_error_written_for_people_is_shown_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    boxes = MessageBoxes(monkeypatch)
    ui_errors.show_exception(None, ValidationError("The review date is in the future."))
    assert boxes.texts == ["The review date is in the future."]


def test_file_new_makes_an_encrypted_empty_caseload_and_shows_it(
    window: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wait_read: Callable[[MainWindow], None],
) -> None:
    target = tmp_path / "my caseload"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(target), ""))
    )

    def fill_in(dialog: NewCaseloadDialog) -> int:
        assert dialog.form.name_edit.text() == "Robin Example", "the IRO's name is offered"
        dialog.form.passphrase_edit.setText("kettle lantern otter")
        dialog.form.again_edit.setText("kettle lantern otter")
        dialog.create_button.click()
        return dialog.result()

    monkeypatch.setattr(NewCaseloadDialog, "exec", fill_in)
    window.named_actions["new_caseload"].trigger()
    wait_read(window)
    assert window.store.path == target.with_suffix(".irodesk")
    assert window.store.encrypted
    assert window.count_label.text() == "0 children"


@pytest.mark.parametrize("parent_given_as", ["widget", "function"])
def test_guarded_shows_an_error_instead_of_raising_it(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, parent_given_as: str
) -> None:
    boxes = MessageBoxes(monkeypatch)
    owner = QLabel("owner")
    qtbot.addWidget(owner)

    def fails() -> None:
        raise IroDeskError("That review is already recorded.")

    parent = owner if parent_given_as == "widget" else (lambda: owner)
    assert ui_errors.guarded(parent, fails) is False
    assert ui_errors.guarded(parent, lambda: None) is True
    assert boxes.texts == ["That review is already recorded."]


# -- reading off the GUI thread -------------------------------------------------------------------


def test_refresh_returns_at_once_and_keeps_the_rows_while_reading(
    qtbot: QtBot, window: MainWindow, wait_read: Callable[[MainWindow], None]
) -> None:
    before = visible_names(window)
    window.refresh()
    assert window.reading
    assert visible_names(window) == before, "the old rows stay until the new ones come"
    assert window.statusBar().currentMessage() == "Reading the caseload…"
    assert window.table.cursor().shape() == Qt.CursorShape.BusyCursor
    with qtbot.waitSignal(window.caseload_refreshed, timeout=20000):
        pass
    assert not window.reading
    assert window.statusBar().currentMessage() == ""
    assert window.table.cursor().shape() != Qt.CursorShape.BusyCursor
    wait_read(window)


def test_only_the_newest_read_is_applied(
    qtbot: QtBot, window: MainWindow, wait_read: Callable[[MainWindow], None]
) -> None:
    applied: list[int] = []
    window.caseload_refreshed.connect(lambda: applied.append(1))
    window.refresh()
    window.refresh()
    window.refresh()
    wait_read(window)
    qtbot.wait(50)
    assert applied == [1], "older reads overtaken by a newer one are dropped"


def test_a_change_and_a_refresh_show_the_new_state_in_the_list_and_the_schedule(
    window: MainWindow, demo_store: CaseloadStore, refreshed: Callable[[MainWindow], None]
) -> None:
    schedule = window.due_schedule()
    assert schedule is not None and schedule.store is window.store
    with demo_store.session() as session:
        first = session.exec(select(Child).order_by(col(Child.child_ref))).first()
        assert first is not None
        first.preferred_name = "Zebedee"
        child_uuid = first.id
    window.refresh()
    assert window.due_schedule() is None, "no stale schedule is offered while reading"
    refreshed(window)
    row = next(r for r in window.rows() if r.child_uuid == child_uuid)
    assert row.display_name.startswith("Zebedee")
    schedule = window.due_schedule()
    assert schedule is not None
    names = {item.child_name for item in schedule.items if item.child_uuid == child_uuid}
    assert names and all(name.startswith("Zebedee") for name in names)


def test_an_error_while_reading_is_shown_and_the_list_kept(
    qtbot: QtBot,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    wait_read: Callable[[MainWindow], None],
) -> None:
    boxes = MessageBoxes(monkeypatch)
    before = visible_names(window)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise IroDeskError("The caseload could not be read just now.")

    monkeypatch.setattr(main_window_module, "read_caseload", broken)
    window.refresh()
    wait_read(window)
    assert boxes.texts == ["The caseload could not be read just now."]
    assert visible_names(window) == before


def test_closing_the_window_while_reading_is_safe(
    qtbot: QtBot, demo_store: CaseloadStore, state: QSettings
) -> None:
    shown = create_main_window(demo_store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(shown)
    applied: list[int] = []
    shown.caseload_refreshed.connect(lambda: applied.append(1))
    shown.refresh()
    shown.close()
    qtbot.wait(100)
    assert applied == [], "nothing read before closing is applied afterwards"
