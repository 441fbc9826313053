"""The visit form driven by keyboard: the child's words kept, linked to the review it prepares."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from sqlmodel import select

from iro_desk import recording
from iro_desk.drafts import DraftStore
from iro_desk.models import CareEpisode, CaseTrack, Child, Review, Visit
from iro_desk.recording import VisitInput
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.visit_form import VisitForm

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)


def add_child(store: CaseloadStore) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Tess, in care, with a review held last year and one booked for 20 Jan 2027."""
    with store.session() as session:
        child = Child(
            child_ref="DEMO-0007",
            first_name="Theresa",
            preferred_name="Tess",
            last_name="Demo",
            dob=dt.date(2016, 6, 1),
        )
        episode = CareEpisode(child_id=child.id, start_date=dt.date(2026, 3, 2), legal_status="C2")
        track = CaseTrack(
            kind="cla", child_id=child.id, episode_id=episode.id, start_date=episode.start_date
        )
        held = Review(
            track_id=track.id,
            child_id=child.id,
            status="held",
            held_on=dt.date(2026, 3, 30),
            participation_code="PN1",
        )
        booked = Review(track_id=track.id, child_id=child.id, scheduled_date=dt.date(2027, 1, 20))
        session.add_all([child, episode, track, held, booked])
    return child.id, booked.id, held.id


def open_form(qtbot, store: CaseloadStore, drafts: Path, **ids: uuid.UUID) -> VisitForm:  # noqa: ANN001
    form = VisitForm(store, today=TODAY, settings=Settings(), drafts_dir=drafts, **ids)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return form


def tab(qtbot) -> None:  # noqa: ANN001
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)


def test_a_visit_is_recorded_by_keyboard_and_prepares_the_next_review(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    child_id, booked_id, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, child_id=child_id)
    assert form.review.currentData() == booked_id, "the next booked review is chosen"
    assert form.status.currentData() == "done"

    assert QApplication.focusWidget() is form.visit_date
    qtbot.keyClicks(form.visit_date, "28122026")
    tab(qtbot)
    qtbot.keyClicks(QApplication.focusWidget(), "16:15")
    tab(qtbot)
    assert QApplication.focusWidget() is form.status
    tab(qtbot)
    assert QApplication.focusWidget() is form.method
    qtbot.keyClick(form.method, Qt.Key.Key_Down)  # Face to face -> Video call
    tab(qtbot)
    qtbot.keyClicks(QApplication.focusWidget(), "Tess's foster home (demo)")
    tab(qtbot)
    qtbot.keyClicks(QApplication.focusWidget(), "Nobody")
    tab(qtbot)
    assert QApplication.focusWidget() is form.seen_alone
    qtbot.keyClick(form.seen_alone, Qt.Key.Key_Space)
    tab(qtbot)
    assert QApplication.focusWidget() is form.review
    tab(qtbot)
    assert QApplication.focusWidget() is form.texts["wishes_feelings"]
    qtbot.keyClicks(QApplication.focusWidget(), '"I want to stay with Jo."')
    tab(qtbot)
    qtbot.keyClicks(QApplication.focusWidget(), "Big school")
    tab(qtbot)
    qtbot.keyClicks(QApplication.focusWidget(), "Can Max come?")
    tab(qtbot)
    qtbot.keyClicks(QApplication.focusWidget(), "Jo and Max")
    tab(qtbot)
    qtbot.keyClicks(QApplication.focusWidget(), "Read my list out")
    tab(qtbot)
    qtbot.keyClicks(QApplication.focusWidget(), "Ask Sam about contact")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: not form.isVisible())
    assert form.result() == QDialog.DialogCode.Accepted
    with store.session() as session:
        visit = session.exec(select(Visit)).one()
        assert (visit.visit_date, visit.visit_time) == (dt.date(2026, 12, 28), "16:15")
        assert visit.method == "video"
        assert visit.status == "done"
        assert visit.seen_alone is True
        assert visit.location == "Tess's foster home (demo)"
        assert visit.wishes_feelings == '"I want to stay with Jo."'
        assert (visit.worries, visit.questions) == ("Big school", "Can Max come?")
        assert (visit.who_to_attend, visit.how_to_take_part) == ("Jo and Max", "Read my list out")
        assert visit.follow_up == "Ask Sam about contact"
        assert visit.review_id == booked_id
        assert session.get(Review, booked_id).pre_review_contact is True


