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
    "schedule",
)

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        help="caseload file (default: $IRO_DESK_DB, then the user data folder)",
    )
    common.add_argument(
        "--no-encryption",
        action="store_true",
        help="make a new caseload unencrypted (not recommended for real records)",
    )
    parser = argparse.ArgumentParser(
        prog="iro-desk",
        description="IRO Desk: an Independent Reviewing Officer's caseload, calendar and letters. "
        "With no command it opens the app.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"iro-desk {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = subparsers.add_parser("gui", parents=[common], help="open the app (the default)")
    gui.set_defaults(func=_run_gui)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"iro_desk.commands.{name}")
        module.register(subparsers, common)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    from iro_desk.ui.app import run_app

    return run_app(db=args.db)


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
