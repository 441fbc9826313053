"""Hostile text pasted and typed into the review and visit forms: kept as typed, or a message.

What the IRO pastes (from Word, an email, a web page) is saved as ``recording.clean_text``
tidies it: printable text character for character. Anything that cannot be saved is shown
beside its field, as plain text, and the form stays open with nothing lost.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from sqlmodel import select

from iro_desk import recording
from iro_desk.models import CareEpisode, CaseTrack, Child, Decision, Review, Visit
from iro_desk.recording import MAX_LINE, MAX_LONG_TEXT
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.review_form import ReviewForm
from iro_desk.ui.visit_form import VisitForm

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)

# (text, kept exactly)
PASTED = [
    pytest.param("Robert'); DROP TABLE child;--", True, id="sql-injection"),
    pytest.param("<b>bold</b><script>alert(1)</script>", True, id="html-and-script"),
    pytest.param('<para><font color="red">x</font></para> &amp; &lt;', True, id="reportlab-markup"),
    pytest.param("O’Neill said “hello” – ‘bye’ — …", True, id="word-smart-quotes"),
    pytest.param("Tia\u00a0Rose", False, id="word-non-breaking-space"),
    pytest.param("Ti\u200ba Ro\u00adse", False, id="zero-width-space-and-soft-hyphen"),
    pytest.param("line one\u2028line two", False, id="unicode-line-separator"),
    pytest.param("first\r\nsecond", False, id="crlf"),
    pytest.param("Name:\tTia", True, id="tab"),
    pytest.param("Tia\x00Rose\x07", False, id="nul-and-bell"),
    pytest.param("مريم أحمد שלום", True, id="right-to-left"),
    pytest.param("Tia 😀 👨\u200d👩\u200d👧", True, id="emoji-with-joiners"),
]


def add_child(store: CaseloadStore, *, first: str = "Tess") -> tuple[uuid.UUID, uuid.UUID]:
    """A 6-year-old in care since 2 Mar 2026 with a CLA track; returns (child id, track id)."""
    with store.session() as session:
        child = Child(child_ref="DEMO-0001", first_name=first, last_name="Demo",
                      dob=dt.date(2020, 6, 1))
        episode = CareEpisode(child_id=child.id, start_date=dt.date(2026, 3, 2),
                              legal_status="C2")
        track = CaseTrack(kind="cla", child_id=child.id, episode_id=episode.id,
                          start_date=episode.start_date)
        session.add_all([child, episode, track])
    return child.id, track.id


def shown(qtbot, form: QWidget) -> None:  # noqa: ANN001
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)


def review_form(qtbot, store: CaseloadStore, drafts: Path, track_id: uuid.UUID) -> ReviewForm:  # noqa: ANN001
    form = ReviewForm(store, track_id=track_id, today=TODAY, settings=Settings(),
                      drafts_dir=drafts)
    shown(qtbot, form)
    return form


def visit_form(qtbot, store: CaseloadStore, drafts: Path, child_id: uuid.UUID) -> VisitForm:  # noqa: ANN001
    form = VisitForm(store, child_id=child_id, today=TODAY, settings=Settings(),
                     drafts_dir=drafts)
    shown(qtbot, form)
    return form


def paste(qtbot, widget: QWidget, text: str) -> None:  # noqa: ANN001
    """Paste ``text`` with Ctrl+V, as from Word or an email."""
    QApplication.clipboard().setText(text)
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def choose_pn1(qtbot, form: ReviewForm) -> None:  # noqa: ANN001
    form.participation.setFocus()
    target = list(recording.PARTICIPATION).index("PN1")
    while form.participation.currentIndex() < target:
        qtbot.keyClick(form.participation, Qt.Key.Key_Down)


def problem_label(form: QWidget, key: str) -> QLabel:
    label = form.findChild(QLabel, f"problem_{key}")
    assert label is not None
    return label


# --- saved as typed -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "exact"), PASTED)
def test_text_pasted_into_the_review_form_is_saved_as_typed(
    qtbot, store: CaseloadStore, tmp_path: Path, text: str, exact: bool  # noqa: ANN001
) -> None:
    _, track_id = add_child(store)
    form = review_form(qtbot, store, tmp_path, track_id)
    qtbot.keyClicks(form.held_on, "14122026")
    choose_pn1(qtbot, form)
    for box in (form.attendees, form.child_views, form.iro_summary):
        paste(qtbot, box, text)
    form.venue.clear()
    paste(qtbot, form.venue, text)
    assert form.save(), form.problems.headline.text()
    qtbot.waitUntil(lambda: not form.isVisible())

    with store.session() as session:
        review = session.exec(select(Review)).one()
    words = recording.clean_text(text)
    if exact:
        assert words == text
    assert (review.attendees, review.child_views, review.iro_summary) == (words,) * 3
    assert review.venue == recording.clean_text(form.venue.text(), multiline=False)
    if "\n" not in text and "\r" not in text and "\u2028" not in text:
        assert review.venue == recording.clean_text(text, multiline=False)


@pytest.mark.parametrize(("text", "exact"), PASTED)
def test_text_pasted_into_the_visit_form_is_saved_as_typed(
    qtbot, store: CaseloadStore, tmp_path: Path, text: str, exact: bool  # noqa: ANN001
) -> None:
    child_id, _ = add_child(store)
    form = visit_form(qtbot, store, tmp_path, child_id)
    for key in ("wishes_feelings", "worries", "questions", "follow_up"):
        paste(qtbot, form.texts[key], text)
    assert form.save(), form.problems.headline.text()
    qtbot.waitUntil(lambda: not form.isVisible())

    with store.session() as session:
        visit = session.exec(select(Visit)).one()
    words = recording.clean_text(text)
    assert (visit.wishes_feelings, visit.worries, visit.questions, visit.follow_up) == (
        (words,) * 4
    )


def test_markup_and_sql_typed_key_by_key_are_saved_as_typed(
    qtbot, store: CaseloadStore, tmp_path: Path  # noqa: ANN001
) -> None:
    _, track_id = add_child(store)
    form = review_form(qtbot, store, tmp_path, track_id)
    qtbot.keyClicks(form.held_on, "14122026")
    choose_pn1(qtbot, form)
    typed = "I said <b>no</b> & '; DROP TABLE review;-- \"ok\""
    form.child_views.setFocus()
    qtbot.keyClicks(form.child_views, typed)
    form.new_text.setFocus()
    qtbot.keyClicks(form.new_text, "<script>alert('x')</script>")
    qtbot.keyClick(form.new_text, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "Jo & Sam <carers>")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "01/02/2027")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert form.save()
    with store.session() as session:
        assert session.exec(select(Review)).one().child_views == typed
        decision = session.exec(select(Decision)).one()
        assert (decision.text, decision.responsible) == (
            "<script>alert('x')</script>", "Jo & Sam <carers>"
        )


def test_a_100000_character_paste_is_saved_whole(
    qtbot, store: CaseloadStore, tmp_path: Path  # noqa: ANN001
) -> None:
    _, track_id = add_child(store)
    form = review_form(qtbot, store, tmp_path, track_id)
    qtbot.keyClicks(form.held_on, "14122026")
    choose_pn1(qtbot, form)
    views = ("I want to stay with Jo. " * 5000)[: MAX_LONG_TEXT - 1] + "!"
    paste(qtbot, form.child_views, views)
    assert form.save()
    with store.session() as session:
        assert session.exec(select(Review)).one().child_views == views


# --- refused with a message beside the field ------------------------------------------------------


def test_a_paste_over_the_limit_is_refused_beside_the_field_and_kept_in_the_form(
    qtbot, store: CaseloadStore, tmp_path: Path  # noqa: ANN001
) -> None:
    _, track_id = add_child(store)
    form = review_form(qtbot, store, tmp_path, track_id)
    qtbot.keyClicks(form.held_on, "14122026")
    choose_pn1(qtbot, form)
    too_long = "x" * (MAX_LONG_TEXT + 1)
    paste(qtbot, form.iro_summary, too_long)
    form.venue.clear()
    paste(qtbot, form.venue, "v" * (MAX_LINE + 1))
    assert not form.save()

    assert form.isVisible()
    assert form.problem("iro_summary") == (
        "The summary is 100,001 characters long; the most IRO Desk keeps is 100,000."
    )
    assert form.problem("venue") == (
        "The venue is 1,001 characters long; the most IRO Desk keeps is 1,000."
    )
    assert problem_label(form, "iro_summary").isVisible()
    assert form.iro_summary.toPlainText() == too_long, "the IRO's text is still there to trim"
    with store.session() as session:
        assert session.exec(select(Review)).all() == []


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        pytest.param("05012027", "5 Jan 2027 is in the future", id="in-the-future"),
        pytest.param("01012019", "1 Jan 2019 is before Tess was born (1 Jun 2020)",
                     id="before-birth"),
        pytest.param("01122025", "1 Dec 2025 is before this episode of care began (2 Mar 2026)",
                     id="before-the-episode"),
    ],
)
def test_a_bad_review_date_is_refused_beside_the_date(
    qtbot, store: CaseloadStore, tmp_path: Path, typed: str, why: str  # noqa: ANN001
) -> None:
    _, track_id = add_child(store)
    form = review_form(qtbot, store, tmp_path, track_id)
    qtbot.keyClicks(form.held_on, typed)
    choose_pn1(qtbot, form)
    assert not form.save()
    assert why in form.problem("held_on")
    assert problem_label(form, "held_on").isVisible()


def test_a_decision_of_only_invisible_characters_is_refused(
    qtbot, store: CaseloadStore, tmp_path: Path  # noqa: ANN001
) -> None:
    _, track_id = add_child(store)
    form = review_form(qtbot, store, tmp_path, track_id)
    qtbot.keyClicks(form.held_on, "14122026")
    choose_pn1(qtbot, form)
    paste(qtbot, form.new_text, "\u200b\u200b")
    paste(qtbot, form.new_who, "\u200b")
    form.new_due.line.setFocus()
    qtbot.keyClicks(form.new_due.line, "01/02/2027")
    qtbot.keyClick(form.new_due.line, Qt.Key.Key_Return)
    assert not form.save()
    assert "Decision 1: write what will happen." in form.problem("decisions")
    assert "Decision 1: say who is responsible." in form.problem("decisions")
    with store.session() as session:
        assert session.exec(select(Review)).all() == []


def test_problem_messages_show_markup_as_characters(
    qtbot, store: CaseloadStore, tmp_path: Path  # noqa: ANN001
) -> None:
    child_id, _ = add_child(store)
    form = visit_form(qtbot, store, tmp_path, child_id)
    form.visit_time.setFocus()
    qtbot.keyClicks(form.visit_time, "<b>4pm</b>")
    paste(qtbot, form.texts["worries"], "w" * (MAX_LONG_TEXT + 5))
    assert not form.save()
    label = problem_label(form, "visit_time")
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert "'<b>4pm</b>' is not a time: write it as HH:MM" in label.text()
    assert form.problem("worries") == (
        "Worries is 100,005 characters long; the most IRO Desk keeps is 100,000."
    )
    with store.session() as session:
        assert session.exec(select(Visit)).all() == []


def test_a_childs_name_with_markup_is_shown_as_characters(
    qtbot, store: CaseloadStore, tmp_path: Path  # noqa: ANN001
) -> None:
    _, track_id = add_child(store, first="<i>Tess</i> & <b>Co</b>")
    form = review_form(qtbot, store, tmp_path, track_id)
    assert "<i>Tess</i> & <b>Co</b>" in form.windowTitle()
    header = next(
        label for label in form.findChildren(QLabel)
        if label.accessibleName() == "Whose review this is"
    )
    assert "&lt;i&gt;Tess&lt;/i&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in header.text()
    assert "<i>Tess</i>" not in header.text()
