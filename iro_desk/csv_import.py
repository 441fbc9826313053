"""Load a council system's caseload extract (CSV, one row per child) into the caseload.

The columns, the legal status codes and labels and the date formats accepted are described in
docs/file-formats.md. The whole file is checked before anything is written: a file with any bad
row imports nothing, and the error names every bad row by its spreadsheet row number (the
header is row 1) and says what is wrong with it.

Importing the same extract again updates the children it names (matched by the council's child
ID, ``Child.child_ref``) instead of adding them twice. Every change goes through ORM objects, so
the history keeps what each field was before and after. A blank cell never erases what IRO Desk
already holds.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from iro_desk import vocab
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.interchange import backup_before_import, caseload_holds_records
from iro_desk.models import CareEpisode, CaseTrack, Child, Iro, Person, Record, Review
from iro_desk.recording import MAX_LINE, age_on, clean_text
from iro_desk.store import CaseloadStore

REQUIRED_COLUMNS: tuple[str, ...] = (
    "child_id",
    "first_name",
    "last_name",
    "preferred_name",
    "dob",
    "legal_status",
    "episode_start",
    "placement",
    "social_worker",
    "last_review_date",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "gender",
    "ethnicity",
    "placement_type",
    "first_language",
    "upn",
)
IMPORTED_REVIEW_SUMMARY = "Imported from the council's system"

# Other words councils' systems use for gender; GENDERS keys and labels are accepted as well.
# DfE SSDA903 SEX: 1 male, 2 female.
_GENDER_WORDS = {"f": "female", "m": "male", "girl": "female", "boy": "male", "1": "male",
                 "2": "female"}
_MONTHS: dict[str, int] = {
    **{name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name},
    **{name.casefold(): number for number, name in enumerate(calendar.month_name) if name},
    "sept": 9,
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_SHORT_YEAR = re.compile(r"\d{1,2}([/.-])\d{1,2}\1\d{2}")
_WORDS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]+)\.?,?[ -](\d{4})")
_MIDNIGHT = re.compile(r"[ T]00:00(?::00)?$")
ACCEPTED_DATE_FORMATS = "YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY or 3 Feb 2019"
# Children Act 1989 s.105(1): a child is under 18, so a period of care starts before the 18th
# birthday; care leavers are supported up to 25 (Children and Social Work Act 2017 s.3), so no
# one on an IRO's caseload is 26 or older.
CARE_START_AGE_LIMIT = 18
CASELOAD_AGE_LIMIT = 26
# A council's child ID is a short code; a long one is a column slipped out of place (and the ID
# names the letters' files).
MAX_CHILD_REF = 100


class DateFormatError(ValueError):
    """A cell that is not a date in a format the extract may use; the message says why."""


def parse_uk_date(text: str) -> dt.date:
    """A date as UK council systems write it, day first; never month first.

    Accepts YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY (one or two digits for day and
    month), "3 Feb 2019" / "03-Feb-2019" / "3 February 2019", each optionally followed by a
    midnight time ("00:00" or "00:00:00") as spreadsheets sometimes add.

    Raises:
        DateFormatError: not a date, or not one of those formats (e.g. a two-digit year).
    """
    cell = _MIDNIGHT.sub("", text.strip())
    try:
        if match := _ISO.fullmatch(cell):
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        if match := _DAY_FIRST.fullmatch(cell):
            day, month, year = int(match[1]), int(match[3]), int(match[4])
            if month > 12 and day <= 12:
                raise DateFormatError("is not a date (dates are read day first: DD/MM/YYYY)")
            return dt.date(year, month, day)
        if match := _WORDS.fullmatch(cell):
            month = _MONTHS.get(match[2].casefold())
            if month is None:
                raise DateFormatError(f"is not a date ({match[2]!r} is not a month)")
            return dt.date(int(match[3]), month, int(match[1]))
    except ValueError as exc:
        if isinstance(exc, DateFormatError):
            raise
        raise DateFormatError("is not a date") from None
    if _SHORT_YEAR.fullmatch(cell):
        raise DateFormatError("is not a date IRO Desk accepts: write the year in full (DD/MM/YYYY)")
    raise DateFormatError(f"is not a date in an accepted format ({ACCEPTED_DATE_FORMATS})")


@dataclass(frozen=True)
class ExtractRow:
    """One child's row of the extract, checked. ``None`` in an optional field means blank."""

    row_number: int
    child_ref: str
    first_name: str
    last_name: str
    preferred_name: str
    dob: dt.date
    legal_status: str
    episode_start: dt.date
    placement: str
    social_worker: str
    last_review_date: dt.date | None
    gender: str | None = None
    ethnicity: str | None = None
    placement_type: str | None = None
    first_language: str | None = None
    upn: str | None = None

    @property
    def label(self) -> str:
        """How the row is named in messages: 'row 4 (child ID DEMO-0042)'."""
        return _row_label(self.row_number, self.child_ref)


