"""Sync: a two-way, record-level merge of this laptop's caseload with the team caseload.

The merge is three-way, record by record (matched by UUID), against **the base**: the state of
the last successful sync (``iro_desk.sync.state``). For each record:

* changed only here (compared with the base) -> it goes out to the team file;
* changed only on the team file -> it comes in;
* changed on both sides -> field by field: a field changed on one side takes that change; a
  field changed to the same value on both sides is fine; a field changed to different values
  is a **conflict**, kept as data (``SyncConflict``) for the IRO to settle. Until then this
  laptop keeps its own value and the team file keeps the team's: nothing is lost and nothing
  is decided by whichever laptop synced last;
* deleted on one side (a tombstone) while edited on the other -> a conflict on ``Deleted``:
  the edit is never silently thrown away, and the deletion is not silently undone;
* deleted on both sides -> deleted (the earlier tombstone time is kept, on every laptop);
* ``challenge_step`` and ``change_log`` rows are only ever added: their union is taken.

"Changed" always means *different from the base*, so nothing depends on laptop clocks: a laptop
whose clock is hours out still sends every edit and never wins or loses a conflict by its
clock. Team generations are ordered by their numbers, which only ever go up (see share.py).

A record that is absent on one side is not a deletion (deletions are tombstones), so a team
file that looks empty never wipes a laptop, and a laptop that lost records gets them back.

**What this laptop keeps** (``Settings.sync_scope``): ``mine`` keeps the children allocated to
this IRO or covered by them, with everything about those children, and every IRO's profile;
``all`` keeps everyone. The team file always keeps everyone. A record that leaves the scope
(the child was reallocated) leaves the laptop after its last changes are safe on the team file.

**The order of the steps** makes every interruption safe. The merge is worked out first, on
local copies, touching nothing. Then the changes going out are written to the share as a new
generation (share.py: a new folder, renamed into place). Only then is the local caseload
changed, after a backup, in one transaction that also records the new base. If the process
dies or the share vanishes at any point, each side is either as it was or fully updated; the
next sync finds the same differences (or none) and completes the job. If this laptop's
caseload was edited while the sync worked, or another laptop wrote the same generation first,
the sync simply starts again from the top.

Team generations hold either the whole team caseload (``full``) or only what changed since
the previous generation (``changes``). A laptop that is up to date, or only a few generations
behind, reads just those small change files; it reads the whole team file only when needed
(first sync, a scope that grew, a child newly allocated to it, a long gap).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from iro_desk import __version__
from iro_desk.backups import make_backup
from iro_desk.clock import Clock
from iro_desk.errors import CaseloadFileError, IroDeskError, WorkCancelledError
from iro_desk.models import SyncConflict, SyncRun
from iro_desk.settings import Settings
from iro_desk.store import (
    DB_ERRORS,
    SCHEMA_VERSION,
    CaseloadStore,
    attach_file,
    check_file,
    connect_file,
    new_work_file,
    remove_rows_leaving_laptop,
)
from iro_desk.sync.share import (
    GenerationTakenError,
    GenerationVanishedError,
    Manifest,
    PayloadCodec,
    ShareFileRefusedError,
    TeamShare,
)
from iro_desk.sync.state import (
    BASE_CHANGE_LOG,
    BOOKKEEPING,
    CHANGE_LOG_COLUMNS,
    DIRTY_TABLE,
    LOCAL_TABLE_NAMES,
    TABLES,
    UNSYNCED_TABLE,
    SentMark,
    SyncState,
    TableSpec,
    child_display_name,
    clear_lost,
    clear_sent,
    dirty_mark,
    encode_raw,
    ensure_sync_tables,
    forget_base,
    insert_row,
    label_columns,
    raw_value,
    read_sent,
    read_state,
    record_label,
    write_sent,
    write_state,
)
from iro_desk.sync.team_key import team_keyring

SCOPES = ("mine", "all")
MAX_ATTEMPTS = 6
FULL_EVERY = 30  # a whole team file is written after this many change generations...
FULL_SIZE_RATIO = 0.5  # ...or once the records changed since the last one are half as many
# Every record is compared with the base (not only those noted as written) every this many syncs.
FULL_COMPARE_EVERY = 20
LIST_LIMIT = 500  # items kept in the lists of what came in and went out
CONFIRM_MIN_RECORDS = 20  # below this many records, no "most of the caseload" question
SYNC_ROWS = "sync_rows"  # in each payload: the records it carries, and which are new
LOCK_TIMEOUT_SECONDS = 30.0


def _step(name: str) -> None:
    """A named point between the steps of a sync (tests make the sync fail here)."""


# --- Results and errors --------------------------------------------------------------------


@dataclass(frozen=True)
class SyncItem:
    """One record that came in, went out or left the laptop."""

    direction: str
    table: str
    row_id: str
    action: str
    label: str


@dataclass
class SyncReport:
    """What a sync did."""

    started_at: dt.datetime
    finished_at: dt.datetime
    share_folder: str
    path: str
    generation: int
    published: int | None
    came_in: list[SyncItem] = field(default_factory=list)
    went_out: list[SyncItem] = field(default_factory=list)
    left_laptop: list[SyncItem] = field(default_factory=list)
    came_in_count: int = 0
    went_out_count: int = 0
    left_count: int = 0
    conflicts_new: int = 0
    conflicts_open: int = 0
    backup: str = ""
    run_id: str = ""

    def summary(self) -> str:
        """One paragraph for people."""
        parts = [
            f"{self.came_in_count} came in",
            f"{self.went_out_count} went out",
        ]
        if self.left_count:
            parts.append(f"{self.left_count} left this laptop")
        text = "Synced with the team file: " + ", ".join(parts) + "."
        if self.conflicts_open:
            text += (
                f" {self.conflicts_open} record(s) have conflicts waiting for you to choose "
                f"({self.conflicts_new} new)."
            )
        return text

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        body = asdict(self)
        body["started_at"] = self.started_at.isoformat()
        body["finished_at"] = self.finished_at.isoformat()
        return body


class SyncNeedsConfirmationError(IroDeskError):
    """The sync would make a big change; nothing was done. Run again with confirmation."""


class SyncCancelledError(WorkCancelledError):
    """The IRO stopped the sync before anything was written, here or on the share."""


class _RestartError(Exception):
    """Start the sync again (something changed under it); ``full`` reads the whole team file."""

    def __init__(self, why: str, *, full: bool = False) -> None:
        super().__init__(why)
        self.full = full


# --- Local folders and the local lock ------------------------------------------------------


def work_folder(caseload: Path) -> Path:
    """This caseload's sync folder on the laptop (the lock and temporary copies)."""
    caseload = Path(caseload)
    return caseload.parent / f".{caseload.stem}.sync"


