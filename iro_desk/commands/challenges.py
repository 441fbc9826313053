"""``iro-desk challenge ...``: raise, escalate, answer, resolve, withdraw, list and show challenges.

Thin: the rules live in ``iro_desk.challenges``; this module parses, calls and prints. ``--id``
takes a whole challenge id or a unique prefix of at least 8 characters.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from sqlmodel import select

from iro_desk import challenges as core
from iro_desk.commands._common import open_store, parse_date, print_json
from iro_desk.errors import ValidationError
from iro_desk.models import Child
from iro_desk.settings import load_settings
from iro_desk.vocab import CHALLENGE_STATUSES


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``challenge`` command and its sub-commands."""
    # --db is taken by each action, not by the group: argparse would let an action's default
    # silently replace a --db given before the action's name.
    group = subparsers.add_parser(
        "challenge", help="IRO challenges and the Dispute Resolution Process"
    )
    group.set_defaults(func=lambda _args: group.print_help() or 2)
    actions = group.add_subparsers(dest="challenge_command", metavar="ACTION")

    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--today", metavar="DATE", help="treat DATE as today (YYYY-MM-DD)")

    raise_ = actions.add_parser("raise", parents=[common, dated], help="raise a challenge")
    raise_.add_argument("--child", required=True, metavar="CHILD_REF", help="the child's ID")
    raise_.add_argument("--theme", required=True, help="one of the themes in Settings")
    raise_.add_argument("--issue", required=True, metavar="TEXT", help="the concern in words")
    raise_.add_argument("--outcome", default="", metavar="TEXT", help="the outcome wanted")
    raise_.add_argument("--to-name", default="", metavar="NAME", help="addressed to (name)")
    raise_.add_argument("--to-role", default="", metavar="ROLE",
                        help="addressed to (role; default: the level's role)")
    raise_.add_argument("--level", type=int, default=None, metavar="N",
                        help="starting level (default: the first rung)")
    raise_.add_argument("--track", choices=sorted(core.TRACK_KINDS), default="cla",
                        help="cla (child in care, default) or cp (child protection)")
    raise_.add_argument("--on", metavar="DATE", help="date raised (default: today)")
    raise_.set_defaults(func=_raise)

    escalate = actions.add_parser("escalate", parents=[common, dated],
                                  help="escalate to the next level (or --to-level)")
    escalate.add_argument("--id", required=True, help="challenge id or unique prefix")
    escalate.add_argument("--to-level", type=int, default=None, metavar="N")
    escalate.add_argument("--on", required=True, metavar="DATE")
    escalate.add_argument("--to-name", default="", metavar="NAME")
    escalate.add_argument("--to-role", default="", metavar="ROLE")
    escalate.add_argument("--text", default="", help="why it is escalated")
    escalate.set_defaults(func=_escalate)

    respond = actions.add_parser("respond", parents=[common, dated],
                                 help="record the response at the current level")
    respond.add_argument("--id", required=True)
    respond.add_argument("--on", required=True, metavar="DATE")
    respond.add_argument("--text", required=True)
    respond.add_argument("--unsatisfactory", action="store_true",
                         help="the response does not deal with the concern")
    respond.set_defaults(func=_respond)

    resolve = actions.add_parser("resolve", parents=[common, dated], help="close as resolved")
    resolve.add_argument("--id", required=True)
    resolve.add_argument("--on", required=True, metavar="DATE")
    resolve.add_argument("--outcome", required=True, metavar="TEXT")
    resolve.add_argument("--impact", default="", metavar="TEXT",
                         help="the impact for the child")
    resolve.set_defaults(func=_resolve)

    withdraw = actions.add_parser("withdraw", parents=[common, dated], help="close as withdrawn")
    withdraw.add_argument("--id", required=True)
    withdraw.add_argument("--on", required=True, metavar="DATE")
    withdraw.add_argument("--reason", required=True, metavar="TEXT")
    withdraw.set_defaults(func=_withdraw)

    list_ = actions.add_parser("list", parents=[common, dated], help="list challenges")
    list_.add_argument("--status", choices=sorted(CHALLENGE_STATUSES), default=None)
    list_.add_argument("--json", action="store_true", help="print JSON")
    list_.set_defaults(func=_list)

    show = actions.add_parser("show", parents=[common, dated],
                              help="one challenge with its whole history")
    show.add_argument("--id", required=True)
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=_show)


