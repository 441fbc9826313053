"""The annual-report figures on hand-built caseloads whose answers are counted by hand."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from iro_desk.cli import main
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.figures import (
    Figures,
    Period,
    compute_figures,
    default_period,
    format_cell,
    render_text,
    report_tables,
    table_csv,
)
from iro_desk.history import tombstone
from iro_desk.models import (
    CareEpisode,
    CaseTrack,
    Challenge,
    Child,
    Iro,
    Review,
    Visit,
)
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore

D = dt.date
YEAR = Period(D(2025, 4, 1), D(2026, 3, 31))  # the reporting year 2025/26
SCHOOL_AGE_DOB = D(2012, 5, 1)
LONG_AGO = D(2020, 1, 6)


@dataclass
class Caseload:
    """Builds a caseload row by row; every child, track and review is made up for the test."""

    store: CaseloadStore
    me: uuid.UUID = field(default_factory=uuid.uuid4)
    colleague: uuid.UUID = field(default_factory=uuid.uuid4)
    count: int = 0

    def __post_init__(self) -> None:
        with self.store.session() as session:
            session.add(Iro(id=self.me, name="Robin Example", is_me=True))
            session.add(Iro(id=self.colleague, name="Demo Colleague"))

    def child(self, *, dob: D = SCHOOL_AGE_DOB, iro: uuid.UUID | None = None) -> uuid.UUID:
        self.count += 1
        child = Child(
            child_ref=f"DEMO-{self.count:04d}",
            first_name="Test",
            last_name=f"Child{self.count}",
            dob=dob,
            allocated_iro_id=iro or self.me,
        )
        with self.store.session() as session:
            session.add(child)
        return child.id

    def track(
        self,
        child: uuid.UUID | None,
        *,
        kind: str = "cla",
        start: D = LONG_AGO,
        end: D | None = None,
        legal_status: str = "C2",
        iro: uuid.UUID | None = None,
    ) -> uuid.UUID:
        with self.store.session() as session:
            episode_id = None
            if kind == "cla" and child is not None:
                episode = CareEpisode(
                    child_id=child, start_date=start, end_date=end, legal_status=legal_status
                )
                session.add(episode)
                episode_id = episode.id
            track = CaseTrack(
                kind=kind,
                child_id=child,
                episode_id=episode_id,
                start_date=start,
                end_date=end,
                iro_id=iro,
                household_name="" if child else "The Demo household",
            )
            session.add(track)
        return track.id

    def review(
        self,
        track: uuid.UUID,
        held_on: D,
        code: str | None = "PN1",
        *,
        child: uuid.UUID | None = None,
        status: str = "held",
        **fields: object,
    ) -> uuid.UUID:
        with self.store.session() as session:
            if child is None:
                child = session.get(CaseTrack, track).child_id  # type: ignore[union-attr]
            review = Review(
                track_id=track,
                child_id=child,
                status=status,
                scheduled_date=held_on,
                held_on=held_on if status == "held" else None,
                participation_code=code,
                **fields,
            )
            session.add(review)
        return review.id

    def coded_review(self, held_on: D, code: str | None, **track_args: object) -> uuid.UUID:
        """A child with one child in care review held on ``held_on`` with ``code``."""
        dob = D(2023, 1, 1) if code == "PN0" else SCHOOL_AGE_DOB
        child = self.child(dob=dob)
        track = self.track(child, **track_args)  # type: ignore[arg-type]
        return self.review(track, held_on, code, child=child)

    def figures(self, period: Period = YEAR, **kwargs: object) -> Figures:
        with self.store.session() as session:
            return compute_figures(
                session, start=period.start, end=period.end, settings=Settings(), **kwargs
            )  # type: ignore[arg-type]


@pytest.fixture
def caseload(store: CaseloadStore) -> Iterator[Caseload]:
    yield Caseload(store)


# -- the reporting year ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param(D(2027, 1, 4), YEAR, id="in January the last complete year ended in March"),
        pytest.param(D(2026, 4, 1), YEAR, id="on 1 April the year just ended is complete"),
        pytest.param(
            D(2026, 3, 31),
            Period(D(2024, 4, 1), D(2025, 3, 31)),
            id="on 31 March the year is not yet complete",
        ),
    ],
)
def test_default_period_is_the_last_complete_reporting_year(today: D, expected: Period) -> None:
    assert default_period(today) == expected
    assert expected.is_reporting_year


def test_periods_are_labelled_as_councils_write_them() -> None:
    assert YEAR.label == "2025/26"
    assert Period(D(2025, 1, 1), D(2025, 6, 30)).label == "1 Jan 2025 to 30 Jun 2025"
    assert YEAR.years_before(2) == Period(D(2023, 4, 1), D(2024, 3, 31))


def test_a_period_that_ends_before_it_starts_is_refused(caseload: Caseload) -> None:
    with pytest.raises(ValidationError, match="ends"):
        caseload.figures(Period(D(2026, 3, 31), D(2025, 4, 1)))


# -- timeliness -----------------------------------------------------------------------------------

# A child came into care on Monday 2 June 2025. First review within 20 working days: Monday 30
# June 2025 (no bank holiday in June 2025). Second within 3 months of the first.


@pytest.mark.parametrize(
    ("held", "in_time"),
    [
        pytest.param(D(2025, 6, 30), True, id="first review held on its deadline is in time"),
        pytest.param(D(2025, 7, 1), False, id="first review held the day after is late"),
        pytest.param(D(2025, 6, 10), True, id="first review held early is in time"),
    ],
)
def test_first_review_timeliness(caseload: Caseload, held: D, in_time: bool) -> None:
    track = caseload.track(caseload.child(), start=D(2025, 6, 2))
    caseload.review(track, held)
    row = caseload.figures().current_timeliness.rows[0]
    assert row.kind == "cla"
    assert (row.first.total, row.first.count) == (1, int(in_time))
    assert row.later.total == 0


@pytest.mark.parametrize(
    ("first", "second", "in_time"),
    [
        pytest.param(D(2025, 6, 30), D(2025, 9, 30), True, id="second on its deadline in time"),
        pytest.param(D(2025, 6, 30), D(2025, 10, 1), False, id="second the day after is late"),
        pytest.param(
            D(2025, 11, 30), D(2026, 2, 28), True, id="3 months from 30 Nov end on 28 Feb"
        ),
        pytest.param(D(2025, 11, 30), D(2026, 3, 1), False, id="1 March is after 28 Feb"),
        pytest.param(
            D(2025, 7, 1), D(2025, 10, 1), True, id="a late first review moves the next deadline"
        ),
    ],
)
def test_second_review_timeliness(
    caseload: Caseload, first: D, second: D, in_time: bool
) -> None:
    track = caseload.track(caseload.child(), start=D(2025, 6, 2))
    caseload.review(track, first)
    caseload.review(track, second)
    row = caseload.figures().current_timeliness.rows[0]
    assert (row.later.total, row.later.count) == (1, int(in_time))


# Strategy discussion Thursday 1 May 2025; initial conference within 15 working days, skipping
# the bank holidays of Monday 5 May: Friday 23 May 2025. Monday 26 May is a bank holiday too.
@pytest.mark.parametrize(
    ("held", "in_time"),
    [
        pytest.param(D(2025, 5, 23), True, id="initial conference on its deadline in time"),
        pytest.param(D(2025, 5, 27), False, id="next working day after the deadline is late"),
    ],
)
def test_initial_conference_timeliness(caseload: Caseload, held: D, in_time: bool) -> None:
    track = caseload.track(caseload.child(), kind="cp", start=D(2025, 5, 1))
    caseload.review(track, held)
    (row,) = caseload.figures().current_timeliness.rows
    assert (row.kind, row.first_label) == ("cp", "Initial conference")
    assert (row.first.total, row.first.count) == (1, int(in_time))


def test_timeliness_by_kind_with_first_and_later_split_and_trend(caseload: Caseload) -> None:
    # Child in care since 2 June 2025: first on time, second late (deadline 30 Sep 2025).
    cla = caseload.track(caseload.child(), start=D(2025, 6, 2))
    caseload.review(cla, D(2025, 6, 30))
    caseload.review(cla, D(2025, 10, 1))
    # In care since 10 Jan 2024: 20 working days is 7 Feb 2024.
    older = caseload.track(caseload.child(), start=D(2024, 1, 10))
    caseload.review(older, D(2024, 2, 1))  # 2023/24, in time
    caseload.review(older, D(2024, 4, 20))  # 2024/25, by 1 May 2024: in time
    caseload.review(older, D(2024, 10, 18))  # by 20 Oct 2024: in time
    caseload.review(older, D(2025, 4, 10))  # 2025/26, by 18 Apr 2025: in time
    caseload.review(older, D(2025, 10, 10))  # by 10 Oct 2025: on the deadline, in time
    # Child protection: initial conference late (deadline 23 May), review conference in time.
    cp = caseload.track(caseload.child(), kind="cp", start=D(2025, 5, 1))
    caseload.review(cp, D(2025, 5, 27))
    caseload.review(cp, D(2025, 8, 20))
    # Not counted: booked but not held, held after the year, deleted.
    caseload.review(cla, D(2026, 2, 1), status="booked")
    caseload.review(older, D(2026, 4, 1))
    gone = caseload.review(cp, D(2025, 12, 1))
    with caseload.store.session() as session:
        tombstone(session, session.get(Review, gone))  # type: ignore[arg-type]

    figures = caseload.figures()
    assert figures.reviews_held == 6
    by_kind = {row.kind: row for row in figures.current_timeliness.rows}
    assert list(by_kind) == ["cla", "cp"]
    cla_row, cp_row = by_kind["cla"], by_kind["cp"]
    assert (cla_row.all.total, cla_row.all.count) == (4, 3)
    assert (cla_row.first.total, cla_row.first.count) == (1, 1)
    assert (cla_row.later.total, cla_row.later.count) == (3, 2)
    assert cla_row.all.percent == 75.0
    assert (cp_row.first.total, cp_row.first.count) == (1, 0)
    assert (cp_row.later.total, cp_row.later.count) == (1, 1)
    total = figures.current_timeliness.total
    assert (total.all.total, total.all.count) == (6, 4)
    trend = [(year.period.label, year.total.all.total, year.total.all.count)
             for year in figures.timeliness]
    assert trend == [("2023/24", 1, 1), ("2024/25", 2, 2), ("2025/26", 6, 4)]


# -- participation --------------------------------------------------------------------------------

# Hand count of the child in care reviews in each year, by code (None: not recorded).
PARTICIPATION_2025_26 = {
    "PN0": 3, "PN1": 4, "PN2": 1, "PN3": 0, "PN4": 1, "PN5": 2, "PN6": 3, "PN7": 1, None: 1,
}  # fmt: skip
PARTICIPATION_2024_25 = {"PN0": 1, "PN1": 2, "PN6": 1, "PN7": 1}
PARTICIPATION_2023_24 = {"PN1": 1}


@pytest.fixture
def participation_caseload(caseload: Caseload) -> Caseload:
    days = iter(D(2025, 4, 1) + dt.timedelta(days=n * 20) for n in range(30))
    for code, count in PARTICIPATION_2025_26.items():
        for _ in range(count):
            caseload.coded_review(next(days), code)
    caseload.coded_review(D(2026, 3, 31), "PN1")  # last day of 2025/26 ...
    caseload.coded_review(D(2025, 3, 31), "PN0")  # ... and of 2024/25
    for year, table in ((2024, PARTICIPATION_2024_25), (2023, PARTICIPATION_2023_24)):
        for code, count in table.items():
            for n in range(count):
                caseload.coded_review(D(year, 6, 1 + n), code)
    # Not counted in participation: a short break, a conference, a pathway review, a review
    # booked but not held, one from before the earliest year, one of a deleted child.
    caseload.coded_review(D(2025, 9, 1), "PN1", legal_status="V3")
    caseload.coded_review(D(2025, 9, 2), "PN1", kind="cp")
    caseload.coded_review(D(2025, 9, 3), "PN2", kind="pathway")
    caseload.coded_review(D(2023, 3, 31), "PN1")
    track = caseload.track(caseload.child())
    caseload.review(track, D(2025, 9, 4), "PN1", status="booked")
    gone = caseload.child()
    caseload.review(caseload.track(gone), D(2025, 9, 5), "PN6", child=gone)
    with caseload.store.session() as session:
        tombstone(session, session.get(Child, gone))  # type: ignore[arg-type]
    return caseload


def _expected_counts(table: dict[str | None, int], code: str) -> int:
    return table.get(code, 0)


@pytest.mark.parametrize("code", [f"PN{n}" for n in range(8)])
def test_participation_row_matches_the_hand_count(
    participation_caseload: Caseload, code: str
) -> None:
    table = participation_caseload.figures().participation
    assert [period.label for period in table.periods] == ["2023/24", "2024/25", "2025/26"]
    current = dict(PARTICIPATION_2025_26)
    current["PN1"] += 1  # the review on 31 March 2026
    previous = dict(PARTICIPATION_2024_25)
    previous["PN0"] += 1  # the review on 31 March 2025
    expected = tuple(
        _expected_counts(year, code)  # type: ignore[arg-type]
        for year in (PARTICIPATION_2023_24, previous, current)
    )
    assert table.row(code).counts == expected


def test_participation_totals_percentages_and_took_part(participation_caseload: Caseload) -> None:
    table = participation_caseload.figures().participation
    assert table.totals == (1, 6, 17)
    assert table.not_recorded == (0, 0, 1)
    assert table.row("PN1").percents == (100.0, 33.3, 29.4)  # 1/1, 2/6, 5/17
    assert table.row("PN0").percents == (0.0, 33.3, 17.6)  # 0/1, 2/6, 3/17
    assert table.row("PN3").percents == (0.0, 0.0, 0.0)
    # Took part or gave views: PN1-PN6 out of PN1-PN7.
    current = table.took_part[-1]
    assert (current.count, current.total) == (12, 13)  # 5+1+0+1+2+3 of those plus 1 PN7
    previous = table.took_part[1]
    assert (previous.count, previous.total, previous.percent) == (3, 4, 75.0)


def test_participation_table_is_laid_out_as_councils_print_it(
    participation_caseload: Caseload,
) -> None:
    tables = {table.key: table for table in report_tables(participation_caseload.figures())}
    table = tables["participation"]
    assert table.columns[:4] == ("Code", "How the child took part", "2023/24 number", "2023/24 %")
    assert table.columns[-2:] == ("2025/26 number", "2025/26 %")
    assert [row[0] for row in table.rows[:8]] == [f"PN{n}" for n in range(8)]
    pn1 = table.rows[1]
    assert pn1[1] == "Child attended and spoke for themselves"
    assert [table.text(1, column) for column in range(2, 8)] == [
        "1", "100%", "2", "33%", "5", "29%",
    ]  # fmt: skip
    assert table.rows[8][1] == "Code not recorded"
    assert table.rows[-1][1:] == ("Total reviews", 1, 100.0, 6, 100.0, 17, 100.0)
    csv_lines = table_csv(table).splitlines()
    assert csv_lines[2].startswith("PN1,Child attended and spoke for themselves,1,100.0,2,33.3")


# -- visits before reviews ------------------------------------------------------------------------


def test_reviews_with_a_visit_or_conversation_beforehand(caseload: Caseload) -> None:
    child = caseload.child()
    track = caseload.track(child)
    caseload.review(track, D(2025, 5, 1), pre_review_contact=True)
    caseload.review(track, D(2025, 6, 1), pre_review_contact=False)
    caseload.review(track, D(2025, 7, 1), pre_review_contact=None)  # not recorded
    linked = caseload.review(track, D(2025, 8, 1), pre_review_contact=None)
    planned = caseload.review(track, D(2025, 9, 1), pre_review_contact=False)
    deleted = caseload.review(track, D(2025, 10, 1), pre_review_contact=False)
    with caseload.store.session() as session:
        session.add(Visit(child_id=child, review_id=linked, status="done",
                          visit_date=D(2025, 7, 25)))
        session.add(Visit(child_id=child, review_id=planned, status="planned",
                          visit_date=D(2025, 8, 25)))
        gone = Visit(child_id=child, review_id=deleted, status="done", visit_date=D(2025, 9, 25))
        session.add(gone)
    with caseload.store.session() as session:
        tombstone(session, session.get(Visit, gone.id))  # type: ignore[arg-type]
    # A household review is not a review of a child: not counted.
    caseload.review(caseload.track(None, kind="fostering"), D(2025, 5, 2), None)

    figures = caseload.figures()
    total = figures.pre_review_contact_total
    assert (total.reviews, total.with_contact, total.not_recorded) == (6, 2, 1)
    assert total.ratio.percent == 33.3
    assert [row.kind for row in figures.pre_review_contact] == ["cla"]


# -- challenges -----------------------------------------------------------------------------------


def _challenge(caseload: Caseload, child: uuid.UUID, **fields: object) -> uuid.UUID:
    values: dict[str, object] = {"theme": "Delay to permanence", "issue": "Made up for a test."}
    values.update(fields)
    challenge = Challenge(child_id=child, **values)  # type: ignore[arg-type]
    with caseload.store.session() as session:
        session.add(challenge)
    return challenge.id


@pytest.fixture
def challenge_caseload(caseload: Caseload) -> Caseload:
    child = caseload.child()
    theirs = caseload.child(iro=caseload.colleague)
    # Resolved after 10, 20 and 40 days (the 40 is over 20 working days).
    _challenge(caseload, child, level=1, raised_on=D(2025, 5, 1), status="resolved",
               closed_on=D(2025, 5, 11))
    _challenge(caseload, child, level=2, raised_on=D(2025, 6, 2), status="resolved",
               closed_on=D(2025, 6, 22), theme="Reports not shared")
    _challenge(caseload, theirs, level=3, raised_on=D(2025, 7, 1), status="resolved",
               closed_on=D(2025, 8, 10), track_kind="cp")
    _challenge(caseload, child, level=1, raised_on=D(2025, 9, 1), status="withdrawn",
               closed_on=D(2025, 9, 3), theme="Reports not shared")
    _challenge(caseload, theirs, level=2, raised_on=D(2026, 3, 31), track_kind="cp",
               theme="A theme no longer in the settings")
    # Not counted: raised before the year, deleted, a deleted child's.
    _challenge(caseload, child, level=4, raised_on=D(2025, 3, 31))
    gone = _challenge(caseload, child, level=4, raised_on=D(2025, 10, 1))
    gone_child = caseload.child()
    _challenge(caseload, gone_child, level=4, raised_on=D(2025, 10, 1))
    with caseload.store.session() as session:
        tombstone(session, session.get(Challenge, gone))  # type: ignore[arg-type]
        tombstone(session, session.get(Child, gone_child))  # type: ignore[arg-type]
    return caseload


def test_challenges_raised_resolved_and_median_days(challenge_caseload: Caseload) -> None:
    c = challenge_caseload.figures().challenges
    assert (c.raised, c.informal, c.formal) == (5, 2, 3)
    assert (c.cla, c.cp) == (3, 2)
    assert (c.resolved, c.withdrawn, c.still_open) == (3, 1, 1)
    assert c.median_days_to_resolve == 20.0
    assert (c.resolved_within_drp.count, c.resolved_within_drp.total) == (2, 3)


def test_challenges_by_level_split_child_in_care_and_protection(
    challenge_caseload: Caseload,
) -> None:
    levels = {row.level: (row.name, row.cla, row.cp, row.total)
              for row in challenge_caseload.figures().challenges.by_level}
    assert levels[1] == ("Informal", 2, 0, 2)
    assert levels[2] == ("Level 2", 1, 1, 2)
    assert levels[3] == ("Level 3", 0, 1, 1)
    assert levels[4] == ("Level 4", 0, 0, 0)
    assert levels[6] == ("Cafcass referral", 0, 0, 0)


def test_challenges_by_theme(challenge_caseload: Caseload) -> None:
    themes = {row.theme: (row.informal, row.formal, row.total, row.resolved)
              for row in challenge_caseload.figures().challenges.by_theme}
    assert themes["Delay to permanence"] == (1, 1, 2, 2)
    assert themes["Reports not shared"] == (1, 1, 2, 1)
    assert themes["A theme no longer in the settings"] == (0, 1, 1, 0)
    assert themes["Statutory visits not done"] == (0, 0, 0, 0)
    assert list(themes)[-1] == "A theme no longer in the settings"


def test_my_caseload_counts_only_my_childrens_challenges(challenge_caseload: Caseload) -> None:
    mine = challenge_caseload.figures(iro_id=challenge_caseload.me)
    assert mine.scope == "Robin Example's caseload"
    assert (mine.challenges.raised, mine.challenges.cp) == (3, 0)


# -- paperwork ------------------------------------------------------------------------------------

# Held Monday 2 June 2025: decisions within 5 working days is Monday 9 June; the record within
# 20 working days is Monday 30 June.
@pytest.mark.parametrize(
    ("circulated", "completed", "today", "decisions", "record"),
    [
        pytest.param(D(2025, 6, 9), D(2025, 6, 30), None, "in_time", "in_time",
                     id="both on their last day are in time"),
        pytest.param(D(2025, 6, 10), D(2025, 7, 1), None, "late", "late",
                     id="the day after is late"),
        pytest.param(None, None, None, "not_recorded", "not_recorded",
                     id="no date recorded is not in time"),
        pytest.param(None, None, D(2025, 6, 9), "not_yet_due", "not_yet_due",
                     id="not yet due on today is set aside"),
        pytest.param(D(2025, 6, 3), None, D(2025, 6, 30), "in_time", "not_yet_due",
                     id="record still within its 20 working days"),
        pytest.param(None, None, D(2025, 6, 10), "not_recorded", "not_yet_due",
                     id="decisions overdue, record not yet due"),
    ],
)
def test_paperwork_timeliness(
    caseload: Caseload,
    circulated: D | None,
    completed: D | None,
    today: D | None,
    decisions: str,
    record: str,
) -> None:
    track = caseload.track(caseload.child())
    caseload.review(track, D(2025, 6, 2), decisions_circulated_on=circulated,
                    record_completed_on=completed)
    rows = {row.measure: row for row in caseload.figures(today=today).paperwork}
    for measure, outcome in (("decisions_circulated", decisions), ("record_completed", record)):
        row = rows[measure]
        counts = {"in_time": row.in_time, "late": row.late, "not_recorded": row.not_recorded,
                  "not_yet_due": row.not_yet_due}
        assert counts == {key: int(key == outcome) for key in counts}, measure
    assert rows["decisions_circulated"].working_days == 5
    assert rows["record_completed"].working_days == 20


def test_paperwork_percent_leaves_out_what_is_not_yet_due(caseload: Caseload) -> None:
    track = caseload.track(caseload.child())
    caseload.review(track, D(2025, 6, 2), decisions_circulated_on=D(2025, 6, 9))
    caseload.review(track, D(2025, 7, 1), decisions_circulated_on=D(2025, 7, 20))
    caseload.review(track, D(2026, 3, 30))
    row = caseload.figures(today=D(2026, 3, 31)).paperwork[0]
    assert (row.reviews, row.in_time, row.late, row.not_yet_due) == (3, 1, 1, 1)
    assert row.ratio.percent == 50.0


# -- permanence -----------------------------------------------------------------------------------


def test_permanence_plan_agreed_within_six_months(caseload: Caseload) -> None:
    # Came into care 15 Jan 2025: six months on 15 Jul 2025, agreed at a review that day.
    agreed = caseload.track(caseload.child(), start=D(2025, 1, 15))
    caseload.review(agreed, D(2025, 2, 10), permanence_status="not_yet")
    caseload.review(agreed, D(2025, 7, 15), permanence_status="agreed")
    # Came in 1 Feb 2025: agreed only on 2 Aug 2025, a day after six months.
    late = caseload.track(caseload.child(), start=D(2025, 2, 1))
    caseload.review(late, D(2025, 2, 20), permanence_status="not_yet")
    caseload.review(late, D(2025, 8, 2), permanence_status="agreed")
    # Achieved counts as agreed.
    achieved = caseload.track(caseload.child(), start=D(2025, 6, 1))
    caseload.review(achieved, D(2025, 9, 1), permanence_status="achieved")
    # No status recorded by six months.
    unknown = caseload.track(caseload.child(), start=D(2025, 3, 1))
    caseload.review(unknown, D(2025, 3, 20), permanence_status="")
    # Not in the cohort: left care within six months; six months before the year; short break.
    caseload.track(caseload.child(), start=D(2025, 3, 1), end=D(2025, 5, 1))
    caseload.track(caseload.child(), start=D(2024, 6, 1))
    caseload.track(caseload.child(), start=D(2025, 3, 1), legal_status="V4")

    p = caseload.figures().permanence
    assert (p.cohort, p.agreed, p.not_agreed, p.not_recorded) == (4, 2, 1, 1)
    assert p.left_care == 1
    assert p.ratio.percent == 66.7


def test_permanence_not_yet_due_is_set_aside(caseload: Caseload) -> None:
    caseload.track(caseload.child(), start=D(2025, 9, 1))  # six months on 1 March 2026
    p = caseload.figures(today=D(2026, 2, 1)).permanence
    assert (p.cohort, p.not_yet_due) == (0, 1)


# -- scope ----------------------------------------------------------------------------------------


def test_my_caseload_uses_the_track_iro_then_the_childs_allocated_iro(caseload: Caseload) -> None:
    mine = caseload.child()
    theirs = caseload.child(iro=caseload.colleague)
    caseload.review(caseload.track(mine), D(2025, 5, 1))
    caseload.review(caseload.track(theirs), D(2025, 5, 2))
    # I chair this child's conference though the child is allocated to my colleague.
    caseload.review(caseload.track(theirs, kind="cp", iro=caseload.me), D(2025, 5, 3))
    assert caseload.figures().reviews_held == 3
    assert caseload.figures(iro_id=caseload.me).reviews_held == 2
    assert caseload.figures(iro_id=caseload.colleague).reviews_held == 1


def test_an_unknown_iro_is_refused(caseload: Caseload) -> None:
    with pytest.raises(IroDeskError, match="not in this caseload"):
        caseload.figures(iro_id=uuid.uuid4())


# -- the faces: text, JSON, CLI -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        pytest.param(38.06, "percent", "38%", id="percent whole"),
        pytest.param(0.5, "percent", "<1%", id="a fraction of one percent is not 0%"),
        pytest.param(99.7, "percent", ">99%", id="not quite all is not 100%"),
        pytest.param(12.5, "percent", "13%", id="halves round up"),
        pytest.param(None, "percent", "–", id="nothing to count"),
        pytest.param(1608, "count", "1,608", id="count with thousands"),
        pytest.param(20.5, "days", "20.5", id="days"),
    ],
)
def test_cells_read_as_people_expect(value: float | None, kind: str, text: str) -> None:
    assert format_cell(value, kind) == text


def test_figures_to_dict_is_json_with_the_documented_keys(
    participation_caseload: Caseload,
) -> None:
    data = json.loads(json.dumps(participation_caseload.figures().to_dict()))
    assert set(data) == {
        "period", "periods", "scope", "reviews_held", "timeliness", "participation",
        "pre_review_contact", "challenges", "paperwork", "permanence", "settings",
    }  # fmt: skip
    assert data["period"] == {"start": "2025-04-01", "end": "2026-03-31", "label": "2025/26"}
    pn1 = next(row for row in data["participation"]["rows"] if row["code"] == "PN1")
    assert pn1["counts"] == [1, 2, 5]
    docs = (Path(__file__).parents[1] / "docs" / "figures.md").read_text(encoding="utf-8")
    for key in data:
        assert f"`{key}`" in docs, f"{key} is not documented in docs/figures.md"


def test_report_command_prints_the_tables(
    participation_caseload: Caseload, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(participation_caseload.store.path)
    code = main(["report", "--db", db, "--from", "2025-04-01", "--to", "2026-03-31"])
    out = capsys.readouterr().out
    assert code == 0
    assert "How children took part in their reviews" in out
    assert "PN6   Child did not attend; their views were sent" in out
    assert "Whole file, 2025/26" in out


def test_report_command_json_for_my_caseload(
    challenge_caseload: Caseload, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(challenge_caseload.store.path)
    code = main(["report", "--db", db, "--today", "2027-01-04", "--mine", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["scope"]["label"] == "Robin Example's caseload"
    assert data["period"]["label"] == "2025/26"
    assert data["challenges"]["raised"] == 3


def test_report_command_needs_both_ends_of_the_period(
    caseload: Caseload, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "--db", str(caseload.store.path), "--from", "2025-04-01"])
    assert code == 2
    assert "--from and --to" in capsys.readouterr().err


def test_render_text_has_every_table(participation_caseload: Caseload) -> None:
    figures = participation_caseload.figures()
    text = render_text(figures)
    for table in report_tables(figures):
        assert table.title in text


def test_timeliness_agrees_with_the_scheduler_on_the_demo_caseload(store: CaseloadStore) -> None:
    # The figures count deadlines in SQL order; the scheduler's review_timeliness is the
    # reference. Both must give every review the same verdict, kind by kind and year by year.
    from collections import Counter

    from sqlmodel import select

    from iro_desk.demo import build_demo
    from iro_desk.schedule import review_timeliness
    from iro_desk.settings import load_settings

    # 150 children: enough reviews in the year that some are late (about 3 in 100 are).
    build_demo(store, children=150, years=3, seed=1, today=D(2027, 1, 4))
    with store.session() as session:
        settings = load_settings(session)
        verdicts = review_timeliness(session, settings)
        kinds = dict(session.exec(select(Review.id, CaseTrack.kind).join(CaseTrack)).all())
        held = dict(session.exec(select(Review.id, Review.held_on)).all())
        figures = compute_figures(session, start=YEAR.start, end=YEAR.end, settings=settings)
    for year in figures.timeliness:
        expected: Counter[tuple[str, bool]] = Counter(
            (kinds[review_id], verdict.in_time)
            for review_id, verdict in verdicts.items()
            if year.period.contains(held[review_id])  # type: ignore[arg-type]
        )
        for row in year.rows:
            assert (row.all.total, row.all.count) == (
                expected[(row.kind, True)] + expected[(row.kind, False)],
                expected[(row.kind, True)],
            ), (year.period.label, row.kind)
    total = figures.current_timeliness.total.all
    assert total.total > 100
    assert total.count < total.total  # some late reviews, so the check means something
