"""The visit form: a pre-review visit or conversation, with the child's own words.

``VisitForm(store, child_id=..., ...)`` records a new visit (or plans one);
``VisitForm(store, visit_id=..., ...)`` amends one. The visit is linked to the review it prepares,
chosen from the child's booked (and held) reviews; the next booked review is chosen for a new
visit. Save is Ctrl+S; problems appear beside their field; the typing is kept as a draft as it
goes (see ``iro_desk.ui.review_form.DraftDialog``). ``saved`` is emitted with the visit's id.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from iro_desk import recording
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import Child, Review, Visit
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.errors import show_error
from iro_desk.ui.review_form import (
    DraftDialog,
    FieldProblems,
    date_edit,
    line_edit,
    pydate,
    qdate,
    show_form,
    text_box,
)
from iro_desk.vocab import VISIT_METHODS, VISIT_STATUSES

# The text boxes holding the child's words and what follows from them, in screen order.
_TEXT_FIELDS = (
    "wishes_feelings",
    "worries",
    "questions",
    "who_to_attend",
    "how_to_take_part",
    "follow_up",
)


class VisitForm(DraftDialog):
    """Record (or plan, or amend) a visit to a child before their review."""

    saved = Signal(object)
    what = "This visit"

    def __init__(
        self,
        store: CaseloadStore,
        *,
        visit_id: uuid.UUID | None = None,
        child_id: uuid.UUID | None = None,
        review_id: uuid.UUID | None = None,
        today: dt.date,
        settings: Settings,
        drafts_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Open the form for ``visit_id``, or for a new visit to ``child_id``.

        ``review_id`` preselects the review a new visit prepares.

        Raises:
            ValidationError: the visit or child is not on the caseload.
        """
        super().__init__(drafts_dir, parent)
        if visit_id is None and child_id is None:
            raise ValueError("VisitForm needs a visit_id or a child_id")
        self.store = store
        self.today = today
        self.settings = settings
        self.visit_id = visit_id
        self._load(child_id, review_id)
        self._build()
        self._fill()
        self.watch(
            [
                self.visit_date.dateChanged,
                self.visit_time.textEdited,
                self.status.currentIndexChanged,
                self.method.currentIndexChanged,
                self.location.textEdited,
                self.others_present.textChanged,
                self.seen_alone.toggled,
                self.review.currentIndexChanged,
                *(self.texts[name].textChanged for name in _TEXT_FIELDS),
            ]
        )
        self.offer_draft()

    # --- loading and building ------------------------------------------------------------------

    def _load(self, child_id: uuid.UUID | None, review_id: uuid.UUID | None) -> None:
        with self.store.session() as session:
            visit: Visit | None = None
            if self.visit_id is not None:
                visit = session.get(Visit, self.visit_id)
                if visit is None or visit.deleted_at is not None:
                    raise ValidationError("That visit is not on this caseload any more.")
                child_id = visit.child_id
            child = session.get(Child, child_id)
            if child is None or child.deleted_at is not None:
                raise ValidationError("That child is not on this caseload any more.")
            current = visit.review_id if visit is not None else review_id
            self.review_choices = recording.reviews_a_visit_can_prepare(
                session, child_id=child.id, current=current
            )
            if visit is None and review_id is None:
                booked = [
                    r
                    for r in recording.reviews_for_child(session, child.id)
                    if r.status == "booked"
                    and (r.scheduled_date is None or r.scheduled_date >= self.today)
                ]
                booked.sort(key=lambda r: r.scheduled_date or dt.date.max)
                current = booked[0].id if booked else None
            elif review_id is not None and session.get(Review, review_id) is None:
                current = None
        self.child: Child = child
        self.visit: Visit | None = visit
        self._initial_review = current

    @property
    def draft_key(self) -> str:
        """``visit:<id>`` or ``new-visit:<child id>``."""
        if self.visit_id is not None:
            return f"visit:{self.visit_id}"
        return f"new-visit:{self.child.id}"

    @property
    def name(self) -> str:
        """What the child likes to be called."""
        return self.child.letter_name

    def first_field(self) -> QWidget:
        """Typing starts at the date."""
        return self.visit_date

    def _build(self) -> None:
        who = f"{self.child.display_name} ({self.child.child_ref})"
        verb = "Amend the visit" if self.visit is not None else "Record a visit"
        self.setWindowTitle(f"{verb}: {who}")
        self.setAccessibleName(f"{verb} to {who}")
        self.setSizeGripEnabled(True)
        self.problems = FieldProblems()
        self.texts: dict[str, QPlainTextEdit] = {}
        outer = QVBoxLayout(self)
        outer.addWidget(self.banner)
        header = QLabel()
        header.setTextFormat(Qt.TextFormat.RichText)
        born = (
            f" · born {recording.format_date(self.child.dob)}" if self.child.dob is not None else ""
        )
        header.setText(
            f"<b>{html.escape(who)}</b>{html.escape(born)}<br>"
            f"Seeing {html.escape(self.name)} before the review, in private if they wish"
        )
        header.setAccessibleName("Whose visit this is")
        outer.addWidget(header)
        outer.addWidget(self.problems.headline)

        scroll = QScrollArea()
        scroll.setAccessibleName("The visit record")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        grid = QGridLayout(content)
        grid.setContentsMargins(0, 0, 6, 0)
        grid.addWidget(self._visit_group(), 0, 0)
        grid.addWidget(self._review_group(), 1, 0)
        grid.addWidget(self._words_group(), 0, 1, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(1, 1)
        scroll.setWidget(content)
        outer.addWidget(scroll, 1)

        outer.addLayout(self.save_buttons("Save the visit (Ctrl+S)", "Save the visit"))
        self._set_tab_order()
        self.resize(1100, 780)

    def _visit_group(self) -> QGroupBox:
        group = QGroupBox("The visit")
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.visit_date = date_edit("Date of the visit", self.today)
        self.visit_date.setMaximumWidth(160)
        self.visit_time = line_edit("Time", "HH:MM")
        self.visit_time.setMaximumWidth(90)
        when = QWidget()
        when_layout = QHBoxLayout(when)
        when_layout.setContentsMargins(0, 0, 0, 0)
        when_layout.addWidget(self.visit_date)
        when_layout.addWidget(QLabel("at"))
        when_layout.addWidget(self.visit_time)
        when_layout.addStretch(1)
        when_box = QWidget()
        when_box.setSizePolicy(when.sizePolicy())
        when_rows = QVBoxLayout(when_box)
        when_rows.setContentsMargins(0, 0, 0, 0)
        when_rows.setSpacing(2)
        when_rows.addWidget(when)
        when_rows.addWidget(self.problems.add("visit_date", self.visit_date))
        when_rows.addWidget(self.problems.add("visit_time", self.visit_time))
        form.addRow("&Date", when_box)
        self.status = QComboBox()
        self.status.setAccessibleName("Status of the visit")
        for code, text in VISIT_STATUSES.items():
            self.status.addItem(text, code)
        form.addRow("S&tatus", self.problems.wrap("status", self.status))
        self.method = QComboBox()
        self.method.setAccessibleName("How")
        for code, text in VISIT_METHODS.items():
            self.method.addItem(text, code)
        form.addRow("&How", self.problems.wrap("method", self.method))
        self.location = line_edit("Where", "Where you met, or where the child was")
        form.addRow("&Where", self.problems.wrap("location", self.location))
        self.others_present = text_box(
            "Who else was there", lines=2, placeholder="Nobody, or names and roles", grows=False
        )
        form.addRow("Wh&o else", self.problems.wrap("others_present", self.others_present))
        self.seen_alone = QCheckBox(f"{self.name} was seen &alone")
        self.seen_alone.setAccessibleName("The child was seen alone")
        form.addRow("", self.seen_alone)
        self.review = QComboBox()
        self.review.setAccessibleName("The review this visit prepares")
        self.review.addItem("Not linked to a review", None)
        for review_id, text in self.review_choices:
            self.review.addItem(text, review_id)
        form.addRow("&Prepares", self.problems.wrap("review_id", self.review))
        return group

    def _review_group(self) -> QGroupBox:
        group = QGroupBox("For the review")
        column = QVBoxLayout(group)
        self._text_box(column, "who_to_attend", "Who they want &there", 2)
        self._text_box(column, "how_to_take_part", "How they want to take &part", 2)
        self._text_box(column, "follow_up", "&Follow-up actions", 3, grows=True)
        return group

    def _words_group(self) -> QGroupBox:
        group = QGroupBox(f"In {self.name}'s own words")
        column = QVBoxLayout(group)
        self._text_box(column, "wishes_feelings", "&Wishes and feelings", 7, grows=True)
        self._text_box(column, "worries", "Wor&ries", 4, grows=True)
        self._text_box(column, "questions", "&Questions for the review", 4, grows=True)
        return group

    def _text_box(
        self, column: QVBoxLayout, key: str, title: str, lines: int, *, grows: bool = False
    ) -> None:
        """A titled text box in ``column``; boxes that ``grow`` share the spare height."""
        plain = title.replace("&", "")
        placeholder = "As they said it" if key in ("wishes_feelings", "worries") else ""
        box = text_box(plain, lines=lines, placeholder=placeholder, grows=grows)
        self.texts[key] = box
        label = QLabel(title)
        label.setBuddy(box)
        column.addWidget(label)
        column.addWidget(self.problems.wrap(key, box), 1 if grows else 0)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.banner.restore_button,
            self.banner.discard_button,
            self.visit_date,
            self.visit_time,
            self.status,
            self.method,
            self.location,
            self.others_present,
            self.seen_alone,
            self.review,
            self.texts["wishes_feelings"],
            self.texts["worries"],
            self.texts["questions"],
            self.texts["who_to_attend"],
            self.texts["how_to_take_part"],
            self.texts["follow_up"],
            self.save_button,
            self.cancel_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # --- filling and reading ---------------------------------------------------------------------

    def _fill(self) -> None:
        visit = self.visit
        self.select(self.status, "done")
        if visit is not None:
            self.visit_date.setDate(qdate(visit.visit_date))
            self.visit_time.setText(visit.visit_time)
            self.select(self.status, visit.status)
            self.select(self.method, visit.method)
            self.location.setText(visit.location)
            self.others_present.setPlainText(visit.others_present)
            self.seen_alone.setChecked(visit.seen_alone)
            for name in _TEXT_FIELDS:
                self.texts[name].setPlainText(getattr(visit, name))
        self.select(self.review, self._initial_review)

    def details(self) -> recording.VisitInput:
        """What the form holds, as the core takes it."""
        return recording.VisitInput(
            visit_date=pydate(self.visit_date.date()),
            visit_time=self.visit_time.text(),
            status=self.status.currentData(),
            method=self.method.currentData(),
            location=self.location.text(),
            others_present=self.others_present.toPlainText(),
            seen_alone=self.seen_alone.isChecked(),
            review_id=self.review.currentData(),
            **{name: self.texts[name].toPlainText() for name in _TEXT_FIELDS},
        )

    def draft_fields(self) -> dict[str, Any]:
        """Everything typed, as JSON values, for the draft."""
        details = self.details()
        fields = details.model_dump(mode="json")
        fields["visit_time"] = self.visit_time.text()
        fields["location"] = self.location.text()
        return fields

    def apply_draft_fields(self, fields: dict[str, Any]) -> None:
        """Put a draft's text back into the form."""
        if fields.get("visit_date"):
            self.visit_date.setDate(qdate(dt.date.fromisoformat(fields["visit_date"])))
        self.visit_time.setText(fields.get("visit_time", ""))
        self.select(self.status, fields.get("status", "done"))
        self.select(self.method, fields.get("method", "face_to_face"))
        self.location.setText(fields.get("location", ""))
        self.others_present.setPlainText(fields.get("others_present", ""))
        self.seen_alone.setChecked(bool(fields.get("seen_alone", False)))
        review = fields.get("review_id")
        self.select(self.review, uuid.UUID(review) if review else None)
        for name in _TEXT_FIELDS:
            self.texts[name].setPlainText(fields.get(name, ""))

    # --- saving ----------------------------------------------------------------------------------

    def save(self) -> bool:
        """Check and save the visit; True when saved (the form then closes)."""
        self.problems.clear()
        try:
            with self.store.session() as session:
                if self.visit_id is not None:
                    visit = recording.amend_visit(
                        session, visit_id=self.visit_id, details=self.details(), today=self.today
                    )
                else:
                    visit = recording.record_visit(
                        session, child_id=self.child.id, details=self.details(), today=self.today
                    )
        except ValidationError as exc:
            headline = str(exc).splitlines()[0]
            focus = self.problems.show(headline, exc.problems or {"visit": headline})
            if focus is not None:
                focus.setFocus()
            return False
        except IroDeskError as exc:
            show_error(self, str(exc))
            return False
        self.saved_now()
        self.visit_id = visit.id
        self.saved.emit(visit.id)
        self.accept()
        return True

    def problem(self, key: str) -> str:
        """The message shown beside a field ('' when none)."""
        return self.problems.message(key)


def open_visit_form(
    store: CaseloadStore,
    *,
    today: dt.date,
    settings: Settings,
    visit_id: uuid.UUID | None = None,
    child_id: uuid.UUID | None = None,
    review_id: uuid.UUID | None = None,
    parent: QWidget | None = None,
    on_saved: Callable[[uuid.UUID], None] | None = None,
) -> VisitForm | None:
    """Open the visit form (non-modal), or show why it cannot open; returns the form."""
    form = show_form(
        lambda: VisitForm(
            store,
            visit_id=visit_id,
            child_id=child_id,
            review_id=review_id,
            today=today,
            settings=settings,
            parent=parent,
        ),
        parent,
        on_saved,
    )
    return form if isinstance(form, VisitForm) else None
