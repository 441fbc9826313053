"""Offering to remove old letters: listed with dates, removed only when the IRO confirms."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from iro_desk.clock import FixedClock
from iro_desk.letter_retention import OldLetter
from iro_desk.models import Child, Letter
from iro_desk.settings import update_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.app import create_main_window
from iro_desk.ui.letter_retention_dialog import (
    LetterCleanupDialog,
    OldLettersModel,
    age_text,
    offer_letter_cleanup,
)
from iro_desk.ui.main_window import MainWindow
from iro_desk.ui.table_model import ROW_ROLE

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)


class MessageBoxes:
    """Captures message box texts instead of blocking, answering with ``answer``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answer: object) -> None:
        self.texts: list[str] = []

        def capture(_parent: object, _title: str, text: str, *_args: object) -> object:
            self.texts.append(text)
            return answer

        for name in ("warning", "critical", "information", "question"):
            monkeypatch.setattr(QMessageBox, name, staticmethod(capture))


def letter_file(folder: Path, made_on: dt.date, ref: str) -> Path:
    path = folder / f"{made_on.isoformat()} review letter {ref} T.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7")
    when = dt.datetime.combine(made_on, dt.time(12, 0)).timestamp()
    os.utime(path, (when, when))
    return path


@pytest.fixture
def letters(tmp_path: Path) -> Path:
    folder = tmp_path / "letters"
    letter_file(folder, dt.date(2023, 3, 1), "DEMO-0001")
    letter_file(folder, dt.date(2024, 5, 2), "DEMO-0002")
    letter_file(folder, dt.date(2026, 12, 1), "DEMO-0003")
    return folder


