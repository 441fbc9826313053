"""Making a letter: check it, save it with its words, write its PDF, record it on the review.

The letter editor and the ``iro-desk letter`` command both call ``save_letter`` (or the
``make_review_letter`` / ``make_intro_letter`` shortcuts, which compose from the records first).
A saved letter is a ``Letter`` row holding the paragraphs and options exactly as made, plus a PDF
written atomically, readable by the user only, into the letters folder (Settings, else the data
folder's ``letters``). The file name carries the date, the kind of letter, the council's child
ID and the child's initial, never the child's name.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from iro_desk.clock import Clock
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.files import atomic_write_bytes
from iro_desk.letters.compose import (
    LetterDraft,
    LetterOptions,
    compose_intro_letter,
    compose_review_letter,
)
from iro_desk.letters.language import (
    LanguageFlag,
    ReadingLevel,
    find_jargon,
    readable_text,
    reading_level,
)
from iro_desk.letters.pdf import image_is_readable, render_letter_pdf, unprintable_characters
from iro_desk.models import Child, Letter, Review
from iro_desk.paths import data_dir
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore

MIN_ID_PREFIX = 8


@dataclass(frozen=True)
class LetterChecks:
    """What the IRO should look at before making the letter. Nothing here changes it."""

    flags: dict[str, list[LanguageFlag]]
    reading: ReadingLevel
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def jargon_count(self) -> int:
        """How many jargon words are flagged."""
        return sum(len(found) for found in self.flags.values())

    def messages(self, draft: LetterDraft) -> list[str]:
        """Every check as a line for people (the command line prints these)."""
        labels = {key: label for key, label, _text in draft.editable_texts()}
        lines = [
            f"{labels.get(key, key)}: '{flag.found}' - try '{flag.suggestion}'"
            + (f" ({flag.note})" if flag.note else "")
            for key, found in self.flags.items()
            for flag in found
        ]
        lines.append(self.reading.describe(draft.child_name))
        lines.extend(self.notes)
        return lines


@dataclass(frozen=True)
class MadeLetter:
    """A letter that was made: its row, its file and the checks as they stood."""

    letter_id: uuid.UUID
    path: Path
    checks: LetterChecks
    draft: LetterDraft


def jargon_flags(draft: LetterDraft) -> dict[str, list[LanguageFlag]]:
    """The care jargon in each editable part of the letter, by part key."""
    return {
        key: found
        for key, _label, text in draft.editable_texts()
        if (found := find_jargon(text))
    }


def letter_notes(draft: LetterDraft, *, session: Session | None = None) -> tuple[str, ...]:
    """What is missing or wrong: the notes made while composing, an unreadable photo, and
    (with a ``session``) any other child on the caseload whose full name appears."""
    notes = list(draft.notes)
    if draft.iro.photo and not image_is_readable(draft.iro.photo):
        notes.append("Your photo cannot be read (use a PNG or JPEG); the letter shows initials.")
    if draft.council_logo and not image_is_readable(draft.council_logo):
        notes.append(
            "The council logo in Settings is not a picture IRO Desk can print (use PNG or "
            "JPEG); the letter is made without it."
        )
    missing = unprintable_characters(draft.all_text())
    if missing:
        notes.append(
            "These characters cannot be printed and will show as empty boxes: "
            + " ".join(missing)
        )
    if session is not None:
        for name in other_children_named(session, draft.child_id, draft.all_text()):
            notes.append(
                f"The letter names another child on the caseload ({name}): take it out "
                "before the letter is made."
            )
    return tuple(notes)


def check_letter(draft: LetterDraft, *, session: Session | None = None) -> LetterChecks:
    """Jargon in every editable text, the reading level, and anything missing."""
    reading = reading_level(
        readable_text(section.text for section in draft.sections),
        age_band=draft.options.age_band,
        child_age=draft.child_age,
    )
    return LetterChecks(
        flags=jargon_flags(draft), reading=reading, notes=letter_notes(draft, session=session)
    )


def other_children_named(session: Session, child_id: uuid.UUID, text: str) -> list[str]:
    """The full names of other children on the caseload that appear in ``text``."""
    rows = session.exec(
        select(Child.first_name, Child.preferred_name, Child.last_name).where(
            Child.id != child_id,
            Child.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    names: dict[str, str] = {}
    for first, preferred, last in rows:
        for given in (first, preferred):
            if given and last:
                full = f"{given} {last}"
                names.setdefault(full.casefold(), full)
    if not names:
        return []
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + r")(?!\w)",
        re.IGNORECASE,
    )
    found = {names[m.group(1).casefold()] for m in pattern.finditer(" ".join(text.split()))}
    return sorted(found)


# -- where letters go --------------------------------------------------------------------------


def letters_folder(settings: Settings) -> Path:
    """The folder letters are saved in: Settings, else ``letters`` in the data folder."""
    if settings.letters_folder.strip():
        return Path(settings.letters_folder).expanduser()
    return data_dir() / "letters"


def letter_file_stem(draft: LetterDraft) -> str:
    """'2027-01-04 review letter DEMO-0042 T': no name, only the child ID and an initial."""
    kind = "review letter" if draft.kind == "review" else "introduction letter"
    ref = re.sub(r"[^A-Za-z0-9_.-]+", "-", draft.child_ref).strip("-.") or "child"
    initial = next((c.upper() for c in draft.child_name if c.isalpha()), "")
    initial = initial if initial.isascii() else ""
    return " ".join(part for part in (draft.letter_date.isoformat(), kind, ref, initial) if part)


def _free_path(folder: Path, stem: str) -> Path:
    path = folder / f"{stem}.pdf"
    number = 2
    while path.exists():
        path = folder / f"{stem} ({number}).pdf"
        number += 1
    return path


# -- making letters ----------------------------------------------------------------------------


def save_letter(
    store: CaseloadStore,
    draft: LetterDraft,
    *,
    clock: Clock,
    settings: Settings,
    out: Path | None = None,
) -> MadeLetter:
    """Make the letter: refuse another child's name, write the PDF, save the Letter row.

    Args:
        store: the open CaseloadStore.
        draft: the letter as the IRO left it.
        clock: gives the time the letter was made and the review's "letter made" date.
        settings: where letters are saved.
        out: write the PDF here instead of the letters folder.

    Raises:
        ValidationError: the letter names another child on the caseload.
        IroDeskError: the review or child has gone, or the PDF cannot be written.
    """
    pdf = render_letter_pdf(draft)
    target = Path(out) if out is not None else _free_path(
        letters_folder(settings), letter_file_stem(draft)
    )
    written: Path | None = None
    try:
        with store.session() as session:
            named = other_children_named(session, draft.child_id, draft.all_text())
            if named:
                raise ValidationError(
                    "The letter names another child on the caseload; take their name out "
                    "before making it.",
                    {"letter": ", ".join(named)},
                )
            checks = check_letter(draft)
            child = session.get(Child, draft.child_id)
            if child is None or child.deleted_at is not None:
                raise IroDeskError("That child is no longer on the caseload; no letter made.")
            letter = Letter(
                child_id=draft.child_id,
                review_id=draft.review_id,
                kind=draft.kind,
                age_band=draft.options.age_band,
                options_json=json.dumps(draft.options.to_json(), sort_keys=True),
                paragraphs_json=json.dumps(draft.paragraphs(), ensure_ascii=False),
                made_at=clock.now(),
                file_name=str(target.resolve()) if out is not None else target.name,
            )
            session.add(letter)
            if draft.review_id is not None:
                review = session.get(Review, draft.review_id)
                if review is None or review.deleted_at is not None:
                    raise IroDeskError("That review is no longer on the caseload; no letter made.")
                review.letter_made_on = clock.today()
                session.add(review)
            try:
                written = atomic_write_bytes(target, pdf, private=True)
            except OSError as exc:
                raise IroDeskError(
                    f"The letter could not be written to {target} ({exc.strerror}); check the "
                    "letters folder in Settings."
                ) from exc
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return MadeLetter(letter_id=letter.id, path=target, checks=checks, draft=draft)


def make_review_letter(
    store: CaseloadStore,
    review_id: uuid.UUID,
    *,
    clock: Clock,
    options: LetterOptions | None = None,
    out: Path | None = None,
) -> MadeLetter:
    """Compose the review letter from the records and make it (see ``save_letter``)."""
    with store.session() as session:
        settings = load_settings(session)
        draft = compose_review_letter(
            session, review_id, today=clock.today(), settings=settings, options=options
        )
    return save_letter(store, draft, clock=clock, settings=settings, out=out)


def make_intro_letter(
    store: CaseloadStore,
    child_id: uuid.UUID,
    *,
    clock: Clock,
    options: LetterOptions | None = None,
    out: Path | None = None,
) -> MadeLetter:
    """Compose the IRO introduction letter and make it (see ``save_letter``)."""
    with store.session() as session:
        settings = load_settings(session)
        draft = compose_intro_letter(
            session, child_id, today=clock.today(), settings=settings, options=options
        )
    return save_letter(store, draft, clock=clock, settings=settings, out=out)


def mark_letter_sent(store: CaseloadStore, letter_id: uuid.UUID, *, sent_on: dt.date) -> None:
    """Record the day a letter was sent (on the letter and on its review)."""
    with store.session() as session:
        letter = session.get(Letter, letter_id)
        if letter is None or letter.deleted_at is not None:
            raise IroDeskError("That letter is not in this caseload.")
        letter.sent_on = sent_on
        session.add(letter)
        if letter.review_id is not None:
            review = session.get(Review, letter.review_id)
            if review is not None and review.deleted_at is None:
                review.letter_sent_on = sent_on
                session.add(review)


def saved_draft(
    session: Session, letter_id: uuid.UUID, *, today: dt.date, settings: Settings
) -> LetterDraft:
    """A made letter as a draft again: its words and options as saved, the rest from records."""
    letter = session.get(Letter, letter_id)
    if letter is None or letter.deleted_at is not None:
        raise IroDeskError("That letter is not in this caseload.")
    options = LetterOptions(**json.loads(letter.options_json or "{}"))
    if letter.kind == "review" and letter.review_id is not None:
        draft = compose_review_letter(
            session, letter.review_id, today=today, settings=settings, options=options
        )
    else:
        draft = compose_intro_letter(
            session, letter.child_id, today=today, settings=settings, options=options
        )
    return draft.with_paragraphs(json.loads(letter.paragraphs_json or "{}"))


# -- finding what the command line names ---------------------------------------------------------


def _by_prefix(ids: list[uuid.UUID], text: str, what: str) -> uuid.UUID:
    wanted = text.strip().lower().replace("-", "")
    if len(wanted) < MIN_ID_PREFIX or not re.fullmatch(r"[0-9a-f]+", wanted):
        raise ValidationError(
            f"{what} id {text!r}: give the id, or at least its first {MIN_ID_PREFIX} characters."
        )
    matches = [record_id for record_id in ids if record_id.hex.startswith(wanted)]
    if not matches:
        raise IroDeskError(f"No {what} in this caseload has an id starting {text!r}.")
    if len(matches) > 1:
        raise IroDeskError(
            f"{len(matches)} {what}s have an id starting {text!r}; give more of it."
        )
    return matches[0]


def resolve_review_id(session: Session, text: str) -> uuid.UUID:
    """The review named by a full id or a unique prefix of at least 8 characters."""
    ids = list(
        session.exec(select(Review.id).where(Review.deleted_at.is_(None))).all()  # type: ignore[union-attr]
    )
    return _by_prefix(ids, text, "review")


def resolve_letter_id(session: Session, text: str) -> uuid.UUID:
    """The letter named by a full id or a unique prefix of at least 8 characters."""
    ids = list(
        session.exec(select(Letter.id).where(Letter.deleted_at.is_(None))).all()  # type: ignore[union-attr]
    )
    return _by_prefix(ids, text, "letter")


def resolve_child_id(session: Session, text: str) -> uuid.UUID:
    """The child named by the council's child ID, a full id, or a unique id prefix."""
    by_ref = session.exec(
        select(Child.id).where(
            Child.child_ref == text.strip(),
            Child.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if by_ref is not None:
        return by_ref
    ids = list(
        session.exec(select(Child.id).where(Child.deleted_at.is_(None))).all()  # type: ignore[union-attr]
    )
    try:
        return _by_prefix(ids, text, "child")
    except ValidationError as exc:
        raise ValidationError(
            f"No child has the child ID {text!r}; give a child ID or at least the first "
            f"{MIN_ID_PREFIX} characters of the child's record id."
        ) from exc
