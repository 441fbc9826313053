"""The QA tool as a form: the case-file checklist, positive practice, and what happens next.

Each checklist item (from the settings when the tool was started) is a row: the item, its answer
(not answered, met, not met, not applicable) and a comment. Below are the areas of positive
practice, and buttons to save the draft, mark it shared with the social worker, record their
response, close it, or raise a challenge from it (which opens ``RaiseChallengeDialog`` prefilled
with the child, the QA tool and the items not met). Every action saves the answers first.
A closed tool, or one that became a challenge, is shown read only.

Dialogs open with ``open()`` and are kept in ``step_dialog`` / ``raise_dialog`` for the shell
and tests to reach.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from iro_desk import qa_tool as core
from iro_desk.clock import Clock
from iro_desk.errors import ValidationError
from iro_desk.models import Child
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.challenge_dialog import (
    FieldErrors,
    RaiseChallengeDialog,
    date_edit,
    date_of,
    format_date,
    text_of,
)
from iro_desk.ui.errors import show_exception
from iro_desk.vocab import QA_STATUSES

ANSWER_CHOICES: tuple[tuple[str, str], ...] = (("", "Not answered"), *core.QA_ANSWERS.items())


class QaStepDialog(QDialog):
    """Asks for what sharing, a response or closing needs; OK records it in the caseload."""

    TITLES = {
        "share": "Mark the QA tool as shared",
        "respond": "Record the social worker's response",
        "close": "Close the QA tool",
    }

    def __init__(
        self,
        store: CaseloadStore,
        today: dt.date,
        qa_tool_id: uuid.UUID,
        kind: str,
        *,
        before: Callable[[object, core.QaTool], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``before`` runs first in the same unit of work (the form saves its answers)."""
        super().__init__(parent)
        if kind not in self.TITLES:
            raise ValueError(f"unknown QA tool step {kind!r}")
        self.store = store
        self.today = today
        self.qa_tool_id = qa_tool_id
        self.kind = kind
        self._before = before
        self.setWindowTitle(self.TITLES[kind])
        self.setAccessibleName(self.TITLES[kind])
        self.errors = FieldErrors()
        self.on = date_edit(today, today=today, name="Date")
        self.shared_with = QLineEdit()
        self.shared_with.setAccessibleName("Shared with")
        self.shared_with.setPlaceholderText("e.g. the social worker's name")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("The response")
        self.text.setTabChangesFocus(True)
        form = QFormLayout()
        if kind == "share":
            form.addRow("Shared &with", self.errors.field("shared_with", self.shared_with))
            form.addRow("&Date shared", self.errors.field("shared_on", self.on))
        elif kind == "respond":
            form.addRow("&Date", self.errors.field("on", self.on))
            form.addRow("&Response", self.errors.field("text", self.text))
        else:
            form.addRow("&Date closed", self.errors.field("on", self.on))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText({"share": "Mark &shared", "respond": "&Record", "close": "&Close tool"}[kind])
        ok.setAccessibleName(ok.text().replace("&", ""))
        buttons.accepted.connect(self._record)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.errors.summary)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _record(self) -> None:
        self.errors.clear()
        try:
            with self.store.session() as session:
                tool = core.get_qa_tool(session, self.qa_tool_id)
                if self._before is not None:
                    self._before(session, tool)
                on = date_of(self.on)
                if self.kind == "share":
                    core.share(session, tool, shared_with=self.shared_with.text(),
                               shared_on=on, today=self.today)
                elif self.kind == "respond":
                    core.record_response(session, tool, on=on, text=text_of(self.text),
                                         today=self.today)
                else:
                    core.close(session, tool, on=on, today=self.today)
        except ValidationError as exc:
            self.errors.show(exc)
            self.adjustSize()
            return
        except Exception as exc:  # every failure must reach the IRO, never only the console
            show_exception(self, exc)
            return
        self.accept()


