"""The team share: new files only, checked before use; damaged or foreign files stop the sync."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from sqlmodel import select
from sync_helpers import Laptop, LaptopFactory

import iro_desk.sync.engine as engine
from iro_desk.models import Child, SyncRun
from iro_desk.store import SCHEMA_VERSION, check_file
from iro_desk.sync.share import (
    GENERATIONS_DIR,
    MANIFEST_NAME,
    PAYLOAD_NAME,
    SHARE_DIR_NAME,
    GenerationTakenError,
    Manifest,
    ShareFileRefusedError,
    ShareUnavailableError,
    TeamShare,
)
from iro_desk.sync.state import TABLES


def _generations(share: Path) -> Path:
    return share / SHARE_DIR_NAME / GENERATIONS_DIR


def _share_state(share: Path) -> dict[str, str]:
    """Every file on the share with a hash of its bytes."""
    return {
        str(path.relative_to(share)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(share.rglob("*"))
        if path.is_file()
    }


def _history(machine: Laptop) -> int:
    with machine.store.session() as session:
        return len(session.exec(select(SyncRun)).all())


@pytest.fixture
def published(laptop: LaptopFactory) -> tuple[Laptop, Laptop]:
    """A has written two generations (the whole team file, then a change); B is new."""
    a = laptop("a", demo=True)
    a.sync()
    a.edit(Child, a.child("DEMO-0001").id, notes="second generation")
    a.sync()
    return a, laptop("b")


def test_a_generation_is_a_folder_with_a_manifest_and_a_checked_payload(
    published: tuple[Laptop, Laptop], share: Path
) -> None:
    folders = sorted(p.name for p in _generations(share).iterdir())
    assert folders == ["g00000001", "g00000002"], "no temporary folders are left behind"
    team = TeamShare(share)
    first, second = team.read_manifest(1), team.read_manifest(2)
    assert (first.kind, second.kind, second.parent) == ("full", "changes", 1)
    assert first.team_id == second.team_id
    payload = _generations(share) / "g00000002" / PAYLOAD_NAME
    assert hashlib.sha256(payload.read_bytes()).hexdigest() == second.payload_sha256
    assert check_file(payload).schema_version == SCHEMA_VERSION
    assert second.counts["child"] == 1


def _payload_rows(share: Path, number: int) -> dict[str, set[str]]:
    """The ids of the records (and history rows) in a generation's payload, by table."""
    conn = sqlite3.connect(
        f"{(_generations(share) / f'g{number:08d}' / PAYLOAD_NAME).as_uri()}?mode=ro", uri=True
    )
    try:
        found = {
            table: {row[0] for row in conn.execute(f"SELECT id FROM {table}")}
            for table in (*TABLES, "change_log")
        }
        found["sync_rows"] = {
            f"{table}:{row_id}:{is_new}"
            for table, row_id, is_new in conn.execute(
                "SELECT table_name, row_id, is_new FROM sync_rows"
            )
        }
        found["history of"] = {row[0] for row in conn.execute("SELECT row_id FROM change_log")}
        return {name: ids for name, ids in found.items() if ids}
    finally:
        conn.close()


@pytest.mark.parametrize(
    "others_first",
    [
        pytest.param(False, id="up to date: the team copy is the payload"),
        pytest.param(True, id="after another laptop's changes: a payload of its own"),
    ],
)
def test_a_changes_generation_holds_exactly_what_went_out(
    laptop: LaptopFactory, share: Path, others_first: bool
) -> None:
    a = laptop("a", demo=True)
    a.sync()
    b = laptop("b")
    b.sync()
    child = a.child("DEMO-0001")
    a.edit(Child, child.id, notes="changed on a")
    if others_first:
        b.edit(Child, b.child("DEMO-0002").id, notes="changed on b")
        b.sync()
    report = a.sync()
    expected = "changes" if others_first else "up-to-date"
    assert (report.path, report.went_out_count) == (expected, 1)
    team = TeamShare(share)
    number = report.published
    assert number is not None and team.read_manifest(number).kind == "changes"
    rows = _payload_rows(share, number)
    assert rows.pop("child") == {child.id.hex}
    assert rows.pop("sync_rows") == {f"child:{child.id.hex}:0"}
    assert rows.pop("history of") == {child.id.hex}, "only the history of what went out"
    assert len(rows.pop("change_log")) == 1
    assert rows == {}, "nothing else is in the payload"


def test_a_generation_number_is_never_written_twice(
    published: tuple[Laptop, Laptop], share: Path, tmp_path: Path
) -> None:
    team = TeamShare(share)
    before = _share_state(share)
    second = team.read_manifest(2)
    payload = tmp_path / "other.irodesk"
    payload.write_bytes((_generations(share) / "g00000001" / PAYLOAD_NAME).read_bytes())
    with pytest.raises(GenerationTakenError):
        team.publish(payload, second)
    assert _share_state(share) == before


