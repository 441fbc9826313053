"""Booking reviews: schedule, reschedule, stand down or cancel, with the deadline check.

A track has at most one booked review at a time; to move it, reschedule it. A booking must
not be in the past (record a held review instead), and a booking after the statutory deadline
is refused unless the IRO gives a reason (the app asks them to confirm first): it will be out
of timescale, and the reason goes in the record. Every change goes through the session, so
the caseload's history keeps who changed what.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlmodel import Session, select

from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import CareEpisode, CaseTrack, Child, Review
from iro_desk.schedule import day_text, next_deadline_for_track
from iro_desk.settings import Settings
from iro_desk.vocab import REVIEW_FORMATS, TRACK_KINDS

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class LateBookingError(ValidationError):
    """A booking after the statutory deadline with no reason given: confirm and give one."""

    def __init__(self, *, when: dt.date, deadline: dt.date) -> None:
        super().__init__(
            f"{day_text(when)} is after the statutory deadline, {day_text(deadline)}: the review "
            "would be out of timescale. Book an earlier date, or give the reason it has to be "
            "late.",
            {"late_reason": "needed when a review is booked after its deadline"},
        )
        self.when = when
        self.deadline = deadline


def _check_details(
    *, when: dt.date, time: str, format: str, today: dt.date, problems: dict[str, str]
) -> None:
    if when < today:
        problems["date"] = (
            f"{day_text(when)} is in the past; a review that has happened is recorded as held"
        )
    if time and not _TIME.match(time):
        problems["time"] = f"{time!r} is not a time; write it as HH:MM (24-hour), e.g. 10:30"
    if format not in REVIEW_FORMATS:
        problems["format"] = f"{format!r} is not one of: {', '.join(REVIEW_FORMATS)}"


def _late_reason(
    session: Session,
    *,
    track_id: uuid.UUID,
    when: dt.date,
    settings: Settings,
    late_reason: str | None,
) -> str:
    """The reason to store: "" when in time; refuse a late booking without a reason."""
    deadline = next_deadline_for_track(session, track_id=track_id, settings=settings)
    if when <= deadline:
        return ""
    reason = (late_reason or "").strip()
    if not reason:
        raise LateBookingError(when=when, deadline=deadline)
    return reason


def _open_track(session: Session, track_id: uuid.UUID, when: dt.date) -> CaseTrack:
    track = session.get(CaseTrack, track_id)
    if track is None or track.deleted_at is not None:
        raise IroDeskError("That case track is not in this caseload (it may have been deleted).")
    if track.child_id is not None:
        child = session.get(Child, track.child_id)
        if child is None or child.deleted_at is not None:
            raise IroDeskError("That child's record has been deleted; nothing was booked.")
    ends = [track.end_date]
    if track.kind == "cla" and track.episode_id is not None:
        episode = session.get(CareEpisode, track.episode_id)
        if episode is not None and episode.deleted_at is None:
            ends.append(episode.end_date)
    for end in ends:
        if end is not None and end < when:
            raise ValidationError(
                f"This {TRACK_KINDS.get(track.kind, track.kind).lower()} track ends on "
                f"{day_text(end)}, before {day_text(when)}; no review can be booked after it.",
                {"date": "after the track ends"},
            )
    return track


def booked_review(session: Session, track_id: uuid.UUID) -> Review | None:
    """The review booked on a track now, if any (the earliest, should there be several)."""
    return session.exec(
        select(Review)
        .where(
            Review.track_id == track_id,
            Review.status == "booked",
            Review.deleted_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Review.scheduled_date)  # type: ignore[arg-type]
    ).first()


def book_review(
    session: Session,
    *,
    track_id: uuid.UUID,
    date: dt.date,
    time: str = "",
    venue: str = "",
    format: str = "in_person",
    today: dt.date,
    settings: Settings,
    late_reason: str | None = None,
) -> Review:
    """Book the next review on a track.

    Raises:
        ValidationError: the date is in the past, a detail is not valid, the track already has
            a booked review, or the track ends first.
        LateBookingError: the date is after the statutory deadline and no reason was given.
    """
    problems: dict[str, str] = {}
    _check_details(when=date, time=time, format=format, today=today, problems=problems)
    if problems:
        raise ValidationError("The review cannot be booked as it is.", problems)
    track = _open_track(session, track_id, date)
    existing = booked_review(session, track_id)
    if existing is not None:
        when = day_text(existing.scheduled_date) if existing.scheduled_date else "no date yet"
        raise ValidationError(
            f"This track already has a review booked ({when}). Reschedule that one instead of "
            "booking another.",
            {"date": "a review is already booked"},
        )
    reason = _late_reason(
        session, track_id=track_id, when=date, settings=settings, late_reason=late_reason
    )
    review = Review(
        track_id=track.id,
        child_id=track.child_id,
        status="booked",
        scheduled_date=date,
        scheduled_time=time,
        venue=venue.strip(),
        format=format,
        late_reason=reason,
    )
    session.add(review)
    session.flush()
    return review


def _booked(session: Session, review_id: uuid.UUID) -> Review:
    review = session.get(Review, review_id)
    if review is None or review.deleted_at is not None:
        raise IroDeskError("That review is not in this caseload (it may have been deleted).")
    if review.status != "booked":
        raise ValidationError(
            f"That review is {review.status.replace('_', ' ')}, not booked; only a booked "
            "review can be moved, stood down or cancelled.",
            {"status": review.status},
        )
    return review


def reschedule_review(
    session: Session,
    *,
    review_id: uuid.UUID,
    date: dt.date,
    today: dt.date,
    settings: Settings,
    time: str | None = None,
    venue: str | None = None,
    format: str | None = None,
    late_reason: str | None = None,
) -> Review:
    """Move a booked review to another date (and, if given, time, venue or format).

    The same checks as booking apply: not in the past, and after the deadline only with a
    reason. Moving it back in time clears the late reason.
    """
    review = _booked(session, review_id)
    new_time = review.scheduled_time if time is None else time
    new_format = review.format if format is None else format
    problems: dict[str, str] = {}
    _check_details(when=date, time=new_time, format=new_format, today=today, problems=problems)
    if problems:
        raise ValidationError("The review cannot be moved as asked.", problems)
    _open_track(session, review.track_id, date)
    review.late_reason = _late_reason(
        session, track_id=review.track_id, when=date, settings=settings, late_reason=late_reason
    )
    review.scheduled_date = date
    review.scheduled_time = new_time
    review.format = new_format
    if venue is not None:
        review.venue = venue.strip()
    session.add(review)
    session.flush()
    return review


def _call_off(session: Session, review_id: uuid.UUID, reason: str, status: str) -> Review:
    review = _booked(session, review_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            "Say why the review is not going ahead; the reason is kept with the record.",
            {"reason": "needed"},
        )
    review.status = status
    review.cancel_reason = reason
    session.add(review)
    session.flush()
    return review


def stand_down_review(session: Session, *, review_id: uuid.UUID, reason: str) -> Review:
    """Stand a booked review down: it is no longer needed (e.g. the child has left care)."""
    return _call_off(session, review_id, reason, "stood_down")


def cancel_review(session: Session, *, review_id: uuid.UUID, reason: str) -> Review:
    """Cancel a booked review: it will not happen on that date; the track needs a new booking."""
    return _call_off(session, review_id, reason, "cancelled")


def open_tracks_for_child(
    session: Session, *, child_ref: str, today: dt.date, kind: str | None = None
) -> tuple[Child, list[CaseTrack]]:
    """A child (by the council's ID) and their open case tracks, of one kind if given.

    Open: not deleted, with no end date or one today or later.
    """
    not_deleted = Child.deleted_at.is_(None)  # type: ignore[union-attr]
    child = session.exec(select(Child).where(Child.child_ref == child_ref, not_deleted)).first()
    if child is None:
        raise IroDeskError(f"There is no child with the ID {child_ref!r} in this caseload.")
    query = select(CaseTrack).where(
        CaseTrack.child_id == child.id,
        CaseTrack.deleted_at.is_(None),  # type: ignore[union-attr]
    )
    if kind is not None:
        query = query.where(CaseTrack.kind == kind)
    tracks = [
        track
        for track in session.exec(query).all()
        if track.end_date is None or track.end_date >= today
    ]
    tracks.sort(key=lambda track: track.start_date)
    return child, tracks
