"""The annual-report figures: what an IRO service tells its Corporate Parenting Panel each year.

For a period (by default the last complete reporting year, 1 April to 31 March) and for one
IRO's caseload or the whole team file, ``compute_figures`` counts:

* reviews held and the share held in timescale, by kind of review, with the first review split
  from the later ones, for the period and the years before it (the trend);
* participation: the eight DfE participation rows (PN0-PN7) with counts and percentages, the
  previous years beside them, as councils print the table; and the share of reviews of
  children aged 4 or more where the child took part or gave their views;
* reviews with an IRO visit or conversation with the child beforehand;
* challenges raised, by level and by theme, informal and formal, child in care and child
  protection; how many were resolved, and the median days to resolve;
* paperwork: decisions circulated and records completed within the local standards;
* children with a permanence plan agreed within six months of coming into care.

``report_tables`` turns the figures into plain tables (the CLI prints them, the Figures window
shows them, CSV and the PDF summary are made from them), so every face shows the same numbers.
Every definition is written up in docs/figures.md.

Speed: the rows are read with a handful of plain SQL statements on the session's connection
(tracks, held reviews, challenges, the IRO's name), never a query per child or per review.
Whether each review was held in timescale comes from ``iro_desk.schedule.review_timeliness``,
which applies the statutory rules of ``iro_desk.rules``; nothing here re-implements them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from iro_desk import rules, schedule
from iro_desk.challenges import ladder
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.settings import Settings
from iro_desk.vocab import PARTICIPATION, SHORT_BREAK_STATUSES, TRACK_KINDS
from iro_desk.workdays import WorkingDays, add_months, working_days

# Participation codes whose child took part or gave their views (DfE REVIEW_CODE PN1-PN6);
# PN7 is "did not attend and did not share views"; PN0 is a child under 4.
TOOK_PART_CODES = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6")
AGED_FOUR_PLUS_CODES = (*TOOK_PART_CODES, "PN7")

# The IRO Handbook: the whole Dispute Resolution Process should take no more than 20 working
# days (DOMAIN.md, "Challenge").
DRP_WORKING_DAYS = 20

# Permanence plans should be agreed by the second review, within about six months of a child
# coming into care; the figure counts plans agreed within this many months.
PERMANENCE_MONTHS = 6
PERMANENCE_AGREED = frozenset({"agreed", "achieved"})

# How the first review of a kind, and the ones after it, are named in the tables.
FIRST_REVIEW_NAMES: dict[str, tuple[str, str]] = {
    "cp": ("Initial conference", "Review conferences"),
}
DEFAULT_REVIEW_NAMES = ("First review", "Later reviews")

NOT_RECORDED = "Not recorded"


# -- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included: usually a reporting year, 1 April to 31 March."""

    start: dt.date
    end: dt.date

    @property
    def is_reporting_year(self) -> bool:
        """True for exactly 1 April to the next 31 March."""
        return (self.start.month, self.start.day) == (4, 1) and self.end == dt.date(
            self.start.year + 1, 3, 31
        )

    @property
    def label(self) -> str:
        """'2025/26' for a reporting year, else '1 Jan 2025 to 30 Jun 2025'."""
        if self.is_reporting_year:
            return f"{self.start.year}/{(self.start.year + 1) % 100:02d}"
        return f"{_day(self.start)} to {_day(self.end)}"

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` is in the period (either end included)."""
        return self.start <= day <= self.end

    def years_before(self, years: int) -> Period:
        """The same days ``years`` years earlier (1 April-31 March gives the earlier year)."""
        return Period(add_months(self.start, -12 * years), add_months(self.end, -12 * years))

    def to_dict(self) -> dict[str, str]:
        """ISO dates and the label."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def reporting_year(year_ending: int) -> Period:
    """The reporting year that ends on 31 March of ``year_ending`` (2026 is 2025/26)."""
    return Period(dt.date(year_ending - 1, 4, 1), dt.date(year_ending, 3, 31))


def default_period(today: dt.date) -> Period:
    """The last complete reporting year before ``today``.

    On 1 April 2026 that is 2025/26; on 31 March 2026, the last day of 2025/26, it is 2024/25.
    """
    year_ending = today.year if today.month >= 4 else today.year - 1
    return reporting_year(year_ending)


def make_period(start: dt.date, end: dt.date) -> Period:
    """A period from two dates, refusing one that ends before it starts."""
    if end < start:
        raise ValidationError(
            f"The period ends ({end.isoformat()}) before it starts ({start.isoformat()}).",
            {"to": "must be on or after the start"},
        )
    return Period(start, end)


# -- the figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """``count`` out of ``total``, with the percentage (None when there is nothing to count)."""

    count: int
    total: int

    @property
    def percent(self) -> float | None:
        """The percentage to one decimal place, or None when ``total`` is 0."""
        exact = self.exact
        return None if exact is None else round(exact, 1)

    @property
    def exact(self) -> float | None:
        """The percentage unrounded (tables round it once, for showing), or None."""
        if not self.total:
            return None
        return 100 * self.count / self.total

    def to_dict(self) -> dict[str, Any]:
        """{"count", "total", "percent"}."""
        return {"count": self.count, "total": self.total, "percent": self.percent}


@dataclass(frozen=True)
class TimelinessRow:
    """Reviews of one kind held in a period, and how many were held by their deadline."""

    kind: str
    label: str
    first_label: str
    later_label: str
    all: Ratio
    first: Ratio
    later: Ratio

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "kind": self.kind,
            "label": self.label,
            "held": self.all.total,
            "in_time": self.all.count,
            "percent_in_time": self.all.percent,
            "first": {"label": self.first_label, **_held_ratio(self.first)},
            "later": {"label": self.later_label, **_held_ratio(self.later)},
        }


def _held_ratio(ratio: Ratio) -> dict[str, Any]:
    return {"held": ratio.total, "in_time": ratio.count, "percent_in_time": ratio.percent}


@dataclass(frozen=True)
class TimelinessYear:
    """Timeliness for one period: a row per kind of review and the total."""

    period: Period
    rows: tuple[TimelinessRow, ...]
    total: TimelinessRow

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "period": self.period.to_dict(),
            "by_kind": [row.to_dict() for row in self.rows],
            "total": self.total.to_dict(),
        }


@dataclass(frozen=True)
class ParticipationRow:
    """One DfE participation code: the number of reviews and the share, one per period."""

    code: str
    label: str
    counts: tuple[int, ...]
    percents: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "code": self.code,
            "label": self.label,
            "counts": list(self.counts),
            "percents": list(self.percents),
        }


@dataclass(frozen=True)
class Participation:
    """The councils' participation table: PN0-PN7 down the side, the years across."""

    periods: tuple[Period, ...]
    rows: tuple[ParticipationRow, ...]
    not_recorded: tuple[int, ...]
    totals: tuple[int, ...]
    took_part: tuple[Ratio, ...]

    def row(self, code: str) -> ParticipationRow:
        """The row for one code (PN0-PN7)."""
        for row in self.rows:
            if row.code == code:
                return row
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "periods": [period.to_dict() for period in self.periods],
            "rows": [row.to_dict() for row in self.rows],
            "not_recorded": list(self.not_recorded),
            "totals": list(self.totals),
            "took_part": [ratio.to_dict() for ratio in self.took_part],
        }


@dataclass(frozen=True)
class ContactRow:
    """Reviews of one kind and how many had an IRO visit or conversation with the child first."""

    kind: str
    label: str
    reviews: int
    with_contact: int
    not_recorded: int

    @property
    def ratio(self) -> Ratio:
        """With contact, out of the reviews held."""
        return Ratio(self.with_contact, self.reviews)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "kind": self.kind,
            "label": self.label,
            "reviews": self.reviews,
            "with_contact": self.with_contact,
            "not_recorded": self.not_recorded,
            "percent": self.ratio.percent,
        }


@dataclass(frozen=True)
class LevelRow:
    """Challenges whose highest level reached is ``level``, child in care and child protection."""

    level: int
    name: str
    cla: int
    cp: int
    other: int

    @property
    def total(self) -> int:
        """All challenges at this level."""
        return self.cla + self.cp + self.other

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "level": self.level,
            "name": self.name,
            "cla": self.cla,
            "cp": self.cp,
            "other": self.other,
            "total": self.total,
        }


@dataclass(frozen=True)
class ThemeRow:
    """Challenges raised about one theme."""

    theme: str
    informal: int
    formal: int
    resolved: int

    @property
    def total(self) -> int:
        """All challenges on this theme."""
        return self.informal + self.formal

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "theme": self.theme,
            "informal": self.informal,
            "formal": self.formal,
            "total": self.total,
            "resolved": self.resolved,
        }


@dataclass(frozen=True)
class ChallengeFigures:
    """Challenges raised in the period, what became of them, by level and by theme."""

    raised: int
    informal: int
    formal: int
    cla: int
    cp: int
    resolved: int
    withdrawn: int
    still_open: int
    median_days_to_resolve: float | None
    resolved_within_drp: Ratio
    by_level: tuple[LevelRow, ...]
    by_theme: tuple[ThemeRow, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "raised": self.raised,
            "informal": self.informal,
            "formal": self.formal,
            "cla": self.cla,
            "cp": self.cp,
            "resolved": self.resolved,
            "withdrawn": self.withdrawn,
            "open": self.still_open,
            "median_days_to_resolve": self.median_days_to_resolve,
            "resolved_within_20_working_days": self.resolved_within_drp.to_dict(),
            "by_level": [row.to_dict() for row in self.by_level],
            "by_theme": [row.to_dict() for row in self.by_theme],
        }


@dataclass(frozen=True)
class PaperworkRow:
    """One paperwork standard: how many held reviews met it."""

    measure: str
    label: str
    working_days: int
    reviews: int
    in_time: int
    late: int
    not_recorded: int
    not_yet_due: int

    @property
    def ratio(self) -> Ratio:
        """In time, out of the reviews whose deadline has passed (all, without a today)."""
        return Ratio(self.in_time, self.reviews - self.not_yet_due)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "measure": self.measure,
            "label": self.label,
            "working_days": self.working_days,
            "reviews": self.reviews,
            "in_time": self.in_time,
            "late": self.late,
            "not_recorded": self.not_recorded,
            "not_yet_due": self.not_yet_due,
            "percent_in_time": self.ratio.percent,
        }


@dataclass(frozen=True)
class PermanenceFigures:
    """Children whose six months in care ended in the period: was a permanence plan agreed?"""

    cohort: int
    agreed: int
    not_agreed: int
    not_recorded: int
    left_care: int
    not_yet_due: int

    @property
    def ratio(self) -> Ratio:
        """Agreed, out of the children where reviews recorded the plan's status."""
        return Ratio(self.agreed, self.agreed + self.not_agreed)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys as documented in docs/figures.md."""
        return {
            "cohort": self.cohort,
            "agreed": self.agreed,
            "not_agreed": self.not_agreed,
            "not_recorded": self.not_recorded,
            "left_care_within_6_months": self.left_care,
            "not_yet_due": self.not_yet_due,
            "percent_agreed": self.ratio.percent,
        }


@dataclass(frozen=True)
class Figures:
    """Everything the annual report needs, for one period and one scope.

    ``periods`` runs oldest first and ends with ``period``; ``timeliness`` and
    ``participation`` have one entry per period, in the same order.
    """

    period: Period
    periods: tuple[Period, ...]
    scope: str
    iro_id: uuid.UUID | None
    reviews_held: int
    timeliness: tuple[TimelinessYear, ...]
    participation: Participation
    pre_review_contact: tuple[ContactRow, ...]
    pre_review_contact_total: ContactRow
    challenges: ChallengeFigures
    paperwork: tuple[PaperworkRow, ...]
    permanence: PermanenceFigures
    settings_used: dict[str, int] = field(default_factory=dict)

    @property
    def current_timeliness(self) -> TimelinessYear:
        """Timeliness for the chosen period."""
        return self.timeliness[-1]

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready values; every key is documented in docs/figures.md."""
        return {
            "period": self.period.to_dict(),
            "periods": [period.to_dict() for period in self.periods],
            "scope": {"label": self.scope, "iro_id": str(self.iro_id) if self.iro_id else None},
            "reviews_held": self.reviews_held,
            "timeliness": [year.to_dict() for year in self.timeliness],
            "participation": self.participation.to_dict(),
            "pre_review_contact": {
                "by_kind": [row.to_dict() for row in self.pre_review_contact],
                "total": self.pre_review_contact_total.to_dict(),
            },
            "challenges": self.challenges.to_dict(),
            "paperwork": [row.to_dict() for row in self.paperwork],
            "permanence": self.permanence.to_dict(),
            "settings": dict(self.settings_used),
        }


# -- reading the caseload -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Track:
    kind: str
    child: str | None
    start: dt.date  # the track's start: the statutory cycle runs from it
    care_start: dt.date  # the episode's start, for a child in care track
    end: dt.date | None
    short_break: bool
    rule: rules.TrackRule
    iro: str | None


@dataclass(frozen=True)
class _Review:
    track: _Track
    held_on: dt.date
    code: str | None
    contact: bool | None
    visited: bool
    circulated: dt.date | None
    completed: dt.date | None
    permanence: str
    ordinal: int
    in_time: bool


@dataclass(frozen=True)
class _Challenge:
    kind: str
    theme: str
    level: int
    status: str
    raised_on: dt.date
    closed_on: dt.date | None


def _rows(session: Session, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    return list(session.connection().exec_driver_sql(sql, tuple(params)).fetchall())


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _load_tracks(session: Session, settings: Settings, iro_hex: str | None) -> dict[str, _Track]:
    tracks = {}
    rule_for: dict[tuple[str, str | None], rules.TrackRule] = {}
    for tid, kind, child, start, end, iro, ep_start, ep_end, status, allocated, child_gone in _rows(
        session,
        "SELECT t.id, t.kind, t.child_id, t.start_date, t.end_date, t.iro_id, e.start_date, "
        "e.end_date, e.legal_status, c.allocated_iro_id, c.deleted_at FROM case_track t "
        "LEFT JOIN care_episode e ON e.id = t.episode_id AND e.deleted_at IS NULL "
        "LEFT JOIN child c ON c.id = t.child_id "
        "WHERE t.deleted_at IS NULL",
    ):
        if child is not None and child_gone is not None:
            continue  # the child's record is deleted
        owner = iro or allocated
        if iro_hex is not None and owner != iro_hex:
            continue
        short_break = status if status in SHORT_BREAK_STATUSES else None
        rule = rule_for.get((kind, short_break))
        if rule is None:
            # The same choice of rule as the scheduler (short breaks have modified reviews).
            rule = rule_for[(kind, short_break)] = schedule.track_rule(kind, short_break, settings)
        ends = [day for day in (_date(end), _date(ep_end)) if day]
        track_start = dt.date.fromisoformat(start)
        tracks[tid] = _Track(
            kind=kind,
            child=child,
            start=track_start,
            care_start=_date(ep_start) or track_start,
            end=min(ends) if ends else None,
            short_break=short_break is not None,
            rule=rule,
            iro=owner,
        )
    return tracks


class _Deadlines:
    """Each held review's statutory deadline, from ``rules.deadline_after_reviews``.

    The deadline of the n-th review on a track runs from the review held before it (the first
    from the track's start), exactly as ``schedule.review_timeliness`` counts it; many reviews
    share a rule and a starting day, so the answers are kept.
    """

    def __init__(self, calendar: WorkingDays) -> None:
        self.calendar = calendar
        self._known: dict[tuple[int, int, dt.date], dt.date] = {}

    def deadline(self, track: _Track, ordinal: int, previous: dt.date | None) -> dt.date:
        held_before = min(ordinal - 1, 2)  # 0: first; 1: second; 2: any later one
        base = previous if held_before else track.start
        key = (id(track.rule), held_before, base)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = rules.deadline_after_reviews(
                track.rule, track.start, held_before, previous, self.calendar
            )
        return found


def _load_reviews(
    session: Session,
    tracks: dict[str, _Track],
    calendar: WorkingDays,
    first_day: dt.date,
    last_day: dt.date,
) -> list[_Review]:
    deadlines = _Deadlines(calendar)
    reviews = []
    for row in _rows(
        session,
        "SELECT x.track_id, x.held_on, x.participation_code, x.pre_review_contact, "
        "x.decisions_circulated_on, x.record_completed_on, x.permanence_status, x.ordinal, "
        "x.previous_held, EXISTS (SELECT 1 FROM visit v WHERE v.review_id = x.id "
        "AND v.status = 'done' AND v.deleted_at IS NULL) "
        "FROM (SELECT r.id, r.track_id, r.held_on, r.participation_code, r.pre_review_contact, "
        "r.decisions_circulated_on, r.record_completed_on, r.permanence_status, "
        "ROW_NUMBER() OVER (PARTITION BY r.track_id ORDER BY r.held_on, r.id) AS ordinal, "
        "LAG(r.held_on) OVER (PARTITION BY r.track_id ORDER BY r.held_on, r.id) AS previous_held "
        "FROM review r WHERE r.deleted_at IS NULL AND r.status = 'held' "
        "AND r.held_on IS NOT NULL) x WHERE x.held_on BETWEEN ? AND ?",
        (first_day.isoformat(), last_day.isoformat()),
    ):
        tid, held, code, contact, circulated, completed, permanence, ordinal, before, seen = row
        track = tracks.get(tid)
        if track is None:
            continue
        held_on = dt.date.fromisoformat(held)
        deadline = deadlines.deadline(track, ordinal, _date(before))
        reviews.append(
            _Review(
                track=track,
                held_on=held_on,
                code=code or None,
                contact=None if contact is None else bool(contact),
                visited=bool(seen),
                circulated=_date(circulated),
                completed=_date(completed),
                permanence=permanence or "",
                ordinal=ordinal,
                in_time=rules.is_in_timescale(held_on, deadline),
            )
        )
    return reviews


def _load_challenges(session: Session, period: Period, iro_hex: str | None) -> list[_Challenge]:
    found = []
    for kind, theme, level, status, raised, closed, allocated in _rows(
        session,
        "SELECT h.track_kind, h.theme, h.level, h.status, h.raised_on, h.closed_on, "
        "c.allocated_iro_id FROM challenge h JOIN child c ON c.id = h.child_id "
        "WHERE h.deleted_at IS NULL AND c.deleted_at IS NULL AND h.raised_on BETWEEN ? AND ?",
        (period.start.isoformat(), period.end.isoformat()),
    ):
        if iro_hex is not None and allocated != iro_hex:
            continue
        found.append(
            _Challenge(
                kind=kind or "",
                theme=theme or "",
                level=int(level),
                status=status,
                raised_on=dt.date.fromisoformat(raised),
                closed_on=_date(closed),
            )
        )
    return found


def my_iro_id(session: Session, settings: Settings) -> uuid.UUID:
    """The IRO who uses this laptop: marked "me", else named by the my_iro_identity setting."""
    rows = _rows(
        session,
        "SELECT id FROM iro WHERE deleted_at IS NULL AND is_me = 1 ORDER BY name, id LIMIT 1",
    )
    if not rows and settings.my_iro_identity:
        rows = _rows(
            session,
            "SELECT id FROM iro WHERE deleted_at IS NULL AND identity = ? ORDER BY name, id "
            "LIMIT 1",
            (settings.my_iro_identity,),
        )
    if not rows:
        raise IroDeskError(
            "No IRO in this caseload is marked as you, so there is no 'my caseload' to count. "
            "Mark your own IRO record as 'me' (or set your sign-in name in the settings), or "
            "ask for the whole file."
        )
    return uuid.UUID(hex=rows[0][0])


def _scope_label(session: Session, iro_id: uuid.UUID | None) -> str:
    if iro_id is None:
        return "Whole file"
    rows = _rows(session, "SELECT name FROM iro WHERE id = ?", (iro_id.hex,))
    if not rows:
        raise IroDeskError("That IRO is not in this caseload, so their figures cannot be counted.")
    return f"{rows[0][0]}'s caseload"


# -- counting -------------------------------------------------------------------------------------


def _kind_order(kinds: Iterable[str]) -> list[str]:
    known = [kind for kind in TRACK_KINDS if kind in kinds]
    return known + sorted(set(kinds) - set(TRACK_KINDS))


def _kind_label(kind: str) -> str:
    return TRACK_KINDS.get(kind, kind.replace("_", " ").capitalize())


def _timeliness_row(kind: str, label: str, reviews: Sequence[_Review]) -> TimelinessRow:
    first = [review for review in reviews if review.ordinal == 1]
    later = [review for review in reviews if review.ordinal > 1]
    first_label, later_label = FIRST_REVIEW_NAMES.get(kind, DEFAULT_REVIEW_NAMES)
    return TimelinessRow(
        kind=kind,
        label=label,
        first_label=first_label,
        later_label=later_label,
        all=Ratio(sum(review.in_time for review in reviews), len(reviews)),
        first=Ratio(sum(review.in_time for review in first), len(first)),
        later=Ratio(sum(review.in_time for review in later), len(later)),
    )


def _timeliness(
    periods: Sequence[Period], reviews: Sequence[_Review]
) -> tuple[TimelinessYear, ...]:
    kinds = _kind_order({review.track.kind for review in reviews})
    years = []
    for period in periods:
        held = [review for review in reviews if period.contains(review.held_on)]
        by_kind: dict[str, list[_Review]] = defaultdict(list)
        for review in held:
            by_kind[review.track.kind].append(review)
        rows = tuple(_timeliness_row(kind, _kind_label(kind), by_kind[kind]) for kind in kinds)
        years.append(TimelinessYear(period, rows, _timeliness_row("all", "All reviews", held)))
    return tuple(years)


def counts_in_participation(review: _Review) -> bool:
    """Participation counts child in care reviews, as the DfE return does (not short breaks)."""
    return review.track.kind == "cla" and not review.track.short_break


def _participation(periods: Sequence[Period], reviews: Sequence[_Review]) -> Participation:
    counted = [review for review in reviews if counts_in_participation(review)]
    per_period = [
        Counter(review.code for review in counted if period.contains(review.held_on))
        for period in periods
    ]
    totals = tuple(sum(counter.values()) for counter in per_period)
    rows = []
    for code, label in PARTICIPATION.items():
        counts = tuple(counter[code] for counter in per_period)
        percents = tuple(
            Ratio(count, total).percent for count, total in zip(counts, totals, strict=True)
        )
        rows.append(ParticipationRow(code, label, counts, percents))
    not_recorded = tuple(
        sum(count for code, count in counter.items() if code not in PARTICIPATION)
        for counter in per_period
    )
    took_part = tuple(
        Ratio(
            sum(counter[code] for code in TOOK_PART_CODES),
            sum(counter[code] for code in AGED_FOUR_PLUS_CODES),
        )
        for counter in per_period
    )
    return Participation(tuple(periods), tuple(rows), not_recorded, totals, took_part)


def _contact(
    reviews: Sequence[_Review], settings: Settings
) -> tuple[tuple[ContactRow, ...], ContactRow]:
    wanted = set(settings.pre_review_visit_kinds)
    counted = [review for review in reviews if review.track.kind in wanted and review.track.child]

    def row(kind: str, label: str, group: Sequence[_Review]) -> ContactRow:
        seen = [review for review in group if review.contact or review.visited]
        unknown = [review for review in group if review.contact is None and not review.visited]
        return ContactRow(kind, label, len(group), len(seen), len(unknown))

    by_kind: dict[str, list[_Review]] = defaultdict(list)
    for review in counted:
        by_kind[review.track.kind].append(review)
    kinds = _kind_order(set(by_kind))
    rows = tuple(row(kind, _kind_label(kind), by_kind[kind]) for kind in kinds)
    return rows, row("all", "All reviews", counted)


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _challenges(
    found: Sequence[_Challenge], settings: Settings, calendar: WorkingDays
) -> ChallengeFigures:
    rungs = ladder(settings)
    informal_level = rungs[0].level
    names = {rung.level: rung.name for rung in rungs}
    levels = sorted(set(names) | {challenge.level for challenge in found})
    by_level = []
    for level in levels:
        here = [challenge for challenge in found if challenge.level == level]
        cla = sum(challenge.kind == "cla" for challenge in here)
        cp = sum(challenge.kind == "cp" for challenge in here)
        by_level.append(
            LevelRow(level, names.get(level, f"Level {level}"), cla, cp, len(here) - cla - cp)
        )
    themes = list(settings.challenge_themes)
    themes += sorted({challenge.theme for challenge in found} - set(themes))
    by_theme = []
    for theme in themes:
        here = [challenge for challenge in found if challenge.theme == theme]
        informal = sum(challenge.level <= informal_level for challenge in here)
        by_theme.append(
            ThemeRow(
                theme,
                informal,
                len(here) - informal,
                sum(challenge.status == "resolved" for challenge in here),
            )
        )
    days: list[int] = []
    within = 0
    for challenge in found:
        if challenge.status != "resolved" or challenge.closed_on is None:
            continue
        days.append((challenge.closed_on - challenge.raised_on).days)
        working = calendar.count_between(challenge.raised_on, challenge.closed_on)
        within += working <= DRP_WORKING_DAYS
    informal = sum(challenge.level <= informal_level for challenge in found)
    return ChallengeFigures(
        raised=len(found),
        informal=informal,
        formal=len(found) - informal,
        cla=sum(challenge.kind == "cla" for challenge in found),
        cp=sum(challenge.kind == "cp" for challenge in found),
        resolved=sum(challenge.status == "resolved" for challenge in found),
        withdrawn=sum(challenge.status == "withdrawn" for challenge in found),
        still_open=sum(challenge.status == "open" for challenge in found),
        median_days_to_resolve=_median(days),
        resolved_within_drp=Ratio(within, len(days)),
        by_level=tuple(by_level),
        by_theme=tuple(by_theme),
    )


def _paperwork_row(
    measure: str,
    label: str,
    days: int,
    reviews: Sequence[_Review],
    done_on: str,
    calendar: WorkingDays,
    today: dt.date | None,
) -> PaperworkRow:
    in_time = late = not_recorded = not_yet_due = 0
    deadlines: dict[dt.date, dt.date] = {}  # many reviews are held on the same day
    for review in reviews:
        deadline = deadlines.get(review.held_on)
        if deadline is None:
            deadline = deadlines[review.held_on] = calendar.add(review.held_on, days)
        done: dt.date | None = getattr(review, done_on)
        if done is not None:
            if done <= deadline:
                in_time += 1
            else:
                late += 1
        elif today is not None and today <= deadline:
            not_yet_due += 1
        else:
            not_recorded += 1
    return PaperworkRow(
        measure, label, days, len(reviews), in_time, late, not_recorded, not_yet_due
    )


def _paperwork(
    reviews: Sequence[_Review], settings: Settings, calendar: WorkingDays, today: dt.date | None
) -> tuple[PaperworkRow, ...]:
    decisions = settings.decisions_circulated_working_days
    record = settings.record_completed_working_days
    return (
        _paperwork_row(
            "decisions_circulated",
            f"Decisions circulated within {decisions} working days",
            decisions,
            reviews,
            "circulated",
            calendar,
            today,
        ),
        _paperwork_row(
            "record_completed",
            f"Record completed within {record} working days",
            record,
            reviews,
            "completed",
            calendar,
            today,
        ),
    )


def _permanence(
    period: Period,
    tracks: dict[str, _Track],
    reviews: Sequence[_Review],
    today: dt.date | None,
) -> PermanenceFigures:
    by_track: dict[int, list[_Review]] = defaultdict(list)
    for review in reviews:
        by_track[id(review.track)].append(review)
    cohort = agreed = not_agreed = not_recorded = left_care = not_yet_due = 0
    for track in tracks.values():
        if track.kind != "cla" or track.short_break or track.child is None:
            continue
        six_months = add_months(track.care_start, PERMANENCE_MONTHS)
        if not period.contains(six_months):
            continue
        if track.end is not None and track.end < six_months:
            left_care += 1
            continue
        if today is not None and six_months > today:
            not_yet_due += 1
            continue
        cohort += 1
        statuses = [
            review.permanence
            for review in by_track[id(track)]
            if review.held_on <= six_months and review.permanence
        ]
        if any(status in PERMANENCE_AGREED for status in statuses):
            agreed += 1
        elif statuses:
            not_agreed += 1
        else:
            not_recorded += 1
    return PermanenceFigures(cohort, agreed, not_agreed, not_recorded, left_care, not_yet_due)


def compute_figures(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    settings: Settings,
    iro_id: uuid.UUID | None = None,
    years_back: int = 2,
    today: dt.date | None = None,
) -> Figures:
    """Count the annual-report figures for a period.

    Args:
        session: An open caseload session.
        start: The first day of the period (1 April for a reporting year).
        end: The last day of the period, included (31 March for a reporting year).
        settings: The caseload's settings (nation, paperwork standards, ladder, themes).
        iro_id: Count one IRO's caseload; None counts the whole file.
        years_back: How many earlier periods (the same days, a year earlier each) to put beside
            the chosen one in the participation table and the timeliness trend.
        today: When given, paperwork and permanence not yet due on this day are set aside
            rather than counted as missing.

    Returns:
        The figures; definitions are in docs/figures.md.
    """
    if years_back < 0:
        raise ValidationError("years_back cannot be negative.", {"years_back": "0 or more"})
    period = make_period(start, end)
    periods = tuple(period.years_before(n) for n in range(years_back, 0, -1)) + (period,)
    session.flush()
    iro_hex = iro_id.hex if iro_id is not None else None
    scope = _scope_label(session, iro_id)
    calendar = working_days(settings.nation)
    tracks = _load_tracks(session, settings, iro_hex)
    # Reviews from the earliest period, and from six months before the chosen one (permanence).
    first_day = min(periods[0].start, add_months(period.start, -PERMANENCE_MONTHS - 1))
    reviews = _load_reviews(session, tracks, calendar, first_day, period.end)
    in_period = [review for review in reviews if period.contains(review.held_on)]
    contact_rows, contact_total = _contact(in_period, settings)
    return Figures(
        period=period,
        periods=periods,
        scope=scope,
        iro_id=iro_id,
        reviews_held=len(in_period),
        timeliness=_timeliness(periods, reviews),
        participation=_participation(periods, reviews),
        pre_review_contact=contact_rows,
        pre_review_contact_total=contact_total,
        challenges=_challenges(_load_challenges(session, period, iro_hex), settings, calendar),
        paperwork=_paperwork(in_period, settings, calendar, today),
        permanence=_permanence(period, tracks, reviews, today),
        settings_used={
            "decisions_circulated_working_days": settings.decisions_circulated_working_days,
            "record_completed_working_days": settings.record_completed_working_days,
        },
    )


# -- tables for people ----------------------------------------------------------------------------

Cell = str | int | float | None


@dataclass(frozen=True)
class ReportTable:
    """One table of the report, as plain values; ``kinds`` says how each column is shown.

    Column kinds: ``text``, ``count``, ``percent`` (a float, shown as a whole percentage) and
    ``days``. A "measure, value" table whose rows hold different kinds of value gives the kind
    of each row's last cell in ``row_kinds``.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    row_kinds: tuple[str, ...] = ()

    def kind(self, row: int, column: int) -> str:
        """How the cell at (row, column) is shown."""
        if self.row_kinds and column == len(self.columns) - 1:
            return self.row_kinds[row]
        return self.kinds[column]

    def text(self, row: int, column: int) -> str:
        """The cell at (row, column) as people read it."""
        return format_cell(self.rows[row][column], self.kind(row, column))


def whole_percent(number: float) -> int:
    """A percentage rounded to a whole number, halves up (12.5 is 13), as people round."""
    return int(math.floor(number + 0.5))


def format_cell(value: Cell, kind: str) -> str:
    """A cell as people read it: '38%', '<1%', '1,608', '12.5 days'; '–' when there is none."""
    if value is None:
        return "–"
    if kind == "percent":
        number = float(value)
        if 0 < number < 1:
            return "<1%"
        if 99 < number < 100:
            return ">99%"
        return f"{whole_percent(number)}%"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "days":
        number = float(value)
        return f"{number:g}"
    return str(value)


def table_csv(table: ReportTable) -> str:
    """The table as CSV: a header row, then raw numbers (percentages to one decimal place)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for r, row in enumerate(table.rows):
        cells: list[Cell] = []
        for c, value in enumerate(row):
            if value is None:
                cells.append("")
            elif table.kind(r, c) == "percent":
                cells.append(round(float(value), 1))
            else:
                cells.append(value)
        writer.writerow(cells)
    return out.getvalue()


def _timeliness_table(figures: Figures) -> ReportTable:
    year = figures.current_timeliness
    rows = []
    for row in (*year.rows, year.total):
        rows.append(
            (
                row.label,
                row.all.total,
                row.all.count,
                row.all.exact,
                row.first.total,
                row.first.count,
                row.first.exact,
                row.later.total,
                row.later.count,
                row.later.exact,
            )
        )
    return ReportTable(
        key="timeliness",
        title=f"Reviews held in timescale, {figures.period.label}",
        columns=(
            "Kind of review",
            "Held",
            "In timescale",
            "%",
            "First held",
            "First in timescale",
            "First %",
            "Later held",
            "Later in timescale",
            "Later %",
        ),
        kinds=("text", "count", "count", "percent") + ("count", "count", "percent") * 2,
        rows=tuple(rows),
        note="A review held on its deadline is in timescale; the day after is late. Each "
        "deadline runs from the review held before it (the first from the track's start). "
        "For child protection the first is the initial conference.",
    )


def _trend_table(figures: Figures) -> ReportTable:
    kinds = list(figures.current_timeliness.rows)
    rows = []
    for year in figures.timeliness:
        by_kind = {row.kind: row for row in year.rows}
        percents = tuple(by_kind[row.kind].all.exact for row in kinds)
        rows.append((year.period.label, *percents, year.total.all.total, year.total.all.exact))
    return ReportTable(
        key="timeliness_trend",
        title="Reviews in timescale, year by year",
        columns=("Period", *(f"{row.label} %" for row in kinds), "All reviews held", "All %"),
        kinds=("text", *("percent" for _ in kinds), "count", "percent"),
        rows=tuple(rows),
    )


def _participation_table(figures: Figures) -> ReportTable:
    table = figures.participation
    columns: list[str] = ["Code", "How the child took part"]
    kinds: list[str] = ["text", "text"]
    for period in table.periods:
        columns += [f"{period.label} number", f"{period.label} %"]
        kinds += ["count", "percent"]
    rows: list[tuple[Cell, ...]] = []
    for row in table.rows:
        cells: list[Cell] = [row.code, row.label]
        for count, total in zip(row.counts, table.totals, strict=True):
            cells += [count, Ratio(count, total).exact]
        rows.append(tuple(cells))
    if any(table.not_recorded):
        cells = ["", "Code not recorded"]
        for count, total in zip(table.not_recorded, table.totals, strict=True):
            cells += [count, Ratio(count, total).exact]
        rows.append(tuple(cells))
    cells = ["", "Total reviews"]
    for total in table.totals:
        cells += [total, 100.0 if total else None]
    rows.append(tuple(cells))
    return ReportTable(
        key="participation",
        title="How children took part in their reviews",
        columns=tuple(columns),
        kinds=tuple(kinds),
        rows=tuple(rows),
        note="Child in care reviews held in each period (short-break reviews, V3/V4, are not "
        "counted, as in the DfE return), by the DfE participation code (REVIEW_CODE).",
    )


def _took_part_table(figures: Figures) -> ReportTable:
    table = figures.participation
    rows = tuple(
        (period.label, ratio.total, ratio.count, ratio.exact)
        for period, ratio in zip(table.periods, table.took_part, strict=True)
    )
    return ReportTable(
        key="took_part",
        title="Children aged 4 or more who took part or gave their views",
        columns=("Period", "Reviews of children aged 4+", "Took part or gave views", "%"),
        kinds=("text", "count", "count", "percent"),
        rows=rows,
        note="Reviews coded PN1-PN6, out of the reviews coded PN1-PN7 (children aged 4 or "
        "more). Reviews without a code are left out.",
    )


def _contact_table(figures: Figures) -> ReportTable:
    rows = tuple(
        (row.label, row.reviews, row.with_contact, row.not_recorded, row.ratio.exact)
        for row in (*figures.pre_review_contact, figures.pre_review_contact_total)
    )
    return ReportTable(
        key="pre_review_contact",
        title=f"Reviews with an IRO visit or conversation beforehand, {figures.period.label}",
        columns=("Kind of review", "Reviews held", "Child seen or spoken to", "Not recorded",
                 "%"),
        kinds=("text", "count", "count", "count", "percent"),
        rows=rows,
        note="Counted when the review records that the IRO saw or spoke to the child "
        "beforehand, or a done visit is linked to the review.",
    )


def _measure_table(
    key: str, title: str, value_column: str, rows: Sequence[tuple[str, Cell, str]], note: str
) -> ReportTable:
    return ReportTable(
        key=key,
        title=title,
        columns=("Measure", value_column),
        kinds=("text", "count"),
        rows=tuple((label, value) for label, value, _kind in rows),
        note=note,
        row_kinds=tuple(kind for _label, _value, kind in rows),
    )


def _challenge_summary_table(figures: Figures) -> ReportTable:
    c = figures.challenges
    return _measure_table(
        "challenges",
        f"Challenges raised, {figures.period.label}",
        "Value",
        (
            ("Challenges raised", c.raised, "count"),
            ("Informal", c.informal, "count"),
            ("Formal", c.formal, "count"),
            ("Child in care", c.cla, "count"),
            ("Child protection", c.cp, "count"),
            ("Resolved", c.resolved, "count"),
            ("Withdrawn", c.withdrawn, "count"),
            ("Still open", c.still_open, "count"),
            ("Median days to resolve", c.median_days_to_resolve, "days"),
            (
                f"Resolved within {DRP_WORKING_DAYS} working days (% of resolved)",
                c.resolved_within_drp.exact,
                "percent",
            ),
        ),
        "Challenges raised in the period. Resolved, withdrawn and open describe them now; "
        "days to resolve are calendar days from raised to resolved.",
    )


def _level_table(figures: Figures) -> ReportTable:
    rows_in = figures.challenges.by_level
    other = any(row.other for row in rows_in)
    columns = ["Level", "Child in care", "Child protection"]
    kinds = ["text", "count", "count"]
    if other:
        columns.append("Other")
        kinds.append("count")
    columns.append("Total")
    kinds.append("count")
    rows = []
    for row in rows_in:
        cells: list[Cell] = [row.name, row.cla, row.cp]
        if other:
            cells.append(row.other)
        cells.append(row.total)
        rows.append(tuple(cells))
    return ReportTable(
        key="challenges_by_level",
        title="Challenges by level",
        columns=tuple(columns),
        kinds=tuple(kinds),
        rows=tuple(rows),
        note="Each challenge is counted once, at the highest level it reached. The first "
        "level is informal; the levels above it are formal.",
    )


def _theme_table(figures: Figures) -> ReportTable:
    return ReportTable(
        key="challenges_by_theme",
        title="Challenges by theme",
        columns=("Theme", "Informal", "Formal", "Total", "Resolved"),
        kinds=("text", "count", "count", "count", "count"),
        rows=tuple(
            (row.theme, row.informal, row.formal, row.total, row.resolved)
            for row in figures.challenges.by_theme
        ),
    )


def _paperwork_table(figures: Figures) -> ReportTable:
    return ReportTable(
        key="paperwork",
        title=f"Paperwork after reviews, {figures.period.label}",
        columns=("Standard", "Reviews held", "In time", "Late", "Not recorded", "Not yet due",
                 "% in time"),
        kinds=("text", "count", "count", "count", "count", "count", "percent"),
        rows=tuple(
            (row.label, row.reviews, row.in_time, row.late, row.not_recorded, row.not_yet_due,
             row.ratio.exact)
            for row in figures.paperwork
        ),
        note="Working days after the review day (the day itself not counted), bank holidays "
        "excluded. A date not recorded counts as not in time, unless it is not yet due.",
    )


def _permanence_table(figures: Figures) -> ReportTable:
    p = figures.permanence
    return _measure_table(
        "permanence",
        "Permanence plan agreed within six months of coming into care",
        "Children",
        (
            ("Children reaching six months in care in the period", p.cohort, "count"),
            ("Permanence plan agreed within six months", p.agreed, "count"),
            ("Recorded as not yet agreed at six months", p.not_agreed, "count"),
            ("No permanence status recorded by six months", p.not_recorded, "count"),
            ("% agreed, where recorded", p.ratio.exact, "percent"),
            ("Left care within six months (not counted)", p.left_care, "count"),
            ("Six months not yet reached (not counted)", p.not_yet_due, "count"),
        ),
        "Episodes of care whose six-month point falls in the period. Agreed: a review held by "
        "the six-month point recorded the permanence plan as agreed or achieved.",
    )


def report_tables(figures: Figures) -> tuple[ReportTable, ...]:
    """Every table of the report, in the order the annual report presents them."""
    return (
        _timeliness_table(figures),
        _trend_table(figures),
        _participation_table(figures),
        _took_part_table(figures),
        _contact_table(figures),
        _challenge_summary_table(figures),
        _level_table(figures),
        _theme_table(figures),
        _paperwork_table(figures),
        _permanence_table(figures),
    )


def render_text(figures: Figures) -> str:
    """The whole report as aligned text tables, for the terminal."""
    lines = [
        f"IRO figures: {figures.scope}, {figures.period.label} "
        f"({_day(figures.period.start)} to {_day(figures.period.end)})",
        f"Reviews held: {figures.reviews_held:,}",
    ]
    for table in report_tables(figures):
        lines += ["", table.title, *_text_table(table)]
        if table.note:
            lines.append(f"  ({table.note})")
    return "\n".join(lines) + "\n"


def _text_table(table: ReportTable) -> list[str]:
    cells = [list(table.columns)] + [
        [table.text(r, c) for c in range(len(table.columns))] for r in range(len(table.rows))
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    lines = []
    for number, row in enumerate(cells):
        parts = [
            text.ljust(width) if kind == "text" else text.rjust(width)
            for text, width, kind in zip(row, widths, table.kinds, strict=True)
        ]
        lines.append("  " + "  ".join(parts).rstrip())
        if number == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    return lines


# -- the PDF summary ------------------------------------------------------------------------------

# Distinguishable without colour: each series also gets its own dash pattern or marker.
_PDF_SERIES_COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6")
_PDF_DASHES: tuple[tuple[int, ...] | None, ...] = (None, (6, 3), (2, 2), (8, 2, 2, 2), (4, 4))
_PDF_MARKERS = ("FilledCircle", "FilledSquare", "FilledDiamond", "FilledTriangle", "Cross")
_PDF_MARKER_NAMES = ("circle", "square", "diamond", "triangle", "cross")


def summary_pdf(figures: Figures, *, council: str = "", made_on: dt.date | None = None) -> bytes:
    """Every table of the report and the two charts, as a landscape A4 PDF (reportlab).

    Args:
        figures: The figures to print.
        council: The council's name for the title, when known.
        made_on: The day the summary is made, printed under the title.

    Returns:
        The PDF file's bytes; the caller writes them (atomically).
    """
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=8, leading=10)
    head = cell.clone("head", fontName="Helvetica-Bold")
    note = styles["BodyText"].clone("note", fontSize=8, leading=10, textColor=colors.grey)
    out = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"IRO figures {figures.period.label}",
        author=council or "IRO Desk",
    )
    width = page[0] - 30 * mm
    title = f"IRO figures: {figures.scope}, {figures.period.label}"
    if council:
        title = f"{council}: {title}"
    story: list[Any] = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                f"{_day(figures.period.start)} to {_day(figures.period.end)}. Reviews held: "
                f"{figures.reviews_held:,}."
                + (f" Made on {_day(made_on)} with IRO Desk." if made_on else "")
            ),
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
    ]
    for table in report_tables(figures):
        weights = [3.0 if kind == "text" else 1.0 for kind in table.kinds]
        col_widths = [width * weight / sum(weights) for weight in weights]
        data = [[Paragraph(escape(name), head) for name in table.columns]]
        for r in range(len(table.rows)):
            data.append(
                [Paragraph(escape(table.text(r, c)), cell) for c in range(len(table.columns))]
            )
        grid = Table(data, colWidths=col_widths, repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e7e6e6")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        block: list[Any] = [Paragraph(escape(table.title), styles["Heading3"]), grid]
        if table.note:
            block.append(Paragraph(escape(table.note), note))
        story.append(KeepTogether(block))
        if table.key == "participation":
            story.append(KeepTogether(_participation_drawing(figures, width)))
        if table.key == "timeliness_trend":
            story.append(KeepTogether(_trend_drawing(figures, width)))
        story.append(Spacer(1, 4 * mm))
    doc.build(story)
    return out.getvalue()


def _participation_drawing(figures: Figures, width: float) -> list[Any]:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    table = figures.participation
    drawing = Drawing(width, 190)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 20, width - 200, 145
    chart.data = [
        [row.percents[index] or 0 for row in table.rows] for index in range(len(table.periods))
    ]
    chart.categoryAxis.categoryNames = [row.code for row in table.rows]
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labelTextFormat = "%d%%"
    for index in range(len(table.periods)):
        chart.bars[index].fillColor = colors.HexColor(
            _PDF_SERIES_COLOURS[index % len(_PDF_SERIES_COLOURS)]
        )
    chart.barLabelFormat = "%.0f"
    chart.barLabels.fontSize = 5
    chart.barLabels.nudge = 5
    legend = Legend()
    legend.x, legend.y = width - 140, 150
    legend.fontSize = 8
    legend.alignment = "right"
    legend.colorNamePairs = [
        (colors.HexColor(_PDF_SERIES_COLOURS[index % len(_PDF_SERIES_COLOURS)]), period.label)
        for index, period in enumerate(table.periods)
    ]
    drawing.add(chart)
    drawing.add(legend)
    drawing.add(
        String(40, 180, "Child in care reviews by participation code, % of each year (bars "
               "left to right: oldest year to newest)", fontSize=9)
    )
    return [drawing]


def _trend_drawing(figures: Figures, width: float) -> list[Any]:
    from reportlab.graphics.charts.legends import LineLegend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib import colors

    kinds = [*figures.current_timeliness.rows, figures.current_timeliness.total]
    series = []
    for row in kinds:
        values = []
        for year in figures.timeliness:
            found = {r.kind: r for r in (*year.rows, year.total)}.get(row.kind)
            values.append(found.all.percent if found else None)
        series.append(values)
    drawing = Drawing(width, 190)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 20, width - 280, 145
    chart.data = series
    chart.categoryAxis.categoryNames = [year.period.label for year in figures.timeliness]
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labelTextFormat = "%d%%"
    legend = LineLegend()
    legend.x, legend.y = width - 200, 150
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 10
    legend.dx = 16
    pairs = []
    for index, row in enumerate(kinds):
        colour = colors.HexColor(_PDF_SERIES_COLOURS[index % len(_PDF_SERIES_COLOURS)])
        line = chart.lines[index]
        line.strokeColor = colour
        line.strokeWidth = 1.5
        line.symbol = makeMarker(_PDF_MARKERS[index % len(_PDF_MARKERS)], size=5)
        line.symbol.fillColor = colour
        dash = _PDF_DASHES[index % len(_PDF_DASHES)]
        if dash:
            line.strokeDashArray = dash
        pairs.append((colour, f"{row.label} ({_PDF_MARKER_NAMES[index % len(_PDF_MARKERS)]})"))
    legend.colorNamePairs = pairs
    drawing.add(chart)
    drawing.add(legend)
    drawing.add(String(40, 180, "Reviews held in timescale, % by year", fontSize=9))
    return [drawing]
