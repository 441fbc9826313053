"""What the caseload list and the child pane show: immutable rows read in a handful of queries.

``list_children`` gives one ``ChildRow`` per child on the caseload (tombstoned children left
out), with the child's current legal status and placement and the next review the statutory
rules give (from ``iro_desk.schedule``). It reads each table once, whatever the number of
children, so the list of a 2,250-child team caseload loads in one go.

``child_detail`` gives everything the child pane shows for one child: key facts, the current and
previous episodes of care, the people around the child by role, and a timeline of what has
happened (episodes, reviews, visits, decisions, challenges, letters), newest first.

Plain Python: the desktop app and any script read the same objects.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from iro_desk.errors import IroDeskError
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
    QaTool,
    Record,
    Review,
    Visit,
)
from iro_desk.schedule import DueItem, next_review_by_child
from iro_desk.settings import Settings
from iro_desk.vocab import (
    DECISION_STATUSES,
    GENDERS,
    LEGAL_STATUS,
    PARTICIPATION,
    PERSON_ROLES,
    PLACEMENT_TYPES,
    REVIEW_FORMATS,
    TRACK_KINDS,
    TRACK_START_MEANING,
    VISIT_METHODS,
    label,
)

RecordT = TypeVar("RecordT", bound=Record)

# The roles the child pane always lists, in this order, even when nobody is recorded: an IRO
# checks that every child has been offered an advocate and an independent visitor.
KEY_ROLES: tuple[str, ...] = (
    "social_worker",
    "team_manager",
    "carer",
    "advocate",
    "independent_visitor",
)

# The kinds of due item (iro_desk.schedule) that are reviews, and the track kind each belongs to.
REVIEW_DUE_KINDS: dict[str, str] = {
    "cla_review": "cla",
    "cp_conference": "cp",
    "fostering_review": "fostering",
    "pathway_review": "pathway",
    "secure_review": "secure",
    "private_fostering_review": "private_fostering",
}

_OTHER_DUE_KINDS: dict[str, str] = {
    "pre_review_visit": "Pre-review visit",
    "challenge_response": "Response to a challenge",
    "decisions_due": "Review decisions due",
    "record_due": "Review record due",
    "intro_letter": "Introduction letter to send",
}

# What a track's start is called on the timeline; a child in care track starts with its
# episode, which the timeline already shows.
_TRACK_START_TITLES: dict[str, str] = {
    "cp": "Strategy discussion (child protection)",
    "pathway": "Pathway plan started",
    "fostering": "Foster carers approved",
    "private_fostering": "Private fostering arrangement notified",
    "secure": "Secure placement started",
}

_STEP_ORDER = {"raised": 0, "escalated": 1, "response": 2, "note": 3, "resolved": 4, "withdrawn": 5}


def due_kind_label(kind: str) -> str:
    """Plain words for a due item's kind: 'cla_review' -> 'Child in care review'."""
    track_kind = REVIEW_DUE_KINDS.get(kind)
    if track_kind is not None:
        return TRACK_KINDS[track_kind]
    return _OTHER_DUE_KINDS.get(kind, kind.replace("_", " ").capitalize())


def age_on(dob: dt.date | None, today: dt.date) -> int | None:
    """Age in whole years on ``today`` (a 29 February birthday counts from 1 March)."""
    if dob is None:
        return None
    years = today.year - dob.year
    if (today.month, today.day) < (dob.month, dob.day):
        years -= 1
    return years


def _display_name(first: str, last: str, preferred: str) -> str:
    return f"{preferred or first} {last}".strip()


def _is_current(start: dt.date | None, end: dt.date | None, today: dt.date) -> bool:
    """True when a period has started by ``today`` and has not ended before it.

    A period ending today still counts today, as iro_desk.schedule counts an open track.
    """
    if start is not None and start > today:
        return False
    return end is None or end >= today


