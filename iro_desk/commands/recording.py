"""``iro-desk review|decision|visit ...``: record reviews, decisions, paperwork and visits.

Thin: the rules live in ``iro_desk.recording``; this module parses, calls and prints. Every
``--id``/``--review`` takes a whole id or a unique prefix of at least 8 characters. The
arguments are documented in docs/recording.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from iro_desk import recording as core
from iro_desk.clock import Clock
from iro_desk.commands._common import open_store, parse_date, print_json
from iro_desk.errors import ValidationError
from iro_desk.models import CaseTrack, Decision, Review, Visit
from iro_desk.vocab import (
    PARTICIPATION,
    PERMANENCE_STATUSES,
    REVIEW_FORMATS,
    REVIEW_STATUSES,
    TRACK_KINDS,
    VISIT_METHODS,
    VISIT_STATUSES,
    code_for,
    label,
)

MIN_ID_PREFIX = 8

if TYPE_CHECKING:
    _Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def register(subparsers: _Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the ``review``, ``decision`` and ``visit`` commands."""
    # --db belongs to each action, not the group: argparse would let an action's default
    # silently replace a --db given before the action's name.
    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--today", metavar="DATE", help="treat DATE as today (YYYY-MM-DD)")
    dated.add_argument("--json", action="store_true", help="print the result as JSON")
    _register_review(subparsers, common, dated)
    _register_decision(subparsers, common, dated)
    _register_visit(subparsers, common, dated)


def _group(subparsers: _Subparsers, name: str, text: str) -> Any:
    group = subparsers.add_parser(name, help=text, description=text)

    def show_help(_args: argparse.Namespace) -> int:
        group.print_help()
        return 2

    group.set_defaults(func=show_help)
    return group.add_subparsers(dest=f"{name}_command", metavar="ACTION")


def _register_review(
    subparsers: _Subparsers,
    common: argparse.ArgumentParser,
    dated: argparse.ArgumentParser,
) -> None:
    actions = _group(subparsers, "review", "record reviews as held and list them")
    add = actions.add_parser(
        "add",
        parents=[common, dated],
        help="record a review as held (the booked one, or a new one)",
        description="Record a review as held. The child's next booked review of that kind is "
        "recorded as held; with nothing booked a new held review is added.",
    )
    add.add_argument("--child", required=True, metavar="CHILD_REF", help="the child's ID")
    add.add_argument(
        "--kind", default="cla", choices=list(TRACK_KINDS), help="kind of review (default cla)"
    )
    add.add_argument("--review", metavar="ID", help="the booked review to record as held")
    add.add_argument("--held-on", required=True, metavar="DATE", help="date held (YYYY-MM-DD)")
    add.add_argument(
        "--code", metavar="PN0..PN7", help="participation code (default PN0 for a child under 4)"
    )
    add.add_argument("--format", default="in_person", choices=list(REVIEW_FORMATS))
    add.add_argument("--venue", default="", help="where it was held")
    add.add_argument("--attendees", default="", metavar="TEXT", help="who attended")
    add.add_argument("--reports-from", default="", metavar="TEXT", help="who sent reports")
    add.add_argument("--child-chaired", action="store_true", help="the child chaired it")
    add.add_argument("--child-views", default="", metavar="TEXT", help="the child's views")
    add.add_argument("--summary", default="", metavar="TEXT", help="the IRO's summary")
    add.add_argument("--permanence", default="", choices=["", *PERMANENCE_STATUSES])
    add.add_argument(
        "--pre-review-contact",
        choices=["yes", "no"],
        help="the IRO saw or spoke to the child before the review",
    )
    add.add_argument(
        "--decision",
        action="append",
        default=[],
        metavar="TEXT|WHO|YYYY-MM-DD",
        help="a decision: what will happen, who is responsible, by when (repeat for more)",
    )
    add.set_defaults(func=_review_add)

    listing = actions.add_parser("list", parents=[common, dated], help="a child's reviews")
    listing.add_argument("--child", required=True, metavar="CHILD_REF", help="the child's ID")
    listing.set_defaults(func=_review_list)

    paperwork = actions.add_parser(
        "paperwork",
        parents=[common, dated],
        help="record when the decisions were circulated and the record completed",
    )
    paperwork.add_argument("--id", required=True, metavar="ID", help="the review")
    paperwork.add_argument("--circulated", metavar="DATE", help="decisions circulated on")
    paperwork.add_argument("--completed", metavar="DATE", help="full record completed on")
    paperwork.add_argument(
        "--clear",
        action="append",
        default=[],
        choices=["circulated", "completed"],
        help="remove a date entered by mistake",
    )
    paperwork.set_defaults(func=_review_paperwork)


