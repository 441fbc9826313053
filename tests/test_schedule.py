"""Due items: what the calendar and ``iro-desk due`` show for a caseload on a fixed day."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator

import pytest
from sqlmodel import Session

from iro_desk.cli import main
from iro_desk.demo import build_demo
from iro_desk.errors import ValidationError
from iro_desk.history import tombstone
from iro_desk.models import (
    CareEpisode,
    CaseTrack,
    Challenge,
    Child,
    Decision,
    Letter,
    Review,
    Visit,
)
from iro_desk.schedule import (
    DueItem,
    due_items,
    next_deadline_for_track,
    next_review_by_child,
    review_items,
    review_timeliness,
)
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore

D = dt.date
TODAY = D(2027, 1, 4)
SETTINGS = Settings()


# -- builders -----------------------------------------------------------------------------------


def add_child(session: Session, ref: str = "DEMO-0001", **names: str) -> Child:
    child = Child(
        child_ref=ref,
        first_name=names.get("first", "Ada"),
        last_name=names.get("last", "Example"),
        preferred_name=names.get("preferred", ""),
        dob=D(2015, 3, 1),
    )
    session.add(child)
    return child


def add_track(
    session: Session,
    kind: str,
    start: dt.date,
    child: Child | None = None,
    *,
    legal_status: str = "C2",
    end: dt.date | None = None,
    episode_end: dt.date | None = None,
    household: str = "",
) -> CaseTrack:
    episode_id = None
    if kind == "cla" and child is not None:
        episode = CareEpisode(
            child_id=child.id, start_date=start, end_date=episode_end, legal_status=legal_status
        )
        session.add(episode)
        episode_id = episode.id
    track = CaseTrack(
        kind=kind,
        child_id=child.id if child else None,
        episode_id=episode_id,
        household_name=household,
        start_date=start,
        end_date=end,
    )
    session.add(track)
    return track


def hold(session: Session, track: CaseTrack, *days: dt.date, **fields: object) -> list[Review]:
    reviews = []
    for day in days:
        values = {"decisions_circulated_on": day, "record_completed_on": day} | fields
        review = Review(
            track_id=track.id,
            child_id=track.child_id,
            status="held",
            scheduled_date=day,
            held_on=day,
            **values,
        )
        session.add(review)
        reviews.append(review)
    return reviews


def book(session: Session, track: CaseTrack, day: dt.date, **fields: object) -> Review:
    values = {"status": "booked"} | fields
    review = Review(track_id=track.id, child_id=track.child_id, scheduled_date=day, **values)
    session.add(review)
    return review


def items_for(
    store: CaseloadStore, settings: Settings = SETTINGS, today: dt.date = TODAY, **kwargs: object
) -> list[DueItem]:
    with store.session() as session:
        return due_items(session, today=today, settings=settings, **kwargs)  # type: ignore[arg-type]


def only(items: list[DueItem], kind: str) -> DueItem:
    found = [item for item in items if item.kind == kind]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def session(store: CaseloadStore) -> Iterator[Session]:
    with store.session() as open_session:
        yield open_session


# -- the next review of each kind ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "held", "item_kind", "deadline"),
    [
        pytest.param("cla", D(2026, 12, 7), [], "cla_review", D(2027, 1, 7), id="cla first"),
        pytest.param(
            "cla",
            D(2026, 10, 1),
            [D(2026, 10, 29)],
            "cla_review",
            D(2027, 1, 29),
            id="cla second",
        ),
        pytest.param(
            "cla",
            D(2026, 1, 5),
            [D(2026, 1, 30), D(2026, 4, 30), D(2026, 10, 31)],
            "cla_review",
            D(2027, 4, 30),
            id="cla later, from a 31st",
        ),
        pytest.param("cp", D(2026, 12, 17), [], "cp_conference", D(2027, 1, 12), id="cp initial"),
        pytest.param(
            "cp",
            D(2026, 11, 2),
            [D(2026, 11, 20)],
            "cp_conference",
            D(2027, 2, 20),
            id="cp first review conference",
        ),
        pytest.param(
            "pathway",
            D(2026, 7, 1),
            [D(2026, 12, 1)],
            "pathway_review",
            D(2027, 6, 1),
            id="pathway",
        ),
        pytest.param(
            "secure", D(2026, 12, 31), [], "secure_review", D(2027, 1, 31), id="secure first"
        ),
        pytest.param(
            "private_fostering",
            D(2026, 11, 30),
            [],
            "private_fostering_review",
            D(2027, 2, 28),
            id="private fostering from settings",
        ),
    ],
)
def test_each_kind_of_track_gives_its_deadline(
    store: CaseloadStore,
    kind: str,
    start: dt.date,
    held: list[dt.date],
    item_kind: str,
    deadline: dt.date,
) -> None:
    with store.session() as session:
        child = add_child(session)
        track = add_track(session, kind, start, child)
        hold(session, track, *held)
    item = only(items_for(store), item_kind)
    assert item.deadline == deadline
    assert item.child_id == "DEMO-0001"
    assert item.child_name == "Ada Example"
    assert item.track_id == track.id


def test_a_foster_carer_household_is_named_by_household(store: CaseloadStore) -> None:
    with store.session() as session:
        track = add_track(session, "fostering", D(2026, 3, 15), household="The Demo household")
    item = only(items_for(store), "fostering_review")
    assert (item.child_uuid, item.child_id, item.child_name) == (None, "", "The Demo household")
    assert item.deadline == D(2027, 3, 15)
    assert item.track_id == track.id


def test_the_preferred_name_is_used(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session, first="Alexandra", last="Demo", preferred="Lexi")
        add_track(session, "cla", D(2026, 12, 7), child)
    assert only(items_for(store), "cla_review").child_name == "Lexi Demo"


def test_short_breaks_follow_the_short_break_rule(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        add_track(session, "cla", D(2026, 12, 10), child, legal_status="V3")
    assert only(items_for(store), "cla_review").deadline == D(2027, 3, 10)


def test_a_return_to_care_restarts_the_cycle(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        old = add_track(session, "cla", D(2026, 3, 2), child, episode_end=D(2026, 9, 1))
        old.end_date = D(2026, 9, 1)
        hold(session, old, D(2026, 3, 27), D(2026, 6, 20))
        new = add_track(session, "cla", D(2027, 1, 4), child)
    item = only(items_for(store), "cla_review")
    assert item.track_id == new.id
    assert item.deadline == D(2027, 2, 1)  # 20 working days, as for any first review


def test_a_late_review_moves_the_next_deadline(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        track = add_track(session, "cla", D(2026, 1, 12), child)
        first, late = hold(session, track, D(2026, 2, 6), D(2026, 5, 20))
    # Second due by 6 May (3 months after 6 Feb) but held 20 May: the third runs from then.
    assert only(items_for(store), "cla_review").deadline == D(2026, 11, 20)
    with store.session() as session:
        timeliness = review_timeliness(session, SETTINGS)
    assert timeliness[first.id] == (D(2026, 2, 9), True)
    assert timeliness[late.id] == (D(2026, 5, 6), False)


@pytest.mark.parametrize(
    ("last_held", "booked", "status"),
    [
        pytest.param(D(2026, 7, 3), None, "overdue", id="deadline passed yesterday: overdue"),
        pytest.param(D(2026, 7, 4), None, "due_soon", id="deadline today: still due soon"),
        pytest.param(D(2026, 7, 18), None, "due_soon", id="deadline in 14 days: due soon"),
        pytest.param(D(2026, 7, 19), None, "upcoming", id="deadline in 15 days: upcoming"),
        pytest.param(D(2026, 7, 19), D(2027, 1, 12), "scheduled", id="booked in time"),
        pytest.param(
            D(2026, 7, 19), D(2027, 1, 19), "scheduled", id="booked on the deadline is in time"
        ),
        pytest.param(
            D(2026, 7, 19), D(2027, 1, 20), "overdue", id="booked after the deadline: overdue"
        ),
        pytest.param(
            D(2026, 7, 19),
            D(2026, 12, 30),
            "scheduled",
            id="booked date passed, not yet recorded, deadline ahead: still booked",
        ),
        pytest.param(
            D(2026, 7, 1),
            D(2026, 12, 30),
            "overdue",
            id="booked date passed and the deadline too: overdue",
        ),
    ],
)
def test_review_status(
    store: CaseloadStore, last_held: dt.date, booked: dt.date | None, status: str
) -> None:
    with store.session() as session:
        child = add_child(session)
        track = add_track(session, "cla", D(2025, 12, 1), child)
        hold(session, track, D(2025, 12, 20), last_held)
        booking = book(session, track, booked) if booked else None
    item = only(items_for(store), "cla_review")
    assert item.status == status
    assert item.scheduled == booked
    assert item.review_id == (booking.id if booking else None)


def test_target_is_six_weeks_before_the_deadline_by_default(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        track = add_track(session, "cla", D(2025, 12, 1), child)
        hold(session, track, D(2025, 12, 20), D(2026, 9, 15))
    assert only(items_for(store), "cla_review").target == D(2027, 2, 1)
    eight_weeks = Settings(target_weeks_before_deadline=8)
    assert only(items_for(store, eight_weeks), "cla_review").target == D(2027, 1, 18)


def test_a_first_review_has_no_target_earlier_than_its_start(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        add_track(session, "cla", D(2026, 12, 7), child)
    item = only(items_for(store), "cla_review")
    assert item.target is None
    assert item.deadline == D(2027, 1, 7)


@pytest.mark.parametrize(
    "what",
    [
        "deleted child",
        "deleted track",
        "track ended",
        "episode ended",
    ],
)
def test_closed_or_deleted_tracks_are_not_due(store: CaseloadStore, what: str) -> None:
    with store.session() as session:
        child = add_child(session)
        track = add_track(
            session,
            "cla",
            D(2026, 12, 7),
            child,
            end=D(2027, 1, 3) if what == "track ended" else None,
            episode_end=D(2027, 1, 3) if what == "episode ended" else None,
        )
    with store.session() as session:
        if what == "deleted child":
            tombstone(session, session.get(Child, child.id))
        if what == "deleted track":
            tombstone(session, session.get(CaseTrack, track.id))
    assert [item for item in items_for(store) if item.is_review] == []


def test_a_track_ending_today_is_still_due(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        add_track(session, "cp", D(2026, 12, 17), child, end=TODAY)
    assert only(items_for(store), "cp_conference").deadline == D(2027, 1, 12)


def test_deleted_and_called_off_reviews_do_not_count(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        track = add_track(session, "cla", D(2026, 10, 1), child)
        (first,) = hold(session, track, D(2026, 10, 29))
        (wrong,) = hold(session, track, D(2026, 12, 1))
        book(session, track, D(2027, 1, 20), status="cancelled")
    with store.session() as session:
        tombstone(session, session.get(Review, wrong.id))
    item = only(items_for(store), "cla_review")
    assert item.deadline == D(2027, 1, 29)  # 3 months from the first: the second is still due
    assert item.scheduled is None


def test_changes_not_yet_committed_are_seen(session: Session) -> None:
    child = add_child(session)
    track = add_track(session, "cla", D(2026, 10, 1), child)
    hold(session, track, D(2026, 10, 29))
    items = due_items(session, today=TODAY, settings=SETTINGS)
    assert only(items, "cla_review").deadline == D(2027, 1, 29)


# -- pre-review visits --------------------------------------------------------------------------


BOOKED = D(2027, 2, 3)
LAST_HELD = D(2026, 8, 20)


def _visit_case(
    session: Session, *, booked: dt.date | None = BOOKED, last_held: dt.date = LAST_HELD
) -> tuple[Child, CaseTrack, list[Review], Review | None]:
    child = add_child(session)
    track = add_track(session, "cla", D(2026, 1, 5), child)
    held = hold(session, track, D(2026, 1, 30), last_held)
    booking = book(session, track, booked) if booked else None
    return child, track, held, booking


def test_the_visit_window_is_the_20_working_days_before_the_booked_review(
    store: CaseloadStore,
) -> None:
    with store.session() as session:
        _child, track, _held, booking = _visit_case(session)
    visit = only(items_for(store), "pre_review_visit")
    assert (visit.target, visit.deadline) == (D(2027, 1, 6), D(2027, 2, 3))
    assert visit.status == "upcoming"  # the window opens on Wednesday
    assert visit.review_id == booking.id and visit.track_id == track.id
    assert visit.child_id == "DEMO-0001"


def test_a_visit_is_due_soon_once_its_window_opens(store: CaseloadStore) -> None:
    with store.session() as session:
        _visit_case(session, booked=D(2027, 1, 20))
    visit = only(items_for(store), "pre_review_visit")
    assert visit.target == D(2026, 12, 18)  # back over New Year and Christmas
    assert visit.status == "due_soon"


@pytest.mark.parametrize(
    ("link", "day", "status", "expect_item"),
    [
        pytest.param("booked", D(2026, 12, 1), "done", False, id="done and linked: no item"),
        pytest.param(None, D(2026, 12, 1), "done", False, id="done since the last review"),
        pytest.param(None, D(2026, 8, 20), "done", True, id="done on the last review's day"),
        pytest.param("held", D(2026, 12, 1), "done", True, id="linked to the last review"),
        pytest.param(None, D(2026, 12, 1), "cancelled", True, id="cancelled visit"),
    ],
)
def test_which_visits_count(
    store: CaseloadStore, link: str | None, day: dt.date, status: str, expect_item: bool
) -> None:
    with store.session() as session:
        child, _track, held, booking = _visit_case(session)
        review_id = {"booked": booking.id, "held": held[-1].id, None: None}[link]
        session.add(Visit(child_id=child.id, review_id=review_id, status=status, visit_date=day))
    found = [item for item in items_for(store) if item.kind == "pre_review_visit"]
    assert bool(found) is expect_item


def test_a_planned_visit_shows_as_booked(store: CaseloadStore) -> None:
    with store.session() as session:
        child, _track, _held, booking = _visit_case(session)
        visit = Visit(
            child_id=child.id, review_id=booking.id, status="planned", visit_date=D(2027, 1, 25)
        )
        session.add(visit)
    item = only(items_for(store), "pre_review_visit")
    assert (item.status, item.scheduled, item.ref_id) == ("scheduled", D(2027, 1, 25), visit.id)


def test_an_unbooked_review_puts_the_visit_before_its_target(store: CaseloadStore) -> None:
    with store.session() as session:
        _visit_case(session, booked=None, last_held=D(2026, 10, 15))
    review = only(items_for(store), "cla_review")
    visit = only(items_for(store), "pre_review_visit")
    assert (review.deadline, review.target) == (D(2027, 4, 15), D(2027, 3, 4))
    assert visit.deadline == D(2027, 3, 4)
    assert visit.target == D(2027, 2, 4)


def test_once_the_target_has_passed_the_visit_is_due_by_the_deadline(
    store: CaseloadStore,
) -> None:
    with store.session() as session:
        _visit_case(session, booked=None, last_held=D(2026, 7, 25))
    review = only(items_for(store), "cla_review")
    visit = only(items_for(store), "pre_review_visit")
    assert review.target == D(2026, 12, 14)
    assert visit.deadline == review.deadline == D(2027, 1, 25)
    assert visit.status == "due_soon"


def test_a_review_date_passed_without_a_visit_is_overdue(store: CaseloadStore) -> None:
    with store.session() as session:
        _visit_case(session, booked=D(2026, 12, 30), last_held=D(2026, 7, 19))
    assert only(items_for(store), "pre_review_visit").status == "overdue"


def test_visits_follow_the_kinds_in_settings(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        add_track(session, "cp", D(2026, 12, 17), child)
        add_track(session, "fostering", D(2026, 3, 15), household="The Demo household")
    assert not [item for item in items_for(store) if item.kind == "pre_review_visit"]
    with_cp = Settings(pre_review_visit_kinds=["cla", "cp"])
    visit = only(items_for(store, with_cp), "pre_review_visit")
    assert visit.deadline == D(2027, 1, 12)


# -- decisions, paperwork, challenges -----------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "status", "state"),
    [
        pytest.param(D(2027, 1, 3), "open", "overdue", id="open and past its date: overdue"),
        pytest.param(D(2027, 1, 4), "open", "due_soon", id="due today: due soon"),
        pytest.param(D(2027, 1, 18), "open", "due_soon", id="due in 14 days: due soon"),
        pytest.param(D(2027, 1, 19), "open", None, id="due in 15 days: not listed yet"),
        pytest.param(D(2026, 12, 1), "done", None, id="done: not listed"),
        pytest.param(D(2026, 12, 1), "dropped", None, id="no longer needed: not listed"),
    ],
)
def test_decisions_due(
    store: CaseloadStore, due_on: dt.date, status: str, state: str | None
) -> None:
    with store.session() as session:
        child = add_child(session)
        track = add_track(session, "cla", D(2026, 10, 1), child)
        (review,) = hold(session, track, D(2026, 10, 29))
        decision = Decision(
            review_id=review.id,
            child_id=child.id,
            text="Arrange a demo dentist appointment",
            responsible="Carer",
            due_on=due_on,
            status=status,
        )
        session.add(decision)
    found = [item for item in items_for(store) if item.kind == "decisions_due"]
    if state is None:
        assert found == []
        return
    (item,) = found
    assert (item.status, item.deadline, item.ref_id, item.review_id) == (
        state,
        due_on,
        decision.id,
        review.id,
    )
    assert "dentist" in item.detail and "Carer" in item.detail


def test_decisions_of_a_deleted_decision_or_closed_track_are_not_due(
    store: CaseloadStore,
) -> None:
    with store.session() as session:
        child = add_child(session)
        closed = add_track(session, "cp", D(2026, 1, 5), child, end=D(2026, 12, 1))
        (review,) = hold(session, closed, D(2026, 1, 20))
        session.add(Decision(review_id=review.id, text="Old CP action", due_on=D(2026, 6, 1)))
        deleted = Decision(review_id=review.id, text="Deleted", due_on=D(2026, 6, 1))
        session.add(deleted)
    with store.session() as session:
        tombstone(session, session.get(Decision, deleted.id))
    assert not [item for item in items_for(store) if item.kind == "decisions_due"]


@pytest.mark.parametrize(
    ("circulated", "completed", "deadline", "status"),
    [
        pytest.param(None, None, D(2026, 12, 30), "overdue", id="decisions not circulated"),
        pytest.param(D(2026, 12, 23), None, D(2027, 1, 21), "upcoming", id="record not completed"),
        pytest.param(D(2026, 12, 23), D(2027, 1, 2), None, None, id="all done: nothing due"),
    ],
)
def test_record_due_after_a_review(
    store: CaseloadStore,
    circulated: dt.date | None,
    completed: dt.date | None,
    deadline: dt.date | None,
    status: str | None,
) -> None:
    with store.session() as session:
        child = add_child(session)
        track = add_track(session, "cla", D(2026, 11, 20), child)
        (review,) = hold(
            session,
            track,
            D(2026, 12, 21),
            decisions_circulated_on=circulated,
            record_completed_on=completed,
        )
    found = [item for item in items_for(store) if item.kind == "record_due"]
    if deadline is None:
        assert found == []
        return
    (item,) = found
    assert (item.deadline, item.status, item.review_id) == (deadline, status, review.id)


def test_record_due_uses_the_settings(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        track = add_track(session, "cla", D(2026, 11, 20), child)
        hold(session, track, D(2026, 12, 21), decisions_circulated_on=None)
    quicker = Settings(decisions_circulated_working_days=2)
    assert only(items_for(store, quicker), "record_due").deadline == D(2026, 12, 23)


@pytest.mark.parametrize(
    ("response_due", "status", "state"),
    [
        pytest.param(D(2026, 12, 31), "open", "overdue", id="reply late: overdue"),
        pytest.param(D(2027, 1, 11), "open", "due_soon", id="reply due next week"),
        pytest.param(D(2027, 3, 1), "open", "upcoming", id="reply due later"),
        pytest.param(D(2026, 12, 31), "resolved", None, id="resolved: nothing due"),
        pytest.param(None, "open", None, id="no reply date: nothing to count"),
    ],
)
def test_challenge_response(
    store: CaseloadStore, response_due: dt.date | None, status: str, state: str | None
) -> None:
    with store.session() as session:
        child = add_child(session)
        challenge = Challenge(
            child_id=child.id,
            theme="Reports not shared",
            issue="The demo report was late.",
            level=2,
            raised_on=D(2026, 12, 1),
            response_due=response_due,
            status=status,
            addressed_to_role="Team manager",
        )
        session.add(challenge)
    found = [item for item in items_for(store) if item.kind == "challenge_response"]
    if state is None:
        assert found == []
        return
    (item,) = found
    assert (item.status, item.ref_id, item.child_id) == (state, challenge.id, "DEMO-0001")
    assert "Level 2" in item.detail and "Team manager" in item.detail


# -- lists, ranges, per child -------------------------------------------------------------------


def test_the_list_is_overdue_first_then_due_soon_booked_upcoming(store: CaseloadStore) -> None:
    with store.session() as session:
        for number, (last_held, booked) in enumerate(
            [
                (D(2026, 8, 1), None),  # upcoming
                (D(2026, 7, 20), D(2027, 1, 10)),  # booked
                (D(2026, 7, 10), None),  # due soon
                (D(2026, 6, 1), None),  # overdue
            ]
        ):
            child = add_child(session, ref=f"DEMO-{number:04d}")
            track = add_track(session, "cla", D(2025, 12, 1), child)
            hold(session, track, D(2025, 12, 20), last_held)
            if booked:
                book(session, track, booked)
    statuses = [item.status for item in items_for(store) if item.is_review]
    assert statuses == ["overdue", "due_soon", "scheduled", "upcoming"]


def test_a_range_keeps_items_dated_or_booked_in_it(store: CaseloadStore) -> None:
    with store.session() as session:
        early = add_track(session, "fostering", D(2026, 1, 20), household="Early household")
        late = add_track(session, "fostering", D(2026, 3, 20), household="Booked household")
        book(session, late, D(2027, 1, 25))
        add_track(session, "fostering", D(2026, 6, 1), household="Later household")
    january = items_for(store, start=D(2027, 1, 1), end=D(2027, 1, 31))
    assert {item.track_id for item in january} == {early.id, late.id}
    assert {item.child_name for item in items_for(store, start=D(2027, 3, 1))} == {
        "Booked household",
        "Later household",
    }


def test_a_range_ending_before_it_starts_is_refused(store: CaseloadStore) -> None:
    with pytest.raises(ValidationError, match="before it starts"):
        items_for(store, start=D(2027, 2, 1), end=D(2027, 1, 1))


def test_next_review_by_child_picks_the_earliest_deadline(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        cla = add_track(session, "cla", D(2026, 10, 1), child)
        hold(session, cla, D(2026, 10, 29))
        add_track(session, "cp", D(2026, 12, 17), child)
        other = add_child(session, ref="DEMO-0002")
        add_track(session, "secure", D(2026, 12, 31), other)
    with store.session() as session:
        nexts = next_review_by_child(session, today=TODAY, settings=SETTINGS)
    assert {key: (item.kind, item.deadline) for key, item in nexts.items()} == {
        child.id: ("cp_conference", D(2027, 1, 12)),
        other.id: ("secure_review", D(2027, 1, 31)),
    }


def _per_child_case(session: Session, situation: str) -> Child:
    """The child whose items are compared, among others, in one of the situations below."""
    child = add_child(session)
    other = add_child(session, ref="DEMO-0002", first="Ben")
    add_track(session, "cla", D(2026, 9, 1), other)
    add_track(session, "fostering", D(2026, 6, 1), household="The Carers")
    if situation == "one track never reviewed":
        add_track(session, "cla", D(2026, 12, 7), child)
    elif situation == "reviews held and one booked":
        track = add_track(session, "cla", D(2026, 3, 1), child)
        hold(session, track, D(2026, 3, 27), D(2026, 9, 20))
        book(session, track, D(2027, 2, 10))
    elif situation == "several tracks of different kinds":
        add_track(session, "cla", D(2026, 10, 1), child)
        add_track(session, "cp", D(2026, 12, 17), child)
        add_track(session, "pathway", D(2026, 5, 1), child)
    elif situation == "a closed track beside an open one":
        add_track(session, "cp", D(2025, 1, 1), child, end=D(2026, 6, 1))
        add_track(session, "cla", D(2026, 11, 1), child)
    elif situation == "a short break":
        add_track(session, "cla", D(2026, 11, 1), child, legal_status="V3")
    elif situation == "nothing open":
        add_track(session, "cla", D(2025, 1, 1), child, episode_end=D(2026, 1, 1))
    elif situation == "the other child's booking does not leak":
        track = add_track(session, "cla", D(2026, 10, 1), child)
        other_track = add_track(session, "cp", D(2026, 12, 1), other)
        book(session, other_track, D(2027, 1, 8))
        hold(session, track, D(2026, 10, 27))
    return child


@pytest.mark.parametrize(
    "situation",
    [
        "one track never reviewed",
        "reviews held and one booked",
        "several tracks of different kinds",
        "a closed track beside an open one",
        "a short break",
        "nothing open",
        "the other child's booking does not leak",
    ],
)
def test_one_childs_review_items_are_the_caseloads_filtered_to_the_child(
    store: CaseloadStore, situation: str
) -> None:
    with store.session() as session:
        child = _per_child_case(session, situation)
    with store.session() as session:
        everyone = review_items(session, today=TODAY, settings=SETTINGS)
        one = review_items(session, today=TODAY, settings=SETTINGS, child_uuid=child.id)
    assert one == [item for item in everyone if item.child_uuid == child.id]
    assert situation == "nothing open" or one


def test_a_deleted_child_has_no_review_items(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        add_track(session, "cla", D(2026, 12, 7), child)
    with store.session() as session:
        tombstone(session, session.get(Child, child.id))
    with store.session() as session:
        assert review_items(session, today=TODAY, settings=SETTINGS, child_uuid=child.id) == []


def test_every_demo_childs_review_items_match_the_whole_caseloads(store: CaseloadStore) -> None:
    build_demo(store, children=25, years=3, seed=11, today=TODAY)
    with store.session() as session:
        settings = load_settings(session)
        everyone = review_items(session, today=TODAY, settings=settings)
        children = {item.child_uuid for item in everyone if item.child_uuid is not None}
        assert len(children) > 10
        for child_uuid in children:
            one = review_items(session, today=TODAY, settings=settings, child_uuid=child_uuid)
            assert one == [item for item in everyone if item.child_uuid == child_uuid]


def test_next_review_by_child_from_due_items_equals_reading_again(store: CaseloadStore) -> None:
    build_demo(store, children=25, years=3, seed=11, today=TODAY)
    with store.session() as session:
        settings = load_settings(session)
        read_again = next_review_by_child(session, today=TODAY, settings=settings)
        items = due_items(session, today=TODAY, settings=settings)
        from_items = next_review_by_child(session, today=TODAY, settings=settings, items=items)
    assert from_items == read_again


def test_due_item_json_has_the_documented_keys(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        add_track(session, "cla", D(2026, 12, 7), child)
    data = only(items_for(store), "cla_review").to_json()
    assert data["child_id"] == "DEMO-0001"
    assert data["child_name"] == "Ada Example"
    assert data["kind"] == "cla_review"
    assert data["deadline"] == "2027-01-07"
    assert data["target"] is None and data["scheduled"] is None
    assert data["status"] == "due_soon"
    json.dumps(data)


# -- against the demo caseload ------------------------------------------------------------------


def test_sql_path_agrees_with_the_rules_on_the_demo_caseload(store: CaseloadStore) -> None:
    build_demo(store, children=40, years=4, seed=7, today=TODAY)
    with store.session() as session:
        settings = load_settings(session)
        items = [item for item in due_items(session, today=TODAY, settings=settings)]
        reviews = [item for item in items if item.is_review]
        assert len(reviews) > 40
        for item in reviews:
            assert item.track_id is not None
            expected = next_deadline_for_track(session, track_id=item.track_id, settings=settings)
            assert item.deadline == expected, item.detail
        timeliness = review_timeliness(session, settings)
    held = sum(1 for value in timeliness.values() if value.in_time)
    assert timeliness and held / len(timeliness) > 0.9  # councils report 96-99% in timescale


# -- the command --------------------------------------------------------------------------------


def test_due_json_from_the_command_line(
    store: CaseloadStore, capsys: pytest.CaptureFixture[str]
) -> None:
    with store.session() as session:
        child = add_child(session)
        add_track(session, "cla", D(2026, 12, 7), child)
        add_track(session, "cp", D(2026, 11, 2), child)
    code = main(["due", "--db", str(store.path), "--today", "2027-01-04", "--json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    by_kind = {row["kind"]: row for row in rows}
    assert by_kind["cp_conference"]["status"] == "overdue"
    assert by_kind["cp_conference"]["deadline"] == "2026-11-23"
    assert by_kind["cla_review"]["deadline"] == "2027-01-07"
    for row in rows:
        assert {"child_id", "child_name", "kind", "deadline", "target", "scheduled", "status"} <= (
            set(row)
        )
        uuid.UUID(row["track_id"])


def test_due_table_lists_overdue_first(
    store: CaseloadStore, capsys: pytest.CaptureFixture[str]
) -> None:
    with store.session() as session:
        child = add_child(session)
        add_track(session, "cla", D(2026, 12, 7), child)
        add_track(session, "cp", D(2026, 11, 2), child)
    assert main(["due", "--db", str(store.path), "--today", "2027-01-04"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("STATUS")
    assert lines[1].startswith("OVERDUE") and "Child protection conference" in lines[1]
    assert "1 OVERDUE" in lines[-1]


def test_due_with_a_bad_date_says_how_to_write_it(
    store: CaseloadStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["due", "--db", str(store.path), "--today", "4/1/2027"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


# -- the introduction letter --------------------------------------------------------------------


def test_a_newly_allocated_child_is_owed_an_introduction_letter(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session, first="Newly", last="Arrived")
        add_track(session, "cla", D(2026, 12, 29), child)
    item = only(items_for(store), "intro_letter")
    # 10 working days from Tue 29 Dec 2026, skipping New Year's Day and the weekends.
    assert item.deadline == D(2027, 1, 13)
    assert item.status == "due_soon"
    assert item.child_name == "Newly Arrived"
    assert "introduction letter" in item.detail
    assert not item.is_review


def test_the_introduction_letter_once_made_is_no_longer_due(store: CaseloadStore) -> None:
    with store.session() as session:
        child = add_child(session)
        add_track(session, "cla", D(2026, 12, 29), child)
        session.add(Letter(child_id=child.id, kind="intro", file_name="intro.pdf"))
    assert [i for i in items_for(store) if i.kind == "intro_letter"] == []


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(D(2026, 12, 10), "overdue", id="deadline passed within the due-soon days"),
        pytest.param(D(2026, 9, 1), None, id="long-standing child: none owed"),
    ],
)
def test_an_overdue_introduction_letter_is_listed_a_while_then_dropped(
    store: CaseloadStore, start: dt.date, expected: str | None
) -> None:
    with store.session() as session:
        add_track(session, "cla", start, add_child(session))
    found = [i.status for i in items_for(store) if i.kind == "intro_letter"]
    assert found == ([expected] if expected else [])
