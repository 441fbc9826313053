"""What the sub-commands share: opening the caseload named by --db, parsing dates, JSON out."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from typing import Any

from iro_desk.errors import ValidationError
from iro_desk.paths import resolve_db_path
from iro_desk.store import CaseloadStore


def actor() -> str:
    """Who is making changes from the command line."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "iro-desk"


def open_store(args: argparse.Namespace, *, create: bool = False) -> CaseloadStore:
    """Open the caseload the command names (``--db``, ``IRO_DESK_DB`` or the default)."""
    return CaseloadStore.open(resolve_db_path(args.db), create=create, actor=actor())


def parse_date(text: str, field: str = "date") -> dt.date:
    """An ISO date (YYYY-MM-DD) from the command line, or a clear error."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(f"{field}: {text!r} is not a date; write it as YYYY-MM-DD.") from exc


def print_json(value: Any) -> None:
    """Print JSON to stdout, UTF-8, indented."""
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
