"""Booking, moving, standing down or cancelling a review from the calendar.

``BookingDialog`` books the next review of a case track (``booking.book_review``) or, for a
review already booked, moves it (``booking.reschedule_review``). It shows the statutory
deadline and the local target date beside the date chosen. A date after the deadline shows a
warning beside the date and a box for the reason: the core refuses a late booking without a
reason (``LateBookingError``), and with a reason the IRO is asked to confirm before it is
booked. ``CallOffDialog`` stands a booked review down, or cancels it, with a reason.

Problems the core finds (``ValidationError.problems``) are shown beside their fields (date,
time, format, venue, late_reason, reason) and the dialog stays open; nothing is written.
After OK, ``review_id`` is the review changed and ``outcome`` a sentence saying what was done.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from iro_desk.booking import (
    LateBookingError,
    book_review,
    cancel_review,
    reschedule_review,
    stand_down_review,
)
from iro_desk.errors import ValidationError
from iro_desk.models import Review
from iro_desk.schedule import DueItem, day_text
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.errors import ask_yes_no, show_exception
from iro_desk.ui.theme import status_colour
from iro_desk.vocab import REVIEW_FORMATS


def _coloured(label: QLabel, status: str) -> None:
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, status_colour(status, palette))
    label.setPalette(palette)


def _who(item: DueItem) -> str:
    return f"{item.child_name} ({item.child_id})" if item.child_id else item.child_name


def _days(count: int) -> str:
    return f"{count} day" + ("s" if count != 1 else "")


def to_date(value: QDate) -> dt.date:
    """A QDate as a ``datetime.date``."""
    return dt.date(value.year(), value.month(), value.day())


def to_qdate(value: dt.date) -> QDate:
    """A ``datetime.date`` as a QDate."""
    return QDate(value.year, value.month, value.day)


class FieldProblems:
    """Messages beside the fields of a form (hidden until needed), and one line for the rest."""

    def __init__(self) -> None:
        """No fields yet; ``under`` adds one."""
        self.summary = QLabel()
        self.summary.setObjectName("problem_summary")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Problems with this form")
        _coloured(self.summary, "overdue")
        self.summary.hide()
        self._labels: dict[str, QLabel] = {}

    def under(self, key: str, widget: QWidget, *extra: QWidget) -> QWidget:
        """``widget`` (and ``extra`` widgets) with the problem message for ``key`` under them."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        for more in extra:
            layout.addWidget(more)
        label = QLabel()
        label.setObjectName(f"problem_{key}")
        label.setWordWrap(True)
        label.setAccessibleName(f"Problem: {widget.accessibleName()}")
        _coloured(label, "overdue")
        label.hide()
        layout.addWidget(label)
        self._labels[key] = label
        return box

    def message(self, key: str) -> str:
        """The problem shown for a field, without its symbol ("" when none)."""
        label = self._labels.get(key)
        if label is None or label.isHidden():
            return ""
        return label.text().removeprefix("⚠ ")

    def clear(self) -> None:
        """Hide every message."""
        self.summary.clear()
        self.summary.hide()
        for label in self._labels.values():
            label.clear()
            label.hide()

    def show(self, error: ValidationError) -> None:
        """Each problem beside its field; the headline and problems with no field in the summary."""
        self.clear()
        unplaced = []
        for key, why in error.problems.items():
            label = self._labels.get(key)
            if label is None:
                unplaced.append(why)
                continue
            label.setText(f"⚠ {why}")
            label.show()
        headline = str(error).splitlines()[0] if str(error) else "Please check the form."
        self.summary.setText("⚠ " + "\n".join([headline, *unplaced]))
        self.summary.show()


