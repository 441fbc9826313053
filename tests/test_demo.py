"""The demo caseload: fictional, deterministic, shaped like a real service."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select
from work_helpers import StopAt

from iro_desk.cli import main
from iro_desk.demo import build_demo
from iro_desk.errors import IroDeskError, WorkCancelledError
from iro_desk.export_903 import REC_CODES
from iro_desk.history import record_values
from iro_desk.models import (
    RECORD_TABLES,
    CareEpisode,
    CaseTrack,
    Challenge,
    ChallengeStep,
    Child,
    Decision,
    Review,
)
from iro_desk.rules import is_in_timescale, next_review_deadline, short_break_rule, track_rules
from iro_desk.schedule import due_items
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore
from iro_desk.workdays import add_months, working_days

TODAY = dt.date(2027, 1, 4)


def _snapshot(store: CaseloadStore) -> dict[str, list[dict[str, object]]]:
    with store.session() as session:
        return {
            table.__tablename__: sorted(
                (record_values(row) for row in session.exec(select(table))),
                key=lambda values: str(values["id"]),
            )
            for table in RECORD_TABLES
        }


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> CaseloadStore:
    store = CaseloadStore.create(tmp_path_factory.mktemp("demo") / "demo.irodesk")
    build_demo(store, children=300, years=5, seed=7, today=TODAY)
    return store


def test_same_seed_and_day_give_the_same_caseload(tmp_path: Path) -> None:
    first = CaseloadStore.create(tmp_path / "one.irodesk")
    second = CaseloadStore.create(tmp_path / "two.irodesk")
    build_demo(first, children=15, years=3, seed=3, today=TODAY)
    build_demo(second, children=15, years=3, seed=3, today=TODAY)
    assert _snapshot(first) == _snapshot(second)


def test_another_seed_gives_another_caseload(tmp_path: Path) -> None:
    first = CaseloadStore.create(tmp_path / "one.irodesk")
    second = CaseloadStore.create(tmp_path / "two.irodesk")
    build_demo(first, children=5, seed=1, today=TODAY)
    build_demo(second, children=5, seed=2, today=TODAY)
    assert _snapshot(first)["child"] != _snapshot(second)["child"]


def test_a_demo_checked_as_it_is_built_is_the_same_demo(tmp_path: Path) -> None:
    with (
        CaseloadStore.create(tmp_path / "plain.irodesk") as plain,
        CaseloadStore.create(tmp_path / "checked.irodesk") as checked,
    ):
        build_demo(plain, children=6, years=2, seed=3, today=TODAY)
        counter = StopAt()
        summary = build_demo(checked, children=6, years=2, seed=3, today=TODAY, check=counter)
        assert _snapshot(checked) == _snapshot(plain)
        assert counter.calls == 6 + len(summary.counts), "once per child, once per table"


def test_a_demo_stopped_at_any_point_writes_nothing_and_can_be_built_after(
    tmp_path: Path,
) -> None:
    with CaseloadStore.create(tmp_path / "whole.irodesk") as whole:
        counter = StopAt()
        build_demo(whole, children=4, years=1, seed=2, today=TODAY, check=counter)
        expected = _snapshot(whole)
    for at in range(1, counter.calls + 1):
        with CaseloadStore.create(tmp_path / f"stopped-{at}.irodesk") as store:
            empty = _snapshot(store)
            settings = _settings(store)
            with pytest.raises(WorkCancelledError, match="Stopped"):
                build_demo(store, children=4, years=1, seed=2, today=TODAY, check=StopAt(at))
            assert _snapshot(store) == empty, f"stopped at check {at} of {counter.calls}"
            assert _settings(store) == settings
            build_demo(store, children=4, years=1, seed=2, today=TODAY)
            assert _snapshot(store) == expected


def _settings(store: CaseloadStore) -> Settings:
    with store.session() as session:
        return load_settings(session)


def test_demo_children_are_clearly_fictional(demo_store: CaseloadStore) -> None:
    with demo_store.session() as session:
        children = session.exec(select(Child)).all()
    assert len(children) == 300
    assert all(child.child_ref.startswith("DEMO-") for child in children)


def test_participation_codes_follow_age_and_the_published_shape(
    demo_store: CaseloadStore,
) -> None:
    with demo_store.session() as session:
        rows = session.exec(
            select(Review, Child).join(Child).where(Review.status == "held")
        ).all()
    codes = Counter(review.participation_code for review, _ in rows)
    for review, child in rows:
        under_four = add_months(child.dob, 48) > review.held_on
        assert (review.participation_code == "PN0") == under_four
    commonest = [code for code, _ in codes.most_common() if code != "PN0"][:2]
    assert set(commonest) == {"PN1", "PN6"}
    assert set(codes) >= {"PN0", "PN1", "PN5", "PN6"}


def test_reviews_are_mostly_in_timescale_with_a_few_late(demo_store: CaseloadStore) -> None:
    settings = Settings()
    calendar = working_days("ENG")
    with demo_store.session() as session:
        tracks = session.exec(select(CaseTrack)).all()
        reviews = session.exec(select(Review).where(Review.status == "held")).all()
    held_by_track: dict[object, list[dt.date]] = {}
    for review in sorted(reviews, key=lambda r: r.held_on):
        held_by_track.setdefault(review.track_id, []).append(review.held_on)
    in_time = late = 0
    for track in tracks:
        rule = track_rules(settings)[track.kind]
        held = held_by_track.get(track.id, [])
        for index, held_on in enumerate(held):
            deadline = next_review_deadline(rule, track.start_date, held[:index], calendar)
            short = next_review_deadline(
                short_break_rule(settings), track.start_date, held[:index], calendar
            )
            if is_in_timescale(held_on, deadline) or is_in_timescale(held_on, short):
                in_time += 1
            else:
                late += 1
    assert late > 0
    assert in_time / (in_time + late) > 0.9


def test_a_fresh_demo_shows_a_believable_calendar(demo_store: CaseloadStore) -> None:
    # A first-run IRO sees a few overdue items (under 5% of children), some due soon, and most
    # next reviews booked: not a list of year-old challenges and decisions.
    with demo_store.session() as session:
        items = due_items(session, today=TODAY, settings=load_settings(session))
    overdue = [item for item in items if item.status == "overdue"]
    children_overdue = {item.child_id for item in overdue}
    assert 0 < len(children_overdue) < 0.05 * 300
    assert sum(1 for item in items if item.status == "due_soon") >= 10
    reviews = [item for item in items if item.is_review]
    booked = [item for item in reviews if item.scheduled is not None]
    assert len(booked) > 0.75 * len(reviews)
    with demo_store.session() as session:
        bookings = session.exec(select(Review).where(Review.status == "booked")).all()
    calendar = working_days("ENG")
    assert all(calendar.is_working_day(review.scheduled_date) for review in bookings)
    # Nothing but a missed review is overdue by more than a few weeks.
    for item in overdue:
        if not item.is_review:
            assert (TODAY - item.deadline).days <= 60, item.detail


def test_old_challenges_are_closed_or_escalated_not_left_waiting(
    demo_store: CaseloadStore,
) -> None:
    with demo_store.session() as session:
        challenges = session.exec(select(Challenge)).all()
        steps = session.exec(select(ChallengeStep)).all()
    statuses = Counter(challenge.status for challenge in challenges)
    assert statuses["resolved"] > statuses["open"] > 0
    assert statuses["withdrawn"] > 0
    for challenge in challenges:
        if challenge.status == "open" and challenge.response_due is not None:
            assert (TODAY - challenge.response_due).days <= 60, challenge.raised_on
        if challenge.status != "open":
            assert challenge.closed_on is not None and challenge.closed_on <= TODAY
            assert challenge.response_due is None
    overdue = [c for c in challenges if c.status == "open" and c.response_due
               and c.response_due < TODAY]
    assert len(overdue) <= 0.02 * 300
    # Every step is on or after the one before it, and none is after today.
    by_challenge: dict[object, list[dt.date]] = {}
    for step in steps:
        assert step.on_date <= TODAY
        by_challenge.setdefault(step.challenge_id, []).append(step.on_date)
    assert all(len(days) >= 1 for days in by_challenge.values())
    levels = {challenge.id: challenge.level for challenge in challenges}
    assert max(levels.values()) > 1  # some went up the ladder


def test_old_decisions_are_done_or_settled(demo_store: CaseloadStore) -> None:
    with demo_store.session() as session:
        decisions = session.exec(select(Decision)).all()
    statuses = Counter(decision.status for decision in decisions)
    assert statuses["done"] > 0.8 * len(decisions)
    for decision in decisions:
        if decision.status == "open":
            assert (TODAY - decision.due_on).days <= 30
        if decision.status == "done":
            assert decision.done_on is not None and decision.done_on <= TODAY


def test_online_reviews_meet_online_and_only_they_do(demo_store: CaseloadStore) -> None:
    with demo_store.session() as session:
        reviews = session.exec(select(Review)).all()
    formats = Counter(review.format for review in reviews)
    assert formats["in_person"] and formats["online"] and formats["hybrid"]
    for review in reviews:
        assert (review.venue == "Online (Teams)") == (review.format == "online"), review.venue


def test_episodes_keep_to_the_dfe_rules(demo_store: CaseloadStore) -> None:
    # What the SSDA903 episodes table checks (tests/test_export_903.py runs the DfE validator).
    with demo_store.session() as session:
        rows = session.exec(select(CareEpisode, Child).join(Child)).all()
    by_child: dict[object, list[CareEpisode]] = {}
    for episode, child in rows:
        by_child.setdefault(child.id, []).append(episode)
        length = ((episode.end_date or TODAY) - episode.start_date).days
        assert episode.start_date > child.dob
        assert episode.legal_status not in ("D1", "L1", "L3", "J2", "V3")
        if episode.legal_status == "L2":  # an EPO lasts days (rule 362: at most 21)
            assert episode.end_date is not None and 1 <= length <= 21
        if episode.legal_status in ("J1", "J2", "J3"):  # rule 358: aged 10 or more
            assert add_months(child.dob, 120) < episode.start_date
        if episode.end_date is None:
            assert episode.reason_ended == ""
        else:  # a DfE reason-ended code, and no X1 (a new episode the same day)
            assert episode.reason_ended in REC_CODES - {"X1"}, episode.reason_ended
            assert length >= 1  # rule 355
    ended = Counter(
        episode.reason_ended for episode, _ in rows if episode.end_date is not None
    )
    assert ended  # some children came back into care
    for episodes in by_child.values():
        episodes.sort(key=lambda episode: episode.start_date)
        assert [e.end_date is None for e in episodes][-1]  # every demo child is in care now
        for before, after in zip(episodes, episodes[1:], strict=False):
            assert before.end_date is not None and before.end_date < after.start_date


def test_school_age_children_have_a_fictional_upn(demo_store: CaseloadStore) -> None:
    with demo_store.session() as session:
        children = session.exec(select(Child)).all()
    upns = [child.upn for child in children]
    assert len(set(upns) - {"UN1"}) == len([upn for upn in upns if upn != "UN1"])
    for child in children:
        if add_months(child.dob, 48) > TODAY:
            assert child.upn == "UN1"
        else:  # the DfE format, with local authority 000 (no council's)
            assert len(child.upn) == 13 and child.upn[1:4] == "000", child.upn


def test_demo_refuses_a_caseload_with_children(demo_store: CaseloadStore) -> None:
    with pytest.raises(IroDeskError, match="already has children"):
        build_demo(demo_store, children=1, today=TODAY)


def test_demo_command_writes_a_new_caseload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.irodesk"
    code = main(["demo", "--db", str(path), "--children", "12", "--seed", "1",
                 "--today", "2027-01-04"])
    assert code == 0
    assert "child: 12" in capsys.readouterr().out
    with CaseloadStore.open(path) as store, store.session() as session:
        assert len(session.exec(select(Child)).all()) == 12


def test_demo_command_with_a_bad_date_says_how_to_write_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["demo", "--db", str(tmp_path / "a.irodesk"), "--today", "04/01/2027"])
    assert code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize("before", [True, False])
def test_db_may_come_before_or_after_the_command(tmp_path: Path, before: bool) -> None:
    path = tmp_path / "where.irodesk"
    db = ["--db", str(path)]
    rest = ["demo", "--children", "3", "--seed", "1", "--today", "2027-01-04"]
    assert main(db + rest if before else rest + db) == 0
    assert path.exists()
    with CaseloadStore.open(path) as store, store.session() as session:
        assert len(session.exec(select(Child)).all()) == 3
