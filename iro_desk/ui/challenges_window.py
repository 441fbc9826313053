"""The challenges list: every challenge across the caseload, as the IRO's own tracker.

Columns: level (by its name on the ladder), child, theme, status, date raised, days open and the
next response due, an overdue one marked "⚠ Overdue" in words as well as colour. Filters by
level, theme, status and the date raised; a line above the table counts the open challenges by
level (and the overdue responses). Double-click or Enter opens the challenge with its whole
history (``ChallengeDialog``), where it can be escalated, answered, resolved or withdrawn.

``ChallengesTableModel`` lists immutable ``iro_desk.challenges.ChallengeRow``; each cell also
gives a sort key (``SORT_ROLE``) so dates and numbers sort by value. ``ChallengesFilterProxy``
does the filtering.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from iro_desk import challenges as core
from iro_desk.clock import Clock
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.challenge_dialog import (
    ChallengeDialog,
    RaiseChallengeDialog,
    date_edit,
    date_of,
    format_date,
    response_due_text,
)
from iro_desk.ui.errors import guarded
from iro_desk.ui.table_model import ROW_ROLE, RowsTableModel
from iro_desk.ui.theme import status_colour
from iro_desk.vocab import CHALLENGE_STATUSES

SORT_ROLE = Qt.ItemDataRole.UserRole + 2
# How many rows (besides those in view) the columns are fitted to.
CONTENTS_PRECISION = 100
_MISSING = 10**9  # sorts after every real date or number

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    """The tracker's columns, in order."""

    LEVEL = 0
    CHILD = 1
    THEME = 2
    STATUS = 3
    RAISED = 4
    DAYS_OPEN = 5
    RESPONSE_DUE = 6


HEADERS: dict[Column, tuple[str, str]] = {
    Column.LEVEL: ("Level", "Where the challenge is on the Dispute Resolution Process ladder"),
    Column.CHILD: ("Child", "The child the challenge is about, and their ID"),
    Column.THEME: ("Theme", "What the challenge is about, as the council counts it"),
    Column.STATUS: ("Status", "Open, resolved or withdrawn"),
    Column.RAISED: ("Raised", "The day the challenge was raised"),
    Column.DAYS_OPEN: ("Days open", "Calendar days since it was raised (until it closed)"),
    Column.RESPONSE_DUE: ("Next response due", "The last day for a response at this level"),
}


class ChallengesTableModel(RowsTableModel[core.ChallengeRow]):
    """The tracker over a list of ``ChallengeRow``."""

    def __init__(
        self, rows: Sequence[core.ChallengeRow] = (), parent: QObject | None = None
    ) -> None:
        """Start with ``rows`` (replace them later with ``set_rows``)."""
        super().__init__([HEADERS[column] for column in Column], rows, parent)
        self._bold = QFont()
        self._bold.setBold(True)

    def cell(self, row: core.ChallengeRow, column: int, role: int) -> Any:
        """Each cell's text, sort key, tooltip, and the overdue emphasis."""
        column = Column(column)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.issue}\nAddressed to: {row.addressed_to or 'not recorded'}"
        if role == Qt.ItemDataRole.ForegroundRole and row.overdue and column in (
            Column.RESPONSE_DUE,
            Column.LEVEL,
        ):
            return status_colour("overdue")
        if role == Qt.ItemDataRole.FontRole and row.overdue and column == Column.RESPONSE_DUE:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.DAYS_OPEN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(row: core.ChallengeRow, column: Column) -> str:
        match column:
            case Column.LEVEL:
                return row.level_name
            case Column.CHILD:
                return f"{row.child_name} ({row.child_ref})"
            case Column.THEME:
                return row.theme
            case Column.STATUS:
                return CHALLENGE_STATUSES.get(row.status, row.status)
            case Column.RAISED:
                return format_date(row.raised_on)
            case Column.DAYS_OPEN:
                return str(row.days_open)
            case Column.RESPONSE_DUE:
                return response_due_text(row)

    @staticmethod
    def _sort_key(row: core.ChallengeRow, column: Column) -> Any:
        match column:
            case Column.LEVEL:
                return row.level
            case Column.CHILD:
                return row.child_name.casefold()
            case Column.THEME:
                return row.theme.casefold()
            case Column.STATUS:
                return list(CHALLENGE_STATUSES).index(row.status) if (
                    row.status in CHALLENGE_STATUSES
                ) else len(CHALLENGE_STATUSES)
            case Column.RAISED:
                return row.raised_on.toordinal()
            case Column.DAYS_OPEN:
                return row.days_open
            case Column.RESPONSE_DUE:
                return row.response_due.toordinal() if row.response_due else _MISSING


