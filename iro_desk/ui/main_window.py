"""The main window: the caseload list beside the selected child, in a window others extend.

Extension points for the other screens:

* ``add_view(name, widget)`` adds a tab (the calendar, figures…) with a View menu entry and a
  Ctrl+number shortcut; ``show_view(widget)`` brings one forward.
* ``menus`` maps "file", "view", "child" and "help" to their ``QMenu``; ``add_menu(key, title)``
  adds another before Help. ``named_actions`` holds the window's actions by name.
* Signals: ``child_activated(uuid)`` (double-click or Enter on a child, or Child › Open child
  record) asks for the child's record; ``child_selected(uuid | None)`` follows the selection;
  ``caseload_opened(store)`` fires when another caseload file is opened (views re-read it);
  ``caseload_refreshed()`` after the list is re-read.
* ``refresh()`` re-reads the caseload after another window changed it; ``select_child(uuid)``
  shows a child (e.g. from a double-click in the calendar).
* ``due_schedule()`` is the schedule of the last read (the calendar shows it), None while a
  read is under way.

The caseload is read off the GUI thread (``background.BackgroundReader``): ``refresh()`` returns
at once, the list keeps its rows with "Reading the caseload…" in the status bar and a busy
cursor over the list, and the rows of the newest read are applied on the GUI thread, then
``caseload_refreshed`` fires. A read that a newer one overtook is dropped. ``reading`` says
whether one is under way (tests wait for it).
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import col, select

from iro_desk import APP_NAME, __version__
from iro_desk.clock import Clock
from iro_desk.errors import CaseloadFileError, DamagedCaseloadError
from iro_desk.models import Iro
from iro_desk.overview import ChildRow, child_detail, list_children
from iro_desk.paths import data_dir
from iro_desk.schedule import due_items
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.background import BackgroundReader
from iro_desk.ui.calendar_model import DueSchedule
from iro_desk.ui.caseload_model import ChildFilterProxy, ChildTableModel, Column
from iro_desk.ui.child_pane import ChildPane
from iro_desk.ui.errors import log_file, show_error, show_exception
from iro_desk.ui.first_run import (
    CASELOAD_FILE_FILTER,
    NewCaseloadDialog,
    open_caseload_interactively,
    with_suffix_if_missing,
)
from iro_desk.ui.restore_dialog import offer_restore_for_damaged
from iro_desk.ui.theme import app_icon

ORGANISATION = "IRO Desk"
LAST_CASELOAD_KEY = "caseload/last_path"
READING_MESSAGE = "Reading the caseload…"


@dataclass(frozen=True)
class CaseloadReading:
    """What one refresh read: the list's rows and the schedule they were worked out from."""

    rows: list[ChildRow]
    schedule: DueSchedule


def read_caseload(store: CaseloadStore, today: dt.date, settings: Settings) -> CaseloadReading:
    """Read the caseload list and the schedule in one session, working the schedule out once.

    Runs off the GUI thread: it opens its own session and touches no widget.
    """
    with store.session() as session:
        items = due_items(session, today=today, settings=settings)
        rows = list_children(session, today=today, settings=settings, due=items)
    return CaseloadReading(
        rows=rows,
        schedule=DueSchedule(store=store, today=today, settings=settings, items=tuple(items)),
    )


def ui_state() -> QSettings:
    """Where the app remembers window layout and the last caseload opened (per user)."""
    return QSettings(ORGANISATION, APP_NAME)


def _count_text(shown: int, total: int) -> str:
    noun = "child" if total == 1 else "children"
    if shown == total:
        return f"{total} {noun}"
    return f"{shown} of {total} {noun}"


class _FilterKeys(QObject):
    """In the filter box, Down or Enter moves to the list, Escape clears the filter."""

    def __init__(self, edit: QLineEdit, table: QTableView) -> None:
        super().__init__(edit)
        self._edit = edit
        self._table = table

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._table.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        if key == Qt.Key.Key_Escape and self._edit.text():
            self._edit.clear()
            return True
        return False


