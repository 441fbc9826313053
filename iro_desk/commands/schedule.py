"""``iro-desk due``, ``book``, ``reschedule``, ``stand-down``, ``cancel-review`` and ``ics``.

Thin faces on iro_desk.schedule, iro_desk.booking and iro_desk.ics_export; docs/due-and-calendar.md
describes them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import uuid
from pathlib import Path

from sqlmodel import Session

from iro_desk.booking import (
    LateBookingError,
    book_review,
    booked_review,
    cancel_review,
    open_tracks_for_child,
    reschedule_review,
    stand_down_review,
)
from iro_desk.clock import Clock
from iro_desk.commands._common import open_store, parse_date, print_json
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.ics_export import export_ics
from iro_desk.models import CaseTrack, Child, Review
from iro_desk.schedule import STATUSES, DueItem, day_text, due_items, next_deadline_for_track
from iro_desk.settings import load_settings
from iro_desk.vocab import REVIEW_FORMATS, TRACK_KINDS


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the scheduling commands."""
    today_help = "the day to count from, YYYY-MM-DD (default: today)"

    due = subparsers.add_parser(
        "due",
        parents=[common],
        help="list reviews, visits, decisions, paperwork and challenge replies that are due",
        description="List what is due on the caseload, overdue first. --from and --to keep the "
        "items whose deadline or booked date falls in the range.",
    )
    due.add_argument("--from", dest="start", metavar="DATE", help="from this day (YYYY-MM-DD)")
    due.add_argument("--to", dest="end", metavar="DATE", help="up to this day (YYYY-MM-DD)")
    due.add_argument("--today", metavar="DATE", help=today_help)
    due.add_argument("--json", action="store_true", help="print a JSON array")
    due.set_defaults(func=_due)

    book = subparsers.add_parser(
        "book",
        parents=[common],
        help="book the next review of a child's case track",
        description="Book the next review. A date after the statutory deadline needs "
        "--late-reason; a track with a booked review is moved with 'reschedule'.",
    )
    _add_target(book, review=False)
    book.add_argument("--date", required=True, metavar="DATE", help="the day (YYYY-MM-DD)")
    _add_details(book)
    book.add_argument("--today", metavar="DATE", help=today_help)
    book.set_defaults(func=_book)

    move = subparsers.add_parser(
        "reschedule",
        parents=[common],
        help="move a booked review to another date",
        description="Move a booked review. Time, venue and format stay as they were unless "
        "given. A date after the statutory deadline needs --late-reason.",
    )
    _add_target(move, review=True)
    move.add_argument("--date", required=True, metavar="DATE", help="the new day (YYYY-MM-DD)")
    _add_details(move, keep=True)
    move.add_argument("--today", metavar="DATE", help=today_help)
    move.set_defaults(func=_reschedule)

    for name, what, status in (
        ("stand-down", "stand a booked review down: it is no longer needed", "stood_down"),
        ("cancel-review", "cancel a booked review: it will not happen on that date", "cancelled"),
    ):
        call_off = subparsers.add_parser(name, parents=[common], help=what, description=what)
        _add_target(call_off, review=True)
        call_off.add_argument("--reason", required=True, help="why (kept with the record)")
        call_off.add_argument("--json", action="store_true", help="print the review as JSON")
        call_off.add_argument("--today", metavar="DATE", help=today_help)
        call_off.set_defaults(func=_call_off, status=status)

    ics = subparsers.add_parser(
        "ics",
        parents=[common],
        help="write booked reviews and planned visits as an iCalendar file (for Outlook)",
        description="Write booked reviews and planned visits from today on as an .ics file. "
        "Importing a newer file updates the events (stable UIDs). Events name the child only "
        "as the ics_detail setting allows (default: initials and child ID).",
    )
    ics.add_argument("--out", required=True, metavar="FILE.ics", help="the file to write")
    ics.add_argument("--today", metavar="DATE", help=today_help)
    ics.set_defaults(func=_ics)


def _add_target(parser: argparse.ArgumentParser, *, review: bool) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--child", metavar="CHILD_REF", help="the council's child ID")
    if review:
        which.add_argument("--review", metavar="REVIEW_ID", help="the booked review's id")
    else:
        which.add_argument("--track", metavar="TRACK_ID", help="a case track's id (households)")
    parser.add_argument(
        "--kind",
        default="cla",
        choices=sorted(TRACK_KINDS),
        help="with --child: which of the child's tracks (default cla)",
    )


