"""Raising a challenge, and one challenge with its whole history and the next steps.

``RaiseChallengeDialog`` is the form for a new challenge (from the challenges list, a child's
page, or prefilled from a QA tool). ``ChallengeDialog`` shows one challenge: where it stands
(level, status, response due, days open) and every step so far, oldest first, with buttons to
escalate, record a response, resolve or withdraw. Each of those asks for what it needs in a
``ChallengeStepDialog``. Problems found by the core are shown beside the field they concern.

Dialogs that lead to another dialog open it with ``open()`` (window-modal, not a nested event
loop) and keep it in an attribute (``step_dialog``), so the shell and tests can reach it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import select

from iro_desk import challenges as core
from iro_desk.clock import Clock
from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.models import Challenge, ChallengeStep, Child
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.errors import show_exception
from iro_desk.ui.table_model import RowsTableModel
from iro_desk.ui.theme import status_colour
from iro_desk.vocab import CHALLENGE_STATUSES


def format_date(value: dt.date | None) -> str:
    """A date as people in England write it: '4 Jan 2027'."""
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y}"


def response_due_text(row: core.ChallengeRow) -> str:
    """The "next response due" words for people, an overdue one marked ⚠ and in words."""
    if row.status != "open":
        return "— (closed)"
    if row.response_due is None:
        return "Response received: escalate or resolve"
    if row.overdue:
        days = "day" if row.overdue_days == 1 else "days"
        return f"⚠ Overdue {row.overdue_days} {days} (was due {format_date(row.response_due)})"
    return format_date(row.response_due)


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def date_edit(value: dt.date, *, today: dt.date, name: str) -> QDateEdit:
    """A date field with a calendar, no later than today, named for screen readers."""
    edit = QDateEdit(_qdate(value))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setMaximumDate(_qdate(today))
    edit.setAccessibleName(name)
    return edit


def date_of(edit: QDateEdit) -> dt.date:
    """The date a QDateEdit holds."""
    qdate = edit.date()
    return dt.date(qdate.year(), qdate.month(), qdate.day())


def text_of(widget: QLineEdit | QPlainTextEdit) -> str:
    """The text typed into a line or text box."""
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    return widget.text()


def _warning_colour(label: QLabel) -> None:
    """Problem text in the palette's warning colour (the ⚠ and the words carry the meaning)."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, status_colour("overdue", palette))
    label.setPalette(palette)


class FieldErrors:
    """Messages shown beside the fields of a form, plus one line for the form as a whole."""

    def __init__(self) -> None:
        """Start with no fields; ``field`` adds one."""
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        _warning_colour(self.summary)
        self.summary.setAccessibleName("Problems with this form")
        self.summary.hide()
        self._labels: dict[str, QLabel] = {}

    def field(self, key: str, widget: QWidget) -> QWidget:
        """``widget`` with a (hidden until needed) problem message under it."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        message = QLabel()
        message.setWordWrap(True)
        _warning_colour(message)
        message.setAccessibleName(f"Problem: {widget.accessibleName()}")
        message.setObjectName(f"problem_{key}")
        message.hide()
        layout.addWidget(message)
        self._labels[key] = message
        return box

    def message(self, key: str) -> str:
        """The problem shown for a field ("" when none)."""
        label = self._labels.get(key)
        return label.text().removeprefix("⚠ ") if label is not None else ""

    def clear(self) -> None:
        """Hide every message."""
        self.summary.clear()
        self.summary.hide()
        for label in self._labels.values():
            label.clear()
            label.hide()

    def show(self, error: ValidationError) -> None:
        """Put each problem beside its field; the rest, and the headline, in the summary."""
        self.clear()
        unplaced = []
        for key, why in error.problems.items():
            label = self._labels.get(key)
            if label is None:
                unplaced.append(f"{key}: {why}")
                continue
            label.setText(f"⚠ {why}")
            label.show()
        headline = str(error).splitlines()[0] if str(error) else "Please check the form."
        self.summary.setText("⚠ " + "\n".join([headline, *unplaced]))
        self.summary.show()


def _buttons(ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setAccessibleName(ok_text.replace("&", ""))
    return buttons


def _text_box(name: str, lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setAccessibleName(name)
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


def _line(name: str, placeholder: str = "") -> QLineEdit:
    line = QLineEdit()
    line.setAccessibleName(name)
    line.setPlaceholderText(placeholder)
    return line


class _SavingDialog(QDialog):
    """A dialog whose OK runs a core call; problems go beside fields and it stays open."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.errors = FieldErrors()

    def _save(self, work: Callable[[], None]) -> None:
        self.errors.clear()
        try:
            work()
        except ValidationError as exc:
            self.errors.show(exc)
            self.adjustSize()
            return
        except Exception as exc:  # every failure must reach the IRO, never only the console
            show_exception(self, exc)
            return
        self.accept()


