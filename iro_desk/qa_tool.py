"""The QA tool: a structured check of a child's case file, the informal stage of the DRP.

The IRO starts a QA tool for a child; its checklist is copied from ``settings.qa_items`` at that
moment (the items are data, not code, and a later change to the settings leaves tools already
started as they were). Each item is answered met, not met or not applicable, with a comment;
areas of positive practice are recorded too. The tool can stay in draft while the IRO and the
social worker talk, be shared (with whom, on what date), get a response, and then either close
or become a challenge (``raise_challenge_from_qa``).

``QaTool.items_json`` holds the checklist as a JSON list, in the order shown::

    [
      {"item": "Care plan is up to date", "answer": "met", "comment": ""},
      {"item": "Placement is registered", "answer": "not_met", "comment": "Ofsted: pending"},
      {"item": "Pathway plan in place (16+)", "answer": "not_applicable", "comment": "Age 9"},
      {"item": "PEP is current", "answer": "", "comment": ""}
    ]

``answer`` is a key of ``QA_ANSWERS`` or ``""`` while the item is not answered yet.

Statuses (vocab.QA_STATUSES): draft -> shared -> responded -> closed, or escalated when a
challenge is raised from it. Closed and escalated tools can no longer be changed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from iro_desk.challenges import raise_challenge
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import Challenge, Child, QaTool
from iro_desk.settings import Settings

QA_ANSWERS: dict[str, str] = {
    "met": "Met",
    "not_met": "Not met",
    "not_applicable": "Not applicable",
}

FINISHED_STATUSES = frozenset({"closed", "escalated"})


@dataclass(frozen=True)
class QaItem:
    """One checklist line: the item, the answer key ("" = not answered) and a comment."""

    item: str
    answer: str = ""
    comment: str = ""

    @property
    def answer_label(self) -> str:
        """The answer as shown to people."""
        return QA_ANSWERS.get(self.answer, "Not answered")


def items_of(qa_tool: QaTool) -> list[QaItem]:
    """The checklist stored in a QA tool, in order."""
    try:
        raw = json.loads(qa_tool.items_json or "[]")
    except json.JSONDecodeError as exc:
        raise IroDeskError(
            "This QA tool's checklist is damaged (not valid JSON); restore a backup."
        ) from exc
    if not isinstance(raw, list):
        raise IroDeskError("This QA tool's checklist is damaged (not a list); restore a backup.")
    return [
        QaItem(
            item=str(entry.get("item", "")),
            answer=str(entry.get("answer", "")),
            comment=str(entry.get("comment", "")),
        )
        for entry in raw
        if isinstance(entry, dict)
    ]


def items_to_json(items: list[QaItem]) -> str:
    """The checklist as stored in ``QaTool.items_json``."""
    return json.dumps(
        [{"item": i.item, "answer": i.answer, "comment": i.comment} for i in items],
        ensure_ascii=False,
    )


def get_qa_tool(session: Session, qa_tool_id: uuid.UUID) -> QaTool:
    """The QA tool with this id, or an error saying it is not in the caseload."""
    qa_tool = session.get(QaTool, qa_tool_id)
    if qa_tool is None or qa_tool.deleted_at is not None:
        raise IroDeskError(f"There is no QA tool {qa_tool_id} in this caseload.")
    return qa_tool


def qa_tools_for_child(session: Session, child_id: uuid.UUID) -> list[QaTool]:
    """A child's QA tools, newest first."""
    statement = (
        select(QaTool)
        .where(QaTool.child_id == child_id, QaTool.deleted_at.is_(None))
        .order_by(QaTool.started_on.desc(), QaTool.created_at.desc())  # type: ignore[attr-defined]
    )
    return list(session.exec(statement).all())


def _date_problem(on: dt.date | None, today: dt.date, after: dt.date | None, why: str) -> str:
    if on is None:
        return "a date is needed"
    if on > today:
        return f"{on.isoformat()} is in the future (today is {today.isoformat()})"
    if after is not None and on < after:
        return f"{on.isoformat()} is before {why} ({after.isoformat()})"
    return ""


def _require_editable(qa_tool: QaTool) -> None:
    if qa_tool.status in FINISHED_STATUSES:
        raise ValidationError(
            f"This QA tool is {qa_tool.status} and can no longer be changed; start a new one.",
            {"status": qa_tool.status},
        )


def start_qa_tool(
    session: Session,
    *,
    child_id: uuid.UUID,
    today: dt.date,
    settings: Settings,
    started_on: dt.date | None = None,
) -> QaTool:
    """Start a QA tool for a child, in draft, with the checklist items from the settings."""
    child = session.get(Child, child_id)
    problems: dict[str, str] = {}
    if child is None or child.deleted_at is not None:
        problems["child"] = "no such child in this caseload"
    if not settings.qa_items:
        problems["qa_items"] = "the QA checklist in Settings is empty; add its items first"
    when = started_on or today
    why = _date_problem(when, today, None, "")
    if why:
        problems["started_on"] = why
    if problems:
        raise ValidationError("The QA tool cannot be started.", problems)
    qa_tool = QaTool(
        child_id=child_id,
        status="draft",
        started_on=when,
        items_json=items_to_json([QaItem(item=text) for text in settings.qa_items]),
    )
    session.add(qa_tool)
    session.flush()
    return qa_tool


