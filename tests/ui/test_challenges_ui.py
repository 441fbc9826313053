"""The QA tool form, the challenge dialog and the challenges list, driven like an IRO would."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton, QWidget

from iro_desk import challenges as core
from iro_desk.clock import FixedClock
from iro_desk.models import Child
from iro_desk.qa_tool import start_qa_tool
from iro_desk.settings import Settings, update_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.challenge_dialog import ChallengeDialog, ChallengeHistoryModel
from iro_desk.ui.challenges_window import (
    ROW_ROLE,
    ChallengesTableModel,
    ChallengesWindow,
    Column,
)
from iro_desk.ui.qa_tool_form import QaToolForm

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)  # Monday


@pytest.fixture
def today_clock() -> FixedClock:
    return FixedClock(TODAY)


def _child(store: CaseloadStore, ref: str, first: str, last: str = "Example") -> uuid.UUID:
    with store.session() as session:
        child = Child(child_ref=ref, first_name=first, last_name=last, dob=dt.date(2015, 1, 9))
        session.add(child)
    return child.id


def _ok(dialog: QWidget) -> QPushButton:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    return box.button(QDialogButtonBox.StandardButton.Ok)


def _click(qtbot, button: QPushButton) -> None:  # noqa: ANN001
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _set_date(edit, value: dt.date) -> None:  # noqa: ANN001
    edit.setDate(QDate(value.year, value.month, value.day))


def _double_click_row(qtbot, window: ChallengesWindow, row: int) -> None:  # noqa: ANN001
    rect = window.table.visualRect(window.proxy.index(row, Column.CHILD))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _history(dialog: ChallengeDialog) -> list[list[str]]:
    model = dialog.history_model
    return [[str(model.index(r, c).data()) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_raise_from_qa_tool_then_escalate_to_level_3(
    qtbot, store: CaseloadStore, today_clock: FixedClock  # noqa: ANN001
) -> None:
    child_id = _child(store, "DEMO-0101", "Demo", "Tester")
    with store.session() as session:
        tool = start_qa_tool(session, child_id=child_id, today=TODAY, settings=Settings(),
                             started_on=dt.date(2026, 12, 1))
    form = QaToolForm(store, tool.id, clock=today_clock)
    qtbot.addWidget(form)
    form.show()

    # The IRO marks the PEP item not met, with a comment, by keyboard.
    pep = next(i for i, item in enumerate(form.answers()) if "PEP" in item.item)
    form.answer_boxes[pep].setFocus()
    for _ in range(2):  # Not answered -> Met -> Not met
        qtbot.keyClick(form.answer_boxes[pep], Qt.Key.Key_Down)
    assert form.answer_boxes[pep].currentText() == "Not met"
    qtbot.keyClicks(form.comment_boxes[pep], "No PEP since September")
    qtbot.keyClicks(form.positive_practice, "Carer keeps a lovely memory box")

    _click(qtbot, form.raise_button)
    qtbot.waitUntil(lambda: form.raise_dialog is not None and form.raise_dialog.isVisible())
    raise_dialog = form.raise_dialog
    assert "No PEP since September" in raise_dialog.issue.toPlainText()
    assert not raise_dialog.child.isEnabled()  # the QA tool's child, fixed

    # No theme chosen: the problem is shown beside the theme, and the dialog stays open.
    _click(qtbot, _ok(raise_dialog))
    assert raise_dialog.isVisible()
    assert raise_dialog.errors.message("theme") == "choose a theme"

    raise_dialog.theme.setCurrentIndex(
        raise_dialog.theme.findText("PEP or health assessment missing")
    )
    qtbot.keyClicks(raise_dialog.to_name, "Sam Sample")
    _set_date(raise_dialog.raised_on, dt.date(2026, 12, 24))
    assert raise_dialog.due.text().startswith("5 Jan 2027")  # three bank holidays skipped
    with qtbot.waitSignal(form.challengeRaised, timeout=1000) as raised:
        _click(qtbot, _ok(raise_dialog))
        assert not raise_dialog.errors.summary.text()
    challenge_id = uuid.UUID(raised.args[0])
    assert "Became a challenge" in form.status_label.text()
    assert not form.save_button.isEnabled()  # read only now

    # The tracker lists it at the informal level, response due 5 Jan.
    window = ChallengesWindow(store, clock=today_clock)
    qtbot.addWidget(window)
    window.show()
    assert window.row_texts() == [[
        "Informal", "Demo Tester (DEMO-0101)", "PEP or health assessment missing", "Open",
        "24 Dec 2026", "11", "5 Jan 2027",
    ]]
    assert "Informal: 1" in window.summary.text()

    # Double-click opens it; escalate to level 2.
    _double_click_row(qtbot, window, 0)
    qtbot.waitUntil(lambda: window.challenge_dialog is not None
                    and window.challenge_dialog.isVisible())
    dialog = window.challenge_dialog
    assert dialog.challenge_id == challenge_id
    _click(qtbot, dialog.escalate_button)
    qtbot.waitUntil(lambda: dialog.step_dialog is not None and dialog.step_dialog.isVisible())
    step = dialog.step_dialog
    assert step.to_level.currentText().startswith("Level 2")
    assert step.to_level.count() == 1  # no skipping under the default settings
    qtbot.keyClicks(step.to_name, "Terry Manager")
    qtbot.keyClicks(step.text, "No response at the informal stage")
    _click(qtbot, _ok(step))
    qtbot.waitUntil(lambda: not step.isVisible())
    assert dialog.level_label.text() == "Level 2"
    assert dialog.due_label.text() == "11 Jan 2027"
    assert window.row_texts()[0][0] == "Level 2"

    # Then to level 3: the level 2 step stays in the history.
    _click(qtbot, dialog.escalate_button)
    qtbot.waitUntil(lambda: dialog.step_dialog is not step and dialog.step_dialog.isVisible())
    _click(qtbot, _ok(dialog.step_dialog))
    qtbot.waitUntil(lambda: dialog.level_label.text() == "Level 3")
    history = _history(dialog)
    assert [row[1] for row in history] == ["Raised", "Escalated", "Escalated"]
    assert history[1][2:5] == ["Level 2", "Terry Manager, Team manager", "11 Jan 2027"]
    assert history[2][2] == "Level 3"
    assert window.row_texts()[0][0] == "Level 3"
    assert "Level 3: 1" in window.summary.text()


def test_response_deadline_follows_the_level_setting(
    qtbot, store: CaseloadStore, today_clock: FixedClock  # noqa: ANN001
) -> None:
    child_id = _child(store, "DEMO-0102", "Demo")
    ladder = Settings().challenge_ladder
    ladder[2] = ladder[2].model_copy(update={"response_working_days": 10})
    with store.session() as session:
        settings = update_settings(session, challenge_ladder=ladder)
        challenge = core.raise_challenge(
            session, child_id=child_id, theme="Other", issue="Drift", level=1,
            raised_on=dt.date(2026, 12, 1), today=TODAY, settings=settings,
        )
        core.escalate(session, challenge, on=dt.date(2026, 12, 8), today=TODAY,
                      settings=settings)
    dialog = ChallengeDialog(store, challenge.id, clock=today_clock)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.open_step("escalate")
    step = dialog.step_dialog
    assert step.due.text().startswith("18 Jan 2027")  # 10 working days after 4 Jan
    _click(qtbot, _ok(step))
    qtbot.waitUntil(lambda: dialog.level_label.text() == "Level 3")
    assert dialog.due_label.text() == "18 Jan 2027"
    # The level 2 step keeps its own (5 working day) deadline.
    assert _history(dialog)[1][4] == "15 Dec 2026"


def test_closed_challenge_offers_no_next_steps(
    qtbot, store: CaseloadStore, today_clock: FixedClock  # noqa: ANN001
) -> None:
    child_id = _child(store, "DEMO-0103", "Demo")
    with store.session() as session:
        challenge = core.raise_challenge(
            session, child_id=child_id, theme="Other", issue="Drift",
            raised_on=dt.date(2026, 12, 1), today=TODAY, settings=Settings(),
        )
    dialog = ChallengeDialog(store, challenge.id, settings=Settings(), clock=today_clock)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.open_step("resolve")
    step = dialog.step_dialog
    _click(qtbot, _ok(step))  # no outcome yet
    assert "say what the outcome was" in step.errors.message("outcome")
    qtbot.keyClicks(step.text, "Health assessment booked")
    qtbot.keyClicks(step.impact, "Demo's asthma is reviewed")
    _click(qtbot, _ok(step))
    qtbot.waitUntil(lambda: not step.isVisible())
    assert dialog.status_label.text().startswith("Resolved on 4 Jan 2027")
    assert "Impact for the child: Demo's asthma is reviewed" in dialog.closed_label.text()
    assert not any(b.isEnabled() for b in (dialog.escalate_button, dialog.respond_button,
                                           dialog.resolve_button, dialog.withdraw_button))


def _tracker_caseload(store: CaseloadStore) -> Settings:
    settings = Settings()
    ava = _child(store, "DEMO-0201", "Ava")
    ben = _child(store, "DEMO-0202", "Ben")
    with store.session() as session:
        late = core.raise_challenge(
            session, child_id=ava, theme="Reports not shared", issue="Reports late again",
            raised_on=dt.date(2026, 12, 1), today=TODAY, settings=settings,
        )
        core.escalate(session, late, on=dt.date(2026, 12, 9), today=TODAY, settings=settings)
        core.raise_challenge(
            session, child_id=ben, theme="Delay to permanence", issue="No permanence plan",
            raised_on=dt.date(2026, 12, 30), today=TODAY, settings=settings,
        )
        done = core.raise_challenge(
            session, child_id=ben, theme="Unregistered placement", issue="Unregistered home",
            raised_on=dt.date(2026, 5, 11), today=TODAY, settings=settings, track_kind="cp",
        )
        core.resolve(session, done, on=dt.date(2026, 6, 1), outcome="Moved to a registered home",
                     today=TODAY)
    return settings


def test_tracker_marks_overdue_in_words_and_filters(
    qtbot, store: CaseloadStore, today_clock: FixedClock  # noqa: ANN001
) -> None:
    _tracker_caseload(store)
    window = ChallengesWindow(store, clock=today_clock)
    qtbot.addWidget(window)
    window.show()
    due_by_theme = {row[2]: row[6] for row in window.row_texts()}
    assert due_by_theme == {
        "Reports not shared": "⚠ Overdue 19 days (was due 16 Dec 2026)",
        "Delay to permanence": "7 Jan 2027",
        "Unregistered placement": "— (closed)",
    }
    assert window.summary.text() == (
        "Open challenges: 2 — Informal: 1 · Level 2: 1  ·  ⚠ 1 response overdue"
    )
    assert window.count_label.text() == "3 challenges"

    window.status_filter.setCurrentIndex(window.status_filter.findData("open"))
    assert len(window.row_texts()) == 2
    window.level_filter.setCurrentIndex(window.level_filter.findData(2))
    assert [r[1] for r in window.row_texts()] == ["Ava Example (DEMO-0201)"]
    window.level_filter.setCurrentIndex(0)
    window.status_filter.setCurrentIndex(0)
    window.theme_filter.setCurrentIndex(window.theme_filter.findData("Unregistered placement"))
    assert [r[3] for r in window.row_texts()] == ["Resolved"]
    window.theme_filter.setCurrentIndex(0)
    qtbot.mouseClick(window.dates_filter, Qt.MouseButton.LeftButton)
    _set_date(window.raised_from, dt.date(2026, 12, 15))
    assert [r[4] for r in window.row_texts()] == ["30 Dec 2026"]
    assert window.count_label.text() == "Showing 1 of 3 challenges"
    qtbot.mouseClick(window.dates_filter, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(window.search, "permanence")
    assert [r[2] for r in window.row_texts()] == ["Delay to permanence"]


def test_tracker_sorts_by_value_not_text(
    qtbot, store: CaseloadStore, today_clock: FixedClock  # noqa: ANN001
) -> None:
    _tracker_caseload(store)
    window = ChallengesWindow(store, clock=today_clock)
    qtbot.addWidget(window)
    window.table.sortByColumn(Column.DAYS_OPEN, Qt.SortOrder.AscendingOrder)
    assert [r[5] for r in window.row_texts()] == ["5", "21", "34"]
    window.table.sortByColumn(Column.RAISED, Qt.SortOrder.DescendingOrder)
    assert [r[4] for r in window.row_texts()] == ["30 Dec 2026", "1 Dec 2026", "11 May 2026"]


def test_raise_from_the_tracker_for_any_child(
    qtbot, store: CaseloadStore, today_clock: FixedClock  # noqa: ANN001
) -> None:
    _child(store, "DEMO-0301", "Cara")
    window = ChallengesWindow(store, clock=today_clock)
    qtbot.addWidget(window)
    window.show()
    assert window.row_texts() == []
    _click(qtbot, window.raise_button)
    qtbot.waitUntil(lambda: window.raise_dialog is not None and window.raise_dialog.isVisible())
    dialog = window.raise_dialog
    assert dialog.child.currentText() == "Cara Example (DEMO-0301)"
    assert dialog.level.count() == 1  # only the informal level without a QA tool
    dialog.theme.setCurrentIndex(dialog.theme.findText("Social worker unavailable"))
    qtbot.keyClicks(dialog.issue, "No allocated social worker for 8 weeks")
    with qtbot.waitSignal(window.changed):
        _click(qtbot, _ok(dialog))
    assert [r[2] for r in window.row_texts()] == ["Social worker unavailable"]


def test_qa_form_shows_the_checklist_from_the_settings(
    qtbot, store: CaseloadStore, today_clock: FixedClock  # noqa: ANN001
) -> None:
    child_id = _child(store, "DEMO-0401", "Dee")
    with store.session() as session:
        update_settings(session, qa_items=["Life story work started", "Sibling contact agreed"])
    form = QaToolForm.start(store, child_id, clock=today_clock)
    qtbot.addWidget(form)
    form.show()
    assert [box.accessibleName() for box in form.answer_boxes] == [
        "Answer: Life story work started", "Answer: Sibling contact agreed"
    ]
    form.answer_boxes[1].setCurrentIndex(form.answer_boxes[1].findData("met"))
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.comment_boxes[1].setFocus()
    qtbot.keyClick(form.comment_boxes[1], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.message.text().startswith("Draft saved")

    _click(qtbot, form.share_button)
    qtbot.waitUntil(lambda: form.step_dialog is not None and form.step_dialog.isVisible())
    share = form.step_dialog
    _click(qtbot, _ok(share))  # nobody named yet
    assert "say who it was shared with" in share.errors.message("shared_with")
    qtbot.keyClicks(share.shared_with, "Sam Sample")
    _click(qtbot, _ok(share))
    qtbot.waitUntil(lambda: not share.isVisible())
    assert "shared with Sam Sample on 4 Jan 2027" in form.status_label.text()
    assert form.respond_button.isEnabled()

    form2 = QaToolForm(store, form.qa_tool_id, clock=today_clock)
    qtbot.addWidget(form2)
    assert form2.answer_boxes[1].currentText() == "Met"


def test_item_models_pass_the_model_tester(
    qtmodeltester, store: CaseloadStore  # noqa: ANN001
) -> None:
    settings = _tracker_caseload(store)
    with store.session() as session:
        rows = core.list_challenges(session, today=TODAY, settings=settings)
        steps = core.steps_of(session, rows[0].id)
    qtmodeltester.check(ChallengesTableModel(rows))
    history = ChallengeHistoryModel(settings, steps)
    qtmodeltester.check(history)
    assert history.rowCount() == len(steps) > 0
    assert history.columnCount() == 6
    assert [history.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == [
        "Date", "Step", "Level", "Addressed to", "Response due", "Details"
    ]
    assert history.step_at(0) is steps[0]
    assert history.index(0, 0).data(ROW_ROLE) is steps[0]
    assert history.index(0, 0).data() == f"{steps[0].on_date.day} {steps[0].on_date:%b %Y}"
    assert not history.flags(history.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    history.set_steps(steps[:1])
    qtmodeltester.check(history)
    assert history.rowCount() == 1
    history.set_steps([])
    qtmodeltester.check(history)
    assert history.rowCount() == 0
    empty = ChallengesTableModel([])
    qtmodeltester.check(empty)
    assert empty.rowCount() == 0



def test_tracker_on_the_demo_caseload(
    qtbot, store: CaseloadStore, today_clock: FixedClock  # noqa: ANN001
) -> None:
    from iro_desk.demo import build_demo

    build_demo(store, children=150, seed=1, today=TODAY)  # a few still open
    window = ChallengesWindow(store, clock=today_clock)
    qtbot.addWidget(window)
    window.show()
    with store.session() as session:
        settings = window.settings
        rows = core.list_challenges(session, today=TODAY, settings=settings)
        open_count = sum(core.open_by_level(session, settings=settings).values())
    assert rows, "the demo caseload has challenges"
    assert open_count, "and a few still open"
    assert window.model.rowCount() == len(rows)
    assert window.summary.text().startswith(f"Open challenges: {open_count} —")
    # Each overdue row says so in words.
    for number, texts in enumerate(window.row_texts()):
        row = window.proxy.index(number, 0).data(ROW_ROLE)
        assert texts[6].startswith("⚠ Overdue") == row.overdue

    # The highest open challenge shows every level it passed through.
    highest = max((r for r in rows if r.status == "open"), key=lambda r: r.level)
    dialog = window.open_challenge(highest.id)
    qtbot.waitUntil(dialog.isVisible)
    levels = [row[2] for row in _history(dialog)]
    expected = [core.level_name(settings, rung.level)
                for rung in core.ladder(settings) if rung.level <= highest.level]
    assert [name for name in expected if name in levels] == expected

