"""The child record window: one child's whole record, and the forms that change it.

One top-level window per child, in tabs: **Overview** (key facts, legal status, placement, the
people around the child with the advocate and independent visitor always listed, the next review
of each open track, earlier episodes of care), **Timeline** (everything in the case, newest
first), **Reviews** (with the selected review's decisions), **Visits**, **Challenges**,
**Letters** and **History** (the audit trail of every change).

The window reads the caseload and shows it; the changes themselves are made in the existing
forms (``ReviewForm``, ``VisitForm``, ``RaiseChallengeDialog``, ``ChallengeDialog``,
``LetterEditor``), which check what is typed and show problems beside the fields. After a form
saves, the window reads the record again and emits ``changed``.

``install_child_records(main_window)`` makes the main window open (or bring forward) a child's
record when ``child_activated`` fires, refreshes the caseload when a record changes, re-reads
open records after the caseload list is re-read, and closes them when another caseload is opened.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import Session, col, select

from iro_desk import APP_NAME, recording
from iro_desk import challenges as challenges_core
from iro_desk import qa_tool as qa_tool_core
from iro_desk.clock import Clock
from iro_desk.errors import IroDeskError
from iro_desk.letter_retention import letter_path
from iro_desk.letters.service import letters_folder, mark_letter_sent
from iro_desk.models import CaseTrack, Letter, QaTool, Visit
from iro_desk.overview import ChildDetail, TimelineEntry, child_detail
from iro_desk.schedule import DueItem, review_items
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.booking_dialog import BookingDialog
from iro_desk.ui.caseload_model import format_date
from iro_desk.ui.challenge_dialog import ChallengeDialog, RaiseChallengeDialog
from iro_desk.ui.challenges_window import ChallengesTableModel
from iro_desk.ui.challenges_window import Column as ChallengeColumn
from iro_desk.ui.child_pane import ChildPane, FactsBox, TimelineModel, child_heading
from iro_desk.ui.decisions_model import DecisionRow, DecisionsModel
from iro_desk.ui.errors import guarded, show_error, show_exception
from iro_desk.ui.history_view import HistoryView
from iro_desk.ui.letter_editor import LetterEditor
from iro_desk.ui.qa_tool_form import QaToolForm
from iro_desk.ui.review_form import DraftDialog, open_review_form
from iro_desk.ui.table_model import RowsTableModel
from iro_desk.ui.theme import app_icon, status_label
from iro_desk.ui.visit_form import open_visit_form
from iro_desk.vocab import (
    PARTICIPATION,
    QA_STATUSES,
    REVIEW_FORMATS,
    REVIEW_STATUSES,
    TRACK_KINDS,
    VISIT_METHODS,
    VISIT_STATUSES,
    label,
)

if TYPE_CHECKING:
    from iro_desk.ui.main_window import MainWindow


# A status shown with a symbol as well as words, never by colour alone.
_REVIEW_SYMBOLS = {"held": "●", "booked": "✓", "stood_down": "–", "cancelled": "✗"}
_VISIT_SYMBOLS = {"done": "●", "planned": "○", "cancelled": "✗"}


# ---------------------------------------------------------------------------------------------
# What the window shows: immutable rows read in one session.


@dataclass(frozen=True)
class ReviewLine:
    """One review of the child, as the Reviews tab lists it."""

    review_id: uuid.UUID
    track_id: uuid.UUID
    on: dt.date | None
    kind_label: str
    status: str
    status_text: str
    time_and_place: str
    participation: str
    decisions_text: str
    paperwork: str
    letter: str

    @property
    def is_held(self) -> bool:
        """True once the review has been recorded as held."""
        return self.status == "held"


@dataclass(frozen=True)
class VisitLine:
    """One visit to the child, as the Visits tab lists it."""

    visit_id: uuid.UUID
    on: dt.date
    how: str
    status_text: str
    where: str
    seen_alone: str
    words: str
    prepares: str


@dataclass(frozen=True)
class QaLine:
    """One QA tool of the child, as the Challenges tab lists it."""

    qa_tool_id: uuid.UUID
    started_on: dt.date
    status_text: str
    shared_text: str
    not_met: int
    response_on: dt.date | None


@dataclass(frozen=True)
class LetterLine:
    """One letter made for the child."""

    letter_id: uuid.UUID
    review_id: uuid.UUID | None
    made_on: dt.date | None
    kind_label: str
    review_text: str
    file_name: str
    sent_on: dt.date | None
    file_removed_on: dt.date | None = None
    file_here: bool = True

    @property
    def file_text(self) -> str:
        """The file's name, and whether it was removed or is not on this laptop."""
        if not self.file_name:
            return ""
        if self.file_removed_on is not None:
            removed = f"{self.file_name} — removed {format_date(self.file_removed_on)}"
            return removed if not self.file_here else f"{removed}, but still on this laptop"
        return self.file_name if self.file_here else f"{self.file_name} — not on this laptop"


@dataclass(frozen=True)
class ChildRecord:
    """Everything the child record window shows, read at one moment."""

    detail: ChildDetail
    settings: Settings
    next_reviews: tuple[DueItem, ...]
    reviews: tuple[ReviewLine, ...]
    decisions: dict[uuid.UUID, tuple[DecisionRow, ...]]
    visits: tuple[VisitLine, ...]
    challenges: tuple[challenges_core.ChallengeRow, ...]
    letters: tuple[LetterLine, ...]
    qa_tools: tuple[QaLine, ...] = ()

    @property
    def open_tracks(self) -> tuple[tuple[uuid.UUID, str], ...]:
        """(track id, kind in words) of each review track open for the child."""
        return tuple((t.track_uuid, t.kind_label) for t in self.detail.open_tracks)


