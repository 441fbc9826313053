"""Old letters: which files are listed, what is removed, and what is never touched."""

from __future__ import annotations

import datetime as dt
import os
import stat
import uuid
from pathlib import Path

import pytest
from sqlmodel import func, select

from iro_desk.files import atomic_write_bytes
from iro_desk.letter_retention import (
    find_old_letters,
    old_letters,
    recorded_letters,
    remove_letters,
)
from iro_desk.models import Child, Letter
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore

TODAY = dt.date(2027, 1, 4)


def letter_file(folder: Path, name: str, made_on: dt.date) -> Path:
    """A letter PDF whose file was last written at noon on ``made_on``."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 a letter")
    when = dt.datetime.combine(made_on, dt.time(12, 0)).timestamp()
    os.utime(path, (when, when))
    return path


def add_letter_row(store: CaseloadStore, file_name: str, made_on: dt.date) -> uuid.UUID:
    with store.session() as session:
        child = Child(child_ref="DEMO-0042", first_name="Tess", last_name="Demo")
        letter = Letter(
            child_id=child.id,
            file_name=file_name,
            made_at=dt.datetime.combine(made_on, dt.time(12, 0), tzinfo=dt.UTC),
        )
        session.add_all([child, letter])
    return letter.id


@pytest.mark.parametrize(
    ("made_on", "listed"),
    [
        (TODAY - dt.timedelta(days=731), True),
        (TODAY - dt.timedelta(days=1000), True),
        (TODAY - dt.timedelta(days=730), False),
        (TODAY - dt.timedelta(days=10), False),
    ],
    ids=[
        "a letter one day past the two years is listed",
        "a letter long past is listed",
        "a letter made exactly two years ago is kept",
        "a recent letter is kept",
    ],
)
def test_letters_older_than_the_retention_period_are_listed(
    tmp_path: Path, made_on: dt.date, listed: bool
) -> None:
    letter_file(tmp_path, f"{made_on.isoformat()} review letter DEMO-0042 T.pdf", made_on)
    found = old_letters(tmp_path, today=TODAY, retention_days=730)
    assert bool(found) is listed
    if listed:
        assert found[0].made_on == made_on
        assert found[0].age_days == (TODAY - made_on).days


def test_only_files_iro_desk_made_are_listed(tmp_path: Path) -> None:
    long_ago = TODAY - dt.timedelta(days=2000)
    ours = [
        letter_file(tmp_path, "2021-06-01 review letter DEMO-0042 T.pdf", long_ago),
        letter_file(tmp_path, "2021-06-01 introduction letter DEMO-7 (2).pdf", long_ago),
    ]
    letter_file(tmp_path, "Payslip March 2021.pdf", long_ago)
    letter_file(tmp_path, "2021-06-01 review letter DEMO-0042 T.docx", long_ago)
    letter_file(tmp_path / "sub", "2021-06-01 review letter DEMO-0001 A.pdf", long_ago)
    (tmp_path / "2021-06-02 review letter link.pdf").symlink_to(ours[0])

    found = old_letters(tmp_path, today=TODAY, retention_days=730)

    assert sorted(letter.path for letter in found) == sorted(ours)


def test_a_letter_the_caseload_records_is_dated_by_when_it_was_made(
    store: CaseloadStore, tmp_path: Path
) -> None:
    made_on = TODAY - dt.timedelta(days=900)
    # The file was copied back yesterday (new mtime) and has a name the IRO chose.
    letter_file(tmp_path, "for Tess.pdf", TODAY - dt.timedelta(days=1))
    letter_id = add_letter_row(store, "for Tess.pdf", made_on)

    with store.session() as session:
        found = find_old_letters(
            session, settings=Settings(letters_folder=str(tmp_path)), today=TODAY
        )

    assert [(letter.name, letter.made_on, letter.letter_id) for letter in found] == [
        ("for Tess.pdf", made_on, letter_id)
    ]


def test_the_retention_setting_is_used(store: CaseloadStore, tmp_path: Path) -> None:
    letter_file(tmp_path, "2026-10-01 review letter DEMO-1 A.pdf", dt.date(2026, 10, 1))
    with store.session() as session:
        short = find_old_letters(
            session,
            settings=Settings(letters_folder=str(tmp_path), letter_retention_days=30),
            today=TODAY,
        )
        default = find_old_letters(
            session, settings=Settings(letters_folder=str(tmp_path)), today=TODAY
        )
    assert len(short) == 1
    assert default == []


@pytest.mark.parametrize("days", [0, -5])
def test_a_retention_of_zero_days_keeps_letters_for_ever(tmp_path: Path, days: int) -> None:
    letter_file(tmp_path, "2001-01-01 review letter DEMO-1 A.pdf", dt.date(2001, 1, 1))
    assert old_letters(tmp_path, today=TODAY, retention_days=days) == []


def test_a_missing_letters_folder_lists_nothing(tmp_path: Path) -> None:
    assert old_letters(tmp_path / "not yet", today=TODAY, retention_days=730) == []


def test_removing_takes_the_files_and_keeps_the_letter_rows(
    store: CaseloadStore, tmp_path: Path
) -> None:
    made_on = TODAY - dt.timedelta(days=800)
    name = "2024-11-01 review letter DEMO-0042 T.pdf"
    path = letter_file(tmp_path, name, made_on)
    keep = letter_file(tmp_path, "2024-11-02 review letter DEMO-0043 B.pdf", made_on)
    add_letter_row(store, name, made_on)

    result = remove_letters([path], folder=tmp_path)

    assert result.removed == [path]
    assert result.problems == []
    assert not path.exists()
    assert keep.exists()
    with store.session() as session:
        rows = session.exec(select(Letter)).all()
        assert [(row.file_name, row.deleted_at) for row in rows] == [(name, None)]
        assert session.exec(select(func.count()).select_from(Letter)).one() == 1
        assert name in recorded_letters(session)


def test_nothing_outside_the_letters_folder_is_removed(tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    outside = letter_file(tmp_path, "2001-01-01 review letter DEMO-1 A.pdf", dt.date(2001, 1, 1))
    deeper = letter_file(folder / "x", "2001-01-01 review letter DEMO-1 A.pdf", dt.date(2001, 1, 1))

    result = remove_letters([outside, deeper, folder / ".." / outside.name], folder=folder)

    assert result.removed == []
    assert len(result.problems) == 3
    assert outside.exists() and deeper.exists()


def test_a_letter_already_gone_counts_as_removed(tmp_path: Path) -> None:
    gone = tmp_path / "2001-01-01 review letter DEMO-1 A.pdf"
    assert remove_letters([gone], folder=tmp_path).removed == [gone]


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_a_letters_folder_made_for_private_files_is_the_users_only(tmp_path: Path) -> None:
    target = tmp_path / "letters" / "2027-01-04 review letter DEMO-0042 T.pdf"
    atomic_write_bytes(target, b"%PDF", private=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) & 0o077 == 0


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_an_existing_folder_keeps_its_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    atomic_write_bytes(folder / "a.pdf", b"%PDF", private=True)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
