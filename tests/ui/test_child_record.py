"""The child record window, opened from the main window and used as an IRO would."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from iro_desk import recording
from iro_desk.clock import FixedClock
from iro_desk.demo import build_demo
from iro_desk.models import CareEpisode, CaseTrack, Child, Iro, Letter, Person, Review
from iro_desk.overview import child_detail
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui import child_record as child_record_module
from iro_desk.ui.app import create_main_window
from iro_desk.ui.calendar_model import ENTRIES_ROLE
from iro_desk.ui.calendar_view import CalendarView
from iro_desk.ui.child_record import (
    ChildRecords,
    ChildRecordWindow,
    LetterLine,
    SentDateDialog,
    install_child_records,
    letters_model,
)
from iro_desk.ui.main_window import MainWindow
from iro_desk.ui.review_form import ReviewForm
from iro_desk.ui.visit_form import VisitForm

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)
TABS = ["Overview", "Timeline", "Reviews", "Visits", "Challenges", "Letters", "History"]


class MessageBoxes:
    """Captures what would have been shown in message boxes, without blocking."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []

        def capture(_parent: object, _title: str, text: str, *_args: object) -> object:
            self.texts.append(text)
            return QMessageBox.StandardButton.Ok

        for name in ("warning", "critical", "information", "question"):
            monkeypatch.setattr(QMessageBox, name, staticmethod(capture))


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> MessageBoxes:
    return MessageBoxes(monkeypatch)


@pytest.fixture
def state(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)


def _main_window(qtbot: QtBot, store: CaseloadStore, state: QSettings) -> MainWindow:
    window = create_main_window(store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.reading, timeout=20000)
    return window


@pytest.fixture
def demo_window(
    qtbot: QtBot, store: CaseloadStore, state: QSettings
) -> Iterator[tuple[MainWindow, ChildRecords]]:
    """The main window on twelve invented children, opening child records."""
    build_demo(store, children=12, years=2, seed=1, today=TODAY)
    window = _main_window(qtbot, store, state)
    records = install_child_records(window)
    yield window, records
    for record in records.records():
        record.close_for_another_caseload()


def _open(qtbot: QtBot, records: ChildRecords, window: MainWindow, child: uuid.UUID
          ) -> ChildRecordWindow:
    window.child_activated.emit(child)
    record = records.record_for(child)
    assert record is not None
    qtbot.waitExposed(record)
    return record


# -- opening ----------------------------------------------------------------------------------


def test_enter_on_a_child_in_the_list_opens_their_record_with_its_tabs(
    qtbot: QtBot, demo_window: tuple[MainWindow, ChildRecords]
) -> None:
    window, records = demo_window
    row = window.proxy.child_at(2)
    window.table.setFocus()
    window.table.setCurrentIndex(window.proxy.index(2, 0))
    with qtbot.waitSignal(window.child_activated, timeout=2000):
        qtbot.keyClick(window.table, Qt.Key.Key_Return)

    record = records.record_for(row.child_uuid)
    assert record is not None
    qtbot.waitExposed(record)
    assert record.isWindow() and record.isVisible()
    assert record.name_label.text() == row.display_name
    assert row.child_ref in record.subtitle_label.text()
    assert record.windowTitle().startswith(f"{row.display_name} ({row.child_ref})")
    assert record.tab_titles() == TABS
    assert record.tabs.currentIndex() == 0

    window.child_activated.emit(row.child_uuid)
    assert records.records() == [record], "opening the child again brings the same window"


def test_every_action_has_a_shortcut_and_its_button_an_accessible_name(
    qtbot: QtBot, demo_window: tuple[MainWindow, ChildRecords]
) -> None:
    window, records = demo_window
    record = _open(qtbot, records, window, window.rows()[0].child_uuid)
    for name, action in record.actions_by_name.items():
        assert not action.shortcut().isEmpty(), name
    names = {
        record.toolbar.widgetForAction(action).accessibleName()
        for action in record.toolbar.actions()
        if not action.isSeparator()
    }
    assert {
        "Record a review",
        "Record a visit",
        "Raise a challenge",
        "Make the review letter",
        "Make an introduction letter",
        "Open selected",
        "Refresh",
    } <= names