def live_children(store: CaseloadStore) -> list[Child]:
    """The children on the caseload, by name, for a chooser."""
    with store.session() as session:
        children = session.exec(select(Child).where(Child.deleted_at.is_(None))).all()
    return sorted(children, key=lambda child: (child.display_name.casefold(), child.child_ref))


class RaiseChallengeDialog(_SavingDialog):
    """The form for a new challenge. After OK, ``challenge_id`` is the challenge raised."""

    def __init__(
        self,
        store: CaseloadStore,
        settings: Settings,
        today: dt.date,
        *,
        child_id: uuid.UUID | None = None,
        qa_tool_id: uuid.UUID | None = None,
        issue: str = "",
        track_kind: str = "cla",
        parent: QWidget | None = None,
    ) -> None:
        """Prefill with the child (and the QA tool) when known; otherwise a child chooser."""
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.today = today
        self.qa_tool_id = qa_tool_id
        self.challenge_id: uuid.UUID | None = None
        self.setWindowTitle("Raise a challenge")
        self.setAccessibleName("Raise a challenge")

        self.child = QComboBox()
        self.child.setAccessibleName("Child")
        for child in live_children(store):
            self.child.addItem(f"{child.display_name} ({child.child_ref})", str(child.id))
        if child_id is not None:
            index = self.child.findData(str(child_id))
            self.child.setCurrentIndex(index)
            self.child.setEnabled(qa_tool_id is None)
        self.track = QComboBox()
        self.track.setAccessibleName("Track")
        for key, name in core.TRACK_KINDS.items():
            self.track.addItem(name, key)
        self.track.setCurrentIndex(max(self.track.findData(track_kind), 0))
        self.theme = QComboBox()
        self.theme.setAccessibleName("Theme")
        self.theme.addItem("Choose a theme…", "")
        for theme in settings.challenge_themes:
            self.theme.addItem(theme, theme)
        self.issue = _text_box("The issue", 4)
        self.issue.setPlainText(issue)
        self.outcome = _text_box("Outcome wanted")
        self.level = QComboBox()
        self.level.setAccessibleName("Level")
        highest = core.highest_starting_level(settings, from_qa_tool=qa_tool_id is not None)
        for rung in core.ladder(settings):
            if rung.level <= highest:
                self.level.addItem(
                    f"{rung.name} ({rung.response_working_days} working days)", rung.level
                )
        self.to_name = _line("Addressed to (name)", "e.g. the social worker's name")
        self.to_role = _line("Addressed to (role)")
        self.raised_on = date_edit(today, today=today, name="Raised on")
        self.due = QLabel()
        self.due.setAccessibleName("Response due")

        form = QFormLayout()
        errors = self.errors
        form.addRow("C&hild", errors.field("child", self.child))
        form.addRow("&Track", errors.field("track_kind", self.track))
        form.addRow("T&heme", errors.field("theme", self.theme))
        form.addRow("&Issue", errors.field("issue", self.issue))
        form.addRow("&Outcome wanted", errors.field("outcome_wanted", self.outcome))
        form.addRow("&Level", errors.field("level", self.level))
        form.addRow("Addressed to (&name)", errors.field("addressed_to_name", self.to_name))
        form.addRow("Addressed to (&role)", errors.field("addressed_to_role", self.to_role))
        form.addRow("Raised &on", errors.field("raised_on", self.raised_on))
        form.addRow("Response due", self.due)

        buttons = _buttons("&Raise challenge")
        buttons.accepted.connect(self._raise)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(errors.summary)
        layout.addLayout(form)
        layout.addWidget(buttons)

        self.level.currentIndexChanged.connect(self._level_changed)
        self.raised_on.dateChanged.connect(self._show_due)
        self._level_changed()
        self.resize(560, self.sizeHint().height())

    def _level_changed(self) -> None:
        rung = core.rung_for(self.settings, int(self.level.currentData() or 0))
        self.to_role.setPlaceholderText(rung.addressed_to_role if rung else "")
        self._show_due()

    def _show_due(self) -> None:
        level = self.level.currentData()
        if level is None:
            self.due.setText("")
            return
        due = core.response_due_for(self.settings, int(level), date_of(self.raised_on))
        self.due.setText(f"{format_date(due)} (working days, bank holidays excluded)")

    def _raise(self) -> None:
        def work() -> None:
            chosen = self.child.currentData()
            if not chosen:
                raise ValidationError("Choose the child first.", {"child": "choose a child"})
            child_id = uuid.UUID(chosen)
            with self.store.session() as session:
                common: dict[str, Any] = {
                    "theme": self.theme.currentData() or "",
                    "issue": text_of(self.issue),
                    "outcome_wanted": text_of(self.outcome),
                    "addressed_to_name": self.to_name.text(),
                    "addressed_to_role": self.to_role.text(),
                    "level": self.level.currentData(),
                    "raised_on": date_of(self.raised_on),
                    "today": self.today,
                    "settings": self.settings,
                    "track_kind": self.track.currentData(),
                }
                if self.qa_tool_id is not None:
                    from iro_desk import qa_tool

                    tool = qa_tool.get_qa_tool(session, self.qa_tool_id)
                    challenge = qa_tool.raise_challenge_from_qa(session, tool, **common)
                else:
                    challenge = core.raise_challenge(session, child_id=child_id, **common)
                self.challenge_id = challenge.id

        self._save(work)