def _register_decision(
    subparsers: _Subparsers,
    common: argparse.ArgumentParser,
    dated: argparse.ArgumentParser,
) -> None:
    actions = _group(subparsers, "decision", "review decisions: list, done, no longer needed")
    listing = actions.add_parser(
        "list", parents=[common, dated], help="a child's decisions, overdue marked"
    )
    listing.add_argument("--child", required=True, metavar="CHILD_REF", help="the child's ID")
    listing.add_argument("--open", action="store_true", help="only decisions still open")
    listing.set_defaults(func=_decision_list)

    done = actions.add_parser("done", parents=[common, dated], help="mark a decision done")
    done.add_argument("--id", required=True, metavar="ID", help="the decision")
    done.add_argument("--on", required=True, metavar="DATE", help="the day it was done")
    done.add_argument("--note", default="", metavar="TEXT", help="how it was done")
    done.set_defaults(func=_decision_done)

    drop = actions.add_parser(
        "drop", parents=[common, dated], help="mark a decision no longer needed"
    )
    drop.add_argument("--id", required=True, metavar="ID", help="the decision")
    drop.add_argument("--reason", required=True, metavar="TEXT", help="why it is not needed")
    drop.set_defaults(func=_decision_drop)


def _register_visit(
    subparsers: _Subparsers,
    common: argparse.ArgumentParser,
    dated: argparse.ArgumentParser,
) -> None:
    actions = _group(subparsers, "visit", "pre-review visits and conversations")
    add = actions.add_parser("add", parents=[common, dated], help="record (or plan) a visit")
    add.add_argument("--child", required=True, metavar="CHILD_REF", help="the child's ID")
    add.add_argument("--date", required=True, metavar="DATE", help="date of the visit")
    add.add_argument("--time", default="", metavar="HH:MM", help="time of the visit")
    add.add_argument("--method", required=True, choices=list(VISIT_METHODS), help="how")
    add.add_argument("--status", default="done", choices=list(VISIT_STATUSES))
    add.add_argument("--location", default="", help="where")
    add.add_argument("--others", default="", metavar="TEXT", help="who else was there")
    add.add_argument("--seen-alone", action="store_true", help="the child was seen alone")
    add.add_argument("--wishes", default="", metavar="TEXT", help="wishes and feelings")
    add.add_argument("--worries", default="", metavar="TEXT", help="the child's worries")
    add.add_argument("--questions", default="", metavar="TEXT", help="questions for the review")
    add.add_argument("--who-to-attend", default="", metavar="TEXT", help="who they want there")
    add.add_argument(
        "--how-to-take-part", default="", metavar="TEXT", help="how they want to take part"
    )
    add.add_argument("--follow-up", default="", metavar="TEXT", help="follow-up actions")
    add.add_argument("--review", metavar="ID", help="the review this visit prepares")
    add.set_defaults(func=_visit_add)

    listing = actions.add_parser("list", parents=[common, dated], help="a child's visits")
    listing.add_argument("--child", required=True, metavar="CHILD_REF", help="the child's ID")
    listing.set_defaults(func=_visit_list)


# --- helpers ------------------------------------------------------------------------------------