def test_the_overview_shows_legal_status_placement_and_the_people_around_the_child(
    qtbot: QtBot, demo_window: tuple[MainWindow, ChildRecords], store: CaseloadStore
) -> None:
    window, records = demo_window
    with store.session() as session:
        details = [
            child_detail(session, row.child_uuid, today=TODAY, settings=window.settings)
            for row in window.rows()
        ]
    with_advocate = next(
        d for d in details if d.people_in_role("advocate") and d.current_episode is not None
    )
    record = _open(qtbot, records, window, with_advocate.child_uuid)

    episode = with_advocate.current_episode
    assert episode is not None
    assert record.care_box.value_of("Legal status") == (
        f"{episode.legal_status} {episode.legal_status_label}"
    )
    assert record.care_box.value_of("Placement") == episode.placement_name
    (worker,) = with_advocate.people_in_role("social_worker")
    assert record.people_box.value_of("Social worker").startswith(worker.name)
    assert record.people_box.value_of("Advocate").startswith("Demo Advocate")
    visitor = record.people_box.value_of("Independent visitor")
    if with_advocate.people_in_role("independent_visitor"):
        assert visitor.startswith("Demo Visitor")
    else:
        assert visitor == "None recorded"
    assert record.next_box.value_of("Child in care review")


def test_the_timeline_lists_everything_newest_first(
    qtbot: QtBot, demo_window: tuple[MainWindow, ChildRecords], store: CaseloadStore
) -> None:
    window, records = demo_window
    child = window.rows()[0].child_uuid
    record = _open(qtbot, records, window, child)
    record.show_tab("Timeline")
    model = record.timeline_model
    dates = [model.entry_at(row).on for row in range(model.rowCount())]
    assert len(dates) > 5
    assert dates == sorted(dates, reverse=True)
    with store.session() as session:
        detail = child_detail(session, child, today=TODAY, settings=window.settings)
    assert [model.index(r, 1).data() for r in range(model.rowCount())] == [
        entry.title for entry in detail.timeline
    ]


def test_the_tables_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester, demo_window: tuple[MainWindow, ChildRecords]  # noqa: ANN001
) -> None:
    window, records = demo_window
    busiest = max(window.rows(), key=lambda row: len(row.track_kinds))
    record = _open(qtbot, records, window, busiest.child_uuid)
    assert record.reviews_model.rowCount() > 0
    for model in (
        record.reviews_model,
        record.visits_model,
        record.letters_model,
        record.timeline_model,
        record.review_decisions,
    ):
        qtmodeltester.check(model)


# -- the acceptance test: a full review recorded through the form ------------------------------

HELD = dt.date(2026, 11, 30)


def _tess(store: CaseloadStore) -> tuple[uuid.UUID, uuid.UUID]:
    """Tess, in care since 2 Nov 2026, her first review booked for 30 Nov 2026 (not recorded)."""
    with store.session() as session:
        child = Child(
            child_ref="CR-0001", first_name="Tess", last_name="Record", dob=dt.date(2016, 6, 1)
        )
        episode = CareEpisode(
            child_id=child.id,
            start_date=dt.date(2026, 11, 2),
            legal_status="C2",
            placement_name="Demo foster home",
        )
        track = CaseTrack(
            kind="cla", child_id=child.id, episode_id=episode.id, start_date=episode.start_date
        )
        booked = Review(
            track_id=track.id, child_id=child.id, scheduled_date=HELD, venue="Demo Family Centre"
        )
        worker = Person(child_id=child.id, role="social_worker", name="Sam Example")
        session.add_all([child, episode, track, booked, worker])
    return child.id, booked.id


def _calendar(qtbot: QtBot, store: CaseloadStore) -> CalendarView:
    calendar = CalendarView(store, clock=FixedClock(TODAY))
    qtbot.addWidget(calendar)
    calendar.resize(1280, 800)
    calendar.show()
    qtbot.waitExposed(calendar)
    qtbot.waitUntil(lambda: not calendar.reading, timeout=20000)
    return calendar


def _tess_entries(calendar: CalendarView, day: dt.date, child: uuid.UUID) -> list[object]:
    calendar.go_to_day(day)
    entries = calendar.month_model.index_of(day).data(ENTRIES_ROLE)
    return [e for e in entries if e.child_uuid == child and e.kind == "cla_review"]


