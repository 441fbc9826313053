"""The calendar window's item models: due items and held reviews laid out by day.

Everything the calendar shows is a ``CalendarEntry``: one ``iro_desk.schedule.DueItem`` (a
review, a pre-review visit, paperwork, a decision or a challenge response), placed on its booked
date when it has one and on its deadline when not, or one review held that day (status
``done``). Three models show them:

* ``EntryTableModel`` — a flat list (the "Overdue and due soon" panel and the selected day's
  list), filtered by ``EntryFilterProxy``;
* ``MonthModel`` — a 6 x 7 grid of days (Monday first) for one month; each cell carries its
  entries (``ENTRIES_ROLE``) for ``calendar_view.MonthDelegate`` to paint;
* ``AgendaModel`` — the coming weeks as a tree: one row per day, its entries under it.

``held_reviews_between`` reads the reviews held in a date range (the "done" entries); it is
plain SQL on the session's connection, like ``iro_desk.schedule``, so a month of a 2,250-child
caseload reads in milliseconds. Nothing here draws; colours come from ``iro_desk.ui.theme``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont
from sqlmodel import Session

from iro_desk.schedule import (
    ITEM_KINDS,
    NON_REVIEW_KINDS,
    REVIEW_ITEM_KINDS,
    DueItem,
    day_text,
    sort_key,
)
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.table_model import ROW_ROLE, RowsTableModel, header_data, titles_and_tips
from iro_desk.ui.theme import status_background, status_colour, status_style
from iro_desk.vocab import TRACK_KINDS

AnyIndex = QModelIndex | QPersistentModelIndex

ENTRY_ROLE = ROW_ROLE  # the CalendarEntry of a row
DATE_ROLE = Qt.ItemDataRole.UserRole + 2  # the dt.date of a month cell or an agenda day
ENTRIES_ROLE = Qt.ItemDataRole.UserRole + 3  # the entries of a month cell (a tuple)
HOLIDAY_ROLE = Qt.ItemDataRole.UserRole + 4  # the bank holiday's name, or None
TODAY_ROLE = Qt.ItemDataRole.UserRole + 5  # True on today's cell
IN_MONTH_ROLE = Qt.ItemDataRole.UserRole + 6  # False on the days of the months either side

WEEKS_SHOWN = 6
DAYS_SHOWN = 7 * WEEKS_SHOWN
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Most urgent first; "done" (a review held that day) last.
STATUS_ORDER = ("overdue", "due_soon", "scheduled", "upcoming", "done")
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
_KIND_RANK = {
    "pre_review_visit": 1,
    "record_due": 2,
    "challenge_response": 3,
    "decisions_due": 4,
    "intro_letter": 5,
}

# Short names for the month grid, where a day is a hand's width; the legend spells them out.
SHORT_KINDS: dict[str, str] = {
    "cla_review": "CiC",
    "cp_conference": "CP",
    "fostering_review": "Foster",
    "pathway_review": "Pathway",
    "secure_review": "Secure",
    "private_fostering_review": "PF",
    "pre_review_visit": "Visit",
    "challenge_response": "Reply",
    "decisions_due": "Decision",
    "record_due": "Papers",
    "intro_letter": "Intro",
}

# The kind filter: (words shown, key). "reviews" is every review and conference.
KIND_FILTERS: tuple[tuple[str, str | None], ...] = (
    ("All kinds", None),
    ("All reviews and conferences", "reviews"),
    *((ITEM_KINDS[kind], kind) for kind in REVIEW_ITEM_KINDS.values()),
    ("Pre-review visits", "pre_review_visit"),
    ("Paperwork after reviews", "record_due"),
    ("Challenge responses", "challenge_response"),
    ("Review decisions", "decisions_due"),
    ("Introduction letters", "intro_letter"),
)


def entry_status_label(status: str) -> str:
    """Symbol and words for an entry's status: '⚠ Overdue', '● Held' for a review held."""
    if status == "done":
        return f"{status_style('done').symbol} Held"
    return status_style(status).label


