"""The caseload file: create, check, open, migrate and back up. The only code that opens one.

Every connection to a caseload file is made by ``connect_file``: encryption and sync
change how files are opened and copied here, and nowhere else.

A caseload file is an SQLite database whose ``application_id`` is IRO Desk's and whose
``user_version`` is its schema version. It is normally encrypted with SQLCipher: the key is
derived from the IRO's passphrase once per opening (PBKDF2-SHA256 with the file's own random
16-byte salt, which SQLCipher keeps as the first bytes of the file) and handed to SQLCipher as a
raw key, so each new connection costs no key derivation.

Opening checks the application id, the version and the file's integrity on a
read-only connection before anything is written; a file that is not ours, newer than this app,
or damaged is refused with a message and left exactly as it was. The full integrity check
(every page) is skipped only when the file is exactly as this laptop last knew it whole.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import sqlcipher3
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.pool import QueuePool
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel

from iro_desk.clock import utcnow
from iro_desk.errors import CaseloadFileError, DamagedCaseloadError, IroDeskError
from iro_desk.files import atomic_write_bytes
from iro_desk.history import CaseloadSession
from iro_desk.models import RECORD_TABLES
from iro_desk.paths import APP_DIR_NAME

APPLICATION_ID = 0x49524F44  # "IROD": marks an SQLite file as an IRO Desk caseload.
SCHEMA_VERSION = 3
SQLITE_HEADER = b"SQLite format 3\x00"
KDF_ITERATIONS = 256_000
SALT_BYTES = 16
PASSPHRASE_ENV_VAR = "IRO_DESK_PASSPHRASE"
DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher3.Error)


class PassphraseRequiredError(CaseloadFileError):
    """The caseload is encrypted and no passphrase was given."""


class WrongPassphraseError(CaseloadFileError):
    """The passphrase given does not open the caseload."""


@dataclass(frozen=True)
class FileKey:
    """A caseload's SQLCipher key, derived once from the passphrase and the file's salt."""

    key: bytes
    salt: bytes

    @classmethod
    def derive(cls, passphrase: str, salt: bytes | None = None) -> FileKey:
        """Derive the key; a new file gets a new random salt."""
        if not passphrase:
            raise IroDeskError("The passphrase cannot be empty.")
        salt = salt if salt is not None else os.urandom(SALT_BYTES)
        key = hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, KDF_ITERATIONS)
        return cls(key=key, salt=salt)

    @classmethod
    def for_file(cls, path: Path, passphrase: str) -> FileKey:
        """The key for an existing encrypted file (its salt is its first 16 bytes)."""
        with Path(path).open("rb") as handle:
            salt = handle.read(SALT_BYTES)
        return cls.derive(passphrase, salt)

    @property
    def literal(self) -> str:
        """SQLCipher's raw key with explicit salt: x'<key hex><salt hex>'."""
        return f"x'{self.key.hex()}{self.salt.hex()}'"

    def __repr__(self) -> str:
        """Never show the key."""
        return "FileKey(<hidden>)"


def passphrase_from_environment() -> str | None:
    """The passphrase given to scripts and tests in IRO_DESK_PASSPHRASE, if any."""
    return os.environ.get(PASSPHRASE_ENV_VAR) or None


def is_encrypted_file(path: Path) -> bool:
    """True for a non-empty file that does not start with the plain SQLite header."""
    with Path(path).open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    return len(header) == len(SQLITE_HEADER) and header != SQLITE_HEADER


