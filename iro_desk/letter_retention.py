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
can be made again); the model has no field saying the file was removed, so a missing file is
how that shows.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from iro_desk.letters.service import letters_folder
from iro_desk.models import Letter
from iro_desk.settings import Settings

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
    """What removing letters did: the files removed and, for the rest, why not."""

    removed: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


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
    """The letters in the letters folder (Settings) older than ``letter_retention_days``."""
    return old_letters(
        letters_folder(settings),
        today=today,
        retention_days=settings.letter_retention_days,
        recorded=recorded_letters(session),
    )


def remove_letters(paths: Iterable[Path], *, folder: Path) -> RemovedLetters:
    """Remove these letter files; only files directly in ``folder`` are touched.

    A file that has gone already counts as removed; one that cannot be removed is reported,
    and the others are still removed. The caseload's ``Letter`` rows are not changed.
    """
    home = Path(folder).resolve()
    result = RemovedLetters()
    for path in paths:
        path = Path(path)
        if path.parent.resolve() != home or path.is_symlink() or path.is_dir():
            result.problems.append(f"{path.name} is not a letter in {home}; it was left alone.")
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            result.problems.append(
                f"{path.name} could not be removed ({exc.strerror}); it may be open in "
                "another program. Close it and try again."
            )
            continue
        result.removed.append(path)
    return result
