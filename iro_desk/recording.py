"""Recording reviews, their decisions and paperwork, and the IRO's pre-review visits.

The GUI forms and the ``iro-desk review``/``decision``/``visit`` commands are two faces on the
functions here, so both apply the same rules (DOMAIN.md):

- PN0 only when the child is under 4 on the review date; PN1-PN7 only at 4 or over (DfE SSDA903
  rules 440/441). A child under 4 defaults to PN0.
- A review counts as held only with a participation code (DfE rule 167).
- A review cannot be held in the future, nor before its track (the episode of care, the
  strategy discussion...) began.
- A decision says what will happen, who is responsible and by when; it cannot fall due before
  the review that made it.
- The paperwork dates (decisions circulated, full record completed) cannot be before the review
  nor in the future.

Every change goes through a caseload session, whose hook keeps the history (who, when, before
and after); nothing here deletes a row: a decision removed from a review is tombstoned.

Text is stored as typed, with only these changes (``clean_text``): Unicode NFC; Word's line and
paragraph separators and manual line breaks become newlines; non-breaking and narrow spaces
become ordinary spaces; invisible characters (zero-width space, byte-order mark, soft hyphen,
word joiner), other control characters and unpaired surrogates are removed; leading and
trailing whitespace is stripped. Zero-width joiners are kept: emoji and some scripts need them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Field, Session, SQLModel, select

from iro_desk.errors import ValidationError
from iro_desk.history import tombstone
from iro_desk.models import CareEpisode, CaseTrack, ChangeLog, Child, Decision, Review, Visit
from iro_desk.settings import Settings
from iro_desk.vocab import (
    DECISION_STATUSES,
    PARTICIPATION,
    PERMANENCE_STATUSES,
    REVIEW_FORMATS,
    REVIEW_STATUSES,
    TRACK_KINDS,
    VISIT_METHODS,
    VISIT_STATUSES,
    label,
)
from iro_desk.workdays import working_days

# Sizes beyond which text is refused: far above any real note, small enough to catch a paste of
# the wrong file.
MAX_LONG_TEXT = 100_000
MAX_DECISION_TEXT = 5_000
MAX_LINE = 1_000

# DfE SSDA903 rules 440/441: PN0 is for a child under 4 on the review date.
PN0_AGE_LIMIT = 4
PN0 = "PN0"

# What each kind of track starts from, as words that follow "before".
_TRACK_START_EVENT: dict[str, str] = {
    "cla": "the child became looked after",
    "cp": "the strategy discussion",
    "pathway": "the pathway plan started",
    "fostering": "the carers were approved",
    "private_fostering": "the arrangement was notified",
    "secure": "the secure placement started",
}

_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x0b\x0c\x85]")
_SPACES = re.compile(r"[\u00a0\u2007\u202f]")
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_DROPPED = frozenset({"Cc", "Cs"})  # Unicode categories clean_text removes (but \n and \t)
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# ---------------------------------------------------------------------------------------------
# Input models: what a form or a command hands in (table models are in iro_desk.models.review).


class DecisionInput(SQLModel):
    """One decision as typed: what will happen, who is responsible, by when.

    ``id`` names an existing decision being amended; ``None`` adds a new one.
    """

    id: uuid.UUID | None = None
    text: str = ""
    responsible: str = ""
    due_on: dt.date | None = None


class ReviewInput(SQLModel):
    """The record of a review meeting as the IRO enters it.

    ``decisions`` of ``None`` leaves a review's decisions as they are when amending; a list is
    the whole set (decisions missing from it are removed, with their history kept).
    """

    held_on: dt.date | None = None
    participation_code: str | None = None
    format: str = "in_person"
    venue: str = ""
    attendees: str = ""
    reports_from: str = ""
    child_chaired: bool = False
    child_views: str = ""
    iro_summary: str = ""
    permanence_status: str = ""
    pre_review_contact: bool | None = None
    decisions: list[DecisionInput] | None = Field(default=None)


class VisitInput(SQLModel):
    """A pre-review visit or conversation as the IRO enters it."""

    visit_date: dt.date | None = None
    visit_time: str = ""
    status: str = "done"
    method: str = "face_to_face"
    location: str = ""
    others_present: str = ""
    seen_alone: bool = False
    wishes_feelings: str = ""
    worries: str = ""
    questions: str = ""
    who_to_attend: str = ""
    how_to_take_part: str = ""
    follow_up: str = ""
    review_id: uuid.UUID | None = None


# ---------------------------------------------------------------------------------------------
# Small helpers shared by the forms.


def format_date(day: dt.date | None) -> str:
    """A date as people read it in the UK: '4 Jan 2027' ('' for none)."""
    if day is None:
        return ""
    return f"{day.day} {day:%b %Y}"


def clean_text(value: str | None, *, multiline: bool = True) -> str:
    """Text as typed, tidied as the module docstring says; one line when not ``multiline``."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value)
    text = _LINE_BREAKS.sub("\n", text)
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    # Cc: control characters (NUL, bell, escape...); Cs: half a UTF-16 pair, which no database
    # or file can hold.
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _DROPPED)
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return text.strip()