def connect_file(
    path: Path, key: FileKey | None, *, read_only: bool = False, autocommit: bool = True
) -> Any:
    """A DB-API connection to a caseload file, plain or encrypted: the one place files open."""
    path = Path(path)
    target = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
    kwargs: dict[str, Any] = {"uri": read_only, "check_same_thread": False}
    if autocommit:
        kwargs["isolation_level"] = None
    if key is None:
        return sqlite3.connect(target, **kwargs)
    conn = sqlcipher3.connect(target, **kwargs)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f'PRAGMA key = "{key.literal}"')
    return conn

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
    # DDL is compiled here and run on ``conn`` itself, inside the caller's transaction: going
    # through an engine would commit or roll back that transaction behind the caller's back.
    dialect = sqlite_dialect.dialect()
    for table in SQLModel.metadata.sorted_tables:
        if table.name in existing_tables:
            continue
        conn.execute(str(CreateTable(table).compile(dialect=dialect)))
        for index in table.indexes:
            conn.execute(str(CreateIndex(index).compile(dialect=dialect)))
    models = {str(cls.__tablename__): cls for cls in _all_table_models()}
    for name, table in SQLModel.metadata.tables.items():
        if name not in existing_tables:
            continue
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({name})")}
        for column in table.columns:
            if column.name in have:
                continue
            column_type = column.type.compile(dialect=dialect)
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
MIGRATIONS: dict[int, Migration] = {
    # v2: challenge_step.satisfactory; sync_conflict and sync_run (this laptop's sync records).
    1: add_new_tables_and_columns,
    # v3: letter.file_removed_at (when the letter's PDF was removed after the retention period).
    2: add_new_tables_and_columns,
}

_APPEND_ONLY_TABLES = ("change_log", "challenge_step")


@dataclass(frozen=True)
class FileCheck:
    """What a look at a caseload file found."""

    path: Path
    schema_version: int


# --- Remembering that a caseload was whole -------------------------------------------------
#
# ``PRAGMA quick_check`` reads (and, in an encrypted file, decrypts) every page: most of the
# time it takes to open a caseload. When this laptop last saw the file whole, either checked
# or closed cleanly by IRO Desk, and the file is exactly as it was then (same inode, size,
# modification time, first and last pages, and no write-ahead log or journal left beside it),
# the full check is not run again. Any change to the file, a crash that left a log, a file cut
# short or restored over it, means a full check at the next opening. The cheap checks (header,
# key, application id, schema version) always run, and SQLCipher checks every page's HMAC
# whenever it is read, so a page damaged in an encrypted file still fails loudly.

_SAMPLE_BYTES = 4096


def _check_record_path(path: Path) -> Path:
    """This laptop's record of the last time ``path`` was known to be whole."""
    name = hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:32]
    state = Path(platformdirs.user_state_dir(APP_DIR_NAME, appauthor=False))
    return state / "checked-caseloads" / f"{name}.json"


