"""The history of every change: who, when, what (before and after). Rows are never changed."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field, SQLModel

from iro_desk.clock import utcnow
from iro_desk.models.base import UtcDateTime, new_id


class ChangeLog(SQLModel, table=True):
    """One change to one record. Triggers refuse UPDATE and DELETE on this table."""

    __tablename__ = "change_log"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    changed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    changed_by: str = ""
    table_name: str
    row_id: uuid.UUID = Field(index=True)
    child_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(description="create, update, delete or restore")
    before_json: str = "{}"
    after_json: str = "{}"


class Setting(SQLModel, table=True):
    """One setting kept in the caseload file, as JSON."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value_json: str
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
