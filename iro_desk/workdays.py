"""Working-day and calendar-month arithmetic for statutory timescales.

Definitions are DOMAIN.md's: a working day is Monday to Friday, not a bank holiday of the nation
(``holidays`` package, GB with subdivision ENG, WLS, SCT or NIR). "Within n working days of day
D" is the n-th working day after D, D itself not counted. "Within n months" is the same day
number n months later, or the last day of that month when that day does not exist.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache

import holidays

ONE_DAY = dt.timedelta(days=1)


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day number ``months`` later, or the last day of that month."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(start.day, last_day))


class WorkingDays:
    """Working days of one UK nation."""

    def __init__(self, nation: str = "ENG") -> None:
        """Use the bank holidays of ``nation`` (ENG, WLS, SCT or NIR)."""
        if nation not in ("ENG", "WLS", "SCT", "NIR"):
            raise ValueError(f"unknown nation {nation!r}: expected ENG, WLS, SCT or NIR")
        self.nation = nation
        self._holidays = holidays.country_holidays("GB", subdiv=nation)
        self._by_year: dict[int, frozenset[dt.date]] = {}

    def _holiday_dates(self, year: int) -> frozenset[dt.date]:
        # A plain set per year: looking a date up in the ``holidays`` dict costs ~20x more,
        # and the scheduler counts working days for thousands of tracks at a time.
        dates = self._by_year.get(year)
        if dates is None:
            # The years either side too, in case a substitute day crosses the new year.
            around = holidays.country_holidays(
                "GB", subdiv=self.nation, years=range(year - 1, year + 2)
            )
            dates = frozenset(day for day in around if day.year == year)
            self._by_year[year] = dates
        return dates

    def is_working_day(self, day: dt.date) -> bool:
        """True on a weekday that is not a bank holiday (or its observed substitute)."""
        return day.weekday() < 5 and day not in self._holiday_dates(day.year)

    def holiday_name(self, day: dt.date) -> str | None:
        """The bank holiday's name on ``day``, if it is one."""
        name = self._holidays.get(day)
        return str(name) if name else None

    def add(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
        if count < 0:
            return self.subtract(start, -count)
        day = start
        remaining = count
        while remaining:
            day += ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def subtract(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day before ``start``."""
        day = start
        remaining = count
        while remaining:
            day -= ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def count_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count = 0
        day = start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count


@lru_cache(maxsize=8)
def working_days(nation: str = "ENG") -> WorkingDays:
    """A shared calendar per nation (building the holiday table is the slow part)."""
    return WorkingDays(nation)
