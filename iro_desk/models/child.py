"""A child, their episodes of care and the case tracks whose reviews the IRO chairs."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field

from iro_desk.models.base import Record


class Child(Record, table=True):
    """A child on the caseload, identified to the council by ``child_ref``."""

    __tablename__ = "child"

    child_ref: str = Field(index=True, unique=True, description="The council's child ID")
    first_name: str = Field(description="Legal first name")
    last_name: str = Field(description="Legal last name")
    preferred_name: str = Field(default="", description="What the child likes to be called")
    dob: dt.date | None = None
    gender: str = Field(default="unknown", description="Key of vocab.GENDERS")
    ethnicity: str = ""
    first_language: str = "English"
    interpreter_needed: bool = False
    communication_needs: str = ""
    disability: str = ""
    upn: str = Field(default="", description="Unique pupil number, when known")
    allocated_iro_id: uuid.UUID | None = Field(default=None, foreign_key="iro.id", index=True)
    covering_iro_id: uuid.UUID | None = Field(default=None, foreign_key="iro.id")
    notes: str = ""

    @property
    def display_name(self) -> str:
        """Preferred first name and legal last name, as the IRO speaks of the child."""
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()

    @property
    def letter_name(self) -> str:
        """The name a letter greets the child by."""
        return self.preferred_name or self.first_name


class CareEpisode(Record, table=True):
    """One period in care: a return to care starts a new episode (and a new review cycle)."""

    __tablename__ = "care_episode"

    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    start_date: dt.date
    end_date: dt.date | None = None
    legal_status: str = Field(description="DfE SSDA903 LS code, see vocab.LEGAL_STATUS")
    placement_type: str = Field(default="other", description="Key of vocab.PLACEMENT_TYPES")
    placement_name: str = ""
    reason_ended: str = ""


class CaseTrack(Record, table=True):
    """A series of reviews the IRO chairs, with the date its statutory cycle runs from.

    ``kind`` is a key of vocab.TRACK_KINDS. A child in care track belongs to one episode; a
    foster carer household track names the household and may have no child.
    """

    __tablename__ = "case_track"

    kind: str
    child_id: uuid.UUID | None = Field(default=None, foreign_key="child.id", index=True)
    episode_id: uuid.UUID | None = Field(default=None, foreign_key="care_episode.id")
    household_name: str = ""
    start_date: dt.date = Field(description="What it means depends on kind: TRACK_START_MEANING")
    end_date: dt.date | None = None
    iro_id: uuid.UUID | None = Field(default=None, foreign_key="iro.id")
    notes: str = ""
