"""The statutory review timescales: when the next review of a case track must be held.

This module is the single source of the rules. The scheduler, the demo caseload and the Help
screen's description of the rules (``describe_rules``) all read it, so they cannot disagree.
Sources and wording: ../shared/DOMAIN.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from iro_desk.settings import Settings
from iro_desk.workdays import WorkingDays, add_months


@dataclass(frozen=True)
class Interval:
    """A timescale: so many working days or calendar months after a date."""

    working_days: int = 0
    months: int = 0

    def after(self, start: dt.date, calendar: WorkingDays) -> dt.date:
        """The last day in time when counting from ``start``."""
        if self.working_days:
            return calendar.add(start, self.working_days)
        return add_months(start, self.months)

    def describe(self) -> str:
        """'20 working days' or '6 months'."""
        if self.working_days:
            return f"{self.working_days} working days"
        return f"{self.months} month" + ("s" if self.months != 1 else "")


@dataclass(frozen=True)
class TrackRule:
    """How the reviews of one kind of track fall due."""

    kind: str
    first: Interval
    first_from: str
    second: Interval
    later: Interval
    source: str


def track_rules(settings: Settings) -> dict[str, TrackRule]:
    """The rule for each kind of track, with local settings applied where the law leaves them."""
    return {
        # Care Planning, Placement and Case Review (England) Regulations 2010, reg 33(1)-(2):
        # first review within 20 working days of the day the child became looked after, the
        # second within 3 months of the first, later ones within 6 months of the previous.
        "cla": TrackRule(
            kind="cla",
            first=Interval(working_days=20),
            first_from="the day the child became looked after",
            second=Interval(months=3),
            later=Interval(months=6),
            source="Care Planning, Placement and Case Review (England) Regulations 2010, reg 33",
        ),
        # Working Together to Safeguard Children: initial conference within 15 working days of
        # the (last) strategy discussion; first review conference within 3 months of the
        # initial conference; later ones within 6 months of the previous.
        "cp": TrackRule(
            kind="cp",
            first=Interval(working_days=15),
            first_from="the (last) strategy discussion",
            second=Interval(months=3),
            later=Interval(months=6),
            source="Working Together to Safeguard Children",
        ),
        # Fostering Services (England) Regulations 2011, reg 28: a review within a year of
        # approval, then within a year of the previous review meeting.
        "fostering": TrackRule(
            kind="fostering",
            first=Interval(months=12),
            first_from="approval",
            second=Interval(months=12),
            later=Interval(months=12),
            source="Fostering Services (England) Regulations 2011, reg 28",
        ),
        # Care Leavers (England) Regulations 2010: pathway plan reviewed within 6 months of the
        # previous review (counted from the plan's start for the first).
        "pathway": TrackRule(
            kind="pathway",
            first=Interval(months=6),
            first_from="the pathway plan's start",
            second=Interval(months=6),
            later=Interval(months=6),
            source="Care Leavers (England) Regulations 2010",
        ),
        # Children (Secure Accommodation) Regulations 1991, reg 15 (as amended): within one
        # month of the placement starting, then within 3 months of the previous review.
        "secure": TrackRule(
            kind="secure",
            first=Interval(months=1),
            first_from="the secure placement starting",
            second=Interval(months=3),
            later=Interval(months=3),
            source="Children (Secure Accommodation) Regulations 1991, reg 15",
        ),
        # Children (Private Arrangements for Fostering) Regulations 2005: review timescales are
        # local practice (setting).
        "private_fostering": TrackRule(
            kind="private_fostering",
            first=Interval(months=settings.private_fostering_first_months),
            first_from="notification of the arrangement",
            second=Interval(months=settings.private_fostering_interval_months),
            later=Interval(months=settings.private_fostering_interval_months),
            source="Local practice (setting); Children (Private Arrangements for Fostering) "
            "Regulations 2005",
        ),
    }


def short_break_rule(settings: Settings) -> TrackRule:
    """Modified reviews for a child in care only through short breaks (legal status V3/V4).

    DOMAIN.md: first within 3 months of the first short break, then at least 6-monthly
    (setting, confirm locally).
    """
    return TrackRule(
        kind="cla",
        first=Interval(months=settings.short_break_first_months),
        first_from="the first short break",
        second=Interval(months=settings.short_break_interval_months),
        later=Interval(months=settings.short_break_interval_months),
        source="Short breaks: local practice (setting) under reg 48 of the 2010 Regulations",
    )


def next_review_deadline(
    rule: TrackRule,
    track_start: dt.date,
    held_dates: Sequence[dt.date],
    calendar: WorkingDays,
) -> dt.date:
    """The last day on which the next review is in time.

    The interval always runs from the date the previous review was actually held, so a late
    review moves every later deadline (DOMAIN.md).
    """
    return deadline_after_reviews(
        rule, track_start, len(held_dates), max(held_dates, default=None), calendar
    )


def deadline_after_reviews(
    rule: TrackRule,
    track_start: dt.date,
    held_count: int,
    last_held: dt.date | None,
    calendar: WorkingDays,
) -> dt.date:
    """``next_review_deadline`` from the number of reviews held and the date of the last one.

    The scheduler counts held reviews in SQL rather than reading every date, so it needs the
    rule in this form; both give the same answer.
    """
    if held_count == 0 or last_held is None:
        return rule.first.after(track_start, calendar)
    if held_count == 1:
        return rule.second.after(last_held, calendar)
    return rule.later.after(last_held, calendar)


def is_in_timescale(held_on: dt.date, deadline: dt.date) -> bool:
    """Held on the deadline is in time; the day after is late."""
    return held_on <= deadline


def describe_rules(settings: Settings) -> list[tuple[str, str, str]]:
    """(kind, plain description, source) for each rule, for the Help screen and docs."""
    from iro_desk.vocab import TRACK_KINDS

    rows = []
    for kind, rule in track_rules(settings).items():
        if rule.second == rule.later:
            then = f"then within {rule.later.describe()} of the previous one"
        else:
            then = (
                f"the second within {rule.second.describe()} of the first; later ones within "
                f"{rule.later.describe()} of the previous one"
            )
        text = f"First within {rule.first.describe()} of {rule.first_from}; {then}."
        rows.append((TRACK_KINDS[kind], text, rule.source))
    return rows