def save_draft(
    session: Session,
    qa_tool: QaTool,
    *,
    items: list[QaItem],
    positive_practice: str,
) -> QaTool:
    """Save the answers and positive practice; the status is left as it is.

    ``items`` must be the tool's own checklist, in the same order (answers may change, the
    items themselves may not).
    """
    _require_editable(qa_tool)
    current = [entry.item for entry in items_of(qa_tool)]
    problems: dict[str, str] = {}
    if [entry.item for entry in items] != current:
        problems["items"] = "the checklist items differ from the ones this QA tool started with"
    for index, entry in enumerate(items):
        if entry.answer and entry.answer not in QA_ANSWERS:
            problems[f"items[{index}]"] = (
                f"{entry.answer!r} is not an answer: use met, not_met or not_applicable"
            )
    if problems:
        raise ValidationError("The QA tool cannot be saved.", problems)
    cleaned = [QaItem(e.item, e.answer, e.comment.strip()) for e in items]
    qa_tool.items_json = items_to_json(cleaned)
    qa_tool.positive_practice = positive_practice.strip()
    session.add(qa_tool)
    session.flush()
    return qa_tool


def share(
    session: Session, qa_tool: QaTool, *, shared_with: str, shared_on: dt.date, today: dt.date
) -> QaTool:
    """Record that the QA tool was shared with the social worker (who, and when)."""
    _require_editable(qa_tool)
    problems: dict[str, str] = {}
    if not shared_with.strip():
        problems["shared_with"] = "say who it was shared with"
    why = _date_problem(shared_on, today, qa_tool.started_on, "the day the QA tool was started")
    if why:
        problems["shared_on"] = why
    if problems:
        raise ValidationError("The QA tool cannot be marked as shared.", problems)
    qa_tool.shared_with = shared_with.strip()
    qa_tool.shared_on = shared_on
    if qa_tool.status == "draft":
        qa_tool.status = "shared"
    session.add(qa_tool)
    session.flush()
    return qa_tool


def record_response(
    session: Session, qa_tool: QaTool, *, on: dt.date, text: str, today: dt.date
) -> QaTool:
    """Record the social worker's response to a shared QA tool."""
    _require_editable(qa_tool)
    problems: dict[str, str] = {}
    if qa_tool.shared_on is None:
        problems["status"] = "share the QA tool before recording a response to it"
    else:
        why = _date_problem(on, today, qa_tool.shared_on, "the day it was shared")
        if why:
            problems["on"] = why
    if not text.strip():
        problems["text"] = "say what the response was"
    if problems:
        raise ValidationError("The response cannot be recorded.", problems)
    qa_tool.response_on = on
    qa_tool.response_text = text.strip()
    qa_tool.status = "responded"
    session.add(qa_tool)
    session.flush()
    return qa_tool


def close(session: Session, qa_tool: QaTool, *, on: dt.date, today: dt.date) -> QaTool:
    """Close the QA tool: the concerns were dealt with without a challenge."""
    _require_editable(qa_tool)
    last = qa_tool.response_on or qa_tool.shared_on or qa_tool.started_on
    why = _date_problem(on, today, last, "the QA tool's last step")
    if why:
        raise ValidationError("The QA tool cannot be closed on that date.", {"on": why})
    qa_tool.status = "closed"
    qa_tool.closed_on = on
    session.add(qa_tool)
    session.flush()
    return qa_tool


def not_met_summary(qa_tool: QaTool) -> str:
    """The items not met, one a line with their comments: a starting point for a challenge."""
    lines = []
    for entry in items_of(qa_tool):
        if entry.answer == "not_met":
            note = f" ({entry.comment})" if entry.comment else ""
            lines.append(f"{entry.item}: not met{note}")
    return "\n".join(lines)


def raise_challenge_from_qa(
    session: Session,
    qa_tool: QaTool,
    *,
    theme: str,
    issue: str,
    raised_on: dt.date,
    today: dt.date,
    settings: Settings,
    outcome_wanted: str = "",
    addressed_to_name: str = "",
    addressed_to_role: str = "",
    level: int | None = None,
    track_kind: str = "cla",
) -> Challenge:
    """Turn the QA tool into a challenge: the tool becomes 'escalated', the challenge links it."""
    _require_editable(qa_tool)
    challenge = raise_challenge(
        session,
        child_id=qa_tool.child_id,
        theme=theme,
        issue=issue,
        outcome_wanted=outcome_wanted,
        addressed_to_name=addressed_to_name,
        addressed_to_role=addressed_to_role,
        level=level,
        raised_on=raised_on,
        today=today,
        settings=settings,
        qa_tool_id=qa_tool.id,
        track_kind=track_kind,
    )
    qa_tool.status = "escalated"
    session.add(qa_tool)
    session.flush()
    return challenge
