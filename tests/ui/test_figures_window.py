"""The Figures window on a hand-built caseload: the tables show the hand counts, charts drawn."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from pathlib import Path

import pytest
from PySide6.QtCharts import QBarSeries, QLineSeries
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog, QTableView

from iro_desk.clock import FixedClock
from iro_desk.models import CareEpisode, CaseTrack, Child, Iro, Review
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.figures_window import RAW_ROLE, FiguresWindow, ReportTableModel

pytestmark = pytest.mark.gui

D = dt.date
TODAY = D(2027, 1, 4)  # the last complete reporting year is 2025/26

# Child in care reviews by code: (held on, code, allocated to me?). Hand count for 2025/26:
# PN0 1, PN1 3 (one of them my colleague's), PN5 1, PN6 2, PN7 1; for 2024/25: PN1 1, PN6 1.
REVIEWS = (
    (D(2025, 5, 1), "PN0", True),
    (D(2025, 5, 2), "PN1", True),
    (D(2025, 6, 2), "PN1", True),
    (D(2025, 7, 1), "PN1", False),
    (D(2025, 8, 1), "PN5", True),
    (D(2025, 9, 1), "PN6", True),
    (D(2026, 3, 31), "PN6", True),
    (D(2025, 10, 1), "PN7", True),
    (D(2024, 11, 1), "PN1", True),
    (D(2025, 3, 31), "PN6", True),
)


@pytest.fixture
def caseload(store: CaseloadStore) -> CaseloadStore:
    me, colleague = uuid.uuid4(), uuid.uuid4()
    with store.session() as session:
        session.add(Iro(id=me, name="Robin Example", is_me=True))
        session.add(Iro(id=colleague, name="Demo Colleague"))
        for number, (held, code, mine) in enumerate(REVIEWS, start=1):
            child = Child(
                child_ref=f"DEMO-{number:04d}",
                first_name="Test",
                last_name=f"Child{number}",
                dob=D(2023, 1, 1) if code == "PN0" else D(2012, 5, 1),
                allocated_iro_id=me if mine else colleague,
            )
            episode = CareEpisode(child_id=child.id, start_date=D(2020, 1, 6), legal_status="C2")
            track = CaseTrack(kind="cla", child_id=child.id, episode_id=episode.id,
                              start_date=D(2020, 1, 6))
            review = Review(track_id=track.id, child_id=child.id, status="held",
                            scheduled_date=held, held_on=held, participation_code=code,
                            pre_review_contact=True)
            session.add_all([child, episode, track, review])
    return store


@pytest.fixture
def window(qtbot, caseload: CaseloadStore) -> FiguresWindow:  # noqa: ANN001
    shown = FiguresWindow(caseload, settings=Settings(), clock=FixedClock(TODAY))
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitUntil(lambda: shown.figures is not None and not shown.is_counting, timeout=10000)
    return shown


def _cell(model: ReportTableModel, code: str, column_name: str) -> str:
    table = model.table
    assert table is not None
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == code)
    column = table.columns.index(column_name)
    return model.index(row, column).data()


def _switch_scope(qtbot, window: FiguresWindow, name: str) -> None:  # noqa: ANN001
    with qtbot.waitSignal(window.figures_ready, timeout=10000):
        window.scope.setFocus()
        index = window.scope.findText(name)
        key = Qt.Key.Key_Down if index > window.scope.currentIndex() else Qt.Key.Key_Up
        qtbot.keyClick(window.scope, key)
    assert window.scope.currentText() == name


def test_opens_on_the_last_reporting_year_for_my_caseload(window: FiguresWindow) -> None:
    assert window.from_edit.date() == QDate(2025, 4, 1)
    assert window.to_edit.date() == QDate(2026, 3, 31)
    assert window.scope.currentText() == "My caseload"
    assert "Robin Example's caseload, 2025/26: 7 reviews held" in window.status.text()


@pytest.mark.parametrize(
    ("code", "last_year", "this_year"),
    [
        pytest.param("PN0", "0", "1", id="PN0 under 4"),
        pytest.param("PN1", "1", "3", id="PN1 spoke for themselves"),
        pytest.param("PN2", "0", "0", id="PN2 none"),
        pytest.param("PN3", "0", "0", id="PN3 none"),
        pytest.param("PN4", "0", "0", id="PN4 none"),
        pytest.param("PN5", "0", "1", id="PN5 advocate shared views"),
        pytest.param("PN6", "1", "2", id="PN6 views sent, both year ends counted"),
        pytest.param("PN7", "0", "1", id="PN7 did not share views"),
    ],
)
def test_participation_table_shows_the_hand_count_for_the_whole_file(
    qtbot, window: FiguresWindow, code: str, last_year: str, this_year: str  # noqa: ANN001
) -> None:
    _switch_scope(qtbot, window, "Whole file")
    model = window.sections["participation"].model
    assert _cell(model, code, "2024/25 number") == last_year
    assert _cell(model, code, "2025/26 number") == this_year


def test_my_caseload_leaves_out_my_colleagues_child(qtbot, window: FiguresWindow) -> None:  # noqa: ANN001
    model = window.sections["participation"].model
    assert _cell(model, "PN1", "2025/26 number") == "2"
    assert _cell(model, "PN1", "2025/26 %") == "29%"  # 2 of my 7
    total_row = model.rowCount() - 1
    assert model.index(total_row, 1).data() == "Total reviews"
    assert model.index(total_row, model.columnCount() - 2).data() == "7"


def test_participation_chart_has_a_bar_set_per_year(window: FiguresWindow) -> None:
    chart = window.participation_chart.chart()
    (series,) = chart.series()
    assert isinstance(series, QBarSeries)
    labels = [bars.label() for bars in series.barSets()]
    assert labels == ["2023/24", "2024/25", "2025/26"]
    this_year = series.barSets()[-1]
    assert this_year.count() == 8  # PN0-PN7
    assert this_year.at(1) == 29.0  # PN1: 2 of my 7 reviews, as a whole percentage
    styles = {bars.brush().style() for bars in series.barSets()}
    assert len(styles) == 3  # told apart by pattern as well as colour


def test_timeliness_chart_has_a_line_per_kind_and_the_total(window: FiguresWindow) -> None:
    series = window.timeliness_chart.chart().series()
    assert [line.name() for line in series] == ["Child in care review", "All reviews"]
    assert all(isinstance(line, QLineSeries) for line in series)
    assert series[-1].count() >= 1


def test_every_table_model_passes_the_model_tester(qtmodeltester, window: FiguresWindow) -> None:  # noqa: ANN001
    for section in window.sections.values():
        model, table = section.model, section.model.table
        assert table is not None
        assert model.rowCount() == len(table.rows) > 0
        assert [
            model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
        ] == list(table.columns)
        qtmodeltester.check(model)
    nothing_yet = ReportTableModel()
    qtmodeltester.check(nothing_yet)
    assert (nothing_yet.rowCount(), nothing_yet.columnCount()) == (0, 0)


def test_cells_give_raw_values_for_code_that_wants_numbers(window: FiguresWindow) -> None:
    model = window.sections["took_part"].model
    last = model.rowCount() - 1
    assert model.index(last, 0).data() == "2025/26"
    assert model.index(last, 3).data() == "83%"  # 5 of my 6 reviews of children 4+
    assert model.index(last, 3).data(RAW_ROLE) == pytest.approx(500 / 6)


def test_changing_the_period_recounts(qtbot, window: FiguresWindow) -> None:  # noqa: ANN001
    with qtbot.waitSignal(window.figures_ready, timeout=10000):
        window.from_edit.setDate(QDate(2025, 5, 2))
        window.to_edit.setDate(QDate(2025, 6, 30))
    assert window.figures is not None
    assert window.figures.period.label == "2 May 2025 to 30 Jun 2025"
    model = window.sections["participation"].model
    assert _cell(model, "PN1", "2 May 2025 to 30 Jun 2025 number") == "2"
    with qtbot.waitSignal(window.figures_ready, timeout=10000):
        qtbot.mouseClick(window.last_year_button, Qt.MouseButton.LeftButton)
    assert window.figures.period.label == "2025/26"


def test_a_period_ending_before_it_starts_is_explained(qtbot, window: FiguresWindow) -> None:  # noqa: ANN001
    window.from_edit.setDate(QDate(2026, 5, 1))
    qtbot.waitUntil(lambda: not window.is_counting, timeout=5000)
    assert "ends before it starts" in window.status.text()


def test_export_csv_writes_the_table_shown(
    qtbot, window: FiguresWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    target = tmp_path / "participation.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    section = window.sections["participation"]
    window.tabs.setCurrentIndex(0)
    qtbot.mouseClick(section.export_button, Qt.MouseButton.LeftButton)
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["Code", "How the child took part", "2023/24 number"]
    pn1 = next(row for row in rows if row[0] == "PN1")
    assert pn1[-2:] == ["2", "28.6"]
    assert "Saved" in window.status.text()


def test_save_pdf_summary(
    qtbot, window: FiguresWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    from pypdf import PdfReader

    target = tmp_path / "summary.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    qtbot.mouseClick(window.pdf_button, Qt.MouseButton.LeftButton)
    text = "\n".join(page.extract_text() for page in PdfReader(target).pages)
    assert "IRO figures: Robin Example's caseload, 2025/26" in text
    assert "How children took part in their reviews" in text
    assert "Child attended and spoke for themselves" in text


def test_tables_are_read_only_views_with_accessible_names(window: FiguresWindow) -> None:
    views = window.findChildren(QTableView)
    assert len(views) == len(window.sections)
    for view in views:
        assert view.accessibleName()
        assert view.editTriggers() == QTableView.EditTrigger.NoEditTriggers
    for section in window.sections.values():
        assert section.export_button.accessibleName().startswith("Export ")
