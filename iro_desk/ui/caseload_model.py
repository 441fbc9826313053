"""The caseload list's item models: one row per child, sortable by value, filtered as you type.

``ChildTableModel`` shows a list of immutable ``iro_desk.overview.ChildRow``. Each cell also
gives a sort key (``SORT_ROLE``) so dates and ages sort by value, not by their text, and the
Status column sorts by urgency (overdue first). ``ChildFilterProxy`` keeps the children whose
name or child ID contains the filter text, case ignored.

Sorting is done by the table model itself, in Python with one key per row, and the proxy hands
its ``sort`` to it: a ``QSortFilterProxyModel`` sorting 2,250 children asks for about 50,000
sort keys through ``data()``, a second of frozen window on every refresh.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from iro_desk.overview import ChildRow
from iro_desk.ui.table_model import ROW_ROLE, RowsTableModel
from iro_desk.ui.theme import STATUS_URGENCY, status_colour, status_label

SORT_ROLE = Qt.ItemDataRole.UserRole + 2

# Sorts after every real value, so children with no date or age come last in ascending order.
_MISSING = 10**9

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    """The columns of the caseload list, in order."""

    NAME = 0
    CHILD_ID = 1
    AGE = 2
    NEXT_REVIEW = 3
    STATUS = 4
    LEGAL_STATUS = 5
    PLACEMENT = 6


HEADERS: dict[Column, tuple[str, str]] = {
    Column.NAME: ("Name", "The name the child likes to be called, and their last name"),
    Column.CHILD_ID: ("Child ID", "The council's ID for the child"),
    Column.AGE: ("Age", "Age in years today"),
    Column.NEXT_REVIEW: ("Review due by", "The last day on which the next review is in time"),
    Column.STATUS: ("Status", "Whether the next review is overdue, due soon, booked or upcoming"),
    Column.LEGAL_STATUS: ("Legal status", "Legal status of the current episode of care"),
    Column.PLACEMENT: ("Placement", "Where the child lives now"),
}


def format_date(value: dt.date | None) -> str:
    """A date as people in England write it: '4 Jan 2027'."""
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y}"


def legal_status_text(row: ChildRow) -> str:
    """'C2 Full care order (s.31)', or 'Not in care'."""
    if row.legal_status:
        return f"{row.legal_status} {row.legal_status_label}"
    return "Not in care"


def placement_text(row: ChildRow) -> str:
    """The placement's name, or its type when it has no name."""
    return row.placement_name or row.placement_type_label


def _date_key(value: dt.date | None) -> int:
    return value.toordinal() if value else _MISSING


