"""The statutory review timescales of every kind of track (DOMAIN.md, 'Review timescales')."""

from __future__ import annotations

import datetime as dt

import pytest

from iro_desk.rules import (
    deadline_after_reviews,
    describe_rules,
    is_in_timescale,
    next_review_deadline,
    short_break_rule,
    track_rules,
)
from iro_desk.settings import Settings
from iro_desk.workdays import working_days

D = dt.date
SETTINGS = Settings()


@pytest.mark.parametrize(
    ("kind", "start", "held", "expected"),
    [
        # Child in care: reg 33 of the Care Planning, Placement and Case Review Regs 2010.
        pytest.param(
            "cla",
            D(2027, 1, 4),
            [],
            D(2027, 2, 1),
            id="cla: first within 20 working days of becoming looked after",
        ),
        pytest.param(
            "cla",
            D(2026, 12, 7),
            [],
            D(2027, 1, 7),
            id="cla: first review over Christmas and New Year",
        ),
        pytest.param("cla", D(2027, 3, 15), [], D(2027, 4, 14), id="cla: first review over Easter"),
        pytest.param(
            "cla",
            D(2027, 1, 2),
            [],
            D(2027, 1, 29),
            id="cla: became looked after on a Saturday",
        ),
        pytest.param(
            "cla",
            D(2027, 1, 4),
            [D(2027, 1, 31)],
            D(2027, 4, 30),
            id="cla: second within 3 months of a first held on the 31st",
        ),
        pytest.param(
            "cla",
            D(2027, 1, 4),
            [D(2027, 1, 29), D(2027, 4, 28)],
            D(2027, 10, 28),
            id="cla: third within 6 months of the second",
        ),
        pytest.param(
            "cla",
            D(2027, 10, 1),
            [D(2027, 10, 28), D(2027, 11, 30)],
            D(2028, 5, 30),
            id="cla: later reviews run from the last one held",
        ),
        pytest.param(
            "cla",
            D(2027, 7, 20),
            [D(2027, 8, 12), D(2027, 8, 31)],
            D(2028, 2, 29),
            id="cla: 31 Aug + 6 months lands on 29 February",
        ),
        pytest.param(
            "cla",
            D(2027, 10, 1),
            [D(2027, 10, 28)],
            D(2028, 1, 28),
            id="cla: second review after a first in October",
        ),
        # Child protection: Working Together.
        pytest.param(
            "cp",
            D(2026, 12, 17),
            [],
            D(2027, 1, 12),
            id="cp: initial conference within 15 working days over Christmas",
        ),
        pytest.param(
            "cp",
            D(2026, 12, 17),
            [D(2027, 1, 12)],
            D(2027, 4, 12),
            id="cp: first review conference within 3 months of the initial",
        ),
        pytest.param(
            "cp",
            D(2026, 12, 17),
            [D(2027, 1, 12), D(2027, 4, 8)],
            D(2027, 10, 8),
            id="cp: later review conferences within 6 months",
        ),
        # Foster carer household: Fostering Services (England) Regs 2011, reg 28.
        pytest.param(
            "fostering", D(2026, 3, 15), [], D(2027, 3, 15), id="fostering: a year from approval"
        ),
        pytest.param(
            "fostering",
            D(2024, 2, 29),
            [],
            D(2025, 2, 28),
            id="fostering: approved on 29 February",
        ),
        pytest.param(
            "fostering",
            D(2026, 3, 15),
            [D(2027, 3, 1)],
            D(2028, 3, 1),
            id="fostering: a year from the last review meeting",
        ),
        # Pathway plans: Care Leavers (England) Regs 2010.
        pytest.param(
            "pathway",
            D(2026, 7, 1),
            [],
            D(2027, 1, 1),
            id="pathway: 6 months, even onto New Year's Day",
        ),
        pytest.param(
            "pathway",
            D(2026, 7, 1),
            [D(2026, 12, 31)],
            D(2027, 6, 30),
            id="pathway: 6 months from a review on 31 December",
        ),
        # Secure accommodation: Children (Secure Accommodation) Regs 1991, reg 15.
        pytest.param(
            "secure",
            D(2026, 12, 31),
            [],
            D(2027, 1, 31),
            id="secure: within one month of the placement starting",
        ),
        pytest.param("secure", D(2027, 1, 31), [], D(2027, 2, 28), id="secure: 31 Jan + 1 month"),
        pytest.param(
            "secure",
            D(2026, 12, 31),
            [D(2027, 1, 29)],
            D(2027, 4, 29),
            id="secure: then within 3 months",
        ),
        pytest.param(
            "secure",
            D(2026, 12, 31),
            [D(2027, 1, 29), D(2027, 4, 29)],
            D(2027, 7, 29),
            id="secure: and 3 months again",
        ),
        # Private fostering: local settings (default first 3 months, then 6).
        pytest.param(
            "private_fostering",
            D(2027, 1, 15),
            [],
            D(2027, 4, 15),
            id="private fostering: first from the settings",
        ),
        pytest.param(
            "private_fostering",
            D(2027, 1, 15),
            [D(2027, 4, 1)],
            D(2027, 10, 1),
            id="private fostering: then from the settings",
        ),
    ],
)
def test_next_review_deadline(
    kind: str, start: dt.date, held: list[dt.date], expected: dt.date
) -> None:
    rule = track_rules(SETTINGS)[kind]
    calendar = working_days("ENG")
    assert next_review_deadline(rule, start, held, calendar) == expected
    last = max(held) if held else None
    assert deadline_after_reviews(rule, start, len(held), last, calendar) == expected


