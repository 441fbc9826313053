"""Fixtures for sync tests: laptops and a team share (a folder; no network is needed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import TODAY, Laptop, LaptopFactory

from iro_desk.demo import build_demo
from iro_desk.store import CaseloadStore


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small invented caseload, made once: 12 children, one IRO (Robin Example, "me")."""
    path = tmp_path_factory.mktemp("template") / "demo.irodesk"
    with CaseloadStore.create(path, actor="demo") as store:
        build_demo(store, children=12, years=2, seed=5, today=TODAY)
    return path


@pytest.fixture
def share(tmp_path: Path) -> Path:
    """The team share: a plain folder."""
    folder = tmp_path / "team-share"
    folder.mkdir()
    return folder


@pytest.fixture
def laptop(tmp_path: Path, share: Path, demo_template: Path) -> Iterator[LaptopFactory]:
    """Make a laptop: ``laptop("a", demo=True)`` starts from the demo caseload."""
    made: list[Laptop] = []

    def make(name: str, *, demo: bool = False, scope: str = "all", identity: str = "",
             passphrase: str | None = None) -> Laptop:
        path = tmp_path / name / "caseload.irodesk"
        path.parent.mkdir(parents=True, exist_ok=True)
        if demo:
            shutil.copyfile(demo_template, path)
            store = CaseloadStore.open(path, actor=f"iro-{name}")
        else:
            store = CaseloadStore.create(path, actor=f"iro-{name}", passphrase=passphrase)
        machine = Laptop(name=name, store=store, share=share)
        machine.configure(team_share_folder=str(share), sync_scope=scope,
                          my_iro_identity=identity)
        made.append(machine)
        return machine

    yield make
    for machine in made:
        machine.store.close()
