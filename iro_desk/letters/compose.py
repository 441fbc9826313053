"""Writing a child's letter from the caseload records, in words that suit the child's age.

A review letter has the sections councils promise children: why we met, who was there, what you
told me (the child's own words, their questions and the answers), what we decided (who will do
what, by when), what happens next, and what to do if you are not happy. An introduction letter
tells the child who their IRO is, what an IRO does and how to get in touch.

The words depend on the age band: under 8 (short sentences, said simply), 8 to 12, 13 and over
(a young adult's tone) and under 4 (a letter written for the child to read when older). Every
paragraph is plain text the IRO can edit before the letter is made: a line starting "- " is a
list item, and a line wholly in curly quotes is the child's own words.

Only this child's records are read, so no other child's details can reach the letter from here
(free text typed by people is checked for other children's names in ``service``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from sqlmodel import Session, select

from iro_desk.errors import IroDeskError
from iro_desk.models import CaseTrack, Child, Decision, Iro, Review, Visit
from iro_desk.settings import Settings

AGE_BANDS: dict[str, str] = {
    "under4": "Under 4 (a letter to read when older)",
    "under8": "Under 8",
    "8to12": "8 to 12",
    "13plus": "13 and over",
}

# Symbols drawn beside each section's heading (iro_desk.letters.art).
SECTION_SYMBOLS: dict[str, str] = {
    "why": "lightbulb",
    "who": "people",
    "told": "speech",
    "decided": "star",
    "next": "calendar",
    "not_happy": "heart",
    "about": "smile",
    "job": "shield",
    "meetings": "calendar",
    "touch": "phone",
}

# Who is responsible for a decision, in words a child knows.
_ROLE_WORDS: dict[str, str] = {
    "social worker": "your social worker",
    "sw": "your social worker",
    "carer": "your carer",
    "carers": "your carers",
    "foster carer": "your foster carer",
    "foster carers": "your foster carers",
    "key worker": "your key worker",
    "team manager": "the social work team manager",
    "advocate": "your advocate",
    "independent visitor": "your independent visitor",
    "teacher": "your teacher",
    "designated teacher": "your teacher",
    "school": "your school",
    "virtual school": "the virtual school",
    "health visitor": "your health visitor",
    "school nurse": "the school nurse",
    "doctor": "your doctor",
    "gp": "your doctor",
    "mum": "your mum",
    "dad": "your dad",
    "parents": "your parents",
    "personal adviser": "your personal adviser",
}
_IRO_WORDS = {"iro", "independent reviewing officer", "me"}
_CHILD_WORDS = {"child", "young person", "you", "yp"}

_ANSWER_SPLIT = re.compile(r"\s+(?:—|–|--|=>|->)\s+|\s+(?:answer|a)\s*:\s*", re.IGNORECASE)
_ANSWER_LINE = re.compile(r"^\s*(?:answer|a)\s*:\s*", re.IGNORECASE)
_NO_WORRIES = re.compile(r"^\s*(nothing|none|no worries|n/?a)\b", re.IGNORECASE)


@dataclass(frozen=True)
class LetterOptions:
    """How the letter is written and laid out."""

    age_band: str
    large_print: bool = False
    dyslexia: bool = False

    def __post_init__(self) -> None:
        """Refuse an age band IRO Desk does not know."""
        if self.age_band not in AGE_BANDS:
            raise IroDeskError(
                f"Unknown age band {self.age_band!r}: choose one of {', '.join(AGE_BANDS)}."
            )

    def to_json(self) -> dict[str, Any]:
        """The options as stored with the letter."""
        return {
            "age_band": self.age_band,
            "large_print": self.large_print,
            "dyslexia": self.dyslexia,
        }


@dataclass(frozen=True)
class Section:
    """One part of the letter: a heading, the IRO-editable text and its symbol."""

    key: str
    heading: str
    text: str
    symbol: str = ""


@dataclass(frozen=True)
class IroProfile:
    """The IRO as the letter shows them: name, photo, 'about me' and how to reach them."""

    name: str
    job_title: str = "Independent Reviewing Officer"
    team: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    profile_text: str = ""
    photo: bytes | None = None

    @property
    def first_name(self) -> str:
        """The name a young child calls the IRO by."""
        return self.name.split()[0] if self.name.split() else self.name

    @classmethod
    def from_iro(cls, iro: Iro) -> IroProfile:
        """The profile of a stored IRO."""
        return cls(
            name=iro.name,
            job_title=iro.job_title or "Independent Reviewing Officer",
            team=iro.team,
            email=iro.email,
            phone=iro.phone,
            mobile=iro.mobile,
            profile_text=iro.profile_text,
            photo=iro.photo,
        )


@dataclass(frozen=True)
class LetterDraft:
    """A letter ready to check, edit and make: the words plus what the layout needs."""

    kind: str
    child_id: uuid.UUID
    review_id: uuid.UUID | None
    child_name: str
    child_ref: str
    child_age: int | None
    letter_date: dt.date
    meeting_date: dt.date | None
    options: LetterOptions
    title: str
    greeting: str
    sections: tuple[Section, ...]
    sign_off: str
    iro: IroProfile
    council_name: str = ""
    council_logo: bytes | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section:
        """The section with this key."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def with_text(self, key: str, text: str) -> LetterDraft:
        """The draft with one section's text replaced ("greeting" and "sign_off" too)."""
        if key == "greeting":
            return replace(self, greeting=text)
        if key == "sign_off":
            return replace(self, sign_off=text)
        self.section(key)
        sections = tuple(
            replace(section, text=text) if section.key == key else section
            for section in self.sections
        )
        return replace(self, sections=sections)

    def with_options(self, options: LetterOptions) -> LetterDraft:
        """The draft laid out differently (the words stay as they are)."""
        return replace(self, options=options)

    def editable_texts(self) -> list[tuple[str, str, str]]:
        """(key, label, text) for everything the IRO may edit, in reading order."""
        items = [("greeting", "Greeting", self.greeting)]
        items += [
            (section.key, section.heading or "Opening", section.text)
            for section in self.sections
        ]
        items.append(("sign_off", "Signing off", self.sign_off))
        return items

    def paragraphs(self) -> dict[str, Any]:
        """The words as stored with the letter (Letter.paragraphs_json)."""
        return {
            "title": self.title,
            "greeting": self.greeting,
            "sections": [
                {"key": s.key, "heading": s.heading, "text": s.text, "symbol": s.symbol}
                for s in self.sections
            ],
            "sign_off": self.sign_off,
        }

    def with_paragraphs(self, paragraphs: dict[str, Any]) -> LetterDraft:
        """The draft with words stored earlier (``paragraphs``) put back."""
        sections = tuple(
            Section(
                key=str(item["key"]),
                heading=str(item.get("heading", "")),
                text=str(item.get("text", "")),
                symbol=str(item.get("symbol", "")),
            )
            for item in paragraphs.get("sections", [])
        )
        return replace(
            self,
            title=str(paragraphs.get("title", self.title)),
            greeting=str(paragraphs.get("greeting", self.greeting)),
            sections=sections or self.sections,
            sign_off=str(paragraphs.get("sign_off", self.sign_off)),
        )

    def all_text(self) -> str:
        """Every word of the letter the IRO can edit, for checks."""
        return "\n".join(text for _key, _label, text in self.editable_texts())