def _file_fingerprint(path: Path) -> dict[str, Any] | None:
    """What identifies the file as it is now; None while a log or journal is beside it."""
    path = Path(path)
    for suffix in ("-wal", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            if path.with_name(path.name + suffix).stat().st_size:
                return None
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            first = handle.read(_SAMPLE_BYTES)
            handle.seek(max(info.st_size - _SAMPLE_BYTES, 0))
            last = handle.read(_SAMPLE_BYTES)
    except OSError:
        return None
    return {
        "path": str(path.resolve()),
        "device": info.st_dev,
        "inode": info.st_ino,
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "pages_sha256": hashlib.sha256(first + last).hexdigest(),
    }


def remember_file_is_whole(path: Path) -> None:
    """Note that ``path``, as it is now, is whole (checked, or closed cleanly by this app)."""
    fingerprint = _file_fingerprint(path)
    if fingerprint is None:
        return
    with contextlib.suppress(OSError):
        atomic_write_bytes(
            _check_record_path(path), json.dumps(fingerprint).encode("utf-8"), private=True
        )


def _known_whole(path: Path) -> bool:
    try:
        recorded = json.loads(_check_record_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    fingerprint = _file_fingerprint(path)
    return fingerprint is not None and recorded == fingerprint


def check_file(
    path: Path, key: FileKey | None = None, *, trust_unchanged: bool = False
) -> FileCheck:
    """Check that ``path`` is an IRO Desk caseload this app can open, without changing it.

    An encrypted file needs its ``key``; without one the error is ``PassphraseRequiredError``.
    With ``trust_unchanged`` (the laptop's own caseload being opened) ``PRAGMA quick_check`` is
    skipped when the file is exactly as this laptop last knew it whole, and a file that passes
    it is remembered; files from elsewhere (the share, backups, copies) are always checked.
    """
    path = Path(path)
    if not path.exists():
        raise CaseloadFileError(f"There is no caseload file at {path}.")
    if path.is_dir():
        raise CaseloadFileError(f"{path} is a folder, not a caseload file.")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if len(header) < len(SQLITE_HEADER):
        raise DamagedCaseloadError(
            f"{path.name} is empty or cut short, so it is not a caseload IRO Desk can open. "
            "It has been left as it is; restore a backup if you have one."
        )
    encrypted = header != SQLITE_HEADER
    if encrypted and key is None:
        raise PassphraseRequiredError(
            f"{path.name} is encrypted (or is not an IRO Desk caseload). Give its passphrase to "
            "open it."
        )
    try:
        conn = connect_file(path, key if encrypted else None, read_only=True)
    except DB_ERRORS as exc:
        raise CaseloadFileError(f"{path.name} could not be opened: {exc}.") from exc
    if encrypted:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except DB_ERRORS as exc:
            conn.close()
            if _key_opens_a_backup_of(path, key):
                raise DamagedCaseloadError(
                    f"{path.name} is damaged: its passphrase opens its backups but not the "
                    "file itself. It has been left as it is; restore the latest good backup."
                ) from exc
            raise WrongPassphraseError(
                f"The passphrase does not open {path.name}. Check it and try again. (If it is "
                "right, the file is damaged or is not an IRO Desk caseload.) Nothing has been "
                "changed."
            ) from exc
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
        _refuse_cut_short(conn, path)
        if not (trust_unchanged and _known_whole(path)):
            problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise DamagedCaseloadError(
                    f"{path.name} is damaged ({problems[0]}). It has been left as it is; "
                    "restore the latest good backup."
                )
            if trust_unchanged:
                remember_file_is_whole(path)
    except DB_ERRORS as exc:
        raise DamagedCaseloadError(
            f"{path.name} is damaged or is not a caseload file ({exc}). It has been left as it "
            "is; restore the latest good backup."
        ) from exc
    finally:
        conn.close()
    return FileCheck(path=path, schema_version=version)


def _refuse_cut_short(conn: Any, path: Path) -> None:
    """A file that is not whole pages, or shorter than its header says, was cut short."""
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    size = path.stat().st_size
    log = path.with_name(path.name + "-wal")
    log_size = log.stat().st_size if log.exists() else 0
    # With a write-ahead log the database may have grown into the log; without one the file
    # holds every page.
    if size % page_size or (not log_size and pages * page_size > size):
        raise DamagedCaseloadError(
            f"{path.name} is damaged: it is cut short ({size:,} bytes). It has been left as "
            "it is; restore the latest good backup."
        )


def _key_opens_a_backup_of(path: Path, key: FileKey | None) -> bool:
    """True when ``key`` reads one of ``path``'s backups: the passphrase was right after all."""
    if key is None:
        return False
    folder = backup_folder(path)
    if not folder.is_dir():
        return False
    for backup in folder.glob(f"{path.stem}.*{BACKUP_SUFFIX}"):
        try:
            conn = connect_file(backup, key, read_only=True)
        except DB_ERRORS:
            continue
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return True
        except DB_ERRORS:
            continue
        finally:
            conn.close()
    return False


def _prepare_connection(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    # 64 MB of page cache (the default is 2 MB): an encrypted page read again from the cache
    # is not decrypted again, which keeps encrypted queries near the speed of plain ones.
    conn.execute("PRAGMA cache_size = -65536")


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


def _create_schema(conn: Any) -> None:
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=QueuePool)
    with engine.begin() as sa_conn:
        SQLModel.metadata.create_all(sa_conn)
    for statement in _schema_triggers():
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _temp_beside(path: Path, suffix: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    return Path(tmp_name)


def _remove_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


def create_caseload_file(path: Path, key: FileKey | None = None) -> Path:
    """Create a new, empty caseload at ``path`` (encrypted when a key is given).

    Built under a temporary name and renamed into place; an existing file is never replaced.
    """
    path = Path(path)
    if path.exists():
        raise CaseloadFileError(f"{path} already exists; IRO Desk will not overwrite it.")
    tmp = _temp_beside(path, ".new")
    try:
        conn = connect_file(tmp, key)
        try:
            _prepare_connection(conn)
            _create_schema(conn)
        finally:
            conn.close()
        _fsync_file(tmp)
        if path.exists():
            raise CaseloadFileError(f"{path} appeared while it was being created; not replaced.")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def backup_file(source: Path, dest: Path, key: FileKey | None = None) -> Path:
    """Copy a caseload with SQLite's backup API into ``dest``, written atomically.

    An encrypted caseload's copy is encrypted with the same key.
    """
    dest = Path(dest)
    tmp = _temp_beside(dest, ".tmp")
    try:
        src = connect_file(Path(source), key, read_only=True)
        out = connect_file(tmp, key)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode = DELETE")
        finally:
            out.close()
            src.close()
        _fsync_file(tmp)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return dest


def _count_rows(conn: Any) -> dict[str, int]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _export_to_new_key(path: Path, source_key: FileKey | None, new_key: FileKey) -> None:
    """Write ``path``'s content to a new file under ``new_key``, verify it, then swap it in.

    Until the final rename the original file is untouched; after it, the new file is whole.
    """
    check_file(path, source_key)
    tmp = _temp_beside(path, ".rekey")
    try:
        conn = sqlcipher3.connect(str(path), isolation_level=None)
        try:
            if source_key is not None:
                conn.execute(f'PRAGMA key = "{source_key.literal}"')
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            expected = _count_rows(conn)
            conn.execute(f"ATTACH DATABASE ? AS fresh KEY \"{new_key.literal}\"", (str(tmp),))
            conn.execute("SELECT sqlcipher_export('fresh')")
            conn.execute(f"PRAGMA fresh.user_version = {version}")
            conn.execute(f"PRAGMA fresh.application_id = {APPLICATION_ID}")
            conn.execute("DETACH DATABASE fresh")
        finally:
            conn.close()
        _fsync_file(tmp)
        check_file(tmp, new_key)
        verify = connect_file(tmp, new_key, read_only=True)
        try:
            if _count_rows(verify) != expected:
                raise CaseloadFileError("The re-encrypted copy did not match; nothing changed.")
        finally:
            verify.close()
        os.replace(tmp, path)
        _remove_sidecars(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def encrypt_file(path: Path, passphrase: str) -> None:
    """Convert a plain caseload to an encrypted one, in place and crash-safe."""
    path = Path(path)
    if is_encrypted_file(path):
        raise CaseloadFileError(f"{path.name} is already encrypted.")
    _export_to_new_key(path, None, FileKey.derive(passphrase))


def change_passphrase(path: Path, old_passphrase: str, new_passphrase: str) -> None:
    """Re-key an encrypted caseload under a new passphrase (and a new salt), crash-safe."""
    path = Path(path)
    if not is_encrypted_file(path):
        raise CaseloadFileError(f"{path.name} is not encrypted; encrypt it first.")
    old_key = FileKey.for_file(path, old_passphrase)
    _export_to_new_key(path, old_key, FileKey.derive(new_passphrase))


def _migrate(path: Path, from_version: int, key: FileKey | None) -> Path | None:
    if from_version >= SCHEMA_VERSION:
        return None
    backup = backup_file(path, backup_path(path, f"before-migration-v{from_version}"), key)
    conn = connect_file(path, key)
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

    def __init__(self, path: Path, *, actor: str = "", key: FileKey | None = None) -> None:
        """Open an existing, already checked caseload file; use ``open`` or ``create``."""
        self.path = Path(path)
        self.actor = actor
        self._key = key
        url: str | URL = "sqlite://"
        if key is not None:
            # The dialect re-applies this same key on each new connection.
            url = URL.create("sqlite+pysqlcipher", password=key.literal)
        self.engine: Engine = create_engine(
            url, creator=self._connect, poolclass=QueuePool, pool_size=2
        )
        event.listen(self.engine, "begin", self._begin)
        self.migration_backup: Path | None = None
        # Set for the laptop's own caseload (open, open_with_key): a clean close is remembered.
        self.remember_when_closed = False

    @property
    def encrypted(self) -> bool:
        """True when the caseload file is encrypted."""
        return self._key is not None

    @property
    def key(self) -> FileKey | None:
        """The file's key (None for a plain file): to read its backups, never to show."""
        return self._key

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        create: bool = False,
        actor: str = "",
        passphrase: str | None = None,
    ) -> CaseloadStore:
        """Open the caseload at ``path``, migrating it forward.

        With ``create`` a missing file is created, encrypted when a passphrase is given. An
        encrypted file needs ``passphrase`` (or IRO_DESK_PASSPHRASE, for scripts).
        """
        path = Path(path)
        if create and not path.exists():
            create_caseload_file(path, FileKey.derive(passphrase) if passphrase else None)
        key = None
        if path.is_file() and is_encrypted_file(path):
            passphrase = passphrase or passphrase_from_environment()
            if passphrase:
                key = FileKey.for_file(path, passphrase)
        found = check_file(path, key, trust_unchanged=True)
        backup = _migrate(path, found.schema_version, key)
        store = cls(path, actor=actor, key=key)
        store.migration_backup = backup
        store.remember_when_closed = True
        return store

    @classmethod
    def open_with_key(cls, path: Path, key: FileKey | None, *, actor: str = "") -> CaseloadStore:
        """Open ``path`` with a key already derived (e.g. to open a restored backup)."""
        path = Path(path)
        found = check_file(path, key, trust_unchanged=True)
        store = cls(path, actor=actor, key=key)
        store.migration_backup = _migrate(path, found.schema_version, key)
        store.remember_when_closed = True
        return store

    @classmethod
    def create(
        cls, path: Path, *, actor: str = "", passphrase: str | None = None
    ) -> CaseloadStore:
        """Create a new empty caseload file (encrypted when given a passphrase) and open it."""
        key = FileKey.derive(passphrase) if passphrase else None
        create_caseload_file(Path(path), key)
        found = check_file(Path(path), key)
        store = cls(Path(path), actor=actor, key=key)
        store.migration_backup = _migrate(Path(path), found.schema_version, key)
        return store

    def _connect(self) -> Any:
        conn = connect_file(self.path, self._key)
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

    def raw_connection(self) -> Any:
        """A DB-API connection to the same file, for bulk work; the caller closes it."""
        return self._connect()

    def backup_to(self, dest: Path) -> Path:
        """Write a consistent copy of the whole caseload to ``dest`` (atomically)."""
        return backup_file(self.path, dest, self._key)

    def open_copy(self, path: Path, *, actor: str = "") -> CaseloadStore:
        """Open another caseload file under this one's key (a backup or a sync copy)."""
        found = check_file(path, self._key if is_encrypted_file(path) else None)
        key = self._key if is_encrypted_file(path) else None
        store = CaseloadStore(Path(path), actor=actor or self.actor, key=key)
        store.migration_backup = _migrate(Path(path), found.schema_version, key)
        return store

    def change_passphrase(self, old_passphrase: str, new_passphrase: str) -> None:
        """Re-key this caseload (or encrypt it, when plain) under a new passphrase."""
        self.close()
        if self._key is None:
            encrypt_file(self.path, new_passphrase)
        else:
            change_passphrase(self.path, old_passphrase, new_passphrase)
        self._key = FileKey.for_file(self.path, new_passphrase)
        self.engine = create_engine(
            URL.create("sqlite+pysqlcipher", password=self._key.literal),
            creator=self._connect,
            poolclass=QueuePool,
            pool_size=2,
        )
        event.listen(self.engine, "begin", self._begin)

    def close(self) -> None:
        """Close every connection; the file is left checkpointed (and remembered as whole)."""
        self.engine.dispose()
        with contextlib.suppress(*DB_ERRORS):
            conn = self._connect()
            try:
                busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                conn.close()
            if not busy and self.remember_when_closed:
                remember_file_is_whole(self.path)

    def __enter__(self) -> CaseloadStore:
        """Use the store in a ``with`` block."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Close on leaving the block."""
        self.close()


BACKUP_SUFFIX = ".irodesk"


def backup_folder(path: Path) -> Path:
    """Where the backups of the caseload at ``path`` are kept: a folder beside it."""
    return Path(path).parent / "backups"


def backup_path(path: Path, reason: str, when: dt.datetime | None = None) -> Path:
    """A new backup's path: ``backups/<name>.<reason>.<UTC time>.irodesk``."""
    stamp = (when or utcnow()).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return backup_folder(path) / f"{Path(path).stem}.{reason}.{stamp}{BACKUP_SUFFIX}"


# --- Sync's work on local copies (iro_desk.sync) --------------------------------------------


def attach_file(conn: Any, path: Path, name: str, key: FileKey | None = None) -> None:
    """Attach another caseload-format file, on this laptop, to ``conn`` as schema ``name``.

    Sync merges with SQL across the local caseload and local copies of team files; this is
    the one place such a copy is opened beside the caseload. ``key`` is the attached file's
    own key (None for a plain file); an encrypted connection attaches a plain file with an
    empty key, as SQLCipher requires.
    """
    if not name.isidentifier():
        raise IroDeskError(f"{name!r} cannot name an attached file.")
    encrypted_connection = type(conn).__module__.startswith("sqlcipher3")
    if key is not None or encrypted_connection:
        literal = key.literal if key is not None else ""
        conn.execute(f'ATTACH DATABASE ? AS {name} KEY "{literal}"', (str(Path(path)),))
    else:
        conn.execute(f"ATTACH DATABASE ? AS {name}", (str(Path(path)),))


def remove_rows_leaving_laptop(conn: Any, table: str, id_query: str) -> int:
    """Remove this laptop's copies of records that left its scope; only sync calls this.

    Records are never deleted from a caseload: a deletion is a tombstone, which syncs. A
    record that is merely no longer kept on this laptop (the child was reallocated to a
    colleague) is safe in the team file, so its local copy is removed, without a tombstone.
    ``id_query`` is an SQL query giving the ids to remove. Runs inside the caller's
    transaction: the table's never-deleted trigger is dropped and re-created around the
    DELETE, so no other connection ever sees the table unguarded. Returns rows removed.
    """
    guarded = {str(t.__tablename__) for t in RECORD_TABLES} | {"change_log"}
    if table not in guarded:
        raise IroDeskError(f"{table} is not a caseload table.")
    if not conn.in_transaction:
        raise IroDeskError("Removing records leaving the laptop must run inside a transaction.")
    trigger = f"{table}_never_deleted"
    recreate = [s for s in _schema_triggers() if f" {trigger} " in s]
    conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    removed = conn.execute(f"DELETE FROM main.{table} WHERE id IN ({id_query})").rowcount
    for statement in recreate:
        conn.execute(statement)
    return int(removed)


@functools.cache
def _schema_fingerprint() -> str:
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.schema import CreateTable

    dialect = sqlite_dialect.dialect()
    parts = [str(SCHEMA_VERSION), *_schema_triggers()]
    for name in sorted(SQLModel.metadata.tables):
        parts.append(str(CreateTable(SQLModel.metadata.tables[name]).compile(dialect=dialect)))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def new_work_file(dest: Path, cache_dir: Path) -> Path:
    """A new, empty, plain caseload-format file at ``dest``, for sync's work on this laptop.

    Creating the schema takes a tenth of a second, so an empty file is made once per schema
    in ``cache_dir`` and copied. ``dest`` must not exist.
    """
    dest = Path(dest)
    cache_dir = Path(cache_dir)
    template = cache_dir / f"empty-{_schema_fingerprint()}.irodesk"
    if not template.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(CaseloadFileError):
            create_caseload_file(template)
    if dest.exists():
        raise CaseloadFileError(f"{dest} already exists; IRO Desk will not overwrite it.")
    with template.open("rb") as source, dest.open("xb") as target:
        shutil.copyfileobj(source, target)
    return dest
