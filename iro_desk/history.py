"""Keeps the history of every change and enforces tombstones instead of deletion.

A ``before_flush`` hook on the caseload session stamps ``updated_at``/``updated_by``/``revision``
and writes one ``ChangeLog`` row per created, changed, deleted or restored record, with the
fields before and after. Deleting a record through the session is refused: call ``tombstone``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import event, inspect
from sqlmodel import Session

from iro_desk.clock import utcnow
from iro_desk.errors import IroDeskError
from iro_desk.models import ChangeLog, Child, Record

# Fields the hook maintains itself; they are not "what changed" in the history.
_BOOKKEEPING = frozenset({"updated_at", "updated_by", "revision"})


class CaseloadSession(Session):
    """A session whose flushes keep the history. ``info['actor']`` names who is changing."""


def json_value(value: Any) -> Any:
    """A column value as plain JSON: ISO dates, UUID strings, base64 bytes."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def record_values(record: Record) -> dict[str, Any]:
    """Every column of a record as JSON-ready values."""
    return {
        column.key: json_value(getattr(record, column.key))
        for column in inspect(type(record)).columns
    }


def child_of(record: Record) -> uuid.UUID | None:
    """The child a record concerns, for the per-child history view."""
    if isinstance(record, Child):
        return record.id
    child_id = getattr(record, "child_id", None)
    return child_id if isinstance(child_id, uuid.UUID) else None


def tombstone(session: Session, record: Record, *, when: dt.datetime | None = None) -> None:
    """Mark a record deleted. It stays in the file (and in sync) with its history."""
    if record.deleted_at is None:
        record.deleted_at = when or utcnow()
        session.add(record)


def restore(session: Session, record: Record) -> None:
    """Take the tombstone off a record deleted by mistake."""
    if record.deleted_at is not None:
        record.deleted_at = None
        session.add(record)


def _changed_fields(record: Record) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(record)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for column in state.mapper.columns:
        if column.key in _BOOKKEEPING:
            continue
        history = state.attrs[column.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[column.key] = json_value(old)
        after[column.key] = json_value(new)
    return before, after


def _action(before: dict[str, Any], after: dict[str, Any]) -> str:
    if "deleted_at" in after:
        return "delete" if after["deleted_at"] is not None else "restore"
    return "update"


@event.listens_for(CaseloadSession, "before_flush")
def _keep_history(session: Session, _context: Any, _instances: Any) -> None:
    if any(isinstance(obj, Record) for obj in session.deleted):
        session.expunge_all()
        raise IroDeskError(
            "IRO Desk never deletes a record from the caseload; it marks it deleted instead "
            "(this is a bug in IRO Desk: please report it)."
        )
    actor = str(session.info.get("actor", ""))
    now = utcnow()
    entries: list[ChangeLog] = []
    for obj in list(session.new):
        if not isinstance(obj, Record):
            continue
        obj.updated_by = obj.updated_by or actor
        entries.append(
            ChangeLog(
                changed_at=now,
                changed_by=actor,
                table_name=type(obj).__tablename__,
                row_id=obj.id,
                child_id=child_of(obj),
                action="create",
                after_json=json.dumps(record_values(obj), ensure_ascii=False),
            )
        )
    for obj in list(session.dirty):
        if not isinstance(obj, Record) or not session.is_modified(obj):
            continue
        before, after = _changed_fields(obj)
        if not after:
            continue
        obj.updated_at = now
        obj.updated_by = actor
        obj.revision = (obj.revision or 0) + 1
        entries.append(
            ChangeLog(
                changed_at=now,
                changed_by=actor,
                table_name=type(obj).__tablename__,
                row_id=obj.id,
                child_id=child_of(obj),
                action=_action(before, after),
                before_json=json.dumps(before, ensure_ascii=False),
                after_json=json.dumps(after, ensure_ascii=False),
            )
        )
    session.add_all(entries)