STEP_TITLES: dict[str, str] = {
    "escalate": "Escalate the challenge",
    "respond": "Record a response",
    "resolve": "Resolve the challenge",
    "withdraw": "Withdraw the challenge",
}


class ChallengeStepDialog(_SavingDialog):
    """Asks for what one next step needs (``kind``: escalate, respond, resolve, withdraw)."""

    def __init__(
        self,
        store: CaseloadStore,
        settings: Settings,
        today: dt.date,
        challenge_id: uuid.UUID,
        kind: str,
        parent: QWidget | None = None,
    ) -> None:
        """Build the fields for ``kind``; OK records the step in the caseload."""
        super().__init__(parent)
        if kind not in STEP_TITLES:
            raise ValueError(f"unknown challenge step {kind!r}")
        self.store = store
        self.settings = settings
        self.today = today
        self.challenge_id = challenge_id
        self.kind = kind
        self.setWindowTitle(STEP_TITLES[kind])
        self.setAccessibleName(STEP_TITLES[kind])
        with store.session() as session:
            challenge = core.get_challenge(session, challenge_id)
            level = challenge.level

        form = QFormLayout()
        errors = self.errors
        self.on = date_edit(today, today=today, name="Date")
        self.to_level = QComboBox()
        self.to_level.setAccessibleName("Escalate to")
        self.to_name = _line("Addressed to (name)")
        self.to_role = _line("Addressed to (role)")
        self.text = _text_box({"escalate": "Why it is escalated", "respond": "The response",
                               "resolve": "Outcome", "withdraw": "Reason"}[kind], 4)
        self.impact = _text_box("Impact for the child")
        self.satisfactory = QCheckBox("The response deals with the &concern")
        self.satisfactory.setChecked(True)
        self.satisfactory.setAccessibleName("The response deals with the concern")
        self.due = QLabel()
        self.due.setAccessibleName("Response due")

        if kind == "escalate":
            for rung in core.rungs_above(settings, level):
                self.to_level.addItem(
                    f"{rung.name} ({rung.response_working_days} working days)", rung.level
                )
            form.addRow("Escalate &to", errors.field("to_level", self.to_level))
            form.addRow("Addressed to (&name)", errors.field("addressed_to_name", self.to_name))
            form.addRow("Addressed to (&role)", errors.field("addressed_to_role", self.to_role))
            form.addRow("&Why", errors.field("text", self.text))
            self.to_level.currentIndexChanged.connect(self._level_changed)
            self.on.dateChanged.connect(self._show_due)
        elif kind == "respond":
            form.addRow("&Response", errors.field("text", self.text))
            form.addRow("", self.satisfactory)
        elif kind == "resolve":
            form.addRow("&Outcome", errors.field("outcome", self.text))
            form.addRow("&Impact for the child", errors.field("impact", self.impact))
        else:
            form.addRow("&Reason", errors.field("reason", self.text))
        form.insertRow(0, "&Date", errors.field("on", self.on))
        if kind == "escalate":
            form.addRow("Response due", self.due)
            self._level_changed()

        buttons = _buttons(
            {"escalate": "&Escalate", "respond": "&Record response", "resolve": "&Resolve",
             "withdraw": "&Withdraw"}[kind]
        )
        buttons.accepted.connect(self._record)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(errors.summary)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def _level_changed(self) -> None:
        rung = core.rung_for(self.settings, int(self.to_level.currentData() or 0))
        self.to_role.setPlaceholderText(rung.addressed_to_role if rung else "")
        self._show_due()

    def _show_due(self) -> None:
        level = self.to_level.currentData()
        if level is None:
            self.due.setText("")
            return
        due = core.response_due_for(self.settings, int(level), date_of(self.on))
        self.due.setText(f"{format_date(due)} (working days, bank holidays excluded)")

    def _record(self) -> None:
        def work() -> None:
            on = date_of(self.on)
            with self.store.session() as session:
                challenge = core.get_challenge(session, self.challenge_id)
                if self.kind == "escalate":
                    core.escalate(
                        session, challenge, on=on, today=self.today, settings=self.settings,
                        to_level=self.to_level.currentData(),
                        addressed_to_name=self.to_name.text(),
                        addressed_to_role=self.to_role.text(), text=text_of(self.text),
                    )
                elif self.kind == "respond":
                    core.record_response(
                        session, challenge, on=on, text=text_of(self.text),
                        satisfactory=self.satisfactory.isChecked(), today=self.today,
                    )
                elif self.kind == "resolve":
                    core.resolve(session, challenge, on=on, outcome=text_of(self.text),
                                 impact=text_of(self.impact), today=self.today)
                else:
                    core.withdraw(session, challenge, on=on, reason=text_of(self.text),
                                  today=self.today)

        self._save(work)


