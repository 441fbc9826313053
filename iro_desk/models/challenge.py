"""QA tools, challenges and the append-only steps of the Dispute Resolution Process."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field

from iro_desk.models.base import Record


class QaTool(Record, table=True):
    """A structured check of the child's case file; the informal stage of the DRP."""

    __tablename__ = "qa_tool"

    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    status: str = Field(default="draft", description="Key of vocab.QA_STATUSES")
    started_on: dt.date
    items_json: str = Field(default="[]", description="Checklist answers: item, answer, comment")
    positive_practice: str = ""
    shared_with: str = ""
    shared_on: dt.date | None = None
    response_on: dt.date | None = None
    response_text: str = ""
    closed_on: dt.date | None = None


class Challenge(Record, table=True):
    """An IRO challenge about a child's plan, escalated level by level through the DRP."""

    __tablename__ = "challenge"

    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    qa_tool_id: uuid.UUID | None = Field(default=None, foreign_key="qa_tool.id")
    review_id: uuid.UUID | None = Field(default=None, foreign_key="review.id")
    track_kind: str = Field(default="cla", description="cla or cp, as councils split them")
    theme: str
    issue: str
    outcome_wanted: str = ""
    addressed_to_name: str = ""
    addressed_to_role: str = ""
    level: int = 1
    status: str = Field(default="open", description="Key of vocab.CHALLENGE_STATUSES")
    raised_on: dt.date
    response_due: dt.date | None = None
    closed_on: dt.date | None = None
    outcome: str = ""
    impact: str = ""


class ChallengeStep(Record, table=True):
    """One step in a challenge's history. Steps are only ever added, never changed."""

    __tablename__ = "challenge_step"

    challenge_id: uuid.UUID = Field(foreign_key="challenge.id", index=True)
    child_id: uuid.UUID | None = Field(default=None, foreign_key="child.id")
    step: str = Field(description="raised, escalated, response, resolved, withdrawn or note")
    level: int
    on_date: dt.date
    response_due: dt.date | None = None
    addressed_to_name: str = ""
    addressed_to_role: str = ""
    text: str = ""
    satisfactory: bool | None = Field(
        default=None, description="On a response step: did the IRO find the response enough?"
    )
