"""The calendar window: what is overdue and due soon, a month of days, and the coming weeks.

``CalendarView`` is the main window's home tab. From the top left:

* the **Overdue and due soon** panel — every overdue or due-soon item on the caseload, overdue
  first, each line with its status in a symbol and words, what it is, the child and the date;
* the **selected day** — what is on the day chosen in the month;
* the **month** — six weeks of days, Monday first; each day lists its reviews, visits,
  paperwork, decisions and challenge responses (an item sits on its booked date, else on its
  deadline) and the reviews held that day, coloured by status with a symbol in each line;
  at most as many lines as fit, then "+3 more"; today is outlined, bank holidays are named;
* the **agenda** — the next six weeks, day by day.

Filters (kind of item, and the child's name or ID) apply to all of them. Double-click or Enter
on any item emits ``child_activated(uuid.UUID)``. Reviews are booked, moved, stood down or
cancelled from the toolbar or an item's context menu (``booking_dialog``), and
"Export to calendar (.ics)…" writes the booked reviews and visits for Outlook.

Keyboard, in the month: arrows move the day, PageUp/PageDown change the month, Home goes to
today, Enter opens the day's item (or moves to the day's list when it has several).

Data: the calendar shows one ``calendar_model.DueSchedule`` — ``schedule.due_items`` for the
whole caseload (the panel must show every overdue item whatever its date, and due_items works
out every track before it applies a range) — and the reviews held in the six weeks shown;
changing month re-reads only the reviews held, then re-sorts the items already read. In the
main window the schedule comes from the window's own refresh (``schedule_source``), so one
refresh works it out once; on its own the calendar reads it off the GUI thread
(``background.BackgroundReader``). Either way ``refresh()`` returns at once, what was shown stays
until the new schedule is applied, and ``refreshed()`` fires then.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QToolButton,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import Session

from iro_desk.clock import Clock
from iro_desk.ics_export import export_ics
from iro_desk.schedule import ITEM_KINDS, DueItem, day_text, due_items
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.background import BackgroundReader
from iro_desk.ui.booking_dialog import BookingDialog, CallOffDialog
from iro_desk.ui.calendar_model import (
    KIND_FILTERS,
    SHORT_KINDS,
    AgendaColumn,
    AgendaModel,
    CalendarEntry,
    DueSchedule,
    EntryFilter,
    EntryFilterProxy,
    EntryTableModel,
    MonthCell,
    MonthModel,
    agenda_days,
    entries_by_day,
    entry_at_index,
    entry_status_label,
    held_reviews_between,
    month_grid_days,
    relative_day,
    urgent_entries,
)
from iro_desk.ui.errors import show_exception
from iro_desk.ui.theme import is_dark, status_background, status_colour, status_style
from iro_desk.workdays import add_months, working_days

AnyIndex = QModelIndex | QPersistentModelIndex

AGENDA_WEEKS = 6
_PAD = 3  # space inside a day cell, in device-independent pixels
_GAP = 2  # space between entries


# -- how entries look -------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryColours:
    """How one entry is painted in the month."""

    fill: QColor
    text: QColor
    bar: QColor
    bold: bool


def entry_colours(status: str, palette: QPalette | None = None) -> EntryColours:
    """The colours of an entry of ``status`` on ``palette`` (default: the application's).

    Overdue entries are filled with the overdue colour itself (white, or on a dark palette
    near-black, text), so they stand out from every other entry; the rest have their status
    colour as text and a bar on a soft background. The symbol carries the status too.
    """
    palette = palette or QGuiApplication.palette()
    strong = status_colour(status, palette)
    if status == "overdue":
        text = QColor("#1b1b1b") if is_dark(palette) else QColor("#ffffff")
        return EntryColours(fill=strong, text=text, bar=strong.darker(140), bold=True)
    return EntryColours(
        fill=status_background(status, palette), text=strong, bar=strong, bold=False
    )


def _mix(first: QColor, second: QColor, amount: float) -> QColor:
    return QColor.fromRgbF(
        first.redF() + (second.redF() - first.redF()) * amount,
        first.greenF() + (second.greenF() - first.greenF()) * amount,
        first.blueF() + (second.blueF() - first.blueF()) * amount,
    )


@dataclass(frozen=True)
class CellLayout:
    """Where things go in one day cell."""

    header: QRect
    entries: tuple[QRect, ...]
    more: QRect | None
    more_count: int


def cell_layout(rect: QRect, metrics: QFontMetrics, count: int) -> CellLayout:
    """Lay out a day: the date line, then as many entries as fit, then "+n more"."""
    line = metrics.height() + 4
    header = QRect(rect.left() + _PAD, rect.top() + 1, rect.width() - 2 * _PAD, line)
    top = header.bottom() + 1
    slots = max(0, (rect.bottom() - _PAD - top + 1 + _GAP) // (line + _GAP))
    if count <= slots:
        shown, more = count, 0
    else:
        shown = max(0, slots - 1)
        more = count - shown

    def slot(number: int) -> QRect:
        return QRect(
            rect.left() + _PAD, top + number * (line + _GAP), rect.width() - 2 * _PAD, line
        )

    more_rect = None
    if more:
        more_rect = slot(shown) if slots else header
    return CellLayout(header, tuple(slot(n) for n in range(shown)), more_rect, more)


def _month_cell(index: AnyIndex) -> MonthCell | None:
    # The day at a month index, read straight from the model (as calendar_model.entry_at_index).
    model = index.model() if index.isValid() else None
    return model.cell_at(index) if isinstance(model, MonthModel) else None


class MonthDelegate(QStyledItemDelegate):
    """Paints a day: its number, bank holiday, and entries as coloured lines with symbols."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Draw the cell at ``index``."""
        cell = _month_cell(index)
        if cell is None:
            return
        day, entries, holiday = cell.day, cell.entries, cell.holiday
        is_today, in_month = cell.is_today, cell.in_month
        palette = option.palette
        rect = QRect(option.rect)
        metrics = QFontMetrics(option.font)
        painter.save()

        base = palette.color(QPalette.ColorRole.Base)
        window = palette.color(QPalette.ColorRole.Window)
        if not in_month:
            background = _mix(base, window, 0.85)
        elif day.weekday() >= 5 or holiday:
            background = _mix(base, window, 0.5)
        else:
            background = base
        painter.fillRect(rect, background)
        if option.state & QStyle.StateFlag.State_Selected:
            tint = QColor(palette.color(QPalette.ColorRole.Highlight))
            tint.setAlpha(70)
            painter.fillRect(rect, tint)

        layout = cell_layout(rect, metrics, len(entries))
        self._paint_header(painter, option, layout.header, day, holiday, is_today, in_month)
        for entry, entry_rect in zip(entries, layout.entries, strict=False):
            self._paint_entry(painter, option, entry_rect, entry)
        if layout.more_count and layout.more is not None:
            painter.setFont(option.font)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            text = f"+{layout.more_count} more"
            align = Qt.AlignmentFlag.AlignVCenter
            align |= Qt.AlignmentFlag.AlignRight if layout.more is layout.header else (
                Qt.AlignmentFlag.AlignLeft
            )
            painter.drawText(layout.more.adjusted(6, 0, -2, 0), align, text)

        if is_today:
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 3)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        elif option.state & QStyle.StateFlag.State_HasFocus:
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        painter.restore()

    def _paint_header(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        header: QRect,
        day: dt.date,
        holiday: str | None,
        is_today: bool,
        in_month: bool,
    ) -> None:
        palette = option.palette
        font = QFont(option.font)
        font.setBold(is_today or day.day == 1)
        painter.setFont(font)
        if in_month:
            painter.setPen(palette.color(QPalette.ColorRole.Text))
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        number = f"{day.day} {day:%b}" if day.day == 1 else str(day.day)
        area = header.adjusted(3, 0, -2, 0)
        painter.drawText(area, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, number)
        used = QFontMetrics(font).horizontalAdvance(number) + 8
        rest = area.adjusted(used, 0, 0, 0)
        words = []
        if is_today:
            words.append("Today")
        if holiday:
            words.append(holiday)
        if not words or rest.width() <= 10:
            return
        small = QFont(option.font)
        small.setItalic(bool(holiday) and not is_today)
        small.setBold(is_today)
        painter.setFont(small)
        text = QFontMetrics(small).elidedText(
            " · ".join(words), Qt.TextElideMode.ElideRight, rest.width()
        )
        painter.drawText(rest, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)

    def _paint_entry(
        self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect, entry: CalendarEntry
    ) -> None:
        colours = entry_colours(entry.status, option.palette)
        painter.fillRect(rect, colours.fill)
        painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), colours.bar)
        painter.setPen(colours.text)
        area = rect.adjusted(6, 0, -2, 0)
        # The symbol and kind in bold, then the child: "⚠ CiC Ada E."
        bold = QFont(option.font)
        bold.setBold(True)
        head = f"{status_style(entry.status).symbol} {entry.short_kind}"
        head_metrics = QFontMetrics(bold)
        painter.setFont(bold)
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        shown = head_metrics.elidedText(head, Qt.TextElideMode.ElideRight, area.width())
        painter.drawText(area, align, shown)
        rest = area.adjusted(head_metrics.horizontalAdvance(head + " "), 0, 0, 0)
        if shown != head or rest.width() < 12:
            return
        font = bold if colours.bold else QFont(option.font)
        painter.setFont(font)
        name = QFontMetrics(font).elidedText(
            entry.short_name, Qt.TextElideMode.ElideRight, rest.width()
        )
        painter.drawText(rest, align, name)

    def entry_at(
        self, rect: QRect, index: AnyIndex, pos: QPoint, metrics: QFontMetrics
    ) -> CalendarEntry | str | None:
        """The entry painted at ``pos`` in the cell ``rect``; "more" on "+n more"; else None."""
        cell = _month_cell(index)
        entries = cell.entries if cell is not None else ()
        layout = cell_layout(rect, metrics, len(entries))
        for entry, entry_rect in zip(entries, layout.entries, strict=False):
            if entry_rect.contains(pos):
                return entry
        if layout.more is not None and layout.more.contains(pos):
            return "more"
        return None

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: AnyIndex,
    ) -> bool:
        """The tooltip of the entry under the mouse, else of the whole day."""
        if event.type() == QEvent.Type.ToolTip and index.isValid():
            found = self.entry_at(option.rect, index, event.pos(), QFontMetrics(option.font))
            if isinstance(found, CalendarEntry):
                QToolTip.showText(event.globalPos(), found.sentence, view)
                return True
        return super().helpEvent(event, view, option, index)


