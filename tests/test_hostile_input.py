"""Hostile input through the imports, the recording functions, the CLI and the letter PDF.

Whatever is typed, pasted from Word or sent in a council's extract is kept as text (SQL stays
text, markup stays characters), tidied only as ``recording.clean_text`` says, or refused with a
message that says what to fix; the caseload is intact afterwards and nothing is cut short.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shlex
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlmodel import select

from iro_desk import recording
from iro_desk.cli import main
from iro_desk.clock import FixedClock
from iro_desk.csv_import import cell_text, import_extract, parse_extract
from iro_desk.errors import ValidationError
from iro_desk.interchange import caseload_document, document_text, import_caseload_file
from iro_desk.letters.compose import compose_review_letter
from iro_desk.letters.pdf import render_letter_pdf
from iro_desk.letters.sample import add_sample_review
from iro_desk.letters.service import make_review_letter
from iro_desk.models import CareEpisode, CaseTrack, Child, Decision, Person, Review, Visit
from iro_desk.recording import MAX_LINE, MAX_LONG_TEXT, DecisionInput, ReviewInput, VisitInput
from iro_desk.settings import load_settings
from iro_desk.store import CaseloadStore

TODAY = dt.date(2027, 1, 4)
HEADER = [
    "child_id", "first_name", "last_name", "preferred_name", "dob", "legal_status",
    "episode_start", "placement", "social_worker", "last_review_date", "ethnicity",
]
GOOD_CELLS = [
    "DEMO-0001", "Ada", "Example", "Addy", "14/03/2012", "C2", "02/09/2021", "Demo foster home",
    "Sam Sample", "15/06/2026", "White British",
]

# (text, kept exactly): text that is printable as it stands is kept character for character;
# the rest is kept as recording.clean_text tidies it.
HOSTILE = [
    pytest.param("Robert'); DROP TABLE child;--", True, id="sql-injection"),
    pytest.param("x' OR '1'='1", True, id="sql-always-true"),
    pytest.param("<b>bold</b><script>alert(1)</script>", True, id="html-and-script"),
    pytest.param('<img src="x" onerror="alert(1)">', True, id="html-attribute"),
    pytest.param(
        '<para autoLeading="max"><font color="red" size="40">big</font></para>', True,
        id="reportlab-para-and-font",
    ),
    pytest.param("Tom &amp; Jerry &lt;3 &#60; &nbsp; & <", True, id="entities-and-ampersands"),
    pytest.param("O’Neill said “hello” – ‘bye’ — …", True, id="word-smart-quotes-and-dashes"),
    pytest.param("Tia\u00a0Rose\u202fSmith", False, id="word-non-breaking-spaces"),
    pytest.param("Ti\u200ba Ro\u00adse\ufeff", False, id="zero-width-soft-hyphen-bom"),
    pytest.param("line one\u2028line two\u2029line three", False, id="unicode-line-separators"),
    pytest.param("Name:\tTia\tAge:\t9", True, id="tabs"),
    pytest.param("first\r\nsecond\rthird", False, id="crlf-and-cr"),
    pytest.param("Tia\x00Rose\x07\x1b[31m\x7f", False, id="nul-and-control-characters"),
    pytest.param("مريم أحمد שלום", True, id="right-to-left"),
    pytest.param("Tia\u202eesoR", True, id="right-to-left-override"),
    pytest.param("Tia 😀 👨\u200d👩\u200d👧 ❤️", True, id="emoji-with-joiners"),
    pytest.param("Sia\u0302n Zoe\u0308", False, id="combining-accents"),
    pytest.param(r"C:\temp\(x) %PDF-1.4 endobj \n", True, id="backslashes-and-pdf-syntax"),
    pytest.param("%s %d {0} {name} $(rm -rf ~)", True, id="format-strings-and-shell"),
]


def _cells(**changes: str) -> list[str]:
    row = dict(zip(HEADER, GOOD_CELLS, strict=True))
    row.update(changes)
    return [row[column] for column in HEADER]


def _csv(*rows: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def _import_csv(store: CaseloadStore, text: str) -> None:
    rows = parse_extract(text, today=TODAY, source="extract.csv")
    import_extract(store, rows, today=TODAY, source="extract.csv")


def assert_caseload_intact(store: CaseloadStore, *, children: int) -> None:
    """The file passes SQLite's check, its tables are there and it holds ``children``."""
    with store.session() as session:
        assert session.execute(sa.text("PRAGMA quick_check")).scalar_one() == "ok"
        tables = set(session.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )).scalars())
        assert {"child", "review", "decision", "visit", "change_log"} <= tables
        assert session.execute(sa.text("SELECT count(*) FROM child")).scalar_one() == children


