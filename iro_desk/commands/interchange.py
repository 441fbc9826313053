"""``iro-desk export``, ``import`` and ``import-csv``: move a caseload in and out as files.

The formats are described in docs/file-formats.md; the work is done by iro_desk.interchange
and iro_desk.csv_import.
"""

from __future__ import annotations

import argparse
import datetime as dt

from iro_desk.clock import Clock
from iro_desk.commands._common import open_store, parse_date
from iro_desk.csv_import import CsvImportSummary, import_extract_file
from iro_desk.interchange import ImportSummary, export_caseload, import_caseload_file
from iro_desk.paths import resolve_db_path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``export``, ``import`` and ``import-csv`` commands."""
    export = subparsers.add_parser(
        "export",
        parents=[common],
        help="write the whole caseload to a JSON file",
        description="Write every record of the caseload (deleted ones too, with their "
        "tombstones), its settings and its history to a JSON file that only you can read. It "
        "holds children's data: keep it as safe as the caseload itself.",
    )
    export.add_argument("file", metavar="FILE.json", help="the JSON file to write")
    export.set_defaults(func=_export)

    imp = subparsers.add_parser(
        "import",
        parents=[common],
        help="import a JSON export into a new or existing caseload",
        description="Import a JSON export. The whole file is checked first; if anything is "
        "wrong, or a record conflicts with one already in the caseload, nothing is imported. "
        "A caseload that already holds records is backed up first. If the caseload file does "
        "not exist it is created.",
    )
    imp.add_argument("file", metavar="FILE.json", help="the JSON export to read")
    imp.set_defaults(func=_import)

    csv_cmd = subparsers.add_parser(
        "import-csv",
        parents=[common],
        help="import or update children from a council system's CSV extract",
        description="Import a caseload extract (one row per child; columns in "
        "docs/file-formats.md). Children already in the caseload are updated by child ID, not "
        "added twice. A file with any bad row imports nothing.",
    )
    csv_cmd.add_argument("file", metavar="FILE.csv", help="the CSV extract to read")
    csv_cmd.add_argument(
        "--dry-run", action="store_true", help="check the file and show what would change"
    )
    csv_cmd.add_argument(
        "--today", help="the date to check dates against, YYYY-MM-DD (default: today)"
    )
    csv_cmd.set_defaults(func=_import_csv)


def _export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        summary = export_caseload(store, args.file)
        encrypted = store.encrypted
    counts = ", ".join(f"{count} {table}" for table, count in summary.counts.items())
    print(f"Exported the caseload to {summary.path}: {counts}; {summary.history} history entries.")
    if encrypted:
        print(
            "  The caseload is encrypted but this export is not: keep it somewhere safe and "
            "delete it when it has done its job."
        )
    return 0


def _print_import(summary: ImportSummary, db: str) -> None:
    added = ", ".join(f"{n} {table}" for table, n in summary.added.items() if n) or "nothing"
    print(f"Imported {summary.source} into {db}: added {added}.")
    if summary.total_unchanged:
        print(f"  {summary.total_unchanged} records were already in the caseload and were skipped.")
    print(f"  History entries added: {summary.history_added}.")
    if summary.settings_kept:
        print("  Settings kept as this caseload has them: " + ", ".join(summary.settings_kept))
    if summary.backup is not None:
        print(f"  Backup of the caseload before the import: {summary.backup}")


def _import(args: argparse.Namespace) -> int:
    db = resolve_db_path(args.db)
    summary = import_caseload_file(args.file, db, lambda: open_store(args, create=True))
    _print_import(summary, str(db))
    return 0


def _print_csv(summary: CsvImportSummary, db: str) -> None:
    verb = "Would import" if summary.dry_run else "Imported"
    print(
        f"{verb} {summary.source} into {db}: {len(summary.added)} added, "
        f"{len(summary.updated)} updated, {len(summary.unchanged)} unchanged."
    )
    for outcome in summary.outcomes:
        if outcome.action == "updated":
            print(f"  {outcome.child_ref}: {', '.join(outcome.changes)}")
    if summary.dry_run:
        print("  Dry run: nothing was changed.")
    if summary.backup is not None:
        print(f"  Backup of the caseload before the import: {summary.backup}")


def _import_csv(args: argparse.Namespace) -> int:
    today: dt.date = parse_date(args.today, "--today") if args.today else Clock().today()
    db = resolve_db_path(args.db)
    summary = import_extract_file(
        args.file, db, lambda: open_store(args, create=True), today=today, dry_run=args.dry_run
    )
    _print_csv(summary, str(db))
    return 0
