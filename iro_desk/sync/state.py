"""What a laptop remembers between syncs: the base, conflicts waiting, and the sync history.

**The base** is the state of the last successful sync: for every record this laptop holds, its
values as the team file had them then. It is kept copy-on-write, since after a sync most records
are the same here as on the team file: a record's base is its row in ``sync_base_<table>``
(same columns as the caseload table) when there is one, and otherwise the record's own row
here, unless the record is in ``sync_unsynced`` (made here since the last sync: no base at
all). Triggers keep this true between syncs: before a record here is changed or removed, its
row is copied into ``sync_base_<table>`` (unless a base row is there already, or it has no
base), and a record added here is noted in ``sync_unsynced``. A sync removes the base rows of
the records it leaves the same on both sides, so the base tables stay small and a sync does not
rewrite a base row for every record it sends. ``sync_base_change_log`` holds only ids, since
history rows never change, and ``sync_state`` (key/value) the team's id, the team generation
matched, this laptop's id and the scope used. Keeping it in the caseload
file means the base is written in the same transaction as the merge (so a crash can never leave
the two out of step), is encrypted with the caseload, moves with a re-key, and is restored
together with a backup.

**Conflicts** are ``SyncConflict`` rows (one per field) and **the history** is ``SyncRun`` rows;
both belong to this laptop only (``iro_desk.models.LOCAL_TABLES``).

This module also describes the synced tables (``TABLES``) for the engine, and turns raw column
values into text for people and back into Python values.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, LargeBinary, literal_column
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import Session, col, select

from iro_desk import vocab
from iro_desk.clock import utcnow
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.history import restore, tombstone
from iro_desk.models import (
    LOCAL_TABLES,
    RECORD_TABLES,
    ChangeLog,
    Iro,
    Record,
    SyncConflict,
    SyncRun,
)

BASE_PREFIX = "sync_base_"
BASE_CHANGE_LOG = "sync_base_change_log"
STATE_TABLE = "sync_state"
DIRTY_TABLE = "sync_dirty"
UNSYNCED_TABLE = "sync_unsynced"
BOOKKEEPING = ("updated_at", "updated_by", "revision")
# Columns that mean something on one laptop only: never compared, merged or sent.
LOCAL_ONLY_COLUMNS: dict[str, tuple[str, ...]] = {"iro": ("is_me",)}
# Tables whose rows are written once and never changed (triggers refuse UPDATE): union by id.
APPEND_ONLY = frozenset({"challenge_step"})
CHANGE_LOG_COLUMNS: tuple[str, ...] = tuple(
    column.name for column in ChangeLog.__table__.columns  # type: ignore[attr-defined]
)
_DIALECT = sqlite.dialect()


@dataclass(frozen=True)
class TableSpec:
    """How sync sees one caseload table."""

    name: str
    model: type[Record]
    columns: tuple[str, ...]
    compared: tuple[str, ...]
    content: tuple[str, ...]
    local_only: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str], ...]
    append_only: bool

    @property
    def base(self) -> str:
        """The name of this table's base table."""
        return f"{BASE_PREFIX}{self.name}"


def _spec(model: type[Record]) -> TableSpec:
    table = model.__table__  # type: ignore[attr-defined]
    name = str(table.name)
    columns = tuple(column.name for column in table.columns)
    local_only = LOCAL_ONLY_COLUMNS.get(name, ())
    compared = tuple(c for c in columns if c not in local_only)
    content = tuple(c for c in compared if c != "id" and c not in BOOKKEEPING)
    foreign_keys = tuple(
        (column.name, next(iter(column.foreign_keys)).column.table.name)
        for column in table.columns
        if column.foreign_keys
    )
    return TableSpec(
        name=name,
        model=model,
        columns=columns,
        compared=compared,
        content=content,
        local_only=local_only,
        foreign_keys=foreign_keys,
        append_only=name in APPEND_ONLY,
    )