HISTORY_HEADERS = ("Date", "Step", "Level", "Addressed to", "Response due", "Details")


class ChallengeHistoryModel(RowsTableModel[ChallengeStep]):
    """A challenge's steps, oldest first (read only: the history is never edited)."""

    def __init__(
        self, settings: Settings, steps: Sequence[ChallengeStep] = (),
        parent: QObject | None = None,
    ) -> None:
        """Show ``steps`` using the ladder's level names from ``settings``."""
        super().__init__(HISTORY_HEADERS, steps, parent)
        self._settings = settings

    def set_steps(self, steps: Sequence[ChallengeStep]) -> None:
        """Show a new history."""
        self.set_rows(steps)

    def step_at(self, row: int) -> ChallengeStep:
        """The step on one row."""
        return self.row_at(row)

    def cell(self, row: ChallengeStep, column: int, role: int) -> Any:
        """Each cell's text (the details in full as the tooltip)."""
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == 5:
            return row.text or None
        return None

    def _display(self, step: ChallengeStep, column: int) -> str:
        if column == 0:
            return format_date(step.on_date)
        if column == 1:
            label = core.STEP_LABELS.get(step.step, step.step)
            if step.satisfactory is not None:
                label += " (satisfactory)" if step.satisfactory else " (not satisfactory)"
            return label
        if column == 2:
            return core.level_name(self._settings, step.level)
        if column == 3:
            return ", ".join(p for p in (step.addressed_to_name, step.addressed_to_role) if p)
        if column == 4:
            return format_date(step.response_due)
        return " ".join(step.text.split())


