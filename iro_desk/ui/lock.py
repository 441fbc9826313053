"""The lock: IRO Desk hides every window that shows children's details until it is unlocked.

It locks after ``lock_after_minutes`` (a setting) without keyboard or mouse use, when the
computer wakes from sleep, and when the IRO chooses File › Lock now (Ctrl+L). While locked:

* ordinary windows (the main window, child records, the letter editor, forms opened with
  ``show()``) are hidden, so they leave the screen and the taskbar; they are shown again as
  they were, with any unsaved typing still in them;
* modal dialogs are blanked instead, because hiding a dialog ends its ``exec()`` (its caller
  would take that as Cancel): every widget in them is hidden behind a cover saying IRO Desk is
  locked, and their title is replaced; all comes back at unlock;
* a window that appears while locked (a message at the end of a sync…) is blanked the same way;
* the lock screen says which caseload file is locked and asks for its passphrase. The
  passphrase is checked against the open caseload's key, derived again with the file's salt and
  compared in constant time; the file is not opened again. A caseload that is not encrypted has
  no passphrase: the lock screen says so and its Unlock button simply continues.

Sleep is noticed by a timer that ticks every few seconds: when the time since the last tick,
by the wall clock or by the monotonic clock (whichever moved further: on Linux and macOS the
monotonic clock stops while asleep, on Windows it may not), is far longer than the tick, the
computer was asleep (or the GUI was stuck for as long), and the app locks. The app losing focus
is not sleep and does not lock.

``install_lock(window)`` sets all this up on the main window and returns the ``LockController``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from iro_desk import APP_NAME
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore, FileKey
from iro_desk.ui.main_window import MainWindow
from iro_desk.ui.review_form import DraftDialog

DEFAULT_TICK_MS = 5000
# A tick arriving this much later than due means the computer slept (or the GUI was stuck).
DEFAULT_SLEEP_GAP = dt.timedelta(seconds=60)
LOCKED_TITLE = f"Locked — {APP_NAME}"
LOCK_SHORTCUT = "Ctrl+L"

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)
# Windows that never show a child's details: menus and completers are closed, tooltips hidden.
_NOT_DATA_WINDOWS = frozenset({Qt.WindowType.Popup, Qt.WindowType.ToolTip})


def passphrase_unlocks(store: CaseloadStore, passphrase: str) -> bool:
    """True when ``passphrase`` is the one the open caseload was opened with.

    The key is derived again with the caseload's own salt and compared with the key in use, in
    constant time; nothing is read from the file. A caseload that is not encrypted has no
    passphrase, so anything unlocks it.
    """
    key: FileKey | None = store.key
    if key is None:
        return True
    if not passphrase:
        return False
    typed = FileKey.derive(passphrase, key.salt)
    return hmac.compare_digest(typed.key, key.key)


def _minutes_text(span: dt.timedelta) -> str:
    minutes = max(1, round(span.total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


class LockScreen(QDialog):
    """The window shown while IRO Desk is locked: which file, the passphrase, Unlock and Quit.

    It shows no child's details. It is application-modal and shown with ``show()`` (never
    ``exec()``); Escape and the window's close button do not dismiss it.
    """

    unlock_requested = Signal(str)
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty lock screen; ``show_locked`` fills it in."""
        super().__init__(parent)
        self._may_close = False
        self.setObjectName("lock_screen")
        self.setWindowTitle(LOCKED_TITLE)
        self.setAccessibleName(f"{APP_NAME} is locked")
        self.setModal(True)

        self.headline = QLabel()
        self.headline.setObjectName("lock_headline")
        self.headline.setAccessibleName("What is locked")
        self.headline.setWordWrap(True)
        bigger = QFont(self.headline.font())
        bigger.setPointSizeF(bigger.pointSizeF() * 1.4)
        bigger.setBold(True)
        self.headline.setFont(bigger)
        self.reason_label = QLabel()
        self.reason_label.setObjectName("lock_reason")
        self.reason_label.setAccessibleName("Why IRO Desk locked")
        self.reason_label.setWordWrap(True)
        self.file_label = QLabel()
        self.file_label.setObjectName("lock_file")
        self.file_label.setAccessibleName("Caseload file")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("lock_passphrase")
        self.passphrase_edit.setAccessibleName("Passphrase")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_label = QLabel("&Passphrase:")
        self.passphrase_label.setBuddy(self.passphrase_edit)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("lock_problem")
        self.problem_label.setAccessibleName("Problem with the passphrase")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        field = QWidget()
        field_layout = QVBoxLayout(field)
        field_layout.setContentsMargins(0, 0, 0, 0)
        field_layout.addWidget(self.passphrase_edit)
        field_layout.addWidget(self.problem_label)
        self.passphrase_row = QWidget()
        form = QFormLayout(self.passphrase_row)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.passphrase_label, field)

        self.plain_note = QLabel(
            "This caseload is not encrypted, so anyone can open it; press Unlock to continue."
            "\n\nTo protect the children's details, encrypt it: set a passphrase in Settings › "
            "Security. The lock will then ask for that passphrase."
        )
        self.plain_note.setObjectName("lock_not_encrypted")
        self.plain_note.setAccessibleName("This caseload is not encrypted")
        self.plain_note.setWordWrap(True)

        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setObjectName("unlock_button")
        self.unlock_button.setAccessibleName(f"Unlock {APP_NAME}")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._unlock_clicked)
        self.quit_button = QPushButton("&Quit IRO Desk")
        self.quit_button.setObjectName("lock_quit_button")
        self.quit_button.setAccessibleName(
            f"Quit {APP_NAME}, keeping unsaved typing in forms as drafts"
        )
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self.quit_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.unlock_button)

        panel = QWidget()
        panel.setMaximumWidth(560)
        inner = QVBoxLayout(panel)
        inner.addWidget(self.headline)
        inner.addWidget(self.reason_label)
        inner.addWidget(self.file_label)
        inner.addSpacing(12)
        inner.addWidget(self.passphrase_row)
        inner.addWidget(self.plain_note)
        inner.addSpacing(12)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    @property
    def encrypted(self) -> bool:
        """True when the lock screen asks for a passphrase."""
        return not self.passphrase_row.isHidden()

    def show_locked(self, path: Path, *, encrypted: bool, reason: str) -> None:
        """Say which caseload is locked and why; ask for its passphrase when it has one."""
        path = Path(path)
        self.headline.setText(f"{path.name} is locked")
        self.reason_label.setText(reason)
        self.file_label.setText(f"Caseload file: {path}")
        self.passphrase_edit.clear()
        self.show_problem("")
        self.passphrase_row.setVisible(encrypted)
        self.plain_note.setVisible(not encrypted)

    def focus_first(self) -> None:
        """Put the cursor where the IRO starts: the passphrase, or Unlock."""
        target = self.passphrase_edit if self.encrypted else self.unlock_button
        target.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def show_problem(self, message: str) -> None:
        """Show (or, with "", clear) a problem beside the passphrase field."""
        self.problem_label.setText(f"⚠ {message}" if message else "")
        self.problem_label.setVisible(bool(message))
        if message:
            self.passphrase_edit.selectAll()
            self.passphrase_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def dismiss(self) -> None:
        """Hide the lock screen (after unlocking, or to put it back on top)."""
        self._may_close = True
        try:
            self.hide()
        finally:
            self._may_close = False

    def _unlock_clicked(self) -> None:
        self.unlock_requested.emit(self.passphrase_edit.text() if self.encrypted else "")

    def reject(self) -> None:
        """Escape does not dismiss the lock."""

    def closeEvent(self, event: QCloseEvent) -> None:
        """The close button does not dismiss the lock either: Unlock or Quit do."""
        if self._may_close:
            super().closeEvent(event)
            return
        event.ignore()