def _add_details(parser: argparse.ArgumentParser, *, keep: bool = False) -> None:
    default = "unchanged" if keep else "none"
    parser.add_argument("--time", metavar="HH:MM", help=f"start time, 24-hour ({default})")
    parser.add_argument("--venue", help=f"where ({default})")
    parser.add_argument(
        "--format",
        choices=sorted(REVIEW_FORMATS),
        help=f"in_person, online or hybrid ({'unchanged' if keep else 'in_person'})",
    )
    parser.add_argument(
        "--late-reason",
        metavar="REASON",
        help="why the review has to be after its statutory deadline (needed if it is)",
    )
    parser.add_argument("--json", action="store_true", help="print the review as JSON")


def _today(args: argparse.Namespace) -> dt.date:
    return parse_date(args.today, "--today") if args.today else Clock().today()


def _id(text: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise ValidationError(f"{what}: {text!r} is not a record id.") from exc


# -- due ----------------------------------------------------------------------------------------

_STATUS_WORDS = {
    "overdue": "OVERDUE",
    "due_soon": "due soon",
    "scheduled": "booked",
    "upcoming": "upcoming",
}


def _due(args: argparse.Namespace) -> int:
    today = _today(args)
    start = parse_date(args.start, "--from") if args.start else None
    end = parse_date(args.end, "--to") if args.end else None
    with open_store(args) as store, store.session() as session:
        settings = load_settings(session)
        items = due_items(session, today=today, settings=settings, start=start, end=end)
    if args.json:
        print_json([item.to_json() for item in items])
    else:
        print(format_due_table(items, today))
    return 0


def _cell(day: dt.date | None) -> str:
    return day.isoformat() if day else "-"


def format_due_table(items: list[DueItem], today: dt.date) -> str:
    """The due items as a plain-text table, overdue first, with a count per status."""
    if not items:
        return f"Nothing is due (today is {day_text(today)})."
    header = ("STATUS", "DEADLINE", "TARGET", "BOOKED", "CHILD ID", "NAME", "WHAT")
    rows = [
        (
            _STATUS_WORDS[item.status],
            _cell(item.deadline),
            _cell(item.target),
            _cell(item.scheduled),
            item.child_id or "-",
            item.child_name,
            item.kind_label,
        )
        for item in items
    ]
    widths = [max(len(row[col]) for row in (header, *rows)) for col in range(len(header) - 1)]
    lines = []
    for row in (header, *rows):
        cells = [text.ljust(width) for text, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]))
    counts = {status: 0 for status in STATUSES}
    for item in items:
        counts[item.status] += 1
    summary = ", ".join(f"{count} {_STATUS_WORDS[status]}" for status, count in counts.items())
    lines.append("")
    lines.append(f"Today is {day_text(today)}: {summary}.")
    return "\n".join(lines)


# -- booking ------------------------------------------------------------------------------------


def _track_for(session: Session, args: argparse.Namespace, today: dt.date) -> CaseTrack:
    if getattr(args, "track", None):
        track = session.get(CaseTrack, _id(args.track, "--track"))
        if track is None or track.deleted_at is not None:
            raise IroDeskError(f"There is no case track {args.track} in this caseload.")
        return track
    child, tracks = open_tracks_for_child(
        session, child_ref=args.child, today=today, kind=args.kind
    )
    if not tracks:
        kind = TRACK_KINDS[args.kind].lower()
        raise IroDeskError(
            f"{child.child_ref} has no open {kind} track. Choose another with --kind, or open "
            "the track in the app first."
        )
    if len(tracks) > 1:
        ids = ", ".join(str(track.id) for track in tracks)
        raise IroDeskError(
            f"{child.child_ref} has {len(tracks)} open {args.kind} tracks ({ids}); book the "
            "right one with --track."
        )
    return tracks[0]


def _booked_for(session: Session, args: argparse.Namespace, today: dt.date) -> Review:
    if args.review:
        review = session.get(Review, _id(args.review, "--review"))
        if review is None or review.deleted_at is not None:
            raise IroDeskError(f"There is no review {args.review} in this caseload.")
        return review
    track = _track_for(session, args, today)
    review = booked_review(session, track.id)
    if review is None:
        raise IroDeskError(
            f"{args.child} has no {args.kind} review booked; book one with 'iro-desk book'."
        )
    return review


