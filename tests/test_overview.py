"""What the caseload list and the child pane show, read from a hand-built caseload."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event

from iro_desk.clock import utcnow
from iro_desk.demo import build_demo
from iro_desk.errors import IroDeskError
from iro_desk.history import tombstone
from iro_desk.models import (
    CareEpisode,
    CaseTrack,
    Challenge,
    ChallengeStep,
    Child,
    Decision,
    Iro,
    Letter,
    Person,
    Review,
    Visit,
)
from iro_desk.overview import (
    ChildDetail,
    ChildRow,
    age_on,
    child_detail,
    due_kind_label,
    list_children,
)
from iro_desk.schedule import due_items
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore

TODAY = dt.date(2027, 1, 4)
D = dt.date


@dataclass
class Ids:
    """The records of the hand-built caseload the tests look at."""

    ada: uuid.UUID
    ben: uuid.UUID
    cat: uuid.UUID
    gone: uuid.UUID
    late_review: uuid.UUID
    overdue_decision: uuid.UUID


def _held(track: CaseTrack, child: Child, on: dt.date, code: str) -> Review:
    return Review(
        track_id=track.id, child_id=child.id, status="held", scheduled_date=on, held_on=on,
        participation_code=code,
    )


@pytest.fixture
def caseload(store: CaseloadStore) -> Ids:
    """Ada: in care again after an earlier episode, a full history. Ben: left care.
    Cat: her review is overdue. A fourth child is deleted."""
    with store.session() as session:
        me = Iro(name="Robin Example", is_me=True)
        ada = Child(child_ref="DEMO-0001", first_name="Adaline", last_name="Example",
                    preferred_name="Ada", dob=D(2015, 1, 5), allocated_iro_id=me.id,
                    first_language="Demo", interpreter_needed=True)
        ben = Child(child_ref="DEMO-0002", first_name="Ben", last_name="Sample",
                    dob=D(2010, 1, 4), allocated_iro_id=me.id)
        cat = Child(child_ref="DEMO-0003", first_name="Cat", last_name="Placeholder",
                    dob=D(2020, 6, 1))
        gone = Child(child_ref="DEMO-0004", first_name="Gone", last_name="Deleted")
        session.add_all([me, ada, ben, cat, gone])

        first = CareEpisode(child_id=ada.id, start_date=D(2019, 3, 1), end_date=D(2020, 2, 1),
                            legal_status="V2", placement_type="foster_la",
                            placement_name="Demo first home", reason_ended="Went home")
        now = CareEpisode(child_id=ada.id, start_date=D(2025, 9, 1), legal_status="C2",
                          placement_type="foster_ifa", placement_name="Demo agency home")
        ben_episode = CareEpisode(child_id=ben.id, start_date=D(2022, 1, 1),
                                  end_date=D(2026, 11, 30), legal_status="C2",
                                  placement_type="childrens_home")
        cat_episode = CareEpisode(child_id=cat.id, start_date=D(2025, 1, 6), legal_status="C1",
                                  placement_type="foster_family")
        session.add_all([first, now, ben_episode, cat_episode])

        ada_track = CaseTrack(kind="cla", child_id=ada.id, episode_id=now.id,
                              start_date=D(2025, 9, 1))
        cp_track = CaseTrack(kind="cp", child_id=ada.id, start_date=D(2026, 12, 1),
                             end_date=D(2026, 12, 20))
        cat_track = CaseTrack(kind="cla", child_id=cat.id, episode_id=cat_episode.id,
                              start_date=D(2025, 1, 6))
        session.add_all([ada_track, cp_track, cat_track])

        # Ada: two reviews held, the later on 15 Oct 2026, so the next is due within 6 months.
        ada_first = _held(ada_track, ada, D(2025, 9, 25), "PN1")
        late = _held(ada_track, ada, D(2026, 10, 15), "PN6")
        booked = Review(track_id=ada_track.id, child_id=ada.id, status="booked",
                        scheduled_date=D(2027, 3, 1), scheduled_time="10:00",
                        venue="Demo school")
        # Cat: her last review was held on 1 Jun 2026, so the next was due by 1 Dec 2026.
        cat_reviews = [_held(cat_track, cat, day, "PN6")
                       for day in (D(2025, 1, 30), D(2025, 12, 1), D(2026, 6, 1))]
        session.add_all([ada_first, late, booked, *cat_reviews])

        overdue = Decision(review_id=late.id, child_id=ada.id, text="Refer Ada to the "
                           "advocacy service", responsible="Social worker", due_on=D(2026, 12, 1))
        done = Decision(review_id=late.id, child_id=ada.id, text="Book a dentist",
                        responsible="Carer", due_on=D(2026, 11, 1), status="done",
                        done_on=D(2026, 10, 20))
        session.add_all([overdue, done])
        session.add(Visit(child_id=ada.id, review_id=late.id, visit_date=D(2026, 10, 1),
                          location="School", seen_alone=True,
                          wishes_feelings="I want to stay here with my cat."))
        challenge = Challenge(child_id=ada.id, theme="Reports not shared", issue="No report",
                              raised_on=D(2026, 11, 2), level=1)
        session.add(challenge)
        session.add_all([
            ChallengeStep(challenge_id=challenge.id, child_id=ada.id, step="raised", level=1,
                          on_date=D(2026, 11, 2), addressed_to_name="Sam Sample"),
            ChallengeStep(challenge_id=challenge.id, child_id=ada.id, step="escalated",
                          level=3, on_date=D(2026, 11, 20), addressed_to_role="Service manager"),
        ])
        session.add(Letter(child_id=ada.id, review_id=late.id, sent_on=D(2026, 10, 25),
                           made_at=dt.datetime(2026, 10, 22, 9, 0, tzinfo=dt.UTC)))
        session.add_all([
            Person(child_id=ada.id, role="social_worker", name="Sam Sample",
                   organisation="Demo Council", phone="01234 000001"),
            Person(child_id=ada.id, role="social_worker", name="Old Worker",
                   to_date=D(2026, 6, 30)),
            Person(child_id=ada.id, role="carer", name="Pat Pretend"),
            Person(child_id=ada.id, role="guardian", name="Casey Demo"),
        ])
        ids = Ids(ada=ada.id, ben=ben.id, cat=cat.id, gone=gone.id, late_review=late.id,
                  overdue_decision=overdue.id)
    with store.session() as session:
        tombstone(session, session.get(Child, ids.gone), when=utcnow())
    return ids


def _rows(store: CaseloadStore) -> dict[str, ChildRow]:
    with store.session() as session:
        return {row.child_ref: row for row in
                list_children(session, today=TODAY, settings=Settings())}


def test_the_list_leaves_out_deleted_children_and_is_sorted_by_name(
    store: CaseloadStore, caseload: Ids
) -> None:
    with store.session() as session:
        rows = list_children(session, today=TODAY, settings=Settings())
    assert [row.display_name for row in rows] == ["Ada Example", "Ben Sample", "Cat Placeholder"]


def test_a_row_shows_the_preferred_name_the_legal_name_and_the_allocated_iro(
    store: CaseloadStore, caseload: Ids
) -> None:
    ada = _rows(store)["DEMO-0001"]
    assert ada.display_name == "Ada Example"
    assert ada.legal_name == "Adaline Example"
    assert ada.iro_name == "Robin Example"
    assert ada.child_uuid == caseload.ada


def test_a_child_back_in_care_shows_the_current_episode_not_the_earlier_one(
    store: CaseloadStore, caseload: Ids
) -> None:
    ada = _rows(store)["DEMO-0001"]
    assert (ada.legal_status, ada.legal_status_label) == ("C2", "Full care order (s.31)")
    assert ada.placement_name == "Demo agency home"
    assert ada.placement_type_label == "Foster carer (agency)"
    assert ada.in_care_since == D(2025, 9, 1)
    assert ada.in_care


def test_a_child_who_left_care_shows_no_legal_status_and_when_they_left(
    store: CaseloadStore, caseload: Ids
) -> None:
    ben = _rows(store)["DEMO-0002"]
    assert ben.legal_status == ""
    assert not ben.in_care
    assert ben.left_care_on == D(2026, 11, 30)
    assert ben.next_deadline is None and ben.next_status == ""


@pytest.mark.parametrize(
    ("ref", "deadline", "status", "booked"),
    [
        pytest.param("DEMO-0001", D(2027, 4, 15), "scheduled", D(2027, 3, 1),
                     id="third review due 6 months after the second (reg 33), booked in time"),
        pytest.param("DEMO-0003", D(2026, 12, 1), "overdue", None,
                     id="review not held within 6 months of the last one is overdue"),
    ],
)
def test_the_next_review_comes_from_the_statutory_rules(
    store: CaseloadStore,
    caseload: Ids,
    ref: str,
    deadline: dt.date,
    status: str,
    booked: dt.date | None,
) -> None:
    row = _rows(store)[ref]
    assert row.next_deadline == deadline
    assert row.next_status == status
    assert row.next_scheduled == booked
    assert row.next_kind == "cla_review"
    assert row.next_kind_label == "Child in care review"


def test_only_open_tracks_are_listed_for_a_child(store: CaseloadStore, caseload: Ids) -> None:
    assert _rows(store)["DEMO-0001"].track_kinds == ("cla",)


@pytest.mark.parametrize(
    ("dob", "age"),
    [
        pytest.param(D(2015, 1, 4), 12, id="birthday today counts"),
        pytest.param(D(2015, 1, 5), 11, id="birthday tomorrow does not yet"),
        pytest.param(D(2016, 2, 29), 10, id="29 February birthday"),
        pytest.param(None, None, id="no date of birth recorded"),
    ],
)
def test_age_in_whole_years_on_today(dob: dt.date | None, age: int | None) -> None:
    assert age_on(dob, TODAY) == age


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        pytest.param("ada", True, id="preferred name, lower case"),
        pytest.param("ADALINE", True, id="legal first name, upper case"),
        pytest.param("demo-0001", True, id="child ID, any case"),
        pytest.param("ample", True, id="part of the last name"),
        pytest.param("Ben", False, id="another child's name"),
        pytest.param("  ", True, id="blank filter keeps everyone"),
    ],
)
def test_the_filter_matches_names_and_child_id(
    store: CaseloadStore, caseload: Ids, text: str, matches: bool
) -> None:
    assert _rows(store)["DEMO-0001"].matches(text) is matches


def _detail(store: CaseloadStore, child: uuid.UUID) -> ChildDetail:
    with store.session() as session:
        return child_detail(session, child, today=TODAY, settings=Settings())


def test_detail_shows_key_facts_and_both_episodes(store: CaseloadStore, caseload: Ids) -> None:
    detail = _detail(store, caseload.ada)
    assert detail.display_name == "Ada Example"
    assert detail.legal_name == "Adaline Example"
    assert detail.age == 11
    assert detail.interpreter_needed
    assert detail.allocated_iro_name == "Robin Example"
    assert detail.current_episode is not None
    assert detail.current_episode.legal_status == "C2"
    assert [e.legal_status for e in detail.previous_episodes] == ["V2"]
    assert [t.kind for t in detail.open_tracks] == ["cla"]
    assert [t.kind for t in detail.closed_tracks] == ["cp"]


def test_detail_lists_current_people_by_role_and_keeps_former_ones_apart(
    store: CaseloadStore, caseload: Ids
) -> None:
    detail = _detail(store, caseload.ada)
    assert [(p.role_label, p.name) for p in detail.people] == [
        ("Social worker", "Sam Sample"),
        ("Carer", "Pat Pretend"),
        ("Children's guardian (Cafcass)", "Casey Demo"),
    ]
    assert [p.name for p in detail.former_people] == ["Old Worker"]
    # An IRO checks every child has an advocate and an independent visitor: always shown.
    assert detail.roles_shown() == (
        "social_worker", "team_manager", "carer", "advocate", "independent_visitor", "guardian",
    )
    assert detail.people_in_role("advocate") == ()


def test_the_timeline_is_newest_first_and_tells_the_story(
    store: CaseloadStore, caseload: Ids
) -> None:
    timeline = _detail(store, caseload.ada).timeline
    days = [entry.on for entry in timeline]
    assert days == sorted(days, reverse=True)
    titles = [(entry.on, entry.title) for entry in timeline]
    assert titles[0] == (D(2027, 3, 1), "Child in care review booked")
    assert (D(2026, 11, 20), "Challenge escalated to Level 3: Reports not shared") in titles
    assert (D(2026, 11, 2), "Challenge raised (Informal): Reports not shared") in titles
    assert (D(2026, 10, 25), "Review letter sent") in titles
    assert (D(2026, 10, 1), "Visit (face to face)") in titles
    assert (D(2025, 9, 1), "Became looked after") in titles
    assert (D(2020, 2, 1), "Left care") in titles
    assert (D(2026, 12, 1), "Strategy discussion (child protection)") in titles


def test_a_held_review_shows_its_participation_code_with_its_label(
    store: CaseloadStore, caseload: Ids
) -> None:
    timeline = _detail(store, caseload.ada).timeline
    entry = next(e for e in timeline if e.ref_id == caseload.late_review)
    assert entry.title == "Child in care review held"
    assert entry.detail.startswith(
        "PN6 Child did not attend; their views were sent (e.g. written, app, via carer)"
    )


def test_decisions_sit_under_their_review_and_say_when_they_are_overdue(
    store: CaseloadStore, caseload: Ids
) -> None:
    timeline = _detail(store, caseload.ada).timeline
    same_day = [e for e in timeline if e.on == D(2026, 10, 15)]
    assert same_day[0].kind == "review_held"
    assert {e.kind for e in same_day[1:]} == {"decision"}
    overdue = next(e for e in timeline if e.ref_id == caseload.overdue_decision)
    assert overdue.title == "Decision: Refer Ada to the advocacy service"
    assert overdue.detail == "Social worker · by 1 Dec 2026 · Overdue"


def test_a_visit_quotes_the_child_in_their_own_words(
    store: CaseloadStore, caseload: Ids
) -> None:
    visit = next(e for e in _detail(store, caseload.ada).timeline if e.kind == "visit")
    assert visit.detail == "School · seen alone · “I want to stay here with my cat.”"


def test_a_deleted_child_has_no_detail(store: CaseloadStore, caseload: Ids) -> None:
    with pytest.raises(IroDeskError, match="no longer on this caseload"):
        _detail(store, caseload.gone)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("cla_review", "Child in care review"),
        ("cp_conference", "Child protection conference"),
        ("pre_review_visit", "Pre-review visit"),
        ("something_new", "Something new"),
    ],
)
def test_due_kinds_read_as_plain_words(kind: str, text: str) -> None:
    assert due_kind_label(kind) == text


def _statements_for_list(store: CaseloadStore) -> int:
    count = 0

    def counter(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(store.engine, "before_cursor_execute", counter)
    try:
        with store.session() as session:
            list_children(session, today=TODAY, settings=Settings())
    finally:
        event.remove(store.engine, "before_cursor_execute", counter)
    return count


def test_the_list_reads_each_table_once_whatever_the_caseload_size(tmp_path: Path) -> None:
    counts = []
    for children in (3, 30):
        with CaseloadStore.create(tmp_path / f"c{children}.irodesk") as demo:
            build_demo(demo, children=children, years=2, seed=1, today=TODAY)
            counts.append(_statements_for_list(demo))
    assert counts[0] == counts[1]
    assert counts[0] <= 12


def _list_both_ways(store: CaseloadStore) -> tuple[list[ChildRow], list[ChildRow]]:
    with store.session() as session:
        on_its_own = list_children(session, today=TODAY, settings=Settings())
        due = due_items(session, today=TODAY, settings=Settings())
        shared = list_children(session, today=TODAY, settings=Settings(), due=due)
    return on_its_own, shared


@pytest.mark.parametrize(
    "caseload_kind",
    ["the small caseload of these tests", "a demo caseload with years of history"],
)
def test_the_list_from_the_calendars_schedule_equals_the_list_read_on_its_own(
    store: CaseloadStore, tmp_path: Path, request: pytest.FixtureRequest, caseload_kind: str
) -> None:
    if caseload_kind == "a demo caseload with years of history":
        with CaseloadStore.create(tmp_path / "demo.irodesk") as demo:
            build_demo(demo, children=20, years=3, seed=5, today=TODAY)
            on_its_own, shared = _list_both_ways(demo)
    else:
        request.getfixturevalue("caseload")
        on_its_own, shared = _list_both_ways(store)
    assert shared == on_its_own
    assert any(row.next_deadline for row in shared)
