"""The IROs on the caseload file and the people around each child."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field

from iro_desk.models.base import Record


class Iro(Record, table=True):
    """An Independent Reviewing Officer: the user of this laptop, or a colleague on the team file.

    The profile text and photo go on the child's letters.
    """

    __tablename__ = "iro"

    name: str
    identity: str = Field(default="", description="Sign-in name used by sync to tell IROs apart")
    job_title: str = "Independent Reviewing Officer"
    team: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    profile_text: str = Field(default="", description="'About me' for letters")
    photo: bytes | None = Field(default=None, description="PNG or JPEG for letters")
    is_me: bool = Field(default=False, description="The IRO who uses this laptop")


class Person(Record, table=True):
    """Someone around the child: social worker, team manager, carer, advocate, visitor..."""

    __tablename__ = "person"

    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    role: str = Field(description="Key of vocab.PERSON_ROLES")
    name: str
    organisation: str = ""
    email: str = ""
    phone: str = ""
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    notes: str = ""
