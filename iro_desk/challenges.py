"""IRO challenges and the Dispute Resolution Process (DRP) ladder.

An IRO raises a challenge about a child's plan, then escalates it level by level up the
council's ladder (a setting: by default informal, levels 2-5, then referral to Cafcass), each
level with a response time in working days. Every step (raised, escalated, response, resolved,
withdrawn) is a new ``ChallengeStep`` row: steps are only ever added, never changed, so the
history is an audit trail. The challenge's current state (level, status, response due) lives on
the ``Challenge`` row and is changed through the ORM, so the caseload history records it too.

Rules (IRO Handbook, DOMAIN.md "Challenge"):

* A challenge starts on the first rung. Raised from a QA tool (which is the informal stage), it
  may start one rung higher. Starting higher still, or escalating past the next rung, is
  "skipping a level" and is refused unless ``settings.allow_skipping_levels``.
* The top rung (by default Cafcass referral) is the last: nothing escalates past it.
* A resolved or withdrawn challenge cannot be escalated, answered, resolved or withdrawn again.
* Raising or escalating sets ``response_due`` to the ``response_working_days``-th working day
  after the step's date (the date itself not counted), from that level's setting.
* A response stops the clock for that level: ``response_due`` is cleared. The IRO then either
  escalates (a new clock starts) or resolves the challenge.
* Step dates may not be in the future, before the challenge was raised, or before the
  challenge's previous step.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import Challenge, ChallengeStep, Child, QaTool, Review
from iro_desk.settings import ChallengeLevel, Settings
from iro_desk.workdays import working_days

TRACK_KINDS: dict[str, str] = {"cla": "Child in care", "cp": "Child protection"}

STEP_LABELS: dict[str, str] = {
    "raised": "Raised",
    "escalated": "Escalated",
    "response": "Response",
    "resolved": "Resolved",
    "withdrawn": "Withdrawn",
    "note": "Note",
}

MIN_ID_PREFIX = 8


# --- the ladder ---------------------------------------------------------------------------


def ladder(settings: Settings) -> list[ChallengeLevel]:
    """The DRP ladder from the settings, lowest rung first; refuses a ladder that makes no sense."""
    rungs = sorted(settings.challenge_ladder, key=lambda rung: rung.level)
    if not rungs:
        raise ValidationError(
            "The challenge ladder in Settings is empty; add at least one level.",
            {"challenge_ladder": "no levels"},
        )
    numbers = [rung.level for rung in rungs]
    if len(set(numbers)) != len(numbers):
        raise ValidationError(
            "The challenge ladder in Settings has two levels with the same number; "
            "give each level its own number.",
            {"challenge_ladder": "duplicate level numbers"},
        )
    bad_days = [rung.level for rung in rungs if rung.response_working_days < 1]
    if bad_days:
        raise ValidationError(
            f"Challenge level {bad_days[0]} has a response time under one working day; "
            "set it in Settings.",
            {"challenge_ladder": "response time must be at least 1 working day"},
        )
    return rungs


def rung_for(settings: Settings, level: int) -> ChallengeLevel | None:
    """The ladder rung numbered ``level``, or None when the ladder has no such level."""
    return next((rung for rung in ladder(settings) if rung.level == level), None)


def level_name(settings: Settings, level: int) -> str:
    """The level's name as the council uses it ("Informal", "Cafcass referral"...)."""
    rung = rung_for(settings, level)
    return rung.name if rung else f"Level {level} (not in the ladder)"


def next_rung(settings: Settings, level: int) -> ChallengeLevel | None:
    """The rung after ``level``, or None at the top of the ladder."""
    return next((rung for rung in ladder(settings) if rung.level > level), None)


def rungs_above(settings: Settings, level: int) -> list[ChallengeLevel]:
    """The rungs a challenge at ``level`` may be escalated to under the settings."""
    higher = [rung for rung in ladder(settings) if rung.level > level]
    return higher if settings.allow_skipping_levels else higher[:1]


