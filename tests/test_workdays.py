"""Working days and calendar months, as DOMAIN.md defines them for statutory timescales."""

from __future__ import annotations

import datetime as dt

import pytest

from iro_desk.workdays import WorkingDays, add_months, working_days

D = dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(D(2027, 1, 15), 3, D(2027, 4, 15), id="same day number three months on"),
        pytest.param(D(2027, 1, 31), 3, D(2027, 4, 30), id="31 Jan + 3 months is 30 Apr"),
        pytest.param(D(2026, 8, 31), 6, D(2027, 2, 28), id="31 Aug + 6 months is 28 Feb"),
        pytest.param(D(2027, 8, 31), 6, D(2028, 2, 29), id="31 Aug + 6 months in a leap year"),
        pytest.param(D(2028, 2, 29), 6, D(2028, 8, 29), id="29 Feb + 6 months keeps the 29th"),
        pytest.param(D(2028, 2, 29), 12, D(2029, 2, 28), id="29 Feb + a year is 28 Feb"),
        pytest.param(D(2027, 11, 30), 3, D(2028, 2, 29), id="30 Nov + 3 months lands on 29 Feb"),
        pytest.param(D(2027, 1, 31), 1, D(2027, 2, 28), id="31 Jan + 1 month is 28 Feb"),
        pytest.param(D(2026, 12, 31), 1, D(2027, 1, 31), id="31 Dec + 1 month crosses the year"),
        pytest.param(D(2026, 9, 25), 3, D(2026, 12, 25), id="months land on Christmas unmoved"),
    ],
)
def test_within_n_months(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("nation", "start", "count", "expected"),
    [
        pytest.param(
            "ENG", D(2027, 1, 4), 20, D(2027, 2, 1), id="20 working days in a plain month"
        ),
        pytest.param(
            "ENG",
            D(2026, 12, 7),
            20,
            D(2027, 1, 7),
            id="Christmas, Boxing Day (observed Monday) and New Year are skipped",
        ),
        pytest.param(
            "SCT",
            D(2026, 12, 7),
            20,
            D(2027, 1, 8),
            id="Scotland also skips the 2 January holiday (observed Monday 4 Jan)",
        ),
        pytest.param(
            "WLS", D(2026, 12, 7), 20, D(2027, 1, 7), id="Wales keeps England's bank holidays"
        ),
        pytest.param(
            "ENG",
            D(2027, 3, 15),
            20,
            D(2027, 4, 14),
            id="Good Friday and Easter Monday are skipped",
        ),
        pytest.param(
            "SCT",
            D(2027, 3, 15),
            20,
            D(2027, 4, 13),
            id="Easter Monday is a working day in Scotland",
        ),
        pytest.param(
            "NIR",
            D(2027, 3, 15),
            20,
            D(2027, 4, 15),
            id="Northern Ireland also skips St Patrick's Day",
        ),
        pytest.param(
            "ENG",
            D(2027, 1, 2),
            20,
            D(2027, 1, 29),
            id="a Saturday start is not counted: day one is the Monday",
        ),
        pytest.param(
            "ENG", D(2026, 12, 17), 15, D(2027, 1, 12), id="15 working days over Christmas"
        ),
        pytest.param("ENG", D(2027, 1, 8), 0, D(2027, 1, 8), id="zero days is the day itself"),
    ],
)
def test_add_working_days(nation: str, start: dt.date, count: int, expected: dt.date) -> None:
    assert WorkingDays(nation).add(start, count) == expected


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        pytest.param(D(2027, 2, 3), 20, D(2027, 1, 6), id="20 working days before 3 Feb"),
        pytest.param(D(2027, 1, 20), 20, D(2026, 12, 18), id="back over New Year and Christmas"),
        pytest.param(D(2027, 1, 5), 1, D(2027, 1, 4), id="one working day back"),
    ],
)
def test_subtract_working_days(start: dt.date, count: int, expected: dt.date) -> None:
    calendar = working_days("ENG")
    assert calendar.subtract(start, count) == expected
    assert calendar.add(expected, count) == start


def test_adding_a_negative_count_goes_back() -> None:
    calendar = working_days("ENG")
    assert calendar.add(D(2027, 2, 3), -20) == D(2027, 1, 6)


@pytest.mark.parametrize(
    ("nation", "day", "working"),
    [
        pytest.param("ENG", D(2027, 8, 30), False, id="England: late summer bank holiday"),
        pytest.param("SCT", D(2027, 8, 30), True, id="Scotland works the English August one"),
        pytest.param("SCT", D(2027, 8, 2), False, id="Scotland: summer bank holiday 2 Aug"),
        pytest.param("SCT", D(2027, 11, 30), False, id="Scotland: St Andrew's Day"),
        pytest.param("ENG", D(2027, 11, 30), True, id="England works St Andrew's Day"),
        pytest.param("NIR", D(2027, 7, 12), False, id="Northern Ireland: Battle of the Boyne"),
        pytest.param("ENG", D(2027, 12, 27), False, id="Christmas Day observed on Monday"),
        pytest.param("ENG", D(2027, 12, 24), True, id="Christmas Eve is a working day"),
        pytest.param("ENG", D(2027, 1, 9), False, id="Saturday"),
    ],
)
def test_working_day_by_nation(nation: str, day: dt.date, working: bool) -> None:
    assert WorkingDays(nation).is_working_day(day) is working


def test_count_between_matches_add() -> None:
    calendar = working_days("ENG")
    assert calendar.count_between(D(2026, 12, 7), D(2027, 1, 7)) == 20
    assert calendar.count_between(D(2027, 1, 7), D(2026, 12, 7)) == 0


def test_holiday_names_are_given() -> None:
    assert working_days("ENG").holiday_name(D(2027, 3, 29)) == "Easter Monday"
    assert working_days("ENG").holiday_name(D(2027, 3, 30)) is None


def test_an_unknown_nation_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown nation"):
        WorkingDays("FRA")
