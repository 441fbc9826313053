"""An invented IRO, child and review for trying letters out: tests, docs pictures, layout checks.

Everything here is made up and looks it ("Demo" names, ``.invalid`` email addresses, a cartoon
drawn by code instead of a photo). ``add_sample_review`` writes one child with a held review, a
pre-review visit, decisions and (optionally) the next review booked, using the models directly.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, select

from iro_desk.models import CaseTrack, Child, Decision, Iro, Review, Visit


@dataclass(frozen=True)
class SampleReview:
    """The ids of what ``add_sample_review`` wrote."""

    child_id: uuid.UUID
    review_id: uuid.UUID
    track_id: uuid.UUID
    iro_id: uuid.UUID
    next_review_id: uuid.UUID | None


def sample_portrait_png(size: int = 240) -> bytes:
    """A friendly cartoon face drawn by code (PNG), standing in for the IRO's photo."""
    from PIL import Image, ImageDraw

    scale = 4  # draw large, then shrink: smooth edges
    big = size * scale
    image = Image.new("RGB", (big, big), (214, 236, 245))
    draw = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (int(x0 * big), int(y0 * big), int(x1 * big), int(y1 * big))

    draw.ellipse(box(0.18, 0.72, 0.82, 1.35), fill=(58, 134, 160))  # shoulders
    draw.ellipse(box(0.27, 0.14, 0.73, 0.66), fill=(104, 72, 50))  # hair
    draw.ellipse(box(0.31, 0.22, 0.69, 0.70), fill=(241, 196, 160))  # face
    draw.chord(box(0.29, 0.13, 0.71, 0.45), 180, 360, fill=(104, 72, 50))  # fringe
    for x in (0.42, 0.58):
        draw.ellipse(box(x - 0.025, 0.43, x + 0.025, 0.48), fill=(43, 58, 85))  # eyes
    draw.arc(box(0.41, 0.46, 0.59, 0.62), 20, 160, fill=(160, 70, 70), width=big // 60)
    for x in (0.37, 0.63):
        draw.ellipse(box(x - 0.035, 0.52, x + 0.035, 0.56), fill=(244, 160, 150))  # cheeks
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def add_sample_iro(session: Session, *, name: str = "Sam Demo", photo: bool = True) -> Iro:
    """This laptop's IRO, invented; reused when already there."""
    existing = session.exec(select(Iro).where(Iro.name == name)).first()
    if existing is not None:
        return existing
    first = name.split()[0].lower()
    iro = Iro(
        name=name,
        identity=f"{first}.demo",
        email=f"{first}.demo@council.invalid",
        phone="01234 000000",
        team="Demo IRO Service",
        profile_text="I have two cats and I love baking. I have been helping children and "
        "young people for twelve years, and I always want to know what you think.",
        photo=sample_portrait_png() if photo else None,
        is_me=True,
    )
    session.add(iro)
    return iro


def add_sample_review(
    session: Session,
    *,
    held_on: dt.date,
    age: int,
    child_ref: str = "DEMO-0042",
    first_name: str = "Tiana",
    last_name: str = "Example",
    preferred_name: str = "Tia",
    participation_code: str | None = "PN1",
    attendees: str = "Child, carer, Jo Demo (social worker)",
    child_views: str = "I want to stay living here with Sam and Alex.",
    wishes_feelings: str = "I like my new school and I have a best friend called Pip.",
    worries: str = "Worried about not seeing Grandma at Christmas.",
    questions: str = "Can I have a sleepover at Pip's house? — Yes: your carers can say yes "
    "to sleepovers, they do not need to ask anyone.",
    decisions: Sequence[tuple[str, str, int]] | None = None,
    next_review_on: dt.date | None = None,
    track_kind: str = "cla",
    iro: Iro | None = None,
) -> SampleReview:
    """An invented child with a held review, a visit, decisions and maybe the next review.

    ``decisions`` are (text, responsible, days after the review it is due).
    """
    iro = iro or add_sample_iro(session)
    if decisions is None:
        decisions = (
            ("Arrange family time with Grandma over the Christmas holidays", "Social worker", 21),
            ("Find out about swimming lessons near home", "Carer", 42),
            (f"See {preferred_name or first_name} at home before the next meeting", "IRO", 150),
        )
    dob = dt.date(held_on.year - age, 3, 14)
    if (held_on.month, held_on.day) < (3, 14):
        dob = dt.date(held_on.year - age - 1, 3, 14)
    child = Child(
        child_ref=child_ref,
        first_name=first_name,
        last_name=last_name,
        preferred_name=preferred_name,
        dob=dob,
        allocated_iro_id=iro.id,
    )
    track = CaseTrack(
        kind=track_kind,
        child_id=child.id,
        start_date=held_on - dt.timedelta(days=400),
        iro_id=iro.id,
    )
    review = Review(
        track_id=track.id,
        child_id=child.id,
        status="held",
        scheduled_date=held_on,
        scheduled_time="10:00",
        held_on=held_on,
        participation_code=participation_code,
        attendees=attendees,
        child_views=child_views,
    )
    visit = Visit(
        child_id=child.id,
        review_id=review.id,
        visit_date=held_on - dt.timedelta(days=9),
        method="face_to_face",
        seen_alone=True,
        wishes_feelings=wishes_feelings,
        worries=worries,
        questions=questions,
    )
    session.add_all([child, track, review, visit])
    for text, responsible, days in decisions:
        session.add(
            Decision(
                review_id=review.id,
                child_id=child.id,
                text=text,
                responsible=responsible,
                due_on=held_on + dt.timedelta(days=days),
            )
        )
    next_id = None
    if next_review_on is not None:
        booked = Review(
            track_id=track.id,
            child_id=child.id,
            status="booked",
            scheduled_date=next_review_on,
            scheduled_time="15:30",
        )
        session.add(booked)
        next_id = booked.id
    return SampleReview(
        child_id=child.id,
        review_id=review.id,
        track_id=track.id,
        iro_id=iro.id,
        next_review_id=next_id,
    )