class EntryListDelegate(QStyledItemDelegate):
    """Paints an entry on two lines: its status (symbol and words), what and date; then who.

    Overdue entries sit on the overdue background with the status filled in the overdue
    colour, as in the month; the others have a bar of their status colour.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        """A delegate judging "36 days ago" against ``today`` (set it on each refresh)."""
        super().__init__(parent)
        self.today: dt.date | None = None

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        """Two lines of text."""
        line = QFontMetrics(option.font).height() + 2
        return QSize(240, 2 * line + 12)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Draw the entry at ``index``."""
        entry = entry_at_index(index)
        if entry is None:
            super().paint(painter, option, index)
            return
        palette = option.palette
        rect = QRect(option.rect)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colours = entry_colours(entry.status, palette)
        painter.save()
        background = (
            status_background("overdue", palette)
            if entry.status == "overdue"
            else palette.color(QPalette.ColorRole.Base)
        )
        foreground = palette.color(QPalette.ColorRole.Text)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        if selected:
            # A tint and a frame, so the status colours still show on the chosen line.
            background = _mix(background, highlight, 0.3)
        painter.fillRect(rect, background)
        painter.fillRect(QRect(rect.left(), rect.top(), 5, rect.height()), colours.bar
                         if entry.status == "overdue" else status_colour(entry.status, palette))

        metrics = QFontMetrics(option.font)
        line = metrics.height() + 2
        first = QRect(rect.left() + 11, rect.top() + 5, rect.width() - 17, line)
        second = first.translated(0, line + 2)
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft

        bold = QFont(option.font)
        bold.setBold(True)
        bold_metrics = QFontMetrics(bold)
        chip_text = entry.status_label
        chip = QRect(first.left(), first.top(), bold_metrics.horizontalAdvance(chip_text) + 12,
                     line)
        painter.fillRect(chip, colours.fill)
        painter.setFont(bold)
        painter.setPen(colours.text)
        painter.drawText(chip.adjusted(6, 0, 0, 0), align, chip_text)

        date = day_text(entry.day)
        date_width = metrics.horizontalAdvance(date)
        painter.setFont(option.font)
        painter.setPen(foreground)
        painter.drawText(first, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, date)
        what = QRect(chip.right() + 8, first.top(), first.right() - chip.right() - date_width - 16,
                     line)
        painter.setFont(bold)
        painter.drawText(
            what, align, bold_metrics.elidedText(entry.kind_label, Qt.TextElideMode.ElideRight,
                                                 max(0, what.width()))
        )

        who = entry.who
        if self.today is not None:
            who += f" · {relative_day(entry.day, self.today)}"
        painter.setFont(option.font)
        painter.drawText(
            second, align, metrics.elidedText(who, Qt.TextElideMode.ElideRight, second.width())
        )

        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        if selected:
            pen = QPen(highlight, 2)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(foreground, 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(3, 3, -4, -4))
        painter.restore()