def _today(args: argparse.Namespace) -> dt.date:
    return parse_date(args.today, "--today") if args.today else dt.date.today()


def _child_by_ref(session: Any, child_ref: str) -> Child:
    child = session.exec(
        select(Child).where(Child.child_ref == child_ref, Child.deleted_at.is_(None))
    ).first()
    if child is None:
        raise ValidationError(
            f"No child with ID {child_ref!r} in this caseload.", {"child": "not found"}
        )
    return child


def _raise(args: argparse.Namespace) -> int:
    today = _today(args)
    raised_on = parse_date(args.on, "--on") if args.on else today
    with open_store(args) as store, store.session() as session:
        settings = load_settings(session)
        child = _child_by_ref(session, args.child)
        challenge = core.raise_challenge(
            session,
            child_id=child.id,
            theme=args.theme,
            issue=args.issue,
            outcome_wanted=args.outcome,
            addressed_to_name=args.to_name,
            addressed_to_role=args.to_role,
            level=args.level,
            raised_on=raised_on,
            today=today,
            settings=settings,
            track_kind=args.track,
        )
        print(
            f"Raised challenge {challenge.id} for {child.child_ref} at "
            f"{core.level_name(settings, challenge.level)}; response due "
            f"{challenge.response_due.isoformat() if challenge.response_due else '—'}."
        )
    return 0


def _escalate(args: argparse.Namespace) -> int:
    today = _today(args)
    on = parse_date(args.on, "--on")
    with open_store(args) as store, store.session() as session:
        settings = load_settings(session)
        challenge = core.find_challenge(session, args.id)
        step = core.escalate(
            session,
            challenge,
            to_level=args.to_level,
            on=on,
            today=today,
            settings=settings,
            addressed_to_name=args.to_name,
            addressed_to_role=args.to_role,
            text=args.text,
        )
        print(
            f"Escalated challenge {challenge.id.hex[:8]} to "
            f"{core.level_name(settings, step.level)}; response due "
            f"{step.response_due.isoformat() if step.response_due else '—'}."
        )
    return 0


def _respond(args: argparse.Namespace) -> int:
    today = _today(args)
    on = parse_date(args.on, "--on")
    with open_store(args) as store, store.session() as session:
        challenge = core.find_challenge(session, args.id)
        core.record_response(
            session, challenge, on=on, text=args.text,
            satisfactory=not args.unsatisfactory, today=today,
        )
        print(f"Recorded the response to challenge {challenge.id.hex[:8]}.")
    return 0


def _resolve(args: argparse.Namespace) -> int:
    today = _today(args)
    on = parse_date(args.on, "--on")
    with open_store(args) as store, store.session() as session:
        challenge = core.find_challenge(session, args.id)
        core.resolve(session, challenge, on=on, outcome=args.outcome, impact=args.impact,
                     today=today)
        print(f"Resolved challenge {challenge.id.hex[:8]}.")
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    today = _today(args)
    on = parse_date(args.on, "--on")
    with open_store(args) as store, store.session() as session:
        challenge = core.find_challenge(session, args.id)
        core.withdraw(session, challenge, on=on, reason=args.reason, today=today)
        print(f"Withdrew challenge {challenge.id.hex[:8]}.")
    return 0


