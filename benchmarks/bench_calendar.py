"""Benchmark: the calendar window's month view on the 2,250-child, 10-year demo caseload.

Issue 3 asks for all due items plus the month view's rendering within 3x a plain sqlite3 query
reading the same rows, measured in the same run. Timed here, each the best of several runs:

* **refresh + paint** — ``CalendarView.refresh()`` (``schedule.due_items`` for the whole
  caseload, the reviews held in the six weeks shown, and every model: the overdue panel, the
  month grid, the agenda) and then painting the month (``QWidget.grab``);
* **month change + paint** — moving to another month (the reviews held in the new six weeks
  are read; the due items already read are sorted into the new days) and painting it;
* the **baseline** — plain sqlite3 reading the rows the calendar draws on: every live row of
  the tables ``due_items`` reads (as ``bench_due``) and the reviews held in the month shown.

The caseload is ``bench_due``'s, built once and cached. Run ``python -m benchmarks.bench_calendar``
(Qt runs offscreen unless a display is set). Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import sqlite3
import sys

from benchmarks.bench_due import (
    BASELINE_QUERIES,
    GOAL,
    TODAY,
    best_of,
    demo_caseload,
    read_rows,
)
from iro_desk.workdays import add_months

RUNS = 5
WIDTH, HEIGHT = 1280, 800
HELD_IN_GRID = (
    "SELECT r.id, r.track_id, r.held_on, t.kind, t.child_id, t.household_name, c.child_ref, "
    "c.first_name, c.last_name, c.preferred_name FROM review r "
    "JOIN case_track t ON t.id = r.track_id AND t.deleted_at IS NULL "
    "LEFT JOIN child c ON c.id = t.child_id WHERE r.deleted_at IS NULL AND r.status = 'held' "
    "AND r.held_on >= ? AND r.held_on <= ?"
)


def main() -> int:
    """Build or reuse the caseload, time the calendar and the plain query, print the ratios."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from iro_desk.clock import FixedClock
    from iro_desk.store import CaseloadStore
    from iro_desk.ui.calendar_model import month_grid_days
    from iro_desk.ui.calendar_view import CalendarView

    path = demo_caseload()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])

    with CaseloadStore.open(path, actor="benchmark") as store:
        view = CalendarView(store, clock=FixedClock(TODAY))
        view.resize(WIDTH, HEIGHT)
        view.show()
        app.processEvents()

        def refresh_and_paint() -> int:
            view.refresh()
            view.month_view.grab()
            return view.month_model.entry_count()

        refresh_best, (refresh_median, grid_entries) = best_of(RUNS, refresh_and_paint)
        panel_rows = view.panel_model.rowCount()
        agenda_rows = view.agenda_model.entry_count()

        months = [TODAY, add_months(TODAY, 1)]

        def change_month_and_paint() -> int:
            months.reverse()
            view.go_to_day(months[0])
            view.month_view.grab()
            return view.month_model.entry_count()

        month_best, (month_median, _entries) = best_of(RUNS * 2, change_month_and_paint)

        def paint_only() -> None:
            view.month_view.grab()

        paint_best, _ = best_of(RUNS, paint_only)
        view.close()
        view.deleteLater()
        app.processEvents()

    start, end = month_grid_days(TODAY.year, TODAY.month)
    plain = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    queries = [(sql, ()) for sql in BASELINE_QUERIES]
    queries.append((HELD_IN_GRID, (start.isoformat(), end.isoformat())))
    base_best, (base_median, base_rows) = best_of(RUNS, lambda: read_rows(plain, queries))
    held_only = [(HELD_IN_GRID, (start.isoformat(), end.isoformat()))]
    held_best, (_held_median, held_rows) = best_of(RUNS, lambda: read_rows(plain, held_only))
    plain.close()

    ratio = refresh_best / base_best
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(
        f"Month shown: {start} to {end}, {grid_entries:,} entries in the grid; "
        f"{panel_rows:,} overdue or due soon; {agenda_rows:,} in the agenda"
    )
    print(
        f"calendar refresh + paint:   {refresh_best * 1000:8.1f} ms best, "
        f"{refresh_median * 1000:.1f} ms median of {RUNS}"
    )
    print(
        f"month change + paint:       {month_best * 1000:8.1f} ms best, "
        f"{month_median * 1000:.1f} ms median of {RUNS * 2}"
    )
    print(f"paint the month only:       {paint_best * 1000:8.1f} ms best")
    print(
        f"plain sqlite3, same rows:   {base_best * 1000:8.1f} ms best, "
        f"{base_median * 1000:.1f} ms median ({base_rows:,} rows)"
    )
    print(
        f"plain sqlite3, held reviews of the month only: {held_best * 1000:.1f} ms "
        f"({held_rows:,} rows)"
    )
    print(
        f"Ratio: refresh + paint is {ratio:.2f}x the plain query (goal within {GOAL:g}x: "
        f"{verdict} the goal); a month change is {month_best / base_best:.2f}x it."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
