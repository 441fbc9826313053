"""The letter as a PDF: what the child reads, what it must never show, how it is saved."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from iro_desk.cli import main as cli_main
from iro_desk.clock import FixedClock
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.letters.compose import LetterOptions, compose_review_letter
from iro_desk.letters.pdf import CREAM, look_for, render_letter_pdf
from iro_desk.letters.sample import SampleReview, add_sample_review
from iro_desk.letters.service import (
    letter_file_stem,
    make_intro_letter,
    make_review_letter,
    save_letter,
)
from iro_desk.models import Child, Iro, Letter, Review
from iro_desk.settings import load_settings, update_settings
from iro_desk.store import CaseloadStore

TODAY = dt.date(2027, 1, 4)
HELD = dt.date(2026, 12, 14)
NEXT = dt.date(2027, 6, 8)
CLOCK = FixedClock(TODAY)


def _text(pdf: bytes | Path) -> str:
    reader = PdfReader(pdf if isinstance(pdf, Path) else __import__("io").BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def caseload(store: CaseloadStore, tmp_path: Path) -> tuple[CaseloadStore, SampleReview]:
    """Two children on one caseload; the letter is for Tia (DEMO-0042)."""
    with store.session() as session:
        update_settings(
            session,
            council_name="Demo County Council",
            advocacy_service="Demo Advocacy for Children",
            advocacy_contact="0800 000 0000",
            complaints_contact="Demo complaints team, 0800 000 1111",
            letters_folder=str(tmp_path / "letters"),
        )
        tia = add_sample_review(session, held_on=HELD, age=9, next_review_on=NEXT)
        add_sample_review(
            session, held_on=HELD, age=11, child_ref="DEMO-0099", first_name="Oswaldo",
            last_name="Otherchild", preferred_name="Ozzy",
            child_views="I want to live with Grandad Otherchild.",
            wishes_feelings="Ozzy's own words.", questions="Is Ozzy's question answered?",
            decisions=[("Ozzy's decision about his bike", "Carer", 10)],
        )
    return store, tia


def test_the_letter_holds_name_decisions_next_meeting_and_how_to_get_help(
    caseload: tuple[CaseloadStore, SampleReview],
) -> None:
    store, tia = caseload
    made = make_review_letter(store, tia.review_id, clock=CLOCK)
    text = _text(made.path)
    assert "Dear Tia," in text
    with store.session() as session:
        decisions = session.exec(
            select(Review).where(Review.id == tia.review_id)
        ).one()
        from iro_desk.models import Decision

        for decision in session.exec(
            select(Decision).where(Decision.review_id == decisions.id)
        ).all():
            assert decision.text in text
    assert "Your social worker will do this by 4 January 2027" in text
    assert "Tuesday 8 June 2027" in text
    for detail in ("01234 000000", "sam.demo@council.invalid", "Demo Advocacy for Children",
                   "0800 000 0000", "Demo complaints team, 0800 000 1111",
                   "Demo County Council"):
        assert detail in text
    assert "Page 1 of" in text


def test_the_letter_shows_nothing_of_another_child(
    caseload: tuple[CaseloadStore, SampleReview],
) -> None:
    store, tia = caseload
    made = make_review_letter(store, tia.review_id, clock=CLOCK)
    text = _text(made.path)
    reader = PdfReader(made.path)
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    for other in ("Oswaldo", "Otherchild", "Ozzy", "DEMO-0099", "bike"):
        assert other not in text
        assert other not in metadata
    assert "Tiana" not in text and "Example" not in text  # not even her own legal name


def test_pdf_is_a4_with_embedded_fonts_and_title_author_language(
    caseload: tuple[CaseloadStore, SampleReview],
) -> None:
    store, tia = caseload
    made = make_review_letter(store, tia.review_id, clock=CLOCK)
    reader = PdfReader(made.path)
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert reader.metadata.title == "A letter for Tia: Your review meeting on 14 December 2026"
    assert reader.metadata.author == "Sam Demo"
    assert str(reader.trailer["/Root"]["/Lang"]) == "en-GB"
    fonts = {}
    for each in reader.pages:
        for font in each["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts, "the letter has text"
    for name, font in fonts.items():
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"


def test_making_the_letter_saves_it_and_records_it_on_the_review(
    caseload: tuple[CaseloadStore, SampleReview], tmp_path: Path,
) -> None:
    store, tia = caseload
    made = make_review_letter(store, tia.review_id, clock=CLOCK)
    assert made.path == tmp_path / "letters" / "2027-01-04 review letter DEMO-0042 T.pdf"
    if os.name == "posix":
        assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    with store.session() as session:
        letter = session.get(Letter, made.letter_id)
        assert letter.kind == "review" and letter.review_id == tia.review_id
        assert letter.file_name == made.path.name
        assert letter.made_at == CLOCK.now()
        assert json.loads(letter.options_json) == {
            "age_band": "8to12", "large_print": False, "dyslexia": False,
        }
        paragraphs = json.loads(letter.paragraphs_json)
        assert paragraphs["greeting"] == "Dear Tia,"
        assert [s["key"] for s in paragraphs["sections"]][-1] == "not_happy"
        assert session.get(Review, tia.review_id).letter_made_on == TODAY
    again = make_review_letter(store, tia.review_id, clock=CLOCK)
    assert again.path.name == "2027-01-04 review letter DEMO-0042 T (2).pdf"
    assert made.path.exists()


def test_edits_are_what_is_printed_and_kept(
    caseload: tuple[CaseloadStore, SampleReview],
) -> None:
    store, tia = caseload
    with store.session() as session:
        settings = load_settings(session)
        draft = compose_review_letter(session, tia.review_id, today=TODAY, settings=settings)
    draft = draft.with_text("why", "We met in the library because you chose it.")
    made = save_letter(store, draft, clock=CLOCK, settings=settings)
    assert "We met in the library because you chose it." in _text(made.path)
    with store.session() as session:
        kept = json.loads(session.get(Letter, made.letter_id).paragraphs_json)
    assert kept["sections"][1]["text"] == "We met in the library because you chose it."


def test_a_letter_naming_another_child_is_refused_and_nothing_is_written(
    caseload: tuple[CaseloadStore, SampleReview], tmp_path: Path,
) -> None:
    store, tia = caseload
    with store.session() as session:
        settings = load_settings(session)
        draft = compose_review_letter(session, tia.review_id, today=TODAY, settings=settings)
    draft = draft.with_text("who", "You, your carer and Ozzy Otherchild came.")
    with pytest.raises(ValidationError, match="names another child") as caught:
        save_letter(store, draft, clock=CLOCK, settings=settings)
    assert "Ozzy Otherchild" in str(caught.value)
    assert not list((tmp_path / "letters").glob("*.pdf")) if (tmp_path / "letters").exists() \
        else True
    with store.session() as session:
        assert session.exec(select(Letter)).all() == []
        assert session.get(Review, tia.review_id).letter_made_on is None


HOSTILE = [
    "<script>alert('hi')</script>",
    "O'Brien & Co",
    "'; DROP TABLE child;--",
    "<b>not bold</b> &amp; <font name=x>",
    "I ❤ my cat",
    "“Already quoted”",
]


@pytest.mark.parametrize(
    "words", HOSTILE, ids=["script", "ampersand", "sql", "markup", "symbol", "quoted"]
)
def test_a_childs_words_print_exactly_as_typed(
    caseload: tuple[CaseloadStore, SampleReview], words: str,
) -> None:
    store, tia = caseload
    with store.session() as session:
        review = session.get(Review, tia.review_id)
        review.child_views = words
        session.add(review)
    made = make_review_letter(store, tia.review_id, clock=CLOCK)
    expected = words if words.startswith("“") else f"“{words}”"
    assert expected in _text(made.path)
    with store.session() as session:
        assert len(session.exec(select(Child)).all()) == 2  # the table is still there


def test_characters_no_font_can_draw_are_pointed_out(
    caseload: tuple[CaseloadStore, SampleReview],
) -> None:
    from iro_desk.letters.service import check_letter

    store, tia = caseload
    with store.session() as session:
        draft = compose_review_letter(
            session, tia.review_id, today=TODAY, settings=load_settings(session)
        ).with_text("told", "You said: “I love my cat 😀🐈”")
    notes = check_letter(draft).notes
    assert any("cannot be printed" in note and "🐈" in note and "😀" not in note
               for note in notes)
    assert render_letter_pdf(draft).startswith(b"%PDF")


def test_a_letter_for_a_child_under_four_prints(store: CaseloadStore, tmp_path: Path) -> None:
    with store.session() as session:
        update_settings(session, letters_folder=str(tmp_path / "letters"))
        baby = add_sample_review(
            session, held_on=HELD, age=1, participation_code="PN0", preferred_name="Bea",
            first_name="Beatrix", questions="", wishes_feelings="Bea crawled over to show me "
            "her toy rabbit.",
        )
    made = make_review_letter(store, baby.review_id, clock=CLOCK)
    text = _text(made.path)
    assert "A letter for you to read when you are older" in text
    assert "You were 1 year old when I wrote this letter" in text
    assert "This was me" in text


def test_the_introduction_letter_prints_photo_about_me_and_contact(
    caseload: tuple[CaseloadStore, SampleReview], tmp_path: Path,
) -> None:
    store, tia = caseload
    made = make_intro_letter(store, tia.child_id, clock=CLOCK)
    assert made.path.name == "2027-01-04 introduction letter DEMO-0042 T.pdf"
    text = _text(made.path)
    for words in ("Hello from Sam", "About me", "I have two cats", "What I do",
                  "How to get in touch", "01234 000000", "Tuesday 8 June 2027"):
        assert words in text
    reader = PdfReader(made.path)
    images = [image for page in reader.pages for image in page.images]
    assert images, "the IRO's photo is on the letter"
    with store.session() as session:
        assert session.get(Letter, made.letter_id).kind == "intro"


def test_no_photo_shows_initials_and_an_unreadable_photo_is_pointed_out(
    caseload: tuple[CaseloadStore, SampleReview],
) -> None:
    from iro_desk.letters.service import check_letter

    store, tia = caseload
    with store.session() as session:
        iro = session.get(Iro, tia.iro_id)
        iro.photo = b"not a picture"
        session.add(iro)
        draft = compose_review_letter(
            session, tia.review_id, today=TODAY, settings=load_settings(session)
        )
    assert "SD" in _text(render_letter_pdf(draft))
    assert any("photo cannot be read" in note for note in check_letter(draft).notes)


def test_large_print_and_dyslexia_friendly_layouts(
    caseload: tuple[CaseloadStore, SampleReview],
) -> None:
    store, tia = caseload
    with store.session() as session:
        settings = load_settings(session)
        normal = compose_review_letter(session, tia.review_id, today=TODAY, settings=settings)
    large = normal.with_options(LetterOptions("8to12", large_print=True))
    dyslexia = normal.with_options(LetterOptions("8to12", dyslexia=True))
    assert look_for(large).size >= 16
    assert look_for(dyslexia).background == CREAM
    assert look_for(dyslexia).font == "DejaVuSans"
    assert not look_for(dyslexia).italic_quotes
    assert look_for(dyslexia).leading >= 1.5 * look_for(dyslexia).size
    pages = {
        name: len(PdfReader(__import__("io").BytesIO(render_letter_pdf(d))).pages)
        for name, d in (("normal", normal), ("large", large))
    }
    assert pages["large"] > pages["normal"]
    assert "Dear Tia," in _text(render_letter_pdf(dyslexia))


@pytest.mark.parametrize(
    ("ref", "name", "stem"),
    [
        ("DEMO-0042", "Tia", "2027-01-04 review letter DEMO-0042 T"),
        ("AB/123 45", "Élodie", "2027-01-04 review letter AB-123-45"),
        ("", "Kai", "2027-01-04 review letter child K"),
    ],
    ids=["usual", "odd characters in the ID", "no ID"],
)
def test_file_names_never_hold_the_childs_name(ref: str, name: str, stem: str) -> None:
    draft = type("D", (), {"kind": "review", "child_ref": ref, "child_name": name,
                           "letter_date": TODAY})()
    assert letter_file_stem(draft) == stem  # type: ignore[arg-type]


def test_command_line_makes_review_and_intro_letters(
    caseload: tuple[CaseloadStore, SampleReview], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, tia = caseload
    store.close()
    out = tmp_path / "out" / "letter.pdf"
    db = str(store.path)
    code = cli_main(["letter", "--db", db, "--review", tia.review_id.hex[:8], "--out", str(out),
                     "--age-band", "13plus", "--large-print", "--today", "2027-01-04"])
    assert code == 0
    printed = capsys.readouterr().out
    assert f"written to {out}" in printed and "Reading age about" in printed
    assert "Hi Tia," in _text(out)
    code = cli_main(["letter", "--db", db, "--intro", "DEMO-0042", "--json",
                     "--today", "2027-01-04"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert Path(result["path"]).name == "2027-01-04 introduction letter DEMO-0042 T.pdf"
    code = cli_main(["letter", "--db", db, "--mark-sent", result["letter_id"][:8],
                     "--on", "2027-01-05"])
    assert code == 0
    reopened = CaseloadStore.open(store.path)
    with reopened.session() as session:
        letter = session.get(Letter, uuid.UUID(result["letter_id"]))
        assert letter.sent_on == dt.date(2027, 1, 5)
        assert session.get(Review, tia.review_id).letter_made_on == TODAY
        assert letter.file_name == Path(result["path"]).name
    reopened.close()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--review", "abc"], 2, "at least its first 8 characters"),
        (["--review", "00000000"], 1, "No review in this caseload"),
        (["--intro", "DEMO-9999"], 2, "No child has the child ID"),
    ],
    ids=["prefix too short", "no such review", "no such child"],
)
def test_command_line_errors_say_what_to_do(
    caseload: tuple[CaseloadStore, SampleReview], args: list[str], code: int, message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, _tia = caseload
    store.close()
    assert cli_main(["letter", "--db", str(store.path), *args]) == code
    assert message in capsys.readouterr().err


def test_an_unwritable_letters_folder_is_a_clear_error(
    caseload: tuple[CaseloadStore, SampleReview], tmp_path: Path,
) -> None:
    store, tia = caseload
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(IroDeskError, match="could not be written"):
        make_review_letter(store, tia.review_id, clock=CLOCK, out=blocker / "letter.pdf")
    with store.session() as session:
        assert session.exec(select(Letter)).all() == []


def test_the_councils_logo_from_settings_is_printed(
    caseload: tuple[CaseloadStore, SampleReview],
) -> None:
    import base64

    from iro_desk.letters.sample import sample_portrait_png

    store, tia = caseload
    with store.session() as session:
        update_settings(session, council_logo=base64.b64encode(sample_portrait_png(60)).decode())
    made = make_review_letter(store, tia.review_id, clock=CLOCK)
    first_page = PdfReader(made.path).pages[0]
    assert len(first_page.images) == 2  # the logo and the IRO's photo


def test_a_logo_that_is_not_an_image_is_a_clear_error(
    caseload: tuple[CaseloadStore, SampleReview],
) -> None:
    store, tia = caseload
    with store.session() as session:
        update_settings(session, council_logo="this is not base64!")
    with pytest.raises(IroDeskError, match="council logo"):
        make_review_letter(store, tia.review_id, clock=CLOCK)