class BookingDialog(QDialog):
    """Book a review that is due, or move one that is booked, against its statutory deadline.

    Args:
        store: The caseload.
        today: Today (a date before it cannot be booked).
        settings: The caseload's settings.
        item: The review to book or move (a review ``DueItem``; booked when it has a
            ``review_id``, and then the dialog moves it).
        choices: Reviews to choose from when booking (the item chosen first is ``item``).
        parent: The parent widget.
    """

    def __init__(
        self,
        store: CaseloadStore,
        *,
        today: dt.date,
        settings: Settings,
        item: DueItem,
        choices: Sequence[DueItem] = (),
        parent: QWidget | None = None,
    ) -> None:
        """Lay out the form for ``item``."""
        super().__init__(parent)
        if item.track_id is None or item.kind in (
            "pre_review_visit",
            "challenge_response",
            "decisions_due",
            "record_due",
            "intro_letter",
        ):
            raise ValueError("BookingDialog needs a review item with a case track")
        self.store = store
        self.today = today
        self.settings = settings
        self.item = item
        self.moving = item.review_id is not None
        self.choices = [] if self.moving else list(choices)
        if self.choices and item not in self.choices:
            self.choices.insert(0, item)
        self.review_id: uuid.UUID | None = None
        self.outcome = ""
        self.problems = FieldProblems()
        self.setObjectName("booking_dialog")
        title = "Move review" if self.moving else "Book review"
        self.setWindowTitle(title)
        self.setAccessibleName(title)

        self.review_choice = QComboBox()
        self.review_choice.setObjectName("review_choice")
        self.review_choice.setAccessibleName("Review to book")
        for choice in self.choices:
            self.review_choice.addItem(
                f"{_who(choice)} · {choice.kind_label} · by {day_text(choice.deadline)}"
            )
        self.review_label = QLabel()
        self.review_label.setObjectName("review_label")
        self.review_label.setWordWrap(True)
        self.review_label.setAccessibleName("Review")
        self.deadline_label = QLabel()
        self.deadline_label.setObjectName("deadline_label")
        self.deadline_label.setAccessibleName("Statutory deadline")
        self.target_label = QLabel()
        self.target_label.setObjectName("target_label")
        self.target_label.setAccessibleName("Target date")
        self.target_label.setWordWrap(True)
        self.booked_label = QLabel()
        self.booked_label.setObjectName("booked_label")
        self.booked_label.setAccessibleName("Booked now")
        self.booked_label.setWordWrap(True)

        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("date_edit")
        self.date_edit.setAccessibleName("Date of the review")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setMinimumDate(to_qdate(today))
        self.date_edit.setMaximumDate(to_qdate(today + dt.timedelta(days=3 * 366)))
        self.date_warning = QLabel()
        self.date_warning.setObjectName("date_warning")
        self.date_warning.setAccessibleName("Warning about the date")
        self.date_warning.setWordWrap(True)
        self.date_warning.hide()
        self.time_edit = QLineEdit()
        self.time_edit.setObjectName("time_edit")
        self.time_edit.setAccessibleName("Time of the review")
        self.time_edit.setPlaceholderText("HH:MM, 24-hour, e.g. 10:30 (may be left empty)")
        self.venue_edit = QLineEdit()
        self.venue_edit.setObjectName("venue_edit")
        self.venue_edit.setAccessibleName("Venue")
        self.venue_edit.setPlaceholderText("Where it is held, or the meeting link's name")
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("format_combo")
        self.format_combo.setAccessibleName("Format")
        for key, text in REVIEW_FORMATS.items():
            self.format_combo.addItem(text, key)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("late_reason_edit")
        self.reason_edit.setAccessibleName("Reason the review is after the deadline")
        self.reason_edit.setPlaceholderText(
            "Why it cannot be held by the deadline (kept with the review's record)"
        )
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(self.reason_edit.fontMetrics().lineSpacing() * 3 + 14)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if self.choices:
            choice_label = QLabel("&Review:")
            choice_label.setBuddy(self.review_choice)
            self.form.addRow(choice_label, self.review_choice)
        self.form.addRow("", self.review_label)
        self.form.addRow("Statutory deadline:", self.deadline_label)
        self.form.addRow("Target date:", self.target_label)
        if self.moving:
            self.form.addRow("Booked now:", self.booked_label)
        self._add_row("&Date:", self.problems.under("date", self.date_edit, self.date_warning),
                      self.date_edit)
        self.reason_row = self.problems.under("late_reason", self.reason_edit)
        self.reason_label = self._add_row("Reason &late:", self.reason_row, self.reason_edit)
        self._add_row("&Time:", self.problems.under("time", self.time_edit), self.time_edit)
        self._add_row("&Venue:", self.problems.under("venue", self.venue_edit), self.venue_edit)
        self._add_row("&Format:", self.problems.under("format", self.format_combo),
                      self.format_combo)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Move review" if self.moving else "&Book review")
        self.ok_button.setAccessibleName(title)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.problems.summary)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)

        self.date_edit.dateChanged.connect(self._date_changed)
        self.review_choice.currentIndexChanged.connect(self._choice_changed)
        if self.choices:
            self.review_choice.setCurrentIndex(self.choices.index(item))
        self._show_item()
        self.resize(max(self.sizeHint().width(), 560), self.sizeHint().height())

    def _add_row(self, text: str, field: QWidget, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        self.form.addRow(label, field)
        return label

    # -- what is shown --------------------------------------------------------------------
    @property
    def deadline(self) -> dt.date:
        """The statutory deadline of the review chosen."""
        return self.item.deadline

    def chosen_date(self) -> dt.date:
        """The date in the date box."""
        return to_date(self.date_edit.date())

    def set_date(self, day: dt.date) -> None:
        """Put ``day`` in the date box."""
        self.date_edit.setDate(to_qdate(day))

    def _choice_changed(self, row: int) -> None:
        if 0 <= row < len(self.choices) and self.choices[row] is not self.item:
            self.item = self.choices[row]
            self.problems.clear()
            self._show_item()

    def _suggested_date(self) -> dt.date:
        item = self.item
        # The target when it is still ahead, else as soon as possible.
        if item.target is not None and item.target >= self.today:
            return item.target
        return self.today

    def _show_item(self) -> None:
        item = self.item
        self.review_label.setText(f"{item.kind_label} for {_who(item)}")
        deadline_text = day_text(item.deadline)
        days = (item.deadline - self.today).days
        if days < 0:
            deadline_text += f" — passed {_days(-days)} ago"
            _coloured(self.deadline_label, "overdue")
        else:
            deadline_text += " — today" if days == 0 else f" — in {_days(days)}"
            self.deadline_label.setPalette(self.palette())
        self.deadline_label.setText(deadline_text)
        self.deadline_label.setToolTip(item.detail)
        if item.target is not None:
            self.target_label.setText(
                f"{day_text(item.target)} (booked early so a deferral still lands in time)"
            )
        else:
            self.target_label.setText("None for this review: book it as soon as you can")
        if self.moving:
            self._show_booking()
        else:
            self.set_date(self._suggested_date())
        self._date_changed()

    def _show_booking(self) -> None:
        try:
            with self.store.session() as session:
                review = session.get(Review, self.item.review_id)
                booked = (
                    None
                    if review is None
                    else (review.scheduled_date, review.scheduled_time, review.venue,
                          review.format)
                )
        except Exception as exc:  # shown to the IRO
            show_exception(self, exc)
            booked = None
        if booked is None:
            self.booked_label.setText("The booking could not be read.")
            self.set_date(self.item.scheduled or self.today)
            return
        when, time, venue, format_key = booked
        parts = [day_text(when) if when else "no date", time]
        parts.append(REVIEW_FORMATS.get(format_key, format_key).lower())
        if venue:
            parts.append(venue)
        self.booked_label.setText(", ".join(part for part in parts if part))
        self.set_date(max(when, self.today) if when else self.today)
        self.time_edit.setText(time)
        self.venue_edit.setText(venue)
        found = self.format_combo.findData(format_key)
        if found >= 0:
            self.format_combo.setCurrentIndex(found)

    def is_late(self) -> bool:
        """True when the date chosen is after the statutory deadline."""
        return self.chosen_date() > self.deadline

    def _date_changed(self, *_args: object) -> None:
        day = self.chosen_date()
        late = day > self.deadline
        if late:
            self.date_warning.setText(
                f"⚠ After the statutory deadline, {day_text(self.deadline)}: the review would "
                f"be out of timescale ({_days((day - self.deadline).days)} late). Book an "
                "earlier date, or give the reason below to book it anyway."
            )
            _coloured(self.date_warning, "overdue")
            self.date_warning.show()
        elif self.item.target is not None and day > self.item.target:
            self.date_warning.setText(
                f"◔ In time, but after the target date ({day_text(self.item.target)}): little "
                "room left should the review need to be deferred."
            )
            _coloured(self.date_warning, "due_soon")
            self.date_warning.show()
        else:
            self.date_warning.clear()
            self.date_warning.hide()
        self.form.setRowVisible(self.reason_row, late)

    # -- saving ---------------------------------------------------------------------------
    def _confirm_late(self, day: dt.date) -> bool:
        late = (day - self.deadline).days
        return ask_yes_no(
            self,
            f"Book the {self.item.kind_label.lower()} for {_who(self.item)} on {day_text(day)}, "
            f"{_days(late)} after the statutory deadline ({day_text(self.deadline)})?\n\n"
            "It will be counted as out of timescale, and your reason is kept with the record.",
            title="Book after the deadline?",
        )

    def submit(self) -> None:
        """Book (or move) the review; problems go beside the fields and the dialog stays open."""
        self.problems.clear()
        day = self.chosen_date()
        reason = self.reason_edit.toPlainText().strip() if self.is_late() else ""
        if self.is_late() and reason and not self._confirm_late(day):
            return
        time = self.time_edit.text().strip()
        venue = self.venue_edit.text().strip()
        format_key = self.format_combo.currentData()
        try:
            with self.store.session() as session:
                if self.moving:
                    assert self.item.review_id is not None
                    review = reschedule_review(
                        session,
                        review_id=self.item.review_id,
                        date=day,
                        today=self.today,
                        settings=self.settings,
                        time=time,
                        venue=venue,
                        format=format_key,
                        late_reason=reason or None,
                    )
                else:
                    assert self.item.track_id is not None
                    review = book_review(
                        session,
                        track_id=self.item.track_id,
                        date=day,
                        time=time,
                        venue=venue,
                        format=format_key,
                        today=self.today,
                        settings=self.settings,
                        late_reason=reason or None,
                    )
                review_id = review.id
        except LateBookingError as exc:
            # The deadline is the core's to say (it may have changed since the list was read).
            self.item = _with_deadline(self.item, exc.deadline)
            self._date_changed()
            self.problems.show(exc)
            self.reason_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        except ValidationError as exc:
            self.problems.show(exc)
            return
        except Exception as exc:  # every failure must reach the IRO
            show_exception(self, exc)
            return
        self.review_id = review_id
        verb = "Moved" if self.moving else "Booked"
        when = day_text(day) + (f" at {time}" if time else "")
        self.outcome = f"{verb} the {self.item.kind_label.lower()} for {_who(self.item)}: {when}"
        if day > self.deadline:
            self.outcome += f", after the statutory deadline ({day_text(self.deadline)})"
        self.outcome += "."
        self.accept()


def _with_deadline(item: DueItem, deadline: dt.date) -> DueItem:
    return item if item.deadline == deadline else replace(item, deadline=deadline)


CALL_OFF_MODES: dict[str, tuple[str, str, str]] = {
    # mode: (title, what it means, the past tense)
    "stand_down": (
        "Stand down review",
        "Standing down: the review is no longer needed (for example, the child has left care "
        "or the plan has ended).",
        "Stood down",
    ),
    "cancel": (
        "Cancel review",
        "Cancelling: the review will not happen on that date. The review is still due and needs "
        "booking again.",
        "Cancelled",
    ),
}


class CallOffDialog(QDialog):
    """Stand down or cancel a booked review, with the reason (kept with the record)."""

    def __init__(
        self,
        store: CaseloadStore,
        *,
        item: DueItem,
        mode: str,
        parent: QWidget | None = None,
    ) -> None:
        """A form for the booked review of ``item``; ``mode`` is "stand_down" or "cancel"."""
        super().__init__(parent)
        if mode not in CALL_OFF_MODES:
            raise ValueError(f"unknown mode {mode!r}: expected stand_down or cancel")
        if item.review_id is None:
            raise ValueError("CallOffDialog needs a booked review")
        self.store = store
        self.item = item
        self.mode = mode
        self.review_id: uuid.UUID | None = None
        self.outcome = ""
        self.problems = FieldProblems()
        title, meaning, _done = CALL_OFF_MODES[mode]
        self.setObjectName(f"{mode}_dialog")
        self.setWindowTitle(title)
        self.setAccessibleName(title)

        what = QLabel(
            f"{item.kind_label} for {_who(item)}, booked "
            f"{day_text(item.scheduled) if item.scheduled else 'with no date'}."
        )
        what.setWordWrap(True)
        explain = QLabel(meaning)
        explain.setWordWrap(True)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("reason_edit")
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(self.reason_edit.fontMetrics().lineSpacing() * 4 + 14)
        form = QFormLayout()
        label = QLabel("&Reason:")
        label.setBuddy(self.reason_edit)
        form.addRow(label, self.problems.under("reason", self.reason_edit))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&" + title)
        self.ok_button.setAccessibleName(title)
        keep = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        keep.setText("&Keep it booked")
        keep.setAccessibleName("Keep it booked")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.problems.summary)
        layout.addWidget(what)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(max(self.sizeHint().width(), 480), self.sizeHint().height())

    def submit(self) -> None:
        """Stand the review down (or cancel it); a missing reason is shown beside the box."""
        self.problems.clear()
        reason = self.reason_edit.toPlainText()
        call_off = stand_down_review if self.mode == "stand_down" else cancel_review
        assert self.item.review_id is not None
        try:
            with self.store.session() as session:
                review = call_off(session, review_id=self.item.review_id, reason=reason)
                review_id = review.id
        except ValidationError as exc:
            self.problems.show(exc)
            return
        except Exception as exc:  # every failure must reach the IRO
            show_exception(self, exc)
            return
        self.review_id = review_id
        done = CALL_OFF_MODES[self.mode][2]
        when = day_text(self.item.scheduled) if self.item.scheduled else "with no date"
        self.outcome = (
            f"{done} the {self.item.kind_label.lower()} for {_who(self.item)} booked {when}."
        )
        if self.mode == "cancel":
            self.outcome += " It still needs booking again."
        self.accept()
