"""Syncing at the same moment: two laptops, two processes, or an IRO typing during a sync."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import TODAY, Laptop, LaptopFactory

import iro_desk.sync.engine as engine
from iro_desk.errors import IroDeskError
from iro_desk.models import Child, Visit
from iro_desk.sync.engine import LocalSyncLock, work_folder
from iro_desk.sync.share import TeamShare
from iro_desk.sync.state import open_conflicts


def _pair(laptop: LaptopFactory) -> tuple[Laptop, Laptop]:
    a = laptop("a", demo=True)
    a.sync()
    b = laptop("b")
    b.sync()
    return a, b


def _edit_both(a: Laptop, b: Laptop, tag: str) -> dict[str, Any]:
    a.edit(Child, a.child("DEMO-0001").id, notes=f"A {tag}")
    b.edit(Child, b.child("DEMO-0002").id, notes=f"B {tag}")
    return {
        "a": a.add(Visit(child_id=a.child("DEMO-0005").id, visit_date=TODAY,
                         wishes_feelings=f"A visit {tag}")),
        "b": b.add(Visit(child_id=b.child("DEMO-0006").id, visit_date=TODAY,
                         wishes_feelings=f"B visit {tag}")),
    }


def _both_have_everything(a: Laptop, b: Laptop, tag: str, visits: dict[str, Any]) -> None:
    for machine in (a, b):
        assert machine.child("DEMO-0001").notes == f"A {tag}"
        assert machine.child("DEMO-0002").notes == f"B {tag}"
        assert set(visits.values()) <= machine.ids(Visit)
    assert a.snapshot() == b.snapshot()


def test_two_laptops_writing_the_same_generation_lose_nothing(
    laptop: LaptopFactory, share: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _pair(laptop)
    visits = _edit_both(a, b, "together")
    barrier = threading.Barrier(2, timeout=60)
    met: set[int] = set()
    calls: list[str] = []

    def step(name: str) -> None:
        calls.append(name)
        if name == "merged" and threading.get_ident() not in met:
            met.add(threading.get_ident())
            barrier.wait()  # both have merged against the same team file before either writes

    monkeypatch.setattr(engine, "_step", step)
    errors: list[BaseException] = []

    def run(machine: Laptop) -> None:
        try:
            machine.sync()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(m,)) for m in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert calls.count("merged") == 3, "the laptop that lost the race merged again"
    team = TeamShare(share)
    assert team.generation_numbers() == [1, 2, 3]
    monkeypatch.undo()
    a.sync()
    b.sync()
    _both_have_everything(a, b, "together", visits)


def _process(machine: Laptop) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "iro_desk", "sync", "--db", str(machine.store.path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def test_two_sync_processes_at_once_both_finish_and_converge(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    for round_ in range(3):
        tag = f"round {round_}"
        visits = _edit_both(a, b, tag)
        processes = [_process(a), _process(b)]
        for process in processes:
            assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
        a.sync()
        b.sync()
        _both_have_everything(a, b, tag, visits)


def test_the_same_caseload_synced_twice_at_once_waits_its_turn(laptop: LaptopFactory) -> None:
    a, b = _pair(laptop)
    visits = _edit_both(a, b, "twice")
    b.sync()
    processes = [_process(a), _process(a)]
    for process in processes:
        assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    b.sync()
    _both_have_everything(a, b, "twice", visits)


def test_a_second_sync_is_told_one_is_running(laptop: LaptopFactory) -> None:
    a = laptop("a", demo=True)
    with LocalSyncLock(work_folder(a.store.path)), pytest.raises(
        IroDeskError, match="Another sync of this caseload is running"
    ):
        a.sync(lock_timeout=0.1)
    a.sync()


@pytest.mark.parametrize(
    ("typed", "conflict"),
    [("notes", True), ("upn", False)],
    ids=["the IRO types in the field coming in", "the IRO types in another field"],
)
def test_typing_while_the_sync_works_is_never_overwritten(
    laptop: LaptopFactory, monkeypatch: pytest.MonkeyPatch, typed: str, conflict: bool
) -> None:
    a, b = _pair(laptop)
    child = b.child("DEMO-0009")
    b.edit(Child, child.id, notes="From B")
    b.sync()
    typed_once: list[bool] = []

    def step(name: str) -> None:
        if name == "published" and not typed_once:
            typed_once.append(True)
            a.edit(Child, child.id, **{typed: "Typed on A during the sync"})

    monkeypatch.setattr(engine, "_step", step)
    a.sync()
    monkeypatch.undo()
    assert getattr(a.child("DEMO-0009"), typed) == "Typed on A during the sync"
    with a.store.session() as session:
        waiting = open_conflicts(session)
    if conflict:
        [record] = waiting
        assert record.fields[0].theirs == "From B"
    else:
        assert waiting == []
        assert a.child("DEMO-0009").notes == "From B"


@pytest.mark.parametrize("moment", ["merged", "published"])
def test_typing_in_a_record_going_out_while_the_sync_works_goes_out_next_time(
    laptop: LaptopFactory, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    a, b = _pair(laptop)
    child = a.child("DEMO-0007")
    a.edit(Child, child.id, notes="Sent by the sync")
    typed_once: list[bool] = []

    def step(name: str) -> None:
        if name == moment and not typed_once:
            typed_once.append(True)
            a.edit(Child, child.id, notes="Typed on A during the sync")

    monkeypatch.setattr(engine, "_step", step)
    assert a.sync().went_out_count == 1
    monkeypatch.undo()
    assert a.child("DEMO-0007").notes == "Typed on A during the sync"
    b.sync()
    assert b.child("DEMO-0007").notes == "Sent by the sync"
    # The base is what was sent, so the later typing is a change here: it goes out next time.
    report = a.sync()
    assert (report.went_out_count, report.conflicts_new) == (1, 0)
    b.sync()
    assert b.child("DEMO-0007").notes == "Typed on A during the sync"


def test_typing_while_the_sync_compares_does_not_stop_it(
    laptop: LaptopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _pair(laptop)
    a.edit(Child, a.child("DEMO-0001").id, notes="Sent by the sync")
    asked = engine._Attempt._ask_when_big
    typed_once: list[bool] = []

    def typing_meanwhile(self: engine._Attempt) -> None:  # inside the merge's read
        if not typed_once:
            typed_once.append(True)
            a.edit(Child, a.child("DEMO-0003").id, notes="Typed while the sync compared")
        asked(self)

    monkeypatch.setattr(engine._Attempt, "_ask_when_big", typing_meanwhile)
    assert a.sync().went_out_count == 1
    monkeypatch.undo()
    assert a.sync().went_out_count == 1, "what was typed goes out next time"
    b.sync()
    assert b.child("DEMO-0001").notes == "Sent by the sync"
    assert b.child("DEMO-0003").notes == "Typed while the sync compared"
