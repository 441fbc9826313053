"""A newcomer's first session, end to end: the acceptance criterion of issue 10.

"A person who has never seen IRO Desk can, from first run, book a review, record it and make
the child's letter without reading any documentation." The test drives the real app from its
first-run dialog to the letter's PDF using only what a person meets on screen: window titles,
the words on buttons and tabs, the names screen readers announce for fields, and the text the
lists show. Where a widget does the job no method is called instead, and no message box may
appear on the way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from iro_desk.clock import FixedClock
from iro_desk.settings import update_settings
from iro_desk.ui import app as ui_app
from iro_desk.ui.calendar_model import ENTRIES_ROLE, CalendarEntry
from iro_desk.ui.calendar_view import CalendarView
from iro_desk.ui.caseload_model import format_date

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)
WINDOW_TIMEOUT_MS = 20000
W = TypeVar("W", bound=QWidget)


class MessageBoxes:
    """Keeps what message boxes would have said; on the way through, none should appear."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []

        def capture(_parent: object, _title: str, text: str, *_args: object) -> object:
            self.texts.append(text)
            return QMessageBox.StandardButton.Ok

        for name in ("warning", "critical", "information", "question"):
            monkeypatch.setattr(QMessageBox, name, staticmethod(capture))


# -- what a person sees and does ----------------------------------------------------------------


def plain(text: str) -> str:
    """Words as shown: without the & that marks a shortcut letter."""
    return text.replace("&", "")


def window_titled(qtbot: QtBot, starts: str) -> QWidget:
    """The one window on screen whose title starts with ``starts`` (waits for it)."""
    found: list[QWidget] = []

    def shown() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets()
            if w.isVisible() and w.windowTitle().startswith(starts)
        ]
        return len(found) == 1

    qtbot.waitUntil(shown, timeout=WINDOW_TIMEOUT_MS)
    qtbot.waitExposed(found[0])
    return found[0]


def button(parent: QWidget, words: str) -> QAbstractButton:
    """The one button on show in ``parent`` that says ``words``."""
    found = [
        b for b in parent.findChildren(QAbstractButton)
        if b.isVisible() and plain(b.text()) == words
    ]
    assert len(found) == 1, f"{len(found)} buttons say {words!r} in {parent.windowTitle()!r}"
    return found[0]


def field(parent: QWidget, kind: type[W], name: str) -> W:
    """The one ``kind`` on show in ``parent`` that a screen reader announces as ``name``."""
    found = [w for w in parent.findChildren(kind) if w.isVisible() and w.accessibleName() == name]
    assert len(found) == 1, f"{len(found)} fields called {name!r} in {parent.windowTitle()!r}"
    return found[0]


def rows_of(view: QAbstractItemView) -> list[dict[str, str]]:
    """A list or table as shown: a dict per row, from each column's heading to its text."""
    model = view.model()
    headings = [
        str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
    ]
    return [
        {heading: str(model.index(r, c).data() or "") for c, heading in enumerate(headings)}
        for r in range(model.rowCount())
    ]


def line_where(view: QAbstractItemView, heading: str, text: str) -> dict[str, str]:
    """The one row of ``view`` whose column ``heading`` says ``text``."""
    (line,) = [row for row in rows_of(view) if row[heading] == text]
    return line


def shown_date(text: str) -> dt.date:
    """A date as the app writes it: "17 Jan 2027", or "Sun 17 Jan 2027 — in 13 days"."""
    words = text.split(" — ")[0]
    return dt.datetime.strptime(words, "%a %d %b %Y" if words[0].isalpha() else "%d %b %Y").date()


