"""The three-way merge: every edit arrives, nothing is decided by who synced last."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlmodel import select
from sync_helpers import TODAY, Laptop, LaptopFactory, add_colleague

import iro_desk.history
import iro_desk.sync.engine as engine
from iro_desk.cli import main
from iro_desk.history import tombstone
from iro_desk.models import (
    ChallengeStep,
    ChangeLog,
    Child,
    Review,
    SyncConflict,
    SyncRun,
    Visit,
)
from iro_desk.sync.engine import (
    SyncCancelledError,
    SyncNeedsConfirmationError,
    merge_record,
)
from iro_desk.sync.state import (
    TABLES,
    label_columns,
    open_conflicts,
    record_label,
    resolve_record,
)

CHILD = TABLES["child"]


def _row(**changes: Any) -> dict[str, Any]:
    row = {name: None for name in CHILD.columns}
    row.update(
        id="c1", created_at="2026-01-01 00:00:00.000000", updated_at="2026-01-01 00:00:00.000000",
        updated_by="base", revision=1, child_ref="DEMO-1", first_name="Ada",
        last_name="Example", preferred_name="", gender="unknown", ethnicity="",
        first_language="English", interpreter_needed=0, communication_needs="", disability="",
        upn="", notes="",
    )
    row.update(changes)
    return row


def _edited(**changes: Any) -> dict[str, Any]:
    stamp = {"revision": 2, "updated_at": "2026-02-01 00:00:00.000000", "updated_by": "x"}
    return _row(**{**stamp, **changes})


# --- merge_record: the rule for a record present on both sides -----------------------------

@pytest.mark.parametrize(
    ("local", "theirs", "team_wants", "conflicts"),
    [
        (_edited(notes="here"), _edited(preferred_name="Addy"),
         {"notes": "here", "preferred_name": "Addy"}, []),
        (_edited(notes="same"), _edited(notes="same"), {"notes": "same"}, []),
        (_edited(notes="here"), _edited(notes="there"), {"notes": "there"}, ["notes"]),
        (_edited(deleted_at="2026-03-02 00:00:00.000000"),
         _edited(deleted_at="2026-03-01 00:00:00.000000"),
         {"deleted_at": "2026-03-01 00:00:00.000000"}, []),
        (_edited(notes="edited here"), _edited(deleted_at="2026-03-01 00:00:00.000000"),
         {"deleted_at": "2026-03-01 00:00:00.000000", "notes": "edited here"}, ["deleted_at"]),
        (_edited(deleted_at="2026-03-01 00:00:00.000000"), _edited(notes="edited there"),
         {"deleted_at": None, "notes": "edited there"}, ["deleted_at"]),
    ],
    ids=[
        "different fields changed on each side both arrive",
        "the same change on both sides is not a conflict",
        "the same field changed differently is a conflict and the team keeps its value",
        "deleted on both sides stays deleted with the earlier time everywhere",
        "edited here but deleted on the team is a conflict, and the edit still reaches the team",
        "deleted here but edited on the team is a conflict; the team's edit arrives here",
    ],
)
def test_merge_record_rule(
    local: dict[str, Any], theirs: dict[str, Any], team_wants: dict[str, Any],
    conflicts: list[str],
) -> None:
    merged = merge_record(CHILD, local, _row(), theirs, actor="me", now_raw="2026-04-01")
    assert {name: merged.team[name] for name in team_wants} == team_wants
    assert [c.field for c in merged.conflicts] == conflicts
    for conflict in merged.conflicts:  # this laptop keeps its own value until the IRO chooses
        assert merged.local[conflict.field] == local[conflict.field]


def test_a_record_met_without_a_common_base_conflicts_only_where_it_differs() -> None:
    merged = merge_record(
        CHILD, _edited(notes="mine", upn="A1"), None, _edited(notes="theirs", upn="A1")
    )
    assert [c.field for c in merged.conflicts] == ["notes"]
    assert merged.conflicts[0].base is None


def test_a_field_in_an_open_conflict_keeps_both_values_and_follows_the_team() -> None:
    merged = merge_record(
        CHILD, _edited(notes="mine"), _row(), _edited(notes="theirs, again", upn="U"),
        held={"notes"},
    )
    assert merged.conflicts == []
    assert merged.local["notes"] == "mine"
    assert merged.team["notes"] == "theirs, again"
    assert merged.held_theirs == {"notes": "theirs, again"}
    assert merged.local["upn"] == "U"


def test_a_merged_record_gets_a_revision_above_both_sides() -> None:
    local = _edited(notes="here", revision=7)
    theirs = _edited(preferred_name="Addy", revision=4)
    merged = merge_record(CHILD, local, _row(), theirs, actor="me", now_raw="2026-05-01")
    assert merged.team["revision"] == 8
    assert merged.team_changed and merged.local_changed


# --- Two laptops and the share ---------------------------------------------------------------

def _pair(laptop: LaptopFactory) -> tuple[Laptop, Laptop]:
    a = laptop("a", demo=True)
    a.sync()
    b = laptop("b")
    b.sync()
    return a, b


@pytest.mark.parametrize("every_record", [False, True],
                         ids=["comparing records noted as written", "comparing every record"])
@pytest.mark.parametrize("a_first", [True, False], ids=["A syncs first", "B syncs first"])
def test_edits_to_different_children_meet_in_either_order(
    laptop: LaptopFactory, monkeypatch: pytest.MonkeyPatch, a_first: bool, every_record: bool
) -> None:
    if every_record:
        monkeypatch.setattr(engine, "FULL_COMPARE_EVERY", 1)
    a, b = _pair(laptop)
    first, second = a.child("DEMO-0001"), b.child("DEMO-0002")
    a.edit(Child, first.id, notes="Likes football (from A)")
    b.edit(Child, second.id, preferred_name="Bea (from B)")
    visit = Visit(child_id=second.id, visit_date=TODAY, wishes_feelings="Demo words (B)")
    b.add(visit)
    order = [a, b, a] if a_first else [b, a, b]
    for machine in order:
        machine.sync()
    assert a.snapshot() == b.snapshot()
    assert a.child("DEMO-0001").notes == "Likes football (from A)"
    assert a.child("DEMO-0002").preferred_name == "Bea (from B)"
    assert a.get(Visit, visit.id).wishes_feelings == "Demo words (B)"
    third = laptop("c")
    third.sync()
    assert third.snapshot() == a.snapshot(), "the team file holds exactly what both laptops hold"


def test_the_same_field_edited_on_both_sides_is_kept_twice_until_the_iro_chooses(
    laptop: LaptopFactory,
) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0003")
    a.edit(Child, child.id, notes="A: moved school in March")
    b.edit(Child, child.id, notes="B: moved school in April")
    a.sync()
    report = b.sync()
    assert report.conflicts_new == 1
    assert b.child("DEMO-0003").notes == "B: moved school in April"  # B's own work stays
    b.sync()
    a.sync()
    assert a.child("DEMO-0003").notes == "A: moved school in March"  # the team kept A's
    with b.store.session() as session:
        [record] = open_conflicts(session)
        [field] = record.fields
        assert (field.field, field.local, field.theirs) == (
            "notes", "B: moved school in April", "A: moved school in March"
        )
        assert field.base == ""
        resolve_record(session, table_name="child", row_id=child.id, choices={"notes": "local"})
    b.sync()
    a.sync()
    assert a.child("DEMO-0003").notes == "B: moved school in April"
    assert a.snapshot() == b.snapshot()
    with b.store.session() as session:
        assert open_conflicts(session) == []
        closed = session.exec(select(SyncConflict)).one()
        assert (closed.status, closed.resolution) == ("resolved", "local")


def test_choosing_the_team_value_is_an_edit_kept_in_history(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0003")
    a.edit(Child, child.id, upn="A123")
    b.edit(Child, child.id, upn="B456")
    a.sync()
    b.sync()
    with b.store.session() as session:
        resolve_record(session, table_name="child", row_id=child.id, choices={"upn": "theirs"})
    assert b.child("DEMO-0003").upn == "A123"
    with b.store.session() as session:
        entries = session.exec(select(ChangeLog).where(ChangeLog.row_id == child.id)).all()
        assert any(json.loads(e.after_json).get("upn") == "A123" for e in entries)
    b.sync()
    a.sync()
    assert a.snapshot() == b.snapshot()


def test_different_fields_of_one_record_merge_without_a_conflict(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0004")
    a.edit(Child, child.id, notes="from A")
    b.edit(Child, child.id, communication_needs="Uses Makaton (from B)")
    a.sync()
    report = b.sync()
    a.sync()
    assert report.conflicts_new == 0
    for machine in (a, b):
        merged = machine.child("DEMO-0004")
        assert (merged.notes, merged.communication_needs) == ("from A", "Uses Makaton (from B)")
    assert a.snapshot() == b.snapshot()


@pytest.mark.parametrize(
    "deleter", ["a", "b"], ids=["deleted by the first", "deleted by the second"]
)
def test_edited_on_one_side_and_deleted_on_the_other_is_a_conflict(
    laptop: LaptopFactory, deleter: str
) -> None:
    a, b = _pair(laptop)
    review = _a_review(a)
    machines = {"a": a, "b": b}
    other = "b" if deleter == "a" else "a"
    with machines[deleter].store.session() as session:
        tombstone(session, session.get(Review, review))
    machines[other].edit(Review, review, venue="Demo family centre (edited)")
    a.sync()
    b.sync()
    with b.store.session() as session:
        [record] = open_conflicts(session)
        assert [(f.field, f.kind) for f in record.fields] == [("deleted_at", "delete")]
    # Nothing is lost while it waits: the edit is on the team's copy too, the deletion on B's.
    a.sync()
    assert a.get(Review, review).venue == "Demo family centre (edited)"
    assert b.get(Review, review).venue == "Demo family centre (edited)"
    with b.store.session() as session:
        resolve_record(session, table_name="review", row_id=review,
                       choices={"deleted_at": "theirs"})
    b.sync()
    a.sync()
    assert a.snapshot() == b.snapshot()


def _a_review(machine: Laptop) -> Any:
    with machine.store.session() as session:
        return session.exec(select(Review).where(Review.deleted_at.is_(None))).first().id


def test_deleted_on_both_sides_converges_without_a_conflict(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    review = _a_review(a)
    for machine in (a, b):
        with machine.store.session() as session:
            tombstone(session, session.get(Review, review))
    a.sync()
    report = b.sync()
    a.sync()
    assert report.conflicts_new == 0
    assert a.get(Review, review).deleted_at is not None
    assert a.snapshot() == b.snapshot()


def test_challenge_steps_added_on_both_sides_are_all_kept(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    with a.store.session() as session:
        step = session.exec(select(ChallengeStep)).first()
    assert step is not None, "the demo caseload has challenges"
    notes = []
    for machine in (a, b):
        note = ChallengeStep(challenge_id=step.challenge_id, child_id=step.child_id, step="note",
                             level=step.level, on_date=TODAY, text=f"Note from {machine.name}")
        notes.append(machine.add(note))
    a.sync()
    b.sync()
    a.sync()
    for machine in (a, b):
        assert set(notes) <= machine.ids(ChallengeStep)
    assert a.snapshot() == b.snapshot()


def test_a_change_written_without_the_app_still_goes_out(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0010")
    conn = a.store.raw_connection()
    conn.execute("UPDATE child SET notes = 'written by a script' WHERE id = ?", (child.id.hex,))
    conn.close()
    a.sync()
    b.sync()
    assert b.child("DEMO-0010").notes == "written by a script"


def test_if_the_notes_of_written_records_were_lost_every_record_is_compared(
    laptop: LaptopFactory,
) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0011")
    conn = a.store.raw_connection()
    conn.execute("DROP TRIGGER sync_dirty_child_update")  # as a table rebuilt by an upgrade
    conn.execute("UPDATE child SET notes = 'while nothing noted it' WHERE id = ?",
                 (child.id.hex,))
    conn.close()
    a.sync()
    b.sync()
    assert b.child("DEMO-0011").notes == "while nothing noted it"


def _base_row(machine: Laptop, table: str, row_id: Any) -> dict[str, Any] | None:
    """The row in a laptop's base table for a record (None: its base is its row here, or none)."""
    conn = machine.store.raw_connection()
    try:
        cursor = conn.execute(f"SELECT * FROM sync_base_{table} WHERE id = ?", (row_id.hex,))
        row = cursor.fetchone()
        names = [d[0] for d in cursor.description]
        return dict(zip(names, row, strict=True)) if row else None
    finally:
        conn.close()


