"""Export a whole caseload to one JSON document, and import such a document back.

The JSON document (format ``iro-desk-caseload``, version 1, described in docs/file-formats.md)
holds every row of every caseload table, tombstoned rows included (sync and the audit trail
depend on ``deleted_at``), every column, the settings, and the change history. Exporting a
caseload, importing the document into a new file and exporting again gives the same document
apart from ``exported_at``.

Import checks the whole document before it writes anything: the format and version, that every
table and column is known, that every value has the right type (dates, UUIDs, UTC timestamps,
base64 for bytes), that no id is used twice and that every reference resolves. Rows already in
the caseload with the same id and content are skipped; a row with the same id but different
content is a conflict and the whole import is refused (merging two caseloads is sync's job).
Any problem refuses the whole import, naming each bad row, and leaves the caseload untouched.

History: the document's ``history`` (the ``change_log`` rows) is copied in as it was written,
so a moved caseload keeps who changed what and when, and no entries of the import's own are
added. A document without a ``history`` key gets one ``create`` entry per imported record.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Column, Table, insert, select
from sqlmodel import Session

from iro_desk import __version__
from iro_desk.backups import make_backup
from iro_desk.clock import utcnow
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.files import atomic_write_text
from iro_desk.history import json_value
from iro_desk.models import RECORD_TABLES, ChangeLog, Setting, UtcDateTime
from iro_desk.settings import Settings
from iro_desk.store import SCHEMA_VERSION, CaseloadStore

FORMAT_NAME = "iro-desk-caseload"
FORMAT_VERSION = 1

# The tables a document holds, by name, in import order (parents before children).
RECORD_TABLE_BY_NAME: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[attr-defined]
    for model in RECORD_TABLES
}
HISTORY_TABLE: Table = ChangeLog.__table__  # type: ignore[attr-defined]
# Columns the app itself fills when a row is made; a document must always carry them.
_ALWAYS_REQUIRED = frozenset({"id", "created_at", "updated_at"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Half of a UTF-16 pair: JSON can spell one ("\ud800") but no text file or database can hold it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_BROKEN_CHARACTER = (
    "holds a broken character (an unpaired \\u{code:04x}, at character {at}), as a damaged "
    "or hand-edited file has; export the caseload again"
)


# --- Export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: the file, the rows per table and the history entries."""

    path: Path
    counts: dict[str, int]
    history: int


def _table_rows(session: Session, table: Table) -> list[dict[str, Any]]:
    """Every row of ``table`` with every column as JSON-ready values (as history.json_value)."""
    plain = {_parse_text, _parse_int, _parse_bool}  # values already JSON: nothing to convert
    columns = [(column.key, _parser_for(column) not in plain) for column in table.columns]
    return [
        {key: json_value(row[key]) if convert else row[key] for key, convert in columns}
        for row in session.execute(select(table)).mappings()
    ]


def caseload_document(session: Session, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The whole caseload as a JSON-ready document (see docs/file-formats.md)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for name, table in RECORD_TABLE_BY_NAME.items():
        tables[name] = sorted(_table_rows(session, table), key=lambda row: row["id"])
    history = sorted(
        _table_rows(session, HISTORY_TABLE), key=lambda row: (row["changed_at"], row["id"])
    )
    settings = {
        row.key: json.loads(row.value_json)
        for row in session.execute(select(Setting).order_by(Setting.key)).scalars()
    }
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
        "app_version": __version__,
        "exported_at": (now or utcnow()).isoformat(),
        "settings": settings,
        "tables": tables,
        "history": history,
    }


def _rows_text(rows: list[dict[str, Any]], indent: str) -> str:
    if not rows:
        return "[]"
    lines = ",\n".join(indent + " " + json.dumps(row, ensure_ascii=False) for row in rows)
    return f"[\n{lines}\n{indent}]"


