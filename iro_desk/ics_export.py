"""The calendar export: booked reviews and planned visits as an iCalendar file for Outlook.

Each event's UID comes from the record's UUID (``review-<uuid>@iro-desk``,
``visit-<uuid>@iro-desk``) and its SEQUENCE from the record's revision, so importing a newer
export updates the events instead of duplicating them. A review or visit called off after an
export is written again as a cancelled event (STATUS:CANCELLED) so the next import marks it.

Privacy: an event names the child only as much as ``settings.ics_detail`` allows (default:
initials and the council's child ID, never the full name), carries no notes, and names the
venue (which may be the child's home) only when ``settings.ics_include_venue`` is on. Events
are marked CLASS:PRIVATE, and the file is written readable by its owner only.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard
from sqlmodel import Session, select

from iro_desk import __version__
from iro_desk.errors import ValidationError
from iro_desk.files import atomic_write_bytes
from iro_desk.models import CaseTrack, Child, Review, Visit
from iro_desk.schedule import day_text, review_items
from iro_desk.settings import Settings
from iro_desk.vocab import REVIEW_FORMATS, TRACK_KINDS, VISIT_METHODS

# How long the events last in the calendar (a review meeting; a visit to the child).
REVIEW_MINUTES = 90
VISIT_MINUTES = 60
TIMEZONE = "Europe/London"  # every UK nation's clock
DETAIL_LEVELS = ("initials", "first_name", "full_name")
_HOUSEHOLD_FILLER = frozenset({"the", "household", "family", "and", "&"})


@dataclass(frozen=True)
class CalendarEvent:
    """One event for the calendar file, already stripped to what the settings allow."""

    uid: str
    summary: str
    description: str
    location: str
    day: dt.date
    time: str
    minutes: int
    cancelled: bool
    sequence: int
    stamp: dt.datetime


def _initials(name: str, *, household: bool = False) -> str:
    words = re.findall(r"[^\W\d_][\w'’-]*", name)
    if household:
        words = [word for word in words if word.casefold() not in _HOUSEHOLD_FILLER] or words
    return "".join(f"{word[0].upper()}." for word in words)


def _who_child(child: Child, detail: str) -> str:
    if detail == "full_name":
        shown = child.display_name
    elif detail == "first_name":
        shown = child.letter_name
    else:
        shown = _initials(child.display_name)
    return f"{shown} ({child.child_ref})" if shown else child.child_ref


def _who_household(name: str, detail: str) -> str:
    if detail == "initials":
        return f"{_initials(name, household=True)} household"
    return name


def _check_detail(settings: Settings) -> str:
    if settings.ics_detail not in DETAIL_LEVELS:
        raise ValidationError(
            f"The calendar export setting ics_detail is {settings.ics_detail!r}; it must be one "
            f"of {', '.join(DETAIL_LEVELS)}. Nothing was exported.",
            {"ics_detail": "unknown level"},
        )
    return settings.ics_detail


def _valid_time(text: str) -> str:
    return text if re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text or "") else ""


def calendar_events(session: Session, *, today: dt.date, settings: Settings) -> list[CalendarEvent]:
    """Booked reviews and planned visits from ``today`` on, and those called off since.

    Reviews of deleted tracks and anything of a deleted child are left out.
    """
    detail = _check_detail(settings)
    deadlines = {
        item.review_id: item.deadline
        for item in review_items(session, today=today, settings=settings)
        if item.review_id is not None
    }
    children = {
        child.id: child
        for child in session.exec(
            select(Child).where(Child.deleted_at.is_(None))  # type: ignore[union-attr]
        ).all()
    }
    events: list[CalendarEvent] = []
    reviews = session.exec(
        select(Review, CaseTrack)
        .join(CaseTrack, CaseTrack.id == Review.track_id)  # type: ignore[arg-type]
        .where(
            Review.deleted_at.is_(None),  # type: ignore[union-attr]
            CaseTrack.deleted_at.is_(None),  # type: ignore[union-attr]
            Review.status.in_(("booked", "cancelled", "stood_down")),  # type: ignore[attr-defined]
            Review.scheduled_date >= today,  # type: ignore[operator]
        )
    ).all()
    for review, track in reviews:
        if track.child_id is not None:
            child = children.get(track.child_id)
            if child is None:
                continue
            who = _who_child(child, detail)
        else:
            who = _who_household(track.household_name, detail)
        if review.scheduled_date is None:
            continue
        cancelled = review.status != "booked"
        kind = TRACK_KINDS.get(track.kind, track.kind)
        lines = [f"{kind}, booked in IRO Desk."]
        lines.append(f"Format: {REVIEW_FORMATS.get(review.format, review.format)}.")
        deadline = deadlines.get(review.id)
        if deadline is not None and not cancelled:
            lines.append(f"Statutory deadline: {day_text(deadline)}.")
        if cancelled:
            lines.append("This review is not going ahead.")
        events.append(
            CalendarEvent(
                uid=event_uid("review", review.id),
                summary=("Cancelled: " if cancelled else "") + f"{kind}: {who}",
                description="\n".join(lines),
                location=review.venue if settings.ics_include_venue else "",
                day=review.scheduled_date,
                time=_valid_time(review.scheduled_time),
                minutes=REVIEW_MINUTES,
                cancelled=cancelled,
                sequence=review.revision,
                stamp=review.updated_at,
            )
        )
    visits = session.exec(
        select(Visit).where(
            Visit.deleted_at.is_(None),  # type: ignore[union-attr]
            Visit.status.in_(("planned", "cancelled")),  # type: ignore[attr-defined]
            Visit.visit_date >= today,  # type: ignore[operator]
        )
    ).all()
    for visit in visits:
        child = children.get(visit.child_id)
        if child is None:
            continue
        cancelled = visit.status != "planned"
        method = VISIT_METHODS.get(visit.method, visit.method)
        lines = ["Pre-review visit, planned in IRO Desk.", f"How: {method}."]
        if cancelled:
            lines.append("This visit is not going ahead.")
        events.append(
            CalendarEvent(
                uid=event_uid("visit", visit.id),
                summary=("Cancelled: " if cancelled else "")
                + f"Pre-review visit: {_who_child(child, detail)}",
                description="\n".join(lines),
                location=visit.location if settings.ics_include_venue else "",
                day=visit.visit_date,
                time=_valid_time(visit.visit_time),
                minutes=VISIT_MINUTES,
                cancelled=cancelled,
                sequence=visit.revision,
                stamp=visit.updated_at,
            )
        )
    events.sort(key=lambda event: (event.day, event.time, event.uid))
    return events


def _london_timezone() -> Timezone:
    # The rules of Europe/London written once with RRULEs: the compact form Outlook expects.
    zone = Timezone()
    zone.add("tzid", TIMEZONE)
    standard = TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 10, 25, 2, 0))
    standard.add("tzoffsetfrom", dt.timedelta(hours=1))
    standard.add("tzoffsetto", dt.timedelta(hours=0))
    standard.add("tzname", "GMT")
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    daylight = TimezoneDaylight()
    daylight.add("dtstart", dt.datetime(1970, 3, 29, 1, 0))
    daylight.add("tzoffsetfrom", dt.timedelta(hours=0))
    daylight.add("tzoffsetto", dt.timedelta(hours=1))
    daylight.add("tzname", "BST")
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    zone.add_component(standard)
    zone.add_component(daylight)
    return zone


def _event(item: CalendarEvent, settings: Settings) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.stamp.astimezone(dt.UTC))
    event.add("last-modified", item.stamp.astimezone(dt.UTC))
    event.add("sequence", item.sequence)
    event.add("summary", item.summary)
    event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.time:
        hour, minute = (int(part) for part in item.time.split(":"))
        start = dt.datetime.combine(item.day, dt.time(hour, minute))
        end = start + dt.timedelta(minutes=item.minutes)
        event.add("dtstart", start, parameters={"TZID": TIMEZONE})
        event.add("dtend", end, parameters={"TZID": TIMEZONE})
    else:
        event.add("dtstart", item.day)
        event.add("dtend", item.day + dt.timedelta(days=1))
    event.add("class", "PRIVATE")
    event.add("categories", ["IRO Desk"])
    if item.cancelled:
        event.add("status", "CANCELLED")
        event.add("transp", "TRANSPARENT")
        return event
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    if settings.ics_reminder_minutes > 0:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.summary)
        alarm.add("trigger", dt.timedelta(minutes=-settings.ics_reminder_minutes))
        event.add_component(alarm)
    return event


def calendar_bytes(events: list[CalendarEvent], settings: Settings) -> bytes:
    """The events as an iCalendar (RFC 5545) file."""
    calendar = Calendar()
    calendar.add("prodid", f"-//IRO Desk//iro-desk {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "IRO Desk")
    if any(event.time for event in events):
        calendar.add_component(_london_timezone())
    for item in events:
        calendar.add_component(_event(item, settings))
    return calendar.to_ical()


def export_ics(session: Session, path: Path, *, today: dt.date, settings: Settings) -> int:
    """Write the calendar file at ``path`` (atomically, owner-only); returns the event count."""
    events = calendar_events(session, today=today, settings=settings)
    atomic_write_bytes(Path(path), calendar_bytes(events, settings), private=True)
    return len(events)


def event_uid(kind: str, record_id: uuid.UUID) -> str:
    """The UID a review's or visit's event carries (``kind`` is 'review' or 'visit')."""
    return f"{kind}-{record_id}@iro-desk"
