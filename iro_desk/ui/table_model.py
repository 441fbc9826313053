"""One base for the app's read-only tables: a list of immutable row objects, one per line.

``RowsTableModel`` keeps the rows and answers Qt's table questions the same way for every list
in the app: how many rows and columns, the column titles (with a tooltip where one is given),
the flags (selectable, not editable), and the row object itself under ``ROW_ROLE``. A subclass
says what each cell shows in one method, ``cell(row, column, role)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

AnyIndex = QModelIndex | QPersistentModelIndex
# A column's header: its title, or its title and a tooltip.
Header = str | tuple[str, str]

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row object of a line

Row = TypeVar("Row")


def titles_and_tips(headers: Iterable[Header]) -> list[tuple[str, str | None]]:
    """Each header as (title, tooltip); a header given as a bare title has no tooltip."""
    return [(header, None) if isinstance(header, str) else header for header in headers]


def header_data(
    headers: Sequence[tuple[str, str | None]],
    section: int,
    orientation: Qt.Orientation,
    role: int,
) -> str | None:
    """A column's title (``DisplayRole``) or tooltip (``ToolTipRole``); rows have no header."""
    if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(headers):
        return None
    title, tip = headers[section]
    if role == Qt.ItemDataRole.DisplayRole:
        return title
    if role == Qt.ItemDataRole.ToolTipRole:
        return tip
    return None


class RowsTableModel(QAbstractTableModel, Generic[Row]):
    """A read-only table over a list of rows; subclasses say what each cell shows in ``cell``.

    Flags are Qt's own for a table: enabled and selectable, never with children, not editable.
    """

    def __init__(
        self,
        headers: Iterable[Header],
        rows: Sequence[Row] = (),
        parent: QObject | None = None,
    ) -> None:
        """Columns titled by ``headers`` (in column order), showing ``rows``."""
        super().__init__(parent)
        self._headers = titles_and_tips(headers)
        self._rows: list[Row] = list(rows)

    # -- the rows ---------------------------------------------------------------------------
    def rows(self) -> list[Row]:
        """The rows shown, in model order."""
        return list(self._rows)

    def row_at(self, row: int) -> Row:
        """The row object on one line."""
        return self._rows[row]

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show other rows (views forget their selection)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    # -- what each cell shows ------------------------------------------------------------------
    def cell(self, row: Row, column: int, role: int) -> Any:
        """What ``column`` of ``row`` gives for ``role`` (None for nothing); subclasses say."""
        raise NotImplementedError

    # -- the model interface ----------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Rows shown (a table has no rows under a row)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """One column per header."""
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles and their tooltips."""
        return header_data(self._headers, section, orientation, role)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The row object (``ROW_ROLE``), else what ``cell`` says; None off the table."""
        if (
            not index.isValid()
            or not 0 <= index.row() < len(self._rows)
            or not 0 <= index.column() < len(self._headers)
        ):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        return self.cell(row, index.column(), role)
