"""A sync that dies at any moment leaves both sides readable, and the next sync finishes the job.

Failures are simulated at every step of the engine and of the share writer, and a real
``iro-desk sync`` process is killed at random moments.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from sync_helpers import TODAY, Laptop, LaptopFactory

import iro_desk.sync.engine as engine
import iro_desk.sync.share as share_module
from iro_desk.models import Child, SyncConflict, Visit
from iro_desk.store import CaseloadStore, check_file
from iro_desk.sync.share import ShareUnavailableError, TeamShare
from iro_desk.sync.state import read_sent

STEPS = ["listed", "downloaded", "merged", "published", "backed_up", "applied", "committed",
         "pruned"]


def _verify_share(share: Path, tmp_path: Path) -> list[int]:
    """Every generation on the share is complete and readable; returns their numbers."""
    team = TeamShare(share)
    numbers = team.generation_numbers()
    check = tmp_path / "verify"
    check.mkdir(exist_ok=True)
    for number in numbers:
        manifest = team.read_manifest(number)
        copy = team.fetch_payload(manifest, check / f"g{number}.irodesk")
        check_file(copy)
        copy.unlink()
    return numbers


def _busy_pair(laptop: LaptopFactory) -> tuple[Laptop, Laptop, dict[str, Any]]:
    """A and B synced, then both edited: A has changes going out and coming in."""
    a = laptop("a", demo=True)
    a.sync()
    b = laptop("b")
    b.sync()
    expected: dict[str, Any] = {}
    a.edit(Child, a.child("DEMO-0001").id, notes="A's note")
    expected["visit_a"] = a.add(
        Visit(child_id=a.child("DEMO-0002").id, visit_date=TODAY, wishes_feelings="From A")
    )
    b.edit(Child, b.child("DEMO-0003").id, notes="B's note")
    expected["visit_b"] = b.add(
        Visit(child_id=b.child("DEMO-0004").id, visit_date=TODAY, wishes_feelings="From B")
    )
    b.sync()
    return a, b, expected


def _everything_arrived(a: Laptop, b: Laptop, expected: dict[str, Any]) -> None:
    a.sync()
    b.sync()
    a.sync()
    assert a.snapshot() == b.snapshot()
    for machine in (a, b):
        assert machine.child("DEMO-0001").notes == "A's note"
        assert machine.child("DEMO-0003").notes == "B's note"
        assert {expected["visit_a"], expected["visit_b"]} <= machine.ids(Visit)


class _CrashError(Exception):
    pass


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_any_step_loses_nothing(
    laptop: LaptopFactory, share: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    a, b, expected = _busy_pair(laptop)
    before = a.snapshot()

    def crash(name: str) -> None:
        if name == step:
            raise _CrashError(name)

    monkeypatch.setattr(engine, "_step", crash)
    with pytest.raises(_CrashError):
        a.sync()
    monkeypatch.undo()
    assert check_file(a.store.path)
    _verify_share(share, tmp_path)
    if STEPS.index(step) < STEPS.index("committed"):
        assert a.snapshot() == before, "nothing on the laptop changes until the last step"
    assert expected["visit_a"] in a.ids(Visit)
    assert not list((engine.work_folder(a.store.path) / "work").glob("*")), "no copies left"
    _everything_arrived(a, b, expected)


@pytest.mark.parametrize(
    "failure",
    ["payload write", "manifest write", "rename", "after rename"],
    ids=["share lost while writing the payload", "share lost while writing the manifest",
         "share lost at the rename", "share lost just after the rename"],
)
def test_the_share_vanishing_mid_write_loses_nothing(
    laptop: LaptopFactory, share: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    a, b, expected = _busy_pair(laptop)
    before = a.snapshot()
    generations = _verify_share(share, tmp_path)
    real_write, real_rename = share_module._write_new_file, share_module._rename_folder

    def write(path: Path, data: bytes) -> None:
        wanted = {"payload write": share_module.PAYLOAD_NAME,
                  "manifest write": share_module.MANIFEST_NAME}.get(failure)
        if path.name == wanted:
            path.write_bytes(data[: len(data) // 3])
            raise OSError(5, "The network path was not found")
        real_write(path, data)

    def rename(source: Path, target: Path) -> None:
        if failure == "after rename":
            real_rename(source, target)
        raise OSError(5, "The specified network name is no longer available")

    monkeypatch.setattr(share_module, "_write_new_file", write)
    if failure in ("rename", "after rename"):
        monkeypatch.setattr(share_module, "_rename_folder", rename)
    with pytest.raises(ShareUnavailableError, match="could not be used"):
        a.sync()
    monkeypatch.undo()
    assert a.snapshot() == before
    now = _verify_share(share, tmp_path)
    assert now == generations + ([generations[-1] + 1] if failure == "after rename" else [])
    leftovers = [p.name for p in (share / "iro-desk-sync" / "generations").iterdir()
                 if p.name.startswith(".new-")]
    assert leftovers == [], "a failed write removes its temporary folder"
    _everything_arrived(a, b, expected)


# --- Cut short after writing to the share, before recording it here ------------------------------


def _sync_cut_short_after_writing(machine: Laptop, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync whose generation reaches the share, then dies before this laptop records it."""

    def crash(name: str) -> None:
        if name == "published":
            raise _CrashError(name)

    with monkeypatch.context() as patched:
        patched.setattr(engine, "_step", crash)
        with pytest.raises(_CrashError):
            machine.sync()