class _KeyboardMenu:
    """A view whose context menu, from the Menu key or Shift+F10, is the current item's.

    The menu is asked for with ``customContextMenuRequested`` (viewport coordinates), at the
    mouse for a right-click and at the current item for the keyboard.
    """

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Ask for the menu of the item under the mouse, or of the current item."""
        view = cast(QAbstractItemView, self)
        pos = event.pos()
        current = view.currentIndex()
        if event.reason() == QContextMenuEvent.Reason.Keyboard and current.isValid():
            pos = view.visualRect(current).center()
        view.customContextMenuRequested.emit(pos)
        event.accept()


class EntryListView(_KeyboardMenu, QListView):
    """The overdue list and the day's list."""


class AgendaTreeView(_KeyboardMenu, QTreeView):
    """The agenda."""


class MonthTableView(_KeyboardMenu, QTableView):
    """The month grid: keys move by day and month; double-click opens the entry under it."""

    day_requested = Signal(object)  # dt.date: the IRO moved to this day
    today_requested = Signal()
    day_activated = Signal(object)  # dt.date: Enter on a day
    entry_activated = Signal(object)  # CalendarEntry double-clicked
    more_activated = Signal(object)  # dt.date: "+n more" or an empty part double-clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        """A grid that fills its space: every week and day the same size."""
        super().__init__(parent)
        self.month_delegate = MonthDelegate(self)
        self.setItemDelegate(self.month_delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setHighlightSections(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setHighlightSections(False)
        self.verticalHeader().hide()  # ISO week numbers stay in the model for screen readers
        self.verticalHeader().setMinimumSectionSize(self.fontMetrics().height() * 2 + 12)
        self.setMinimumHeight(self.fontMetrics().height() * 20)

    def current_day(self) -> dt.date | None:
        """The day of the current cell."""
        cell = _month_cell(self.currentIndex())
        return cell.day if cell is not None else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrows: a day or a week; PageUp/PageDown: a month; Home: today; Enter: open."""
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        day = self.current_day()
        if day is None or modifiers not in (Qt.KeyboardModifier.NoModifier,):
            super().keyPressEvent(event)
            return
        steps = {
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_Up: -7,
            Qt.Key.Key_Down: 7,
        }
        if key in steps:
            self.day_requested.emit(day + dt.timedelta(days=steps[key]))
        elif key == Qt.Key.Key_PageUp:
            self.day_requested.emit(add_months(day, -1))
        elif key == Qt.Key.Key_PageDown:
            self.day_requested.emit(add_months(day, 1))
        elif key == Qt.Key.Key_Home:
            self.today_requested.emit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.day_activated.emit(day)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def entry_at(self, pos: QPoint) -> CalendarEntry | str | None:
        """The entry (or "more") at a point of the viewport."""
        index = self.indexAt(pos)
        if not index.isValid():
            return None
        return self.month_delegate.entry_at(
            self.visualRect(index), index, pos, QFontMetrics(self.font())
        )

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Open the entry double-clicked; on "+n more" or a blank part, list the day."""
        pos = event.position().toPoint()
        index = self.indexAt(pos)
        if not index.isValid() or event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        found = self.entry_at(pos)
        if isinstance(found, CalendarEntry):
            self.entry_activated.emit(found)
        else:
            cell = _month_cell(index)
            if cell is not None:
                self.more_activated.emit(cell.day)
        event.accept()


class StatusLegend(QWidget):
    """What the colours and symbols mean, painted exactly as the month paints them."""

    STATUSES = ("overdue", "due_soon", "scheduled", "upcoming", "done")

    def __init__(self, parent: QWidget | None = None) -> None:
        """A one-line legend under the month."""
        super().__init__(parent)
        self.setAccessibleName("Key to the calendar")
        self.setAccessibleDescription(self.text())
        self.setToolTip(self.text())
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    @staticmethod
    def kinds_text() -> str:
        """The short names used in the month that need spelling out."""
        return (
            f"{SHORT_KINDS['cla_review']}: child in care · "
            f"{SHORT_KINDS['cp_conference']}: child protection · "
            f"{SHORT_KINDS['private_fostering_review']}: private fostering"
        )

    @staticmethod
    def all_kinds_text() -> str:
        """Every short name in the month, spelled out."""
        return " · ".join(
            f"{short}: {ITEM_KINDS[kind].lower()}" for kind, short in SHORT_KINDS.items()
        )

    def text(self) -> str:
        """The legend in words."""
        statuses = ", ".join(entry_status_label(status) for status in self.STATUSES)
        return f"{statuses}. {self.all_kinds_text()}."

    def sizeHint(self) -> QSize:
        """One line of entries."""
        return QSize(600, self.fontMetrics().height() + 10)

    def paintEvent(self, _event: QPaintEvent) -> None:
        """Each status as a month entry, then the short names."""
        painter = QPainter(self)
        metrics = self.fontMetrics()
        height = metrics.height() + 4
        x = 2
        top = (self.height() - height) // 2
        for status in self.STATUSES:
            colours = entry_colours(status, self.palette())
            font = QFont(self.font())
            font.setBold(colours.bold)
            text = entry_status_label(status)
            width = QFontMetrics(font).horizontalAdvance(text) + 14
            rect = QRect(x, top, width, height)
            painter.fillRect(rect, colours.fill)
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), colours.bar)
            painter.setFont(font)
            painter.setPen(colours.text)
            painter.drawText(rect.adjusted(7, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)
            x += width + 6
        painter.setFont(self.font())
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        rest = QRect(x + 8, top, self.width() - x - 10, height)
        painter.drawText(
            rest,
            Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(self.kinds_text(), Qt.TextElideMode.ElideRight, rest.width()),
        )
        painter.end()


# -- the window -------------------------------------------------------------------------------


def _entry_list(name: str, model: QObject, delegate: EntryListDelegate) -> EntryListView:
    view = EntryListView()
    view.setAccessibleName(name)
    view.setModel(model)  # type: ignore[arg-type]
    view.setItemDelegate(delegate)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setUniformItemSizes(True)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return view


def _heading(text: str, scale: float = 1.15) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


@dataclass(frozen=True)
class _CalendarReading:
    """What the calendar read for itself: the schedule and the reviews held in the month."""

    schedule: DueSchedule
    held_range: tuple[dt.date, dt.date]
    held: list[CalendarEntry]


class CalendarView(QWidget):
    """The IRO's calendar: overdue and due soon first, then the month and the coming weeks.

    Signals:
        child_activated(uuid.UUID): the IRO asked to open a child (double-click or Enter).
        changed(): a review was booked, moved, stood down or cancelled here.
        status_message(str): something worth a line in the status bar.
        refreshed(): a schedule read after ``refresh()`` is shown.
    """

    child_activated = Signal(object)
    changed = Signal()
    status_message = Signal(str)
    refreshed = Signal()

    def __init__(
        self,
        store: CaseloadStore,
        *,
        clock: Clock,
        settings: Settings | None = None,
        settings_loader: Callable[[], Settings] | None = None,
        schedule_source: Callable[[], DueSchedule | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """A calendar of ``store``.

        Args:
            store: The caseload.
            clock: Says what day it is.
            settings: Settings to use; when neither this nor ``settings_loader`` is given,
                they are read from the caseload at each refresh.
            settings_loader: Called at each refresh for the settings (e.g. the main window's).
            schedule_source: Gives the schedule to show (e.g. the main window's, read once
                per refresh); None from it means a read is under way and another
                ``refresh()`` will follow. Without it the calendar reads the schedule itself.
            parent: The parent widget.
        """
        super().__init__(parent)
        self.store = store
        self.clock = clock
        self._given_settings = settings
        self._settings_loader = settings_loader
        self._schedule_source = schedule_source
        self._reader = BackgroundReader(self)
        self._reader.finished.connect(self._own_reading_done)
        self._reader.failed.connect(lambda exc: show_exception(self, exc))
        self._reader.busy_changed.connect(self._show_reading)
        self.settings = settings or Settings()
        self.today = clock.today()
        self._items: list[DueItem] = []
        self._entries: list[CalendarEntry] = []
        self._held: list[CalendarEntry] = []
        self._held_range: tuple[dt.date, dt.date] | None = None
        self._filter = EntryFilter()
        self._current_entry: CalendarEntry | None = None
        # Set by the main window: the child to book for when Book review… is chosen from
        # the menu while another view has a child selected (None: the calendar's choice).
        self.preferred_child: Callable[[], uuid.UUID | None] | None = None
        self._selected_day = self.today
        self.dialog: QDialog | None = None
        self.setObjectName("calendar_view")
        self.setAccessibleName("Calendar")

        self._build_models()
        self._build_actions()
        self._build_layout()
        self._connect()
        self.month_model.set_month(
            self.today.year, self.today.month, today=self.today, entries={}, holidays={}
        )
        self.setFocusProxy(self.panel_view)
        self.refresh()

    # -- building -------------------------------------------------------------------------
    def _build_models(self) -> None:
        self.panel_model = EntryTableModel(parent=self)
        self.panel_proxy = EntryFilterProxy(self)
        self.panel_proxy.setSourceModel(self.panel_model)
        self.day_model = EntryTableModel(parent=self)
        self.month_model = MonthModel(self)
        self.agenda_model = AgendaModel(self)

    def _action(
        self, name: str, text: str, slot: Callable[[], object], *, shortcut: str = "", tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.open_child_action = self._action(
            "calendar_open_child",
            "&Open child record",
            self.open_current_child,
            tip="Open the record of the child this item is about",
        )
        self.book_action = self._action(
            "calendar_book_review",
            "&Book review…",
            self.book_review,
            shortcut="Ctrl+B",
            tip="Book the date of a review that is due (Ctrl+B)",
        )
        self.move_action = self._action(
            "calendar_move_review",
            "&Move review…",
            self.move_review,
            shortcut="Ctrl+Shift+B",
            tip="Move the selected booked review to another date (Ctrl+Shift+B)",
        )
        self.stand_down_action = self._action(
            "calendar_stand_down_review",
            "&Stand down review…",
            lambda: self.call_off_review(mode="stand_down"),
            tip="The selected booked review is no longer needed",
        )
        self.cancel_action = self._action(
            "calendar_cancel_review",
            "&Cancel review…",
            lambda: self.call_off_review(mode="cancel"),
            tip="The selected booked review will not happen on that date",
        )
        self.export_action = self._action(
            "calendar_export_ics",
            "&Export to calendar (.ics)…",
            self.export_ics_file,
            tip="Write booked reviews and planned visits to a file Outlook can import",
        )
        self.actions_by_name = {
            action.objectName(): action
            for action in (
                self.open_child_action,
                self.book_action,
                self.move_action,
                self.stand_down_action,
                self.cancel_action,
                self.export_action,
            )
        }
        self._update_actions()

    def _tool_button(self, action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setAccessibleName(action.text().replace("&", "").rstrip("…"))
        return button

    def _build_layout(self) -> None:
        # Month navigation.
        self.previous_button = QToolButton()
        self.previous_button.setText("‹ Previous")
        self.previous_button.setToolTip("The month before (PageUp in the month)")
        self.previous_button.setAccessibleName("Previous month")
        self.today_button = QToolButton()
        self.today_button.setText("Today")
        self.today_button.setToolTip("Back to today (Home in the month)")
        self.today_button.setAccessibleName("Go to today")
        self.next_button = QToolButton()
        self.next_button.setText("Next ›")
        self.next_button.setToolTip("The month after (PageDown in the month)")
        self.next_button.setAccessibleName("Next month")
        self.month_label = _heading("", 1.3)
        self.month_label.setObjectName("month_label")
        self.month_label.setAccessibleName("Month shown")
        self.month_label.setMinimumWidth(self.month_label.fontMetrics().horizontalAdvance(
            "September 2027") + 16)

        # Filters.
        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("kind_filter")
        self.kind_filter.setAccessibleName("Show which kind of item")
        for text, key in KIND_FILTERS:
            self.kind_filter.addItem(text, key)
        self.kind_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        kind_label = QLabel("Sho&w:")
        kind_label.setBuddy(self.kind_filter)
        self.child_filter = QLineEdit()
        self.child_filter.setObjectName("child_filter")
        self.child_filter.setAccessibleName("Filter by child's name or ID")
        self.child_filter.setPlaceholderText("Name or child ID")
        self.child_filter.setClearButtonEnabled(True)
        self.child_filter.setMinimumWidth(self.child_filter.fontMetrics().horizontalAdvance(
            "Name or child ID") + 40)
        child_label = QLabel("Ch&ild:")
        child_label.setBuddy(self.child_filter)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        for widget in (self.previous_button, self.today_button, self.next_button):
            top.addWidget(widget)
        top.addSpacing(8)
        top.addWidget(self.month_label)
        top.addStretch(1)
        top.addWidget(kind_label)
        top.addWidget(self.kind_filter)
        top.addSpacing(6)
        top.addWidget(child_label)
        top.addWidget(self.child_filter)
        top.addSpacing(6)
        top.addWidget(self._tool_button(self.book_action))
        top.addWidget(self._tool_button(self.export_action))

        # The panel: overdue and due soon.
        self.panel_heading = _heading("Overdue and due soon")
        self.panel_heading.setObjectName("panel_heading")
        self.overdue_count_label = QLabel()
        self.overdue_count_label.setObjectName("overdue_count")
        self.overdue_count_label.setAccessibleName("Number overdue")
        font = QFont(self.overdue_count_label.font())
        font.setBold(True)
        self.overdue_count_label.setFont(font)
        self.soon_count_label = QLabel()
        self.soon_count_label.setObjectName("due_soon_count")
        self.soon_count_label.setAccessibleName("Number due soon")
        self.list_delegate = EntryListDelegate(self)
        self.panel_view = _entry_list("Overdue and due soon", self.panel_proxy, self.list_delegate)
        self.panel_view.setObjectName("panel_view")
        panel_head = QHBoxLayout()
        panel_head.addWidget(self.panel_heading)
        panel_head.addStretch(1)
        panel_head.addWidget(self.overdue_count_label)
        panel_head.addSpacing(8)
        panel_head.addWidget(self.soon_count_label)
        panel = QWidget()
        panel.setAccessibleName("Overdue and due soon")
        panel_layout = QVBoxLayout(panel)
        panel_layout.setContentsMargins(0, 0, 0, 0)
        panel_layout.addLayout(panel_head)
        panel_layout.addWidget(self.panel_view, 1)

        # The selected day.
        self.day_heading = _heading("")
        self.day_heading.setObjectName("day_heading")
        self.day_heading.setAccessibleName("Day selected in the month")
        self.day_heading.setWordWrap(True)
        self.day_view = _entry_list("Items on the day selected", self.day_model, self.list_delegate)
        self.day_view.setObjectName("day_view")
        day_box = QWidget()
        day_box.setAccessibleName("Day selected")
        day_layout = QVBoxLayout(day_box)
        day_layout.setContentsMargins(0, 0, 0, 0)
        day_layout.addWidget(self.day_heading)
        day_layout.addWidget(self.day_view, 1)

        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.setChildrenCollapsible(False)
        self.left_splitter.addWidget(panel)
        self.left_splitter.addWidget(day_box)
        self.left_splitter.setStretchFactor(0, 3)
        self.left_splitter.setStretchFactor(1, 2)

        # The month and the agenda.
        self.month_view = MonthTableView()
        self.month_view.setObjectName("month_view")
        self.month_view.setAccessibleName("Month")
        self.month_view.setModel(self.month_model)
        self.legend = StatusLegend()
        month_page = QWidget()
        month_layout = QVBoxLayout(month_page)
        month_layout.setContentsMargins(0, 4, 0, 0)
        month_layout.addWidget(self.month_view, 1)
        month_layout.addWidget(self.legend)

        self.agenda_view = AgendaTreeView()
        self.agenda_view.setObjectName("agenda_view")
        self.agenda_view.setAccessibleName(f"Agenda: the next {AGENDA_WEEKS} weeks by day")
        self.agenda_view.setModel(self.agenda_model)
        self.agenda_view.setUniformRowHeights(True)
        self.agenda_view.setAlternatingRowColors(True)
        self.agenda_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.agenda_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        metrics = self.agenda_view.fontMetrics()
        for column, sample in (
            (AgendaColumn.STATUS, "⚠ Due soon      "),
            (AgendaColumn.WHAT, "Child protection conference"),
            (AgendaColumn.CHILD, "Hattie Copperkettle (DEMO-0000)"),
        ):
            self.agenda_view.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("calendar_tabs")
        self.tabs.setAccessibleName("Month or agenda")
        self.tabs.addTab(month_page, "&Month")
        self.tabs.addTab(self.agenda_view, f"&Agenda (next {AGENDA_WEEKS} weeks)")

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("calendar_splitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.left_splitter)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setSizes([400, 880])

        self.message_label = QLabel()
        self.message_label.setObjectName("calendar_message")
        self.message_label.setAccessibleName("Calendar messages")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.message_label)

        self.setTabOrder(self.panel_view, self.day_view)
        self.setTabOrder(self.day_view, self.tabs)
        self.setTabOrder(self.tabs, self.month_view)

    def _connect(self) -> None:
        self.previous_button.clicked.connect(lambda: self.step_month(-1))
        self.next_button.clicked.connect(lambda: self.step_month(1))
        self.today_button.clicked.connect(self.go_to_today)
        self.kind_filter.currentIndexChanged.connect(self._filters_changed)
        self.child_filter.textChanged.connect(self._filters_changed)
        self.child_filter.installEventFilter(self)

        for view in (self.panel_view, self.day_view, self.agenda_view):
            view.activated.connect(lambda index: self.activate_entry(entry_at_index(index)))
        self.panel_view.selectionModel().currentChanged.connect(self._entry_current_changed)
        self.day_view.selectionModel().currentChanged.connect(self._entry_current_changed)
        self.agenda_view.selectionModel().currentChanged.connect(self._entry_current_changed)
        for view in (self.panel_view, self.day_view, self.agenda_view):
            view.customContextMenuRequested.connect(
                lambda pos, shown=view: self._list_context_menu(shown, pos)
            )

        self.month_view.selectionModel().currentChanged.connect(self._month_current_changed)
        self.month_view.day_requested.connect(self.go_to_day)
        self.month_view.today_requested.connect(self.go_to_today)
        self.month_view.day_activated.connect(self._day_activated)
        self.month_view.more_activated.connect(self._focus_day_list)
        self.month_view.entry_activated.connect(self.activate_entry)
        self.month_view.customContextMenuRequested.connect(self._month_context_menu)

    # -- reading the caseload -------------------------------------------------------------
    def set_store(self, store: CaseloadStore) -> None:
        """Show another caseload (the main window opened another file)."""
        self._reader.cancel()
        self.store = store
        self._held_range = None
        self.refresh()

    def _read_settings(self, session: Session) -> Settings:
        if self._settings_loader is not None:
            return self._settings_loader()
        if self._given_settings is not None:
            return self._given_settings
        return load_settings(session)

    def refresh(self) -> None:
        """Show what is due again (after records changed), keeping the month, day and filters.

        Returns at once: the schedule of the ``schedule_source`` is shown now (when it has
        one), else the calendar reads it off the GUI thread; ``refreshed`` fires once shown.
        """
        if self._schedule_source is not None:
            schedule = self._schedule_source()
            if schedule is not None and schedule.store is self.store:
                self._show_schedule(schedule)
            return
        store = self.store
        today = self.clock.today()
        start, end = month_grid_days(self.month_model.year, self.month_model.month)
        settings = (
            self._settings_loader() if self._settings_loader is not None else self._given_settings
        )

        def read() -> _CalendarReading:
            with store.session() as session:
                used = settings if settings is not None else load_settings(session)
                items = due_items(session, today=today, settings=used)
                held = held_reviews_between(session, start, end)
            schedule = DueSchedule(store=store, today=today, settings=used, items=tuple(items))
            return _CalendarReading(schedule=schedule, held_range=(start, end), held=held)

        self._reader.start(read)

    @property
    def reading(self) -> bool:
        """True while the calendar reads the caseload itself."""
        return self._reader.busy

    def _show_reading(self, busy: bool) -> None:
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _own_reading_done(self, reading: _CalendarReading) -> None:
        if reading.schedule.store is not self.store:
            return  # read from a caseload no longer shown
        self._held = reading.held
        self._held_range = reading.held_range
        self._show_schedule(reading.schedule, held_read=True)

    def _show_schedule(self, schedule: DueSchedule, *, held_read: bool = False) -> None:
        """Show ``schedule``; the reviews held are read again unless ``held_read``."""
        if not held_read:
            self._held_range = None  # records changed: read the reviews held again
        today = schedule.today
        items = list(schedule.items)
        moved_on = today != self.today
        self.today = today
        self.settings = schedule.settings
        self._items = items
        self._entries = [CalendarEntry.from_item(item) for item in items]
        self.list_delegate.today = today
        chosen = self._current_entry
        self.panel_model.set_entries(urgent_entries(items), today)
        self._update_counts()
        self._show_agenda()
        day = self.today if moved_on else self._selected_day
        self._show_month(self.month_model.year, self.month_model.month, day)
        self._current_entry = chosen
        self._restore_current_entry()
        self._choose_in_panel(self._current_entry)
        self.refreshed.emit()

    def _read_held(self, start: dt.date, end: dt.date) -> bool:
        if self._held_range == (start, end):
            return True
        try:
            with self.store.session() as session:
                held = held_reviews_between(session, start, end)
        except Exception as exc:  # shown to the IRO
            show_exception(self, exc)
            return False
        self._held = held
        self._held_range = (start, end)
        return True

    def _holidays(self, start: dt.date, end: dt.date) -> dict[dt.date, str]:
        calendar = working_days(self.settings.nation)
        found = {}
        day = start
        while day <= end:
            name = calendar.holiday_name(day)
            if name:
                found[day] = name
            day += dt.timedelta(days=1)
        return found

    # -- showing --------------------------------------------------------------------------
    def _show_month(self, year: int, month: int, day: dt.date) -> None:
        start, end = month_grid_days(year, month)
        if not self._read_held(start, end):
            return
        by_day = entries_by_day([*self._entries, *self._held], start, end, self._filter)
        self.month_model.set_month(
            year, month, today=self.today, entries=by_day, holidays=self._holidays(start, end)
        )
        self.month_label.setText(dt.date(year, month, 1).strftime("%B %Y"))
        self._select_day(day)

    def _select_day(self, day: dt.date) -> None:
        index = self.month_model.index_of(day)
        if not index.isValid():
            day = dt.date(self.month_model.year, self.month_model.month, 1)
            index = self.month_model.index_of(day)
        self._selected_day = day
        selection = self.month_view.selectionModel()
        if self.month_view.currentIndex() == index:
            self._show_day(day)
        else:
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _show_day(self, day: dt.date) -> None:
        cell = self.month_model.cell(day)
        entries = cell.entries if cell else ()
        parts = [day_text(day)]
        if day == self.today:
            parts[0] += " (today)"
        if cell and cell.holiday:
            parts.append(f"bank holiday: {cell.holiday}")
        if entries:
            parts.append(f"{len(entries)} item" + ("s" if len(entries) != 1 else ""))
        else:
            parts.append("nothing due" + (" of the kind shown" if self._filter.active else ""))
        self.day_heading.setText(" · ".join(parts))
        self.day_model.set_entries(entries, self.today)

    def _show_agenda(self) -> None:
        start = self.today
        end = self.today + dt.timedelta(weeks=AGENDA_WEEKS) - dt.timedelta(days=1)
        days = agenda_days(self._entries, start, end, self._filter, self._holidays(start, end))
        self.agenda_model.set_days(days, self.today)
        for row in range(self.agenda_model.rowCount()):
            self.agenda_view.setFirstColumnSpanned(row, QModelIndex(), True)
        self.agenda_view.expandAll()

    def _update_counts(self) -> None:
        overdue = soon = 0
        for row in range(self.panel_proxy.rowCount()):
            status = self.panel_proxy.entry_at(row).status
            if status == "overdue":
                overdue += 1
            elif status == "due_soon":
                soon += 1
        self.overdue_count_label.setText(f"{entry_status_label('overdue')}: {overdue}")
        self.soon_count_label.setText(f"{entry_status_label('due_soon')}: {soon}")
        self._colour_label(self.overdue_count_label, "overdue" if overdue else "")
        self._colour_label(self.soon_count_label, "due_soon" if soon else "")
        if self.panel_proxy.rowCount() == 0:
            self.panel_view.setToolTip(
                "Nothing of the kind shown is overdue or due soon."
                if self._filter.active
                else "Nothing is overdue or due soon."
            )
        else:
            self.panel_view.setToolTip("")

    def _colour_label(self, label: QLabel, status: str) -> None:
        palette = label.palette()
        colour = (
            status_colour(status, self.palette())
            if status
            else self.palette().color(QPalette.ColorRole.WindowText)
        )
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        label.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        """Recolour the counts when the desktop switches between light and dark."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "panel_proxy"):
            self._update_counts()

    # -- moving about ---------------------------------------------------------------------
    @property
    def selected_day(self) -> dt.date:
        """The day selected in the month."""
        return self._selected_day

    def go_to_day(self, day: dt.date) -> None:
        """Select ``day``, showing its month when it is another month's."""
        if day.year != self.month_model.year or day.month != self.month_model.month:
            self._show_month(day.year, day.month, day)
        else:
            self._select_day(day)

    def go_to_today(self) -> None:
        """Show this month with today selected."""
        self.go_to_day(self.today)
        self.month_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def step_month(self, months: int) -> None:
        """Show the month ``months`` after (or before) the one shown, on the same day number."""
        self.go_to_day(add_months(self._selected_day, months))

    def _month_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        cell = _month_cell(current)
        if cell is None:
            return
        day = cell.day
        self._selected_day = day
        self._show_day(day)
        entries = cell.entries
        if self.month_view.hasFocus():
            self._set_current_entry(entries[0] if len(entries) == 1 else None)

    def _filters_changed(self) -> None:
        self._filter = EntryFilter(
            kind=self.kind_filter.currentData(), text=self.child_filter.text()
        )
        self.panel_proxy.set_filter(self._filter)
        self._update_counts()
        self._show_agenda()
        self._show_month(self.month_model.year, self.month_model.month, self._selected_day)

    def set_filter(self, *, kind: str | None = None, text: str = "") -> None:
        """Show only items of ``kind`` (a ``KIND_FILTERS`` key) whose child matches ``text``."""
        keys = [key for _text, key in KIND_FILTERS]
        if kind not in keys:
            raise ValueError(f"unknown kind filter {kind!r}")
        self.kind_filter.setCurrentIndex(keys.index(kind))
        self.child_filter.setText(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the child filter, Escape clears it and Down moves to the panel."""
        if watched is self.child_filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape and self.child_filter.text():
                self.child_filter.clear()
                return True
            if event.key() == Qt.Key.Key_Down:
                self.panel_view.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return True
        return super().eventFilter(watched, event)

    # -- items ----------------------------------------------------------------------------
    def _entry_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._set_current_entry(entry_at_index(current))

    def _set_current_entry(self, entry: CalendarEntry | None) -> None:
        self._current_entry = entry
        self._update_actions()

    def _restore_current_entry(self) -> None:
        # After a refresh the old entries are gone: keep the same item when it is still listed.
        old = self._current_entry
        if old is not None:
            old = next(
                (entry for entry in self._entries if entry.identity == old.identity), None
            )
        self._set_current_entry(old)

    def _choose_in_panel(self, entry: CalendarEntry | None) -> None:
        # The same item as before a refresh, else the most urgent, so Enter opens it at once.
        rows = self.panel_proxy.rowCount()
        if not rows:
            return
        match = None
        if entry is not None:
            match = next(
                (r for r in range(rows) if self.panel_proxy.entry_at(r).identity == entry.identity),
                None,
            )
        # Current but not selected: the list keeps its status colours until the IRO chooses.
        self.panel_view.selectionModel().setCurrentIndex(
            self.panel_proxy.index(match or 0, 0), QItemSelectionModel.SelectionFlag.Current
        )
        if match is None and entry is not None:
            self._set_current_entry(entry)  # chosen in the month or the agenda: keep it

    def current_entry(self) -> CalendarEntry | None:
        """The item last chosen in the panel, the day's list, the agenda or the month."""
        return self._current_entry

    def _update_actions(self) -> None:
        entry = self._current_entry
        movable = entry is not None and entry.can_move
        self.open_child_action.setEnabled(entry is not None and entry.child_uuid is not None)
        self.move_action.setEnabled(movable)
        self.stand_down_action.setEnabled(movable)
        self.cancel_action.setEnabled(movable)

    def activate_entry(self, entry: CalendarEntry | None) -> None:
        """Open the child an entry is about (emits ``child_activated``)."""
        if entry is None:
            return
        if entry.child_uuid is None:
            self.say(
                f"{entry.who}: a foster carer household has no child record to open."
            )
            return
        self.child_activated.emit(entry.child_uuid)

    def open_current_child(self) -> None:
        """Open the child of the item chosen."""
        self.activate_entry(self._current_entry)

    def _day_activated(self, day: dt.date) -> None:
        cell = self.month_model.cell(day)
        entries = cell.entries if cell else ()
        if len(entries) == 1:
            self.activate_entry(entries[0])
        elif entries:
            self._focus_day_list(day)

    def _focus_day_list(self, day: dt.date | None = None) -> None:
        if day is not None and day != self._selected_day:
            self.go_to_day(day)
        if self.day_model.rowCount():
            self.day_view.setFocus(Qt.FocusReason.OtherFocusReason)
            self.day_view.selectionModel().setCurrentIndex(
                self.day_model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def say(self, message: str) -> None:
        """Show a line under the calendar (and offer it to the status bar)."""
        self.message_label.setText(message)
        self.status_message.emit(message)

    # -- menus ----------------------------------------------------------------------------
    def entry_menu(self, entry: CalendarEntry | None) -> QMenu:
        """The context menu for an item (or for an empty place: booking and export)."""
        self._set_current_entry(entry)
        menu = QMenu(self)
        menu.setAccessibleName("Calendar item actions")
        if entry is not None:
            if entry.child_uuid is not None:
                menu.addAction(self.open_child_action)
            if entry.can_book:
                menu.addAction(self.book_action)
            if entry.can_move:
                menu.addAction(self.move_action)
                menu.addAction(self.stand_down_action)
                menu.addAction(self.cancel_action)
            menu.addSeparator()
        if entry is None or not entry.can_book:
            menu.addAction(self.book_action)
        menu.addAction(self.export_action)
        return menu

    def _list_context_menu(self, view: QAbstractItemView, pos: QPoint) -> None:
        index = view.indexAt(pos)
        if not index.isValid():
            index = view.currentIndex()
        entry = entry_at_index(index)
        self.show_menu(self.entry_menu(entry), view.viewport().mapToGlobal(pos))

    def _month_context_menu(self, pos: QPoint) -> None:
        index = self.month_view.indexAt(pos)
        found = None
        if index.isValid():
            self.month_view.setCurrentIndex(index)
            found = self.month_view.entry_at(pos)
        entry = found if isinstance(found, CalendarEntry) else None
        if entry is None and len(cell_entries := self._day_entries()) == 1:
            entry = cell_entries[0]  # the Menu key on a day with one item: that item's menu
        self.show_menu(self.entry_menu(entry), self.month_view.viewport().mapToGlobal(pos))

    def _day_entries(self) -> tuple[CalendarEntry, ...]:
        cell = self.month_model.cell(self._selected_day)
        return cell.entries if cell is not None else ()

    def show_menu(self, menu: QMenu, where: QPoint) -> None:
        """Show a context menu at ``where`` (global coordinates) until the IRO chooses."""
        menu.exec(where)
        menu.deleteLater()

    # -- booking --------------------------------------------------------------------------
    def bookable_items(self) -> list[DueItem]:
        """The reviews due and not booked, soonest deadline first."""
        found = [
            entry.item
            for entry in self._entries
            if entry.can_book and entry.item is not None
        ]
        found.sort(key=lambda item: (item.deadline, item.child_name.casefold(), item.kind))
        return found

    def book_review(
        self, entry: CalendarEntry | None = None, *, child_uuid: uuid.UUID | None = None
    ) -> BookingDialog | None:
        """Open the booking form: for the review chosen, else with a list of reviews due.

        With ``child_uuid`` (or, from the menu, the child ``preferred_child`` names: the one
        selected in the caseload list) the form opens on that child's soonest review to book.
        """
        if entry is None and child_uuid is None and self.preferred_child is not None:
            child_uuid = self.preferred_child()
        choices = self.bookable_items()
        if child_uuid is not None:
            item = next((c for c in choices if c.child_uuid == child_uuid), None)
            if item is None:
                self.say(
                    "That child has no review waiting to be booked: the next one is booked "
                    "already, or none is due yet."
                )
                return None
        else:
            entry = entry or self._current_entry
            item = entry.item if entry is not None and entry.can_book else None
            if item is None and entry is not None and entry.child_uuid is not None:
                # A visit or paperwork of a child whose review is not booked: offer that review.
                item = next((c for c in choices if c.child_uuid == entry.child_uuid), None)
        if not choices:
            self.say("Every review that is due is booked already.")
            return None
        dialog = BookingDialog(
            self.store,
            today=self.today,
            settings=self.settings,
            item=item or choices[0],
            choices=choices,
            parent=self,
        )
        self._open_dialog(dialog)
        return dialog

    def move_review(self, entry: CalendarEntry | None = None) -> BookingDialog | None:
        """Open the form to move a booked review to another date."""
        entry = entry or self._current_entry
        if entry is None or not entry.can_move or entry.item is None:
            self.say("Choose a booked review first (in the list, the day or the agenda).")
            return None
        dialog = BookingDialog(
            self.store, today=self.today, settings=self.settings, item=entry.item, parent=self
        )
        self._open_dialog(dialog)
        return dialog

    def call_off_review(
        self, entry: CalendarEntry | None = None, *, mode: str = "cancel"
    ) -> CallOffDialog | None:
        """Open the form to stand down (``mode="stand_down"``) or cancel a booked review."""
        entry = entry or self._current_entry
        if entry is None or not entry.can_move or entry.item is None:
            self.say("Choose a booked review first (in the list, the day or the agenda).")
            return None
        dialog = CallOffDialog(self.store, item=entry.item, mode=mode, parent=self)
        self._open_dialog(dialog)
        return dialog

    def _open_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._dialog_done(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _dialog_done(self, dialog: QDialog) -> None:
        outcome = getattr(dialog, "outcome", "")
        if outcome:
            self.say(outcome)
        # Changed first: a main window re-reads the caseload, and the refresh below shows
        # that new schedule when it comes (never the one read before the change).
        self.changed.emit()
        self.refresh()

    # -- export ---------------------------------------------------------------------------
    def export_ics_file(self, path: Path | None = None) -> int | None:
        """Write booked reviews and planned visits to an .ics file (asks where, unless given)."""
        if path is None:
            folder = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            ) or str(Path.home())
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Export to calendar",
                str(Path(folder) / "iro-desk-calendar.ics"),
                "iCalendar files (*.ics)",
            )
            if not chosen:
                return None
            path = Path(chosen)
            if path.suffix.lower() != ".ics":
                path = path.with_name(path.name + ".ics")
        try:
            with self.store.session() as session:
                settings = self._read_settings(session)
                count = export_ics(session, path, today=self.clock.today(), settings=settings)
        except Exception as exc:  # shown to the IRO
            show_exception(self, exc)
            return None
        noun = "event" if count == 1 else "events"
        self.say(
            f"Wrote {count} {noun} to {path}. In Outlook: File › Open & Export › "
            "Import/Export › Import an iCalendar file; importing a newer file updates them."
        )
        return count
