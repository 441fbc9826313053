"""The table of a review's decisions in the review form: what, who, by when, where it stands.

Rows are immutable ``DecisionRow`` values; an edit replaces the row. The model also carries the
problems the last save found, shown in the cells as a warning symbol with the message as the
tooltip (the form lists the same messages in words under the table).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication, QStyle

from iro_desk.models import Decision
from iro_desk.recording import DecisionInput, decision_state, format_date
from iro_desk.ui.table_model import RowsTableModel

AnyIndex = QModelIndex | QPersistentModelIndex

HEADERS = ("What will happen", "Who is responsible", "By when", "Where it stands")
FIELDS = ("text", "responsible", "due_on", "")
TEXT, RESPONSIBLE, DUE_ON, STATE = range(4)

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def parse_typed_date(text: str) -> dt.date | None:
    """A date as typed in the UK: 31/01/2027, 31-1-2027, 31.1.27, 31 Jan 2027 or 2027-01-31.

    Returns None for blank text.

    Raises:
        ValueError: text that is not one of those forms, or not a real day.
    """
    typed = " ".join(text.split())
    if not typed:
        return None
    problem = f"{typed!r} is not a date: write it as 31/01/2027."
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed):
            return dt.date.fromisoformat(typed)
        numeric = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", typed)
        if numeric:
            day, month, year = (int(part) for part in numeric.groups())
            return dt.date(year + 2000 if year < 100 else year, month, day)
        worded = re.fullmatch(r"(\d{1,2}) ([A-Za-z]+)\.? (\d{4})", typed)
        if worded and worded.group(2).lower() in _MONTHS:
            month = _MONTHS[worded.group(2).lower()]
            return dt.date(int(worded.group(3)), month, int(worded.group(1)))
    except ValueError:
        raise ValueError(problem) from None
    raise ValueError(problem)


def typed_date(day: dt.date | None) -> str:
    """A date as the forms show it for typing: 31/01/2027."""
    return day.strftime("%d/%m/%Y") if day else ""


@dataclass(frozen=True)
class DecisionRow:
    """One decision as shown and edited in the form."""

    id: uuid.UUID | None = None
    text: str = ""
    responsible: str = ""
    due_on: dt.date | None = None
    state: str = "New"

    @classmethod
    def from_record(cls, decision: Decision, today: dt.date) -> DecisionRow:
        """A saved decision, with where it stands today."""
        return cls(
            id=decision.id,
            text=decision.text,
            responsible=decision.responsible,
            due_on=decision.due_on,
            state=decision_state(decision, today),
        )

    def as_input(self) -> DecisionInput:
        """What the core takes."""
        return DecisionInput(
            id=self.id, text=self.text, responsible=self.responsible, due_on=self.due_on
        )

    def as_json(self) -> dict[str, Any]:
        """For the form's draft."""
        return {
            "id": str(self.id) if self.id else None,
            "text": self.text,
            "responsible": self.responsible,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "state": self.state,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> DecisionRow:
        """Back from a draft."""
        return cls(
            id=uuid.UUID(value["id"]) if value.get("id") else None,
            text=str(value.get("text", "")),
            responsible=str(value.get("responsible", "")),
            due_on=dt.date.fromisoformat(value["due_on"]) if value.get("due_on") else None,
            state=str(value.get("state", "New")),
        )


class DecisionsModel(RowsTableModel[DecisionRow]):
    """A review's decisions: editable text, person and date; where each stands, read only."""

    def __init__(self, rows: Sequence[DecisionRow] = (), parent: QObject | None = None) -> None:
        """Show ``rows``."""
        super().__init__(HEADERS, rows, parent)
        self._problems: dict[tuple[int, int], str] = {}

    # --- reading and changing the rows -------------------------------------------------------

    def set_rows(self, rows: Sequence[DecisionRow]) -> None:
        """Show a new set of decisions (problems are cleared)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._problems = {}
        self.endResetModel()

    def append(self, row: DecisionRow) -> int:
        """Add a decision at the end; returns its row number."""
        position = len(self._rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.append(row)
        self.endInsertRows()
        return position

    def remove(self, position: int) -> DecisionRow:
        """Take one decision out of the table."""
        self.beginRemoveRows(QModelIndex(), position, position)
        removed = self._rows.pop(position)
        self.endRemoveRows()
        self.set_problems({})
        return removed

    def set_problems(self, problems: dict[str, str]) -> None:
        """Mark the cells that ``problems`` (keys ``decisions.<row>.<field>``) name."""
        marked: dict[tuple[int, int], str] = {}
        for key, why in problems.items():
            parts = key.split(".")
            if len(parts) != 3 or parts[0] != "decisions" or not parts[1].isdigit():
                continue
            if parts[2] in FIELDS:
                marked[(int(parts[1]), FIELDS.index(parts[2]))] = why
        old = self._problems
        self._problems = marked
        for row, column in set(old) | set(marked):
            if row < len(self._rows):
                index = self.index(row, column)
                self.dataChanged.emit(index, index)

    # --- Qt's item model ---------------------------------------------------------------------

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Column titles; rows are numbered as the messages number them."""
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return super().headerData(section, orientation, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Text, person and date can be edited; where it stands cannot."""
        flags = super().flags(index)
        if index.isValid() and index.column() != STATE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Problem markers (kept by the cell's position), else what ``cell`` says."""
        problem = self._problems.get((index.row(), index.column())) if index.isValid() else None
        if problem and role in (
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.AccessibleDescriptionRole,
        ):
            return problem
        if problem and role == Qt.ItemDataRole.DecorationRole:
            style = QApplication.style()
            return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return super().data(index, role)

    def cell(self, row: DecisionRow, column: int, role: int) -> Any:
        """Cell text, the editing text, and the decision in full as the tooltip."""
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.EditRole:
            if column == DUE_ON:
                return typed_date(row.due_on)
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.text if column == TEXT and row.text else None
        return None

    @staticmethod
    def _display(row: DecisionRow, column: int) -> str:
        if column == TEXT:
            return row.text
        if column == RESPONSIBLE:
            return row.responsible
        if column == DUE_ON:
            return format_date(row.due_on) if row.due_on else ""
        return row.state

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Take an edit: text and person as typed; a date typed as 31/01/2027 (or a date)."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row = self._rows[index.row()]
        column = index.column()
        if column == TEXT:
            changed = dataclasses.replace(row, text=str(value or ""))
        elif column == RESPONSIBLE:
            changed = dataclasses.replace(row, responsible=str(value or ""))
        elif column == DUE_ON:
            if isinstance(value, dt.date):
                due_on: dt.date | None = value
            else:
                try:
                    due_on = parse_typed_date(str(value or ""))
                except ValueError:
                    return False
            changed = dataclasses.replace(row, due_on=due_on)
        else:
            return False
        if changed == row:
            return True
        self._rows[index.row()] = changed
        self.dataChanged.emit(index, index)
        return True