class ChallengesFilterProxy(QSortFilterProxyModel):
    """Keeps the challenges matching the chosen level, theme, status, dates and search text."""

    def __init__(self, parent: QObject | None = None) -> None:
        """No filters at first: every challenge shows."""
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._level: int | None = None
        self._theme: str | None = None
        self._status: str | None = None
        self._raised_from: dt.date | None = None
        self._raised_to: dt.date | None = None
        self._text = ""

    def set_level(self, level: int | None) -> None:
        """Only challenges now at ``level`` (None: any level)."""
        self.beginFilterChange()
        self._level = level
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_theme(self, theme: str | None) -> None:
        """Only challenges with ``theme`` (None: any theme)."""
        self.beginFilterChange()
        self._theme = theme
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: str | None) -> None:
        """Only challenges with ``status`` (None: any status)."""
        self.beginFilterChange()
        self._status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_raised_between(self, start: dt.date | None, end: dt.date | None) -> None:
        """Only challenges raised from ``start`` to ``end`` inclusive (None: open-ended)."""
        self.beginFilterChange()
        self._raised_from, self._raised_to = start, end
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        """Only challenges whose child, ID, theme or issue contains ``text`` (case ignored)."""
        self.beginFilterChange()
        self._text = " ".join(text.split()).casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        """Apply every filter that is set."""
        model = self.sourceModel()
        if not isinstance(model, ChallengesTableModel):
            return True
        row = model.row_at(source_row)
        if self._level is not None and row.level != self._level:
            return False
        if self._theme is not None and row.theme != self._theme:
            return False
        if self._status is not None and row.status != self._status:
            return False
        if self._raised_from is not None and row.raised_on < self._raised_from:
            return False
        if self._raised_to is not None and row.raised_on > self._raised_to:
            return False
        if self._text:
            haystack = f"{row.child_name} {row.child_ref} {row.theme} {row.issue}".casefold()
            return self._text in haystack
        return True


