"""The child pane: the selected child's key facts, care, next review, people and timeline.

Read-only: it shows an ``iro_desk.overview.ChildDetail`` (and the child's ``ChildRow`` for the
next review). Forms that change a child's record live in the child record window.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QByteArray, QObject, Qt, QTimer
from PySide6.QtGui import QFont, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from iro_desk.overview import ChildDetail, ChildRow, PersonInfo, TimelineEntry
from iro_desk.ui.caseload_model import format_date
from iro_desk.ui.table_model import ROW_ROLE, RowsTableModel
from iro_desk.ui.theme import status_colour, status_label
from iro_desk.vocab import PERSON_ROLES, label

NOT_RECORDED = "Not recorded"


class TimelineColumn(IntEnum):
    """The columns of the timeline."""

    DATE = 0
    WHAT = 1
    DETAILS = 2


_TIMELINE_HEADERS = {
    TimelineColumn.DATE: "Date",
    TimelineColumn.WHAT: "What happened",
    TimelineColumn.DETAILS: "Details",
}

ENTRY_ROLE = ROW_ROLE


class TimelineModel(RowsTableModel[TimelineEntry]):
    """A child's timeline, newest first, over immutable ``TimelineEntry`` rows."""

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty timeline."""
        super().__init__([_TIMELINE_HEADERS[column] for column in TimelineColumn], (), parent)
        self._today_ordinal = 0

    def set_entries(self, entries: Sequence[TimelineEntry], *, today_ordinal: int = 0) -> None:
        """Show these entries (already newest first); entries after today show as booked."""
        self.beginResetModel()
        self._rows = list(entries)
        self._today_ordinal = today_ordinal
        self.endResetModel()

    def entry_at(self, row: int) -> TimelineEntry:
        """The entry on one row."""
        return self.row_at(row)

    def cell(self, row: TimelineEntry, column: int, role: int) -> Any:
        """Date, title and details of each entry; future entries in italics."""
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TimelineColumn.DATE:
                return format_date(row.on)
            if column == TimelineColumn.WHAT:
                return row.title
            return row.detail
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{format_date(row.on)}: {row.title}"]
            if row.detail:
                lines.append(row.detail)
            return "\n".join(lines)
        if role == Qt.ItemDataRole.FontRole and self._is_future(row):
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def _is_future(self, entry: TimelineEntry) -> bool:
        return bool(self._today_ordinal) and entry.on.toordinal() > self._today_ordinal


def _value_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


class FactsBox(QGroupBox):
    """A titled list of 'field: value' lines; long values wrap."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        """An empty box titled ``title``."""
        super().__init__(title, parent)
        self.setAccessibleName(title)
        self._layout = QVBoxLayout(self)
        self._body: QWidget | None = None
        self._values: dict[str, QLabel] = {}

    def set_rows(self, rows: Sequence[tuple[str, str]]) -> None:
        """Show these (field, value) lines; an empty value reads 'Not recorded'."""
        if self._body is not None:
            self._layout.removeWidget(self._body)
            self._body.hide()
            self._body.deleteLater()
        body = QWidget(self)
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        self._values = {}
        top_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        for number, (field, value) in enumerate(rows):
            shown = value or NOT_RECORDED
            name = QLabel(f"{field}:")
            name.setTextFormat(Qt.TextFormat.PlainText)
            name.setWordWrap(True)
            value_label = _value_label(shown)
            value_label.setAccessibleName(f"{field}: {shown}")
            if not value:
                value_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            name.setBuddy(value_label)
            grid.addWidget(name, number, 0, top_left)
            value_label.setAlignment(top_left)
            grid.addWidget(value_label, number, 1)
            self._values[field] = value_label
        grid.setRowStretch(len(rows), 1)
        self._layout.addWidget(body)
        self._body = body

    def value_of(self, field: str) -> str:
        """The text shown for a field ('' when the field is not shown)."""
        label = self._values.get(field)
        return label.text() if label else ""

    def value_label(self, field: str) -> QLabel | None:
        """The label showing a field's value."""
        return self._values.get(field)


def _person_text(person: PersonInfo) -> str:
    contact = " · ".join(part for part in (person.organisation, person.phone, person.email) if part)
    return f"{person.name} ({contact})" if contact else person.name


def child_heading(font: QFont) -> tuple[QLabel, QLabel]:
    """The child's name (large, bold) and the line under it (child ID, age, date of birth).

    Both are plain text and can be selected to copy; ``font`` is the widget's own, enlarged.
    """
    name = QLabel()
    name.setAccessibleName("Child's name")
    name.setTextFormat(Qt.TextFormat.PlainText)
    name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    title_font = QFont(font)
    title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
    title_font.setBold(True)
    name.setFont(title_font)
    subtitle = QLabel()
    subtitle.setAccessibleName("Child ID, age and date of birth")
    subtitle.setTextFormat(Qt.TextFormat.PlainText)
    subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return name, subtitle