def _row_json(row: core.ChallengeRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "child_id": row.child_ref,
        "child_name": row.child_name,
        "track_kind": row.track_kind,
        "level": row.level,
        "level_name": row.level_name,
        "theme": row.theme,
        "status": row.status,
        "raised_on": row.raised_on.isoformat(),
        "closed_on": row.closed_on.isoformat() if row.closed_on else None,
        "days_open": row.days_open,
        "response_due": row.response_due.isoformat() if row.response_due else None,
        "overdue": row.overdue,
        "addressed_to": row.addressed_to,
        "issue": row.issue,
    }


def _list(args: argparse.Namespace) -> int:
    today = _today(args)
    with open_store(args) as store, store.session() as session:
        settings = load_settings(session)
        rows = core.list_challenges(session, today=today, settings=settings, status=args.status)
    if args.json:
        print_json([_row_json(row) for row in rows])
        return 0
    if not rows:
        print("No challenges.")
        return 0
    header = ("ID", "Level", "Child", "Theme", "Status", "Raised", "Days", "Next response due")
    table = [
        (
            row.short_id,
            row.level_name,
            f"{row.child_ref} {row.child_name}",
            row.theme,
            CHALLENGE_STATUSES.get(row.status, row.status),
            row.raised_on.isoformat(),
            str(row.days_open),
            core.describe_response_due(row),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header) - 1)]
    for line in [header, *table]:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        print("  ".join([*cells, line[-1]]))
    return 0


def _show(args: argparse.Namespace) -> int:
    today = _today(args)
    with open_store(args) as store, store.session() as session:
        settings = load_settings(session)
        challenge = core.find_challenge(session, args.id)
        child = session.get(Child, challenge.child_id)
        assert child is not None
        row = core.row_for(challenge, child, today=today, settings=settings)
        steps = core.steps_of(session, challenge.id)
    history = [
        {
            "on": step.on_date.isoformat(),
            "step": step.step,
            "level": step.level,
            "level_name": core.level_name(settings, step.level),
            "response_due": step.response_due.isoformat() if step.response_due else None,
            "addressed_to_name": step.addressed_to_name,
            "addressed_to_role": step.addressed_to_role,
            "satisfactory": step.satisfactory,
            "text": step.text,
        }
        for step in steps
    ]
    if args.json:
        print_json(
            _row_json(row)
            | {
                "outcome_wanted": challenge.outcome_wanted,
                "outcome": challenge.outcome,
                "impact": challenge.impact,
                "history": history,
            }
        )
        return 0
    print(f"Challenge {row.id}")
    print(f"Child:          {row.child_ref} {row.child_name} ({core.TRACK_KINDS[row.track_kind]})")
    print(f"Theme:          {row.theme}")
    print("Issue:          " + row.issue.replace("\n", "\n                "))
    if challenge.outcome_wanted:
        print("Outcome wanted: " + challenge.outcome_wanted.replace("\n", "\n                "))
    print(f"Level:          {row.level_name}")
    print(f"Status:         {CHALLENGE_STATUSES.get(row.status, row.status)}")
    print(f"Raised:         {row.raised_on.isoformat()} ({row.days_open} days open)")
    print(f"Response due:   {core.describe_response_due(row)}")
    if challenge.outcome:
        print(f"Outcome:        {challenge.outcome}")
    if challenge.impact:
        print(f"Impact:         {challenge.impact}")
    print("History:")
    for entry in history:
        label = core.STEP_LABELS.get(entry["step"], entry["step"])
        to = ", ".join(p for p in (entry["addressed_to_name"], entry["addressed_to_role"]) if p)
        parts = [f"  {entry['on']}  {label} at {entry['level_name']}"]
        if entry["step"] in ("raised", "escalated") and to:
            parts.append(f"to {to}")
        if entry["response_due"]:
            parts.append(f"(response due {entry['response_due']})")
        if entry["satisfactory"] is not None:
            parts.append("(satisfactory)" if entry["satisfactory"] else "(not satisfactory)")
        print(" ".join(parts))
        for text_line in entry["text"].splitlines():
            print(f"      {text_line}")
    return 0