# --- (a) the council's CSV extract ----------------------------------------------------------------


@pytest.mark.parametrize(("text", "exact"), HOSTILE)
def test_csv_import_keeps_hostile_text_as_text(
    store: CaseloadStore, text: str, exact: bool
) -> None:
    expected = cell_text(text)
    if exact and "\t" not in text:
        assert expected == text
    second = _cells(
        child_id="DEMO-0002", first_name=text, last_name=f"{text} Example", preferred_name=text,
        placement=text, social_worker=text, ethnicity=text,
    )
    _import_csv(store, _csv(_cells(), second))
    assert_caseload_intact(store, children=2)
    with store.session() as session:
        child = session.exec(select(Child).where(Child.child_ref == "DEMO-0002")).one()
        episode = session.exec(select(CareEpisode).where(CareEpisode.child_id == child.id)).one()
        worker = session.exec(select(Person).where(Person.child_id == child.id)).one()
    assert child.first_name == expected
    assert child.last_name == cell_text(f"{text} Example")
    assert child.preferred_name == expected
    assert child.ethnicity == expected
    assert episode.placement_name == expected
    assert worker.name == expected


def test_csv_import_of_a_word_paste_tidies_it_to_what_was_meant(store: CaseloadStore) -> None:
    row = _cells(
        first_name="\ufeffTi\u200ba\u00a0Rose", last_name="O’Neill\x00",
        preferred_name="  Tia\r\n  ", placement="Oak\u2028Lane\tHome",
    )
    _import_csv(store, _csv(row))
    with store.session() as session:
        child = session.exec(select(Child)).one()
        episode = session.exec(select(CareEpisode)).one()
    assert (child.first_name, child.last_name, child.preferred_name) == (
        "Tia Rose", "O’Neill", "Tia"
    )
    assert episode.placement_name == "Oak Lane Home"