# -- small helpers ------------------------------------------------------------------------------


def day_month_year(day: dt.date) -> str:
    """'4 January 2027'."""
    return f"{day.day} {day:%B %Y}"


def long_date(day: dt.date) -> str:
    """'Monday 4 January 2027'."""
    return f"{day:%A} {day_month_year(day)}"


def month_year(day: dt.date) -> str:
    """'July 2027'."""
    return f"{day:%B %Y}"


def age_on(dob: dt.date | None, day: dt.date) -> int | None:
    """Age in whole years on ``day``; None when the date of birth is not recorded."""
    if dob is None:
        return None
    years = day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
    return max(years, 0)


def age_band_for(age: int | None, participation_code: str | None = None) -> str:
    """The age band for a child's age (PN0 means under 4 on the review day)."""
    if age is None:
        return "under4" if participation_code == "PN0" else "8to12"
    if age < 4:
        return "under4"
    if age < 8:
        return "under8"
    if age < 13:
        return "8to12"
    return "13plus"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


_QUOTE_PAIRS = (('"', '"'), ("“", "”"), ("'", "'"), ("‘", "’"))


def _quote(text: str) -> str:
    """The child's words in curly quotes; quotes already around them are not doubled, and
    nothing inside is touched (an apostrophe at the start stays)."""
    text = text.strip()
    for opening, closing in _QUOTE_PAIRS:
        if len(text) >= 2 and text.startswith(opening) and text.endswith(closing):
            text = text[len(opening) : -len(closing)].strip()
            break
    return f"“{text}”"


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?”\"'":
        text += "."
    return text[:1].upper() + text[1:]


def split_attendees(text: str) -> list[str]:
    """The people in ``Review.attendees``: one a line, or separated by ';' or ','.

    Commas inside brackets ("Jo Demo (social worker, North team)") do not split.
    """
    text = (text or "").strip()
    if not text:
        return []
    if "\n" in text or ";" in text:
        parts = re.split(r"[\n;]", text)
    else:
        parts, depth, current = [], 0, ""
        for char in text:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if char == "," and depth <= 0:
                parts.append(current)
                current = ""
            else:
                current += char
        parts.append(current)
    return [part.strip(" -•\t") for part in parts if part.strip(" -•\t")]


def split_questions(text: str) -> list[tuple[str, str]]:
    """(question, answer) pairs from ``Visit.questions``.

    One question a line; its answer follows on the same line after " — ", " -- " or "=>",
    or on the next line starting "Answer:" (or "A:"). A question with no answer gets "".
    """
    pairs: list[tuple[str, str]] = []
    for line in _lines(text):
        if _ANSWER_LINE.match(line) and pairs:
            question, answer = pairs[-1]
            extra = _ANSWER_LINE.sub("", line)
            pairs[-1] = (question, f"{answer} {extra}".strip())
            continue
        parts = _ANSWER_SPLIT.split(line, maxsplit=1)
        question = re.sub(r"^\s*(?:question|q)\s*:\s*", "", parts[0], flags=re.IGNORECASE)
        answer = parts[1].strip() if len(parts) > 1 else ""
        pairs.append((question.strip(), answer))
    return pairs


