"""Composing a child's letter from the records: the right sections, words for the child's age."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from iro_desk.errors import IroDeskError
from iro_desk.history import tombstone
from iro_desk.letters.compose import (
    LetterOptions,
    age_band_for,
    compose_intro_letter,
    compose_review_letter,
    split_attendees,
    split_questions,
)
from iro_desk.letters.language import find_jargon, readable_text, reading_level
from iro_desk.letters.sample import SampleReview, add_sample_review
from iro_desk.models import CaseTrack, Child, Decision, Review
from iro_desk.settings import Settings, load_settings, update_settings
from iro_desk.store import CaseloadStore

TODAY = dt.date(2027, 1, 4)
HELD = dt.date(2026, 12, 14)
NEXT = dt.date(2027, 6, 8)
REVIEW_HEADINGS = [
    "Why we met",
    "Who was there",
    "What you told me",
    "What we decided",
    "What happens next",
    "If you are not happy",
]


def _settings(store: CaseloadStore, **changes: str) -> Settings:
    values = {
        "council_name": "Demo County Council",
        "advocacy_service": "Demo Advocacy for Children",
        "advocacy_contact": "0800 000 0000",
        "complaints_contact": "Demo complaints team, 0800 000 1111",
    }
    values.update(changes)
    with store.session() as session:
        return update_settings(session, **values)


def _sample(store: CaseloadStore, age: int = 10, **kwargs: object) -> SampleReview:
    with store.session() as session:
        return add_sample_review(session, held_on=HELD, age=age, **kwargs)  # type: ignore[arg-type]


def _review_letter(store: CaseloadStore, review_id, options: LetterOptions | None = None):  # noqa: ANN001, ANN202
    with store.session() as session:
        return compose_review_letter(
            session, review_id, today=TODAY, settings=load_settings(session), options=options
        )


@pytest.mark.parametrize(
    ("age", "code", "band"),
    [
        pytest.param(2, "PN0", "under4", id="toddler"),
        pytest.param(3, "PN0", "under4", id="three"),
        pytest.param(4, "PN1", "under8", id="four"),
        pytest.param(7, "PN1", "under8", id="seven"),
        pytest.param(8, "PN1", "8to12", id="eight"),
        pytest.param(12, "PN1", "8to12", id="twelve"),
        pytest.param(13, "PN1", "13plus", id="thirteen"),
        pytest.param(17, "PN1", "13plus", id="seventeen"),
        pytest.param(None, "PN0", "under4", id="no date of birth but under 4 at review"),
        pytest.param(None, "PN1", "8to12", id="no date of birth at all"),
    ],
)
def test_age_band_follows_the_childs_age(age: int | None, code: str, band: str) -> None:
    assert age_band_for(age, code) == band


def test_review_letter_greets_the_child_by_preferred_name_in_the_iros_voice(
    store: CaseloadStore,
) -> None:
    _settings(store)
    ids = _sample(store, age=10, next_review_on=NEXT)
    draft = _review_letter(store, ids.review_id)
    assert draft.greeting == "Dear Tia,"
    assert "Tiana" not in draft.all_text()  # her legal name is not what she is called
    assert [s.heading for s in draft.sections if s.heading] == REVIEW_HEADINGS
    opening = draft.section("opening").text
    assert "I chair your meetings" in opening
    assert "Monday 14 December 2026" in opening
    assert draft.sign_off == "Best wishes,\nSam Demo"
    assert draft.notes == ()


def test_what_you_told_me_quotes_the_childs_words_questions_and_answers(
    store: CaseloadStore,
) -> None:
    _settings(store)
    ids = _sample(store, age=10)
    told = _review_letter(store, ids.review_id).section("told").text
    assert "“I like my new school and I have a best friend called Pip.”" in told
    assert "“Can I have a sleepover at Pip's house?”" in told
    assert "My answer: Yes: your carers can say yes to sleepovers" in told
    assert "At the meeting you said:\n“I want to stay living here with Sam and Alex.”" in told
    assert "- Worried about not seeing Grandma at Christmas." in told


def test_an_unanswered_question_is_pointed_out_not_answered_by_guesswork(
    store: CaseloadStore,
) -> None:
    _settings(store)
    ids = _sample(store, questions="Can I have a dog?")
    draft = _review_letter(store, ids.review_id)
    assert "“Can I have a dog?”" in draft.section("told").text
    assert "My answer" not in draft.section("told").text
    assert any("Can I have a dog?" in note for note in draft.notes)


def test_each_decision_says_who_will_do_what_by_when(store: CaseloadStore) -> None:
    _settings(store)
    ids = _sample(store, age=10)
    decided = _review_letter(store, ids.review_id).section("decided").text
    assert (
        "- Arrange family time with Grandma over the Christmas holidays. Your social worker "
        "will do this by 4 January 2027." in decided
    )
    assert (
        "- Find out about swimming lessons near home. Your carer will do this by 25 January "
        "2027." in decided
    )
    assert "- See Tia at home before the next meeting. I will do this by 13 May 2027." in decided
    lines = decided.splitlines()
    assert lines.index(next(line for line in lines if "Grandma" in line)) < lines.index(
        next(line for line in lines if "swimming" in line)
    )  # soonest first


def test_dropped_and_deleted_decisions_are_left_out(store: CaseloadStore) -> None:
    _settings(store)
    ids = _sample(store)
    with store.session() as session:
        first, second = session.exec(
            select(Decision).where(Decision.review_id == ids.review_id)
        ).all()[:2]
        first.status = "dropped"
        session.add(first)
        tombstone(session, second)
        kept_texts = [first.text, second.text]
    decided = _review_letter(store, ids.review_id).section("decided").text
    for text in kept_texts:
        assert text not in decided


def test_young_adult_decisions_read_as_a_list_with_who_and_when(store: CaseloadStore) -> None:
    _settings(store)
    ids = _sample(store, age=16, preferred_name="Jordan", first_name="Jordan")
    decided = _review_letter(store, ids.review_id).section("decided").text
    assert "- See Jordan at home before the next meeting (me, by 13 May 2027)." in decided
    assert "(your social worker, by 4 January 2027)" in decided


@pytest.mark.parametrize(
    ("booked", "track_ends", "expected"),
    [
        pytest.param(NEXT, None, "Your next meeting will be on Tuesday 8 June 2027 at 15:30.",
                     id="next review booked"),
        pytest.param(None, None, "Your next meeting will be by the end of March 2027.",
                     id="not booked: the month of the statutory deadline"),
        pytest.param(None, dt.date(2026, 12, 20), "No more meetings are planned",
                     id="the child left care"),
    ],
)
def test_what_happens_next_gives_the_next_review(
    store: CaseloadStore, booked: dt.date | None, track_ends: dt.date | None, expected: str
) -> None:
    _settings(store)
    ids = _sample(store, next_review_on=booked)
    if track_ends is not None:
        with store.session() as session:
            track = session.get(CaseTrack, ids.track_id)
            track.end_date = track_ends
            session.add(track)
    assert expected in _review_letter(store, ids.review_id).section("next").text


def test_if_you_are_not_happy_gives_every_way_to_get_help(store: CaseloadStore) -> None:
    _settings(store)
    ids = _sample(store)
    text = _review_letter(store, ids.review_id).section("not_happy").text
    assert "- Ring me on 01234 000000" in text
    assert "- Email me at sam.demo@council.invalid" in text
    assert "Demo Advocacy for Children" in text and "0800 000 0000" in text
    assert "Demo complaints team, 0800 000 1111" in text


def test_missing_advocacy_and_complaints_settings_are_pointed_out(store: CaseloadStore) -> None:
    ids = _sample(store)
    draft = _review_letter(store, ids.review_id)
    assert any("advocacy service is not set up" in note for note in draft.notes)
    assert any("How to complain is not set up" in note for note in draft.notes)


def test_a_letter_for_a_child_under_four_is_written_to_read_when_older(
    store: CaseloadStore,
) -> None:
    _settings(store)
    ids = _sample(store, age=2, participation_code="PN0", preferred_name="Bea",
                  first_name="Beatrix", wishes_feelings="Bea was giggling and showed me her "
                  "toy rabbit.", questions="", next_review_on=NEXT)
    draft = _review_letter(store, ids.review_id)
    assert draft.options.age_band == "under4"
    assert draft.title == "A letter for you to read when you are older"
    opening = draft.section("opening").text
    assert opening.startswith("You were 2 years old when I wrote this letter")
    assert "My name is Sam Demo" in opening
    assert draft.section("told").heading == "How you were"
    assert "Bea was giggling" in draft.section("told").text
    assert "“" not in draft.section("told").text  # notes about a toddler are not her quotes
    assert "You asked me" not in draft.all_text()
    assert "The next meeting was planned to be held on Tuesday 8 June 2027" in (
        draft.section("next").text
    )
    assert draft.section("next").heading == "What happened next"


@pytest.mark.parametrize(
    ("age", "band"),
    [(2, "under4"), (6, "under8"), (12, "8to12"), (16, "13plus")],
    ids=["age 2", "age 6", "age 12", "age 16"],
)
def test_each_age_band_reads_at_a_level_that_suits_the_child(
    store: CaseloadStore, age: int, band: str
) -> None:
    _settings(store)
    ids = _sample(store, age=age, participation_code="PN0" if age < 4 else "PN1")
    draft = _review_letter(store, ids.review_id)
    assert draft.options.age_band == band
    level = reading_level(
        readable_text(s.text for s in draft.sections), age_band=band, child_age=age
    )
    assert not level.too_hard, level.describe()


def test_words_for_younger_children_are_simpler(store: CaseloadStore) -> None:
    _settings(store)
    ids = _sample(store, age=10)
    levels = {}
    for band in ("under8", "13plus"):
        draft = _review_letter(store, ids.review_id, LetterOptions(age_band=band))
        levels[band] = reading_level(
            readable_text(s.text for s in draft.sections), age_band=band, child_age=10
        ).grade
    assert levels["under8"] < levels["13plus"]


@pytest.mark.parametrize("band", ["under4", "under8", "8to12", "13plus"])
def test_the_letters_own_words_use_no_care_jargon(store: CaseloadStore, band: str) -> None:
    _settings(store)
    ids = _sample(store, age=10, next_review_on=NEXT)
    draft = _review_letter(store, ids.review_id, LetterOptions(age_band=band))
    assert [flag.found for _k, _l, text in draft.editable_texts() for flag in find_jargon(text)] \
        == []
    with store.session() as session:
        intro = compose_intro_letter(
            session, ids.child_id, today=TODAY, settings=load_settings(session),
            options=LetterOptions(age_band=band),
        )
    assert [flag.found for _k, _l, text in intro.editable_texts() for flag in find_jargon(text)] \
        == []


def test_the_introduction_letter_says_who_the_iro_is_and_how_to_reach_them(
    store: CaseloadStore,
) -> None:
    _settings(store)
    ids = _sample(store, age=9, next_review_on=NEXT)
    with store.session() as session:
        draft = compose_intro_letter(
            session, ids.child_id, today=TODAY, settings=load_settings(session)
        )
    assert draft.kind == "intro" and draft.review_id is None
    assert draft.title == "Hello from Sam"
    assert [s.heading for s in draft.sections if s.heading] == [
        "About me", "What I do", "Your meetings", "How to get in touch",
    ]
    assert "I have two cats and I love baking" in draft.section("about").text
    assert "I am not your social worker" in draft.section("job").text
    assert "Tuesday 8 June 2027" in draft.section("meetings").text
    assert "- Ring me on 01234 000000" in draft.section("touch").text


def test_a_booked_review_cannot_have_a_review_letter_yet(store: CaseloadStore) -> None:
    _settings(store)
    ids = _sample(store, next_review_on=NEXT)
    with pytest.raises(IroDeskError, match="not been recorded as held"):
        _review_letter(store, ids.next_review_id)


def test_a_household_review_has_no_childs_letter(store: CaseloadStore) -> None:
    with store.session() as session:
        track = CaseTrack(kind="fostering", household_name="Demo household",
                          start_date=dt.date(2025, 1, 1))
        review = Review(track_id=track.id, status="held", held_on=HELD)
        session.add_all([track, review])
    with pytest.raises(IroDeskError, match="not about a child"):
        _review_letter(store, review.id)


def test_a_deleted_child_gets_no_letter(store: CaseloadStore) -> None:
    ids = _sample(store)
    with store.session() as session:
        tombstone(session, session.get(Child, ids.child_id))
    with pytest.raises(IroDeskError, match="child is not in this caseload"):
        _review_letter(store, ids.review_id)


def test_edited_words_round_trip_through_what_is_stored(store: CaseloadStore) -> None:
    _settings(store)
    ids = _sample(store)
    draft = _review_letter(store, ids.review_id).with_text("why", "We met at the café.")
    again = _review_letter(store, ids.review_id).with_paragraphs(draft.paragraphs())
    assert again.section("why").text == "We met at the café."
    assert again.paragraphs() == draft.paragraphs()


@pytest.mark.parametrize(
    ("text", "people"),
    [
        pytest.param("Child, carer, Jo Demo", ["Child", "carer", "Jo Demo"], id="commas"),
        pytest.param("Jo Demo (social worker, North team); Sam", [
            "Jo Demo (social worker, North team)", "Sam"], id="semicolons"),
        pytest.param("Jo Demo (social worker, North team), Sam", [
            "Jo Demo (social worker, North team)", "Sam"], id="commas inside brackets"),
        pytest.param("- Jo\n- Sam\n", ["Jo", "Sam"], id="a list"),
        pytest.param("", [], id="nobody recorded"),
    ],
)
def test_attendees_are_split_into_people(text: str, people: list[str]) -> None:
    assert split_attendees(text) == people


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        pytest.param("Can I stay? — Yes.", [("Can I stay?", "Yes.")], id="dash answer"),
        pytest.param("Can I stay?\nAnswer: Yes.", [("Can I stay?", "Yes.")],
                     id="answer on the next line"),
        pytest.param("Q: Can I stay? A: Yes.", [("Can I stay?", "Yes.")], id="Q and A"),
        pytest.param("Can I stay?\nWhy?", [("Can I stay?", ""), ("Why?", "")],
                     id="no answers"),
    ],
)
def test_questions_and_their_answers_are_paired(text: str, pairs: list[tuple[str, str]]) -> None:
    assert split_questions(text) == pairs


def test_who_was_there_speaks_to_the_child(store: CaseloadStore) -> None:
    _settings(store)
    ids = _sample(store, attendees="Child, carer, Jo Demo (social worker)")
    who = _review_letter(store, ids.review_id).section("who").text
    assert "You came to your meeting and spoke for yourself." in who
    assert who.endswith("- You\n- Your carer\n- Jo Demo (social worker)")


def test_a_child_who_did_not_come_is_not_listed_as_there(store: CaseloadStore) -> None:
    _settings(store)
    ids = _sample(store, participation_code="PN6", attendees="Child, carer, Jo Demo")
    draft = _review_letter(store, ids.review_id)
    who = draft.section("who").text
    assert "You did not come to the meeting" in who
    assert "- You\n" not in who and who.endswith("- Your carer\n- Jo Demo")
    assert any("PN6 says they did not come" in note for note in draft.notes)
