"""``iro-desk sync``, ``iro-desk conflicts`` and ``iro-desk conflict resolve``."""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from iro_desk.commands._common import open_store, print_json
from iro_desk.errors import ValidationError
from iro_desk.settings import load_settings
from iro_desk.sync.engine import SyncItem, SyncNeedsConfirmationError, SyncReport, sync_caseload
from iro_desk.sync.state import (
    TAKE_CHOICES,
    ConflictRecord,
    find_conflict_record,
    open_conflicts,
    resolve_record,
)

SHOWN = 25


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``sync``, ``conflicts`` and ``conflict`` commands."""
    sync = subparsers.add_parser(
        "sync",
        parents=[common],
        help="sync this caseload with the team caseload on the share",
        description="Merge this laptop's caseload with the team caseload on the team share: "
        "changes made on one side are taken, the same field changed on both sides becomes a "
        "conflict for you to settle (iro-desk conflicts). See docs/sync.md.",
    )
    sync.add_argument("--share", metavar="DIR", help="team share folder (default: the setting)")
    sync.add_argument("--json", action="store_true", help="print the report as JSON")
    sync.add_argument(
        "--yes",
        action="store_true",
        help="go ahead when the sync would change most of the caseload, or the team file is "
        "not the one last synced with",
    )
    sync.set_defaults(func=_sync)

    conflicts = subparsers.add_parser(
        "conflicts",
        parents=[common],
        help="list the sync conflicts waiting for you",
        description="Records changed differently on this laptop and on the team file, field "
        "by field, with both values.",
    )
    conflicts.add_argument("--json", action="store_true", help="print them as JSON")
    conflicts.set_defaults(func=_conflicts)

    conflict = subparsers.add_parser(
        "conflict", parents=[common], help="settle a sync conflict (conflict resolve ...)"
    )
    actions = conflict.add_subparsers(dest="conflict_action", metavar="ACTION", required=True)
    resolve = actions.add_parser(
        "resolve",
        parents=[common],
        help="choose which value a field in conflict keeps",
        description="Settle a conflict. --id is a conflict's id (one field) or a record's id "
        "(all its fields in conflict). --take local or --take theirs applies to every field "
        "named by --id; --take FIELD=local or FIELD=theirs (repeatable) chooses field by field.",
    )
    resolve.add_argument("--id", required=True, help="conflict id or record id")
    resolve.add_argument(
        "--take",
        action="append",
        required=True,
        metavar="CHOICE",
        help="local, theirs, or FIELD=local / FIELD=theirs (repeat for several fields)",
    )
    resolve.set_defaults(func=_resolve)


def _item_line(item: SyncItem) -> str:
    return f"  {item.action:<16} {item.label}"


def _print_list(title: str, items: list[SyncItem], count: int) -> None:
    if not count:
        return
    print(f"{title} ({count}):")
    for item in items[:SHOWN]:
        print(_item_line(item))
    if count > SHOWN:
        print(f"  … and {count - SHOWN} more (iro-desk sync --json lists up to 500)")


def _print_report(report: SyncReport) -> None:
    print(report.summary())
    _print_list("Came in", report.came_in, report.came_in_count)
    _print_list("Went out", report.went_out, report.went_out_count)
    _print_list("Left this laptop", report.left_laptop, report.left_count)
    if report.conflicts_open:
        print("See them with: iro-desk conflicts")
    if report.backup:
        print(f"A copy of the caseload as it was is at {report.backup}")


def _sync(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        with store.session() as session:
            settings = load_settings(session)
        try:
            report = sync_caseload(store, settings, share_folder=args.share, confirm=args.yes)
        except SyncNeedsConfirmationError as exc:
            raise SyncNeedsConfirmationError(f"{exc} (iro-desk sync --yes)") from exc
    if args.json:
        print_json(report.to_json())
    else:
        _print_report(report)
    return 0


def _conflict_json(record: ConflictRecord) -> dict[str, Any]:
    return {
        "table": record.table_name,
        "record_id": str(record.row_id),
        "child_id": str(record.child_id) if record.child_id else None,
        "label": record.label,
        "found_at": record.found_at.isoformat(),
        "fields": [
            {
                "conflict_id": str(item.conflict_id),
                "field": item.field,
                "kind": item.kind,
                "base": item.base_text,
                "local": item.local_text,
                "theirs": item.theirs_text,
                "theirs_by": item.theirs_by,
            }
            for item in record.fields
        ],
    }


def _conflicts(args: argparse.Namespace) -> int:
    with open_store(args) as store, store.session() as session:
        records = open_conflicts(session)
    if args.json:
        print_json([_conflict_json(record) for record in records])
        return 0
    if not records:
        print("No conflicts are waiting.")
        return 0
    for record in records:
        print(f"{record.label}  [record {record.row_id}]")
        for item in record.fields:
            print(f"  {item.label} [conflict {item.conflict_id}]")
            print(f"    at the last sync: {item.base_text}")
            print(f"    this laptop:      {item.local_text}")
            print(f"    team file:        {item.theirs_text}  (by {item.theirs_by or '?'})")
    print("Settle one with: iro-desk conflict resolve --id ID --take local|theirs")
    return 0


def _choices(takes: list[str], fields: list[str]) -> dict[str, str]:
    choices: dict[str, str] = {}
    for take in takes:
        if "=" in take:
            name, _, choice = take.partition("=")
            choices[name.strip()] = choice.strip()
        else:
            for name in fields:
                choices[name] = take.strip()
    problems = {
        name: f"choose local or theirs, not {choice!r}"
        for name, choice in choices.items()
        if choice not in TAKE_CHOICES
    }
    problems.update({name: "not in conflict here" for name in choices if name not in fields})
    if problems:
        raise ValidationError("Those choices cannot be used.", problems)
    return choices


def _resolve(args: argparse.Namespace) -> int:
    try:
        ident = uuid.UUID(args.id)
    except ValueError as exc:
        raise ValidationError(f"--id: {args.id!r} is not an id.") from exc
    with open_store(args) as store, store.session() as session:
        found = find_conflict_record(session, ident)
        if found is None:
            raise ValidationError(f"No open conflict has the id {args.id}.")
        record, fields = found
        choices = _choices(args.take, fields)
        settled = resolve_record(
            session, table_name=record.table_name, row_id=record.row_id, choices=choices
        )
    for name in settled:
        print(f"{record.label}: {name} keeps the {choices[name]} value.")
    print("The choice goes to the team file at the next sync.")
    return 0
