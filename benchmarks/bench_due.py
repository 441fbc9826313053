"""Benchmark: every due item of the 2,250-child, 10-year demo caseload, against plain sqlite3.

Issue 3's goal: ``schedule.due_items`` over the benchmark caseload within 3x the time a plain
sqlite3 query takes to read the same rows (tracks, episodes, children, reviews, decisions,
visits, challenges), both measured in the same run on the same file. A second line shows the
SQL that due_items itself sends, replayed on plain sqlite3, to separate the SQL's cost from the
Python's.

The caseload is built once with ``iro_desk.demo.build_demo`` and cached (by demo source and
schema version) under $IRO_DESK_BENCH_CACHE or the system temp folder. Run:
``python -m benchmarks.bench_due``. Timings are printed, never asserted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import inspect
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event

from iro_desk import demo
from iro_desk.schedule import due_items
from iro_desk.settings import load_settings
from iro_desk.store import SCHEMA_VERSION, CaseloadStore

CHILDREN = 2250
YEARS = 10
SEED = 1
TODAY = dt.date(2027, 1, 4)
GOAL = 3.0
RUNS = 7

# What due_items needs, read plainly: every live row of the tables it draws on.
BASELINE_QUERIES = (
    "SELECT id, child_ref, first_name, last_name, preferred_name FROM child "
    "WHERE deleted_at IS NULL",
    "SELECT id, kind, child_id, episode_id, household_name, start_date, end_date "
    "FROM case_track WHERE deleted_at IS NULL",
    "SELECT id, legal_status, end_date FROM care_episode WHERE deleted_at IS NULL",
    "SELECT id, track_id, status, scheduled_date, scheduled_time, late_reason, held_on, "
    "decisions_circulated_on, record_completed_on FROM review WHERE deleted_at IS NULL",
    "SELECT id, review_id, text, responsible, due_on, status FROM decision "
    "WHERE deleted_at IS NULL",
    "SELECT id, child_id, review_id, status, visit_date FROM visit WHERE deleted_at IS NULL",
    "SELECT id, child_id, review_id, level, theme, response_due, addressed_to_role, status "
    "FROM challenge WHERE deleted_at IS NULL",
)


def cache_dir() -> Path:
    """Where the built caseload is kept between runs."""
    folder = os.environ.get("IRO_DESK_BENCH_CACHE")
    return Path(folder) if folder else Path(tempfile.gettempdir()) / "iro-desk-bench"


def demo_caseload() -> Path:
    """The benchmark caseload file, built now if no cached one matches the demo and schema."""
    stamp = hashlib.sha256(inspect.getsource(demo).encode("utf-8")).hexdigest()[:12]
    name = f"demo-{CHILDREN}x{YEARS}-seed{SEED}-{TODAY}-v{SCHEMA_VERSION}-{stamp}.irodesk"
    path = cache_dir() / name
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    print(f"Building the benchmark caseload ({CHILDREN} children, {YEARS} years)...", flush=True)
    started = time.perf_counter()
    with CaseloadStore.create(partial, actor="benchmark") as store:
        demo.build_demo(store, children=CHILDREN, years=YEARS, seed=SEED, today=TODAY)
    os.replace(partial, path)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{partial}{suffix}").unlink()
    print(f"  built in {time.perf_counter() - started:.1f} s: {path}", flush=True)
    return path


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``runs`` timings (seconds), the median, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), (statistics.median(times), result)


def read_rows(conn: sqlite3.Connection, queries: list[tuple[str, Any]]) -> int:
    """Run each query to the last row; the number of rows read."""
    return sum(len(conn.execute(sql, params).fetchall()) for sql, params in queries)


def main() -> int:
    """Build or reuse the caseload, time both sides, print the ratio against the goal."""
    path = demo_caseload()
    plain = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    counts = {
        table: plain.execute(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL").fetchone()[0]
        for table in ("child", "case_track", "review", "decision", "visit", "challenge")
    }
    print("Caseload: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()))

    with CaseloadStore.open(path, actor="benchmark") as store:
        with store.session() as session:
            settings = load_settings(session)
        sent: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
            sent.append((sql, params))

        def run_due() -> int:
            with store.session() as session:
                return len(due_items(session, today=TODAY, settings=settings))

        event.listen(store.engine, "before_cursor_execute", capture)
        run_due()
        event.remove(store.engine, "before_cursor_execute", capture)
        own_sql = [(sql, tuple(params or ())) for sql, params in sent if sql.startswith("SELECT")]

        due_best, (due_median, item_count) = best_of(RUNS, run_due)
    base_queries = [(sql, ()) for sql in BASELINE_QUERIES]
    base_best, (base_median, base_rows) = best_of(RUNS, lambda: read_rows(plain, base_queries))
    own_best, (_own_median, own_rows) = best_of(RUNS, lambda: read_rows(plain, own_sql))
    plain.close()

    ratio = due_best / base_best
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(
        f"due_items:                 {due_best * 1000:8.1f} ms best, {due_median * 1000:.1f} ms "
        f"median of {RUNS} ({item_count:,} items)"
    )
    print(
        f"plain sqlite3, same rows:  {base_best * 1000:8.1f} ms best, {base_median * 1000:.1f} ms "
        f"median ({base_rows:,} rows)"
    )
    print(
        f"plain sqlite3, due_items' own SQL: {own_best * 1000:.1f} ms ({own_rows:,} rows, "
        f"{len(own_sql)} statements)"
    )
    print(f"Ratio: {ratio:.2f}x the plain query; goal within {GOAL:g}x: {verdict} the goal.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