def response_due_for(settings: Settings, level: int, on: dt.date) -> dt.date:
    """The last day for a response to a step taken ``on`` at ``level`` (working days)."""
    rung = rung_for(settings, level)
    if rung is None:
        raise ValidationError(
            f"Level {level} is not on the challenge ladder in Settings.",
            {"level": "not on the ladder"},
        )
    return working_days(settings.nation).add(on, rung.response_working_days)


# --- looking things up --------------------------------------------------------------------


def get_challenge(session: Session, challenge_id: uuid.UUID) -> Challenge:
    """The challenge with this id, or an error saying it is not in the caseload."""
    challenge = session.get(Challenge, challenge_id)
    if challenge is None or challenge.deleted_at is not None:
        raise IroDeskError(f"There is no challenge {challenge_id} in this caseload.")
    return challenge


def find_challenge(session: Session, id_or_prefix: str) -> Challenge:
    """The challenge whose id is ``id_or_prefix`` or starts with it (at least 8 characters)."""
    wanted = id_or_prefix.strip().lower().replace("-", "")
    if len(wanted) < MIN_ID_PREFIX:
        raise ValidationError(
            f"Give at least {MIN_ID_PREFIX} characters of the challenge id "
            "(see `iro-desk challenge list`).",
            {"id": "too short"},
        )
    ids = session.exec(select(Challenge.id).where(Challenge.deleted_at.is_(None))).all()
    matches = [found for found in ids if found.hex.startswith(wanted)]
    if not matches:
        raise IroDeskError(f"No challenge has an id starting {id_or_prefix!r}.")
    if len(matches) > 1:
        raise ValidationError(
            f"{len(matches)} challenges have ids starting {id_or_prefix!r}; give more of the id.",
            {"id": "ambiguous"},
        )
    return get_challenge(session, matches[0])


def steps_of(session: Session, challenge_id: uuid.UUID) -> list[ChallengeStep]:
    """A challenge's whole history, oldest step first."""
    statement = (
        select(ChallengeStep)
        .where(ChallengeStep.challenge_id == challenge_id, ChallengeStep.deleted_at.is_(None))
        .order_by(ChallengeStep.on_date, ChallengeStep.created_at)
    )
    return list(session.exec(statement).all())


def _live_child(session: Session, child_id: uuid.UUID) -> Child | None:
    child = session.get(Child, child_id)
    return child if child is not None and child.deleted_at is None else None


# --- validation helpers ------------------------------------------------------------------


def _check_date(
    problems: dict[str, str],
    field: str,
    on: dt.date | None,
    *,
    today: dt.date,
    not_before: dt.date | None = None,
    not_before_why: str = "",
) -> None:
    if on is None:
        problems[field] = "a date is needed"
    elif on > today:
        problems[field] = f"{on.isoformat()} is in the future (today is {today.isoformat()})"
    elif not_before is not None and on < not_before:
        problems[field] = f"{on.isoformat()} is before {not_before_why} ({not_before.isoformat()})"