def responsible_words(responsible: str, *, iro_name: str, child: Child) -> str:
    """Who will do a decision, in the child's words: 'I', 'you', 'your social worker'."""
    who = responsible.strip()
    plain = who.casefold().strip(" .")
    if not who:
        return ""
    if plain in _IRO_WORDS or plain == iro_name.casefold():
        return "I"
    child_names = {
        name.casefold()
        for name in (child.preferred_name, child.first_name, child.letter_name)
        if name
    }
    if plain in _CHILD_WORDS or plain in child_names:
        return "you"
    if plain in _ROLE_WORDS:
        return _ROLE_WORDS[plain]
    return who


def attendee_words(person: str, child: Child) -> str:
    """One person at the meeting as the child reads it: 'You', 'Your carer', 'Jo Demo'."""
    plain = person.casefold().strip(" .")
    child_names = {n.casefold() for n in (child.preferred_name, child.first_name) if n}
    if plain in _CHILD_WORDS or plain in child_names:
        return "You"
    words = _ROLE_WORDS.get(plain, person.strip())
    return words[:1].upper() + words[1:]


# -- reading the records -----------------------------------------------------------------------


def _live(model: Any) -> Any:
    return model.deleted_at.is_(None)


def _get_live(session: Session, model: Any, record_id: uuid.UUID, what: str) -> Any:
    row = session.get(model, record_id)
    if row is None or row.deleted_at is not None:
        raise IroDeskError(f"That {what} is not in this caseload (it may have been deleted).")
    return row


def letter_iro(
    session: Session, *, track: CaseTrack | None = None, child: Child | None = None
) -> IroProfile:
    """The IRO who signs the letter: the track's IRO, else the child's, else this laptop's."""
    candidates = [
        track.iro_id if track is not None else None,
        child.allocated_iro_id if child is not None else None,
    ]
    for iro_id in candidates:
        if iro_id is None:
            continue
        iro = session.get(Iro, iro_id)
        if iro is not None and iro.deleted_at is None:
            return IroProfile.from_iro(iro)
    me = session.exec(select(Iro).where(Iro.is_me, _live(Iro))).first()
    if me is None:
        raise IroDeskError(
            "No IRO is recorded for this child and your own details are not set up; add "
            "yourself (name, phone, email, 'about me') before making a letter."
        )
    return IroProfile.from_iro(me)


def _visits_for(session: Session, review: Review, child: Child) -> list[Visit]:
    linked = session.exec(
        select(Visit)
        .where(Visit.review_id == review.id, Visit.status == "done", _live(Visit))
        .order_by(Visit.visit_date)
    ).all()
    if linked:
        return list(linked)
    # No visit linked to the review: the latest visit since the previous review on the track.
    meeting = review.held_on or review.scheduled_date
    previous = session.exec(
        select(Review.held_on)
        .where(
            Review.track_id == review.track_id,
            Review.status == "held",
            Review.held_on < meeting,  # type: ignore[operator]
            _live(Review),
        )
        .order_by(Review.held_on.desc())  # type: ignore[union-attr]
    ).first()
    query = select(Visit).where(
        Visit.child_id == child.id,
        Visit.review_id.is_(None),  # type: ignore[union-attr]
        Visit.status == "done",
        Visit.visit_date <= meeting,  # type: ignore[operator]
        _live(Visit),
    )
    if previous is not None:
        query = query.where(Visit.visit_date > previous)
    latest = session.exec(query.order_by(Visit.visit_date.desc())).first()  # type: ignore[attr-defined]
    return [latest] if latest is not None else []


def _decisions_for(session: Session, review: Review) -> list[Decision]:
    rows = session.exec(
        select(Decision).where(
            Decision.review_id == review.id, Decision.status != "dropped", _live(Decision)
        )
    ).all()
    return sorted(rows, key=lambda d: (d.due_on or dt.date.max, d.created_at))


@dataclass(frozen=True)
class NextMeeting:
    """When the next review is: a booked date (and time), or the month it must be held by."""

    date: dt.date | None = None
    time: str = ""
    by_month: dt.date | None = None


def next_meeting_after(session: Session, review: Review, settings: Settings) -> NextMeeting:
    """The meeting after ``review`` on the same track.

    A later review on the track (booked or held) gives its date. Otherwise the statutory
    deadline of the next review (``schedule.next_deadline_for_track``) gives the month it must
    be held by, unless the track ends before then (no next meeting).
    """
    meeting = review.held_on or review.scheduled_date
    later = session.exec(
        select(Review).where(
            Review.track_id == review.track_id,
            Review.id != review.id,
            Review.status.in_(("booked", "held")),  # type: ignore[attr-defined]
            _live(Review),
        )
    ).all()
    dated = [
        (other.held_on or other.scheduled_date, other)
        for other in later
        if (other.held_on or other.scheduled_date) is not None
    ]
    after = sorted(
        ((day, other) for day, other in dated if meeting is None or day > meeting),
        key=lambda pair: pair[0],
    )
    if after:
        day, other = after[0]
        return NextMeeting(date=day, time=other.scheduled_time if other.held_on is None else "")
    track = session.get(CaseTrack, review.track_id)
    if track is None or track.deleted_at is not None:
        return NextMeeting()
    from iro_desk import schedule

    deadline = schedule.next_deadline_for_track(session, track_id=track.id, settings=settings)
    if track.end_date is not None and track.end_date <= deadline:
        return NextMeeting()  # the track ends (the child left care) before another review
    return NextMeeting(by_month=deadline)


