"""The calendar window on a small fixture caseload, driven by mouse and keyboard."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox
from pytestqt.qtbot import QtBot
from sqlmodel import select

from iro_desk.clock import FixedClock
from iro_desk.demo import build_demo
from iro_desk.models import CareEpisode, CaseTrack, Child, Review
from iro_desk.schedule import due_items
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.booking_dialog import BookingDialog, CallOffDialog
from iro_desk.ui.calendar_model import (
    DATE_ROLE,
    ENTRIES_ROLE,
    HOLIDAY_ROLE,
    IN_MONTH_ROLE,
    TODAY_ROLE,
    AgendaModel,
    CalendarEntry,
    EntryFilter,
    EntryFilterProxy,
    EntryTableModel,
    MonthModel,
    entries_by_day,
    held_reviews_between,
    month_grid_days,
    urgent_entries,
)
from iro_desk.ui.calendar_view import CalendarView, cell_layout, entry_colours
from iro_desk.ui.theme import is_dark, status_background, status_colour

pytestmark = pytest.mark.gui

D = dt.date
TODAY = D(2027, 1, 4)  # a Monday


@dataclass(frozen=True)
class Caseload:
    """The children of the fixture caseload and what is due for each."""

    ada: uuid.UUID  # child in care since 2 Nov 2026, no review held: overdue since 30 Nov
    finn: uuid.UUID  # child protection: strategy discussion 21 Dec 2026, ICPC due 14 Jan 2027
    cleo: uuid.UUID  # child in care, review booked 18 Jan 2027, deadline 20 Jan 2027
    dora: uuid.UUID  # child in care, first review held 29 Dec 2026
    cleo_track: uuid.UUID
    cleo_review: uuid.UUID


def _child(ref: str, first: str, last: str) -> Child:
    return Child(child_ref=ref, first_name=first, last_name=last, dob=D(2015, 3, 9))


def _in_care(child: Child, start: dt.date) -> tuple[CareEpisode, CaseTrack]:
    episode = CareEpisode(child_id=child.id, start_date=start, legal_status="C2")
    track = CaseTrack(kind="cla", child_id=child.id, episode_id=episode.id, start_date=start)
    return episode, track


def _held(track: CaseTrack, day: dt.date) -> Review:
    return Review(
        track_id=track.id,
        child_id=track.child_id,
        status="held",
        held_on=day,
        participation_code="PN1",
        decisions_circulated_on=day + dt.timedelta(days=2),
        record_completed_on=day + dt.timedelta(days=10),
    )


def build_caseload(store: CaseloadStore) -> Caseload:
    """Four invented children and a foster carer household."""
    with store.session() as session:
        ada, finn, cleo, dora = (
            _child("CAL-0001", "Ada", "Overdue"),
            _child("CAL-0002", "Finn", "Conference"),
            _child("CAL-0003", "Cleo", "Booked"),
            _child("CAL-0004", "Dora", "Held"),
        )
        session.add_all([ada, finn, cleo, dora])
        session.flush()
        rows: list[object] = []
        rows.extend(_in_care(ada, D(2026, 11, 2)))
        rows.append(CaseTrack(kind="cp", child_id=finn.id, start_date=D(2026, 12, 21)))
        cleo_episode, cleo_track = _in_care(cleo, D(2026, 3, 23))
        booked = Review(
            track_id=cleo_track.id,
            child_id=cleo.id,
            status="booked",
            scheduled_date=D(2027, 1, 18),
            scheduled_time="10:00",
            venue="Demo family centre",
        )
        rows.extend([cleo_episode, cleo_track, booked])
        rows.extend([_held(cleo_track, D(2026, 4, 20)), _held(cleo_track, D(2026, 7, 20))])
        dora_episode, dora_track = _in_care(dora, D(2026, 12, 1))
        rows.extend([dora_episode, dora_track, _held(dora_track, D(2026, 12, 29))])
        rows.append(
            CaseTrack(
                kind="fostering",
                household_name="The Demo household",
                start_date=D(2026, 1, 20),
            )
        )
        session.add_all(rows)
    return Caseload(ada.id, finn.id, cleo.id, dora.id, cleo_track.id, booked.id)


@pytest.fixture
def caseload(store: CaseloadStore) -> Caseload:
    return build_caseload(store)


@pytest.fixture
def view(qtbot: QtBot, store: CaseloadStore, caseload: Caseload) -> Iterator[CalendarView]:
    shown = CalendarView(store, clock=FixedClock(TODAY))
    qtbot.addWidget(shown)
    shown.resize(1280, 800)
    shown.show()
    qtbot.waitExposed(shown)
    qtbot.waitUntil(lambda: not shown.reading, timeout=20000)
    yield shown


def _review_entry(entries: tuple[CalendarEntry, ...] | list[CalendarEntry], child: uuid.UUID,
                  kind: str = "cla_review") -> CalendarEntry:
    return next(e for e in entries if e.child_uuid == child and e.kind == kind)


def _double_click(qtbot: QtBot, viewport: object, pos: QPoint) -> None:
    # A real double-click: the first press chooses the item, the second opens it.
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=pos)


def _entry_point(view: CalendarView, day: dt.date, entry: CalendarEntry) -> QPoint:
    """Where ``entry`` is painted in the month (the middle of its line)."""
    index = view.month_model.index_of(day)
    entries = index.data(ENTRIES_ROLE)
    layout = cell_layout(
        view.month_view.visualRect(index), QFontMetrics(view.month_view.font()), len(entries)
    )
    return layout.entries[entries.index(entry)].center()


# -- the overdue review ---------------------------------------------------------------------


def test_the_overdue_review_heads_the_panel_with_its_symbol_words_and_colour(
    view: CalendarView, caseload: Caseload
) -> None:
    first = view.panel_proxy.entry_at(0)
    assert (first.child_uuid, first.kind, first.status) == (caseload.ada, "cla_review", "overdue")
    index = view.panel_proxy.index(0, 0)
    assert index.data(Qt.ItemDataRole.DisplayRole) == "⚠ Overdue"
    assert index.data(Qt.ItemDataRole.ForegroundRole) == status_colour("overdue")
    assert index.data(Qt.ItemDataRole.BackgroundRole) == status_background("overdue")
    statuses = [view.panel_proxy.entry_at(row).status for row in range(view.panel_proxy.rowCount())]
    assert set(statuses) == {"overdue", "due_soon"}
    assert statuses == sorted(statuses, key=["overdue", "due_soon"].index)
    assert view.overdue_count_label.text() == f"⚠ Overdue: {statuses.count('overdue')}"


def test_the_month_paints_the_overdue_review_in_the_overdue_colour(
    view: CalendarView, caseload: Caseload
) -> None:
    review = _review_entry(view.panel_model.entries(), caseload.ada)
    assert review.day == D(2026, 11, 30)  # 20 working days after 2 Nov 2026
    view.go_to_day(review.day)
    assert view.month_label.text() == "November 2026"
    cell = view.month_model.index_of(review.day)
    shown = _review_entry(cell.data(ENTRIES_ROLE), caseload.ada)
    assert shown.status == "overdue"
    assert shown.cell_text.startswith("⚠ CiC Ada O.")
    assert "Overdue" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert entry_colours("overdue").fill == status_colour("overdue")

    point = _entry_point(view, review.day, shown)
    image = view.month_view.viewport().grab().toImage()
    index = view.month_model.index_of(review.day)
    entries = index.data(ENTRIES_ROLE)
    line = cell_layout(
        view.month_view.visualRect(index), QFontMetrics(view.month_view.font()), len(entries)
    ).entries[entries.index(shown)]
    painted = image.pixelColor(line.right() - 1, line.top() + 1)
    assert painted.name() == status_colour("overdue").name()
    assert view.month_view.entry_at(point) == shown


def test_double_clicking_the_overdue_review_in_the_panel_opens_that_child(
    qtbot: QtBot, view: CalendarView, caseload: Caseload
) -> None:
    rect = view.panel_view.visualRect(view.panel_proxy.index(0, 0))
    with qtbot.waitSignal(view.child_activated, timeout=2000) as opened:
        _double_click(qtbot, view.panel_view.viewport(), rect.center())
    assert opened.args == [caseload.ada]


def test_double_clicking_the_overdue_review_in_the_month_opens_that_child(
    qtbot: QtBot, view: CalendarView, caseload: Caseload
) -> None:
    review = _review_entry(view.panel_model.entries(), caseload.ada)
    view.go_to_day(review.day)
    shown = _review_entry(view.month_model.index_of(review.day).data(ENTRIES_ROLE), caseload.ada)
    point = _entry_point(view, review.day, shown)
    with qtbot.waitSignal(view.child_activated, timeout=2000) as opened:
        _double_click(qtbot, view.month_view.viewport(), point)
    assert opened.args == [caseload.ada]


def test_enter_on_a_panel_item_opens_its_child(
    qtbot: QtBot, view: CalendarView, caseload: Caseload
) -> None:
    view.panel_view.setFocus()
    view.panel_view.setCurrentIndex(view.panel_proxy.index(0, 0))
    with qtbot.waitSignal(view.child_activated, timeout=2000) as opened:
        qtbot.keyClick(view.panel_view, Qt.Key.Key_Return)
    assert opened.args == [caseload.ada]


def test_enter_on_a_day_with_one_item_opens_its_child_and_with_several_lists_them(
    qtbot: QtBot, view: CalendarView, caseload: Caseload
) -> None:
    view.month_view.setFocus()
    view.go_to_day(D(2027, 1, 14))  # Finn's initial conference, nothing else
    with qtbot.waitSignal(view.child_activated, timeout=2000) as opened:
        qtbot.keyClick(view.month_view, Qt.Key.Key_Return)
    assert opened.args == [caseload.finn]

    view.go_to_day(D(2027, 1, 18))  # Cleo's booked review and the visit before it
    qtbot.keyClick(view.month_view, Qt.Key.Key_Return)
    assert view.day_view.hasFocus()
    assert [view.day_model.entry_at(row).kind for row in range(view.day_model.rowCount())] == [
        "pre_review_visit", "cla_review"
    ]
    with qtbot.waitSignal(view.child_activated, timeout=2000) as opened:
        qtbot.keyClick(view.day_view, Qt.Key.Key_Return)
    assert opened.args == [caseload.cleo]


def test_a_household_review_has_no_child_to_open_and_says_so(
    qtbot: QtBot, view: CalendarView
) -> None:
    household = next(e for e in view._entries if e.kind == "fostering_review")
    with qtbot.assertNotEmitted(view.child_activated):
        view.activate_entry(household)
    assert "no child record" in view.message_label.text()


# -- what the month shows -------------------------------------------------------------------


def test_the_month_outlines_today_names_bank_holidays_and_dims_other_months(
    view: CalendarView,
) -> None:
    model = view.month_model
    assert view.month_label.text() == "January 2027"
    assert model.first_day == D(2026, 12, 28) and model.last_day == D(2027, 2, 7)
    today = model.index_of(TODAY)
    assert today.data(TODAY_ROLE) is True
    assert view.month_view.currentIndex() == today
    assert model.index_of(D(2027, 1, 1)).data(HOLIDAY_ROLE) == "New Year's Day"
    assert model.index_of(D(2026, 12, 31)).data(IN_MONTH_ROLE) is False
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == [
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
    ]
    view.go_to_day(D(2026, 12, 25))
    assert model.index_of(D(2026, 12, 25)).data(HOLIDAY_ROLE) == "Christmas Day"


def test_each_item_sits_on_its_booked_date_else_its_deadline_and_held_reviews_show_as_done(
    view: CalendarView, caseload: Caseload
) -> None:
    model = view.month_model
    booked = _review_entry(model.index_of(D(2027, 1, 18)).data(ENTRIES_ROLE), caseload.cleo)
    assert (booked.status, booked.cell_text) == ("scheduled", "✓ CiC Cleo B.")
    assert not any(
        e.child_uuid == caseload.cleo and e.kind == "cla_review"
        for e in model.index_of(D(2027, 1, 20)).data(ENTRIES_ROLE)
    )
    conference = _review_entry(
        model.index_of(D(2027, 1, 14)).data(ENTRIES_ROLE), caseload.finn, "cp_conference"
    )
    assert conference.status == "due_soon"
    held = _review_entry(model.index_of(D(2026, 12, 29)).data(ENTRIES_ROLE), caseload.dora)
    assert (held.status, held.status_label) == ("done", "● Held")


def test_a_full_day_shows_what_fits_then_how_many_more() -> None:
    from PySide6.QtCore import QRect

    metrics = QFontMetrics(QApplication.font())
    line = metrics.height() + 4
    roomy = cell_layout(QRect(0, 0, 120, line * 10), metrics, 3)
    assert (len(roomy.entries), roomy.more_count) == (3, 0)
    full = cell_layout(QRect(0, 0, 120, line * 5), metrics, 20)
    assert full.more_count > 0
    assert len(full.entries) + full.more_count == 20
    assert full.more is not None and full.more.bottom() <= line * 5


def test_month_keys_move_by_day_week_and_month_and_home_comes_back_to_today(
    qtbot: QtBot, view: CalendarView
) -> None:
    month = view.month_view
    month.setFocus()
    qtbot.keyClick(month, Qt.Key.Key_PageDown)
    assert (view.month_label.text(), view.selected_day) == ("February 2027", D(2027, 2, 4))
    qtbot.keyClick(month, Qt.Key.Key_PageUp)
    qtbot.keyClick(month, Qt.Key.Key_PageUp)
    assert (view.month_label.text(), view.selected_day) == ("December 2026", D(2026, 12, 4))
    qtbot.keyClick(month, Qt.Key.Key_Home)
    assert (view.month_label.text(), view.selected_day) == ("January 2027", TODAY)
    qtbot.keyClick(month, Qt.Key.Key_Right)
    assert view.selected_day == D(2027, 1, 5)
    qtbot.keyClick(month, Qt.Key.Key_Down)
    assert view.selected_day == D(2027, 1, 12)
    qtbot.keyClick(month, Qt.Key.Key_Left)
    qtbot.keyClick(month, Qt.Key.Key_Left)
    assert view.selected_day == D(2027, 1, 10)
    assert month.currentIndex().data(DATE_ROLE) == D(2027, 1, 10)
    qtbot.keyClick(month, Qt.Key.Key_Up)
    qtbot.keyClick(month, Qt.Key.Key_Up)
    assert (view.month_label.text(), view.selected_day) == ("December 2026", D(2026, 12, 27))
    assert view.day_heading.text().startswith("Sun 27 Dec 2026")


def test_the_buttons_change_month(qtbot: QtBot, view: CalendarView) -> None:
    qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    assert view.month_label.text() == "February 2027"
    qtbot.mouseClick(view.previous_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.previous_button, Qt.MouseButton.LeftButton)
    assert view.month_label.text() == "December 2026"
    qtbot.mouseClick(view.today_button, Qt.MouseButton.LeftButton)
    assert (view.month_label.text(), view.selected_day) == ("January 2027", TODAY)


# -- filters --------------------------------------------------------------------------------


def _month_kinds(view: CalendarView) -> set[str]:
    model = view.month_model
    return {
        entry.kind
        for row in range(model.rowCount())
        for column in range(7)
        for entry in model.index(row, column).data(ENTRIES_ROLE)
    }


def _panel_kinds(view: CalendarView) -> set[str]:
    return {view.panel_proxy.entry_at(row).kind for row in range(view.panel_proxy.rowCount())}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        pytest.param("cp_conference", {"cp_conference"}, id="child protection only"),
        pytest.param("pre_review_visit", {"pre_review_visit"}, id="visits only"),
        pytest.param(
            "reviews", {"cla_review", "cp_conference", "fostering_review"}, id="every review kind"
        ),
    ],
)
def test_the_kind_filter_hides_every_other_kind(
    view: CalendarView, kind: str, expected: set[str]
) -> None:
    assert len(_month_kinds(view)) > 1
    index = view.kind_filter.findData(kind)
    view.kind_filter.setCurrentIndex(index)
    assert _month_kinds(view) <= expected
    assert _month_kinds(view)
    assert _panel_kinds(view) <= expected
    for agenda_day in view.agenda_model.days():
        assert {entry.kind for entry in agenda_day.entries} <= expected


@pytest.mark.parametrize(
    "typed", ["cleo", "CAL-0003", "cal-0003"], ids=["name", "ID", "ID in any case"]
)
def test_the_child_filter_keeps_one_childs_items(
    qtbot: QtBot, view: CalendarView, caseload: Caseload, typed: str
) -> None:
    qtbot.keyClicks(view.child_filter, typed)
    model = view.month_model
    children = {
        entry.child_uuid
        for row in range(model.rowCount())
        for column in range(7)
        for entry in model.index(row, column).data(ENTRIES_ROLE)
    }
    assert children == {caseload.cleo}
    assert all(view.panel_proxy.entry_at(r).child_uuid == caseload.cleo
               for r in range(view.panel_proxy.rowCount()))
    qtbot.keyClick(view.child_filter, Qt.Key.Key_Escape)
    assert view.child_filter.text() == ""
    assert len({e.child_uuid for e in view.panel_model.entries()}) > 1


# -- agenda ---------------------------------------------------------------------------------


def test_the_agenda_lists_the_coming_weeks_by_day_in_date_order(
    view: CalendarView, caseload: Caseload
) -> None:
    days = [agenda_day.day for agenda_day in view.agenda_model.days()]
    assert days == sorted(days)
    assert days[0] >= TODAY and days[-1] < TODAY + dt.timedelta(weeks=6)
    row = view.agenda_model.day_index(D(2027, 1, 18))
    assert "Mon 18 Jan 2027" in row.data()
    entry = view.agenda_model.entry_of(view.agenda_model.index(0, 0, row))
    assert entry is not None and entry.child_uuid == caseload.cleo


def test_enter_on_an_agenda_item_opens_its_child(
    qtbot: QtBot, view: CalendarView, caseload: Caseload
) -> None:
    view.tabs.setCurrentWidget(view.agenda_view)
    row = view.agenda_model.day_index(D(2027, 1, 18))
    view.agenda_view.setFocus()
    view.agenda_view.setCurrentIndex(view.agenda_model.index(0, 0, row))
    with qtbot.waitSignal(view.child_activated, timeout=2000) as opened:
        qtbot.keyClick(view.agenda_view, Qt.Key.Key_Return)
    assert opened.args == [caseload.cleo]


# -- booking from the calendar ----------------------------------------------------------------


def test_booking_the_overdue_review_from_the_calendar_updates_it(
    qtbot: QtBot,
    view: CalendarView,
    store: CaseloadStore,
    caseload: Caseload,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *_a: QMessageBox.StandardButton.Yes)
    )
    view.panel_view.setCurrentIndex(view.panel_proxy.index(0, 0))
    entry = view.current_entry()
    assert entry is not None and entry.can_book
    menu = view.entry_menu(entry)
    assert view.book_action in menu.actions()
    view.book_action.trigger()
    dialog = view.dialog
    assert isinstance(dialog, BookingDialog)
    assert dialog.item.child_uuid == caseload.ada
    assert not dialog.date_warning.isHidden()  # any date now is after the deadline
    dialog.set_date(D(2027, 1, 11))
    qtbot.keyClicks(dialog.reason_edit, "The child was in hospital; first date everyone can do.")
    with qtbot.waitSignals([view.changed, view.refreshed], timeout=20000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "Booked the child in care review for Ada Overdue (CAL-0001)" in view.message_label.text()
    shown = _review_entry(view.month_model.index_of(D(2027, 1, 11)).data(ENTRIES_ROLE),
                          caseload.ada)
    assert shown.status == "overdue"  # booked after its deadline: still out of timescale
    with store.session() as session:
        review = session.exec(select(Review).where(Review.child_id == caseload.ada)).one()
    assert (review.status, review.scheduled_date) == ("booked", D(2027, 1, 11))
    assert review.late_reason.startswith("The child was in hospital")


def test_moving_and_cancelling_a_booked_review_from_its_context_menu(
    qtbot: QtBot, view: CalendarView, store: CaseloadStore, caseload: Caseload
) -> None:
    booked = _review_entry(view.month_model.index_of(D(2027, 1, 18)).data(ENTRIES_ROLE),
                           caseload.cleo)
    menu = view.entry_menu(booked)
    assert {view.move_action, view.stand_down_action, view.cancel_action} <= set(menu.actions())
    assert view.move_action.isEnabled()
    dialog = view.move_review(booked)
    assert isinstance(dialog, BookingDialog) and dialog.moving
    assert dialog.chosen_date() == D(2027, 1, 18)
    assert dialog.time_edit.text() == "10:00"
    dialog.set_date(D(2027, 1, 19))
    with qtbot.waitSignals([view.changed, view.refreshed], timeout=20000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    moved = _review_entry(view.month_model.index_of(D(2027, 1, 19)).data(ENTRIES_ROLE),
                          caseload.cleo)
    assert moved.status == "scheduled"

    call_off = view.call_off_review(moved, mode="cancel")
    assert isinstance(call_off, CallOffDialog)
    qtbot.keyClicks(call_off.reason_edit, "The carer is unwell; to be rebooked.")
    with qtbot.waitSignals([view.changed, view.refreshed], timeout=20000):
        qtbot.mouseClick(call_off.ok_button, Qt.MouseButton.LeftButton)
    with store.session() as session:
        review = session.get(Review, caseload.cleo_review)
        assert review is not None
        assert (review.status, review.cancel_reason) == (
            "cancelled", "The carer is unwell; to be rebooked."
        )
    assert "needs booking again" in view.message_label.text()


def test_book_review_with_nothing_chosen_offers_every_review_due(
    view: CalendarView, caseload: Caseload
) -> None:
    dialog = view.book_review()
    assert isinstance(dialog, BookingDialog)
    children = {choice.child_uuid for choice in dialog.choices}
    assert caseload.ada in children and caseload.finn in children
    assert caseload.cleo not in children  # already booked
    deadlines = [choice.deadline for choice in dialog.choices]
    assert deadlines == sorted(deadlines)
    dialog.reject()


def test_refresh_shows_a_change_made_elsewhere(
    view: CalendarView, store: CaseloadStore, caseload: Caseload,
    refreshed: Callable[[CalendarView], None],
) -> None:
    from iro_desk.booking import book_review

    with store.session() as session:
        book_review(
            session,
            track_id=next(
                t.id for t in session.exec(select(CaseTrack)).all() if t.child_id == caseload.finn
            ),
            date=D(2027, 1, 12),
            today=TODAY,
            settings=Settings(),
        )
    refreshed(view)
    conference = _review_entry(
        view.month_model.index_of(D(2027, 1, 12)).data(ENTRIES_ROLE), caseload.finn,
        "cp_conference",
    )
    assert conference.status == "scheduled"
    assert caseload.finn not in {e.child_uuid for e in view.panel_model.entries()
                                 if e.kind == "cp_conference"}


# -- export ---------------------------------------------------------------------------------


def test_export_writes_the_booked_reviews_to_the_file_chosen(
    view: CalendarView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "my-reviews"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(target), ""))
    )
    view.export_action.trigger()
    written = tmp_path / "my-reviews.ics"
    text = written.read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in text
    assert "C.B. (CAL-0003)" in text and "Cleo Booked" not in text
    assert "Wrote 1 event to" in view.message_label.text()


# -- palettes ---------------------------------------------------------------------------------


def test_entry_colours_follow_a_dark_palette(qapp: QApplication) -> None:
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e6e6e6"))
    assert is_dark(dark)
    overdue = entry_colours("overdue", dark)
    assert overdue.fill == status_colour("overdue", dark)
    assert overdue.text.lightnessF() < 0.2  # dark text on the light red of a dark theme
    booked = entry_colours("scheduled", dark)
    assert booked.text == status_colour("scheduled", dark)
    assert booked.fill == status_background("scheduled", dark)


# -- the models -------------------------------------------------------------------------------


@pytest.fixture
def demo_items(store: CaseloadStore) -> tuple[list[CalendarEntry], list[CalendarEntry]]:
    build_demo(store, children=12, years=2, seed=1, today=TODAY)
    start, end = month_grid_days(2027, 1)
    with store.session() as session:
        items = due_items(session, today=TODAY, settings=Settings())
        held = held_reviews_between(session, D(2026, 1, 1), end)
    assert start <= end
    return [CalendarEntry.from_item(item) for item in items], held


def test_the_entry_list_and_its_filter_pass_the_model_tester(
    qtmodeltester, demo_items: tuple[list[CalendarEntry], list[CalendarEntry]]  # noqa: ANN001
) -> None:
    entries, held = demo_items
    model = EntryTableModel()
    model.set_entries([*entries, *held], TODAY)
    qtmodeltester.check(model)
    proxy = EntryFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter(EntryFilter(kind="reviews", text="a"))
    qtmodeltester.check(proxy)
    assert 0 < proxy.rowCount() < model.rowCount()


def test_the_month_model_passes_the_model_tester(
    qtmodeltester, demo_items: tuple[list[CalendarEntry], list[CalendarEntry]]  # noqa: ANN001
) -> None:
    entries, held = demo_items
    start, end = month_grid_days(2027, 1)
    model = MonthModel()
    model.set_month(
        2027, 1, today=TODAY,
        entries=entries_by_day([*entries, *held], start, end, EntryFilter()),
        holidays={D(2027, 1, 1): "New Year's Day"},
    )
    qtmodeltester.check(model)
    assert model.entry_count() > 0


def test_the_agenda_model_passes_the_model_tester(
    qtmodeltester, demo_items: tuple[list[CalendarEntry], list[CalendarEntry]]  # noqa: ANN001
) -> None:
    from iro_desk.ui.calendar_model import agenda_days

    entries, _held = demo_items
    model = AgendaModel()
    model.set_days(
        agenda_days(entries, TODAY, TODAY + dt.timedelta(weeks=6), EntryFilter(), {}), TODAY
    )
    qtmodeltester.check(model)
    assert model.rowCount() > 0 and model.entry_count() > model.rowCount()


def test_urgent_entries_put_overdue_first(
    demo_items: tuple[list[CalendarEntry], list[CalendarEntry]],
) -> None:
    entries, _held = demo_items
    urgent = urgent_entries([e.item for e in entries if e.item is not None])
    statuses = [entry.status for entry in urgent]
    assert statuses and statuses == sorted(statuses, key=["overdue", "due_soon"].index)


def test_qdate_helpers_round_trip() -> None:
    from iro_desk.ui.booking_dialog import to_date, to_qdate

    assert to_date(to_qdate(D(2028, 2, 29))) == D(2028, 2, 29)
    assert to_qdate(D(2027, 1, 4)) == QDate(2027, 1, 4)



def _captured_menus(view: CalendarView, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    shown: list[list[str]] = []

    def show_menu(menu: QMenu, _where: QPoint) -> None:
        shown.append([action.text() for action in menu.actions() if not action.isSeparator()])

    monkeypatch.setattr(view, "show_menu", show_menu)
    return shown


def test_the_menu_key_opens_the_current_items_menu(
    qtbot: QtBot, view: CalendarView, caseload: Caseload, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QContextMenuEvent

    shown = _captured_menus(view, monkeypatch)
    view.panel_view.setFocus()
    view.panel_view.setCurrentIndex(view.panel_proxy.index(0, 0))
    far_away = QPoint(5, view.panel_view.viewport().height() - 5)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Keyboard, far_away, view.panel_view.viewport().mapToGlobal(
            far_away
        ), Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.panel_view.viewport(), event)
    assert shown == [["&Open child record", "&Book review…", "&Export to calendar (.ics)…"]]
    assert view.current_entry() == view.panel_proxy.entry_at(0)

    view.go_to_day(D(2027, 1, 14))  # Finn's conference alone on the day
    view.month_view.setFocus()
    QApplication.sendEvent(view.month_view.viewport(), QContextMenuEvent(
        QContextMenuEvent.Reason.Keyboard, QPoint(1, 1),
        view.month_view.viewport().mapToGlobal(QPoint(1, 1)), Qt.KeyboardModifier.NoModifier,
    ))
    assert shown[-1][:2] == ["&Open child record", "&Book review…"]
    current = view.current_entry()
    assert current is not None and current.child_uuid == caseload.finn


def test_a_booked_reviews_menu_offers_move_stand_down_and_cancel(
    view: CalendarView, caseload: Caseload, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = _captured_menus(view, monkeypatch)
    booked = _review_entry(view.month_model.index_of(D(2027, 1, 18)).data(ENTRIES_ROLE),
                           caseload.cleo)
    view.go_to_day(booked.day)
    point = _entry_point(view, booked.day, booked)
    view._month_context_menu(point)
    assert shown == [[
        "&Open child record",
        "&Move review…",
        "&Stand down review…",
        "&Cancel review…",
        "&Book review…",
        "&Export to calendar (.ics)…",
    ]]
