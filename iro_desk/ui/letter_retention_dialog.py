"""Offering to remove old letters: the letter PDFs kept past ``letter_retention_days``.

``offer_letter_cleanup(window)`` lists them with the date each was made, every one ticked; the
IRO unticks any to keep, presses Remove, and confirms. Only the files go: the caseload keeps
each letter's words, and marks its letter as removed, so a letter can be made again. The finding,
removing and marking is ``iro_desk.letter_retention``; this module shows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from iro_desk import APP_NAME
from iro_desk.clock import Clock
from iro_desk.errors import IroDeskError
from iro_desk.letter_retention import OldLetter, RemovedLetters, find_old_letters, remove_letters
from iro_desk.letters.service import letters_folder
from iro_desk.recording import format_date
from iro_desk.store import CaseloadStore
from iro_desk.ui.errors import show_error, show_exception
from iro_desk.ui.main_window import MainWindow
from iro_desk.ui.table_model import AnyIndex, RowsTableModel

TITLE = "Remove old letters"
_HEADERS = ("Letter file", "Made on", "Age")


def age_text(days: int) -> str:
    """'2 years 3 months', roughly: how long ago a letter was made."""
    years, rest = divmod(days, 365)
    months = rest // 30
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if months or not years:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    return " ".join(parts)


class OldLettersModel(RowsTableModel[OldLetter]):
    """The old letters, one row each, with a tick in the first column for "remove this"."""

    def __init__(self, letters: list[OldLetter], parent: QWidget | None = None) -> None:
        """Every letter starts ticked."""
        super().__init__(_HEADERS, letters, parent)
        self._unticked: set[Path] = set()  # the files of the letters to keep

    def cell(self, row: OldLetter, column: int, role: int) -> Any:
        """The file name, the date made and the age; the tick in the first column."""
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            ticked = row.path not in self._unticked
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (row.name, format_date(row.made_on), age_text(row.age_days))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(row.path)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Rows are selectable; the first column can be ticked."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(
        self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        """Tick or untick a letter."""
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.column() != 0:
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(value)
        path = self.row_at(index.row()).path
        if state == Qt.CheckState.Checked:
            self._unticked.discard(path)
        else:
            self._unticked.add(path)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def set_all(self, ticked: bool) -> None:
        """Tick (or untick) every letter."""
        if not self.rowCount():
            return
        self._unticked = set() if ticked else {letter.path for letter in self.rows()}
        self.dataChanged.emit(
            self.index(0, 0), self.index(self.rowCount() - 1, 0),
            [Qt.ItemDataRole.CheckStateRole],
        )

    def ticked(self) -> list[OldLetter]:
        """The letters ticked for removal."""
        return [letter for letter in self.rows() if letter.path not in self._unticked]


class LetterCleanupDialog(QDialog):
    """Lists the old letters and removes the ticked ones once the IRO confirms."""

    def __init__(
        self,
        letters: list[OldLetter],
        *,
        store: CaseloadStore,
        clock: Clock,
        folder: Path,
        retention_days: int,
        parent: QWidget | None = None,
    ) -> None:
        """Show ``letters`` (in ``folder``), older than ``retention_days``; removing them marks
        their letters in ``store`` as removed at ``clock.now()``."""
        super().__init__(parent)
        self.store = store
        self.clock = clock
        self.folder = Path(folder)
        self.removal: RemovedLetters | None = None
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        count = len(letters)
        intro = QLabel(
            f"{count} letter{'s' if count != 1 else ''} in {self.folder} "
            f"{'were' if count != 1 else 'was'} made more than {retention_days} days ago (the "
            "letter retention period in Settings). The council keeps its own copy of letters "
            "sent, and this caseload keeps each letter's words, so a letter can be made again."
            "\n\nUntick any you want to keep, then remove the rest."
        )
        intro.setWordWrap(True)
        intro.setAccessibleName("About these letters")
        self.model = OldLettersModel(letters, self)
        self.table = QTableView()
        self.table.setObjectName("old_letters_table")
        self.table.setAccessibleName("Letters older than the retention period")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.problem_label = QLabel()
        self.problem_label.setAccessibleName("Problem")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()

        self.tick_all_button = QPushButton("Tick &all")
        self.tick_all_button.setAccessibleName("Tick every letter")
        self.tick_all_button.clicked.connect(lambda: self.model.set_all(True))
        self.tick_none_button = QPushButton("Tick &none")
        self.tick_none_button.setAccessibleName("Untick every letter")
        self.tick_none_button.clicked.connect(lambda: self.model.set_all(False))
        self.remove_button = QPushButton("&Remove ticked letters…")
        self.remove_button.setAccessibleName("Remove the ticked letter files")
        self.remove_button.clicked.connect(self.remove_ticked)
        self.keep_button = QPushButton("&Keep them all")
        self.keep_button.setAccessibleName("Close and keep every letter")
        self.keep_button.setDefault(True)
        self.keep_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.tick_all_button)
        buttons.addWidget(self.tick_none_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.keep_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem_label)
        layout.addLayout(buttons)
        self.resize(640, 420)
        self.table.setFocus()
        if letters:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def remove_ticked(self) -> None:
        """Ask, then remove the ticked letters' files; the dialog closes when done."""
        chosen = self.model.ticked()
        if not chosen:
            self.problem_label.setText("⚠ No letter is ticked: tick the ones to remove.")
            self.problem_label.show()
            return
        count = len(chosen)
        answer = QMessageBox.question(
            self,
            TITLE,
            f"Remove {count} letter file{'s' if count != 1 else ''} from {self.folder}? "
            "They cannot be brought back from the letters folder (the caseload still holds "
            "each letter's words).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.removal = remove_letters(
                self.store, chosen, folder=self.folder, clock=self.clock
            )
        except IroDeskError as exc:  # nothing was removed; said to the IRO
            show_exception(self, exc)
            return
        self.accept()


def offer_letter_cleanup(window: MainWindow, *, quiet: bool = False) -> RemovedLetters | None:
    """Offer to remove the letters older than the retention period; None when none removed.

    With ``quiet`` (when the app offers it by itself, at start) nothing is said when there are
    no old letters.
    """
    settings = window.settings
    folder = letters_folder(settings)
    try:
        with window.store.session() as session:
            letters = find_old_letters(session, settings=settings, today=window.clock.today())
    except Exception as exc:  # shown to the IRO; nothing was removed
        show_exception(window, exc)
        return None
    if not letters:
        if not quiet:
            QMessageBox.information(
                window,
                TITLE,
                f"No letter in {folder} is older than {settings.letter_retention_days} days "
                "(the letter retention period in Settings). Nothing to remove.",
            )
        return None
    dialog = LetterCleanupDialog(
        letters,
        store=window.store,
        clock=window.clock,
        folder=folder,
        retention_days=settings.letter_retention_days,
        parent=window,
    )
    try:
        dialog.exec()
        removal = dialog.removal
    finally:
        dialog.deleteLater()
    if removal is None:
        return None
    if removal.marked:
        window.refresh()  # open child records show their letters' files as removed
    count = len(removal.removed)
    window.statusBar().showMessage(
        f"Removed {count} old letter{'s' if count != 1 else ''} from {folder}.", 10000
    )
    if removal.problems:
        show_error(window, "Not everything went as planned:\n\n" + "\n".join(removal.problems),
                   title=f"{TITLE} — {APP_NAME}")
    return removal
