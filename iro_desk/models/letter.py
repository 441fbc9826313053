"""Letters made for a child: the review letter and the IRO introduction letter."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field

from iro_desk.models.base import Record, UtcDateTime


class Letter(Record, table=True):
    """A letter as the IRO edited and made it; the paragraphs are kept with it.

    The PDF itself is a file in the letters folder of the laptop that made it. When that file
    is removed after the letter retention period (``iro_desk.letter_retention``) the row stays,
    with ``file_removed_at`` set, so the letter can be made again from its review.
    """

    __tablename__ = "letter"

    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    review_id: uuid.UUID | None = Field(default=None, foreign_key="review.id")
    kind: str = Field(default="review", description="review or intro")
    age_band: str = ""
    options_json: str = "{}"
    paragraphs_json: str = "{}"
    made_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)
    file_name: str = ""
    sent_on: dt.date | None = None
    file_removed_at: dt.datetime | None = Field(
        default=None,
        sa_type=UtcDateTime,
        description="When the PDF was removed from the letters folder after the letter "
        "retention period (None while it has not been)",
    )