def _press(qtbot: QtBot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # noqa: ANN001
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _add_decision(qtbot: QtBot, form: ReviewForm, text: str, who: str, when: str) -> None:
    form.new_text.setFocus()
    qtbot.keyClicks(form.new_text, text)
    _press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), who)
    _press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), when)
    _press(qtbot, Qt.Key.Key_Return)


def test_a_full_review_with_two_decisions_recorded_through_the_form_shows_everywhere(
    qtbot: QtBot, store: CaseloadStore, state: QSettings
) -> None:
    child, booked_id = _tess(store)
    before = _calendar(qtbot, store)
    (overdue,) = _tess_entries(before, HELD, child)
    assert overdue.status == "overdue", "booked for a day gone by and not recorded"
    before.close()

    window = _main_window(qtbot, store, state)
    records = install_child_records(window)
    assert window.rows()[0].next_deadline == HELD
    record = _open(qtbot, records, window, child)
    assert record.reviews_model.column_texts(2) == ["✓ Booked"]

    record.activateWindow()
    qtbot.waitUntil(record.isActiveWindow)
    qtbot.keyClick(record, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    form = record.review_form
    assert isinstance(form, ReviewForm) and form.review_id == booked_id
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.held_on)

    qtbot.keyClicks(form.held_on, "30112026")
    _press(qtbot, Qt.Key.Key_Tab)  # format: in person
    _press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.venue
    _press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "Tess, Jo (carer), Sam (social worker)")
    form.participation.setFocus()
    target = list(recording.PARTICIPATION).index("PN1")
    while form.participation.currentIndex() < target:
        _press(qtbot, Qt.Key.Key_Down)
    form.child_views.setFocus()
    qtbot.keyClicks(form.child_views, "I like it here. I want to see my brother more.")
    _add_decision(qtbot, form, "Arrange fortnightly time with her brother", "Sam", "15/01/2027")
    _add_decision(qtbot, form, "Book the annual health assessment", "Jo (carer)", "1 Feb 2027")
    assert [row.text for row in form.decisions.rows()] == [
        "Arrange fortnightly time with her brother",
        "Book the annual health assessment",
    ]
    with qtbot.waitSignal(record.changed, timeout=5000):
        _press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not form.isVisible())

    # The Reviews tab: the booking is now the held review, with its two decisions.
    record.show_tab("Reviews")
    assert record.reviews_model.rowCount() == 1
    assert record.reviews_model.column_texts(0) == ["30 Nov 2026"]
    assert record.reviews_model.column_texts(2) == ["● Held"]
    assert record.reviews_model.column_texts(3)[0].startswith("PN1 ")
    assert record.reviews_model.column_texts(4) == ["2 (2 open)"]
    decisions = record.review_decisions
    assert [decisions.index(r, 0).data() for r in range(decisions.rowCount())] == [
        "Arrange fortnightly time with her brother",
        "Book the annual health assessment",
    ]
    assert [decisions.index(r, 1).data() for r in range(decisions.rowCount())] == [
        "Sam",
        "Jo (carer)",
    ]

    # The Timeline tab: the review held and both decisions, on the day it was held.
    record.show_tab("Timeline")
    timeline = record.timeline_model
    on_the_day = [
        timeline.index(r, 1).data()
        for r in range(timeline.rowCount())
        if timeline.entry_at(r).on == HELD
    ]
    assert "Child in care review held" in on_the_day
    assert "Decision: Arrange fortnightly time with her brother" in on_the_day
    assert "Decision: Book the annual health assessment" in on_the_day
    assert not any("booked" in title for title in on_the_day)

    # The main window read the caseload again: the next review is now the second one.
    qtbot.waitUntil(lambda: not window.reading, timeout=20000)
    next_deadline = window.rows()[0].next_deadline
    assert next_deadline is not None and next_deadline > TODAY

    # The calendar: the review held on its day, and the next review on its new deadline.
    after = _calendar(qtbot, store)
    (held,) = _tess_entries(after, HELD, child)
    assert (held.status, held.status_label) == ("done", "● Held")
    (upcoming,) = _tess_entries(after, next_deadline, child)
    assert upcoming.status in ("upcoming", "due_soon")
    overdue_now = {
        e.kind
        for e in after.panel_model.entries()
        if e.child_uuid == child and e.status == "overdue"
    }
    assert "cla_review" not in overdue_now
    assert overdue_now == {"record_due"}, "the decisions were never circulated: now that is late"


