"""Booking reviews: the deadline check, one booking per track, moving and calling off."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from iro_desk.booking import (
    LateBookingError,
    book_review,
    booked_review,
    cancel_review,
    open_tracks_for_child,
    reschedule_review,
    stand_down_review,
)
from iro_desk.cli import main
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import CareEpisode, CaseTrack, ChangeLog, Child, Review
from iro_desk.schedule import due_items
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore

D = dt.date
TODAY = D(2027, 1, 4)
SETTINGS = Settings()
DEADLINE = D(2027, 1, 29)  # the second review: 3 months after the first, held 29 Oct 2026


def _caseload(session: Session) -> tuple[Child, CaseTrack]:
    child = Child(child_ref="DEMO-0001", first_name="Ada", last_name="Example")
    episode = CareEpisode(child_id=child.id, start_date=D(2026, 10, 1), legal_status="C2")
    track = CaseTrack(
        kind="cla", child_id=child.id, episode_id=episode.id, start_date=D(2026, 10, 1)
    )
    first = Review(
        track_id=track.id,
        child_id=child.id,
        status="held",
        held_on=D(2026, 10, 29),
        decisions_circulated_on=D(2026, 10, 30),
        record_completed_on=D(2026, 11, 5),
    )
    session.add_all([child, episode, track, first])
    session.flush()
    return child, track


@pytest.fixture
def caseload(store: CaseloadStore) -> tuple[Child, CaseTrack]:
    with store.session() as session:
        return _caseload(session)


@pytest.fixture
def session(store: CaseloadStore, caseload: tuple[Child, CaseTrack]) -> Iterator[Session]:
    with store.session() as open_session:
        yield open_session


def _book(session: Session, track: CaseTrack, day: dt.date, **kwargs: object) -> Review:
    values: dict[str, object] = {
        "time": "10:30",
        "venue": "Demo family centre",
        "format": "in_person",
    } | kwargs
    return book_review(
        session,
        track_id=track.id,
        date=day,
        today=TODAY,
        settings=SETTINGS,
        **values,  # type: ignore[arg-type]
    )


def test_booking_in_time(session: Session, caseload: tuple[Child, CaseTrack]) -> None:
    child, track = caseload
    review = _book(session, track, D(2027, 1, 20))
    assert (review.status, review.scheduled_date, review.scheduled_time) == (
        "booked",
        D(2027, 1, 20),
        "10:30",
    )
    assert review.child_id == child.id and review.late_reason == ""
    logged = session.exec(select(ChangeLog).where(ChangeLog.row_id == review.id)).all()
    assert [entry.action for entry in logged] == ["create"]
    (item,) = [i for i in due_items(session, today=TODAY, settings=SETTINGS) if i.is_review]
    assert (item.status, item.scheduled, item.review_id) == ("scheduled", D(2027, 1, 20), review.id)
    assert not item.can_book  # booked: it can be moved, not booked again


def test_only_a_due_review_not_yet_booked_can_be_booked(
    session: Session, caseload: tuple[Child, CaseTrack]
) -> None:
    items = due_items(session, today=TODAY, settings=SETTINGS)
    assert [item.kind for item in items if item.can_book] == ["cla_review"]
    others = [item for item in items if not item.is_review]
    assert others and all(not item.can_book for item in others), [i.kind for i in items]
    (item,) = [item for item in items if item.can_book]
    assert item.review_id is None and item.track_id == caseload[1].id


@pytest.mark.parametrize(
    ("day", "field"),
    [
        pytest.param(D(2027, 1, 3), "date", id="yesterday: in the past"),
        pytest.param(D(2026, 12, 1), "date", id="last month: in the past"),
    ],
)
def test_booking_in_the_past_is_refused(
    session: Session, caseload: tuple[Child, CaseTrack], day: dt.date, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        _book(session, caseload[1], day)
    assert field in raised.value.problems
    assert booked_review(session, caseload[1].id) is None


def test_booking_today_is_allowed(session: Session, caseload: tuple[Child, CaseTrack]) -> None:
    assert _book(session, caseload[1], TODAY).scheduled_date == TODAY


def test_booking_on_the_deadline_is_in_time(
    session: Session, caseload: tuple[Child, CaseTrack]
) -> None:
    assert _book(session, caseload[1], DEADLINE).late_reason == ""


def test_booking_after_the_deadline_needs_a_reason(
    session: Session, caseload: tuple[Child, CaseTrack]
) -> None:
    track = caseload[1]
    with pytest.raises(LateBookingError) as raised:
        _book(session, track, D(2027, 2, 1))
    assert raised.value.deadline == DEADLINE
    assert "late_reason" in raised.value.problems
    with pytest.raises(LateBookingError):
        _book(session, track, D(2027, 2, 1), late_reason="   ")
    review = _book(session, track, D(2027, 2, 1), late_reason="Child's exams; agreed with SW")
    assert review.late_reason == "Child's exams; agreed with SW"
    (item,) = [i for i in due_items(session, today=TODAY, settings=SETTINGS) if i.is_review]
    assert item.status == "overdue"
    assert "after the deadline" in item.detail and "exams" in item.detail


def test_only_one_booked_review_per_track(
    session: Session, caseload: tuple[Child, CaseTrack]
) -> None:
    _book(session, caseload[1], D(2027, 1, 20))
    with pytest.raises(ValidationError, match="Reschedule"):
        _book(session, caseload[1], D(2027, 1, 22))


@pytest.mark.parametrize(
    ("details", "field"),
    [
        pytest.param({"time": "25:00"}, "time", id="no 25 o'clock"),
        pytest.param({"time": "10.30"}, "time", id="time written with a dot"),
        pytest.param({"format": "carrier pigeon"}, "format", id="unknown format"),
    ],
)
def test_booking_details_are_checked(
    session: Session, caseload: tuple[Child, CaseTrack], details: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        _book(session, caseload[1], D(2027, 1, 20), **details)
    assert field in raised.value.problems


def test_a_track_that_ends_first_cannot_be_booked(
    session: Session, caseload: tuple[Child, CaseTrack]
) -> None:
    track = session.get(CaseTrack, caseload[1].id)
    track.end_date = D(2027, 1, 15)
    session.add(track)
    with pytest.raises(ValidationError, match="ends on"):
        _book(session, track, D(2027, 1, 20))


def test_rescheduling_moves_the_date_and_keeps_the_rest(
    session: Session, caseload: tuple[Child, CaseTrack]
) -> None:
    review = _book(session, caseload[1], D(2027, 1, 20))
    moved = reschedule_review(
        session, review_id=review.id, date=D(2027, 1, 27), today=TODAY, settings=SETTINGS
    )
    assert (moved.scheduled_date, moved.scheduled_time, moved.venue) == (
        D(2027, 1, 27),
        "10:30",
        "Demo family centre",
    )
    session.flush()
    history = session.exec(
        select(ChangeLog).where(ChangeLog.row_id == review.id, ChangeLog.action == "update")
    ).all()
    changes = [(json.loads(e.before_json), json.loads(e.after_json)) for e in history]
    assert ({"scheduled_date": "2027-01-20"}, {"scheduled_date": "2027-01-27"}) in changes


def test_rescheduling_late_needs_a_reason_and_moving_back_clears_it(
    session: Session, caseload: tuple[Child, CaseTrack]
) -> None:
    review = _book(session, caseload[1], D(2027, 1, 20))
    with pytest.raises(LateBookingError):
        reschedule_review(
            session, review_id=review.id, date=D(2027, 2, 3), today=TODAY, settings=SETTINGS
        )
    late = reschedule_review(
        session,
        review_id=review.id,
        date=D(2027, 2, 3),
        today=TODAY,
        settings=SETTINGS,
        late_reason="Chair unwell",
        venue="Online",
        format="online",
    )
    assert (late.late_reason, late.venue, late.format) == ("Chair unwell", "Online", "online")
    back = reschedule_review(
        session, review_id=review.id, date=D(2027, 1, 28), today=TODAY, settings=SETTINGS
    )
    assert back.late_reason == ""


@pytest.mark.parametrize(
    ("call_off", "status"),
    [
        pytest.param(stand_down_review, "stood_down", id="stood down"),
        pytest.param(cancel_review, "cancelled", id="cancelled"),
    ],
)
def test_calling_off_a_review_needs_a_reason_and_frees_the_track(
    session: Session, caseload: tuple[Child, CaseTrack], call_off: object, status: str
) -> None:
    review = _book(session, caseload[1], D(2027, 1, 20))
    with pytest.raises(ValidationError, match="Say why"):
        call_off(session, review_id=review.id, reason=" ")  # type: ignore[operator]
    done = call_off(session, review_id=review.id, reason="Child moved out of area")  # type: ignore[operator]
    assert (done.status, done.cancel_reason) == (status, "Child moved out of area")
    assert booked_review(session, caseload[1].id) is None
    again = _book(session, caseload[1], D(2027, 1, 25))
    assert again.id != review.id


def test_only_a_booked_review_can_be_moved(
    session: Session, caseload: tuple[Child, CaseTrack]
) -> None:
    held = session.exec(select(Review).where(Review.status == "held")).one()
    with pytest.raises(ValidationError, match="held, not booked"):
        reschedule_review(
            session, review_id=held.id, date=D(2027, 1, 20), today=TODAY, settings=SETTINGS
        )
    with pytest.raises(ValidationError, match="held, not booked"):
        cancel_review(session, review_id=held.id, reason="typo")


def test_open_tracks_for_child(session: Session, caseload: tuple[Child, CaseTrack]) -> None:
    child, tracks = open_tracks_for_child(session, child_ref="DEMO-0001", today=TODAY, kind="cla")
    assert child.id == caseload[0].id and [t.id for t in tracks] == [caseload[1].id]
    assert open_tracks_for_child(session, child_ref="DEMO-0001", today=TODAY, kind="cp")[1] == []
    with pytest.raises(IroDeskError, match="no child"):
        open_tracks_for_child(session, child_ref="DEMO-9999", today=TODAY)


# -- the commands -------------------------------------------------------------------------------


def _run(store: CaseloadStore, *args: str) -> int:
    return main([args[0], "--db", str(store.path), "--today", "2027-01-04", *args[1:]])


def test_book_reschedule_and_cancel_from_the_command_line(
    store: CaseloadStore,
    caseload: tuple[Child, CaseTrack],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        _run(store, "book", "--child", "DEMO-0001", "--date", "2027-01-20", "--time", "10:00") == 0
    )
    out = capsys.readouterr().out
    assert "Booked" in out and "Wed 20 Jan 2027" in out and "Fri 29 Jan 2027" in out

    assert _run(store, "reschedule", "--child", "DEMO-0001", "--date", "2027-02-02") == 2
    err = capsys.readouterr().err
    assert "after the statutory deadline" in err and "--late-reason" in err

    code = _run(
        store, "reschedule", "--child", "DEMO-0001", "--date", "2027-02-02",
        "--late-reason", "IRO on leave", "--json",
    )  # fmt: skip
    assert code == 0
    moved = json.loads(capsys.readouterr().out)
    assert (moved["scheduled"], moved["deadline"], moved["late_reason"]) == (
        "2027-02-02",
        "2027-01-29",
        "IRO on leave",
    )

    assert _run(store, "cancel-review", "--review", moved["review_id"], "--reason", "Snow") == 0
    assert "Cancelled" in capsys.readouterr().out
    with store.session() as session:
        review = session.get(Review, uuid.UUID(moved["review_id"]))
        assert (review.status, review.cancel_reason) == ("cancelled", "Snow")


def test_stand_down_from_the_command_line(
    store: CaseloadStore, caseload: tuple[Child, CaseTrack], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(store, "book", "--child", "DEMO-0001", "--date", "2027-01-20") == 0
    assert _run(store, "stand-down", "--child", "DEMO-0001", "--reason", "Left care") == 0
    assert "Stood down" in capsys.readouterr().out
    assert _run(store, "stand-down", "--child", "DEMO-0001", "--reason", "Again") == 1
    assert "no cla review booked" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(
            ("book", "--child", "DEMO-9999", "--date", "2027-01-20"), 1, "no child",
            id="unknown child",
        ),
        pytest.param(
            ("book", "--child", "DEMO-0001", "--kind", "cp", "--date", "2027-01-20"), 1,
            "no open child protection conference track", id="no track of that kind",
        ),
        pytest.param(
            ("book", "--child", "DEMO-0001", "--date", "2026-12-01"), 2, "in the past",
            id="date in the past",
        ),
        pytest.param(
            ("book", "--child", "DEMO-0001", "--date", "20/01/2027"), 2, "YYYY-MM-DD",
            id="date written the British way",
        ),
    ],
)  # fmt: skip
def test_booking_errors_from_the_command_line(
    store: CaseloadStore,
    caseload: tuple[Child, CaseTrack],
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    assert _run(store, *args) == code
    assert message in capsys.readouterr().err
