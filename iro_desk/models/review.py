"""Reviews (booked and held), their decisions, and the IRO's pre-review visits."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field

from iro_desk.models.base import Record


class Review(Record, table=True):
    """One review meeting on a case track: booked, then held (or stood down or cancelled)."""

    __tablename__ = "review"

    track_id: uuid.UUID = Field(foreign_key="case_track.id", index=True)
    child_id: uuid.UUID | None = Field(default=None, foreign_key="child.id", index=True)
    status: str = Field(default="booked", description="Key of vocab.REVIEW_STATUSES")
    scheduled_date: dt.date | None = None
    scheduled_time: str = Field(default="", description="HH:MM, local time")
    venue: str = ""
    format: str = Field(default="in_person", description="Key of vocab.REVIEW_FORMATS")
    late_reason: str = Field(default="", description="Why it was booked after the deadline")
    cancel_reason: str = ""
    held_on: dt.date | None = None
    participation_code: str | None = Field(default=None, description="PN0-PN7")
    child_chaired: bool = False
    attendees: str = ""
    reports_from: str = ""
    child_views: str = ""
    iro_summary: str = ""
    permanence_status: str = ""
    pre_review_contact: bool | None = Field(
        default=None, description="The IRO saw or spoke to the child before the review"
    )
    decisions_circulated_on: dt.date | None = None
    record_completed_on: dt.date | None = None
    letter_made_on: dt.date | None = None
    letter_sent_on: dt.date | None = None


class Decision(Record, table=True):
    """A review decision: what will happen, who is responsible, and by when."""

    __tablename__ = "decision"

    review_id: uuid.UUID = Field(foreign_key="review.id", index=True)
    child_id: uuid.UUID | None = Field(default=None, foreign_key="child.id", index=True)
    text: str
    responsible: str = ""
    due_on: dt.date | None = None
    status: str = Field(default="open", description="Key of vocab.DECISION_STATUSES")
    done_on: dt.date | None = None
    note: str = ""


class Visit(Record, table=True):
    """A pre-review visit or conversation, with the child's own words."""

    __tablename__ = "visit"

    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    review_id: uuid.UUID | None = Field(default=None, foreign_key="review.id", index=True)
    status: str = Field(default="done", description="Key of vocab.VISIT_STATUSES")
    visit_date: dt.date
    visit_time: str = ""
    method: str = Field(default="face_to_face", description="Key of vocab.VISIT_METHODS")
    location: str = ""
    others_present: str = ""
    seen_alone: bool = False
    wishes_feelings: str = ""
    worries: str = ""
    questions: str = ""
    who_to_attend: str = ""
    how_to_take_part: str = ""
    follow_up: str = ""
