"""The letter editor, driven as an IRO would: accept a kinder word, preview, save."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QMessageBox
from sqlmodel import select

from iro_desk.clock import FixedClock
from iro_desk.letters.sample import SampleReview, add_sample_review
from iro_desk.models import Letter, Review
from iro_desk.settings import Settings, update_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.letter_editor import LetterEditor

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)
HELD = dt.date(2026, 12, 14)


@pytest.fixture
def setup(store: CaseloadStore, tmp_path: Path) -> tuple[CaseloadStore, Settings, SampleReview]:
    with store.session() as session:
        settings = update_settings(
            session,
            council_name="Demo County Council",
            advocacy_service="Demo Advocacy for Children",
            advocacy_contact="0800 000 0000",
            complaints_contact="Demo complaints team, 0800 000 1111",
            letters_folder=str(tmp_path / "letters"),
        )
        ids = add_sample_review(
            session, held_on=HELD, age=9,
            child_views="I want more contact with my mum.",
            decisions=[("Talk to Tia about her placement plans", "Social worker", 30)],
            next_review_on=dt.date(2027, 6, 8),
        )
    return store, settings, ids


def _editor(qtbot, setup) -> LetterEditor:  # noqa: ANN001
    store, settings, ids = setup
    editor = LetterEditor(store, settings, FixedClock(TODAY), review_id=ids.review_id)
    qtbot.addWidget(editor)
    editor.show()
    return editor


def _row_for(editor: LetterEditor, found: str):  # noqa: ANN202
    rows = [row for row in editor.flag_rows if row.flag.found == found]
    assert rows, f"no flag for {found!r}: {[r.flag.found for r in editor.flag_rows]}"
    return rows[0]


def test_jargon_is_listed_beside_the_letter_and_one_click_fixes_it(qtbot, setup) -> None:  # noqa: ANN001
    editor = _editor(qtbot, setup)
    assert editor.windowTitle() == "Letter for Tia"
    assert "contact" in editor.text_of("told")
    row = _row_for(editor, "contact")
    assert row.button.text() == "Use 'family time'"
    assert "What you told me" in row.label.text()
    placement = _row_for(editor, "placement")
    assert placement.button.text() == "Use 'home'"

    qtbot.mouseClick(row.button, Qt.MouseButton.LeftButton)

    told = editor.text_of("told")
    assert "I want more family time with my mum." in told
    assert "contact" not in told
    assert [r.flag.found for r in editor.flag_rows] == ["placement"]  # nothing else changed
    assert "placement" in editor.text_of("decided")
    assert "Changed “contact” to “family time”" in editor.status.text()


def test_typing_jargon_is_flagged_and_reading_level_is_shown(qtbot, setup) -> None:  # noqa: ANN001
    editor = _editor(qtbot, setup)
    qtbot.waitUntil(lambda: "Reading age about" in editor.reading_label.text(), timeout=15000)
    assert "Tia is 9" in editor.reading_label.text()
    why = editor.parts["why"].editor
    why.setFocus()
    why.moveCursor(why.textCursor().MoveOperation.End)
    qtbot.keyClicks(why, " We also talked about respite.")
    qtbot.waitUntil(lambda: any(r.flag.found == "respite" for r in editor.flag_rows))
    assert _row_for(editor, "respite").button.text() == "Use 'short break'"


def test_preview_shows_the_pdf_and_save_keeps_the_letter(qtbot, setup) -> None:  # noqa: ANN001
    store, _settings, ids = setup
    editor = _editor(qtbot, setup)
    qtbot.mouseClick(_row_for(editor, "contact").button, Qt.MouseButton.LeftButton)

    qtbot.mouseClick(editor.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.pdf_document.status() == QPdfDocument.Status.Ready)
    assert editor.pdf_document.pageCount() >= 1
    assert editor.tabs.currentWidget() is editor.pdf_view
    page_text = editor.pdf_document.getAllText(0).text()
    assert "Dear Tia," in page_text

    with qtbot.waitSignal(editor.letterSaved) as saved:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    letter_id, path = saved.args
    assert Path(path).exists()
    assert Path(path).name == "2027-01-04 review letter DEMO-0042 T.pdf"
    with store.session() as session:
        letters = session.exec(select(Letter)).all()
        assert [str(letter.id) for letter in letters] == [letter_id]
        assert "family time" in letters[0].paragraphs_json
        assert session.get(Review, ids.review_id).letter_made_on == TODAY
    assert "Letter saved" in editor.status.text()


def test_layout_options_are_kept_with_the_saved_letter(qtbot, setup) -> None:  # noqa: ANN001
    store, _settings, _ids = setup
    editor = _editor(qtbot, setup)
    qtbot.mouseClick(editor.large_print, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.dyslexia, Qt.MouseButton.LeftButton)
    made = editor.save()
    assert made.draft.options.large_print and made.draft.options.dyslexia
    with store.session() as session:
        letter = session.get(Letter, made.letter_id)
        assert '"dyslexia": true' in letter.options_json
        assert '"large_print": true' in letter.options_json


@pytest.mark.parametrize(
    ("answer", "rewritten"),
    [(QMessageBox.StandardButton.No, False), (QMessageBox.StandardButton.Yes, True)],
    ids=["keep my edits", "rewrite for the new age"],
)
def test_changing_age_band_asks_before_losing_edits(
    qtbot, setup, monkeypatch: pytest.MonkeyPatch, answer, rewritten: bool,  # noqa: ANN001
) -> None:
    editor = _editor(qtbot, setup)
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda _parent, _title, text, *_a: asked.append(text) or answer
    )
    editor.parts["why"].editor.setPlainText("My own words.")
    editor.age_band.setCurrentIndex(editor.age_band.findData("under8"))
    editor.age_band.activated.emit(editor.age_band.currentIndex())
    assert asked and "edits will be lost" in asked[0]
    if rewritten:
        assert editor.text_of("greeting") == "Hello Tia,"
        assert editor.text_of("why") != "My own words."
    else:
        assert editor.text_of("why") == "My own words."
        assert editor.age_band.currentData() == "8to12"


def test_introduction_letter_opens_for_a_child(qtbot, setup) -> None:  # noqa: ANN001
    store, settings, ids = setup
    editor = LetterEditor(store, settings, FixedClock(TODAY), child_id=ids.child_id)
    qtbot.addWidget(editor)
    assert list(editor.parts) == ["greeting", "opening", "about", "job", "meetings", "touch",
                                  "sign_off"]
    assert "I have two cats" in editor.text_of("about")
    assert editor.flag_rows == []
    assert editor.flags_heading.text() == "No care jargon found."