# -- opening records from the tabs -----------------------------------------------------------


@pytest.fixture
def tess_record(
    qtbot: QtBot, store: CaseloadStore, state: QSettings
) -> Iterator[tuple[MainWindow, ChildRecords, ChildRecordWindow, uuid.UUID]]:
    child, _ = _tess(store)
    window = _main_window(qtbot, store, state)
    records = install_child_records(window)
    record = _open(qtbot, records, window, child)
    yield window, records, record, child
    for opened in records.records():
        opened.close_for_another_caseload()


def test_enter_on_a_booked_review_opens_the_form_to_record_it(
    qtbot: QtBot, tess_record: tuple[MainWindow, ChildRecords, ChildRecordWindow, uuid.UUID]
) -> None:
    _window, _records, record, _child = tess_record
    record.show_tab("Reviews")
    record.reviews_view.setFocus()
    record.reviews_view.setCurrentIndex(record.reviews_model.index(0, 0))
    qtbot.keyClick(record.reviews_view, Qt.Key.Key_Return)
    form = record.review_form
    assert isinstance(form, ReviewForm) and form.isVisible()
    assert form.review_id == record.reviews_model.row_at(0).review_id
    assert not form.amending
    form.reject()


def test_record_a_visit_opens_the_visit_form_for_this_child(
    qtbot: QtBot, tess_record: tuple[MainWindow, ChildRecords, ChildRecordWindow, uuid.UUID]
) -> None:
    _window, _records, record, child = tess_record
    record.record_visit_action.trigger()
    form = record.visit_form
    assert isinstance(form, VisitForm) and form.isVisible()
    assert form.child.id == child
    form.reject()


def test_a_letter_before_any_review_is_held_is_explained_not_raised(
    tess_record: tuple[MainWindow, ChildRecords, ChildRecordWindow, uuid.UUID],
    boxes: MessageBoxes,
) -> None:
    _window, _records, record, _child = tess_record
    record.review_letter_action.trigger()
    (text,) = boxes.texts
    assert "No review of Tess Record is recorded as held yet" in text
    assert record.letter_editors == []


def test_raise_a_challenge_opens_the_form_with_the_child_chosen(
    tess_record: tuple[MainWindow, ChildRecords, ChildRecordWindow, uuid.UUID],
) -> None:
    _window, _records, record, child = tess_record
    record.raise_challenge_action.trigger()
    dialog = record.raise_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.child.currentData() == str(child)
    dialog.reject()


def test_a_child_no_longer_on_the_caseload_is_said_in_words(
    qtbot: QtBot,
    tess_record: tuple[MainWindow, ChildRecords, ChildRecordWindow, uuid.UUID],
    store: CaseloadStore,
) -> None:
    _window, _records, record, child = tess_record
    with store.session() as session:
        found = session.get(Child, child)
        assert found is not None
        found.deleted_at = dt.datetime.now(dt.UTC)
        session.add(found)
    record.reload()
    assert record.message_label.isVisible()
    assert "no longer on this caseload" in record.message_label.text()
    assert not record.record_review_action.isEnabled()


def test_a_change_elsewhere_is_read_again_when_the_caseload_is_refreshed(
    tess_record: tuple[MainWindow, ChildRecords, ChildRecordWindow, uuid.UUID],
    store: CaseloadStore,
    refreshed: Callable[[MainWindow], None],
) -> None:
    window, _records, record, child = tess_record
    with store.session() as session:
        session.add(Person(child_id=child, role="advocate", name="Ali Advocate"))
    refreshed(window)
    assert record.people_box.value_of("Advocate") == "Ali Advocate"


