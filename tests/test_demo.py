"""The demo caseload: fictional, deterministic, shaped like a real service."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from iro_desk.cli import main
from iro_desk.demo import build_demo
from iro_desk.errors import IroDeskError
from iro_desk.history import record_values
from iro_desk.models import RECORD_TABLES, CaseTrack, Child, Review
from iro_desk.rules import is_in_timescale, next_review_deadline, short_break_rule, track_rules
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.workdays import add_months, working_days

TODAY = dt.date(2027, 1, 4)


def _snapshot(store: CaseloadStore) -> dict[str, list[dict[str, object]]]:
    with store.session() as session:
        return {
            table.__tablename__: sorted(
                (record_values(row) for row in session.exec(select(table))),
                key=lambda values: str(values["id"]),
            )
            for table in RECORD_TABLES
        }


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> CaseloadStore:
    store = CaseloadStore.create(tmp_path_factory.mktemp("demo") / "demo.irodesk")
    build_demo(store, children=300, years=5, seed=7, today=TODAY)
    return store


def test_same_seed_and_day_give_the_same_caseload(tmp_path: Path) -> None:
    first = CaseloadStore.create(tmp_path / "one.irodesk")
    second = CaseloadStore.create(tmp_path / "two.irodesk")
    build_demo(first, children=15, years=3, seed=3, today=TODAY)
    build_demo(second, children=15, years=3, seed=3, today=TODAY)
    assert _snapshot(first) == _snapshot(second)


def test_another_seed_gives_another_caseload(tmp_path: Path) -> None:
    first = CaseloadStore.create(tmp_path / "one.irodesk")
    second = CaseloadStore.create(tmp_path / "two.irodesk")
    build_demo(first, children=5, seed=1, today=TODAY)
    build_demo(second, children=5, seed=2, today=TODAY)
    assert _snapshot(first)["child"] != _snapshot(second)["child"]


def test_demo_children_are_clearly_fictional(demo_store: CaseloadStore) -> None:
    with demo_store.session() as session:
        children = session.exec(select(Child)).all()
    assert len(children) == 300
    assert all(child.child_ref.startswith("DEMO-") for child in children)


def test_participation_codes_follow_age_and_the_published_shape(
    demo_store: CaseloadStore,
) -> None:
    with demo_store.session() as session:
        rows = session.exec(
            select(Review, Child).join(Child).where(Review.status == "held")
        ).all()
    codes = Counter(review.participation_code for review, _ in rows)
    for review, child in rows:
        under_four = add_months(child.dob, 48) > review.held_on
        assert (review.participation_code == "PN0") == under_four
    commonest = [code for code, _ in codes.most_common() if code != "PN0"][:2]
    assert set(commonest) == {"PN1", "PN6"}
    assert set(codes) >= {"PN0", "PN1", "PN5", "PN6"}


def test_reviews_are_mostly_in_timescale_with_a_few_late(demo_store: CaseloadStore) -> None:
    settings = Settings()
    calendar = working_days("ENG")
    with demo_store.session() as session:
        tracks = session.exec(select(CaseTrack)).all()
        reviews = session.exec(select(Review).where(Review.status == "held")).all()
    held_by_track: dict[object, list[dt.date]] = {}
    for review in sorted(reviews, key=lambda r: r.held_on):
        held_by_track.setdefault(review.track_id, []).append(review.held_on)
    in_time = late = 0
    for track in tracks:
        rule = track_rules(settings)[track.kind]
        held = held_by_track.get(track.id, [])
        for index, held_on in enumerate(held):
            deadline = next_review_deadline(rule, track.start_date, held[:index], calendar)
            short = next_review_deadline(
                short_break_rule(settings), track.start_date, held[:index], calendar
            )
            if is_in_timescale(held_on, deadline) or is_in_timescale(held_on, short):
                in_time += 1
            else:
                late += 1
    assert late > 0
    assert in_time / (in_time + late) > 0.9


def test_demo_refuses_a_caseload_with_children(demo_store: CaseloadStore) -> None:
    with pytest.raises(IroDeskError, match="already has children"):
        build_demo(demo_store, children=1, today=TODAY)


def test_demo_command_writes_a_new_caseload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.irodesk"
    code = main(["demo", "--db", str(path), "--children", "12", "--seed", "1",
                 "--today", "2027-01-04"])
    assert code == 0
    assert "child: 12" in capsys.readouterr().out
    with CaseloadStore.open(path) as store, store.session() as session:
        assert len(session.exec(select(Child)).all()) == 12


def test_demo_command_with_a_bad_date_says_how_to_write_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["demo", "--db", str(tmp_path / "a.irodesk"), "--today", "04/01/2027"])
    assert code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize("before", [True, False])
def test_db_may_come_before_or_after_the_command(tmp_path: Path, before: bool) -> None:
    path = tmp_path / "where.irodesk"
    db = ["--db", str(path)]
    rest = ["demo", "--children", "3", "--seed", "1", "--today", "2027-01-04"]
    assert main(db + rest if before else rest + db) == 0
    assert path.exists()
    with CaseloadStore.open(path) as store, store.session() as session:
        assert len(session.exec(select(Child)).all()) == 3
