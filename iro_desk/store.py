"""The caseload file: create, check, open, migrate and back up. The only code that opens one.

Every connection to a caseload file is made by ``CaseloadStore._connect``: encryption and sync
change how files are opened and copied here, and nowhere else.

A caseload file is an SQLite database whose ``application_id`` is IRO Desk's and whose
``user_version`` is its schema version. Opening checks both, and the file's integrity, on a
read-only connection before anything is written; a file that is not ours, newer than this app,
or damaged is refused with a message and left exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool
from sqlmodel import SQLModel

from iro_desk.clock import utcnow
from iro_desk.errors import CaseloadFileError
from iro_desk.history import CaseloadSession
from iro_desk.models import RECORD_TABLES

APPLICATION_ID = 0x49524F44  # "IROD": marks an SQLite file as an IRO Desk caseload.
SCHEMA_VERSION = 1
SQLITE_HEADER = b"SQLite format 3\x00"

Migration = Callable[[sqlite3.Connection], None]


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise CaseloadFileError(f"IRO Desk cannot write a default of {value!r} in a migration.")


def add_new_tables_and_columns(conn: sqlite3.Connection) -> None:
    """An additive migration: create tables and add columns the models have and the file lacks.

    Existing rows get each new column's model default. Used for schema versions that only add
    (the house rule: fields are added with a default, never renamed or removed).
    """
    existing_tables = {
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=QueuePool)
    missing = [t for name, t in SQLModel.metadata.tables.items() if name not in existing_tables]
    if missing:
        with engine.connect() as sa_conn:
            SQLModel.metadata.create_all(sa_conn, tables=missing)
    models = {str(cls.__tablename__): cls for cls in _all_table_models()}
    for name, table in SQLModel.metadata.tables.items():
        if name not in existing_tables:
            continue
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({name})")}
        for column in table.columns:
            if column.name in have:
                continue
            column_type = column.type.compile(dialect=engine.dialect)
            default = models[name].model_fields[column.name].get_default(call_default_factory=True)
            if default is None:
                conn.execute(f"ALTER TABLE {name} ADD COLUMN {column.name} {column_type}")
            else:
                conn.execute(
                    f"ALTER TABLE {name} ADD COLUMN {column.name} {column_type} NOT NULL "
                    f"DEFAULT {_sql_literal(default)}"
                )


def _all_table_models() -> list[type[SQLModel]]:
    found: list[type[SQLModel]] = []
    pending: list[type[SQLModel]] = [SQLModel]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if getattr(sub, "__table__", None) is not None:
                found.append(sub)
    return found


# Migrations from version N to N+1, each run in one transaction after a backup is written.
MIGRATIONS: dict[int, Migration] = {}

_APPEND_ONLY_TABLES = ("change_log", "challenge_step")


@dataclass(frozen=True)
class FileCheck:
    """What a look at a caseload file found."""

    path: Path
    schema_version: int


def check_file(path: Path) -> FileCheck:
    """Check that ``path`` is an IRO Desk caseload this app can open, without changing it."""
    path = Path(path)
    if not path.exists():
        raise CaseloadFileError(f"There is no caseload file at {path}.")
    if path.is_dir():
        raise CaseloadFileError(f"{path} is a folder, not a caseload file.")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if len(header) < len(SQLITE_HEADER):
        raise CaseloadFileError(
            f"{path.name} is empty or cut short, so it is not a caseload IRO Desk can open. "
            "It has been left as it is; restore a backup if you have one."
        )
    if header != SQLITE_HEADER:
        raise CaseloadFileError(
            f"{path.name} is not an IRO Desk caseload file (it is not an SQLite database). "
            "Nothing has been changed."
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise CaseloadFileError(f"{path.name} could not be opened: {exc}.") from exc
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if application_id != APPLICATION_ID:
            raise CaseloadFileError(
                f"{path.name} is a database, but not an IRO Desk caseload. Nothing has been "
                "changed."
            )
        if version > SCHEMA_VERSION:
            raise CaseloadFileError(
                f"{path.name} was written by a newer IRO Desk (caseload format {version}; this "
                f"app reads up to {SCHEMA_VERSION}). Update IRO Desk to open it. Nothing has "
                "been changed."
            )
        if version < 1:
            raise CaseloadFileError(f"{path.name} has no caseload format version; not opened.")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise CaseloadFileError(
                f"{path.name} is damaged ({problems[0]}). It has been left as it is; restore "
                "the latest good backup."
            )
    except sqlite3.DatabaseError as exc:
        raise CaseloadFileError(
            f"{path.name} is damaged or is not a caseload file ({exc}). It has been left as it "
            "is; restore the latest good backup."
        ) from exc
    finally:
        conn.close()
    return FileCheck(path=path, schema_version=version)


def _prepare_connection(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")


def _schema_triggers() -> list[str]:
    statements = []
    for table in (t.__tablename__ for t in RECORD_TABLES):
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_never_deleted BEFORE DELETE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'IRO Desk records are tombstoned, never deleted'); END"
        )
    for table in _APPEND_ONLY_TABLES:
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_never_changed BEFORE UPDATE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'this history is kept as it was written'); END"
        )
    statements.append(
        "CREATE TRIGGER IF NOT EXISTS change_log_never_deleted BEFORE DELETE ON change_log "
        "BEGIN SELECT RAISE(ABORT, 'this history is kept as it was written'); END"
    )
    return statements


def _create_schema(conn: sqlite3.Connection) -> None:
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=QueuePool)
    with engine.begin() as sa_conn:
        SQLModel.metadata.create_all(sa_conn)
    for statement in _schema_triggers():
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.commit()


def create_caseload_file(path: Path) -> Path:
    """Create a new, empty caseload file at ``path``; refuse to overwrite an existing file."""
    path = Path(path)
    if path.exists():
        raise CaseloadFileError(f"{path} already exists; IRO Desk will not overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = sqlite3.connect(tmp)
        try:
            _prepare_connection(conn)
            _create_schema(conn)
        finally:
            conn.close()
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        if path.exists():
            raise CaseloadFileError(f"{path} appeared while it was being created; not replaced.")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def backup_file(source: Path, dest: Path) -> Path:
    """Copy a caseload with SQLite's backup API into ``dest``, written atomically."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode = DELETE")
        finally:
            out.close()
            src.close()
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return dest


