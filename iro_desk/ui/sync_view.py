"""Sync in the desktop app: the toolbar button, the Sync menu, and what came in and went out.

* ``SyncController`` runs a sync off the GUI thread (a one-thread executor, with its own
  caseload connection) and reports back by signal; it knows the state shown on the button.
* ``SyncButton`` is the toolbar button: "⟳ Synced 10:42", "○ Not synced", "⚠ 3 conflicts",
  "… Syncing", "✕ Sync failed" (a symbol and words: nothing by colour alone). Clicking it syncs;
  its menu opens the conflicts and the sync history.
* ``SyncReportDialog`` shows the sync history (a table of syncs) and, for the chosen sync, the
  lists of what came in, went out and left the laptop.
* ``install_sync(window)`` adds all of it to the main window: a Sync menu (Sync now
  Ctrl+Shift+S, Conflicts Ctrl+Shift+K, Sync history Ctrl+Shift+H) and a toolbar.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from iro_desk.clock import Clock
from iro_desk.settings import load_settings
from iro_desk.store import CaseloadStore
from iro_desk.sync.engine import (
    SyncCancelledError,
    SyncItem,
    SyncNeedsConfirmationError,
    SyncReport,
    sync_caseload,
)
from iro_desk.sync.state import (
    SyncRunInfo,
    count_open_conflicts,
    sync_history,
    table_word,
)
from iro_desk.ui.errors import ask_yes_no, show_exception
from iro_desk.ui.table_model import RowsTableModel


def local_time(moment: dt.datetime) -> str:
    """A moment as the IRO reads it: '10:42' today, else '4 Jan 10:42'."""
    local = moment.astimezone()
    if local.date() == dt.datetime.now().astimezone().date():
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


@dataclass(frozen=True)
class SyncStatus:
    """What the Sync button says."""

    symbol: str
    text: str
    tip: str

    @property
    def label(self) -> str:
        """Symbol and words."""
        return f"{self.symbol} {self.text}"


class _SyncSignals(QObject):
    """Lives in the GUI thread; the worker emits on it, so the slots run in the GUI thread."""

    done = Signal(object)
    failed = Signal(object)


class SyncController(QObject):
    """Runs syncs of one caseload off the GUI thread and knows the sync state.

    Signals: ``started``; ``finished(report)``; ``failed(error)``; ``stopped(text)`` when
    ``cancel`` stopped it (before anything was written); ``needs_confirmation(text)``
    when the sync stopped to ask (call ``start(confirm=True)`` to go ahead); ``state_changed``
    whenever the button's text may change.
    """

    started = Signal()
    finished = Signal(object)
    failed = Signal(object)
    needs_confirmation = Signal(str)
    stopped = Signal(str)
    state_changed = Signal()

    def __init__(
        self, store: CaseloadStore, *, clock: Clock | None = None, parent: QObject | None = None
    ) -> None:
        """Sync ``store``."""
        super().__init__(parent)
        self.store = store
        self.clock = clock or Clock()
        self.running = False
        self.last_error: BaseException | None = None
        self.last_report: SyncReport | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync")
        self._stop = threading.Event()
        self._signals = _SyncSignals(self)
        self._signals.done.connect(self._done)
        self._signals.failed.connect(self._failed)

    def set_store(self, store: CaseloadStore) -> None:
        """Sync another caseload from now on."""
        self.store = store
        self.last_error = None
        self.last_report = None
        self.state_changed.emit()

    def start(self, *, confirm: bool = False) -> bool:
        """Start a sync unless one is running; False when it could not start."""
        if self.running:
            return False
        with self.store.session() as session:
            settings = load_settings(session)
        self.running = True
        self._stop.clear()
        self.started.emit()
        self.state_changed.emit()
        self._executor.submit(self._work, self.store, settings, confirm)
        return True

    def cancel(self) -> bool:
        """Ask a running sync to stop; it stops before it writes anything, or finishes."""
        if not self.running:
            return False
        self._stop.set()
        return True

    def _work(self, store: CaseloadStore, settings: Any, confirm: bool) -> None:
        try:
            report = sync_caseload(
                store, settings, confirm=confirm, clock=self.clock, cancelled=self._stop.is_set
            )
        except Exception as exc:  # handed to the GUI thread, which shows it or logs it
            self._signals.failed.emit(exc)
        else:
            self._signals.done.emit(report)

    def _done(self, report: SyncReport) -> None:
        self.running = False
        self.last_error = None
        self.last_report = report
        self.finished.emit(report)
        self.state_changed.emit()

    def _failed(self, error: BaseException) -> None:
        self.running = False
        if isinstance(error, SyncNeedsConfirmationError):
            self.state_changed.emit()
            self.needs_confirmation.emit(str(error))
            return
        if isinstance(error, SyncCancelledError):
            self.last_error = None
            self.stopped.emit(str(error))
            self.state_changed.emit()
            return
        self.last_error = error
        self.failed.emit(error)
        self.state_changed.emit()

    def status(self) -> SyncStatus:
        """What the button says now."""
        if self.running:
            return SyncStatus("…", "Syncing", "Syncing with the team share…")
        with self.store.session() as session:
            conflicts = count_open_conflicts(session)
            history = sync_history(session, limit=1)
        last = history[0] if history else None
        when = f"Last synced {local_time(last.finished_at)}." if last else "Never synced."
        if conflicts:
            noun = "conflict" if conflicts == 1 else "conflicts"
            return SyncStatus(
                "⚠", f"{conflicts} {noun}",
                f"{conflicts} record(s) changed differently here and on the team file wait for "
                f"you to choose. {when}",
            )
        if self.last_error is not None:
            return SyncStatus("✕", "Sync failed", f"{self.last_error} {when}")
        if last is None:
            return SyncStatus("○", "Not synced", "This caseload has not been synced yet.")
        return SyncStatus("⟳", f"Synced {local_time(last.finished_at)}",
                          f"{when} Click to sync now.")

    def shutdown(self) -> None:
        """Wait for a running sync to finish (when the window closes)."""
        self._executor.shutdown(wait=True)


class SyncButton(QToolButton):
    """The toolbar button: shows the sync state, syncs when clicked, menu for the rest."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        """A button for ``controller``."""
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("sync_button")
        self.setAccessibleName("Sync")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.clicked.connect(lambda: controller.start())
        controller.state_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the current state."""
        status = self.controller.status()
        self.setText(status.label)
        self.setToolTip(status.tip)
        self.setAccessibleDescription(status.tip)
        self.setEnabled(not self.controller.running)


