"""The ``iro-desk`` command. Thin: parse the arguments, call the core, print the result.

With no sub-command it opens the desktop app. Each group of sub-commands lives in a module of
``iro_desk.commands`` that registers itself; errors meant for people are printed, not raised.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from iro_desk import __version__
from iro_desk.errors import IroDeskError, ValidationError

# Modules of iro_desk.commands, each with register(subparsers, common).
COMMAND_MODULES: tuple[str, ...] = (
    "caseload",
    "interchange",
    "challenges",
    "schedule",
    "recording",
    "figures",
    "letters",
    "sync",
    "team_key",
)

log = logging.getLogger(__name__)


def _add_common_options(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="caseload file (default: $IRO_DESK_DB, then the user data folder)",
    )
    parser.add_argument(
        "--no-encryption",
        action="store_true",
        default=default,
        help="make a new caseload unencrypted (not recommended for real records)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line.

    ``--db`` and ``--no-encryption`` work before or after the sub-command: the sub-commands'
    copies default to "not given", so they never overwrite one written before the sub-command.
    """
    common = argparse.ArgumentParser(add_help=False)
    _add_common_options(common, default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="iro-desk",
        description="IRO Desk: an Independent Reviewing Officer's caseload, calendar and letters. "
        "With no command it opens the app.",
    )
    _add_common_options(parser, default=None)
    parser.set_defaults(no_encryption=False)
    parser.add_argument("--version", action="version", version=f"iro-desk {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = subparsers.add_parser("gui", parents=[common], help="open the app (the default)")
    gui.add_argument(
        "--smoke-test",
        action="store_true",
        help="check the app starts: open the caseload (the demo is written there when there is "
        "none), show the main window, check it lists children, print the result and quit",
    )
    gui.set_defaults(func=_run_gui)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"iro_desk.commands.{name}")
        module.register(subparsers, common)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    from iro_desk.ui.app import run_app

    return run_app(db=args.db, smoke_test=getattr(args, "smoke_test", False))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", _run_gui)
    try:
        return int(func(args) or 0)
    except ValidationError as exc:
        print(f"iro-desk: {exc}", file=sys.stderr)
        return 2
    except IroDeskError as exc:
        print(f"iro-desk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("iro-desk: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `iro-desk due | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