@dataclass(frozen=True)
class ChildRow:
    """One line of the caseload list."""

    child_uuid: uuid.UUID
    child_ref: str
    display_name: str
    first_name: str
    last_name: str
    preferred_name: str
    dob: dt.date | None
    age: int | None
    legal_status: str
    legal_status_label: str
    in_care_since: dt.date | None
    left_care_on: dt.date | None
    placement_name: str
    placement_type: str
    placement_type_label: str
    iro_name: str
    track_kinds: tuple[str, ...]
    next_deadline: dt.date | None
    next_status: str
    next_kind: str
    next_target: dt.date | None
    next_scheduled: dt.date | None
    next_detail: str

    @property
    def legal_name(self) -> str:
        """First and last name as the council records them."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def in_care(self) -> bool:
        """True when the child has a current episode of care."""
        return bool(self.legal_status)

    @property
    def next_kind_label(self) -> str:
        """Plain words for the kind of the next review, or '' when none is due."""
        return due_kind_label(self.next_kind) if self.next_kind else ""

    def matches(self, text: str) -> bool:
        """True when ``text`` is part of the child's names or child ID (case ignored)."""
        needle = text.strip().casefold()
        if not needle:
            return True
        haystack = " ".join(
            (self.display_name, self.legal_name, self.preferred_name, self.child_ref)
        ).casefold()
        return needle in haystack


@dataclass(frozen=True)
class EpisodeInfo:
    """One episode of care as the child pane shows it."""

    episode_uuid: uuid.UUID
    start_date: dt.date
    end_date: dt.date | None
    legal_status: str
    legal_status_label: str
    placement_type: str
    placement_type_label: str
    placement_name: str
    reason_ended: str


@dataclass(frozen=True)
class PersonInfo:
    """Someone around the child."""

    person_uuid: uuid.UUID
    role: str
    role_label: str
    name: str
    organisation: str
    email: str
    phone: str
    from_date: dt.date | None
    to_date: dt.date | None


@dataclass(frozen=True)
class TrackInfo:
    """A case track (a series of reviews the IRO chairs)."""

    track_uuid: uuid.UUID
    kind: str
    kind_label: str
    start_date: dt.date
    start_meaning: str
    end_date: dt.date | None


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened (or is booked) in the child's case."""

    on: dt.date
    kind: str
    title: str
    detail: str
    ref_id: uuid.UUID | None


@dataclass(frozen=True)
class ChildDetail:
    """Everything the child pane shows for one child."""

    child_uuid: uuid.UUID
    child_ref: str
    display_name: str
    first_name: str
    last_name: str
    preferred_name: str
    dob: dt.date | None
    age: int | None
    gender: str
    gender_label: str
    ethnicity: str
    first_language: str
    interpreter_needed: bool
    communication_needs: str
    disability: str
    upn: str
    notes: str
    allocated_iro_name: str
    covering_iro_name: str
    current_episode: EpisodeInfo | None
    previous_episodes: tuple[EpisodeInfo, ...]
    people: tuple[PersonInfo, ...]
    former_people: tuple[PersonInfo, ...]
    open_tracks: tuple[TrackInfo, ...]
    closed_tracks: tuple[TrackInfo, ...]
    timeline: tuple[TimelineEntry, ...]

    @property
    def legal_name(self) -> str:
        """First and last name as the council records them."""
        return f"{self.first_name} {self.last_name}".strip()

    def people_in_role(self, role: str) -> tuple[PersonInfo, ...]:
        """The current people in one role (e.g. 'advocate')."""
        return tuple(person for person in self.people if person.role == role)

    def roles_shown(self) -> tuple[str, ...]:
        """The key roles, then any other role someone current holds, in vocabulary order."""
        present = {person.role for person in self.people}
        others = [role for role in PERSON_ROLES if role in present and role not in KEY_ROLES]
        unknown = sorted(present - set(PERSON_ROLES))
        return KEY_ROLES + tuple(others) + tuple(unknown)


def _rows_of_child(
    session: Session, model: type[RecordT], child_uuid: uuid.UUID
) -> list[RecordT]:
    """The child's rows of one table, tombstones left out."""
    child_column = getattr(model, "child_id")  # noqa: B009 - every table read here has one
    return list(
        session.exec(
            select(model).where(child_column == child_uuid, col(model.deleted_at).is_(None))
        ).all()
    )


def _iro_names(session: Session) -> dict[uuid.UUID, str]:
    rows = session.exec(select(Iro.id, Iro.name).where(col(Iro.deleted_at).is_(None))).all()
    return {iro_id: name for iro_id, name in rows}


