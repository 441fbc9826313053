"""The Figures window: the annual-report tables and charts for a period, mine or the whole file.

At the top: the period (from, to, and "Last reporting year", the default: 1 April to 31 March),
my caseload or the whole file, and "Save PDF summary…". Below, tabs hold the tables of
``iro_desk.figures.report_tables`` (each in a ``ReportTableModel``, each with "Export CSV…")
and two charts a panel recognises: participation as bars by year for each code, and the share
of reviews held in timescale as a line per kind across the years.

Counting runs off the GUI thread (a ``QThreadPool`` task with its own caseload session); the
result comes back by signal and only the GUI thread touches the widgets. Changing the dates
recounts after a short pause; the scope and "Last reporting year" recount at once.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLegend,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QCloseEvent, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from iro_desk.clock import Clock
from iro_desk.errors import IroDeskError
from iro_desk.figures import (
    Figures,
    Period,
    Ratio,
    ReportTable,
    compute_figures,
    default_period,
    my_iro_id,
    report_tables,
    summary_pdf,
    table_csv,
    whole_percent,
)
from iro_desk.files import atomic_write_bytes, atomic_write_text
from iro_desk.settings import Settings, load_settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.errors import show_error
from iro_desk.ui.theme import is_dark
from iro_desk.workdays import working_days

# The sort/raw value of a cell, for code that wants numbers rather than the shown text.
RAW_ROLE = Qt.ItemDataRole.UserRole + 1

# Which tables each tab shows, and the chart after them.
TABS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("&Participation", ("participation", "took_part"), "participation"),
    ("&Timeliness", ("timeliness", "timeliness_trend"), "timeliness"),
    ("&Visits", ("pre_review_contact",), None),
    ("C&hallenges", ("challenges", "challenges_by_level", "challenges_by_theme"), None),
    ("Pape&rwork and permanence", ("paperwork", "permanence"), None),
)

# Told apart by pattern and line style as well as colour (nothing by colour alone).
BAR_PATTERNS = (
    Qt.BrushStyle.SolidPattern,
    Qt.BrushStyle.BDiagPattern,
    Qt.BrushStyle.Dense4Pattern,
    Qt.BrushStyle.CrossPattern,
    Qt.BrushStyle.FDiagPattern,
)
LINE_STYLES = (
    Qt.PenStyle.SolidLine,
    Qt.PenStyle.DashLine,
    Qt.PenStyle.DotLine,
    Qt.PenStyle.DashDotLine,
    Qt.PenStyle.DashDotDotLine,
)

RECOUNT_PAUSE_MS = 400


class ReportTableModel(QAbstractTableModel):
    """One report table, read-only: the shown text, the raw value (``RAW_ROLE``), alignment."""

    def __init__(self, table: ReportTable | None = None, parent: QObject | None = None) -> None:
        """Show ``table`` (or nothing until ``set_table``)."""
        super().__init__(parent)
        self._table = table

    @property
    def table(self) -> ReportTable | None:
        """The table shown."""
        return self._table

    def set_table(self, table: ReportTable | None) -> None:
        """Show another table (the figures were counted again)."""
        self.beginResetModel()
        self._table = table
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Rows of the table (none under a parent: it is flat)."""
        if parent.isValid() or self._table is None:
            return 0
        return len(self._table.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Columns of the table."""
        if parent.isValid() or self._table is None:
            return 0
        return len(self._table.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """The cell's text, raw value, alignment or tooltip."""
        table = self._table
        if table is None or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return table.text(row, column)
        if role == RAW_ROLE:
            return table.rows[row][column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if table.kind(row, column) == "text":
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and table.kind(row, column) == "text":
            return table.text(row, column)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        """Column names across the top; no row numbers."""
        if (
            self._table is None
            or orientation != Qt.Orientation.Horizontal
            or role != Qt.ItemDataRole.DisplayRole
            or not 0 <= section < len(self._table.columns)
        ):
            return None
        return self._table.columns[section]

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        """Cells can be selected (and copied), not edited."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class TableSection(QGroupBox):
    """A titled table with its note and an "Export CSV…" button."""

    export_requested = Signal(str)

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        """An empty section for the report table ``key``."""
        super().__init__(parent)
        self.key = key
        self.model = ReportTableModel(parent=self)
        self.view = QTableView()
        # Named now (while the figures are counted), then by the table's title.
        self.view.setAccessibleName(f"{key.replace('_', ' ').capitalize()} (counting…)")
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # The view is sized to its whole table; the tab's scroll area scrolls, not the view.
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(False)
        self.view.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.export_button = QPushButton("Export CS&V…")
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self.key))
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(buttons)

    def show_table(self, table: ReportTable) -> None:
        """Show a newly counted table and size the view to its rows."""
        self.setTitle(table.title)
        self.model.set_table(table)
        self.view.setAccessibleName(table.title)
        self.export_button.setAccessibleName(f"Export {table.title} as CSV")
        self.note.setText(table.note)
        self.note.setVisible(bool(table.note))
        header = self.view.horizontalHeader()
        for column, kind in enumerate(table.kinds):
            if kind == "text":
                self.view.setColumnWidth(column, max(60, min(380, self._text_width(column))))
            else:
                self.view.resizeColumnToContents(column)
        self.view.resizeRowsToContents()
        frame = 2 * self.view.frameWidth()
        height = header.sizeHint().height() + frame
        height += sum(self.view.rowHeight(row) for row in range(self.model.rowCount()))
        self.view.setFixedSize(header.length() + frame, height)

    def _text_width(self, column: int) -> int:
        metrics = self.view.fontMetrics()
        table = self.model.table
        assert table is not None
        texts = [table.columns[column]] + [
            table.text(row, column) for row in range(len(table.rows))
        ]
        return max(metrics.horizontalAdvance(text) for text in texts) + 24


@dataclass(frozen=True)
class _Request:
    number: int
    period: Period
    iro_id: uuid.UUID | None
    years_back: int
    today: dt.date


class _CountSignals(QObject):
    """Lives in the GUI thread; the worker emits on it, so the slots run in the GUI thread."""

    done = Signal(int, object)
    failed = Signal(int, object)


def _count(
    store: CaseloadStore, settings: Settings, request: _Request, signals: _CountSignals
) -> None:
    """Count the figures in a worker thread, with its own caseload session."""
    try:
        with store.session() as session:
            figures = compute_figures(
                session,
                start=request.period.start,
                end=request.period.end,
                settings=settings,
                iro_id=request.iro_id,
                years_back=request.years_back,
                today=request.today,
            )
    except Exception as exc:  # handed to the GUI thread, which shows it or logs it
        signals.failed.emit(request.number, exc)
    else:
        signals.done.emit(request.number, figures)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def _file_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


class FiguresWindow(QWidget):
    """The annual-report figures for a period: tables, charts, CSV and a PDF summary.

    ``figures_ready`` is emitted each time a count finishes and the tables show it.
    """

    figures_ready = Signal()

    def __init__(
        self,
        store: CaseloadStore,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        years_back: int = 2,
        parent: QWidget | None = None,
    ) -> None:
        """Show the figures of ``store``, counting the last reporting year straight away."""
        super().__init__(parent)
        self.store = store
        self.clock = clock or Clock()
        self.years_back = years_back
        with store.session() as session:
            self.settings = settings or load_settings(session)
            try:
                self.my_iro: uuid.UUID | None = my_iro_id(session, self.settings)
            except IroDeskError:
                self.my_iro = None
        # Build the bank holiday table here: importing a module for the first time in a worker
        # thread while the GUI thread runs can abort PySide6 6.12 (its import hook is not
        # thread-safe), and ``holidays`` imports its country modules on first use.
        working_days(self.settings.nation)
        self.figures: Figures | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="figures")
        self._signals = _CountSignals(self)
        self._signals.done.connect(self._counted)
        self._signals.failed.connect(self._failed)
        self._running: set[int] = set()
        self._asked = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RECOUNT_PAUSE_MS)
        self._timer.timeout.connect(self.recount)
        self.setWindowTitle("Figures")
        self.setAccessibleName("Figures")
        self._build()
        self.show_last_reporting_year()

    # -- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        today = self.clock.today()
        period = default_period(today)
        self.from_edit = self._date_edit("Period from", period.start)
        self.to_edit = self._date_edit("Period to", period.end)
        from_label = QLabel("&From")
        from_label.setBuddy(self.from_edit)
        to_label = QLabel("&To")
        to_label.setBuddy(self.to_edit)
        for label in (from_label, to_label):
            label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            label.setMinimumWidth(label.sizeHint().width() + 4)
        self.last_year_button = QPushButton("&Last reporting year")
        self.last_year_button.setAccessibleName("Last reporting year, 1 April to 31 March")
        self.last_year_button.setToolTip("The last complete 1 April to 31 March (Ctrl+L)")
        self.last_year_button.clicked.connect(self.show_last_reporting_year)
        self.scope = QComboBox()
        self.scope.setAccessibleName("Whose figures")
        self.scope.addItem("My caseload", "mine")
        self.scope.addItem("Whole file", "all")
        if self.my_iro is None:
            self.scope.model().item(0).setEnabled(False)  # type: ignore[attr-defined]
            self.scope.setToolTip("No IRO in this caseload is marked as you.")
            self.scope.setCurrentIndex(1)
        scope_label = QLabel("&Whose")
        scope_label.setBuddy(self.scope)
        self.scope.currentIndexChanged.connect(lambda _index: self.recount())
        self.pdf_button = QPushButton("Save &PDF summary…")
        self.pdf_button.setAccessibleName("Save the figures as a PDF summary")
        self.pdf_button.clicked.connect(self.save_pdf)
        self.pdf_button.setEnabled(False)
        bar = QHBoxLayout()
        for widget in (from_label, self.from_edit, to_label, self.to_edit, self.last_year_button,
                       scope_label, self.scope):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.pdf_button)
        self.status = QLabel()
        self.status.setAccessibleName("Figures status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        self.sections: dict[str, TableSection] = {}
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Figures tables")
        self.participation_chart = self._chart_view("Participation by year, bar chart")
        self.timeliness_chart = self._chart_view("Reviews in timescale by year, line chart")
        charts = {
            "participation": self.participation_chart,
            "timeliness": self.timeliness_chart,
        }
        for title, keys, chart in TABS:
            page = QWidget()
            column = QVBoxLayout(page)
            for key in keys:
                section = TableSection(key)
                section.export_requested.connect(self.export_csv)
                self.sections[key] = section
                column.addWidget(section)
            if chart is not None:
                column.addWidget(charts[chart])
            column.addStretch(1)
            scroll = QScrollArea()
            scroll.setAccessibleName(title.replace("&", ""))
            scroll.setWidgetResizable(True)
            scroll.setWidget(page)
            self.tabs.addTab(scroll, title)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        QShortcut(QKeySequence("Ctrl+R"), self, activated=self.recount)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=self.show_last_reporting_year)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.save_pdf)
        self.resize(1180, 820)

    def _date_edit(self, name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        edit.setAccessibleName(name)
        edit.dateChanged.connect(lambda _day: self._timer.start())
        return edit

    def _chart_view(self, name: str) -> QChartView:
        view = QChartView()
        view.setAccessibleName(name)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(360)
        return view

    # -- counting --------------------------------------------------------------------------------

    @property
    def period(self) -> Period:
        """The period the dates show."""
        return Period(_pydate(self.from_edit.date()), _pydate(self.to_edit.date()))

    @property
    def iro_id(self) -> uuid.UUID | None:
        """The IRO whose caseload is counted, or None for the whole file."""
        return self.my_iro if self.scope.currentData() == "mine" else None

    @property
    def is_counting(self) -> bool:
        """True while a count is running or waiting to start."""
        return bool(self._running) or self._timer.isActive()

    def show_last_reporting_year(self) -> None:
        """Put the last complete reporting year in the dates and count it."""
        period = default_period(self.clock.today())
        for edit, day in ((self.from_edit, period.start), (self.to_edit, period.end)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)
        self.recount()

    def recount(self) -> None:
        """Count the figures for the dates and scope shown (in a worker thread)."""
        self._timer.stop()
        period = self.period
        if period.end < period.start:
            self.status.setText("The period ends before it starts: change From or To.")
            return
        self._asked += 1
        request = _Request(self._asked, period, self.iro_id, self.years_back, self.clock.today())
        self._running.add(request.number)
        self.status.setText(f"Counting {period.label}…")
        self._executor.submit(_count, self.store, self.settings, request, self._signals)

    def _counted(self, number: int, figures: Figures) -> None:
        self._running.discard(number)
        if number != self._asked:
            return  # an older count finished after a newer one was asked for
        self.show_figures(figures)

    def _failed(self, number: int, error: BaseException) -> None:
        self._running.discard(number)
        if number != self._asked:
            return
        self.status.setText("The figures could not be counted.")
        if isinstance(error, IroDeskError):
            show_error(self, str(error))
        else:
            raise error

    def show_figures(self, figures: Figures) -> None:
        """Show counted figures in every table and chart."""
        self.figures = figures
        for table in report_tables(figures):
            section = self.sections.get(table.key)
            if section is not None:
                section.show_table(table)
        self._draw_participation(figures)
        self._draw_timeliness(figures)
        self.pdf_button.setEnabled(True)
        self.status.setText(
            f"{figures.scope}, {figures.period.label}: {figures.reviews_held:,} reviews held, "
            f"{figures.challenges.raised:,} challenges raised."
        )
        self.figures_ready.emit()

    # -- charts ----------------------------------------------------------------------------------

    @staticmethod
    def _clear_chart(view: QChartView, title: str) -> QChart:
        """The view's own chart, emptied for new series (one chart per view, never replaced)."""
        chart = view.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
            axis.deleteLater()
        chart.setTitle(title)
        chart.setTheme(
            QChart.ChartTheme.ChartThemeDark if is_dark() else QChart.ChartTheme.ChartThemeLight
        )
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        return chart

    def _percent_axis(self) -> QValueAxis:
        axis = QValueAxis()
        axis.setRange(0, 100)
        axis.setTickCount(6)
        axis.setLabelFormat("%d%%")
        return axis

    def _draw_participation(self, figures: Figures) -> None:
        table = figures.participation
        chart = self._clear_chart(
            self.participation_chart, "How children took part: % of child in care reviews, by year"
        )
        series = QBarSeries()
        for index, period in enumerate(table.periods):
            bars = QBarSet(period.label)
            bars.append(
                [
                    float(whole_percent(Ratio(row.counts[index], table.totals[index]).exact or 0))
                    for row in table.rows
                ]
            )
            series.append(bars)
        chart.addSeries(series)
        for index, bars in enumerate(series.barSets()):
            brush = QBrush(bars.color(), BAR_PATTERNS[index % len(BAR_PATTERNS)])
            bars.setBrush(brush)
            bars.setBorderColor(bars.color().darker(150))
            bars.setLabelColor(self.palette().text().color())
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value%")
        series.setLabelsPrecision(3)
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
        categories = QBarCategoryAxis()
        categories.append([row.code for row in table.rows])
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        values = self._percent_axis()
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(values)

    def _draw_timeliness(self, figures: Figures) -> None:
        chart = self._clear_chart(self.timeliness_chart, "Reviews held in timescale, % by year")
        # Legend markers drawn like the lines (with their dash style), not by colour alone.
        chart.legend().setMarkerShape(QLegend.MarkerShape.MarkerShapeFromSeries)
        labels = [year.period.label for year in figures.timeliness]
        current = figures.current_timeliness
        lines = []
        for index, row in enumerate((*current.rows, current.total)):
            series = QLineSeries()
            series.setName(row.label)
            for position, year in enumerate(figures.timeliness):
                found = {r.kind: r for r in (*year.rows, year.total)}.get(row.kind)
                if found is not None and found.all.percent is not None:
                    series.append(float(position), found.all.percent)
            chart.addSeries(series)  # the theme gives it its colour
            pen = QPen(series.pen())
            pen.setWidth(4 if row.kind == "all" else 2)
            pen.setStyle(LINE_STYLES[index % len(LINE_STYLES)])
            series.setPen(pen)
            series.setPointsVisible(True)
            series.setPointLabelsVisible(row.kind == "all")
            series.setPointLabelsFormat("@yPoint%")
            series.setPointLabelsClipping(False)
            series.setPointLabelsColor(self.palette().text().color())
            lines.append(series)
        years = QBarCategoryAxis()
        years.append(labels)
        chart.addAxis(years, Qt.AlignmentFlag.AlignBottom)
        values = self._percent_axis()
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        for series in lines:
            series.attachAxis(years)
            series.attachAxis(values)

    # -- files -----------------------------------------------------------------------------------

    def _ask_save(self, title: str, suggested: str, pattern: str) -> Path | None:
        name, _filter = QFileDialog.getSaveFileName(
            self, title, str(Path.home() / suggested), pattern
        )
        return Path(name) if name else None

    def export_csv(self, key: str) -> None:
        """Ask where, then write one table as CSV (atomically)."""
        section = self.sections[key]
        table = section.model.table
        if table is None or self.figures is None:
            return
        suggested = f"{_file_stem(table.title)}.csv"
        if self.figures.period.label not in table.title:
            suggested = f"{key.replace('_', '-')}-{_file_stem(self.figures.period.label)}.csv"
        path = self._ask_save(f"Export {table.title}", suggested, "CSV files (*.csv)")
        if path is None:
            return
        try:
            atomic_write_text(path, table_csv(table), private=True)
        except OSError as exc:
            show_error(self, f"The table could not be saved to {path}: {exc.strerror or exc}.")
            return
        self.status.setText(f"Saved {table.title} to {path}.")

    def save_pdf(self) -> None:
        """Ask where, then write every table and both charts as one PDF (atomically)."""
        figures = self.figures
        if figures is None:
            return
        suggested = f"iro-figures-{_file_stem(figures.period.label)}.pdf"
        path = self._ask_save("Save PDF summary", suggested, "PDF files (*.pdf)")
        if path is None:
            return
        data = summary_pdf(
            figures, council=self.settings.council_name, made_on=self.clock.today()
        )
        try:
            atomic_write_bytes(path, data, private=True)
        except OSError as exc:
            show_error(self, f"The summary could not be saved to {path}: {exc.strerror or exc}.")
            return
        self.status.setText(f"Saved the PDF summary to {path}.")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Let a running count finish before the window goes."""
        self._timer.stop()
        self._executor.shutdown(wait=True)
        super().closeEvent(event)
