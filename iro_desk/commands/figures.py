"""``iro-desk report`` (the annual-report figures) and ``iro-desk export-903`` (the DfE return)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from iro_desk.commands._common import open_store, parse_date, print_json
from iro_desk.errors import ValidationError
from iro_desk.export_903 import FILE_NAMES, build_return, write_return
from iro_desk.figures import compute_figures, default_period, my_iro_id, render_text
from iro_desk.settings import load_settings


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``report`` and ``export-903`` commands."""
    report = subparsers.add_parser(
        "report",
        parents=[common],
        help="print the annual-report figures for a period",
        description="Reviews in timescale, participation (PN0-PN7) year on year, visits before "
        "reviews, challenges, paperwork and permanence, for a period (default: the last "
        "complete reporting year, 1 April-31 March). The JSON keys are in docs/figures.md.",
    )
    report.add_argument("--from", dest="start", help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="end", help="last day, included (YYYY-MM-DD)")
    report.add_argument("--mine", action="store_true", help="only my caseload (default: all)")
    report.add_argument(
        "--years-back", type=int, default=2, help="earlier years to show beside it (default 2)"
    )
    report.add_argument("--today", help="the day to count from (default: today)")
    report.add_argument("--json", action="store_true", help="print JSON instead of tables")
    report.set_defaults(func=_report)

    export = subparsers.add_parser(
        "export-903",
        parents=[common],
        help="write the DfE SSDA903 reviews return for a collection year",
        description="Write reviews.csv (CHILD, DOB, REVIEW, REVIEW_CODE), header.csv, "
        "episodes.csv and problems.csv for the child in care reviews held in a collection "
        "year. Collection year 2026 is 1 April 2025 to 31 March 2026. Reviews that cannot be "
        "returned are listed with the reason.",
    )
    export.add_argument("--year", type=int, required=True, help="collection year, e.g. 2026")
    export.add_argument("--out", required=True, help="folder to write the CSV files into")
    export.add_argument("--today", help="the day to count from (default: today)")
    export.set_defaults(func=_export_903)


def _today(args: argparse.Namespace) -> dt.date:
    return parse_date(args.today, "--today") if args.today else dt.date.today()


def _report(args: argparse.Namespace) -> int:
    today = _today(args)
    period = default_period(today)
    start = parse_date(args.start, "--from") if args.start else period.start
    end = parse_date(args.end, "--to") if args.end else period.end
    if bool(args.start) != bool(args.end):
        raise ValidationError("Give both --from and --to, or neither (the last reporting year).")
    with open_store(args) as store, store.session() as session:
        settings = load_settings(session)
        iro_id = my_iro_id(session, settings) if args.mine else None
        figures = compute_figures(
            session,
            start=start,
            end=end,
            settings=settings,
            iro_id=iro_id,
            years_back=args.years_back,
            today=today,
        )
    if args.json:
        print_json(figures.to_dict())
    else:
        print(render_text(figures), end="")
    return 0


def _export_903(args: argparse.Namespace) -> int:
    today = _today(args)
    with open_store(args) as store, store.session() as session:
        result = build_return(session, year=args.year, today=today)
    written = write_return(result, Path(args.out))
    print(
        f"SSDA903 reviews return, collection year {result.year} "
        f"({result.start.isoformat()} to {result.end.isoformat()}): "
        f"{len(result.reviews)} reviews of {len(result.header)} children."
    )
    for note in result.notes:
        print(f"Note: {note}")
    for key in ("reviews", "header", "episodes", "problems"):
        print(f"  {FILE_NAMES[key]}: {written[key]}")
    print(
        "header.csv and episodes.csv hold only what IRO Desk records (for checking the reviews "
        "table); the council's case management system makes the full return."
    )
    if result.left_out_by_rule:
        print(f"{len(result.left_out_by_rule)} reviews are not returned, by the DfE rules:")
        for problem in result.left_out_by_rule:
            print(f"  {problem.child_ref} {problem.review.isoformat()}: {problem.reason}")
    if result.to_fix:
        print(f"{len(result.to_fix)} reviews could not be returned; fix the records and export "
              "again:")
        for problem in result.to_fix:
            print(
                f"  {problem.child_ref} ({problem.child_name}) review {problem.review.isoformat()}"
                f": {problem.reason} {problem.action}"
            )
        return 1
    return 0
