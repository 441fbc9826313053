"""Help: a short guide to each screen, the statutory rules IRO Desk applies, the keyboard
shortcuts, and About.

The rules page is generated from ``iro_desk.rules`` — the same source the scheduler uses — so
the help can never disagree with the dates the calendar shows. The shortcuts page is generated
from the main window's own actions.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from iro_desk import __version__
from iro_desk.paths import data_dir, log_dir, resource_path
from iro_desk.rules import describe_rules
from iro_desk.settings import NATIONS, Settings
from iro_desk.ui.child_record import RECORD_ACTIONS

PAGES = ("guide", "rules", "shortcuts", "about")


def rules_html(settings: Settings) -> str:
    """The statutory rules as IRO Desk applies them, with the local settings in force."""
    rows = "".join(
        f"<tr><td><b>{html.escape(kind)}</b></td><td>{html.escape(text)}</td>"
        f"<td><i>{html.escape(source)}</i></td></tr>"
        for kind, text, source in describe_rules(settings)
    )
    nation = NATIONS.get(settings.nation, settings.nation)
    return (
        "<h2>The statutory rules IRO Desk applies</h2>"
        "<table border='1' cellspacing='0' cellpadding='4'>"
        "<tr><th>Review</th><th>When it is due</th><th>Source</th></tr>"
        f"{rows}</table>"
        "<h3>How dates are counted</h3><ul>"
        "<li>A <b>working day</b> is Monday to Friday, not a bank holiday in "
        f"{html.escape(nation)}.</li>"
        "<li>“Within <i>n</i> working days of a day” is the <i>n</i>-th working day after it; "
        "the day itself is not counted.</li>"
        "<li>“Within <i>n</i> months” is the same day number <i>n</i> months later, or the last "
        "day of that month when there is no such day (31 January + 1 month = 28 or 29 "
        "February).</li>"
        "<li>The interval always runs from the day the previous review was <b>actually held</b>. "
        "Held on the deadline is in time; the day after is late.</li>"
        "<li>A child who comes back into care starts a new episode, and the cycle starts again."
        "</li></ul>"
        "<h3>Your council's local practice (Settings ▸ Timescales)</h3><ul>"
        f"<li>Reviews are booked {settings.target_weeks_before_deadline} weeks before the "
        "deadline (the target date).</li>"
        f"<li>The pre-review visit window is the {settings.visit_window_working_days} working "
        "days before the review.</li>"
        f"<li>“Due soon” means within {settings.due_soon_days} days.</li>"
        f"<li>Decisions are circulated within {settings.decisions_circulated_working_days} "
        f"working days and the record completed within "
        f"{settings.record_completed_working_days} working days.</li></ul>"
    )


def _shortcut_table(named_keys: Iterable[tuple[str, str]]) -> str:
    rows = []
    for text, keys in named_keys:
        if keys:
            name = text.replace("&", "").rstrip("…").rstrip(".")
            rows.append(f"<tr><td>{html.escape(name)}</td><td><b>{html.escape(keys)}</b></td></tr>")
    return (
        "<table border='1' cellspacing='0' cellpadding='4'><tr><th>Action</th><th>Keys</th></tr>"
        + "".join(sorted(rows)) + "</table>"
    )


def shortcuts_html(actions: Iterable[QAction]) -> str:
    """Every action that has a keyboard shortcut, as a table; then those of a child's record."""
    native = QKeySequence.SequenceFormat.NativeText
    main = ((action.text(), action.shortcut().toString(native)) for action in actions)
    record = (
        (spec.text, QKeySequence(spec.shortcut).toString(native)) for spec in RECORD_ACTIONS
    )
    return (
        "<h2>Keyboard shortcuts</h2><p>Every menu opens with Alt and its underlined letter. "
        "Tab moves between fields; Enter or Space presses the focused button.</p>"
        + _shortcut_table(main)
        + "<h3>In a child's record</h3>"
        + _shortcut_table(record)
    )


def about_html(caseload: str) -> str:
    """Version, licence and where the data lives."""
    return (
        f"<h2>IRO Desk {html.escape(__version__)}</h2>"
        "<p>A desktop tool for Independent Reviewing Officers: the caseload, the statutory "
        "calendar, review records, challenges and children's letters.</p>"
        "<p>Licence: MIT. The demo caseload is invented; it is not about real children.</p>"
        f"<p><b>This caseload:</b> {html.escape(caseload)}<br>"
        f"<b>Your data folder:</b> {html.escape(str(data_dir()))}<br>"
        f"<b>Log files:</b> {html.escape(str(log_dir()))}</p>"
    )


def guide_markdown() -> str:
    """The short guide to each screen, shipped in resources/help/guide.md."""
    return resource_path("help", "guide.md").read_text(encoding="utf-8")


class HelpDialog(QDialog):
    """Help with its four pages; ``page`` chooses the one shown first."""

    def __init__(
        self,
        *,
        settings: Settings,
        actions: Iterable[QAction],
        caseload: str,
        page: str = "guide",
        parent: QWidget | None = None,
    ) -> None:
        """Build every page now (they are small)."""
        super().__init__(parent)
        self.setWindowTitle("IRO Desk help")
        self.setAccessibleName("Help")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Help pages")
        self.browsers: dict[str, QTextBrowser] = {}
        contents = {
            "guide": ("&Guide", guide_markdown(), True),
            "rules": ("Statutory &rules", rules_html(settings), False),
            "shortcuts": ("&Keyboard shortcuts", shortcuts_html(actions), False),
            "about": ("&About", about_html(caseload), False),
        }
        for key, (title, text, markdown) in contents.items():
            browser = QTextBrowser()
            browser.setOpenExternalLinks(False)
            browser.setAccessibleName(title.replace("&", ""))
            if markdown:
                browser.setMarkdown(text)
            else:
                browser.setHtml(text)
            self.browsers[key] = browser
            self.tabs.addTab(browser, title)
        self.tabs.setCurrentIndex(PAGES.index(page))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(760, 600)
        self.setWindowModality(Qt.WindowModality.NonModal)