def _rewrite_manifest(share: Path, number: int, **changes: object) -> None:
    path = _generations(share) / f"g{number:08d}" / MANIFEST_NAME
    body = json.loads(path.read_text())
    body.update(changes)
    path.write_text(json.dumps(body))


def _replace_payload(share: Path, number: int, data: bytes, *, fix_manifest: bool) -> None:
    (_generations(share) / f"g{number:08d}" / PAYLOAD_NAME).write_bytes(data)
    if fix_manifest:
        _rewrite_manifest(share, number, payload_sha256=hashlib.sha256(data).hexdigest(),
                          payload_size=len(data))


def _other_apps_database(tmp_path: Path) -> bytes:
    path = tmp_path / "not-ours.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text)")
    conn.commit()
    conn.close()
    return path.read_bytes()


def _newer_caseload(share: Path, tmp_path: Path) -> bytes:
    copy = tmp_path / "newer.irodesk"
    copy.write_bytes((_generations(share) / "g00000002" / PAYLOAD_NAME).read_bytes())
    conn = sqlite3.connect(copy)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    return copy.read_bytes()


# A damaged payload stops every laptop that reads it (B, new, reads the whole chain; A wrote
# generation 2 and does not need to read it again); a bad manifest stops every laptop.
@pytest.mark.parametrize(
    ("damage", "message", "refused"),
    [
        ("flip", "damaged", "b"),
        ("truncate", "cut short", "b"),
        ("text manifest", "manifest is not readable", "ab"),
        ("foreign database", "not an IRO Desk caseload", "b"),
        ("newer schema in manifest", "newer IRO Desk", "b"),
        ("newer schema in file", "newer IRO Desk", "b"),
        ("newer sync format", "newer IRO Desk", "ab"),
        ("unknown protection", "cannot read", "ab"),
        ("no manifest", "no manifest", "ab"),
    ],
    ids=lambda value: str(value),
)
def test_a_bad_file_on_the_share_stops_the_sync_and_touches_nothing(
    published: tuple[Laptop, Laptop], share: Path, tmp_path: Path, damage: str, message: str,
    refused: str,
) -> None:
    a, b = published
    g2 = _generations(share) / "g00000002"
    payload = (g2 / PAYLOAD_NAME).read_bytes()
    if damage == "flip":
        _replace_payload(share, 2, payload[:500] + bytes([payload[500] ^ 0xFF]) + payload[501:],
                         fix_manifest=False)
    elif damage == "truncate":
        _replace_payload(share, 2, payload[: len(payload) // 2], fix_manifest=False)
    elif damage == "text manifest":
        (g2 / MANIFEST_NAME).write_text("Minutes of the team meeting\n")
    elif damage == "foreign database":
        _replace_payload(share, 2, _other_apps_database(tmp_path), fix_manifest=True)
    elif damage == "newer schema in manifest":
        _rewrite_manifest(share, 2, schema_version=SCHEMA_VERSION + 1)
    elif damage == "newer schema in file":
        _replace_payload(share, 2, _newer_caseload(share, tmp_path), fix_manifest=True)
    elif damage == "newer sync format":
        _rewrite_manifest(share, 2, format_version=99)
    elif damage == "unknown protection":
        _rewrite_manifest(share, 2, codec="someone-elses-cipher")
    elif damage == "no manifest":
        (g2 / MANIFEST_NAME).unlink()
    share_before = _share_state(share)
    for machine in [m for m in (a, b) if m.name in refused]:
        before = machine.snapshot()
        runs = _history(machine)
        with pytest.raises(ShareFileRefusedError, match=message):
            machine.sync()
        assert machine.snapshot() == before
        assert _history(machine) == runs
        assert check_file(machine.store.path).schema_version == SCHEMA_VERSION
    assert _share_state(share) == share_before


def test_things_in_the_share_folder_that_are_not_generations_are_left_alone(
    published: tuple[Laptop, Laptop], share: Path
) -> None:
    a, b = published
    folder = _generations(share)
    (folder / "notes.txt").write_text("not ours")
    (folder / "photos").mkdir()
    (folder / ".new-deadbeef-0123").mkdir()
    (folder / ".new-deadbeef-0123" / PAYLOAD_NAME).write_bytes(b"half written")
    b.sync()
    assert b.snapshot() == a.snapshot()
    assert (folder / "notes.txt").read_text() == "not ours"
    assert (folder / ".new-deadbeef-0123").exists(), "a recent temporary folder may be in use"


def test_a_missing_share_is_reported_and_nothing_changes(
    laptop: LaptopFactory, tmp_path: Path
) -> None:
    a = laptop("a", demo=True)
    a.configure(team_share_folder=str(tmp_path / "unplugged"))
    before = a.snapshot()
    with pytest.raises(ShareUnavailableError, match="cannot be found"):
        a.sync()
    assert a.snapshot() == before


def test_old_generations_are_pruned_but_never_those_still_needed(
    laptop: LaptopFactory, share: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "FULL_EVERY", 3)
    a = laptop("a", demo=True)
    a.sync()
    for n in range(5):
        a.edit(Child, a.child("DEMO-0002").id, notes=f"edit {n}")
        a.sync()
    team = TeamShare(share)
    kinds = {n: team.read_manifest(n).kind for n in team.generation_numbers()}
    assert kinds == {1: "full", 2: "changes", 3: "changes", 4: "changes", 5: "full",
                     6: "changes"}
    long_ago = time.time() - 40 * 86400
    for folder in _generations(share).iterdir():
        for path in (folder, *folder.iterdir()):
            os.utime(path, (long_ago, long_ago))
    stale = _generations(share) / ".new-0badcafe-99"
    stale.mkdir()
    os.utime(stale, (long_ago, long_ago))
    removed = team.prune(keep_days=14, keep_from=5)
    assert removed == [1, 2, 3, 4]
    assert team.generation_numbers() == [5, 6]
    assert not stale.exists()
    fresh = laptop("fresh")
    fresh.sync()
    assert fresh.child("DEMO-0002").notes == "edit 4"


def test_recent_generations_are_kept_for_the_days_set(published: tuple[Laptop, Laptop],
                                                      share: Path) -> None:
    team = TeamShare(share)
    assert team.prune(keep_days=14, keep_from=2) == []
    assert team.generation_numbers() == [1, 2]


class _MirrorCodec:
    """A stand-in for share encryption: the payload is stored reversed."""

    name = "mirror-test"

    def encode(self, data: bytes) -> bytes:
        return data[::-1]

    def decode(self, data: bytes) -> bytes:
        return data[::-1]


def test_payloads_pass_through_one_codec_on_the_way_to_and_from_the_share(
    laptop: LaptopFactory, share: Path
) -> None:
    a = laptop("a", demo=True)
    a.sync(codec=_MirrorCodec())
    stored = (_generations(share) / "g00000001" / PAYLOAD_NAME).read_bytes()
    assert not stored.startswith(b"SQLite format 3")
    assert TeamShare(share, codec=_MirrorCodec()).read_manifest(1).codec == "mirror-test"
    b = laptop("b")
    with pytest.raises(ShareFileRefusedError, match="mirror-test"):
        b.sync()
    b.sync(codec=_MirrorCodec())
    assert b.snapshot() == a.snapshot()


def test_a_manifest_round_trips() -> None:
    manifest = Manifest(generation=3, parent=2, kind="changes", team_id="t", schema_version=1,
                        app_version="0", laptop_id="l", written_by="w", written_at="x",
                        codec="plain", payload_sha256="0" * 64, payload_size=1, nonce="n",
                        counts={"child": 2})
    assert Manifest.from_json(manifest.to_json(), "g00000003") == manifest


def test_a_rename_refused_for_a_moment_is_tried_again(
    laptop: LaptopFactory, share: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_rename = os.rename
    refused: list[str] = []

    def busy_once(source: object, target: object) -> None:
        if Path(str(target)).name.startswith("g") and not refused:
            refused.append(str(target))
            raise PermissionError(13, "Access is denied (a virus scanner has the file open)")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", busy_once)
    a = laptop("a", demo=True)
    a.sync()
    assert refused and TeamShare(share).generation_numbers() == [1]


# --- Stopping a sync ---------------------------------------------------------------------------


@pytest.mark.parametrize("stop_after", [1, 2], ids=["after listing the share", "after reading it"])
def test_a_stopped_sync_changes_nothing_here_or_on_the_share(
    laptop: LaptopFactory, share: Path, stop_after: int
) -> None:
    a = laptop("a", demo=True)
    b = laptop("b", demo=True)
    a.sync()
    b.sync()
    child = a.child("DEMO-0002")
    a.edit(Child, child.id, notes="Changed on A, not yet synced")
    before_share, before_a, runs = _share_state(share), a.snapshot(), _history(a)
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) >= stop_after

    with pytest.raises(engine.SyncCancelledError, match="Nothing was changed"):
        a.sync(cancelled=stop)
    assert _share_state(share) == before_share
    assert a.snapshot() == before_a
    assert _history(a) == runs
    report = a.sync()  # the next sync does the job
    assert report.went_out_count >= 1