def _fail(message: str, problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError(message, problems)


def _require_open(challenge: Challenge, action: str) -> None:
    if challenge.status != "open":
        raise ValidationError(
            f"This challenge is {challenge.status}, so it cannot be {action}. "
            "Raise a new challenge if the concern has come back.",
            {"status": challenge.status},
        )


def _step_date_problems(
    session: Session, challenge: Challenge, on: dt.date, today: dt.date, field: str = "on"
) -> dict[str, str]:
    problems: dict[str, str] = {}
    history = steps_of(session, challenge.id)
    last = max((step.on_date for step in history), default=challenge.raised_on)
    _check_date(problems, field, on, today=today, not_before=challenge.raised_on,
                not_before_why="the day the challenge was raised")
    if field not in problems and on < last:
        problems[field] = (
            f"{on.isoformat()} is before the challenge's last step ({last.isoformat()}); "
            "steps are recorded in order"
        )
    return problems


def _text(value: str | None) -> str:
    return (value or "").strip()


# --- raising and escalating --------------------------------------------------------------


def highest_starting_level(settings: Settings, *, from_qa_tool: bool) -> int:
    """The highest level a new challenge may start at under the settings."""
    rungs = ladder(settings)
    if settings.allow_skipping_levels:
        return rungs[-1].level
    # A QA tool is the informal stage of the DRP, so a challenge raised from one may start
    # on the next rung without skipping anything.
    index = 1 if from_qa_tool and len(rungs) > 1 else 0
    return rungs[index].level


def raise_challenge(
    session: Session,
    *,
    child_id: uuid.UUID,
    theme: str,
    issue: str,
    outcome_wanted: str = "",
    addressed_to_name: str = "",
    addressed_to_role: str = "",
    level: int | None = None,
    raised_on: dt.date,
    today: dt.date,
    settings: Settings,
    qa_tool_id: uuid.UUID | None = None,
    review_id: uuid.UUID | None = None,
    track_kind: str = "cla",
) -> Challenge:
    """Raise a challenge for a child: the challenge and its first ('raised') step.

    Args:
        session: an open caseload session (the caller commits).
        child_id: the child the challenge is about.
        theme: one of ``settings.challenge_themes``.
        issue: the concern in words.
        outcome_wanted: what the IRO wants to happen.
        addressed_to_name: who the challenge is addressed to.
        addressed_to_role: their role; the level's role from the ladder when left empty.
        level: the rung it starts on (default: the first rung).
        raised_on: the day it was raised; not in the future.
        today: today's date.
        settings: the caseload settings (ladder, themes, working days).
        qa_tool_id: the QA tool it came from, if any.
        review_id: the review it came from, if any.
        track_kind: ``cla`` or ``cp``, as councils count them.

    Returns:
        The new challenge, added to the session, with ``response_due`` set from the level.

    Raises:
        ValidationError: with a problem per field that cannot be accepted.
    """
    rungs = ladder(settings)
    start_level = rungs[0].level if level is None else level
    problems: dict[str, str] = {}
    child = _live_child(session, child_id)
    if child is None:
        problems["child"] = "no such child in this caseload"
    if not _text(theme):
        problems["theme"] = "choose a theme"
    elif theme not in settings.challenge_themes:
        problems["theme"] = f"{theme!r} is not one of the themes in Settings: " + ", ".join(
            settings.challenge_themes
        )
    if not _text(issue):
        problems["issue"] = "say what the concern is"
    if track_kind not in TRACK_KINDS:
        problems["track_kind"] = "cla (child in care) or cp (child protection)"
    if rung_for(settings, start_level) is None:
        problems["level"] = f"level {start_level} is not on the ladder"
    else:
        highest = highest_starting_level(settings, from_qa_tool=qa_tool_id is not None)
        if start_level > highest:
            problems["level"] = (
                f"a challenge cannot start at {level_name(settings, start_level)}: that skips "
                f"a level (the highest start is {level_name(settings, highest)}; Settings can "
                "allow skipping levels)"
            )
    not_before: dt.date | None = None
    not_before_why = ""
    if qa_tool_id is not None:
        qa_tool = session.get(QaTool, qa_tool_id)
        if qa_tool is None or qa_tool.deleted_at is not None:
            problems["qa_tool"] = "no such QA tool in this caseload"
        elif qa_tool.child_id != child_id:
            problems["qa_tool"] = "that QA tool is about another child"
        else:
            not_before, not_before_why = qa_tool.started_on, "the day the QA tool was started"
    if review_id is not None:
        review = session.get(Review, review_id)
        if review is None or review.deleted_at is not None:
            problems["review"] = "no such review in this caseload"
        elif review.child_id != child_id:
            problems["review"] = "that review is about another child"
    _check_date(problems, "raised_on", raised_on, today=today, not_before=not_before,
                not_before_why=not_before_why)
    _fail("The challenge cannot be raised yet.", problems)

    rung = rung_for(settings, start_level)
    assert rung is not None
    due = response_due_for(settings, start_level, raised_on)
    role = _text(addressed_to_role) or rung.addressed_to_role
    challenge = Challenge(
        child_id=child_id,
        qa_tool_id=qa_tool_id,
        review_id=review_id,
        track_kind=track_kind,
        theme=theme,
        issue=_text(issue),
        outcome_wanted=_text(outcome_wanted),
        addressed_to_name=_text(addressed_to_name),
        addressed_to_role=role,
        level=start_level,
        status="open",
        raised_on=raised_on,
        response_due=due,
    )
    session.add(challenge)
    session.add(
        ChallengeStep(
            challenge_id=challenge.id,
            child_id=child_id,
            step="raised",
            level=start_level,
            on_date=raised_on,
            response_due=due,
            addressed_to_name=challenge.addressed_to_name,
            addressed_to_role=role,
            text=challenge.issue,
        )
    )
    session.flush()
    return challenge


def escalate(
    session: Session,
    challenge: Challenge,
    *,
    on: dt.date,
    today: dt.date,
    settings: Settings,
    to_level: int | None = None,
    addressed_to_name: str = "",
    addressed_to_role: str = "",
    text: str = "",
) -> ChallengeStep:
    """Take an open challenge up the ladder (to the next rung unless ``to_level`` says).

    Adds an 'escalated' step and restarts the response clock from the new level's working
    days. Refuses a closed challenge, a level that is not higher, a skipped level (unless the
    settings allow it) and anything past the top rung.
    """
    _require_open(challenge, "escalated")
    following = next_rung(settings, challenge.level)
    if following is None:
        top = level_name(settings, challenge.level)
        raise ValidationError(
            f"This challenge is already at {top}, the last step of the ladder; it cannot be "
            "escalated further. Resolve or withdraw it when it ends.",
            {"to_level": "already at the top of the ladder"},
        )
    target = following.level if to_level is None else to_level
    problems: dict[str, str] = {}
    if target <= challenge.level:
        problems["to_level"] = (
            f"escalation goes up: the challenge is at {level_name(settings, challenge.level)}"
        )
    elif rung_for(settings, target) is None:
        top_level = ladder(settings)[-1]
        problems["to_level"] = (
            f"level {target} is not on the ladder (the last step is {top_level.level}, "
            f"{top_level.name})"
        )
    elif target != following.level and not settings.allow_skipping_levels:
        problems["to_level"] = (
            f"the next level is {following.name}; skipping to {level_name(settings, target)} "
            "is not allowed (Settings can allow skipping levels)"
        )
    problems |= _step_date_problems(session, challenge, on, today)
    _fail("The challenge cannot be escalated like that.", problems)

    rung = rung_for(settings, target)
    assert rung is not None
    due = response_due_for(settings, target, on)
    role = _text(addressed_to_role) or rung.addressed_to_role
    step = ChallengeStep(
        challenge_id=challenge.id,
        child_id=challenge.child_id,
        step="escalated",
        level=target,
        on_date=on,
        response_due=due,
        addressed_to_name=_text(addressed_to_name),
        addressed_to_role=role,
        text=_text(text),
    )
    challenge.level = target
    challenge.response_due = due
    challenge.addressed_to_name = _text(addressed_to_name)
    challenge.addressed_to_role = role
    session.add(challenge)
    session.add(step)
    session.flush()
    return step


def record_response(
    session: Session,
    challenge: Challenge,
    *,
    on: dt.date,
    text: str,
    satisfactory: bool,
    today: dt.date,
) -> ChallengeStep:
    """Record the response at the current level; it stops that level's clock.

    ``satisfactory`` is the IRO's view of the response. Either way the challenge stays open
    until the IRO resolves it (a good response) or escalates it (a poor one).
    """
    _require_open(challenge, "answered")
    problems: dict[str, str] = {}
    if not _text(text):
        problems["text"] = "say what the response was"
    problems |= _step_date_problems(session, challenge, on, today)
    _fail("The response cannot be recorded yet.", problems)
    step = ChallengeStep(
        challenge_id=challenge.id,
        child_id=challenge.child_id,
        step="response",
        level=challenge.level,
        on_date=on,
        response_due=None,
        addressed_to_name=challenge.addressed_to_name,
        addressed_to_role=challenge.addressed_to_role,
        text=_text(text),
        satisfactory=satisfactory,
    )
    challenge.response_due = None
    session.add(challenge)
    session.add(step)
    session.flush()
    return step


def resolve(
    session: Session,
    challenge: Challenge,
    *,
    on: dt.date,
    outcome: str,
    today: dt.date,
    impact: str = "",
) -> ChallengeStep:
    """Close a challenge as resolved, with what was achieved and its impact for the child."""
    _require_open(challenge, "resolved")
    problems: dict[str, str] = {}
    if not _text(outcome):
        problems["outcome"] = "say what the outcome was"
    problems |= _step_date_problems(session, challenge, on, today)
    _fail("The challenge cannot be resolved yet.", problems)
    words = _text(outcome)
    if _text(impact):
        words += f"\nImpact for the child: {_text(impact)}"
    step = ChallengeStep(
        challenge_id=challenge.id,
        child_id=challenge.child_id,
        step="resolved",
        level=challenge.level,
        on_date=on,
        text=words,
    )
    challenge.status = "resolved"
    challenge.closed_on = on
    challenge.response_due = None
    challenge.outcome = _text(outcome)
    challenge.impact = _text(impact)
    session.add(challenge)
    session.add(step)
    session.flush()
    return step


def withdraw(
    session: Session, challenge: Challenge, *, on: dt.date, reason: str, today: dt.date
) -> ChallengeStep:
    """Close a challenge as withdrawn, saying why."""
    _require_open(challenge, "withdrawn")
    problems: dict[str, str] = {}
    if not _text(reason):
        problems["reason"] = "say why the challenge is withdrawn"
    problems |= _step_date_problems(session, challenge, on, today)
    _fail("The challenge cannot be withdrawn yet.", problems)
    step = ChallengeStep(
        challenge_id=challenge.id,
        child_id=challenge.child_id,
        step="withdrawn",
        level=challenge.level,
        on_date=on,
        text=_text(reason),
    )
    challenge.status = "withdrawn"
    challenge.closed_on = on
    challenge.response_due = None
    challenge.outcome = _text(reason)
    session.add(challenge)
    session.add(step)
    session.flush()
    return step


# --- for the list, the dashboard and the figures -----------------------------------------


def days_open(challenge: Challenge, today: dt.date) -> int:
    """Calendar days from raising to closing (or to today while it is open)."""
    end = challenge.closed_on if challenge.status != "open" and challenge.closed_on else today
    return max((end - challenge.raised_on).days, 0)


def next_response_due(challenge: Challenge) -> dt.date | None:
    """The date a response is due by, while the challenge is open and waiting for one."""
    return challenge.response_due if challenge.status == "open" else None


def is_overdue(challenge: Challenge, today: dt.date) -> bool:
    """True when the response is late: due before today (due today is still in time)."""
    due = next_response_due(challenge)
    return due is not None and due < today


@dataclass(frozen=True)
class ChallengeRow:
    """One challenge as the IRO's tracker shows it (immutable, no live session)."""

    id: uuid.UUID
    child_id: uuid.UUID
    child_ref: str
    child_name: str
    track_kind: str
    level: int
    level_name: str
    theme: str
    status: str
    raised_on: dt.date
    closed_on: dt.date | None
    response_due: dt.date | None
    days_open: int
    overdue: bool
    overdue_days: int
    addressed_to: str
    issue: str

    @property
    def short_id(self) -> str:
        """The first 8 characters of the id, enough to name it on the command line."""
        return self.id.hex[:MIN_ID_PREFIX]


def describe_response_due(row: ChallengeRow) -> str:
    """The "next response due" cell in words (an overdue one marked with ⚠ and text)."""
    if row.status != "open":
        return "—"
    if row.response_due is None:
        return "Response received: escalate or resolve"
    if row.overdue:
        days = "day" if row.overdue_days == 1 else "days"
        return f"⚠ Overdue: was due {row.response_due.isoformat()} ({row.overdue_days} {days})"
    return row.response_due.isoformat()


def row_for(
    challenge: Challenge, child: Child, *, today: dt.date, settings: Settings
) -> ChallengeRow:
    """The tracker row for one challenge."""
    due = next_response_due(challenge)
    overdue = is_overdue(challenge, today)
    addressed = ", ".join(
        part for part in (challenge.addressed_to_name, challenge.addressed_to_role) if part
    )
    return ChallengeRow(
        id=challenge.id,
        child_id=child.id,
        child_ref=child.child_ref,
        child_name=child.display_name,
        track_kind=challenge.track_kind,
        level=challenge.level,
        level_name=level_name(settings, challenge.level),
        theme=challenge.theme,
        status=challenge.status,
        raised_on=challenge.raised_on,
        closed_on=challenge.closed_on,
        response_due=due,
        days_open=days_open(challenge, today),
        overdue=overdue,
        overdue_days=(today - due).days if overdue and due else 0,
        addressed_to=addressed,
        issue=challenge.issue,
    )


def _live_challenges(session: Session) -> Iterable[tuple[Challenge, Child]]:
    statement = (
        select(Challenge, Child)
        .join(Child, Child.id == Challenge.child_id)  # type: ignore[arg-type]
        .where(Challenge.deleted_at.is_(None), Child.deleted_at.is_(None))
        .order_by(Challenge.raised_on, Challenge.created_at)
    )
    return session.exec(statement).all()


def list_challenges(
    session: Session,
    *,
    today: dt.date,
    settings: Settings,
    status: str | None = None,
    child_id: uuid.UUID | None = None,
) -> list[ChallengeRow]:
    """Every challenge across the caseload (or for one child), oldest raised first."""
    rows = []
    for challenge, child in _live_challenges(session):
        if status is not None and challenge.status != status:
            continue
        if child_id is not None and child.id != child_id:
            continue
        rows.append(row_for(challenge, child, today=today, settings=settings))
    return rows


def _in_period(
    challenge: Challenge, start: dt.date | None, end: dt.date | None, track_kind: str | None
) -> bool:
    if start is not None and challenge.raised_on < start:
        return False
    if end is not None and challenge.raised_on > end:
        return False
    return track_kind is None or challenge.track_kind == track_kind


def counts_by_level(
    session: Session,
    *,
    settings: Settings,
    start: dt.date | None = None,
    end: dt.date | None = None,
    track_kind: str | None = None,
) -> dict[int, int]:
    """Challenges raised in the period, counted at the highest level each one reached.

    Every ladder level is present (0 when none); a level no longer on the ladder appears too.
    """
    counts = {rung.level: 0 for rung in ladder(settings)}
    for challenge, _child in _live_challenges(session):
        if _in_period(challenge, start, end, track_kind):
            counts[challenge.level] = counts.get(challenge.level, 0) + 1
    return dict(sorted(counts.items()))


def counts_by_theme(
    session: Session,
    *,
    settings: Settings,
    start: dt.date | None = None,
    end: dt.date | None = None,
    track_kind: str | None = None,
) -> dict[str, int]:
    """Challenges raised in the period by theme, the settings' themes first (0 when none)."""
    counts: Counter[str] = Counter()
    for challenge, _child in _live_challenges(session):
        if _in_period(challenge, start, end, track_kind):
            counts[challenge.theme] += 1
    ordered = {theme: counts.pop(theme, 0) for theme in settings.challenge_themes}
    ordered.update(sorted(counts.items()))
    return ordered


def open_by_level(session: Session, *, settings: Settings) -> dict[int, int]:
    """Open challenges now, by their current level (every ladder level present)."""
    counts = {rung.level: 0 for rung in ladder(settings)}
    for challenge, _child in _live_challenges(session):
        if challenge.status == "open":
            counts[challenge.level] = counts.get(challenge.level, 0) + 1
    return dict(sorted(counts.items()))


def describe_open_by_level(counts: dict[int, int], settings: Settings) -> str:
    """One line for the dashboard: "Open challenges: 3 — Informal: 2 · Level 2: 1"."""
    total = sum(counts.values())
    if not total:
        return "No open challenges."
    parts = [f"{level_name(settings, level)}: {count}" for level, count in counts.items() if count]
    return f"Open challenges: {total} — " + " · ".join(parts)