def _episode_info(episode: CareEpisode) -> EpisodeInfo:
    return EpisodeInfo(
        episode_uuid=episode.id,
        start_date=episode.start_date,
        end_date=episode.end_date,
        legal_status=episode.legal_status,
        legal_status_label=label(LEGAL_STATUS, episode.legal_status),
        placement_type=episode.placement_type,
        placement_type_label=label(PLACEMENT_TYPES, episode.placement_type),
        placement_name=episode.placement_name,
        reason_ended=episode.reason_ended,
    )


def _current_and_previous(
    episodes: Iterable[CareEpisode], today: dt.date
) -> tuple[CareEpisode | None, list[CareEpisode]]:
    """The current episode (latest start, not ended by today) and the rest, newest first."""
    ordered = sorted(episodes, key=lambda e: e.start_date, reverse=True)
    current = next((e for e in ordered if _is_current(e.start_date, e.end_date, today)), None)
    previous = [e for e in ordered if e is not current]
    return current, previous


def list_children(
    session: Session,
    *,
    today: dt.date,
    settings: Settings,
    due: Iterable[DueItem] | None = None,
) -> list[ChildRow]:
    """Every child on the caseload, sorted by name, with what the caseload list shows.

    Reads children, episodes, open tracks and IROs once each, then the next review of every
    child from the schedule; never one query per child. ``due`` is the schedule already worked
    out for the same ``today`` and settings (``schedule.due_items``, as the calendar shows it):
    given, it is used rather than read again, so one refresh works the schedule out once.
    """
    children = session.execute(
        sa_select(
            col(Child.id),
            col(Child.child_ref),
            col(Child.first_name),
            col(Child.last_name),
            col(Child.preferred_name),
            col(Child.dob),
            col(Child.allocated_iro_id),
        ).where(col(Child.deleted_at).is_(None))
    ).all()
    episodes_by_child: dict[uuid.UUID, list[CareEpisode]] = defaultdict(list)
    for episode in session.exec(
        select(CareEpisode).where(col(CareEpisode.deleted_at).is_(None))
    ).all():
        episodes_by_child[episode.child_id].append(episode)
    tracks_by_child: dict[uuid.UUID, set[str]] = defaultdict(set)
    for child_id, kind, end in session.execute(
        sa_select(col(CaseTrack.child_id), col(CaseTrack.kind), col(CaseTrack.end_date)).where(
            col(CaseTrack.deleted_at).is_(None), col(CaseTrack.child_id).is_not(None)
        )
    ).all():
        if child_id is not None and _is_current(None, end, today):
            tracks_by_child[child_id].add(kind)
    iro_names = _iro_names(session)
    next_reviews = next_review_by_child(session, today=today, settings=settings, items=due)
    kind_order = {kind: index for index, kind in enumerate(TRACK_KINDS)}

    rows = []
    for child_id, ref, first, last, preferred, dob, iro_id in children:
        current, previous = _current_and_previous(episodes_by_child.get(child_id, ()), today)
        due: DueItem | None = next_reviews.get(child_id)
        rows.append(
            ChildRow(
                child_uuid=child_id,
                child_ref=ref,
                display_name=_display_name(first, last, preferred),
                first_name=first,
                last_name=last,
                preferred_name=preferred,
                dob=dob,
                age=age_on(dob, today),
                legal_status=current.legal_status if current else "",
                legal_status_label=label(LEGAL_STATUS, current.legal_status) if current else "",
                in_care_since=current.start_date if current else None,
                left_care_on=previous[0].end_date if current is None and previous else None,
                placement_name=current.placement_name if current else "",
                placement_type=current.placement_type if current else "",
                placement_type_label=(
                    label(PLACEMENT_TYPES, current.placement_type) if current else ""
                ),
                iro_name=iro_names.get(iro_id, "") if iro_id else "",
                track_kinds=tuple(
                    sorted(tracks_by_child.get(child_id, ()), key=lambda k: kind_order.get(k, 99))
                ),
                next_deadline=due.deadline if due else None,
                next_status=due.status if due else "",
                next_kind=due.kind if due else "",
                next_target=due.target if due else None,
                next_scheduled=due.scheduled if due else None,
                next_detail=due.detail if due else "",
            )
        )
    rows.sort(key=lambda row: (row.display_name.casefold(), row.child_ref))
    return rows


