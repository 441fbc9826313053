"""Rotating backups and restore: nothing is lost, a damaged file is never overwritten."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from iro_desk.backups import (
    KEEP,
    ensure_daily_backup,
    latest_good_backup,
    list_backups,
    make_backup,
    restore_backup,
)
from iro_desk.errors import CaseloadFileError
from iro_desk.models import Child
from iro_desk.store import CaseloadStore, FileKey, check_file

PASSPHRASE = "backup test passphrase"


def _add_child(store: CaseloadStore, ref: str) -> None:
    with store.session() as session:
        session.add(Child(child_ref=ref, first_name="Demo", last_name="Child"))


def _refs(path: Path, passphrase: str | None = None) -> list[str]:
    with CaseloadStore.open(path, passphrase=passphrase) as store, store.session() as session:
        return sorted(child.child_ref for child in session.exec(select(Child)))


def test_a_backup_lists_with_its_reason_and_record_counts(store: CaseloadStore) -> None:
    _add_child(store, "DEMO-0001")
    make_backup(store, "before-import")
    [info] = list_backups(store.path)
    assert info.reason == "before-import"
    assert info.children == 1
    assert info.readable


def test_one_daily_backup_a_day(store: CaseloadStore) -> None:
    now = dt.datetime(2027, 1, 4, 9, 30, tzinfo=dt.UTC)
    assert ensure_daily_backup(store, now) is not None
    assert ensure_daily_backup(store, now + dt.timedelta(hours=2)) is None
    assert ensure_daily_backup(store) is not None  # today, not 4 January 2027
    assert [b.reason for b in list_backups(store.path)] == ["daily", "daily"]


def test_old_backups_are_rotated_out(store: CaseloadStore) -> None:
    for _ in range(KEEP["daily"] + 3):
        make_backup(store, "daily")
    assert len(list_backups(store.path)) == KEEP["daily"]


def test_restore_brings_back_the_backup_and_keeps_the_current_file_aside(
    store: CaseloadStore,
) -> None:
    _add_child(store, "DEMO-0001")
    backup = make_backup(store, "before-sync")
    _add_child(store, "DEMO-0002")
    store.close()
    aside = restore_backup(store.path, backup)
    assert _refs(store.path) == ["DEMO-0001"]
    assert aside is not None and _refs(aside) == ["DEMO-0001", "DEMO-0002"]


def test_an_encrypted_caseloads_backups_are_encrypted_and_restore(tmp_path: Path) -> None:
    path = tmp_path / "secret.irodesk"
    with CaseloadStore.create(path, passphrase=PASSPHRASE) as store:
        _add_child(store, "DEMO-0001")
        backup = make_backup(store, "daily")
        _add_child(store, "DEMO-0002")
    assert not backup.read_bytes().startswith(b"SQLite format 3")
    key = FileKey.for_file(path, PASSPHRASE)
    [info] = list_backups(path, key)
    assert info.children == 1
    restore_backup(path, backup, key)
    assert _refs(path, PASSPHRASE) == ["DEMO-0001"]


def test_a_damaged_caseload_is_set_aside_untouched_and_the_latest_good_backup_restored(
    store: CaseloadStore,
) -> None:
    for n in range(200):
        _add_child(store, f"DEMO-{n:04d}")
    make_backup(store, "daily")
    store.close()
    data = store.path.read_bytes()
    store.path.write_bytes(data[: len(data) // 2])
    damaged = store.path.read_bytes()
    with pytest.raises(CaseloadFileError):
        check_file(store.path)
    good = latest_good_backup(store.path)
    assert good is not None and good.children == 200
    aside = restore_backup(store.path, good.path)
    assert aside is not None and aside.read_bytes() == damaged
    assert len(_refs(store.path)) == 200


def test_a_damaged_backup_is_listed_as_unreadable_and_never_chosen(store: CaseloadStore) -> None:
    _add_child(store, "DEMO-0001")
    older = make_backup(store, "daily")
    newer = make_backup(store, "daily")
    newer.write_bytes(newer.read_bytes()[:100])
    infos = list_backups(store.path)
    assert [i.readable for i in infos] == [False, True]
    good = latest_good_backup(store.path)
    assert good is not None and good.path == older
    with pytest.raises(CaseloadFileError):
        restore_backup(store.path, newer)
