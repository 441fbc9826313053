"""Benchmark: how long the main window keeps the GUI thread busy on the 2,250-child caseload.

Issue 10 asks for no frozen window for more than a moment on the 2,250-child, 10-year demo
caseload. Anything over about 300 ms on the GUI thread reads as a frozen window; each step is
timed with the events it queues processed (layout and painting included), best of a few runs:

* **create_main_window** — the window, every tab and the caseload read in (not shown);
* **show** — showing it the first time (columns fitted, first paint);
* **refresh** — ``window.refresh()`` (F5, and after every save): the list, and each tab that
  follows ``caseload_refreshed``;
* **switch to <tab>** — bringing each tab forward and painting it;
* **open child record** — a child's record window, read and shown.

The **baseline** is plain sqlite3 reading the rows the schedule draws on (``bench_due``'s
queries), in the same run: the ratios say how many plain reads of the caseload each step costs,
so they compare across machines. Run ``python -m benchmarks.bench_gui`` (Qt runs offscreen
unless a display is set). Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_due import BASELINE_QUERIES, TODAY, best_of, demo_caseload, read_rows

RUNS = 3
WIDTH, HEIGHT = 1280, 800
FROZEN_MS = 300.0


def _processed(app: Any, work: Callable[[], Any]) -> Callable[[], Any]:
    """``work`` followed by the events it queued (layout, painting), as the user waits for."""

    def step() -> Any:
        result = work()
        app.processEvents()
        return result

    return step


def main() -> int:
    """Build or reuse the caseload, time each step and the plain query, print the ratios."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from iro_desk.clock import FixedClock
    from iro_desk.store import CaseloadStore
    from iro_desk.ui.app import create_main_window

    path = demo_caseload()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    clock = FixedClock(TODAY)
    results: list[tuple[str, float, int]] = []

    with tempfile.TemporaryDirectory(prefix="iro-desk-bench-gui-") as folder:
        state = QSettings(str(Path(folder) / "ui-state.ini"), QSettings.Format.IniFormat)
        with CaseloadStore.open(path, actor="benchmark") as store:
            windows: list[Any] = []

            def create() -> Any:
                window = create_main_window(store, clock=clock, state=state)
                window.resize(WIDTH, HEIGHT)
                windows.append(window)
                return window

            def show_new() -> None:
                window = create()
                window.show()
                app.processEvents()

            best, _ = best_of(RUNS, _processed(app, create))
            results.append(("create_main_window", best, RUNS))
            best, _ = best_of(1, show_new)
            results.append(("create + show (first paint)", best, 1))
            window = windows[-1]
            for other in windows[:-1]:
                other.deleteLater()
            app.processEvents()

            best, _ = best_of(RUNS, _processed(app, window.refresh))
            results.append(("refresh", best, RUNS))

            workspace = window.workspace
            tabs = [
                ("Caseload", window.caseload_view),
                ("Challenges", workspace.challenges),
                ("Figures", workspace.figures),
                ("Calendar", workspace.calendar),
            ]
            for name, widget in tabs:
                timings: list[float] = []
                for _ in range(RUNS):
                    # From another tab each time, so the switch lays out and paints the tab.
                    away = workspace.calendar if widget is window.caseload_view else (
                        window.caseload_view
                    )
                    window.show_view(away)
                    app.processEvents()
                    started = time.perf_counter()
                    window.show_view(widget)
                    app.processEvents()
                    timings.append(time.perf_counter() - started)
                results.append((f"switch to {name}", min(timings), RUNS))

            window.show_view(window.caseload_view)
            children = [window.proxy.child_at(row).child_uuid for row in range(RUNS)]
            opened: list[Any] = []

            def open_record() -> None:
                record = window.child_records.open_record(children[len(opened)])
                opened.append(record)

            best, _ = best_of(RUNS, _processed(app, open_record))
            results.append(("open child record", best, RUNS))
            for record in opened:
                if record is not None:
                    record.close()
            window.close()
            window.deleteLater()
            app.processEvents()

    plain = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    queries = [(sql, ()) for sql in BASELINE_QUERIES]
    base_best, (_median, base_rows) = best_of(RUNS * 2, lambda: read_rows(plain, queries))
    plain.close()

    print(f"Caseload: {path.name}; window {WIDTH}x{HEIGHT}")
    print(f"plain sqlite3 baseline:        {base_best * 1000:8.1f} ms ({base_rows:,} rows)")
    frozen = []
    for label, seconds, runs in results:
        ms = seconds * 1000
        mark = "  FROZEN" if ms > FROZEN_MS else ""
        if mark:
            frozen.append(label)
        print(
            f"{label:<30} {ms:8.1f} ms best of {runs}  "
            f"({seconds / base_best:5.1f}x the baseline){mark}"
        )
    if frozen:
        print(f"Over {FROZEN_MS:.0f} ms on the GUI thread (a frozen window): {', '.join(frozen)}")
    else:
        print(f"Every step keeps the GUI thread busy for under {FROZEN_MS:.0f} ms.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