@pytest.mark.parametrize(
    ("cells", "why"),
    [
        pytest.param(
            {"first_name": "   "},
            "first_name holds only spaces or invisible characters; correct it in the council's "
            "system",
            id="name-only-spaces",
        ),
        pytest.param(
            {"last_name": "\u200b\u00a0\t\u200b"},
            "last_name holds only spaces or invisible characters",
            id="name-only-invisible-characters",
        ),
        pytest.param(
            {"first_name": "\x00\x00"},
            "first_name holds only spaces or invisible characters",
            id="name-only-nul",
        ),
        pytest.param(
            {"first_name": "x" * 100_000},
            "first_name is 100,000 characters long; the most IRO Desk keeps is 1,000",
            id="name-100000-characters",
        ),
        pytest.param(
            {"placement": "y" * (MAX_LINE + 1)},
            "placement is 1,001 characters long; the most IRO Desk keeps is 1,000",
            id="placement-one-over-the-limit",
        ),
        pytest.param(
            {"child_id": "DEMO-" + "9" * 200},
            "child_id is 205 characters long; the most IRO Desk keeps is 100",
            id="child-id-too-long",
        ),
        pytest.param(
            {"dob": "14/03/2030"}, "dob '14/03/2030' is in the future", id="dob-in-the-future"
        ),
        pytest.param(
            {"dob": "14/03/1997", "episode_start": "02/09/2010", "last_review_date": ""},
            "dob 14/03/1997 makes the child 29 today; children in care and care leavers are "
            "under 26, so check the date of birth",
            id="dob-makes-the-child-29",
        ),
        pytest.param(
            {"dob": "14/03/2000", "episode_start": "02/09/2021"},
            "episode_start 02/09/2021 is after the child's 18th birthday (dob 14/03/2000): a "
            "period of care starts before 18, so check both dates",
            id="care-starting-at-21",
        ),
        pytest.param(
            {"dob": "14/03/2022"},
            "dob 14/03/2022 is after episode_start 02/09/2021",
            id="born-after-coming-into-care",
        ),
        pytest.param(
            {"last_review_date": "01/01/2011"},
            "last_review_date 01/01/2011 is before episode_start 02/09/2021",
            id="review-before-birth-and-care",
        ),
        pytest.param(
            {"dob": "31/02/2015"}, "dob '31/02/2015' is not a date", id="dob-no-such-day"
        ),
        pytest.param(
            {"dob": "<script>"},
            "dob '<script>' is not a date in an accepted format",
            id="dob-markup",
        ),
    ],
)
def test_csv_import_refuses_bad_cells_saying_what_to_fix(
    store: CaseloadStore, cells: dict[str, str], why: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _import_csv(store, _csv(_cells(), _cells(**{"child_id": "DEMO-0002", **cells})))
    message = str(caught.value)
    assert "nothing was imported" in message
    assert "row 3" in message and why in message
    assert "row 2 " not in message, "the good row is not named"
    assert_caseload_intact(store, children=0)


def test_csv_import_refusals_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text(
        _csv(_cells(), _cells(child_id="DEMO-0002", dob="01/01/1990", episode_start="01/01/2010",
                              last_review_date="")),
        encoding="utf-8",
    )
    db = tmp_path / "caseload.irodesk"
    assert main(["import-csv", str(extract), "--db", str(db), "--today", "2027-01-04"]) == 2
    err = capsys.readouterr().err
    assert "row 3 (child ID DEMO-0002)" in err
    assert "dob 01/01/1990 makes the child 37 today" in err
    assert "episode_start 01/01/2010 is after the child's 18th birthday" in err
    assert not db.exists(), "a refused extract leaves no new caseload behind"


def test_an_extract_of_a_care_leaver_aged_25_is_accepted(store: CaseloadStore) -> None:
    _import_csv(store, _csv(_cells(dob="05/01/2001", episode_start="02/09/2018",
                                   last_review_date="")))
    assert_caseload_intact(store, children=1)


# --- (a) the JSON export / import ----------------------------------------------------------------


def _export_with(store: CaseloadStore, tmp_path: Path, text: str) -> Path:
    """An export whose child's name and review notes are ``text`` exactly (a copy keeps all)."""
    with store.session() as session:
        child = Child(child_ref="DEMO-0001", first_name="Tia", last_name="Example",
                      dob=dt.date(2015, 3, 14))
        track = CaseTrack(kind="cla", child_id=child.id, start_date=dt.date(2025, 1, 6))
        review = Review(track_id=track.id, child_id=child.id, status="held",
                        held_on=dt.date(2026, 12, 14), participation_code="PN1")
        session.add_all([child, track, review])
    with store.session() as session:
        document = caseload_document(session)
    for row in document["tables"]["child"]:
        row["first_name"] = text
    for row in document["tables"]["review"]:
        row["child_views"] = text
        row["iro_summary"] = text
    path = tmp_path / "export.json"
    path.write_text(document_text(document), encoding="utf-8")
    return path


def _import_json(json_path: Path, db_path: Path) -> None:
    def open_target() -> CaseloadStore:
        return CaseloadStore.create(db_path, actor="test-iro")

    import_caseload_file(json_path, db_path, open_target)


@pytest.mark.parametrize(("text", "exact"), HOSTILE)
def test_json_import_copies_hostile_text_exactly(
    store: CaseloadStore, tmp_path: Path, text: str, exact: bool
) -> None:
    exported = _export_with(store, tmp_path, text)
    target_path = tmp_path / "copy.irodesk"
    _import_json(exported, target_path)
    with CaseloadStore.open(target_path, actor="test-iro") as target:
        assert_caseload_intact(target, children=1)
        with target.session() as session:
            assert session.exec(select(Child)).one().first_name == text
            review = session.exec(select(Review)).one()
            assert (review.child_views, review.iro_summary) == (text, text)


def test_json_import_keeps_a_100000_character_note_whole(
    store: CaseloadStore, tmp_path: Path
) -> None:
    note = ("The child's own words, kept whole. " * 3000)[:MAX_LONG_TEXT]
    exported = _export_with(store, tmp_path, note)
    target_path = tmp_path / "copy.irodesk"
    _import_json(exported, target_path)
    with CaseloadStore.open(target_path, actor="test-iro") as target, target.session() as session:
        assert session.exec(select(Review)).one().child_views == note


def test_json_with_a_broken_character_is_refused_naming_the_row_and_column(
    store: CaseloadStore, tmp_path: Path
) -> None:
    exported = _export_with(store, tmp_path, "Tia")
    text = exported.read_text(encoding="utf-8").replace('"first_name": "Tia"',
                                                       '"first_name": "Ti\\ud800a"')
    assert "\\ud800" in text
    exported.write_text(text, encoding="utf-8")
    target_path = tmp_path / "copy.irodesk"
    with pytest.raises(ValidationError) as caught:
        _import_json(exported, target_path)
    message = str(caught.value)
    assert "nothing was imported" in message
    assert "tables.child[0]" in message
    assert "first_name: holds a broken character (an unpaired \\ud800, at character 3)" in message
    message.encode("utf-8")  # the message itself can be shown and logged
    assert not target_path.exists(), "a refused import leaves no new caseload behind"


def test_json_with_a_broken_character_in_a_setting_is_refused(
    store: CaseloadStore, tmp_path: Path
) -> None:
    exported = _export_with(store, tmp_path, "Tia")
    document = json.loads(exported.read_text(encoding="utf-8"))
    document["settings"]["council_name"] = "Demo\ud800 Council"
    exported.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        _import_json(exported, tmp_path / "copy.irodesk")
    assert "settings.council_name" in caught.value.problems
    assert "broken character" in caught.value.problems["settings.council_name"]


# --- (b) recording reviews and visits -------------------------------------------------------------


def add_child(store: CaseloadStore) -> tuple[uuid.UUID, uuid.UUID]:
    """Tess, 6, in care since 2 Mar 2026; returns (child id, track id)."""
    with store.session() as session:
        child = Child(child_ref="DEMO-0001", first_name="Tess", last_name="Demo",
                      dob=dt.date(2020, 6, 1))
        episode = CareEpisode(child_id=child.id, start_date=dt.date(2026, 3, 2),
                              legal_status="C2")
        track = CaseTrack(kind="cla", child_id=child.id, episode_id=episode.id,
                          start_date=episode.start_date)
        session.add_all([child, episode, track])
    return child.id, track.id


def review_with(**changes: object) -> ReviewInput:
    base: dict[str, object] = {
        "held_on": dt.date(2026, 12, 14),
        "participation_code": "PN1",
        "venue": "Demo Family Centre",
        "child_views": "I like my school.",
        "iro_summary": "Settled.",
    }
    base.update(changes)
    return ReviewInput(**base)


@pytest.mark.parametrize(("text", "exact"), HOSTILE)
def test_a_review_keeps_hostile_text_as_typed(
    store: CaseloadStore, text: str, exact: bool
) -> None:
    _, track_id = add_child(store)
    details = review_with(
        venue=text, attendees=text, child_views=text, iro_summary=text,
        decisions=[DecisionInput(text=text, responsible=text, due_on=dt.date(2027, 2, 1))],
    )
    with store.session() as session:
        review_id = recording.record_review(
            session, track_id=track_id, details=details, today=TODAY
        ).id
    many_lines = recording.clean_text(text)
    one_line = recording.clean_text(text, multiline=False)
    if exact:
        assert many_lines == text
    with store.session() as session:
        review = session.get(Review, review_id)
        decision = session.exec(select(Decision)).one()
    assert (review.child_views, review.iro_summary, review.attendees) == (many_lines,) * 3
    assert review.venue == one_line
    assert (decision.text, decision.responsible) == (many_lines, one_line)
    assert_caseload_intact(store, children=1)


@pytest.mark.parametrize(("text", "exact"), HOSTILE)
def test_a_visit_keeps_hostile_text_as_typed(
    store: CaseloadStore, text: str, exact: bool
) -> None:
    child_id, _ = add_child(store)
    details = VisitInput(
        visit_date=dt.date(2026, 12, 28), location=text, wishes_feelings=text, worries=text,
        questions=text, follow_up=text,
    )
    with store.session() as session:
        recording.record_visit(session, child_id=child_id, details=details, today=TODAY)
    with store.session() as session:
        visit = session.exec(select(Visit)).one()
    words = recording.clean_text(text)
    assert (visit.wishes_feelings, visit.worries, visit.questions, visit.follow_up) == (
        (words,) * 4
    )
    assert visit.location == recording.clean_text(text, multiline=False)


def test_a_100000_character_note_is_kept_whole(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    views = ("I want to stay here.\n" * 5000)[: MAX_LONG_TEXT - 1] + "!"
    assert len(views) == MAX_LONG_TEXT
    with store.session() as session:
        review_id = recording.record_review(
            session, track_id=track_id, details=review_with(child_views=views), today=TODAY
        ).id
    with store.session() as session:
        assert session.get(Review, review_id).child_views == views


@pytest.mark.parametrize(
    ("field", "size", "why"),
    [
        pytest.param("child_views", MAX_LONG_TEXT + 1,
                     "The child's views is 100,001 characters long; the most IRO Desk keeps is "
                     "100,000.", id="views-one-over"),
        pytest.param("iro_summary", 250_000,
                     "The summary is 250,000 characters long; the most IRO Desk keeps is "
                     "100,000.", id="summary-a-pasted-file"),
        pytest.param("venue", 100_000,
                     "The venue is 100,000 characters long; the most IRO Desk keeps is 1,000.",
                     id="venue-100000"),
    ],
)
def test_too_long_text_is_refused_naming_the_limit_never_cut_short(
    store: CaseloadStore, field: str, size: int, why: str
) -> None:
    _, track_id = add_child(store)
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.record_review(
            session, track_id=track_id, details=review_with(**{field: "x" * size}), today=TODAY
        )
    assert caught.value.problems == {field: why}
    with store.session() as session:
        assert session.exec(select(Review)).all() == [], "nothing was saved, not even cut short"


def test_a_visit_note_over_the_limit_is_refused(store: CaseloadStore) -> None:
    child_id, _ = add_child(store)
    details = VisitInput(visit_date=dt.date(2026, 12, 28), worries="w" * (MAX_LONG_TEXT + 5))
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.record_visit(session, child_id=child_id, details=details, today=TODAY)
    assert caught.value.problems == {
        "worries": "Worries is 100,005 characters long; the most IRO Desk keeps is 100,000."
    }


@pytest.mark.parametrize(
    "blank", ["   ", "\u200b\u200b", "\t\r\n\u00a0", "\x00\x07"],
    ids=["spaces", "zero-width-spaces", "whitespace-mix", "control-characters"],
)
def test_a_decision_of_only_blank_characters_is_refused(
    store: CaseloadStore, blank: str
) -> None:
    _, track_id = add_child(store)
    details = review_with(
        decisions=[DecisionInput(text=blank, responsible=blank, due_on=dt.date(2027, 2, 1))]
    )
    with pytest.raises(ValidationError) as caught, store.session() as session:
        recording.record_review(session, track_id=track_id, details=details, today=TODAY)
    assert caught.value.problems == {
        "decisions.0.text": "Decision 1: write what will happen.",
        "decisions.0.responsible": "Decision 1: say who is responsible.",
    }


# --- the command line: iro-desk review add --------------------------------------------------------


@pytest.fixture
def db(store: CaseloadStore) -> str:
    add_child(store)
    return str(store.path)


def run(db: str, command: str) -> int:
    return main([*shlex.split(command), "--db", db])


ADD = "review add --child DEMO-0001 --code PN1 --today 2027-01-04"


@pytest.mark.parametrize(
    ("held_on", "why"),
    [
        pytest.param("2027-02-01", "1 Feb 2027 is in the future: record a review once it has "
                     "been held", id="in-the-future"),
        pytest.param("2019-01-01", "1 Jan 2019 is before Tess was born (1 Jun 2020)",
                     id="before-birth"),
        pytest.param("2025-12-01", "1 Dec 2025 is before this episode of care began "
                     "(2 Mar 2026). Check the date.", id="before-the-episode"),
        pytest.param("2026-02-30", "--held-on: '2026-02-30' is not a date; write it as "
                     "YYYY-MM-DD.", id="no-such-day"),
        pytest.param("14/12/2026", "--held-on: '14/12/2026' is not a date; write it as "
                     "YYYY-MM-DD.", id="uk-format"),
        pytest.param("'; DROP TABLE review;--", "is not a date; write it as YYYY-MM-DD.",
                     id="sql"),
    ],
)
def test_cli_refuses_a_bad_review_date_saying_what_to_fix(
    db: str, store: CaseloadStore, capsys: pytest.CaptureFixture[str], held_on: str, why: str
) -> None:
    assert run(db, f"{ADD} --held-on {shlex.quote(held_on)}") == 2
    assert why in capsys.readouterr().err
    with store.session() as session:
        assert session.exec(select(Review)).all() == []
    assert_caseload_intact(store, children=1)


@pytest.mark.parametrize(("text", "exact"), [p for p in HOSTILE if "\x00" not in p.values[0]])
def test_cli_keeps_hostile_text_as_typed(
    db: str, store: CaseloadStore, capsys: pytest.CaptureFixture[str], text: str, exact: bool
) -> None:
    quoted = shlex.quote(text)
    command = (
        f"{ADD} --held-on 2026-12-14 --venue {quoted} --child-views {quoted} --summary {quoted}"
    )
    assert run(db, command) == 0, capsys.readouterr().err
    with store.session() as session:
        review = session.exec(select(Review)).one()
    assert review.child_views == review.iro_summary == recording.clean_text(text)
    assert review.venue == recording.clean_text(text, multiline=False)


def test_cli_hostile_child_id_is_named_not_run(
    db: str, store: CaseloadStore, capsys: pytest.CaptureFixture[str]
) -> None:
    command = f"{ADD} --held-on 2026-12-14".replace(
        "DEMO-0001", shlex.quote("DEMO'; DROP TABLE child;--")
    )
    assert run(db, command) == 2
    assert "There is no child with the ID \"DEMO'; DROP TABLE child;--\"" in (
        capsys.readouterr().err
    )
    assert_caseload_intact(store, children=1)


# --- (c) the letter PDF ---------------------------------------------------------------------------


def _pdf_text(pdf: bytes | Path) -> str:
    source = pdf if isinstance(pdf, Path) else io.BytesIO(pdf)
    reader = PdfReader(source)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _metadata(path: Path) -> str:
    return " ".join(str(value) for value in (PdfReader(path).metadata or {}).values())


# pypdf gives right-to-left text back in visual order and emoji the fonts lack not at all, so
# for those the test asks only that the letter is made and holds the rest of the words.
_EXTRACTS_AS_TYPED = {"right-to-left", "right-to-left-override", "emoji-with-joiners"}


@pytest.mark.parametrize(("text", "exact"), HOSTILE)
def test_the_letter_prints_hostile_text_as_literal_characters(
    store: CaseloadStore, tmp_path: Path, request: pytest.FixtureRequest, text: str, exact: bool
) -> None:
    with store.session() as session:
        tia = add_sample_review(session, held_on=dt.date(2026, 12, 14), age=9)
    with store.session() as session:
        review = session.get(Review, tia.review_id)
        review.child_views = recording.clean_text(text, multiline=False)
        session.add(review)
    with store.session() as session:
        settings = load_settings(session)
        draft = compose_review_letter(session, tia.review_id, today=TODAY, settings=settings)
    draft = draft.with_text("why", text)
    printed = _pdf_text(render_letter_pdf(draft))
    words = " ".join(recording.clean_text(text, multiline=False).split())
    if request.node.callspec.id in _EXTRACTS_AS_TYPED:
        assert "Why we met" in printed and "What you told me" in printed
        return
    assert f"“{words}”" in printed, "the child's words, quoted, character for character"
    if "\x00" not in text and "\u200b" not in text:
        assert " ".join(text.split()) in printed, "the IRO's edit, character for character"


def test_the_letter_file_and_metadata_with_a_hostile_name(
    store: CaseloadStore, tmp_path: Path
) -> None:
    from iro_desk.settings import update_settings

    with store.session() as session:
        update_settings(session, letters_folder=str(tmp_path / "letters"))
        tia = add_sample_review(
            session, held_on=dt.date(2026, 12, 14), age=9, child_ref="../../<b>x</b>;--",
            preferred_name="<i>Tia</i> & Co",
        )
    made = make_review_letter(store, tia.review_id, clock=FixedClock(TODAY))
    assert made.path.parent == tmp_path / "letters", "the child ID cannot move the file"
    assert "Dear <i>Tia</i> & Co," in _pdf_text(made.path)
    assert "A letter for <i>Tia</i> & Co" in _metadata(made.path)


def test_a_100000_character_letter_section_prints_every_word(store: CaseloadStore) -> None:
    with store.session() as session:
        tia = add_sample_review(session, held_on=dt.date(2026, 12, 14), age=14)
    with store.session() as session:
        settings = load_settings(session)
        draft = compose_review_letter(session, tia.review_id, today=TODAY, settings=settings)
    words = "word " * (MAX_LONG_TEXT // 5)
    printed = _pdf_text(render_letter_pdf(draft.with_text("why", words)))
    assert printed.count("word") == MAX_LONG_TEXT // 5, "nothing is cut off the page"


def test_the_letter_is_made_whatever_characters_the_names_hold(store: CaseloadStore) -> None:
    import dataclasses

    with store.session() as session:
        tia = add_sample_review(session, held_on=dt.date(2026, 12, 14), age=9)
    with store.session() as session:
        settings = load_settings(session)
        draft = compose_review_letter(session, tia.review_id, today=TODAY, settings=settings)
    broken = "Ti\ud800a\x00 <b>&"
    draft = dataclasses.replace(
        draft, child_name=broken, greeting=f"Dear {broken},", council_name=broken,
        iro=dataclasses.replace(draft.iro, name=f"\x07{broken}", photo=None),
    )
    printed = _pdf_text(render_letter_pdf(draft))
    assert "Dear Tia <b>&," in printed


def test_a_broken_character_in_typed_text_is_dropped_not_a_crash(store: CaseloadStore) -> None:
    _, track_id = add_child(store)
    assert recording.clean_text("Ti\ud800a \udfffok") == "Tia ok"
    with store.session() as session:
        review_id = recording.record_review(
            session, track_id=track_id, details=review_with(child_views="Ti\ud800a"), today=TODAY
        ).id
    with store.session() as session:
        assert session.get(Review, review_id).child_views == "Tia"