def _combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class ChallengesWindow(QWidget):
    """All challenges across the caseload, filterable, each opening its whole history.

    ``changed`` is emitted after a challenge is raised or a step recorded from here, so other
    views (dashboard, due list) can refresh.
    """

    changed = Signal()

    def __init__(
        self,
        store: CaseloadStore,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """List the challenges in ``store``; ``settings`` are read from it when not given."""
        super().__init__(parent)
        self.store = store
        self.clock = clock or Clock()
        self._given_settings = settings
        self.settings = settings or self._load_settings()
        self.challenge_dialog: ChallengeDialog | None = None
        self.raise_dialog: RaiseChallengeDialog | None = None
        self.setWindowTitle("Challenges")
        self.setAccessibleName("Challenges")

        self.summary = QLabel()
        self.summary.setAccessibleName("Open challenges by level")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)

        self.level_filter = _combo("Filter by level")
        self.theme_filter = _combo("Filter by theme")
        self.status_filter = _combo("Filter by status")
        self.status_filter.addItem("Any status", None)
        for key, name in CHALLENGE_STATUSES.items():
            self.status_filter.addItem(name, key)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Child, ID, theme or words in the issue")
        self.search.setAccessibleName("Search challenges")
        self.search.setClearButtonEnabled(True)
        today = self.clock.today()
        self.dates_filter = QCheckBox("Raised &between")
        self.dates_filter.setAccessibleName("Filter by the date raised")
        # Councils count challenges by financial year: start from this year's 1 April.
        year_start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
        self.raised_from = date_edit(year_start, today=today, name="Raised from")
        self.raised_to = date_edit(today, today=today, name="Raised to")
        self.raised_from.setEnabled(False)
        self.raised_to.setEnabled(False)

        self.model = ChallengesTableModel(parent=self)
        self.proxy = ChallengesFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Challenges across the caseload")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.RAISED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.THEME, QHeaderView.ResizeMode.Stretch)
        # Fit the columns to the rows in view and a sample of the rest, not to every row: on a
        # big caseload measuring every challenge froze the window for a second at each layout.
        header.setResizeContentsPrecision(CONTENTS_PRECISION)
        self.table.doubleClicked.connect(self._open_index)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Challenges shown")

        self.open_button = QPushButton("&Open…")
        self.open_button.setAccessibleName("Open the selected challenge")
        self.open_button.clicked.connect(self.open_selected)
        self.raise_button = QPushButton("Raise a &challenge…")
        self.raise_button.setAccessibleName("Raise a challenge")
        self.raise_button.clicked.connect(self.open_raise_dialog)
        refresh = QPushButton("Refresh")
        refresh.setAccessibleName("Refresh")
        refresh.setToolTip("Read the challenges again (F5)")
        refresh.clicked.connect(self.refresh)
        # Only while focus is in this list, so the main window's own shortcuts stay unambiguous.
        refresh_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self)
        refresh_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh_key.activated.connect(self.refresh)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.open_selected)

        filters = QHBoxLayout()
        for text, widget in (("&Level", self.level_filter), ("&Theme", self.theme_filter),
                             ("&Status", self.status_filter)):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addWidget(self.dates_filter)
        filters.addWidget(self.raised_from)
        to_label = QLabel("and")
        filters.addWidget(to_label)
        filters.addWidget(self.raised_to)
        filters.addStretch(1)
        search_row = QHBoxLayout()
        search_label = QLabel("Fin&d")
        search_label.setBuddy(self.search)
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        buttons.addWidget(self.raise_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(refresh)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(filters)
        layout.addLayout(search_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self.level_filter.currentIndexChanged.connect(self._apply_filters)
        self.theme_filter.currentIndexChanged.connect(self._apply_filters)
        self.status_filter.currentIndexChanged.connect(self._apply_filters)
        self.dates_filter.toggled.connect(self._apply_filters)
        self.raised_from.dateChanged.connect(self._apply_filters)
        self.raised_to.dateChanged.connect(self._apply_filters)
        self.search.textChanged.connect(self.proxy.set_text)
        self.search.textChanged.connect(self._show_count)
        self.resize(1000, 520)
        self.refresh()

    def _load_settings(self) -> Settings:
        with self.store.session() as session:
            return load_settings(session)

    def refresh(self) -> None:
        """Read every challenge again from the caseload (settings too, unless given)."""
        if self._given_settings is None:
            self.settings = self._load_settings()
        with self.store.session() as session:
            rows = core.list_challenges(session, today=self.clock.today(), settings=self.settings)
            open_counts = core.open_by_level(session, settings=self.settings)
        self.model.set_rows(rows)
        self._fill_choices(rows)
        overdue = sum(1 for row in rows if row.overdue)
        summary = core.describe_open_by_level(open_counts, self.settings)
        if overdue:
            summary += f"  ·  ⚠ {overdue} response{'s' if overdue != 1 else ''} overdue"
        self.summary.setText(summary)
        self._show_count()

    def _fill_choices(self, rows: Sequence[core.ChallengeRow]) -> None:
        """Levels from the ladder and themes from the settings, plus any older ones in use."""
        level = self.level_filter.currentData()
        theme = self.theme_filter.currentData()
        for combo in (self.level_filter, self.theme_filter):
            combo.blockSignals(True)
            combo.clear()
        self.level_filter.addItem("Any level", None)
        levels = {rung.level: rung.name for rung in core.ladder(self.settings)}
        for row in rows:
            levels.setdefault(row.level, row.level_name)
        for number in sorted(levels):
            self.level_filter.addItem(levels[number], number)
        self.theme_filter.addItem("Any theme", None)
        themes = list(self.settings.challenge_themes)
        themes += sorted({row.theme for row in rows} - set(themes))
        for name in themes:
            self.theme_filter.addItem(name, name)
        self.level_filter.setCurrentIndex(max(self.level_filter.findData(level), 0))
        self.theme_filter.setCurrentIndex(max(self.theme_filter.findData(theme), 0))
        for combo in (self.level_filter, self.theme_filter):
            combo.blockSignals(False)
        self._apply_filters()

    def _apply_filters(self) -> None:
        self.proxy.set_level(self.level_filter.currentData())
        self.proxy.set_theme(self.theme_filter.currentData())
        self.proxy.set_status(self.status_filter.currentData())
        dated = self.dates_filter.isChecked()
        self.raised_from.setEnabled(dated)
        self.raised_to.setEnabled(dated)
        if dated:
            self.proxy.set_raised_between(date_of(self.raised_from), date_of(self.raised_to))
        else:
            self.proxy.set_raised_between(None, None)
        self._show_count()

    def _show_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(
            f"{total} challenge{'s' if total != 1 else ''}" if shown == total
            else f"Showing {shown} of {total} challenges"
        )

    def selected_id(self) -> uuid.UUID | None:
        """The id of the selected challenge, if any."""
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        row = self.proxy.data(indexes[0], ROW_ROLE)
        return row.id if row is not None else None

    def open_selected(self) -> None:
        """Open the selected challenge (Enter, or the Open button)."""
        challenge_id = self.selected_id()
        if challenge_id is not None:
            self.open_challenge(challenge_id)

    def _open_index(self, index: QModelIndex) -> None:
        row = self.proxy.data(index, ROW_ROLE)
        if row is not None:
            self.open_challenge(row.id)

    def open_challenge(self, challenge_id: uuid.UUID) -> ChallengeDialog | None:
        """Show one challenge with its whole history; the list refreshes after each step."""
        opened: list[ChallengeDialog] = []

        def build() -> None:
            opened.append(
                ChallengeDialog(self.store, challenge_id, settings=self.settings,
                                clock=self.clock, parent=self)
            )

        if not guarded(lambda: self, build):
            return None
        dialog = opened[0]
        dialog.changed.connect(self._challenge_changed)
        self.challenge_dialog = dialog
        dialog.open()
        return dialog

    def open_raise_dialog(self) -> RaiseChallengeDialog:
        """Open the form for a new challenge (for any child)."""
        dialog = RaiseChallengeDialog(self.store, self.settings, self.clock.today(), parent=self)
        dialog.accepted.connect(self._challenge_changed)
        self.raise_dialog = dialog
        dialog.open()
        return dialog

    def _challenge_changed(self) -> None:
        self.refresh()
        self.changed.emit()

    def row_texts(self) -> list[list[str]]:
        """What the table shows, row by row in view order (for tests and accessibility)."""
        return [
            [str(self.proxy.index(r, c).data()) for c in range(self.proxy.columnCount())]
            for r in range(self.proxy.rowCount())
        ]

