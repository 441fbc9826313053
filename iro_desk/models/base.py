"""The base every caseload record shares: UUID key, UTC timestamps, tombstone and revision.

Sync (a later feature) matches records across laptops by ``id``, orders edits by ``revision``
and ``updated_at``, and spreads deletions as ``deleted_at`` tombstones. Nothing is ever removed
with a SQL DELETE: triggers in the schema refuse it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from iro_desk.clock import utcnow


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC text and always read back timezone-aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Store UTC; refuse a naive timestamp, which would be ambiguous."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (UTC)")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Mark a stored timestamp as UTC again."""
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def new_id() -> uuid.UUID:
    """A fresh random record key."""
    return uuid.uuid4()


class Record(SQLModel):
    """Fields every table row carries."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    deleted_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_by: str = Field(default="", description="Who made the last change")
    revision: int = Field(default=1, description="Counts the edits to this row")

    @property
    def is_deleted(self) -> bool:
        """True when the row carries a tombstone."""
        return self.deleted_at is not None
