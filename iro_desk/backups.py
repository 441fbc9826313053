"""Rotating local backups of the caseload, and restoring one.

Backups are whole copies made with SQLite's backup API (``store.backup_file``), encrypted with
the caseload's own key, in a ``backups`` folder beside the caseload. One is made each day the
caseload is opened and before every migration, import and sync; the newest few of each reason
are kept. Restoring puts the current file aside first, so a restore can itself be undone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from iro_desk.clock import utcnow
from iro_desk.errors import CaseloadFileError, IroDeskError
from iro_desk.store import (
    BACKUP_SUFFIX,
    DB_ERRORS,
    CaseloadStore,
    FileKey,
    backup_file,
    backup_folder,
    backup_path,
    check_file,
    connect_file,
    is_encrypted_file,
)

# How many backups of each reason are kept (the newest ones).
KEEP: dict[str, int] = {"daily": 7}
KEEP_OTHER = 5

_NAME = re.compile(r"^(?P<stem>.+)\.(?P<reason>[a-z0-9-]+)\.(?P<stamp>\d{8}T\d{12}Z)$")


@dataclass(frozen=True)
class BackupInfo:
    """One backup file, as the restore list shows it."""

    path: Path
    reason: str
    made_at: dt.datetime
    children: int | None = None
    reviews: int | None = None
    readable: bool = True
    problem: str = ""


def _parse(path: Path, stem: str) -> tuple[str, dt.datetime] | None:
    if path.suffix != BACKUP_SUFFIX:
        return None
    match = _NAME.match(path.stem)
    if not match or match["stem"] != stem:
        return None
    made = dt.datetime.strptime(match["stamp"], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
    return match["reason"], made


def list_backups(caseload: Path, key: FileKey | None = None, *, counts: bool = True) -> list[
    BackupInfo
]:
    """The backups of ``caseload``, newest first, with record counts when they can be read."""
    caseload = Path(caseload)
    folder = backup_folder(caseload)
    if not folder.is_dir():
        return []
    found: list[BackupInfo] = []
    for path in folder.iterdir():
        parsed = _parse(path, caseload.stem)
        if parsed is None:
            continue
        reason, made = parsed
        found.append(_describe(path, reason, made, key) if counts else BackupInfo(path, reason,
                                                                                   made))
    return sorted(found, key=lambda info: info.made_at, reverse=True)


def _describe(path: Path, reason: str, made: dt.datetime, key: FileKey | None) -> BackupInfo:
    file_key = key if is_encrypted_file(path) else None
    try:
        check_file(path, file_key)
        conn = connect_file(path, file_key, read_only=True)
        try:
            children = conn.execute(
                "SELECT count(*) FROM child WHERE deleted_at IS NULL"
            ).fetchone()[0]
            reviews = conn.execute(
                "SELECT count(*) FROM review WHERE deleted_at IS NULL AND status = 'held'"
            ).fetchone()[0]
        finally:
            conn.close()
    except (CaseloadFileError, *DB_ERRORS) as exc:
        return BackupInfo(path, reason, made, readable=False, problem=str(exc))
    return BackupInfo(path, reason, made, children=children, reviews=reviews)


def make_backup(store: CaseloadStore, reason: str, when: dt.datetime | None = None) -> Path:
    """Back up the open caseload now (named for ``when``), then prune older ones of ``reason``."""
    made = store.backup_to(backup_path(store.path, reason, when))
    prune_backups(store.path, reason)
    return made


def ensure_daily_backup(store: CaseloadStore, now: dt.datetime | None = None) -> Path | None:
    """Make today's backup if there is none yet; returns it, or None when one exists.

    "Today" is the laptop's local date at ``now`` (default: this moment, UTC-aware).
    """
    now = now or utcnow()
    today = now.astimezone().date()
    for info in list_backups(store.path, counts=False):
        if info.reason == "daily" and info.made_at.astimezone().date() == today:
            return None
    return make_backup(store, "daily", now)


def prune_backups(caseload: Path, reason: str) -> list[Path]:
    """Remove the oldest backups of ``reason`` beyond the number kept; returns those removed."""
    same = [info for info in list_backups(caseload, counts=False) if info.reason == reason]
    removed = []
    for info in same[KEEP.get(reason, KEEP_OTHER):]:
        info.path.unlink(missing_ok=True)
        removed.append(info.path)
    return removed


def latest_good_backup(caseload: Path, key: FileKey | None = None) -> BackupInfo | None:
    """The newest backup that opens and passes its integrity check."""
    for info in list_backups(caseload, key):
        if info.readable:
            return info
    return None


def restore_backup(caseload: Path, backup: Path, key: FileKey | None = None) -> Path | None:
    """Replace the caseload with ``backup``; the current file (if readable) is kept aside first.

    The caseload must not be open. Returns where the replaced file was kept. A damaged current
    file is never overwritten: it is renamed aside untouched.
    """
    caseload = Path(caseload)
    backup_key = key if is_encrypted_file(backup) else None
    check_file(backup, backup_key)
    aside: Path | None = None
    if caseload.exists():
        aside = backup_path(caseload, "replaced-by-restore", utcnow())
        current_key = key if is_encrypted_file(caseload) else None
        try:
            check_file(caseload, current_key)
            backup_file(caseload, aside, current_key)
        except CaseloadFileError:
            aside.parent.mkdir(parents=True, exist_ok=True)
            caseload.replace(aside)
            for suffix in ("-wal", "-shm"):
                sidecar = caseload.with_name(caseload.name + suffix)
                if sidecar.exists():
                    sidecar.replace(aside.with_name(aside.name + suffix))
    # The aside copy holds everything in the write-ahead log; a stale log must not meet the
    # restored file.
    for suffix in ("-wal", "-shm"):
        caseload.with_name(caseload.name + suffix).unlink(missing_ok=True)
    try:
        backup_file(backup, caseload, backup_key)
    except DB_ERRORS as exc:
        raise IroDeskError(f"The backup could not be restored: {exc}") from exc
    return aside