class ChallengeDialog(QDialog):
    """One challenge: where it stands, its whole history, and its next steps.

    ``changed`` is emitted after a step is recorded, so lists showing the challenge can refresh.
    """

    changed = Signal()

    def __init__(
        self,
        store: CaseloadStore,
        challenge_id: uuid.UUID,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Show the challenge ``challenge_id`` from ``store``."""
        super().__init__(parent)
        self.store = store
        self.challenge_id = challenge_id
        self.clock = clock or Clock()
        if settings is None:
            with store.session() as session:
                settings = load_settings(session)
        self.settings = settings
        self.step_dialog: ChallengeStepDialog | None = None
        self.setWindowTitle("Challenge")
        self.setAccessibleName("Challenge")

        self.child_label = QLabel()
        self.theme_label = QLabel()
        self.issue_label = QLabel()
        self.outcome_wanted_label = QLabel()
        self.level_label = QLabel()
        self.status_label = QLabel()
        self.due_label = QLabel()
        self.addressed_label = QLabel()
        self.closed_label = QLabel()
        summary = QFormLayout()
        for title, label in (
            ("Child", self.child_label),
            ("Theme", self.theme_label),
            ("Issue", self.issue_label),
            ("Outcome wanted", self.outcome_wanted_label),
            ("Level", self.level_label),
            ("Addressed to", self.addressed_label),
            ("Status", self.status_label),
            ("Next response due", self.due_label),
            ("Outcome", self.closed_label),
        ):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(title)
            summary.addRow(f"{title}:", label)

        self.history_model = ChallengeHistoryModel(self.settings, parent=self)
        self.history = QTableView()
        self.history.setModel(self.history_model)
        self.history.setAccessibleName("History of the challenge")
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.verticalHeader().hide()
        self.history.setWordWrap(False)
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.escalate_button = self._action("&Escalate…", "Ctrl+E", "escalate")
        self.respond_button = self._action("Record &response…", "Ctrl+R", "respond")
        self.resolve_button = self._action("Re&solve…", "", "resolve")
        self.withdraw_button = self._action("&Withdraw…", "", "withdraw")
        close = QPushButton("Close")
        close.setAccessibleName("Close")
        close.clicked.connect(self.accept)
        actions = QHBoxLayout()
        for button in (self.escalate_button, self.respond_button, self.resolve_button,
                       self.withdraw_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(close)

        self.step_text = QLabel("Select a step to read it in full.")
        self.step_text.setWordWrap(True)
        self.step_text.setAccessibleName("The selected step in full")
        self.step_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history.selectionModel().currentRowChanged.connect(self._show_step)

        history_title = QLabel("&History (oldest first; steps are kept, never changed)")
        history_title.setBuddy(self.history)
        layout = QVBoxLayout(self)
        layout.addLayout(summary)
        layout.addWidget(history_title)
        layout.addWidget(self.history, 1)
        layout.addWidget(self.step_text)
        layout.addLayout(actions)
        self.resize(820, 560)
        self.reload()

    def _action(self, text: str, shortcut: str, kind: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", "").removesuffix("…"))
        if shortcut:
            button.setShortcut(QKeySequence(shortcut))
        button.clicked.connect(lambda: self.open_step(kind))
        return button

    @property
    def today(self) -> dt.date:
        """Today, from the clock."""
        return self.clock.today()

    def reload(self) -> None:
        """Read the challenge and its history again from the caseload."""
        with self.store.session() as session:
            challenge: Challenge = core.get_challenge(session, self.challenge_id)
            child = session.get(Child, challenge.child_id)
            if child is None:
                raise IroDeskError("The child this challenge is about is missing.")
            row = core.row_for(challenge, child, today=self.today, settings=self.settings)
            steps = core.steps_of(session, self.challenge_id)
            outcome_wanted = challenge.outcome_wanted
            outcome = challenge.outcome
            impact = challenge.impact
        self.row = row
        self.setWindowTitle(f"Challenge: {row.child_name} — {row.theme}")
        self.child_label.setText(
            f"{row.child_name} ({row.child_ref}), {core.TRACK_KINDS.get(row.track_kind, '')}"
        )
        self.theme_label.setText(row.theme)
        self.issue_label.setText(row.issue)
        self.outcome_wanted_label.setText(outcome_wanted or "—")
        self.level_label.setText(row.level_name)
        self.addressed_label.setText(row.addressed_to or "—")
        status = CHALLENGE_STATUSES.get(row.status, row.status)
        if row.closed_on:
            status += f" on {format_date(row.closed_on)}"
        self.status_label.setText(
            f"{status} · raised {format_date(row.raised_on)} · {row.days_open} days open"
        )
        self.due_label.setText(response_due_text(row))
        closing = outcome or "—"
        if impact:
            closing += f"\nImpact for the child: {impact}"
        self.closed_label.setText(closing)
        self.history_model.set_steps(steps)
        self.step_text.setText("Select a step to read it in full.")

        is_open = row.status == "open"
        at_top = core.next_rung(self.settings, row.level) is None
        self.escalate_button.setEnabled(is_open and not at_top)
        self.escalate_button.setToolTip(
            "Already at the last step of the ladder" if at_top else "Take it to the next level"
        )
        for button in (self.respond_button, self.resolve_button, self.withdraw_button):
            button.setEnabled(is_open)

    def _show_step(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        step = self.history_model.step_at(current.row())
        label = self.history_model.index(current.row(), 1).data()
        level = core.level_name(self.settings, step.level)
        heading = f"{format_date(step.on_date)}, {label}, {level}"
        self.step_text.setText(f"{heading}: {step.text or '(no words recorded)'}")

    def open_step(self, kind: str) -> ChallengeStepDialog:
        """Open the dialog for one next step; the challenge reloads when it is recorded."""
        dialog = ChallengeStepDialog(
            self.store, self.settings, self.today, self.challenge_id, kind, parent=self
        )
        dialog.accepted.connect(self._step_recorded)
        self.step_dialog = dialog
        dialog.open()
        return dialog

    def _step_recorded(self) -> None:
        self.reload()
        self.changed.emit()