def _person_info(person: Person) -> PersonInfo:
    return PersonInfo(
        person_uuid=person.id,
        role=person.role,
        role_label=label(PERSON_ROLES, person.role),
        name=person.name,
        organisation=person.organisation,
        email=person.email,
        phone=person.phone,
        from_date=person.from_date,
        to_date=person.to_date,
    )


def _track_info(track: CaseTrack) -> TrackInfo:
    return TrackInfo(
        track_uuid=track.id,
        kind=track.kind,
        kind_label=label(TRACK_KINDS, track.kind),
        start_date=track.start_date,
        start_meaning=label(TRACK_START_MEANING, track.kind),
        end_date=track.end_date,
    )


def _one_line(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _join(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _day(value: dt.date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


class _Timeline:
    """Collects timeline entries; ``order`` keeps same-day events in the order they happen."""

    def __init__(self) -> None:
        self._entries: list[tuple[dt.date, int, int, TimelineEntry]] = []

    def add(
        self,
        on: dt.date | None,
        kind: str,
        title: str,
        detail: str = "",
        ref_id: uuid.UUID | None = None,
        order: int = 5,
    ) -> None:
        if on is None:
            return
        entry = TimelineEntry(on=on, kind=kind, title=title, detail=detail, ref_id=ref_id)
        self._entries.append((on, order, len(self._entries), entry))

    def newest_first(self) -> tuple[TimelineEntry, ...]:
        ordered = sorted(self._entries, key=lambda item: item[:3], reverse=True)
        return tuple(item[3] for item in ordered)


def _episode_events(timeline: _Timeline, episodes: Iterable[CareEpisode]) -> None:
    for episode in episodes:
        placement = _join(episode.placement_name, label(PLACEMENT_TYPES, episode.placement_type))
        timeline.add(
            episode.start_date,
            "episode_start",
            "Became looked after",
            _join(f"{episode.legal_status} {label(LEGAL_STATUS, episode.legal_status)}", placement),
            episode.id,
            order=0,
        )
        timeline.add(
            episode.end_date,
            "episode_end",
            "Left care",
            episode.reason_ended,
            episode.id,
            order=9,
        )


def _track_events(timeline: _Timeline, tracks: Iterable[CaseTrack]) -> None:
    for track in tracks:
        title = _TRACK_START_TITLES.get(track.kind)
        if title is not None:
            timeline.add(track.start_date, "track_start", title, track.notes, track.id, order=0)
            timeline.add(
                track.end_date,
                "track_end",
                f"{label(TRACK_KINDS, track.kind)}s ended",
                "",
                track.id,
                order=8,
            )


def _review_events(
    timeline: _Timeline,
    reviews: Iterable[Review],
    track_kinds: dict[uuid.UUID, str],
    letters_for_review: set[uuid.UUID],
) -> None:
    for review in reviews:
        what = label(TRACK_KINDS, track_kinds.get(review.track_id, "review"))
        if review.status == "held":
            code = review.participation_code
            participation = (
                f"{code} {label(PARTICIPATION, code)}" if code else "Participation not recorded"
            )
            detail = _join(
                participation,
                "the child chaired it" if review.child_chaired else "",
                label(REVIEW_FORMATS, review.format),
            )
            timeline.add(
                review.held_on or review.scheduled_date,
                "review_held",
                f"{what} held",
                detail,
                review.id,
                order=3,
            )
        elif review.status == "booked":
            time_and_place = _join(
                review.scheduled_time, review.venue, label(REVIEW_FORMATS, review.format)
            )
            timeline.add(
                review.scheduled_date,
                "review_booked",
                f"{what} booked",
                time_and_place,
                review.id,
                order=3,
            )
        else:
            verb = "stood down" if review.status == "stood_down" else "cancelled"
            timeline.add(
                review.scheduled_date,
                f"review_{review.status}",
                f"{what} {verb}",
                review.cancel_reason,
                review.id,
                order=3,
            )
        if review.letter_sent_on and review.id not in letters_for_review:
            timeline.add(review.letter_sent_on, "letter", "Letter to the child sent", "", review.id)


def _decision_events(
    timeline: _Timeline,
    decisions: Iterable[Decision],
    reviews: dict[uuid.UUID, Review],
    today: dt.date,
) -> None:
    for decision in decisions:
        review = reviews.get(decision.review_id)
        made_on = (review.held_on or review.scheduled_date) if review else None
        status = label(DECISION_STATUSES, decision.status)
        if decision.status == "open" and decision.due_on and decision.due_on < today:
            status = "Overdue"
        elif decision.status == "done" and decision.done_on:
            status = f"Done {_day(decision.done_on)}"
        detail = _join(
            decision.responsible,
            f"by {_day(decision.due_on)}" if decision.due_on else "",
            status,
        )
        timeline.add(
            made_on or decision.due_on or decision.created_at.date(),
            "decision",
            f"Decision: {_one_line(decision.text, 100)}",
            detail,
            decision.id,
            order=2,
        )


def _visit_events(timeline: _Timeline, visits: Iterable[Visit]) -> None:
    for visit in visits:
        method = label(VISIT_METHODS, visit.method)
        if visit.status == "planned":
            title = f"Visit planned ({method.lower()})"
        elif visit.status == "cancelled":
            title = f"Visit cancelled ({method.lower()})"
        else:
            title = f"Visit ({method.lower()})"
        words = _one_line(visit.wishes_feelings, 100)
        detail = _join(
            visit.location,
            "seen alone" if visit.seen_alone and visit.status == "done" else "",
            f"“{words}”" if words else "",
        )
        timeline.add(visit.visit_date, "visit", title, detail, visit.id, order=1)


def _level_name(settings: Settings, level: int) -> str:
    for rung in settings.challenge_ladder:
        if rung.level == level:
            return rung.name
    return f"Level {level}"


def _challenge_events(
    timeline: _Timeline,
    challenges: Iterable[Challenge],
    steps: Iterable[ChallengeStep],
    qa_tools: Iterable[QaTool],
    settings: Settings,
) -> None:
    steps_by_challenge: dict[uuid.UUID, list[ChallengeStep]] = defaultdict(list)
    for step in steps:
        steps_by_challenge[step.challenge_id].append(step)
    for challenge in challenges:
        theme = challenge.theme
        own_steps = steps_by_challenge.get(challenge.id, [])
        if not own_steps:
            timeline.add(
                challenge.raised_on,
                "challenge",
                f"Challenge raised ({_level_name(settings, challenge.level)}): {theme}",
                _join(challenge.addressed_to_name, _one_line(challenge.issue, 100)),
                challenge.id,
                order=6,
            )
            if challenge.closed_on:
                timeline.add(
                    challenge.closed_on,
                    "challenge",
                    f"Challenge {challenge.status}: {theme}",
                    _one_line(challenge.outcome, 100),
                    challenge.id,
                    order=7,
                )
            continue
        for step in sorted(own_steps, key=lambda s: (s.on_date, _STEP_ORDER.get(s.step, 9))):
            level = _level_name(settings, step.level)
            titles = {
                "raised": f"Challenge raised ({level}): {theme}",
                "escalated": f"Challenge escalated to {level}: {theme}",
                "response": f"Response to challenge ({level}): {theme}",
                "resolved": f"Challenge resolved: {theme}",
                "withdrawn": f"Challenge withdrawn: {theme}",
            }
            addressed = _join(step.addressed_to_name, step.addressed_to_role)
            timeline.add(
                step.on_date,
                "challenge",
                titles.get(step.step, f"Challenge note: {theme}"),
                _join(addressed, _one_line(step.text, 100)),
                challenge.id,
                order=6 + _STEP_ORDER.get(step.step, 3) // 4,
            )
    for qa in qa_tools:
        timeline.add(qa.started_on, "qa_tool", "QA tool started", "", qa.id, order=6)
        timeline.add(
            qa.shared_on, "qa_tool", "QA tool shared", qa.shared_with, qa.id, order=6
        )
        timeline.add(
            qa.response_on,
            "qa_tool",
            "Response to QA tool",
            _one_line(qa.response_text, 100),
            qa.id,
            order=6,
        )
        timeline.add(qa.closed_on, "qa_tool", "QA tool closed", "", qa.id, order=7)


def _letter_events(timeline: _Timeline, letters: Iterable[Letter]) -> None:
    for letter in letters:
        what = "Introduction letter" if letter.kind == "intro" else "Review letter"
        made_on = letter.made_at.date() if letter.made_at else None
        timeline.add(made_on, "letter", f"{what} made", letter.file_name, letter.id, order=8)
        timeline.add(letter.sent_on, "letter", f"{what} sent", "", letter.id, order=8)


def child_detail(
    session: Session, child_uuid: uuid.UUID, *, today: dt.date, settings: Settings
) -> ChildDetail:
    """Everything the child pane shows for one child.

    Raises:
        IroDeskError: the child is not on this caseload (or has been deleted).
    """
    child = session.get(Child, child_uuid)
    if child is None or child.deleted_at is not None:
        raise IroDeskError(
            "That child is no longer on this caseload (the record may have been deleted). "
            "Refresh the list with F5."
        )

    iro_names = _iro_names(session)
    episodes: list[CareEpisode] = _rows_of_child(session, CareEpisode, child_uuid)
    tracks: list[CaseTrack] = _rows_of_child(session, CaseTrack, child_uuid)
    people: list[Person] = _rows_of_child(session, Person, child_uuid)
    reviews: list[Review] = _rows_of_child(session, Review, child_uuid)
    decisions: list[Decision] = _rows_of_child(session, Decision, child_uuid)
    visits: list[Visit] = _rows_of_child(session, Visit, child_uuid)
    challenges: list[Challenge] = _rows_of_child(session, Challenge, child_uuid)
    qa_tools: list[QaTool] = _rows_of_child(session, QaTool, child_uuid)
    letters: list[Letter] = _rows_of_child(session, Letter, child_uuid)
    challenge_ids = [challenge.id for challenge in challenges]
    steps: list[ChallengeStep] = (
        list(
            session.exec(
                select(ChallengeStep).where(
                    col(ChallengeStep.challenge_id).in_(challenge_ids),
                    col(ChallengeStep.deleted_at).is_(None),
                )
            ).all()
        )
        if challenge_ids
        else []
    )

    current, previous = _current_and_previous(episodes, today)
    role_order = {role: index for index, role in enumerate(PERSON_ROLES)}
    people.sort(key=lambda p: (role_order.get(p.role, 99), p.name.casefold()))
    current_people = [p for p in people if _is_current(p.from_date, p.to_date, today)]
    former_people = [p for p in people if p not in current_people]
    kind_order = {kind: index for index, kind in enumerate(TRACK_KINDS)}
    tracks.sort(key=lambda t: (kind_order.get(t.kind, 99), t.start_date))

    timeline = _Timeline()
    _episode_events(timeline, episodes)
    _track_events(timeline, tracks)
    letters_for_review = {letter.review_id for letter in letters if letter.review_id}
    _review_events(timeline, reviews, {t.id: t.kind for t in tracks}, letters_for_review)
    _decision_events(timeline, decisions, {r.id: r for r in reviews}, today)
    _visit_events(timeline, visits)
    _challenge_events(timeline, challenges, steps, qa_tools, settings)
    _letter_events(timeline, letters)

    return ChildDetail(
        child_uuid=child.id,
        child_ref=child.child_ref,
        display_name=child.display_name,
        first_name=child.first_name,
        last_name=child.last_name,
        preferred_name=child.preferred_name,
        dob=child.dob,
        age=age_on(child.dob, today),
        gender=child.gender,
        gender_label=label(GENDERS, child.gender),
        ethnicity=child.ethnicity,
        first_language=child.first_language,
        interpreter_needed=child.interpreter_needed,
        communication_needs=child.communication_needs,
        disability=child.disability,
        upn=child.upn,
        notes=child.notes,
        allocated_iro_name=iro_names.get(child.allocated_iro_id, "")
        if child.allocated_iro_id
        else "",
        covering_iro_name=iro_names.get(child.covering_iro_id, "")
        if child.covering_iro_id
        else "",
        current_episode=_episode_info(current) if current else None,
        previous_episodes=tuple(_episode_info(e) for e in previous),
        people=tuple(_person_info(p) for p in current_people),
        former_people=tuple(_person_info(p) for p in former_people),
        open_tracks=tuple(_track_info(t) for t in tracks if _is_current(None, t.end_date, today)),
        closed_tracks=tuple(
            _track_info(t) for t in tracks if not _is_current(None, t.end_date, today)
        ),
        timeline=timeline.newest_first(),
    )
