"""Old letters on this laptop: list the letter PDFs kept longer than the retention period.

A letter's PDF holds a child's details in plain form, outside the (encrypted) caseload. The
council keeps what was sent, so the laptop need not: the setting ``letter_retention_days``
(default 730, two years) says how long letters are kept in the letters folder, and the app
offers to remove older ones, listing them first.

Only files IRO Desk made are ever listed: PDFs directly in the letters folder whose name is one
IRO Desk gives letters ("2027-01-04 review letter DEMO-0042 T.pdf") or that a ``Letter`` row
names. Other files the IRO keeps there are left alone, and so is anything outside the folder.

A letter's age is counted from when it was made: the ``Letter`` row's ``made_at`` when the
caseload records the file, else the file's modification time. Removing a letter removes its
file only. The ``Letter`` row stays, with the words and options it was made from (the letter
can be made again from its review), and its ``file_removed_at`` is set to the time the file
went, through a caseload session, so the change is in the row's history like any other edit.
A file no row names is just removed.

**The order makes a crash safe.** The caseload must never say a file was removed while it is
still there, and a file gone must not stay unexplained. So, for the letters a row names:

1. the letters about to be removed are noted in a small record in this laptop's state folder
   (``<user_state_dir>/IRO Desk/letters-being-removed/``, one per letters folder: each letter's
   id, file name and the time; nothing else of the child);
2. the files are removed;
3. the rows are marked, in one transaction;
4. the note is forgotten.

A crash before 2 leaves the files and no mark; a crash between 2 and 3 leaves files gone and
rows unmarked. Either way the next listing (``find_old_letters``) reads the note and marks each
noted row whose file is now gone, with the time noted (a noted file still there is not marked,
and is listed again as usual). Only the note says that *this laptop* removed a file: a row
whose file is merely absent is never marked, because letters come to a laptop from colleagues'
laptops (sync, import) without their files, and the letters folder may have been moved; the
Letters tab shows those as "not on this laptop".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from iro_desk.clock import Clock
from iro_desk.errors import IroDeskError
from iro_desk.files import atomic_write_text
from iro_desk.letters.service import letters_folder
from iro_desk.models import Letter
from iro_desk.paths import state_dir
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore

# The names ``letters.service.letter_file_stem`` gives, with the " (2)" a clash adds.
LETTER_FILE_NAME = re.compile(
    r"^\d{4}-\d{2}-\d{2} (review|introduction) letter [^/\\]*\.pdf$", re.IGNORECASE
)


@dataclass(frozen=True)
class OldLetter:
    """A letter file older than the retention period."""

    path: Path
    made_on: dt.date
    age_days: int
    letter_id: uuid.UUID | None = None

    @property
    def name(self) -> str:
        """The file's name (a date, the kind of letter, a child ID and an initial)."""
        return self.path.name


@dataclass
class RemovedLetters:
    """What removing letters did: the files removed, the rows marked, and any problems."""

    removed: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    marked: list[uuid.UUID] = field(default_factory=list)


def letter_path(file_name: str, folder: Path) -> Path:
    """Where a ``Letter`` row's file is on this laptop: in ``folder``, unless the row names a
    whole path (a letter written elsewhere with ``--out``)."""
    named = Path(file_name)
    return named if named.is_absolute() else Path(folder) / named


# --- The note of letters being removed ---------------------------------------------------


def _note_path(folder: Path) -> Path:
    """This laptop's note of the letters being removed from ``folder``."""
    name = hashlib.sha256(str(Path(folder).resolve()).encode("utf-8")).hexdigest()[:32]
    return state_dir() / "letters-being-removed" / f"{name}.json"