def next_meeting_for_child(
    session: Session, child: Child, *, today: dt.date, settings: Settings
) -> NextMeeting:
    """The child's next review from ``today``: a booked one, else the earliest deadline."""
    tracks = session.exec(
        select(CaseTrack).where(CaseTrack.child_id == child.id, _live(CaseTrack))
    ).all()
    open_tracks = [t for t in tracks if t.end_date is None or t.end_date > today]
    if not open_tracks:
        return NextMeeting()
    booked = session.exec(
        select(Review).where(
            Review.track_id.in_([t.id for t in open_tracks]),  # type: ignore[attr-defined]
            Review.status == "booked",
            Review.scheduled_date >= today,  # type: ignore[operator]
            _live(Review),
        )
    ).all()
    if booked:
        first = min(booked, key=lambda r: r.scheduled_date or dt.date.max)
        return NextMeeting(date=first.scheduled_date, time=first.scheduled_time)
    from iro_desk import schedule

    deadlines = [
        schedule.next_deadline_for_track(session, track_id=t.id, settings=settings)
        for t in open_tracks
    ]
    return NextMeeting(by_month=min(deadlines))


# -- the words ---------------------------------------------------------------------------------


def _greeting(band: str, name: str) -> str:
    return {"under8": f"Hello {name},", "13plus": f"Hi {name},"}.get(band, f"Dear {name},")


def _sign_off(band: str, iro: IroProfile) -> str:
    if band == "under8":
        return f"From {iro.first_name}"
    return f"Best wishes,\n{iro.name}"


def _attended(code: str | None) -> bool:
    return code in {"PN1", "PN2", "PN3", "PN4"}


# Codes that say the child was not at the meeting (DOMAIN.md's PN5-PN7).
_NOT_THERE = frozenset({"PN5", "PN6", "PN7"})


def _review_opening(band: str, review: Review, child_age: int | None, iro: IroProfile) -> str:
    day = review.held_on or review.scheduled_date
    assert day is not None
    when = long_date(day)
    if band == "under4":
        age = f"{child_age} years old" if child_age else "a baby"
        if child_age == 1:
            age = "1 year old"
        return (
            f"You were {age} when I wrote this letter, so it is for you to read when you are "
            "older.\n"
            f"It tells you about a meeting on {when}. The grown-ups who looked after you met "
            "to make sure you were safe, well and happy, and that everyone was doing what they "
            f"should for you. I was the person who chaired that meeting. My name is {iro.name}."
        )
    if band == "under8":
        seen = (
            f"It was lovely to see you at your meeting on {when}."
            if _attended(review.participation_code)
            else f"This letter is about your meeting on {when}."
        )
        return (
            f"{seen}\n"
            f"My name is {iro.first_name}. I am in charge of your meetings. I am writing to "
            "tell you what we talked about and what we decided.\n"
            "You can read this letter with your carer, or with a grown-up you trust."
        )
    if band == "13plus":
        return (
            f"Here is my summary of your review on {when}. I have written it for you, not for "
            "the file, so if anything is unclear, wrong or missing, tell me and I will put it "
            "right."
        )
    return (
        f"This letter is about your review meeting on {when}. I chair your meetings, and I am "
        "writing to tell you what we talked about and what we decided."
    )


_WHY: dict[str, dict[str, str]] = {
    "cla": {
        "under4": "Children in care have a meeting like this at least every six months. We "
        "checked how you were getting on, whether you were healthy and growing well, and "
        "whether the plan for your future was the right one.",
        "under8": "We have meetings like this to check that you are safe, happy and well. We "
        "also check that the grown-ups are doing what they said they would do for you.",
        "8to12": "Your review meeting is when the people who help look after you get together "
        "to check how things are going for you: at home, at school, with your health and with "
        "your family. We talk about what is going well, what could be better and what needs "
        "to happen next.",
        "13plus": "Reviews happen regularly while you are in care. The point is to check that "
        "your plan is still right for you, that everyone is doing what they said they would, "
        "and that your views are heard and acted on.",
    },
    "cp": {
        "under4": "The grown-ups met to check that you were safe and well at home, and to "
        "decide what help your family needed.",
        "under8": "We met to check that you are safe and well at home. We also talked about "
        "what help your family needs.",
        "8to12": "We met to check that you are safe and well, to look at how the plan to keep "
        "you safe is working, and to decide what help your family needs next.",
        "13plus": "The meeting looked at whether the plan to keep you safe is working, what "
        "help you and your family need, and whether the plan is still needed.",
    },
    "pathway": {
        "under4": "We met to look at the plan for your future.",
        "under8": "We met to talk about your plans for the future.",
        "8to12": "We met to talk about your plan for moving on: where you will live, school "
        "or work, money, your health, and who is there for you.",
        "13plus": "We met to look at your plan for moving on: where you will live, education "
        "or work, money, your health, and who you can count on. It is your plan, so what you "
        "think matters most.",
    },
    "secure": {
        "under4": "We met to check how you were, and whether living in a secure home was still "
        "right for you.",
        "under8": "We met to check how you are, and whether living in a secure home is still "
        "the right thing for you.",
        "8to12": "We met to check how you are getting on, and whether living in a secure home "
        "is still the right thing for you.",
        "13plus": "The law says a meeting must check regularly whether you still need to live "
        "in a secure home. We looked at how you are doing and what needs to happen next.",
    },
}
_WHY["private_fostering"] = {
    band: "We met to check that things are going well for you in the family you live with, "
    "and that you have everything you need."
    for band in AGE_BANDS
}

