"""Accessibility: names for screen readers, the desktop's palette and font size, and layout kept.

Issue 10: every control has an accessible name (what a screen reader says: its own name, its
text, or the label it is the buddy of); status colours stay readable on a dark palette; a
bigger desktop font makes the caseload list's rows taller; the window's size, splitter and
columns come back after closing the window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAccessible, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlmodel import col, select

from iro_desk.clock import FixedClock
from iro_desk.demo import build_demo
from iro_desk.models import Review
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.app import create_main_window
from iro_desk.ui.calendar_view import entry_colours
from iro_desk.ui.caseload_model import ChildTableModel, Column
from iro_desk.ui.child_record import ChildRecordWindow
from iro_desk.ui.main_window import MainWindow
from iro_desk.ui.review_form import ReviewForm
from iro_desk.ui.settings_dialog import SettingsDialog
from iro_desk.ui.theme import STATUS_STYLES, status_background, status_colour

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)
WCAG_AA_TEXT = 4.5


def dark_palette() -> QPalette:
    """A dark desktop palette like those of the dark themes: #2b2b2b window, light text."""
    palette = QPalette()
    role = QPalette.ColorRole
    for colour_role, colour in {
        role.Window: "#2b2b2b",
        role.WindowText: "#e8e8e8",
        role.Base: "#1e1e1e",
        role.AlternateBase: "#2f2f2f",
        role.Text: "#e8e8e8",
        role.Button: "#353535",
        role.ButtonText: "#e8e8e8",
        role.Highlight: "#3d7bd9",
        role.HighlightedText: "#ffffff",
    }.items():
        palette.setColor(colour_role, QColor(colour))
    return palette


def relative_luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG 2 contrast ratio, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def spoken_name(widget: QWidget) -> str:
    """What a screen reader announces as the control's name."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


def is_qt_internal_part(widget: QWidget) -> bool:
    """A part Qt builds inside a named control: spin box editor, combo popup, tab bar, viewport."""
    parent = widget.parentWidget()
    if parent is None:
        return False
    if isinstance(parent, (QAbstractSpinBox, QComboBox, QTabWidget)):
        return True
    if isinstance(parent, QAbstractScrollArea) and parent.viewport() is widget:
        return True
    grandparent = parent.parentWidget()
    return isinstance(grandparent, QComboBox) or type(widget).__name__ == "QCalendarView"


def unnamed_controls(top: QWidget) -> list[str]:
    """Every control reached by the keyboard (in ``top``) that a screen reader cannot name."""
    return [
        f"{type(widget).__name__} {widget.objectName()!r} in {type(widget.parentWidget()).__name__}"
        for widget in top.findChildren(QWidget)
        if widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not is_qt_internal_part(widget)
        and not spoken_name(widget).strip()
    ]


@pytest.fixture(scope="module")
def caseload_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve invented children with two years of history, built once for the module."""
    path = tmp_path_factory.mktemp("caseload") / "caseload.irodesk"
    with CaseloadStore.create(path, actor="test-iro") as store:
        build_demo(store, children=12, years=2, seed=1, today=TODAY)
    return path


@pytest.fixture
def demo_store(caseload_file: Path, tmp_path: Path) -> Iterator[CaseloadStore]:
    """A copy of the module's caseload for this test (tests may write to it)."""
    copy = tmp_path / "caseload.irodesk"
    copy.write_bytes(caseload_file.read_bytes())
    opened = CaseloadStore.open(copy, actor="test-iro")
    yield opened
    opened.close()


@pytest.fixture
def state(tmp_path: Path) -> QSettings:
    """Window layout kept in a file of this test's own."""
    return QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)


def open_window(qtbot: QtBot, store: CaseloadStore, state: QSettings) -> MainWindow:
    window = create_main_window(store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.reading, timeout=20000)
    return window


@pytest.fixture
def window(qtbot: QtBot, demo_store: CaseloadStore, state: QSettings) -> MainWindow:
    return open_window(qtbot, demo_store, state)