def click(qtbot: QtBot, widget: QWidget) -> None:
    """Click a button."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_row(qtbot: QtBot, view: QAbstractItemView, row: int) -> None:
    """Click a row of a list or table (scrolled into sight first)."""
    index = view.model().index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    assert view.currentIndex().row() == row


def click_tab(qtbot: QtBot, tabs: QTabWidget, title: str) -> None:
    """Click the tab called ``title``."""
    bar = tabs.tabBar()
    number = next(n for n in range(bar.count()) if plain(bar.tabText(n)) == title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(number).center())
    assert tabs.currentIndex() == number


def type_into(qtbot: QtBot, box: QWidget, text: str) -> None:
    """Click into a box and type."""
    box.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.keyClicks(box, text)


def press(qtbot: QtBot, key: Qt.Key, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
    """Press a key where the keyboard focus is."""
    focused = QApplication.focusWidget()
    assert focused is not None, "no widget has the keyboard focus"
    qtbot.keyClick(focused, key, modifier)


def bring_forward(qtbot: QtBot, window: QWidget) -> None:
    """Click on a window: it becomes the active one and takes the keys."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def month_cell(calendar: CalendarView, day: dt.date) -> list[CalendarEntry]:
    """The lines the month shows in the cell of ``day`` (its month must be shown)."""
    return list(calendar.month_model.index_of(day).data(ENTRIES_ROLE) or ())


def answer_modal_dialog(answer: Callable[[QWidget], None]) -> None:
    """Once the next modal dialog is up, ``answer`` it; closed if ``answer`` did not close it.

    The app runs the first-run dialog with ``exec()``: the answer comes from inside its loop.
    """

    def use_it() -> None:
        dialog = QApplication.activeModalWidget()
        try:
            assert dialog is not None, "no dialog was shown"
            answer(dialog)
        finally:
            if dialog is not None and dialog.isVisible():
                dialog.close()  # a failed answer must not leave exec() waiting for ever

    QTimer.singleShot(0, use_it)


# -- the journey ----------------------------------------------------------------------------------