_PARTICIPATION_WORDS: dict[str, dict[str, str]] = {
    "under8": {
        "PN1": "You came to your meeting and told us what you think. Thank you!",
        "PN2": "You came to your meeting, and your advocate helped you tell us what you think.",
        "PN3": "You came to your meeting and showed us what you think in your own way.",
        "PN4": "You came to your meeting. You did not have to say anything, and that is fine.",
        "PN5": "You did not come to the meeting, and that is OK. Your advocate told us what "
        "you think.",
        "PN6": "You did not come to the meeting, and that is OK. You told me what you think, "
        "and I made sure everyone heard it.",
        "PN7": "You did not come to the meeting this time, and that is OK.",
    },
    "default": {
        "PN1": "You came to your meeting and spoke for yourself. Thank you for that.",
        "PN2": "You came to your meeting, and your advocate helped you put your views across.",
        "PN3": "You came to your meeting and let us know what you think in your own way.",
        "PN4": "You came to your meeting. You did not have to say anything, and you can tell me "
        "what you think at any time.",
        "PN5": "You chose not to come to the meeting, and that is OK. Your advocate told us "
        "what you think.",
        "PN6": "You did not come to the meeting, but you sent your views, and I made sure "
        "everyone heard them.",
        "PN7": "You did not come to the meeting this time, and that is OK. Next time I would "
        "really like to hear what you think, in whatever way suits you.",
    },
}


def _who_was_there(band: str, review: Review, child: Child) -> tuple[str, list[str]]:
    notes = []
    lines = []
    words = _PARTICIPATION_WORDS["under8" if band == "under8" else "default"]
    if band != "under4" and review.participation_code in words:
        lines.append(words[review.participation_code])
    people = split_attendees(review.attendees)
    code = review.participation_code
    if code in _NOT_THERE and any(attendee_words(p, child) == "You" for p in people):
        # The record says both: trust the participation code, and ask the IRO to check.
        people = [p for p in people if attendee_words(p, child) != "You"]
        notes.append(
            f"The review's attendees include the child, but {code} says they did not come: "
            "check the record; the letter leaves them out of 'Who came'."
        )
    if people:
        intro = {
            "under4": "These people came to the meeting to talk about you:",
            "under8": "These people came:",
            "13plus": "Who came:",
        }.get(band, "These people came to the meeting:")
        lines.append(intro)
        lines.extend(f"- {attendee_words(person, child)}" for person in people)
    else:
        notes.append("Who came to the meeting is not recorded: add it under 'Who was there'.")
    return "\n".join(lines), notes


def _visit_words(band: str, visit: Visit) -> str:
    day = day_month_year(visit.visit_date)
    if band == "under4":
        return f"When I visited you on {day}:"
    how = {
        "phone": f"When we talked on the phone on {day}",
        "video": f"When we talked on a video call on {day}",
        "messaging": f"When we messaged each other on {day}",
    }.get(visit.method)
    if how is None:
        how = (
            f"When I came to see you on {day}" if band == "under8" else f"When we met on {day}"
        )
    return f"{how}, you told me:"


def _what_you_told_me(band: str, review: Review, visits: list[Visit]) -> tuple[str, list[str]]:
    lines: list[str] = []
    notes: list[str] = []
    quote = (lambda text: text) if band == "under4" else _quote
    for visit in visits:
        wishes = _lines(visit.wishes_feelings)
        if wishes:
            lines.append(_visit_words(band, visit))
            lines.extend(quote(line) for line in wishes)
        # Worries are often noted in the IRO's words ("Worried about changing school"), so
        # they are listed, not quoted as the child's; "nothing worrying them" is left out.
        worries = [line for line in _lines(visit.worries) if not _NO_WORRIES.match(line)]
        if worries and band != "under4":
            lines.append(
                "You told me you were worried:" if band != "13plus" else "Your worries:"
            )
            lines.extend(f"- {_sentence(line)}" for line in worries)
        questions = split_questions(visit.questions) if band != "under4" else []
        if questions:
            lines.append("You asked me:" if len(questions) == 1 else "You asked me some questions:")
        for question, answer in questions:
            lines.append(_quote(question))
            if answer:
                lines.append(f"My answer: {_sentence(answer)}")
            else:
                notes.append(
                    f"The visit records the question “{question}” with no answer: answer it "
                    "under 'What you told me'."
                )
    views = _lines(review.child_views)
    if views:
        intro = {
            "PN5": "Your advocate told the meeting:",
            "PN6": "You sent these words to the meeting:",
        }.get(review.participation_code or "", "At the meeting you said:")
        if band == "under4":
            intro = "At the meeting:"
        lines.append(intro)
        lines.extend(quote(line) for line in views)
    if not lines:
        lines.append(
            {
                "under4": "You were too young to tell us what you thought in words, so the "
                "grown-ups who knew you best told the meeting how you were.",
                "under8": "I did not get to hear what you think this time. I would love to "
                "hear from you before your next meeting: you could tell me, draw me a picture "
                "or send me a message.",
                "13plus": "I did not hear your views this time. I would like to before your next "
                "review, in whatever way works for you: a chat, a message, or someone speaking "
                "for you.",
            }.get(
                band,
                "I did not get to hear what you think this time. I would really like to "
                "before your next meeting: you could talk to me, write to me or send me a "
                "message.",
            )
        )
    return "\n".join(lines), notes


