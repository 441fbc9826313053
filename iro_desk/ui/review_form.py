"""The review form: record a review as held, or amend its record, in one sitting by keyboard.

``ReviewForm`` is a dialog the main window (or anything else) opens for one review:

- ``ReviewForm(store, review_id=..., ...)`` for a booked review (recorded as held) or a held one
  (its record amended);
- ``ReviewForm(store, track_id=..., ...)`` for a track: its next booked review, or a new one.

On Save (Ctrl+S) it calls ``iro_desk.recording`` (``record_review`` or ``amend_review``, then
``set_paperwork``) in one transaction. Problems are shown beside the field they concern, with a
⚠ symbol and in bold, never as an exception dialog. The text typed is saved as a draft a moment
after each edit (``iro_desk.drafts``) and offered back when the form is opened again, so a crash
or a closed lid loses nothing. ``saved`` is emitted with the review's id.

This module also holds the pieces the visit form shares: ``FieldProblems`` and ``DateField``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from iro_desk import recording
from iro_desk.drafts import Draft, DraftStore
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import CaseTrack, Child, Review
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.decisions_model import (
    DecisionRow,
    DecisionsModel,
    parse_typed_date,
    typed_date,
)
from iro_desk.ui.errors import show_error
from iro_desk.ui.theme import status_colour
from iro_desk.vocab import PARTICIPATION, PERMANENCE_STATUSES, REVIEW_FORMATS, TRACK_KINDS

# How long after the last keystroke the draft is written.
AUTOSAVE_MS = 1500

PRE_REVIEW_CHOICES: tuple[tuple[str, bool | None], ...] = (
    ("Not recorded", None),
    ("Yes: seen or spoken to before the review", True),
    ("No", False),
)


# ---------------------------------------------------------------------------------------------
# Pieces shared with the visit form.


def qdate(day: dt.date) -> QDate:
    """A Python date as a QDate."""
    return QDate(day.year, day.month, day.day)


def pydate(value: QDate) -> dt.date:
    """A QDate as a Python date."""
    return dt.date(value.year(), value.month(), value.day())


def date_edit(name: str, day: dt.date) -> QDateEdit:
    """A date box typed as 31/01/2027 with a calendar popup (Alt+Down)."""
    edit = QDateEdit()
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setDateRange(QDate(1900, 1, 1), QDate(2200, 12, 31))
    edit.setDate(qdate(day))
    edit.setAccessibleName(name)
    return edit


def text_box(
    name: str, *, lines: int = 3, placeholder: str = "", grows: bool = True
) -> QPlainTextEdit:
    """A multi-line box where Tab moves on (the IRO works by keyboard).

    ``lines`` is the height it starts at; a box that does not ``grow`` stays that height (it
    scrolls when more is typed).
    """
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setAccessibleName(name)
    box.setPlaceholderText(placeholder)
    height = box.fontMetrics().lineSpacing() * lines + 14
    box.setMinimumHeight(height)
    if not grows:
        box.setMaximumHeight(height)
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return box


def line_edit(name: str, placeholder: str = "") -> QLineEdit:
    """A one-line box with an accessible name."""
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    return edit


class DateField(QWidget):
    """A date that may be left blank: typed (31/01/2027) or picked from a calendar (Alt+Down)."""

    edited = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        """A blank date box whose accessible name is ``name``."""
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.line = line_edit(name, "dd/mm/yyyy")
        self.line.setMaximumWidth(self.line.fontMetrics().horizontalAdvance("00/00/00000") + 24)
        self.line.textEdited.connect(self.edited)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setToolTip("Choose from a calendar (Alt+Down)")
        self.button.setAccessibleName(f"Calendar for {name.lower()}")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.show_calendar)
        layout.addWidget(self.line)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.setFocusProxy(self.line)
        shortcut = QShortcut(QKeySequence("Alt+Down"), self.line)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self.show_calendar)

    def text(self) -> str:
        """The text typed."""
        return self.line.text()

    def set_text(self, text: str) -> None:
        """Put text in the box (drafts keep half-typed dates as they were)."""
        self.line.setText(text)

    def date(self) -> dt.date | None:
        """The date typed, or None when blank.

        Raises:
            ValueError: with a message for people, when the text is not a date.
        """
        return parse_typed_date(self.line.text())

    def set_date(self, day: dt.date | None) -> None:
        """Show ``day`` (blank for None)."""
        self.line.setText(typed_date(day))

    def show_calendar(self) -> None:
        """Pick the date from a calendar; Enter chooses, Escape leaves the date as it was."""
        menu = QMenu(self)
        calendar = QCalendarWidget()
        calendar.setGridVisible(True)
        try:
            current = self.date()
        except ValueError:
            current = None
        if current is not None:
            calendar.setSelectedDate(qdate(current))
        action = QWidgetAction(menu)
        action.setDefaultWidget(calendar)
        menu.addAction(action)

        def chosen(value: QDate) -> None:
            self.set_date(pydate(value))
            self.edited.emit()
            menu.close()

        calendar.activated.connect(chosen)
        calendar.clicked.connect(chosen)
        calendar.setFocus()
        menu.exec(self.line.mapToGlobal(self.line.rect().bottomLeft()))


class FieldProblems:
    """Messages shown under the fields of a form (⚠ and bold), and a headline for the form."""

    def __init__(self) -> None:
        """No fields yet; ``wrap`` adds them."""
        self.headline = self._problem_label("Problems with this record")
        self._labels: dict[str, QLabel] = {}
        self._widgets: dict[str, QWidget] = {}
        self._order: list[str] = []

    @staticmethod
    def _problem_label(name: str) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setAccessibleName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        colour = status_colour("overdue", label.palette()).name()
        label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        label.hide()
        return label

    def wrap(self, key: str, widget: QWidget, *, focus: QWidget | None = None) -> QWidget:
        """``widget`` with its (hidden until needed) problem message under it."""
        box = QWidget()
        box.setSizePolicy(widget.sizePolicy())  # the message never stretches a field
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        label = self.add(key, focus or widget)
        layout.addWidget(label)
        return box

    def add(self, key: str, focus: QWidget) -> QLabel:
        """A problem label for ``key`` the caller places; ``focus`` gets focus when it shows."""
        label = self._problem_label(f"Problem with {focus.accessibleName().lower() or key}")
        label.setObjectName(f"problem_{key}")
        self._labels[key] = label
        self._widgets[key] = focus
        self._order.append(key)
        return label

    def message(self, key: str) -> str:
        """The message shown for ``key`` ('' when none)."""
        label = self._labels.get(key)
        if label is None or label.isHidden():
            return ""
        return label.text().removeprefix("⚠ ")

    def clear(self) -> None:
        """Hide every message."""
        for key, label in self._labels.items():
            label.clear()
            label.hide()
            self._widgets[key].setAccessibleDescription("")
        self.headline.clear()
        self.headline.hide()

    def show(self, headline: str, problems: dict[str, str]) -> QWidget | None:
        """Show each problem beside its field; returns the first field with one, to focus.

        Problems whose key names no field go under the headline.
        """
        self.clear()
        unplaced: list[str] = []
        for key, why in problems.items():
            label = self._labels.get(key)
            if label is None:
                unplaced.append(why)
                continue
            label.setText(f"⚠ {why}")
            label.show()
            self._widgets[key].setAccessibleDescription(why)
        self.headline.setText("\n".join([f"⚠ {headline}", *unplaced]))
        self.headline.show()
        for key in self._order:
            if key in problems:
                return self._widgets[key]
        return None


def ask_close(parent: QWidget, what: str) -> str:
    """Ask what to do with unsaved typing: 'keep' (as a draft), 'discard' or 'stay'."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Unsaved changes")
    box.setText(f"{what} has changes that are not saved.")
    box.setInformativeText("Keep them as a draft to finish later, or discard them?")
    keep = box.addButton("&Keep as a draft", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("&Discard changes", QMessageBox.ButtonRole.DestructiveRole)
    stay = box.addButton("&Back to the form", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(stay)
    box.exec()
    clicked = box.clickedButton()
    if clicked is keep:
        return "keep"
    if clicked is discard:
        return "discard"
    return "stay"


class DraftBanner(QFrame):
    """'Unsaved text from 14:05 on 4 Jan 2027 was kept' with Restore and Discard buttons."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        """A hidden banner about the draft of ``what`` ('this review')."""
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Unsaved text found")
        layout = QHBoxLayout(self)
        self.what = what
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.restore_button = QPushButton("&Restore it")
        self.restore_button.setAccessibleName("Restore the unsaved text")
        self.discard_button = QPushButton("Dis&card it")
        self.discard_button.setAccessibleName("Discard the unsaved text")
        for button in (self.restore_button, self.discard_button):
            button.setAutoDefault(False)
        layout.addWidget(QLabel("✎"))
        layout.addWidget(self.label, 1)
        layout.addWidget(self.restore_button)
        layout.addWidget(self.discard_button)
        self.hide()

    def offer(self, draft: Draft) -> None:
        """Show the banner for ``draft``."""
        self.label.setText(
            f"Unsaved text from {draft.saved_at_text()} was kept for {self.what}. Restore it?"
        )
        self.show()


class DraftDialog(QDialog):
    """A form whose typing is autosaved as a draft and offered back when it is opened again.

    Subclasses give ``draft_key``, ``draft_fields``, ``apply_draft_fields`` and
    ``first_field``, call ``watch`` with the signals that mean "the IRO typed something", put
    ``banner`` at the top of their layout and call ``offer_draft`` at the end of ``__init__``.
    """

    what = "This record"

    def __init__(self, drafts_dir: Path | None, parent: QWidget | None = None) -> None:
        """Drafts are kept in ``drafts_dir`` (default: the user data folder)."""
        super().__init__(parent)
        self.drafts = DraftStore(drafts_dir)
        self._loading = True
        self._dirty = False
        self._draft: Draft | None = None
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.write_draft)
        self.banner = DraftBanner(self.what.lower())
        self.banner.restore_button.clicked.connect(self.restore_draft)
        self.banner.discard_button.clicked.connect(self.discard_draft)

    @property
    def draft_key(self) -> str:
        """The key of this form's draft."""
        raise NotImplementedError

    def draft_fields(self) -> dict[str, Any]:
        """Everything typed, as JSON values."""
        raise NotImplementedError

    def apply_draft_fields(self, fields: dict[str, Any]) -> None:
        """Put a draft's text back into the form."""
        raise NotImplementedError

    def first_field(self) -> QWidget:
        """Where the typing starts."""
        raise NotImplementedError

    @property
    def is_dirty(self) -> bool:
        """True when something was typed since the form was opened or saved."""
        return self._dirty

    def watch(self, signals: list[Any]) -> None:
        """Treat each signal as an edit: mark the form changed and autosave shortly."""
        for signal in signals:
            signal.connect(self._changed)

    def _changed(self, *_args: object) -> None:
        if self._loading:
            return
        self._dirty = True
        self._autosave.start()

    def write_draft(self) -> None:
        """Save what is typed now as this form's draft."""
        self._autosave.stop()
        if self._dirty:
            self.drafts.save(self.draft_key, self.draft_fields())

    def save_buttons(self, tip: str, name: str) -> QHBoxLayout:
        """The row under a form: the keyboard hint, Save (also Ctrl+S) and Cancel."""
        buttons = QHBoxLayout()
        # Shown in the normal text colour: a greyed (disabled) hint was too faint to read.
        hint = QLabel("Ctrl+S saves · Esc closes · the text is kept as a draft as you type")
        buttons.addWidget(hint, 1)
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip(tip)
        self.save_button.setAccessibleName(name)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Close without saving")
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        self.save_button.clicked.connect(self.save)  # type: ignore[attr-defined]
        self.cancel_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(
            self.save  # type: ignore[attr-defined]
        )
        return buttons

    def offer_draft(self) -> None:
        """End of loading: offer a draft kept from before, if there is one."""
        self._loading = False
        self._draft = self.drafts.load(self.draft_key)
        if self._draft is not None:
            self.banner.offer(self._draft)
            self.banner.restore_button.setFocus()
        else:
            self.first_field().setFocus()

    def restore_draft(self) -> None:
        """Put the unsaved text back (the banner's Restore button)."""
        if self._draft is not None:
            self._loading = True
            try:
                self.apply_draft_fields(self._draft.fields)
            finally:
                self._loading = False
            self._dirty = True
        self.banner.hide()
        self.first_field().setFocus()

    def discard_draft(self) -> None:
        """Throw the unsaved text away (the banner's Discard button)."""
        self.drafts.discard(self.draft_key)
        self._draft = None
        self.banner.hide()
        self.first_field().setFocus()

    def saved_now(self) -> None:
        """The record was saved: the draft has done its job."""
        self._autosave.stop()
        self.drafts.discard(self.draft_key)
        self._dirty = False

    def ask_close(self) -> str:
        """Ask about unsaved typing: 'keep', 'discard' or 'stay' (tests replace this)."""
        return ask_close(self, self.what)

    def reject(self) -> None:
        """Close; unsaved typing is kept as a draft or discarded, as the IRO chooses."""
        if self._dirty:
            choice = self.ask_close()
            if choice == "stay":
                return
            if choice == "discard":
                self._autosave.stop()
                self.drafts.discard(self.draft_key)
            else:
                self.write_draft()
            self._dirty = False
        self._autosave.stop()
        super().reject()

    @staticmethod
    def select(combo: QComboBox, value: Any) -> None:
        """Choose the item of ``combo`` whose data is ``value``."""
        for index in range(combo.count()):
            if combo.itemData(index) == value:
                combo.setCurrentIndex(index)
                return


# ---------------------------------------------------------------------------------------------
# The review form.


class ReviewForm(DraftDialog):
    """Record a review as held (or amend its record): meeting, participation, views, decisions.

    Raises (from the constructor):
        ValidationError: the review or track does not exist, or the review was cancelled or
            stood down (there is nothing to record).
    """

    saved = Signal(object)
    what = "This review"

    def __init__(
        self,
        store: CaseloadStore,
        *,
        review_id: uuid.UUID | None = None,
        track_id: uuid.UUID | None = None,
        today: dt.date,
        settings: Settings,
        drafts_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Open the form for ``review_id``, or for the next review on ``track_id``."""
        super().__init__(drafts_dir, parent)
        if review_id is None and track_id is None:
            raise ValueError("ReviewForm needs a review_id or a track_id")
        self.store = store
        self.today = today
        self.settings = settings
        self.review_id: uuid.UUID | None = review_id
        self.track_id: uuid.UUID | None = track_id
        # Opened for a track: which booking the record fulfils is decided by the date held.
        self._booking_by_date = review_id is None
        self._code_chosen = False
        self._load()
        self._build()
        self._fill()
        self._connect_changes()
        self.offer_draft()

    # --- loading -------------------------------------------------------------------------------

    def _load(self) -> None:
        with self.store.session() as session:
            review: Review | None = None
            if self.review_id is not None:
                review = session.get(Review, self.review_id)
                if review is None or review.deleted_at is not None:
                    raise ValidationError("That review is not on this caseload any more.")
                self.track_id = review.track_id
            track = session.get(CaseTrack, self.track_id)
            if track is None or track.deleted_at is not None:
                raise ValidationError("That review's track is not on this caseload any more.")
            if review is None:
                review = recording.find_booked_review(session, track.id, None)
                self.review_id = review.id if review else None
            if review is not None and review.status not in ("booked", "held"):
                raise ValidationError(
                    f"This review was {review.status.replace('_', ' ')}: there is nothing to "
                    "record. Book a new review on the calendar."
                )
            self.child: Child | None = (
                session.get(Child, track.child_id) if track.child_id else None
            )
            self.track: CaseTrack = track
            self.review: Review | None = review
            decisions = (
                recording.decisions_for_review(session, review.id) if review is not None else []
            )
            self._decision_rows = [DecisionRow.from_record(d, self.today) for d in decisions]
        self.amending = review is not None and review.status == "held"

    @property
    def draft_key(self) -> str:
        """The key of this form's draft: ``review:<id>`` or ``new-review:<track id>``."""
        if self.review_id is not None:
            return f"review:{self.review_id}"
        return f"new-review:{self.track.id}"

    @property
    def name(self) -> str:
        """What the child is called in messages ('the household' for a carer review)."""
        return self.child.letter_name if self.child is not None else "the household"

    # --- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        kind = TRACK_KINDS.get(self.track.kind, "Review")
        who = (
            f"{self.child.display_name} ({self.child.child_ref})"
            if self.child is not None
            else self.track.household_name or "Foster carer household"
        )
        verb = "Amend the record" if self.amending else "Record the review"
        self.setWindowTitle(f"{verb}: {who}")
        self.setAccessibleName(f"{verb} for {who}")
        self.setSizeGripEnabled(True)
        self.problems = FieldProblems()

        outer = QVBoxLayout(self)
        outer.addWidget(self.banner)

        header = QLabel()
        header.setTextFormat(Qt.TextFormat.RichText)
        born = ""
        if self.child is not None and self.child.dob is not None:
            born = f" · born {recording.format_date(self.child.dob)}"
        header.setText(f"<b>{_html(who)}</b>{_html(born)}<br>{_html(self._review_line(kind))}")
        header.setAccessibleName("Whose review this is")
        outer.addWidget(header)
        outer.addWidget(self.problems.headline)

        scroll = QScrollArea()
        scroll.setAccessibleName("The review record")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        grid = QGridLayout(content)
        grid.setContentsMargins(0, 0, 6, 0)
        grid.addWidget(self._meeting_group(kind), 0, 0)
        grid.addWidget(self._participation_group(), 1, 0)
        grid.addWidget(self._views_group(), 0, 1, 2, 1)
        grid.addWidget(self._decisions_group(), 2, 0, 1, 2)
        grid.addWidget(self._paperwork_group(), 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        scroll.setWidget(content)
        outer.addWidget(scroll, 1)

        outer.addLayout(self.save_buttons("Save the record (Ctrl+S)", "Save the review record"))

        self._set_tab_order()
        self.resize(1160, 820)

    def _review_line(self, kind: str) -> str:
        review = self.review
        if review is None:
            return f"{kind} · nothing booked: a new review will be recorded"
        if review.status == "held":
            return f"{kind} · held {recording.format_date(review.held_on)}"
        when = recording.format_date(review.scheduled_date) or "no date yet"
        return f"{kind} · booked for {when}"

    def _meeting_group(self, kind: str) -> QGroupBox:
        group = QGroupBox("The meeting")
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.held_on = date_edit("Date held", self.today)
        self.held_on.setMaximumWidth(160)
        self.age_note = QLabel()
        self.age_note.setAccessibleName("Age on the day")
        date_row = QWidget()
        date_layout = QHBoxLayout(date_row)
        date_layout.setContentsMargins(0, 0, 0, 0)
        date_layout.addWidget(self.held_on)
        date_layout.addWidget(self.age_note, 1)
        form.addRow("&Date held", self.problems.wrap("held_on", date_row, focus=self.held_on))
        kind_label = QLabel(kind)
        kind_label.setAccessibleName("Kind of review")
        form.addRow("Kind", kind_label)
        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        for code, text in REVIEW_FORMATS.items():
            self.format.addItem(text, code)
        form.addRow("&Format", self.problems.wrap("format", self.format))
        self.venue = line_edit("Venue", "Where it was held")
        form.addRow("&Venue", self.problems.wrap("venue", self.venue))
        self.attendees = text_box(
            "Who attended", lines=3, placeholder="Names and roles", grows=False
        )
        form.addRow("Who &attended", self.problems.wrap("attendees", self.attendees))
        self.reports_from = text_box(
            "Reports from", lines=3, placeholder="Who sent reports, and who did not", grows=False
        )
        form.addRow("&Reports from", self.problems.wrap("reports_from", self.reports_from))
        return group

    def _participation_group(self) -> QGroupBox:
        group = QGroupBox(f"How {self.name} took part")
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.participation = QComboBox()
        self.participation.setAccessibleName("Participation code")
        self.participation.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.participation.setMinimumContentsLength(30)
        widest = 0
        for code in PARTICIPATION:
            text = recording.participation_label(code)
            self.participation.addItem(text, code)
            self.participation.setItemData(
                self.participation.count() - 1, text, Qt.ItemDataRole.ToolTipRole
            )
            widest = max(widest, self.participation.fontMetrics().horizontalAdvance(text))
        # The list that drops down shows each label in full, even when the box is narrower.
        self.participation.view().setMinimumWidth(widest + 40)
        if self.child is None:
            self.participation.setPlaceholderText("No child: no participation code")
            self.participation.setEnabled(False)
        else:
            self.participation.setPlaceholderText(f"Choose how {self.name} took part")
        self.participation.setCurrentIndex(-1)
        form.addRow("&Participation", self.problems.wrap("participation_code", self.participation))
        self.child_chaired = QCheckBox(f"{self.name} c&haired their own review")
        self.child_chaired.setAccessibleName("The child chaired their own review")
        form.addRow("", self.child_chaired)
        self.pre_review = QComboBox()
        self.pre_review.setAccessibleName("Seen or spoken to before the review")
        for text, value in PRE_REVIEW_CHOICES:
            self.pre_review.addItem(text, value)
        form.addRow("S&een before", self.pre_review)
        return group

    def _views_group(self) -> QGroupBox:
        group = QGroupBox("Views and summary")
        form = QFormLayout(group)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.child_views = text_box(
            "The child's views", lines=7, placeholder="As they gave them, in their own words"
        )
        form.addRow(f"{self.name}'s &views", self.problems.wrap("child_views", self.child_views))
        self.iro_summary = text_box("The IRO's summary", lines=6)
        form.addRow("The IRO's s&ummary", self.problems.wrap("iro_summary", self.iro_summary))
        self.permanence = QComboBox()
        self.permanence.setAccessibleName("Permanence plan")
        self.permanence.addItem("Not recorded", "")
        for code, text in PERMANENCE_STATUSES.items():
            self.permanence.addItem(text, code)
        form.addRow("Per&manence plan", self.problems.wrap("permanence_status", self.permanence))
        return group

    def _decisions_group(self) -> QGroupBox:
        group = QGroupBox("Decisions: what will happen, who is responsible, by when")
        layout = QVBoxLayout(group)
        self.decisions = DecisionsModel(self._decision_rows, self)
        self.table = QTableView()
        self.table.setModel(self.decisions)
        self.table.setAccessibleName("Decisions")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        rows_shown = self.table.verticalHeader().defaultSectionSize() * 4
        self.table.setMinimumHeight(rows_shown + self.table.horizontalHeader().sizeHint().height())
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        remove_shortcut = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        remove_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_shortcut.activated.connect(self.remove_decision)
        layout.addWidget(self.table)
        self.decisions_problem = self.problems.add("decisions", self.table)
        layout.addWidget(self.decisions_problem)

        add_row = QHBoxLayout()
        self.new_text = line_edit("New decision: what will happen", "What will happen")
        self.new_who = line_edit("New decision: who is responsible", "Who is responsible")
        self.new_due = DateField("New decision: by when")
        self.add_button = QPushButton("&Add decision")
        self.add_button.setAccessibleName("Add the decision to the table")
        self.add_button.setAutoDefault(False)
        self.remove_button = QPushButton("Re&move decision")
        self.remove_button.setAccessibleName("Remove the selected decision")
        self.remove_button.setAutoDefault(False)
        add_row.addWidget(self.new_text, 3)
        add_row.addWidget(self.new_who, 2)
        add_row.addWidget(QLabel("by"))
        add_row.addWidget(self.new_due)
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.remove_button)
        layout.addLayout(add_row)
        self.new_decision_problem = self.problems.add("new_decision", self.new_text)
        layout.addWidget(self.new_decision_problem)
        for edit in (self.new_text, self.new_who, self.new_due.line):
            edit.returnPressed.connect(self.add_decision)
        self.add_button.clicked.connect(self.add_decision)
        self.remove_button.clicked.connect(self.remove_decision)
        return group

    def _paperwork_group(self) -> QGroupBox:
        group = QGroupBox("Paperwork after the review")
        form = QFormLayout(group)
        self.circulated = DateField("Decisions circulated on")
        self.circulated_due = QLabel()
        self.completed = DateField("Record completed on")
        self.completed_due = QLabel()
        for field, due, key, text in (
            (self.circulated, self.circulated_due, "decisions_circulated_on", "De&cisions sent"),
            (self.completed, self.completed_due, "record_completed_on", "Record comp&leted"),
        ):
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(field)
            due.setAccessibleName(f"When {field.line.accessibleName().lower()} is due")
            row_layout.addWidget(due, 1)
            form.addRow(text, self.problems.wrap(key, row, focus=field.line))
        return group

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.banner.restore_button,
            self.banner.discard_button,
            self.held_on,
            self.format,
            self.venue,
            self.attendees,
            self.reports_from,
            self.participation,
            self.child_chaired,
            self.pre_review,
            self.child_views,
            self.iro_summary,
            self.permanence,
            self.table,
            self.new_text,
            self.new_who,
            self.new_due.line,
            self.add_button,
            self.remove_button,
            self.circulated.line,
            self.completed.line,
            self.save_button,
            self.cancel_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # --- filling and reading ---------------------------------------------------------------------

    def _fill(self) -> None:
        review = self.review
        held_on = self.today
        if review is not None:
            if review.held_on is not None:
                held_on = review.held_on
            elif review.scheduled_date is not None and review.scheduled_date <= self.today:
                held_on = review.scheduled_date
            self.select(self.format, review.format)
            self.venue.setText(review.venue)
            self.attendees.setPlainText(review.attendees)
            self.reports_from.setPlainText(review.reports_from)
            self.child_chaired.setChecked(review.child_chaired)
            self.child_views.setPlainText(review.child_views)
            self.iro_summary.setPlainText(review.iro_summary)
            self.select(self.permanence, review.permanence_status)
            self.select(self.pre_review, review.pre_review_contact)
            self.circulated.set_date(review.decisions_circulated_on)
            self.completed.set_date(review.record_completed_on)
            if review.participation_code:
                self.select(self.participation, review.participation_code)
                self._code_chosen = True
        self.held_on.setDate(qdate(held_on))
        self._date_changed()

    def first_field(self) -> QWidget:
        """Typing starts at the date held."""
        return self.held_on

    def held_date(self) -> dt.date:
        """The date held, as shown."""
        return pydate(self.held_on.date())

    def _date_changed(self) -> None:
        day = self.held_date()
        if self.child is not None and self.child.dob is not None and day >= self.child.dob:
            age = recording.age_on(self.child.dob, day)
            self.age_note.setText(f"{self.name} was {age} on this day.")
        else:
            self.age_note.clear()
        if not self._code_chosen and self.child is not None:
            default = recording.default_participation_code(self.child, day)
            with QSignalBlocker(self.participation):
                if default is None:
                    self.participation.setCurrentIndex(-1)
                else:
                    self.select(self.participation, default)
        circulate_by, complete_by = recording.paperwork_due_from(day, self.settings)
        self.circulated_due.setText(
            f"due by {recording.format_date(circulate_by)} "
            f"({self.settings.decisions_circulated_working_days} working days after the review)"
        )
        self.completed_due.setText(
            f"due by {recording.format_date(complete_by)} "
            f"({self.settings.record_completed_working_days} working days after the review)"
        )

    def _code_changed(self) -> None:
        if not self._loading:
            self._code_chosen = self.participation.currentIndex() >= 0

    def details(self) -> recording.ReviewInput:
        """What the form holds, as the core takes it."""
        return recording.ReviewInput(
            held_on=self.held_date(),
            participation_code=self.participation.currentData(),
            format=self.format.currentData(),
            venue=self.venue.text(),
            attendees=self.attendees.toPlainText(),
            reports_from=self.reports_from.toPlainText(),
            child_chaired=self.child_chaired.isChecked(),
            child_views=self.child_views.toPlainText(),
            iro_summary=self.iro_summary.toPlainText(),
            permanence_status=self.permanence.currentData() or "",
            pre_review_contact=self.pre_review.currentData(),
            decisions=[row.as_input() for row in self.decisions.rows()],
        )

    # --- decisions -------------------------------------------------------------------------------

    def add_decision(self) -> None:
        """Add the decision typed in the row under the table; the row is cleared for the next."""
        self.new_decision_problem.hide()
        text = self.new_text.text().strip()
        who = self.new_who.text().strip()
        try:
            due_on = self.new_due.date()
        except ValueError as exc:
            self._new_decision_problem(str(exc), self.new_due.line)
            return
        missing = [
            words
            for words, value in (
                ("what will happen", text),
                ("who is responsible", who),
                ("by when", due_on),
            )
            if not value
        ]
        if missing:
            first = {
                "what will happen": self.new_text,
                "who is responsible": self.new_who,
                "by when": self.new_due.line,
            }[missing[0]]
            self._new_decision_problem(
                f"Say {' and '.join(missing)}, then add the decision.", first
            )
            return
        row = self.decisions.append(DecisionRow(text=text, responsible=who, due_on=due_on))
        self.table.scrollTo(self.decisions.index(row, 0))
        for edit in (self.new_text, self.new_who, self.new_due.line):
            edit.clear()
        self.new_text.setFocus()
        self._changed()

    def _new_decision_problem(self, why: str, focus: QWidget) -> None:
        self.new_decision_problem.setText(f"⚠ {why}")
        self.new_decision_problem.show()
        focus.setFocus()

    def remove_decision(self) -> None:
        """Take the selected decision out (a saved one is removed, with its history, on Save)."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        position = rows[0].row()
        self.decisions.remove(position)
        if self.decisions.rowCount():
            self.table.selectRow(min(position, self.decisions.rowCount() - 1))
        self._changed()

    # --- saving ----------------------------------------------------------------------------------

    def save(self) -> bool:
        """Check and save the record; True when saved (the form then closes)."""
        self.problems.clear()
        self.decisions.set_problems({})
        self.new_decision_problem.hide()
        local: dict[str, str] = {}
        circulated = self._typed(self.circulated, "decisions_circulated_on", local)
        completed = self._typed(self.completed, "record_completed_on", local)
        if self.new_text.text().strip() or self.new_who.text().strip():
            local["new_decision"] = (
                "This decision is not in the table yet: press Add decision, or clear it."
            )
        if local:
            self._show_problems("The review was not saved: check the fields marked ⚠.", local)
            return False
        try:
            with self.store.session() as session:
                if self.amending:
                    assert self.review_id is not None
                    review = recording.amend_review(
                        session, review_id=self.review_id, details=self.details(), today=self.today
                    )
                else:
                    by_date = self._booking_by_date
                    review = recording.record_review(
                        session,
                        review_id=None if by_date else self.review_id,
                        track_id=self.track.id if by_date else None,
                        details=self.details(),
                        today=self.today,
                    )
                recording.set_paperwork(
                    session,
                    review_id=review.id,
                    decisions_circulated_on=circulated,
                    record_completed_on=completed,
                    today=self.today,
                )
        except ValidationError as exc:
            headline = str(exc).splitlines()[0]
            self._show_problems(headline, exc.problems or {"review": headline})
            return False
        except IroDeskError as exc:
            show_error(self, str(exc))
            return False
        self.saved_now()
        self.review_id = review.id
        self.saved.emit(review.id)
        self.accept()
        return True

    @staticmethod
    def _typed(field: DateField, key: str, problems: dict[str, str]) -> dt.date | None:
        try:
            return field.date()
        except ValueError as exc:
            problems[key] = str(exc)
            return None

    def _show_problems(self, headline: str, problems: dict[str, str]) -> None:
        decision_problems = {k: v for k, v in problems.items() if k.startswith("decisions.")}
        shown = {k: v for k, v in problems.items() if k not in decision_problems}
        if decision_problems:
            shown["decisions"] = "\n".join(decision_problems.values())
        self.decisions.set_problems(decision_problems)
        focus = self.problems.show(headline, shown)
        if focus is not None:
            focus.setFocus()

    def problem(self, key: str) -> str:
        """The message shown beside a field ('' when none): for tests and screen readers."""
        return self.problems.message(key)

    # --- drafts and closing ----------------------------------------------------------------------

    def _connect_changes(self) -> None:
        self.held_on.dateChanged.connect(self._date_changed)
        self.participation.currentIndexChanged.connect(self._code_changed)
        self.watch(
            [
                self.held_on.dateChanged,
                self.format.currentIndexChanged,
                self.venue.textEdited,
                self.attendees.textChanged,
                self.reports_from.textChanged,
                self.participation.currentIndexChanged,
                self.child_chaired.toggled,
                self.pre_review.currentIndexChanged,
                self.child_views.textChanged,
                self.iro_summary.textChanged,
                self.permanence.currentIndexChanged,
                self.decisions.dataChanged,
                self.decisions.rowsRemoved,
                self.new_text.textEdited,
                self.new_who.textEdited,
                self.new_due.edited,
                self.circulated.edited,
                self.completed.edited,
            ]
        )

    def draft_fields(self) -> dict[str, Any]:
        """Everything typed, as JSON values, for the draft."""
        details = self.details()
        return {
            "held_on": self.held_date().isoformat(),
            "participation_code": details.participation_code,
            "code_chosen": self._code_chosen,
            "format": details.format,
            "venue": self.venue.text(),
            "attendees": details.attendees,
            "reports_from": details.reports_from,
            "child_chaired": details.child_chaired,
            "child_views": details.child_views,
            "iro_summary": details.iro_summary,
            "permanence_status": details.permanence_status,
            "pre_review_contact": details.pre_review_contact,
            "decisions": [row.as_json() for row in self.decisions.rows()],
            "new_decision": [self.new_text.text(), self.new_who.text(), self.new_due.text()],
            "decisions_circulated_on": self.circulated.text(),
            "record_completed_on": self.completed.text(),
        }

    def apply_draft_fields(self, fields: dict[str, Any]) -> None:
        """Put a draft's text back into the form."""
        if fields.get("held_on"):
            self.held_on.setDate(qdate(dt.date.fromisoformat(fields["held_on"])))
        self.select(self.format, fields.get("format", "in_person"))
        self.venue.setText(fields.get("venue", ""))
        self.attendees.setPlainText(fields.get("attendees", ""))
        self.reports_from.setPlainText(fields.get("reports_from", ""))
        self.child_chaired.setChecked(bool(fields.get("child_chaired", False)))
        self.child_views.setPlainText(fields.get("child_views", ""))
        self.iro_summary.setPlainText(fields.get("iro_summary", ""))
        self.select(self.permanence, fields.get("permanence_status", ""))
        self.select(self.pre_review, fields.get("pre_review_contact"))
        code = fields.get("participation_code")
        if code:
            self.select(self.participation, code)
        else:
            self.participation.setCurrentIndex(-1)
        self._code_chosen = bool(fields.get("code_chosen", code is not None))
        self.decisions.set_rows(
            [DecisionRow.from_json(value) for value in fields.get("decisions", [])]
        )
        text, who, due = ([*fields.get("new_decision", []), "", "", ""])[:3]
        self.new_text.setText(text)
        self.new_who.setText(who)
        self.new_due.set_text(due)
        self.circulated.set_text(fields.get("decisions_circulated_on", ""))
        self.completed.set_text(fields.get("record_completed_on", ""))
        self._date_changed()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def show_form(
    make: Callable[[], DraftDialog],
    parent: QWidget | None,
    on_saved: Callable[[uuid.UUID], None] | None = None,
) -> DraftDialog | None:
    """Build a form with ``make`` and show it (non-modal), or show why it cannot open."""
    try:
        form = make()
    except IroDeskError as exc:
        show_error(parent, str(exc))
        return None
    if on_saved is not None:
        form.saved.connect(on_saved)  # type: ignore[attr-defined]
    form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    form.show()
    return form


def open_review_form(
    store: CaseloadStore,
    *,
    today: dt.date,
    settings: Settings,
    review_id: uuid.UUID | None = None,
    track_id: uuid.UUID | None = None,
    parent: QWidget | None = None,
    on_saved: Callable[[uuid.UUID], None] | None = None,
) -> ReviewForm | None:
    """Open the review form (non-modal), or show why it cannot open; returns the form."""
    form = show_form(
        lambda: ReviewForm(
            store,
            review_id=review_id,
            track_id=track_id,
            today=today,
            settings=settings,
            parent=parent,
        ),
        parent,
        on_saved,
    )
    return form if isinstance(form, ReviewForm) else None
