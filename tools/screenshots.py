"""Screenshots of IRO Desk's windows at 100% and 200% scaling and on a dark palette.

A developer tool for checking the look of the app (clipped text, overlapping widgets, colours
that cannot be read on a dark palette, things that do not scale) and for the pictures in
docs/. It builds a demo caseload in a temporary folder and saves one PNG per screen:

* the main window's tabs: Calendar, Caseload, Challenges, Figures;
* a child's record (Overview and Reviews tabs), the review form, the settings dialog and help.

Each look runs in a process of its own, because Qt reads ``QT_SCALE_FACTOR`` only on starting:
``100`` (light palette), ``200`` (``QT_SCALE_FACTOR=2``) and ``dark`` (a dark ``QPalette`` on
the Fusion style, at 100%). Files are named ``<look>-<screen>.png``. Run it under Xvfb with a
screen big enough for the 200% windows::

    xvfb-run -a -s "-screen 0 2600x1700x24" .venv/bin/python tools/screenshots.py /tmp/shots

Without ``xvfb-run``, ``QT_QPA_PLATFORM=offscreen`` works too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

LOOKS = ("100", "200", "dark")
TODAY = dt.date(2027, 1, 4)
CHILDREN = 70
YEARS = 3
SEED = 1
MAIN_SIZE = (1180, 740)
DIALOG_SIZE = (900, 680)


def dark_palette():  # noqa: ANN201 (PySide6 is imported only in the child process)
    """A dark palette like the desktops' dark themes: #2b2b2b window, light text."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    colours = {
        role.Window: "#2b2b2b",
        role.WindowText: "#e8e8e8",
        role.Base: "#1e1e1e",
        role.AlternateBase: "#2f2f2f",
        role.ToolTipBase: "#3a3a3a",
        role.ToolTipText: "#f0f0f0",
        role.PlaceholderText: "#9a9a9a",
        role.Text: "#e8e8e8",
        role.Button: "#353535",
        role.ButtonText: "#e8e8e8",
        role.BrightText: "#ff6b6b",
        role.Light: "#4a4a4a",
        role.Midlight: "#3e3e3e",
        role.Mid: "#303030",
        role.Dark: "#202020",
        role.Shadow: "#000000",
        role.Highlight: "#3d7bd9",
        role.HighlightedText: "#ffffff",
        role.Link: "#8ab4f8",
        role.LinkVisited: "#c58af9",
    }
    for colour_role, colour in colours.items():
        palette.setColor(colour_role, QColor(colour))
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, colour_role, QColor("#7a7a7a"))
    return palette


def build_caseload(folder: Path) -> Path:
    """The demo caseload the screenshots show, in ``folder``."""
    from iro_desk.demo import build_demo
    from iro_desk.store import CaseloadStore

    path = folder / "caseload.irodesk"
    with CaseloadStore.create(path, actor="screenshots") as store:
        build_demo(store, children=CHILDREN, years=YEARS, seed=SEED, today=TODAY)
    return path


def take(look: str, caseload: Path, out: Path) -> list[Path]:
    """Save every screen in one look; the paths written."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QWidget
    from sqlmodel import col, select

    from iro_desk.clock import FixedClock
    from iro_desk.models import Review
    from iro_desk.store import CaseloadStore
    from iro_desk.ui.app import configure_application, create_main_window
    from iro_desk.ui.review_form import ReviewForm
    from iro_desk.ui.settings_dialog import SettingsDialog

    app = QApplication(sys.argv[:1])
    configure_application(app)
    if look == "dark":
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    written: list[Path] = []

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def save(widget: QWidget, name: str) -> None:
        settle()
        target = out / f"{look}-{name}.png"
        if not widget.grab().save(str(target)):
            raise OSError(f"could not write {target}")
        written.append(target)

    state_file = out / f".ui-state-{look}.ini"
    state_file.unlink(missing_ok=True)
    state = QSettings(str(state_file), QSettings.Format.IniFormat)
    clock = FixedClock(TODAY)
    store = CaseloadStore.open(caseload, actor="screenshots")
    window = create_main_window(store, clock=clock, state=state)
    window.resize(*MAIN_SIZE)
    window.show()
    settle()
    workspace = window.workspace
    with store.session() as session:
        held = session.exec(
            select(Review)
            .where(col(Review.status) == "held", col(Review.deleted_at).is_(None))
            .order_by(col(Review.held_on).desc())
        ).first()
        review_id = held.id if held else None
        child = held.child_id if held else None
    child = child or window.proxy.child_at(0).child_uuid
    tabs: list[tuple[str, QWidget]] = [
        ("calendar", workspace.calendar),
        ("caseload", window.caseload_view),
        ("challenges", workspace.challenges),
        ("figures", workspace.figures),
    ]
    for name, widget in tabs:
        window.show_view(widget)
        if widget is window.caseload_view:
            window.select_child(child)
            window.table.setFocus()
        save(window, f"main-{name}")

    record = window.child_records.open_record(child)
    if record is not None:
        record.resize(*MAIN_SIZE)
        for tab in ("Overview", "Reviews"):
            record.show_tab(tab)
            save(record, f"child-record-{tab.lower()}")
        record.close()

    if review_id is not None:
        form = ReviewForm(
            store,
            review_id=review_id,
            today=TODAY,
            settings=window.settings,
            drafts_dir=out / f".drafts-{look}",
            parent=window,
        )
        _show_dialog(form, save, "review-form")

    settings_dialog = SettingsDialog(store, window)
    for index in range(settings_dialog.tabs.count()):
        settings_dialog.tabs.setCurrentIndex(index)
        title = settings_dialog.tabs.tabText(index).replace("&", "").lower()
        _show_dialog(settings_dialog, save, f"settings-{title}", close=False, natural=True)
    settings_dialog.reject()

    for page in ("guide", "rules", "shortcuts"):
        help_dialog = workspace.show_help(page)
        help_dialog.resize(*DIALOG_SIZE)
        save(help_dialog, f"help-{page}")
        help_dialog.close()

    window.show_view(window.caseload_view)
    window.close()
    settle()
    return written


def _show_dialog(
    dialog: object,
    save: Callable[[object, str], None],
    name: str,
    *,
    close: bool = True,
    natural: bool = False,
) -> None:
    if not natural:
        dialog.resize(*DIALOG_SIZE)  # type: ignore[attr-defined]
    dialog.show()  # type: ignore[attr-defined]
    save(dialog, name)
    if close:
        dialog.reject()  # type: ignore[attr-defined]


def run_look(look: str, caseload: Path, out: Path) -> int:
    """Run one look in a process of its own (Qt reads the scale factor only on starting)."""
    env = dict(os.environ)
    env.pop("QT_SCALE_FACTOR", None)
    if look == "200":
        env["QT_SCALE_FACTOR"] = "2"
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    command = [sys.executable, __file__, str(out), "--look", look, "--caseload", str(caseload)]
    return subprocess.run(command, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Build the demo caseload once, then take each look's screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where the PNGs go (made if missing)")
    parser.add_argument("--look", choices=LOOKS, action="append",
                        help="only this look (100, 200 or dark); may be repeated")
    parser.add_argument("--caseload", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out: Path = args.folder
    out.mkdir(parents=True, exist_ok=True)
    looks = args.look or list(LOOKS)
    if args.caseload is not None:
        written = take(looks[0], args.caseload, out)
        for path in written:
            print(path)
        return 0
    with tempfile.TemporaryDirectory(prefix="iro-desk-shots-") as folder:
        caseload = build_caseload(Path(folder))
        worst = 0
        for look in looks:
            worst = max(worst, run_look(look, caseload, out))
    return worst


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
