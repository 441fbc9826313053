"""What the sub-commands share: opening the caseload named by --db, parsing dates, JSON out."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from typing import Any

from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.paths import resolve_db_path
from iro_desk.store import (
    PASSPHRASE_ENV_VAR,
    CaseloadStore,
    PassphraseRequiredError,
    is_encrypted_file,
    passphrase_from_environment,
)


def actor() -> str:
    """Who is making changes from the command line."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "iro-desk"


def _ask_passphrase(prompt: str, *, confirm: bool) -> str | None:
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Type it again: ") != first:
        raise IroDeskError("The two passphrases were not the same; nothing was created.")
    return first or None


def open_store(args: argparse.Namespace, *, create: bool = False) -> CaseloadStore:
    """Open the caseload the command names (``--db``, ``IRO_DESK_DB`` or the default).

    A new caseload is encrypted unless ``--no-encryption`` is given. The passphrase comes from
    IRO_DESK_PASSPHRASE (for scripts) or is asked for at the terminal.
    """
    path = resolve_db_path(args.db)
    passphrase = passphrase_from_environment()
    if not path.exists():
        if not create:
            return CaseloadStore.open(path, actor=actor())
        if getattr(args, "no_encryption", False):
            return CaseloadStore.open(path, create=True, actor=actor())
        passphrase = passphrase or _ask_passphrase(
            "Passphrase for the new caseload: ", confirm=True
        )
        if not passphrase:
            raise PassphraseRequiredError(
                f"New caseloads are encrypted. Set {PASSPHRASE_ENV_VAR} or run this in a "
                "terminal to be asked for a passphrase (--no-encryption makes a plain file; "
                "not recommended for real children's records)."
            )
        return CaseloadStore.open(path, create=True, actor=actor(), passphrase=passphrase)
    if is_encrypted_file(path) and not passphrase:
        passphrase = _ask_passphrase(f"Passphrase for {path.name}: ", confirm=False)
        if not passphrase:
            raise PassphraseRequiredError(
                f"{path.name} is encrypted. Set {PASSPHRASE_ENV_VAR} or run this in a terminal "
                "to be asked for its passphrase."
            )
    return CaseloadStore.open(path, actor=actor(), passphrase=passphrase)


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