# Every synced table, parents before children.
TABLES: dict[str, TableSpec] = {
    str(model.__tablename__): _spec(model) for model in RECORD_TABLES
}
LOCAL_TABLE_NAMES = frozenset(str(model.__tablename__) for model in LOCAL_TABLES)


# --- The base and the sync state, in the local caseload -------------------------------------


def _dirty_triggers() -> dict[str, str]:
    """The triggers that note every record written, so sync need not compare every row."""
    statements = {}
    for table in (*TABLES, "change_log"):
        events = ("INSERT",) if table in ("change_log", *APPEND_ONLY) else ("INSERT", "UPDATE")
        for event in events:
            name = f"{DIRTY_TABLE}_{table}_{event.lower()}"
            statements[name] = (
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} BEGIN "
                f"INSERT INTO {DIRTY_TABLE} (table_name, row_id) VALUES ('{table}', NEW.id); END"
            )
    return statements


def _base_triggers(spec: TableSpec) -> dict[str, str]:
    """The triggers that keep a record's base when it is changed or removed here (copy-on-write).

    Before a record is changed or removed, its row (its base, while it has no base row and is
    not new) is copied into its base table; a base row already there is kept. A record added
    here is noted as having no base, unless it has a base row.
    """
    t = spec.name
    columns = ", ".join(spec.columns)
    values = ", ".join("0" if c in spec.local_only else f"OLD.{c}" for c in spec.columns)
    # Guarded inserts, not INSERT OR IGNORE: a trigger takes the conflict policy of the
    # statement that fired it (an upsert's is ABORT).
    bodies = {
        f"sync_keep_{t}_{event.lower()}": (
            f"BEFORE {event} ON {t} WHEN NOT EXISTS (SELECT 1 FROM {UNSYNCED_TABLE} WHERE "
            f"table_name = '{t}' AND row_id = OLD.id) BEGIN INSERT INTO {spec.base} "
            f"({columns}) SELECT {values} WHERE NOT EXISTS (SELECT 1 FROM "
            f"{spec.base} WHERE id = OLD.id); END"
        )
        for event in ("UPDATE", "DELETE")
    }
    bodies[f"sync_new_{t}_insert"] = (
        f"AFTER INSERT ON {t} WHEN NOT EXISTS (SELECT 1 FROM {spec.base} WHERE id = NEW.id) "
        f"AND NOT EXISTS (SELECT 1 FROM {UNSYNCED_TABLE} WHERE table_name = '{t}' AND "
        f"row_id = NEW.id) BEGIN INSERT INTO {UNSYNCED_TABLE} (table_name, row_id) "
        f"VALUES ('{t}', NEW.id); END"
    )
    statements = {}
    for stem, body in bodies.items():
        # What a trigger does is part of its name: one made by another version (or for other
        # columns) is replaced.
        name = f"{stem}_{hashlib.sha256(body.encode()).hexdigest()[:8]}"
        statements[name] = f"CREATE TRIGGER IF NOT EXISTS {name} {body}"
    return statements


@dataclass(frozen=True)
class Tracking:
    """Whether sync's notes and base can be trusted: found by ``ensure_sync_tables`` now, or
    remembered in ``sync_state`` since it found them lost, until a sync has answered it."""

    notes_lost: bool  # records written since some moment were not noted: compare every record
    base_lost: bool  # records changed since some moment may have lost their base