class _Cover(QLabel):
    """Covers a blanked window: says it is locked, and keeps to the window's size."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(
            f"{APP_NAME} is locked.\n\nUnlock it in the “{LOCKED_TITLE}” window to see this "
            "window again.",
            window,
        )
        self.setObjectName("lock_cover")
        self.setAccessibleName(f"{APP_NAME} is locked")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAutoFillBackground(True)
        self.setGeometry(window.rect())
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow the window's size."""
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False


@dataclass
class _Blanked:
    """A window left on screen while locked, with what it showed put aside."""

    window: QWidget
    title: str
    accessible_name: str
    hidden_children: list[QWidget]
    focus: QWidget | None
    cover: _Cover


class LockController(QObject):
    """Locks the app after inactivity, on waking from sleep or on request; unlocks it.

    One per main window; ``install_lock`` makes it. ``tick_ms``, ``sleep_gap``, ``monotonic``
    and ``wall`` are for tests (a fast tick, and clocks the test moves).
    """

    locked_changed = Signal(bool)

    def __init__(
        self,
        window: MainWindow,
        *,
        tick_ms: int = DEFAULT_TICK_MS,
        sleep_gap: dt.timedelta = DEFAULT_SLEEP_GAP,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """Watch input to the whole application and lock ``window`` and every other window."""
        super().__init__(window)
        self.setObjectName("lock_controller")
        self._window = window
        self._monotonic = monotonic
        self._wall = wall
        self._tick_seconds = tick_ms / 1000
        self._sleep_gap = sleep_gap.total_seconds()
        self.lock_after: dt.timedelta | None = None
        self._locked = False
        self._hidden: list[QWidget] = []
        self._blanked: list[_Blanked] = []
        self._active: QWidget | None = None
        self._focus: QWidget | None = None
        self._last_input = monotonic()
        self._last_tick = (monotonic(), wall())

        self.lock_screen = LockScreen()
        self.lock_screen.unlock_requested.connect(self.try_unlock)
        self.lock_screen.quit_requested.connect(self.quit_app)
        window.destroyed.connect(self.lock_screen.deleteLater)

        self.apply_settings(window.settings)
        window.caseload_refreshed.connect(lambda: self.apply_settings(self._window.settings))
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._ticker = QTimer(self)
        self._ticker.setInterval(tick_ms)
        self._ticker.timeout.connect(self.check)
        self._ticker.start()

    # -- state ----------------------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        """True while the lock screen is up."""
        return self._locked

    def apply_settings(self, settings: Settings) -> None:
        """Take ``lock_after_minutes`` from the settings (0 or less: never lock for idleness)."""
        minutes = settings.lock_after_minutes
        self.lock_after = dt.timedelta(minutes=minutes) if minutes > 0 else None

    # -- noticing -------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Note keyboard and mouse use anywhere in the app; blank windows shown while locked."""
        kind = event.type()
        if kind in _INPUT_EVENTS:
            self._last_input = self._monotonic()
        elif kind == QEvent.Type.Show and self._locked and isinstance(watched, QWidget):
            self._shown_while_locked(watched)
        return False

    def check(self) -> None:
        """The tick: lock when the computer has just woken from sleep, or after idleness."""
        monotonic, wall = self._monotonic(), self._wall()
        last_monotonic, last_wall = self._last_tick
        self._last_tick = (monotonic, wall)
        if self._locked:
            return
        # Whichever clock moved further: the monotonic clock stops during sleep on some systems.
        gap = max(monotonic - last_monotonic, wall - last_wall)
        if gap > self._tick_seconds + self._sleep_gap:
            self.lock("The computer went to sleep, so IRO Desk locked itself.")
            return
        if self.lock_after is not None and monotonic - self._last_input >= (
            self.lock_after.total_seconds()
        ):
            self.lock(
                f"IRO Desk locked itself after {_minutes_text(self.lock_after)} without use."
            )

    # -- locking --------------------------------------------------------------------------
    def lock(self, reason: str = "You locked IRO Desk.") -> None:
        """Hide or blank every window that shows data and put up the lock screen."""
        if self._locked:
            return
        self._locked = True
        self._close_popups()
        self._active = QApplication.activeWindow()
        self._focus = QApplication.focusWidget()
        was_maximised = self._window.isMaximized()
        geometry = self._window.geometry()
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and self._shows_data(window):
                if window.isModal():
                    self._blank(window)
                else:
                    window.hide()
                    self._hidden.append(window)
        store = self._window.store
        self.lock_screen.show_locked(store.path, encrypted=store.encrypted, reason=reason)
        if was_maximised:
            self.lock_screen.showMaximized()
        else:
            self.lock_screen.setGeometry(geometry)
            self.lock_screen.show()
        self._bring_lock_screen_forward(reshow=False)
        self.locked_changed.emit(True)

    def try_unlock(self, passphrase: str) -> bool:
        """Unlock when ``passphrase`` opens the caseload; else say why beside the field."""
        store = self._window.store
        if store.encrypted and not passphrase:
            self.lock_screen.show_problem(f"Type the passphrase for {store.path.name}.")
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            right = passphrase_unlocks(store, passphrase)
        finally:
            QApplication.restoreOverrideCursor()
        if not right:
            self.lock_screen.show_problem(
                f"That passphrase does not open {store.path.name}. Check it (is Caps Lock "
                "on?) and try again."
            )
            return False
        self.unlock()
        return True

    def unlock(self) -> None:
        """Take the lock screen down and bring every window back as it was."""
        if not self._locked:
            return
        self._locked = False
        self.lock_screen.dismiss()
        for window in self._hidden:
            if isValid(window):
                window.show()
        self._hidden.clear()
        for blanked in self._blanked:
            self._unblank(blanked)
        self._blanked.clear()
        active, focus = self._active, self._focus
        self._active = self._focus = None
        if active is not None and isValid(active) and active.isVisible():
            active.raise_()
            active.activateWindow()
        if focus is not None and isValid(focus) and focus.isVisible():
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self._last_input = self._monotonic()
        self._last_tick = (self._monotonic(), self._wall())
        self.locked_changed.emit(False)

    def quit_app(self) -> None:
        """The lock screen's Quit: keep unsaved typing in forms as drafts, then close the app."""
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, DraftDialog):
                widget.write_draft()
        self._window.close()
        self.lock_screen.dismiss()
        QApplication.quit()

    def uninstall(self) -> None:
        """Stop watching the app and take the lock screen down, leaving windows as they are."""
        self._ticker.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._locked = False
        self._hidden.clear()
        self._blanked.clear()
        self.lock_screen.dismiss()

    # -- windows --------------------------------------------------------------------------
    def _shows_data(self, window: QWidget) -> bool:
        return (
            window.isWindow()
            and window is not self.lock_screen
            and window.windowType() not in _NOT_DATA_WINDOWS
        )

    @staticmethod
    def _close_popups() -> None:
        QToolTip.hideText()
        for _ in range(20):  # menus open inside menus; a popup that will not close is left
            popup = QApplication.activePopupWidget()
            if popup is None:
                return
            popup.close()

    def _blank(self, window: QWidget) -> None:
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        children = [
            child
            for child in window.findChildren(QWidget, options=direct)
            if not child.isWindow() and not child.isHidden()
        ]
        blanked = _Blanked(
            window=window,
            title=window.windowTitle(),
            accessible_name=window.accessibleName(),
            hidden_children=children,
            focus=window.focusWidget(),
            cover=_Cover(window),
        )
        for child in children:
            child.hide()
        # The title and the accessible name often hold the child's name ("Record the review: …").
        window.setWindowTitle(LOCKED_TITLE)
        window.setAccessibleName(LOCKED_TITLE)
        blanked.cover.show()
        self._blanked.append(blanked)

    @staticmethod
    def _unblank(blanked: _Blanked) -> None:
        if not isValid(blanked.window):
            return
        blanked.cover.hide()
        blanked.cover.deleteLater()
        for child in blanked.hidden_children:
            if isValid(child):
                child.show()
        blanked.window.setWindowTitle(blanked.title)
        blanked.window.setAccessibleName(blanked.accessible_name)
        focus = blanked.focus
        if focus is not None and isValid(focus):
            focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _shown_while_locked(self, widget: QWidget) -> None:
        if not self._shows_data(widget):
            return
        if any(blanked.window is widget for blanked in self._blanked):
            return
        if widget in self._hidden:  # shown again by something while locked: blank it instead
            self._hidden.remove(widget)
        self._blank(widget)
        # A modal dialog shown now would sit above the lock screen and block it.
        QTimer.singleShot(0, self._bring_lock_screen_forward)

    def _bring_lock_screen_forward(self, *, reshow: bool = True) -> None:
        if not self._locked:
            return
        if reshow:  # showing it again puts it at the top of the modal windows
            self.lock_screen.dismiss()
            self.lock_screen.show()
        self.lock_screen.raise_()
        self.lock_screen.activateWindow()
        self.lock_screen.focus_first()


def install_lock(
    window: MainWindow,
    *,
    tick_ms: int = DEFAULT_TICK_MS,
    sleep_gap: dt.timedelta = DEFAULT_SLEEP_GAP,
    monotonic: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
) -> LockController:
    """Lock ``window`` and the rest of the app; adds File › Lock now (Ctrl+L) before Quit.

    The other arguments go to ``LockController`` (tests pass a fast tick and their own clocks).
    """
    controller = LockController(
        window, tick_ms=tick_ms, sleep_gap=sleep_gap, monotonic=monotonic, wall=wall
    )
    action = QAction("&Lock now", window)
    action.setObjectName("lock_now")
    action.setShortcut(QKeySequence(LOCK_SHORTCUT))
    action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    tip = "Hide every window until the caseload's passphrase is given again"
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(lambda: controller.lock())
    window.named_actions["lock_now"] = action
    file_menu = window.menus["file"]
    quit_action = window.named_actions.get("quit")
    if quit_action is not None and quit_action in file_menu.actions():
        file_menu.insertAction(quit_action, action)
    else:
        file_menu.addAction(action)
    return controller
