"""The SSDA903 reviews return: every child in care review held in a collection year, for the DfE.

Councils return each looked-after child's review dates and participation codes to the
Department for Education in the SSDA903 collection. The collection year is named by the year
it ends in: collection year 2026 runs from 1 April 2025 to 31 March 2026 (the DfE validator
``csc-validator-be-903`` sets ``collection_start`` to 01/04/(year - 1) and ``collection_end``
to 31/03/year, and checks the year with its ``lac2025_26`` rules).

``build_return`` makes the rows and ``write_return`` writes them as CSV files:

* ``reviews.csv`` -- ``CHILD, DOB, REVIEW, REVIEW_CODE``, dates DD/MM/YYYY: one row per child
  in care review held in the year;
* ``header.csv`` and ``episodes.csv`` -- the DfE's header and episodes tables for the children
  in ``reviews.csv``, holding only what IRO Desk records (the DfE checks the reviews table
  against them; the council's case management system makes the full return);
* ``problems.csv`` -- every review that is not in ``reviews.csv``, with the reason and what to
  do: nothing is left out silently.

The DfE rules applied (numbers are the DfE's validation rules): a held review needs a
participation code (167); PN0 only for a child under 4 on the review day and PN1-PN7 only for a
child aged 4 or more (440, 441); a child whose every episode in the year is a short break (legal
status V3 or V4) is not returned with reviews (399); a child in the reviews table needs an
episode in the year (1012). The rules are written up in docs/figures.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from iro_desk.errors import ValidationError
from iro_desk.files import atomic_write_text
from iro_desk.vocab import PARTICIPATION, SHORT_BREAK_STATUSES
from iro_desk.workdays import add_months

REVIEWS_COLUMNS = ("CHILD", "DOB", "REVIEW", "REVIEW_CODE")
HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODES_COLUMNS = (
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
)
PROBLEMS_COLUMNS = ("CHILD", "NAME", "REVIEW", "REVIEW_CODE", "OUTCOME", "REASON", "ACTION")

FILE_NAMES = {
    "reviews": "reviews.csv",
    "header": "header.csv",
    "episodes": "episodes.csv",
    "problems": "problems.csv",
}

# DfE SSDA903 SEX, from the child's recorded gender when it is male or female (anything else is
# left blank rather than guessed): "M"/"F" from collection year 2025 (the 2024/25 rules), "1"/"2"
# before it.
SEX_CODES = {"male": "M", "female": "F"}
SEX_CODES_BEFORE_2025 = {"male": "1", "female": "2"}

# DfE SSDA903 ETHNIC codes; a child's ethnicity recorded as one of them is returned.
ETHNIC_CODES = frozenset(
    {
        "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
        "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
    }
)  # fmt: skip

# DfE SSDA903 REC (reason episode ceased) codes: a reason_ended recorded as one is returned.
REC_CODES = frozenset(
    {
        "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45", "E46",
        "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9", "X1",
    }
)  # fmt: skip

UNDER_FOUR_CODE = "PN0"
FIX_RECORD = "not returned: fix the record"
NOT_RETURNED = "not returned: by the DfE rules"


def collection_period(year: int) -> tuple[dt.date, dt.date]:
    """The days of a collection year: 2026 is 1 April 2025 to 31 March 2026."""
    if not 2000 <= year <= 2100:
        raise ValidationError(
            f"{year} is not a collection year; give the year it ends in, e.g. 2026 for "
            "1 April 2025 to 31 March 2026.",
            {"year": "a year such as 2026"},
        )
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def dfe_date(day: dt.date) -> str:
    """A date as the DfE tables write it: DD/MM/YYYY."""
    return day.strftime("%d/%m/%Y")


def is_under_four(dob: dt.date, on: dt.date) -> bool:
    """True when a child born on ``dob`` has not reached their fourth birthday on ``on``."""
    return on < add_months(dob, 48)


@dataclass(frozen=True)
class Problem:
    """A review that is not in reviews.csv, and why."""

    child_ref: str
    child_name: str
    review: dt.date
    code: str
    outcome: str
    reason: str
    action: str

    @property
    def needs_fixing(self) -> bool:
        """True when the record is wrong or incomplete (not a review left out by the rules)."""
        return self.outcome == FIX_RECORD

    def row(self) -> dict[str, str]:
        """The row of problems.csv."""
        return {
            "CHILD": self.child_ref,
            "NAME": self.child_name,
            "REVIEW": dfe_date(self.review),
            "REVIEW_CODE": self.code,
            "OUTCOME": self.outcome,
            "REASON": self.reason,
            "ACTION": self.action,
        }


@dataclass(frozen=True)
class Return903:
    """The rows of the SSDA903 reviews return for one collection year."""

    year: int
    start: dt.date
    end: dt.date
    reviews: tuple[dict[str, str], ...]
    header: tuple[dict[str, str], ...]
    episodes: tuple[dict[str, str], ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]

    @property
    def to_fix(self) -> tuple[Problem, ...]:
        """Reviews left out because the record needs correcting."""
        return tuple(problem for problem in self.problems if problem.needs_fixing)

    @property
    def left_out_by_rule(self) -> tuple[Problem, ...]:
        """Reviews left out because the DfE rules say they are not returned."""
        return tuple(problem for problem in self.problems if not problem.needs_fixing)


@dataclass
class _Child:
    ref: str
    name: str
    dob: dt.date | None
    gender: str
    ethnicity: str
    upn: str


@dataclass(frozen=True)
class _Episode:
    start: dt.date
    end: dt.date | None
    legal_status: str
    reason_ended: str


def _rows(session: Session, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    return list(session.connection().exec_driver_sql(sql, params).fetchall())


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _load(
    session: Session, start: dt.date, end: dt.date
) -> tuple[dict[str, _Child], list[tuple[str, dt.date, str]], dict[str, list[_Episode]]]:
    session.flush()
    children: dict[str, _Child] = {}
    reviews: list[tuple[str, dt.date, str]] = []
    for child_id, held, code, ref, first, last, preferred, dob, gender, ethnicity, upn in _rows(
        session,
        "SELECT r.child_id, r.held_on, r.participation_code, c.child_ref, c.first_name, "
        "c.last_name, c.preferred_name, c.dob, c.gender, c.ethnicity, c.upn FROM review r "
        "JOIN case_track t ON t.id = r.track_id JOIN child c ON c.id = r.child_id "
        "WHERE r.deleted_at IS NULL AND t.deleted_at IS NULL AND c.deleted_at IS NULL "
        "AND t.kind = 'cla' AND r.status = 'held' AND r.held_on BETWEEN ? AND ? "
        "ORDER BY c.child_ref, r.held_on, r.id",
        (start.isoformat(), end.isoformat()),
    ):
        if child_id not in children:
            children[child_id] = _Child(
                ref=ref,
                name=f"{preferred or first} {last}".strip(),
                dob=_date(dob),
                gender=gender or "",
                ethnicity=(ethnicity or "").strip().upper(),
                upn=(upn or "").strip(),
            )
        reviews.append((child_id, dt.date.fromisoformat(held), (code or "").strip().upper()))
    episodes: dict[str, list[_Episode]] = defaultdict(list)
    for child_id, ep_start, ep_end, status, reason in _rows(
        session,
        "SELECT e.child_id, e.start_date, e.end_date, e.legal_status, e.reason_ended "
        "FROM care_episode e JOIN child c ON c.id = e.child_id "
        "WHERE e.deleted_at IS NULL AND c.deleted_at IS NULL AND e.start_date <= ? "
        "AND (e.end_date IS NULL OR e.end_date >= ?) ORDER BY e.start_date, e.id",
        (end.isoformat(), start.isoformat()),
    ):
        if child_id in children:
            episodes[child_id].append(
                _Episode(
                    start=dt.date.fromisoformat(ep_start),
                    end=_date(ep_end),
                    legal_status=(status or "").strip().upper(),
                    reason_ended=(reason or "").strip().upper(),
                )
            )
    return children, reviews, episodes


def _review_problem(
    child: _Child, held: dt.date, code: str, today: dt.date
) -> tuple[str, str] | None:
    """Why one review row cannot be returned validly, and what to do; None when it can."""
    if held > today:
        return (
            f"The review is recorded as held on {held.isoformat()}, after today.",
            "Correct the date the review was held.",
        )
    if child.dob is None:
        return (
            "The child's date of birth is not recorded (the DfE reviews table needs it).",
            "Add the date of birth to the child's record.",
        )
    if child.dob > held:
        return (
            f"The child's date of birth ({child.dob.isoformat()}) is after the review.",
            "Correct the date of birth or the review date.",
        )
    if not code:
        return (
            "No participation code is recorded for this held review (DfE rule 167).",
            "Record how the child took part (PN0-PN7) on the review.",
        )
    if code not in PARTICIPATION:
        return (
            f"{code!r} is not a DfE participation code (DfE rule 167).",
            "Record how the child took part (PN0-PN7) on the review.",
        )
    under_four = is_under_four(child.dob, held)
    if code == UNDER_FOUR_CODE and not under_four:
        return (
            "PN0 is for a child under 4, but the child was 4 or more on the review day "
            "(DfE rule 440).",
            "Record how the child took part (PN1-PN7), or correct the date of birth.",
        )
    if code != UNDER_FOUR_CODE and under_four:
        return (
            f"{code} is for a child aged 4 or more, but the child was under 4 on the review "
            "day (DfE rule 441).",
            "Record PN0 for a child under 4, or correct the date of birth.",
        )
    return None


def _left_out(
    child: _Child, episodes: list[_Episode], held: dt.date, code: str, today: dt.date
) -> tuple[str, str, str] | None:
    """(outcome, reason, action) for a review not returned; None when it is returned."""
    if not episodes:
        return (
            FIX_RECORD,
            "No episode of care in the collection year is recorded for this child (the DfE "
            "needs one for every child with a review, rule 1012).",
            "Add the child's episode of care (start date and legal status).",
        )
    if all(episode.legal_status in SHORT_BREAK_STATUSES for episode in episodes):
        return (
            NOT_RETURNED,
            "Every episode of this child in the year is a short break (legal status V3 or V4): "
            "their reviews are not returned (DfE rule 399).",
            "Nothing to do.",
        )
    why = _review_problem(child, held, code, today)
    return None if why is None else (FIX_RECORD, *why)


def _header_row(child: _Child, year: int) -> dict[str, str]:
    assert child.dob is not None  # only children with a returned review are in the header
    codes = SEX_CODES if year >= 2025 else SEX_CODES_BEFORE_2025
    return {
        "CHILD": child.ref,
        "SEX": codes.get(child.gender, ""),
        "DOB": dfe_date(child.dob),
        "ETHNIC": child.ethnicity if child.ethnicity in ETHNIC_CODES else "",
        "UPN": child.upn,
        "MOTHER": "",
        "MC_DOB": "",
    }


def _episode_row(child: _Child, episode: _Episode, end: dt.date) -> dict[str, str]:
    # An episode still open at the end of the collection year is returned without an end.
    ended = episode.end is not None and episode.end <= end
    return {
        "CHILD": child.ref,
        "DECOM": dfe_date(episode.start),
        "RNE": "S",
        "LS": episode.legal_status,
        "CIN": "",
        "PLACE": "",
        "PLACE_PROVIDER": "",
        "DEC": dfe_date(episode.end) if ended and episode.end else "",
        "REC": episode.reason_ended if ended and episode.reason_ended in REC_CODES else "",
        "REASON_PLACE_CHANGE": "",
        "HOME_POST": "",
        "PL_POST": "",
        "URN": "",
    }


def build_return(session: Session, *, year: int, today: dt.date) -> Return903:
    """The SSDA903 reviews return for collection year ``year`` (2026: April 2025-March 2026).

    Args:
        session: An open caseload session (the whole file is returned, every IRO's children).
        year: The collection year, named by the year it ends in.
        today: Reviews after today are refused; a year not yet ended is noted as partial.

    Returns:
        The rows for reviews.csv, header.csv and episodes.csv, and every review left out with
        the reason.
    """
    start, end = collection_period(year)
    if start > today:
        raise ValidationError(
            f"Collection year {year} starts on {start.isoformat()}, after today; there is "
            "nothing to return yet.",
            {"year": "a year that has started"},
        )
    notes = []
    if end >= today:
        notes.append(
            f"Collection year {year} runs to {end.isoformat()}, so this return is partial: "
            f"it holds the reviews held up to {today.isoformat()}."
        )
    children, reviews, episodes = _load(session, start, end)
    rows: list[dict[str, str]] = []
    problems: list[Problem] = []
    returned: set[str] = set()
    seen: set[tuple[str, dt.date]] = set()
    for child_id, held, code in reviews:
        child = children[child_id]
        verdict = _left_out(child, episodes.get(child_id, []), held, code, today)
        if verdict is None and (child_id, held) in seen:
            verdict = (
                FIX_RECORD,
                "Another review of this child is recorded on the same day; the DfE table holds "
                "one review per child per day.",
                "Check for a duplicate review record and delete the extra one.",
            )
        if verdict is not None:
            problems.append(Problem(child.ref, child.name, held, code, *verdict))
            continue
        seen.add((child_id, held))
        returned.add(child_id)
        assert child.dob is not None  # _left_out refuses a review without one
        rows.append(
            {
                "CHILD": child.ref,
                "DOB": dfe_date(child.dob),
                "REVIEW": dfe_date(held),
                "REVIEW_CODE": code,
            }
        )
    ordered = sorted(returned, key=lambda child_id: children[child_id].ref)
    return Return903(
        year=year,
        start=start,
        end=end,
        reviews=tuple(rows),
        header=tuple(_header_row(children[child_id], year) for child_id in ordered),
        episodes=tuple(
            _episode_row(children[child_id], episode, end)
            for child_id in ordered
            for episode in episodes[child_id]
        ),
        problems=tuple(problems),
        notes=tuple(notes),
    )


def _csv(columns: tuple[str, ...], rows: Any) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_return(result: Return903, folder: Path) -> dict[str, Path]:
    """Write the four CSV files into ``folder`` (each atomically, readable only by the user)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValidationError(f"{folder} is a file, not a folder.", {"out": "a folder"})
    contents = {
        "reviews": _csv(REVIEWS_COLUMNS, result.reviews),
        "header": _csv(HEADER_COLUMNS, result.header),
        "episodes": _csv(EPISODES_COLUMNS, result.episodes),
        "problems": _csv(PROBLEMS_COLUMNS, (problem.row() for problem in result.problems)),
    }
    written = {}
    for key, text in contents.items():
        written[key] = atomic_write_text(folder / FILE_NAMES[key], text, private=True)
    return written
