"""Puts the screens together in the main window: calendar, challenges, figures, sync, settings,
restore, the lock, old letters, help and the daily backup.

``install_workspace(window)`` is called once by ``create_main_window``. Each screen is a view of
the open caseload; when another caseload is opened, views that cannot switch file are rebuilt
on it (``StoreBoundView``), so no screen ever shows one caseload beside another.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from iro_desk.backups import ensure_daily_backup
from iro_desk.store import CaseloadStore
from iro_desk.ui.background import BackgroundReader
from iro_desk.ui.booking_dialog import BookingDialog
from iro_desk.ui.calendar_view import CalendarView
from iro_desk.ui.challenges_window import ChallengesWindow
from iro_desk.ui.errors import show_error
from iro_desk.ui.figures_window import FiguresWindow
from iro_desk.ui.help_window import HelpDialog
from iro_desk.ui.letter_retention_dialog import offer_letter_cleanup
from iro_desk.ui.lock import install_lock
from iro_desk.ui.qa_tool_form import QaToolForm
from iro_desk.ui.restore_dialog import restore_into_window
from iro_desk.ui.settings_dialog import SettingsDialog
from iro_desk.ui.sync_view import install_sync

log = logging.getLogger(__name__)


class StoreBoundView(QWidget):
    """A tab whose content is made for one caseload, when first shown, and made again when
    another caseload is opened (so tabs never seen cost nothing at start-up)."""

    def __init__(self, name: str, title: str, factory: Callable[[CaseloadStore], QWidget],
                 store: CaseloadStore) -> None:
        """Make ``factory(store)`` when the tab is first shown; ``rebuild`` for another file."""
        super().__init__()
        self.setObjectName(name)
        self.setAccessibleName(title)
        self._factory = factory
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.inner: QWidget | None = None
        self._store = store

    def rebuild(self, store: CaseloadStore) -> None:
        """Drop the view of the previous caseload; the new one is made when next shown."""
        self._store = store
        if self.inner is not None:
            self._layout.removeWidget(self.inner)
            self.inner.hide()
            self.inner.deleteLater()
            self.inner = None
        if self.isVisible():
            self.build()

    def build(self) -> QWidget:
        """The view of the current caseload, made now if it is not made yet."""
        if self.inner is None:
            self.inner = self._factory(self._store)
            self._layout.addWidget(self.inner)
            self.setFocusProxy(self.inner)
        return self.inner

    def showEvent(self, event: QShowEvent) -> None:
        """Make the view the first time the tab is shown."""
        self.build()
        super().showEvent(event)


def _insert_before(menu: Any, before: QAction | None, actions: list[QAction | None]) -> None:
    for action in actions:
        if action is None:
            separator = QAction(menu)
            separator.setSeparator(True)
            action = separator
        if before is None:
            menu.addAction(action)
        else:
            menu.insertAction(before, action)


class Workspace:
    """The screens of one main window and the actions that reach them."""

    def __init__(self, window: Any) -> None:
        """Add every screen and menu entry to ``window``."""
        self.window = window
        self._stale: set[QWidget] = set()
        self._install_calendar()
        self._install_tabs()
        self.sync = install_sync(window)
        self._install_file_actions()
        self.lock = install_lock(window)
        self._install_child_actions()
        self._install_help()
        window.caseload_opened.connect(self._caseload_opened)
        self.backups = BackgroundReader(window)
        self.backups.finished.connect(self._backup_made)
        self.backups.failed.connect(self._backup_failed)
        self.daily_backup(window.store)

    # -- tabs -----------------------------------------------------------------------------
    def _install_calendar(self) -> None:
        window = self.window
        # The calendar shows the schedule the window reads at each refresh (worked out once).
        calendar = CalendarView(
            window.store,
            clock=window.clock,
            settings_loader=lambda: window.settings,
            schedule_source=window.due_schedule,
        )
        self.calendar = calendar
        window.add_view("Ca&lendar", calendar)
        # The calendar is the home screen: first tab, shown on opening.
        bar = window.views.tabBar()
        bar.moveTab(window.views.indexOf(calendar), 0)
        window.views.setCurrentWidget(calendar)
        calendar.child_activated.connect(window.child_activated)
        calendar.changed.connect(window.refresh)
        calendar.status_message.connect(lambda text: window.statusBar().showMessage(text, 10000))
        # A tab out of sight is re-read when it is next shown, not at every change.
        window.caseload_refreshed.connect(lambda: self._refresh_when_seen(calendar))
        window.views.currentChanged.connect(lambda _index: self._refresh_if_stale())
        window.caseload_opened.connect(calendar.set_store)
        menu = window.add_menu("calendar", "Ca&lendar")
        menu.setToolTipsVisible(True)
        for action in (
            calendar.book_action,
            calendar.move_action,
            calendar.stand_down_action,
            calendar.cancel_action,
            None,
            calendar.open_child_action,
            calendar.export_action,
        ):
            if action is None:
                menu.addSeparator()
                continue
            menu.addAction(action)
            window.named_actions[action.objectName()] = action
        # From the menu the calendar's actions work on what the calendar has selected: show it.
        # Book review… chosen while the caseload list has a child selected books that child.
        self._menu_child: uuid.UUID | None = None
        calendar.preferred_child = lambda: self._menu_child

        def menu_opening() -> None:
            on_list = window.views.currentWidget() is window.caseload_view
            self._menu_child = window.current_child() if on_list else None
            window.show_view(calendar)

        def forget_menu_child() -> None:
            self._menu_child = None

        menu.aboutToShow.connect(menu_opening)
        # After the chosen action has run (it runs before the event loop turns again).
        menu.aboutToHide.connect(lambda: QTimer.singleShot(0, forget_menu_child))

    def _install_tabs(self) -> None:
        window = self.window

        def challenges(store: CaseloadStore) -> QWidget:
            view = ChallengesWindow(store, clock=window.clock)
            view.changed.connect(window.refresh)
            return view

        def figures(store: CaseloadStore) -> QWidget:
            return FiguresWindow(store, clock=window.clock)

        self.challenges = StoreBoundView("challenges_view", "Challenges", challenges,
                                         window.store)
        self.figures = StoreBoundView("figures_view", "Figures", figures, window.store)
        window.add_view("C&hallenges", self.challenges)
        window.add_view("F&igures", self.figures)
        window.caseload_refreshed.connect(lambda: self._refresh_when_seen(self.challenges))

    def _refresh_when_seen(self, view: QWidget) -> None:
        """Re-read ``view`` now if it is the tab shown, else when it is next shown."""
        self._stale.add(view)
        self._refresh_if_stale()

    def _refresh_if_stale(self) -> None:
        shown = self.window.views.currentWidget()
        if shown not in self._stale:
            return
        self._stale.discard(shown)
        inner = shown.inner if isinstance(shown, StoreBoundView) else shown
        if isinstance(inner, CalendarView | ChallengesWindow):
            inner.refresh()

    def _caseload_opened(self, store: CaseloadStore) -> None:
        for view in (self.challenges, self.figures):
            view.rebuild(store)
        self.daily_backup(store)

    # -- file -----------------------------------------------------------------------------
    def _action(self, name: str, text: str, slot: Callable[[], object], *,
                shortcut: str | QKeySequence.StandardKey | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.named_actions[name] = action
        return action

    def _install_file_actions(self) -> None:
        window = self.window
        quit_action = window.named_actions.get("quit")
        _insert_before(
            window.menus["file"],
            quit_action,
            [
                None,
                self._action(
                    "settings",
                    "&Settings…",
                    self.open_settings,
                    shortcut="Ctrl+,",
                    tip="Your details, letters, timescales, challenges, sync and security",
                ),
                self._action(
                    "restore_backup",
                    "Restore from &backup…",
                    lambda: restore_into_window(window),
                    tip="Replace the caseload with one of its backups",
                ),
                self._action(
                    "remove_old_letters",
                    "Remove old le&tters…",
                    lambda: offer_letter_cleanup(window),
                    tip="Remove letter PDFs older than the retention period in Settings",
                ),
                None,
            ],
        )

    def open_settings(self) -> None:
        """File › Settings…: edit, and re-read the caseload when saved."""
        window = self.window
        dialog = SettingsDialog(window.store, window)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                window.refresh()
                window.statusBar().showMessage("Settings saved.", 5000)
        finally:
            dialog.deleteLater()

    def daily_backup(self, store: CaseloadStore) -> None:
        """Make today's backup of ``store`` off the GUI thread, if it has none yet.

        A failure is shown in the status bar, never fatal; ``backups.busy`` says while it runs.
        """
        now = self.window.clock.now()
        self.backups.start(lambda: ensure_daily_backup(store, now))

    def _backup_made(self, made: object) -> None:
        if made is not None:
            log.info("daily backup written to %s", made)

    def _backup_failed(self, exc: BaseException) -> None:
        log.error("daily backup failed: %s", exc)
        self.window.statusBar().showMessage(f"Today's backup could not be made: {exc}", 20000)

    # -- child ----------------------------------------------------------------------------
    def _install_child_actions(self) -> None:
        menu = self.window.menus["child"]
        menu.addSeparator()
        menu.addAction(
            self._action(
                "book_child_review",
                "&Book a review…",
                self.book_for_selected_child,
                tip="Book the date of the selected child's next review",
            )
        )
        menu.addAction(
            self._action(
                "start_qa_tool",
                "Start a &QA tool…",
                self.start_qa_tool,
                tip="Check the selected child's plan with the QA checklist from Settings",
            )
        )

    def _current_child(self) -> uuid.UUID | None:
        child = self.window.current_child()
        if child is None:
            show_error(self.window, "Select a child in the caseload list first.")
        return child

    def book_for_selected_child(self) -> BookingDialog | None:
        """Child › Book a review…: the booking form on the selected child's next review."""
        child = self._current_child()
        if child is None:
            return None
        self.window.show_view(self.calendar)
        return self.calendar.book_review(child_uuid=child)

    def start_qa_tool(self) -> QaToolForm | None:
        """Child › Start a QA tool…: open the selected child's record and start one there."""
        child = self._current_child()
        if child is None:
            return None
        record = self.window.child_records.open_record(child)
        return record.start_qa_tool() if record is not None else None

    # -- help -----------------------------------------------------------------------------
    def _install_help(self) -> None:
        menu = self.window.menus["help"]
        about = self.window.named_actions.get("about")
        _insert_before(
            menu,
            about,
            [
                self._action("help_guide", "&Guide", lambda: self.show_help("guide"),
                             shortcut=QKeySequence.StandardKey.HelpContents,
                             tip="A short guide to each screen (F1)"),
                self._action("help_rules", "Statutory &rules",
                             lambda: self.show_help("rules"),
                             tip="The timescales IRO Desk applies, with their regulations"),
                self._action("help_shortcuts", "&Keyboard shortcuts",
                             lambda: self.show_help("shortcuts"),
                             tip="Every shortcut in the app"),
                None,
            ],
        )

    def show_help(self, page: str) -> HelpDialog:
        """Open help at ``page`` (guide, rules, shortcuts or about)."""
        window = self.window
        dialog = HelpDialog(
            settings=window.settings,
            actions=list(window.named_actions.values()),
            caseload=str(window.store.path),
            page=page,
            parent=window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.help_dialog = dialog
        return dialog


def install_workspace(window: Any) -> Workspace:
    """Add the screens to ``window`` (a ``MainWindow``); kept as ``window.workspace``."""
    workspace = Workspace(window)
    window.workspace = workspace
    return workspace