def _row_label(row_number: int, child_ref: str) -> str:
    return f"row {row_number} (child ID {child_ref})" if child_ref else f"row {row_number}"


def cell_text(raw: str) -> str:
    """A cell's text as stored: ``recording.clean_text`` on one line, runs of spaces as one."""
    return " ".join(clean_text(raw, multiline=False).split())


def _header_key(name: str) -> str:
    """Header names match whatever their case, spaces, hyphens or underscores."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def decode_extract(data: bytes, *, source: str = "the file") -> str:
    """The extract's text: UTF-8 (with or without a byte-order mark), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(
            f"{source} is UTF-16 text (Excel's 'Unicode Text'); save it as 'CSV UTF-8' or 'CSV "
            "(Comma delimited)' and import that. Nothing was imported."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ValidationError(
            f"{source} is neither UTF-8 nor Windows-1252 text, so it cannot be read as a CSV "
            "extract. Nothing was imported."
        ) from None


class _RowChecker:
    """Checks one row's cells, collecting every problem found in it."""

    def __init__(self, cells: dict[str, str], today: dt.date) -> None:
        self.cells = cells
        self.today = today
        self.faults: list[str] = []

    def text(self, column: str, *, limit: int = MAX_LINE) -> str:
        value = cell_text(self.cells.get(column, ""))
        if len(value) > limit:
            self.faults.append(
                f"{column} is {len(value):,} characters long; the most IRO Desk keeps is "
                f"{limit:,} (is a column out of place?)"
            )
        return value

    def required_text(self, column: str) -> str:
        value = self.text(column)
        if not value and self.cells.get(column, ""):
            self.faults.append(
                f"{column} holds only spaces or invisible characters; correct it in the "
                "council's system and export the file again"
            )
        elif not value:
            self.faults.append(f"{column} is missing")
        return value

    def date(self, column: str, *, required: bool) -> dt.date | None:
        raw = self.cells.get(column, "").strip()
        if not raw:
            if required:
                self.faults.append(f"{column} is missing")
            return None
        try:
            value = parse_uk_date(raw)
        except DateFormatError as exc:
            self.faults.append(f"{column} {raw!r} {exc}")
            return None
        if value > self.today:
            self.faults.append(f"{column} {raw!r} is in the future")
        return value

    def coded(self, column: str, table: dict[str, str], what: str) -> str | None:
        raw = self.text(column)
        if not raw:
            return None
        code = vocab.code_for(table, raw)
        if code is None:
            self.faults.append(f"{column} {raw!r} is not {what}")
        return code

    def gender(self) -> str | None:
        raw = self.text("gender")
        if not raw:
            return None
        code = vocab.code_for(vocab.GENDERS, raw) or _GENDER_WORDS.get(raw.casefold())
        if code is None:
            self.faults.append(f"gender {raw!r} is not one IRO Desk knows (female, male, other)")
        return code


