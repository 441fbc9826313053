"""The review form driven as an IRO would: by keyboard, with problems shown beside the fields."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from sqlmodel import select

from iro_desk import recording
from iro_desk.drafts import DraftStore
from iro_desk.models import CareEpisode, CaseTrack, ChangeLog, Child, Decision, Review
from iro_desk.recording import DecisionInput, ReviewInput
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.decisions_model import DecisionRow, DecisionsModel, parse_typed_date
from iro_desk.ui.history_view import HistoryModel, HistoryView
from iro_desk.ui.review_form import ReviewForm

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)


def add_child(
    store: CaseloadStore,
    *,
    first: str = "Tess",
    dob: dt.date = dt.date(2020, 6, 1),
    booked_for: dt.date | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """A child in care since 2 Mar 2026 with a CLA track; returns (track id, review id or track)."""
    with store.session() as session:
        child = Child(
            child_ref=f"DEMO-{first.upper()}", first_name=first, last_name="Demo", dob=dob
        )
        episode = CareEpisode(child_id=child.id, start_date=dt.date(2026, 3, 2), legal_status="C2")
        track = CaseTrack(
            kind="cla", child_id=child.id, episode_id=episode.id, start_date=episode.start_date
        )
        session.add_all([child, episode, track])
        review_id = None
        if booked_for is not None:
            review = Review(
                track_id=track.id,
                child_id=child.id,
                scheduled_date=booked_for,
                venue="Demo Family Centre",
            )
            session.add(review)
            review_id = review.id
    return track.id, review_id


def open_form(qtbot, store: CaseloadStore, drafts: Path, **ids: uuid.UUID | None) -> ReviewForm:  # noqa: ANN001
    form = ReviewForm(store, today=TODAY, settings=Settings(), drafts_dir=drafts, **ids)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return form


def type_into(qtbot, widget, text: str) -> None:  # noqa: ANN001
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def press(qtbot, widget, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # noqa: ANN001
    qtbot.keyClick(widget, key, modifier)


def choose_code(qtbot, form: ReviewForm, code: str) -> None:
    """Pick a participation code with the arrow keys, as from the keyboard."""
    form.participation.setFocus()
    target = list(recording.PARTICIPATION).index(code)
    while form.participation.currentIndex() < target:
        press(qtbot, form.participation, Qt.Key.Key_Down)
    while form.participation.currentIndex() > target:
        press(qtbot, form.participation, Qt.Key.Key_Up)


def add_decision(qtbot, form: ReviewForm, text: str, who: str, when: str) -> None:
    type_into(qtbot, form.new_text, text)
    press(qtbot, form.new_text, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), who)
    press(qtbot, QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), when)
    press(qtbot, QApplication.focusWidget(), Qt.Key.Key_Return)


def save_by_keyboard(qtbot, form: ReviewForm) -> None:
    press(
        qtbot, QApplication.focusWidget() or form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
    )


# --- recording a whole review ---------------------------------------------------------------------


def test_a_whole_review_with_two_decisions_is_recorded_by_keyboard(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    track_id, booked_id = add_child(store, booked_for=dt.date(2026, 12, 14))
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    assert form.review_id == booked_id, "the track's booked review is the one recorded"
    saved: list[uuid.UUID] = []
    form.saved.connect(saved.append)

    assert QApplication.focusWidget() is form.held_on
    qtbot.keyClicks(form.held_on, "14122026")
    press(qtbot, form.held_on, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.format
    press(qtbot, form.format, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.venue
    form.venue.selectAll()
    qtbot.keyClicks(form.venue, "Demo Family Centre, room 2")
    press(qtbot, form.venue, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "Tess, Jo (carer), Sam (social worker)")
    press(qtbot, QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "Social worker, school")
    press(qtbot, QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.participation
    choose_code(qtbot, form, "PN1")
    press(qtbot, form.participation, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.child_chaired
    press(qtbot, form.child_chaired, Qt.Key.Key_Space)
    type_into(qtbot, form.child_views, "I want to stay with Jo.")
    press(qtbot, form.child_views, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.iro_summary
    qtbot.keyClicks(form.iro_summary, "Settled and doing well.")
    add_decision(
        qtbot, form, "Arrange Saturday contact with Max", "Sam (social worker)", "01/02/2027"
    )
    add_decision(qtbot, form, "Book the health assessment", "Jo (carer)", "1 Mar 2027")
    assert [r.text for r in form.decisions.rows()] == [
        "Arrange Saturday contact with Max",
        "Book the health assessment",
    ]
    type_into(qtbot, form.circulated.line, "16/12/2026")
    save_by_keyboard(qtbot, form)

    qtbot.waitUntil(lambda: not form.isVisible())
    assert form.result() == QDialog.DialogCode.Accepted
    assert saved == [booked_id]
    with store.session() as session:
        (review,) = session.exec(select(Review)).all()
        assert review.status == "held"
        assert review.held_on == dt.date(2026, 12, 14)
        assert review.participation_code == "PN1"
        assert review.child_chaired is True
        assert review.venue == "Demo Family Centre, room 2"
        assert review.child_views == "I want to stay with Jo."
        assert review.decisions_circulated_on == dt.date(2026, 12, 16)
        decisions = recording.decisions_for_review(session, review.id)
        assert [(d.text, d.responsible, d.due_on) for d in decisions] == [
            ("Arrange Saturday contact with Max", "Sam (social worker)", dt.date(2027, 2, 1)),
            ("Book the health assessment", "Jo (carer)", dt.date(2027, 3, 1)),
        ]
    assert not DraftStore(tmp_path).path_for(form.draft_key).exists()


def test_pn1_for_a_two_year_old_is_refused_beside_the_code(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    track_id, _ = add_child(store, first="Ava", dob=dt.date(2024, 6, 1))
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    qtbot.keyClicks(form.held_on, "14122026")
    assert form.participation.currentData() == "PN0", "a child under 4 defaults to PN0"
    choose_code(qtbot, form, "PN1")
    save_by_keyboard(qtbot, form)

    assert form.isVisible()
    message = form.problem("participation_code")
    assert "Ava was 2 on 14 Dec 2026" in message and "Use PN0" in message
    label = form.findChild(type(form.age_note), "problem_participation_code")
    assert label.isVisible() and label.text().startswith("⚠ ")
    assert QApplication.focusWidget() is form.participation
    assert form.participation.accessibleDescription() == message
    assert form.problems.headline.isVisible()
    with store.session() as session:
        assert session.exec(select(Review)).all() == []
        assert session.exec(select(Decision)).all() == []

    choose_code(qtbot, form, "PN0")
    save_by_keyboard(qtbot, form)
    qtbot.waitUntil(lambda: not form.isVisible())
    with store.session() as session:
        assert session.exec(select(Review)).one().participation_code == "PN0"


def test_a_review_date_in_the_future_is_refused_beside_the_date(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    track_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    qtbot.keyClicks(form.held_on, "05012027")
    choose_code(qtbot, form, "PN6")
    assert not form.save()
    assert "in the future" in form.problem("held_on")
    assert form.problem("participation_code") == ""


def test_a_decision_problem_is_marked_in_its_row(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    track_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    qtbot.keyClicks(form.held_on, "14122026")
    choose_code(qtbot, form, "PN1")
    add_decision(qtbot, form, "PEP meeting", "Virtual school", "01/12/2026")
    assert not form.save()
    assert "Decision 1" in form.problem("decisions")
    assert "before the review" in form.problem("decisions")
    cell = form.decisions.index(0, 2)
    assert "before the review" in form.decisions.data(cell, Qt.ItemDataRole.ToolTipRole)
    assert form.decisions.data(cell, Qt.ItemDataRole.DecorationRole) is not None


def test_a_decision_missing_who_is_not_added(qtbot, store: CaseloadStore, tmp_path: Path) -> None:
    track_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    type_into(qtbot, form.new_text, "PEP meeting")
    press(qtbot, form.new_text, Qt.Key.Key_Return)
    assert form.decisions.rowCount() == 0
    assert "who is responsible" in form.problem("new_decision")
    assert QApplication.focusWidget() is form.new_who


def test_a_decision_typed_but_not_added_stops_the_save(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    track_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    choose_code(qtbot, form, "PN1")
    type_into(qtbot, form.new_text, "PEP meeting")
    assert not form.save()
    assert "not in the table yet" in form.problem("new_decision")
    with store.session() as session:
        assert session.exec(select(Review)).all() == []


def test_removing_a_decision_by_keyboard(qtbot, store: CaseloadStore, tmp_path: Path) -> None:
    track_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    add_decision(qtbot, form, "One", "SW", "01/02/2027")
    add_decision(qtbot, form, "Two", "SW", "01/02/2027")
    form.table.setFocus()
    form.table.selectRow(0)
    press(qtbot, form.table, Qt.Key.Key_Delete)
    assert [r.text for r in form.decisions.rows()] == ["Two"]


# --- amending ------------------------------------------------------------------------------------


def _held_review(store: CaseloadStore, track_id: uuid.UUID) -> uuid.UUID:
    with store.session() as session:
        review = recording.record_review(
            session,
            track_id=track_id,
            details=ReviewInput(
                held_on=dt.date(2026, 12, 14),
                participation_code="PN1",
                iro_summary="Settled.",
                decisions=[
                    DecisionInput(text="PEP", responsible="SW", due_on=dt.date(2027, 1, 2)),
                    DecisionInput(text="Dentist", responsible="Carer", due_on=dt.date(2027, 2, 1)),
                ],
            ),
            today=TODAY,
        )
    return review.id


def test_reopening_a_held_review_amends_it_and_keeps_the_history(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    track_id, _ = add_child(store)
    review_id = _held_review(store, track_id)
    form = open_form(qtbot, store, tmp_path, review_id=review_id)
    assert form.amending
    assert form.windowTitle().startswith("Amend the record")
    assert form.held_date() == dt.date(2026, 12, 14)
    assert form.participation.currentData() == "PN1"
    assert form.iro_summary.toPlainText() == "Settled."
    states = [form.decisions.data(form.decisions.index(r, 3)) for r in range(2)]
    assert states == ["Overdue since 2 Jan 2027", "Open, due 1 Feb 2027"]

    form.iro_summary.selectAll()
    type_into(qtbot, form.iro_summary, "Settled; contact with Max to increase.")
    form.table.selectRow(1)
    form.remove_decision()
    save_by_keyboard(qtbot, form)
    qtbot.waitUntil(lambda: not form.isVisible())

    with store.session() as session:
        assert session.get(Review, review_id).iro_summary == (
            "Settled; contact with Max to increase."
        )
        assert [d.text for d in recording.decisions_for_review(session, review_id)] == ["PEP"]
        changes = session.exec(
            select(ChangeLog).where(ChangeLog.row_id == review_id, ChangeLog.action == "update")
        ).all()
    assert [json.loads(c.after_json) for c in changes] == [
        {"iro_summary": "Settled; contact with Max to increase."}
    ]
    assert changes[0].changed_by == "test-iro"


def test_the_history_view_shows_the_amendment(qtbot, store: CaseloadStore) -> None:
    track_id, _ = add_child(store)
    review_id = _held_review(store, track_id)
    with store.session() as session:
        recording.amend_review(
            session,
            review_id=review_id,
            details=ReviewInput(
                held_on=dt.date(2026, 12, 14), participation_code="PN6", iro_summary="Settled."
            ),
            today=TODAY,
        )
        child_id = session.get(Review, review_id).child_id
    view = HistoryView(store, child_id=child_id)
    qtbot.addWidget(view)
    view.show()
    shown = [
        [view.proxy.data(view.proxy.index(row, col)) for col in range(6)]
        for row in range(view.proxy.rowCount())
    ]
    assert [
        "test-iro",
        "Child in care review held 14 Dec 2026",
        "How the child took part",
        "Child attended and spoke for themselves (PN1)",
        "Child did not attend; their views were sent (e.g. written, app, via carer) (PN6)",
    ] in [row[1:] for row in shown]
    qtbot.keyClicks(view.filter, "dentist")
    assert view.proxy.rowCount() == 1
    assert view.count.text() == f"1 of {len(shown)} changes shown"


# --- drafts --------------------------------------------------------------------------------------


def test_typing_is_kept_as_a_draft_and_offered_back_after_a_crash(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    track_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    choose_code(qtbot, form, "PN6")
    type_into(qtbot, form.child_views, "Tess wrote: I want a dog.")
    add_decision(qtbot, form, "Ask about a dog", "Sam (social worker)", "01/02/2027")
    drafts = DraftStore(tmp_path)
    qtbot.waitUntil(lambda: drafts.load(form.draft_key) is not None, timeout=5000)
    qtbot.waitUntil(lambda: len(drafts.load(form.draft_key).fields["decisions"]) == 1, timeout=5000)
    key = form.draft_key
    form.hide()  # the laptop died: nothing was saved, nothing was asked
    form.deleteLater()

    again = open_form(qtbot, store, tmp_path, track_id=track_id)
    assert again.draft_key == key
    assert again.banner.isVisible()
    assert "Unsaved text from" in again.banner.label.text()
    assert again.child_views.toPlainText() == ""
    qtbot.mouseClick(again.banner.restore_button, Qt.MouseButton.LeftButton)
    assert not again.banner.isVisible()
    assert again.child_views.toPlainText() == "Tess wrote: I want a dog."
    assert again.participation.currentData() == "PN6"
    assert [r.text for r in again.decisions.rows()] == ["Ask about a dog"]
    assert again.save()
    assert drafts.load(key) is None


def test_discarding_the_draft_from_the_banner(qtbot, store: CaseloadStore, tmp_path: Path) -> None:
    track_id, _ = add_child(store)
    drafts = DraftStore(tmp_path)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    drafts.save(form.draft_key, {"child_views": "old words"})
    form.close()
    again = open_form(qtbot, store, tmp_path, track_id=track_id)
    qtbot.mouseClick(again.banner.discard_button, Qt.MouseButton.LeftButton)
    assert drafts.load(again.draft_key) is None
    assert again.child_views.toPlainText() == ""


@pytest.mark.parametrize(
    ("choice", "open_after", "draft_kept"),
    [
        pytest.param("stay", True, True, id="back-to-the-form"),
        pytest.param("keep", False, True, id="keep-as-draft"),
        pytest.param("discard", False, False, id="discard"),
    ],
)
def test_closing_with_unsaved_typing_asks_what_to_do(
    qtbot,
    store: CaseloadStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    choice: str,
    open_after: bool,
    draft_kept: bool,
) -> None:
    track_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    type_into(qtbot, form.venue, "Demo Centre")
    asked: list[str] = []
    monkeypatch.setattr(form, "ask_close", lambda: asked.append("asked") or choice)
    press(qtbot, form.venue, Qt.Key.Key_Escape)
    assert asked == ["asked"]
    assert form.isVisible() is open_after
    drafts = DraftStore(tmp_path)
    if open_after:  # still typing: the autosave writes the draft a moment later
        qtbot.waitUntil(lambda: drafts.load(form.draft_key) is not None, timeout=5000)
    assert (drafts.load(form.draft_key) is not None) is draft_kept


def test_closing_an_untouched_form_asks_nothing(
    qtbot, store: CaseloadStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    track_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    monkeypatch.setattr(form, "ask_close", lambda: pytest.fail("nothing to ask about"))
    press(qtbot, form.held_on, Qt.Key.Key_Escape)
    assert not form.isVisible()


# --- pieces --------------------------------------------------------------------------------------


def test_every_control_has_an_accessible_name(qtbot, store: CaseloadStore, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit

    track_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, track_id=track_id)
    controls = [
        widget
        for kind in (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit)
        for widget in form.findChildren(kind)
        if widget.isVisible()
        and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not isinstance(widget.parent(), QComboBox | type(form.held_on))
    ]
    unnamed = [w for w in controls if not w.accessibleName()]
    assert len(controls) >= 18
    assert form.held_on.accessibleName() == "Date held"
    assert form.table.accessibleName() == "Decisions"
    assert unnamed == []


def test_the_decisions_model_passes_the_model_tester(qtmodeltester) -> None:
    model = DecisionsModel(
        [
            DecisionRow(text="PEP", responsible="SW", due_on=dt.date(2027, 2, 1)),
            DecisionRow(text="Dentist", responsible="Carer"),
        ]
    )
    model.set_problems({"decisions.1.due_on": "Decision 2: say by when (a date)."})
    qtmodeltester.check(model)
    assert model.setData(model.index(1, 2), "03/03/2027")
    assert model.rows()[1].due_on == dt.date(2027, 3, 3)
    assert not model.setData(model.index(1, 2), "next week")
    assert model.rows()[1].due_on == dt.date(2027, 3, 3)


def test_the_history_model_passes_the_model_tester(qtmodeltester, store: CaseloadStore) -> None:
    track_id, _ = add_child(store)
    _held_review(store, track_id)
    with store.session() as session:
        child_id = session.exec(select(Child)).one().id
        entries = recording.change_history(session, child_id=child_id)
    qtmodeltester.check(HistoryModel(entries))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("31/01/2027", dt.date(2027, 1, 31), id="uk-slashes"),
        pytest.param("1/2/27", dt.date(2027, 2, 1), id="short"),
        pytest.param("1.2.2027", dt.date(2027, 2, 1), id="dots"),
        pytest.param("2027-02-01", dt.date(2027, 2, 1), id="iso"),
        pytest.param("1 Feb 2027", dt.date(2027, 2, 1), id="words"),
        pytest.param("1 september 2027", dt.date(2027, 9, 1), id="month-in-full"),
        pytest.param("  ", None, id="blank"),
    ],
)
def test_dates_are_read_as_typed_in_the_uk(typed: str, expected: dt.date | None) -> None:
    assert parse_typed_date(typed) == expected


@pytest.mark.parametrize("typed", ["31/02/2027", "next week", "2027/13/01", "32 Jan 2027"])
def test_a_date_that_is_not_one_says_how_to_write_it(typed: str) -> None:
    with pytest.raises(ValueError, match="write it as 31/01/2027"):
        parse_typed_date(typed)


def test_a_cancelled_review_cannot_be_recorded_and_says_so(
    qtbot, store: CaseloadStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iro_desk.ui import review_form

    track_id, review_id = add_child(store, booked_for=dt.date(2026, 12, 14))
    with store.session() as session:
        review = session.get(Review, review_id)
        review.status = "cancelled"
        session.add(review)
    shown: list[str] = []
    monkeypatch.setattr(review_form, "show_error", lambda _parent, message: shown.append(message))
    assert (
        review_form.open_review_form(store, today=TODAY, settings=Settings(), review_id=review_id)
        is None
    )
    assert shown == [
        "This review was cancelled: there is nothing to record. Book a new review on the calendar."
    ]
    form = review_form.open_review_form(store, today=TODAY, settings=Settings(), track_id=track_id)
    assert form is not None and form.review_id is None, "nothing booked now: a new review"
    qtbot.addWidget(form)
    assert form.isVisible()