def test_a_late_review_moves_the_next_deadline() -> None:
    rule = track_rules(SETTINGS)["cla"]
    calendar = working_days("ENG")
    first = D(2027, 2, 10)
    second_deadline = next_review_deadline(rule, D(2027, 1, 13), [first], calendar)
    assert second_deadline == D(2027, 5, 10)
    held_late = D(2027, 5, 20)
    assert not is_in_timescale(held_late, second_deadline)
    # The third runs from the day the second was actually held, not from its deadline.
    assert next_review_deadline(rule, D(2027, 1, 13), [first, held_late], calendar) == D(
        2027, 11, 20
    )


@pytest.mark.parametrize(
    ("held_on", "in_time"),
    [
        pytest.param(D(2027, 2, 1), True, id="held on the deadline is in time"),
        pytest.param(D(2027, 1, 29), True, id="held before the deadline is in time"),
        pytest.param(D(2027, 2, 2), False, id="held the day after is late"),
    ],
)
def test_in_timescale(held_on: dt.date, in_time: bool) -> None:
    assert is_in_timescale(held_on, D(2027, 2, 1)) is in_time


def test_a_return_to_care_restarts_at_20_working_days() -> None:
    rule = track_rules(SETTINGS)["cla"]
    calendar = working_days("ENG")
    # First episode: reviews held; the child went home. The new episode's track has none.
    old = next_review_deadline(rule, D(2026, 3, 2), [D(2026, 3, 27), D(2026, 6, 20)], calendar)
    assert old == D(2026, 12, 20)
    assert next_review_deadline(rule, D(2027, 1, 4), [], calendar) == D(2027, 2, 1)


@pytest.mark.parametrize(
    ("nation", "expected"),
    [
        pytest.param("ENG", D(2027, 1, 7), id="England"),
        pytest.param("WLS", D(2027, 1, 7), id="Wales has England's bank holidays"),
        pytest.param("SCT", D(2027, 1, 8), id="Scotland's 2 January holiday pushes it a day"),
        pytest.param("NIR", D(2027, 1, 7), id="Northern Ireland"),
    ],
)
def test_first_review_depends_on_the_nation(nation: str, expected: dt.date) -> None:
    rule = track_rules(SETTINGS)["cla"]
    assert next_review_deadline(rule, D(2026, 12, 7), [], working_days(nation)) == expected


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        pytest.param([], D(2027, 4, 10), id="short breaks: first within 3 months"),
        pytest.param([D(2027, 4, 1)], D(2027, 10, 1), id="short breaks: then 6-monthly"),
        pytest.param([D(2027, 4, 1), D(2027, 9, 30)], D(2028, 3, 30), id="and 6 again"),
    ],
)
def test_short_break_reviews(held: list[dt.date], expected: dt.date) -> None:
    rule = short_break_rule(SETTINGS)
    assert next_review_deadline(rule, D(2027, 1, 10), held, working_days("ENG")) == expected


def test_local_settings_change_the_local_rules() -> None:
    settings = Settings(
        private_fostering_first_months=2,
        private_fostering_interval_months=4,
        short_break_first_months=2,
        short_break_interval_months=12,
    )
    calendar = working_days("ENG")
    private = track_rules(settings)["private_fostering"]
    assert next_review_deadline(private, D(2027, 1, 15), [], calendar) == D(2027, 3, 15)
    assert next_review_deadline(private, D(2027, 1, 15), [D(2027, 3, 1)], calendar) == D(2027, 7, 1)
    short = short_break_rule(settings)
    assert next_review_deadline(short, D(2027, 1, 10), [], calendar) == D(2027, 3, 10)
    assert next_review_deadline(short, D(2027, 1, 10), [D(2027, 3, 1)], calendar) == D(2028, 3, 1)


def test_every_rule_names_its_source_and_is_described() -> None:
    rows = describe_rules(SETTINGS)
    assert len(rows) == len(track_rules(SETTINGS))
    described = {label: (text, source) for label, text, source in rows}
    text, source = described["Child in care review"]
    assert "20 working days" in text and "3 months" in text and "6 months" in text
    assert "reg 33" in source
    assert "reg 28" in described["Foster carer household review"][1]
    assert "reg 15" in described["Secure accommodation review"][1]
    assert "Working Together" in described["Child protection conference"][1]