@pytest.fixture
def window(
    qtbot: QtBot, store: CaseloadStore, letters: Path, tmp_path: Path
) -> Iterator[MainWindow]:
    with store.session() as session:
        update_settings(session, letters_folder=str(letters))
    state = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
    shown = create_main_window(store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown


def old(folder: Path) -> list[OldLetter]:
    return [
        OldLetter(path=folder / "2023-03-01 review letter DEMO-0001 T.pdf",
                  made_on=dt.date(2023, 3, 1), age_days=1405),
        OldLetter(path=folder / "2024-05-02 review letter DEMO-0002 T.pdf",
                  made_on=dt.date(2024, 5, 2), age_days=977),
    ]


def cleanup_dialog(store: CaseloadStore, folder: Path) -> LetterCleanupDialog:
    return LetterCleanupDialog(
        old(folder), store=store, clock=FixedClock(TODAY), folder=folder, retention_days=730
    )


def test_the_model_passes_the_model_tester(qtmodeltester: ModelTester, letters: Path) -> None:
    given = old(letters)
    model = OldLettersModel(given)
    qtmodeltester.check(model)
    assert (model.rowCount(), model.columnCount()) == (2, 3)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == [
        "Letter file", "Made on", "Age"
    ]
    assert model.index(1, 0).data(ROW_ROLE) == given[1]
    assert model.index(1, 2).data(Qt.ItemDataRole.ToolTipRole) == str(given[1].path)
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.flags(model.index(0, 1)) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.index(0, 1).data(Qt.ItemDataRole.CheckStateRole) is None

    # Unticking one letter keeps it out of the removal; the others stay ticked.
    assert model.setData(model.index(0, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert not model.setData(model.index(1, 1), Qt.CheckState.Unchecked,
                             Qt.ItemDataRole.CheckStateRole)
    qtmodeltester.check(model)
    assert model.index(0, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert model.ticked() == [given[1]]
    model.set_all(False)
    assert model.ticked() == []
    model.set_all(True)
    assert model.ticked() == given


def test_the_dialog_lists_each_letter_with_the_date_it_was_made(
    qtbot: QtBot, store: CaseloadStore, letters: Path
) -> None:
    dialog = cleanup_dialog(store, letters)
    qtbot.addWidget(dialog)
    model = dialog.model
    rows = [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]
    assert rows == [
        ["2023-03-01 review letter DEMO-0001 T.pdf", "1 Mar 2023", "3 years 10 months"],
        ["2024-05-02 review letter DEMO-0002 T.pdf", "2 May 2024", "2 years 8 months"],
    ]
    assert all(
        model.index(row, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        for row in range(model.rowCount())
    )
    assert dialog.keep_button.isDefault()


@pytest.mark.parametrize(
    ("days", "text"),
    [(20, "0 months"), (45, "1 month"), (365, "1 year"), (800, "2 years 2 months")],
)
def test_ages_read_as_years_and_months(days: int, text: str) -> None:
    assert age_text(days) == text


def test_nothing_is_removed_until_the_iro_confirms(
    qtbot: QtBot, store: CaseloadStore, letters: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = MessageBoxes(monkeypatch, QMessageBox.StandardButton.No)
    dialog = cleanup_dialog(store, letters)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert "Remove 2 letter files" in boxes.texts[0]
    assert dialog.removal is None
    assert len(list(letters.iterdir())) == 3


def test_space_unticks_a_letter_to_keep_it(
    qtbot: QtBot, store: CaseloadStore, letters: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    MessageBoxes(monkeypatch, QMessageBox.StandardButton.Yes)
    dialog = cleanup_dialog(store, letters)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.table.setFocus()
    dialog.table.setCurrentIndex(dialog.model.index(1, 0))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)

    assert dialog.removal is not None
    assert [p.name for p in dialog.removal.removed] == ["2023-03-01 review letter DEMO-0001 T.pdf"]
    assert sorted(p.name for p in letters.iterdir()) == [
        "2024-05-02 review letter DEMO-0002 T.pdf",
        "2026-12-01 review letter DEMO-0003 T.pdf",
    ]


def test_removing_none_ticked_says_so_beside_the_list(
    qtbot: QtBot, store: CaseloadStore, letters: Path
) -> None:
    dialog = cleanup_dialog(store, letters)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.tick_none_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.problem_label.isVisible()
    assert "No letter is ticked" in dialog.problem_label.text()
    assert len(list(letters.iterdir())) == 3


def test_the_offer_from_the_main_window_removes_the_old_letters(
    qtbot: QtBot, window: MainWindow, letters: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = MessageBoxes(monkeypatch, QMessageBox.StandardButton.Yes)
    listed: list[int] = []

    def press_remove() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, LetterCleanupDialog):
            listed.append(dialog.model.rowCount())
            dialog.remove_button.click()
        elif dialog is not None:  # never leave the test waiting on a dialog
            dialog.close()

    QTimer.singleShot(0, press_remove)
    removal = offer_letter_cleanup(window)

    assert listed == [2]
    assert removal is not None and len(removal.removed) == 2
    assert "Remove 2 letter files" in boxes.texts[0]
    assert [p.name for p in letters.iterdir()] == ["2026-12-01 review letter DEMO-0003 T.pdf"]
    assert "Removed 2 old letters" in window.statusBar().currentMessage()


def test_the_offer_marks_the_letters_the_caseload_records_as_removed(
    qtbot: QtBot, window: MainWindow, store: CaseloadStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "2023-03-01 review letter DEMO-0001 T.pdf"
    with store.session() as session:
        child = Child(child_ref="DEMO-0001", first_name="Tess", last_name="Demo")
        letter = Letter(child_id=child.id, file_name=name,
                        made_at=dt.datetime(2023, 3, 1, 12, 0, tzinfo=dt.UTC))
        session.add_all([child, letter])
    MessageBoxes(monkeypatch, QMessageBox.StandardButton.Yes)

    def press_remove() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, LetterCleanupDialog):
            dialog.remove_button.click()
        elif dialog is not None:
            dialog.close()

    QTimer.singleShot(0, press_remove)
    removal = offer_letter_cleanup(window)

    assert removal is not None and removal.marked == [letter.id]
    with store.session() as session:
        marked = session.get(Letter, letter.id)
        assert marked is not None and marked.file_removed_at == FixedClock(TODAY).now()
    qtbot.waitUntil(lambda: not window.reading, timeout=20000)  # re-read for open records
    assert "Removed 2 old letters" in window.statusBar().currentMessage()


def test_with_no_old_letters_the_offer_says_so_unless_quiet(
    window: MainWindow, store: CaseloadStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = MessageBoxes(monkeypatch, QMessageBox.StandardButton.Ok)
    with store.session() as session:
        update_settings(session, letter_retention_days=5000)
    window.refresh()

    assert offer_letter_cleanup(window, quiet=True) is None
    assert boxes.texts == []
    assert offer_letter_cleanup(window) is None
    assert "older than 5000 days" in boxes.texts[0]
