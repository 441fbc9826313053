"""Benchmark: a child's letter for every review held in the last year of the benchmark caseload.

Issue 6: letters for every review of the last year on the 2,250-child, 10-year demo caseload,
reported per letter beside reportlab making a page of the same length in the same run. For each
review the letter is composed from the records (``compose_review_letter``) and laid out as a PDF
(``render_letter_pdf``: embedded fonts, symbols, the IRO's card, page numbers). The baseline is
reportlab's own SimpleDocTemplate setting the same words as plain Helvetica paragraphs, so the
ratio shows what the letter's layout and composing cost beyond reportlab itself.

The caseload is built once and cached, shared with ``bench_due`` (``$IRO_DESK_BENCH_CACHE`` or
the system temp folder). Nothing is written to it. Run: ``python -m benchmarks.bench_letters``
(``--limit N`` for a quick run on the first N reviews). Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import statistics
import time
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate
from sqlmodel import select

from benchmarks.bench_due import TODAY, demo_caseload
from iro_desk.letters.compose import LetterDraft, compose_review_letter
from iro_desk.letters.language import warm_up
from iro_desk.letters.pdf import register_fonts, render_letter_pdf
from iro_desk.models import Review
from iro_desk.settings import load_settings
from iro_desk.store import CaseloadStore

PAGE = re.compile(rb"/Type /Page(?![s\w])")


def plain_page(draft: LetterDraft) -> bytes:
    """The baseline: the same words as plain reportlab paragraphs (Helvetica, no layout)."""
    styles = getSampleStyleSheet()
    story = [Paragraph(escape(draft.title), styles["Title"])]
    for _key, _label, text in draft.editable_texts():
        story.extend(
            Paragraph(escape(line), styles["Normal"]) for line in text.splitlines() if line
        )
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    """Time composing and making every letter of the last year, and the reportlab baseline."""
    parser = argparse.ArgumentParser(prog="bench_letters")
    parser.add_argument("--limit", type=int, default=None, help="only the first N reviews")
    args = parser.parse_args(argv)

    path = demo_caseload()
    register_fonts()
    warm_up()
    since = TODAY - dt.timedelta(days=365)
    compose_times: list[float] = []
    render_times: list[float] = []
    plain_times: list[float] = []
    pages = 0
    with CaseloadStore.open(path, actor="benchmark") as store, store.session() as session:
        settings = load_settings(session)
        review_ids = session.exec(
            select(Review.id)
            .where(
                Review.status == "held",
                Review.child_id.is_not(None),  # type: ignore[union-attr]
                Review.held_on > since,  # type: ignore[operator]
                Review.held_on <= TODAY,  # type: ignore[operator]
                Review.deleted_at.is_(None),  # type: ignore[union-attr]
            )
            .order_by(Review.held_on)
        ).all()
        held = len(review_ids)
        if args.limit is not None:
            review_ids = review_ids[: args.limit]
        print(f"{held:,} reviews held after {since} up to {TODAY}; making "
              f"{len(review_ids):,} letters", flush=True)
        started_all = time.perf_counter()
        for review_id in review_ids:
            started = time.perf_counter()
            draft = compose_review_letter(session, review_id, today=TODAY, settings=settings)
            composed = time.perf_counter()
            pdf = render_letter_pdf(draft)
            rendered = time.perf_counter()
            plain_page(draft)
            finished = time.perf_counter()
            compose_times.append(composed - started)
            render_times.append(rendered - composed)
            plain_times.append(finished - rendered)
            pages += len(PAGE.findall(pdf))
        elapsed = time.perf_counter() - started_all

    if not review_ids:
        print("No reviews held in the last year: nothing to time.")
        return 0
    letters = [c + r for c, r in zip(compose_times, render_times, strict=True)]
    count = len(letters)
    print(f"Per letter (mean over {count:,}; median in brackets):")
    print(f"  compose from records   {_ms(statistics.mean(compose_times))} "
          f"({_ms(statistics.median(compose_times)).strip()})")
    print(f"  lay out the PDF        {_ms(statistics.mean(render_times))} "
          f"({_ms(statistics.median(render_times)).strip()})")
    print(f"  the whole letter       {_ms(statistics.mean(letters))} "
          f"({_ms(statistics.median(letters)).strip()})")
    print(f"  reportlab, same words  {_ms(statistics.mean(plain_times))} "
          f"({_ms(statistics.median(plain_times)).strip()})  <- baseline")
    print(f"Ratio: {statistics.mean(letters) / statistics.mean(plain_times):.2f}x the plain "
          f"reportlab page; {pages / count:.1f} pages a letter; "
          f"{sum(letters):.1f} s for {count:,} letters ({elapsed:.1f} s with the baseline).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