def _decision_line(
    decision: Decision, band: str, *, iro_name: str, child: Child
) -> tuple[str, list[str]]:
    notes = []
    text = _sentence(decision.text)
    who = responsible_words(decision.responsible, iro_name=iro_name, child=child)
    when = f"by {day_month_year(decision.due_on)}" if decision.due_on else ""
    if not who:
        notes.append(f"The decision “{decision.text.strip()}” says nobody will do it.")
    if not when:
        notes.append(f"The decision “{decision.text.strip()}” has no date to be done by.")
    if band == "13plus" and (who or when):
        detail = ", ".join(part for part in ({"I": "me"}.get(who, who), when) if part)
        return f"- {text.rstrip('.')} ({detail}).", notes
    if who and when:
        return f"- {text} {_sentence(f'{who} will do this {when}')}", notes
    if who:
        return f"- {text} {_sentence(f'{who} will do this')}", notes
    if when:
        return f"- {text} {_sentence(f'This will be done {when}')}", notes
    return f"- {text}", notes


def _what_we_decided(
    band: str, decisions: list[Decision], *, iro_name: str, child: Child
) -> tuple[str, list[str]]:
    if not decisions:
        return (
            "We did not need to make any new decisions at this meeting."
            if band != "under4"
            else "The grown-ups did not need to make any new decisions at this meeting.",
            [],
        )
    intro = {
        "under4": "The grown-ups agreed:",
        "under8": "We agreed on these things:",
        "13plus": "What was agreed, who is doing it and by when:",
    }.get(band, "This is what we decided:")
    lines = [intro]
    notes: list[str] = []
    for decision in decisions:
        line, more = _decision_line(decision, band, iro_name=iro_name, child=child)
        lines.append(line)
        notes.extend(more)
    return "\n".join(lines), notes


def _meeting_words(nxt: NextMeeting) -> str | None:
    if nxt.date is not None:
        at = f" at {nxt.time}" if nxt.time else ""
        return f"on {long_date(nxt.date)}{at}"
    if nxt.by_month is not None:
        return f"by the end of {month_year(nxt.by_month)}"
    return None


def _what_happens_next(band: str, nxt: NextMeeting) -> str:
    when = _meeting_words(nxt)
    if band == "under4":
        if when is None:
            return "No more meetings were planned after this one."
        return f"The next meeting was planned to be held {when}."
    if when is None:
        return (
            "No more meetings are planned at the moment. If that changes, I will write to "
            "you."
        )
    lines = [f"Your next meeting will be {when}."]
    if nxt.date is None:
        lines[0] += " I will let you know the exact day."
    if band == "under8":
        lines.append(
            "I would like to see you before then, so you can tell me how things are going."
        )
    elif band == "13plus":
        lines.append(
            "I would like to catch up with you before then. If you want to chair some of the "
            "meeting, choose where it happens or bring someone with you, tell me."
        )
    else:
        lines.append(
            "I would like to see you before then. You can choose how to take part: come to the "
            "meeting, help to run it, or tell me what you think before it."
        )
    return "\n".join(lines)


def _reach_me(band: str, iro: IroProfile) -> tuple[list[str], list[str]]:
    lines = []
    phones = [p.strip() for p in (iro.phone, iro.mobile) if p.strip()]
    if phones:
        numbers = " or ".join(phones)
        lines.append(
            f"- Ring me on {numbers}"
            if band != "under4"
            else f"- When this letter was written, my phone number was {numbers}"
        )
    if iro.email.strip():
        lines.append(
            f"- Email me at {iro.email.strip()}"
            if band != "under4"
            else f"- My email address was {iro.email.strip()}"
        )
    notes = [] if lines else [
        "Your phone number and email are not set up, so the child cannot reach you from this "
        "letter: add them to your details."
    ]
    return lines, notes


def _advocacy_and_complaints(band: str, settings: Settings) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    notes: list[str] = []
    service = settings.advocacy_service.strip()
    contact = settings.advocacy_contact.strip()
    if service or contact:
        name = service or "An advocacy service"
        reach = f" To reach them: {_sentence(contact)}" if contact else ""
        lines.append(
            {
                "under8": f"{name} can help you say what you think. They are on your side.",
                "13plus": "You have the right to an advocate: someone independent who is on "
                f"your side and can help you say what you want. {name} can do this.",
            }.get(
                band,
                f"{name} can give you an advocate: someone who is on your side and helps you "
                "say what you think.",
            )
            + reach
        )
    else:
        notes.append(
            "The advocacy service is not set up in Settings, so the letter cannot tell the "
            "child about their right to an advocate."
        )
    complaints = settings.complaints_contact.strip()
    if complaints:
        lines.append(
            {
                "under8": "If you want to make a complaint, a grown-up can help you.",
                "13plus": "You can also make a complaint, and it will not get you into trouble.",
            }.get(band, "You can also make a complaint.")
            + f" How to complain: {_sentence(complaints)}"
        )
    else:
        notes.append("How to complain is not set up in Settings (complaints contact).")
    return lines, notes


