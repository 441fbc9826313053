"""Language checks for children's letters: care jargon flagged with kinder words, reading level."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from iro_desk.errors import IroDeskError
from iro_desk.letters import resources_dir
from iro_desk.letters.language import (
    JargonTerm,
    apply_suggestion,
    find_jargon,
    load_terms,
    readable_text,
    reading_level,
)


def test_the_language_list_ships_with_the_app_and_matches_the_shared_list() -> None:
    shipped = resources_dir() / "language-that-cares.csv"
    assert shipped.exists()
    terms = {t.term: t.prefer for t in load_terms()}
    assert terms["placement"] == "home"
    assert terms["contact"] == "family time"
    assert terms["care plan"] == "your plan"
    assert len(terms) >= 45


def test_contact_and_placement_are_flagged_with_family_time_and_home() -> None:
    text = "We talked about contact with your mum and your placement with Sam and Alex."
    flags = find_jargon(text)
    assert [(f.found, f.suggestion) for f in flags] == [
        ("contact", "family time"),
        ("placement", "home"),
    ]
    contact = flags[0]
    assert text[contact.position : contact.end] == "contact"
    assert contact.note.startswith("or name it")
    assert contact.button_text == "Use 'family time'"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("Your care plan says so.", ["care plan"], id="phrase wins over its word"),
        pytest.param("The contact arrangements changed.", ["contact arrangements"],
                     id="longest phrase first"),
        pytest.param("Your contact centre visit.", ["contact centre"], id="contact centre"),
        pytest.param("PLACEMENT ended", ["PLACEMENT"], id="any case"),
        pytest.param("placements and placement", ["placements", "placement"],
                     id="plural is its own term"),
        pytest.param("Your care\nplan", ["care\nplan"], id="phrase broken over two lines"),
        pytest.param("We made a plan.", [], id="plan alone is fine"),
        pytest.param("Replacement shoes, contacted school, misplacement", [],
                     id="whole words only"),
        pytest.param("Your LAC review", ["LAC review"], id="acronym phrase"),
        pytest.param("a lac of sleep, la la la, a pep talk", [],
                     id="acronyms only in capitals"),
        pytest.param("I spoke to the child's carer", ["the child's"],
                     id="write to the child not about them"),
    ],
)
def test_jargon_is_found_as_whole_words(text: str, found: list[str]) -> None:
    assert [flag.found for flag in find_jargon(text)] == found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Your placement is going well.", "Your home is going well.", id="mid"),
        pytest.param("Placement is going well.", "Home is going well.",
                     id="capital at the start of a sentence"),
        pytest.param("Next: LAC review soon.", "Next: Your review meeting soon.",
                     id="acronym at a sentence start"),
        pytest.param("You are LAC now.", "You are children in care now.",
                     id="acronym inside a sentence stays lower case"),
    ],
)
def test_a_suggestion_replaces_only_that_word(text: str, expected: str) -> None:
    flag = find_jargon(text)[0]
    assert apply_suggestion(text, flag) == expected


def test_accepting_one_suggestion_leaves_the_other_occurrences_alone() -> None:
    text = "contact on Monday, contact on Friday"
    second = find_jargon(text)[1]
    assert apply_suggestion(text, second) == "contact on Monday, family time on Friday"


def test_a_stale_flag_is_refused_instead_of_changing_the_wrong_words() -> None:
    text = "Your placement is good."
    flag = find_jargon(text)[0]
    with pytest.raises(IroDeskError, match="changed"):
        apply_suggestion("Hello! " + text, flag)


def test_a_missing_language_list_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IroDeskError, match="cannot be read"):
        load_terms(tmp_path / "missing.csv")


def test_a_council_list_can_replace_the_shipped_one(tmp_path: Path) -> None:
    own = tmp_path / "list.csv"
    shutil.copy(resources_dir() / "language-that-cares.csv", own)
    with own.open("a", encoding="utf-8") as handle:
        handle.write("reviewing panel,your meeting,\n")
    terms = load_terms(own)
    assert JargonTerm("reviewing panel", "your meeting", "") in terms
    assert [f.suggestion for f in find_jargon("The reviewing panel met.", terms)] == [
        "your meeting"
    ]


PLAIN = (
    "We met to check you are happy. You like your school. You want to see your mum more. "
    "Jo will ask about swimming. Your next meeting is in June."
)
DENSE = (
    "The multi-agency professionals considered the permanence arrangements and determined "
    "that the statutory requirements concerning contact arrangements necessitated further "
    "consideration by the independent reviewing officer prior to any recommendation."
)


@pytest.mark.parametrize(
    ("band", "age", "text", "too_hard"),
    [
        pytest.param("under8", 6, PLAIN, False, id="plain words for a six-year-old"),
        pytest.param("under8", 6, DENSE, True, id="report language for a six-year-old"),
        pytest.param("8to12", 10, DENSE, True, id="report language for a ten-year-old"),
        pytest.param("13plus", 16, PLAIN, False, id="plain words for a sixteen-year-old"),
        pytest.param("13plus", 16, DENSE, True, id="even a young adult deserves plain words"),
        pytest.param("under4", 2, PLAIN, False, id="a letter to read when older"),
    ],
)
def test_reading_level_is_shown_against_the_childs_age(
    band: str, age: int, text: str, too_hard: bool
) -> None:
    level = reading_level(text, age_band=band, child_age=age)
    assert level.too_hard is too_hard
    line = level.describe("Tia")
    assert f"Reading age about {level.reading_age}" in line
    if band == "under4":
        assert "to read when older" in line
    else:
        assert f"Tia is {age}" in line
    assert ("far above" in line) is too_hard


def test_the_childs_quoted_words_and_contact_details_are_not_measured() -> None:
    text = readable_text(
        [
            "At the meeting you said:\n“Antidisestablishmentarianism is extraordinarily "
            "complicated.”",
            "- Ring me on 01234 000000\n- Email me at someone@council.invalid",
        ]
    )
    assert "Antidisestablishmentarianism" not in text
    assert "01234" not in text and "@" not in text
    assert text.startswith("At the meeting you said.")
