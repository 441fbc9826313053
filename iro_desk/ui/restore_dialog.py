"""Restore from backup: the list of backups with dates and record counts, and the restore itself.

Two ways in:

* File › Restore from backup… (``restore_into_window``): the open caseload is closed, the chosen
  backup replaces it (the current file kept aside first) and the restored file is shown.
* Opening a damaged caseload (``offer_restore_for_damaged``): the latest good backup is offered;
  the damaged file is moved aside untouched, never written over.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from iro_desk.backups import BackupInfo, latest_good_backup, list_backups, restore_backup
from iro_desk.errors import IroDeskError
from iro_desk.store import CaseloadStore, FileKey, is_encrypted_file
from iro_desk.ui.errors import ask_yes_no, show_error, show_exception
from iro_desk.ui.first_run import ask_passphrase, run_with_progress
from iro_desk.ui.table_model import RowsTableModel

REASONS = {
    "daily": "Daily backup",
    "before-import": "Before an import",
    "before-sync": "Before a sync",
    "replaced-by-restore": "Set aside by a restore",
}


def reason_text(reason: str) -> str:
    """The reason a backup was made, in words."""
    if reason.startswith("before-migration"):
        return "Before an upgrade of the file"
    return REASONS.get(reason, reason.replace("-", " ").capitalize())


def made_text(made_at: dt.datetime) -> str:
    """When a backup was made, in local time."""
    return made_at.astimezone().strftime("%a %d %b %Y, %H:%M")


def describe(info: BackupInfo) -> str:
    """One line about a backup, for questions."""
    counts = ""
    if info.children is not None:
        noun = "child" if info.children == 1 else "children"
        counts = f" ({info.children} {noun}, {info.reviews} reviews held)"
    return f"the {reason_text(info.reason).lower()} of {made_text(info.made_at)}{counts}"


class BackupTableModel(RowsTableModel[BackupInfo]):
    """Backups, newest first: when, why, children, reviews held, whether it can be read."""

    HEADERS = ("Made", "Why", "Children", "Reviews held", "State")

    def __init__(self, backups: list[BackupInfo], parent: QWidget | None = None) -> None:
        """Show ``backups`` as given."""
        super().__init__(self.HEADERS, backups, parent)

    def backup_at(self, row: int) -> BackupInfo:
        """The backup shown in ``row``."""
        return self.row_at(row)

    def cell(self, row: BackupInfo, column: int, role: int) -> Any:
        """Text for each cell; unreadable backups say why in their tooltip."""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == 0:
                return made_text(row.made_at)
            if column == 1:
                return reason_text(row.reason)
            if column == 2:
                return "" if row.children is None else str(row.children)
            if column == 3:
                return "" if row.reviews is None else str(row.reviews)
            return "✓ Can be restored" if row.readable else "✗ Cannot be read"
        if role == Qt.ItemDataRole.ToolTipRole and not row.readable:
            return row.problem
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RestoreDialog(QDialog):
    """Choose a backup of ``caseload``; ``chosen`` is set when the IRO confirms one."""

    def __init__(
        self, caseload: Path, key: FileKey | None, parent: QWidget | None = None
    ) -> None:
        """List the backups of ``caseload``, reading them with ``key`` when encrypted."""
        super().__init__(parent)
        self.caseload = Path(caseload)
        self.chosen: BackupInfo | None = None
        self.setWindowTitle("Restore from backup")
        self.setAccessibleName("Restore from backup")
        self.model = BackupTableModel(list_backups(self.caseload, key), self)
        intro = QLabel(
            f"Backups of {self.caseload.name}, newest first. Restoring replaces the caseload "
            "with the backup; the caseload as it is now is kept aside in the backups folder "
            "first, so nothing is lost."
        )
        intro.setWordWrap(True)
        self.table = QTableView()
        self.table.setObjectName("backup_table")
        self.table.setAccessibleName("Backups")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(lambda _index: self.confirm())
        self.empty = QLabel("There are no backups of this caseload yet.")
        self.empty.setVisible(self.model.rowCount() == 0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = buttons.addButton(
            "&Restore…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setAccessibleName("Restore the selected backup")
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        if self.model.rowCount():
            self.table.selectRow(0)
        self._update()
        self.resize(720, 420)

    def selected(self) -> BackupInfo | None:
        """The backup selected in the list."""
        index = self.table.currentIndex()
        return self.model.backup_at(index.row()) if index.isValid() else None

    def _update(self) -> None:
        info = self.selected()
        self.restore_button.setEnabled(info is not None and info.readable)

    def confirm(self) -> None:
        """Ask before restoring the selected backup; accept when the IRO agrees."""
        info = self.selected()
        if info is None or not info.readable:
            return
        if ask_yes_no(
            self,
            f"Replace {self.caseload.name} with {describe(info)}?\n\nThe caseload as it is now "
            "is kept aside in the backups folder first. Work done since the backup will not be "
            "in the restored caseload.",
        ):
            self.chosen = info
            self.accept()


def restore_into_window(window: Any) -> bool:
    """File › Restore from backup…: choose, confirm, restore and show; True when restored."""
    store: CaseloadStore = window.store
    dialog = RestoreDialog(store.path, store.key, window)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
            return False
        chosen = dialog.chosen
    finally:
        dialog.deleteLater()
    path = store.path
    store.close()
    try:
        # Checking and copying a whole caseload takes seconds on a big one: off the GUI thread,
        # with progress. A restore is one replacement once begun, so it has no Stop button.
        aside = run_with_progress(
            window, f"Restoring {chosen.path.name}…",
            lambda: restore_backup(path, chosen.path, store.key),
        )
    except IroDeskError as exc:
        show_exception(window, exc)
        aside = None
        chosen = None
    try:
        reopened = store.open_copy(path)
    except IroDeskError as exc:
        show_error(window, f"The caseload could not be opened again: {exc}")
        return False
    window.set_store(reopened)
    if chosen is not None:
        kept = f" The caseload as it was is kept at {aside}." if aside else ""
        window.statusBar().showMessage(f"Restored {describe(chosen)}.{kept}", 20000)
    return chosen is not None


def _key_for_backups(path: Path, parent: QWidget | None) -> tuple[bool, FileKey | None]:
    """(go on, key): asks for the passphrase when the backups are encrypted."""
    infos = list_backups(path, counts=False)
    encrypted = [info for info in infos if is_encrypted_file(info.path)]
    if not encrypted:
        return True, None
    reason = "The backups of this caseload are encrypted."
    while True:
        passphrase = ask_passphrase(parent, encrypted[0].path, reason)
        if passphrase is None:
            return False, None
        key = FileKey.for_file(encrypted[0].path, passphrase)
        if any(info.readable for info in list_backups(path, key)):
            return True, key
        reason = "That passphrase does not open the backups. Check it and try again."


def offer_restore_for_damaged(
    path: Path, problem: str, parent: QWidget | None = None
) -> CaseloadStore | None:
    """When ``path`` cannot be opened, offer its latest good backup; the opened store or None.

    The damaged file is moved aside into the backups folder as it is, never written over.
    """
    path = Path(path)
    if not list_backups(path, counts=False):
        return None
    go_on, key = _key_for_backups(path, parent)
    if not go_on:
        return None
    latest = latest_good_backup(path, key)
    if latest is None:
        show_error(parent, f"{problem}\n\nNone of the backups of {path.name} can be read either.")
        return None
    if not ask_yes_no(
        parent,
        f"{problem}\n\nRestore {describe(latest)}? The file that cannot be opened is kept "
        "aside in the backups folder, untouched.",
    ):
        return None
    try:
        run_with_progress(
            parent, f"Restoring {latest.path.name}…", lambda: restore_backup(path, latest.path, key)
        )
        found_key = key if is_encrypted_file(path) else None
        return CaseloadStore.open_with_key(path, found_key)
    except IroDeskError as exc:
        show_exception(parent, exc)
        return None
