"""What sync keeps on this laptop: conflicts waiting for the IRO, and the history of syncs.

These rows belong to one laptop. They are not caseload records: they are not in
``RECORD_TABLES``, are never sent to the team share, and are not exported. They still carry the
``Record`` fields (UUID key, UTC timestamps, who, revision) so that resolving a conflict is kept
in the change history like any other edit.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field

from iro_desk.models.base import Record, UtcDateTime


class SyncConflict(Record, table=True):
    """One field of one record changed differently here and on the team file.

    Both values are kept until the IRO chooses: the record on this laptop keeps this laptop's
    value, the team file keeps the team's value, and this row holds both (and the value at the
    last sync). Values are stored as JSON of the raw column value; bytes as ``{"$bytes": b64}``.
    """

    __tablename__ = "sync_conflict"

    table_name: str = Field(index=True, description="The caseload table of the record")
    row_id: uuid.UUID = Field(index=True, description="The record's id")
    child_id: uuid.UUID | None = Field(default=None, index=True)
    field: str = Field(description="The column in conflict")
    kind: str = Field(
        default="edit",
        description="edit (changed differently on both sides) or delete (deleted on one side "
        "while edited on the other)",
    )
    label: str = Field(default="", description="What the record is, in the IRO's words")
    base_json: str = Field(default="null", description="The value at the last sync")
    local_json: str = Field(default="null", description="This laptop's value when found")
    theirs_json: str = Field(default="null", description="The team file's value (kept current)")
    theirs_by: str = Field(default="", description="Who last changed the team's version")
    status: str = Field(default="open", description="open or resolved")
    resolution: str = Field(default="", description="local, theirs or same (sides now agree)")
    resolved_json: str = Field(default="null", description="The value chosen")
    resolved_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolved_by: str = ""
    sync_run_id: uuid.UUID | None = Field(default=None, description="The sync that found it")


class SyncRun(Record, table=True):
    """One successful sync: when, with which team generation, what came in and went out."""

    __tablename__ = "sync_run"

    started_at: dt.datetime = Field(sa_type=UtcDateTime)
    finished_at: dt.datetime = Field(sa_type=UtcDateTime)
    share_folder: str = ""
    generation: int = Field(default=0, description="Team generation this laptop now matches")
    published: int | None = Field(default=None, description="Generation this sync wrote")
    path: str = Field(default="", description="new-share, up-to-date, changes or full")
    came_in: int = 0
    went_out: int = 0
    conflicts_new: int = 0
    conflicts_open: int = 0
    left_laptop: int = Field(default=0, description="Records that left this laptop's scope")
    backup_path: str = ""
    details_json: str = Field(default="{}", description="Lists of what came in and went out")
