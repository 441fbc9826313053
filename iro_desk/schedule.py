"""The statutory calendar: open case tracks and the reviews held on them become due items.

For every open case track this module works out when the next review must be held (the
statutory deadline, from ``iro_desk.rules``), the local target date, the booking if there is
one, and the IRO's pre-review visit; it adds the review decisions that are due, the paperwork
owed after held reviews, and the responses due to the IRO's challenges. Each becomes a
``DueItem``: the calendar window, the ``iro-desk due`` command and the ICS export read them.

How the dates are counted, and every choice made here, is written up in
docs/due-and-calendar.md and docs/statutory-rules.md.

Speed: a 25-IRO team's file holds ~2,250 children and ten years of reviews. Rows are read with
a handful of plain SQL statements on the session's own connection (no ORM objects, no per-child
queries), keeping ids as the stored hex text until an item is made.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from sqlmodel import Session, select

from iro_desk import rules
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import CareEpisode, CaseTrack, Review
from iro_desk.settings import Settings
from iro_desk.vocab import SHORT_BREAK_STATUSES, TRACK_KINDS
from iro_desk.workdays import WorkingDays, working_days

# The due item kind for the reviews of each kind of track (vocab.TRACK_KINDS).
REVIEW_ITEM_KINDS: dict[str, str] = {
    "cla": "cla_review",
    "cp": "cp_conference",
    "fostering": "fostering_review",
    "pathway": "pathway_review",
    "secure": "secure_review",
    "private_fostering": "private_fostering_review",
}

# Every kind of due item, with the words shown for it.
ITEM_KINDS: dict[str, str] = {
    "cla_review": "Child in care review",
    "cp_conference": "Child protection conference",
    "fostering_review": "Foster carer household review",
    "pathway_review": "Pathway plan review",
    "secure_review": "Secure accommodation review",
    "private_fostering_review": "Private fostering review",
    "pre_review_visit": "Pre-review visit",
    "challenge_response": "Challenge response",
    "decisions_due": "Review decision",
    "record_due": "Review paperwork",
    "intro_letter": "Introduction letter",
}

# Statuses, most urgent first (the order lists are sorted in).
STATUSES: dict[str, str] = {
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "scheduled": "Booked",
    "upcoming": "Upcoming",
}
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}


@dataclass(frozen=True)
class DueItem:
    """One thing the IRO must do by a date: a review, a visit, a decision, paperwork, a reply.

    Attributes:
        child_uuid: The child's record id (None for a foster carer household).
        child_id: The council's child ID (``child_ref``); "" for a household.
        child_name: Preferred or first name and last name; the household's name for a household.
        kind: A key of ``ITEM_KINDS``.
        deadline: The latest day it is in time (for a review, the statutory deadline).
        target: The local target date, when there is one.
        scheduled: The booked or planned date, when there is one.
        status: overdue, due_soon, scheduled or upcoming (``STATUSES``).
        track_id: The case track it belongs to.
        review_id: The review it concerns (booked, or held for paperwork and decisions).
        ref_id: The decision, challenge or planned visit it is about.
        detail: One line for people.
    """

    child_uuid: uuid.UUID | None
    child_id: str
    child_name: str
    kind: str
    deadline: dt.date
    target: dt.date | None
    scheduled: dt.date | None
    status: str
    track_id: uuid.UUID | None
    review_id: uuid.UUID | None
    ref_id: uuid.UUID | None
    detail: str

    @property
    def when(self) -> dt.date:
        """The day it sits on in a calendar: the booked date, else the deadline."""
        return self.scheduled or self.deadline

    @property
    def kind_label(self) -> str:
        """The kind in words."""
        return ITEM_KINDS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def status_label(self) -> str:
        """The status in words."""
        return STATUSES[self.status]

    @property
    def is_review(self) -> bool:
        """True for a review or conference (not a visit, decision, paperwork or challenge)."""
        return self.kind not in NON_REVIEW_KINDS

    @property
    def can_book(self) -> bool:
        """A review or conference that is due and not booked yet (its date can be booked)."""
        return self.is_review and self.review_id is None and self.track_id is not None

    def to_json(self) -> dict[str, Any]:
        """The item as JSON-ready values: ISO dates, UUID strings, labels added."""
        return {
            "child_id": self.child_id,
            "child_name": self.child_name,
            "kind": self.kind,
            "deadline": self.deadline.isoformat(),
            "target": _iso(self.target),
            "scheduled": _iso(self.scheduled),
            "status": self.status,
            "kind_label": self.kind_label,
            "status_label": self.status_label,
            "detail": self.detail,
            "child_uuid": _uuid_text(self.child_uuid),
            "track_id": _uuid_text(self.track_id),
            "review_id": _uuid_text(self.review_id),
            "ref_id": _uuid_text(self.ref_id),
        }


# Due items that are not a review or conference (what a calendar shows besides them).
NON_REVIEW_KINDS = frozenset(
    {"pre_review_visit", "challenge_response", "decisions_due", "record_due", "intro_letter"}
)


class Timeliness(NamedTuple):
    """The deadline that applied to a held review, and whether it was held by then."""

    deadline: dt.date
    in_time: bool


# -- the rules for one track ------------------------------------------------------------------


def track_rule(kind: str, legal_status: str | None, settings: Settings) -> rules.TrackRule:
    """The rule a track's reviews follow.

    A child in care whose episode is a short break (legal status V3 or V4) has modified
    reviews (``rules.short_break_rule``); a kind IRO Desk does not know follows the private
    fostering settings, as issue 3 asks ("private fostering and any other kind: from
    settings").
    """
    if kind == "cla" and legal_status in SHORT_BREAK_STATUSES:
        return rules.short_break_rule(settings)
    by_kind = rules.track_rules(settings)
    if kind in by_kind:
        return by_kind[kind]
    return rules.TrackRule(
        kind=kind,
        first=by_kind["private_fostering"].first,
        first_from="the track's start",
        second=by_kind["private_fostering"].second,
        later=by_kind["private_fostering"].later,
        source=by_kind["private_fostering"].source,
    )


def target_date(deadline: dt.date, base: dt.date, settings: Settings) -> dt.date | None:
    """The local target: the deadline less ``target_weeks_before_deadline`` weeks.

    None when that day is not after ``base`` (the day the interval runs from): a first review
    due 20 working days after a child became looked after cannot be booked six weeks early.
    """
    target = deadline - dt.timedelta(weeks=settings.target_weeks_before_deadline)
    return target if target > base else None


def next_deadline_for_track(
    session: Session, *, track_id: uuid.UUID, settings: Settings
) -> dt.date:
    """The statutory deadline of the next review on one track (for booking and forms)."""
    track = session.get(CaseTrack, track_id)
    if track is None or track.deleted_at is not None:
        raise IroDeskError("That case track is not in this caseload (it may have been deleted).")
    legal_status = None
    if track.episode_id is not None:
        episode = session.get(CareEpisode, track.episode_id)
        if episode is not None and episode.deleted_at is None:
            legal_status = episode.legal_status
    held = session.exec(
        select(Review.held_on).where(
            Review.track_id == track_id,
            Review.status == "held",
            Review.held_on.is_not(None),  # type: ignore[union-attr]
            Review.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    held_dates = [day for day in held if day is not None]
    return rules.next_review_deadline(
        track_rule(track.kind, legal_status, settings),
        track.start_date,
        held_dates,
        working_days(settings.nation),
    )


# -- reading the caseload ---------------------------------------------------------------------


@dataclass
class _Booking:
    id: str
    when: dt.date
    time: str
    late_reason: str


@dataclass
class _Track:
    id: str
    kind: str
    child: str | None
    household_name: str
    start: dt.date
    legal_status: str | None
    is_open: bool
    held_count: int = 0
    last_held: dt.date | None = None
    booking: _Booking | None = None

    @property
    def base(self) -> dt.date:
        """The day the next review's interval runs from."""
        return self.last_held or self.start


@dataclass(frozen=True)
class _Child:
    ref: str
    name: str


@dataclass
class _Visit:
    id: str
    review: str | None
    status: str
    when: dt.date


@dataclass
class _Caseload:
    children: dict[str, _Child] = field(default_factory=dict)
    tracks: dict[str, _Track] = field(default_factory=dict)
    visits: dict[str, list[_Visit]] = field(default_factory=dict)


def _rows(session: Session, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    # Plain SQL on the session's connection: pending changes are flushed first so they show.
    return list(session.connection().exec_driver_sql(sql, tuple(params)).fetchall())


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _load_children(session: Session, child_id: str | None) -> dict[str, _Child]:
    children = {}
    only_child, params = _only_child("id = ?", child_id)
    for cid, ref, first, last, preferred in _rows(
        session,
        "SELECT id, child_ref, first_name, last_name, preferred_name FROM child "
        "WHERE deleted_at IS NULL" + only_child,
        params,
    ):
        children[cid] = _Child(ref=ref, name=f"{preferred or first} {last}".strip())
    return children


def _load_tracks(
    session: Session, children: dict[str, _Child], today: dt.date, child_id: str | None
) -> dict[str, _Track]:
    tracks = {}
    only_child, params = _only_child("t.child_id = ?", child_id)
    for tid, kind, child, household, start, end, legal_status, episode_end in _rows(
        session,
        "SELECT t.id, t.kind, t.child_id, t.household_name, t.start_date, t.end_date, "
        "e.legal_status, e.end_date FROM case_track t "
        "LEFT JOIN care_episode e ON e.id = t.episode_id AND e.deleted_at IS NULL "
        "WHERE t.deleted_at IS NULL" + only_child,
        params,
    ):
        if child is not None and child not in children:
            continue  # the child's record is deleted
        ends = [day for day in (_date(end), _date(episode_end) if kind == "cla" else None) if day]
        # Open: no end, or ending today or later. A child in care track closes with its
        # episode: once the child is no longer looked after there is no review to hold.
        is_open = all(day >= today for day in ends)
        tracks[tid] = _Track(
            id=tid,
            kind=kind,
            child=child,
            household_name=household,
            start=dt.date.fromisoformat(start),
            legal_status=legal_status,
            is_open=is_open,
        )
    return tracks


def _load_reviews(session: Session, tracks: dict[str, _Track], child_id: str | None) -> None:
    only_child, params = _only_child(
        "track_id IN (SELECT id FROM case_track WHERE child_id = ?)", child_id
    )
    for tid, count, last_held in _rows(
        session,
        "SELECT track_id, count(*), max(held_on) FROM review WHERE deleted_at IS NULL "
        "AND status = 'held' AND held_on IS NOT NULL" + only_child + " GROUP BY track_id",
        params,
    ):
        track = tracks.get(tid)
        if track is not None:
            track.held_count = count
            track.last_held = dt.date.fromisoformat(last_held)
    for rid, tid, scheduled, time, late_reason in _rows(
        session,
        "SELECT id, track_id, scheduled_date, scheduled_time, late_reason FROM review "
        "WHERE deleted_at IS NULL AND status = 'booked' AND scheduled_date IS NOT NULL"
        + only_child
        + " ORDER BY scheduled_date, id",
        params,
    ):
        track = tracks.get(tid)
        if track is not None and track.booking is None:
            track.booking = _Booking(
                id=rid, when=dt.date.fromisoformat(scheduled), time=time, late_reason=late_reason
            )


def _load_visits(
    session: Session, tracks: dict[str, _Track], settings: Settings
) -> dict[str, list[_Visit]]:
    bases = [
        track.base
        for track in tracks.values()
        if track.is_open and track.child and track.kind in settings.pre_review_visit_kinds
    ]
    if not bases:
        return {}
    visits: dict[str, list[_Visit]] = {}
    for vid, child, review, status, when in _rows(
        session,
        "SELECT id, child_id, review_id, status, visit_date FROM visit "
        "WHERE deleted_at IS NULL AND status IN ('done', 'planned') AND (visit_date >= ? "
        "OR review_id IN (SELECT id FROM review WHERE status = 'booked' "
        "AND deleted_at IS NULL))",
        (min(bases).isoformat(),),
    ):
        visits.setdefault(child, []).append(
            _Visit(id=vid, review=review, status=status, when=dt.date.fromisoformat(when))
        )
    return visits


def _only_child(condition: str, child_id: str | None) -> tuple[str, tuple[str, ...]]:
    """``condition`` (with one ``?`` for the child) as an extra WHERE clause, and its parameter.

    Nothing when ``child_id`` is None (the whole caseload): one child's record reads a handful
    of rows, not the whole caseload.
    """
    if child_id is None:
        return "", ()
    return f" AND {condition}", (child_id,)


def _load(
    session: Session,
    *,
    today: dt.date,
    settings: Settings,
    visits: bool,
    child_uuid: uuid.UUID | None = None,
) -> _Caseload:
    session.flush()
    # Ids are stored as 32-digit hex text (see the module docstring).
    child_id = child_uuid.hex if child_uuid is not None else None
    caseload = _Caseload(children=_load_children(session, child_id))
    caseload.tracks = _load_tracks(session, caseload.children, today, child_id)
    _load_reviews(session, caseload.tracks, child_id)
    if visits:
        caseload.visits = _load_visits(session, caseload.tracks, settings)
    return caseload


# -- making items -----------------------------------------------------------------------------


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _uuid_text(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


@lru_cache(maxsize=4096)
def day_text(day: dt.date) -> str:
    """A date as people read it: 'Mon 4 Jan 2027'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def _status(today: dt.date, deadline: dt.date, scheduled: dt.date | None, soon_days: int) -> str:
    # A booking after the deadline is already out of timescale by plan: overdue, so it is
    # seen and moved (docs/due-and-calendar.md).
    if today > deadline or (scheduled is not None and scheduled > deadline):
        return "overdue"
    if scheduled is not None:
        return "scheduled"
    if (deadline - today).days <= soon_days:
        return "due_soon"
    return "upcoming"


def _ordinal(track: _Track) -> str:
    number = track.held_count + 1
    if track.kind == "cp":
        return "initial conference" if number == 1 else f"review conference {number - 1}"
    return "first review" if number == 1 else f"review {number}"


def _rule_reason(track: _Track, rule: rules.TrackRule) -> str:
    if track.held_count == 0:
        return f"{rule.first.describe()} after {rule.first_from}, {day_text(track.start)}"
    interval = rule.second if track.held_count == 1 else rule.later
    return f"{interval.describe()} after the last one, held {day_text(track.base)}"


class _Maker:
    """Turns the loaded caseload into due items for one ``today`` and settings."""

    def __init__(self, caseload: _Caseload, today: dt.date, settings: Settings) -> None:
        self.caseload = caseload
        self.today = today
        self.settings = settings
        self.calendar: WorkingDays = working_days(settings.nation)
        self.soon = settings.due_soon_days
        self._rules: dict[tuple[str, str | None], rules.TrackRule] = {}
        self._ids: dict[str, uuid.UUID] = {}

    def record_id(self, hex_text: str | None) -> uuid.UUID | None:
        """The record id for stored hex text; children, tracks and reviews recur, so cache."""
        if not hex_text:
            return None
        found = self._ids.get(hex_text)
        if found is None:
            found = self._ids[hex_text] = uuid.UUID(hex=hex_text)
        return found

    def rule(self, track: _Track) -> rules.TrackRule:
        short_break = track.legal_status if track.legal_status in SHORT_BREAK_STATUSES else None
        key = (track.kind, short_break)
        if key not in self._rules:
            self._rules[key] = track_rule(track.kind, short_break, self.settings)
        return self._rules[key]

    def who(self, track: _Track) -> tuple[uuid.UUID | None, str, str]:
        if track.child is None:
            return None, "", track.household_name
        child = self.caseload.children[track.child]
        return self.record_id(track.child), child.ref, child.name

    def deadline(self, track: _Track) -> dt.date:
        return rules.deadline_after_reviews(
            self.rule(track), track.start, track.held_count, track.last_held, self.calendar
        )

    def review_item(self, track: _Track) -> DueItem:
        rule = self.rule(track)
        deadline = self.deadline(track)
        target = target_date(deadline, track.base, self.settings)
        booking = track.booking
        scheduled = booking.when if booking else None
        status = _status(self.today, deadline, scheduled, self.soon)
        kind = REVIEW_ITEM_KINDS.get(track.kind, f"{track.kind}_review")
        label = TRACK_KINDS.get(track.kind, ITEM_KINDS.get(kind, kind))
        parts = [
            f"{label}, {_ordinal(track)}: by {day_text(deadline)} ({_rule_reason(track, rule)})"
        ]
        if booking is None:
            parts.append("not booked")
            if self.today > deadline:
                late = (self.today - deadline).days
                parts.append(f"overdue by {late} day" + ("s" if late != 1 else ""))
        else:
            booked = f"booked {day_text(booking.when)} {booking.time}".rstrip()
            if booking.when > deadline:
                booked += ", after the deadline"
                if booking.late_reason:
                    booked += f" (reason: {booking.late_reason})"
            if booking.when < self.today:
                booked += "; not yet recorded as held"
            parts.append(booked)
        child_uuid, child_ref, name = self.who(track)
        return DueItem(
            child_uuid=child_uuid,
            child_id=child_ref,
            child_name=name,
            kind=kind,
            deadline=deadline,
            target=target,
            scheduled=scheduled,
            status=status,
            track_id=self.record_id(track.id),
            review_id=self.record_id(booking.id) if booking else None,
            ref_id=None,
            detail="; ".join(parts),
        )

    def visit_item(self, track: _Track, review: DueItem) -> DueItem | None:
        """The pre-review visit for the next review, or None when it is done."""
        booking = track.booking
        if booking is not None:
            review_day = booking.when
        elif review.target is not None and self.today <= review.target:
            review_day = review.target
        else:
            review_day = review.deadline
        window_start = self.calendar.subtract(review_day, self.settings.visit_window_working_days)
        planned: _Visit | None = None
        for visit in self.caseload.visits.get(track.child or "", ()):
            if booking is not None and visit.review == booking.id:
                counts = True
            elif visit.review is None:
                # Unlinked: a visit since the last review (or since the track began).
                counts = visit.when > track.base if track.held_count else visit.when >= track.base
            else:
                counts = False
            if not counts:
                continue
            if visit.status == "done":
                return None
            if planned is None or visit.when < planned.when:
                planned = visit
        scheduled = planned.when if planned else None
        status = _status(self.today, review_day, scheduled, self.soon)
        if status == "upcoming" and self.today >= window_start:
            status = "due_soon"
        which = "booked review" if booking else "review (target date)"
        if booking is None and review_day == review.deadline:
            which = "review (statutory deadline)"
        detail = (
            f"See the child before the {which} on {day_text(review_day)}: the window opens "
            f"{day_text(window_start)}"
        )
        if planned is not None:
            detail += f"; visit planned {day_text(planned.when)}"
        child_uuid, child_ref, name = self.who(track)
        return DueItem(
            child_uuid=child_uuid,
            child_id=child_ref,
            child_name=name,
            kind="pre_review_visit",
            deadline=review_day,
            target=window_start,
            scheduled=scheduled,
            status=status,
            track_id=review.track_id,
            review_id=review.review_id,
            ref_id=self.record_id(planned.id) if planned else None,
            detail=detail,
        )

    def simple_status(self, deadline: dt.date) -> str:
        return _status(self.today, deadline, None, self.soon)

    def record_items(self, session: Session) -> list[DueItem]:
        """Held reviews whose decisions are not circulated or record not completed."""
        items = []
        for rid, tid, held, circulated, completed in _rows(
            session,
            "SELECT id, track_id, held_on, decisions_circulated_on, record_completed_on "
            "FROM review WHERE deleted_at IS NULL AND status = 'held' AND held_on IS NOT NULL "
            "AND (decisions_circulated_on IS NULL OR record_completed_on IS NULL)",
        ):
            track = self.caseload.tracks.get(tid)
            if track is None:
                continue
            held_on = dt.date.fromisoformat(held)
            record_by = self.calendar.add(held_on, self.settings.record_completed_working_days)
            missing = []
            if circulated is None:
                decisions_by = self.calendar.add(
                    held_on, self.settings.decisions_circulated_working_days
                )
                deadline = decisions_by
                missing.append(f"decisions to circulate by {day_text(decisions_by)}")
            else:
                deadline = record_by
            if completed is None:
                missing.append(f"record to complete by {day_text(record_by)}")
            child_uuid, child_ref, name = self.who(track)
            items.append(
                DueItem(
                    child_uuid=child_uuid,
                    child_id=child_ref,
                    child_name=name,
                    kind="record_due",
                    deadline=deadline,
                    target=None,
                    scheduled=None,
                    status=self.simple_status(deadline),
                    track_id=self.record_id(tid),
                    review_id=self.record_id(rid),
                    ref_id=None,
                    detail=f"Review held {day_text(held_on)}: " + "; ".join(missing),
                )
            )
        return items

    def decision_items(self, session: Session) -> list[DueItem]:
        """Open decisions of open tracks, overdue or due within the due-soon horizon."""
        horizon = self.today + dt.timedelta(days=self.soon)
        items = []
        for did, rid, tid, text, responsible, due in _rows(
            session,
            "SELECT d.id, d.review_id, r.track_id, d.text, d.responsible, d.due_on "
            "FROM decision d JOIN review r ON r.id = d.review_id "
            "WHERE d.deleted_at IS NULL AND r.deleted_at IS NULL AND d.status = 'open' "
            "AND d.due_on IS NOT NULL AND d.due_on <= ?",
            (horizon.isoformat(),),
        ):
            track = self.caseload.tracks.get(tid)
            if track is None or not track.is_open:
                continue
            due_on = dt.date.fromisoformat(due)
            short = text if len(text) <= 80 else text[:79].rstrip() + "…"
            who = f" ({responsible})" if responsible else ""
            child_uuid, child_ref, name = self.who(track)
            items.append(
                DueItem(
                    child_uuid=child_uuid,
                    child_id=child_ref,
                    child_name=name,
                    kind="decisions_due",
                    deadline=due_on,
                    target=None,
                    scheduled=None,
                    status="overdue" if due_on < self.today else "due_soon",
                    track_id=self.record_id(tid),
                    review_id=self.record_id(rid),
                    ref_id=self.record_id(did),
                    detail=f"{short}{who}: due {day_text(due_on)}",
                )
            )
        return items

    def intro_letter_items(self, session: Session) -> list[DueItem]:
        """Children newly allocated (a first open track started lately) with no introduction
        letter yet: due ``intro_letter_working_days`` after that start."""
        written = {
            row[0]
            for row in _rows(
                session,
                "SELECT DISTINCT child_id FROM letter WHERE deleted_at IS NULL AND kind = 'intro'",
            )
        }
        first: dict[str, _Track] = {}
        for track in self.caseload.tracks.values():
            if track.child is None or track.child in written or not track.is_open:
                continue
            known = first.get(track.child)
            if known is None or track.start < known.start:
                first[track.child] = track
        items = []
        for track in first.values():
            deadline = self.calendar.add(track.start, self.settings.intro_letter_working_days)
            # Only lately allocated children: an old caseload brought into IRO Desk owes none.
            if deadline < self.today - dt.timedelta(days=self.soon):
                continue
            child_uuid, child_ref, name = self.who(track)
            items.append(
                DueItem(
                    child_uuid=child_uuid,
                    child_id=child_ref,
                    child_name=name,
                    kind="intro_letter",
                    deadline=deadline,
                    target=None,
                    scheduled=None,
                    status=self.simple_status(deadline),
                    track_id=self.record_id(track.id),
                    review_id=None,
                    ref_id=None,
                    detail=f"Allocated {day_text(track.start)}: send your introduction letter by "
                    f"{day_text(deadline)}",
                )
            )
        return items

    def challenge_items(self, session: Session) -> list[DueItem]:
        """Open challenges waiting for a response."""
        ladder = {rung.level: rung for rung in self.settings.challenge_ladder}
        items = []
        for cid, child, rid, level, theme, due, role in _rows(
            session,
            "SELECT id, child_id, review_id, level, theme, response_due, addressed_to_role "
            "FROM challenge WHERE deleted_at IS NULL AND status = 'open' "
            "AND response_due IS NOT NULL",
        ):
            person = self.caseload.children.get(child)
            if person is None:
                continue
            due_on = dt.date.fromisoformat(due)
            rung = ladder.get(level)
            stage = rung.name if rung else f"Level {level}"
            to = f" from {role}" if role else ""
            items.append(
                DueItem(
                    child_uuid=self.record_id(child),
                    child_id=person.ref,
                    child_name=person.name,
                    kind="challenge_response",
                    deadline=due_on,
                    target=None,
                    scheduled=None,
                    status=self.simple_status(due_on),
                    track_id=None,
                    review_id=self.record_id(rid),
                    ref_id=self.record_id(cid),
                    detail=f"{stage} challenge ({theme}): response due{to} {day_text(due_on)}",
                )
            )
        return items


def _in_range(item: DueItem, start: dt.date | None, end: dt.date | None) -> bool:
    days = (item.deadline, item.scheduled) if item.scheduled else (item.deadline,)
    return any((start is None or day >= start) and (end is None or day <= end) for day in days)


# Within a status, statutory reviews first, then the visits before them, then the rest.
_KIND_RANK = {
    "pre_review_visit": 1,
    "record_due": 2,
    "challenge_response": 3,
    "decisions_due": 4,
    "intro_letter": 5,
}


def sort_key(item: DueItem) -> tuple[int, int, dt.date, str, str]:
    """Most urgent first: by status, reviews before other kinds, then date, child and kind."""
    return (
        _STATUS_RANK[item.status],
        _KIND_RANK.get(item.kind, 0),
        item.when,
        item.child_name.casefold(),
        item.kind,
    )


def due_items(
    session: Session,
    *,
    today: dt.date,
    settings: Settings,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[DueItem]:
    """Everything due on the caseload, most urgent first.

    Args:
        session: An open caseload session.
        today: The day to judge overdue and due soon against.
        settings: The caseload's settings (nation, timescales).
        start: Keep only items whose deadline or booked date is on or after this day.
        end: Keep only items whose deadline or booked date is on or before this day.

    Returns:
        One item for the next review of every open case track, its pre-review visit (unless
        done), each held review's outstanding paperwork, open decisions overdue or due within
        the due-soon horizon, and open challenges awaiting a response.
    """
    if start is not None and end is not None and end < start:
        raise ValidationError(
            f"The range ends ({end}) before it starts ({start}).", {"end": "before the start"}
        )
    caseload = _load(session, today=today, settings=settings, visits=True)
    maker = _Maker(caseload, today, settings)
    visit_kinds = set(settings.pre_review_visit_kinds)
    items: list[DueItem] = []
    for track in caseload.tracks.values():
        if not track.is_open:
            continue
        review = maker.review_item(track)
        items.append(review)
        if track.child is not None and track.kind in visit_kinds:
            visit = maker.visit_item(track, review)
            if visit is not None:
                items.append(visit)
    items.extend(maker.record_items(session))
    items.extend(maker.decision_items(session))
    items.extend(maker.challenge_items(session))
    items.extend(maker.intro_letter_items(session))
    if start is not None or end is not None:
        items = [item for item in items if _in_range(item, start, end)]
    items.sort(key=sort_key)
    return items


def review_items(
    session: Session,
    *,
    today: dt.date,
    settings: Settings,
    child_uuid: uuid.UUID | None = None,
) -> list[DueItem]:
    """The next review of every open case track (no visits, paperwork or decisions).

    With ``child_uuid``, only that child's tracks are read: the same items as the whole
    caseload's filtered to the child, for a fraction of the reading.
    """
    caseload = _load(
        session, today=today, settings=settings, visits=False, child_uuid=child_uuid
    )
    maker = _Maker(caseload, today, settings)
    items = [maker.review_item(track) for track in caseload.tracks.values() if track.is_open]
    items.sort(key=sort_key)
    return items


def next_review_by_child(
    session: Session,
    *,
    today: dt.date,
    settings: Settings,
    items: Iterable[DueItem] | None = None,
) -> dict[uuid.UUID, DueItem]:
    """Each child's most pressing next review (the earliest deadline of their open tracks).

    ``items`` are due items already worked out for the same day and settings (``due_items``,
    most urgent first): given, the caseload is not read again and only their reviews count.
    """
    if items is None:
        items = review_items(session, today=today, settings=settings)
    best: dict[uuid.UUID, DueItem] = {}
    for item in items:
        if item.child_uuid is None or not item.is_review:
            continue
        current = best.get(item.child_uuid)
        if current is None or (item.deadline, item.kind) < (current.deadline, current.kind):
            best[item.child_uuid] = item
    return best


def review_timeliness(session: Session, settings: Settings) -> dict[uuid.UUID, Timeliness]:
    """For every held review, the deadline that applied to it and whether it was in time.

    Each review's deadline runs from the review held before it on the same track (or from the
    track's start for the first), so a late review moves the deadlines after it. Closed tracks
    are included: the annual figures count them. Deleted reviews, tracks and children are not.
    """
    session.flush()
    calendar = working_days(settings.nation)
    track_rows = {
        tid: (kind, dt.date.fromisoformat(start), legal_status)
        for tid, kind, start, legal_status in _rows(
            session,
            "SELECT t.id, t.kind, t.start_date, e.legal_status FROM case_track t "
            "LEFT JOIN care_episode e ON e.id = t.episode_id AND e.deleted_at IS NULL "
            "LEFT JOIN child c ON c.id = t.child_id "
            "WHERE t.deleted_at IS NULL AND (t.child_id IS NULL OR c.deleted_at IS NULL)",
        )
    }
    result: dict[uuid.UUID, Timeliness] = {}
    rule_cache: dict[tuple[str, str | None], rules.TrackRule] = {}
    previous: dict[str, tuple[int, dt.date | None]] = {}
    for rid, tid, held in _rows(
        session,
        "SELECT id, track_id, held_on FROM review WHERE deleted_at IS NULL AND status = 'held' "
        "AND held_on IS NOT NULL ORDER BY track_id, held_on, id",
    ):
        track = track_rows.get(tid)
        if track is None:
            continue
        kind, start, legal_status = track
        short_break = legal_status if legal_status in SHORT_BREAK_STATUSES else None
        rule = rule_cache.get((kind, short_break))
        if rule is None:
            rule = rule_cache[(kind, short_break)] = track_rule(kind, short_break, settings)
        count, last = previous.get(tid, (0, None))
        deadline = rules.deadline_after_reviews(rule, start, count, last, calendar)
        held_on = dt.date.fromisoformat(held)
        result[uuid.UUID(hex=rid)] = Timeliness(deadline, rules.is_in_timescale(held_on, deadline))
        previous[tid] = (count + 1, held_on)
    return result