def test_the_base_keeps_a_row_only_while_a_record_differs_from_it(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0012")
    assert _base_row(a, "child", child.id) is None, "after a sync the base is the row here"
    a.edit(Child, child.id, notes="first edit")
    kept = _base_row(a, "child", child.id)
    assert kept is not None and kept["notes"] == child.notes, "the row as it was, copied"
    a.edit(Child, child.id, notes="second edit")
    assert _base_row(a, "child", child.id) == kept, "the base stays what it was at the sync"
    b.edit(Child, b.child("DEMO-0012").id, preferred_name="Robin")
    b.sync()
    report = a.sync()
    assert report.conflicts_new == 0
    merged = a.child("DEMO-0012")
    assert (merged.notes, merged.preferred_name) == ("second edit", "Robin")
    assert _base_row(a, "child", child.id) is None, "both sides the same again"


@pytest.mark.parametrize("stopped_once", [False, True],
                         ids=["synced at once", "a sync stopped first"])
def test_a_table_that_lost_its_triggers_keeps_each_difference_as_a_conflict(
    laptop: LaptopFactory, stopped_once: bool
) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0010")
    conn = a.store.raw_connection()
    triggers = [
        row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'child'"
        )
    ]
    assert any(name.startswith("sync_keep_child_update_") for name in triggers)
    for name in triggers:  # as a table rebuilt by an upgrade
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE child SET notes = 'while nothing kept the base' WHERE id = ?",
                 (child.id.hex,))
    conn.close()
    b.edit(Child, b.child("DEMO-0009").id, notes="from B")
    b.sync()
    if stopped_once:  # the triggers are made again at once: what was lost must be remembered
        with pytest.raises(SyncCancelledError):
            a.sync(cancelled=lambda: True)
    report = a.sync()
    # No base can be trusted: every difference, here or on the team, waits for the IRO.
    assert report.conflicts_new == 2
    assert a.child("DEMO-0010").notes == "while nothing kept the base"
    with a.store.session() as session:
        waiting = {(c.table_name, c.row_id) for c in open_conflicts(session)}
    assert waiting == {("child", child.id), ("child", a.child("DEMO-0009").id)}
    b.sync()
    assert b.child("DEMO-0010").notes == child.notes, "the team keeps its value until chosen"
    again = a.sync()  # the triggers are back: the next sync is an ordinary one
    assert (again.path, again.conflicts_new) == ("up-to-date", 0)