def test_opening_another_caseload_closes_the_records(
    qtbot: QtBot,
    tess_record: tuple[MainWindow, ChildRecords, ChildRecordWindow, uuid.UUID],
    tmp_path: Path,
) -> None:
    window, records, record, _child = tess_record
    other = CaseloadStore.create(tmp_path / "other.irodesk", actor="test-iro")
    window.set_store(other)
    assert not record.isVisible()
    qtbot.waitUntil(lambda: records.records() == [])


def test_ctrl_w_closes_the_record_and_it_is_forgotten(
    qtbot: QtBot,
    tess_record: tuple[MainWindow, ChildRecords, ChildRecordWindow, uuid.UUID],
) -> None:
    _window, records, record, _child = tess_record
    record.activateWindow()
    qtbot.waitUntil(record.isActiveWindow)
    qtbot.keyClick(record, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not record.isVisible()
    qtbot.waitUntil(lambda: records.records() == [])


def test_a_child_with_no_open_track_is_told_why_there_is_no_review_to_record(
    qtbot: QtBot, store: CaseloadStore, state: QSettings, boxes: MessageBoxes
) -> None:
    with store.session() as session:
        child = Child(child_ref="CR-0002", first_name="Noah", last_name="Record")
        session.add(child)
    window = _main_window(qtbot, store, state)
    records = install_child_records(window)
    record = _open(qtbot, records, window, child.id)
    record.record_review_action.trigger()
    (text,) = boxes.texts
    assert "no open review track" in text
    record.close()


def test_a_record_window_on_its_own_uses_the_settings_given(
    qtbot: QtBot, store: CaseloadStore
) -> None:
    child, _ = _tess(store)
    record = ChildRecordWindow(store, child, clock=FixedClock(TODAY), settings=Settings())
    qtbot.addWidget(record)
    assert record.settings == Settings()
    assert record.name_label.text() == "Tess Record"


def test_make_the_review_letter_opens_the_letter_editor_for_the_selected_held_review(
    qtbot: QtBot, demo_window: tuple[MainWindow, ChildRecords]
) -> None:
    window, records = demo_window
    record = next(
        opened
        for row in window.rows()
        if (opened := _open(qtbot, records, window, row.child_uuid)).reviews_model.rowCount()
        and any(line.is_held for line in opened.reviews_model.rows())
    )
    record.show_tab("Reviews")
    held_row = next(
        number for number, line in enumerate(record.reviews_model.rows()) if line.is_held
    )
    record.reviews_view.selectRow(held_row)
    editor = record.make_review_letter()
    assert editor is not None and editor.isWindow() and editor.isVisible()
    assert editor.review_id == record.reviews_model.row_at(held_row).review_id
    assert editor.windowTitle().startswith("Letter for ")
    assert record.letter_editors == [editor]
    editor.close()
    qtbot.waitUntil(lambda: record.letter_editors == [])


def test_a_child_with_two_open_tracks_is_asked_which_review_to_record(
    qtbot: QtBot, store: CaseloadStore, state: QSettings
) -> None:
    child, _ = _tess(store)
    with store.session() as session:
        conference = CaseTrack(kind="cp", child_id=child, start_date=dt.date(2026, 12, 21))
        session.add(conference)
    window = _main_window(qtbot, store, state)
    records = install_child_records(window)
    record = _open(qtbot, records, window, child)
    record.record_review_action.trigger()
    menu = record.track_menu
    assert menu is not None and menu.isVisible()
    assert [action.text() for action in menu.actions()] == [
        "Child in care review",
        "Child protection conference",
    ]
    menu.actions()[1].trigger()
    menu.close()
    form = record.review_form
    assert isinstance(form, ReviewForm) and form.track_id == conference.id
    form.reject()
    record.close()


# -- letters whose files were removed -----------------------------------------------------------


def test_the_letters_tab_says_which_files_were_removed_and_which_are_not_on_this_laptop(
    qtbot: QtBot, store: CaseloadStore, tmp_path: Path, boxes: MessageBoxes,
    qtmodeltester,  # noqa: ANN001
) -> None:
    child, review_id = _tess(store)
    folder = tmp_path / "letters"
    here = "2026-12-20 introduction letter CR-0001 T.pdf"
    (folder / here).parent.mkdir()
    (folder / here).write_bytes(b"%PDF-1.7")
    removed = "2026-12-01 review letter CR-0001 T.pdf"
    elsewhere = "2026-11-10 introduction letter CR-0001 T.pdf"
    with store.session() as session:
        review = session.get(Review, review_id)
        assert review is not None
        review.status, review.held_on, review.participation_code = "held", HELD, "PN1"
        session.add(review)
        session.add_all([
            Iro(name="Robin Example", email="robin.example@council.invalid", is_me=True),
            Letter(child_id=child, review_id=review_id, file_name=removed,
                   made_at=dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC),
                   file_removed_at=dt.datetime(2027, 1, 3, 12, 0, tzinfo=dt.UTC)),
            Letter(child_id=child, kind="intro", file_name=elsewhere,
                   made_at=dt.datetime(2026, 11, 10, 10, 0, tzinfo=dt.UTC)),
            Letter(child_id=child, kind="intro", file_name=here,
                   made_at=dt.datetime(2026, 12, 20, 10, 0, tzinfo=dt.UTC)),
        ])
    record = ChildRecordWindow(
        store, child, clock=FixedClock(TODAY), settings=Settings(letters_folder=str(folder))
    )
    qtbot.addWidget(record)
    record.show()
    qtbot.waitExposed(record)
    record.show_tab("Letters")

    model = record.letters_model
    qtmodeltester.check(model)
    headers = [model.headerData(column, Qt.Orientation.Horizontal)
               for column in range(model.columnCount())]
    files = [model.index(row, headers.index("File")).data() for row in range(model.rowCount())]
    assert files == [
        here,
        f"{removed} — removed 3 Jan 2027",
        f"{elsewhere} — not on this laptop",
    ]

    record.letters_view.setFocus()
    record.letters_view.setCurrentIndex(model.index(1, 0))
    qtbot.keyClick(record.letters_view, Qt.Key.Key_Return)

    (said,) = boxes.texts
    assert f"The file of this letter ({removed}) was removed on 3 Jan 2027, after the " \
        "letter retention period" in said
    assert "made again from the review" in said
    (editor,) = record.letter_editors
    assert editor.review_id == review_id
    editor.close()
    qtbot.waitUntil(lambda: record.letter_editors == [])
    record.close()