class ChildPane(QWidget):
    """Shows one child: a header, four boxes of facts, and the timeline."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty pane that asks the IRO to pick a child."""
        super().__init__(parent)
        self.setAccessibleName("Child details")
        self._child_uuid: uuid.UUID | None = None

        self._stack = QStackedWidget(self)
        self._message = QLabel("Select a child in the list to see their details.")
        self._message.setAccessibleName("Child details message")
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._message.setTextFormat(Qt.TextFormat.PlainText)
        self._message.setMargin(24)
        self._stack.addWidget(self._message)

        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        self.name_label, self.subtitle_label = child_heading(self.font())
        self.subtitle_label.setWordWrap(True)
        page_layout.addWidget(self.name_label)
        page_layout.addWidget(self.subtitle_label)

        self.about_box = FactsBox("About the child")
        self.care_box = FactsBox("Care and legal status")
        self.review_box = FactsBox("Next review")
        self.people_box = FactsBox("People around the child")
        facts = QWidget()
        facts.setAccessibleName("Key facts")
        grid = QGridLayout(facts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.about_box, 0, 0)
        grid.addWidget(self.care_box, 0, 1)
        grid.addWidget(self.people_box, 1, 0)
        grid.addWidget(self.review_box, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(2, 1)
        scroll = QScrollArea()
        scroll.setAccessibleName("Key facts")
        scroll.setWidget(facts)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)

        timeline_box = QGroupBox("Timeline (newest first)")
        timeline_box.setAccessibleName("Timeline")
        timeline_layout = QVBoxLayout(timeline_box)
        self.timeline_model = TimelineModel(self)
        self.timeline_view = QTableView()
        self.timeline_view.setAccessibleName("Timeline of the child's case, newest first")
        self.timeline_view.setModel(self.timeline_model)
        self.timeline_view.setShowGrid(False)
        self.timeline_view.setWordWrap(True)
        self.timeline_view.setAlternatingRowColors(True)
        self.timeline_view.setTabKeyNavigation(False)
        self.timeline_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.timeline_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.timeline_view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.timeline_view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSectionResizeMode(TimelineColumn.DATE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TimelineColumn.WHAT, QHeaderView.ResizeMode.Interactive)
        timeline_layout.addWidget(self.timeline_view)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("child_pane_splitter")
        self.splitter.setAccessibleName("Key facts and timeline")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(timeline_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.splitterMoved.connect(self._splitter_moved_by_hand)
        self._facts = facts
        self._sized_by_hand = False
        page_layout.addWidget(self.splitter, 1)
        self._stack.addWidget(page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

    # -- layout ---------------------------------------------------------------------------
    def restore_splitter(self, state: QByteArray) -> bool:
        """Put the facts/timeline divider where the IRO left it last time."""
        restored = self.splitter.restoreState(state)
        self._sized_by_hand = self._sized_by_hand or restored
        return restored

    @property
    def sized_by_hand(self) -> bool:
        """True once the IRO has moved the facts/timeline divider (then it is remembered)."""
        return self._sized_by_hand

    def _splitter_moved_by_hand(self, _pos: int, _index: int) -> None:
        self._sized_by_hand = True

    def _fit_facts(self) -> None:
        """Give the facts the height they need and the timeline the rest (until moved by hand)."""
        if self._sized_by_hand:
            return
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        facts_widget = self._facts
        wanted = facts_widget.sizeHint().height()
        if facts_widget.hasHeightForWidth():
            wanted = max(wanted, facts_widget.heightForWidth(self.splitter.width()))
        wanted += 4
        facts = max(min(wanted, total - 160), total // 3)
        self.splitter.setSizes([facts, total - facts])

    def _size_timeline_columns(self) -> None:
        """'What happened' takes a good share of the width; details wrap in the rest."""
        available = self.timeline_view.viewport().width() or self.width()
        self.timeline_view.setColumnWidth(TimelineColumn.WHAT, max(200, int(available * 0.45)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the facts fitted and the timeline's columns in proportion."""
        super().resizeEvent(event)
        if self._child_uuid is not None:
            self._fit_facts()
            self._size_timeline_columns()

    # -- what is shown --------------------------------------------------------------------
    @property
    def child_uuid(self) -> uuid.UUID | None:
        """The child shown, or None when the pane shows a message."""
        return self._child_uuid

    @property
    def message(self) -> str:
        """The message shown when no child is (the empty state)."""
        return self._message.text()

    def show_message(self, text: str) -> None:
        """Show a message instead of a child (nothing selected, no match, empty caseload)."""
        self._child_uuid = None
        self._message.setText(text)
        self._stack.setCurrentIndex(0)
        self.timeline_model.set_entries([])

    def show_child(self, row: ChildRow, detail: ChildDetail, *, today_ordinal: int = 0) -> None:
        """Show one child: ``row`` gives the next review, ``detail`` everything else."""
        self._child_uuid = detail.child_uuid
        self.name_label.setText(detail.display_name)
        self.subtitle_label.setText(self._subtitle(detail))
        self.about_box.set_rows(self._about_rows(detail))
        self.care_box.set_rows(self._care_rows(detail))
        self.people_box.set_rows(self._people_rows(detail))
        self.review_box.set_rows(self._review_rows(row))
        status_value = self.review_box.value_label("Status")
        if status_value is not None and row.next_status:
            palette = status_value.palette()
            palette.setColor(QPalette.ColorRole.WindowText, status_colour(row.next_status))
            status_value.setPalette(palette)
            if row.next_status == "overdue":
                bold = QFont(status_value.font())
                bold.setBold(True)
                status_value.setFont(bold)
        self.timeline_model.set_entries(detail.timeline, today_ordinal=today_ordinal)
        self._size_timeline_columns()
        self._stack.setCurrentIndex(1)
        self._fit_facts()
        # Wrapped values know their height only once laid out at the pane's width.
        QTimer.singleShot(0, self._fit_facts)

    # -- the facts ------------------------------------------------------------------------
    @staticmethod
    def _subtitle(detail: ChildDetail) -> str:
        parts = [f"Child ID {detail.child_ref}"]
        if detail.age is not None:
            parts.append(f"{detail.age} {'year' if detail.age == 1 else 'years'} old")
        if detail.dob:
            parts.append(f"born {format_date(detail.dob)}")
        return " · ".join(parts)

    @staticmethod
    def _about_rows(detail: ChildDetail) -> list[tuple[str, str]]:
        language = detail.first_language
        if detail.interpreter_needed:
            language = f"{language} (needs an interpreter)" if language else "Needs an interpreter"
        return [
            ("Legal name", detail.legal_name),
            ("Likes to be called", detail.preferred_name or detail.first_name),
            ("Gender", detail.gender_label if detail.gender != "unknown" else ""),
            ("Ethnicity", detail.ethnicity),
            ("First language", language),
            ("Communication", detail.communication_needs),
            ("Disability", detail.disability),
        ]

    @staticmethod
    def _care_rows(detail: ChildDetail) -> list[tuple[str, str]]:
        episode = detail.current_episode
        rows: list[tuple[str, str]] = []
        if episode is None:
            last = detail.previous_episodes[0] if detail.previous_episodes else None
            rows.append(("Legal status", "Not in care now"))
            if last is not None and last.end_date:
                rows.append(("Left care", format_date(last.end_date)))
        else:
            rows += [
                ("Legal status", f"{episode.legal_status} {episode.legal_status_label}"),
                ("In care since", format_date(episode.start_date)),
                ("Placement", episode.placement_name),
                ("Type of placement", episode.placement_type_label),
            ]
        earlier = len(detail.previous_episodes)
        rows.append(("Earlier episodes", str(earlier) if earlier else "None"))
        tracks = ", ".join(track.kind_label for track in detail.open_tracks)
        rows.append(("Reviews chaired", tracks or "None open"))
        iro = detail.allocated_iro_name
        if detail.covering_iro_name:
            iro = f"{iro} (covered by {detail.covering_iro_name})"
        rows.append(("IRO", iro))
        return rows

    @staticmethod
    def _people_rows(detail: ChildDetail) -> list[tuple[str, str]]:
        rows = []
        for role in detail.roles_shown():
            people = detail.people_in_role(role)
            text = "; ".join(_person_text(person) for person in people)
            if not text and role in ("advocate", "independent_visitor"):
                text = "None recorded"
            rows.append((label(PERSON_ROLES, role), text))
        return rows

    @staticmethod
    def _review_rows(row: ChildRow) -> list[tuple[str, str]]:
        if not row.next_deadline:
            return [("Status", status_label(""))]
        return [
            ("Kind", row.next_kind_label),
            ("Status", status_label(row.next_status)),
            ("Statutory deadline", format_date(row.next_deadline)),
            ("Target date", format_date(row.next_target)),
            ("Booked for", format_date(row.next_scheduled) or "Not booked yet"),
        ]