def _migrate(path: Path, from_version: int) -> Path | None:
    if from_version >= SCHEMA_VERSION:
        return None
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    backup = backup_file(path, path.with_name(f"{path.stem}.v{from_version}-{stamp}.backup"))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        _prepare_connection(conn)
        for version in range(from_version, SCHEMA_VERSION):
            step = MIGRATIONS.get(version)
            if step is None:
                raise CaseloadFileError(
                    f"IRO Desk cannot upgrade caseload format {version}; nothing was changed "
                    f"(a copy is at {backup.name})."
                )
            conn.execute("BEGIN IMMEDIATE")
            try:
                step(conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        for statement in _schema_triggers():
            conn.execute(statement)
    finally:
        conn.close()
    return backup


class CaseloadStore:
    """An open caseload file: hands out sessions that keep history, makes backups."""

    def __init__(self, path: Path, *, actor: str = "") -> None:
        """Open an existing, already checked caseload file; use ``open`` or ``create``."""
        self.path = Path(path)
        self.actor = actor
        self.engine: Engine = create_engine(
            "sqlite://", creator=self._connect, poolclass=QueuePool, pool_size=2
        )
        event.listen(self.engine, "begin", self._begin)
        self.migration_backup: Path | None = None

    @classmethod
    def open(cls, path: Path, *, create: bool = False, actor: str = "") -> CaseloadStore:
        """Open the caseload at ``path`` (creating it when ``create``), migrating it forward."""
        path = Path(path)
        if create and not path.exists():
            create_caseload_file(path)
        found = check_file(path)
        backup = _migrate(path, found.schema_version)
        store = cls(path, actor=actor)
        store.migration_backup = backup
        return store

    @classmethod
    def create(cls, path: Path, *, actor: str = "") -> CaseloadStore:
        """Create a new empty caseload file and open it."""
        create_caseload_file(Path(path))
        return cls.open(path, actor=actor)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        _prepare_connection(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @staticmethod
    def _begin(conn: object) -> None:
        # pysqlite's own transaction handling is off (isolation_level=None); begin explicitly.
        # Foreign keys are checked at commit, so a unit of work may insert in any order.
        conn.exec_driver_sql("BEGIN")  # type: ignore[attr-defined]
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # type: ignore[attr-defined]

    @contextlib.contextmanager
    def session(self) -> Iterator[CaseloadSession]:
        """A unit of work: committed when the block ends, rolled back on any error."""
        with CaseloadSession(self.engine, expire_on_commit=False) as session:
            session.info["actor"] = self.actor
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def raw_connection(self) -> sqlite3.Connection:
        """A plain DB-API connection to the same file, for bulk work; the caller closes it."""
        return self._connect()

    def backup_to(self, dest: Path) -> Path:
        """Write a consistent copy of the whole caseload to ``dest`` (atomically)."""
        return backup_file(self.path, dest)

    def close(self) -> None:
        """Close every connection; the file is left checkpointed."""
        with contextlib.suppress(sqlite3.Error), self._connect() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.engine.dispose()

    def __enter__(self) -> CaseloadStore:
        """Use the store in a ``with`` block."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Close on leaving the block."""
        self.close()


def today_backup_name(path: Path, when: dt.date) -> str:
    """The file name of the day's rotating backup of ``path``."""
    return f"{path.stem}.{when.isoformat()}.backup"