class LocalSyncLock:
    """One sync of a caseload at a time on this laptop.

    An exclusive lock on a small SQLite file: the operating system drops it when the process
    ends, so a crashed sync never leaves the caseload locked.
    """

    def __init__(self, folder: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        """A lock in ``folder``; ``timeout`` seconds are waited for another sync to finish."""
        self.path = Path(folder) / "sync.lock"
        self.timeout = timeout
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> LocalSyncLock:
        """Take the lock or say that another sync is running."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            conn.close()
            raise IroDeskError(
                "Another sync of this caseload is running (perhaps in another window). Wait "
                "for it to finish, then sync again."
            ) from exc
        self._conn = conn
        return self

    def __exit__(self, *_exc: object) -> None:
        """Let the next sync run."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            self._conn.close()
            self._conn = None


def _clean_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


# --- The record merge ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldConflict:
    """A field changed differently on both sides."""

    field: str
    kind: str
    base: Any
    local: Any
    theirs: Any


@dataclass
class RecordMerge:
    """The outcome of merging one record."""

    team: dict[str, Any]
    local: dict[str, Any]
    conflicts: list[FieldConflict]
    held_theirs: dict[str, Any]
    agreed: list[str]
    team_changed: bool
    local_changed: bool


def _bookkeeping(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row.get("revision") or 0, str(row.get("updated_at") or ""), row.get("updated_by"))


def merge_record(
    spec: TableSpec,
    local: Mapping[str, Any],
    base: Mapping[str, Any] | None,
    theirs: Mapping[str, Any],
    *,
    held: Iterable[str] = (),
    actor: str = "",
    now_raw: str = "",
) -> RecordMerge:
    """Merge one record present on both sides, against its base (None: no common base).

    ``held`` are fields with an open conflict: each side keeps its own value until the IRO
    chooses. Returns what the team file and this laptop should now hold.
    """
    held = set(held)
    team_values: dict[str, Any] = {}
    local_values: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    held_theirs: dict[str, Any] = {}
    agreed: list[str] = []
    for name in spec.content:
        mine, yours = local[name], theirs[name]
        was = base[name] if base is not None else None
        if name in held:
            team_values[name], local_values[name] = yours, mine
            if mine == yours:
                agreed.append(name)
            else:
                held_theirs[name] = yours
            continue
        if mine == yours:
            value = mine
        elif base is not None and mine == was:
            value = yours
        elif base is not None and yours == was:
            value = mine
        elif name == "deleted_at" and mine is not None and yours is not None:
            value = min(str(mine), str(yours))  # deleted on both sides: the same everywhere
        else:
            team_values[name], local_values[name] = yours, mine
            kind = "delete" if name == "deleted_at" else "edit"
            conflicts.append(FieldConflict(name, kind, was, mine, yours))
            continue
        team_values[name] = local_values[name] = value
    if base is not None and "deleted_at" in spec.content and "deleted_at" not in held:
        _edit_against_delete(spec, local, base, theirs, team_values, local_values, conflicts)
    team = _with_bookkeeping(spec, team_values, local, theirs, actor, now_raw)
    team["id"] = local["id"]
    for name in spec.local_only:
        team[name] = 0
    merged_local = dict(team)
    merged_local.update(local_values)
    if all(merged_local[c] == local[c] for c in spec.content):
        merged_local.update({name: local[name] for name in BOOKKEEPING})
    for name in spec.local_only:
        merged_local[name] = local[name]
    return RecordMerge(
        team=team,
        local=merged_local,
        conflicts=conflicts,
        held_theirs=held_theirs,
        agreed=agreed,
        team_changed=any(team[c] != theirs[c] for c in spec.compared),
        local_changed=any(merged_local[c] != local[c] for c in spec.columns),
    )


def _edit_against_delete(
    spec: TableSpec,
    local: Mapping[str, Any],
    base: Mapping[str, Any],
    theirs: Mapping[str, Any],
    team_values: dict[str, Any],
    local_values: dict[str, Any],
    conflicts: list[FieldConflict],
) -> None:
    """Deleted on one side while edited on the other: a conflict, never a silent choice."""
    if any(c.field == "deleted_at" for c in conflicts) or base["deleted_at"] is not None:
        return
    others = [c for c in spec.content if c != "deleted_at"]
    local_deleted = local["deleted_at"] is not None
    theirs_deleted = theirs["deleted_at"] is not None
    local_edited = any(local[c] != base[c] for c in others)
    theirs_edited = any(theirs[c] != base[c] for c in others)
    if (theirs_deleted and not local_deleted and local_edited) or (
        local_deleted and not theirs_deleted and theirs_edited
    ):
        team_values["deleted_at"] = theirs["deleted_at"]
        local_values["deleted_at"] = local["deleted_at"]
        conflicts.append(
            FieldConflict("deleted_at", "delete", None, local["deleted_at"], theirs["deleted_at"])
        )


def _with_bookkeeping(
    spec: TableSpec,
    values: dict[str, Any],
    local: Mapping[str, Any],
    theirs: Mapping[str, Any],
    actor: str,
    now_raw: str,
) -> dict[str, Any]:
    same_as_theirs = all(values[c] == theirs[c] for c in spec.content)
    same_as_local = all(values[c] == local[c] for c in spec.content)
    if same_as_theirs and same_as_local:
        source = max((local, theirs), key=_bookkeeping)
        stamp = {name: source[name] for name in BOOKKEEPING}
    elif same_as_theirs:
        stamp = {name: theirs[name] for name in BOOKKEEPING}
    elif same_as_local:
        stamp = {name: local[name] for name in BOOKKEEPING}
    else:
        stamp = {
            "revision": max(local["revision"] or 0, theirs["revision"] or 0) + 1,
            "updated_at": max(str(local["updated_at"]), str(theirs["updated_at"]), now_raw),
            "updated_by": actor or local["updated_by"],
        }
    return {**values, **stamp}


# --- SQL helpers ---------------------------------------------------------------------------


def _cols(names: Iterable[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{name}" for name in names)


def _same(spec: TableSpec, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} IS {right}.{c}" for c in spec.compared)


def _team_select(spec: TableSpec, alias: str, names: Iterable[str] = ()) -> str:
    """Column expressions writing a row to the team: local-only columns take their default.

    ``names``: the columns wanted (default: every column).
    """
    return ", ".join(
        "0" if name in spec.local_only else f"{alias}.{name}" for name in names or spec.columns
    )


def _upsert(spec: TableSpec, target: str, select_sql: str) -> str:
    """INSERT ... SELECT that updates rows already there (append-only tables: insert only)."""
    columns = _cols(spec.columns)
    if spec.append_only:
        return f"INSERT OR IGNORE INTO {target} ({columns}) {select_sql}"
    updates = ", ".join(f"{c} = excluded.{c}" for c in spec.columns if c != "id")
    # "WHERE" keeps SQLite from reading ON CONFLICT as a join's ON.
    where = "" if " WHERE " in select_sql else " WHERE true"
    return (
        f"INSERT INTO {target} ({columns}) {select_sql}{where} "
        f"ON CONFLICT(id) DO UPDATE SET {updates}"
    )


def _ids(conn: Any, sql: str, params: Iterable[Any] = ()) -> set[str]:
    return {row[0] for row in conn.execute(sql, tuple(params)).fetchall()}


def _fill(conn: Any, table: str, ids: Iterable[str]) -> None:
    """Put ``ids`` in the temp id table ``table``: one statement, in key order."""
    conn.execute(f"DELETE FROM temp.{table}")
    conn.execute(
        f"INSERT OR IGNORE INTO temp.{table} (id) SELECT value FROM json_each(?)",
        (json.dumps(sorted(ids)),),
    )


def _rows(conn: Any, sql: str, columns: Iterable[str]) -> dict[str, dict[str, Any]]:
    names = list(columns)
    return {row[0]: dict(zip(names, row, strict=True)) for row in conn.execute(sql).fetchall()}


# --- Reading the team file ------------------------------------------------------------------


def _fetch_checked(share: TeamShare, manifest: Manifest, dest: Path) -> Path:
    """Copy a generation's payload here and check it is a caseload file this app can read."""
    if manifest.schema_version > SCHEMA_VERSION:
        raise ShareFileRefusedError(
            f"The team file on the share was written by a newer IRO Desk (caseload format "
            f"{manifest.schema_version}; this app reads up to {SCHEMA_VERSION}). Update IRO "
            "Desk to sync. Nothing was changed."
        )
    share.fetch_payload(manifest, dest)
    try:
        found = check_file(dest)
    except CaseloadFileError as exc:
        raise ShareFileRefusedError(
            f"The team file g{manifest.generation:08d} on the share cannot be used: {exc} "
            "Sync stopped; nothing was changed, here or on the share."
        ) from exc
    if found.schema_version < SCHEMA_VERSION:
        CaseloadStore.open(dest).close()  # brings the copy up to this app's format
        conn = connect_file(dest, None)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
    conn = connect_file(dest, None, read_only=True)
    try:
        has_rows = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SYNC_ROWS,)
        ).fetchone()
    finally:
        conn.close()
    if not has_rows:
        raise ShareFileRefusedError(
            f"The team file g{manifest.generation:08d} on the share is a caseload but not one "
            "written by sync. Sync stopped; nothing was changed, here or on the share."
        )
    return dest


def _work_file(conn: Any, path: Path, schema: str) -> None:
    """Attach a work copy: it is rebuilt after any failure, so its writes need not be durable."""
    attach_file(conn, path, schema)
    conn.execute(f"PRAGMA {schema}.synchronous = OFF")
    conn.execute(f"PRAGMA {schema}.journal_mode = MEMORY")


@contextlib.contextmanager
def _attached_transaction(
    conn: Any, path: Path, schema: str, *, begin: str = "BEGIN"
) -> Iterator[None]:
    """Attach ``path`` as ``schema`` for one transaction (committed, or rolled back on error)."""
    attach_file(conn, path, schema)
    try:
        conn.execute(begin)
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute(f"DETACH DATABASE {schema}")


def _create_sync_rows(conn: Any, schema: str) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {schema}.{SYNC_ROWS} (table_name TEXT NOT NULL, "
        "row_id TEXT NOT NULL, is_new INTEGER NOT NULL, PRIMARY KEY (table_name, row_id))"
    )


def _apply_payload(conn: Any, source: str, target: str, *, with_rows: bool) -> None:
    """Lay one generation's rows over a team copy (FK checks off: rows arrive in any order)."""
    for spec in TABLES.values():
        conn.execute(
            _upsert(spec, f"{target}.{spec.name}", f"SELECT {_cols(spec.columns)} FROM "
                    f"{source}.{spec.name}")
        )
    conn.execute(
        f"INSERT OR IGNORE INTO {target}.change_log ({_cols(CHANGE_LOG_COLUMNS)}) "
        f"SELECT {_cols(CHANGE_LOG_COLUMNS)} FROM {source}.change_log"
    )
    if with_rows:
        conn.execute(
            f"INSERT INTO {target}.{SYNC_ROWS} (table_name, row_id, is_new) "
            f"SELECT table_name, row_id, is_new FROM {source}.{SYNC_ROWS} WHERE true "
            "ON CONFLICT(table_name, row_id) DO UPDATE SET is_new = max(is_new, excluded.is_new)"
        )


def _chain(head: Manifest) -> tuple[int, int, int]:
    """From a manifest: the last whole team file, records changed since, and its records."""
    counts = head.counts
    if head.kind == "full":
        return head.generation, 0, int(counts.get("full_rows", 0))
    return (
        int(counts.get("last_full", 0)),
        int(counts.get("chain_rows", 0)),
        int(counts.get("full_rows", 0)),
    )


def _full_due(head: Manifest, more: int, more_rows: int) -> bool:
    """Whether a whole team file is due, ``more`` generations (``more_rows`` records) on."""
    last_full, chain_rows, full_rows = _chain(head)
    return head.generation + more - last_full >= FULL_EVERY or (
        chain_rows + more_rows >= FULL_SIZE_RATIO * max(full_rows, 1)
    )


def _refuse_clash(clash: Any) -> None:
    if not clash:
        return
    ref, first, last, other_first, other_last = clash
    raise IroDeskError(
        f"The child ID {ref} is used for two different child records: {first} {last} on this "
        f"laptop and {other_first} {other_last} on the team file. A child ID must name one "
        "child. Correct the child ID on this laptop (or ask your manager to correct the "
        "team's record), then sync again. Nothing was changed."
    )


# --- One attempt at a sync -----------------------------------------------------------------


@dataclass
class _Plan:
    path: str  # new-share, up-to-date, changes, full
    head: Manifest | None
    ignore_base: bool = False
    changes: list[Manifest] = field(default_factory=list)
    full: Manifest | None = None


class _Attempt:
    """Works out and carries out one sync; raises ``_RestartError`` to be run again."""

    def __init__(
        self,
        store: CaseloadStore,
        share: TeamShare,
        settings: Settings,
        *,
        clock: Clock,
        confirm: bool,
        work: Path,
        force_full: bool,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.store = store
        self.share = share
        self.cancelled = cancelled or (lambda: False)
        self.settings = settings
        self.scope = settings.sync_scope
        self.identity = settings.my_iro_identity.strip().lower()
        self.clock = clock
        self.confirm = confirm
        self.work = work
        self.force_full = force_full
        self.actor = store.actor
        self.started = clock.now()
        self.conn: Any = None
        self.source = ""  # "team" (a whole team copy) or "ovl" (changes over the base)
        self.rewrite_full = False  # write the whole team file again (a new team key)
        self.made: set[str] = set()  # temp id tables made so far
        self.nonce = ""  # of the generation this sync writes (``_note_sent``)
        self.pay = "pay"  # where the payload is attached ("ovl" when it is the team copy)

    def _fill(self, table: str, ids: Iterable[str]) -> None:
        """Fill a temp id table, made on first use (most of them stay unused)."""
        if table not in self.made:
            self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY)")
            self.made.add(table)
        _fill(self.conn, table, ids)

    # -- the outline -------------------------------------------------------------------------
    def _stop_if_cancelled(self) -> None:
        # Only asked before the merge begins: up to here nothing is written, here or on the
        # share (the work folder is this laptop's scratch space), so stopping loses nothing.
        if self.cancelled():
            raise SyncCancelledError(
                "The sync was stopped. Nothing was changed here or on the team share; sync "
                "again when you are ready."
            )

    def run(self) -> SyncReport:
        self.conn = self.store.raw_connection()
        try:
            return self._run()
        finally:
            with contextlib.suppress(*DB_ERRORS):
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
            self.conn.close()

    def _run(self) -> SyncReport:
        conn = self.conn
        tracking = ensure_sync_tables(conn)
        self.base_lost = tracking.base_lost
        self.state = read_state(conn)
        self.laptop_id = self.state.laptop_id or uuid.uuid4().hex
        numbers = self.share.generation_numbers()
        self.numbers = numbers
        _step("listed")
        self._stop_if_cancelled()
        head = self.share.read_manifest(numbers[-1]) if numbers else None
        plan = self._plan(head)
        # Without a base (never synced, or not to be trusted) every record here is compared
        # with the team's as if new: differences are conflicts, nothing is taken as unchanged.
        self.no_base = plan.ignore_base or not self.state.has_base
        # Normally only records noted as written since the last sync are compared with the
        # base; every record is compared when the notes may be incomplete, and now and then.
        self.full_compare = (
            not self.state.has_base
            or plan.ignore_base
            or tracking.notes_lost
            or self.state.quick_syncs + 1 >= FULL_COMPARE_EVERY
        )
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA temp_store = MEMORY")
        self._prepare_team_copy(plan)
        _step("downloaded")
        self._stop_if_cancelled()
        self._adopt_sent()
        # Up to date, the team copy starts empty and gets exactly what goes out (the records
        # and their history), which is what the payload holds: it is the payload, so each
        # record going out is written once, not twice. Otherwise the payload is a file of its
        # own, filled from the team copy.
        self.pay = "ovl" if plan.path == "up-to-date" else "pay"
        if self.pay == "ovl":
            self.payload_path = self.team_path
        else:
            self.payload_path = self.work / "payload.irodesk"
            new_work_file(self.payload_path, self.work.parent / "templates")
            _work_file(conn, self.payload_path, "pay")
            _create_sync_rows(conn, "pay")
        self._temp_tables()
        conn.execute("BEGIN")
        self._compare()
        self._merge_both_sides()
        self._check_clashes()
        self._apply_to_team_copy()
        self._scope_and_incoming(plan)
        self._ask_when_big()
        full = self._decide_full(plan)
        publish = full or bool(self.publish_ids_total or self.cl_out)
        if publish:
            self._fill_payload(full)
        conn.execute("COMMIT")
        if publish:
            # In a transaction of its own: the IRO may have saved an edit since the compare
            # read the caseload, and a read transaction that saw the older caseload can no
            # longer write (SQLite refuses at once: "database is locked").
            conn.execute("BEGIN IMMEDIATE")
            self._note_sent(plan)
            conn.execute("COMMIT")
        if self.pay == "pay":
            conn.execute("DETACH DATABASE pay")
        _step("merged")
        published = self._publish(plan, full) if publish else None
        _step("published")
        generation = published.generation if published else (head.generation if head else 0)
        team_id = published.team_id if published else (head.team_id if head else "")
        report = self._apply_locally(plan, generation, team_id, published)
        _step("committed")
        self._prune(published, head)
        _step("pruned")
        return report

    # -- choosing what to read ----------------------------------------------------------------
    def _local_me_ids(self) -> set[str]:
        return _ids(
            self.conn,
            "SELECT id FROM main.iro WHERE is_me = 1 OR (? <> '' AND lower(trim(identity)) = ?)",
            (self.identity, self.identity),
        )

    def _scope_key(self, me_ids: Iterable[str]) -> str:
        return "all" if self.scope == "all" else "mine:" + ",".join(sorted(me_ids))

    def _plan(self, head: Manifest | None) -> _Plan:
        plan = self._choose_plan(head)
        keyring = self.share.keyring
        if keyring is None or head is None:
            return plan
        # Every laptop that holds a team key keeps the team file readable with the newest key:
        # after a new key (or the move to encryption) the whole team file is written again.
        current = keyring.current.fingerprint
        last_full = self._last_full(head)
        if last_full >= 1 and last_full not in self.share.sealed_with:
            self.share.read_manifest(last_full)
        sealed_with = self.share.sealed_with
        if sealed_with.get(head.generation) != current or sealed_with.get(last_full) != current:
            self.rewrite_full = True
            if plan.path != "full":
                plan = self._full_plan(head, ignore_base=plan.ignore_base)
        self._refuse_plain_after_sealed()
        return plan

    def _refuse_plain_after_sealed(self) -> None:
        """A plain generation after an encrypted one is never read, even when moving over."""
        sealed_with = self.share.sealed_with
        plain = [number for number, fingerprint in sealed_with.items() if fingerprint is None]
        if not plain:
            return
        sealed = [number for number, fingerprint in sealed_with.items() if fingerprint]
        if self.share.accept_plain:
            sealed += self.share.sealed_generations(self.numbers)
        later = [number for number in plain if sealed and number > min(sealed)]
        if later:
            raise ShareFileRefusedError(
                f"The team file g{later[0]:08d} on the share is not encrypted, though team "
                "files before it are. It is refused: it may have been put there by someone "
                "else. Sync stopped and nothing was changed, here or on the share. Tell "
                "whoever supports IRO Desk for your team."
            )

    def _choose_plan(self, head: Manifest | None) -> _Plan:
        state = self.state
        if head is None:
            if state.has_base and not self.confirm:
                raise SyncNeedsConfirmationError(
                    f"The team share {self.share.folder} has no IRO Desk team file, but this "
                    f"laptop has synced with one before (generation {state.generation}). If "
                    "your team is starting again in this folder, sync again and confirm; "
                    "otherwise check the team share folder in Settings › Sync. Nothing was "
                    "changed."
                )
            return _Plan("new-share", None, ignore_base=state.has_base)
        if state.has_base and head.team_id != state.team_id:
            if not self.confirm:
                raise SyncNeedsConfirmationError(
                    "The team file on the share is not the one this laptop last synced with "
                    "(it belongs to another team, or was started again). Syncing will compare "
                    "every record and show any differences as conflicts. Check the team share "
                    "folder in Settings › Sync; sync again and confirm if it is right. Nothing "
                    "was changed."
                )
            return self._full_plan(head, ignore_base=True)
        if state.has_base and head.generation < state.generation:
            if not self.confirm:
                raise SyncNeedsConfirmationError(
                    f"The team file on the share is older than this laptop's last sync "
                    f"(generation {head.generation}, but this laptop had {state.generation}): "
                    "it may have been restored from a backup. Syncing will compare every "
                    "record and show any differences as conflicts. Sync again and confirm to "
                    "go ahead. Nothing was changed."
                )
            return self._full_plan(head, ignore_base=True)
        if state.has_base and self.base_lost:
            # A caseload table lost the triggers that keep the base (an upgrade rebuilt it):
            # a record changed meanwhile lost its base, so nothing can be taken as unchanged.
            return self._full_plan(head, ignore_base=True)
        overdue = _full_due(head, 0, 0)
        scope_changed = state.scope_key != self._scope_key(self._local_me_ids())
        if not state.has_base or self.force_full or scope_changed or overdue:
            return self._full_plan(head)
        if head.generation == state.generation:
            return _Plan("up-to-date", head)
        changes = []
        for number in range(state.generation + 1, head.generation + 1):
            try:
                manifest = self.share.read_manifest(number)
            except GenerationVanishedError:
                return self._full_plan(head)
            if manifest.kind != "changes":
                return self._full_plan(head)
            changes.append(manifest)
        return _Plan("changes", head, changes=changes)

    @staticmethod
    def _last_full(head: Manifest) -> int:
        return _chain(head)[0]

    def _full_plan(self, head: Manifest, *, ignore_base: bool = False) -> _Plan:
        last_full = self._last_full(head)
        if last_full < 1:
            raise ShareFileRefusedError(
                f"The team file g{head.generation:08d} on the share does not say where the "
                "whole team caseload is. Sync stopped; nothing was changed."
            )
        full = head if last_full == head.generation else self.share.read_manifest(last_full)
        if full.kind != "full":
            raise ShareFileRefusedError(
                f"The team file g{last_full:08d} on the share should hold the whole team "
                "caseload but does not. Sync stopped; nothing was changed."
            )
        changes = [self.share.read_manifest(n) for n in range(last_full + 1, head.generation + 1)]
        for manifest in changes:
            if manifest.team_id != head.team_id:
                raise ShareFileRefusedError(
                    f"The team file g{manifest.generation:08d} on the share belongs to another "
                    "team. Sync stopped; nothing was changed."
                )
        return _Plan("full", head, ignore_base=ignore_base, changes=changes, full=full)

    # -- the team copy on this laptop -------------------------------------------------------
    def _prepare_team_copy(self, plan: _Plan) -> None:
        templates = self.work.parent / "templates"
        self.plan = plan
        if plan.path in ("new-share", "full"):
            self.source = "team"
            team_path = self.work / "team.irodesk"
            if plan.full is None:
                new_work_file(team_path, templates)
            else:
                _fetch_checked(self.share, plan.full, team_path)
            team = connect_file(team_path, None)
            team.execute("PRAGMA synchronous = OFF")
            try:
                _create_sync_rows(team, "main")
                team.execute(f"DELETE FROM main.{SYNC_ROWS}")
                self._lay_changes(team, plan.changes, with_rows=False)
            finally:
                team.close()
            _work_file(self.conn, team_path, "team")
            self.team_path = team_path
        else:
            self.source = "ovl"
            overlay = self.work / "overlay.irodesk"
            new_work_file(overlay, templates)
            ovl = connect_file(overlay, None)
            ovl.execute("PRAGMA synchronous = OFF")
            try:
                _create_sync_rows(ovl, "main")
                self._lay_changes(ovl, plan.changes, with_rows=True)
            finally:
                ovl.close()
            _work_file(self.conn, overlay, "ovl")
            self.team_path = overlay

    def _lay_changes(self, conn: Any, changes: list[Manifest], *, with_rows: bool) -> None:
        for manifest in changes:
            part = self.work / f"g{manifest.generation:08d}.irodesk"
            _fetch_checked(self.share, manifest, part)
            with _attached_transaction(conn, part, "part"):
                _apply_payload(conn, "part", "main", with_rows=with_rows)
            part.unlink(missing_ok=True)

    # -- the base, copy-on-write (state.py): a base row, else the row here unless it is new ----
    def base_table(self, spec: TableSpec) -> str:
        """The table of base rows: the records whose base is not simply their row here."""
        # Without a base, rows a trigger copied before the first sync finished mean nothing.
        return f"temp.nobase_{spec.name}" if self.no_base else f"main.{spec.base}"

    def unsynced_sql(self, spec: TableSpec, id_expr: str) -> str:
        """True where a record here has no base unless it has a base row (it is new)."""
        if self.no_base:
            return "1"
        return (
            f"EXISTS (SELECT 1 FROM main.{UNSYNCED_TABLE} u WHERE u.table_name = "
            f"'{spec.name}' AND u.row_id = {id_expr})"
        )

    def changed_here_sql(self, spec: TableSpec, local: str, base: str) -> str:
        """True where the record here (alias ``local``) differs from its base (or has none)."""
        return (
            f"(({base}.id IS NOT NULL AND NOT ({_same(spec, local, base)})) OR "
            f"({base}.id IS NULL AND {self.unsynced_sql(spec, f'{local}.id')}))"
        )

    def base_rows_sql(self, spec: TableSpec, ids_table: str, names: Iterable[str] = ()) -> str:
        """The base rows of the ids in a temp table (base rows, and rows here that are the base).

        ``names``: the columns wanted (default: every column); local-only ones are the team's.
        """
        wanted = f"x.id IN (SELECT id FROM {ids_table})"
        base = self.base_table(spec)
        return (
            f"SELECT {_team_select(spec, 'x', names)} FROM {base} x WHERE {wanted} UNION ALL "
            f"SELECT {_team_select(spec, 'l', names)} FROM main.{spec.name} l "
            f"WHERE l.id IN (SELECT id FROM {ids_table}) "
            f"AND NOT EXISTS (SELECT 1 FROM {base} b WHERE b.id = l.id) AND NOT "
            f"{self.unsynced_sql(spec, 'l.id')}"
        )

    def in_base_sql(self, spec: TableSpec, id_expr: str) -> str:
        """True where the record with this id has a base."""
        return (
            f"(EXISTS (SELECT 1 FROM {self.base_table(spec)} b WHERE b.id = {id_expr}) OR "
            f"(EXISTS (SELECT 1 FROM main.{spec.name} l WHERE l.id = {id_expr}) AND NOT "
            f"{self.unsynced_sql(spec, id_expr)}))"
        )

    def team_rows_sql(self, spec: TableSpec, ids_table: str, names: Iterable[str] = ()) -> str:
        """The team's rows (as they are now in the team copy) for the ids in a temp table.

        ``names``: the columns wanted (default: every column); local-only ones are the team's.
        """
        columns = _team_select(spec, "x", names)
        wanted = f"x.id IN (SELECT id FROM {ids_table})"
        if self.source == "team":
            return f"SELECT {columns} FROM team.{spec.name} x WHERE {wanted}"
        not_changed = (  # the ids the team has not changed since the base
            f"(SELECT i.id FROM {ids_table} i WHERE NOT EXISTS (SELECT 1 FROM ovl.{spec.name} o "
            "WHERE o.id = i.id))"
        )
        return (
            f"SELECT {columns} FROM ovl.{spec.name} x WHERE {wanted} UNION ALL "
            f"{self.base_rows_sql(spec, not_changed, names)}"
        )

    def in_team_sql(self, spec: TableSpec, id_expr: str) -> str:
        if self.source == "team":
            return f"EXISTS (SELECT 1 FROM team.{spec.name} x WHERE x.id = {id_expr})"
        return (
            f"(EXISTS (SELECT 1 FROM ovl.{spec.name} x WHERE x.id = {id_expr}) OR "
            f"{self.in_base_sql(spec, id_expr)})"
        )

    # -- comparing ---------------------------------------------------------------------------
    def _temp_tables(self) -> None:
        conn = self.conn
        # Id tables that queries read before anything fills them; the rest are made by _fill.
        prefixes = ("s", "ev") if self.scope == "mine" else ()
        for spec in TABLES.values():
            for prefix in prefixes:
                conn.execute(f"CREATE TEMP TABLE {prefix}_{spec.name} (id TEXT PRIMARY KEY)")
                self.made.add(f"{prefix}_{spec.name}")
            if self.no_base:
                conn.execute(
                    f"CREATE TEMP TABLE nobase_{spec.name} AS SELECT * FROM main.{spec.base} "
                    "WHERE 0"
                )
        conn.execute("CREATE TEMP TABLE me (id TEXT PRIMARY KEY)")
        conn.execute("CREATE TEMP TABLE cl_out (id TEXT PRIMARY KEY)")
        conn.execute("CREATE TEMP TABLE cl_in (id TEXT PRIMARY KEY)")

    def tv(self, table: str) -> str:
        """The temp view of the team's records of a table, as the team copy has them now.

        Made when first used (most syncs use few): the team copy's rows, and (reading only
        the changes) the base of every record they do not hold.
        """
        name = f"tv_{table}"
        if name not in self.made:
            spec = TABLES[table]
            self.conn.execute(
                f"CREATE TEMP VIEW {name} AS "
                + (
                    f"SELECT {_cols(spec.columns)} FROM team.{spec.name}"
                    if self.source == "team"
                    else f"SELECT {_cols(spec.columns)} FROM ovl.{spec.name} UNION ALL "
                    f"SELECT {_cols(spec.columns, 'b')} FROM {self.base_table(spec)} b WHERE "
                    f"NOT EXISTS (SELECT 1 FROM ovl.{spec.name} x WHERE x.id = b.id) UNION ALL "
                    f"SELECT {_team_select(spec, 'l')} FROM main.{spec.name} l WHERE "
                    f"NOT EXISTS (SELECT 1 FROM ovl.{spec.name} x WHERE x.id = l.id) AND "
                    f"NOT EXISTS (SELECT 1 FROM {self.base_table(spec)} b WHERE b.id = l.id) "
                    f"AND NOT {self.unsynced_sql(spec, 'l.id')}"
                )
            )
            self.made.add(name)
        return name

    def _compare(self) -> None:
        """Which records changed here, on the team, or went missing since the base."""
        conn = self.conn
        self.sets: dict[str, dict[str, set[str]]] = {}
        held_rows = conn.execute(
            "SELECT table_name, row_id, field FROM main.sync_conflict WHERE status = 'open'"
        ).fetchall()
        self.held: dict[tuple[str, str], set[str]] = {}
        for table_name, row_id, name in held_rows:
            self.held.setdefault((table_name, row_id), set()).add(name)
        self.dirty_seen = dirty_mark(conn)
        written: dict[str, set[str]] = {}
        if not self.full_compare:  # one pass over the notes, not one per table
            for table_name, row_id in conn.execute(
                f"SELECT table_name, row_id FROM main.{DIRTY_TABLE} WHERE seq <= ? AND "
                "table_name <> 'change_log'",  # (history goes out by its own query)
                (self.dirty_seen,),
            ).fetchall():
                written.setdefault(table_name, set()).add(row_id)
        for spec in TABLES.values():
            t, base = spec.name, self.base_table(spec)
            if self.full_compare:
                local_changed = _ids(
                    conn,
                    f"SELECT l.id FROM main.{t} l LEFT JOIN {base} b ON b.id = l.id "
                    f"WHERE {self.changed_here_sql(spec, 'l', 'b')}",
                )
                orphans = _ids(  # a base, but nothing here
                    conn,
                    f"SELECT b.id FROM {base} b WHERE NOT EXISTS (SELECT 1 FROM main.{t} l "
                    "WHERE l.id = b.id)",
                )
            else:
                # Records in conflict differ from the base until settled: compared too.
                wanted = written.get(t, set()) | {
                    row for (table_name, row) in self.held if table_name == t
                }
                local_changed = set()
                if wanted:  # (most tables had nothing written)
                    self._fill(f"l_{t}", wanted)
                    local_changed = _ids(
                        conn,
                        f"SELECT l.id FROM temp.l_{t} d CROSS JOIN main.{t} l ON l.id = d.id "
                        f"LEFT JOIN {base} b ON b.id = l.id "
                        f"WHERE {self.changed_here_sql(spec, 'l', 'b')}",
                    )
                orphans = set()
            # Up to date, the team copy is empty: the team changed nothing.
            team_changed = set() if self.plan.path == "up-to-date" else _ids(
                conn,
                f"SELECT x.id FROM {self.source}.{t} x LEFT JOIN {base} b ON b.id = x.id "
                f"LEFT JOIN main.{t} l ON l.id = x.id "
                f"WHERE (b.id IS NOT NULL AND NOT ({_same(spec, 'x', 'b')})) OR "
                f"(b.id IS NULL AND l.id IS NOT NULL AND "
                f"(NOT ({_same(spec, 'x', 'l')}) OR {self.unsynced_sql(spec, 'l.id')}))",
            )
            lost = set()
            if self.source == "team":
                lost = _ids(  # the team file lacks what it had: send it again
                    conn,
                    f"SELECT l.id FROM main.{t} l WHERE NOT EXISTS (SELECT 1 FROM team.{t} x "
                    f"WHERE x.id = l.id) AND {self.in_base_sql(spec, 'l.id')}",
                )
            both_changed = local_changed & team_changed
            if both_changed:
                self._fill(f"both_{t}", both_changed)
            agreed = _ids(
                conn,
                f"SELECT l.id FROM temp.both_{t} c CROSS JOIN main.{t} l ON l.id = c.id "
                f"JOIN ({self.team_rows_sql(spec, f'temp.both_{t}')}) x ON x.id = c.id "
                f"WHERE {_same(spec, 'l', 'x')}",
            ) if both_changed else set()
            held = {row for (table_name, row) in self.held if table_name == t}
            self.sets[t] = {
                "l": local_changed,
                "o": orphans,
                "th": team_changed,
                "lost": lost - orphans,
                "agreed": agreed,
                "held": held,
            }

    # -- merging -------------------------------------------------------------------------------
    def _merge_both_sides(self) -> None:
        conn = self.conn
        now_raw = raw_value(TABLES["child"], "updated_at", self.clock.now())
        self.merges: dict[str, dict[str, RecordMerge]] = {}
        self.local_before: dict[str, dict[str, dict[str, Any]]] = {}
        for spec in TABLES.values():
            t = spec.name
            s = self.sets[t]
            self.merges[t] = {}
            if spec.append_only:  # written once, never changed: the union of both sides
                s["agreed"] |= s["l"] & s["th"]
                s["both"], s["in_update"] = set(), set()
                s["out"] = (s["l"] - s["th"]) | s["lost"]
                continue
            both = ((s["l"] & s["th"]) - s["agreed"]) | (s["held"] & (s["l"] | s["th"]))
            s["both"] = both
            s["out"] = (s["l"] - s["th"] - s["held"]) | (s["lost"] - s["held"])
            s["in_update"] = s["th"] - s["l"] - s["held"] - s["o"]
            if not both:
                continue
            self._fill(f"both_{t}", both)
            local_rows = _rows(
                conn,
                f"SELECT {_cols(spec.columns)} FROM main.{t} WHERE id IN "
                f"(SELECT id FROM temp.both_{t})",
                spec.columns,
            )
            base_rows = _rows(conn, self.base_rows_sql(spec, f"temp.both_{t}"), spec.columns)
            team_rows = _rows(conn, self.team_rows_sql(spec, f"temp.both_{t}"), spec.columns)
            self.local_before[t] = local_rows
            for row_id in both:
                local = local_rows.get(row_id)
                theirs = team_rows.get(row_id)
                if local is None:
                    continue
                if theirs is None:  # the team file lacks it: send it
                    s["out"].add(row_id)
                    continue
                self.merges[t][row_id] = merge_record(
                    spec,
                    local,
                    base_rows.get(row_id),
                    theirs,
                    held=self.held.get((t, row_id), ()),
                    actor=self.actor,
                    now_raw=now_raw,
                )

    def _apply_to_team_copy(self) -> None:
        """Write what goes out into the team copy, so it now holds the merged team caseload."""
        conn = self.conn
        target_schema = self.source
        self.publish_ids_total = 0
        for spec in TABLES.values():
            t = spec.name
            s = self.sets[t]
            pub = set(s["out"]) | {i for i, m in self.merges[t].items() if m.team_changed}
            s["pub"] = pub
            s["new"] = set()
            self.publish_ids_total += len(pub)
            if not pub:
                continue
            self._fill(f"pub_{t}", pub)
            new = _ids(
                conn,
                f"SELECT id FROM temp.pub_{t} p WHERE NOT {self.in_team_sql(spec, 'p.id')}",
            )
            s["new"] = new
            if new:
                self._fill(f"new_{t}", new)
            if s["out"]:
                out = f"pub_{t}"  # (usually all that goes out is sent as it is here)
                if s["out"] != pub:
                    out = f"out_{t}"
                    self._fill(out, s["out"])
                conn.execute(
                    _upsert(
                        spec,
                        f"{target_schema}.{t}",
                        f"SELECT {_team_select(spec, 'l')} FROM main.{t} l "
                        f"WHERE l.id IN (SELECT id FROM temp.{out})",
                    )
                )
            merged = [m.team for m in self.merges[t].values() if m.team_changed]
            if merged:
                columns = _cols(spec.columns)
                marks = ", ".join("?" for _ in spec.columns)
                updates = ", ".join(f"{c} = excluded.{c}" for c in spec.columns if c != "id")
                conn.executemany(
                    f"INSERT INTO {target_schema}.{t} ({columns}) VALUES ({marks}) "
                    f"ON CONFLICT(id) DO UPDATE SET {updates}",
                    [tuple(row[c] for c in spec.columns) for row in merged],
                )
        team_log = f"{target_schema}.change_log"
        base_log = "temp.nobase_cl" if self.no_base else f"main.{BASE_CHANGE_LOG}"
        if self.no_base:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS nobase_cl (id TEXT PRIMARY KEY)")
        local_tables = ", ".join(f"'{name}'" for name in sorted(LOCAL_TABLE_NAMES))
        written = (
            ""
            if self.full_compare
            else f"AND c.id IN (SELECT row_id FROM main.{DIRTY_TABLE} WHERE table_name = "
            f"'change_log' AND seq <= {int(self.dirty_seen)}) "
        )
        conn.execute(
            f"INSERT INTO temp.cl_out SELECT c.id FROM main.change_log c WHERE NOT EXISTS "
            f"(SELECT 1 FROM {base_log} b WHERE b.id = c.id) AND NOT EXISTS "
            f"(SELECT 1 FROM {team_log} x WHERE x.id = c.id) {written}"
            f"AND c.table_name NOT IN ({local_tables})"
        )
        self.base_log = base_log
        self.cl_out = conn.execute("SELECT count(*) FROM temp.cl_out").fetchone()[0]
        conn.execute(
            f"INSERT OR IGNORE INTO {team_log} ({_cols(CHANGE_LOG_COLUMNS)}) SELECT "
            f"{_cols(CHANGE_LOG_COLUMNS)} FROM main.change_log WHERE id IN "
            "(SELECT id FROM temp.cl_out)"
        )

    # -- scope: what this laptop keeps, and what comes in ----------------------------------------
    def _scope_and_incoming(self, plan: _Plan) -> None:
        conn = self.conn
        me_ids = self._local_me_ids() | _ids(
            conn,
            f"SELECT id FROM {self.tv('iro')} WHERE ? <> '' AND lower(trim(identity)) = ?",
            (self.identity, self.identity),
        )
        if self.scope == "mine" and not me_ids:
            raise IroDeskError(
                "This laptop keeps the children allocated to you, but IRO Desk does not know "
                "which IRO you are: no IRO here or on the team file has your sign-in name "
                f"({self.settings.my_iro_identity or 'not set'}). Set your sign-in name in "
                "Settings › Sync (or choose to keep everyone). Nothing was changed."
            )
        self.scope_key = self._scope_key(me_ids)
        if self.source == "ovl" and self.scope_key != self.state.scope_key:
            raise _RestartError("who this laptop is for changed", full=True)
        self._fill("me", me_ids)
        if self.scope == "mine":
            self._compute_scope()
        for spec in TABLES.values():
            t = spec.name
            s = self.sets[t]
            in_scope = self._in_scope(spec, "x.id")
            base = self.base_table(spec)
            # Up to date, the team copy holds only what this laptop is sending: nothing new.
            new_in = set() if self.plan.path == "up-to-date" else _ids(
                # (with nothing here, a base can only be a base row)
                conn,
                f"SELECT x.id FROM {self.source}.{t} x WHERE NOT EXISTS (SELECT 1 FROM "
                f"main.{t} l WHERE l.id = x.id) AND NOT EXISTS (SELECT 1 FROM {base} b "
                f"WHERE b.id = x.id) AND {in_scope}",
            )
            orphans = s["o"] - s["held"]
            if orphans:
                self._fill(f"inc_{t}", orphans)
                orphans_in = _ids(
                    conn,
                    f"SELECT x.id FROM {self.tv(t)} x WHERE x.id IN (SELECT id FROM temp.inc_{t}) "
                    f"AND {in_scope}",
                )
            else:
                orphans_in = set()
            s["new_in"] = new_in
            s["orphans_in"] = orphans_in
            s["orphans_gone"] = orphans - orphans_in
        if self.source == "ovl":
            self._check_changes_are_enough()
        self._bring_parents()
        for spec in TABLES.values():
            s = self.sets[spec.name]
            s["inc"] = s["in_update"] | s["new_in"] | s["orphans_in"] | s.get("parents", set())
        self._check_incoming_clashes()
        if self.plan.path != "up-to-date":  # (the team copy's history is all from here)
            self._incoming_history()
        self._leaving()

    def _in_scope(self, spec: TableSpec, id_expr: str) -> str:
        if self.scope == "all":
            return "1"
        return f"{id_expr} IN (SELECT id FROM temp.s_{spec.name})"

    def _compute_scope(self) -> None:
        """Which records this laptop keeps, worked out on the merged team caseload."""
        conn = self.conn
        me = "(SELECT id FROM temp.me)"
        rules: dict[str, str] = {
            "iro": "1",
            "child": f"allocated_iro_id IN {me} OR covering_iro_id IN {me}",
            "case_track": f"child_id IN (SELECT id FROM temp.s_child) OR "
            f"(child_id IS NULL AND iro_id IN {me})",
        }
        for spec in TABLES.values():
            t = spec.name
            rule = rules.get(t)
            if rule is None:
                parents = [
                    f"{column} IN (SELECT id FROM temp.s_{parent})"
                    for column, parent in spec.foreign_keys
                    if parent != "iro" and parent in TABLES
                ]
                rule = " OR ".join(parents) if parents else "1"
            conn.execute(
                f"INSERT OR IGNORE INTO temp.s_{t} SELECT id FROM {self.tv(t)} WHERE {rule}"
            )
            if t == "iro":  # every IRO's profile is kept, whoever wrote it
                conn.execute(f"INSERT OR IGNORE INTO temp.s_{t} SELECT id FROM main.{t}")

    def _check_changes_are_enough(self) -> None:
        """Reading only the changes works unless a record arrives that existed before."""
        conn = self.conn
        for spec in TABLES.values():
            t = spec.name
            arriving = self.sets[t]["new_in"]
            if not arriving:
                continue
            self._fill(f"inc_{t}", arriving)
            flagged = _ids(
                conn,
                f"SELECT row_id FROM ovl.{SYNC_ROWS} WHERE table_name = ? AND is_new = 1 AND "
                f"row_id IN (SELECT id FROM temp.inc_{t})",
                (t,),
            )
            if arriving - flagged:
                raise _RestartError("a record older than the base joined this laptop", full=True)

    def _bring_parents(self) -> None:
        """Every record coming in must find the records it refers to on this laptop."""
        conn = self.conn
        for spec in TABLES.values():
            self.sets[spec.name]["parents"] = set()
        for _round in range(len(TABLES)):
            added = False
            for spec in TABLES.values():
                s = self.sets[spec.name]
                arriving = s["new_in"] | s["orphans_in"] | s["in_update"] | s["parents"]
                if not arriving or not spec.foreign_keys:
                    continue
                self._fill(f"inc_{spec.name}", arriving)
                for column, parent in spec.foreign_keys:
                    if parent not in TABLES:
                        continue
                    ps = self.sets[parent]
                    coming = ps["new_in"] | ps["orphans_in"] | ps["parents"]
                    wanted = _ids(
                        conn,
                        f"SELECT DISTINCT x.{column} FROM {self.tv(spec.name)} x WHERE x.id IN "
                        f"(SELECT id FROM temp.inc_{spec.name}) AND x.{column} IS NOT NULL AND "
                        f"NOT EXISTS (SELECT 1 FROM main.{parent} p WHERE p.id = x.{column})",
                    ) - coming
                    if not wanted:
                        continue
                    self._fill(f"inc_{parent}", wanted)
                    found = _ids(
                        conn,
                        f"SELECT id FROM {self.tv(parent)} WHERE id IN "
                        f"(SELECT id FROM temp.inc_{parent})",
                    )
                    if wanted - found:
                        if self.source == "ovl":
                            raise _RestartError("a record refers to one not read", full=True)
                        raise ShareFileRefusedError(
                            "The team file on the share refers to records it does not hold, so "
                            "it cannot be merged safely. Sync stopped; nothing was changed. Ask "
                            "whoever supports IRO Desk for your team to look at the share."
                        )
                    ps["parents"] |= found
                    added = True
            if not added:
                return

    def _incoming_history(self) -> None:
        conn = self.conn
        log_source = f"{self.source}.change_log"
        if self.scope == "all":
            scope = "x.table_name IN (" + ", ".join(f"'{t}'" for t in TABLES) + ")"
        else:
            scope = "(" + " OR ".join(
                f"(x.table_name = '{t}' AND (x.row_id IN (SELECT id FROM temp.s_{t}) OR "
                f"x.row_id IN (SELECT id FROM main.{t})))"
                for t in TABLES
            ) + ")"
        conn.execute(
            f"INSERT OR IGNORE INTO temp.cl_in SELECT x.id FROM {log_source} x WHERE NOT EXISTS "
            f"(SELECT 1 FROM main.change_log c WHERE c.id = x.id) AND NOT EXISTS "
            f"(SELECT 1 FROM {self.base_log} b WHERE b.id = x.id) AND {scope}"
        )

    def _leaving(self) -> None:
        """Records this laptop no longer keeps (worked out again, safely, when applying)."""
        conn = self.conn
        pinned = bool(self.held)  # a record in conflict keeps its whole child here for now
        for spec in TABLES.values():
            s = self.sets[spec.name]
            s["ev"] = set()
            if self.scope == "all":
                continue
            s["ev"] = _ids(
                conn,
                f"SELECT id FROM main.{spec.name} WHERE id NOT IN (SELECT id FROM "
                f"temp.s_{spec.name})",
            )
        self.evict_postponed = pinned and any(self.sets[t]["ev"] for t in TABLES)
        if self.evict_postponed:
            for spec in TABLES.values():
                self.sets[spec.name]["ev"] = set()

    # -- checks before anything is written ---------------------------------------------------
    def _check_clashes(self) -> None:
        """A child going out may not take a council child ID the team uses for another child."""
        conn = self.conn
        s = self.sets["child"]
        outgoing = s["out"] | {i for i, m in self.merges["child"].items() if m.team_changed}
        if not outgoing:
            return
        self._fill("pub_child", outgoing)
        if self.source == "ovl":
            spec = TABLES["child"]
            new_refs = conn.execute(
                f"SELECT count(*) FROM temp.pub_child p CROSS JOIN main.child l ON l.id = p.id "
                f"LEFT JOIN {self.base_table(spec)} b ON b.id = p.id "
                "WHERE (b.id IS NOT NULL AND b.child_ref IS NOT l.child_ref) OR "
                f"(b.id IS NULL AND {self.unsynced_sql(spec, 'l.id')})"
            ).fetchone()[0]
            if new_refs:
                raise _RestartError("a child ID is new: check it against the whole team", full=True)
            return
        _refuse_clash(conn.execute(
            "SELECT l.child_ref, l.first_name, l.last_name, x.first_name, x.last_name "
            "FROM temp.pub_child p CROSS JOIN main.child l ON l.id = p.id "
            "JOIN team.child x ON x.child_ref = l.child_ref AND x.id <> l.id LIMIT 1"
        ).fetchone())

    def _check_incoming_clashes(self) -> None:
        """A child coming in may not take a council child ID used here for another child."""
        conn = self.conn
        arriving = self.sets["child"]["inc"]
        if not arriving:
            return
        self._fill("inc_child", arriving)
        _refuse_clash(conn.execute(
            "SELECT l.child_ref, l.first_name, l.last_name, x.first_name, x.last_name "
            f"FROM {self.tv('child')} x JOIN main.child l ON l.child_ref = x.child_ref "
            "AND l.id <> x.id "
            "WHERE x.id IN (SELECT id FROM temp.inc_child) LIMIT 1"
        ).fetchone())

    def _ask_when_big(self) -> None:
        """A sync that would change or remove most of this laptop's records stops and asks."""
        if self.confirm:
            return
        conn = self.conn
        changed = removed = 0
        for spec in TABLES.values():
            s = self.sets[spec.name]
            changed += len(s["in_update"]) + sum(
                1 for m in self.merges[spec.name].values() if m.local_changed
            )
            removed += len(s["ev"])
        affected = changed + removed
        if affected < CONFIRM_MIN_RECORDS // 2:
            return
        total = sum(
            conn.execute(f"SELECT count(*) FROM main.{t} WHERE deleted_at IS NULL").fetchone()[0]
            for t in TABLES
        )
        if total < CONFIRM_MIN_RECORDS or affected * 2 <= total:
            return
        children = len(self.sets["child"]["ev"])
        raise SyncNeedsConfirmationError(
            f"This sync would change {changed} and remove {removed} of the {total} records on "
            f"this laptop" + (f" ({children} children would leave it)" if children else "")
            + ". That is most of your caseload, so nothing has been done yet. If you expected "
            "this (for example your manager reallocated your children), sync again and "
            "confirm."
        )

    # -- a generation written but not recorded --------------------------------------------------
    def _note_sent(self, plan: _Plan) -> None:
        """Note, before writing it, the generation this sync will write (``SentMark``)."""
        self.nonce = secrets.token_hex(8)
        not_ours = {
            t: sorted(ids) for t, merged in self.merges.items()
            if (ids := {i for i, m in merged.items() if m.team_changed})
        }
        number = plan.head.generation + 1 if plan.head else 1
        write_sent(self.conn, SentMark(self.nonce, number, not_ours))

    def _adopt_sent(self) -> None:
        """Take into the base this laptop's own records from a generation it wrote unrecorded.

        A sync cut short after writing its generation to the share and before recording it
        here (killed, or started again) leaves the team file holding this laptop's values while
        the base still has the older ones. Edited again here, such a record would look changed
        on both sides: a conflict of the IRO with themselves. So when the noted generation is
        on the share (the same number and nonce, written by this laptop), the records in it
        that were this laptop's own values become the base, as that sync would have made them.
        Nothing else changes: the sync then goes on as usual and reads the generation too.
        """
        conn = self.conn
        mark = read_sent(conn)
        if mark is None:
            return
        manifest = None
        if (
            self.state.has_base
            and not self.plan.ignore_base
            and mark.generation > self.state.generation
            and mark.generation in self.numbers
        ):
            with contextlib.suppress(GenerationVanishedError):
                manifest = self.share.read_manifest(mark.generation)
        if manifest is not None and (
            manifest.nonce != mark.nonce or manifest.laptop_id != self.laptop_id
        ):
            manifest = None
        if manifest is None:  # not written, or not to be trusted: forget it
            clear_sent(conn)  # one statement: its own transaction
            return
        sent = _fetch_checked(self.share, manifest, self.work / "sent.irodesk")
        with _attached_transaction(conn, sent, "sent", begin="BEGIN IMMEDIATE"):
            for spec in TABLES.values():
                ours = (
                    f"SELECT id FROM sent.{spec.name} WHERE id IN (SELECT row_id FROM "
                    f"sent.{SYNC_ROWS} WHERE table_name = ?) AND id NOT IN "
                    "(SELECT value FROM json_each(?))"
                )
                params = (spec.name, json.dumps(mark.not_ours.get(spec.name, [])))
                conn.execute(
                    _upsert(
                        spec,
                        f"main.{spec.base}",
                        f"SELECT {_cols(spec.columns)} FROM sent.{spec.name} WHERE id IN "
                        f"({ours})",
                    ),
                    params,
                )
                conn.execute(
                    f"DELETE FROM main.{UNSYNCED_TABLE} WHERE table_name = '{spec.name}' AND "
                    f"row_id IN ({ours})",
                    params,
                )
            conn.execute(
                f"INSERT OR IGNORE INTO main.{BASE_CHANGE_LOG} SELECT c.id FROM "
                "main.change_log c WHERE EXISTS (SELECT 1 FROM sent.change_log x "
                "WHERE x.id = c.id)"
            )
            clear_sent(conn)

    # -- what goes to the share ------------------------------------------------------------
    def _decide_full(self, plan: _Plan) -> bool:
        if plan.path == "new-share" or self.rewrite_full:
            return True
        if plan.path != "full" or plan.head is None:
            return False
        return _full_due(plan.head, 1, self.publish_ids_total)

    def _fill_payload(self, full: bool) -> None:
        conn = self.conn
        self.full = full
        self.counts: dict[str, int] = {}
        for spec in TABLES.values():
            t = spec.name
            s = self.sets[t]
            if not s["pub"]:
                continue
            # temp.pub_<table> and temp.new_<table> still hold these (_apply_to_team_copy).
            is_new = f"id IN (SELECT id FROM temp.new_{t})" if s["new"] else "0"
            conn.execute(
                f"INSERT INTO {self.pay}.{SYNC_ROWS} (table_name, row_id, is_new) SELECT ?, id, "
                f"{is_new} FROM temp.pub_{t}",
                (t,),
            )
            self.counts[t] = len(s["pub"])
            if not full and self.pay == "pay":
                conn.execute(
                    f"INSERT INTO pay.{t} ({_cols(spec.columns)}) "
                    f"{self.team_rows_sql(spec, f'temp.pub_{t}')}"
                )
        self.counts["change_log"] = self.cl_out
        if full:
            conn.execute(f"DELETE FROM team.{SYNC_ROWS}")
            conn.execute(f"INSERT INTO team.{SYNC_ROWS} SELECT * FROM pay.{SYNC_ROWS}")
        elif self.pay == "pay":
            conn.execute(
                f"INSERT INTO pay.change_log ({_cols(CHANGE_LOG_COLUMNS)}) SELECT "
                f"{_cols(CHANGE_LOG_COLUMNS)} FROM main.change_log WHERE id IN "
                "(SELECT id FROM temp.cl_out)"
            )

    def _team_rows(self) -> int:
        conn = connect_file(self.team_path, None, read_only=True)
        try:
            return sum(
                conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES
            )
        finally:
            conn.close()

    def _publish(self, plan: _Plan, full: bool) -> Manifest:
        head = plan.head
        number = head.generation + 1 if head else 1
        team_id = head.team_id if head else uuid.uuid4().hex
        payload = self.team_path if full else self.payload_path
        if full:
            self.conn.execute("DETACH DATABASE team")
        if full or head is None:
            rows = self._team_rows()
            chain = {"last_full": number, "chain_rows": 0, "full_rows": rows}
        else:
            last_full, chain_rows, full_rows = _chain(head)
            chain = {"last_full": last_full, "chain_rows": chain_rows + self.publish_ids_total,
                     "full_rows": full_rows}
        counts = {**self.counts, **chain}
        manifest = Manifest(
            generation=number,
            parent=number - 1,
            kind="full" if full else "changes",
            team_id=team_id,
            schema_version=SCHEMA_VERSION,
            app_version=__version__,
            laptop_id=self.laptop_id,
            written_by=self.actor,
            written_at=self.clock.now().isoformat(),
            codec="",
            payload_sha256="",
            payload_size=0,
            nonce=self.nonce,
            counts=counts,
        )
        try:
            written = self.share.publish(payload, manifest)
        except GenerationTakenError as exc:
            raise _RestartError("another laptop wrote that generation first") from exc
        if full:
            _work_file(self.conn, self.team_path, "team")
        return written

    # -- changing this laptop ------------------------------------------------------------------
    def _apply_locally(
        self, plan: _Plan, generation: int, team_id: str, published: Manifest | None
    ) -> SyncReport:
        conn = self.conn
        changes_here = any(
            s["inc"] or s["ev"] or any(m.local_changed for m in self.merges[t].values())
            for t, s in self.sets.items()
        )
        new_conflicts = sum(len(m.conflicts) for ms in self.merges.values() for m in ms.values())
        backup = ""
        if changes_here or new_conflicts:
            backup = str(make_backup(self.store, "before-sync"))
        _step("backed_up")
        came_in, went_out, left = self._lists()
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            apply_start = dirty_mark(conn)
            clear_sent(conn)  # what it noted is recorded now, with everything else
            # Notes or a base found lost are answered by this sync (every record compared;
            # every difference kept as a conflict): forgotten with everything else recorded.
            clear_lost(conn, notes=self.full_compare, base=self.no_base)
            self._verify_unchanged()
            self._write_incoming()
            run_id = uuid.uuid4()
            conflicts_new = self._write_conflicts(run_id)
            self._write_base(plan)
            evicted = self._remove_leaving()
            # What was noted before the compare is now in the base, and so is what this sync
            # wrote itself; what the IRO wrote meanwhile stays noted for the next sync.
            conn.execute(
                f"DELETE FROM main.{DIRTY_TABLE} WHERE seq <= ? OR seq > ?",
                (self.dirty_seen, apply_start),
            )
            write_state(
                conn,
                SyncState(
                    laptop_id=self.laptop_id,
                    team_id=team_id,
                    generation=generation,
                    scope_key=self.scope_key,
                    share_folder=str(self.share.folder),
                    quick_syncs=0 if self.full_compare else self.state.quick_syncs + 1,
                ),
            )
            conflicts_open = conn.execute(
                "SELECT count(*) FROM (SELECT DISTINCT table_name, row_id FROM "
                "main.sync_conflict WHERE status = 'open')"
            ).fetchone()[0]
            left = [item for item in left if item.row_id in evicted.get(item.table, set())]
            left_count = sum(len(ids) for ids in evicted.values())
            finished = self.clock.now()
            report = SyncReport(
                started_at=self.started,
                finished_at=finished,
                share_folder=str(self.share.folder),
                path=plan.path,
                generation=generation,
                published=published.generation if published else None,
                came_in=came_in,
                went_out=went_out,
                left_laptop=left,
                came_in_count=self.counts_listed["in"],
                went_out_count=self.counts_listed["out"],
                left_count=left_count,
                conflicts_new=conflicts_new,
                conflicts_open=conflicts_open,
                backup=backup,
                run_id=run_id.hex,
            )
            insert_row(conn, SyncRun, self._run_values(report, run_id))
            _step("applied")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return report

    def _verify_unchanged(self) -> None:
        """The caseload may have been edited while the sync worked: start again if it was."""
        conn = self.conn
        for spec in TABLES.values():
            t = spec.name
            s = self.sets[t]
            if s["in_update"]:
                self._fill(f"inc_{t}", s["in_update"])
                moved = conn.execute(
                    f"SELECT count(*) FROM temp.inc_{t} c LEFT JOIN main.{t} l ON l.id = c.id "
                    f"LEFT JOIN {self.base_table(spec)} b ON b.id = c.id "
                    f"WHERE l.id IS NULL OR {self.changed_here_sql(spec, 'l', 'b')}"
                ).fetchone()[0]
                if moved:
                    raise _RestartError("the caseload changed while syncing")
            arriving = s["new_in"] | s["orphans_in"] | s["parents"]
            if arriving:
                self._fill(f"inc_{t}", arriving)
                there = conn.execute(
                    f"SELECT count(*) FROM main.{t} WHERE id IN (SELECT id FROM temp.inc_{t})"
                ).fetchone()[0]
                if there:
                    raise _RestartError("the caseload changed while syncing")
            merged = self.merges[t]
            if merged:
                self._fill(f"both_{t}", merged)
                now = _rows(
                    conn,
                    f"SELECT {_cols(spec.columns)} FROM main.{t} WHERE id IN "
                    f"(SELECT id FROM temp.both_{t})",
                    spec.columns,
                )
                for row_id in merged:
                    if now.get(row_id) != self.local_before[t].get(row_id):
                        raise _RestartError("the caseload changed while syncing")

    def _write_incoming(self) -> None:
        conn = self.conn
        for spec in TABLES.values():
            t = spec.name
            s = self.sets[t]
            if s["inc"]:
                self._fill(f"inc_{t}", s["inc"])
                columns = [c for c in spec.columns]
                select = ", ".join(
                    "CASE WHEN ? <> '' AND lower(trim(x.identity)) = ? THEN 1 ELSE 0 END"
                    if c in spec.local_only
                    else f"x.{c}"
                    for c in columns
                )
                params = tuple(
                    p for c in columns if c in spec.local_only for p in (self.identity,
                                                                        self.identity)
                )
                if spec.append_only:
                    conn.execute(
                        f"INSERT OR IGNORE INTO main.{t} ({_cols(columns)}) SELECT {select} "
                        f"FROM {self.tv(t)} x WHERE x.id IN (SELECT id FROM temp.inc_{t})",
                        params,
                    )
                else:
                    updates = ", ".join(
                        f"{c} = excluded.{c}"
                        for c in columns
                        if c != "id" and c not in spec.local_only
                    )
                    conn.execute(
                        f"INSERT INTO main.{t} ({_cols(columns)}) SELECT {select} "
                        f"FROM {self.tv(t)} x "
                        f"WHERE x.id IN (SELECT id FROM temp.inc_{t}) "
                        f"ON CONFLICT(id) DO UPDATE SET {updates}",
                        params,
                    )
            changed = [m.local for m in self.merges[t].values() if m.local_changed]
            if changed:
                marks = ", ".join("?" for _ in spec.columns)
                updates = ", ".join(f"{c} = excluded.{c}" for c in spec.columns if c != "id")
                conn.executemany(
                    f"INSERT INTO main.{t} ({_cols(spec.columns)}) VALUES ({marks}) "
                    f"ON CONFLICT(id) DO UPDATE SET {updates}",
                    [tuple(row[c] for c in spec.columns) for row in changed],
                )
        conn.execute(
            f"INSERT OR IGNORE INTO main.change_log ({_cols(CHANGE_LOG_COLUMNS)}) SELECT "
            f"{_cols(CHANGE_LOG_COLUMNS)} FROM {self.source}.change_log WHERE id IN "
            "(SELECT id FROM temp.cl_in)"
        )

    def _child_names(self, child_ids: Iterable[str]) -> dict[str, str]:
        ids = {i for i in child_ids if i}
        if not ids:
            return {}
        self._fill("inc_child", ids)
        rows = self.conn.execute(
            "SELECT id, preferred_name, first_name, last_name FROM main.child WHERE id IN "
            "(SELECT id FROM temp.inc_child)"
        ).fetchall()
        missing = ids - {row[0] for row in rows}
        if missing:  # children only on the team file
            self._fill("inc_child", missing)
            rows += self.conn.execute(
                "SELECT id, preferred_name, first_name, last_name FROM "
                f"{self.tv('child')} WHERE id IN (SELECT id FROM temp.inc_child)"
            ).fetchall()
        names = {}
        for row_id, preferred, first, last in rows:
            names.setdefault(
                row_id,
                child_display_name(
                    {"preferred_name": preferred, "first_name": first, "last_name": last}
                ),
            )
        return names

    def _write_conflicts(self, run_id: uuid.UUID) -> int:
        conn = self.conn
        now = self.clock.now()
        created = 0
        pending: list[tuple[TableSpec, str, RecordMerge]] = [
            (TABLES[t], row_id, m) for t, ms in self.merges.items() for row_id, m in ms.items()
        ]
        names = self._child_names(
            str(m.local.get("child_id") or "") for _s, _r, m in pending if m.conflicts
        )
        for spec, row_id, merge in pending:
            for name, value in merge.held_theirs.items():
                conn.execute(
                    "UPDATE main.sync_conflict SET theirs_json = ?, theirs_by = ? "
                    "WHERE table_name = ? AND row_id = ? AND field = ? AND status = 'open'",
                    (encode_raw(value), merge.team.get("updated_by", ""), spec.name, row_id,
                     name),
                )
            for name in merge.agreed:
                conn.execute(
                    "UPDATE main.sync_conflict SET status = 'resolved', resolution = 'same', "
                    "resolved_json = ?, resolved_at = ?, resolved_by = ? "
                    "WHERE table_name = ? AND row_id = ? AND field = ? AND status = 'open'",
                    (encode_raw(merge.local[name]), raw_value(spec, "updated_at", now),
                     "sync", spec.name, row_id, name),
                )
            if not merge.conflicts:
                continue
            child = merge.local.get("child_id") if spec.name != "child" else row_id
            label = record_label(spec.name, merge.local, names)
            for conflict in merge.conflicts:
                insert_row(
                    conn,
                    SyncConflict,
                    {
                        "id": uuid.uuid4(),
                        "created_at": now,
                        "updated_at": now,
                        "updated_by": self.actor,
                        "table_name": spec.name,
                        "row_id": uuid.UUID(hex=row_id),
                        "child_id": uuid.UUID(hex=child) if child else None,
                        "field": conflict.field,
                        "kind": conflict.kind,
                        "label": label,
                        "base_json": encode_raw(conflict.base),
                        "local_json": encode_raw(conflict.local),
                        "theirs_json": encode_raw(conflict.theirs),
                        "theirs_by": str(merge.team.get("updated_by") or ""),
                        "sync_run_id": run_id,
                    },
                )
                created += 1
        return created

    def _remove_leaving(self) -> dict[str, set[str]]:
        """Remove records that left this laptop's scope, only where the team holds them as here."""
        conn = self.conn
        candidates = {t: s["ev"] for t, s in self.sets.items() if s["ev"]}
        if not candidates:
            return {}
        for t, ids in candidates.items():
            spec = TABLES[t]
            self._fill(f"ev_{t}", ids)
            conn.execute(
                f"DELETE FROM temp.ev_{t} WHERE id NOT IN (SELECT l.id FROM main.{t} l JOIN "
                f"{self.tv(t)} x ON x.id = l.id WHERE l.id IN (SELECT id FROM temp.ev_{t}) AND "
                f"{_same(spec, 'l', 'x')})"
            )
        changed = True
        while changed:  # keep any record that something staying still refers to
            changed = False
            for spec in TABLES.values():
                for column, parent in spec.foreign_keys:
                    if parent not in candidates:
                        continue
                    cursor = conn.execute(
                        f"DELETE FROM temp.ev_{parent} WHERE id IN (SELECT {column} FROM "
                        f"main.{spec.name} WHERE {column} IS NOT NULL AND id NOT IN "
                        f"(SELECT id FROM temp.ev_{spec.name}))"
                    )
                    changed = changed or cursor.rowcount > 0
        removed: dict[str, set[str]] = {}
        for t in reversed(list(TABLES)):
            if t not in candidates:
                continue
            ids = _ids(conn, f"SELECT id FROM temp.ev_{t}")
            if not ids:
                continue
            remove_rows_leaving_laptop(conn, "change_log", (
                f"SELECT id FROM main.change_log WHERE table_name = '{t}' AND row_id IN "
                f"(SELECT id FROM temp.ev_{t})"
            ))
            remove_rows_leaving_laptop(conn, t, f"SELECT id FROM temp.ev_{t}")
            conn.execute(
                f"DELETE FROM main.{TABLES[t].base} WHERE id IN (SELECT id FROM temp.ev_{t})"
            )
            conn.execute(
                f"DELETE FROM main.{UNSYNCED_TABLE} WHERE table_name = '{t}' AND row_id IN "
                f"(SELECT id FROM temp.ev_{t})"
            )
            removed[t] = ids
        conn.execute(
            f"DELETE FROM main.{BASE_CHANGE_LOG} WHERE id NOT IN (SELECT id FROM main.change_log)"
        )
        return removed

    def _write_base(self, plan: _Plan) -> None:
        """The team's row becomes the base of each record touched (copy-on-write, state.py).

        Where the team's row and the row here are the same, the base is simply the row here:
        its base row is removed. Otherwise (or with nothing here) the team's row is the base
        row. Without a base until now, every record here is given one or noted as new.
        """
        conn = self.conn
        if self.no_base:
            forget_base(conn)
        for spec in TABLES.values():
            t = spec.name
            s = self.sets[t]
            touched = (
                s["out"] | s["both"] | s["inc"] | s["agreed"] | s["pub"] | s["in_update"]
            )
            if self.no_base:
                touched |= s["l"]
            unsynced = f"main.{UNSYNCED_TABLE} WHERE table_name = '{t}' AND row_id IN"
            # Sent as they are here (read in the compare's snapshot) and not written here since
            # (no note after it): the team's row is the row here, so it is the base.
            as_sent = set()
            if s["out"] and not spec.append_only:
                as_sent = s["out"] - _ids(
                    conn,
                    f"SELECT row_id FROM main.{DIRTY_TABLE} WHERE table_name = ? AND seq > ?",
                    (t, self.dirty_seen),
                )
            if as_sent:
                self._fill(f"touched_{t}", as_sent)
                conn.execute(
                    f"DELETE FROM main.{spec.base} WHERE id IN (SELECT id FROM temp.touched_{t})"
                )
                conn.execute(f"DELETE FROM {unsynced} (SELECT id FROM temp.touched_{t})")
            if touched - as_sent:
                self._fill(f"touched_{t}", touched - as_sent)
                # The team's rows, read once (the statements below change what the base reads),
                # each with whether the row here is the same.
                conn.execute(f"DROP TABLE IF EXISTS temp.tr_{t}")
                conn.execute(
                    f"CREATE TEMP TABLE tr_{t} AS SELECT x.*, EXISTS (SELECT 1 FROM main.{t} l "
                    f"WHERE l.id = x.id AND {_same(spec, 'l', 'x')}) AS same_here FROM "
                    f"({self.team_rows_sql(spec, f'temp.touched_{t}')}) x"
                )
                # An upsert changes each base row where it is; INSERT OR REPLACE would delete
                # and re-insert it, writing twice the pages.
                updates = ", ".join(f"{c} = excluded.{c}" for c in spec.columns if c != "id")
                conn.execute(
                    f"INSERT INTO main.{spec.base} ({_cols(spec.columns)}) SELECT "
                    f"{_team_select(spec, 'x')} FROM temp.tr_{t} x WHERE NOT x.same_here "
                    f"ON CONFLICT(id) DO UPDATE SET {updates}"
                )
                conn.execute(
                    f"DELETE FROM main.{spec.base} WHERE id IN (SELECT id FROM temp.tr_{t} "
                    "WHERE same_here)"
                )
                conn.execute(f"DELETE FROM {unsynced} (SELECT id FROM temp.tr_{t})")
                conn.execute(f"DROP TABLE temp.tr_{t}")
            gone = s["orphans_gone"]
            if gone:
                self._fill(f"touched_{t}", gone)
                conn.execute(
                    f"DELETE FROM main.{spec.base} WHERE id IN (SELECT id FROM temp.touched_{t})"
                )
                conn.execute(f"DELETE FROM {unsynced} (SELECT id FROM temp.touched_{t})")
            if self.no_base:  # anything here not given a base has none
                conn.execute(
                    f"INSERT OR IGNORE INTO main.{UNSYNCED_TABLE} (table_name, row_id) "
                    f"SELECT '{t}', l.id FROM main.{t} l WHERE NOT EXISTS (SELECT 1 FROM "
                    f"main.{spec.base} b WHERE b.id = l.id) AND l.id NOT IN "
                    "(SELECT value FROM json_each(?))",
                    (json.dumps(sorted(touched)),),
                )
        conn.execute(
            f"INSERT OR IGNORE INTO main.{BASE_CHANGE_LOG} SELECT id FROM temp.cl_out "
            "UNION SELECT id FROM temp.cl_in"
        )
        if self.source == "team":
            conn.execute(
                f"INSERT OR IGNORE INTO main.{BASE_CHANGE_LOG} SELECT c.id FROM main.change_log c "
                "WHERE EXISTS (SELECT 1 FROM team.change_log x WHERE x.id = c.id)"
            )

    # -- lists for people --------------------------------------------------------------------
    def _lists(self) -> tuple[list[SyncItem], list[SyncItem], list[SyncItem]]:
        """What came in, went out and is leaving, labelled (the first LIST_LIMIT of each)."""
        entries: dict[str, list[tuple[str, str, str]]] = {"in": [], "out": [], "left": []}
        for spec in TABLES.values():
            t = spec.name
            s = self.sets[t]
            merges = self.merges[t]
            for row_id in sorted(s["new_in"] | s["orphans_in"] | s["parents"]):
                entries["in"].append((t, row_id, "new"))
            for row_id in sorted(s["in_update"]):
                entries["in"].append((t, row_id, "changed"))
            for row_id in sorted(r for r, m in merges.items() if m.local_changed):
                entries["in"].append((t, row_id, "merged"))
            for row_id in sorted(s["out"]):
                entries["out"].append((t, row_id, "new" if row_id in s["new"] else "changed"))
            for row_id in sorted(r for r, m in merges.items() if m.team_changed):
                entries["out"].append((t, row_id, "merged"))
            for row_id in sorted(s["ev"]):
                entries["left"].append((t, row_id, "left this laptop"))
        self.counts_listed = {k: len(v) for k, v in entries.items()}
        shown = {k: v[:LIST_LIMIT] for k, v in entries.items()}
        wanted: dict[str, set[str]] = {}
        # Labelled as the team file now has them: what came in or was merged. What only went
        # out (or leaves) is the same on both sides, so this laptop's row is read for it.
        from_team: dict[str, set[str]] = {}
        for direction, items in shown.items():
            for t, row_id, action in items:
                wanted.setdefault(t, set()).add(row_id)
                if direction == "in" or action == "merged":
                    from_team.setdefault(t, set()).add(row_id)
        rows: dict[str, dict[str, dict[str, Any]]] = {}
        for t, ids in wanted.items():
            spec = TABLES[t]
            columns = label_columns(t)
            self._fill(f"touched_{t}", ids)
            found = _rows(
                self.conn,
                f"SELECT {_cols(columns)} FROM main.{t} WHERE id IN "
                f"(SELECT id FROM temp.touched_{t})",
                columns,
            )
            if t in from_team:
                self._fill(f"touched_{t}", from_team[t])
                found.update(_rows(
                    self.conn,
                    self.team_rows_sql(spec, f"temp.touched_{t}", columns),
                    columns,
                ))
            rows[t] = found
        names = self._child_names(
            str(row.get("child_id") or "") for found in rows.values() for row in found.values()
        )
        lists: dict[str, list[SyncItem]] = {"in": [], "out": [], "left": []}
        for direction, items in shown.items():
            for t, row_id, action in items:
                row = rows.get(t, {}).get(row_id, {"id": row_id})
                if action in ("new", "changed") and row.get("deleted_at"):
                    action = "deleted"
                label = record_label(t, row, names)
                lists[direction].append(SyncItem(direction, t, row_id, action, label))
        return lists["in"], lists["out"], lists["left"]

    def _run_values(self, report: SyncReport, run_id: uuid.UUID) -> dict[str, Any]:
        def listed(items: list[SyncItem]) -> list[dict[str, str]]:
            return [
                {"direction": i.direction, "table": i.table, "row_id": i.row_id,
                 "action": i.action, "label": i.label}
                for i in items
            ]

        details = {
            "came_in": listed(report.came_in),
            "went_out": listed(report.went_out),
            "left_laptop": listed(report.left_laptop),
            "eviction_postponed": self.evict_postponed,
        }
        return {
            "id": run_id,
            "created_at": report.finished_at,
            "updated_at": report.finished_at,
            "updated_by": self.actor,
            "started_at": report.started_at,
            "finished_at": report.finished_at,
            "share_folder": report.share_folder,
            "generation": report.generation,
            "published": report.published,
            "path": report.path,
            "came_in": report.came_in_count,
            "went_out": report.went_out_count,
            "conflicts_new": report.conflicts_new,
            "conflicts_open": report.conflicts_open,
            "left_laptop": report.left_count,
            "backup_path": report.backup,
            "details_json": json.dumps(details, ensure_ascii=False),
        }

    # -- tidying the share -------------------------------------------------------------------
    def _prune(self, published: Manifest | None, head: Manifest | None) -> None:
        newest = published or head
        if newest is None:
            return
        keep_from = self._last_full(newest)
        # Moving to encryption: the plain generations before the new, encrypted team file go now.
        keep_days = 0 if self.share.accept_plain and published else self.settings.sync_keep_days
        with contextlib.suppress(OSError, IroDeskError):
            self.share.prune(keep_days=keep_days, keep_from=keep_from)


# --- The entry point -------------------------------------------------------------------------


def sync_caseload(
    store: CaseloadStore,
    settings: Settings,
    *,
    share_folder: str | Path | None = None,
    confirm: bool = False,
    clock: Clock | None = None,
    codec: PayloadCodec | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    encrypt_share: bool = False,
    cancelled: Callable[[], bool] | None = None,
) -> SyncReport:
    """Sync the open caseload with the team caseload on the share; returns what happened.

    ``share_folder`` overrides ``settings.team_share_folder``. ``confirm`` goes ahead with a
    sync that would change most of the caseload (otherwise ``SyncNeedsConfirmationError``).
    When the caseload holds a team key (``iro_desk.sync.team_key``) every file written to the
    share is encrypted with it and every file read must be; ``encrypt_share`` is the team's
    move to encryption: a share that is still plain is read once, written again encrypted, and
    its plain generations removed. ``codec`` (tests) wraps payloads instead of a team key.
    ``cancelled`` is asked between the first steps (listing and reading the share); when it
    says yes the sync stops with ``SyncCancelledError`` before anything is written.
    Raises ``IroDeskError`` with a message for people when the sync cannot be done; nothing is
    changed then, here or on the share.
    """
    folder = str(share_folder or settings.team_share_folder or "").strip()
    if not folder:
        raise IroDeskError(
            "No team share folder is set. Choose it in Settings › Sync (or give --share)."
        )
    if settings.sync_scope not in SCOPES:
        raise IroDeskError(
            f"'What this laptop keeps' is set to {settings.sync_scope!r}; it must be 'mine' or "
            "'all'. Change it in Settings › Sync."
        )
    keyring = team_keyring(store) if codec is None else None
    if encrypt_share and keyring is None:
        raise IroDeskError(
            "This caseload has no team key, so the team share cannot be encrypted. Import the "
            "team key first (iro-desk team-key import FILE)."
        )
    share = TeamShare(Path(folder), codec=codec, keyring=keyring)
    share.accept_plain = encrypt_share
    share.check_reachable()
    clock = clock or Clock()
    folder_here = work_folder(store.path)
    with LocalSyncLock(folder_here, timeout=lock_timeout):
        force_full = False
        why = ""
        for _attempt in range(MAX_ATTEMPTS):
            work = folder_here / "work"
            _clean_folder(work)
            work.mkdir(parents=True, exist_ok=True)
            attempt = _Attempt(
                store, share, settings, clock=clock, confirm=confirm, work=work,
                force_full=force_full, cancelled=cancelled,
            )
            try:
                return attempt.run()
            except _RestartError as restart:
                force_full = force_full or restart.full
                why = str(restart)
            except GenerationVanishedError:
                why = "a team file generation was removed while it was read"
            except DB_ERRORS as exc:
                raise IroDeskError(
                    f"Sync could not finish ({exc}). Nothing on this laptop was changed; sync "
                    "again, and if it happens again tell whoever supports IRO Desk."
                ) from exc
            finally:
                _clean_folder(work)
        raise IroDeskError(
            f"Sync could not finish because things kept changing under it ({why}). Nothing was "
            "lost; sync again in a minute."
        )
