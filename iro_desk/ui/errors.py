"""Showing errors to the IRO, and logging bugs with their traceback.

Errors written for people (``IroDeskError``) are shown as they are, in a message box. Anything
else is a bug: the IRO sees a short message that says where the details were written, and the
traceback goes to ``iro-desk.log`` in the platform's log folder (``iro_desk.paths.log_dir()``),
never onto the screen.

Every message box goes through the static ``QMessageBox`` functions, so tests can patch them to
capture the text instead of blocking.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from iro_desk import APP_NAME
from iro_desk.errors import IroDeskError
from iro_desk.paths import log_dir

LOG_FILE_NAME = "iro-desk.log"

log = logging.getLogger("iro_desk")


def log_file() -> Path:
    """Where bugs are logged: the file ``setup_logging`` opened, else the default place."""
    for handler in log.handlers:
        if isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    return log_dir() / LOG_FILE_NAME


def setup_logging(path: Path | None = None) -> Path:
    """Log to ``path`` (default: the log folder), kept to a few hundred kB; returns the path.

    Calling it again moves the log to the new path.
    """
    path = Path(path) if path is not None else log_dir() / LOG_FILE_NAME
    for old in [h for h in log.handlers if getattr(h, "iro_desk_log", False)]:
        log.removeHandler(old)
        old.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(
            path, maxBytes=512 * 1024, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
    handler.iro_desk_log = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def as_plain_text(text: str) -> str:
    """``text`` for a message box, shown exactly as written even when it looks like markup.

    Message boxes guess whether text is rich text; a child's name or a note holding ``<b>``
    would otherwise be drawn as markup.
    """
    return Qt.convertFromPlainText(text) if Qt.mightBeRichText(text) else text


def show_error(parent: QWidget | None, message: str, *, title: str = APP_NAME) -> None:
    """Tell the IRO what went wrong and what to do (a warning box with an OK button)."""
    QMessageBox.warning(parent, title, as_plain_text(message))


def show_exception(parent: QWidget | None, exc: BaseException, *, title: str = APP_NAME) -> None:
    """Show an error: a person's message for ``IroDeskError``, else log it as a bug first."""
    if isinstance(exc, IroDeskError):
        show_error(parent, str(exc), title=title)
        return
    log.error(
        "Unexpected error\n%s",
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    )
    show_error(
        parent,
        "Something went wrong inside IRO Desk, so that last step did not finish.\n\n"
        f"{type(exc).__name__}: {exc}\n\n"
        f"The details were written to {log_file()}. Please send that file to whoever supports "
        "IRO Desk for your team. Your caseload file has been left as it was before this step.",
        title=title,
    )


def ask_yes_no(parent: QWidget | None, question: str, *, title: str = APP_NAME) -> bool:
    """Ask a yes/no question; No is the default."""
    answer = QMessageBox.question(
        parent,
        title,
        as_plain_text(question),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_open_another(parent: QWidget | None, message: str, *, title: str = APP_NAME) -> bool:
    """Show why a caseload could not be opened and offer to open another file."""
    answer = QMessageBox.warning(
        parent,
        title,
        as_plain_text(f"{message}\n\nChoose Open to pick another caseload file."),
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Open,
    )
    return answer == QMessageBox.StandardButton.Open


def guarded(
    parent: QWidget | Callable[[], QWidget | None] | None, action: Callable[[], object]
) -> bool:
    """Run ``action``; show any error instead of raising it. True when it finished.

    ``parent`` is the widget the message belongs to, or a function giving it.
    """
    try:
        action()
    except Exception as exc:  # every error must reach the IRO, never only the console
        owner = parent if parent is None or isinstance(parent, QWidget) else parent()
        show_exception(owner, exc)
        return False
    return True


def install_excepthook() -> None:
    """Route uncaught errors (for example in a slot) to the log and a message box."""

    def hook(
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        app = QApplication.instance()
        parent = QApplication.activeWindow() if app is not None else None
        if app is None:
            log.error("".join(traceback.format_exception(exc_type, exc, tb)))
            return
        show_exception(parent, exc)

    sys.excepthook = hook
