"""Language checks for a child's letter: care jargon and reading level.

Jargon comes from ``resources/language-that-cares.csv`` (term, prefer, note), the list of words
children in care have asked professionals not to use ("placement", "contact", "LAC"...) with
the words to use instead. Matching is whole-word and case-insensitive, longest phrase first, so
"care plan" is flagged as one phrase and "plan" on its own is not. Terms written in capitals in
the list (LAC, IRO, PEP, LA...) are acronyms and are matched only when written in capitals: "la"
in a song or a "pep talk" is not jargon.

Nothing here changes a letter by itself. A check returns flags; ``apply_suggestion`` makes one
change the IRO chose. The reading level uses textstat's Flesch-Kincaid grade, shown as a reading
age (grade + 5, the UK school year convention) beside the child's age.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from iro_desk.errors import IroDeskError
from iro_desk.letters import resources_dir

LANGUAGE_FILE_NAME = "language-that-cares.csv"

# How far above the child's reading age a letter may go before it is flagged, in years.
FAR_ABOVE_YEARS = 3


@dataclass(frozen=True)
class JargonTerm:
    """One row of the language list: a term to avoid and the words children prefer."""

    term: str
    prefer: str
    note: str = ""

    @property
    def is_acronym(self) -> bool:
        """True for a term written in capitals (LAC, IRO): matched only in capitals."""
        return self.term.isupper()


@dataclass(frozen=True)
class LanguageFlag:
    """A jargon word found in a text, with what to write instead.

    ``start`` and ``end`` index the checked text (Python string positions); ``found`` is the
    text as written there and ``suggestion`` the preferred words, capitalised to fit.
    """

    start: int
    end: int
    term: str
    found: str
    suggestion: str
    note: str = ""

    @property
    def position(self) -> int:
        """Where the word starts in the text."""
        return self.start

    @property
    def button_text(self) -> str:
        """The words on the button that accepts the suggestion."""
        return f"Use '{self.suggestion}'"


@dataclass(frozen=True)
class ReadingLevel:
    """How hard a letter is to read, against the age of the child it is for."""

    grade: float
    reading_age: int
    child_age: int | None
    target_age: int
    too_hard: bool
    age_band: str = ""

    def describe(self, child_name: str = "the child") -> str:
        """One line for the IRO, e.g. 'Reading age about 8 (Tia is 6): right for Tia.'."""
        if self.age_band == "under4":
            who = f"written for {child_name} to read when older"
        elif self.child_age is None:
            who = f"{child_name}'s age is not recorded"
        else:
            who = f"{child_name} is {self.child_age}"
        if self.too_hard:
            verdict = (
                f"far above what suits {child_name}; aim for a reading age of "
                f"{self.target_age} or below: shorter sentences, shorter words."
            )
        else:
            verdict = f"right for {child_name}."
        return f"Reading age about {self.reading_age} ({who}): {verdict}"


def language_file() -> Path:
    """The language list shipped with the app."""
    return resources_dir() / LANGUAGE_FILE_NAME


@lru_cache(maxsize=4)
def load_terms(path: Path | None = None) -> tuple[JargonTerm, ...]:
    """The jargon list, longest term first (so phrases win over their words).

    Raises:
        IroDeskError: the list is missing or has no ``term`` and ``prefer`` columns.
    """
    source = Path(path) if path is not None else language_file()
    try:
        with source.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise IroDeskError(
            f"The language list {source} cannot be read ({exc.strerror}); reinstall IRO Desk."
        ) from exc
    if rows and not {"term", "prefer"} <= set(rows[0]):
        raise IroDeskError(f"The language list {source} needs 'term' and 'prefer' columns.")
    terms = [
        JargonTerm(
            term=row["term"].strip(),
            prefer=row["prefer"].strip(),
            note=(row.get("note") or "").strip(),
        )
        for row in rows
        if (row.get("term") or "").strip() and (row.get("prefer") or "").strip()
    ]
    return tuple(sorted(terms, key=lambda t: (-len(t.term), t.term.lower())))


# Not in the list, but the same kind of fix: write to the child, not about them.
ADDRESS_TERMS: tuple[JargonTerm, ...] = (
    JargonTerm("the child's", "your", "Write to the child, not about them."),
    JargonTerm("the young person's", "your", "Write to the child, not about them."),
    JargonTerm("the child", "you", "Write to the child, not about them."),
    JargonTerm("the young person", "you", "Write to the child, not about them."),
)


def letter_terms() -> tuple[JargonTerm, ...]:
    """What a letter is checked against: the language list and writing to the child."""
    return load_terms() + ADDRESS_TERMS


@lru_cache(maxsize=4)
def _patterns(terms: tuple[JargonTerm, ...]) -> tuple[tuple[JargonTerm, re.Pattern[str]], ...]:
    compiled = []
    for term in terms:
        # Whole words: no letter, digit or underscore either side. Spaces in a phrase match
        # any run of white space, so a phrase broken over two lines is still found.
        body = r"\s+".join(re.escape(part) for part in term.term.split())
        flags = 0 if term.is_acronym else re.IGNORECASE
        compiled.append((term, re.compile(rf"(?<!\w){body}(?!\w)", flags)))
    return tuple(compiled)


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t“\"'‘(")
    return not before or before[-1] in ".!?:\n"


def _fit_case(found: str, suggestion: str, term: JargonTerm, sentence_start: bool) -> str:
    if not suggestion:
        return suggestion
    capital = found[:1].isupper() and (sentence_start or not term.is_acronym)
    if capital:
        return suggestion[0].upper() + suggestion[1:]
    return suggestion


def find_jargon(text: str, terms: Iterable[JargonTerm] | None = None) -> list[LanguageFlag]:
    """Every jargon word or phrase in ``text``, in reading order.

    Args:
        text: the paragraph to check.
        terms: the list to use (default: ``letter_terms()``).
    """
    chosen = tuple(terms) if terms is not None else letter_terms()
    ordered = tuple(sorted(chosen, key=lambda t: (-len(t.term), t.term.lower())))
    taken: list[tuple[int, int]] = []
    flags: list[LanguageFlag] = []
    for term, pattern in _patterns(ordered):
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found = match.group(0)
            flags.append(
                LanguageFlag(
                    start=start,
                    end=end,
                    term=term.term,
                    found=found,
                    suggestion=_fit_case(
                        found, term.prefer, term, _at_sentence_start(text, start)
                    ),
                    note=term.note,
                )
            )
    flags.sort(key=lambda flag: flag.start)
    return flags


def apply_suggestion(text: str, flag: LanguageFlag) -> str:
    """``text`` with the one flagged word replaced by its suggestion.

    Raises:
        IroDeskError: the text no longer holds the flagged word at that place (it was edited
            after the check); check again and choose again.
    """
    if text[flag.start : flag.end].casefold() != flag.found.casefold():
        raise IroDeskError(
            f"The text has changed since '{flag.found}' was found; check the letter again."
        )
    return text[: flag.start] + flag.suggestion + text[flag.end :]


# -- reading level ------------------------------------------------------------------------------

_textstat_lock = threading.Lock()
_textstat_ready = False

_QUOTED = re.compile(r"“[^”]*”")
_EMAIL = re.compile(r"\S+@\S+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d \-()]{6,}\d")
_BULLET = re.compile(r"^\s*[-•]\s*", re.MULTILINE)


def warm_up() -> None:
    """Load textstat's dictionaries (about two seconds the first time); call off the GUI thread."""
    global _textstat_ready
    with _textstat_lock:
        if _textstat_ready:
            return
        import textstat

        textstat.flesch_kincaid_grade("The cat sat on the mat. It was warm.")
        _textstat_ready = True