@pytest.mark.parametrize(
    ("removed_on", "here", "shown"),
    [
        (None, True, "L.pdf"),
        (dt.date(2029, 1, 5), False, "L.pdf — removed 5 Jan 2029"),
        (None, False, "L.pdf — not on this laptop"),
        (dt.date(2029, 1, 5), True, "L.pdf — removed 5 Jan 2029, but still on this laptop"),
    ],
    ids=[
        "a letter in the letters folder shows its file name",
        "a letter removed after the retention period says when",
        "a colleague's letter never on this laptop says so",
        "a letter marked removed elsewhere but with a copy here says both",
    ],
)
def test_the_file_column_says_where_the_letter_file_is(
    removed_on: dt.date | None, here: bool, shown: str
) -> None:
    line = LetterLine(
        letter_id=uuid.uuid4(), review_id=None, made_on=dt.date(2027, 1, 4),
        kind_label="Review letter", review_text="", file_name="L.pdf", sent_on=None,
        file_removed_on=removed_on, file_here=here,
    )
    model = letters_model()
    model.set_rows([line])
    assert model.index(0, model.columnCount() - 1).data() == shown


# -- booking, opening and sending from the record ----------------------------------------------


def _record_window(
    qtbot: QtBot, store: CaseloadStore, child: uuid.UUID, folder: Path
) -> ChildRecordWindow:
    record = ChildRecordWindow(
        store, child, clock=FixedClock(TODAY), settings=Settings(letters_folder=str(folder))
    )
    qtbot.addWidget(record)
    record.show()
    qtbot.waitExposed(record)
    return record