def _today(args: argparse.Namespace) -> dt.date:
    return parse_date(args.today, "--today") if args.today else Clock().today()


def _by_id(session: Session, model: type[Any], text: str, what: str) -> Any:
    """A record by its whole id or a unique prefix of at least 8 characters."""
    wanted = text.strip().lower()
    try:
        exact: uuid.UUID | None = uuid.UUID(wanted)
    except ValueError:
        exact = None
    if exact is not None:
        record = session.get(model, exact)
    elif len(wanted) < MIN_ID_PREFIX:
        raise ValidationError(
            f"{text!r} is not a {what} id: give the whole id or its first "
            f"{MIN_ID_PREFIX} characters or more."
        )
    else:
        matches = [
            row
            for row in session.exec(select(model).where(col(model.deleted_at).is_(None))).all()
            if str(row.id).startswith(wanted)
        ]
        if len(matches) > 1:
            raise ValidationError(f"{text!r} matches more than one {what}; give more of the id.")
        record = matches[0] if matches else None
    if record is None or record.deleted_at is not None:
        raise ValidationError(f"There is no {what} with the id {text!r} on this caseload.")
    return record


def parse_decision(text: str, index: int) -> core.DecisionInput:
    """'TEXT|WHO|YYYY-MM-DD' as a decision (the text may itself contain '|')."""
    parts = text.rsplit("|", 2)
    if len(parts) != 3:
        raise ValidationError(
            f"--decision {index + 1} ({text!r}) is not in the form TEXT|WHO|YYYY-MM-DD.",
            {f"decisions.{index}": "not TEXT|WHO|YYYY-MM-DD"},
        )
    what, who, when = (part.strip() for part in parts)
    due_on = parse_date(when, f"--decision {index + 1} date") if when else None
    return core.DecisionInput(text=what, responsible=who, due_on=due_on)


def _participation_code(text: str | None) -> str | None:
    if text is None:
        return None
    return code_for(PARTICIPATION, text) or text.strip().upper()


def _decision_json(decision: Decision, today: dt.date) -> dict[str, Any]:
    return {
        "id": str(decision.id),
        "review_id": str(decision.review_id),
        "text": decision.text,
        "responsible": decision.responsible,
        "due_on": decision.due_on,
        "status": decision.status,
        "done_on": decision.done_on,
        "note": decision.note,
        "overdue": core.is_overdue(decision, today),
        "state": core.decision_state(decision, today),
    }


def _review_json(session: Session, review: Review, today: dt.date) -> dict[str, Any]:
    track = session.get(CaseTrack, review.track_id)
    return {
        "id": str(review.id),
        "track_id": str(review.track_id),
        "kind": track.kind if track else None,
        "status": review.status,
        "scheduled_date": review.scheduled_date,
        "held_on": review.held_on,
        "participation_code": review.participation_code,
        "format": review.format,
        "venue": review.venue,
        "attendees": review.attendees,
        "reports_from": review.reports_from,
        "child_chaired": review.child_chaired,
        "child_views": review.child_views,
        "iro_summary": review.iro_summary,
        "permanence_status": review.permanence_status,
        "pre_review_contact": review.pre_review_contact,
        "decisions_circulated_on": review.decisions_circulated_on,
        "record_completed_on": review.record_completed_on,
        "decisions": [
            _decision_json(d, today) for d in core.decisions_for_review(session, review.id)
        ],
    }


def _visit_json(visit: Visit) -> dict[str, Any]:
    fields = [
        "visit_date",
        "visit_time",
        "status",
        "method",
        "location",
        "others_present",
        "seen_alone",
        "wishes_feelings",
        "worries",
        "questions",
        "who_to_attend",
        "how_to_take_part",
        "follow_up",
    ]
    shown: dict[str, Any] = {"id": str(visit.id)}
    shown |= {name: getattr(visit, name) for name in fields}
    shown["review_id"] = str(visit.review_id) if visit.review_id else None
    return shown