def ensure_sync_tables(conn: Any) -> Tracking:
    """Create sync's tables and triggers in the local caseload where missing.

    Columns a schema upgrade added to a caseload table are added to its base table with the
    same default, so upgraded rows still compare equal. Says when triggers had to be made
    again though the tables they keep were there (a caseload table rebuilt by an upgrade loses
    its triggers): until now the changes were not noted (the next sync compares every record),
    and the base of a record changed meanwhile may be gone (the next sync keeps every
    difference as a conflict). Runs in its own short transaction.

    A caseload whose base was kept whole (before copy-on-write) is taken over as it is: each of
    its base rows is still the base, and each record with no base row is noted as new.
    """
    names = {
        row[0]: row[1]
        for row in conn.execute("SELECT name, type FROM main.sqlite_master").fetchall()
    }
    had_unsynced = UNSYNCED_TABLE in names
    fresh: set[str] = set()  # tables whose records have no base row yet: none had one
    conn.execute("BEGIN IMMEDIATE")
    try:
        for model in LOCAL_TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            if table.name in names:
                continue
            conn.execute(str(CreateTable(table, if_not_exists=True).compile(dialect=_DIALECT)))
            for index in table.indexes:
                conn.execute(
                    str(CreateIndex(index, if_not_exists=True).compile(dialect=_DIALECT))
                )
        for spec in TABLES.values():
            info = conn.execute(f"PRAGMA main.table_info({spec.name})").fetchall()
            have = {
                row[1]
                for row in conn.execute(f"PRAGMA main.table_info({spec.base})").fetchall()
            }
            if not have:
                definitions = ", ".join(f'"{row[1]}" {row[2]}' for row in info)
                conn.execute(
                    f"CREATE TABLE main.{spec.base} ({definitions}, PRIMARY KEY (id))"
                )
                fresh.add(spec.name)
                continue
            for row in info:
                if row[1] in have:
                    continue
                default = f" DEFAULT {row[4]}" if row[4] is not None else ""
                conn.execute(
                    f'ALTER TABLE main.{spec.base} ADD COLUMN "{row[1]}" {row[2]}{default}'
                )
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS main.{BASE_CHANGE_LOG} (id CHAR(32) PRIMARY KEY)"
        )
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS main.{STATE_TABLE} "
            "(key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS main.{DIRTY_TABLE} (seq INTEGER PRIMARY KEY "
            "AUTOINCREMENT, table_name TEXT NOT NULL, row_id TEXT NOT NULL)"
        )
        missing = [sql for name, sql in _dirty_triggers().items() if name not in names]
        for statement in missing:
            conn.execute(statement)
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS main.{UNSYNCED_TABLE} (table_name TEXT NOT NULL, "
            "row_id TEXT NOT NULL, PRIMARY KEY (table_name, row_id)) WITHOUT ROWID"
        )
        if not had_unsynced:  # a whole base, or none yet: records without a base row are new
            fresh.update(TABLES)
        has_base = read_state(conn).has_base
        for spec in TABLES.values():
            if spec.name in fresh and has_base:
                conn.execute(
                    f"INSERT OR IGNORE INTO main.{UNSYNCED_TABLE} (table_name, row_id) "
                    f"SELECT '{spec.name}', l.id FROM main.{spec.name} l WHERE NOT EXISTS "
                    f"(SELECT 1 FROM main.{spec.base} b WHERE b.id = l.id)"
                )
        base_lost = False
        for spec in TABLES.values():
            wanted = _base_triggers(spec)
            for name, sql in wanted.items():
                if name in names:
                    continue
                stem = name.rsplit("_", 1)[0] + "_"
                older = [n for n in names if n.startswith(stem) and names[n] == "trigger"]
                for old_name in older:  # another version or other columns: nothing was lost
                    conn.execute(f"DROP TRIGGER IF EXISTS main.{old_name}")
                base_lost = base_lost or (spec.name not in fresh and not older)
                conn.execute(sql)
        # Kept until a sync has answered them (``clear_lost``): a sync stopped or started
        # again must not forget that notes or a base were lost.
        for key, lost in (("notes_lost", bool(missing)), ("base_lost", base_lost)):
            if lost:
                conn.execute(
                    f"INSERT INTO main.{STATE_TABLE} (key, value) VALUES (?, '1') "
                    "ON CONFLICT(key) DO UPDATE SET value = '1'",
                    (key,),
                )
        stored = dict(conn.execute(
            f"SELECT key, value FROM main.{STATE_TABLE} WHERE key IN "
            "('notes_lost', 'base_lost')"
        ).fetchall())
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return Tracking(
        notes_lost=stored.get("notes_lost") == "1", base_lost=stored.get("base_lost") == "1"
    )