def test_book_a_review_from_the_record_books_this_childs_next_review(
    qtbot: QtBot, store: CaseloadStore, tmp_path: Path, boxes: MessageBoxes
) -> None:
    with store.session() as session:
        child = Child(child_ref="CR-0002", first_name="Bo", last_name="Booking",
                      dob=dt.date(2015, 3, 1))
        episode = CareEpisode(child_id=child.id, start_date=dt.date(2026, 12, 20),
                              legal_status="C2", placement_name="Demo foster home")
        track = CaseTrack(kind="cla", child_id=child.id, episode_id=episode.id,
                          start_date=episode.start_date)
        session.add_all([child, episode, track])
    record = _record_window(qtbot, store, child.id, tmp_path)
    changed: list[bool] = []
    record.changed.connect(lambda: changed.append(True))
    assert "Book a review" in {
        record.toolbar.widgetForAction(action).accessibleName()
        for action in record.toolbar.actions() if not action.isSeparator()
    }
    record.book_review_action.trigger()
    dialog = record.booking_dialog
    assert dialog is not None and dialog.isVisible() and dialog.item.child_uuid == child.id
    (venue,) = [edit for edit in dialog.findChildren(QLineEdit) if edit.accessibleName() == "Venue"]
    venue.setText("Demo Family Centre")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: changed == [True])
    assert not dialog.isVisible() and boxes.texts == []
    assert record.record is not None
    assert [item.review_id is not None for item in record.record.next_reviews][:1] == [True]
    record.close()


def test_a_child_whose_review_is_booked_is_told_there_is_nothing_to_book(
    qtbot: QtBot, store: CaseloadStore, tmp_path: Path, boxes: MessageBoxes
) -> None:
    child, _review = _tess(store)
    record = _record_window(qtbot, store, child, tmp_path)
    assert record.book_review() is None
    (said,) = boxes.texts
    assert "no review waiting to be booked" in said
    record.close()


def _tess_with_a_letter(store: CaseloadStore, folder: Path, *, file: bool) -> tuple[
    uuid.UUID, uuid.UUID, Path
]:
    child, review_id = _tess(store)
    name = "2026-12-01 review letter CR-0001 T.pdf"
    path = folder / name
    if file:
        folder.mkdir(exist_ok=True)
        path.write_bytes(b"%PDF-1.7 demo")
    with store.session() as session:
        review = session.get(Review, review_id)
        assert review is not None
        review.status, review.held_on, review.participation_code = "held", HELD, "PN1"
        session.add(review)
        session.add(Letter(child_id=child, review_id=review_id, file_name=name,
                           made_at=dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)))
    return child, review_id, path


def test_open_the_letter_file_opens_the_pdf_or_says_where_it_went(
    qtbot: QtBot, store: CaseloadStore, tmp_path: Path, boxes: MessageBoxes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "letters"
    child, _review, path = _tess_with_a_letter(store, folder, file=True)
    opened: list[str] = []
    monkeypatch.setattr(child_record_module.QDesktopServices, "openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    record = _record_window(qtbot, store, child, folder)
    record.show_tab("Letters")
    record.letters_view.setCurrentIndex(record.letters_model.index(0, 0))
    record.open_letter_file_action.trigger()
    assert opened == [str(path)] and boxes.texts == []
    path.unlink()
    assert record.open_letter_file() is None
    (said,) = boxes.texts
    assert "not on this laptop" in said and "Enter" in said
    record.close()


def test_mark_as_sent_records_the_day_on_the_letter_and_its_review(
    qtbot: QtBot, store: CaseloadStore, tmp_path: Path, boxes: MessageBoxes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "letters"
    child, review_id, _path = _tess_with_a_letter(store, folder, file=True)
    sent = dt.date(2027, 1, 2)

    def choose(dialog: SentDateDialog) -> int:
        assert dialog.date_edit.date().toPython() == TODAY, "today is offered"
        assert dialog.date_edit.maximumDate().toPython() == TODAY, "never in the future"
        dialog.date_edit.setDate(sent)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SentDateDialog, "exec", choose)
    record = _record_window(qtbot, store, child, folder)
    record.show_tab("Letters")
    model = record.letters_model
    record.letters_view.setCurrentIndex(model.index(0, 0))
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert model.index(0, headers.index("Sent")).data() == "Not sent yet"
    record.mark_sent_action.trigger()
    assert boxes.texts == []
    assert model.index(0, headers.index("Sent")).data() == "2 Jan 2027"
    with store.session() as session:
        review = session.get(Review, review_id)
        assert review is not None and review.letter_sent_on == sent
    record.close()