# --- review -------------------------------------------------------------------------------------


def _review_add(args: argparse.Namespace) -> int:
    today = _today(args)
    held_on = parse_date(args.held_on, "--held-on")
    decisions = [parse_decision(text, i) for i, text in enumerate(args.decision)]
    contact = {"yes": True, "no": False}.get(args.pre_review_contact or "")
    with open_store(args) as store, store.session() as session:
        child = core.child_by_ref(session, args.child)
        review_id = None
        track_id = None
        if args.review:
            review = _by_id(session, Review, args.review, "review")
            if review.child_id != child.id:
                raise ValidationError(f"That review is not one of {child.display_name}'s.")
            review_id = review.id
        else:
            track_id = core.track_for_review(
                session, child_id=child.id, kind=args.kind, on_date=held_on
            ).id
        code = _participation_code(args.code)
        if code is None:
            code = core.default_participation_code(child, held_on)
        details = core.ReviewInput(
            held_on=held_on,
            participation_code=code,
            format=args.format,
            venue=args.venue,
            attendees=args.attendees,
            reports_from=args.reports_from,
            child_chaired=args.child_chaired,
            child_views=args.child_views,
            iro_summary=args.summary,
            permanence_status=args.permanence,
            pre_review_contact=contact,
            decisions=decisions,
        )
        saved = core.record_review(
            session, review_id=review_id, track_id=track_id, details=details, today=today
        )
        shown = _review_json(session, saved, today)
    if args.json:
        print_json(shown)
    else:
        count = len(shown["decisions"])
        print(
            f"Recorded the review for {child.display_name} held {core.format_date(held_on)} "
            f"({shown['participation_code']}), {count} decision{'s' if count != 1 else ''}: "
            f"{shown['id']}"
        )
    return 0


def _review_list(args: argparse.Namespace) -> int:
    today = _today(args)
    with open_store(args) as store, store.session() as session:
        child = core.child_by_ref(session, args.child)
        reviews = core.reviews_for_child(session, child.id)
        shown = [_review_json(session, r, today) for r in reviews]
    if args.json:
        print_json(shown)
        return 0
    if not shown:
        print(f"No reviews recorded or booked for {child.display_name}.")
        return 0
    for review in shown:
        when = core.format_date(review["held_on"] or review["scheduled_date"]) or "no date"
        kind = TRACK_KINDS.get(review["kind"] or "", "Review")
        status = label(REVIEW_STATUSES, review["status"])
        code = review["participation_code"]
        took_part = f"  {core.participation_label(code)}" if code in PARTICIPATION else ""
        print(f"{when:<12} {kind:<30} {status:<10} {review['id']}{took_part}")
        for decision in review["decisions"]:
            print(f"    - {decision['text']} ({decision['responsible']}): {decision['state']}")
    return 0


def _review_paperwork(args: argparse.Namespace) -> int:
    today = _today(args)
    with open_store(args) as store, store.session() as session:
        review = _by_id(session, Review, args.id, "review")
        circulated = review.decisions_circulated_on
        completed = review.record_completed_on
        if args.circulated:
            circulated = parse_date(args.circulated, "--circulated")
        if args.completed:
            completed = parse_date(args.completed, "--completed")
        if "circulated" in args.clear:
            circulated = None
        if "completed" in args.clear:
            completed = None
        saved = core.set_paperwork(
            session,
            review_id=review.id,
            decisions_circulated_on=circulated,
            record_completed_on=completed,
            today=today,
        )
        shown = _review_json(session, saved, today)
    if args.json:
        print_json(shown)
    else:
        print(
            "Decisions circulated: "
            f"{core.format_date(saved.decisions_circulated_on) or 'not yet'}; record completed: "
            f"{core.format_date(saved.record_completed_on) or 'not yet'}."
        )
    return 0


# --- decision -----------------------------------------------------------------------------------