@pytest.fixture
def dark_application() -> Iterator[QApplication]:
    """The application on a dark palette, put back as it was afterwards."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = QPalette(app.palette())
    app.setPalette(dark_palette())
    yield app
    app.setPalette(before)


# -- accessible names ---------------------------------------------------------------------------


def test_every_control_of_the_main_window_and_its_tabs_has_a_name(window: MainWindow) -> None:
    for tab in range(window.views.count()):
        window.views.setCurrentIndex(tab)
    assert unnamed_controls(window) == []


def test_every_control_of_a_child_record_has_a_name(
    qtbot: QtBot, window: MainWindow
) -> None:
    record = ChildRecordWindow(
        window.store, window.proxy.child_at(0).child_uuid, clock=window.clock, parent=window
    )
    qtbot.addWidget(record)
    record.show()
    for title in record.tab_titles():
        record.show_tab(title)
    assert unnamed_controls(record) == []


def test_every_control_of_the_review_form_has_a_name(
    qtbot: QtBot, demo_store: CaseloadStore, tmp_path: Path
) -> None:
    with demo_store.session() as session:
        held = session.exec(
            select(Review).where(col(Review.status) == "held", col(Review.deleted_at).is_(None))
        ).first()
        assert held is not None
        review_id = held.id
    form = ReviewForm(
        demo_store, review_id=review_id, today=TODAY, settings=Settings(),
        drafts_dir=tmp_path / "drafts",
    )
    qtbot.addWidget(form)
    form.show()
    assert unnamed_controls(form) == []


def test_every_control_of_the_settings_dialog_has_a_name(
    qtbot: QtBot, demo_store: CaseloadStore
) -> None:
    dialog = SettingsDialog(demo_store)
    qtbot.addWidget(dialog)
    dialog.show()
    for tab in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(tab)
    assert unnamed_controls(dialog) == []


# -- palette ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(STATUS_STYLES))
def test_status_text_is_readable_on_a_dark_view(
    dark_application: QApplication, status: str
) -> None:
    palette = dark_application.palette()
    text = status_colour(status)  # follows the application's palette
    assert text == QColor(STATUS_STYLES[status].dark)
    for background in (
        palette.color(QPalette.ColorRole.Base),
        palette.color(QPalette.ColorRole.AlternateBase),
        palette.color(QPalette.ColorRole.Window),
        status_background(status),
    ):
        ratio = contrast_ratio(text, background)
        assert ratio >= WCAG_AA_TEXT, f"{status} on {background.name()}: {ratio:.2f}:1"


@pytest.mark.parametrize("status", sorted(STATUS_STYLES))
def test_status_text_is_readable_on_a_light_view(status: str) -> None:
    light = QPalette(QColor("#efefef"))
    light.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    light.setColor(QPalette.ColorRole.AlternateBase, QColor("#f7f7f7"))
    text = status_colour(status, light)
    for background in (
        light.color(QPalette.ColorRole.Base),
        light.color(QPalette.ColorRole.AlternateBase),
        status_background(status, light),
    ):
        ratio = contrast_ratio(text, background)
        assert ratio >= WCAG_AA_TEXT, f"{status} on {background.name()}: {ratio:.2f}:1"


def test_an_overdue_calendar_entry_is_readable_on_a_dark_palette(
    dark_application: QApplication,
) -> None:
    colours = entry_colours("overdue", dark_application.palette())
    assert contrast_ratio(colours.text, colours.fill) >= WCAG_AA_TEXT


def test_the_caseload_list_colours_its_statuses_for_a_dark_palette(
    dark_application: QApplication, window: MainWindow
) -> None:
    model = window.model
    assert isinstance(model, ChildTableModel)
    base = dark_application.palette().color(QPalette.ColorRole.Base)
    coloured = 0
    for row in range(model.rowCount()):
        colour = model.index(row, Column.STATUS).data(Qt.ItemDataRole.ForegroundRole)
        if colour is None:
            continue
        coloured += 1
        assert contrast_ratio(QColor(colour), base) >= WCAG_AA_TEXT
    assert coloured


# -- font size ----------------------------------------------------------------------------------


def test_a_bigger_desktop_font_makes_the_rows_taller(
    qtbot: QtBot, demo_store: CaseloadStore, state: QSettings
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    normal = open_window(qtbot, demo_store, state)
    normal_height = normal.table.rowHeight(0)
    before = QFont(app.font())
    bigger = QFont(before)
    bigger.setPointSizeF(before.pointSizeF() * 2)
    app.setFont(bigger)
    try:
        large = open_window(qtbot, demo_store, state)
        large_height = large.table.rowHeight(0)
        text_height = large.table.fontMetrics().height()
    finally:
        app.setFont(before)
    assert large_height > normal_height * 1.5
    assert large_height >= text_height, "the text is not clipped"


# -- window state -------------------------------------------------------------------------------


def test_columns_and_sorting_are_remembered_after_closing_the_window(
    qtbot: QtBot, demo_store: CaseloadStore, state: QSettings
) -> None:
    first = open_window(qtbot, demo_store, state)
    first.show_view(first.caseload_view)
    header = first.table.horizontalHeader()
    first.table.setColumnWidth(Column.NAME, 233)
    header.moveSection(header.visualIndex(Column.PLACEMENT), 0)
    first.table.sortByColumn(Column.AGE, Qt.SortOrder.DescendingOrder)
    first.resize(900, 620)
    size = first.size()
    path = demo_store.path
    first.close()  # remembers the layout and closes the caseload file

    with CaseloadStore.open(path, actor="test-iro") as reopened:
        again = open_window(qtbot, reopened, state)
        again_header = again.table.horizontalHeader()
        assert again.size() == size
        assert again.table.columnWidth(Column.NAME) == 233
        assert again_header.visualIndex(Column.PLACEMENT) == 0
        assert again_header.sortIndicatorSection() == Column.AGE
        assert again_header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        ages = [again.proxy.child_at(row).dob for row in range(again.proxy.rowCount())]
        assert ages == sorted(ages)  # oldest (earliest born) first
        again.close()