def _if_not_happy(band: str, iro: IroProfile, settings: Settings) -> tuple[str, list[str]]:
    first = {
        "under4": "If you have questions about this letter, or you are not happy about "
        "anything, ask the grown-ups who look after you to help you find the right person.",
        "under8": "If you are worried or not happy about anything, tell a grown-up you trust. "
        "You can tell me too:",
        "13plus": "If you are not happy with your plan, with how the meeting went, or with "
        "anything in this letter, please tell me:",
    }.get(
        band,
        "If you are not happy about anything, or you think something in this letter is wrong, "
        "please tell me:",
    )
    reach, notes = _reach_me(band, iro)
    more, more_notes = _advocacy_and_complaints(band, settings)
    return "\n".join([first, *reach, *more]), notes + more_notes


# -- the letters -------------------------------------------------------------------------------


def _options_for(
    options: LetterOptions | None, age: int | None, code: str | None
) -> tuple[LetterOptions, list[str]]:
    notes = []
    if age is None and options is None:
        notes.append(
            "The child's date of birth is not recorded, so the age band was guessed: choose it."
        )
    if options is None:
        options = LetterOptions(age_band=age_band_for(age, code))
    return options, notes


def _council_logo(settings: Settings) -> bytes | None:
    import base64
    import binascii

    encoded = settings.council_logo.strip()
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise IroDeskError(
            "The council logo in Settings is not a readable image; choose the logo file again."
        ) from exc


def compose_review_letter(
    session: Session,
    review_id: uuid.UUID,
    *,
    today: dt.date,
    settings: Settings,
    options: LetterOptions | None = None,
) -> LetterDraft:
    """The letter to a child about a review that has been held.

    Args:
        session: an open caseload session.
        review_id: the held review.
        today: the letter's date.
        settings: council name, advocacy service, how to complain.
        options: age band and layout; by default the band for the child's age on the day.

    Raises:
        IroDeskError: the review is missing, not held yet, or not about a child.
    """
    review: Review = _get_live(session, Review, review_id, "review")
    if review.status != "held" or review.held_on is None:
        raise IroDeskError(
            "That review has not been recorded as held; a review letter is written after the "
            "meeting. Record the review first."
        )
    if review.child_id is None:
        raise IroDeskError("That review is not about a child (a household review): no letter.")
    child: Child = _get_live(session, Child, review.child_id, "child")
    track = session.get(CaseTrack, review.track_id)
    iro = letter_iro(session, track=track, child=child)
    age = age_on(child.dob, review.held_on)
    options, notes = _options_for(options, age, review.participation_code)
    band = options.age_band
    kind = track.kind if track is not None and track.kind in _WHY else "cla"

    who_text, who_notes = _who_was_there(band, review, child)
    told_text, told_notes = _what_you_told_me(band, review, _visits_for(session, review, child))
    decided_text, decided_notes = _what_we_decided(
        band, _decisions_for(session, review), iro_name=iro.name, child=child
    )
    not_happy_text, contact_notes = _if_not_happy(band, iro, settings)
    told_heading = "How you were" if band == "under4" else "What you told me"
    sections = (
        Section("opening", "", _review_opening(band, review, age, iro)),
        Section("why", "Why we met", _WHY[kind][band], SECTION_SYMBOLS["why"]),
        Section("who", "Who was there", who_text, SECTION_SYMBOLS["who"]),
        Section("told", told_heading, told_text, SECTION_SYMBOLS["told"]),
        Section("decided", "What we decided", decided_text, SECTION_SYMBOLS["decided"]),
        Section(
            "next",
            "What happened next" if band == "under4" else "What happens next",
            _what_happens_next(band, next_meeting_after(session, review, settings)),
            SECTION_SYMBOLS["next"],
        ),
        Section("not_happy", "If you are not happy", not_happy_text, SECTION_SYMBOLS["not_happy"]),
    )
    title = {
        "under4": "A letter for you to read when you are older",
        "under8": f"Your meeting on {day_month_year(review.held_on)}",
        "13plus": f"Your review on {day_month_year(review.held_on)}",
    }.get(band, f"Your review meeting on {day_month_year(review.held_on)}")
    return LetterDraft(
        kind="review",
        child_id=child.id,
        review_id=review.id,
        child_name=child.letter_name,
        child_ref=child.child_ref,
        child_age=age,
        letter_date=today,
        meeting_date=review.held_on,
        options=options,
        title=title,
        greeting=_greeting(band, child.letter_name),
        sections=sections,
        sign_off=_sign_off(band, iro),
        iro=iro,
        council_name=settings.council_name,
        council_logo=_council_logo(settings),
        notes=tuple(notes + who_notes + told_notes + decided_notes + contact_notes),
    )