def readable_text(texts: Iterable[str]) -> str:
    """The letter's own prose, as measured: the child's quoted words, contact details and list
    markers left out, and each line closed as a sentence (a list item reads as one)."""
    sentences = []
    for text in texts:
        cleaned = _QUOTED.sub(" ", text)
        for pattern in (_EMAIL, _URL, _PHONE):
            cleaned = pattern.sub(" ", cleaned)
        cleaned = _BULLET.sub("", cleaned)
        for line in cleaned.splitlines():
            line = line.strip().rstrip(":")
            if not re.search(r"[A-Za-z]", line):
                continue
            sentences.append(line if line[-1] in ".!?" else line + ".")
    return " ".join(sentences)


def target_reading_age(age_band: str, child_age: int | None) -> int:
    """The reading age a letter for this child should stay near.

    A letter for a child under 4 is written to be read when they are older (about 9); under-8s
    read with a grown-up (7); older children up to their own age, but never more than 12: plain
    English for anyone, including adults, is a reading age of about 9 to 12.
    """
    if age_band == "under4":
        return 9
    if age_band == "under8":
        return 7
    age = child_age if child_age is not None else (9 if age_band == "8to12" else 13)
    return max(8, min(age, 12))


def reading_level(text: str, *, age_band: str, child_age: int | None) -> ReadingLevel:
    """The reading level of ``text`` (see ``readable_text``) against the child's age.

    ``too_hard`` when the reading age is more than FAR_ABOVE_YEARS above the target.
    """
    warm_up()
    import textstat

    grade = float(textstat.flesch_kincaid_grade(text)) if text.strip() else 0.0
    reading_age = max(5, round(grade + 5))
    target = target_reading_age(age_band, child_age)
    return ReadingLevel(
        grade=round(grade, 1),
        reading_age=reading_age,
        child_age=child_age,
        target_age=target,
        too_hard=reading_age > target + FAR_ABOVE_YEARS,
        age_band=age_band,
    )
