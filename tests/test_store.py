"""The caseload file: creating, refusing what is not ours, tombstones and history."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import Session, select

from iro_desk.errors import CaseloadFileError, IroDeskError
from iro_desk.history import restore, tombstone
from iro_desk.models import ChallengeStep, ChangeLog, Child, Letter, Person, SyncRun
from iro_desk.settings import load_settings
from iro_desk.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    CaseloadStore,
    backup_folder,
    check_file,
)


def _child(ref: str = "DEMO-0001") -> Child:
    return Child(child_ref=ref, first_name="Ada", last_name="Example", dob=dt.date(2015, 3, 1))


def test_new_caseload_is_marked_as_ours_with_the_schema_version(store: CaseloadStore) -> None:
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_connections_have_wal_and_foreign_keys(store: CaseloadStore) -> None:
    conn = store.raw_connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()


def test_a_record_round_trips_with_uuid_key_and_utc_timestamps(store: CaseloadStore) -> None:
    with store.session() as session:
        child = _child()
        session.add(child)
    with store.session() as session:
        again = session.get(Child, child.id)
        assert again is not None
        assert again.first_name == "Ada"
        assert again.dob == dt.date(2015, 3, 1)
        assert again.created_at.tzinfo is dt.UTC
        assert again.updated_by == "test-iro"


def test_tombstone_keeps_the_row_and_logs_the_deletion(store: CaseloadStore) -> None:
    with store.session() as session:
        child = _child()
        session.add(child)
    with store.session() as session:
        tombstone(session, session.get(Child, child.id))
    with store.session() as session:
        kept = session.get(Child, child.id)
        assert kept is not None and kept.is_deleted
        actions = [
            row.action
            for row in session.exec(
                select(ChangeLog).where(ChangeLog.row_id == child.id).order_by(ChangeLog.changed_at)
            )
        ]
        assert actions == ["create", "delete"]
        restore(session, kept)
    with store.session() as session:
        assert not session.get(Child, child.id).is_deleted


def test_session_delete_is_refused(store: CaseloadStore) -> None:
    with store.session() as session:
        child = _child()
        session.add(child)
    with pytest.raises(IroDeskError, match="never deletes"), store.session() as session:
        session.delete(session.get(Child, child.id))
    with store.session() as session:
        assert session.get(Child, child.id) is not None


def test_sql_delete_is_refused_by_the_file_itself(store: CaseloadStore) -> None:
    with store.session() as session:
        session.add(_child())
    conn = store.raw_connection()
    with pytest.raises(sqlite3.IntegrityError, match="tombstoned"):
        conn.execute("DELETE FROM child")
    with pytest.raises(sqlite3.IntegrityError, match="kept as it was"):
        conn.execute("UPDATE change_log SET changed_by = 'someone else'")
    conn.close()


def test_an_edit_is_kept_in_history_with_before_and_after(store: CaseloadStore) -> None:
    with store.session() as session:
        child = _child()
        session.add(child)
    with store.session() as session:
        session.get(Child, child.id).preferred_name = "Addy"
    with store.session() as session:
        edited = session.get(Child, child.id)
        assert edited.revision == 2
        update = session.exec(select(ChangeLog).where(ChangeLog.action == "update")).one()
        assert json.loads(update.before_json) == {"preferred_name": ""}
        assert json.loads(update.after_json) == {"preferred_name": "Addy"}
        assert update.changed_by == "test-iro"
        assert update.child_id == child.id


def test_an_error_inside_a_session_commits_nothing(store: CaseloadStore) -> None:
    with pytest.raises(RuntimeError), store.session() as session:
        session.add(_child())
        session.flush()
        raise RuntimeError("crash midway")
    with store.session() as session:
        assert session.exec(select(Child)).all() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty or cut short"),
        (b"just some notes about a meeting\n" * 10, "not an IRO Desk caseload"),
    ],
    ids=["empty file", "text file"],
)
def test_a_file_that_is_not_a_caseload_is_refused_untouched(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "notes.irodesk"
    path.write_bytes(content)
    with pytest.raises(CaseloadFileError, match=message):
        CaseloadStore.open(path)
    assert path.read_bytes() == content


def test_another_apps_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(CaseloadFileError, match="not an IRO Desk caseload"):
        CaseloadStore.open(path)
    assert path.read_bytes() == before


def test_a_caseload_from_a_newer_app_is_refused_untouched(store: CaseloadStore) -> None:
    store.close()
    conn = sqlite3.connect(store.path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = store.path.read_bytes()
    with pytest.raises(CaseloadFileError, match="newer IRO Desk"):
        CaseloadStore.open(store.path)
    assert store.path.read_bytes() == before


def test_a_truncated_caseload_is_reported_and_left_as_it_was(store: CaseloadStore) -> None:
    with store.session() as session:
        session.add_all(_child(f"DEMO-{n:04d}") for n in range(300))
    store.close()
    data = store.path.read_bytes()
    store.path.write_bytes(data[: len(data) // 2])
    half = store.path.read_bytes()
    with pytest.raises(CaseloadFileError, match="damaged|cut short"):
        check_file(store.path)
    assert store.path.read_bytes() == half


def test_create_refuses_to_overwrite(store: CaseloadStore) -> None:
    with pytest.raises(CaseloadFileError, match="will not overwrite"):
        CaseloadStore.create(store.path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CaseloadFileError, match="no caseload file"):
        CaseloadStore.open(tmp_path / "nowhere.irodesk")


def test_backup_is_a_complete_readable_caseload(store: CaseloadStore, tmp_path: Path) -> None:
    with store.session() as session:
        session.add(_child())
    copy = store.backup_to(tmp_path / "copy.irodesk")
    assert check_file(copy).schema_version == SCHEMA_VERSION
    with CaseloadStore.open(copy) as reopened, reopened.session() as session:
        assert [c.child_ref for c in session.exec(select(Child))] == ["DEMO-0001"]


FIXTURES = Path(__file__).parent / "fixtures"


def _columns(session: Session, table: str) -> set[str]:
    raw = session.connection().exec_driver_sql
    return {row[1] for row in raw(f"PRAGMA table_info({table})")}


def _row_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                for name in tables}
    finally:
        conn.close()


def test_a_version_1_caseload_is_upgraded_with_a_backup_and_nothing_lost(tmp_path: Path) -> None:
    copy = tmp_path / "old.irodesk"
    shutil.copyfile(FIXTURES / "caseload_v1.irodesk", copy)
    assert check_file(copy).schema_version == 1
    with CaseloadStore.open(copy) as store, store.session() as session:
        child = session.exec(select(Child)).one()
        assert (child.child_ref, child.preferred_name) == ("FIX-0001", "Tess")
        assert "satisfactory" in _columns(session, "challenge_step")
        assert "file_removed_at" in _columns(session, "letter")
        names = {row[0] for row in session.connection().exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"sync_conflict", "sync_run"} <= names
        with pytest.raises(Exception, match="tombstoned"):
            session.connection().exec_driver_sql("DELETE FROM child")
    assert check_file(copy).schema_version == SCHEMA_VERSION == 3
    backups = list(backup_folder(copy).glob("*before-migration-v1*"))
    assert len(backups) == 1 and check_file(backups[0]).schema_version == 1


def test_a_version_2_caseload_is_upgraded_with_a_backup_and_nothing_lost(tmp_path: Path) -> None:
    copy = tmp_path / "old.irodesk"
    shutil.copyfile(FIXTURES / "caseload_v2.irodesk", copy)
    assert check_file(copy).schema_version == 2
    before = _row_counts(copy)

    with CaseloadStore.open(copy) as store, store.session() as session:
        child = session.exec(select(Child)).one()
        assert (child.child_ref, child.preferred_name) == ("FIX-0002", "Tess")
        letter = session.exec(select(Letter)).one()
        assert letter.file_name == "2024-02-27 review letter FIX-0002 T.pdf"
        assert letter.made_at == dt.datetime(2024, 2, 27, 10, 30, tzinfo=dt.UTC)
        assert letter.sent_on == dt.date(2024, 2, 28)
        assert letter.file_removed_at is None
        response = session.exec(
            select(ChallengeStep).where(ChallengeStep.step == "response")).one()
        assert response.satisfactory is True
        gone = session.exec(select(Person).where(Person.name == "Pat Former")).one()
        assert gone.deleted_at is not None
        assert session.exec(select(SyncRun)).one().share_folder == "/share/team"
        assert load_settings(session).council_name == "Example Council"
        with pytest.raises(Exception, match="tombstoned"):
            session.connection().exec_driver_sql("DELETE FROM letter")

    assert check_file(copy).schema_version == SCHEMA_VERSION == 3
    after = _row_counts(copy)
    assert {name: after[name] for name in before} == before, "every record is kept"
    backups = list(backup_folder(copy).glob("*before-migration-v2*"))
    assert len(backups) == 1 and check_file(backups[0]).schema_version == 2
    assert _row_counts(backups[0]) == before


def test_a_letter_in_an_upgraded_caseload_can_be_marked_removed_with_history(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "old.irodesk"
    shutil.copyfile(FIXTURES / "caseload_v2.irodesk", copy)
    removed = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with CaseloadStore.open(copy, actor="test-iro") as store:
        with store.session() as session:
            letter = session.exec(select(Letter)).one()
            letter.file_removed_at = removed
            session.add(letter)
        with store.session() as session:
            assert session.exec(select(Letter)).one().file_removed_at == removed
            change = session.exec(
                select(ChangeLog).where(ChangeLog.row_id == letter.id,
                                        ChangeLog.action == "update")).one()
            assert json.loads(change.after_json) == {"file_removed_at": removed.isoformat()}


def _quick_checks_when_opening(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Open and close the caseload at ``path``; how many times was every page checked?"""
    import iro_desk.store as store_module

    statements: list[str] = []
    real_connect = store_module.connect_file

    def traced(*args: object, **kwargs: object) -> object:
        conn = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(store_module, "connect_file", traced)
    CaseloadStore.open(path).close()
    monkeypatch.setattr(store_module, "connect_file", real_connect)
    return sum("quick_check" in statement for statement in statements)