@dataclass(frozen=True)
class CalendarEntry:
    """One line in the calendar: a due item on its day, or a review held that day.

    Attributes:
        day: The day it sits on: the booked (or planned) date, else the deadline; the day held.
        status: overdue, due_soon, scheduled, upcoming, or done (a review held that day).
        kind: A key of ``schedule.ITEM_KINDS``.
        child_uuid: The child's record id (None for a foster carer household).
        child_id: The council's child ID ("" for a household).
        child_name: The child's name, or the household's.
        detail: One line for people.
        track_id: The case track.
        review_id: The booked review (for a due review), or the review held.
        item: The due item shown (None for a held review).
    """

    day: dt.date
    status: str
    kind: str
    child_uuid: uuid.UUID | None
    child_id: str
    child_name: str
    detail: str
    track_id: uuid.UUID | None = None
    review_id: uuid.UUID | None = None
    item: DueItem | None = field(default=None, compare=False)

    @classmethod
    def from_item(cls, item: DueItem) -> CalendarEntry:
        """The entry for a due item, on its booked date or else its deadline."""
        return cls(
            day=item.when,
            status=item.status,
            kind=item.kind,
            child_uuid=item.child_uuid,
            child_id=item.child_id,
            child_name=item.child_name,
            detail=item.detail,
            track_id=item.track_id,
            review_id=item.review_id,
            item=item,
        )

    @property
    def identity(self) -> tuple[object, ...]:
        """What stays the same for this item when the caseload is read again."""
        ref = self.item.ref_id if self.item is not None else self.review_id
        return (self.kind, self.status == "done", self.track_id, ref, self.child_uuid)

    @property
    def is_review(self) -> bool:
        """True for a review or conference (not a visit, paperwork, decision or challenge)."""
        return self.kind not in NON_REVIEW_KINDS

    @property
    def can_book(self) -> bool:
        """A review that is due and not booked yet."""
        return self.item is not None and self.item.can_book

    @property
    def can_move(self) -> bool:
        """A booked review (it can be moved, stood down or cancelled)."""
        return self.item is not None and self.is_review and self.review_id is not None

    @property
    def kind_label(self) -> str:
        """The kind in words."""
        return ITEM_KINDS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def status_label(self) -> str:
        """Symbol and words: '⚠ Overdue'."""
        return entry_status_label(self.status)

    @property
    def who(self) -> str:
        """'Ada Example (DEMO-0001)', or the household's name."""
        return f"{self.child_name} ({self.child_id})" if self.child_id else self.child_name

    @property
    def short_name(self) -> str:
        """First name and the last name's initial ('Ada E.'); a household's first word."""
        words = self.child_name.replace("(demo)", "").split()
        if not self.child_id:
            words = [word for word in words if word.casefold() not in {"the", "household"}]
            return f"{words[0]} household" if words else self.child_name
        if len(words) < 2:
            return self.child_name
        return f"{words[0]} {words[-1][0]}."

    @property
    def short_kind(self) -> str:
        """The kind in a word or two: 'CiC', 'Visit', 'Papers'."""
        return SHORT_KINDS.get(self.kind, self.kind_label)

    @property
    def cell_text(self) -> str:
        """What a month cell shows: '⚠ CiC Ada E.' (symbol, kind, child)."""
        return f"{status_style(self.status).symbol} {self.short_kind} {self.short_name}"

    @property
    def sentence(self) -> str:
        """The whole entry in words, for tooltips and screen readers."""
        status = "Held" if self.status == "done" else status_style(self.status).text
        return f"{status}: {self.kind_label}, {self.who}, {day_text(self.day)}. {self.detail}"

    @property
    def order(self) -> tuple[int, int, str, str]:
        """Most urgent first within a day: status, reviews before other kinds, then child."""
        return (
            _STATUS_RANK.get(self.status, len(STATUS_ORDER)),
            _KIND_RANK.get(self.kind, 0),
            self.child_name.casefold(),
            self.kind,
        )