def test_before_the_first_sync_finishes_no_base_is_trusted(laptop: LaptopFactory) -> None:
    a = laptop("a", demo=True)
    a.sync()
    # The same caseload on a new laptop (moved by export and import): same records, no sync.
    c = laptop("c", demo=True)
    child = c.child("DEMO-0006")
    c.edit(Child, child.id, notes="from C")
    a.edit(Child, child.id, notes="from A")
    a.sync()
    with pytest.raises(SyncCancelledError):  # the first sync makes its triggers, then stops
        c.sync(cancelled=lambda: True)
    c.edit(Child, child.id, preferred_name="Jo")  # copies a row the sync must not trust
    report = c.sync()
    assert report.conflicts_new >= 1
    assert c.child("DEMO-0006").notes == "from C", "kept until the IRO chooses"
    with c.store.session() as session:
        fields = {f.field for r in open_conflicts(session) for f in r.fields
                  if r.row_id == child.id}
    assert "notes" in fields


def _drop_base_triggers(conn: Any, where: str = "1") -> None:
    """Drop the triggers that keep the base (those of the tables ``where`` picks)."""
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
        f"(name LIKE 'sync_keep_%' OR name LIKE 'sync_new_%') AND {where}"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")


def test_a_table_new_to_the_base_is_not_a_lost_base(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    conn = a.store.raw_connection()
    # As after an upgrade that adds a caseload table: no base table, no triggers for it yet.
    _drop_base_triggers(conn, "tbl_name = 'visit'")
    conn.execute("DROP TABLE sync_base_visit")
    conn.close()
    b.edit(Child, b.child("DEMO-0005").id, notes="from B")
    b.sync()
    report = a.sync()
    assert (report.path, report.conflicts_new) == ("changes", 0)
    assert a.child("DEMO-0005").notes == "from B"
    assert a.snapshot() == b.snapshot()


def test_a_base_kept_whole_by_an_earlier_version_is_taken_over(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    conn = a.store.raw_connection()
    # As IRO Desk kept the base before it was copy-on-write: a base row for every record
    # synced, no table of new records, no triggers keeping the base.
    _drop_base_triggers(conn)
    conn.execute("DROP TABLE sync_unsynced")
    for name, spec in TABLES.items():
        columns = ", ".join(spec.columns)
        values = ", ".join("0" if c in spec.local_only else c for c in spec.columns)
        conn.execute(f"INSERT OR IGNORE INTO sync_base_{name} ({columns}) SELECT {values} "
                     f"FROM {name}")
    conn.close()
    edited = a.child("DEMO-0008")
    a.edit(Child, edited.id, notes="edited before the update")
    added = a.add(Child(child_ref="DEMO-0901", first_name="Sky", last_name="Example",
                        date_of_birth=dt.date(2014, 5, 6), notes="made before the update"))
    report = a.sync()
    assert (report.went_out_count, report.conflicts_new) == (2, 0)
    b.sync()
    assert b.child("DEMO-0008").notes == "edited before the update"
    assert b.get(Child, added).notes == "made before the update"
    a.edit(Child, added, notes="edited after the update")
    assert a.sync().went_out_count == 1
    b.sync()
    assert b.get(Child, added).notes == "edited after the update"


def test_history_of_every_change_travels_with_it(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0005")
    a.edit(Child, child.id, notes="History please")
    a.sync()
    b.sync()
    with b.store.session() as session:
        entries = session.exec(select(ChangeLog).where(ChangeLog.row_id == child.id)).all()
    assert [(e.action, e.changed_by) for e in entries] == [("update", "iro-a")]


def test_a_laptop_whose_clock_is_hours_out_still_sends_every_edit(
    laptop: LaptopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _pair(laptop)
    real_now = iro_desk.history.utcnow
    child = a.child("DEMO-0006")
    a.edit(Child, child.id, notes="A, on time")
    a.sync()
    b.sync()
    # B's clock runs six hours slow: its later edits carry earlier times than A's.
    monkeypatch.setattr(iro_desk.history, "utcnow", lambda: real_now() - dt.timedelta(hours=6))
    b.edit(Child, child.id, preferred_name="Six hours behind")
    b.edit(Child, b.child("DEMO-0007").id, notes="B, late clock")
    assert b.child("DEMO-0006").updated_at < a.child("DEMO-0006").updated_at
    b.sync()
    monkeypatch.setattr(iro_desk.history, "utcnow", real_now)
    a.sync()
    assert a.child("DEMO-0006").preferred_name == "Six hours behind"
    assert a.child("DEMO-0006").notes == "A, on time"
    assert a.child("DEMO-0007").notes == "B, late clock"


def test_a_fast_clock_does_not_win_a_conflict(
    laptop: LaptopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0008")
    real_now = iro_desk.history.utcnow
    monkeypatch.setattr(iro_desk.history, "utcnow", lambda: real_now() + dt.timedelta(hours=9))
    a.edit(Child, child.id, notes="A, clock nine hours fast")
    monkeypatch.setattr(iro_desk.history, "utcnow", real_now)
    b.edit(Child, child.id, notes="B, right time")
    a.sync()
    report = b.sync()
    assert report.conflicts_new == 1
    assert b.child("DEMO-0008").notes == "B, right time"


def test_an_up_to_date_laptop_reads_only_the_new_changes(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    a.edit(Child, a.child("DEMO-0001").id, notes="small change")
    a.sync()
    report = b.sync()
    assert report.path == "changes"
    assert [item.label for item in report.came_in] == [
        f"Child {_name(b.child('DEMO-0001'))} (DEMO-0001)"
    ]
    assert b.reports[0].path == "full"


def _name(child: Child) -> str:
    return f"{child.preferred_name or child.first_name} {child.last_name}"


def test_each_sync_is_kept_in_the_history(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    a.edit(Child, a.child("DEMO-0002").id, notes="for the history")
    a.sync()
    with a.store.session() as session:
        runs = session.exec(select(SyncRun).order_by(SyncRun.finished_at)).all()
    assert [r.went_out for r in runs][-1] == 1
    details = json.loads(runs[-1].details_json)
    assert details["went_out"][0]["label"].endswith("(DEMO-0002)")


def test_an_encrypted_caseload_syncs_and_its_base_stays_encrypted(laptop: LaptopFactory) -> None:
    a = laptop("a", demo=True)
    a.sync()
    secret = laptop("secret", passphrase="demo passphrase for tests")
    secret.sync()
    assert secret.store.encrypted
    assert b"DEMO-0001" not in secret.store.path.read_bytes()
    assert secret.snapshot() == a.snapshot()
    secret.store.change_passphrase("demo passphrase for tests", "another demo passphrase")
    secret.edit(Child, secret.child("DEMO-0001").id, notes="after a new passphrase")
    a.edit(Child, a.child("DEMO-0002").id, notes="from A meanwhile")
    assert secret.sync().went_out_count == 1, "the base moved with the re-key"
    a.sync()
    secret.sync()
    assert secret.snapshot() == a.snapshot()


# --- What this laptop keeps ------------------------------------------------------------------

def _team_with_two_iros(laptop: LaptopFactory) -> tuple[Laptop, Any, Any]:
    manager = laptop("manager", demo=True)
    with manager.store.session() as session:
        me = session.exec(select(Child)).first().allocated_iro_id
    colleague = add_colleague(manager, "Demo Colleague", "demo.colleague")
    refs = sorted(c.child_ref for c in _children(manager))
    for ref in refs[6:]:
        manager.edit(Child, manager.child(ref).id, allocated_iro_id=colleague)
    manager.sync()
    return manager, me, colleague


def _children(machine: Laptop) -> list[Child]:
    with machine.store.session() as session:
        return list(session.exec(select(Child)).all())


def test_a_laptop_keeps_the_children_allocated_to_its_iro_and_those_they_cover(
    laptop: LaptopFactory,
) -> None:
    manager, me, colleague = _team_with_two_iros(laptop)
    covered = manager.child("DEMO-0012")
    manager.edit(Child, covered.id, covering_iro_id=me)
    manager.sync()
    robin = laptop("robin", scope="mine", identity="robin.example")
    robin.sync()
    refs = sorted(c.child_ref for c in _children(robin))
    assert refs == [f"DEMO-{n:04d}" for n in range(1, 7)] + ["DEMO-0012"]
    kept = {c.id for c in _children(robin)}
    with robin.store.session() as session:
        reviews = session.exec(select(Review)).all()
    assert reviews and all(r.child_id in kept for r in reviews if r.child_id)


def test_a_reallocated_child_leaves_the_laptop_after_its_edits_reach_the_team(
    laptop: LaptopFactory,
) -> None:
    manager, me, colleague = _team_with_two_iros(laptop)
    robin = laptop("robin", scope="mine", identity="robin.example")
    robin.sync()
    leaving = robin.child("DEMO-0002")
    visit = robin.add(Visit(child_id=leaving.id, visit_date=TODAY, wishes_feelings="Bye (demo)"))
    manager.sync()
    manager.edit(Child, leaving.id, allocated_iro_id=colleague)
    manager.sync()
    report = robin.sync()
    assert "DEMO-0002" not in {c.child_ref for c in _children(robin)}
    assert visit not in robin.ids(Visit)
    assert report.left_count > 0
    manager.sync()
    assert manager.get(Visit, visit).wishes_feelings == "Bye (demo)"
    arriving = manager.child("DEMO-0010")
    manager.edit(Child, arriving.id, allocated_iro_id=me)
    manager.sync()
    robin.sync()
    assert "DEMO-0010" in {c.child_ref for c in _children(robin)}
    with robin.store.session() as session:
        assert session.exec(select(Review).where(Review.child_id == arriving.id)).all()


def test_a_sync_that_would_remove_most_of_the_caseload_stops_and_asks(
    laptop: LaptopFactory,
) -> None:
    manager, me, colleague = _team_with_two_iros(laptop)
    robin = laptop("robin", scope="mine", identity="robin.example")
    robin.sync()
    for child in _children(manager):
        manager.edit(Child, child.id, allocated_iro_id=colleague)
    manager.sync()
    before = robin.snapshot()
    with pytest.raises(SyncNeedsConfirmationError, match="most of your caseload"):
        robin.sync()
    assert robin.snapshot() == before
    robin.sync(confirm=True)
    assert _children(robin) == []


def test_who_i_am_must_be_known_to_keep_only_my_children(laptop: LaptopFactory) -> None:
    manager = laptop("manager", demo=True)
    manager.sync()
    stranger = laptop("stranger", scope="mine", identity="nobody.here")
    with pytest.raises(Exception, match="sign-in name"):
        stranger.sync()
    assert stranger.snapshot()["child"] == {}


def test_two_children_with_one_child_id_stop_the_sync_with_a_clear_message(
    laptop: LaptopFactory,
) -> None:
    a, b = _pair(laptop)
    a.add(Child(child_ref="DEMO-9999", first_name="Demo", last_name="One"))
    b.add(Child(child_ref="DEMO-9999", first_name="Demo", last_name="Two"))
    a.sync()
    before = b.snapshot()
    with pytest.raises(Exception, match="DEMO-9999 is used for two different"):
        b.sync()
    assert b.snapshot() == before


# --- The command line --------------------------------------------------------------------------

def test_the_command_line_syncs_lists_and_settles_conflicts(
    laptop: LaptopFactory, share: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0003")
    a.edit(Child, child.id, notes="CLI A")
    b.edit(Child, child.id, notes="CLI B")
    a.store.close()
    b.store.close()
    assert main(["sync", "--db", str(a.store.path), "--share", str(share), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["went_out_count"] == 1
    assert main(["sync", "--db", str(b.store.path)]) == 0
    assert "conflicts waiting" in capsys.readouterr().out
    assert main(["conflicts", "--db", str(b.store.path), "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert [(f["field"], f["local"], f["theirs"]) for f in listed["fields"]] == [
        ("notes", "CLI B", "CLI A")
    ]
    assert main(["conflict", "resolve", "--db", str(b.store.path), "--id",
                 listed["record_id"], "--take", "notes=theirs"]) == 0
    assert "keeps the theirs value" in capsys.readouterr().out
    assert main(["conflicts", "--db", str(b.store.path)]) == 0
    assert "No conflicts" in capsys.readouterr().out


@pytest.mark.parametrize("table", list(TABLES))
def test_a_record_is_labelled_the_same_from_the_columns_read_for_its_label(table: str) -> None:
    child_id = "c" * 32
    row = {column: f"{column} value" for column in TABLES[table].columns}
    row["child_id"] = child_id
    names = {child_id: "Demo Child"}
    wanted = {column: row[column] for column in label_columns(table)}
    assert record_label(table, wanted, names) == record_label(table, row, names)
    assert {"id", "deleted_at"} <= set(label_columns(table))
