"""Encryption at rest: SQLCipher under a key derived from the IRO's passphrase."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select

import iro_desk.store as store_module
from iro_desk.errors import CaseloadFileError, DamagedCaseloadError
from iro_desk.models import Child
from iro_desk.store import (
    CaseloadStore,
    PassphraseRequiredError,
    WrongPassphraseError,
    change_passphrase,
    encrypt_file,
    is_encrypted_file,
)

PASSPHRASE = "purple elephant teacup 42"


def _add_children(store: CaseloadStore, count: int = 3) -> None:
    with store.session() as session:
        session.add_all(
            Child(child_ref=f"DEMO-{n:04d}", first_name="Demo", last_name=f"Child{n}",
                  dob=dt.date(2015, 1, 1))
            for n in range(count)
        )


def _child_refs(store: CaseloadStore) -> list[str]:
    with store.session() as session:
        return sorted(child.child_ref for child in session.exec(select(Child)))


@pytest.fixture
def encrypted(tmp_path: Path) -> Path:
    path = tmp_path / "secret.irodesk"
    with CaseloadStore.create(path, passphrase=PASSPHRASE) as store:
        _add_children(store)
    return path


def test_an_encrypted_caseload_is_unreadable_without_the_key(encrypted: Path) -> None:
    assert not encrypted.read_bytes()[:16].startswith(b"SQLite format 3")
    assert is_encrypted_file(encrypted)
    conn = sqlite3.connect(encrypted)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM child").fetchall()
    conn.close()
    assert b"DEMO-0001" not in encrypted.read_bytes()


def test_it_opens_with_the_passphrase(encrypted: Path) -> None:
    with CaseloadStore.open(encrypted, passphrase=PASSPHRASE) as store:
        assert store.encrypted
        assert _child_refs(store) == ["DEMO-0000", "DEMO-0001", "DEMO-0002"]


def test_a_wrong_passphrase_is_a_clear_message_and_changes_nothing(encrypted: Path) -> None:
    before = encrypted.read_bytes()
    with pytest.raises(WrongPassphraseError, match="passphrase does not open secret.irodesk"):
        CaseloadStore.open(encrypted, passphrase="not it")
    assert encrypted.read_bytes() == before


def test_no_passphrase_asks_for_one(encrypted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    with pytest.raises(PassphraseRequiredError, match="Give its passphrase"):
        CaseloadStore.open(encrypted)


def test_scripts_can_give_the_passphrase_in_the_environment(
    encrypted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IRO_DESK_PASSPHRASE", PASSPHRASE)
    with CaseloadStore.open(encrypted) as store:
        assert len(_child_refs(store)) == 3


def test_a_backup_of_an_encrypted_caseload_is_encrypted_too(
    encrypted: Path, tmp_path: Path
) -> None:
    with CaseloadStore.open(encrypted, passphrase=PASSPHRASE) as store:
        copy = store.backup_to(tmp_path / "backup.irodesk")
    assert is_encrypted_file(copy)
    with CaseloadStore.open(copy, passphrase=PASSPHRASE) as reopened:
        assert len(_child_refs(reopened)) == 3


def test_a_plain_caseload_converts_to_encrypted_with_every_record(tmp_path: Path) -> None:
    path = tmp_path / "plain.irodesk"
    with CaseloadStore.create(path) as store:
        _add_children(store, 5)
    encrypt_file(path, PASSPHRASE)
    assert is_encrypted_file(path)
    with CaseloadStore.open(path, passphrase=PASSPHRASE) as store:
        assert len(_child_refs(store)) == 5
        conn = store.raw_connection()
        assert conn.execute("SELECT count(*) FROM change_log").fetchone()[0] == 5
        conn.close()


@pytest.mark.parametrize("failing_step", ["verify", "rename"])
def test_a_crash_while_converting_leaves_the_plain_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing_step: str
) -> None:
    path = tmp_path / "plain.irodesk"
    with CaseloadStore.create(path) as store:
        _add_children(store, 4)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise OSError("power cut")

    target = "check_file" if failing_step == "verify" else "os.replace"
    if failing_step == "verify":
        real_check = store_module.check_file
        calls = {"n": 0}

        def check_then_crash(*args: object, **kwargs: object) -> object:
            calls["n"] += 1
            if calls["n"] > 1:
                crash()
            return real_check(*args, **kwargs)

        monkeypatch.setattr(store_module, target, check_then_crash)
    else:
        monkeypatch.setattr(store_module.os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        encrypt_file(path, PASSPHRASE)
    monkeypatch.undo()
    assert not is_encrypted_file(path)
    with CaseloadStore.open(path) as store:
        assert len(_child_refs(store)) == 4
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_changing_the_passphrase_rekeys_safely(encrypted: Path) -> None:
    change_passphrase(encrypted, PASSPHRASE, "a brand new passphrase")
    with pytest.raises(WrongPassphraseError):
        CaseloadStore.open(encrypted, passphrase=PASSPHRASE)
    with CaseloadStore.open(encrypted, passphrase="a brand new passphrase") as store:
        assert len(_child_refs(store)) == 3


def test_changing_the_passphrase_with_the_wrong_old_one_changes_nothing(encrypted: Path) -> None:
    before = encrypted.read_bytes()
    with pytest.raises(WrongPassphraseError):
        change_passphrase(encrypted, "wrong", "new one")
    assert encrypted.read_bytes() == before


def test_an_open_store_can_change_its_passphrase_and_keep_working(encrypted: Path) -> None:
    store = CaseloadStore.open(encrypted, passphrase=PASSPHRASE)
    store.change_passphrase(PASSPHRASE, "second passphrase")
    _add_children_more = Child(child_ref="DEMO-0099", first_name="Demo", last_name="Later")
    with store.session() as session:
        session.add(_add_children_more)
    store.close()
    with CaseloadStore.open(encrypted, passphrase="second passphrase") as reopened:
        assert "DEMO-0099" in _child_refs(reopened)


def test_the_demo_command_makes_an_encrypted_caseload(tmp_path: Path) -> None:
    from iro_desk.cli import main

    path = tmp_path / "demo.irodesk"
    assert main(["demo", "--db", str(path), "--children", "3", "--today", "2027-01-04"]) == 0
    assert is_encrypted_file(path)
    with CaseloadStore.open(path) as store:  # the passphrase comes from the environment
        assert len(_child_refs(store)) == 3


def test_the_cli_refuses_to_make_a_caseload_with_no_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from iro_desk.cli import main

    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    path = tmp_path / "demo.irodesk"
    assert main(["demo", "--db", str(path), "--children", "3"]) == 1
    assert "New caseloads are encrypted" in capsys.readouterr().err
    assert not path.exists()
    assert main(["demo", "--db", str(path), "--children", "3", "--no-encryption"]) == 0
    assert not is_encrypted_file(path)


def test_a_cut_short_encrypted_file_is_called_damaged_when_its_backups_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cut.irodesk"
    with CaseloadStore.create(path, passphrase=PASSPHRASE) as made:
        _add_children(made, 200)
        made.backup_to(store_module.backup_path(path, "daily"))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedCaseloadError, match="damaged"):
        CaseloadStore.open(path, passphrase=PASSPHRASE)
    with pytest.raises(WrongPassphraseError):
        CaseloadStore.open(path, passphrase="not the passphrase at all")
    assert path.read_bytes() == data[: len(data) // 2]


@pytest.mark.parametrize(
    "cut", [1, 4096, "half"], ids=["one byte", "one page", "half the file"]
)
def test_an_encrypted_caseload_cut_short_after_it_was_known_whole_is_refused(
    tmp_path: Path, cut: int | str
) -> None:
    path = tmp_path / "cut.irodesk"
    with CaseloadStore.create(path, passphrase=PASSPHRASE) as made:
        _add_children(made, 200)
    with CaseloadStore.open(path, passphrase=PASSPHRASE) as opened:  # checked in full
        assert len(_child_refs(opened)) == 200
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 if cut == "half" else len(data) - int(cut)])
    short = path.read_bytes()
    with pytest.raises(CaseloadFileError, match="damaged|does not open"):
        CaseloadStore.open(path, passphrase=PASSPHRASE)
    assert path.read_bytes() == short


def test_an_encrypted_caseload_unchanged_since_it_was_closed_opens_without_a_full_check(
    encrypted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    CaseloadStore.open(encrypted, passphrase=PASSPHRASE).close()
    checked: list[bool] = []
    real = store_module._known_whole

    def spy(path: Path) -> bool:
        checked.append(real(path))
        return checked[-1]

    monkeypatch.setattr(store_module, "_known_whole", spy)
    with CaseloadStore.open(encrypted, passphrase=PASSPHRASE) as opened:
        assert len(_child_refs(opened)) == 3
    assert checked == [True]