def age_on(dob: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``; a 29 February birthday comes on 1 March in other years."""
    years = day.year - dob.year
    if (day.month, day.day) < (dob.month, dob.day):
        years -= 1
    return years


def participation_label(code: str) -> str:
    """'Child attended and spoke for themselves (PN1)': the label with the code beside it."""
    return f"{PARTICIPATION[code]} ({code})"


def default_participation_code(child: Child | None, review_date: dt.date | None) -> str | None:
    """PN0 for a child under 4 on the review date; otherwise no default (the IRO chooses)."""
    if child is None or child.dob is None or review_date is None:
        return None
    if review_date < child.dob:
        return None
    return PN0 if age_on(child.dob, review_date) < PN0_AGE_LIMIT else None


def _age_words(age: int) -> str:
    return "under 1" if age < 1 else str(age)


def participation_problem(
    child: Child | None, code: str | None, review_date: dt.date | None
) -> str | None:
    """Why ``code`` cannot be used for this child on this date, or None when it can."""
    if child is None:
        if code:
            return "This review has no child (a foster carer household), so it takes no code."
        return None
    name = child.letter_name
    if not code:
        return (
            f"Choose how {name} took part: a review counts as held only with a participation code."
        )
    if code not in PARTICIPATION:
        return f"{code!r} is not a participation code: choose one of PN0 to PN7."
    if review_date is None:
        return None
    if child.dob is None:
        return (
            f"{name}'s date of birth is not recorded, so IRO Desk cannot check the code (PN0 is "
            f"only for children under 4). Add {name}'s date of birth first."
        )
    if review_date < child.dob:
        return None  # the date itself is refused; one message is enough
    age = age_on(child.dob, review_date)
    when = format_date(review_date)
    if code == PN0 and age >= PN0_AGE_LIMIT:
        return (
            f"{name} was {age} on {when}: PN0 is only for children under 4. "
            f"Choose how {name} took part."
        )
    if code != PN0 and age < PN0_AGE_LIMIT:
        return (
            f"{name} was {_age_words(age)} on {when}: {code} is only for children aged 4 or "
            f"over. Use PN0 ({name} was under 4 at the time of the review)."
        )
    return None


def is_overdue(decision: Decision, today: dt.date) -> bool:
    """An open decision whose date has passed (due today is still in time)."""
    return (
        decision.deleted_at is None
        and decision.status == "open"
        and decision.due_on is not None
        and decision.due_on < today
    )


def decision_state(decision: Decision, today: dt.date) -> str:
    """Where a decision stands, in words: 'Overdue since 1 Feb 2027', 'Done on ...'."""
    if decision.status == "done":
        return f"Done on {format_date(decision.done_on)}" if decision.done_on else "Done"
    if decision.status == "dropped":
        return label(DECISION_STATUSES, "dropped")
    if decision.due_on is None:
        return "Open, no date"
    if is_overdue(decision, today):
        return f"Overdue since {format_date(decision.due_on)}"
    return f"Open, due {format_date(decision.due_on)}"


def paperwork_due(review: Review, settings: Settings) -> tuple[dt.date, dt.date] | None:
    """When a held review's decisions should be circulated and its record completed."""
    if review.held_on is None:
        return None
    return paperwork_due_from(review.held_on, settings)


def paperwork_due_from(held_on: dt.date, settings: Settings) -> tuple[dt.date, dt.date]:
    """(decisions circulated by, record completed by) for a review held on ``held_on``.

    Local standards (DOMAIN.md, settings): decisions within 5 working days, record within 20.
    """
    calendar = working_days(settings.nation)
    return (
        calendar.add(held_on, settings.decisions_circulated_working_days),
        calendar.add(held_on, settings.record_completed_working_days),
    )


# ---------------------------------------------------------------------------------------------
# Looking things up.


def child_by_ref(session: Session, child_ref: str) -> Child:
    """The child with the council's ID ``child_ref``, or a clear error."""
    ref = child_ref.strip()
    child = session.exec(
        select(Child).where(Child.child_ref == ref, Child.deleted_at.is_(None))  # type: ignore[union-attr]
    ).first()
    if child is None:
        raise ValidationError(
            f"There is no child with the ID {ref!r} on this caseload.", {"child": "not found"}
        )
    return child


def _get_live(session: Session, model: type[Any], record_id: uuid.UUID, what: str) -> Any:
    record = session.get(model, record_id)
    if record is None or record.deleted_at is not None:
        raise ValidationError(f"There is no {what} with the ID {record_id} on this caseload.")
    return record


def track_for_review(
    session: Session, *, child_id: uuid.UUID, kind: str, on_date: dt.date | None
) -> CaseTrack:
    """The child's track of ``kind`` that a review on ``on_date`` belongs to.

    The track whose dates cover the day; failing that the open (or latest) one, so that the
    review's own checks say what is wrong with the date.
    """
    if kind not in TRACK_KINDS:
        raise ValidationError(
            f"{kind!r} is not a kind of review: use one of {', '.join(TRACK_KINDS)}.",
            {"kind": "unknown"},
        )
    tracks = list(
        session.exec(
            select(CaseTrack).where(
                CaseTrack.child_id == child_id,
                CaseTrack.kind == kind,
                CaseTrack.deleted_at.is_(None),  # type: ignore[union-attr]
            )
        )
    )
    if not tracks:
        raise ValidationError(
            f"This child has no {TRACK_KINDS[kind].lower()} track to record a review on. "
            "Add the track (or episode of care) first.",
            {"kind": "no track"},
        )
    tracks.sort(key=lambda t: t.start_date, reverse=True)
    if on_date is not None:
        for track in tracks:
            if track.start_date <= on_date and (
                track.end_date is None or on_date <= track.end_date
            ):
                return track
    open_tracks = [t for t in tracks if t.end_date is None]
    return (open_tracks or tracks)[0]


def reviews_for_child(session: Session, child_id: uuid.UUID) -> list[Review]:
    """The child's reviews (booked, held, stood down...), oldest first."""
    reviews = session.exec(
        select(Review).where(
            Review.child_id == child_id,
            Review.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    return sorted(reviews, key=lambda r: r.held_on or r.scheduled_date or dt.date.max)


def decisions_for_review(session: Session, review_id: uuid.UUID) -> list[Decision]:
    """A review's decisions (not removed), in the order they were made."""
    decisions = session.exec(
        select(Decision).where(
            Decision.review_id == review_id,
            Decision.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    return sorted(decisions, key=lambda d: d.created_at)


def visits_for_review(session: Session, review_id: uuid.UUID) -> list[Visit]:
    """The visits linked to a review, oldest first."""
    visits = session.exec(
        select(Visit).where(
            Visit.review_id == review_id,
            Visit.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    return sorted(visits, key=lambda v: v.visit_date)


def find_booked_review(
    session: Session, track_id: uuid.UUID, held_on: dt.date | None
) -> Review | None:
    """The booking a review held on ``held_on`` fulfils: the track's earliest booked review.

    A date on or before a review already recorded as held is a record entered afterwards for
    an earlier meeting, so it fulfils no booking.
    """
    reviews = session.exec(
        select(Review).where(
            Review.track_id == track_id,
            Review.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    held = [r.held_on for r in reviews if r.status == "held" and r.held_on is not None]
    if held and held_on is not None and held_on <= max(held):
        return None
    booked = [r for r in reviews if r.status == "booked"]
    booked.sort(key=lambda r: r.scheduled_date or dt.date.max)
    return booked[0] if booked else None


def describe_review(review: Review, track: CaseTrack | None) -> str:
    """'Child in care review held 4 Jan 2027' or '... booked for 12 Feb 2027'."""
    kind = TRACK_KINDS.get(track.kind, "Review") if track is not None else "Review"
    if review.status == "held" and review.held_on:
        return f"{kind} held {format_date(review.held_on)}"
    if review.status == "booked":
        when = format_date(review.scheduled_date) if review.scheduled_date else "no date yet"
        return f"{kind} booked for {when}"
    when = format_date(review.scheduled_date or review.held_on)
    return f"{kind} {label(REVIEW_STATUSES, review.status).lower()} ({when})".replace(" ()", "")


def reviews_a_visit_can_prepare(
    session: Session, *, child_id: uuid.UUID, current: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, str]]:
    """(review id, description) of the reviews a visit may be linked to.

    Booked reviews, soonest first, then held ones, most recent first; plus the review the
    visit is linked to now, whatever its state.
    """
    tracks = {
        t.id: t for t in session.exec(select(CaseTrack).where(CaseTrack.child_id == child_id)).all()
    }
    reviews = reviews_for_child(session, child_id)
    booked = sorted(
        (r for r in reviews if r.status == "booked"),
        key=lambda r: r.scheduled_date or dt.date.max,
    )
    held = sorted(
        (r for r in reviews if r.status == "held"),
        key=lambda r: r.held_on or dt.date.min,
        reverse=True,
    )
    chosen = booked + held
    if current is not None and all(r.id != current for r in chosen):
        chosen += [r for r in reviews if r.id == current]
    return [(r.id, describe_review(r, tracks.get(r.track_id))) for r in chosen]


# ---------------------------------------------------------------------------------------------
# Validation.


def _text_problem(value: str, limit: int, what: str) -> str | None:
    if len(value) > limit:
        return f"{what} is {len(value):,} characters long; the most IRO Desk keeps is {limit:,}."
    return None


def _clean_review(details: ReviewInput) -> ReviewInput:
    decisions = None
    if details.decisions is not None:
        decisions = [
            DecisionInput(
                id=d.id,
                text=clean_text(d.text),
                responsible=clean_text(d.responsible, multiline=False),
                due_on=d.due_on,
            )
            for d in details.decisions
        ]
    code = (details.participation_code or "").strip().upper() or None
    return ReviewInput(
        held_on=details.held_on,
        participation_code=code,
        format=details.format.strip(),
        venue=clean_text(details.venue, multiline=False),
        attendees=clean_text(details.attendees),
        reports_from=clean_text(details.reports_from),
        child_chaired=details.child_chaired,
        child_views=clean_text(details.child_views),
        iro_summary=clean_text(details.iro_summary),
        permanence_status=details.permanence_status.strip(),
        pre_review_contact=details.pre_review_contact,
        decisions=decisions,
    )


def decision_problems(
    index: int, decision: DecisionInput, held_on: dt.date | None
) -> dict[str, str]:
    """What is wrong with one decision (already cleaned), keyed ``decisions.<index>.<field>``."""
    number = index + 1
    key = f"decisions.{index}"
    problems: dict[str, str] = {}
    if not decision.text:
        problems[f"{key}.text"] = f"Decision {number}: write what will happen."
    elif too_long := _text_problem(decision.text, MAX_DECISION_TEXT, f"Decision {number}"):
        problems[f"{key}.text"] = too_long
    if not decision.responsible:
        problems[f"{key}.responsible"] = f"Decision {number}: say who is responsible."
    elif too_long := _text_problem(decision.responsible, MAX_LINE, "Who is responsible"):
        problems[f"{key}.responsible"] = f"Decision {number}: {too_long}"
    if decision.due_on is None:
        problems[f"{key}.due_on"] = f"Decision {number}: say by when (a date)."
    elif held_on is not None and decision.due_on < held_on:
        problems[f"{key}.due_on"] = (
            f"Decision {number}: {format_date(decision.due_on)} is before the review "
            f"({format_date(held_on)}); a decision falls due on or after the day it was made."
        )
    return problems


def _held_on_problem(
    session: Session,
    held_on: dt.date | None,
    *,
    child: Child | None,
    track: CaseTrack,
    review_id: uuid.UUID | None,
    today: dt.date,
) -> str | None:
    if held_on is None:
        return "Enter the date the review was held."
    when = format_date(held_on)
    if held_on > today:
        return (
            f"{when} is in the future: record a review once it has been held "
            "(book future reviews on the calendar)."
        )
    if child is not None and child.dob is not None and held_on < child.dob:
        return f"{when} is before {child.letter_name} was born ({format_date(child.dob)})."
    if track.episode_id is not None:
        episode = session.get(CareEpisode, track.episode_id)
        if episode is not None and held_on < episode.start_date:
            return (
                f"{when} is before this episode of care began "
                f"({format_date(episode.start_date)}). Check the date."
            )
    if held_on < track.start_date:
        event = _TRACK_START_EVENT.get(track.kind, "this track began")
        return (
            f"{when} is before {event} ({format_date(track.start_date)}): a review cannot be "
            "held before that. Check the date."
        )
    if track.end_date is not None and held_on > track.end_date:
        return (
            f"{when} is after this {TRACK_KINDS.get(track.kind, 'track').lower()} track ended "
            f"({format_date(track.end_date)}). Check the date, or record it on the current "
            "track."
        )
    same_day = session.exec(
        select(Review).where(
            Review.track_id == track.id,
            Review.status == "held",
            Review.held_on == held_on,
            Review.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    if any(r.id != review_id for r in same_day):
        return (
            f"A review on this track is already recorded as held on {when}. Open that record "
            "to amend it instead."
        )
    return None


def review_problems(
    session: Session,
    details: ReviewInput,
    *,
    track: CaseTrack,
    child: Child | None,
    review_id: uuid.UUID | None,
    today: dt.date,
) -> dict[str, str]:
    """Everything wrong with a (cleaned) review record, keyed by field name."""
    problems: dict[str, str] = {}
    held = _held_on_problem(
        session, details.held_on, child=child, track=track, review_id=review_id, today=today
    )
    if held:
        problems["held_on"] = held
    code = participation_problem(child, details.participation_code, details.held_on)
    if code:
        problems["participation_code"] = code
    if details.format not in REVIEW_FORMATS:
        problems["format"] = (
            f"{details.format!r} is not a review format: choose in person, online or hybrid."
        )
    if details.permanence_status and details.permanence_status not in PERMANENCE_STATUSES:
        problems["permanence_status"] = (
            f"{details.permanence_status!r} is not a permanence status: use one of "
            f"{', '.join(PERMANENCE_STATUSES)} (or leave it blank)."
        )
    sizes = {
        "venue": (details.venue, MAX_LINE, "The venue"),
        "attendees": (details.attendees, MAX_LONG_TEXT, "Who attended"),
        "reports_from": (details.reports_from, MAX_LONG_TEXT, "Reports from"),
        "child_views": (details.child_views, MAX_LONG_TEXT, "The child's views"),
        "iro_summary": (details.iro_summary, MAX_LONG_TEXT, "The summary"),
    }
    for field, (value, limit, what) in sizes.items():
        if too_long := _text_problem(value, limit, what):
            problems[field] = too_long
    for index, decision in enumerate(details.decisions or []):
        problems.update(decision_problems(index, decision, details.held_on))
    return problems


def _refuse(what: str, problems: dict[str, str]) -> None:
    if problems:
        count = len(problems)
        things = "1 thing needs" if count == 1 else f"{count} things need"
        raise ValidationError(f"{what} was not saved: {things} fixing.", problems)


# ---------------------------------------------------------------------------------------------
# Reviews.


def _apply_review(review: Review, details: ReviewInput) -> None:
    review.held_on = details.held_on
    review.participation_code = details.participation_code
    review.format = details.format
    review.venue = details.venue
    review.attendees = details.attendees
    review.reports_from = details.reports_from
    review.child_chaired = details.child_chaired
    review.child_views = details.child_views
    review.iro_summary = details.iro_summary
    review.permanence_status = details.permanence_status
    if details.pre_review_contact is not None:
        review.pre_review_contact = details.pre_review_contact


def _visited_before(session: Session, review_id: uuid.UUID, held_on: dt.date | None) -> bool:
    return any(
        visit.status == "done" and (held_on is None or visit.visit_date <= held_on)
        for visit in visits_for_review(session, review_id)
    )


def _sync_decisions(session: Session, review: Review, decisions: Sequence[DecisionInput]) -> None:
    existing = {d.id: d for d in decisions_for_review(session, review.id)}
    kept: set[uuid.UUID] = set()
    for decision in decisions:
        if decision.id is not None and decision.id in existing:
            row = existing[decision.id]
            row.text = decision.text
            row.responsible = decision.responsible
            row.due_on = decision.due_on
            session.add(row)
            kept.add(row.id)
        else:
            session.add(
                Decision(
                    review_id=review.id,
                    child_id=review.child_id,
                    text=decision.text,
                    responsible=decision.responsible,
                    due_on=decision.due_on,
                )
            )
    for decision_id, row in existing.items():
        if decision_id not in kept:
            tombstone(session, row)


def _check_decision_ids(
    session: Session, review_id: uuid.UUID | None, decisions: Iterable[DecisionInput]
) -> None:
    for decision in decisions:
        if decision.id is None:
            continue
        row = session.get(Decision, decision.id)
        if row is None or row.deleted_at is not None or row.review_id != review_id:
            raise ValidationError(
                f"Decision {decision.id} does not belong to this review; reopen the review and "
                "try again."
            )


def _who_for(track: CaseTrack, child: Child | None) -> str:
    if child is not None:
        return f"The review for {child.display_name}"
    return f"The review for {track.household_name or 'this household'}"


def record_review(
    session: Session,
    *,
    review_id: uuid.UUID | None = None,
    track_id: uuid.UUID | None = None,
    details: ReviewInput,
    today: dt.date,
) -> Review:
    """Record a review as held: a booked review (``review_id``), or one on ``track_id``.

    With only ``track_id``, the track's next booking is recorded as held
    (``find_booked_review``); when nothing is booked a new held review is created.

    Raises:
        ValidationError: with the problems keyed by field (see the module docstring).
    """
    if review_id is None and track_id is None:
        raise ValidationError("Say which review (or which track) is being recorded.")
    details = _clean_review(details)
    review: Review | None = None
    if review_id is not None:
        review = _get_live(session, Review, review_id, "review")
        track = _get_live(session, CaseTrack, review.track_id, "case track")
    else:
        assert track_id is not None
        track = _get_live(session, CaseTrack, track_id, "case track")
        review = find_booked_review(session, track.id, details.held_on)
    child = session.get(Child, track.child_id) if track.child_id else None
    if review is not None and review.status != "booked":
        state = label(REVIEW_STATUSES, review.status).lower()
        raise ValidationError(
            f"This review is {state} already; open it to amend the record instead.",
            {"review": state},
        )
    if details.decisions:
        _check_decision_ids(session, review.id if review else None, details.decisions)
    problems = review_problems(
        session,
        details,
        track=track,
        child=child,
        review_id=review.id if review else None,
        today=today,
    )
    _refuse(_who_for(track, child), problems)
    visited = (
        review is not None
        and review.pre_review_contact is None
        and _visited_before(session, review.id, details.held_on)
    )
    if review is None:
        review = Review(track_id=track.id, child_id=track.child_id, status="held")
    review.status = "held"
    review.child_id = track.child_id
    _apply_review(review, details)
    if visited and details.pre_review_contact is None:
        review.pre_review_contact = True
    session.add(review)
    session.flush()
    if details.decisions is not None:
        _sync_decisions(session, review, details.decisions)
    session.flush()
    return review


def amend_review(
    session: Session, *, review_id: uuid.UUID, details: ReviewInput, today: dt.date
) -> Review:
    """Change the record of a held review; the history keeps every field's before and after.

    Raises:
        ValidationError: as for ``record_review``; also when the review is not held.
    """
    details = _clean_review(details)
    review: Review = _get_live(session, Review, review_id, "review")
    track: CaseTrack = _get_live(session, CaseTrack, review.track_id, "case track")
    child = session.get(Child, track.child_id) if track.child_id else None
    if review.status != "held":
        raise ValidationError(
            "Only a review recorded as held can be amended; record it as held first.",
            {"review": label(REVIEW_STATUSES, review.status).lower()},
        )
    if details.decisions is not None:
        _check_decision_ids(session, review.id, details.decisions)
        check = details
    else:
        current = [
            DecisionInput(id=d.id, text=d.text, responsible=d.responsible, due_on=d.due_on)
            for d in decisions_for_review(session, review.id)
            if d.status == "open"
        ]
        check = details.model_copy(update={"decisions": current})
    problems = review_problems(
        session, check, track=track, child=child, review_id=review.id, today=today
    )
    _refuse(_who_for(track, child), problems)
    _apply_review(review, details)
    session.add(review)
    if details.decisions is not None:
        _sync_decisions(session, review, details.decisions)
    session.flush()
    return review


def set_paperwork(
    session: Session,
    *,
    review_id: uuid.UUID,
    decisions_circulated_on: dt.date | None,
    record_completed_on: dt.date | None,
    today: dt.date,
) -> Review:
    """Record when the decisions were circulated and the full record completed (None: not yet).

    Raises:
        ValidationError: a date before the review or in the future; a review not yet held.
    """
    review: Review = _get_live(session, Review, review_id, "review")
    if review.status != "held" or review.held_on is None:
        raise ValidationError(
            "Record the review as held before its paperwork.", {"review": "not held"}
        )
    problems: dict[str, str] = {}
    named = {
        "decisions_circulated_on": (decisions_circulated_on, "The decisions were circulated"),
        "record_completed_on": (record_completed_on, "The record was completed"),
    }
    for field, (day, what) in named.items():
        if day is None:
            continue
        if day < review.held_on:
            problems[field] = (
                f"{what} on {format_date(day)}, before the review was held "
                f"({format_date(review.held_on)})? Check the date."
            )
        elif day > today:
            problems[field] = f"{format_date(day)} is in the future: enter it once it is done."
    _refuse("The paperwork dates", problems)
    review.decisions_circulated_on = decisions_circulated_on
    review.record_completed_on = record_completed_on
    session.add(review)
    session.flush()
    return review


# ---------------------------------------------------------------------------------------------
# Decisions one at a time.


def _clean_decision(decision: DecisionInput) -> DecisionInput:
    return DecisionInput(
        id=decision.id,
        text=clean_text(decision.text),
        responsible=clean_text(decision.responsible, multiline=False),
        due_on=decision.due_on,
    )


def add_decision(
    session: Session, *, review_id: uuid.UUID, decision: DecisionInput, today: dt.date
) -> Decision:
    """Add a decision to a held review.

    Raises:
        ValidationError: missing text, person or date; a date before the review.
    """
    review: Review = _get_live(session, Review, review_id, "review")
    if review.status != "held":
        raise ValidationError("Decisions are added to a review once it is recorded as held.")
    cleaned = _clean_decision(decision)
    _refuse("The decision", _unindexed(decision_problems(0, cleaned, review.held_on)))
    row = Decision(
        review_id=review.id,
        child_id=review.child_id,
        text=cleaned.text,
        responsible=cleaned.responsible,
        due_on=cleaned.due_on,
    )
    session.add(row)
    session.flush()
    return row


def _unindexed(problems: dict[str, str]) -> dict[str, str]:
    return {key.split(".")[-1]: why.removeprefix("Decision 1: ") for key, why in problems.items()}


def update_decision(
    session: Session, *, decision_id: uuid.UUID, decision: DecisionInput, today: dt.date
) -> Decision:
    """Change what a decision says, who is responsible or by when.

    Raises:
        ValidationError: as for ``add_decision``.
    """
    row: Decision = _get_live(session, Decision, decision_id, "decision")
    review: Review = _get_live(session, Review, row.review_id, "review")
    cleaned = _clean_decision(decision)
    _refuse("The decision", _unindexed(decision_problems(0, cleaned, review.held_on)))
    row.text = cleaned.text
    row.responsible = cleaned.responsible
    row.due_on = cleaned.due_on
    session.add(row)
    session.flush()
    return row


def complete_decision(
    session: Session,
    *,
    decision_id: uuid.UUID,
    done_on: dt.date,
    today: dt.date,
    note: str = "",
) -> Decision:
    """Mark a decision done on ``done_on``.

    Raises:
        ValidationError: a date in the future or before the review; a decision no longer needed.
    """
    row: Decision = _get_live(session, Decision, decision_id, "decision")
    review: Review = _get_live(session, Review, row.review_id, "review")
    problems: dict[str, str] = {}
    if row.status == "dropped":
        problems["status"] = "This decision is marked no longer needed; it cannot be done."
    if done_on > today:
        problems["done_on"] = f"{format_date(done_on)} is in the future: mark it done once it is."
    elif review.held_on is not None and done_on < review.held_on:
        problems["done_on"] = (
            f"{format_date(done_on)} is before the review that made this decision "
            f"({format_date(review.held_on)}). Check the date."
        )
    cleaned_note = clean_text(note)
    if too_long := _text_problem(cleaned_note, MAX_LONG_TEXT, "The note"):
        problems["note"] = too_long
    _refuse("The decision", problems)
    row.status = "done"
    row.done_on = done_on
    if cleaned_note:
        row.note = cleaned_note
    session.add(row)
    session.flush()
    return row


def drop_decision(
    session: Session, *, decision_id: uuid.UUID, reason: str, today: dt.date
) -> Decision:
    """Mark a decision no longer needed, saying why (the reason is kept as its note).

    Raises:
        ValidationError: no reason given.
    """
    row: Decision = _get_live(session, Decision, decision_id, "decision")
    why = clean_text(reason)
    problems: dict[str, str] = {}
    if not why:
        problems["reason"] = "Say why this decision is no longer needed."
    elif too_long := _text_problem(why, MAX_LONG_TEXT, "The reason"):
        problems["reason"] = too_long
    _refuse("The decision", problems)
    row.status = "dropped"
    row.note = why
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Visits.


def _clean_visit(details: VisitInput) -> VisitInput:
    return VisitInput(
        visit_date=details.visit_date,
        visit_time=details.visit_time.strip(),
        status=details.status.strip(),
        method=details.method.strip(),
        location=clean_text(details.location, multiline=False),
        others_present=clean_text(details.others_present),
        seen_alone=details.seen_alone,
        wishes_feelings=clean_text(details.wishes_feelings),
        worries=clean_text(details.worries),
        questions=clean_text(details.questions),
        who_to_attend=clean_text(details.who_to_attend),
        how_to_take_part=clean_text(details.how_to_take_part),
        follow_up=clean_text(details.follow_up),
        review_id=details.review_id,
    )


def visit_problems(
    session: Session, details: VisitInput, *, child: Child, today: dt.date
) -> dict[str, str]:
    """Everything wrong with a (cleaned) visit record, keyed by field name."""
    problems: dict[str, str] = {}
    if details.status not in VISIT_STATUSES:
        problems["status"] = (
            f"{details.status!r} is not a visit status: planned, done or cancelled."
        )
    if details.method not in VISIT_METHODS:
        problems["method"] = (
            f"{details.method!r} is not a way of visiting: face_to_face, video, phone or messaging."
        )
    day = details.visit_date
    if day is None:
        problems["visit_date"] = "Enter the date of the visit."
    elif day > today and details.status != "planned":
        problems["visit_date"] = (
            f"{format_date(day)} is in the future: record a visit once it has happened, or mark "
            "it planned."
        )
    elif child.dob is not None and day < child.dob:
        problems["visit_date"] = (
            f"{format_date(day)} is before {child.letter_name} was born "
            f"({format_date(child.dob)}). Check the date."
        )
    if details.visit_time and not _TIME.match(details.visit_time):
        problems["visit_time"] = (
            f"{details.visit_time!r} is not a time: write it as HH:MM, e.g. 15:30."
        )
    if details.review_id is not None:
        review = session.get(Review, details.review_id)
        if review is None or review.deleted_at is not None or review.child_id != child.id:
            problems["review_id"] = f"That review is not one of {child.letter_name}'s reviews."
        elif (
            review.status == "held"
            and review.held_on is not None
            and day is not None
            and review.held_on < day
        ):
            problems["review_id"] = (
                f"That review was held on {format_date(review.held_on)}, before this visit: "
                "link the visit to the review it prepares."
            )
    sizes = {
        "location": (details.location, MAX_LINE, "Where"),
        "others_present": (details.others_present, MAX_LONG_TEXT, "Who else was there"),
        "wishes_feelings": (details.wishes_feelings, MAX_LONG_TEXT, "Wishes and feelings"),
        "worries": (details.worries, MAX_LONG_TEXT, "Worries"),
        "questions": (details.questions, MAX_LONG_TEXT, "Questions"),
        "who_to_attend": (details.who_to_attend, MAX_LONG_TEXT, "Who they want there"),
        "how_to_take_part": (details.how_to_take_part, MAX_LONG_TEXT, "How they want to take part"),
        "follow_up": (details.follow_up, MAX_LONG_TEXT, "Follow-up actions"),
    }
    for field, (value, limit, what) in sizes.items():
        if too_long := _text_problem(value, limit, what):
            problems[field] = too_long
    return problems


def _apply_visit(visit: Visit, details: VisitInput) -> None:
    assert details.visit_date is not None
    visit.visit_date = details.visit_date
    visit.visit_time = details.visit_time
    visit.status = details.status
    visit.method = details.method
    visit.location = details.location
    visit.others_present = details.others_present
    visit.seen_alone = details.seen_alone
    visit.wishes_feelings = details.wishes_feelings
    visit.worries = details.worries
    visit.questions = details.questions
    visit.who_to_attend = details.who_to_attend
    visit.how_to_take_part = details.how_to_take_part
    visit.follow_up = details.follow_up
    visit.review_id = details.review_id


def _mark_review_visited(session: Session, visit: Visit) -> None:
    # The "visited before review" flag feeds the figures: a done visit linked to a review sets
    # it, unless the IRO has recorded it either way already.
    if visit.status != "done" or visit.review_id is None:
        return
    review = session.get(Review, visit.review_id)
    if review is None or review.pre_review_contact is not None:
        return
    if review.held_on is None or visit.visit_date <= review.held_on:
        review.pre_review_contact = True
        session.add(review)


def record_visit(
    session: Session, *, child_id: uuid.UUID, details: VisitInput, today: dt.date
) -> Visit:
    """Record a visit or conversation with the child (or plan one).

    Raises:
        ValidationError: with the problems keyed by field.
    """
    child: Child = _get_live(session, Child, child_id, "child")
    details = _clean_visit(details)
    _refuse(
        f"The visit to {child.display_name}",
        visit_problems(session, details, child=child, today=today),
    )
    assert details.visit_date is not None  # checked by visit_problems
    visit = Visit(child_id=child.id, visit_date=details.visit_date)
    _apply_visit(visit, details)
    session.add(visit)
    session.flush()
    _mark_review_visited(session, visit)
    session.flush()
    return visit


def amend_visit(
    session: Session, *, visit_id: uuid.UUID, details: VisitInput, today: dt.date
) -> Visit:
    """Change a visit's record; the history keeps every field's before and after.

    Raises:
        ValidationError: as for ``record_visit``.
    """
    visit: Visit = _get_live(session, Visit, visit_id, "visit")
    child: Child = _get_live(session, Child, visit.child_id, "child")
    details = _clean_visit(details)
    _refuse(
        f"The visit to {child.display_name}",
        visit_problems(session, details, child=child, today=today),
    )
    _apply_visit(visit, details)
    session.add(visit)
    session.flush()
    _mark_review_visited(session, visit)
    session.flush()
    return visit


# ---------------------------------------------------------------------------------------------
# The history of the records, for people to read.

_TABLE_TITLES: dict[str, str] = {
    "child": "Child's details",
    "care_episode": "Episode of care",
    "case_track": "Case track",
    "person": "Person around the child",
    "review": "Review",
    "decision": "Decision",
    "visit": "Visit",
    "qa_tool": "QA tool",
    "challenge": "Challenge",
    "challenge_step": "Challenge step",
    "letter": "Letter",
}

FIELD_LABELS: dict[str, str] = {
    "held_on": "Date held",
    "participation_code": "How the child took part",
    "format": "Format",
    "venue": "Venue",
    "attendees": "Who attended",
    "reports_from": "Reports from",
    "child_chaired": "Child chaired",
    "child_views": "Child's views",
    "iro_summary": "IRO's summary",
    "permanence_status": "Permanence plan",
    "pre_review_contact": "Seen or spoken to before the review",
    "decisions_circulated_on": "Decisions circulated on",
    "record_completed_on": "Record completed on",
    "scheduled_date": "Booked for",
    "scheduled_time": "Time",
    "status": "Status",
    "text": "What will happen",
    "responsible": "Who is responsible",
    "due_on": "By when",
    "done_on": "Done on",
    "note": "Note",
    "visit_date": "Date",
    "visit_time": "Time",
    "method": "How",
    "location": "Where",
    "others_present": "Who else was there",
    "seen_alone": "Seen alone",
    "wishes_feelings": "Wishes and feelings",
    "worries": "Worries",
    "questions": "Questions for the review",
    "who_to_attend": "Who they want there",
    "how_to_take_part": "How they want to take part",
    "follow_up": "Follow-up actions",
    "review_id": "Review",
    "file_removed_at": "Letter file removed",
    "deleted_at": "Deleted",
}

_CODED_FIELDS: dict[tuple[str, str], dict[str, str]] = {
    ("review", "format"): REVIEW_FORMATS,
    ("review", "status"): REVIEW_STATUSES,
    ("review", "permanence_status"): PERMANENCE_STATUSES,
    ("decision", "status"): DECISION_STATUSES,
    ("visit", "status"): VISIT_STATUSES,
    ("visit", "method"): VISIT_METHODS,
}

# Columns that mean nothing to a person reading the history of a new record.
_QUIET_FIELDS = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "deleted_at",
        "updated_by",
        "revision",
        "child_id",
        "track_id",
        "review_id",
        "episode_id",
        "challenge_id",
        "qa_tool_id",
        "allocated_iro_id",
        "covering_iro_id",
        "iro_id",
        "photo",
    }
)


@dataclass(frozen=True)
class ChangeEntry:
    """One line of a record's history: who changed which field, from what to what."""

    changed_at: dt.datetime
    changed_by: str
    table_name: str
    row_id: uuid.UUID
    record: str
    action: str
    field: str
    field_label: str
    before: str
    after: str


def field_label(field: str) -> str:
    """The words for a column in the history."""
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def display_value(table: str, field: str, value: Any) -> str:
    """A stored value as people read it: dates '4 Jan 2027', Yes/No, labels for codes."""
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field == "participation_code" and value in PARTICIPATION:
        return participation_label(value)
    coded = _CODED_FIELDS.get((table, field))
    if coded is not None:
        return label(coded, str(value))
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return format_date(dt.date.fromisoformat(value))
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", value):
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return stamp.astimezone().strftime("%d %b %Y %H:%M").lstrip("0")
    return str(value)


def _record_names(session: Session, rows: Sequence[ChangeLog]) -> dict[uuid.UUID, str]:
    names: dict[uuid.UUID, str] = {}
    ids_by_table: dict[str, set[uuid.UUID]] = {}
    for row in rows:
        ids_by_table.setdefault(row.table_name, set()).add(row.row_id)
    tracks: dict[uuid.UUID, CaseTrack] = {}
    reviews = _load(session, Review, ids_by_table.get("review", set()))
    track_ids = {r.track_id for r in reviews.values()}
    if track_ids:
        tracks = _load(session, CaseTrack, track_ids)
    for review_id, review in reviews.items():
        names[review_id] = describe_review(review, tracks.get(review.track_id))
    for decision_id, decision in _load(
        session, Decision, ids_by_table.get("decision", set())
    ).items():
        text = decision.text if len(decision.text) <= 50 else decision.text[:49] + "…"
        names[decision_id] = f"Decision: {text}"
    for visit_id, visit in _load(session, Visit, ids_by_table.get("visit", set())).items():
        names[visit_id] = f"Visit {format_date(visit.visit_date)}"
    return names


def _load(session: Session, model: type[Any], ids: set[uuid.UUID]) -> dict[uuid.UUID, Any]:
    if not ids:
        return {}
    return {r.id: r for r in session.exec(select(model).where(model.id.in_(ids))).all()}


def change_history(
    session: Session, *, child_id: uuid.UUID | None = None, row_id: uuid.UUID | None = None
) -> list[ChangeEntry]:
    """The history of one child's records (or of one record), newest first, a line per field.

    A new record is one line summing up what it was created with; a change is one line per
    field changed, with the value before and after.
    """
    if child_id is None and row_id is None:
        raise ValueError("change_history needs a child_id or a row_id")
    query = select(ChangeLog)
    if child_id is not None:
        query = query.where(ChangeLog.child_id == child_id)
    if row_id is not None:
        query = query.where(ChangeLog.row_id == row_id)
    rows = list(session.exec(query).all())
    rows.sort(key=lambda r: r.changed_at, reverse=True)
    names = _record_names(session, rows)
    entries: list[ChangeEntry] = []
    for row in rows:
        title = names.get(row.row_id, _TABLE_TITLES.get(row.table_name, row.table_name))
        before: dict[str, Any] = json.loads(row.before_json or "{}")
        after: dict[str, Any] = json.loads(row.after_json or "{}")

        if row.action == "create":
            summary = "; ".join(
                f"{field_label(k)}: {_short(display_value(row.table_name, k, v))}"
                for k, v in after.items()
                if k not in _QUIET_FIELDS and v not in (None, "", False)
            )
            entries.append(_entry(row, title, "", "", f"Created. {summary}".strip()))
            continue
        if row.action in ("delete", "restore"):
            gone = "Deleted" if row.action == "delete" else "Restored"
            entries.append(_entry(row, title, "", "", gone))
            others = {k: v for k, v in after.items() if k != "deleted_at"}
        else:
            others = after
        for field, new in others.items():
            entries.append(
                _entry(
                    row,
                    title,
                    field,
                    display_value(row.table_name, field, before.get(field)),
                    display_value(row.table_name, field, new),
                )
            )
    return entries


def _entry(row: ChangeLog, title: str, field: str, before: str, after: str) -> ChangeEntry:
    return ChangeEntry(
        changed_at=row.changed_at,
        changed_by=row.changed_by,
        table_name=row.table_name,
        row_id=row.row_id,
        record=title,
        action=row.action,
        field=field,
        field_label=field_label(field) if field else "",
        before=before,
        after=after,
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
