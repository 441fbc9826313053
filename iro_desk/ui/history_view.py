"""The change history of a child's records (or of one record), read only.

Every change to a caseload record is kept (``iro_desk.history``); this view lists them as
``iro_desk.recording.change_history`` words them: when, who, which record, which field, and the
value before and after. It can be filtered as you type and sorted by any column.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from iro_desk.recording import ChangeEntry, change_history
from iro_desk.store import CaseloadStore
from iro_desk.ui.table_model import RowsTableModel

HEADERS = ("When", "Who", "Record", "What changed", "Before", "After")
SORT_ROLE = Qt.ItemDataRole.UserRole
_CELL_LIMIT = 120


def when_text(entry: ChangeEntry) -> str:
    """The moment of a change in local time: '4 Jan 2027 14:05'."""
    local = entry.changed_at.astimezone()
    return f"{local.day} {local:%b %Y %H:%M}"


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _CELL_LIMIT else flat[: _CELL_LIMIT - 1] + "…"


class HistoryModel(RowsTableModel[ChangeEntry]):
    """Lines of history, newest first; long values shortened, in full as the tooltip."""

    def __init__(self, entries: Sequence[ChangeEntry] = (), parent: QObject | None = None) -> None:
        """Show ``entries``."""
        super().__init__(HEADERS, entries, parent)

    def set_entries(self, entries: Sequence[ChangeEntry]) -> None:
        """Show new entries."""
        self.set_rows(entries)

    def entry_at(self, row: int) -> ChangeEntry:
        """The entry on one row."""
        return self.row_at(row)

    def cell(self, row: ChangeEntry, column: int, role: int) -> Any:
        """Cell text; the full value as tooltip; a sort key for the When column."""
        full = self._text(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return _one_line(full)
        if role == Qt.ItemDataRole.ToolTipRole:
            return full if len(full) > _CELL_LIMIT or "\n" in full else None
        if role == SORT_ROLE:
            return row.changed_at.isoformat() if column == 0 else full.casefold()
        return None

    @staticmethod
    def _text(entry: ChangeEntry, column: int) -> str:
        if column == 0:
            return when_text(entry)
        if column == 1:
            return entry.changed_by or "(not recorded)"
        if column == 2:
            return entry.record
        if column == 3:
            return entry.field_label or {"create": "Created", "delete": "Deleted"}.get(
                entry.action, entry.action.capitalize()
            )
        if column == 4:
            return entry.before
        return entry.after


class HistoryView(QWidget):
    """A child's (or one record's) change history, filterable and sortable, read only."""

    def __init__(
        self,
        store: CaseloadStore,
        *,
        child_id: uuid.UUID | None = None,
        row_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Show the history of ``child_id``'s records, or of the record ``row_id``."""
        super().__init__(parent)
        if child_id is None and row_id is None:
            raise ValueError("HistoryView needs a child_id or a row_id")
        self.store = store
        self.child_id = child_id
        self.row_id = row_id
        self.model = HistoryModel(parent=self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setSortRole(SORT_ROLE)

        layout = QVBoxLayout(self)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: a name, a field, a word…")
        self.filter.setAccessibleName("Filter the history")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        label = QLabel("&Filter")
        label.setBuddy(self.filter)
        layout.addWidget(label)
        layout.addWidget(self.filter)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Change history")
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setAccessibleName("How many changes are shown")
        layout.addWidget(self.count)
        self.proxy.rowsInserted.connect(self._show_count)
        self.proxy.rowsRemoved.connect(self._show_count)
        self.proxy.modelReset.connect(self._show_count)
        self.proxy.layoutChanged.connect(self._show_count)
        self.refresh()

    def refresh(self) -> None:
        """Read the history again (after a save elsewhere)."""
        with self.store.session() as session:
            entries = change_history(session, child_id=self.child_id, row_id=self.row_id)
        self.model.set_entries(entries)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self._show_count()

    def _show_count(self, *_args: object) -> None:
        shown = self.proxy.rowCount()
        total = self.model.rowCount()
        noun = "change" if total == 1 else "changes"
        self.count.setText(
            f"{total} {noun}" if shown == total else f"{shown} of {total} {noun} shown"
        )