def _nothing_noted(machine: Laptop) -> bool:
    conn = machine.store.raw_connection()
    try:
        return read_sent(conn) is None
    finally:
        conn.close()


@pytest.mark.parametrize("field", ["notes", "preferred_name"],
                         ids=["the same field edited again", "another field edited"])
def test_editing_after_a_sync_cut_short_is_not_a_conflict_with_yourself(
    laptop: LaptopFactory, monkeypatch: pytest.MonkeyPatch, field: str
) -> None:
    a = laptop("a", demo=True)
    a.sync()
    b = laptop("b")
    b.sync()
    child = a.child("DEMO-0001").id
    a.edit(Child, child, notes="First note")
    _sync_cut_short_after_writing(a, monkeypatch)
    b.sync()
    assert b.get(Child, child).notes == "First note", "the cut-short sync reached the share"
    a.edit(Child, child, **{field: "Second"})
    report = a.sync()
    assert report.conflicts_new == 0 and report.conflicts_open == 0
    assert _nothing_noted(a), "the recorded sync forgets the generation it noted"
    b.sync()
    assert a.snapshot() == b.snapshot()
    assert getattr(b.get(Child, child), field) == "Second"
    assert b.get(Child, child).notes == ("Second" if field == "notes" else "First note")


def test_a_colleagues_edit_after_a_sync_cut_short_still_merges_or_conflicts(
    laptop: LaptopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = laptop("a", demo=True)
    a.sync()
    b = laptop("b")
    b.sync()
    child, other = a.child("DEMO-0001").id, a.child("DEMO-0002").id
    a.edit(Child, child, notes="First note")
    a.edit(Child, other, notes="First note")
    _sync_cut_short_after_writing(a, monkeypatch)
    b.sync()
    b.edit(Child, child, preferred_name="Bee")  # another field: merged with A's next edit
    b.edit(Child, other, notes="B's note")  # the same field: a real conflict
    b.sync()
    a.edit(Child, child, notes="Second note")
    a.edit(Child, other, notes="Second note")
    report = a.sync()
    b.sync()
    merged = b.get(Child, child)
    assert (merged.notes, merged.preferred_name) == ("Second note", "Bee")
    assert (a.get(Child, child).notes, a.get(Child, child).preferred_name) == (
        "Second note", "Bee")
    assert report.conflicts_new == 1
    with a.store.session() as session:
        conflict = session.exec(select(SyncConflict)).one()
    assert str(conflict.row_id) == str(other) and conflict.field == "notes"
    assert (conflict.base_json, conflict.local_json, conflict.theirs_json) == (
        '"First note"', '"Second note"', '"B\'s note"'
    ), "the base is what A wrote to the share, so only B's change meets A's"


def test_a_noted_generation_that_never_reached_the_share_is_forgotten(
    laptop: LaptopFactory, share: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, expected = _busy_pair(laptop)

    def rename(source: Path, target: Path) -> None:
        raise OSError(5, "The specified network name is no longer available")

    with monkeypatch.context() as patched:
        patched.setattr(share_module, "_rename_folder", rename)
        with pytest.raises(ShareUnavailableError):
            a.sync()
    assert not _nothing_noted(a), "noted before writing"
    a.edit(Child, a.child("DEMO-0001").id, notes="A's note")  # unchanged: still A's
    _everything_arrived(a, b, expected)
    assert _nothing_noted(a)


# --- A real process, killed at random moments ---------------------------------------------------


def _sync_process(machine: Laptop) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "iro_desk", "sync", "--db", str(machine.store.path), "--yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def _kill_loop(laptop: LaptopFactory, share: Path, tmp_path: Path, rounds: int) -> int:
    a = laptop("a", demo=True)
    a.sync()
    b = laptop("b")
    b.sync()
    rng = random.Random(20270104)
    # A first run compiles IRO Desk's modules (on a fresh clone there are no .pyc files yet):
    # timed, it made the kill window so long that sometimes no run was killed at all.
    warm_up = _sync_process(a)
    assert warm_up.wait(timeout=120) == 0, warm_up.stderr.read() if warm_up.stderr else ""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "iro_desk", "--version"], check=True,
                   capture_output=True)
    startup = time.perf_counter() - started  # Python and IRO Desk loading, before any sync
    started = time.perf_counter()
    finished = _sync_process(a)
    assert finished.wait(timeout=120) == 0, finished.stderr.read() if finished.stderr else ""
    duration = time.perf_counter() - started
    mine: list[Any] = []
    theirs: list[Any] = []
    kills = 0
    for round_ in range(rounds):
        child = a.child(f"DEMO-{round_ % 12 + 1:04d}")
        mine.append(a.add(Visit(child_id=child.id, visit_date=TODAY,
                                wishes_feelings=f"Committed on A before kill {round_}")))
        a.edit(Child, child.id, notes=f"A edit {round_}")
        if round_ % 2:
            other = b.child(f"DEMO-{(round_ + 5) % 12 + 1:04d}")
            theirs.append(b.add(Visit(child_id=other.id, visit_date=TODAY,
                                      wishes_feelings=f"From B {round_}")))
            b.sync()
        process = _sync_process(a)
        # Most kills land while the sync itself runs, some anywhere (even while loading).
        early = 0.02 if rng.random() < 0.2 else startup * 0.9
        try:
            process.wait(timeout=rng.uniform(early, duration * 1.05))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            kills += 1
        # check_file reads the header with a plain open(); closing that file would drop this
        # process's SQLite locks (POSIX advisory locks are per process), so close the pool first.
        a.store.engine.dispose()
        assert check_file(a.store.path), "the caseload is always readable"
        _verify_share(share, tmp_path)
        assert set(mine) <= a.ids(Visit), "a committed record is never lost"
    assert kills, "at least some runs were killed mid-sync"
    a.sync()
    b.sync()
    a.sync()
    assert a.snapshot() == b.snapshot()
    for machine in (a, b):
        assert set(mine) | set(theirs) <= machine.ids(Visit)
    with CaseloadStore.open(a.store.path) as reopened, reopened.session() as session:
        assert session.get(Child, a.child("DEMO-0001").id) is not None
    return len(mine)


def test_killing_sync_at_random_moments_loses_nothing(
    laptop: LaptopFactory, share: Path, tmp_path: Path
) -> None:
    kept = _kill_loop(laptop, share, tmp_path, rounds=5)
    assert kept == 5, "every round's committed visit is kept on both laptops"


@pytest.mark.slow
def test_killing_sync_fifty_times_loses_nothing(
    laptop: LaptopFactory, share: Path, tmp_path: Path
) -> None:
    kept = _kill_loop(laptop, share, tmp_path, rounds=50)
    assert kept == 50, "every round's committed visit is kept on both laptops"