class ChildTableModel(RowsTableModel[ChildRow]):
    """The caseload list over a list of ``ChildRow``."""

    def __init__(self, rows: Sequence[ChildRow] = (), parent: QObject | None = None) -> None:
        """Start with ``rows`` (replace them later with ``set_rows``)."""
        super().__init__([HEADERS[column] for column in Column], rows, parent)
        self._unsorted: list[ChildRow] = list(rows)
        self._sort_column: Column | None = None
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._bold = QFont()
        self._bold.setBold(True)

    # -- reading --------------------------------------------------------------------------
    def row_of(self, child_uuid: uuid.UUID) -> int | None:
        """The model row of a child, or None when the child is not listed."""
        for number, row in enumerate(self._rows):
            if row.child_uuid == child_uuid:
                return number
        return None

    def set_rows(self, rows: Sequence[ChildRow]) -> None:
        """Show a new list of children (in the order sorted by, if any)."""
        self.beginResetModel()
        self._unsorted = list(rows)
        self._rows = self._sorted_rows()
        self.endResetModel()

    # -- sorting --------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column's sort key (``SORT_ROLE``); column -1 restores the order given.

        Ties keep their order (the sort is stable both ways), as in ``QSortFilterProxyModel``.
        Selections and other persistent indexes follow their rows.
        """
        self._sort_column = Column(column) if 0 <= column < len(Column) else None
        self._sort_order = order
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [self._rows[index.row()] for index in persistent]
        self._rows = self._sorted_rows()
        position = {id(row): number for number, row in enumerate(self._rows)}
        moved = [
            self.index(position[id(row)], index.column())
            for row, index in zip(held, persistent, strict=True)
        ]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _sorted_rows(self) -> list[ChildRow]:
        column = self._sort_column
        if column is None:
            return list(self._unsorted)
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        return sorted(
            self._unsorted, key=lambda row: self._sort_key(row, column), reverse=descending
        )

    # -- what each cell shows -----------------------------------------------------------------
    def cell(self, row: ChildRow, column: int, role: int) -> Any:
        """What each cell shows, its tooltip, colour, and its sort key."""
        column = Column(column)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(row, column)
        if role == Qt.ItemDataRole.FontRole and row.next_status == "overdue" and column in (
            Column.STATUS,
            Column.NEXT_REVIEW,
        ):
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.AGE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _foreground(row: ChildRow, column: Column) -> QColor | None:
        if column == Column.STATUS and row.next_status:
            return status_colour(row.next_status)
        if column == Column.NEXT_REVIEW and row.next_status in ("overdue", "due_soon"):
            return status_colour(row.next_status)
        return None

    @staticmethod
    def _display(row: ChildRow, column: Column) -> str:
        match column:
            case Column.NAME:
                return row.display_name
            case Column.CHILD_ID:
                return row.child_ref
            case Column.AGE:
                return "" if row.age is None else str(row.age)
            case Column.LEGAL_STATUS:
                return legal_status_text(row)
            case Column.PLACEMENT:
                return placement_text(row)
            case Column.NEXT_REVIEW:
                return format_date(row.next_deadline)
            case Column.STATUS:
                return status_label(row.next_status)

    @staticmethod
    def _sort_key(row: ChildRow, column: Column) -> int | str:
        match column:
            case Column.NAME:
                return f"{row.display_name.casefold()}\t{row.child_ref.casefold()}"
            case Column.CHILD_ID:
                return row.child_ref.casefold()
            case Column.AGE:
                # Older children have earlier birthdays: sort by date of birth, newest last.
                return -row.dob.toordinal() if row.dob else _MISSING
            case Column.LEGAL_STATUS:
                return legal_status_text(row).casefold()
            case Column.PLACEMENT:
                return placement_text(row).casefold()
            case Column.NEXT_REVIEW:
                return _date_key(row.next_deadline)
            case Column.STATUS:
                urgency = STATUS_URGENCY.get(row.next_status, len(STATUS_URGENCY))
                return urgency * 10**7 + min(_date_key(row.next_deadline), 10**7 - 1)

    @staticmethod
    def _tooltip(row: ChildRow, column: Column) -> str | None:
        match column:
            case Column.NAME:
                lines = [row.display_name]
                if row.legal_name != row.display_name:
                    lines.append(f"Legal name: {row.legal_name}")
                if row.dob:
                    lines.append(f"Born {format_date(row.dob)}")
                return "\n".join(lines)
            case Column.LEGAL_STATUS:
                if row.in_care:
                    since = format_date(row.in_care_since)
                    return f"{legal_status_text(row)}\nIn care since {since}"
                if row.left_care_on:
                    return f"Left care on {format_date(row.left_care_on)}"
                return "No episode of care recorded"
            case Column.PLACEMENT:
                parts = [row.placement_name, row.placement_type_label]
                return "\n".join(part for part in parts if part) or None
            case Column.NEXT_REVIEW | Column.STATUS:
                if not row.next_deadline:
                    return "No review is due: no open review track"
                lines = [
                    f"{row.next_kind_label}: {status_label(row.next_status)}",
                    f"Statutory deadline: {format_date(row.next_deadline)}",
                ]
                if row.next_target:
                    lines.append(f"Target date: {format_date(row.next_target)}")
                if row.next_scheduled:
                    lines.append(f"Booked for: {format_date(row.next_scheduled)}")
                if row.next_detail:
                    lines.append(row.next_detail)
                return "\n".join(lines)
            case _:
                return None


class ChildFilterProxy(QSortFilterProxyModel):
    """Keeps the children whose name or ID contains the filter; sorting is the model's own."""

    def __init__(self, parent: QObject | None = None) -> None:
        """A proxy with no filter text."""
        super().__init__(parent)
        self._needle = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    @property
    def filter_text(self) -> str:
        """The text children are filtered by."""
        return self._needle

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Let the children's model sort itself (fast); the proxy keeps its order."""
        source = self.sourceModel()
        if isinstance(source, ChildTableModel):
            source.sort(column, order)
            return
        super().sort(column, order)

    def set_filter_text(self, text: str) -> None:
        """Keep only children whose names or child ID contain ``text`` (case ignored)."""
        if text == self._needle:
            return
        self.beginFilterChange()
        self._needle = text
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        """True when the child on ``source_row`` matches the filter text."""
        if not self._needle.strip():
            return True
        source = self.sourceModel()
        if not isinstance(source, ChildTableModel):
            return True
        return source.row_at(source_row).matches(self._needle)

    def child_at(self, proxy_row: int) -> ChildRow:
        """The child shown on a row of the (sorted, filtered) list."""
        value = self.data(self.index(proxy_row, 0), ROW_ROLE)
        assert isinstance(value, ChildRow)
        return value