_INTRO_OPENING = {
    "under4": "You were {age} when I wrote this letter, so it is for you to read when you are "
    "older. When you were little, I became the person who chaired the meetings about you, and "
    "checked that the plans for you were right. My name is {name}.",
    "under8": "My name is {first}. I am writing to say hello! I am going to be in charge of "
    "your meetings from now on.",
    "8to12": "My name is {first}, and I am writing to introduce myself. From now on I will be "
    "the person who chairs your meetings and checks that your plan is right for you.",
    "13plus": "I'm {name}. I have been asked to chair your reviews from now on, and I wanted "
    "to introduce myself before we meet.",
}

_WHAT_I_DO = {
    "under4": "Every child in care has someone like me. I chaired the meetings where the "
    "grown-ups who looked after you talked about how you were. I checked that you were safe "
    "and happy, and that everyone did what they said they would do for you. I was not your "
    "social worker: I worked separately, so I could check that things were done properly.",
    "under8": "Every child in care has someone like me.\n"
    "I run your meetings.\n"
    "I check that you are safe and happy.\n"
    "I check that the grown-ups do what they say they will do.\n"
    "I am not your social worker. My job is to make sure your voice is heard.",
    "8to12": "Every child in care has someone like me. I chair your review meetings, where the "
    "people who help look after you talk about how things are going. I check that you are "
    "safe and happy, and that everyone does what they said they would. I am not your social "
    "worker: I work separately from them, so I can check that things are done properly and "
    "make sure your views are listened to.",
    "13plus": "Every child in care has someone in my role; it is set out in law. I chair your "
    "reviews, check that your plan is right for you and is actually happening, and make sure "
    "your views are heard and taken seriously. I am independent of your social work team, so "
    "if things are not being done, I can challenge the council for you.",
}

_YOUR_MEETINGS = {
    "under4": "Meetings like this happened at least every six months while you were in care.",
    "under8": "Before each meeting I would like to see you, so you can tell me how things are. "
    "You can come to your meeting, or tell me what you think in another way: a chat, a "
    "drawing or a message.",
    "8to12": "Before each meeting I would like to see you or talk to you, so I know what you "
    "think. You can come to your meeting, help to run it, or tell me what you think in "
    "another way: a chat, a drawing, a message or a letter.",
    "13plus": "Before each review I would like to catch up with you, so I know what you think "
    "before anyone else has their say. You can come to your review, chair part of it, or "
    "share your views another way. It is your meeting.",
}


def compose_intro_letter(
    session: Session,
    child_id: uuid.UUID,
    *,
    today: dt.date,
    settings: Settings,
    options: LetterOptions | None = None,
) -> LetterDraft:
    """The letter introducing the child's IRO: photo, about me, what an IRO does, how to reach.

    Raises:
        IroDeskError: the child is missing or no IRO is recorded.
    """
    child: Child = _get_live(session, Child, child_id, "child")
    iro = letter_iro(session, child=child)
    age = age_on(child.dob, today)
    options, notes = _options_for(options, age, None)
    band = options.age_band
    fill = {
        "name": iro.name,
        "first": iro.first_name,
        "age": f"{age} years old" if age and age > 1 else "very young",
    }
    about = iro.profile_text.strip()
    if not about:
        notes.append("Your 'about me' is empty: write a few lines about yourself for children.")
    nxt = next_meeting_for_child(session, child, today=today, settings=settings)
    when = _meeting_words(nxt)
    meetings = _YOUR_MEETINGS[band]
    if when is not None:
        meetings = (
            f"Your next meeting will be {when}.\n{meetings}"
            if band != "under4"
            else f"{meetings} The next one was planned {when}."
        )
    touch_first = {
        "under4": "If you have questions about this letter when you are older, ask the grown-ups "
        "who look after you to help you find the right person.",
        "under8": "You can talk to me whenever you want to.",
        "13plus": "You can get in touch with me whenever you want to, not just before reviews.",
    }.get(band, "You can get in touch with me whenever you want to.")
    reach, reach_notes = _reach_me(band, iro)
    more, more_notes = _advocacy_and_complaints(band, settings)
    sections = (
        Section("opening", "", _INTRO_OPENING[band].format(**fill)),
        Section("about", "About me", about, SECTION_SYMBOLS["about"]),
        Section("job", "What I do", _WHAT_I_DO[band], SECTION_SYMBOLS["job"]),
        Section("meetings", "Your meetings", meetings, SECTION_SYMBOLS["meetings"]),
        Section(
            "touch",
            "How to get in touch",
            "\n".join([touch_first, *reach, *more]),
            SECTION_SYMBOLS["touch"],
        ),
    )
    return LetterDraft(
        kind="intro",
        child_id=child.id,
        review_id=None,
        child_name=child.letter_name,
        child_ref=child.child_ref,
        child_age=age,
        letter_date=today,
        meeting_date=None,
        options=options,
        title=f"Hello from {iro.first_name}",
        greeting=_greeting(band, child.letter_name),
        sections=sections,
        sign_off=_sign_off(band, iro),
        iro=iro,
        council_name=settings.council_name,
        council_logo=_council_logo(settings),
        notes=tuple(notes + reach_notes + more_notes),
    )
