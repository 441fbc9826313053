"""The shared base of the read-only tables: headers, flags, rows, the row role, the model tester."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from iro_desk.backups import BackupInfo
from iro_desk.ui import calendar_model, caseload_model, challenges_window, child_pane
from iro_desk.ui.restore_dialog import BackupTableModel
from iro_desk.ui.table_model import ROW_ROLE, RowsTableModel, header_data, titles_and_tips

pytestmark = pytest.mark.gui

DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
HORIZONTAL = Qt.Orientation.Horizontal
VERTICAL = Qt.Orientation.Vertical


@dataclass(frozen=True)
class Visit:
    """A row object as the app's tables hold them: immutable."""

    child: str
    days_ago: int


class VisitsModel(RowsTableModel[Visit]):
    """Two columns: one titled with a tooltip, one with a bare title."""

    def __init__(self, rows: list[Visit] | tuple[Visit, ...] = ()) -> None:
        super().__init__([("Child", "Who was visited"), "Days ago"], rows)

    def cell(self, row: Visit, column: int, role: int) -> Any:
        if role != DISPLAY:
            return None
        return row.child if column == 0 else str(row.days_ago)


AMY = Visit("Amy", 3)
BEN = Visit("Ben", 12)
CAL = Visit("Cal", 40)


def _column(model: RowsTableModel[Any], column: int, role: int = DISPLAY) -> list[Any]:
    return [model.index(row, column).data(role) for row in range(model.rowCount())]


def test_headers_give_titles_and_tooltips_across_the_top_only() -> None:
    model = VisitsModel()
    assert model.columnCount() == 2
    assert model.headerData(0, HORIZONTAL, DISPLAY) == "Child"
    assert model.headerData(0, HORIZONTAL, TOOLTIP) == "Who was visited"
    assert model.headerData(1, HORIZONTAL, DISPLAY) == "Days ago"
    assert model.headerData(1, HORIZONTAL, TOOLTIP) is None, "a bare title has no tooltip"
    assert model.headerData(0, HORIZONTAL, Qt.ItemDataRole.FontRole) is None
    assert model.headerData(2, HORIZONTAL, DISPLAY) is None, "no third column"
    assert model.headerData(-1, HORIZONTAL, DISPLAY) is None
    assert model.headerData(0, VERTICAL, DISPLAY) is None, "rows are not numbered"


def test_header_helpers_read_titles_with_or_without_tooltips() -> None:
    headers = titles_and_tips(["Date", ("Status", "Overdue, due soon or booked")])
    assert headers == [("Date", None), ("Status", "Overdue, due soon or booked")]
    assert header_data(headers, 1, HORIZONTAL, TOOLTIP) == "Overdue, due soon or booked"
    assert header_data(headers, 0, HORIZONTAL, DISPLAY) == "Date"
    assert header_data(headers, 0, VERTICAL, DISPLAY) is None


def test_rows_are_selectable_never_editable() -> None:
    model = VisitsModel([AMY])
    flags = model.flags(model.index(0, 1))
    assert flags == (
        Qt.ItemFlag.ItemIsEnabled
        | Qt.ItemFlag.ItemIsSelectable
        | Qt.ItemFlag.ItemNeverHasChildren
    )
    assert not flags & Qt.ItemFlag.ItemIsEditable
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags


def test_cells_come_from_the_subclass_and_the_row_object_from_row_role() -> None:
    model = VisitsModel([AMY, BEN])
    assert model.rowCount() == 2
    assert _column(model, 0) == ["Amy", "Ben"]
    assert _column(model, 1) == ["3", "12"]
    assert _column(model, 1, ROW_ROLE) == [AMY, BEN]
    assert model.row_at(1) is BEN
    assert model.index(0, 0).data(TOOLTIP) is None
    assert model.data(QModelIndex()) is None
    assert model.index(2, 0).isValid() is False, "no row past the end"
    assert model.rowCount(model.index(0, 0)) == 0, "a table has no rows under a row"
    assert model.columnCount(model.index(0, 0)) == 0


def test_set_rows_resets_the_model_and_shows_the_new_rows(qtbot: QtBot) -> None:
    model = VisitsModel([AMY, BEN])
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset], timeout=1000):
        model.set_rows([CAL])
    assert model.rowCount() == 1
    assert _column(model, 0) == ["Cal"]
    assert model.rows() == [CAL]
    model.rows().append(AMY)
    assert model.rows() == [CAL], "rows() is a copy: the model's list stays its own"
    model.set_rows([])
    assert model.rowCount() == 0


def test_the_base_asks_subclasses_for_their_cells() -> None:
    bare = RowsTableModel[Visit](["Child"], [AMY])
    assert bare.index(0, 0).data(ROW_ROLE) == AMY
    with pytest.raises(NotImplementedError):
        bare.cell(AMY, 0, DISPLAY)


def test_a_table_on_the_base_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = VisitsModel([AMY, BEN, CAL])
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)


def test_the_roles_the_views_use_keep_their_numbers() -> None:
    row_roles = [
        ROW_ROLE,
        caseload_model.ROW_ROLE,
        challenges_window.ROW_ROLE,
        calendar_model.ENTRY_ROLE,
        child_pane.ENTRY_ROLE,
    ]
    assert row_roles == [Qt.ItemDataRole.UserRole + 1] * 5
    sort_roles = [caseload_model.SORT_ROLE, challenges_window.SORT_ROLE]
    assert sort_roles == [Qt.ItemDataRole.UserRole + 2] * 2


def test_the_backup_list_shows_each_backup_and_passes_the_model_tester(
    qtmodeltester: ModelTester,
) -> None:
    made = dt.datetime(2027, 1, 4, 9, 30, tzinfo=dt.UTC)
    good = BackupInfo(Path("a.bak"), "daily", made, children=12, reviews=30)
    damaged = BackupInfo(
        Path("b.bak"), "before-sync", made, readable=False, problem="The file is damaged."
    )
    model = BackupTableModel([good, damaged])
    qtmodeltester.check(model)
    assert [model.headerData(c, HORIZONTAL) for c in range(model.columnCount())] == [
        "Made", "Why", "Children", "Reviews held", "State"
    ]
    assert [model.index(0, c).data() for c in range(1, 5)] == [
        "Daily backup", "12", "30", "✓ Can be restored"
    ]
    assert [model.index(1, c).data() for c in range(1, 5)] == [
        "Before a sync", "", "", "✗ Cannot be read"
    ]
    assert model.index(1, 4).data(TOOLTIP) == "The file is damaged."
    assert model.index(0, 4).data(TOOLTIP) is None
    assert model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    assert model.backup_at(1) is damaged
