"""The booking form: the deadline beside the date, a reason for a late date, problems by fields."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlmodel import select

from iro_desk.booking import book_review
from iro_desk.models import CareEpisode, CaseTrack, Child, Review
from iro_desk.schedule import DueItem, review_items
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.booking_dialog import BookingDialog, CallOffDialog

pytestmark = pytest.mark.gui

D = dt.date
TODAY = D(2027, 1, 4)
SETTINGS = Settings()
DEADLINE = D(2027, 1, 29)  # second review: 3 months after the first, held 29 Oct 2026


def _child_in_care(store: CaseloadStore, ref: str, first: str) -> uuid.UUID:
    with store.session() as session:
        child = Child(child_ref=ref, first_name=first, last_name="Example")
        episode = CareEpisode(child_id=child.id, start_date=D(2026, 10, 1), legal_status="C2")
        track = CaseTrack(
            kind="cla", child_id=child.id, episode_id=episode.id, start_date=D(2026, 10, 1)
        )
        first_review = Review(
            track_id=track.id,
            child_id=child.id,
            status="held",
            held_on=D(2026, 10, 29),
            decisions_circulated_on=D(2026, 10, 30),
            record_completed_on=D(2026, 11, 5),
        )
        session.add_all([child, episode, track, first_review])
    return track.id


@pytest.fixture
def track_id(store: CaseloadStore) -> uuid.UUID:
    return _child_in_care(store, "DEMO-0001", "Ada")


def _item(store: CaseloadStore, track: uuid.UUID) -> DueItem:
    with store.session() as session:
        items = review_items(session, today=TODAY, settings=SETTINGS)
    return next(item for item in items if item.track_id == track)


def _reviews(store: CaseloadStore, track: uuid.UUID) -> list[Review]:
    with store.session() as session:
        return list(
            session.exec(
                select(Review).where(Review.track_id == track, Review.status != "held")
            ).all()
        )


def _answer(monkeypatch: pytest.MonkeyPatch, answer: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


@pytest.fixture
def dialog(qtbot: QtBot, store: CaseloadStore, track_id: uuid.UUID) -> Iterator[BookingDialog]:
    shown = BookingDialog(store, today=TODAY, settings=SETTINGS, item=_item(store, track_id))
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown


def _click_ok(qtbot: QtBot, dialog: BookingDialog | CallOffDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_the_form_shows_the_deadline_and_target_and_suggests_a_date(
    dialog: BookingDialog,
) -> None:
    assert dialog.deadline_label.text() == "Fri 29 Jan 2027 — in 25 days"
    assert dialog.target_label.text().startswith("Fri 18 Dec 2026")  # deadline − 6 weeks
    assert dialog.chosen_date() == TODAY  # the target has passed: as soon as possible
    assert dialog.date_warning.text().startswith("◔ In time, but after the target date")
    assert not dialog.form.isRowVisible(dialog.reason_row)
    assert dialog.ok_button.text() == "&Book review"


@pytest.mark.parametrize(
    ("day", "warning"),
    [
        pytest.param(D(2027, 1, 29), "◔ In time, but after the target date", id="on the deadline"),
        pytest.param(D(2027, 1, 30), "⚠ After the statutory deadline", id="the day after"),
        pytest.param(D(2027, 3, 1), "⚠ After the statutory deadline", id="a month late"),
    ],
)
def test_the_date_is_checked_against_the_deadline_beside_the_date(
    dialog: BookingDialog, day: dt.date, warning: str
) -> None:
    dialog.set_date(day)
    assert not dialog.date_warning.isHidden()
    assert dialog.date_warning.text().startswith(warning)
    assert dialog.form.isRowVisible(dialog.reason_row) == (day > DEADLINE)


def test_a_late_date_without_a_reason_is_refused_beside_the_reason_box(
    qtbot: QtBot,
    dialog: BookingDialog,
    store: CaseloadStore,
    track_id: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    dialog.set_date(D(2027, 2, 3))
    _click_ok(qtbot, dialog)
    assert dialog.result() != BookingDialog.DialogCode.Accepted
    assert dialog.isVisible()
    assert "needed when a review is booked after its deadline" in dialog.problems.message(
        "late_reason"
    )
    assert "after the statutory deadline" in dialog.problems.summary.text()
    assert asked == []  # nothing to confirm until there is a reason
    assert _reviews(store, track_id) == []


def test_a_late_date_with_a_reason_is_confirmed_then_booked(
    qtbot: QtBot,
    dialog: BookingDialog,
    store: CaseloadStore,
    track_id: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    dialog.set_date(D(2027, 2, 3))
    qtbot.keyClicks(dialog.reason_edit, "The child asked for half term so she can come.")
    qtbot.keyClicks(dialog.time_edit, "10:30")
    qtbot.keyClicks(dialog.venue_edit, "Demo family centre")
    _click_ok(qtbot, dialog)
    assert dialog.result() == BookingDialog.DialogCode.Accepted
    assert len(asked) == 1 and "5 days after the statutory deadline" in asked[0]
    [review] = _reviews(store, track_id)
    assert (review.status, review.scheduled_date, review.scheduled_time, review.venue) == (
        "booked", D(2027, 2, 3), "10:30", "Demo family centre"
    )
    assert review.late_reason == "The child asked for half term so she can come."
    assert dialog.review_id == review.id
    assert dialog.outcome.endswith("after the statutory deadline (Fri 29 Jan 2027).")


def test_saying_no_to_the_late_booking_books_nothing(
    qtbot: QtBot,
    dialog: BookingDialog,
    store: CaseloadStore,
    track_id: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _answer(monkeypatch, QMessageBox.StandardButton.No)
    dialog.set_date(D(2027, 2, 3))
    qtbot.keyClicks(dialog.reason_edit, "Chair unavailable.")
    _click_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert _reviews(store, track_id) == []


def test_a_date_in_time_is_booked_without_a_reason_or_a_question(
    qtbot: QtBot,
    dialog: BookingDialog,
    store: CaseloadStore,
    track_id: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = _answer(monkeypatch, QMessageBox.StandardButton.No)
    dialog.set_date(D(2027, 1, 20))
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("online"))
    _click_ok(qtbot, dialog)
    assert asked == []
    [review] = _reviews(store, track_id)
    assert (review.scheduled_date, review.format, review.late_reason) == (
        D(2027, 1, 20), "online", ""
    )


@pytest.mark.parametrize(
    ("time", "field"),
    [
        pytest.param("25:99", "time", id="no such time"),
        pytest.param("half ten", "time", id="words for a time"),
    ],
)
def test_a_problem_is_shown_beside_its_field_and_nothing_is_booked(
    qtbot: QtBot,
    dialog: BookingDialog,
    store: CaseloadStore,
    track_id: uuid.UUID,
    time: str,
    field: str,
) -> None:
    dialog.set_date(D(2027, 1, 20))
    qtbot.keyClicks(dialog.time_edit, time)
    _click_ok(qtbot, dialog)
    assert "HH:MM" in dialog.problems.message(field)
    assert dialog.problems.message("date") == ""
    assert _reviews(store, track_id) == []


def test_a_second_booking_on_the_track_is_refused_with_the_reason(
    qtbot: QtBot, dialog: BookingDialog, store: CaseloadStore, track_id: uuid.UUID
) -> None:
    with store.session() as session:
        book_review(session, track_id=track_id, date=D(2027, 1, 12), today=TODAY,
                    settings=SETTINGS)
    dialog.set_date(D(2027, 1, 20))
    _click_ok(qtbot, dialog)
    assert dialog.problems.message("date") == "a review is already booked"
    assert len(_reviews(store, track_id)) == 1


def test_moving_a_booked_review_keeps_its_details_and_checks_the_deadline(
    qtbot: QtBot, store: CaseloadStore, track_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.session() as session:
        book_review(session, track_id=track_id, date=D(2027, 1, 12), time="14:00",
                    venue="Demo school", format="hybrid", today=TODAY, settings=SETTINGS)
    item = _item(store, track_id)
    dialog = BookingDialog(store, today=TODAY, settings=SETTINGS, item=item)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.moving and dialog.windowTitle() == "Move review"
    assert dialog.booked_label.text() == "Tue 12 Jan 2027, 14:00, hybrid, Demo school"
    assert (dialog.chosen_date(), dialog.time_edit.text(), dialog.venue_edit.text()) == (
        D(2027, 1, 12), "14:00", "Demo school"
    )
    dialog.set_date(D(2027, 2, 1))
    _click_ok(qtbot, dialog)
    assert dialog.problems.message("late_reason")
    _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.keyClicks(dialog.reason_edit, "The social worker is on leave until February.")
    _click_ok(qtbot, dialog)
    [review] = _reviews(store, track_id)
    assert (review.scheduled_date, review.scheduled_time, review.format) == (
        D(2027, 2, 1), "14:00", "hybrid"
    )
    assert review.late_reason.startswith("The social worker")
    assert dialog.outcome.startswith("Moved the child in care review for Ada Example")


def test_choosing_another_review_shows_its_deadline(
    qtbot: QtBot, store: CaseloadStore, track_id: uuid.UUID
) -> None:
    other = _child_in_care(store, "DEMO-0002", "Finn")
    first, second = _item(store, track_id), _item(store, other)
    dialog = BookingDialog(
        store, today=TODAY, settings=SETTINGS, item=first, choices=[first, second]
    )
    qtbot.addWidget(dialog)
    assert dialog.review_choice.count() == 2
    assert "Ada Example" in dialog.review_label.text()
    dialog.review_choice.setCurrentIndex(1)
    assert dialog.item is second
    assert "Finn Example" in dialog.review_label.text()


@pytest.mark.parametrize(
    ("mode", "status", "button"),
    [
        pytest.param("stand_down", "stood_down", "&Stand down review", id="stand down"),
        pytest.param("cancel", "cancelled", "&Cancel review", id="cancel"),
    ],
)
def test_calling_off_a_review_needs_a_reason(
    qtbot: QtBot,
    store: CaseloadStore,
    track_id: uuid.UUID,
    mode: str,
    status: str,
    button: str,
) -> None:
    with store.session() as session:
        book_review(session, track_id=track_id, date=D(2027, 1, 12), today=TODAY,
                    settings=SETTINGS)
    dialog = CallOffDialog(store, item=_item(store, track_id), mode=mode)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.ok_button.text() == button
    _click_ok(qtbot, dialog)
    assert dialog.problems.message("reason") == "needed"
    assert _reviews(store, track_id)[0].status == "booked"
    qtbot.keyClicks(dialog.reason_edit, "The child has returned home.")
    _click_ok(qtbot, dialog)
    [review] = _reviews(store, track_id)
    assert (review.status, review.cancel_reason) == (status, "The child has returned home.")


def test_the_dialogs_refuse_items_they_cannot_handle(
    store: CaseloadStore, track_id: uuid.UUID
) -> None:
    item = _item(store, track_id)
    from dataclasses import replace

    with pytest.raises(ValueError, match="review item"):
        BookingDialog(store, today=TODAY, settings=SETTINGS,
                      item=replace(item, kind="pre_review_visit"))
    with pytest.raises(ValueError, match="booked review"):
        CallOffDialog(store, item=item, mode="cancel")
    with pytest.raises(ValueError, match="unknown mode"):
        CallOffDialog(store, item=replace(item, review_id=uuid.uuid4()), mode="postpone")