def test_from_first_run_a_newcomer_books_a_review_records_it_and_makes_the_letter(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wait_read: Callable[[Any], None],
) -> None:
    boxes = MessageBoxes(monkeypatch)
    clock = FixedClock(TODAY)
    state = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)

    # 1. First run, as `iro-desk` starts: no caseload yet, so the welcome dialog asks how to
    #    start. "Open the demo caseload" is the default button, with the focus: Enter takes it.
    path = ui_app.caseload_path(None, state)
    assert not path.exists()

    def choose_the_demo(welcome: QWidget) -> None:
        assert welcome.windowTitle() == "Welcome to IRO Desk"
        demo = button(welcome, "Open the demo caseload")
        assert demo.isDefault() and welcome.focusWidget() is demo
        click(qtbot, demo)

    answer_modal_dialog(choose_the_demo)
    store = ui_app.open_or_first_run(path, clock=clock)
    assert store is not None and store.path == path
    letters = tmp_path / "letters"
    with store.session() as session:  # this laptop's letters folder, inside the test
        update_settings(session, letters_folder=str(letters))
    window = ui_app.create_main_window(store, clock=clock, state=state)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_read(window)
    qtbot.waitUntil(lambda: not window.workspace.backups.busy, timeout=WINDOW_TIMEOUT_MS)

    # 2. The calendar is the home tab. Its "Overdue and due soon" list names a child in care
    #    whose review is due soon and not booked: click it, then "Book review".
    assert plain(window.views.tabText(window.views.currentIndex())) == "Calendar"
    calendar = window.views.currentWidget()
    assert isinstance(calendar, CalendarView)
    panel = field(calendar, QAbstractItemView, "Overdue and due soon")
    listed = rows_of(panel)
    row = next(
        number for number, line in enumerate(listed)
        if line["Status"] == "◔ Due soon" and line["What"] == "Child in care review"
    )
    who = listed[row]["Child"]  # e.g. "Zuri Teacup (DEMO-0038)"
    found = re.fullmatch(r"(.+) \((DEMO-\d+)\)", who)
    assert found is not None, who
    name, child_id = found.groups()
    click_row(qtbot, panel, row)
    click(qtbot, button(calendar, "Book review"))  # a tool button: Qt drops the action's "…"

    # The form names the review and its deadline, and offers today: after the target date
    # (long gone) but by the deadline, so in time. The venue typed, "Book review" books it.
    booking = window_titled(qtbot, "Book review")
    assert field(booking, QLabel, "Review").text() == f"Child in care review for {who}"
    deadline = shown_date(field(booking, QLabel, "Statutory deadline").text())
    assert deadline >= TODAY
    assert field(booking, QDateEdit, "Date of the review").date().toPython() == TODAY
    warning = field(booking, QLabel, "Warning about the date").text()
    assert warning.startswith("◔ In time, but after the target date"), warning
    type_into(qtbot, field(booking, QLineEdit, "Venue"), "Demo Family Centre")
    click(qtbot, button(booking, "Book review"))
    assert not booking.isVisible(), field(booking, QLabel, "Problems with this form").text()
    wait_read(window)
    said = field(calendar, QLabel, "Calendar messages").text()
    assert said.startswith(f"Booked the child in care review for {who}: "), said

    # The calendar shows it booked (✓) on its day; the caseload list says "✓ Booked".
    def cells_of_today() -> list[str]:
        return [
            entry.cell_text for entry in month_cell(calendar, TODAY)
            if entry.child_id == child_id and entry.kind == "cla_review"
        ]

    first, *_, last = name.split()
    qtbot.waitUntil(lambda: cells_of_today() == [f"✓ CiC {first} {last[0]}."])  # "Zuri T."
    click_tab(qtbot, window.views, "Caseload")
    caseload = field(window, QAbstractItemView, "Children on the caseload")
    booked = line_where(caseload, "Child ID", child_id)
    assert (booked["Status"], booked["Review due by"]) == ("✓ Booked", format_date(deadline))

    # 3. Open the child's record from the list: Ctrl+F, type the name, Enter, Enter.
    bring_forward(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    find = field(window, QLineEdit, "Filter children by name or child ID")
    assert QApplication.focusWidget() is find
    qtbot.keyClicks(find, name)
    assert [line["Child ID"] for line in rows_of(caseload)] == [child_id]
    press(qtbot, Qt.Key.Key_Return)  # from the Find box into the list
    press(qtbot, Qt.Key.Key_Return)  # opens the child's record
    record = window_titled(qtbot, f"{name} ({child_id})")
    bring_forward(qtbot, record)

    # Reviews tab: the booking is listed; Enter on it opens the form to record it as held.
    tabs = field(record, QTabWidget, "Parts of the child's record")
    click_tab(qtbot, tabs, "Reviews")
    reviews = field(record, QAbstractItemView, "Reviews, newest first")

    def review_of_today() -> dict[str, str]:
        return line_where(reviews, "Date", format_date(TODAY))

    assert review_of_today()["Status"] == "✓ Booked"
    assert "Demo Family Centre" in review_of_today()["Time, place, format"]
    click_row(qtbot, reviews, rows_of(reviews).index(review_of_today()))
    press(qtbot, Qt.Key.Key_Return)
    form = window_titled(qtbot, f"Record the review: {name} ({child_id})")
    bring_forward(qtbot, form)
    assert field(form, QDateEdit, "Date held").date().toPython() == TODAY, "booked for today"

    # How the child took part (chosen by the IRO: nothing is assumed for a child of 4 or
    # more), the child's views in their words, two decisions each with who and by when.
    participation = field(form, QComboBox, "Participation code")
    assert participation.currentIndex() == -1
    for _ in range(participation.count()):  # Down through the codes, reading each
        if participation.currentText().endswith("(PN1)"):
            break
        qtbot.keyClick(participation, Qt.Key.Key_Down)
    assert participation.currentText() == "Child attended and spoke for themselves (PN1)"
    type_into(
        qtbot, field(form, QPlainTextEdit, "The child's views"),
        "I like my school. I want to see my nan more often.",
    )
    for what, responsible, by_when in (
        ("Arrange monthly time with her nan", "Social worker", "29/01/2027"),
        ("Book the annual health assessment", "Foster carer", "15/02/2027"),
    ):
        type_into(qtbot, field(form, QLineEdit, "New decision: what will happen"), what)
        type_into(qtbot, field(form, QLineEdit, "New decision: who is responsible"), responsible)
        type_into(qtbot, field(form, QLineEdit, "New decision: by when"), by_when)
        click(qtbot, button(form, "Add decision"))
    decisions = rows_of(field(form, QAbstractItemView, "Decisions"))
    assert [(d["What will happen"], d["Who is responsible"]) for d in decisions] == [
        ("Arrange monthly time with her nan", "Social worker"),
        ("Book the annual health assessment", "Foster carer"),
    ]
    click(qtbot, button(form, "Save"))
    assert not form.isVisible(), field(form, QLabel, "Problems with this record").text()

    # Held (●), with the code and both decisions; the letter is still to make. The caseload
    # list moves on to the next review: a later deadline, not booked yet.
    qtbot.waitUntil(lambda: review_of_today()["Status"] == "● Held")
    held = review_of_today()
    assert held["How the child took part"].startswith("PN1 ")
    assert held["Decisions"] == "2 (2 open)"
    assert held["Letter to the child"] == "Not made yet"
    wait_read(window)
    moved_on = line_where(caseload, "Child ID", child_id)
    next_deadline = shown_date(moved_on["Review due by"])
    assert next_deadline > deadline
    assert moved_on["Status"] in ("○ Upcoming", "◔ Due soon")

    # 4. The letter: "Make the review letter" (for the held review selected), then, once the
    #    checks have read it, "Save letter". The PDF is in the letters folder.
    bring_forward(qtbot, record)
    click(qtbot, button(record, "Make the review letter"))
    editor = window_titled(qtbot, "Letter for ")
    reading = field(editor, QLabel, "Reading level")
    qtbot.waitUntil(lambda: "working it out" not in reading.text(), timeout=WINDOW_TIMEOUT_MS)
    click(qtbot, button(editor, "Save letter"))
    status = field(editor, QLabel, "Status").text()
    assert status.startswith("Letter saved: "), boxes.texts
    (pdf,) = letters.glob("*.pdf")
    assert status == f"Letter saved: {pdf}"
    assert child_id in pdf.name
    assert pdf.read_bytes().startswith(b"%PDF-")

    # The record lists the letter on the Letters tab, and beside the review.
    bring_forward(qtbot, record)
    click_tab(qtbot, tabs, "Letters")
    made = field(record, QAbstractItemView, "Letters, newest first")
    qtbot.waitUntil(lambda: bool(rows_of(made)) and rows_of(made)[0]["File"] == pdf.name)
    newest = rows_of(made)[0]
    assert (newest["Made"], newest["Letter"], newest["Sent"]) == (
        format_date(TODAY), "Review letter", "Not sent yet"
    )
    click_tab(qtbot, tabs, "Reviews")
    assert review_of_today()["Letter to the child"] == f"Made {format_date(TODAY)}, not sent"

    # 5. Back to the calendar: held today (●), and the next review waiting on its deadline,
    #    not booked (○), a few months on ("Next ›" until its month shows).
    editor.close()
    qtbot.keyClick(record, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not record.isVisible())
    bring_forward(qtbot, window)
    click_tab(qtbot, window.views, "Calendar")
    click(qtbot, button(calendar, "Today"))
    assert [line[0] for line in cells_of_today()] == ["●"]
    month_shown = field(calendar, QLabel, "Month shown")
    for _ in range(12):
        if month_shown.text() == f"{next_deadline:%B %Y}":
            break
        click(qtbot, button(calendar, "Next ›"))
    assert month_shown.text() == f"{next_deadline:%B %Y}"
    waiting = [
        entry.cell_text for entry in month_cell(calendar, next_deadline)
        if entry.child_id == child_id and entry.kind == "cla_review"
    ]
    assert [line[0] for line in waiting] == ["○"]

    assert boxes.texts == [], "no message box on the way"
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # File › Quit
    qtbot.waitUntil(lambda: not window.isVisible())