class SyncItemModel(RowsTableModel[SyncItem]):
    """Records that came in, went out or left the laptop."""

    HEADERS = ("What happened", "Record", "Kind")

    def __init__(self, items: Sequence[SyncItem] = (), parent: QObject | None = None) -> None:
        """Show ``items``."""
        super().__init__(self.HEADERS, items, parent)

    def set_items(self, items: Sequence[SyncItem]) -> None:
        """Show other items."""
        self.set_rows(items)

    def cell(self, row: SyncItem, column: int, role: int) -> Any:
        """The action, the record's label, and its kind."""
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return (row.action.capitalize(), row.label, table_word(row.table))[column]


class SyncHistoryModel(RowsTableModel[SyncRunInfo]):
    """Past syncs, newest first."""

    HEADERS = ("When", "Came in", "Went out", "Left", "Conflicts", "Team generation")

    def __init__(self, runs: Sequence[SyncRunInfo] = (), parent: QObject | None = None) -> None:
        """Show ``runs``."""
        super().__init__(self.HEADERS, runs, parent)

    def set_runs(self, runs: Sequence[SyncRunInfo]) -> None:
        """Show other runs."""
        self.set_rows(runs)

    def run_at(self, row: int) -> SyncRunInfo:
        """The sync on one row."""
        return self.row_at(row)

    def cell(self, row: SyncRunInfo, column: int, role: int) -> Any:
        """One sync's numbers."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        local = row.finished_at.astimezone()
        values = (
            f"{local.day} {local:%b %Y %H:%M}",
            row.came_in,
            row.went_out,
            row.left_laptop,
            f"{row.conflicts_open} waiting ({row.conflicts_new} new)",
            row.generation,
        )
        return values[column]


def _items(details: dict[str, Any], key: str) -> list[SyncItem]:
    items = []
    for entry in details.get(key, []):
        if isinstance(entry, dict):
            items.append(
                SyncItem(
                    direction=str(entry.get("direction", "")),
                    table=str(entry.get("table", "")),
                    row_id=str(entry.get("row_id", "")),
                    action=str(entry.get("action", "")),
                    label=str(entry.get("label", "")),
                )
            )
    return items


def _table(model: QAbstractTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setAccessibleName(name.replace("_", " ").capitalize())
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()
    return view


class SyncReportDialog(QDialog):
    """The sync history and, for the sync chosen in it, what came in, went out and left."""

    def __init__(self, store: CaseloadStore, parent: QWidget | None = None) -> None:
        """Show the history of ``store``, the latest sync chosen."""
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Sync history")
        self.setObjectName("sync_report_dialog")
        self.setAccessibleName("Sync history")
        self.summary = QLabel()
        self.summary.setObjectName("sync_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history_model = SyncHistoryModel(parent=self)
        self.history_view = _table(self.history_model, "sync_history")
        self.came_in_model = SyncItemModel(parent=self)
        self.went_out_model = SyncItemModel(parent=self)
        self.left_model = SyncItemModel(parent=self)
        self.lists = QTabWidget()
        self.lists.setObjectName("sync_lists")
        self.lists.setAccessibleName("What the sync moved")
        self.lists.addTab(_table(self.came_in_model, "came_in"), "Came &in")
        self.lists.addTab(_table(self.went_out_model, "went_out"), "Went &out")
        self.lists.addTab(_table(self.left_model, "left_laptop"), "&Left this laptop")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        history_label = QLabel("Sync &history (newest first):")
        history_label.setBuddy(self.history_view)
        layout.addWidget(history_label)
        layout.addWidget(self.history_view, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.lists, 2)
        layout.addWidget(buttons)
        self.history_view.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.show_run(current.row())
        )
        self.reload()
        self.resize(760, 560)

    def reload(self) -> None:
        """Read the history again and show the latest sync."""
        with self.store.session() as session:
            runs = sync_history(session)
        self.history_model.set_runs(runs)
        if runs:
            self.history_view.selectRow(0)
            self.show_run(0)
        else:
            self.summary.setText("This caseload has not been synced yet.")
            for model in (self.came_in_model, self.went_out_model, self.left_model):
                model.set_items([])

    def show_run(self, row: int) -> None:
        """Show the lists of the sync on ``row`` of the history."""
        if row < 0 or row >= self.history_model.rowCount():
            return
        run = self.history_model.run_at(row)
        came_in = _items(run.details, "came_in")
        went_out = _items(run.details, "went_out")
        left = _items(run.details, "left_laptop")
        self.came_in_model.set_items(came_in)
        self.went_out_model.set_items(went_out)
        self.left_model.set_items(left)
        local = run.finished_at.astimezone()
        text = (
            f"Synced on {local.day} {local:%b %Y at %H:%M}: {run.came_in} came in, "
            f"{run.went_out} went out"
            + (f", {run.left_laptop} left this laptop" if run.left_laptop else "")
            + f". Conflicts waiting then: {run.conflicts_open}."
        )
        shown = len(came_in) + len(went_out) + len(left)
        if shown < run.came_in + run.went_out + run.left_laptop:
            text += " (The lists show the first 500 of each.)"
        self.summary.setText(text)
        self.lists.setTabText(0, f"Came &in ({run.came_in})")
        self.lists.setTabText(1, f"Went &out ({run.went_out})")
        self.lists.setTabText(2, f"&Left this laptop ({run.left_laptop})")


def _open_conflicts(window: Any) -> None:
    from iro_desk.ui.conflict_view import ConflictDialog

    dialog = ConflictDialog(window.store, parent=window)
    dialog.resolved.connect(lambda *_: window.refresh())
    dialog.exec()
    dialog.deleteLater()
    controller = getattr(window, "sync_controller", None)
    if controller is not None:
        controller.state_changed.emit()


def _open_history(window: Any) -> None:
    dialog = SyncReportDialog(window.store, parent=window)
    dialog.exec()
    dialog.deleteLater()


def install_sync(window: Any) -> SyncController:
    """Add the Sync menu, the toolbar button and their handling to the main window.

    ``window`` is the ``MainWindow`` (it needs ``store``, ``clock``, ``add_menu``,
    ``refresh``, ``statusBar`` and the ``caseload_opened`` signal).
    """
    controller = SyncController(window.store, clock=window.clock, parent=window)
    window.sync_controller = controller
    menu: QMenu = window.add_menu("sync", "S&ync")
    actions = []
    for name, text, shortcut, slot in (
        ("sync_now", "&Sync now", "Ctrl+Shift+S", lambda: controller.start()),
        ("sync_conflicts", "&Conflicts…", "Ctrl+Shift+K", lambda: _open_conflicts(window)),
        ("sync_history", "Sync &history…", "Ctrl+Shift+H", lambda: _open_history(window)),
        ("sync_stop", "S&top the sync", "Ctrl+Shift+X", lambda: controller.cancel()),
    ):
        action = QAction(text, window)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        actions.append(action)
        if hasattr(window, "named_actions"):
            window.named_actions[name] = action
    toolbar = QToolBar("Sync", window)
    toolbar.setObjectName("sync_toolbar")
    toolbar.setAccessibleName("Sync toolbar")
    button = SyncButton(controller, toolbar)
    button.setMenu(_button_menu(actions, button))
    toolbar.addWidget(button)
    window.addToolBar(toolbar)
    window.sync_button = button

    def finished(report: SyncReport) -> None:
        window.refresh()
        window.statusBar().showMessage(report.summary(), 15000)
        if report.conflicts_new and ask_yes_no(
            window,
            f"{report.conflicts_new} field(s) were changed differently here and on the team "
            "file. Both values are kept until you choose. Look at them now?",
        ):
            _open_conflicts(window)

    def confirm(text: str) -> None:
        if ask_yes_no(window, f"{text}\n\nGo ahead with this sync?"):
            controller.start(confirm=True)

    controller.finished.connect(finished)
    controller.needs_confirmation.connect(confirm)
    controller.failed.connect(lambda error: show_exception(window, error))
    controller.stopped.connect(lambda text: window.statusBar().showMessage(text, 15000))
    stop = window.named_actions.get("sync_stop")
    if stop is not None:
        stop.setEnabled(False)
        controller.state_changed.connect(lambda: stop.setEnabled(controller.running))
    window.caseload_opened.connect(controller.set_store)
    return controller


def _button_menu(actions: list[QAction], parent: QWidget) -> QMenu:
    menu = QMenu(parent)
    menu.setAccessibleName("Sync menu")
    for action in actions:
        menu.addAction(action)
    return menu