def clear_lost(conn: Any, *, notes: bool, base: bool) -> None:
    """Forget lost notes or a lost base, once a sync has answered them (caller's transaction)."""
    keys = [key for key, done in (("notes_lost", notes), ("base_lost", base)) if done]
    for key in keys:
        conn.execute(f"DELETE FROM main.{STATE_TABLE} WHERE key = ?", (key,))


def dirty_mark(conn: Any) -> int:
    """The newest entry in the list of written records."""
    return int(conn.execute(f"SELECT coalesce(max(seq), 0) FROM main.{DIRTY_TABLE}").fetchone()[0])


@dataclass(frozen=True)
class SyncState:
    """What the local caseload remembers about its last successful sync."""

    laptop_id: str = ""
    team_id: str = ""
    generation: int = 0
    scope_key: str = ""
    share_folder: str = ""
    quick_syncs: int = 0

    @property
    def has_base(self) -> bool:
        """True once this caseload has synced with a team file."""
        return bool(self.team_id) and self.generation > 0


def read_state(conn: Any) -> SyncState:
    """The sync state stored in the local caseload (empty before the first sync)."""
    exists = conn.execute(
        "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (STATE_TABLE,)
    ).fetchone()
    if not exists:
        return SyncState()
    values = dict(conn.execute(f"SELECT key, value FROM main.{STATE_TABLE}").fetchall())
    return SyncState(
        laptop_id=values.get("laptop_id", ""),
        team_id=values.get("team_id", ""),
        generation=int(values.get("generation", "0") or 0),
        scope_key=values.get("scope_key", ""),
        share_folder=values.get("share_folder", ""),
        quick_syncs=int(values.get("quick_syncs", "0") or 0),
    )


