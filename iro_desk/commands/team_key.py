"""``iro-desk team-key``: make, import, show and export the key that encrypts the team share.

The manager makes the key once (``team-key new --out FILE``) and gives it to each IRO out of
band; each IRO imports it into their caseload (``team-key import FILE``). See docs/sync.md,
"Team key".
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from iro_desk.commands._common import actor, open_store
from iro_desk.errors import IroDeskError
from iro_desk.settings import load_settings
from iro_desk.sync.engine import SyncNeedsConfirmationError, sync_caseload
from iro_desk.sync.team_key import (
    TeamKey,
    import_team_key,
    key_from_text,
    read_key_file,
    team_keyring,
    write_key_file,
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``team-key`` command and its actions."""
    team_key = subparsers.add_parser(
        "team-key",
        parents=[common],
        help="the team key that encrypts everything written to the team share",
        description="Everything IRO Desk writes to the team share is encrypted with the team "
        "key. The manager makes it once (new) and gives it to each IRO out of band; each IRO "
        "imports it (import). See docs/sync.md, Team key.",
    )
    actions = team_key.add_subparsers(dest="team_key_action", metavar="ACTION", required=True)

    new = actions.add_parser(
        "new",
        parents=[common],
        help="make a new team key and write it to a key file (managers)",
        description="Make a new, random team key and write it to a key file only you can "
        "read. Give it to each IRO out of band (by hand on a USB stick, or read the code out "
        "over the phone); never by email or on the team share.",
    )
    new.add_argument("--out", required=True, metavar="FILE", help="the key file to write")
    new.add_argument(
        "--show-code", action="store_true", help="also print the key as a code to read out"
    )
    new.set_defaults(func=_new)

    imp = actions.add_parser(
        "import",
        parents=[common],
        help="keep the team key in this caseload, so sync encrypts with it",
        description="Import the team key from a key file (or the code, with --code) into this "
        "caseload. It is kept inside the caseload file (encrypted with your passphrase) and is "
        "never synced. The team's earlier keys are kept, to read older team files.",
    )
    source = imp.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", metavar="FILE", help="the key file ('-': stdin)")
    source.add_argument(
        "--code", action="store_true", help="type the key's code (or pipe it in on stdin)"
    )
    imp.set_defaults(func=_import)

    show = actions.add_parser(
        "show",
        parents=[common],
        help="show the fingerprint of this caseload's team key",
        description="The fingerprint of the team key this caseload holds (compare it with the "
        "manager's), and of earlier keys kept to read older team files.",
    )
    show.add_argument("--code", action="store_true", help="also print the key's code")
    show.set_defaults(func=_show)

    export = actions.add_parser(
        "export",
        parents=[common],
        help="write this caseload's team key to a key file, for a new colleague",
        description="Write the team key this caseload holds to a key file only you can read.",
    )
    export.add_argument("--out", required=True, metavar="FILE", help="the key file to write")
    export.set_defaults(func=_export)

    encrypt = actions.add_parser(
        "encrypt-share",
        parents=[common],
        help="move a team share that is not encrypted yet to the team key (once, managers)",
        description="Sync once, reading the team share while it is still unencrypted, then "
        "write the whole team caseload again encrypted with this caseload's team key and remove "
        "the unencrypted team files. From then on every laptop needs the team key to sync.",
    )
    encrypt.add_argument("--share", metavar="DIR", help="team share folder (default: setting)")
    encrypt.add_argument(
        "--yes", action="store_true", help="go ahead where sync would otherwise stop and ask"
    )
    encrypt.set_defaults(func=_encrypt_share)


def _new(args: argparse.Namespace) -> int:
    key = TeamKey.generate()
    path = write_key_file(Path(args.out), key, made_by=actor())
    print(f"New team key written to {path}")
    print(f"Fingerprint: {key.fingerprint}")
    if args.show_code:
        print(f"Code: {key.code}")
    print("Give it to each IRO out of band (never by email or on the team share); each runs:")
    print(f"  iro-desk team-key import {path.name}")
    print("Import it into your own caseload too, then delete the key file once everyone has it.")
    return 0


def _read_key(args: argparse.Namespace) -> TeamKey:
    if args.code:
        if sys.stdin.isatty():
            return TeamKey.from_code(getpass.getpass("Team key code: "))
        return key_from_text(sys.stdin.read(), where="the code given")
    if args.file == "-":
        return key_from_text(sys.stdin.read(), where="the text given")
    return read_key_file(Path(args.file))


def _import(args: argparse.Namespace) -> int:
    key = _read_key(args)
    with open_store(args) as store:
        changed = import_team_key(store, key)
        encrypted = store.encrypted
    if changed:
        print(f"Team key {key.fingerprint} imported: sync now encrypts with it.")
    else:
        print(f"Team key {key.fingerprint} was already this caseload's team key.")
    print("Check the fingerprint with your manager's. You can delete the key file now.")
    if not encrypted:
        print("Warning: this caseload is not encrypted, so neither is the team key kept in it. "
              "Encrypt it (Settings › Security) to protect both.", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        keyring = team_keyring(store)
    if keyring is None:
        print("This caseload has no team key: it syncs without encrypting the team share.")
        return 0
    print(f"Team key: {keyring.current.fingerprint}")
    if args.code:
        print(f"Code: {keyring.current.code}")
    for key in keyring.previous:
        print(f"Earlier key (kept to read older team files): {key.fingerprint}")
    return 0


def _export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        keyring = team_keyring(store)
    if keyring is None:
        raise IroDeskError("This caseload has no team key to export.")
    path = write_key_file(Path(args.out), keyring.current, made_by=actor())
    print(f"Team key {keyring.current.fingerprint} written to {path}")
    return 0


def _encrypt_share(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        with store.session() as session:
            settings = load_settings(session)
        try:
            report = sync_caseload(
                store, settings, share_folder=args.share, confirm=args.yes, encrypt_share=True
            )
        except SyncNeedsConfirmationError as exc:
            again = f"{exc} (iro-desk team-key encrypt-share --yes)"
            raise SyncNeedsConfirmationError(again) from exc
        keyring = team_keyring(store)
    fingerprint = keyring.current.fingerprint if keyring else "?"
    print(report.summary())
    print(f"The team share is encrypted with the team key {fingerprint}.")
    print("Every IRO needs the team key to sync from now on: iro-desk team-key import FILE")
    return 0
