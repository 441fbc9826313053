"""``iro-desk demo``: write the invented demo caseload."""

from __future__ import annotations

import argparse
import datetime as dt

from iro_desk.commands._common import open_store, parse_date
from iro_desk.demo import build_demo


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``demo`` command."""
    demo = subparsers.add_parser(
        "demo",
        parents=[common],
        help="write an invented demo caseload (into a new or empty file)",
        description="Write a realistic, clearly fictional caseload. The same --seed and --today "
        "give the same caseload. With --children 2250 --years 10 it is the benchmark workload.",
    )
    demo.add_argument("--children", type=int, default=70, help="how many children (default 70)")
    demo.add_argument("--years", type=int, default=3, help="years of history (default 3)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    demo.add_argument("--today", help="the day the demo is built up to (default: today)")
    demo.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    today = parse_date(args.today, "--today") if args.today else dt.date.today()
    with open_store(args, create=True) as store:
        summary = build_demo(
            store, children=args.children, years=args.years, seed=args.seed, today=today
        )
        print(f"Demo caseload written to {store.path}")
    for table, count in sorted(summary.counts.items()):
        print(f"  {table}: {count}")
    return 0