def _check_row(row_number: int, cells: dict[str, str], today: dt.date) -> ExtractRow | str:
    """The checked row, or a message listing everything wrong with it."""
    check = _RowChecker(cells, today)
    child_ref = check.text("child_id", limit=MAX_CHILD_REF)
    if not child_ref:
        check.faults.append("child ID is missing")
    first_name = check.required_text("first_name")
    last_name = check.required_text("last_name")
    dob = check.date("dob", required=True)
    episode_start = check.date("episode_start", required=True)
    last_review = check.date("last_review_date", required=False)
    legal_status = None
    if not check.text("legal_status"):
        check.faults.append("legal_status is missing")
    else:
        legal_status = check.coded(
            "legal_status", vocab.LEGAL_STATUS, "a DfE legal status code or label (C1, C2, V2...)"
        )
    gender = check.gender()
    placement_type = check.coded(
        "placement_type", vocab.PLACEMENT_TYPES, "a placement type IRO Desk knows"
    )
    if dob and episode_start and dob > episode_start:
        check.faults.append(f"dob {dob:%d/%m/%Y} is after episode_start {episode_start:%d/%m/%Y}")
    elif dob and episode_start and age_on(dob, episode_start) >= CARE_START_AGE_LIMIT:
        check.faults.append(
            f"episode_start {episode_start:%d/%m/%Y} is after the child's 18th birthday (dob "
            f"{dob:%d/%m/%Y}): a period of care starts before 18, so check both dates"
        )
    if dob and dob <= today and age_on(dob, today) >= CASELOAD_AGE_LIMIT:
        check.faults.append(
            f"dob {dob:%d/%m/%Y} makes the child {age_on(dob, today)} today; children in care "
            "and care leavers are under 26, so check the date of birth"
        )
    if last_review and episode_start and last_review < episode_start:
        check.faults.append(
            f"last_review_date {last_review:%d/%m/%Y} is before episode_start "
            f"{episode_start:%d/%m/%Y}"
        )
    # Read before the faults are counted, so a cell that is too long is one of them.
    free_text = {
        column: check.text(column)
        for column in ("preferred_name", "placement", "social_worker", "ethnicity",
                       "first_language", "upn")
    }
    if check.faults or dob is None or episode_start is None or legal_status is None:
        return "; ".join(check.faults)
    return ExtractRow(
        row_number=row_number,
        child_ref=child_ref,
        first_name=first_name,
        last_name=last_name,
        preferred_name=free_text["preferred_name"],
        dob=dob,
        legal_status=legal_status,
        episode_start=episode_start,
        placement=free_text["placement"],
        social_worker=free_text["social_worker"],
        last_review_date=last_review,
        gender=gender,
        ethnicity=free_text["ethnicity"] or None,
        placement_type=placement_type,
        first_language=free_text["first_language"] or None,
        upn=free_text["upn"] or None,
    )