def _read_note(folder: Path) -> dict[str, dict[str, Any]]:
    """Letter id -> {"file": name, "at": ISO time}; empty when there is no readable note."""
    try:
        noted = json.loads(_note_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(noted, dict):
        return {}
    return {key: entry for key, entry in noted.items() if isinstance(entry, dict)}


def _write_note(folder: Path, noted: dict[str, dict[str, Any]]) -> None:
    """Keep ``noted`` (the note goes when nothing is left in it)."""
    path = _note_path(folder)
    if noted:
        atomic_write_text(path, json.dumps(noted, indent=1, sort_keys=True), private=True)
    else:
        path.unlink(missing_ok=True)


def _noted_letter(key: str, entry: dict[str, Any]) -> tuple[uuid.UUID, str, dt.datetime] | None:
    """A noted letter's id, file name and time; None for an entry IRO Desk did not write."""
    name, at = entry.get("file"), entry.get("at")
    if not isinstance(name, str) or not isinstance(at, str) or Path(name).name != name:
        return None
    try:
        letter_id, when = uuid.UUID(key), dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    return (letter_id, name, when) if when.tzinfo is not None else None


def finish_interrupted_removal(session: Session, *, folder: Path) -> list[uuid.UUID]:
    """Mark the rows of letters noted as being removed whose files are gone; their ids.

    This finishes a removal a crash interrupted (see the module docstring). The marks are
    written through ``session`` (the caller commits); a noted letter is forgotten once the
    caseload shows it settled (marked, or its file still there), so a crash here loses nothing.
    A noted letter this caseload does not hold is left for the caseload that does.
    """
    folder = Path(folder)
    noted = _read_note(folder)
    if not noted:
        return []
    settled: set[str] = set()
    marked: list[uuid.UUID] = []
    for key, entry in noted.items():
        found = _noted_letter(key, entry)
        if found is None:
            settled.add(key)
            continue
        letter_id, name, when = found
        row = session.get(Letter, letter_id)
        if row is None:
            continue
        if row.file_removed_at is not None or (folder / name).exists():
            settled.add(key)
            continue
        row.file_removed_at = when
        session.add(row)
        marked.append(letter_id)
    if settled:
        with contextlib.suppress(OSError):  # kept, it is settled again at the next listing
            _write_note(folder, {k: v for k, v in noted.items() if k not in settled})
    return marked


def recorded_letters(session: Session) -> dict[str, tuple[uuid.UUID, dt.datetime | None]]:
    """The caseload's letters by file name: each one's id and when it was made."""
    rows = session.exec(
        select(Letter.file_name, Letter.id, Letter.made_at).where(
            col(Letter.deleted_at).is_(None), col(Letter.file_name) != ""
        )
    ).all()
    return {Path(name).name: (letter_id, made_at) for name, letter_id, made_at in rows}


def old_letters(
    folder: Path,
    *,
    today: dt.date,
    retention_days: int,
    recorded: dict[str, tuple[uuid.UUID, dt.datetime | None]] | None = None,
) -> list[OldLetter]:
    """The letter files in ``folder`` made more than ``retention_days`` before ``today``.

    ``recorded`` (from ``recorded_letters``) gives the made date of the letters the caseload
    knows. A retention of 0 days or less keeps letters for ever: nothing is listed. Oldest
    first.
    """
    folder = Path(folder)
    recorded = recorded or {}
    if retention_days <= 0 or not folder.is_dir():
        return []
    keep_from = today - dt.timedelta(days=retention_days)
    found: list[OldLetter] = []
    for path in folder.iterdir():
        known = recorded.get(path.name)
        if known is None and not LETTER_FILE_NAME.match(path.name):
            continue
        if path.is_symlink() or not path.is_file() or path.suffix.lower() != ".pdf":
            continue
        letter_id, made_at = known if known is not None else (None, None)
        made_on = (
            made_at.astimezone().date()
            if made_at is not None
            else dt.datetime.fromtimestamp(path.stat().st_mtime).date()
        )
        if made_on < keep_from:
            found.append(
                OldLetter(
                    path=path,
                    made_on=made_on,
                    age_days=(today - made_on).days,
                    letter_id=letter_id,
                )
            )
    return sorted(found, key=lambda letter: (letter.made_on, letter.name))


def find_old_letters(session: Session, *, settings: Settings, today: dt.date) -> list[OldLetter]:
    """The letters in the letters folder (Settings) older than ``letter_retention_days``.

    First finishes any removal a crash interrupted (``finish_interrupted_removal``): those
    marks are written through ``session``, which the caller commits.
    """
    folder = letters_folder(settings)
    finish_interrupted_removal(session, folder=folder)
    return old_letters(
        folder,
        today=today,
        retention_days=settings.letter_retention_days,
        recorded=recorded_letters(session),
    )


def remove_letters(
    store: CaseloadStore, letters: Iterable[OldLetter], *, folder: Path, clock: Clock
) -> RemovedLetters:
    """Remove these letters' files, then mark their ``Letter`` rows; only files directly in
    ``folder`` are touched.

    A file that has gone already counts as removed; one that cannot be removed is reported,
    and the others are still removed. Each removed letter with a row gets ``file_removed_at``
    (``clock.now()``; a row marked before keeps its mark), in one transaction after the files
    went; the module docstring says why this order is safe.

    Raises:
        IroDeskError: this laptop could not note the letters it was about to remove; nothing
            was removed.
    """
    home = Path(folder).resolve()
    result = RemovedLetters()
    chosen: list[OldLetter] = []
    for letter in letters:
        path = letter.path
        if path.parent.resolve() != home or path.is_symlink() or path.is_dir():
            result.problems.append(f"{path.name} is not a letter in {home}; it was left alone.")
            continue
        chosen.append(letter)
    now = clock.now()
    noting = {
        str(letter.letter_id): {"file": letter.name, "at": now.isoformat()}
        for letter in chosen
        if letter.letter_id is not None
    }
    if noting:
        try:
            _write_note(home, _read_note(home) | noting)
        except OSError as exc:
            raise IroDeskError(
                f"IRO Desk could not note which letters it is removing ({exc.strerror}), so "
                "nothing was removed. Check there is space on the disk and try again."
            ) from exc
    gone: list[uuid.UUID] = []
    for letter in chosen:
        try:
            letter.path.unlink(missing_ok=True)
        except OSError as exc:
            result.problems.append(
                f"{letter.name} could not be removed ({exc.strerror}); it may be open in "
                "another program. Close it and try again."
            )
            continue
        result.removed.append(letter.path)
        if letter.letter_id is not None:
            gone.append(letter.letter_id)
    if gone:
        try:
            with store.session() as session:
                result.marked = _mark_removed(session, gone, when=now)
        except SQLAlchemyError:
            result.problems.append(
                f"{len(gone)} letter file{'s were' if len(gone) != 1 else ' was'} removed, but "
                "the caseload could not be updated to say so. It will be the next time old "
                "letters are listed."
            )
            return result
    if noting:
        with contextlib.suppress(OSError):  # kept, it is settled at the next listing
            _write_note(home, {k: v for k, v in _read_note(home).items() if k not in noting})
    return result


def _mark_removed(
    session: Session, letter_ids: Iterable[uuid.UUID], *, when: dt.datetime
) -> list[uuid.UUID]:
    """Set ``file_removed_at`` on these rows where it is not set yet; the ids marked."""
    marked: list[uuid.UUID] = []
    for letter_id in letter_ids:
        row = session.get(Letter, letter_id)
        if row is None or row.file_removed_at is not None:
            continue
        row.file_removed_at = when
        session.add(row)
        marked.append(letter_id)
    return marked
