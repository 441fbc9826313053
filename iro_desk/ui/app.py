"""Starting the desktop app: the application object, which caseload to open, the main window.

``run_app`` is what ``iro-desk`` (with no command, or ``gui``) calls. The caseload file is the
one ``--db`` names, else ``IRO_DESK_DB``, else the one opened last time (when it still exists),
else the default in the user data folder. When that file does not exist yet, the first-run
dialog offers the demo caseload, an empty one, or another file. A file that cannot be opened is
explained, with the offer to open another; never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from iro_desk import APP_NAME, __version__
from iro_desk.clock import Clock
from iro_desk.errors import CaseloadFileError, DamagedCaseloadError
from iro_desk.paths import DB_ENV_VAR, resolve_db_path
from iro_desk.store import CaseloadStore
from iro_desk.ui.child_record import install_child_records
from iro_desk.ui.errors import ask_open_another, install_excepthook, setup_logging
from iro_desk.ui.first_run import (
    CASELOAD_FILE_FILTER,
    FirstRunDialog,
    open_caseload_interactively,
)
from iro_desk.ui.letter_retention_dialog import offer_letter_cleanup
from iro_desk.ui.main_window import LAST_CASELOAD_KEY, ORGANISATION, MainWindow, ui_state
from iro_desk.ui.restore_dialog import offer_restore_for_damaged
from iro_desk.ui.theme import app_icon
from iro_desk.ui.tooltips import install_plain_item_tooltips
from iro_desk.ui.workspace import install_workspace


def configure_application(app: QApplication) -> None:
    """Name, organisation, version and icon. The desktop's palette and font are left as they are."""
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("iro-desk")
    app.setWindowIcon(app_icon())
    install_plain_item_tooltips(app)


def caseload_path(db: str | None, state: QSettings | None = None) -> Path:
    """Which caseload to open: ``--db``, then ``IRO_DESK_DB``, then the last one, then default."""
    if db or os.environ.get(DB_ENV_VAR):
        return resolve_db_path(db)
    state = state if state is not None else ui_state()
    last = state.value(LAST_CASELOAD_KEY)
    if isinstance(last, str) and last and Path(last).is_file():
        return Path(last)
    return resolve_db_path(None)


def open_with_retry(path: Path, parent: QWidget | None = None) -> CaseloadStore | None:
    """Open ``path``; when it cannot be opened, say why and offer another file until one opens.

    An encrypted caseload's passphrase is asked for. Returns None when the IRO gives up.
    """
    while True:
        try:
            return open_caseload_interactively(path, parent)
        except DamagedCaseloadError as exc:
            restored = offer_restore_for_damaged(path, str(exc), parent)
            if restored is not None:
                return restored
            if not ask_open_another(parent, str(exc)):
                return None
        except CaseloadFileError as exc:
            if not ask_open_another(parent, str(exc)):
                return None
        chosen, _ = QFileDialog.getOpenFileName(
            parent, "Open a caseload file", str(path.parent), CASELOAD_FILE_FILTER
        )
        if not chosen:
            return None
        path = Path(chosen)


def open_or_first_run(
    path: Path, *, clock: Clock, parent: QWidget | None = None
) -> CaseloadStore | None:
    """The caseload at ``path``; the first-run dialog when there is none yet."""
    if path.exists():
        return open_with_retry(path, parent)
    dialog = FirstRunDialog(path, parent, today=clock.today())
    try:
        accepted = dialog.exec() == FirstRunDialog.DialogCode.Accepted
        return dialog.store if accepted else None
    finally:
        dialog.deleteLater()


def create_main_window(
    store: CaseloadStore, *, clock: Clock, state: QSettings | None = None
) -> MainWindow:
    """A main window on ``store`` with the caseload read in (not shown yet)."""
    window = MainWindow(store, clock=clock, state=state)
    window.refresh()
    install_workspace(window)
    window.child_records = install_child_records(window)
    return window


def run_app(db: str | None = None, *, smoke_test: bool = False) -> int:
    """Open the desktop app; returns the exit code.

    With ``smoke_test`` (``iro-desk gui --smoke-test``) the app opens the caseload (writing the
    demo there first when there is none, without asking), shows the main window, checks that it
    lists children, prints the result and quits: see ``iro_desk.ui.smoke_test``.
    """
    setup_logging()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    configure_application(app)
    clock = Clock()
    if smoke_test:
        from iro_desk.ui.smoke_test import run_smoke_test  # it builds on this module

        return run_smoke_test(app, caseload_path(db), clock=clock)
    install_excepthook()
    store = open_or_first_run(caseload_path(db), clock=clock)
    if store is None:
        return 0
    window = create_main_window(store, clock=clock)
    window.show()
    # Once the window is up: offer to remove letters past their retention period, if any.
    QTimer.singleShot(0, lambda: offer_letter_cleanup(window, quiet=True))
    return int(app.exec())
