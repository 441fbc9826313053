"""Challenges and the DRP ladder: levels, working-day deadlines, the kept history, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlmodel import select

from iro_desk import challenges as core
from iro_desk import cli
from iro_desk.cli import main
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import Challenge, ChallengeStep, ChangeLog, Child
from iro_desk.settings import ChallengeLevel, Settings, default_ladder, update_settings
from iro_desk.store import DB_ERRORS, CaseloadStore

TODAY = dt.date(2027, 1, 4)  # a Monday
THEME = "Delay to permanence"


def _add_child(store: CaseloadStore, ref: str = "DEMO-0001", first: str = "Demo") -> uuid.UUID:
    with store.session() as session:
        child = Child(child_ref=ref, first_name=first, last_name="Example",
                      dob=dt.date(2016, 5, 17))
        session.add(child)
    return child.id


def _raise(
    store: CaseloadStore,
    child_id: uuid.UUID,
    settings: Settings,
    *,
    raised_on: dt.date = dt.date(2026, 11, 2),
    level: int | None = None,
    theme: str = THEME,
) -> uuid.UUID:
    with store.session() as session:
        challenge = core.raise_challenge(
            session,
            child_id=child_id,
            theme=theme,
            issue="No permanence plan two reviews running.",
            outcome_wanted="A permanence plan with a timescale.",
            addressed_to_name="Sam Sample",
            level=level,
            raised_on=raised_on,
            today=TODAY,
            settings=settings,
        )
    return challenge.id


def _escalate(store: CaseloadStore, challenge_id: uuid.UUID, settings: Settings,
              on: dt.date, to_level: int | None = None) -> ChallengeStep:
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        return core.escalate(session, challenge, on=on, today=TODAY, settings=settings,
                             to_level=to_level, text="No reply at the level below.")


# --- the ladder -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allow_skipping", "start_level", "to_level", "ends_at"),
    [
        pytest.param(False, 1, None, 2, id="informal goes to the next level by default"),
        pytest.param(False, 1, 2, 2, id="escalating one level is always allowed"),
        pytest.param(True, 1, 4, 4, id="skipping to level 4 when settings allow it"),
        pytest.param(True, 2, 6, 6, id="straight to Cafcass when settings allow skipping"),
        pytest.param(False, 5, None, 6, id="head of service goes on to Cafcass"),
    ],
)
def test_escalation_moves_up_the_ladder(
    store: CaseloadStore, allow_skipping: bool, start_level: int, to_level: int | None,
    ends_at: int,
) -> None:
    settings = Settings(allow_skipping_levels=True)
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings, level=start_level)
    settings = Settings(allow_skipping_levels=allow_skipping)
    step = _escalate(store, challenge_id, settings, dt.date(2026, 11, 20), to_level)
    assert step.level == ends_at
    with store.session() as session:
        assert core.get_challenge(session, challenge_id).level == ends_at


@pytest.mark.parametrize(
    ("start_level", "to_level", "close_with", "message"),
    [
        pytest.param(1, 3, None, "skipping", id="cannot skip a level unless settings allow"),
        pytest.param(2, 2, None, "escalation goes up", id="cannot escalate to the same level"),
        pytest.param(3, 2, None, "escalation goes up", id="cannot escalate downwards"),
        pytest.param(1, 9, None, "not on the ladder", id="level 9 is not on the ladder"),
        pytest.param(6, None, None, "last step of the ladder", id="cannot go past Cafcass"),
        pytest.param(1, None, "resolved", "resolved", id="cannot escalate a resolved one"),
        pytest.param(1, None, "withdrawn", "withdrawn", id="cannot escalate a withdrawn one"),
    ],
)
def test_escalation_is_refused(
    store: CaseloadStore, start_level: int, to_level: int | None, close_with: str | None,
    message: str,
) -> None:
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, Settings(allow_skipping_levels=True),
                          level=start_level)
    settings = Settings()
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        if close_with == "resolved":
            core.resolve(session, challenge, on=dt.date(2026, 11, 9), outcome="Plan agreed",
                         today=TODAY)
        elif close_with == "withdrawn":
            core.withdraw(session, challenge, on=dt.date(2026, 11, 9), reason="Raised in error",
                          today=TODAY)
    with pytest.raises(ValidationError, match=message):
        _escalate(store, challenge_id, settings, dt.date(2026, 11, 20), to_level)
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        assert challenge.level == start_level
        assert [s.step for s in core.steps_of(session, challenge_id)][-1] != "escalated"


@pytest.mark.parametrize(
    ("allow_skipping", "level", "from_qa", "allowed"),
    [
        pytest.param(False, 1, False, True, id="a new challenge starts informally"),
        pytest.param(False, 2, False, False, id="starting at level 2 skips the informal stage"),
        pytest.param(False, 2, True, True, id="from a QA tool it may start at level 2"),
        pytest.param(False, 3, True, False, id="from a QA tool level 3 still skips level 2"),
        pytest.param(True, 4, False, True, id="any level when settings allow skipping"),
    ],
)
def test_starting_level_follows_the_ladder(
    store: CaseloadStore, allow_skipping: bool, level: int, from_qa: bool, allowed: bool
) -> None:
    from iro_desk.qa_tool import start_qa_tool

    settings = Settings(allow_skipping_levels=allow_skipping)
    child_id = _add_child(store)
    with store.session() as session:
        qa_id = None
        if from_qa:
            qa_id = start_qa_tool(session, child_id=child_id, today=dt.date(2026, 11, 1),
                                  settings=settings).id

        def attempt() -> Challenge:
            return core.raise_challenge(
                session, child_id=child_id, theme=THEME, issue="Drift", level=level,
                raised_on=dt.date(2026, 11, 2), today=TODAY, settings=settings,
                qa_tool_id=qa_id,
            )

        if allowed:
            assert attempt().level == level
        else:
            with pytest.raises(ValidationError) as caught:
                attempt()
            assert "skips" in caught.value.problems["level"]


# --- working-day response dates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised_on", "working_days", "due"),
    [
        # Fri 25 Dec and Mon 28 Dec (Boxing Day observed) and Fri 1 Jan are bank holidays:
        # Tue 29, Wed 30, Thu 31 Dec, Mon 4, Tue 5 Jan.
        pytest.param(dt.date(2026, 12, 24), 5, dt.date(2027, 1, 5),
                     id="raised on Christmas Eve: due Tue 5 Jan after three bank holidays"),
        pytest.param(dt.date(2026, 11, 2), 5, dt.date(2026, 11, 9),
                     id="raised on a Monday: due the next Monday"),
        pytest.param(dt.date(2026, 11, 7), 5, dt.date(2026, 11, 13),
                     id="raised on a Saturday: due the Friday after"),
        pytest.param(dt.date(2026, 11, 2), 10, dt.date(2026, 11, 16),
                     id="a 10 working day level: two weeks on"),
    ],
)
def test_response_due_counts_working_days_of_the_level(
    store: CaseloadStore, raised_on: dt.date, working_days: int, due: dt.date
) -> None:
    ladder = default_ladder()
    ladder[0] = ChallengeLevel(level=1, name="Informal", addressed_to_role="SW",
                               response_working_days=working_days)
    settings = Settings(challenge_ladder=ladder)
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings, raised_on=raised_on)
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        assert challenge.response_due == due
        assert core.steps_of(session, challenge_id)[0].response_due == due


def test_escalation_restarts_the_clock_from_the_new_levels_setting(
    store: CaseloadStore,
) -> None:
    ladder = default_ladder()
    ladder[2] = ChallengeLevel(level=3, name="Level 3", addressed_to_role="Service manager",
                               response_working_days=10)
    settings = Settings(challenge_ladder=ladder)
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings, raised_on=dt.date(2026, 11, 2))
    level_2 = _escalate(store, challenge_id, settings, dt.date(2026, 11, 10))
    assert level_2.response_due == dt.date(2026, 11, 17)  # 5 working days
    level_3 = _escalate(store, challenge_id, settings, dt.date(2026, 11, 18))
    assert level_3.response_due == dt.date(2026, 12, 2)  # 10 working days
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        assert (challenge.level, challenge.response_due) == (3, dt.date(2026, 12, 2))
        assert challenge.addressed_to_role == "Service manager"


def test_a_response_stops_the_clock_until_the_next_escalation(store: CaseloadStore) -> None:
    settings = Settings()
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings, raised_on=dt.date(2026, 11, 2))
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        step = core.record_response(session, challenge, on=dt.date(2026, 11, 6),
                                    text="Plan at panel next month.", satisfactory=False,
                                    today=TODAY)
        assert step.satisfactory is False
        assert challenge.response_due is None
        assert not core.is_overdue(challenge, TODAY)
    _escalate(store, challenge_id, settings, dt.date(2026, 11, 9))
    with store.session() as session:
        assert core.get_challenge(session, challenge_id).response_due == dt.date(2026, 11, 16)


# --- dates and fields -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "problem"),
    [
        pytest.param(dt.date(2027, 1, 5), "in the future", id="a step cannot be in the future"),
        pytest.param(dt.date(2026, 11, 1), "before the day the challenge was raised",
                     id="a step cannot be before the challenge was raised"),
        pytest.param(dt.date(2026, 11, 9), "before the challenge's last step",
                     id="a step cannot be before the previous step"),
    ],
)
def test_step_dates_are_checked(store: CaseloadStore, on: dt.date, problem: str) -> None:
    settings = Settings()
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings, raised_on=dt.date(2026, 11, 2))
    _escalate(store, challenge_id, settings, dt.date(2026, 11, 10))
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        with pytest.raises(ValidationError) as caught:
            core.record_response(session, challenge, on=on, text="Reply", satisfactory=True,
                                 today=TODAY)
    assert problem in caught.value.problems["on"]


def test_raising_lists_every_problem_at_once(store: CaseloadStore) -> None:
    with store.session() as session, pytest.raises(ValidationError) as caught:
        core.raise_challenge(
            session, child_id=uuid.uuid4(), theme="Not a theme", issue="  ",
            raised_on=dt.date(2027, 2, 1), today=TODAY, settings=Settings(), track_kind="x",
        )
    assert set(caught.value.problems) == {"child", "theme", "issue", "raised_on", "track_kind"}


def test_themes_come_from_the_settings(store: CaseloadStore) -> None:
    settings = Settings(challenge_themes=["Contact with siblings"])
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings, theme="Contact with siblings")
    with store.session() as session:
        assert core.get_challenge(session, challenge_id).theme == "Contact with siblings"
    with pytest.raises(ValidationError, match="cannot be raised"):
        _raise(store, child_id, settings, theme=THEME)


def test_resolve_records_outcome_and_impact_and_stops_the_clock(store: CaseloadStore) -> None:
    settings = Settings()
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings)
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        core.resolve(session, challenge, on=dt.date(2026, 11, 20),
                     outcome="Permanence plan agreed at panel",
                     impact="Demo knows where they will grow up", today=TODAY)
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        assert (challenge.status, challenge.closed_on) == ("resolved", dt.date(2026, 11, 20))
        assert challenge.impact == "Demo knows where they will grow up"
        assert core.next_response_due(challenge) is None
        assert core.days_open(challenge, TODAY) == 18
        with pytest.raises(ValidationError, match="resolved"):
            core.record_response(session, challenge, on=TODAY, text="late", satisfactory=True,
                                 today=TODAY)


# --- history immutability -------------------------------------------------------------------


def test_level_3_keeps_the_level_2_history(store: CaseloadStore) -> None:
    settings = Settings()
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings, raised_on=dt.date(2026, 11, 2))
    level_2 = _escalate(store, challenge_id, settings, dt.date(2026, 11, 10))
    with store.session() as session:
        challenge = core.get_challenge(session, challenge_id)
        core.record_response(session, challenge, on=dt.date(2026, 11, 13),
                             text="TM: waiting for panel", satisfactory=False, today=TODAY)
    _escalate(store, challenge_id, settings, dt.date(2026, 11, 18))
    with store.session() as session:
        steps = core.steps_of(session, challenge_id)
        assert [(s.step, s.level) for s in steps] == [
            ("raised", 1), ("escalated", 2), ("response", 2), ("escalated", 3)
        ]
        kept = steps[1]
        assert kept.id == level_2.id
        assert kept.response_due == dt.date(2026, 11, 17)
        assert kept.addressed_to_role == "Team manager"
        assert kept.revision == 1
        # The challenge's own changes are in the caseload history too.
        logged = session.exec(
            select(ChangeLog).where(ChangeLog.row_id == challenge_id,
                                    ChangeLog.action == "update")
        ).all()
        levels = [json.loads(entry.after_json).get("level") for entry in logged]
        assert [level for level in levels if level] == [2, 3]


def test_a_step_cannot_be_changed_in_the_file(store: CaseloadStore) -> None:
    settings = Settings()
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings)
    conn = store.raw_connection()
    try:
        with pytest.raises(DB_ERRORS, match="kept as it was written"):
            conn.execute("UPDATE challenge_step SET text = 'rewritten'")
        with pytest.raises(DB_ERRORS, match="never deleted"):
            conn.execute("DELETE FROM challenge_step")
    finally:
        conn.close()
    with store.session() as session:
        assert core.steps_of(session, challenge_id)[0].text.startswith("No permanence plan")


def test_a_step_changed_through_the_orm_is_refused(store: CaseloadStore) -> None:
    settings = Settings()
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings)
    with pytest.raises(Exception, match="kept as it was written"), store.session() as session:
        step = core.steps_of(session, challenge_id)[0]
        step.text = "rewritten"
        session.add(step)
    with store.session() as session:
        assert core.steps_of(session, challenge_id)[0].text.startswith("No permanence plan")


# --- the list and the counts ----------------------------------------------------------------


def test_list_rows_show_days_open_and_overdue(store: CaseloadStore) -> None:
    settings = Settings()
    child_id = _add_child(store)
    late_id = _raise(store, child_id, settings, raised_on=dt.date(2026, 12, 14))  # due 21 Dec
    on_time_id = _raise(store, child_id, settings, raised_on=dt.date(2026, 12, 24))  # due 5 Jan
    with store.session() as session:
        rows = {row.id: row for row in core.list_challenges(session, today=TODAY,
                                                            settings=settings)}
    late, on_time = rows[late_id], rows[on_time_id]
    assert (late.days_open, late.overdue, late.overdue_days) == (21, True, 14)
    assert core.describe_response_due(late) == "⚠ Overdue: was due 2026-12-21 (14 days)"
    assert (on_time.overdue, core.describe_response_due(on_time)) == (False, "2027-01-05")
    assert late.level_name == "Informal"
    assert late.child_name == "Demo Example"


def test_counts_by_level_theme_and_open_by_level(store: CaseloadStore) -> None:
    settings = Settings()
    child_id = _add_child(store)
    first = _raise(store, child_id, settings, raised_on=dt.date(2026, 4, 10))
    _escalate(store, first, settings, dt.date(2026, 4, 20))
    second = _raise(store, child_id, settings, raised_on=dt.date(2026, 6, 1),
                    theme="Reports not shared")
    _raise(store, child_id, settings, raised_on=dt.date(2025, 6, 1))  # an earlier year
    with store.session() as session:
        core.withdraw(session, core.get_challenge(session, second), on=dt.date(2026, 6, 2),
                      reason="Reports arrived", today=TODAY)
    year = {"start": dt.date(2026, 4, 1), "end": dt.date(2027, 3, 31)}
    with store.session() as session:
        by_level = core.counts_by_level(session, settings=settings, **year)
        by_theme = core.counts_by_theme(session, settings=settings, **year)
        open_now = core.open_by_level(session, settings=settings)
        cp_only = core.counts_by_level(session, settings=settings, track_kind="cp", **year)
    assert by_level == {1: 1, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0}
    assert by_theme[THEME] == 1 and by_theme["Reports not shared"] == 1
    assert open_now == {1: 1, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0}
    assert sum(cp_only.values()) == 0
    assert core.describe_open_by_level(open_now, settings) == (
        "Open challenges: 2 — Informal: 1 · Level 2: 1"
    )


@pytest.mark.parametrize(
    ("prefix", "error"),
    [
        pytest.param("1234567", "at least 8", id="fewer than 8 characters are refused"),
        pytest.param("ffffffffffff", "No challenge", id="an unknown id is reported"),
    ],
)
def test_find_by_id_prefix_refuses(store: CaseloadStore, prefix: str, error: str) -> None:
    with store.session() as session, pytest.raises(IroDeskError, match=error):
        core.find_challenge(session, prefix)


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def only_challenge_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """The challenge commands on their own, so other command groups cannot break these tests."""
    assert "challenges" in cli.COMMAND_MODULES
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("challenges",))


@pytest.mark.usefixtures("only_challenge_commands")
def test_cli_round_trip(store: CaseloadStore, capsys: pytest.CaptureFixture[str]) -> None:
    _add_child(store, "DEMO-0042")
    ladder = default_ladder()
    ladder[1] = ChallengeLevel(level=2, name="Level 2", addressed_to_role="Team manager",
                               response_working_days=10)
    with store.session() as session:
        update_settings(session, challenge_ladder=ladder)
    db = str(store.path)
    store.close()
    base = ["--db", db]
    assert main(["challenge", "raise", *base, "--child", "DEMO-0042", "--theme", THEME,
                 "--issue", "Permanence drift", "--to-name", "Sam Sample",
                 "--on", "2026-12-24", "--today", "2027-01-04"]) == 0
    out = capsys.readouterr().out
    assert "response due 2027-01-05" in out
    challenge_id = out.split()[2]
    prefix = challenge_id.replace("-", "")[:8]

    assert main(["challenge", "escalate", *base, "--id", prefix, "--on", "2027-01-06",
                 "--today", "2027-01-06"]) == 0
    # The caseload's own setting: level 2 answers within 10 working days.
    assert "Level 2; response due 2027-01-20" in capsys.readouterr().out
    # A skip is refused with the same validation as the app, exit code 2.
    assert main(["challenge", "escalate", *base, "--id", prefix, "--to-level", "4",
                 "--on", "2027-01-07", "--today", "2027-01-07"]) == 2
    assert "skipping" in capsys.readouterr().err
    assert main(["challenge", "escalate", *base, "--id", prefix, "--on", "2027-01-21",
                 "--today", "2027-01-21", "--to-name", "Alex Demo"]) == 0
    assert main(["challenge", "respond", *base, "--id", prefix, "--on", "2027-01-22",
                 "--text", "Panel booked", "--today", "2027-01-22"]) == 0
    assert main(["challenge", "resolve", *base, "--id", prefix, "--on", "2027-01-25",
                 "--outcome", "Plan agreed", "--impact", "Settled at home",
                 "--today", "2027-01-25"]) == 0
    capsys.readouterr()

    assert main(["challenge", "show", *base, "--id", challenge_id, "--json",
                 "--today", "2027-01-25"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(h["step"], h["level"]) for h in shown["history"]] == [
        ("raised", 1), ("escalated", 2), ("escalated", 3), ("response", 3), ("resolved", 3)
    ]
    assert shown["history"][1]["response_due"] == "2027-01-20"
    assert shown["history"][2]["response_due"] == "2027-01-28"  # level 3: 5 working days
    assert shown["history"][3]["satisfactory"] is True
    assert shown["status"] == "resolved" and shown["impact"] == "Settled at home"

    assert main(["challenge", "list", *base, "--status", "resolved", "--today",
                 "2027-01-25"]) == 0
    listing = capsys.readouterr().out
    assert "Level 3" in listing and "DEMO-0042" in listing and "Resolved" in listing
    assert main(["challenge", "list", *base, "--status", "open", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.usefixtures("only_challenge_commands")
def test_cli_reports_an_unknown_child(store: CaseloadStore,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = str(store.path)
    store.close()
    assert main(["challenge", "raise", "--db", db, "--child", "NOPE-1", "--theme", THEME,
                 "--issue", "x"]) == 2
    assert "No child with ID 'NOPE-1'" in capsys.readouterr().err


def test_due_list_follows_the_level_3_working_day_setting(store: CaseloadStore) -> None:
    """Acceptance: a challenge at level 3 is due in `iro-desk due` by level 3's setting."""
    from iro_desk.schedule import due_items

    ladder = default_ladder()
    ladder[2] = ChallengeLevel(level=3, name="Level 3", addressed_to_role="Service manager",
                               response_working_days=10)
    settings = Settings(challenge_ladder=ladder)
    child_id = _add_child(store)
    challenge_id = _raise(store, child_id, settings, raised_on=dt.date(2026, 12, 1))
    _escalate(store, challenge_id, settings, dt.date(2026, 12, 8))
    _escalate(store, challenge_id, settings, dt.date(2026, 12, 21))
    with store.session() as session:
        items = [item for item in due_items(session, today=TODAY, settings=settings)
                 if item.kind == "challenge_response"]
        steps = core.steps_of(session, challenge_id)
    # 10 working days after Mon 21 Dec 2026, skipping 25 Dec, 28 Dec and 1 Jan.
    assert [(item.ref_id, item.deadline) for item in items] == [
        (challenge_id, dt.date(2027, 1, 7))
    ]
    assert [(s.level, s.response_due) for s in steps] == [
        (1, dt.date(2026, 12, 8)), (2, dt.date(2026, 12, 15)), (3, dt.date(2027, 1, 7))
    ]
