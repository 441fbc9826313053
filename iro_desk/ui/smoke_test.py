"""``iro-desk gui --smoke-test``: start the app, show the caseload, quit; for bundles and CI.

It checks what a packaged app most often gets wrong (a missing Qt plugin, font, data file or
hidden import) without anybody at the screen: when the caseload file does not exist the demo
caseload is written there (no dialog), it is opened, the main window is built exactly as the app
builds it and shown, the event loop runs briefly, and the window must list children. One line
says the result; the exit code is 0 only when everything worked. It works offscreen
(``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from iro_desk.clock import Clock
from iro_desk.ui.app import create_main_window
from iro_desk.ui.first_run import create_demo_caseload, open_caseload_store

# A small demo: enough to fill the list, quick to make in a bundle on a slow laptop.
SMOKE_DEMO_CHILDREN = 20
SMOKE_DEMO_YEARS = 1
# How long the event loop runs with the window shown (layout, painting, deferred work).
SMOKE_EVENT_LOOP_MS = 300
# The caseload is read off the GUI thread: how long to wait for that read on a busy machine.
SMOKE_READ_TIMEOUT_S = 60.0


class SmokeTestFailedError(Exception):
    """The smoke test found a problem; the message says what."""


def run_smoke_test(app: QApplication, path: Path, *, clock: Clock) -> int:
    """Open (or first make) the caseload at ``path``, show the main window, check it, quit.

    Prints one line, ``smoke test: ok, N children shown`` or ``smoke test: FAILED: why``;
    returns the exit code (0 when it worked).
    """
    errors: list[str] = []

    def record(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        errors.append("".join(traceback.format_exception(exc_type, exc, tb)))

    previous_hook = sys.excepthook
    sys.excepthook = record  # an error in a slot must fail the test, not open a message box
    try:
        shown = _show_caseload(app, Path(path), clock=clock, errors=errors)
    except Exception as exc:  # every failure becomes the one-line result
        print(f"smoke test: FAILED: {exc}", file=sys.stderr)
        traceback.print_exc()
        return 1
    finally:
        sys.excepthook = previous_hook
    print(f"smoke test: ok, {shown} children shown")
    return 0


def _show_caseload(app: QApplication, path: Path, *, clock: Clock, errors: list[str]) -> int:
    if not path.exists():
        create_demo_caseload(
            path, today=clock.today(), children=SMOKE_DEMO_CHILDREN, years=SMOKE_DEMO_YEARS
        )
    store = open_caseload_store(path)
    with tempfile.TemporaryDirectory(prefix="iro-desk-smoke-") as folder:
        # Window layout and "last caseload" go to a throwaway file, not the IRO's own.
        state = QSettings(str(Path(folder) / "state.ini"), QSettings.Format.IniFormat)
        try:
            window = create_main_window(store, clock=clock, state=state)
        except BaseException:
            store.close()
            raise
        try:
            window.show()
            # A local loop: QApplication.quit() would close the window before it is checked.
            loop = QEventLoop()
            QTimer.singleShot(SMOKE_EVENT_LOOP_MS, loop.quit)
            loop.exec()
            # The list fills when the background read is done: wait for it, however long a
            # loaded machine takes, rather than judge the window by a fixed time.
            deadline = time.monotonic() + SMOKE_READ_TIMEOUT_S
            while window.reading and time.monotonic() < deadline:
                QTimer.singleShot(50, loop.quit)
                loop.exec()
            if window.reading:
                raise SmokeTestFailedError(
                    f"the caseload was still being read after {SMOKE_READ_TIMEOUT_S:g} s."
                )
            if errors:
                raise SmokeTestFailedError(f"an error while the window was shown:\n{errors[0]}")
            if not window.isVisible():
                raise SmokeTestFailedError("the main window did not stay open.")
            shown = window.model.rowCount()
            if shown <= 0:
                raise SmokeTestFailedError(f"the main window shows no children from {path}.")
        finally:
            window.close()  # closes the caseload file too
            window.deleteLater()
            app.processEvents()
    return shown
