"""Old letters: which files are listed, what is removed and marked, and what is never touched."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

import iro_desk.letter_retention as retention
from iro_desk.clock import FixedClock
from iro_desk.errors import IroDeskError
from iro_desk.files import atomic_write_bytes
from iro_desk.letter_retention import (
    OldLetter,
    find_old_letters,
    old_letters,
    recorded_letters,
    remove_letters,
)
from iro_desk.models import ChangeLog, Child, Letter
from iro_desk.paths import state_dir
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore

TODAY = dt.date(2027, 1, 4)
REMOVED_AT = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)  # FixedClock(TODAY).now()


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


def letter_row(store: CaseloadStore, letter_id: uuid.UUID) -> Letter:
    with store.session() as session:
        row = session.get(Letter, letter_id)
        assert row is not None
        return row


def history_of(store: CaseloadStore, letter_id: uuid.UUID) -> list[tuple[str, str, dict[str, str]]]:
    with store.session() as session:
        rows = session.exec(
            select(ChangeLog).where(ChangeLog.row_id == letter_id).order_by(ChangeLog.changed_at)
        ).all()
        return [(row.action, row.changed_by, json.loads(row.after_json)) for row in rows]


def find(store: CaseloadStore, folder: Path) -> list[OldLetter]:
    with store.session() as session:
        return find_old_letters(session, settings=Settings(letters_folder=str(folder)), today=TODAY)


def as_old(*paths: Path) -> list[OldLetter]:
    """Letters as the list shows them when no Letter row names them."""
    return [OldLetter(path=path, made_on=dt.date(2001, 1, 1), age_days=9000) for path in paths]


def notes() -> list[Path]:
    """This laptop's notes of letters being removed."""
    return sorted((state_dir() / "letters-being-removed").glob("*.json"))


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


def test_removing_takes_the_file_keeps_the_row_and_marks_it_removed_in_its_history(
    store: CaseloadStore, tmp_path: Path, clock: FixedClock
) -> None:
    made_on = TODAY - dt.timedelta(days=800)
    name = "2024-11-01 review letter DEMO-0042 T.pdf"
    path = letter_file(tmp_path, name, made_on)
    keep = letter_file(tmp_path, "2024-11-02 review letter DEMO-0043 B.pdf", made_on)
    letter_id = add_letter_row(store, name, made_on)
    listed = find(store, tmp_path)
    assert [letter.letter_id for letter in listed] == [letter_id, None]

    result = remove_letters(store, listed[:1], folder=tmp_path, clock=clock)

    assert result.removed == [path]
    assert result.problems == []
    assert result.marked == [letter_id]
    assert not path.exists()
    assert keep.exists()
    with store.session() as session:
        rows = session.exec(select(Letter)).all()
        assert [(row.file_name, row.deleted_at, row.file_removed_at) for row in rows] == [
            (name, None, REMOVED_AT)
        ]
        assert session.exec(select(func.count()).select_from(Letter)).one() == 1
        assert name in recorded_letters(session)
    row = letter_row(store, letter_id)
    assert row.revision == 2 and row.updated_by == "test-iro"
    assert history_of(store, letter_id)[-1] == (
        "update", "test-iro", {"file_removed_at": REMOVED_AT.isoformat()}
    )
    assert notes() == [], "nothing is left noted once the rows are marked"


def test_a_file_no_row_names_is_just_removed(
    store: CaseloadStore, tmp_path: Path, clock: FixedClock
) -> None:
    path = letter_file(tmp_path, "2021-06-01 review letter DEMO-0042 T.pdf", dt.date(2021, 6, 1))
    with store.session() as session:
        changes_before = session.exec(select(func.count()).select_from(ChangeLog)).one()

    result = remove_letters(store, find(store, tmp_path), folder=tmp_path, clock=clock)

    assert (result.removed, result.marked, result.problems) == ([path], [], [])
    assert not path.exists()
    with store.session() as session:
        assert session.exec(select(func.count()).select_from(ChangeLog)).one() == changes_before


def test_a_row_marked_before_keeps_its_mark_when_a_copy_of_its_file_is_removed(
    store: CaseloadStore, tmp_path: Path, clock: FixedClock
) -> None:
    name = "2024-11-01 review letter DEMO-0042 T.pdf"
    letter_id = add_letter_row(store, name, TODAY - dt.timedelta(days=800))
    earlier = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    with store.session() as session:
        row = session.get(Letter, letter_id)
        assert row is not None
        row.file_removed_at = earlier
        session.add(row)
    path = letter_file(tmp_path, name, TODAY - dt.timedelta(days=800))  # a copy put back

    result = remove_letters(store, find(store, tmp_path), folder=tmp_path, clock=clock)

    assert (result.removed, result.marked) == ([path], [])
    assert letter_row(store, letter_id).file_removed_at == earlier