def _header_columns(header: list[str], source: str) -> list[str | None]:
    """The column each header cell names (None for columns IRO Desk does not read)."""
    known = {_header_key(name): name for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    columns: list[str | None] = [known.get(_header_key(cell)) for cell in header]
    repeated = sorted({c for c in columns if c is not None and columns.count(c) > 1})
    if repeated:
        raise ValidationError(
            f"{source}: the header names these columns more than once: {', '.join(repeated)}. "
            "Nothing was imported."
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        hint = ""
        if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
            hint = " (the columns seem to be separated by ';' or tabs: save the file as CSV)"
        raise ValidationError(
            f"{source}: the header lacks the column(s) {', '.join(missing)}{hint}. The extract "
            f"needs: {', '.join(REQUIRED_COLUMNS)}. Nothing was imported."
        )
    return columns


def parse_extract(text: str, *, today: dt.date, source: str = "the file") -> list[ExtractRow]:
    """Check the whole extract and return its rows.

    Raises:
        ValidationError: any bad row; the message lists every bad row and why, e.g.
            "row 4 (child ID DEMO-0042): dob '31/02/2015' is not a date".
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationError(f"{source} is empty. Nothing was imported.")
        columns = _header_columns(header, source)
        rows: list[ExtractRow] = []
        problems: dict[str, str] = {}
        seen: dict[str, list[int]] = {}
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            named = {col: cell for col, cell in zip(columns, cells, strict=False) if col}
            checked = _check_row(row_number, named, today)
            ref = cell_text(named.get("child_id", ""))[:MAX_CHILD_REF]
            if ref:
                seen.setdefault(ref, []).append(row_number)
            if isinstance(checked, str):
                problems[_row_label(row_number, ref)] = checked
            else:
                rows.append(checked)
    except csv.Error as exc:
        raise ValidationError(
            f"{source} is not a readable CSV file (line {reader.line_num}: {exc}). Nothing was "
            "imported."
        ) from None
    for ref, numbers in seen.items():
        if len(numbers) < 2:
            continue
        for number in numbers:
            label = _row_label(number, ref)
            others = ", ".join(str(n) for n in numbers if n != number)
            duplicate = f"child ID {ref} is also on row {others}"
            problems[label] = f"{problems[label]}; {duplicate}" if label in problems else duplicate
    if problems:
        raise _refusal(source, problems)
    if not rows:
        raise ValidationError(f"{source} has a header but no children. Nothing was imported.")
    return rows


def _refusal(source: str, problems: dict[str, str]) -> ValidationError:
    count = len(problems)
    rows = "row has" if count == 1 else "rows have"
    ordered = dict(sorted(problems.items(), key=lambda item: int(item[0].split()[1])))
    return ValidationError(
        f"{source}: {count} {rows} problems, so nothing was imported. Correct them and import "
        "the file again:",
        ordered,
    )


def read_extract(path: Path, *, today: dt.date) -> list[ExtractRow]:
    """Read, decode and check the extract at ``path`` (see ``parse_extract``)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IroDeskError(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise IroDeskError(f"{path} is a folder, not a CSV extract.") from None
    return parse_extract(decode_extract(data, source=path.name), today=today, source=path.name)


# --- Applying the extract to the caseload ---------------------------------------------------------


@dataclass
class ChildOutcome:
    """What importing one row did to one child."""

    child_ref: str
    row_number: int
    action: str  # added, updated or unchanged
    changes: list[str] = field(default_factory=list)


@dataclass
class CsvImportSummary:
    """What importing an extract did (or, on a dry run, would do)."""

    source: str
    outcomes: list[ChildOutcome]
    dry_run: bool
    backup: Path | None = None

    def _refs(self, action: str) -> list[str]:
        return [o.child_ref for o in self.outcomes if o.action == action]

    @property
    def added(self) -> list[str]:
        """Child IDs of the children added."""
        return self._refs("added")

    @property
    def updated(self) -> list[str]:
        """Child IDs of the children whose records changed."""
        return self._refs("updated")

    @property
    def unchanged(self) -> list[str]:
        """Child IDs of the children the caseload already held exactly so."""
        return self._refs("unchanged")


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class _Caseload:
    """The parts of the caseload an extract touches, loaded once (not a query per row)."""

    def __init__(self, session: Session) -> None:
        self.children = {c.child_ref: c for c in session.exec(select(Child)).all()}
        self.episodes: dict[uuid.UUID, list[CareEpisode]] = {}
        for episode in session.exec(
            select(CareEpisode).where(CareEpisode.deleted_at.is_(None))  # type: ignore[union-attr]
        ):
            self.episodes.setdefault(episode.child_id, []).append(episode)
        for episodes in self.episodes.values():
            episodes.sort(key=lambda e: e.start_date)
        self.cla_tracks: dict[uuid.UUID, list[CaseTrack]] = {}
        for track in session.exec(
            select(CaseTrack).where(
                CaseTrack.kind == "cla", CaseTrack.deleted_at.is_(None)  # type: ignore[union-attr]
            )
        ):
            if track.episode_id is not None:
                self.cla_tracks.setdefault(track.episode_id, []).append(track)
        self.social_workers: dict[uuid.UUID, list[Person]] = {}
        for person in session.exec(
            select(Person).where(
                Person.role == "social_worker", Person.deleted_at.is_(None)  # type: ignore[union-attr]
            )
        ):
            self.social_workers.setdefault(person.child_id, []).append(person)
        self.held_reviews: set[tuple[uuid.UUID, dt.date]] = {
            (review.track_id, review.held_on)
            for review in session.exec(
                select(Review).where(
                    Review.status == "held", Review.deleted_at.is_(None)  # type: ignore[union-attr]
                )
            )
            if review.held_on is not None
        }
        me = session.exec(
            select(Iro).where(Iro.is_me, Iro.deleted_at.is_(None))  # type: ignore[union-attr,arg-type]
        ).first()
        self.me_id = me.id if me is not None else None

    def latest_episode(self, child: Child) -> CareEpisode | None:
        episodes = self.episodes.get(child.id, [])
        return episodes[-1] if episodes else None


def _conflict_with_caseload(row: ExtractRow, caseload: _Caseload) -> str | None:
    """Why this row cannot be applied to what the caseload holds, if it cannot."""
    child = caseload.children.get(row.child_ref)
    if child is None:
        return None
    if child.deleted_at is not None:
        return (
            f"child ID {row.child_ref} belongs to a child deleted from this caseload; restore "
            "them in IRO Desk first, or correct the child ID"
        )
    latest = caseload.latest_episode(child)
    if latest is None or row.episode_start == latest.start_date:
        if latest is not None and latest.end_date is not None:
            return (
                f"IRO Desk shows the episode starting {latest.start_date:%d/%m/%Y} as ended on "
                f"{latest.end_date:%d/%m/%Y}, but the extract lists it as current; check the "
                "child's record"
            )
        return None
    if row.episode_start < latest.start_date:
        return (
            f"episode_start {row.episode_start:%d/%m/%Y} is before the start of the child's "
            f"latest episode in IRO Desk ({latest.start_date:%d/%m/%Y}); an extract cannot "
            "rewrite an earlier episode"
        )
    if latest.end_date is not None and row.episode_start <= latest.end_date:
        return (
            f"episode_start {row.episode_start:%d/%m/%Y} is not after the end of the child's "
            f"last episode in IRO Desk ({latest.end_date:%d/%m/%Y})"
        )
    return None


class _Applier:
    """Applies checked rows to the caseload through ORM objects, so history is kept."""

    def __init__(self, session: Session, caseload: _Caseload, today: dt.date) -> None:
        self.session = session
        self.caseload = caseload
        self.today = today

    def _set(self, record: Record, attribute: str, value: object, changes: list[str],
             what: str) -> None:
        if value is None or getattr(record, attribute) == value:
            return
        setattr(record, attribute, value)
        self.session.add(record)
        changes.append(what)

    def apply(self, row: ExtractRow) -> ChildOutcome:
        child = self.caseload.children.get(row.child_ref)
        if child is None:
            return self._add_child(row)
        changes: list[str] = []
        for attribute, what in (
            ("first_name", "first name"),
            ("last_name", "last name"),
            ("preferred_name", "preferred name"),
            ("dob", "date of birth"),
            ("gender", "gender"),
            ("ethnicity", "ethnicity"),
            ("first_language", "first language"),
            ("upn", "UPN"),
        ):
            value = getattr(row, attribute)
            self._set(child, attribute, value or None, changes, what)
        self._apply_episode(child, row, changes)
        action = "updated" if changes else "unchanged"
        return ChildOutcome(row.child_ref, row.row_number, action, changes)

    def _add_child(self, row: ExtractRow) -> ChildOutcome:
        child = Child(
            child_ref=row.child_ref,
            first_name=row.first_name,
            last_name=row.last_name,
            preferred_name=row.preferred_name,
            dob=row.dob,
            allocated_iro_id=self.caseload.me_id,
        )
        for attribute in ("gender", "ethnicity", "first_language", "upn"):
            value = getattr(row, attribute)
            if value:
                setattr(child, attribute, value)
        self.session.add(child)
        self.caseload.children[child.child_ref] = child
        changes: list[str] = []
        self._apply_episode(child, row, changes)
        return ChildOutcome(row.child_ref, row.row_number, "added", ["added"])

    def _new_episode(self, child: Child, row: ExtractRow) -> CareEpisode:
        episode = CareEpisode(
            child_id=child.id,
            start_date=row.episode_start,
            legal_status=row.legal_status,
            placement_type=row.placement_type or "other",
            placement_name=row.placement,
        )
        self.session.add(episode)
        self.caseload.episodes.setdefault(child.id, []).append(episode)
        return episode

    def _cla_track(self, child: Child, episode: CareEpisode, changes: list[str]) -> CaseTrack:
        open_tracks = [
            t for t in self.caseload.cla_tracks.get(episode.id, []) if t.end_date is None
        ]
        if open_tracks:
            return max(open_tracks, key=lambda t: t.start_date)
        track = CaseTrack(
            kind="cla",
            child_id=child.id,
            episode_id=episode.id,
            start_date=episode.start_date,
            iro_id=child.allocated_iro_id,
        )
        self.session.add(track)
        self.caseload.cla_tracks.setdefault(episode.id, []).append(track)
        changes.append("child in care review track added")
        return track

    def _close_episode(self, episode: CareEpisode, new_start: dt.date) -> None:
        # The extract does not say when the child left care, only that a new period began:
        # the old episode is closed the day before, and the record says so for the IRO to check.
        ended = new_start - dt.timedelta(days=1)
        episode.end_date = ended
        episode.reason_ended = (
            f"Closed by the council's extract, which shows a new period of care from "
            f"{new_start:%d/%m/%Y}; the real end date was not given: correct it if you know it."
        )
        self.session.add(episode)
        for track in self.caseload.cla_tracks.get(episode.id, []):
            if track.end_date is None:
                track.end_date = ended
                self.session.add(track)

    def _apply_episode(self, child: Child, row: ExtractRow, changes: list[str]) -> None:
        latest = self.caseload.latest_episode(child)
        if latest is not None and latest.start_date == row.episode_start:
            episode = latest
            self._set(episode, "legal_status", row.legal_status, changes, "legal status")
            self._set(episode, "placement_name", row.placement or None, changes, "placement")
            self._set(episode, "placement_type", row.placement_type, changes, "placement type")
        else:
            if latest is None:
                changes.append("care episode added")
            else:
                if latest.end_date is None:
                    self._close_episode(latest, row.episode_start)
                changes.append(f"returned to care on {row.episode_start:%d/%m/%Y}")
            episode = self._new_episode(child, row)
        track = self._cla_track(child, episode, changes)
        self._apply_social_worker(child, row, changes)
        self._apply_last_review(child, track, row, changes)

    def _apply_social_worker(self, child: Child, row: ExtractRow, changes: list[str]) -> None:
        if not row.social_worker:
            return
        current = [
            p for p in self.caseload.social_workers.get(child.id, [])
            if p.to_date is None or p.to_date > self.today
        ]
        if any(_same_name(p.name, row.social_worker) for p in current):
            return
        for person in current:
            # A different name is a new social worker: the old one's time ends today.
            person.to_date = self.today
            self.session.add(person)
        worker = Person(child_id=child.id, role="social_worker", name=row.social_worker,
                        notes="From the council's caseload extract")
        self.session.add(worker)
        self.caseload.social_workers.setdefault(child.id, []).append(worker)
        changes.append("social worker")

    def _apply_last_review(
        self, child: Child, track: CaseTrack, row: ExtractRow, changes: list[str]
    ) -> None:
        held_on = row.last_review_date
        if held_on is None or (track.id, held_on) in self.caseload.held_reviews:
            return
        review = Review(
            track_id=track.id,
            child_id=child.id,
            status="held",
            held_on=held_on,
            participation_code=None,
            iro_summary=IMPORTED_REVIEW_SUMMARY,
        )
        self.session.add(review)
        self.caseload.held_reviews.add((track.id, held_on))
        changes.append(f"review held {held_on:%d/%m/%Y}")


def _check_against_caseload(
    rows: Iterable[ExtractRow], caseload: _Caseload, source: str
) -> None:
    problems = {
        row.label: why
        for row in rows
        if (why := _conflict_with_caseload(row, caseload)) is not None
    }
    if problems:
        raise _refusal(source, problems)


def import_extract(
    store: CaseloadStore,
    rows: list[ExtractRow],
    *,
    today: dt.date,
    source: str = "the file",
    dry_run: bool = False,
    back_up: bool = True,
    check: Callable[[], None] | None = None,
) -> CsvImportSummary:
    """Apply checked extract rows to the caseload, all or nothing.

    A non-empty caseload is backed up first (not on a dry run, nor with ``back_up`` False:
    for a caseload made moments ago, which a failure removes). On a dry run the changes are
    worked out in a transaction that is then rolled back. ``check`` is called before each row
    is applied and may raise (e.g. ``WorkCancelledError``): the transaction is rolled back.

    Raises:
        ValidationError: rows that do not fit what the caseload holds (e.g. an episode start
            before the child's current episode); every such row is named, nothing is written.
    """
    stop_if_asked = check or (lambda: None)
    with store.session() as session:
        caseload = _Caseload(session)
        _check_against_caseload(rows, caseload, source)
        holds_records = caseload_holds_records(session)
    backup = None
    if holds_records and back_up and not dry_run:
        stop_if_asked()
        backup = backup_before_import(store)
    with store.session() as session:
        caseload = _Caseload(session)
        _check_against_caseload(rows, caseload, source)
        applier = _Applier(session, caseload, today)
        outcomes: list[ChildOutcome] = []
        for row in rows:
            stop_if_asked()
            outcomes.append(applier.apply(row))
        session.flush()
        if dry_run:
            session.rollback()
    return CsvImportSummary(source=source, outcomes=outcomes, dry_run=dry_run, backup=backup)


def import_extract_file(
    csv_path: Path,
    db_path: Path,
    open_target: Callable[[], CaseloadStore],
    *,
    today: dt.date,
    dry_run: bool = False,
) -> CsvImportSummary:
    """Check the extract at ``csv_path`` and import it into the caseload at ``db_path``.

    ``open_target`` opens that caseload, creating it when missing. The extract is checked
    before a missing caseload is created, so a refused import leaves no new file behind; a
    dry run on a missing caseload creates nothing and reports every child as added.
    """
    rows = read_extract(csv_path, today=today)
    source = Path(csv_path).name
    if dry_run and not Path(db_path).exists():
        outcomes = [ChildOutcome(r.child_ref, r.row_number, "added", ["added"]) for r in rows]
        return CsvImportSummary(source=source, outcomes=outcomes, dry_run=True)
    with open_target() as store:
        return import_extract(store, rows, today=today, source=source, dry_run=dry_run)
