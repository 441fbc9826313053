"""The conflict view: records changed differently here and on the team file, side by side.

On the left, the records with conflicts waiting. On the right, the chosen record's fields in
conflict: the value at the last sync, this laptop's value and the team file's value, and which
one to keep. The IRO chooses field by field ("Keep this laptop's", Alt+L; "Keep the team's",
Alt+T; or all fields at once) and saves the choices (Alt+S). Nothing is lost until then: this
laptop keeps its value, the team file keeps its own, and the conflict keeps both.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from iro_desk.store import CaseloadStore
from iro_desk.sync.state import ConflictField, ConflictRecord, open_conflicts, resolve_record
from iro_desk.ui.errors import guarded
from iro_desk.ui.table_model import RowsTableModel

AnyIndex = QModelIndex | QPersistentModelIndex
CHOICE_ROLE = Qt.ItemDataRole.UserRole
CHOICE_WORDS = {"local": "This laptop's", "theirs": "The team's", "": "— choose —"}
_CELL_LIMIT = 200


def _cell(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _CELL_LIMIT else flat[: _CELL_LIMIT - 1] + "…"


class ConflictRecordModel(QAbstractListModel):
    """The records with conflicts waiting."""

    def __init__(
        self, records: Sequence[ConflictRecord] = (), parent: QObject | None = None
    ) -> None:
        """Show ``records``."""
        super().__init__(parent)
        self._records = list(records)

    def set_records(self, records: Sequence[ConflictRecord]) -> None:
        """Show other records."""
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record_at(self, row: int) -> ConflictRecord:
        """The record on one row."""
        return self._records[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Records shown."""
        return 0 if parent.isValid() else len(self._records)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The record's label and how many of its fields are in conflict."""
        if not index.isValid():
            return None
        record = self._records[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            count = len(record.fields)
            return f"⚠ {record.label} ({count} field{'s' if count != 1 else ''})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{record.what}: " + ", ".join(f.label for f in record.fields)
        return None


class ConflictFieldModel(RowsTableModel[ConflictField]):
    """One record's fields in conflict, the three values side by side, and the choice."""

    HEADERS = ("Field", "At the last sync", "This laptop", "Team file", "Keep")

    def __init__(self, parent: QObject | None = None) -> None:
        """Empty until a record is shown."""
        super().__init__(self.HEADERS, (), parent)
        self.record: ConflictRecord | None = None
        self._choices: dict[str, str] = {}

    def set_record(self, record: ConflictRecord | None) -> None:
        """Show ``record``'s fields, with no choices made."""
        self.beginResetModel()
        self.record = record
        self._rows = list(record.fields) if record is not None else []
        self._choices = {}
        self.endResetModel()

    @property
    def choices(self) -> dict[str, str]:
        """The choices made so far: field -> local or theirs."""
        return dict(self._choices)

    def field_at(self, row: int) -> str:
        """The field name on one row."""
        return self.row_at(row).field

    def choose(self, row: int, side: str) -> None:
        """Keep ``side`` (local or theirs) for the field on ``row``."""
        if not 0 <= row < self.rowCount():
            return
        self._choices[self.field_at(row)] = side
        changed = self.index(row, len(self.HEADERS) - 1)
        self.dataChanged.emit(self.index(row, 0), changed)

    def choose_all(self, side: str) -> None:
        """Keep ``side`` for every field."""
        for row in range(self.rowCount()):
            self.choose(row, side)

    def cell(self, row: ConflictField, column: int, role: int) -> Any:
        """The field, its three values and the choice (marked with a symbol as well as words)."""
        choice = self._choices.get(row.field, "")
        if role == CHOICE_ROLE:
            return choice
        texts = (row.label, row.base_text, row.local_text, row.theirs_text)
        if role == Qt.ItemDataRole.ToolTipRole and column < len(texts):
            return texts[column]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column < len(texts):
            text = _cell(texts[column])
            chosen = {2: "local", 3: "theirs"}.get(column)
            return f"✔ {text}" if chosen and chosen == choice else text
        return CHOICE_WORDS[choice]


class ConflictDialog(QDialog):
    """Settle conflicts field by field. ``resolved(table, row_id)`` after each save."""

    resolved = Signal(str, object)

    def __init__(self, store: CaseloadStore, parent: QWidget | None = None) -> None:
        """The conflicts waiting in ``store``."""
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Sync conflicts")
        self.setObjectName("conflict_dialog")
        self.setAccessibleName("Sync conflicts")
        self.records_model = ConflictRecordModel(parent=self)
        self.records_view = QListView()
        self.records_view.setObjectName("conflict_records")
        self.records_view.setAccessibleName("Records with conflicts")
        self.records_view.setModel(self.records_model)
        self.fields_model = ConflictFieldModel(parent=self)
        self.fields_view = QTableView()
        self.fields_view.setObjectName("conflict_fields")
        self.fields_view.setAccessibleName("Fields in conflict")
        self.fields_view.setModel(self.fields_model)
        self.fields_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.fields_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields_view.setWordWrap(True)
        header = self.fields_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        self.fields_view.verticalHeader().hide()
        self.heading = QLabel()
        self.heading.setObjectName("conflict_heading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label = QLabel("No conflicts are waiting. Everything synced agrees.")
        self.empty_label.setObjectName("no_conflicts")
        self.keep_local = self._button("Keep this &laptop's", "keep_local",
                                       lambda: self._choose("local"))
        self.keep_theirs = self._button("Keep the &team's", "keep_theirs",
                                        lambda: self._choose("theirs"))
        self.all_local = self._button("All from this la&ptop", "all_local",
                                      lambda: self.fields_model.choose_all("local"))
        self.all_theirs = self._button("All from the te&am", "all_theirs",
                                       lambda: self.fields_model.choose_all("theirs"))
        self.save_button = self._button("&Save choices", "save_choices", self.save)
        self.save_button.setEnabled(False)
        self.fields_model.dataChanged.connect(self._update_buttons)
        self.fields_model.modelReset.connect(self._update_buttons)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.fields_view, 1)
        choices = QHBoxLayout()
        for button in (self.keep_local, self.keep_theirs, self.all_local, self.all_theirs):
            choices.addWidget(button)
        choices.addStretch(1)
        choices.addWidget(self.save_button)
        right_layout.addLayout(choices)
        splitter = QSplitter()
        splitter.addWidget(self.records_view)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        explain = QLabel(
            "These records were changed differently on this laptop and on the team file. Both "
            "values are kept until you choose; your choice goes to the team file at the next "
            "sync."
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        layout.addWidget(self.empty_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(close)
        self.records_view.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.show_record(current.row())
        )
        self.reload()
        self.resize(900, 480)

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", ""))
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def reload(self, keep: tuple[str, uuid.UUID] | None = None) -> None:
        """Read the conflicts again; show the first record (or ``keep`` if still waiting)."""
        with self.store.session() as session:
            records = open_conflicts(session)
        self.records_model.set_records(records)
        self.empty_label.setVisible(not records)
        row = 0
        if keep is not None:
            row = next(
                (n for n, r in enumerate(records) if (r.table_name, r.row_id) == keep), 0
            )
        if records:
            self.records_view.setCurrentIndex(self.records_model.index(row))
            self.show_record(row)
        else:
            self.show_record(-1)

    def show_record(self, row: int) -> None:
        """Show the fields of the record on ``row`` of the list."""
        if row < 0 or row >= self.records_model.rowCount():
            self.fields_model.set_record(None)
            self.heading.setText("")
            return
        record = self.records_model.record_at(row)
        self.fields_model.set_record(record)
        self.heading.setText(
            f"{record.label}\n{record.what} — choose, field by field, which value to keep."
        )
        if record.fields:
            self.fields_view.selectRow(0)

    def _choose(self, side: str) -> None:
        index = self.fields_view.currentIndex()
        if index.isValid():
            self.fields_model.choose(index.row(), side)
            if index.row() + 1 < self.fields_model.rowCount():
                self.fields_view.selectRow(index.row() + 1)

    def _update_buttons(self, *_args: Any) -> None:
        has_record = self.fields_model.record is not None
        for button in (self.keep_local, self.keep_theirs, self.all_local, self.all_theirs):
            button.setEnabled(has_record)
        self.save_button.setEnabled(bool(self.fields_model.choices))

    def save(self) -> None:
        """Settle the fields chosen; the record takes the chosen values."""
        record = self.fields_model.record
        choices = self.fields_model.choices
        if record is None or not choices:
            return

        def settle() -> None:
            with self.store.session() as session:
                resolve_record(
                    session, table_name=record.table_name, row_id=record.row_id, choices=choices
                )

        if guarded(lambda: self, settle):
            self.resolved.emit(record.table_name, record.row_id)
            self.reload(keep=(record.table_name, record.row_id))