def write_state(conn: Any, state: SyncState) -> None:
    """Store the sync state (inside the caller's transaction)."""
    for key, value in (
        ("laptop_id", state.laptop_id),
        ("team_id", state.team_id),
        ("generation", str(state.generation)),
        ("scope_key", state.scope_key),
        ("share_folder", state.share_folder),
        ("quick_syncs", str(state.quick_syncs)),
    ):
        conn.execute(
            f"INSERT INTO main.{STATE_TABLE} (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


@dataclass(frozen=True)
class SentMark:
    """A generation this laptop was about to write to the share, noted before it was written.

    Kept until the sync that wrote it is recorded here. When that sync was cut short between
    writing the generation and recording it (killed, or started again because the IRO edited
    meanwhile), the next sync finds the generation by its ``nonce`` and takes this laptop's own
    records in it as the base: the team file and this laptop both had those values. Records in
    ``not_ours`` (merged with the team's changes, which this laptop never got) are left alone.
    """

    nonce: str
    generation: int
    not_ours: dict[str, list[str]]


_SENT_KEYS = ("sent_nonce", "sent_generation", "sent_not_ours")


def write_sent(conn: Any, mark: SentMark) -> None:
    """Note the generation about to be written (inside the caller's transaction)."""
    for key, value in zip(
        _SENT_KEYS,
        (mark.nonce, str(mark.generation), json.dumps(mark.not_ours, sort_keys=True)),
        strict=True,
    ):
        conn.execute(
            f"INSERT INTO main.{STATE_TABLE} (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def read_sent(conn: Any) -> SentMark | None:
    """The generation noted by ``write_sent`` and not yet recorded as synced, if any."""
    marks = ", ".join("?" for _ in _SENT_KEYS)
    values = dict(conn.execute(
        f"SELECT key, value FROM main.{STATE_TABLE} WHERE key IN ({marks})", _SENT_KEYS
    ).fetchall())
    if not values.get("sent_nonce"):
        return None
    try:
        not_ours = json.loads(values.get("sent_not_ours") or "{}")
        return SentMark(values["sent_nonce"], int(values.get("sent_generation") or 0), not_ours)
    except (ValueError, TypeError):
        return SentMark(values["sent_nonce"], 0, {})  # unreadable: matches no generation


def clear_sent(conn: Any) -> None:
    """Forget the noted generation (inside the caller's transaction)."""
    marks = ", ".join("?" for _ in _SENT_KEYS)
    conn.execute(f"DELETE FROM main.{STATE_TABLE} WHERE key IN ({marks})", _SENT_KEYS)


def forget_base(conn: Any) -> None:
    """Empty the base, inside the caller's transaction, which then gives every record here a
    base or notes it as new (until it does, each record here would be its own base)."""
    conn.execute(f"DELETE FROM main.{UNSYNCED_TABLE}")
    for spec in TABLES.values():
        conn.execute(f"DELETE FROM main.{spec.base}")
    conn.execute(f"DELETE FROM main.{BASE_CHANGE_LOG}")


# --- Raw values: JSON for conflicts, Python values for the ORM, text for people ---------------


def encode_raw(value: Any) -> str:
    """A raw column value as JSON (bytes as ``{"$bytes": base64}``)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return json.dumps({"$bytes": base64.b64encode(bytes(value)).decode("ascii")})
    return json.dumps(value, ensure_ascii=False)


def decode_raw(text: str) -> Any:
    """The raw column value stored by ``encode_raw``."""
    value = json.loads(text)
    if isinstance(value, dict) and set(value) == {"$bytes"}:
        return base64.b64decode(value["$bytes"])
    return value


def _column(spec: TableSpec, field: str) -> Any:
    return spec.model.__table__.c[field]  # type: ignore[attr-defined]


def python_value(spec: TableSpec, field: str, raw: Any) -> Any:
    """A raw stored value as the Python value the model holds (date, UUID, bool...)."""
    if raw is None:
        return None
    column_type = _column(spec, field).type.dialect_impl(_DIALECT)
    processor = column_type.result_processor(_DIALECT, None)
    return processor(raw) if processor else raw


def raw_value(spec: TableSpec, field: str, value: Any) -> Any:
    """A Python value as it is stored in the caseload file."""
    if value is None:
        return None
    processor = _column(spec, field).type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
    return processor(value) if processor else value


_FIELD_WORDS = {
    "deleted_at": "Deleted",
    "upn": "UPN",
    "dob": "Date of birth",
    "child_ref": "Child ID",
    "allocated_iro_id": "Allocated IRO",
    "covering_iro_id": "Covering IRO",
    "iro_id": "IRO",
}


def field_label(field: str) -> str:
    """A column name in words: ``scheduled_date`` -> ``Scheduled date``."""
    if field in _FIELD_WORDS:
        return _FIELD_WORDS[field]
    text = field.removesuffix("_id").replace("_", " ")
    return text[:1].upper() + text[1:]


def display_value(
    spec: TableSpec, field: str, raw: Any, iro_names: Mapping[str, str] | None = None
) -> str:
    """A raw value as the IRO reads it."""
    if field == "deleted_at":
        return "Not deleted" if raw is None else f"Deleted {str(raw)[:16]} UTC"
    if raw is None or raw == "":
        return "(empty)"
    column_type = _column(spec, field).type
    if isinstance(column_type, Boolean):
        return "Yes" if raw else "No"
    if isinstance(column_type, LargeBinary) or isinstance(raw, bytes):
        return f"(a file of {len(raw)} bytes)"
    if isinstance(column_type, DateTime):
        return f"{str(raw)[:16]} UTC"
    if isinstance(column_type, Date):
        return str(raw)
    if field.endswith("_iro_id") or field == "iro_id":
        return (iro_names or {}).get(str(raw), "another IRO")
    if field.endswith("_id"):
        return "(another record)"
    return str(raw)


_TABLE_WORDS = {
    "iro": "IRO",
    "child": "Child",
    "care_episode": "Care episode",
    "case_track": "Review track",
    "person": "Person",
    "review": "Review",
    "decision": "Decision",
    "visit": "Visit",
    "qa_tool": "QA tool",
    "challenge": "Challenge",
    "challenge_step": "Challenge step",
    "letter": "Letter",
}


def table_word(table: str) -> str:
    """What a table's records are called."""
    return _TABLE_WORDS.get(table, table.replace("_", " ").capitalize())


def _short(text: Any, length: int = 40) -> str:
    value = " ".join(str(text or "").split())
    return value if len(value) <= length else value[: length - 1] + "…"


def record_label(table: str, row: Mapping[str, Any], child_names: Mapping[str, str]) -> str:
    """One line naming a record: what it is and whose it is."""
    child = child_names.get(str(row.get("child_id") or ""), "")
    whose = f" — {child}" if child else ""
    if table == "iro":
        return f"IRO {row.get('name', '')}"
    if table == "child":
        first = row.get("preferred_name") or row.get("first_name") or ""
        return f"Child {first} {row.get('last_name', '')} ({row.get('child_ref', '')})"
    if table == "case_track":
        kind = vocab.TRACK_KINDS.get(str(row.get("kind")), str(row.get("kind")))
        who = child or str(row.get("household_name") or "")
        return f"{kind}{' — ' + who if who else ''}"
    if table == "review":
        when = row.get("held_on") or row.get("scheduled_date") or "no date"
        return f"Review {when} ({row.get('status', '')}){whose}"
    if table == "decision":
        return f"Decision “{_short(row.get('text'))}”{whose}"
    if table == "visit":
        return f"Visit {row.get('visit_date', '')}{whose}"
    if table == "person":
        role = vocab.PERSON_ROLES.get(str(row.get("role")), str(row.get("role")))
        return f"{role} {row.get('name', '')}{whose}"
    if table == "care_episode":
        return f"Care episode from {row.get('start_date', '')}{whose}"
    if table == "qa_tool":
        return f"QA tool {row.get('started_on', '')}{whose}"
    if table == "challenge":
        return f"Challenge “{_short(row.get('theme'))}”{whose}"
    if table == "challenge_step":
        return f"Challenge step “{row.get('step', '')}” {row.get('on_date', '')}{whose}"
    if table == "letter":
        return f"Letter ({row.get('kind', '')}){whose}"
    return f"{table_word(table)} {row.get('id', '')}"


@functools.cache
def label_columns(table: str) -> tuple[str, ...]:
    """The columns ``record_label`` reads for a table (found by asking it), with the id, the
    child's id and the tombstone: what a list of records needs to read, and no more."""
    asked: set[str] = {"id", "child_id", "deleted_at"}

    class _Asked(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            asked.add(key)
            return default

    record_label(table, _Asked(), {})
    return tuple(c for c in TABLES[table].columns if c in asked)


def child_display_name(row: Mapping[str, Any]) -> str:
    """A child row's name as the IRO speaks of them."""
    first = row.get("preferred_name") or row.get("first_name") or ""
    return f"{first} {row.get('last_name', '')}".strip()


# --- Conflicts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictField:
    """One field of a record in conflict, with the three values to choose from."""

    conflict_id: uuid.UUID
    field: str
    label: str
    kind: str
    base: Any
    local: Any
    theirs: Any
    base_text: str
    local_text: str
    theirs_text: str
    theirs_by: str


@dataclass(frozen=True)
class ConflictRecord:
    """A record with one or more fields in conflict."""

    table_name: str
    row_id: uuid.UUID
    child_id: uuid.UUID | None
    label: str
    found_at: dt.datetime
    fields: tuple[ConflictField, ...]

    @property
    def what(self) -> str:
        """What kind of record it is."""
        return table_word(self.table_name)


def _table_exists(session: Session, name: str) -> bool:
    connection = session.connection()
    row = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).first()
    return row is not None


def iro_names(session: Session) -> dict[str, str]:
    """IRO ids (as stored) to names."""
    return {iro.id.hex: iro.name for iro in session.exec(select(Iro)).all()}


def _record(session: Session, spec: TableSpec, row_id: uuid.UUID) -> Record | None:
    return session.get(spec.model, row_id)


def _current_raw(spec: TableSpec, record: Record | None, field: str) -> Any:
    if record is None:
        return None
    return raw_value(spec, field, getattr(record, field))


def open_conflicts(session: Session) -> list[ConflictRecord]:
    """The conflicts waiting for the IRO, one entry per record, oldest first.

    "This laptop" is the record's value now (the IRO may have edited it since).
    """
    if not _table_exists(session, SyncConflict.__tablename__):
        return []
    rows = session.exec(
        select(SyncConflict)
        .where(SyncConflict.status == "open")
        .order_by(col(SyncConflict.created_at), col(SyncConflict.table_name))
    ).all()
    names = iro_names(session)
    grouped: dict[tuple[str, uuid.UUID], list[SyncConflict]] = {}
    for row in rows:
        grouped.setdefault((row.table_name, row.row_id), []).append(row)
    records = []
    for (table_name, row_id), fields in grouped.items():
        spec = TABLES.get(table_name)
        if spec is None:
            continue
        record = _record(session, spec, row_id)
        items = []
        for conflict in sorted(fields, key=lambda c: spec.columns.index(c.field)):
            base = decode_raw(conflict.base_json)
            local = (
                _current_raw(spec, record, conflict.field)
                if record is not None
                else decode_raw(conflict.local_json)
            )
            theirs = decode_raw(conflict.theirs_json)
            items.append(
                ConflictField(
                    conflict_id=conflict.id,
                    field=conflict.field,
                    label=field_label(conflict.field),
                    kind=conflict.kind,
                    base=base,
                    local=local,
                    theirs=theirs,
                    base_text=display_value(spec, conflict.field, base, names),
                    local_text=display_value(spec, conflict.field, local, names),
                    theirs_text=display_value(spec, conflict.field, theirs, names),
                    theirs_by=conflict.theirs_by,
                )
            )
        first = fields[0]
        records.append(
            ConflictRecord(
                table_name=table_name,
                row_id=row_id,
                child_id=first.child_id,
                label=first.label or table_word(table_name),
                found_at=min(c.created_at for c in fields),
                fields=tuple(items),
            )
        )
    return records


def count_open_conflicts(session: Session) -> int:
    """How many records have conflicts waiting."""
    return len({(c.table_name, c.row_id) for c in _open_rows(session)})


def _open_rows(session: Session) -> list[SyncConflict]:
    if not _table_exists(session, SyncConflict.__tablename__):
        return []
    return list(session.exec(select(SyncConflict).where(SyncConflict.status == "open")).all())


TAKE_CHOICES = ("local", "theirs")


def resolve_record(
    session: Session,
    *,
    table_name: str,
    row_id: uuid.UUID,
    choices: Mapping[str, str],
    when: dt.datetime | None = None,
) -> list[str]:
    """Settle conflicts of one record: ``choices`` maps a field to ``local`` or ``theirs``.

    The record takes each chosen value as an ordinary edit (kept in its history, and sent to
    the team file at the next sync); each settled conflict is closed with the choice. Fields
    not named stay open. Returns the fields settled.
    """
    spec = TABLES.get(table_name)
    if spec is None:
        raise ValidationError(f"{table_name} is not a caseload table.")
    problems = {f: f"choose local or theirs, not {c!r}" for f, c in choices.items()
                if c not in TAKE_CHOICES}
    if problems:
        raise ValidationError("Some choices are not valid.", problems)
    open_rows = {
        c.field: c
        for c in _open_rows(session)
        if c.table_name == table_name and c.row_id == row_id
    }
    unknown = {f: "this field has no open conflict" for f in choices if f not in open_rows}
    if unknown:
        raise ValidationError("Some fields are not in conflict.", unknown)
    record = _record(session, spec, row_id)
    if record is None:
        raise IroDeskError(
            f"The {table_word(table_name).lower()} in conflict is no longer on this laptop."
        )
    when = when or utcnow()
    actor = str(session.info.get("actor", ""))
    settled = []
    for field, choice in choices.items():
        conflict = open_rows[field]
        chosen = decode_raw(conflict.theirs_json) if choice == "theirs" else _current_raw(
            spec, record, field
        )
        if choice == "theirs":
            _apply_value(session, spec, record, field, chosen)
        conflict.status = "resolved"
        conflict.resolution = choice
        conflict.resolved_json = encode_raw(chosen)
        conflict.resolved_at = when
        conflict.resolved_by = actor
        session.add(conflict)
        settled.append(field)
    session.add(record)
    # A value kept as it was is still a change the team file has not seen: note the record.
    if _table_exists(session, DIRTY_TABLE):
        session.connection().exec_driver_sql(
            f"INSERT INTO {DIRTY_TABLE} (table_name, row_id) VALUES (?, ?)",
            (table_name, row_id.hex),
        )
    return settled


def _apply_value(
    session: Session, spec: TableSpec, record: Record, field: str, raw: Any
) -> None:
    value = python_value(spec, field, raw)
    if field == "deleted_at":
        if value is None:
            restore(session, record)
        else:
            tombstone(session, record, when=value)
        return
    setattr(record, field, value)


def find_conflict_record(
    session: Session, ident: uuid.UUID
) -> tuple[ConflictRecord, list[str]] | None:
    """The open conflict record named by a conflict id or a record id, and its fields."""
    for record in open_conflicts(session):
        if record.row_id == ident:
            return record, [f.field for f in record.fields]
        for item in record.fields:
            if item.conflict_id == ident:
                return record, [item.field]
    return None


# --- History -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncRunInfo:
    """One sync in the history."""

    id: uuid.UUID
    started_at: dt.datetime
    finished_at: dt.datetime
    generation: int
    published: int | None
    path: str
    came_in: int
    went_out: int
    conflicts_new: int
    conflicts_open: int
    left_laptop: int
    share_folder: str
    details: dict[str, Any]


def _info(run: SyncRun) -> SyncRunInfo:
    try:
        details = json.loads(run.details_json)
    except json.JSONDecodeError:
        details = {}
    return SyncRunInfo(
        id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        generation=run.generation,
        published=run.published,
        path=run.path,
        came_in=run.came_in,
        went_out=run.went_out,
        conflicts_new=run.conflicts_new,
        conflicts_open=run.conflicts_open,
        left_laptop=run.left_laptop,
        share_folder=run.share_folder,
        details=details if isinstance(details, dict) else {},
    )


def sync_history(session: Session, *, limit: int = 100) -> list[SyncRunInfo]:
    """The latest successful syncs, newest first."""
    if not _table_exists(session, SyncRun.__tablename__):
        return []
    runs = session.exec(
        select(SyncRun)
        .order_by(col(SyncRun.finished_at).desc(), literal_column("sync_run.rowid").desc())
        .limit(limit)
    ).all()
    return [_info(run) for run in runs]


def insert_row(conn: Any, model: type[Record], values: Mapping[str, Any]) -> None:
    """Insert one row of a local table with raw SQL (no history entry for sync's bookkeeping)."""
    table = model.__table__  # type: ignore[attr-defined]
    spec_columns = [column.name for column in table.columns]
    converted = []
    for name in spec_columns:
        column = table.c[name]
        value = values.get(name, _default(model, name))
        processor = column.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
        converted.append(processor(value) if (processor and value is not None) else value)
    placeholders = ", ".join("?" for _ in spec_columns)
    conn.execute(
        f"INSERT INTO main.{table.name} ({', '.join(spec_columns)}) VALUES ({placeholders})",
        converted,
    )


def _default(model: type[Record], name: str) -> Any:
    info = model.model_fields[name]
    return info.get_default(call_default_factory=True)