def test_a_crash_after_the_file_went_is_finished_by_the_next_listing(
    store: CaseloadStore, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "2024-11-01 review letter DEMO-0042 T.pdf"
    path = letter_file(tmp_path, name, TODAY - dt.timedelta(days=800))
    letter_id = add_letter_row(store, name, TODAY - dt.timedelta(days=800))

    def crash(*_args: object, **_kwargs: object) -> list[uuid.UUID]:
        raise SystemExit("the laptop died here")

    listed = find(store, tmp_path)
    with monkeypatch.context() as patched, pytest.raises(SystemExit):
        patched.setattr(retention, "_mark_removed", crash)
        remove_letters(store, listed, folder=tmp_path, clock=clock)
    assert not path.exists()
    assert letter_row(store, letter_id).file_removed_at is None, "the crash left it unmarked"
    assert len(notes()) == 1

    later = TODAY + dt.timedelta(days=3)  # the IRO opens IRO Desk again three days later
    with store.session() as session:
        listed = find_old_letters(
            session, settings=Settings(letters_folder=str(tmp_path)), today=later
        )

    assert listed == []
    assert letter_row(store, letter_id).file_removed_at == REMOVED_AT, "marked when it went"
    assert history_of(store, letter_id)[-1][2] == {"file_removed_at": REMOVED_AT.isoformat()}
    find(store, tmp_path)  # the next listing sees the mark and forgets the note
    assert notes() == []


def test_a_crash_before_the_file_went_marks_nothing_and_lists_the_letter_again(
    store: CaseloadStore, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "2024-11-01 review letter DEMO-0042 T.pdf"
    path = letter_file(tmp_path, name, TODAY - dt.timedelta(days=800))
    letter_id = add_letter_row(store, name, TODAY - dt.timedelta(days=800))

    def crash(_path: Path, **_kwargs: object) -> None:
        raise SystemExit("the laptop died here")

    listed = find(store, tmp_path)
    with monkeypatch.context() as patched, pytest.raises(SystemExit):
        patched.setattr(Path, "unlink", crash)
        remove_letters(store, listed, folder=tmp_path, clock=clock)
    assert path.exists() and len(notes()) == 1

    assert [letter.letter_id for letter in find(store, tmp_path)] == [letter_id]
    assert letter_row(store, letter_id).file_removed_at is None
    assert notes() == []


def test_a_caseload_that_cannot_be_written_leaves_the_mark_for_the_next_listing(
    store: CaseloadStore, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "2024-11-01 review letter DEMO-0042 T.pdf"
    path = letter_file(tmp_path, name, TODAY - dt.timedelta(days=800))
    letter_id = add_letter_row(store, name, TODAY - dt.timedelta(days=800))

    def locked(*_args: object, **_kwargs: object) -> list[uuid.UUID]:
        raise OperationalError("UPDATE letter", {}, Exception("database is locked"))

    listed = find(store, tmp_path)
    with monkeypatch.context() as patched:
        patched.setattr(retention, "_mark_removed", locked)
        result = remove_letters(store, listed, folder=tmp_path, clock=clock)

    assert result.removed == [path] and result.marked == []
    assert "could not be updated" in result.problems[0]
    assert find(store, tmp_path) == []
    assert letter_row(store, letter_id).file_removed_at == REMOVED_AT


def test_a_letter_whose_file_was_never_on_this_laptop_is_not_marked(
    store: CaseloadStore, tmp_path: Path
) -> None:
    # A colleague's letter, come by sync or import: its row is here, its file never was.
    letter_id = add_letter_row(
        store, "2024-11-01 review letter DEMO-0042 T.pdf", TODAY - dt.timedelta(days=800)
    )

    assert find(store, tmp_path) == []

    assert letter_row(store, letter_id).file_removed_at is None
    assert [action for action, _, _ in history_of(store, letter_id)] == ["create"]


def test_when_the_letters_being_removed_cannot_be_noted_nothing_is_removed(
    store: CaseloadStore, tmp_path: Path, clock: FixedClock
) -> None:
    name = "2024-11-01 review letter DEMO-0042 T.pdf"
    path = letter_file(tmp_path / "letters", name, TODAY - dt.timedelta(days=800))
    add_letter_row(store, name, TODAY - dt.timedelta(days=800))
    listed = find(store, path.parent)
    state_dir().mkdir(parents=True, exist_ok=True)
    (state_dir() / "letters-being-removed").write_text("not a folder")

    with pytest.raises(IroDeskError, match="nothing was removed"):
        remove_letters(store, listed, folder=path.parent, clock=clock)

    assert path.exists()


def test_nothing_outside_the_letters_folder_is_removed(
    store: CaseloadStore, tmp_path: Path, clock: FixedClock
) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    outside = letter_file(tmp_path, "2001-01-01 review letter DEMO-1 A.pdf", dt.date(2001, 1, 1))
    deeper = letter_file(folder / "x", "2001-01-01 review letter DEMO-1 A.pdf", dt.date(2001, 1, 1))

    result = remove_letters(
        store, as_old(outside, deeper, folder / ".." / outside.name), folder=folder, clock=clock
    )

    assert result.removed == []
    assert len(result.problems) == 3
    assert outside.exists() and deeper.exists()


def test_a_letter_already_gone_counts_as_removed(
    store: CaseloadStore, tmp_path: Path, clock: FixedClock
) -> None:
    gone = tmp_path / "2001-01-01 review letter DEMO-1 A.pdf"
    assert remove_letters(store, as_old(gone), folder=tmp_path, clock=clock).removed == [gone]


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