class QaToolForm(QWidget):
    """One QA tool as a form. ``changed`` after each save; ``challengeRaised(id)`` after a raise."""

    changed = Signal()
    challengeRaised = Signal(str)

    def __init__(
        self,
        store: CaseloadStore,
        qa_tool_id: uuid.UUID,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Show the QA tool ``qa_tool_id`` from ``store``."""
        super().__init__(parent)
        self.store = store
        self.qa_tool_id = qa_tool_id
        self.clock = clock or Clock()
        if settings is None:
            with store.session() as session:
                settings = load_settings(session)
        self.settings = settings
        self.step_dialog: QaStepDialog | None = None
        self.raise_dialog: RaiseChallengeDialog | None = None
        self.challenge_id: uuid.UUID | None = None
        self.answer_boxes: list[QComboBox] = []
        self.comment_boxes: list[QLineEdit] = []
        self._items: list[core.QaItem] = []
        self.setAccessibleName("QA tool")

        self.title = QLabel()
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Status of the QA tool")
        self.status_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setAccessibleName("Message")
        self.message.setWordWrap(True)

        self.checklist = QWidget()
        self.grid = QGridLayout(self.checklist)
        for column, heading in enumerate(("Item", "Answer", "Comment")):
            label = QLabel(f"<b>{heading}</b>")
            self.grid.addWidget(label, 0, column)
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(2, 4)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.checklist)
        scroll.setAccessibleName("Checklist")

        self.positive_practice = QPlainTextEdit()
        self.positive_practice.setAccessibleName("Areas of positive practice")
        self.positive_practice.setTabChangesFocus(True)
        self.positive_practice.setFixedHeight(
            self.positive_practice.fontMetrics().lineSpacing() * 4 + 14
        )
        practice_box = QGroupBox("Areas of &positive practice")
        practice_layout = QVBoxLayout(practice_box)
        practice_layout.addWidget(self.positive_practice)
        self.response_label = QLabel()
        self.response_label.setAccessibleName("Response from the social worker")
        self.response_label.setWordWrap(True)

        self.save_button = self._button("&Save draft", self.save_draft)
        self.save_button.setToolTip("Save the answers (Ctrl+S)")
        # Only while focus is in this form, so the main window's own shortcuts stay unambiguous.
        save_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_key.activated.connect(self.save_draft)
        self.share_button = self._button("Mark s&hared…", lambda: self.open_step("share"))
        self.respond_button = self._button("Record &response…", lambda: self.open_step("respond"))
        self.close_button = self._button("C&lose…", lambda: self.open_step("close"))
        self.raise_button = self._button("Raise a &challenge…", self.open_raise_dialog)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.share_button, self.respond_button,
                       self.close_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.raise_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.status_label)
        layout.addWidget(scroll, 1)
        layout.addWidget(practice_box)
        layout.addWidget(self.response_label)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(900, 640)
        self.reload()

    @classmethod
    def start(
        cls,
        store: CaseloadStore,
        child_id: uuid.UUID,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        parent: QWidget | None = None,
    ) -> QaToolForm:
        """Start a new QA tool for a child (checklist from the settings) and show it."""
        clock = clock or Clock()
        with store.session() as session:
            settings = settings or load_settings(session)
            tool = core.start_qa_tool(session, child_id=child_id, today=clock.today(),
                                      settings=settings)
        return cls(store, tool.id, settings=settings, clock=clock, parent=parent)

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", "").removesuffix("…"))
        button.clicked.connect(slot)
        return button

    # -- reading ------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the QA tool again from the caseload and show it."""
        with self.store.session() as session:
            tool = core.get_qa_tool(session, self.qa_tool_id)
            child = session.get(Child, tool.child_id)
            self.child_id = tool.child_id
            self.status = tool.status
            items = core.items_of(tool)
            name = f"{child.display_name} ({child.child_ref})" if child else "a child"
            details = [QA_STATUSES.get(tool.status, tool.status),
                       f"started {format_date(tool.started_on)}"]
            if tool.shared_on:
                details.append(f"shared with {tool.shared_with} on {format_date(tool.shared_on)}")
            if tool.closed_on:
                details.append(f"closed {format_date(tool.closed_on)}")
            response = (
                f"Response ({format_date(tool.response_on)}): {tool.response_text}"
                if tool.response_on else ""
            )
            practice = tool.positive_practice
        self.setWindowTitle(f"QA tool: {name}")
        self.title.setText(f"QA tool — {name}")
        self.status_label.setText(" · ".join(details))
        self.response_label.setText(response)
        self.response_label.setVisible(bool(response))
        if [item.item for item in items] != [item.item for item in self._items]:
            self._build_rows(items)
        for item, answer, comment in zip(items, self.answer_boxes, self.comment_boxes,
                                         strict=True):
            answer.setCurrentIndex(max(answer.findData(item.answer), 0))
            comment.setText(item.comment)
        self._items = items
        self.positive_practice.setPlainText(practice)
        self._lock(self.status in core.FINISHED_STATUSES)

    def _build_rows(self, items: list[core.QaItem]) -> None:
        for widget in [*self.answer_boxes, *self.comment_boxes]:
            widget.deleteLater()
        self.answer_boxes, self.comment_boxes = [], []
        for row, item in enumerate(items, start=1):
            label = QLabel(item.item)
            label.setWordWrap(True)
            answer = QComboBox()
            answer.setAccessibleName(f"Answer: {item.item}")
            for key, text in ANSWER_CHOICES:
                answer.addItem(text, key)
            label.setBuddy(answer)
            comment = QLineEdit()
            comment.setAccessibleName(f"Comment: {item.item}")
            comment.setPlaceholderText("Comment")
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(answer, row, 1)
            self.grid.addWidget(comment, row, 2)
            self.answer_boxes.append(answer)
            self.comment_boxes.append(comment)
        self.grid.setRowStretch(len(items) + 1, 1)

    def _lock(self, finished: bool) -> None:
        for widget in [*self.answer_boxes, *self.comment_boxes]:
            widget.setEnabled(not finished)
        self.positive_practice.setReadOnly(finished)
        for button in (self.save_button, self.share_button, self.close_button,
                       self.raise_button):
            button.setEnabled(not finished)
        self.respond_button.setEnabled(not finished and self.status != "draft")
        if finished:
            self.message.setText(
                "This QA tool is "
                + ("closed" if self.status == "closed" else "now a challenge")
                + ", so it is read only."
            )

    # -- the answers --------------------------------------------------------------------------
    def answers(self) -> list[core.QaItem]:
        """The checklist as filled in on screen."""
        return [
            core.QaItem(item.item, str(answer.currentData() or ""), comment.text())
            for item, answer, comment in zip(self._items, self.answer_boxes,
                                             self.comment_boxes, strict=True)
        ]

    def _save_answers(self, session: object, tool: core.QaTool) -> None:
        core.save_draft(session, tool, items=self.answers(),  # type: ignore[arg-type]
                        positive_practice=self.positive_practice.toPlainText())

    def save_draft(self) -> bool:
        """Save the answers and positive practice; True when saved."""
        try:
            with self.store.session() as session:
                self._save_answers(session, core.get_qa_tool(session, self.qa_tool_id))
        except Exception as exc:  # every failure must reach the IRO, never only the console
            self.message.setText(f"⚠ Not saved: {exc}")
            if not isinstance(exc, ValidationError):
                show_exception(self, exc)
            return False
        self.message.setText(f"Draft saved ({format_date(self.clock.today())}).")
        self.changed.emit()
        return True

    # -- next steps ---------------------------------------------------------------------------
    def open_step(self, kind: str) -> QaStepDialog:
        """Ask for what sharing, a response or closing needs; the answers are saved with it."""
        dialog = QaStepDialog(self.store, self.clock.today(), self.qa_tool_id, kind,
                              before=self._save_answers, parent=self)
        dialog.accepted.connect(self._step_recorded)
        self.step_dialog = dialog
        dialog.open()
        return dialog

    def _step_recorded(self) -> None:
        self.reload()
        self.message.setText("Saved.")
        self.changed.emit()

    def open_raise_dialog(self) -> RaiseChallengeDialog | None:
        """Save, then open the challenge form prefilled from this QA tool."""
        if not self.save_draft():
            return None
        with self.store.session() as session:
            issue = core.not_met_summary(core.get_qa_tool(session, self.qa_tool_id))
        dialog = RaiseChallengeDialog(
            self.store, self.settings, self.clock.today(), child_id=self.child_id,
            qa_tool_id=self.qa_tool_id, issue=issue, parent=self,
        )
        dialog.accepted.connect(lambda: self._challenge_raised(dialog))
        self.raise_dialog = dialog
        dialog.open()
        return dialog

    def _challenge_raised(self, dialog: RaiseChallengeDialog) -> None:
        self.challenge_id = dialog.challenge_id
        self.reload()
        self.changed.emit()
        if dialog.challenge_id is not None:
            self.challengeRaised.emit(str(dialog.challenge_id))
