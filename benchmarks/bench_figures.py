"""Benchmark: the annual-report figures for the 2,250-child, 10-year team file, against plain SQL.

``compute_figures`` for the last reporting year (with the two years before it, the window's
default) is timed beside a plain SQL aggregate over the same rows in the same run: the held
reviews of the three years counted by kind of review and participation code, with the visits
linked to them, and the year's challenges counted by level and theme. The plain query cannot
tell whether a review was in timescale (that needs the statutory rules, review by review), so
the ratio is what the rules, the working-day arithmetic and the tables cost on top of reading
and counting the rows.

The caseload is the one ``benchmarks.bench_due`` builds and caches (``build_demo(children=2250,
years=10, seed=1)``, under $IRO_DESK_BENCH_CACHE or the system temp folder). Run:
``python -m benchmarks.bench_figures``. Timings are printed, never asserted.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.bench_due import TODAY, demo_caseload
from iro_desk.figures import compute_figures, default_period
from iro_desk.settings import load_settings
from iro_desk.store import CaseloadStore

RUNS = 7
YEARS_BACK = 2

AGGREGATE_REVIEWS = (
    "SELECT t.kind, r.participation_code, count(*), sum(r.pre_review_contact = 1), "
    "sum(EXISTS (SELECT 1 FROM visit v WHERE v.review_id = r.id AND v.status = 'done' "
    "AND v.deleted_at IS NULL)), "
    "sum(r.decisions_circulated_on IS NOT NULL), sum(r.record_completed_on IS NOT NULL) "
    "FROM review r JOIN case_track t ON t.id = r.track_id "
    "LEFT JOIN child c ON c.id = r.child_id "
    "WHERE r.deleted_at IS NULL AND t.deleted_at IS NULL AND c.deleted_at IS NULL "
    "AND r.status = 'held' AND r.held_on BETWEEN ? AND ? "
    "GROUP BY t.kind, r.participation_code"
)
AGGREGATE_CHALLENGES = (
    "SELECT h.level, h.theme, h.track_kind, count(*), sum(h.status = 'resolved') "
    "FROM challenge h JOIN child c ON c.id = h.child_id "
    "WHERE h.deleted_at IS NULL AND c.deleted_at IS NULL AND h.raised_on BETWEEN ? AND ? "
    "GROUP BY h.level, h.theme, h.track_kind"
)


def timed(runs: int, work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Best and median of ``runs`` timings (seconds), and the last result."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


def main() -> int:
    """Build or reuse the team file, time both sides, print the ratio."""
    path = demo_caseload()
    period = default_period(TODAY)
    first_day = period.years_before(YEARS_BACK).start
    plain = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

    def aggregate() -> int:
        reviews = plain.execute(
            AGGREGATE_REVIEWS, (first_day.isoformat(), period.end.isoformat())
        ).fetchall()
        challenges = plain.execute(
            AGGREGATE_CHALLENGES, (period.start.isoformat(), period.end.isoformat())
        ).fetchall()
        return sum(row[2] for row in reviews) + len(challenges)

    with CaseloadStore.open(path, actor="benchmark") as store:
        with store.session() as session:
            settings = load_settings(session)

        def figures() -> int:
            with store.session() as session:
                counted = compute_figures(
                    session,
                    start=period.start,
                    end=period.end,
                    settings=settings,
                    years_back=YEARS_BACK,
                    today=TODAY,
                )
            return sum(year.total.all.total for year in counted.timeliness)

        figures()  # warm: the holiday table, SQLite's page cache
        fig_best, fig_median, fig_reviews = timed(RUNS, figures)
    aggregate()
    sql_best, sql_median, sql_rows = timed(RUNS, aggregate)
    held = plain.execute(
        "SELECT count(*) FROM review WHERE deleted_at IS NULL AND status = 'held'"
    ).fetchone()[0]
    plain.close()

    print(
        f"Team file: {held:,} held reviews; figures for {period.label} with "
        f"{YEARS_BACK} years before it ({fig_reviews:,} reviews in those years)"
    )
    print(
        f"compute_figures:       {fig_best * 1000:8.1f} ms best, {fig_median * 1000:.1f} ms "
        f"median of {RUNS}"
    )
    print(
        f"plain SQL aggregate:   {sql_best * 1000:8.1f} ms best, {sql_median * 1000:.1f} ms "
        f"median of {RUNS} ({sql_rows:,} reviews and challenge groups counted)"
    )
    print(f"Ratio: compute_figures takes {fig_best / sql_best:.1f}x the plain SQL aggregate.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