class MainWindow(QMainWindow):
    """The caseload list, the child pane, menus, and tabs other screens add."""

    child_activated = Signal(object)
    child_selected = Signal(object)
    caseload_opened = Signal(object)
    caseload_refreshed = Signal()

    def __init__(
        self,
        store: CaseloadStore,
        *,
        clock: Clock,
        state: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """A window on ``store``; ``state`` is where layout is remembered (tests pass a file)."""
        super().__init__(parent)
        self._store = store
        self.clock = clock
        self.settings: Settings = Settings()
        self._state = state if state is not None else ui_state()
        self._rows: list[ChildRow] = []
        self._schedule: DueSchedule | None = None
        self._reader = BackgroundReader(self)
        self._reader.finished.connect(self._apply_reading)
        self._reader.failed.connect(self._reading_failed)
        self._reader.busy_changed.connect(self._show_reading)
        self.menus: dict[str, QMenu] = {}
        self.named_actions: dict[str, QAction] = {}
        self._view_actions: list[QAction] = []

        self.setObjectName("main_window")
        self.setAccessibleName("IRO Desk main window")
        self.setWindowIcon(app_icon())
        self._build_caseload_view()
        self.views = QTabWidget()
        self.views.setObjectName("views")
        self.views.setAccessibleName("Views")
        self.views.setDocumentMode(True)
        self.views.setTabBarAutoHide(True)
        self.views.addTab(self.caseload_view, "Caseload")
        self.setCentralWidget(self.views)
        self._build_menus()
        self.path_label = QLabel()
        self.path_label.setAccessibleName("Caseload file")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addPermanentWidget(self.path_label, 1)
        self.statusBar().setAccessibleName("Status bar")
        self._show_store_path()
        self._restore_state()

    # -- building -------------------------------------------------------------------------
    def _build_caseload_view(self) -> None:
        self.caseload_view = QWidget()
        self.caseload_view.setObjectName("caseload_view")
        self.caseload_view.setAccessibleName("Caseload")

        self.model = ChildTableModel(parent=self)
        self.proxy = ChildFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("filter_edit")
        self.filter_edit.setAccessibleName("Filter children by name or child ID")
        self.filter_edit.setPlaceholderText("Filter by name or child ID (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        filter_label = QLabel("&Find:")
        filter_label.setBuddy(self.filter_edit)
        self.count_label = QLabel()
        self.count_label.setObjectName("count_label")
        self.count_label.setAccessibleName("Number of children shown")

        self.table = QTableView()
        self.table.setObjectName("caseload_table")
        self.table.setAccessibleName("Children on the caseload")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 10
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setSortIndicator(Column.NEXT_REVIEW, Qt.SortOrder.AscendingOrder)
        # Fit columns to the first 100 rows, not every child: fast on a team-sized caseload.
        header.setResizeContentsPrecision(100)
        self._set_default_column_widths()
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.activated.connect(self._row_activated)
        self.filter_edit.installEventFilter(_FilterKeys(self.filter_edit, self.table))

        self.child_pane = ChildPane()
        self.child_pane.setObjectName("child_pane")

        list_side = QWidget()
        list_side.setAccessibleName("Caseload list")
        list_layout = QVBoxLayout(list_side)
        list_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.count_label)
        list_layout.addLayout(top)
        list_layout.addWidget(self.table, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("caseload_splitter")
        self.splitter.setAccessibleName("Caseload list and child details")
        self.splitter.addWidget(list_side)
        self.splitter.addWidget(self.child_pane)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self.caseload_view)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.splitter)

    def _set_default_column_widths(self) -> None:
        metrics = self.table.fontMetrics()
        padding = 24
        samples = {
            Column.NAME: "Hattie Copperkettle",
            Column.CHILD_ID: "DEMO-0000",
            Column.AGE: "Age",
            Column.NEXT_REVIEW: "Review due by",
            Column.STATUS: "◔ Due soon",
            Column.LEGAL_STATUS: "C2 Full care order",
            Column.PLACEMENT: "Demo agency foster home",
        }
        for column, sample in samples.items():
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + padding)

    def fit_columns(self) -> None:
        """Size the list's columns to what they hold, sharing the rest of the width."""
        table = self.table
        header = table.horizontalHeader()
        for column in (Column.NAME, Column.CHILD_ID, Column.AGE, Column.NEXT_REVIEW):
            table.resizeColumnToContents(column)
        table.setColumnWidth(
            Column.STATUS,
            max(table.sizeHintForColumn(Column.STATUS), header.sectionSizeHint(Column.STATUS)),
        )
        used = sum(
            table.columnWidth(column)
            for column in Column
            if column not in (Column.LEGAL_STATUS, Column.PLACEMENT)
        )
        rest = table.viewport().width() - used
        legal = max(int(rest * 0.55), 110)
        table.setColumnWidth(Column.LEGAL_STATUS, legal)
        table.setColumnWidth(Column.PLACEMENT, max(rest - legal, 100))

    def _action(
        self,
        name: str,
        text: str,
        slot: object,
        *,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.named_actions[name] = action
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.setAccessibleName("Menu bar")
        file_menu = self.add_menu("file", "&File")
        file_menu.addAction(
            self._action(
                "new_caseload",
                "&New caseload…",
                self.new_caseload,
                shortcut=QKeySequence.StandardKey.New,
                tip="Start a new, empty caseload file",
            )
        )
        file_menu.addAction(
            self._action(
                "open_caseload",
                "&Open caseload…",
                self.choose_caseload,
                shortcut="Ctrl+O",
                tip="Open another caseload file",
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(
            self._action("quit", "&Quit", self.close, shortcut="Ctrl+Q", tip="Close IRO Desk")
        )

        view_menu = self.add_menu("view", "&View")
        caseload = self._action(
            "show_caseload",
            "&Caseload",
            lambda: self.show_view(self.caseload_view),
            shortcut="Ctrl+1",
            tip="Show the caseload list",
        )
        self._view_actions.append(caseload)
        view_menu.addAction(caseload)
        view_menu.addAction(
            self._action(
                "find_child",
                "&Find a child",
                self.focus_filter,
                shortcut=QKeySequence.StandardKey.Find,
                tip="Type part of a child's name or ID to filter the list",
            )
        )
        view_menu.addAction(
            self._action(
                "refresh",
                "&Refresh",
                self.refresh,
                shortcut=QKeySequence.StandardKey.Refresh,
                tip="Read the caseload again",
            )
        )
        view_menu.addSeparator()

        child_menu = self.add_menu("child", "&Child")
        child_menu.addAction(
            self._action(
                "open_child_record",
                "&Open child record",
                self._open_current_child,
                shortcut="Ctrl+Return",
                tip="Open the record of the child selected in the list",
            )
        )

        help_menu = self.add_menu("help", "&Help")
        help_menu.addAction(
            self._action(
                "about",
                "&About IRO Desk",
                self.show_about,
                tip="Version, licence and where your data lives",
            )
        )

    # -- extension points -----------------------------------------------------------------
    def add_menu(self, key: str, title: str) -> QMenu:
        """A top-level menu under ``key`` (created before Help if it does not exist)."""
        if key in self.menus:
            return self.menus[key]
        menu = QMenu(title, self)
        menu.setObjectName(f"{key}_menu")
        menu.setAccessibleName(title.replace("&", ""))
        help_menu = self.menus.get("help")
        if help_menu is not None:
            self.menuBar().insertMenu(help_menu.menuAction(), menu)
        else:
            self.menuBar().addMenu(menu)
        self.menus[key] = menu
        return menu

    def add_view(self, name: str, widget: QWidget, *, shortcut: str | None = None) -> QAction:
        """Add a tab called ``name`` and a View menu entry (Ctrl+2, Ctrl+3… unless given)."""
        widget.setAccessibleName(widget.accessibleName() or name.replace("&", ""))
        # Tabs carry no mnemonic: the menus own the Alt keys; Ctrl+number shows a tab.
        self.views.addTab(widget, name.replace("&", ""))
        number = len(self._view_actions) + 1
        key = shortcut or (f"Ctrl+{number}" if number <= 9 else None)
        action = self._action(
            f"show_{widget.objectName() or number}",
            name if "&" in name else f"&{name}",
            lambda: self.show_view(widget),
            shortcut=key,
            tip=f"Show {name.replace('&', '')}",
        )
        self._view_actions.append(action)
        view_menu = self.menus["view"]
        separator = next((a for a in view_menu.actions() if a.isSeparator()), None)
        if separator is None:
            view_menu.addAction(action)
        else:
            view_menu.insertAction(separator, action)
        return action

    def show_view(self, widget: QWidget) -> None:
        """Bring a tab forward."""
        self.views.setCurrentWidget(widget)

    # -- the caseload ---------------------------------------------------------------------
    @property
    def store(self) -> CaseloadStore:
        """The caseload file shown."""
        return self._store

    def set_store(self, store: CaseloadStore) -> None:
        """Show another caseload file; the previous one is closed."""
        previous = self._store
        # A read of the previous file under way ends before the file closes; its rows are
        # never shown over the new caseload.
        self._reader.cancel()
        self._schedule = None
        self._store = store
        if previous is not store:
            previous.close()
        # Nothing of the previous caseload stays in sight while the new one is read.
        self._rows = []
        self.model.set_rows([])
        self._update_count()
        self.child_pane.show_message(READING_MESSAGE)
        self.filter_edit.clear()
        self._show_store_path()
        self.refresh()
        self.caseload_opened.emit(store)
        if store.migration_backup is not None:
            self.statusBar().showMessage(
                f"This caseload was upgraded; a copy of it as it was is at "
                f"{store.migration_backup}",
                15000,
            )

    def refresh(self) -> None:
        """Read the caseload again off the GUI thread, keeping the selected child.

        Returns at once; the list keeps what it shows until the new rows arrive, then
        ``caseload_refreshed`` fires. The schedule is unknown until then (``due_schedule``).
        """
        store = self._store
        today = self.clock.today()
        self._schedule = None
        try:
            # One small row, read at once: whatever follows the settings sees the new ones.
            with store.session() as session:
                settings = self.settings = load_settings(session)
        except Exception as exc:  # shown to the IRO; the list keeps what it showed
            show_exception(self, exc)
            return
        self._reader.start(lambda: read_caseload(store, today, settings))

    @property
    def reading(self) -> bool:
        """True while the caseload is being read."""
        return self._reader.busy

    def due_schedule(self) -> DueSchedule | None:
        """The schedule of the last read, None while a newer read is under way."""
        return self._schedule

    def _show_reading(self, busy: bool) -> None:
        status = self.statusBar()
        if busy:
            status.showMessage(READING_MESSAGE)
            self.table.setCursor(Qt.CursorShape.BusyCursor)
            return
        if status.currentMessage() == READING_MESSAGE:
            status.clearMessage()
        self.table.unsetCursor()

    def _reading_failed(self, exc: BaseException) -> None:
        show_exception(self, exc)  # the list keeps what it showed

    def _apply_reading(self, reading: CaseloadReading) -> None:
        if reading.schedule.store is not self._store:
            return  # read from a caseload no longer shown
        keep = self.current_child()
        rows = reading.rows
        self.settings = reading.schedule.settings
        self._schedule = reading.schedule
        self._rows = rows
        self.model.set_rows(rows)
        self._update_count()
        if not rows:
            self.child_pane.show_message(
                "There are no children on this caseload yet.\n\nImport your caseload from your "
                "council's extract (see the user guide), or add children from the Child menu "
                "when that is available."
            )
        elif keep is None or not self._select_in_list(keep):
            self._select_proxy_row(0)
        if not self._columns_fitted and rows and self.isVisible():
            self._columns_fitted = True
            self.fit_columns()
        self.caseload_refreshed.emit()

    def rows(self) -> list[ChildRow]:
        """Every child on the caseload, as last read."""
        return list(self._rows)

    def current_child(self) -> uuid.UUID | None:
        """The child selected in the list, if any."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.proxy.child_at(index.row()).child_uuid

    def select_child(self, child_uuid: uuid.UUID) -> bool:
        """Show the caseload tab with ``child_uuid`` selected; False when not in the list."""
        if not self._select_in_list(child_uuid):
            return False
        self.show_view(self.caseload_view)
        return True

    def _select_in_list(self, child_uuid: uuid.UUID) -> bool:
        """Select ``child_uuid`` in the list without changing the tab shown."""
        source_row = self.model.row_of(child_uuid)
        if source_row is None:
            return False
        proxy_index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not proxy_index.isValid():
            self.filter_edit.clear()
            proxy_index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        self._select_proxy_row(proxy_index.row())
        return True

    def focus_filter(self) -> None:
        """Put the cursor in the filter box (Ctrl+F)."""
        self.show_view(self.caseload_view)
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _select_proxy_row(self, row: int) -> None:
        if not 0 <= row < self.proxy.rowCount():
            return
        index = self.proxy.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _update_count(self) -> None:
        self.count_label.setText(_count_text(self.proxy.rowCount(), self.model.rowCount()))

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        self._update_count()
        if self.proxy.rowCount() == 0:
            if self.model.rowCount():
                self.child_pane.show_message(f"No child’s name or child ID contains “{text}”.")
            return
        if not self.table.currentIndex().isValid():
            self._select_proxy_row(0)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.child_selected.emit(None)
            return
        row = self.proxy.child_at(current.row())
        self._show_child(row)
        self.child_selected.emit(row.child_uuid)

    def _show_child(self, row: ChildRow) -> None:
        today = self.clock.today()
        try:
            with self._store.session() as session:
                detail = child_detail(
                    session, row.child_uuid, today=today, settings=self.settings
                )
        except Exception as exc:  # shown in the pane, never a traceback
            if not isinstance(exc, CaseloadFileError):
                show_exception(self, exc)
            self.child_pane.show_message(str(exc))
            return
        self.child_pane.show_child(row, detail, today_ordinal=today.toordinal())

    def _row_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.child_activated.emit(self.proxy.child_at(index.row()).child_uuid)

    def _open_current_child(self) -> None:
        child = self.current_child()
        if child is None:
            show_error(self, "Select a child in the caseload list first.")
            return
        self.child_activated.emit(child)

    # -- files ----------------------------------------------------------------------------
    def choose_caseload(self) -> None:
        """File › Open caseload…: pick a file and show it."""
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Open a caseload file", str(self._store.path.parent), CASELOAD_FILE_FILTER
        )
        if chosen:
            self.open_caseload(Path(chosen))

    def open_caseload(self, path: Path) -> bool:
        """Show the caseload at ``path``; a file that cannot be opened is explained, not shown."""
        if Path(path).resolve() == self._store.path.resolve():
            self.statusBar().showMessage(f"{self._store.path.name} is already open.", 5000)
            return True
        try:
            store = open_caseload_interactively(Path(path), self)
        except DamagedCaseloadError as exc:
            store = offer_restore_for_damaged(Path(path), str(exc), self)
            if store is None:
                show_error(self, f"{exc}\n\nYou are still working on {self._store.path.name}.")
                return False
        except CaseloadFileError as exc:
            show_error(self, f"{exc}\n\nYou are still working on {self._store.path.name}.")
            return False
        if store is None:
            return False
        self.set_store(store)
        return True

    def new_caseload(self) -> None:
        """File › New caseload…: make an empty caseload file for this IRO and show it."""
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "New caseload file",
            str(self._store.path.parent / "new-caseload.irodesk"),
            CASELOAD_FILE_FILTER,
        )
        if not chosen:
            return
        path = with_suffix_if_missing(chosen)
        if path.exists():
            show_error(
                self,
                f"{path} already exists, and IRO Desk never writes over a caseload. Choose "
                "another name, or open that file with File › Open caseload….",
            )
            return
        dialog = NewCaseloadDialog(path, self, name=self._my_name())
        try:
            if dialog.exec() == NewCaseloadDialog.DialogCode.Accepted and dialog.store:
                self.set_store(dialog.store)
        finally:
            dialog.deleteLater()

    def _my_name(self) -> str:
        with self._store.session() as session:
            me = session.exec(
                select(Iro.name).where(col(Iro.is_me).is_(True), col(Iro.deleted_at).is_(None))
            ).first()
        return me or ""

    def _show_store_path(self) -> None:
        path = self._store.path
        self.path_label.setText(f"Caseload: {path}")
        self.path_label.setToolTip(str(path))
        self.setWindowTitle(f"{path.name} — {APP_NAME}")
        self._state.setValue(LAST_CASELOAD_KEY, str(path))

    def show_about(self) -> None:
        """Help › About: version, licence and where the data lives."""
        text = (
            f"<h3>{APP_NAME} {html.escape(__version__)}</h3>"
            "<p>A desktop tool for Independent Reviewing Officers: the caseload, the statutory "
            "calendar, review records and children's letters. It works offline; your caseload "
            "stays on this computer.</p>"
            "<p>Licence: MIT.</p>"
            f"<p>This caseload: {html.escape(str(self._store.path))}<br>"
            f"Data folder: {html.escape(str(data_dir()))}<br>"
            f"Log file: {html.escape(str(log_file()))}</p>"
        )
        QMessageBox.about(self, f"About {APP_NAME}", text)

    # -- window state ---------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self._state.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
            self.splitter.setSizes([760, 520])
        value = self._state.value("main_window/splitter")
        if isinstance(value, QByteArray) and not value.isEmpty():
            self.splitter.restoreState(value)
        value = self._state.value("main_window/pane_splitter")
        if isinstance(value, QByteArray) and not value.isEmpty():
            self.child_pane.restore_splitter(value)
        header_state = self._state.value("main_window/table_header")
        header = self.table.horizontalHeader()
        self._columns_fitted = False
        if isinstance(header_state, QByteArray) and not header_state.isEmpty():
            self._columns_fitted = header.restoreState(header_state)
        self.table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def showEvent(self, event: QShowEvent) -> None:
        """On first showing, fit the columns to the window (unless remembered from last time)."""
        super().showEvent(event)
        if not self._columns_fitted and self.model.rowCount():
            self._columns_fitted = True
            self.fit_columns()

    def save_state(self) -> None:
        """Remember the window's size, splitters and columns."""
        self._state.setValue("main_window/geometry", self.saveGeometry())
        self._state.setValue("main_window/splitter", self.splitter.saveState())
        if self.child_pane.sized_by_hand:
            self._state.setValue(
                "main_window/pane_splitter", self.child_pane.splitter.saveState()
            )
        self._state.setValue(
            "main_window/table_header", self.table.horizontalHeader().saveState()
        )
        self._state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the layout and close the caseload file (after any read of it ends)."""
        self.save_state()
        self._reader.cancel()
        self._store.close()
        super().closeEvent(event)
