"""Today and now, injectable so that every date rule can be tested on a fixed day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def utcnow() -> dt.datetime:
    """The current moment as a timezone-aware UTC timestamp."""
    return dt.datetime.now(dt.UTC)


class Clock:
    """The real clock: today's local date and the current UTC time."""

    def today(self) -> dt.date:
        """Today's date on this laptop."""
        return dt.date.today()

    def now(self) -> dt.datetime:
        """The current UTC timestamp."""
        return utcnow()


@dataclass(frozen=True)
class FixedClock(Clock):
    """A clock stopped on one day, for tests and for ``--today``."""

    fixed_today: dt.date

    def today(self) -> dt.date:
        """The fixed day."""
        return self.fixed_today

    def now(self) -> dt.datetime:
        """Noon UTC on the fixed day."""
        return dt.datetime.combine(self.fixed_today, dt.time(12, 0), tzinfo=dt.UTC)