@dataclass(frozen=True)
class DueSchedule:
    """The schedule of one caseload as read at one moment: what the calendar shows.

    The main window reads it once per refresh (its list shows each child's next review from
    the same items) and hands it to the calendar, so a refresh works the schedule out once.

    Attributes:
        store: The caseload it was read from.
        today: The day it was judged against.
        settings: The caseload's settings it was read with.
        items: ``schedule.due_items`` for that day, most urgent first.
    """

    store: CaseloadStore
    today: dt.date
    settings: Settings
    items: tuple[DueItem, ...]


@dataclass(frozen=True)
class EntryFilter:
    """What the IRO chose to see: a kind (``KIND_FILTERS`` key) and text in a name or ID."""

    kind: str | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        """True when anything is hidden."""
        return self.kind is not None or bool(self.text.strip())

    def accepts(self, entry: CalendarEntry) -> bool:
        """True when the entry is of the kind chosen and its child matches the text."""
        if self.kind == "reviews":
            if not entry.is_review:
                return False
        elif self.kind is not None and entry.kind != self.kind:
            return False
        needle = self.text.strip().casefold()
        if not needle:
            return True
        return needle in entry.child_name.casefold() or needle in entry.child_id.casefold()


def relative_day(day: dt.date, today: dt.date) -> str:
    """How far a day is from today, in words: 'today', '36 days ago', 'in 3 days'."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    if days < 0:
        return f"{-days} days ago"
    return f"in {days} days"


def month_grid_start(year: int, month: int) -> dt.date:
    """The Monday on or before the first of the month: the grid's top-left day."""
    first = dt.date(year, month, 1)
    return first - dt.timedelta(days=first.weekday())


