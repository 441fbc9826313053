"""``iro-desk letter``: make a child's review letter or IRO introduction letter as a PDF.

Thin: the words, checks and layout live in ``iro_desk.letters``. ``--review`` takes a whole
review id or a unique prefix of at least 8 characters; ``--intro`` takes the child's ID (the
council's reference) or a record id prefix. The checks (care jargon, reading level, anything
missing) are printed so the IRO can fix the records or open the letter editor.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from iro_desk.clock import Clock, FixedClock
from iro_desk.commands._common import open_store, parse_date, print_json
from iro_desk.letters.compose import AGE_BANDS, LetterOptions, age_band_for, age_on
from iro_desk.letters.service import (
    MadeLetter,
    make_intro_letter,
    make_review_letter,
    mark_letter_sent,
    resolve_child_id,
    resolve_letter_id,
    resolve_review_id,
)
from iro_desk.models import Child, Review
from iro_desk.store import CaseloadStore


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``letter`` command."""
    parser = subparsers.add_parser(
        "letter",
        parents=[common],
        help="make a child's review letter or introduction letter (PDF)",
        description="Make a child's letter as a PDF, save it with the caseload and record it "
        "on the review. Prints the checks (care jargon, reading level, missing details).",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--review", metavar="REVIEW_ID",
                       help="the held review (id or unique prefix of 8+ characters)")
    which.add_argument("--intro", metavar="CHILD_ID",
                       help="introduce the IRO to this child (child ID or record id prefix)")
    which.add_argument("--mark-sent", metavar="LETTER_ID",
                       help="record that a made letter was sent (with --on)")
    parser.add_argument("--out", metavar="FILE.pdf",
                        help="write the PDF here (default: the letters folder in Settings)")
    parser.add_argument("--age-band", choices=list(AGE_BANDS),
                        help="wording and layout (default: from the child's age)")
    parser.add_argument("--large-print", action="store_true", help="large print layout")
    parser.add_argument("--dyslexia", action="store_true",
                        help="dyslexia-friendly layout: plain sans-serif, cream page, wide spacing")
    parser.add_argument("--on", metavar="DATE", help="with --mark-sent: the day it was sent")
    parser.add_argument("--today", metavar="DATE", help="the letter's date (default: today)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=_letter)


def _options(args: argparse.Namespace, default_band: str) -> LetterOptions | None:
    if args.age_band is None and not args.large_print and not args.dyslexia:
        return None
    return LetterOptions(
        age_band=args.age_band or default_band,
        large_print=args.large_print,
        dyslexia=args.dyslexia,
    )


def _default_band(store: CaseloadStore, args: argparse.Namespace, today_clock: Clock) -> str:
    """The band for the child's age, so --large-print alone keeps the usual wording."""
    with store.session() as session:
        if args.review:
            review = session.get(Review, resolve_review_id(session, args.review))
            child = session.get(Child, review.child_id) if review and review.child_id else None
            day = (review.held_on if review else None) or today_clock.today()
            code = review.participation_code if review else None
        else:
            child = session.get(Child, resolve_child_id(session, args.intro))
            day, code = today_clock.today(), None
    return age_band_for(age_on(child.dob if child else None, day), code)


def _letter(args: argparse.Namespace) -> int:
    clock: Clock = FixedClock(parse_date(args.today, "--today")) if args.today else Clock()
    store = open_store(args)
    try:
        if args.mark_sent:
            return _mark_sent(store, args, clock)
        options = None
        if args.age_band or args.large_print or args.dyslexia:
            options = _options(args, args.age_band or _default_band(store, args, clock))
        out = Path(args.out).expanduser() if args.out else None
        if args.review:
            with store.session() as session:
                review_id = resolve_review_id(session, args.review)
            made = make_review_letter(store, review_id, clock=clock, options=options, out=out)
        else:
            with store.session() as session:
                child_id = resolve_child_id(session, args.intro)
            made = make_intro_letter(store, child_id, clock=clock, options=options, out=out)
        _report(made, as_json=args.json)
        return 0
    finally:
        store.close()


def _mark_sent(store: CaseloadStore, args: argparse.Namespace, clock: Clock) -> int:
    sent_on = parse_date(args.on, "--on") if args.on else clock.today()
    with store.session() as session:
        letter_id = resolve_letter_id(session, args.mark_sent)
    mark_letter_sent(store, letter_id, sent_on=sent_on)
    print(f"Letter {letter_id} recorded as sent on {sent_on.isoformat()}.")
    return 0


def _report(made: MadeLetter, *, as_json: bool) -> None:
    checks = made.checks.messages(made.draft)
    if as_json:
        print_json(
            {
                "letter_id": str(made.letter_id),
                "path": str(made.path),
                "age_band": made.draft.options.age_band,
                "reading_age": made.checks.reading.reading_age,
                "too_hard": made.checks.reading.too_hard,
                "checks": checks,
            }
        )
        return
    print(f"Letter for {made.draft.child_name} written to {made.path}")
    print(f"Letter id: {made.letter_id}")
    print("Check before sending:")
    for line in checks:
        print(f"  - {line}")
