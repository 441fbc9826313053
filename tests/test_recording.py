"""Recording reviews, decisions, paperwork and visits: the rules, the history, the commands."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import uuid
from pathlib import Path

import pytest
from sqlmodel import select

from iro_desk import recording
from iro_desk.cli import main
from iro_desk.errors import ValidationError
from iro_desk.models import CareEpisode, CaseTrack, ChangeLog, Child, Decision, Review, Visit
from iro_desk.recording import DecisionInput, ReviewInput, VisitInput
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore

TODAY = dt.date(2027, 1, 4)


def add_child(
    store: CaseloadStore,
    *,
    ref: str = "DEMO-0001",
    first: str = "Tess",
    dob: dt.date | None = dt.date(2020, 6, 1),
    looked_after_from: dt.date = dt.date(2026, 3, 2),
    booked_for: dt.date | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """A child in care with one episode and its CLA track; returns (child id, track id)."""
    with store.session() as session:
        child = Child(child_ref=ref, first_name=first, last_name="Demo", dob=dob)
        episode = CareEpisode(child_id=child.id, start_date=looked_after_from, legal_status="C2")
        track = CaseTrack(
            kind="cla", child_id=child.id, episode_id=episode.id, start_date=looked_after_from
        )
        session.add_all([child, episode, track])
        if booked_for is not None:
            session.add(
                Review(
                    track_id=track.id,
                    child_id=child.id,
                    status="booked",
                    scheduled_date=booked_for,
                )
            )
    return child.id, track.id


def details(**changes: object) -> ReviewInput:
    base: dict[str, object] = {
        "held_on": dt.date(2026, 12, 14),
        "participation_code": "PN1",
        "format": "in_person",
        "venue": "Demo Family Centre",
        "attendees": "Tess, carer, social worker",
        "child_views": "I like my school.",
        "iro_summary": "Settled and happy.",
    }
    base.update(changes)
    return ReviewInput(**base)


def problems_of(store: CaseloadStore, track_id: uuid.UUID, review: ReviewInput) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.record_review(session, track_id=track_id, details=review, today=TODAY)
    return caught.value.problems


# --- participation codes and age ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "held_on", "code", "ok"),
    [
        pytest.param(dt.date(2024, 6, 1), dt.date(2026, 12, 14), "PN0", True, id="2-year-old-PN0"),
        pytest.param(dt.date(2024, 6, 1), dt.date(2026, 12, 14), "PN1", False, id="2-year-old-PN1"),
        pytest.param(dt.date(2024, 6, 1), dt.date(2026, 12, 14), "PN6", False, id="2-year-old-PN6"),
        pytest.param(
            dt.date(2022, 12, 14), dt.date(2026, 12, 14), "PN0", False, id="4th-birthday-PN0"
        ),
        pytest.param(
            dt.date(2022, 12, 14), dt.date(2026, 12, 14), "PN1", True, id="4th-birthday-PN1"
        ),
        pytest.param(
            dt.date(2022, 12, 15), dt.date(2026, 12, 14), "PN0", True, id="day-before-4th-PN0"
        ),
        pytest.param(
            dt.date(2022, 12, 15), dt.date(2026, 12, 14), "PN5", False, id="day-before-4th-PN5"
        ),
        pytest.param(dt.date(2020, 6, 1), dt.date(2026, 12, 14), "PN0", False, id="6-year-old-PN0"),
        pytest.param(dt.date(2020, 6, 1), dt.date(2026, 12, 14), "PN7", True, id="6-year-old-PN7"),
        pytest.param(
            dt.date(2022, 2, 28), dt.date(2026, 2, 27), "PN0", True, id="leap-born-day-before"
        ),
    ],
)
def test_participation_code_must_fit_the_childs_age_on_the_review_date(
    store: CaseloadStore, dob: dt.date, held_on: dt.date, code: str, ok: bool
) -> None:
    _, track_id = add_child(store, dob=dob, looked_after_from=dt.date(2026, 1, 5))
    review = details(held_on=held_on, participation_code=code)
    if ok:
        with store.session() as session:
            saved = recording.record_review(session, track_id=track_id, details=review, today=TODAY)
        assert saved.participation_code == code and saved.status == "held"
    else:
        problems = problems_of(store, track_id, review)
        assert list(problems) == ["participation_code"]


def test_pn0_for_a_six_year_old_says_why_and_what_to_do(store: CaseloadStore) -> None:
    _, track_id = add_child(store, dob=dt.date(2020, 6, 1), looked_after_from=dt.date(2026, 3, 2))
    problems = problems_of(store, track_id, details(held_on=TODAY, participation_code="PN0"))
    assert problems["participation_code"] == (
        "Tess was 6 on 4 Jan 2027: PN0 is only for children under 4. Choose how Tess took part."
    )


def test_pn1_for_a_two_year_old_says_to_use_pn0(store: CaseloadStore) -> None:
    _, track_id = add_child(store, dob=dt.date(2024, 6, 1))
    message = problems_of(store, track_id, details(participation_code="PN1"))["participation_code"]
    assert "Tess was 2 on 14 Dec 2026" in message
    assert "Use PN0" in message


@pytest.mark.parametrize(
    ("dob", "review_date", "expected"),
    [
        pytest.param(dt.date(2024, 6, 1), dt.date(2026, 12, 14), "PN0", id="under-4"),
        pytest.param(dt.date(2022, 12, 14), dt.date(2026, 12, 14), None, id="4th-birthday"),
        pytest.param(dt.date(2022, 12, 15), dt.date(2026, 12, 14), "PN0", id="day-before-4th"),
        pytest.param(dt.date(2012, 1, 1), dt.date(2026, 12, 14), None, id="teenager"),
        pytest.param(None, dt.date(2026, 12, 14), None, id="no-date-of-birth"),
    ],
)
def test_a_child_under_4_defaults_to_pn0(
    dob: dt.date | None, review_date: dt.date, expected: str | None
) -> None:
    child = Child(child_ref="X", first_name="Tess", last_name="Demo", dob=dob)
    assert recording.default_participation_code(child, review_date) == expected


def test_a_leap_day_birthday_comes_on_1_march_in_other_years() -> None:
    dob = dt.date(2020, 2, 29)
    assert recording.age_on(dob, dt.date(2024, 2, 28)) == 3
    assert recording.age_on(dob, dt.date(2024, 2, 29)) == 4
    assert recording.age_on(dob, dt.date(2025, 2, 28)) == 4
    assert recording.age_on(dob, dt.date(2025, 3, 1)) == 5


# --- the date held and the other required parts -------------------------------------------------


@pytest.mark.parametrize(
    ("review", "field", "words"),
    [
        pytest.param(
            details(held_on=dt.date(2027, 1, 5)), "held_on", "in the future", id="tomorrow"
        ),
        pytest.param(
            details(held_on=dt.date(2026, 3, 1)),
            "held_on",
            "before this episode of care began (2 Mar 2026)",
            id="day-before-episode",
        ),
        pytest.param(details(held_on=None), "held_on", "Enter the date", id="no-date"),
        pytest.param(
            details(participation_code=None),
            "participation_code",
            "counts as held only with a participation code",
            id="no-code",
        ),
        pytest.param(
            details(participation_code="PN9"), "participation_code", "PN0 to PN7", id="bad-code"
        ),
        pytest.param(details(format="carrier pigeon"), "format", "not a review format", id="fmt"),
        pytest.param(
            details(child_views="x" * 100_001), "child_views", "100,001 characters", id="huge"
        ),
        pytest.param(
            details(decisions=[DecisionInput(text="Arrange PEP", due_on=dt.date(2027, 2, 1))]),
            "decisions.0.responsible",
            "say who is responsible",
            id="decision-without-owner",
        ),
        pytest.param(
            details(decisions=[DecisionInput(text="Arrange PEP", responsible="   ")]),
            "decisions.0.responsible",
            "say who is responsible",
            id="decision-owner-only-spaces",
        ),
        pytest.param(
            details(decisions=[DecisionInput(text="Arrange PEP", responsible="SW")]),
            "decisions.0.due_on",
            "by when",
            id="decision-without-date",
        ),
        pytest.param(
            details(
                decisions=[
                    DecisionInput(text="Arrange PEP", responsible="SW", due_on=dt.date(2026, 12, 1))
                ]
            ),
            "decisions.0.due_on",
            "before the review",
            id="decision-due-before-review",
        ),
        pytest.param(
            details(decisions=[DecisionInput(text=" ", responsible="SW", due_on=TODAY)]),
            "decisions.0.text",
            "what will happen",
            id="decision-without-text",
        ),
    ],
)
def test_a_review_that_breaks_a_rule_is_refused_and_nothing_is_saved(
    store: CaseloadStore, review: ReviewInput, field: str, words: str
) -> None:
    _, track_id = add_child(store, looked_after_from=dt.date(2026, 3, 2))
    problems = problems_of(store, track_id, review)
    assert field in problems
    assert words in problems[field]
    with store.session() as session:
        assert session.exec(select(Review)).all() == []
        assert session.exec(select(Decision)).all() == []


def test_a_review_on_the_day_the_episode_began_is_accepted(store: CaseloadStore) -> None:
    _, track_id = add_child(store, looked_after_from=dt.date(2026, 12, 14))
    with store.session() as session:
        review = recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
    assert review.held_on == dt.date(2026, 12, 14)


def test_a_review_held_today_is_accepted(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(
            session, track_id=track_id, details=details(held_on=TODAY), today=TODAY
        )
    assert review.held_on == TODAY


def test_every_problem_is_reported_at_once(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    problems = problems_of(
        store,
        track_id,
        details(
            held_on=dt.date(2027, 2, 1),
            participation_code=None,
            decisions=[DecisionInput(text="Arrange PEP")],
        ),
    )
    assert set(problems) == {
        "held_on",
        "participation_code",
        "decisions.0.responsible",
        "decisions.0.due_on",
    }


# --- recording a booked review, or a new one ----------------------------------------------------


def test_recording_on_a_track_uses_its_booked_review(store: CaseloadStore) -> None:
    _, track_id = add_child(store, booked_for=dt.date(2026, 12, 15))
    decisions = [
        DecisionInput(text="Book the PEP meeting", responsible="Social worker", due_on=TODAY),
        DecisionInput(text="Swimming lessons", responsible="Carer", due_on=dt.date(2027, 3, 1)),
    ]
    with store.session() as session:
        review = recording.record_review(
            session, track_id=track_id, details=details(decisions=decisions), today=TODAY
        )
    with store.session() as session:
        reviews = session.exec(select(Review)).all()
        assert [(r.id, r.status, r.scheduled_date) for r in reviews] == [
            (review.id, "held", dt.date(2026, 12, 15))
        ]
        saved = recording.decisions_for_review(session, review.id)
        assert [(d.text, d.responsible, d.status) for d in saved] == [
            ("Book the PEP meeting", "Social worker", "open"),
            ("Swimming lessons", "Carer", "open"),
        ]
        assert all(d.child_id == reviews[0].child_id for d in saved)


def test_recording_with_nothing_booked_creates_a_held_review(store: CaseloadStore) -> None:
    child_id, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
    assert review.status == "held" and review.child_id == child_id


def test_an_earlier_meeting_entered_afterwards_leaves_the_booking_alone(
    store: CaseloadStore,
) -> None:
    _, track_id = add_child(store, booked_for=dt.date(2027, 3, 1))
    with store.session() as session:
        recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
        recording.record_review(
            session,
            track_id=track_id,
            details=details(held_on=dt.date(2026, 4, 1)),
            today=TODAY,
        )
    with store.session() as session:
        statuses = sorted((r.status, str(r.held_on)) for r in session.exec(select(Review)))
    assert statuses == [("held", "2026-04-01"), ("held", "2026-12-14")]


def test_a_review_already_held_cannot_be_recorded_twice(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
    with pytest.raises(ValidationError, match="amend"), store.session() as session:
        recording.record_review(session, review_id=review.id, details=details(), today=TODAY)
    problems = problems_of(store, track_id, details())
    assert "already recorded as held" in problems["held_on"]


def test_text_is_kept_as_typed_with_words_odd_characters_tidied(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    typed = "  I\u00a0want to see my nan\u200b.\r\nAnd my dog 🐕‍🦺!\u000bThat's all.  "
    with store.session() as session:
        review = recording.record_review(
            session, track_id=track_id, details=details(child_views=typed), today=TODAY
        )
    assert review.child_views == "I want to see my nan.\nAnd my dog 🐕‍🦺!\nThat's all."


def test_visits_linked_to_a_review_mark_it_visited_before(store: CaseloadStore) -> None:
    child_id, track_id = add_child(store, booked_for=dt.date(2026, 12, 14))
    with store.session() as session:
        booked = session.exec(select(Review)).one()
        recording.record_visit(
            session,
            child_id=child_id,
            details=VisitInput(visit_date=dt.date(2026, 12, 1), review_id=booked.id),
            today=TODAY,
        )
    with store.session() as session:
        review = recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
    assert review.pre_review_contact is True


# --- amending keeps the history -----------------------------------------------------------------


def _history(store: CaseloadStore, row_id: uuid.UUID) -> list[ChangeLog]:
    with store.session() as session:
        rows = session.exec(select(ChangeLog).where(ChangeLog.row_id == row_id)).all()
    return sorted(rows, key=lambda r: r.changed_at)


def test_amending_a_review_keeps_who_when_and_before_and_after(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(
            session,
            track_id=track_id,
            details=details(decisions=[DecisionInput(text="PEP", responsible="SW", due_on=TODAY)]),
            today=TODAY,
        )
    with store.session() as session:
        recording.amend_review(
            session,
            review_id=review.id,
            details=details(participation_code="PN6", iro_summary="Settled; wants more contact."),
            today=TODAY,
        )
    history = _history(store, review.id)
    change = history[-1]
    assert change.action == "update"
    assert change.changed_by == "test-iro"
    assert json.loads(change.before_json) == {
        "participation_code": "PN1",
        "iro_summary": "Settled and happy.",
    }
    assert json.loads(change.after_json) == {
        "participation_code": "PN6",
        "iro_summary": "Settled; wants more contact.",
    }
    with store.session() as session:
        amended = session.get(Review, review.id)
        assert amended.revision == 2
        # decisions=None leaves the decisions alone
        assert len(recording.decisions_for_review(session, review.id)) == 1


def test_amending_the_decisions_adds_changes_and_removes_with_history(
    store: CaseloadStore,
) -> None:
    _, track_id = add_child(store)
    first = DecisionInput(text="PEP", responsible="SW", due_on=TODAY)
    second = DecisionInput(text="Dentist", responsible="Carer", due_on=TODAY)
    with store.session() as session:
        review = recording.record_review(
            session, track_id=track_id, details=details(decisions=[first, second]), today=TODAY
        )
        pep, dentist = recording.decisions_for_review(session, review.id)
    with store.session() as session:
        recording.amend_review(
            session,
            review_id=review.id,
            details=details(
                decisions=[
                    DecisionInput(id=pep.id, text="PEP meeting", responsible="SW", due_on=TODAY),
                    DecisionInput(text="Contact plan", responsible="TM", due_on=TODAY),
                ]
            ),
            today=TODAY,
        )
    with store.session() as session:
        live = recording.decisions_for_review(session, review.id)
        assert [d.text for d in live] == ["PEP meeting", "Contact plan"]
        assert session.get(Decision, dentist.id).deleted_at is not None
    assert [r.action for r in _history(store, dentist.id)] == ["create", "delete"]
    pep_change = _history(store, pep.id)[-1]
    assert json.loads(pep_change.before_json) == {"text": "PEP"}


def test_amending_refuses_a_decision_from_another_review(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    decision = DecisionInput(text="PEP", responsible="SW", due_on=TODAY)
    with store.session() as session:
        one = recording.record_review(
            session, track_id=track_id, details=details(decisions=[decision]), today=TODAY
        )
        other = recording.record_review(
            session, track_id=track_id, details=details(held_on=dt.date(2026, 6, 1)), today=TODAY
        )
        (row,) = recording.decisions_for_review(session, one.id)
    with pytest.raises(ValidationError, match="does not belong"), store.session() as session:
        recording.amend_review(
            session,
            review_id=other.id,
            details=details(
                held_on=dt.date(2026, 6, 1),
                decisions=[DecisionInput(id=row.id, text="x", responsible="y", due_on=TODAY)],
            ),
            today=TODAY,
        )


def test_amending_the_date_checks_the_open_decisions_still_fit(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    decision = DecisionInput(text="PEP", responsible="SW", due_on=dt.date(2026, 12, 20))
    with store.session() as session:
        review = recording.record_review(
            session, track_id=track_id, details=details(decisions=[decision]), today=TODAY
        )
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.amend_review(
            session, review_id=review.id, details=details(held_on=dt.date(2027, 1, 2)), today=TODAY
        )
    assert "decisions.0.due_on" in caught.value.problems


# --- decisions: done, dropped, overdue ----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "due_on", "today", "overdue"),
    [
        pytest.param("open", dt.date(2027, 1, 4), dt.date(2027, 1, 4), False, id="due-today"),
        pytest.param("open", dt.date(2027, 1, 4), dt.date(2027, 1, 5), True, id="day-after"),
        pytest.param("done", dt.date(2026, 12, 1), dt.date(2027, 1, 5), False, id="done-late"),
        pytest.param("dropped", dt.date(2026, 12, 1), dt.date(2027, 1, 5), False, id="dropped"),
        pytest.param("open", None, dt.date(2027, 1, 5), False, id="no-date"),
    ],
)
def test_a_decision_is_overdue_when_open_after_its_date(
    status: str, due_on: dt.date | None, today: dt.date, overdue: bool
) -> None:
    decision = Decision(review_id=uuid.uuid4(), text="PEP", status=status, due_on=due_on)
    assert recording.is_overdue(decision, today) is overdue


def test_decisions_become_overdue_then_done(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(
            session,
            track_id=track_id,
            details=details(
                decisions=[DecisionInput(text="PEP", responsible="SW", due_on=dt.date(2027, 1, 8))]
            ),
            today=TODAY,
        )
        (decision,) = recording.decisions_for_review(session, review.id)
    assert not recording.is_overdue(decision, dt.date(2027, 1, 8))
    assert recording.is_overdue(decision, dt.date(2027, 1, 11))
    assert recording.decision_state(decision, dt.date(2027, 1, 11)) == "Overdue since 8 Jan 2027"
    with store.session() as session:
        done = recording.complete_decision(
            session,
            decision_id=decision.id,
            done_on=dt.date(2027, 1, 11),
            today=dt.date(2027, 1, 11),
        )
    assert not recording.is_overdue(done, dt.date(2027, 2, 1))
    assert recording.decision_state(done, dt.date(2027, 2, 1)) == "Done on 11 Jan 2027"


@pytest.mark.parametrize(
    ("done_on", "words"),
    [
        pytest.param(dt.date(2027, 1, 5), "in the future", id="future"),
        pytest.param(dt.date(2026, 12, 13), "before the review", id="before-review"),
    ],
)
def test_a_decision_cannot_be_done_on_an_impossible_day(
    store: CaseloadStore, done_on: dt.date, words: str
) -> None:
    _, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
        decision = recording.add_decision(
            session,
            review_id=review.id,
            decision=DecisionInput(text="PEP", responsible="SW", due_on=TODAY),
            today=TODAY,
        )
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.complete_decision(session, decision_id=decision.id, done_on=done_on, today=TODAY)
    assert words in caught.value.problems["done_on"]


def test_dropping_a_decision_needs_a_reason_and_keeps_it(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
        decision = recording.add_decision(
            session,
            review_id=review.id,
            decision=DecisionInput(text="Move school", responsible="SW", due_on=TODAY),
            today=TODAY,
        )
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.drop_decision(session, decision_id=decision.id, reason="  ", today=TODAY)
    assert "reason" in caught.value.problems
    with store.session() as session:
        dropped = recording.drop_decision(
            session, decision_id=decision.id, reason="Tess chose to stay.", today=TODAY
        )
    assert (dropped.status, dropped.note) == ("dropped", "Tess chose to stay.")
    assert not recording.is_overdue(dropped, dt.date(2027, 6, 1))


def test_updating_a_decision_applies_the_same_rules(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
        decision = recording.add_decision(
            session,
            review_id=review.id,
            decision=DecisionInput(text="PEP", responsible="SW", due_on=TODAY),
            today=TODAY,
        )
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.update_decision(
            session,
            decision_id=decision.id,
            decision=DecisionInput(text="PEP", responsible="", due_on=TODAY),
            today=TODAY,
        )
    assert caught.value.problems == {"responsible": "say who is responsible."}


# --- paperwork ------------------------------------------------------------------------------------


def test_paperwork_dates_are_kept_and_checked(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.set_paperwork(
            session,
            review_id=review.id,
            decisions_circulated_on=dt.date(2026, 12, 13),
            record_completed_on=dt.date(2027, 1, 5),
            today=TODAY,
        )
    assert set(caught.value.problems) == {"decisions_circulated_on", "record_completed_on"}
    with store.session() as session:
        recording.set_paperwork(
            session,
            review_id=review.id,
            decisions_circulated_on=dt.date(2026, 12, 16),
            record_completed_on=None,
            today=TODAY,
        )
    with store.session() as session:
        saved = session.get(Review, review.id)
        assert (saved.decisions_circulated_on, saved.record_completed_on) == (
            dt.date(2026, 12, 16),
            None,
        )


def test_paperwork_is_due_in_working_days_from_the_settings() -> None:
    review = Review(track_id=uuid.uuid4(), status="held", held_on=dt.date(2026, 12, 22))
    circulate_by, complete_by = recording.paperwork_due(review, Settings())
    # 5 working days after Tue 22 Dec 2026, skipping Christmas Day and Boxing Day (observed Mon 28)
    assert circulate_by == dt.date(2026, 12, 31)
    assert complete_by > circulate_by


# --- visits ---------------------------------------------------------------------------------------


def visit(**changes: object) -> VisitInput:
    base: dict[str, object] = {
        "visit_date": dt.date(2026, 12, 1),
        "method": "face_to_face",
        "location": "Tess's foster home (demo)",
        "seen_alone": True,
        "wishes_feelings": "I want to stay here with Jo.",
        "worries": "Changing school.",
        "questions": "Can I see my brother more?",
        "who_to_attend": "Jo and my teacher",
        "how_to_take_part": "I'll come for the first part.",
        "follow_up": "Ask SW about contact.",
    }
    base.update(changes)
    return VisitInput(**base)


def test_a_visit_keeps_the_childs_words_and_links_to_the_review(store: CaseloadStore) -> None:
    child_id, _ = add_child(store, booked_for=dt.date(2027, 1, 20))
    with store.session() as session:
        booked = session.exec(select(Review)).one()
        saved = recording.record_visit(
            session, child_id=child_id, details=visit(review_id=booked.id), today=TODAY
        )
    with store.session() as session:
        again = session.get(Visit, saved.id)
        assert again.wishes_feelings == "I want to stay here with Jo."
        assert again.seen_alone is True
        assert again.review_id == booked.id
        assert session.get(Review, booked.id).pre_review_contact is True


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        pytest.param({"visit_date": dt.date(2027, 1, 5)}, "visit_date", "future", id="future-done"),
        pytest.param({"visit_date": None}, "visit_date", "Enter the date", id="no-date"),
        pytest.param({"method": "pigeon"}, "method", "not a way of visiting", id="bad-method"),
        pytest.param({"visit_time": "25:00"}, "visit_time", "HH:MM", id="bad-time"),
        pytest.param({"visit_date": dt.date(2020, 5, 1)}, "visit_date", "born", id="before-birth"),
        pytest.param({"worries": "w" * 100_001}, "worries", "100,000", id="huge-notes"),
        pytest.param({"review_id": uuid.uuid4()}, "review_id", "not one of", id="unknown-review"),
    ],
)
def test_a_visit_that_breaks_a_rule_is_refused(
    store: CaseloadStore, changes: dict[str, object], field: str, words: str
) -> None:
    child_id, _ = add_child(store)
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.record_visit(session, child_id=child_id, details=visit(**changes), today=TODAY)
    assert words in caught.value.problems[field]
    with store.session() as session:
        assert session.exec(select(Visit)).all() == []


def test_a_planned_visit_may_be_in_the_future(store: CaseloadStore) -> None:
    child_id, _ = add_child(store)
    with store.session() as session:
        planned = recording.record_visit(
            session,
            child_id=child_id,
            details=visit(visit_date=dt.date(2027, 1, 12), status="planned"),
            today=TODAY,
        )
    assert planned.status == "planned"


def test_a_visit_cannot_prepare_a_review_held_before_it(store: CaseloadStore) -> None:
    child_id, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(
            session, track_id=track_id, details=details(held_on=dt.date(2026, 11, 2)), today=TODAY
        )
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.record_visit(
            session, child_id=child_id, details=visit(review_id=review.id), today=TODAY
        )
    assert "held on 2 Nov 2026, before this visit" in caught.value.problems["review_id"]


def test_amending_a_visit_keeps_the_history(store: CaseloadStore) -> None:
    child_id, _ = add_child(store)
    with store.session() as session:
        saved = recording.record_visit(session, child_id=child_id, details=visit(), today=TODAY)
    with store.session() as session:
        recording.amend_visit(
            session, visit_id=saved.id, details=visit(seen_alone=False), today=TODAY
        )
        entries = recording.change_history(session, child_id=child_id)
    assert [(e.field_label, e.before, e.after) for e in entries if e.action == "update"] == [
        ("Seen alone", "Yes", "No")
    ]
    assert ("Child's details", "create") in {(e.record, e.action) for e in entries}


def test_the_history_reads_in_plain_words(store: CaseloadStore) -> None:
    child_id, track_id = add_child(store)
    with store.session() as session:
        review = recording.record_review(session, track_id=track_id, details=details(), today=TODAY)
    with store.session() as session:
        recording.amend_review(
            session,
            review_id=review.id,
            details=details(participation_code="PN6", held_on=dt.date(2026, 12, 15)),
            today=TODAY,
        )
    with store.session() as session:
        entries = recording.change_history(session, row_id=review.id)
    changes = {(e.field_label, e.before, e.after) for e in entries if e.action == "update"}
    assert changes == {
        ("Date held", "14 Dec 2026", "15 Dec 2026"),
        (
            "How the child took part",
            "Child attended and spoke for themselves (PN1)",
            "Child did not attend; their views were sent (e.g. written, app, via carer) (PN6)",
        ),
    }
    assert all(e.record == "Child in care review held 15 Dec 2026" for e in entries)


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def db(store: CaseloadStore) -> str:
    add_child(store, ref="DEMO-0002", first="Ava", dob=dt.date(2024, 6, 1))
    return str(store.path)


def run(db: str, command: str) -> int:
    """Run ``iro-desk COMMAND --db DB``; the command is written as it would be typed."""
    return main([*shlex.split(command), "--db", db])


ADD_FOR_AVA = "review add --child DEMO-0002 --held-on 2026-12-14 --today 2027-01-04"


def test_cli_refuses_pn1_for_a_two_year_old_and_says_why(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, f"{ADD_FOR_AVA} --code PN1") == 2
    err = capsys.readouterr().err
    assert "Ava was 2 on 14 Dec 2026" in err and "Use PN0" in err
    with CaseloadStore.open(Path(db)) as store, store.session() as session:
        assert session.exec(select(Review)).all() == []


def test_cli_saves_pn0_for_a_two_year_old_with_decisions(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        db,
        f"{ADD_FOR_AVA} --code pn0 --venue 'Demo Family Centre' "
        "--child-views 'Ava smiled and played with the bricks.' "
        "--decision 'Book a health assessment|Social worker|2027-01-31' "
        "--decision 'Nursery place from spring | Carer | 2027-03-01' --json",
    )
    assert code == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["participation_code"] == "PN0"
    assert [d["responsible"] for d in shown["decisions"]] == ["Social worker", "Carer"]
    with CaseloadStore.open(Path(db)) as store, store.session() as session:
        review = session.exec(select(Review)).one()
        assert (review.status, review.held_on) == ("held", dt.date(2026, 12, 14))
        assert len(session.exec(select(Decision)).all()) == 2


def test_cli_defaults_a_child_under_4_to_pn0(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, f"{ADD_FOR_AVA} --json") == 0
    assert json.loads(capsys.readouterr().out)["participation_code"] == "PN0"


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        pytest.param("--code PN0 --decision 'no bars'", "TEXT|WHO|YYYY-MM-DD", id="bad-decision"),
        pytest.param("--code PN0 --decision 'PEP|SW|31/01/2027'", "YYYY-MM-DD", id="bad-date"),
        pytest.param("--code PN0 --decision 'PEP||2027-01-31'", "who is responsible", id="no-who"),
        pytest.param("--code PN0 --kind cp", "no child protection conference track", id="no-cp"),
        pytest.param("--code PN0 --held-on 2027-02-01", "in the future", id="future"),
        pytest.param("--code PN42", "not a participation code", id="bad-code"),
        pytest.param("--code PN0 --review 1234", "whole id", id="short-review-id"),
    ],
)
def test_cli_bad_input_exits_non_zero_with_the_reason(
    db: str, capsys: pytest.CaptureFixture[str], extra: str, words: str
) -> None:
    assert run(db, f"{ADD_FOR_AVA} {extra}") != 0
    assert words in capsys.readouterr().err


def test_cli_unknown_child_is_named(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, "review add --child NOPE --held-on 2026-12-14 --code PN0") != 0
    assert "no child with the ID 'NOPE'" in capsys.readouterr().err


def test_cli_lists_reviews_and_marks_decisions_done(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(db, f"{ADD_FOR_AVA} --decision 'Book a health assessment|Social worker|2027-01-02'")
    capsys.readouterr()
    assert run(db, "decision list --child DEMO-0002 --today 2027-01-04 --json") == 0
    (decision,) = json.loads(capsys.readouterr().out)
    assert decision["overdue"] is True
    assert decision["state"] == "Overdue since 2 Jan 2027"
    done = f"decision done --id {decision['id'][:8]} --on 2027-01-04 --today 2027-01-04"
    assert run(db, done) == 0
    capsys.readouterr()
    assert run(db, "review list --child DEMO-0002 --json") == 0
    (review,) = json.loads(capsys.readouterr().out)
    assert review["status"] == "held"
    assert review["decisions"][0]["status"] == "done"
    assert run(db, "review list --child DEMO-0002") == 0
    listed = capsys.readouterr().out
    assert "Child was under 4 at the time of the review (PN0)" in listed
    assert "Done on 4 Jan 2027" in listed


def test_cli_records_paperwork_and_a_visit_preparing_the_review(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(db, f"{ADD_FOR_AVA} --json")
    review_id = json.loads(capsys.readouterr().out)["id"]
    paperwork = (
        f"review paperwork --id {review_id} --circulated 2026-12-16 --completed 2027-01-04 "
        "--today 2027-01-04"
    )
    assert run(db, paperwork) == 0
    assert "Decisions circulated: 16 Dec 2026" in capsys.readouterr().out
    code = run(
        db,
        "visit add --child DEMO-0002 --date 2026-12-10 --method video --seen-alone "
        f"--wishes 'Ava waved and showed me her teddy.' --review {review_id} "
        "--today 2027-01-04 --json",
    )
    assert code == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["method"] == "video" and shown["seen_alone"] is True
    with CaseloadStore.open(Path(db)) as store, store.session() as session:
        review = session.get(Review, uuid.UUID(review_id))
        assert review.decisions_circulated_on == dt.date(2026, 12, 16)
        assert review.pre_review_contact is True
    assert run(db, "visit list --child DEMO-0002") == 0
    assert "Video call, seen alone (Done)" in capsys.readouterr().out


def test_cli_refuses_a_visit_in_the_future(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        db, "visit add --child DEMO-0002 --date 2027-01-05 --method phone --today 2027-01-04"
    )
    assert code == 2
    assert "in the future" in capsys.readouterr().err


def test_recording_a_review_moves_the_next_deadline_in_due(
    store: CaseloadStore, capsys: pytest.CaptureFixture[str]
) -> None:
    add_child(
        store,
        ref="DEMO-0003",
        first="Ava",
        dob=dt.date(2024, 6, 1),
        looked_after_from=dt.date(2026, 11, 2),
    )
    db = str(store.path)

    def due() -> list[dict[str, str]]:
        capsys.readouterr()
        assert run(db, "due --today 2027-01-04 --json") == 0
        return json.loads(capsys.readouterr().out)

    (first,) = [item for item in due() if item["kind"] == "cla_review"]
    assert first["deadline"] == "2026-11-30"  # 20 working days after 2 Nov 2026
    assert (
        run(
            db,
            "review add --child DEMO-0003 --held-on 2026-11-27 --today 2027-01-04 "
            "--decision 'Book a health assessment|Social worker|2026-12-20' --json",
        )
        == 0
    )
    decision_id = json.loads(capsys.readouterr().out)["decisions"][0]["id"]
    items = due()
    (second,) = [item for item in items if item["kind"] == "cla_review"]
    assert second["deadline"] == "2027-02-27"  # the second: 3 months after the first was held
    assert [item["kind"] for item in items if item["kind"] == "decisions_due"] == ["decisions_due"]
    assert run(db, f"decision done --id {decision_id} --on 2027-01-04 --today 2027-01-04") == 0
    assert [item for item in due() if item["kind"] == "decisions_due"] == []