def test_the_review_choices_name_each_review(qtbot, store: CaseloadStore, tmp_path: Path) -> None:
    child_id, _, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, child_id=child_id)
    choices = [form.review.itemText(i) for i in range(form.review.count())]
    assert choices == [
        "Not linked to a review",
        "Child in care review booked for 20 Jan 2027",
        "Child in care review held 30 Mar 2026",
    ]


@pytest.mark.parametrize(
    ("typed_date", "time", "field", "words"),
    [
        pytest.param("05012027", "", "visit_date", "in the future", id="future-done"),
        pytest.param("28122026", "4pm", "visit_time", "HH:MM", id="bad-time"),
    ],
)
def test_a_visit_that_breaks_a_rule_shows_why_beside_the_field(
    qtbot, store: CaseloadStore, tmp_path: Path, typed_date: str, time: str, field: str, words: str
) -> None:
    child_id, _, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, child_id=child_id)
    qtbot.keyClicks(form.visit_date, typed_date)
    if time:
        form.visit_time.setFocus()
        qtbot.keyClicks(form.visit_time, time)
    assert not form.save()
    assert words in form.problem(field)
    assert form.isVisible()
    with store.session() as session:
        assert session.exec(select(Visit)).all() == []


def test_linking_to_a_review_held_before_the_visit_is_refused(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    child_id, _, held_id = add_child(store)
    form = open_form(qtbot, store, tmp_path, child_id=child_id)
    qtbot.keyClicks(form.visit_date, "28122026")
    form.select(form.review, held_id)
    assert not form.save()
    assert "held on 30 Mar 2026, before this visit" in form.problem("review_id")


def test_a_planned_visit_in_the_future_is_saved(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    child_id, _, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, child_id=child_id)
    qtbot.keyClicks(form.visit_date, "12012027")
    form.select(form.status, "planned")
    assert form.save()
    with store.session() as session:
        assert session.exec(select(Visit)).one().status == "planned"


def test_reopening_a_visit_amends_it(qtbot, store: CaseloadStore, tmp_path: Path) -> None:
    child_id, booked_id, _ = add_child(store)
    with store.session() as session:
        visit = recording.record_visit(
            session,
            child_id=child_id,
            details=VisitInput(
                visit_date=dt.date(2026, 12, 28),
                method="phone",
                wishes_feelings="Stay with Jo",
                review_id=booked_id,
            ),
            today=TODAY,
        )
    form = open_form(qtbot, store, tmp_path, visit_id=visit.id)
    assert form.windowTitle().startswith("Amend the visit")
    assert form.method.currentData() == "phone"
    assert form.texts["wishes_feelings"].toPlainText() == "Stay with Jo"
    assert form.review.currentData() == booked_id
    form.texts["worries"].setFocus()
    qtbot.keyClicks(form.texts["worries"], "Big school")
    assert form.save()
    with store.session() as session:
        assert session.get(Visit, visit.id).worries == "Big school"
        assert len(session.exec(select(Visit)).all()) == 1
        history = recording.change_history(session, row_id=visit.id)
    assert ("Worries", "(blank)", "Big school") in {
        (e.field_label, e.before, e.after) for e in history
    }


def test_a_visit_draft_comes_back_after_a_crash(
    qtbot, store: CaseloadStore, tmp_path: Path
) -> None:
    child_id, _, _ = add_child(store)
    form = open_form(qtbot, store, tmp_path, child_id=child_id)
    form.texts["wishes_feelings"].setFocus()
    qtbot.keyClicks(form.texts["wishes_feelings"], "I want to see Max.")
    drafts = DraftStore(tmp_path)
    qtbot.waitUntil(lambda: drafts.load(form.draft_key) is not None, timeout=5000)
    form.hide()
    form.deleteLater()

    again = open_form(qtbot, store, tmp_path, child_id=child_id)
    assert again.banner.isVisible()
    qtbot.keyClick(again.banner.restore_button, Qt.Key.Key_Space)
    assert again.texts["wishes_feelings"].toPlainText() == "I want to see Max."
    assert again.save()
    assert drafts.load(again.draft_key) is None