def _decision_list(args: argparse.Namespace) -> int:
    today = _today(args)
    with open_store(args) as store, store.session() as session:
        child = core.child_by_ref(session, args.child)
        rows = session.exec(
            select(Decision).where(
                Decision.child_id == child.id, col(Decision.deleted_at).is_(None)
            )
        ).all()
        decisions = sorted(rows, key=lambda d: (d.due_on or dt.date.max, d.created_at))
        if args.open:
            decisions = [d for d in decisions if d.status == "open"]
        shown = [_decision_json(d, today) for d in decisions]
    if args.json:
        print_json(shown)
        return 0
    if not shown:
        print(f"No decisions for {child.display_name}.")
    for decision in shown:
        mark = "OVERDUE " if decision["overdue"] else ""
        print(f"{mark}{decision['text']} ({decision['responsible']}): {decision['state']}")
        print(f"    {decision['id']}")
    return 0


def _decision_done(args: argparse.Namespace) -> int:
    today = _today(args)
    done_on = parse_date(args.on, "--on")
    with open_store(args) as store, store.session() as session:
        decision = _by_id(session, Decision, args.id, "decision")
        saved = core.complete_decision(
            session, decision_id=decision.id, done_on=done_on, today=today, note=args.note
        )
        shown = _decision_json(saved, today)
    if args.json:
        print_json(shown)
    else:
        print(f"{shown['text']}: {shown['state']}.")
    return 0


def _decision_drop(args: argparse.Namespace) -> int:
    today = _today(args)
    with open_store(args) as store, store.session() as session:
        decision = _by_id(session, Decision, args.id, "decision")
        saved = core.drop_decision(
            session, decision_id=decision.id, reason=args.reason, today=today
        )
        shown = _decision_json(saved, today)
    if args.json:
        print_json(shown)
    else:
        print(f"{shown['text']}: {shown['state']} ({shown['note']}).")
    return 0


# --- visit --------------------------------------------------------------------------------------


def _visit_add(args: argparse.Namespace) -> int:
    today = _today(args)
    visit_date = parse_date(args.date, "--date")
    with open_store(args) as store, store.session() as session:
        child = core.child_by_ref(session, args.child)
        review_id = _by_id(session, Review, args.review, "review").id if args.review else None
        details = core.VisitInput(
            visit_date=visit_date,
            visit_time=args.time,
            status=args.status,
            method=args.method,
            location=args.location,
            others_present=args.others,
            seen_alone=args.seen_alone,
            wishes_feelings=args.wishes,
            worries=args.worries,
            questions=args.questions,
            who_to_attend=args.who_to_attend,
            how_to_take_part=args.how_to_take_part,
            follow_up=args.follow_up,
            review_id=review_id,
        )
        saved = core.record_visit(session, child_id=child.id, details=details, today=today)
        shown = _visit_json(saved)
    if args.json:
        print_json(shown)
    else:
        how = label(VISIT_METHODS, saved.method).lower()
        print(
            f"Recorded a {how} visit to {child.display_name} on "
            f"{core.format_date(visit_date)}: {shown['id']}"
        )
    return 0


def _visit_list(args: argparse.Namespace) -> int:
    with open_store(args) as store, store.session() as session:
        child = core.child_by_ref(session, args.child)
        visits = session.exec(
            select(Visit).where(Visit.child_id == child.id, col(Visit.deleted_at).is_(None))
        ).all()
        shown = [_visit_json(v) for v in sorted(visits, key=lambda v: v.visit_date)]
    if args.json:
        print_json(shown)
        return 0
    if not shown:
        print(f"No visits recorded for {child.display_name}.")
    for visit in shown:
        how = label(VISIT_METHODS, visit["method"])
        alone = ", seen alone" if visit["seen_alone"] else ""
        status = label(VISIT_STATUSES, visit["status"])
        print(f"{core.format_date(visit['visit_date']):<12} {how}{alone} ({status}) {visit['id']}")
    return 0