def document_text(document: dict[str, Any]) -> str:
    """The document as the exported file holds it: UTF-8 JSON, one record per line.

    One line per record keeps a large caseload quick to write (the C JSON encoder does each
    line) and lets people compare two exports line by line.
    """
    parts: list[str] = []
    for key, value in document.items():
        if key == "tables":
            tables = ",\n".join(
                f"  {json.dumps(name)}: {_rows_text(rows, '  ')}" for name, rows in value.items()
            )
            text = "{\n" + tables + "\n }"
        elif key == "history":
            text = _rows_text(value, " ")
        elif key == "settings" and value:
            settings = ",\n".join(
                f"  {json.dumps(name)}: {json.dumps(setting, ensure_ascii=False)}"
                for name, setting in sorted(value.items())
            )
            text = "{\n" + settings + "\n }"
        else:
            text = json.dumps(value, ensure_ascii=False)
        parts.append(f" {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def export_caseload(
    store: CaseloadStore, path: Path, *, now: dt.datetime | None = None
) -> ExportSummary:
    """Write the whole caseload to ``path`` as JSON, atomically, readable only by the user."""
    path = Path(path)
    if path.resolve() == store.path.resolve():
        raise IroDeskError(
            f"{path.name} is the caseload file itself; choose another name for the export."
        )
    with store.session() as session:
        document = caseload_document(session, now=now)
    atomic_write_text(path, document_text(document), private=True)
    counts = {name: len(rows) for name, rows in document["tables"].items()}
    return ExportSummary(path=path, counts=counts, history=len(document["history"]))


# --- Reading and checking a document --------------------------------------------------------------


class _BadValueError(Exception):
    """One value that does not fit its column; the message says why."""


def _broken_character(text: str) -> str | None:
    """Why ``text`` cannot be stored, when it holds a lone surrogate; else None."""
    match = _LONE_SURROGATE.search(text)
    if match is None:
        return None
    return _BROKEN_CHARACTER.format(code=ord(match.group()), at=match.start() + 1)


def _parse_text(value: Any) -> str:
    if not isinstance(value, str):
        raise _BadValueError(f"{value!r} is not text")
    if broken := _broken_character(value):
        raise _BadValueError(broken)
    return value


def _parse_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadValueError(f"{value!r} is not a whole number")
    return value


def _parse_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _BadValueError(f"{value!r} is not true or false")
    return value


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise _BadValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _BadValueError(f"{value!r} is not a date (no such day)") from None


def _parse_timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, str) or not _ISO_DATE.match(value) or "T" not in value:
        raise _BadValueError(f"{value!r} is not a timestamp (YYYY-MM-DDTHH:MM:SS+00:00)")
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _BadValueError(f"{value!r} is not a timestamp (no such moment)") from None
    if stamp.tzinfo is None:
        raise _BadValueError(f"{value!r} has no time zone; timestamps are UTC (+00:00)")
    return stamp.astimezone(dt.UTC)


def _parse_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise _BadValueError(f"{value!r} is not a UUID")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _BadValueError(f"{value!r} is not a UUID") from None