def _one_line(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _join(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _decisions_text(rows: Sequence[DecisionRow]) -> str:
    if not rows:
        return "None"
    open_rows = [r for r in rows if r.state.startswith(("Open", "Overdue"))]
    overdue = [r for r in rows if r.state.startswith("Overdue")]
    parts = [f"{len(open_rows)} open" if open_rows else "all closed"]
    if overdue:
        parts.append(f"⚠ {len(overdue)} overdue")
    return f"{len(rows)} ({', '.join(parts)})"


def _paperwork_text(review: Any, settings: Settings, today: dt.date) -> str:
    due = recording.paperwork_due(review, settings)
    if due is None:
        return ""

    def part(what: str, done_on: dt.date | None, due_on: dt.date) -> str:
        if done_on is not None:
            return f"{what} {format_date(done_on)}"
        if due_on < today:
            return f"⚠ {what} overdue (due {format_date(due_on)})"
        return f"{what} due by {format_date(due_on)}"

    text = "; ".join(
        (
            part("decisions sent", review.decisions_circulated_on, due[0]),
            part("record done", review.record_completed_on, due[1]),
        )
    )
    return text[:1].upper() + text[1:]


def _review_lines(
    session: Session,
    child_uuid: uuid.UUID,
    today: dt.date,
    settings: Settings,
    letters_by_review: dict[uuid.UUID, Letter],
) -> tuple[tuple[ReviewLine, ...], dict[uuid.UUID, tuple[DecisionRow, ...]]]:
    tracks = {
        t.id: t
        for t in session.exec(select(CaseTrack).where(col(CaseTrack.child_id) == child_uuid)).all()
    }
    lines: list[ReviewLine] = []
    decisions: dict[uuid.UUID, tuple[DecisionRow, ...]] = {}
    for review in recording.reviews_for_child(session, child_uuid):
        track = tracks.get(review.track_id)
        rows = tuple(
            DecisionRow.from_record(d, today)
            for d in recording.decisions_for_review(session, review.id)
        )
        decisions[review.id] = rows
        held = review.status == "held"
        code = review.participation_code
        letter = letters_by_review.get(review.id)
        sent_on = (letter.sent_on if letter else None) or review.letter_sent_on
        if sent_on:
            letter_text = f"Sent {format_date(sent_on)}"
        elif letter is not None and letter.made_at is not None:
            letter_text = f"Made {format_date(letter.made_at.date())}, not sent"
        else:
            letter_text = "Not made yet" if held else ""
        lines.append(
            ReviewLine(
                review_id=review.id,
                track_id=review.track_id,
                on=review.held_on if held else review.scheduled_date,
                kind_label=TRACK_KINDS.get(track.kind, "Review") if track else "Review",
                status=review.status,
                status_text=(
                    f"{_REVIEW_SYMBOLS.get(review.status, '•')} "
                    f"{label(REVIEW_STATUSES, review.status)}"
                ),
                time_and_place=_join(
                    review.scheduled_time if not held else "",
                    review.venue,
                    label(REVIEW_FORMATS, review.format),
                )
                if review.status in ("held", "booked")
                else _one_line(review.cancel_reason),
                participation=f"{code} {label(PARTICIPATION, code)}" if held and code else "",
                decisions_text=_decisions_text(rows) if held else "",
                paperwork=_paperwork_text(review, settings, today) if held else "",
                letter=letter_text,
            )
        )
    lines.sort(key=lambda line: line.on or dt.date.max, reverse=True)
    return tuple(lines), decisions


def _visit_lines(session: Session, child_uuid: uuid.UUID) -> tuple[VisitLine, ...]:
    prepares = dict(recording.reviews_a_visit_can_prepare(session, child_id=child_uuid))
    visits = session.exec(
        select(Visit).where(
            col(Visit.child_id) == child_uuid,
            col(Visit.deleted_at).is_(None),
        )
    ).all()
    lines = [
        VisitLine(
            visit_id=visit.id,
            on=visit.visit_date,
            how=_join(label(VISIT_METHODS, visit.method), visit.visit_time),
            status_text=(
                f"{_VISIT_SYMBOLS.get(visit.status, '•')} {label(VISIT_STATUSES, visit.status)}"
            ),
            where=visit.location,
            seen_alone="Yes" if visit.seen_alone else "No",
            words=_one_line(visit.wishes_feelings),
            prepares=prepares.get(visit.review_id, "") if visit.review_id else "",
        )
        for visit in visits
    ]
    lines.sort(key=lambda line: line.on, reverse=True)
    return tuple(lines)


def _letter_lines(
    letters: Sequence[Letter], reviews: Sequence[ReviewLine], folder: Path
) -> tuple[LetterLine, ...]:
    review_text = {
        line.review_id: f"{line.kind_label} {format_date(line.on)}".strip() for line in reviews
    }
    lines = [
        LetterLine(
            letter_id=letter.id,
            review_id=letter.review_id,
            made_on=letter.made_at.date() if letter.made_at else None,
            kind_label="Introduction letter" if letter.kind == "intro" else "Review letter",
            review_text=review_text.get(letter.review_id, "") if letter.review_id else "",
            file_name=letter.file_name,
            sent_on=letter.sent_on,
            file_removed_on=(
                letter.file_removed_at.astimezone().date() if letter.file_removed_at else None
            ),
            file_here=bool(letter.file_name)
            and letter_path(letter.file_name, folder).is_file(),
        )
        for letter in letters
    ]
    lines.sort(key=lambda line: line.made_on or dt.date.min, reverse=True)
    return tuple(lines)


def read_child_record(
    store: CaseloadStore,
    child_uuid: uuid.UUID,
    *,
    today: dt.date,
    settings: Settings | None = None,
) -> ChildRecord:
    """Read one child's whole record (settings from the caseload when not given).

    Raises:
        IroDeskError: the child is no longer on the caseload.
    """
    with store.session() as session:
        settings = settings if settings is not None else load_settings(session)
        detail = child_detail(session, child_uuid, today=today, settings=settings)
        next_reviews = tuple(
            review_items(session, today=today, settings=settings, child_uuid=child_uuid)
        )
        letters = session.exec(
            select(Letter).where(
                col(Letter.child_id) == child_uuid, col(Letter.deleted_at).is_(None)
            )
        ).all()
        letters_by_review: dict[uuid.UUID, Letter] = {}
        for letter in sorted(letters, key=lambda item: item.created_at):
            if letter.review_id is not None:
                letters_by_review[letter.review_id] = letter
        reviews, decisions = _review_lines(
            session, child_uuid, today, settings, letters_by_review
        )
        visits = _visit_lines(session, child_uuid)
        challenge_rows = challenges_core.list_challenges(
            session, today=today, settings=settings, child_id=child_uuid
        )
        qa_tools = qa_tool_core.qa_tools_for_child(session, child_uuid)
        qa_lines = tuple(_qa_line(qa) for qa in qa_tools)
    return ChildRecord(
        detail=detail,
        settings=settings,
        next_reviews=next_reviews,
        reviews=reviews,
        decisions=decisions,
        visits=visits,
        challenges=tuple(reversed(challenge_rows)),
        letters=_letter_lines(letters, reviews, letters_folder(settings)),
        qa_tools=qa_lines,
    )


def _qa_line(qa: QaTool) -> QaLine:
    shared = ""
    if qa.shared_on is not None:
        shared = f"{format_date(qa.shared_on)} with {qa.shared_with}".removesuffix(" with ")
    return QaLine(
        qa_tool_id=qa.id,
        started_on=qa.started_on,
        status_text=QA_STATUSES.get(qa.status, qa.status),
        shared_text=shared,
        not_met=sum(1 for item in qa_tool_core.items_of(qa) if item.answer == "not_met"),
        response_on=qa.response_on,
    )


# ---------------------------------------------------------------------------------------------
# Item models.

RowT = TypeVar("RowT")


class LinesModel(RowsTableModel[RowT]):
    """A read-only table over immutable rows; each column is a title and a function of a row."""

    def __init__(
        self,
        columns: Sequence[tuple[str, Callable[[RowT], str]]],
        parent: QObject | None = None,
    ) -> None:
        """An empty table with these columns."""
        super().__init__([title for title, _text in columns], (), parent)
        self._columns = list(columns)

    def column_texts(self, column: int) -> list[str]:
        """What one column shows, top to bottom."""
        return [self._columns[column][1](row) for row in self._rows]

    def cell(self, row: RowT, column: int, role: int) -> Any:
        """Each cell's text (in full as the tooltip)."""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._columns[column][1](row)
            return text or None if role == Qt.ItemDataRole.ToolTipRole else text
        return None


def reviews_model(parent: QObject | None = None) -> LinesModel[ReviewLine]:
    """The Reviews tab's table, newest first."""
    return LinesModel(
        [
            ("Date", lambda r: format_date(r.on) or "No date"),
            ("Review", lambda r: r.kind_label),
            ("Status", lambda r: r.status_text),
            ("How the child took part", lambda r: r.participation),
            ("Decisions", lambda r: r.decisions_text),
            ("Letter to the child", lambda r: r.letter),
            ("Time, place, format", lambda r: r.time_and_place),
            ("Paperwork", lambda r: r.paperwork),
        ],
        parent,
    )


def visits_model(parent: QObject | None = None) -> LinesModel[VisitLine]:
    """The Visits tab's table, newest first."""
    return LinesModel(
        [
            ("Date", lambda v: format_date(v.on)),
            ("How", lambda v: v.how),
            ("Status", lambda v: v.status_text),
            ("Seen alone", lambda v: v.seen_alone),
            ("In their own words", lambda v: v.words),
            ("Where", lambda v: v.where),
            ("Prepares", lambda v: v.prepares),
        ],
        parent,
    )


def qa_tools_model(parent: QObject | None = None) -> LinesModel[QaLine]:
    """The QA tools under the Challenges tab, newest first."""
    return LinesModel(
        [
            ("Started", lambda q: format_date(q.started_on)),
            ("Where it stands", lambda q: q.status_text),
            ("Shared", lambda q: q.shared_text or "Not shared yet"),
            ("Items not met", lambda q: str(q.not_met)),
            ("Response", lambda q: format_date(q.response_on) or "None yet"),
        ],
        parent,
    )


def letters_model(parent: QObject | None = None) -> LinesModel[LetterLine]:
    """The Letters tab's table, newest first."""
    return LinesModel(
        [
            ("Made", lambda m: format_date(m.made_on)),
            ("Letter", lambda m: m.kind_label),
            ("For the review", lambda m: m.review_text),
            ("Sent", lambda m: format_date(m.sent_on) or "Not sent yet"),
            ("File", lambda m: m.file_text),
        ],
        parent,
    )


# ---------------------------------------------------------------------------------------------
# The window.


def _table(name: str, model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name.lower().replace(" ", "_").replace(",", ""))
    view.setAccessibleName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setTabKeyNavigation(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return view


def _fit_columns(view: QTableView, widest: int = 290) -> None:
    """Size the columns to what they hold, none wider than ``widest`` (the rest is elided)."""
    view.resizeColumnsToContents()
    for column in range(view.model().columnCount() - 1):
        view.setColumnWidth(column, min(view.columnWidth(column), widest))


def _hint(text: str) -> QLabel:
    hint = QLabel(text)
    hint.setWordWrap(True)
    hint.setTextFormat(Qt.TextFormat.PlainText)
    return hint


def _page(*widgets: QWidget, stretch_last: bool = True) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    for number, widget in enumerate(widgets):
        last = number == len(widgets) - 1
        layout.addWidget(widget, 1 if last and stretch_last else 0)
    return page


@dataclass(frozen=True)
class RecordAction:
    """One action of the child record window: its name, words, method, keys and tip."""

    name: str
    text: str
    method: str  # the ChildRecordWindow method it calls
    shortcut: str
    tip: str
    attribute: str  # the window attribute that holds the QAction


# The record window's actions, in one table: the window builds them from it, and Help lists
# their keys from it (a record window need not be open).
RECORD_ACTIONS: tuple[RecordAction, ...] = (
    RecordAction("book_review", "&Book a review…", "book_review", "Ctrl+B",
                 "Book the date of the child's next review, against its statutory deadline",
                 "book_review_action"),
    RecordAction("open_letter_file", "Open the &letter file", "open_letter_file",
                 "Ctrl+Shift+L", "Open the selected letter's PDF, to print or send it",
                 "open_letter_file_action"),
    RecordAction("mark_letter_sent", "Mark as sen&t…", "mark_letter_sent", "Ctrl+Shift+T",
                 "Record the day the selected letter was sent to the child", "mark_sent_action"),
    RecordAction("record_review", "Record a revie&w…", "record_review", "Ctrl+R",
                 "Record a review as held, with the child's participation and the decisions",
                 "record_review_action"),
    RecordAction("record_visit", "Record a vi&sit…", "record_visit", "Ctrl+Shift+V",
                 "Record (or plan) a visit to the child before their review",
                 "record_visit_action"),
    RecordAction("open_selected", "O&pen selected…", "open_selected", "Ctrl+O",
                 "Open the review, visit, challenge or letter selected (or press Enter on it)",
                 "open_action"),
    RecordAction("raise_challenge", "Raise a &challenge…", "raise_challenge", "Ctrl+Shift+C",
                 "Raise a challenge about this child's care plan", "raise_challenge_action"),
    RecordAction("start_qa_tool", "Start a &QA tool…", "start_qa_tool", "Ctrl+Shift+Q",
                 "Check the child's case file with the QA checklist from Settings",
                 "start_qa_action"),
    RecordAction("review_letter", "&Make the review letter…", "make_review_letter", "Ctrl+P",
                 "Write the letter to the child about their review (the selected or latest "
                 "held one)", "review_letter_action"),
    RecordAction("intro_letter", "Make an i&ntroduction letter…", "make_intro_letter",
                 "Ctrl+Shift+P", "Write a letter introducing yourself to the child",
                 "intro_letter_action"),
    RecordAction("refresh", "Re&fresh", "reload", "F5", "Read the child's record again",
                 "refresh_action"),
    RecordAction("close", "Close", "close", "Ctrl+W", "Close this child's record",
                 "close_action"),
)


class SentDateDialog(QDialog):
    """Asks the day a letter was sent: from the day it was made to today (today unless changed)."""

    def __init__(
        self, made_on: dt.date, today: dt.date, chosen: dt.date, parent: QWidget | None = None
    ) -> None:
        """Offer ``chosen``, between ``made_on`` and ``today``."""
        super().__init__(parent)
        self.setWindowTitle("Letter sent")
        self.setAccessibleName("Letter sent")
        form = QFormLayout(self)
        self.date_edit = QDateEdit(QDate(chosen.year, chosen.month, chosen.day))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("d MMM yyyy")
        self.date_edit.setMinimumDate(QDate(made_on.year, made_on.month, made_on.day))
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.date_edit.setAccessibleName("Day the letter was sent")
        form.addRow("&Sent on", self.date_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Mark as sent")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @property
    def sent_on(self) -> dt.date:
        """The day chosen."""
        chosen = self.date_edit.date()
        return dt.date(chosen.year(), chosen.month(), chosen.day())


class ChildRecordWindow(QMainWindow):
    """One child's record in tabs, with the forms that record reviews, visits and the rest.

    ``changed`` is emitted after anything is saved from this window (the caseload list and the
    calendar should then be read again).
    """

    changed = Signal()
    # Made from RECORD_ACTIONS (each spec's ``attribute``).
    book_review_action: QAction
    open_letter_file_action: QAction
    mark_sent_action: QAction
    record_review_action: QAction
    record_visit_action: QAction
    open_action: QAction
    raise_challenge_action: QAction
    start_qa_action: QAction
    review_letter_action: QAction
    intro_letter_action: QAction
    refresh_action: QAction
    close_action: QAction

    def __init__(
        self,
        store: CaseloadStore,
        child_uuid: uuid.UUID,
        *,
        clock: Clock,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """The record of ``child_uuid``; settings are read from the caseload unless given."""
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store = store
        self.child_uuid = child_uuid
        self.clock = clock
        self._fixed_settings = settings
        self.record: ChildRecord | None = None
        self.actions_by_name: dict[str, QAction] = {}
        self.letter_editors: list[LetterEditor] = []
        self.challenge_dialog: ChallengeDialog | None = None
        self.raise_dialog: RaiseChallengeDialog | None = None
        self.track_menu: QMenu | None = None
        self.setObjectName("child_record")
        self.setWindowIcon(app_icon())
        self._build_actions()
        self._build()
        self.resize(1180, 780)
        self.reload()

    # -- building -----------------------------------------------------------------------------
    def _action(
        self, name: str, text: str, slot: Callable[[], object], shortcut: str, tip: str
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _build_actions(self) -> None:
        for spec in RECORD_ACTIONS:
            action = self._action(
                spec.name, spec.text, getattr(self, spec.method), spec.shortcut, spec.tip
            )
            setattr(self, spec.attribute, action)

    def _build(self) -> None:
        toolbar = QToolBar("Record")
        toolbar.setObjectName("record_toolbar")
        toolbar.setAccessibleName("Record something for this child")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.book_review_action,
            self.record_review_action,
            self.record_visit_action,
            self.raise_challenge_action,
            self.start_qa_action,
            self.review_letter_action,
            self.intro_letter_action,
            None,
            self.open_action,
            self.refresh_action,
        ):
            if action is None:
                toolbar.addSeparator()
                continue
            toolbar.addAction(action)
            button = toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setAccessibleName(action.text().replace("&", "").removesuffix("…"))
                button.setAccessibleDescription(action.statusTip())
        self.addToolBar(toolbar)
        self.toolbar = toolbar

        self.name_label, self.subtitle_label = child_heading(self.font())
        self.name_label.setObjectName("child_name")
        self.message_label = QLabel()
        self.message_label.setObjectName("record_message")
        self.message_label.setAccessibleName("Message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.hide()

        self.tabs = QTabWidget()
        self.tabs.setObjectName("record_tabs")
        self.tabs.setAccessibleName("Parts of the child's record")
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._update_actions)
        self._build_overview()
        self._build_timeline()
        self._build_reviews()
        self._build_visits()
        self._build_challenges()
        self._build_letters()
        self.history_view = HistoryView(self.store, child_id=self.child_uuid)
        self.history_view.setAccessibleName("History of changes to the child's records")
        self.tabs.addTab(self.history_view, "Histor&y")

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.name_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.statusBar().setAccessibleName("Status bar")

    def _build_overview(self) -> None:
        self.about_box = FactsBox("About the child")
        self.care_box = FactsBox("Care and legal status")
        self.people_box = FactsBox("People around the child")
        self.next_box = FactsBox("Next reviews")
        self.earlier_box = FactsBox("Earlier episodes of care")
        facts = QWidget()
        facts.setAccessibleName("Key facts")
        grid = QGridLayout(facts)
        grid.addWidget(self.about_box, 0, 0)
        grid.addWidget(self.care_box, 0, 1)
        grid.addWidget(self.people_box, 1, 0)
        grid.addWidget(self.next_box, 1, 1)
        grid.addWidget(self.earlier_box, 2, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)
        scroll = QScrollArea()
        scroll.setAccessibleName("Overview")
        scroll.setWidget(facts)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.overview = scroll
        self.tabs.addTab(scroll, "&Overview")

    def _build_timeline(self) -> None:
        self.timeline_model = TimelineModel(self)
        self.timeline_view = _table("Timeline of the child's case, newest first",
                                    self.timeline_model)
        self.timeline_view.setWordWrap(True)
        self.timeline_view.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.timeline_view.activated.connect(self._timeline_activated)
        self.tabs.addTab(
            _page(
                _hint(
                    "Everything in the case, newest first; booked reviews still to come are in "
                    "italics. Press Enter (or double-click) on a review, visit or challenge to "
                    "open it."
                ),
                self.timeline_view,
            ),
            "&Timeline",
        )

    def _build_reviews(self) -> None:
        self.reviews_model = reviews_model(self)
        self.reviews_view = _table("Reviews, newest first", self.reviews_model)
        self.reviews_view.activated.connect(lambda _index: self.open_selected())
        self.review_decisions = DecisionsModel(parent=self)
        self.decisions_view = _table("Decisions of the selected review", self.review_decisions)
        self.decisions_view.setWordWrap(True)
        self.decisions_title = QLabel("Decisions of the selected review")
        self.decisions_title.setBuddy(self.decisions_view)
        self.reviews_view.selectionModel().currentRowChanged.connect(self._show_decisions)
        lower = _page(self.decisions_title, self.decisions_view)
        lower.layout().setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.reviews_view)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.tabs.addTab(
            _page(
                _hint(
                    "Enter (or double-click) opens a review: a booked one to record it as held, "
                    "a held one to amend it. Ctrl+R records a review; Ctrl+P makes the letter "
                    "for the selected held review."
                ),
                splitter,
            ),
            "Re&views",
        )

    def _build_visits(self) -> None:
        self.visits_model = visits_model(self)
        self.visits_view = _table("Visits, newest first", self.visits_model)
        self.visits_view.activated.connect(lambda _index: self.open_selected())
        self.tabs.addTab(
            _page(
                _hint("Enter (or double-click) opens a visit to amend it; Ctrl+Shift+V records "
                      "a new one."),
                self.visits_view,
            ),
            "V&isits",
        )

    def _build_challenges(self) -> None:
        self.challenges_model = ChallengesTableModel(parent=self)
        self.challenges_view = _table("Challenges, newest first", self.challenges_model)
        self.challenges_view.setColumnHidden(ChallengeColumn.CHILD, True)
        self.challenges_view.activated.connect(lambda _index: self.open_selected())
        self.qa_model = qa_tools_model(self)
        self.qa_view = _table("QA tools, newest first", self.qa_model)
        self.qa_view.activated.connect(
            lambda index: self.open_qa_tool(self.qa_model.row_at(index.row()).qa_tool_id)
        )
        qa_heading = QLabel("&QA tools")
        qa_heading.setBuddy(self.qa_view)
        self.tabs.addTab(
            _page(
                _hint("Enter (or double-click) opens a challenge with its history, to escalate, "
                      "record a response, resolve or withdraw it. Ctrl+Shift+C raises a new one."),
                self.challenges_view,
                qa_heading,
                _hint("QA tools: Enter opens one to fill in, share, record the response, close "
                      "it or raise a challenge from it. Ctrl+Shift+Q starts a new one."),
                self.qa_view,
            ),
            "C&hallenges",
        )

    def _build_letters(self) -> None:
        self.letters_model = letters_model(self)
        self.letters_view = _table("Letters, newest first", self.letters_model)
        self.letters_view.activated.connect(lambda _index: self.open_selected())
        buttons = QHBoxLayout()
        for action in (self.open_letter_file_action, self.mark_sent_action):
            button = QPushButton(action.text())
            button.setAccessibleName(action.text().replace("&", "").removesuffix("…"))
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QWidget()
        row.setLayout(buttons)
        self.tabs.addTab(
            _page(
                _hint("Letters made for the child. Enter (or double-click) on a review letter "
                      "writes it again for that review; Ctrl+P makes the letter for the latest "
                      "held review. Open the letter file (Ctrl+Shift+L) to print or send it, "
                      "and Mark as sent (Ctrl+Shift+T) once it has gone."),
                self.letters_view,
                row,
                stretch_last=False,
            ),
            "&Letters",
        )

    # -- reading ------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """The caseload's settings as last read (or as given)."""
        if self.record is not None:
            return self.record.settings
        return self._fixed_settings or Settings()

    def reload(self) -> None:
        """Read the child's record again and show it; a problem is shown, never raised."""
        today = self.clock.today()
        try:
            record = read_child_record(
                self.store, self.child_uuid, today=today, settings=self._fixed_settings
            )
        except IroDeskError as exc:
            self._show_gone(str(exc))
            return
        except Exception as exc:  # a bug: logged, and told to the IRO
            show_exception(self, exc)
            return
        self.record = record
        self.message_label.hide()
        self._show(record, today)
        guarded(self, self.history_view.refresh)
        self._update_actions()

    def _show_gone(self, message: str) -> None:
        self.record = None
        self.message_label.setText(f"⚠ {message}")
        self.message_label.show()
        for action in self.actions_by_name.values():
            action.setEnabled(action.objectName() in ("refresh", "close"))

    def _show(self, record: ChildRecord, today: dt.date) -> None:
        detail = record.detail
        self.setWindowTitle(f"{detail.display_name} ({detail.child_ref}) — {APP_NAME}")
        self.setAccessibleName(f"Record of {detail.display_name}")
        self.name_label.setText(detail.display_name)
        # The same facts, worded the same way, as the child pane beside the caseload list.
        self.subtitle_label.setText(ChildPane._subtitle(detail))
        self.about_box.set_rows(ChildPane._about_rows(detail))
        self.care_box.set_rows(ChildPane._care_rows(detail))
        self.people_box.set_rows(ChildPane._people_rows(detail))
        self.next_box.set_rows(self._next_review_rows(record))
        self.earlier_box.set_rows(self._earlier_rows(detail))
        self.timeline_model.set_entries(detail.timeline, today_ordinal=today.toordinal())
        self._set_keeping_selection(self.reviews_view, self.reviews_model, record.reviews,
                                    lambda r: r.review_id)
        self._show_decisions()
        self._set_keeping_selection(self.visits_view, self.visits_model, record.visits,
                                    lambda v: v.visit_id)
        selected_challenge = self.selected_challenge()
        self.challenges_model.set_rows(record.challenges)
        if selected_challenge is not None:
            ids = [row.id for row in record.challenges]
            if selected_challenge in ids:
                self.challenges_view.selectRow(ids.index(selected_challenge))
        self._set_keeping_selection(self.letters_view, self.letters_model, record.letters,
                                    lambda m: m.letter_id)
        self._set_keeping_selection(self.qa_view, self.qa_model, record.qa_tools,
                                    lambda q: q.qa_tool_id)
        for view in (self.reviews_view, self.visits_view, self.challenges_view,
                     self.letters_view, self.qa_view):
            _fit_columns(view)
        self._size_timeline()

    @staticmethod
    def _set_keeping_selection(
        view: QTableView,
        model: LinesModel[Any],
        rows: Sequence[Any],
        key: Callable[[Any], uuid.UUID],
    ) -> None:
        current = view.currentIndex()
        kept = key(model.row_at(current.row())) if current.isValid() else None
        model.set_rows(rows)
        keys = [key(row) for row in rows]
        if kept is not None and kept in keys:
            view.selectRow(keys.index(kept))
        elif rows:
            view.selectRow(0)

    def _size_timeline(self) -> None:
        """The date fits, 'what happened' takes a good share, the details wrap in the rest."""
        self.timeline_view.resizeColumnToContents(0)
        available = self.timeline_view.viewport().width() or self.width()
        self.timeline_view.setColumnWidth(1, max(240, int(available * 0.42)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the timeline's columns in proportion to the window."""
        super().resizeEvent(event)
        self._size_timeline()

    @staticmethod
    def _next_review_rows(record: ChildRecord) -> list[tuple[str, str]]:
        if not record.next_reviews:
            return [("Status", status_label(""))]
        rows = []
        for item in sorted(record.next_reviews, key=lambda i: i.deadline):
            booked = (
                f"booked for {format_date(item.scheduled)}" if item.scheduled else "not booked yet"
            )
            rows.append(
                (
                    item.kind_label,
                    f"{status_label(item.status)}: due by {format_date(item.deadline)}, {booked}",
                )
            )
        return rows

    @staticmethod
    def _earlier_rows(detail: ChildDetail) -> list[tuple[str, str]]:
        if not detail.previous_episodes:
            return [("Earlier episodes", "None")]
        rows = []
        for episode in detail.previous_episodes:
            period = f"{format_date(episode.start_date)} to {format_date(episode.end_date)}"
            rows.append(
                (
                    period,
                    _join(
                        f"{episode.legal_status} {episode.legal_status_label}".strip(),
                        episode.placement_name or episode.placement_type_label,
                        f"ended: {episode.reason_ended}" if episode.reason_ended else "",
                    ),
                )
            )
        return rows

    def _show_decisions(self, *_args: object) -> None:
        review = self.selected_review()
        rows = self.record.decisions.get(review.review_id, ()) if review and self.record else ()
        self.review_decisions.set_rows(rows)
        _fit_columns(self.decisions_view, widest=420)
        if review is None:
            self.decisions_title.setText("Decisions of the selected review")
        else:
            when = format_date(review.on) or "no date"
            self.decisions_title.setText(
                f"&Decisions of the {review.kind_label.lower()} of {when}"
                + ("" if rows else ": none recorded")
            )

    # -- what is selected ---------------------------------------------------------------------
    def selected_review(self) -> ReviewLine | None:
        """The review selected on the Reviews tab."""
        index = self.reviews_view.currentIndex()
        return self.reviews_model.row_at(index.row()) if index.isValid() else None

    def selected_visit(self) -> VisitLine | None:
        """The visit selected on the Visits tab."""
        index = self.visits_view.currentIndex()
        return self.visits_model.row_at(index.row()) if index.isValid() else None

    def selected_challenge(self) -> uuid.UUID | None:
        """The id of the challenge selected on the Challenges tab."""
        index = self.challenges_view.currentIndex()
        return self.challenges_model.row_at(index.row()).id if index.isValid() else None

    def selected_letter(self) -> LetterLine | None:
        """The letter selected on the Letters tab."""
        index = self.letters_view.currentIndex()
        return self.letters_model.row_at(index.row()) if index.isValid() else None

    def show_tab(self, title: str) -> None:
        """Bring a tab forward by its title ('Reviews'), ignoring the & of its shortcut."""
        for number in range(self.tabs.count()):
            if self.tabs.tabText(number).replace("&", "") == title:
                self.tabs.setCurrentIndex(number)
                return
        raise KeyError(title)

    def tab_titles(self) -> list[str]:
        """The tabs' titles, as a person reads them."""
        return [self.tabs.tabText(n).replace("&", "") for n in range(self.tabs.count())]

    def _update_actions(self, *_args: object) -> None:
        if self.record is None:
            return
        for action in self.actions_by_name.values():
            action.setEnabled(True)
        page = self.tabs.currentWidget()
        self.open_action.setEnabled(page not in (self.overview, self.history_view))

    # -- opening forms ------------------------------------------------------------------------
    def _saved(self, *_args: object) -> None:
        self.reload()
        self.changed.emit()

    def record_review(self, track_id: uuid.UUID | None = None) -> None:
        """Record a review: on ``track_id``, else the child's one open track (else ask which)."""
        if self.record is None:
            return
        if track_id is None:
            tracks = self.record.open_tracks
            if not tracks:
                show_error(
                    self,
                    f"{self.record.detail.display_name} has no open review track, so there is "
                    "no review to record. A child in care track starts with their episode of "
                    "care; add it first.",
                )
                return
            if len(tracks) > 1:
                self._choose_track(tracks)
                return
            track_id = tracks[0][0]
        self.review_form = open_review_form(
            self.store,
            today=self.clock.today(),
            settings=self.settings,
            track_id=track_id,
            parent=self,
            on_saved=self._saved,
        )

    def _choose_track(self, tracks: Sequence[tuple[uuid.UUID, str]]) -> None:
        menu = QMenu("Which review?", self)
        menu.setAccessibleName("Which kind of review to record")
        for track_id, kind_label in tracks:
            action = menu.addAction(kind_label)
            action.triggered.connect(
                lambda _checked=False, chosen=track_id: self.record_review(chosen)
            )
        self.track_menu = menu
        button = self.toolbar.widgetForAction(self.record_review_action)
        where = button.mapToGlobal(QPoint(0, button.height())) if button else self.pos()
        menu.popup(where)
        if menu.actions():
            menu.setActiveAction(menu.actions()[0])

    def open_review(self, review_id: uuid.UUID) -> None:
        """Open a review: a booked one to record it as held, a held one to amend it."""
        self.review_form = open_review_form(
            self.store,
            today=self.clock.today(),
            settings=self.settings,
            review_id=review_id,
            parent=self,
            on_saved=self._saved,
        )

    def record_visit(self, visit_id: uuid.UUID | None = None) -> None:
        """Record a new visit to the child, or amend the visit ``visit_id``."""
        if self.record is None:
            return
        self.visit_form = open_visit_form(
            self.store,
            today=self.clock.today(),
            settings=self.settings,
            visit_id=visit_id,
            child_id=None if visit_id else self.child_uuid,
            parent=self,
            on_saved=self._saved,
        )

    def raise_challenge(self) -> RaiseChallengeDialog | None:
        """Open the form for a new challenge about this child."""
        if self.record is None:
            return None
        kinds = [t.kind for t in self.record.detail.open_tracks]
        dialog = RaiseChallengeDialog(
            self.store,
            self.settings,
            self.clock.today(),
            child_id=self.child_uuid,
            track_kind=kinds[0] if kinds else "cla",
            parent=self,
        )
        dialog.accepted.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        self.raise_dialog = dialog
        dialog.open()
        return dialog

    def start_qa_tool(self) -> QaToolForm | None:
        """Start a new QA tool for this child (in draft) and open it."""
        try:
            with self.store.session() as session:
                qa = qa_tool_core.start_qa_tool(
                    session, child_id=self.child_uuid, today=self.clock.today(),
                    settings=self.settings,
                )
                qa_tool_id = qa.id
        except IroDeskError as exc:
            show_exception(self, exc)
            return None
        self._saved()
        return self.open_qa_tool(qa_tool_id)

    def open_qa_tool(self, qa_tool_id: uuid.UUID) -> QaToolForm | None:
        """Open one of the child's QA tools in its own window."""
        opened: list[QaToolForm] = []

        def build() -> None:
            opened.append(
                QaToolForm(self.store, qa_tool_id, settings=self.settings, clock=self.clock,
                           parent=self)
            )

        if not guarded(self, build):
            return None
        form = opened[0]
        form.setWindowFlag(Qt.WindowType.Window)
        form.setWindowTitle(f"QA tool — {self.name_label.text()}")
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.changed.connect(self._saved)
        form.challengeRaised.connect(lambda *_: self._saved())
        self.qa_form = form
        form.show()
        return form

    def open_challenge(self, challenge_id: uuid.UUID) -> ChallengeDialog | None:
        """Show one challenge with its whole history and its next steps."""
        opened: list[ChallengeDialog] = []

        def build() -> None:
            opened.append(
                ChallengeDialog(
                    self.store, challenge_id, settings=self.settings, clock=self.clock,
                    parent=self,
                )
            )

        if not guarded(self, build):
            return None
        dialog = opened[0]
        dialog.changed.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        self.challenge_dialog = dialog
        dialog.open()
        return dialog

    def make_review_letter(self, review_id: uuid.UUID | None = None) -> LetterEditor | None:
        """Write the letter for ``review_id``, the selected held review, or the latest held."""
        if self.record is None:
            return None
        if review_id is None:
            selected = self.selected_review()
            held = [line for line in self.record.reviews if line.is_held]
            if selected is not None and selected.is_held:
                review_id = selected.review_id
            elif held:
                review_id = held[0].review_id
            else:
                show_error(
                    self,
                    f"No review of {self.record.detail.display_name} is recorded as held yet. "
                    "Record the review first (Ctrl+R), then make the letter.",
                )
                return None
        return self._open_letter(review_id=review_id)

    def make_intro_letter(self) -> LetterEditor | None:
        """Write a letter introducing the IRO to the child."""
        if self.record is None:
            return None
        return self._open_letter(child_id=self.child_uuid)

    def _open_letter(self, **ids: uuid.UUID) -> LetterEditor | None:
        opened: list[LetterEditor] = []

        def build() -> None:
            opened.append(LetterEditor(self.store, self.settings, self.clock, **ids))

        if not guarded(self, build):
            return None
        editor = opened[0]
        editor.setParent(self, editor.windowFlags() | Qt.WindowType.Window)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.letterSaved.connect(self._saved)
        editor.destroyed.connect(lambda _obj=None, e=editor: self._forget_editor(e))
        self.letter_editors.append(editor)
        editor.resize(1100, 760)
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

    def _forget_editor(self, editor: LetterEditor) -> None:
        if editor in self.letter_editors:
            self.letter_editors.remove(editor)

    def open_selected(self) -> None:
        """Open what is selected on the tab shown (Enter or double-click does the same)."""
        page = self.tabs.currentIndex()
        title = self.tabs.tabText(page).replace("&", "")
        if title == "Timeline":
            self._timeline_activated(self.timeline_view.currentIndex())
        elif title == "Reviews" and (review := self.selected_review()) is not None:
            self.open_review(review.review_id)
        elif title == "Visits" and (visit := self.selected_visit()) is not None:
            self.record_visit(visit.visit_id)
        elif title == "Challenges" and self.qa_view.hasFocus() and (
            qa_index := self.qa_view.currentIndex()
        ).isValid():
            self.open_qa_tool(self.qa_model.row_at(qa_index.row()).qa_tool_id)
        elif title == "Challenges" and (challenge := self.selected_challenge()) is not None:
            self.open_challenge(challenge)
        elif title == "Letters" and (letter := self.selected_letter()) is not None:
            self.make_letter_again(letter)
        else:
            self.statusBar().showMessage("Select something in the list first.", 5000)

    # -- booking and letters ------------------------------------------------------------------
    def book_review(self) -> BookingDialog | None:
        """Book the date of the child's next review (the soonest deadline first)."""
        if self.record is None:
            return None
        choices = sorted(
            (item for item in self.record.next_reviews if item.can_book),
            key=lambda item: item.deadline,
        )
        if not choices:
            show_error(
                self,
                f"{self.record.detail.display_name} has no review waiting to be booked: the "
                "next one is booked already (see the Reviews tab), or none is due yet.",
            )
            return None
        dialog = BookingDialog(
            self.store,
            today=self.clock.today(),
            settings=self.settings,
            item=choices[0],
            choices=choices,
            parent=self,
        )
        self.booking_dialog = dialog
        dialog.accepted.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _letter_for_action(self) -> LetterLine | None:
        self.show_tab("Letters")
        letter = self.selected_letter()
        if letter is None:
            self.statusBar().showMessage("Select a letter on the Letters tab first.", 5000)
        return letter

    def open_letter_file(self) -> Path | None:
        """Open the selected letter's PDF with the laptop's PDF reader; its path, or None."""
        letter = self._letter_for_action()
        if letter is None:
            return None
        path = letter_path(letter.file_name, letters_folder(self.settings))
        if not letter.file_name or not path.is_file():
            removed = (
                f" It was removed on {format_date(letter.file_removed_on)}, after the letter "
                "retention period." if letter.file_removed_on is not None else ""
            )
            show_error(
                self,
                f"The file of this letter is not on this laptop ({path}).{removed} Press Enter "
                "on the letter to make it again.",
            )
            return None
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            show_error(
                self, f"No program on this laptop opened {path.name}. It is in {path.parent}."
            )
            return None
        self.statusBar().showMessage(f"Opened {path.name}.", 5000)
        return path

    def mark_letter_sent(self) -> bool:
        """Ask the day the selected letter was sent (today unless changed), and record it."""
        letter = self._letter_for_action()
        if letter is None:
            return False
        today = self.clock.today()
        dialog = SentDateDialog(
            letter.made_on or today, today, letter.sent_on or today, parent=self
        )
        self.sent_dialog = dialog
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            sent_on = dialog.sent_on
        finally:
            self.sent_dialog = None
            dialog.deleteLater()
        try:
            mark_letter_sent(self.store, letter.letter_id, sent_on=sent_on)
        except IroDeskError as exc:
            show_error(self, str(exc))
            return False
        self._saved()
        self.statusBar().showMessage(f"Letter marked as sent on {format_date(sent_on)}.", 5000)
        return True

    def make_letter_again(self, letter: LetterLine) -> LetterEditor | None:
        """Write a letter on the Letters tab again: for its review, or a new introduction.

        A letter whose file was removed after the retention period is said plainly first.
        """
        if letter.file_removed_on is not None:
            again = (
                "It can be made again from the review: the letter editor opens on it now."
                if letter.review_id is not None
                else "A new introduction letter can be made: the letter editor opens now."
            )
            QMessageBox.information(
                self,
                APP_NAME,
                f"The file of this letter ({letter.file_name}) was removed on "
                f"{format_date(letter.file_removed_on)}, after the letter retention period "
                f"(Settings › Letters). The caseload keeps the letter's record. {again}",
            )
        if letter.review_id is not None:
            return self.make_review_letter(letter.review_id)
        return self.make_intro_letter()

    def _timeline_activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            self.statusBar().showMessage("Select an entry in the timeline first.", 5000)
            return
        entry: TimelineEntry = self.timeline_model.entry_at(index.row())
        if entry.ref_id is None:
            return
        if entry.kind in ("review_held", "review_booked"):
            self.open_review(entry.ref_id)
        elif entry.kind == "visit":
            self.record_visit(entry.ref_id)
        elif entry.kind == "challenge":
            self.open_challenge(entry.ref_id)
        else:
            self.statusBar().showMessage(
                f"“{entry.title}” has nothing more to open here; see its tab.", 5000
            )

    # -- closing ------------------------------------------------------------------------------
    def open_forms(self) -> list[DraftDialog]:
        """The review and visit forms open from this window."""
        return [form for form in self.findChildren(DraftDialog) if form.isVisible()]

    def close_for_another_caseload(self) -> None:
        """Close at once because another caseload was opened; typing is kept as drafts."""
        for form in self.open_forms():
            form.write_draft()
            QDialog.reject(form)
        for editor in list(self.letter_editors):
            editor.close()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Close the forms first; a form the IRO goes back to keeps this window open."""
        for form in self.open_forms():
            form.reject()
            if form.isVisible():
                event.ignore()
                return
        for editor in list(self.letter_editors):
            editor.close()
        super().closeEvent(event)


# ---------------------------------------------------------------------------------------------
# Wiring into the main window.


class ChildRecords(QObject):
    """The open child record windows of a main window, one per child."""

    def __init__(self, window: MainWindow) -> None:
        """Follow ``window``: its signals open, re-read and close the records."""
        super().__init__(window)
        self._window = window
        self._open: dict[uuid.UUID, ChildRecordWindow] = {}
        self._just_reloaded: ChildRecordWindow | None = None
        window.child_activated.connect(self.open_record)
        window.caseload_refreshed.connect(self.reload_all)
        window.caseload_opened.connect(self.close_all)

    def records(self) -> list[ChildRecordWindow]:
        """The record windows open now."""
        return list(self._open.values())

    def record_for(self, child_uuid: uuid.UUID) -> ChildRecordWindow | None:
        """The open record window of one child, if there is one."""
        return self._open.get(child_uuid)

    def open_record(self, child_uuid: uuid.UUID) -> ChildRecordWindow | None:
        """Open the child's record, or bring it forward when it is open already."""
        record = self._open.get(child_uuid)
        if record is None:
            opened: list[ChildRecordWindow] = []

            def build() -> None:
                opened.append(
                    ChildRecordWindow(
                        self._window.store, child_uuid, clock=self._window.clock,
                        parent=self._window,
                    )
                )

            if not guarded(self._window, build):
                return None
            record = opened[0]
            self._open[child_uuid] = record
            record.changed.connect(lambda r=record: self._record_changed(r))
            record.destroyed.connect(lambda _obj=None, c=child_uuid: self._open.pop(c, None))
            record.show()
        if record.isMinimized():
            record.showNormal()
        record.raise_()
        record.activateWindow()
        return record

    def _record_changed(self, record: ChildRecordWindow) -> None:
        # The record has just read itself again; the caseload list (and the other records,
        # when the list's read arrives) follow.
        self._just_reloaded = record
        self._window.refresh()

    def reload_all(self) -> None:
        """Read every open record again (after the caseload list was re-read)."""
        just_reloaded, self._just_reloaded = self._just_reloaded, None
        for record in self.records():
            if record is not just_reloaded:
                record.reload()

    def close_all(self, *_args: object) -> None:
        """Close every record: another caseload was opened."""
        for record in self.records():
            record.close_for_another_caseload()
        self._open.clear()


def install_child_records(window: MainWindow) -> ChildRecords:
    """Make ``window`` open child records; returns what keeps them (``ChildRecords``)."""
    return ChildRecords(window)


__all__ = [
    "ChildRecord",
    "ChildRecordWindow",
    "ChildRecords",
    "LetterLine",
    "LinesModel",
    "ReviewLine",
    "VisitLine",
    "install_child_records",
    "read_child_record",
]
