"""JSON export and import of a whole caseload: round trips, refusals that name rows, conflicts."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from iro_desk.cli import main
from iro_desk.demo import build_demo
from iro_desk.errors import ValidationError
from iro_desk.history import tombstone
from iro_desk.interchange import (
    FORMAT_NAME,
    FORMAT_VERSION,
    ImportSummary,
    caseload_document,
    export_caseload,
    import_caseload_file,
    import_document,
    parse_document,
)
from iro_desk.models import (
    RECORD_TABLES,
    CareEpisode,
    CaseTrack,
    Challenge,
    ChallengeStep,
    ChangeLog,
    Child,
    Decision,
    Iro,
    Letter,
    Person,
    QaTool,
    Review,
    Visit,
)
from iro_desk.settings import load_settings, update_settings
from iro_desk.store import SCHEMA_VERSION, CaseloadStore, check_file, is_encrypted_file

# Not a real photo: a PNG signature and bytes that are not UTF-8, to prove base64 round trips.
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _fill_every_table(store: CaseloadStore) -> None:
    """A small invented caseload with a row in every table, an edit and a tombstone."""
    with store.session() as session:
        me = Iro(name="Robin Example", email="robin@council.invalid", is_me=True, photo=PHOTO,
                 profile_text="I like walking my dog.")
        child = Child(child_ref="DEMO-0001", first_name="Ada", last_name="Example",
                      preferred_name="Addy", dob=dt.date(2014, 5, 17), gender="female",
                      allocated_iro_id=me.id)
        gone = Child(child_ref="DEMO-0002", first_name="Ben", last_name="Sampleton",
                     dob=dt.date(2016, 1, 2))
        episode = CareEpisode(child_id=child.id, start_date=dt.date(2024, 2, 1),
                              legal_status="C2", placement_type="foster_la",
                              placement_name="Demo foster home")
        track = CaseTrack(kind="cla", child_id=child.id, episode_id=episode.id,
                          start_date=episode.start_date, iro_id=me.id)
        review = Review(track_id=track.id, child_id=child.id, status="held",
                        scheduled_date=dt.date(2024, 2, 26), held_on=dt.date(2024, 2, 26),
                        participation_code="PN1", child_views="I like my new school. ✓",
                        pre_review_contact=True)
        decision = Decision(review_id=review.id, child_id=child.id, text="Arrange a school visit",
                            responsible="Social worker", due_on=dt.date(2024, 3, 29))
        visit = Visit(child_id=child.id, review_id=review.id, visit_date=dt.date(2024, 2, 20),
                      wishes_feelings="I want to see my nan more.", seen_alone=True)
        worker = Person(child_id=child.id, role="social_worker", name="Sam Sample")
        qa = QaTool(child_id=child.id, started_on=dt.date(2024, 4, 1))
        challenge = Challenge(child_id=child.id, qa_tool_id=qa.id, review_id=review.id,
                              theme="Reports not shared", issue="No report before the review",
                              raised_on=dt.date(2024, 4, 2))
        step = ChallengeStep(challenge_id=challenge.id, child_id=child.id, step="raised",
                             level=1, on_date=dt.date(2024, 4, 2))
        letter = Letter(child_id=child.id, review_id=review.id, paragraphs_json='{"hello": "Hi"}',
                        made_at=dt.datetime(2024, 2, 27, 9, 30, tzinfo=dt.UTC),
                        file_removed_at=dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC))
        session.add_all([me, child, gone, episode, track, review, decision, visit, worker, qa,
                         challenge, step, letter])
        update_settings(session, council_name="Demo County Council", due_soon_days=21)
    with store.session() as session:
        session.get(Child, child.id).preferred_name = "Ads"
        tombstone(session, session.get(Child, gone.id))


def _document(store: CaseloadStore) -> dict[str, Any]:
    with store.session() as session:
        document = caseload_document(session)
    document.pop("exported_at")
    return document


@pytest.fixture
def full_store(store: CaseloadStore) -> CaseloadStore:
    """The test caseload with every table filled."""
    _fill_every_table(store)
    return store


@pytest.fixture
def export_path(full_store: CaseloadStore, tmp_path: Path) -> Path:
    """The full caseload exported to JSON."""
    return export_caseload(full_store, tmp_path / "caseload.json").path


def _import_file(json_path: Path, db_path: Path, *, actor: str = "") -> ImportSummary:
    return import_caseload_file(
        json_path, db_path, lambda: CaseloadStore.open(db_path, create=True, actor=actor)
    )


def _new_store(tmp_path: Path, name: str) -> CaseloadStore:
    return CaseloadStore.create(tmp_path / name, actor="other-iro")


# --- Export -------------------------------------------------------------------------------------


def test_export_holds_every_table_with_tombstones_history_and_settings(
    full_store: CaseloadStore, export_path: Path
) -> None:
    document = json.loads(export_path.read_text(encoding="utf-8"))
    assert document["format"] == FORMAT_NAME
    assert document["version"] == FORMAT_VERSION
    assert document["schema_version"] == SCHEMA_VERSION
    assert set(document["tables"]) == {model.__tablename__ for model in RECORD_TABLES}
    empty = [name for name, rows in document["tables"].items() if not rows]
    assert empty == [], "the test caseload should exercise every table"
    children = {row["child_ref"]: row for row in document["tables"]["child"]}
    assert children["DEMO-0002"]["deleted_at"] is not None
    assert children["DEMO-0001"]["preferred_name"] == "Ads"
    assert document["settings"]["council_name"] == "Demo County Council"
    actions = {entry["action"] for entry in document["history"]}
    assert {"create", "update", "delete"} <= actions


def test_export_rows_are_sorted_by_id(export_path: Path) -> None:
    document = json.loads(export_path.read_text(encoding="utf-8"))
    for rows in document["tables"].values():
        ids = [row["id"] for row in rows]
        assert ids == sorted(ids)


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_export_file_is_readable_only_by_the_user(export_path: Path) -> None:
    assert export_path.stat().st_mode & 0o777 == 0o600


def test_export_refuses_to_overwrite_the_caseload_itself(
    full_store: CaseloadStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(full_store.path), "--db", str(full_store.path)]) == 1
    assert "is the caseload file itself" in capsys.readouterr().err
    assert check_file(full_store.path).schema_version == SCHEMA_VERSION
    with full_store.session() as session:
        assert len(session.exec(select(Child)).all()) == 2


# --- Round trips ----------------------------------------------------------------------------------


def test_export_import_export_gives_the_same_document(
    full_store: CaseloadStore, export_path: Path, tmp_path: Path
) -> None:
    summary = _import_file(export_path, tmp_path / "copy.irodesk", actor="other-iro")
    assert summary.total_added == sum(
        len(rows) for rows in _document(full_store)["tables"].values()
    )
    assert summary.backup is None
    with CaseloadStore.open(tmp_path / "copy.irodesk") as copy_store:
        assert _document(copy_store) == _document(full_store)
        with copy_store.session() as session:
            me = session.exec(select(Iro)).one()
            assert me.photo == PHOTO
            gone = session.exec(select(Child).where(Child.child_ref == "DEMO-0002")).one()
            assert gone.is_deleted
            assert load_settings(session).due_soon_days == 21


def test_demo_caseload_round_trips(tmp_path: Path) -> None:
    with CaseloadStore.create(tmp_path / "demo.irodesk") as demo:
        build_demo(demo, children=5, years=2, seed=1, today=dt.date(2027, 1, 4))
        first = export_caseload(demo, tmp_path / "demo.json").path
        expected = _document(demo)
    assert len(expected["tables"]["child"]) == 5
    _import_file(first, tmp_path / "again.irodesk")
    with CaseloadStore.open(tmp_path / "again.irodesk") as again:
        second = export_caseload(again, tmp_path / "again.json").path
    strip = [line for line in first.read_text().splitlines() if '"exported_at"' not in line]
    again_lines = [line for line in second.read_text().splitlines() if '"exported_at"' not in line]
    assert strip == again_lines


def test_cli_export_then_import_into_a_new_file(
    full_store: CaseloadStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli.json"
    assert main(["export", str(out), "--db", str(full_store.path)]) == 0
    assert "2 child" in capsys.readouterr().out
    target = tmp_path / "new" / "caseload.irodesk"
    assert main(["import", str(out), "--db", str(target)]) == 0
    assert "added" in capsys.readouterr().out
    assert is_encrypted_file(target), "the command line makes new caseloads encrypted"
    with CaseloadStore.open(target) as imported:
        assert _document(imported) == _document(full_store)


def test_exporting_an_encrypted_caseload_warns_that_the_export_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "secret.irodesk"
    secret = CaseloadStore.open(db, create=True, passphrase="a long demo passphrase")
    with secret, secret.session() as session:
        session.add(Child(child_ref="DEMO-0001", first_name="Ada", last_name="Example"))
    out = tmp_path / "secret.json"
    monkeypatch.setenv("IRO_DESK_PASSPHRASE", "a long demo passphrase")
    assert main(["export", str(out), "--db", str(db)]) == 0
    assert "this export is not" in capsys.readouterr().out
    assert json.loads(out.read_text())["tables"]["child"][0]["child_ref"] == "DEMO-0001"


# --- Importing into a caseload that already holds records ----------------------------------------


def test_importing_the_same_export_again_skips_everything_and_backs_up_first(
    full_store: CaseloadStore, export_path: Path
) -> None:
    before = _document(full_store)
    summary = import_document(full_store, parse_document(json.loads(export_path.read_text())))
    assert summary.total_added == 0
    assert summary.total_unchanged == sum(len(rows) for rows in before["tables"].values())
    assert summary.history_added == 0
    assert _document(full_store) == before
    assert summary.backup is not None and summary.backup.exists()
    assert summary.backup.parent == full_store.path.parent / "backups"
    assert ".before-import." in summary.backup.name


def test_new_records_are_added_beside_the_caseloads_own(
    full_store: CaseloadStore, export_path: Path, tmp_path: Path
) -> None:
    with _new_store(tmp_path, "mine.irodesk") as mine:
        with mine.session() as session:
            session.add(Child(child_ref="DEMO-0900", first_name="Cara", last_name="Demo"))
        summary = import_document(mine, parse_document(json.loads(export_path.read_text())))
        with mine.session() as session:
            refs = sorted(c.child_ref for c in session.exec(select(Child)))
        assert refs == ["DEMO-0001", "DEMO-0002", "DEMO-0900"]
        assert summary.added["child"] == 2
        assert summary.backup is not None and summary.backup.exists()


def test_same_id_with_different_content_refuses_the_whole_import(
    full_store: CaseloadStore, export_path: Path
) -> None:
    document = json.loads(export_path.read_text())
    edited = next(r for r in document["tables"]["child"] if r["child_ref"] == "DEMO-0001")
    index = document["tables"]["child"].index(edited)
    edited["first_name"] = "Adaline"
    extra = copy.deepcopy(document["tables"]["iro"][0])
    extra["id"] = "00000000-0000-4000-8000-000000000001"
    extra["is_me"] = False
    document["tables"]["iro"].append(extra)
    before = _document(full_store)
    with pytest.raises(ValidationError) as caught:
        import_document(full_store, parse_document(document))
    message = str(caught.value)
    assert f"tables.child[{index}] (id {edited['id']})" in message
    assert "different content" in message and "first_name" in message
    assert "sync" in message
    assert _document(full_store) == before, "the new iro must not have been added either"


def test_a_child_id_already_used_by_another_record_is_refused(
    full_store: CaseloadStore, export_path: Path, tmp_path: Path
) -> None:
    with _new_store(tmp_path, "other.irodesk") as other:
        with other.session() as session:
            session.add(Child(child_ref="DEMO-0001", first_name="Someone", last_name="Else"))
        with pytest.raises(ValidationError, match="child_ref: 'DEMO-0001' is already used"):
            import_document(other, parse_document(json.loads(export_path.read_text())))
        with other.session() as session:
            assert len(session.exec(select(Child)).all()) == 1


def test_a_caseload_with_records_keeps_its_own_settings(
    full_store: CaseloadStore, export_path: Path, tmp_path: Path
) -> None:
    with _new_store(tmp_path, "mine.irodesk") as mine:
        with mine.session() as session:
            session.add(Child(child_ref="DEMO-0900", first_name="Cara", last_name="Demo"))
            update_settings(session, council_name="Example Borough")
        summary = import_document(mine, parse_document(json.loads(export_path.read_text())))
        with mine.session() as session:
            settings = load_settings(session)
        assert settings.council_name == "Example Borough"
        assert settings.due_soon_days == 14
        assert {"council_name", "due_soon_days"} <= set(summary.settings_kept)


def test_a_caseload_without_records_takes_the_files_settings(
    full_store: CaseloadStore, export_path: Path, tmp_path: Path
) -> None:
    with _new_store(tmp_path, "fresh.irodesk") as fresh:
        with fresh.session() as session:
            update_settings(session, council_name="Example Borough")
        import_document(fresh, parse_document(json.loads(export_path.read_text())))
        with fresh.session() as session:
            settings = load_settings(session)
        assert settings.council_name == "Demo County Council"
        assert settings.due_soon_days == 21


# --- History ------------------------------------------------------------------------------------


def test_history_is_carried_across_as_it_was_written(
    full_store: CaseloadStore, export_path: Path, tmp_path: Path
) -> None:
    _import_file(export_path, tmp_path / "copy.irodesk", actor="someone-else")
    with CaseloadStore.open(tmp_path / "copy.irodesk") as copy_store, copy_store.session() as s:
        log = s.exec(select(ChangeLog)).all()
        assert {entry.changed_by for entry in log} == {"test-iro"}
        update = next(e for e in log if e.action == "update" and e.table_name == "child")
        assert json.loads(update.before_json) == {"preferred_name": "Addy"}
        assert json.loads(update.after_json) == {"preferred_name": "Ads"}


def test_a_document_without_history_gets_a_create_entry_per_record(
    export_path: Path, tmp_path: Path
) -> None:
    document = json.loads(export_path.read_text())
    del document["history"]
    records = sum(len(rows) for rows in document["tables"].values())
    with _new_store(tmp_path, "copy.irodesk") as target:
        import_document(target, parse_document(document))
        with target.session() as session:
            log = session.exec(select(ChangeLog)).all()
    assert len(log) == records
    assert {entry.action for entry in log} == {"create"}
    assert {entry.changed_by for entry in log} == {"other-iro"}


# --- Refusing a bad file ------------------------------------------------------------------------


def _first(document: dict[str, Any], table: str) -> dict[str, Any]:
    return document["tables"][table][0]


def _set(table: str, column: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        _first(document, table)[column] = value

    return change


def _drop(table: str, column: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        del _first(document, table)[column]

    return change


def _duplicate_visit(document: dict[str, Any]) -> None:
    document["tables"]["visit"].append(copy.deepcopy(_first(document, "visit")))


def _unknown_table(document: dict[str, Any]) -> None:
    document["tables"]["pets"] = []


BAD_FILES = [
    (_set("child", "dob", "2015-02-31"), "tables.child[0]", "dob: '2015-02-31' is not a date"),
    (_set("child", "dob", "14/03/2015"), "tables.child[0]", "is not a date (YYYY-MM-DD)"),
    (_set("review", "id", "not-a-uuid"), "tables.review[0]", "id: 'not-a-uuid' is not a UUID"),
    (_set("iro", "created_at", "2024-01-02T10:00:00"), "tables.iro[0]", "has no time zone"),
    (_set("iro", "is_me", "yes"), "tables.iro[0]", "is_me: 'yes' is not true or false"),
    (_set("challenge", "level", "2"), "tables.challenge[0]", "level: '2' is not a whole number"),
    (_set("iro", "photo", "***"), "tables.iro[0]", "photo: is not valid base64"),
    (_set("child", "first_name", None), "tables.child[0]", "first_name: must have a value"),
    (_set("child", "favourite_colour", "blue"), "tables.child[0]",
     "favourite_colour: not a column of tables.child"),
    (_drop("care_episode", "start_date"), "tables.care_episode[0]", "start_date: missing"),
    (_set("decision", "review_id", "00000000-0000-4000-8000-00000000dead"),
     "tables.decision[0]", "review_id: no review with id 00000000-0000-4000-8000-00000000dead"),
    (_duplicate_visit, "tables.visit[1]", "id: also used by tables.visit[0]"),
    (_unknown_table, "tables.pets", "not a table IRO Desk knows"),
]


@pytest.mark.parametrize(
    ("change", "where", "why"),
    BAD_FILES,
    ids=[
        "impossible date",
        "date written day first",
        "malformed uuid",
        "timestamp without time zone",
        "boolean as text",
        "number as text",
        "photo not base64",
        "required name is null",
        "unknown column",
        "required column missing",
        "reference to a missing review",
        "same id twice",
        "unknown table",
    ],
)
def test_a_bad_file_is_refused_naming_the_row_and_nothing_is_imported(
    export_path: Path, tmp_path: Path, change: Any, where: str, why: str
) -> None:
    document = json.loads(export_path.read_text())
    change(document)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    target = tmp_path / "target.irodesk"
    with pytest.raises(ValidationError) as caught:
        _import_file(bad, target)
    message = str(caught.value)
    assert "nothing was imported" in message
    assert where in message and why in message
    assert not target.exists(), "a refused import must not leave a new caseload behind"


def test_every_bad_row_is_named_in_one_message(export_path: Path, tmp_path: Path) -> None:
    document = json.loads(export_path.read_text())
    child = _first(document, "child")
    child["dob"] = "yesterday"
    child["gender"] = 3
    _first(document, "review")["held_on"] = "2024-13-01"
    _first(document, "person")["child_id"] = "00000000-0000-4000-8000-0000000000aa"
    with _new_store(tmp_path, "target.irodesk") as target:
        with pytest.raises(ValidationError) as caught:
            import_document(target, parse_document(document))
        with target.session() as session:
            assert session.exec(select(Child)).all() == []
    problems = caught.value.problems
    assert problems[f"tables.child[0] (id {child['id']})"] == (
        "dob: 'yesterday' is not a date (YYYY-MM-DD); gender: 3 is not text"
    )
    assert any(key.startswith("tables.review[0]") for key in problems)
    assert "tables.person[0]" in str(caught.value)


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ({"format": "something-else"}, "not an IRO Desk caseload export"),
        ({"version": FORMAT_VERSION + 1}, "newer IRO Desk (export format version 2"),
        ({"schema_version": SCHEMA_VERSION + 1}, "newer IRO Desk (caseload schema"),
        ({"version": "1"}, "no format version"),
    ],
    ids=["another format", "newer format version", "newer schema", "version as text"],
)
def test_a_file_that_is_not_a_readable_export_is_refused(
    export_path: Path, header: dict[str, Any], why: str
) -> None:
    document = json.loads(export_path.read_text()) | header
    with pytest.raises(ValidationError, match=why.replace("(", r"\(")):
        parse_document(document)


def test_an_export_from_before_a_column_existed_gets_its_default(
    export_path: Path, tmp_path: Path
) -> None:
    document = json.loads(export_path.read_text())
    for row in document["tables"]["child"]:
        del row["communication_needs"]
    with _new_store(tmp_path, "target.irodesk") as target:
        import_document(target, parse_document(document))
        with target.session() as session:
            assert {c.communication_needs for c in session.exec(select(Child))} == {""}


def test_an_export_written_by_schema_2_imports_with_letter_files_not_marked_removed(
    full_store: CaseloadStore, tmp_path: Path
) -> None:
    document = _document(full_store)
    document["schema_version"] = 2
    for row in document["tables"]["letter"]:
        del row["file_removed_at"]  # version 2 had no such column
    with _new_store(tmp_path, "target.irodesk") as target:
        summary = import_document(target, parse_document(document))
        assert summary.added["letter"] == 1
        with target.session() as session:
            assert [x.file_removed_at for x in session.exec(select(Letter))] == [None]


# --- Command line ---------------------------------------------------------------------------------


def test_cli_import_of_a_bad_file_exits_2_with_the_rows_on_stderr(
    export_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(export_path.read_text())
    _first(document, "child")["dob"] = "2015-02-31"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    target = tmp_path / "target.irodesk"
    assert main(["import", str(bad), "--db", str(target)]) == 2
    captured = capsys.readouterr()
    assert "tables.child[0]" in captured.err and "2015-02-31" in captured.err
    assert captured.out == ""
    assert not target.exists()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "is not valid JSON (line 1"),
        ("[1, 2, 3]", "not an IRO Desk caseload export"),
    ],
    ids=["broken json", "json of another kind"],
)
def test_cli_import_of_a_file_that_is_not_an_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, why: str
) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text(content, encoding="utf-8")
    assert main(["import", str(bad), "--db", str(tmp_path / "c.irodesk")]) == 2
    assert why in capsys.readouterr().err


def test_cli_import_of_a_missing_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(tmp_path / "nowhere.json"), "--db", str(tmp_path / "c.db")]) == 1
    assert "There is no file" in capsys.readouterr().err