def test_a_caseload_unchanged_since_it_was_last_whole_is_not_read_through_again(
    store: CaseloadStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.session() as session:
        session.add_all(_child(f"DEMO-{n:04d}") for n in range(50))
    store.close()
    assert _quick_checks_when_opening(store.path, monkeypatch) == 1  # never checked here yet
    assert _quick_checks_when_opening(store.path, monkeypatch) == 0  # checked, unchanged
    with CaseloadStore.open(store.path) as reopened, reopened.session() as session:
        session.add(_child("DEMO-9999"))
    assert _quick_checks_when_opening(store.path, monkeypatch) == 0  # closed cleanly here


def test_a_caseload_damaged_behind_the_apps_back_is_checked_in_full_and_refused(
    store: CaseloadStore,
) -> None:
    with store.session() as session:
        session.add_all(_child(f"DEMO-{n:04d}") for n in range(300))
    store.close()
    CaseloadStore.open(store.path).close()  # checked in full, remembered as whole
    data = bytearray(store.path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # same size, one page damaged
    store.path.write_bytes(bytes(data))
    with pytest.raises(CaseloadFileError, match="damaged"):
        CaseloadStore.open(store.path)
    assert store.path.read_bytes() == data


def test_a_crash_that_left_a_log_means_a_full_check(
    store: CaseloadStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.close()
    CaseloadStore.open(store.path).close()
    writer = sqlite3.connect(store.path)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE left_in_the_log (x)")  # a transaction left in the log
    writer.commit()
    log = store.path.with_name(store.path.name + "-wal")
    assert log.stat().st_size > 0
    assert _quick_checks_when_opening(store.path, monkeypatch) == 1
    writer.close()


@pytest.mark.parametrize(
    "cut",
    [1, 4096, 3 * 4096, "half"],
    ids=["one byte", "one page", "three pages", "half the file"],
)
def test_a_caseload_cut_short_after_it_was_known_whole_is_still_refused(
    store: CaseloadStore, cut: int | str
) -> None:
    with store.session() as session:
        session.add_all(_child(f"DEMO-{n:04d}") for n in range(300))
    store.close()
    CaseloadStore.open(store.path).close()  # checked in full, remembered as whole
    data = store.path.read_bytes()
    store.path.write_bytes(data[: len(data) // 2 if cut == "half" else len(data) - int(cut)])
    short = store.path.read_bytes()
    with pytest.raises(CaseloadFileError, match="damaged|cut short"):
        CaseloadStore.open(store.path)
    assert store.path.read_bytes() == short
