"""Importing a council system's caseload extract (CSV): checks, updates by child ID, refusals."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from sqlmodel import select

from iro_desk.cli import main
from iro_desk.csv_import import (
    IMPORTED_REVIEW_SUMMARY,
    CsvImportSummary,
    DateFormatError,
    import_extract,
    import_extract_file,
    parse_extract,
    parse_uk_date,
    read_extract,
)
from iro_desk.errors import ValidationError
from iro_desk.history import tombstone
from iro_desk.models import CareEpisode, CaseTrack, ChangeLog, Child, Iro, Person, Review
from iro_desk.store import CaseloadStore

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "caseload-extract.csv"
TODAY = dt.date(2027, 1, 4)
HEADER = (
    "child_id,first_name,last_name,preferred_name,dob,legal_status,episode_start,placement,"
    "social_worker,last_review_date"
)
GOOD_ROW = (
    "DEMO-0001,Ada,Example,Addy,14/03/2012,C2,02/09/2021,Demo foster home,Sam Sample,15/06/2026"
)


def _extract(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join((header, *rows)) + "\r\n"


def _write(tmp_path: Path, text: str, name: str = "extract.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _import(store: CaseloadStore, text: str, *, dry_run: bool = False) -> CsvImportSummary:
    rows = parse_extract(text, today=TODAY, source="extract.csv")
    return import_extract(store, rows, today=TODAY, source="extract.csv", dry_run=dry_run)


def _children(store: CaseloadStore) -> dict[str, Child]:
    with store.session() as session:
        return {c.child_ref: c for c in session.exec(select(Child))}


# --- Dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-02-03", dt.date(2019, 2, 3)),
        ("03/02/2019", dt.date(2019, 2, 3)),
        ("3/2/2019", dt.date(2019, 2, 3)),
        ("03-02-2019", dt.date(2019, 2, 3)),
        ("03.02.2019", dt.date(2019, 2, 3)),
        ("3 Feb 2019", dt.date(2019, 2, 3)),
        ("03-Feb-2019", dt.date(2019, 2, 3)),
        ("3 February 2019", dt.date(2019, 2, 3)),
        ("3 sept 2019", dt.date(2019, 9, 3)),
        ("03/02/2019 00:00", dt.date(2019, 2, 3)),
        (" 2019-02-03 ", dt.date(2019, 2, 3)),
        ("29/02/2020", dt.date(2020, 2, 29)),
    ],
    ids=[
        "iso",
        "day first with slashes",
        "day first without leading zeros",
        "day first with hyphens",
        "day first with dots",
        "day and short month name",
        "excel day-month-year",
        "full month name",
        "september as sept",
        "spreadsheet midnight time",
        "spaces around",
        "leap day",
    ],
)
def test_accepted_date_formats_are_read_day_first(text: str, expected: dt.date) -> None:
    assert parse_uk_date(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("02/13/2019", "day first"),
        ("31/02/2015", "is not a date"),
        ("29/02/2019", "is not a date"),
        ("3/2/19", "write the year in full"),
        ("2019/02/03", "accepted format"),
        ("Feb 3 2019", "accepted format"),
        ("43500", "accepted format"),
        ("3 Fub 2019", "'Fub' is not a month"),
        ("03/02-2019", "accepted format"),
        ("03/02/2019 14:30", "accepted format"),
    ],
    ids=[
        "month first (US) is never guessed",
        "no 31 February",
        "no 29 February outside a leap year",
        "two-digit year is ambiguous",
        "year first with slashes",
        "month name first",
        "excel serial number",
        "misspelt month",
        "mixed separators",
        "a time of day",
    ],
)
def test_dates_that_are_invalid_or_ambiguous_are_refused(text: str, why: str) -> None:
    with pytest.raises(DateFormatError, match=why):
        parse_uk_date(text)


# --- A good file ----------------------------------------------------------------------------------


def test_a_good_extract_imports_every_child_with_episode_track_worker_and_review(
    store: CaseloadStore,
) -> None:
    with store.session() as session:
        me = Iro(name="Robin Example", is_me=True)
        session.add(me)
    rows = read_extract(FIXTURES / "extract_good.csv", today=TODAY)
    summary = import_extract(store, rows, today=TODAY)
    assert sorted(summary.added) == [f"DEMO-00{n}" for n in range(40, 45)]
    assert summary.updated == [] and summary.unchanged == []
    with store.session() as session:
        cara = session.exec(select(Child).where(Child.child_ref == "DEMO-0042")).one()
        assert (cara.first_name, cara.preferred_name, cara.dob) == (
            "Cara", "Cee", dt.date(2015, 2, 5)
        )
        assert cara.gender == "female"
        assert cara.allocated_iro_id == me.id
        episode = session.exec(select(CareEpisode).where(CareEpisode.child_id == cara.id)).one()
        assert (episode.start_date, episode.end_date) == (dt.date(2025, 1, 3), None)
        assert (episode.legal_status, episode.placement_name) == ("V2", "Demo Children's Home")
        assert episode.placement_type == "childrens_home"
        track = session.exec(select(CaseTrack).where(CaseTrack.child_id == cara.id)).one()
        assert (track.kind, track.episode_id, track.start_date) == ("cla", episode.id,
                                                                   episode.start_date)
        worker = session.exec(select(Person).where(Person.child_id == cara.id)).one()
        assert (worker.role, worker.name) == ("social_worker", "Sam Sample")
        review = session.exec(select(Review).where(Review.child_id == cara.id)).one()
        assert (review.status, review.held_on, review.track_id) == (
            "held", dt.date(2026, 11, 20), track.id
        )
        assert review.participation_code is None
        assert review.iro_summary == IMPORTED_REVIEW_SUMMARY
        ben = session.exec(select(Child).where(Child.child_ref == "DEMO-0041")).one()
        assert session.exec(select(Review).where(Review.child_id == ben.id)).all() == [], (
            "no last review date, no review"
        )
        ema = session.exec(select(Child).where(Child.child_ref == "DEMO-0044")).one()
        ema_episode = session.exec(
            select(CareEpisode).where(CareEpisode.child_id == ema.id)
        ).one()
        assert (ema.gender, ema_episode.legal_status) == ("unknown", "C2")
        assert ema_episode.placement_type == "foster_ifa"


def test_the_documented_example_file_imports(store: CaseloadStore) -> None:
    rows = read_extract(EXAMPLE, today=TODAY)
    summary = import_extract(store, rows, today=TODAY)
    assert len(summary.added) == len(rows) == 5


@pytest.mark.parametrize(
    "legal_status",
    ["C2", "c2", "Full care order (s.31)", "full care order  (S.31)"],
    ids=["code", "code in lower case", "label", "label with odd case and spacing"],
)
def test_legal_status_may_be_the_code_or_its_label(
    store: CaseloadStore, legal_status: str
) -> None:
    row = f'DEMO-0001,Ada,Example,,14/03/2012,"{legal_status}",02/09/2021,Home,Sam Sample,'
    _import(store, _extract(row))
    with store.session() as session:
        assert session.exec(select(CareEpisode)).one().legal_status == "C2"


def test_headers_match_whatever_their_case_and_spacing(store: CaseloadStore) -> None:
    header = (
        " Child ID ,FIRST NAME,Last-Name,preferredName,DOB,Legal Status,Episode Start,"
        "Placement,Social Worker,Last Review Date,Notes from the system"
    )
    _import(store, _extract(GOOD_ROW + ",ignored", header=header))
    assert _children(store)["DEMO-0001"].preferred_name == "Addy"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b"\xef\xbb\xbf"), ("utf-8", b""), ("cp1252", b"")],
    ids=["utf-8 with byte-order mark (Excel 'CSV UTF-8')", "plain utf-8", "windows-1252 (Excel)"],
)
def test_excel_encodings_are_read(
    store: CaseloadStore, tmp_path: Path, encoding: str, prefix: bytes
) -> None:
    row = "DEMO-0001,Siân,O’Example,Zoë,14/03/2012,C2,02/09/2021,Café Lane home,Sam Sample,"
    path = tmp_path / "extract.csv"
    path.write_bytes(prefix + _extract(row).encode(encoding))
    import_extract(store, read_extract(path, today=TODAY), today=TODAY)
    child = _children(store)["DEMO-0001"]
    assert (child.first_name, child.last_name, child.preferred_name) == (
        "Siân", "O’Example", "Zoë"
    )


# --- Importing again ----------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(store: CaseloadStore) -> None:
    rows = read_extract(FIXTURES / "extract_good.csv", today=TODAY)
    import_extract(store, rows, today=TODAY)
    with store.session() as session:
        history_before = len(session.exec(select(ChangeLog)).all())
    summary = import_extract(store, rows, today=TODAY)
    assert (summary.added, summary.updated) == ([], [])
    assert len(summary.unchanged) == 5
    with store.session() as session:
        assert len(session.exec(select(Child)).all()) == 5
        assert len(session.exec(select(Review)).all()) == 4
        assert len(session.exec(select(ChangeLog)).all()) == history_before


def test_reimport_updates_by_child_id_and_history_shows_before_and_after(
    store: CaseloadStore,
) -> None:
    _import(store, _extract(GOOD_ROW))
    changed = (
        "DEMO-0001,Ada,Example,Ada-May,14/03/2012,V2,02/09/2021,Example new home,Sam Sample,"
        "15/06/2026"
    )
    summary = _import(store, _extract(changed))
    assert summary.updated == ["DEMO-0001"]
    assert summary.outcomes[0].changes == ["preferred name", "legal status", "placement"]
    with store.session() as session:
        assert len(session.exec(select(Child)).all()) == 1
        episode = session.exec(select(CareEpisode)).one()
        assert (episode.legal_status, episode.placement_name) == ("V2", "Example new home")
        updates = {
            entry.table_name: (json.loads(entry.before_json), json.loads(entry.after_json))
            for entry in session.exec(select(ChangeLog).where(ChangeLog.action == "update"))
        }
    assert updates["child"] == ({"preferred_name": "Addy"}, {"preferred_name": "Ada-May"})
    assert updates["care_episode"] == (
        {"legal_status": "C2", "placement_name": "Demo foster home"},
        {"legal_status": "V2", "placement_name": "Example new home"},
    )


def test_a_blank_cell_never_erases_what_iro_desk_holds(store: CaseloadStore) -> None:
    _import(store, _extract(GOOD_ROW))
    blanked = "DEMO-0001,Ada,Example,,14/03/2012,C2,02/09/2021,,,"
    summary = _import(store, _extract(blanked))
    assert summary.unchanged == ["DEMO-0001"]
    assert _children(store)["DEMO-0001"].preferred_name == "Addy"


def test_a_later_episode_start_is_a_return_to_care(store: CaseloadStore) -> None:
    _import(store, _extract(GOOD_ROW))
    again = "DEMO-0001,Ada,Example,Addy,14/03/2012,C1,10/10/2026,Demo foster home,Sam Sample,"
    summary = _import(store, _extract(again))
    assert "returned to care on 10/10/2026" in summary.outcomes[0].changes
    with store.session() as session:
        episodes = session.exec(select(CareEpisode).order_by(CareEpisode.start_date)).all()
        assert [(e.start_date, e.end_date) for e in episodes] == [
            (dt.date(2021, 9, 2), dt.date(2026, 10, 9)),
            (dt.date(2026, 10, 10), None),
        ]
        assert "real end date was not given" in episodes[0].reason_ended
        tracks = session.exec(select(CaseTrack).order_by(CaseTrack.start_date)).all()
        assert [(t.episode_id, t.start_date, t.end_date) for t in tracks] == [
            (episodes[0].id, dt.date(2021, 9, 2), dt.date(2026, 10, 9)),
            (episodes[1].id, dt.date(2026, 10, 10), None),
        ]


def test_a_new_social_worker_replaces_the_old_one_from_today(store: CaseloadStore) -> None:
    _import(store, _extract(GOOD_ROW))
    moved = GOOD_ROW.replace("Sam Sample", "Jo Placeholder")
    summary = _import(store, _extract(moved))
    assert summary.outcomes[0].changes == ["social worker"]
    with store.session() as session:
        workers = {p.name: p.to_date for p in session.exec(select(Person))}
    assert workers == {"Sam Sample": TODAY, "Jo Placeholder": None}


def test_the_same_worker_spelt_with_other_case_is_not_a_change(store: CaseloadStore) -> None:
    _import(store, _extract(GOOD_ROW))
    summary = _import(store, _extract(GOOD_ROW.replace("Sam Sample", "SAM  sample")))
    assert summary.unchanged == ["DEMO-0001"]


def test_a_later_review_date_adds_a_held_review(store: CaseloadStore) -> None:
    _import(store, _extract(GOOD_ROW))
    summary = _import(store, _extract(GOOD_ROW.replace("15/06/2026", "10/12/2026")))
    assert summary.outcomes[0].changes == ["review held 10/12/2026"]
    with store.session() as session:
        held = sorted(r.held_on for r in session.exec(select(Review)))
    assert held == [dt.date(2026, 6, 15), dt.date(2026, 12, 10)]


def test_a_dry_run_changes_nothing(store: CaseloadStore) -> None:
    summary = _import(store, _extract(GOOD_ROW), dry_run=True)
    assert summary.added == ["DEMO-0001"] and summary.dry_run
    with store.session() as session:
        assert session.exec(select(Child)).all() == []
        assert session.exec(select(ChangeLog)).all() == []


def test_importing_into_a_caseload_with_children_backs_it_up_first(
    store: CaseloadStore,
) -> None:
    first = _import(store, _extract(GOOD_ROW))
    assert first.backup is None
    second = _import(store, _extract(GOOD_ROW))
    assert second.backup is not None and second.backup.exists()
    assert second.backup.parent == store.path.parent / "backups"
    assert second.backup.name.startswith("caseload.before-import.")


def test_ninety_children_import_in_well_under_two_seconds(store: CaseloadStore) -> None:
    rows = [
        f"DEMO-{n:04d},Child{n},Example,,14/03/2012,C2,02/09/2021,Demo home {n},"
        f"Worker {n % 7},15/06/2026"
        for n in range(90)
    ]
    started = time.perf_counter()
    summary = _import(store, _extract(*rows))
    elapsed = time.perf_counter() - started
    assert len(summary.added) == 90
    assert elapsed < 2.0, f"took {elapsed:.2f} s"


# --- Refusals -----------------------------------------------------------------------------------


def test_one_bad_date_row_imports_nothing_and_the_message_names_the_row(
    store: CaseloadStore,
) -> None:
    rows_before = _children(store)
    with pytest.raises(ValidationError) as caught:
        read_extract(FIXTURES / "extract_bad_date.csv", today=TODAY)
    message = str(caught.value)
    assert "nothing was imported" in message
    assert "row 4 (child ID DEMO-0042): dob '31/02/2015' is not a date" in message
    assert "DEMO-0040" not in message and "DEMO-0041" not in message
    assert _children(store) == rows_before == {}


BAD_ROWS = [
    (",Ada,Example,,14/03/2012,C2,02/09/2021,Home,Sam Sample,", "row 2", "child ID is missing"),
    ("DEMO-0009,,Example,,14/03/2012,C2,02/09/2021,Home,,", "row 2 (child ID DEMO-0009)",
     "first_name is missing"),
    ("DEMO-0009,Ada,,,14/03/2012,C2,02/09/2021,Home,,", "row 2 (child ID DEMO-0009)",
     "last_name is missing"),
    ("DEMO-0009,Ada,Example,,,C2,02/09/2021,Home,,", "row 2 (child ID DEMO-0009)",
     "dob is missing"),
    ("DEMO-0009,Ada,Example,,14/03/2028,C2,02/09/2021,Home,,", "row 2 (child ID DEMO-0009)",
     "dob '14/03/2028' is in the future"),
    ("DEMO-0009,Ada,Example,,14/03/2022,C2,02/09/2021,Home,,", "row 2 (child ID DEMO-0009)",
     "dob 14/03/2022 is after episode_start 02/09/2021"),
    ("DEMO-0009,Ada,Example,,14/03/2012,Z9,02/09/2021,Home,,", "row 2 (child ID DEMO-0009)",
     "legal_status 'Z9' is not a DfE legal status code or label"),
    ("DEMO-0009,Ada,Example,,14/03/2012,,02/09/2021,Home,,", "row 2 (child ID DEMO-0009)",
     "legal_status is missing"),
    ("DEMO-0009,Ada,Example,,14/03/2012,C2,,Home,,", "row 2 (child ID DEMO-0009)",
     "episode_start is missing"),
    ("DEMO-0009,Ada,Example,,14/03/2012,C2,09/02/21,Home,,", "row 2 (child ID DEMO-0009)",
     "episode_start '09/02/21' is not a date IRO Desk accepts"),
    ("DEMO-0009,Ada,Example,,14/03/2012,C2,02/09/2021,Home,,01/01/2020",
     "row 2 (child ID DEMO-0009)", "last_review_date 01/01/2020 is before episode_start"),
    ("DEMO-0009,Ada,Example,,14/03/2012,C2,02/09/2021,Home,,01/02/2027",
     "row 2 (child ID DEMO-0009)", "last_review_date '01/02/2027' is in the future"),
    ("DEMO-0009,Ada,Example,,14/03/2012,C2,02/13/2021,Home,,", "row 2 (child ID DEMO-0009)",
     "episode_start '02/13/2021' is not a date (dates are read day first"),
]


@pytest.mark.parametrize(
    ("row", "label", "why"),
    BAD_ROWS,
    ids=[
        "missing child ID",
        "missing first name",
        "missing last name",
        "missing date of birth",
        "date of birth in the future",
        "born after coming into care",
        "unknown legal status",
        "missing legal status",
        "missing episode start",
        "two-digit year",
        "last review before coming into care",
        "last review in the future",
        "month-first date",
    ],
)
def test_a_bad_row_is_refused_with_its_number_and_reason(
    store: CaseloadStore, row: str, label: str, why: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _import(store, _extract(GOOD_ROW.replace("DEMO-0001", "DEMO-0008"), row))
    message = str(caught.value)
    label = label.replace("row 2", "row 3")
    assert f"  {label}: " in message and why in message
    assert "DEMO-0008" not in message, "the good row is not named"
    assert _children(store) == {}


def test_several_bad_rows_are_all_named_in_one_message(store: CaseloadStore) -> None:
    text = _extract(
        GOOD_ROW,
        "DEMO-0002,Ben,Sampleton,,31/02/2015,C2,02/09/2021,Home,,",
        "DEMO-0003,Cara,Demo,,14/03/2012,X1,02/09/2021,Home,,",
        "DEMO-0001,Dev,Fictional,,14/03/2012,C2,02/09/2021,Home,,",
        ",,,,,,,,,",
        "DEMO-0005,,Invented,,01/01/2030,Full care order,02/09/2021,Home,,",
    )
    with pytest.raises(ValidationError) as caught:
        _import(store, text)
    problems = caught.value.problems
    assert problems == {
        "row 2 (child ID DEMO-0001)": "child ID DEMO-0001 is also on row 5",
        "row 3 (child ID DEMO-0002)": "dob '31/02/2015' is not a date",
        "row 4 (child ID DEMO-0003)": (
            "legal_status 'X1' is not a DfE legal status code or label (C1, C2, V2...)"
        ),
        "row 5 (child ID DEMO-0001)": "child ID DEMO-0001 is also on row 2",
        "row 7 (child ID DEMO-0005)": (
            "first_name is missing; dob '01/01/2030' is in the future; "
            "legal_status 'Full care order' is not a DfE legal status code or label "
            "(C1, C2, V2...); dob 01/01/2030 is after episode_start 02/09/2021"
        ),
    }
    assert "5 rows have problems, so nothing was imported" in str(caught.value)
    assert _children(store) == {}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (_extract(GOOD_ROW, header=HEADER.replace(",dob", ",date")), "lacks the column(s) dob"),
        (HEADER.replace(",", ";") + "\n", "separated by ';'"),
        (_extract(GOOD_ROW, header=HEADER + ",DOB"), "more than once: dob"),
        ("", "is empty"),
        (_extract(), "no children"),
    ],
    ids=["a required column missing", "semicolons", "a column twice", "empty file", "header only"],
)
def test_a_file_without_the_needed_columns_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why.replace("(", r"\(").replace(")", r"\)")):
        parse_extract(text, today=TODAY)


def test_an_episode_start_before_the_current_episode_is_refused(store: CaseloadStore) -> None:
    _import(store, _extract(GOOD_ROW))
    earlier = GOOD_ROW.replace("02/09/2021", "02/09/2020")
    with pytest.raises(ValidationError, match="row 2 .*before the start of the child's latest"):
        _import(store, _extract(earlier))
    with store.session() as session:
        assert session.exec(select(CareEpisode)).one().start_date == dt.date(2021, 9, 2)


def test_a_child_deleted_from_the_caseload_is_not_brought_back_silently(
    store: CaseloadStore,
) -> None:
    _import(store, _extract(GOOD_ROW))
    with store.session() as session:
        tombstone(session, session.exec(select(Child)).one())
    with pytest.raises(ValidationError, match="deleted from this caseload"):
        _import(store, _extract(GOOD_ROW))


def test_a_file_that_is_neither_utf8_nor_windows_1252_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(_extract(GOOD_ROW).encode("utf-8")[:-4] + b"\x81\x8d\r\n")
    with pytest.raises(ValidationError, match="neither UTF-8 nor Windows-1252"):
        read_extract(path, today=TODAY)


# --- Command line ---------------------------------------------------------------------------------


def test_cli_import_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "caseload.irodesk"
    good = str(FIXTURES / "extract_good.csv")
    assert main(["import-csv", good, "--db", str(db), "--today", "2027-01-04"]) == 0
    assert "5 added, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert main(["import-csv", good, "--db", str(db), "--today", "2027-01-04"]) == 0
    out = capsys.readouterr().out
    assert "0 added, 0 updated, 5 unchanged" in out
    assert "Backup of the caseload before the import" in out


def test_cli_refuses_a_bad_file_with_exit_2_and_the_row_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "caseload.irodesk"
    bad = str(FIXTURES / "extract_bad_date.csv")
    assert main(["import-csv", bad, "--db", str(db), "--today", "2027-01-04"]) == 2
    captured = capsys.readouterr()
    assert "row 4 (child ID DEMO-0042): dob '31/02/2015' is not a date" in captured.err
    assert captured.out == ""
    assert not db.exists(), "a refused import leaves no new caseload behind"


def test_cli_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "caseload.irodesk"
    CaseloadStore.create(db).close()
    good = str(FIXTURES / "extract_good.csv")
    assert main(["import-csv", good, "--db", str(db), "--dry-run", "--today", "2027-01-04"]) == 0
    assert "Would import" in capsys.readouterr().out
    with CaseloadStore.open(db) as store:
        assert _children(store) == {}


def test_cli_rejects_a_today_that_is_not_a_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = str(FIXTURES / "extract_good.csv")
    assert main(["import-csv", good, "--db", str(tmp_path / "c.db"), "--today", "04/01/27"]) == 2
    assert "--today" in capsys.readouterr().err


def test_import_extract_file_creates_a_missing_caseload(tmp_path: Path) -> None:
    db = tmp_path / "new" / "caseload.irodesk"
    summary = import_extract_file(
        FIXTURES / "extract_good.csv", db, lambda: CaseloadStore.open(db, create=True),
        today=TODAY,
    )
    assert len(summary.added) == 5
    with CaseloadStore.open(db) as store:
        assert len(_children(store)) == 5