def month_grid_days(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the six-week grid for a month."""
    start = month_grid_start(year, month)
    return start, start + dt.timedelta(days=DAYS_SHOWN - 1)


def entries_by_day(
    entries: Iterable[CalendarEntry], start: dt.date, end: dt.date, keep: EntryFilter
) -> dict[dt.date, tuple[CalendarEntry, ...]]:
    """The entries from ``start`` to ``end`` (inclusive) that ``keep`` accepts, by day."""
    found: dict[dt.date, list[CalendarEntry]] = {}
    for entry in entries:
        if start <= entry.day <= end and keep.accepts(entry):
            found.setdefault(entry.day, []).append(entry)
    return {day: tuple(sorted(day_entries, key=lambda e: e.order))
            for day, day_entries in found.items()}


def urgent_entries(items: Iterable[DueItem]) -> list[CalendarEntry]:
    """The overdue and due-soon items, overdue first (``schedule.sort_key`` order)."""
    urgent = [item for item in items if item.status in ("overdue", "due_soon")]
    urgent.sort(key=sort_key)
    return [CalendarEntry.from_item(item) for item in urgent]


def held_reviews_between(session: Session, start: dt.date, end: dt.date) -> list[CalendarEntry]:
    """The reviews held from ``start`` to ``end`` (inclusive), as "done" entries.

    Deleted reviews, reviews of deleted tracks and anything of a deleted child are left out.
    """
    rows = session.connection().exec_driver_sql(
        "SELECT r.id, r.track_id, r.held_on, t.kind, t.child_id, t.household_name, "
        "c.child_ref, c.first_name, c.last_name, c.preferred_name FROM review r "
        "JOIN case_track t ON t.id = r.track_id AND t.deleted_at IS NULL "
        "LEFT JOIN child c ON c.id = t.child_id "
        "WHERE r.deleted_at IS NULL AND r.status = 'held' AND r.held_on >= ? "
        "AND r.held_on <= ? AND (t.child_id IS NULL OR c.deleted_at IS NULL)",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    entries = []
    for rid, tid, held, kind, child, household, ref, first, last, preferred in rows:
        if child is not None and ref is None:
            continue  # the child's row is missing
        held_on = dt.date.fromisoformat(held)
        name = f"{preferred or first} {last}".strip() if child else household
        label = TRACK_KINDS.get(kind, kind.replace("_", " ").capitalize())
        entries.append(
            CalendarEntry(
                day=held_on,
                status="done",
                kind=REVIEW_ITEM_KINDS.get(kind, f"{kind}_review"),
                child_uuid=uuid.UUID(hex=child) if child else None,
                child_id=ref or "",
                child_name=name,
                detail=f"{label} held {day_text(held_on)}",
                track_id=uuid.UUID(hex=tid),
                review_id=uuid.UUID(hex=rid),
            )
        )
    return entries


def entry_at_index(index: AnyIndex) -> CalendarEntry | None:
    """The entry at an index of an entry list, the agenda, or a filter over an entry list.

    Read straight from the Python models rather than through ``QModelIndex.data`` (no trip
    through a QVariant; the delegates call this for every row they paint).
    """
    if not index.isValid():
        return None
    model = index.model()
    if isinstance(model, QSortFilterProxyModel):
        index = model.mapToSource(index)
        model = model.sourceModel()
        if not index.isValid():
            return None
    if isinstance(model, EntryTableModel):
        row = index.row()
        return model.entry_at(row) if 0 <= row < model.rowCount() else None
    if isinstance(model, AgendaModel):
        return model.entry_of(index)
    return None


def _bold_font() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def entry_role_data(entry: CalendarEntry, role: int, *, status_column: bool, bold: QFont) -> Any:
    """What a row of an entry list or the agenda gives for every role but ``DisplayRole``.

    The entry itself, its day, its sentence as the tooltip, and its colours: overdue rows bold
    in the overdue colour on its soft background, every other row with its status coloured.
    """
    if role == ENTRY_ROLE:
        return entry
    if role == DATE_ROLE:
        return entry.day
    if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
        return entry.sentence
    if role == Qt.ItemDataRole.ForegroundRole:
        if entry.status == "overdue" or status_column:
            return status_colour(entry.status)
        return None
    if role == Qt.ItemDataRole.BackgroundRole and entry.status == "overdue":
        return status_background("overdue")
    if role == Qt.ItemDataRole.FontRole and entry.status == "overdue":
        return bold
    return None


# -- a flat list of entries -------------------------------------------------------------------


class EntryColumn(IntEnum):
    """The columns of the panel and day lists."""

    STATUS = 0
    DATE = 1
    WHAT = 2
    CHILD = 3


ENTRY_HEADERS: dict[EntryColumn, tuple[str, str]] = {
    EntryColumn.STATUS: ("Status", "Overdue, due soon, booked, upcoming, or held"),
    EntryColumn.DATE: ("Date", "The booked date, else the last day it is in time"),
    EntryColumn.WHAT: ("What", "The review, visit, paperwork, decision or challenge"),
    EntryColumn.CHILD: ("Child", "The child and their ID (or the foster carer household)"),
}


class EntryTableModel(RowsTableModel[CalendarEntry]):
    """A list of calendar entries: status (symbol and words), date, what, and child.

    Overdue rows are bold in the overdue colour on its soft background; every other row has
    its status coloured. The words and symbol always say the status too.
    """

    def __init__(
        self, entries: Sequence[CalendarEntry] = (), parent: QObject | None = None
    ) -> None:
        """Start with ``entries`` (replace them later with ``set_entries``)."""
        super().__init__([ENTRY_HEADERS[column] for column in EntryColumn], entries, parent)
        self._today: dt.date | None = None
        self._bold = _bold_font()

    def set_entries(self, entries: Sequence[CalendarEntry], today: dt.date | None = None) -> None:
        """Show other entries; ``today`` lets the dates say "today" and "3 days late"."""
        self.beginResetModel()
        self._rows = list(entries)
        self._today = today
        self.endResetModel()

    def entries(self) -> list[CalendarEntry]:
        """The entries, in model order."""
        return self.rows()

    def entry_at(self, row: int) -> CalendarEntry:
        """The entry on one row."""
        return self.row_at(row)

    @property
    def today(self) -> dt.date | None:
        """The day the entries are judged against."""
        return self._today

    def date_text(self, entry: CalendarEntry) -> str:
        """The day, with how far it is from today: 'Sun 29 Nov 2026 (36 days ago)'."""
        text = day_text(entry.day)
        if self._today is None or entry.day > self._today + dt.timedelta(days=1):
            return text
        return f"{text} ({relative_day(entry.day, self._today)})"

    def cell(self, row: CalendarEntry, column: int, role: int) -> Any:
        """What each cell shows, its colours, the entry itself (``ENTRY_ROLE``)."""
        if role != Qt.ItemDataRole.DisplayRole:
            return entry_role_data(
                row, role, status_column=column == EntryColumn.STATUS, bold=self._bold
            )
        if column == EntryColumn.STATUS:
            return row.status_label
        if column == EntryColumn.DATE:
            return self.date_text(row)
        if column == EntryColumn.WHAT:
            return row.kind_label
        return row.who


class EntryFilterProxy(QSortFilterProxyModel):
    """Keeps the entries an ``EntryFilter`` accepts (kind, and text in the child's name or ID)."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Start by showing everything."""
        super().__init__(parent)
        self._filter = EntryFilter()

    def set_filter(self, keep: EntryFilter) -> None:
        """Filter by ``keep``."""
        if keep == self._filter:
            return
        self.beginFilterChange()
        self._filter = keep
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        """True when the filter accepts the row's entry."""
        source = self.sourceModel()
        if not isinstance(source, EntryTableModel) or source_parent.isValid():
            return True
        return self._filter.accepts(source.entry_at(source_row))

    def entry_at(self, row: int) -> CalendarEntry:
        """The entry on one row of the proxy."""
        source = self.sourceModel()
        assert isinstance(source, EntryTableModel)
        return source.entry_at(self.mapToSource(self.index(row, 0)).row())


# -- the month grid ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthCell:
    """One day of the grid."""

    day: dt.date
    entries: tuple[CalendarEntry, ...]
    holiday: str | None
    is_today: bool
    in_month: bool


class MonthModel(QAbstractTableModel):
    """Six weeks of days, Monday to Sunday, around one month; each day with its entries."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Start on January 2000 with nothing in it; ``set_month`` shows a month."""
        super().__init__(parent)
        self.year = 2000
        self.month = 1
        self.today: dt.date | None = None
        self._cells: list[MonthCell] = self._blank_cells()

    def _blank_cells(self) -> list[MonthCell]:
        start = month_grid_start(self.year, self.month)
        return [
            MonthCell(start + dt.timedelta(days=n), (), None, False, False)
            for n in range(DAYS_SHOWN)
        ]

    def set_month(
        self,
        year: int,
        month: int,
        *,
        today: dt.date,
        entries: dict[dt.date, tuple[CalendarEntry, ...]],
        holidays: dict[dt.date, str],
    ) -> None:
        """Show ``month`` of ``year`` with the entries and bank holidays given (by day)."""
        start = month_grid_start(year, month)
        cells = []
        for n in range(DAYS_SHOWN):
            day = start + dt.timedelta(days=n)
            cells.append(
                MonthCell(
                    day=day,
                    entries=entries.get(day, ()),
                    holiday=holidays.get(day),
                    is_today=day == today,
                    in_month=day.month == month,
                )
            )
        self.beginResetModel()
        self.year, self.month, self.today = year, month, today
        self._cells = cells
        self.endResetModel()

    @property
    def first_day(self) -> dt.date:
        """The grid's top-left day."""
        return self._cells[0].day

    @property
    def last_day(self) -> dt.date:
        """The grid's bottom-right day."""
        return self._cells[-1].day

    def cell_at(self, index: AnyIndex) -> MonthCell | None:
        """The day at an index of this model."""
        if not index.isValid() or index.model() is not self:
            return None
        if not (0 <= index.row() < WEEKS_SHOWN and 0 <= index.column() < 7):
            return None
        return self._cells[index.row() * 7 + index.column()]

    def cell(self, day: dt.date) -> MonthCell | None:
        """The cell of a day, or None when the day is not in the grid."""
        offset = (day - self.first_day).days
        if 0 <= offset < DAYS_SHOWN:
            return self._cells[offset]
        return None

    def index_of(self, day: dt.date) -> QModelIndex:
        """The index of a day's cell (invalid when the day is not in the grid)."""
        offset = (day - self.first_day).days
        if not 0 <= offset < DAYS_SHOWN:
            return QModelIndex()
        return self.index(offset // 7, offset % 7)

    def entry_count(self) -> int:
        """How many entries the grid holds."""
        return sum(len(cell.entries) for cell in self._cells)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Six weeks."""
        return 0 if parent.isValid() else WEEKS_SHOWN

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Seven days, Monday first."""
        return 0 if parent.isValid() else 7

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Weekday names across the top; ISO week numbers down the side."""
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < 7:
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return WEEKDAYS[section]
            if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
                return WEEKDAY_NAMES[section]
            return None
        if not 0 <= section < WEEKS_SHOWN:
            return None
        week = self._cells[section * 7].day.isocalendar().week
        if role == Qt.ItemDataRole.DisplayRole:
            return f"W{week}"
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"Week {week}"
        return None

    def cell_summary(self, cell: MonthCell) -> str:
        """The day in words with what is on it, for screen readers and tooltips."""
        head = day_text(cell.day)
        if cell.is_today:
            head += ", today"
        if cell.holiday:
            head += f", bank holiday: {cell.holiday}"
        if not cell.entries:
            return f"{head}: nothing due"
        lines = [f"{head}: {len(cell.entries)} item" + ("s" if len(cell.entries) != 1 else "")]
        shown = cell.entries[:25]
        lines.extend(
            f"{entry.status_label} {entry.kind_label}: {entry.who}" for entry in shown
        )
        if len(cell.entries) > len(shown):
            lines.append(f"…and {len(cell.entries) - len(shown)} more")
        return "\n".join(lines)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """A day: its date, entries, bank holiday, whether today and in the month."""
        if not index.isValid() or not (
            0 <= index.row() < WEEKS_SHOWN and 0 <= index.column() < 7
        ):
            return None
        cell = self._cells[index.row() * 7 + index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "\n".join([str(cell.day.day), *(entry.cell_text for entry in cell.entries)])
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.cell_summary(cell)
        if role == DATE_ROLE:
            return cell.day
        if role == ENTRIES_ROLE:
            return cell.entries
        if role == HOLIDAY_ROLE:
            return cell.holiday
        if role == TODAY_ROLE:
            return cell.is_today
        if role == IN_MONTH_ROLE:
            return cell.in_month
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Days are selectable, not editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


# -- the agenda -------------------------------------------------------------------------------


class AgendaColumn(IntEnum):
    """The agenda's columns."""

    STATUS = 0
    WHAT = 1
    CHILD = 2
    DETAIL = 3


AGENDA_HEADERS: dict[AgendaColumn, tuple[str, str]] = {
    AgendaColumn.STATUS: ("Day / status", "The day, then each item's status"),
    AgendaColumn.WHAT: ("What", "The review, visit, paperwork, decision or challenge"),
    AgendaColumn.CHILD: ("Child", "The child and their ID (or the foster carer household)"),
    AgendaColumn.DETAIL: ("Detail", "Deadlines, booking and why"),
}

_DAY_ROW = 0  # internal id of a day row; an entry row's id is its day's row + 1


@dataclass(frozen=True)
class AgendaDay:
    """One day of the agenda with its entries."""

    day: dt.date
    holiday: str | None
    entries: tuple[CalendarEntry, ...]


class AgendaModel(QAbstractItemModel):
    """The coming weeks, day by day: a row per day with entries, the entries under it."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Start empty; ``set_days`` fills it."""
        super().__init__(parent)
        self._headers = titles_and_tips(AGENDA_HEADERS[column] for column in AgendaColumn)
        self._days: list[AgendaDay] = []
        self._today: dt.date | None = None
        self._bold = _bold_font()

    def set_days(self, days: Sequence[AgendaDay], today: dt.date) -> None:
        """Show these days (in date order), judged against ``today``."""
        self.beginResetModel()
        self._days = sorted(days, key=lambda day: day.day)
        self._today = today
        self.endResetModel()

    def days(self) -> list[AgendaDay]:
        """The days listed."""
        return list(self._days)

    def entry_count(self) -> int:
        """How many entries are listed."""
        return sum(len(day.entries) for day in self._days)

    def day_title(self, agenda_day: AgendaDay) -> str:
        """'Mon 4 Jan 2027 — today · 3 items · Bank holiday: …'."""
        parts = [day_text(agenda_day.day)]
        if agenda_day.day == self._today:
            parts[0] += " — today"
        elif self._today is not None and agenda_day.day == self._today + dt.timedelta(days=1):
            parts[0] += " — tomorrow"
        count = len(agenda_day.entries)
        parts.append(f"{count} item" + ("s" if count != 1 else ""))
        if agenda_day.holiday:
            parts.append(f"Bank holiday: {agenda_day.holiday}")
        return " · ".join(parts)

    def day_index(self, day: dt.date) -> QModelIndex:
        """The row of a day (invalid when nothing is on that day)."""
        for row, agenda_day in enumerate(self._days):
            if agenda_day.day == day:
                return self.index(row, 0)
        return QModelIndex()

    def index(
        self,
        row: int,
        column: int,
        parent: AnyIndex = QModelIndex(),  # noqa: B008
    ) -> QModelIndex:
        """Days at the top level; entries under their day."""
        if not 0 <= column < len(AgendaColumn) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row >= len(self._days):
                return QModelIndex()
            return self.createIndex(row, column, _DAY_ROW)
        if parent.internalId() != _DAY_ROW or parent.column() != 0:
            return QModelIndex()
        day_row = parent.row()
        if not 0 <= day_row < len(self._days) or row >= len(self._days[day_row].entries):
            return QModelIndex()
        return self.createIndex(row, column, day_row + 1)

    def parent(self, child: AnyIndex | None = None) -> Any:  # type: ignore[override]
        """An entry's parent is its day; a day has none. With no index: the QObject parent."""
        if child is None:
            return super().parent()
        if not child.isValid() or child.internalId() == _DAY_ROW:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, _DAY_ROW)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Days at the top; a day's entries under it (only in the first column)."""
        if not parent.isValid():
            return len(self._days)
        if parent.internalId() != _DAY_ROW or parent.column() != 0:
            return 0
        if not 0 <= parent.row() < len(self._days):
            return 0
        return len(self._days[parent.row()].entries)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """The columns in ``AgendaColumn``, at every level."""
        return len(AgendaColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles and their tooltips."""
        return header_data(self._headers, section, orientation, role)

    def entry_of(self, index: AnyIndex) -> CalendarEntry | None:
        """The entry on a row (None on a day row)."""
        if not index.isValid() or index.internalId() == _DAY_ROW:
            return None
        day_row = index.internalId() - 1
        if not 0 <= day_row < len(self._days):
            return None
        entries = self._days[day_row].entries
        return entries[index.row()] if 0 <= index.row() < len(entries) else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """A day's title, or an entry's status, what, child and detail."""
        if not index.isValid():
            return None
        if index.internalId() == _DAY_ROW:
            if not 0 <= index.row() < len(self._days):
                return None
            agenda_day = self._days[index.row()]
            if role == DATE_ROLE:
                return agenda_day.day
            if index.column() != 0:
                return None
            if role in (
                Qt.ItemDataRole.DisplayRole,
                Qt.ItemDataRole.ToolTipRole,
                Qt.ItemDataRole.AccessibleTextRole,
            ):
                return self.day_title(agenda_day)
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            return None
        entry = self.entry_of(index)
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == AgendaColumn.STATUS:
                return entry.status_label
            if column == AgendaColumn.WHAT:
                return entry.kind_label
            if column == AgendaColumn.CHILD:
                return entry.who
            return entry.detail
        return entry_role_data(
            entry, role, status_column=column == AgendaColumn.STATUS, bold=self._bold
        )

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Days and entries are selectable, not editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.internalId() != _DAY_ROW:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags


def agenda_days(
    entries: Iterable[CalendarEntry],
    start: dt.date,
    end: dt.date,
    keep: EntryFilter,
    holidays: dict[dt.date, str],
) -> list[AgendaDay]:
    """The days from ``start`` to ``end`` that have entries ``keep`` accepts."""
    return [
        AgendaDay(day=day, holiday=holidays.get(day), entries=day_entries)
        for day, day_entries in sorted(entries_by_day(entries, start, end, keep).items())
    ]