def _parse_bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise _BadValueError("is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _BadValueError("is not valid base64") from None


def _parser_for(column: Column[Any]) -> Callable[[Any], Any]:
    """How a column's JSON value is read; every column type in the model must be known here."""
    column_type = column.type
    if isinstance(column_type, UtcDateTime):
        return _parse_timestamp
    if isinstance(column_type, sa.types.TypeDecorator):  # e.g. sqlmodel's AutoString
        column_type = column_type.impl_instance
    kinds: tuple[tuple[type[Any], Callable[[Any], Any]], ...] = (
        (sa.Uuid, _parse_uuid),
        (sa.Boolean, _parse_bool),
        (sa.Integer, _parse_int),
        (sa.Date, _parse_date),
        (sa.LargeBinary, _parse_bytes),
        (sa.String, _parse_text),
    )
    for kind, parser in kinds:
        if isinstance(column_type, kind):
            return parser
    raise TypeError(f"column {column} has a type export/import does not know: {column_type!r}")


@dataclass(frozen=True)
class _ColumnSpec:
    """What import needs to know about one column."""

    key: str
    parse: Callable[[Any], Any]
    nullable: bool
    required: bool
    default: Any
    references: str | None  # the table a foreign key points at
    unique: bool


def _column_specs(table: Table) -> dict[str, _ColumnSpec]:
    unique_columns = {
        next(iter(index.columns)).key
        for index in table.indexes
        if index.unique and len(index.columns) == 1
    }
    specs: dict[str, _ColumnSpec] = {}
    for column in table.columns:
        default = column.default
        scalar = getattr(default, "is_scalar", False)
        required = column.key in _ALWAYS_REQUIRED or (
            not column.nullable and (default is None or not scalar)
        )
        targets = [fk.column.table.name for fk in column.foreign_keys]
        specs[column.key] = _ColumnSpec(
            key=column.key,
            parse=_parser_for(column),
            nullable=bool(column.nullable),
            required=required,
            default=default.arg if scalar else None,  # type: ignore[union-attr]
            references=targets[0] if targets else None,
            unique=column.key in unique_columns,
        )
    return specs


_SPECS: dict[str, dict[str, _ColumnSpec]] = {
    name: _column_specs(table) for name, table in RECORD_TABLE_BY_NAME.items()
}
_HISTORY_SPECS = _column_specs(HISTORY_TABLE)


@dataclass
class _Row:
    """One row of the document, read into Python values."""

    where: str  # e.g. "tables.child[3] (id 5f0c...)"
    values: dict[str, Any]
    normal: dict[str, Any]  # the values as JSON, for comparing with the caseload


@dataclass
class CaseloadDocument:
    """A document read and checked on its own; ``check_against`` looks at a caseload too."""

    source: str
    tables: dict[str, list[_Row]]
    history: list[_Row] | None
    settings: dict[str, Any]
    # Problems found in the file itself; reported together with those found against a caseload.
    problems: dict[str, str] = field(default_factory=dict)
    # table -> every id the file holds (bad rows' too, so one bad row is named once, not again
    # by every row that refers to it).
    ids: dict[str, set[str]] = field(default_factory=dict)


def _add_problem(problems: dict[str, str], where: str, why: str) -> None:
    """Note a problem with a row; a row with several problems lists them all."""
    problems[where] = f"{problems[where]}; {why}" if where in problems else why


def _row_where(section: str, index: int, raw: Any) -> str:
    row_id = raw.get("id") if isinstance(raw, dict) else None
    return f"{section}[{index}] (id {row_id})" if isinstance(row_id, str) else f"{section}[{index}]"


def _read_row(
    section: str,
    index: int,
    raw: Any,
    specs: dict[str, _ColumnSpec],
    problems: dict[str, str],
    ids: set[str],
) -> _Row | None:
    where = _row_where(section, index, raw)
    if not isinstance(raw, dict):
        problems[where] = "is not a JSON object"
        return None
    with contextlib.suppress(_BadValueError):
        ids.add(str(_parse_uuid(raw.get("id"))))
    faults: list[str] = [f"{key}: not a column of {section}" for key in raw if key not in specs]
    values: dict[str, Any] = {}
    for key, spec in specs.items():
        if key not in raw:
            if spec.required:
                faults.append(f"{key}: missing")
            else:
                values[key] = spec.default
            continue
        value = raw[key]
        if value is None:
            if not spec.nullable:
                faults.append(f"{key}: must have a value")
            values[key] = None
            continue
        try:
            values[key] = spec.parse(value)
        except _BadValueError as exc:
            faults.append(f"{key}: {exc}")
    if faults:
        _add_problem(problems, where, "; ".join(faults))
        return None
    return _Row(where=where, values=values, normal={k: json_value(v) for k, v in values.items()})


def _check_header(document: Any, source: str) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ValidationError(
            f"{source} is not an IRO Desk caseload export (its \"format\" is not "
            f"\"{FORMAT_NAME}\"); nothing was imported."
        )
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError(f"{source} has no format version; nothing was imported.")
    if version > FORMAT_VERSION:
        raise ValidationError(
            f"{source} was written by a newer IRO Desk (export format version {version}; this "
            f"app reads up to {FORMAT_VERSION}). Update IRO Desk to import it; nothing was "
            "imported."
        )
    if version < 1:
        raise ValidationError(f"{source} has an unknown format version {version}.")
    schema = document.get("schema_version")
    if isinstance(schema, bool) or not isinstance(schema, int):
        raise ValidationError(f"{source} has no schema_version; nothing was imported.")
    if schema > SCHEMA_VERSION:
        raise ValidationError(
            f"{source} was written by a newer IRO Desk (caseload schema {schema}; this app "
            f"knows up to {SCHEMA_VERSION}). Update IRO Desk to import it; nothing was imported."
        )


def _read_settings(raw: Any, problems: dict[str, str]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems["settings"] = "is not a JSON object"
        return {}
    for key, value in raw.items():
        if broken := _broken_character(json.dumps({key: value}, ensure_ascii=False)):
            problems[f"settings.{key}"] = broken
    known = {key: value for key, value in raw.items() if key in Settings.model_fields}
    try:
        Settings.model_validate(known)
    except PydanticValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems[f"settings.{where}"] = error["msg"]
    return dict(raw)


def _check_duplicates(section: str, rows: Iterable[_Row], problems: dict[str, str]) -> None:
    first_seen: dict[Any, str] = {}
    for row in rows:
        row_id = row.values["id"]
        if row_id in first_seen:
            _add_problem(problems, row.where, f"id: also used by {first_seen[row_id]}")
        else:
            first_seen[row_id] = row.where


def parse_document(
    document: Any, *, source: str = "the file", check: Callable[[], None] | None = None
) -> CaseloadDocument:
    """Read a decoded JSON document: header, tables, columns, types, duplicate ids.

    Problems in rows are kept in ``problems`` and reported, all together with any found
    against the caseload (references, conflicts), by ``plan_import``. ``check`` is called
    before each table is read and may raise (e.g. ``WorkCancelledError``).

    Raises:
        ValidationError: the document is not an export this app can read (format, version).
    """
    _check_header(document, source)
    stop_if_asked = check or (lambda: None)
    problems: dict[str, str] = {}
    ids: dict[str, set[str]] = {name: set() for name in RECORD_TABLE_BY_NAME}
    raw_tables = document.get("tables")
    if not isinstance(raw_tables, dict):
        raise ValidationError(f"{source} has no \"tables\" object; nothing was imported.")
    tables: dict[str, list[_Row]] = {name: [] for name in RECORD_TABLE_BY_NAME}
    for name, raw_rows in raw_tables.items():
        stop_if_asked()
        section = f"tables.{name}"
        if name not in RECORD_TABLE_BY_NAME:
            problems[section] = "not a table IRO Desk knows"
            continue
        if not isinstance(raw_rows, list):
            problems[section] = "is not a list of rows"
            continue
        for index, raw in enumerate(raw_rows):
            row = _read_row(section, index, raw, _SPECS[name], problems, ids[name])
            if row is not None:
                tables[name].append(row)
        _check_duplicates(section, tables[name], problems)
    history: list[_Row] | None = None
    if "history" in document:
        stop_if_asked()
        history = []
        raw_history = document["history"]
        if not isinstance(raw_history, list):
            problems["history"] = "is not a list of changes"
            raw_history = []
        for index, raw in enumerate(raw_history):
            row = _read_row("history", index, raw, _HISTORY_SPECS, problems, set())
            if row is None:
                continue
            for key in ("before_json", "after_json"):
                try:
                    json.loads(row.values[key])
                except json.JSONDecodeError:
                    _add_problem(problems, row.where, f"{key}: is not JSON text")
            history.append(row)
        _check_duplicates("history", history, problems)
    settings = _read_settings(document.get("settings"), problems)
    return CaseloadDocument(
        source=source, tables=tables, history=history, settings=settings, problems=problems,
        ids=ids,
    )


def read_document(path: Path, *, check: Callable[[], None] | None = None) -> CaseloadDocument:
    """Read and check the JSON export at ``path`` (see ``parse_document``)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise IroDeskError(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise IroDeskError(f"{path} is a folder, not an export file.") from None
    except UnicodeDecodeError:
        raise ValidationError(
            f"{path.name} is not UTF-8 text, so it is not an IRO Desk export; nothing was imported."
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "nothing was imported."
        ) from None
    return parse_document(document, source=path.name, check=check)


def _printable(text: str) -> str:
    """``text`` with any lone surrogate spelt out (\\ud800), so the message can be shown."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _refusal(source: str, problems: dict[str, str]) -> ValidationError:
    count = len(problems)
    noun = "problem" if count == 1 else "problems"
    return ValidationError(
        f"{source} cannot be imported: {count} {noun} found, so nothing was imported. "
        "Each is listed with where it is in the file:",
        {_printable(where): _printable(why) for where, why in problems.items()},
    )


# --- Comparing with a caseload and importing ------------------------------------------------------


@dataclass
class _Snapshot:
    """What the caseload already holds, as the import needs to see it."""

    rows: dict[str, dict[Any, dict[str, Any]]]  # table -> id -> values as JSON
    unique: dict[tuple[str, str], dict[Any, Any]]  # (table, column) -> value -> id
    history: dict[Any, dict[str, Any]]
    settings: dict[str, Any]

    @classmethod
    def empty(cls) -> _Snapshot:
        """The snapshot of a caseload that does not exist yet."""
        return cls(rows={name: {} for name in RECORD_TABLE_BY_NAME}, unique={}, history={},
                   settings={})

    @classmethod
    def of(cls, session: Session) -> _Snapshot:
        """Read the caseload's rows, history and settings."""
        rows: dict[str, dict[Any, dict[str, Any]]] = {}
        unique: dict[tuple[str, str], dict[Any, Any]] = {}
        for name, table in RECORD_TABLE_BY_NAME.items():
            rows[name] = {row["id"]: row for row in _table_rows(session, table)}
            for key, spec in _SPECS[name].items():
                if spec.unique:
                    unique[(name, key)] = {row[key]: row["id"] for row in rows[name].values()}
        history = {row["id"]: row for row in _table_rows(session, HISTORY_TABLE)}
        settings = {
            row.key: json.loads(row.value_json)
            for row in session.execute(select(Setting)).scalars()
        }
        return cls(rows=rows, unique=unique, history=history, settings=settings)

    def holds_anything(self) -> bool:
        """True when the caseload has any record or history."""
        return bool(self.history) or any(self.rows.values())


@dataclass
class ImportPlan:
    """What importing a document would do; ``problems`` non-empty means refuse it."""

    new_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    new_history: list[dict[str, Any]] = field(default_factory=list)
    unchanged_history: int = 0
    settings_added: dict[str, Any] = field(default_factory=dict)
    settings_kept: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    conflicts: int = 0


def _differences(row: _Row, existing: dict[str, Any]) -> list[str]:
    return [key for key, value in row.normal.items() if existing.get(key) != value]


def _plan_table(
    document: CaseloadDocument, name: str, snapshot: _Snapshot, plan: ImportPlan
) -> None:
    existing = snapshot.rows[name]
    plan.new_rows[name] = []
    plan.unchanged[name] = 0
    specs = _SPECS[name]
    claimed: dict[tuple[str, Any], str] = {}
    for row in document.tables[name]:
        faults: list[str] = []
        for key, spec in specs.items():
            target = spec.references
            value = row.normal.get(key)
            if target is None or value is None:
                continue
            if value not in document.ids[target] and value not in snapshot.rows[target]:
                faults.append(f"{key}: no {target} with id {value} in the file or the caseload")
        row_id = row.normal["id"]
        if row_id in existing:
            changed = _differences(row, existing[row_id])
            if changed:
                plan.conflicts += 1
                faults.append(
                    "the caseload already holds this id with different content (differs in: "
                    + ", ".join(changed)
                    + ")"
                )
            elif not faults:
                plan.unchanged[name] += 1
                continue
        else:
            for key, spec in specs.items():
                value = row.normal.get(key)
                if not spec.unique or value is None:
                    continue
                holder = snapshot.unique.get((name, key), {}).get(value)
                if holder is not None and holder != row_id:
                    faults.append(f"{key}: {value!r} is already used by {name} {holder}")
                if (key, value) in claimed:
                    faults.append(f"{key}: {value!r} is also used by {claimed[(key, value)]}")
                claimed[(key, value)] = row.where
        if faults:
            _add_problem(plan.problems, row.where, "; ".join(faults))
        else:
            plan.new_rows[name].append(row.values)


def _plan_history(document: CaseloadDocument, snapshot: _Snapshot, plan: ImportPlan) -> None:
    if document.history is None:
        return
    for row in document.history:
        existing = snapshot.history.get(row.normal["id"])
        if existing is None:
            plan.new_history.append(row.values)
            continue
        changed = _differences(row, existing)
        if changed:
            plan.conflicts += 1
            _add_problem(
                plan.problems,
                row.where,
                "the caseload's history already holds this id with different content (differs "
                "in: " + ", ".join(changed) + ")",
            )
        else:
            plan.unchanged_history += 1


def plan_import(document: CaseloadDocument, snapshot: _Snapshot) -> ImportPlan:
    """Compare a document with a caseload: what is new, unchanged, in conflict or wrong.

    Settings: a caseload with no records takes the document's settings; one with records
    keeps its own and only gains the settings it has none for.
    """
    plan = ImportPlan(problems=dict(document.problems))
    for name in RECORD_TABLE_BY_NAME:
        _plan_table(document, name, snapshot, plan)
    _plan_history(document, snapshot, plan)
    replace = not snapshot.holds_anything()
    for key, value in sorted(document.settings.items()):
        if key not in snapshot.settings or (replace and snapshot.settings[key] != value):
            plan.settings_added[key] = value
        elif snapshot.settings[key] != value:
            plan.settings_kept.append(key)
    return plan


def _conflict_refusal(source: str, plan: ImportPlan) -> ValidationError:
    if not plan.conflicts:
        return _refusal(source, plan.problems)
    return ValidationError(
        f"{source} cannot be imported: {plan.conflicts} record(s) have the same id as a record "
        "in this caseload but different content, and import never overwrites a record "
        f"({len(plan.problems)} problem(s) in all; nothing was imported). To combine two "
        "caseloads that have both changed, use sync; to replace this caseload, import into a "
        "new file. Each is listed with where it is in the file:",
        {_printable(where): _printable(why) for where, why in plan.problems.items()},
    )


@dataclass(frozen=True)
class ImportSummary:
    """What an import did."""

    source: str
    added: dict[str, int]
    unchanged: dict[str, int]
    history_added: int
    history_unchanged: int
    settings_added: list[str]
    settings_kept: list[str]
    backup: Path | None

    @property
    def total_added(self) -> int:
        """Records added, all tables together."""
        return sum(self.added.values())

    @property
    def total_unchanged(self) -> int:
        """Records skipped because the caseload already held them exactly."""
        return sum(self.unchanged.values())


IMPORT_BACKUP_REASON = "before-import"


def caseload_holds_records(session: Session) -> bool:
    """True when the caseload has any record (deleted ones included) or any history."""
    tables = [*RECORD_TABLE_BY_NAME.values(), HISTORY_TABLE]
    return any(
        session.execute(select(table.c.id).limit(1)).first() is not None for table in tables
    )


def backup_before_import(store: CaseloadStore) -> Path:
    """Back up the caseload into its ``backups`` folder (reason ``before-import``)."""
    return make_backup(store, IMPORT_BACKUP_REASON)


def _history_for_new_rows(
    plan: ImportPlan, *, actor: str, now: dt.datetime
) -> list[dict[str, Any]]:
    """One ``create`` entry per imported record, for a document that carries no history."""
    entries: list[dict[str, Any]] = []
    for name, rows in plan.new_rows.items():
        for values in rows:
            child_id = values["id"] if name == "child" else values.get("child_id")
            entries.append({
                "id": uuid.uuid4(),
                "changed_at": now,
                "changed_by": actor,
                "table_name": name,
                "row_id": values["id"],
                "child_id": child_id,
                "action": "create",
                "before_json": "{}",
                "after_json": json.dumps(
                    {key: json_value(value) for key, value in values.items()}, ensure_ascii=False
                ),
            })
    return entries


def _write_plan(
    session: Session, document: CaseloadDocument, plan: ImportPlan, *, actor: str,
    now: dt.datetime, stop_if_asked: Callable[[], None],
) -> None:
    for name, table in RECORD_TABLE_BY_NAME.items():
        rows = plan.new_rows.get(name)
        if rows:
            stop_if_asked()
            session.execute(insert(table), rows)
    history = plan.new_history
    if document.history is None:
        history = _history_for_new_rows(plan, actor=actor, now=now)
    if history:
        stop_if_asked()
        session.execute(insert(HISTORY_TABLE), history)
    for key, value in plan.settings_added.items():
        setting = session.get(Setting, key) or Setting(key=key, value_json="")
        setting.value_json = json.dumps(value, ensure_ascii=False, sort_keys=True)
        setting.updated_at = now
        session.add(setting)


def import_document(
    store: CaseloadStore,
    document: CaseloadDocument,
    *,
    now: dt.datetime | None = None,
    check: Callable[[], None] | None = None,
) -> ImportSummary:
    """Import a checked document into an open caseload, all or nothing.

    Rows with new ids are added with their ids and timestamps as they are; rows the caseload
    already holds exactly are skipped; settings as ``plan_import`` says.
    A caseload that holds anything is backed up first (``backup_before_import``).
    ``check`` is called before the backup, before the writing transaction and before each
    table is written, and may raise (e.g. ``WorkCancelledError``): nothing is then imported.

    Raises:
        ValidationError: a reference does not resolve, or a row conflicts with the caseload;
            every such row is named and nothing is written.
    """
    now = now or utcnow()
    stop_if_asked = check or (lambda: None)
    with store.session() as session:
        snapshot = _Snapshot.of(session)
    plan = plan_import(document, snapshot)
    if plan.problems:
        raise _conflict_refusal(document.source, plan)
    stop_if_asked()
    backup = backup_before_import(store) if snapshot.holds_anything() else None
    stop_if_asked()
    with store.session() as session:
        # Plan again inside the writing transaction, so nothing changed since is overwritten.
        plan = plan_import(document, _Snapshot.of(session))
        if plan.problems:
            raise _conflict_refusal(document.source, plan)
        _write_plan(
            session, document, plan, actor=store.actor, now=now, stop_if_asked=stop_if_asked
        )
    return ImportSummary(
        source=document.source,
        added={name: len(rows) for name, rows in plan.new_rows.items()},
        unchanged=dict(plan.unchanged),
        history_added=len(plan.new_history) if document.history is not None else sum(
            len(rows) for rows in plan.new_rows.values()
        ),
        history_unchanged=plan.unchanged_history,
        settings_added=sorted(plan.settings_added),
        settings_kept=list(plan.settings_kept),
        backup=backup,
    )


def check_document_alone(document: CaseloadDocument) -> None:
    """Refuse a document that could not be imported even into a new, empty caseload.

    Raises:
        ValidationError: every bad row, including references the file itself cannot resolve.
    """
    plan = plan_import(document, _Snapshot.empty())
    if plan.problems:
        raise _conflict_refusal(document.source, plan)


def import_caseload_file(
    json_path: Path,
    db_path: Path,
    open_target: Callable[[], CaseloadStore],
    *,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Import the export at ``json_path`` into the caseload at ``db_path``.

    ``open_target`` opens that caseload, creating it when missing (how a new caseload is
    made, e.g. encrypted, is the caller's choice). A missing caseload is only created once the
    whole document has been checked, so a refused import leaves no new file behind.
    """
    document = read_document(json_path)
    if not Path(db_path).exists():
        check_document_alone(document)
    with open_target() as store:
        return import_document(store, document, now=now)