def _describe(session: Session, review: Review) -> str:
    track = session.get(CaseTrack, review.track_id)
    kind = TRACK_KINDS.get(track.kind, track.kind) if track else "Review"
    who = track.household_name if track else ""
    if review.child_id is not None:
        child = session.get(Child, review.child_id)
        who = f"{child.child_ref} {child.display_name}" if child else who
    when = day_text(review.scheduled_date) if review.scheduled_date else "no date"
    return f"{kind} for {who} on {when} {review.scheduled_time}".rstrip()


def _review_json(review: Review, deadline: dt.date | None) -> dict[str, object]:
    return {
        "review_id": str(review.id),
        "track_id": str(review.track_id),
        "status": review.status,
        "scheduled": review.scheduled_date.isoformat() if review.scheduled_date else None,
        "time": review.scheduled_time,
        "venue": review.venue,
        "format": review.format,
        "deadline": deadline.isoformat() if deadline else None,
        "late_reason": review.late_reason,
        "cancel_reason": review.cancel_reason,
    }


def _late_hint(exc: LateBookingError) -> int:
    print(f"iro-desk: {exc}", file=sys.stderr)
    print('iro-desk: to book it anyway, add --late-reason "...".', file=sys.stderr)
    return 2


def _report(session: Session, review: Review, args: argparse.Namespace, verb: str) -> str:
    """What to print once the change is committed."""
    settings = load_settings(session)
    deadline = None
    if review.status == "booked":
        deadline = next_deadline_for_track(session, track_id=review.track_id, settings=settings)
    if args.json:
        return json.dumps(_review_json(review, deadline), indent=2, ensure_ascii=False)
    line = f"{verb}: {_describe(session, review)}"
    if deadline is not None:
        line += f" (statutory deadline {day_text(deadline)})"
    line += "."
    if review.late_reason:
        line += f"\n  Out of timescale; reason recorded: {review.late_reason}"
    return line


def _book(args: argparse.Namespace) -> int:
    today = _today(args)
    when = parse_date(args.date, "--date")
    with open_store(args) as store:
        try:
            with store.session() as session:
                settings = load_settings(session)
                track = _track_for(session, args, today)
                review = book_review(
                    session,
                    track_id=track.id,
                    date=when,
                    time=args.time or "",
                    venue=args.venue or "",
                    format=args.format or "in_person",
                    today=today,
                    settings=settings,
                    late_reason=args.late_reason,
                )
                text = _report(session, review, args, "Booked")
        except LateBookingError as exc:
            return _late_hint(exc)
    print(text)
    return 0


def _reschedule(args: argparse.Namespace) -> int:
    today = _today(args)
    when = parse_date(args.date, "--date")
    with open_store(args) as store:
        try:
            with store.session() as session:
                settings = load_settings(session)
                review = _booked_for(session, args, today)
                review = reschedule_review(
                    session,
                    review_id=review.id,
                    date=when,
                    today=today,
                    settings=settings,
                    time=args.time,
                    venue=args.venue,
                    format=args.format,
                    late_reason=args.late_reason,
                )
                text = _report(session, review, args, "Moved")
        except LateBookingError as exc:
            return _late_hint(exc)
    print(text)
    return 0


def _call_off(args: argparse.Namespace) -> int:
    today = _today(args)
    with open_store(args) as store, store.session() as session:
        review = _booked_for(session, args, today)
        if args.status == "stood_down":
            review = stand_down_review(session, review_id=review.id, reason=args.reason)
            verb = "Stood down"
        else:
            review = cancel_review(session, review_id=review.id, reason=args.reason)
            verb = "Cancelled"
        text = _report(session, review, args, verb)
    print(text)
    return 0


# -- ics ----------------------------------------------------------------------------------------


def _ics(args: argparse.Namespace) -> int:
    today = _today(args)
    out = Path(args.out).expanduser()
    with open_store(args) as store, store.session() as session:
        settings = load_settings(session)
        count = export_ics(session, out, today=today, settings=settings)
    print(f"Wrote {count} event{'s' if count != 1 else ''} to {out}.")
    return 0
