"""The letter editor: the IRO reads, checks and edits a child's letter, previews it and saves it.

Every part of the letter (greeting, each section, signing off) is an editable text box. Beside
the text the Checks tab lists the care jargon found ("placement", "contact"...), each with a
button that puts the suggested words in place of that one occurrence, the reading level against
the child's age, and anything missing (no phone number, a question without an answer). Nothing
is changed unless the IRO clicks. Preview renders the PDF exactly as it will be saved (QtPdf);
Save letter makes it (``iro_desk.letters.service.save_letter``).

The reading level is worked out off the GUI thread: textstat takes about two seconds to load.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QIcon, QKeySequence, QShortcut, QTextCursor
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from iro_desk.clock import Clock
from iro_desk.letters import resources_dir
from iro_desk.letters.compose import (
    AGE_BANDS,
    LetterDraft,
    LetterOptions,
    compose_intro_letter,
    compose_review_letter,
)
from iro_desk.letters.language import (
    LanguageFlag,
    ReadingLevel,
    apply_suggestion,
    readable_text,
    reading_level,
)
from iro_desk.letters.pdf import render_letter_pdf
from iro_desk.letters.service import MadeLetter, jargon_flags, letter_notes, save_letter
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore
from iro_desk.ui.errors import ask_yes_no, guarded

RECHECK_DELAY_MS = 400


def _utf16_offset(text: str, index: int) -> int:
    """A Python string index as a Qt text position (Qt counts UTF-16 code units)."""
    return len(text[:index].encode("utf-16-le")) // 2


class _ReadingSignals(QObject):
    done = Signal(int, object)


class _ReadingJob(QRunnable):
    """Works out the reading level off the GUI thread."""

    def __init__(self, generation: int, text: str, age_band: str, child_age: int | None) -> None:
        super().__init__()
        self.generation = generation
        self.text = text
        self.age_band = age_band
        self.child_age = child_age
        self.signals = _ReadingSignals()

    def run(self) -> None:
        level = reading_level(self.text, age_band=self.age_band, child_age=self.child_age)
        self.signals.done.emit(self.generation, level)


@dataclass(frozen=True)
class _Part:
    key: str
    label: str
    editor: QPlainTextEdit


class FlagRow(QFrame):
    """One jargon word found: where, what to say instead, and the button that does it."""

    def __init__(self, part_label: str, flag: LanguageFlag, parent: QWidget | None = None) -> None:
        """Show ``flag`` found in the part called ``part_label``."""
        super().__init__(parent)
        self.flag = flag
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        text = f"“{flag.found}” in {part_label}: children prefer “{flag.suggestion}”."
        if flag.note:
            text += f"\n{flag.note}"
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.button = QPushButton(flag.button_text)
        self.button.setAccessibleName(
            f"Use '{flag.suggestion}' instead of '{flag.found}' in {part_label}"
        )
        self.button.setToolTip(f"Replace this “{flag.found}” with “{flag.suggestion}”")
        self.button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.label)
        layout.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignLeft)


class LetterEditor(QWidget):
    """Edit, check, preview and save one child's letter.

    Give ``review_id`` for a review letter, or ``child_id`` alone for an introduction letter.
    """

    letterSaved = Signal(str, str)  # letter id, path of the PDF

    def __init__(
        self,
        store: CaseloadStore,
        settings: Settings,
        clock: Clock,
        *,
        review_id: uuid.UUID | None = None,
        child_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Compose the letter from the records and show it for editing."""
        super().__init__(parent)
        if review_id is None and child_id is None:
            raise ValueError("LetterEditor needs a review_id or a child_id")
        self.store = store
        self.settings = settings
        self.clock = clock
        self.review_id = review_id
        self.child_id = child_id
        self.parts: dict[str, _Part] = {}
        self.flag_rows: list[FlagRow] = []
        self.last_saved: MadeLetter | None = None
        self._edited = False
        self._generation = 0
        self._pool = QThreadPool(self)
        self._pdf_buffer: QBuffer | None = None
        self._pdf_bytes = QByteArray()

        self.draft = self._compose(None)
        self.setWindowTitle(f"Letter for {self.draft.child_name}")
        self.setAccessibleName(f"Letter editor for {self.draft.child_name}")
        self._build()
        self._fill_parts()
        self._recheck_timer = QTimer(self)
        self._recheck_timer.setSingleShot(True)
        self._recheck_timer.setInterval(RECHECK_DELAY_MS)
        self._recheck_timer.timeout.connect(self.recheck)
        self.recheck()

    # -- building -----------------------------------------------------------------------------

    def _compose(self, options: LetterOptions | None) -> LetterDraft:
        with self.store.session() as session:
            if self.review_id is not None:
                return compose_review_letter(
                    session, self.review_id, today=self.clock.today(), settings=self.settings,
                    options=options,
                )
            assert self.child_id is not None
            return compose_intro_letter(
                session, self.child_id, today=self.clock.today(), settings=self.settings,
                options=options,
            )

    def _build(self) -> None:
        options = self.draft.options
        self.age_band = QComboBox()
        self.age_band.setAccessibleName("Age band")
        for key, label in AGE_BANDS.items():
            self.age_band.addItem(label, key)
        self.age_band.setCurrentIndex(self.age_band.findData(options.age_band))
        self.age_band.activated.connect(self._age_band_chosen)
        band_label = QLabel("&Age band:")
        band_label.setBuddy(self.age_band)

        self.large_print = QCheckBox("Lar&ge print")
        self.large_print.setAccessibleName("Large print")
        self.large_print.setChecked(options.large_print)
        self.large_print.toggled.connect(self._layout_changed)
        self.dyslexia = QCheckBox("&Dyslexia-friendly")
        self.dyslexia.setAccessibleName("Dyslexia-friendly layout")
        self.dyslexia.setToolTip("Plain sans-serif font, cream page, left-aligned, wide spacing")
        self.dyslexia.setChecked(options.dyslexia)
        self.dyslexia.toggled.connect(self._layout_changed)

        self.preview_button = QPushButton("&Preview")
        self.preview_button.setAccessibleName("Preview the letter")
        self.preview_button.setToolTip("Show the PDF as it will be made (Ctrl+Shift+P)")
        self.preview_button.clicked.connect(lambda: guarded(self, self.preview))
        self.save_button = QPushButton("&Save letter")
        self.save_button.setAccessibleName("Save letter")
        self.save_button.setToolTip("Make the PDF and keep the letter with the review (Ctrl+S)")
        self.save_button.clicked.connect(lambda: guarded(self, self.save))
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save_button.click)
        QShortcut(QKeySequence("Ctrl+Shift+P"), self, activated=self.preview_button.click)

        top = QHBoxLayout()
        top.addWidget(band_label)
        top.addWidget(self.age_band)
        top.addWidget(self.large_print)
        top.addWidget(self.dyslexia)
        top.addStretch(1)
        top.addWidget(self.preview_button)
        top.addWidget(self.save_button)

        self.parts_box = QWidget()
        self.parts_layout = QVBoxLayout(self.parts_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.parts_box)
        scroll.setAccessibleName("The letter's text")
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(360)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Checks and preview")
        self.tabs.addTab(self._build_checks(), "&Checks")
        self.pdf_document = QPdfDocument(self)
        self.pdf_view = QPdfView()
        self.pdf_view.setAccessibleName("Letter preview")
        self.pdf_view.setDocument(self.pdf_document)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.tabs.addTab(self.pdf_view, "P&review")

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 540])

        self.status = QLabel("")
        self.status.setAccessibleName("Status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self.resize(1100, 760)

    def _build_checks(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        self.reading_label = QLabel("Reading level: working it out…")
        self.reading_label.setWordWrap(True)
        self.reading_label.setAccessibleName("Reading level")
        self.notes_label = QLabel("")
        self.notes_label.setWordWrap(True)
        self.notes_label.setAccessibleName("Things to check")
        self.notes_label.setTextFormat(Qt.TextFormat.PlainText)
        self.flags_heading = QLabel("")
        self.flags_heading.setWordWrap(True)
        flags_box = QWidget()
        self.flags_layout = QVBoxLayout(flags_box)
        self.flags_layout.addStretch(1)
        flags_scroll = QScrollArea()
        flags_scroll.setWidgetResizable(True)
        flags_scroll.setWidget(flags_box)
        flags_scroll.setAccessibleName("Words to change")
        layout.addWidget(self.reading_label)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.flags_heading)
        layout.addWidget(flags_scroll, 1)
        return box

    def _fill_parts(self) -> None:
        while self.parts_layout.count():
            item = self.parts_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.parts.clear()
        symbols = {section.key: section.symbol for section in self.draft.sections}
        for key, label, text in self.draft.editable_texts():
            heading = QHBoxLayout()
            icon = self._symbol_icon(symbols.get(key, ""))
            if icon is not None:
                picture = QLabel()
                picture.setPixmap(icon.pixmap(24, 24))
                picture.setAccessibleName(f"Symbol for {label}")
                heading.addWidget(picture)
            title = QLabel(f"<b>{label}</b>")
            heading.addWidget(title)
            heading.addStretch(1)
            editor = QPlainTextEdit(text)
            editor.setAccessibleName(f"Text of {label}")
            editor.setTabChangesFocus(True)
            title.setBuddy(editor)
            editor.textChanged.connect(self._text_changed)
            editor.textChanged.connect(lambda e=editor: self._fit_height(e))
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 4, 0, 4)
            holder_layout.addLayout(heading)
            holder_layout.addWidget(editor)
            self.parts_layout.addWidget(holder)
            self.parts[key] = _Part(key=key, label=label, editor=editor)
            self._fit_height(editor)
        self.parts_layout.addStretch(1)

    @staticmethod
    def _symbol_icon(symbol: str) -> QIcon | None:
        if not symbol:
            return None
        path = resources_dir() / "letter-art" / f"{symbol}.svg"
        icon = QIcon(str(path)) if path.exists() else QIcon()
        return None if icon.isNull() else icon

    @staticmethod
    def _fit_height(editor: QPlainTextEdit) -> None:
        """Tall enough for the text (about 70 characters a line), so little scrolling is needed."""
        text = editor.toPlainText()
        lines = sum(max(1, -(-len(block) // 70)) for block in text.split("\n")) + 1
        spacing = editor.fontMetrics().lineSpacing()
        editor.setMinimumHeight(min(max(lines, 2) * spacing + 14, 440))

    # -- the letter as edited -----------------------------------------------------------------

    def options(self) -> LetterOptions:
        """The options chosen in the top bar."""
        return LetterOptions(
            age_band=str(self.age_band.currentData()),
            large_print=self.large_print.isChecked(),
            dyslexia=self.dyslexia.isChecked(),
        )

    def current_draft(self) -> LetterDraft:
        """The letter with every edit and option applied."""
        draft = self.draft.with_options(self.options())
        for part in self.parts.values():
            draft = draft.with_text(part.key, part.editor.toPlainText())
        return draft

    def text_of(self, key: str) -> str:
        """The text in one part's box ("why", "told", "greeting"...)."""
        return self.parts[key].editor.toPlainText()

    # -- checks -------------------------------------------------------------------------------

    def _text_changed(self) -> None:
        self._edited = True
        self._recheck_timer.start()

    def recheck(self) -> None:
        """Look again for jargon (now) and the reading level (off the GUI thread)."""
        self._recheck_timer.stop()
        draft = self.current_draft()
        with self.store.session() as session:
            notes = letter_notes(draft, session=session)
        self._show_flags(
            [(key, flag) for key, found in jargon_flags(draft).items() for flag in found]
        )
        self.notes_label.setText("\n".join(f"• {note}" for note in notes))
        self._start_reading_level(draft)

    def _show_flags(self, flags: list[tuple[str, LanguageFlag]]) -> None:
        for row in self.flag_rows:
            self.flags_layout.removeWidget(row)
            row.deleteLater()
        self.flag_rows = []
        count = len(flags)
        self.flags_heading.setText(
            "No care jargon found." if not count
            else f"{count} word{'s' if count != 1 else ''} children have asked us not to use:"
        )
        for key, flag in flags:
            row = FlagRow(self.parts[key].label, flag)
            row.button.clicked.connect(
                lambda _checked=False, k=key, f=flag: self._use_clicked(k, f)
            )
            self.flags_layout.insertWidget(self.flags_layout.count() - 1, row)
            self.flag_rows.append(row)

    def _use_clicked(self, key: str, flag: LanguageFlag) -> None:
        guarded(self, lambda: self.use_suggestion(key, flag))

    def use_suggestion(self, key: str, flag: LanguageFlag) -> None:
        """Put the suggested words in place of one flagged word (undoable with Ctrl+Z)."""
        editor = self.parts[key].editor
        text = editor.toPlainText()
        apply_suggestion(text, flag)  # refuses when the text moved on since the check
        cursor = QTextCursor(editor.document())
        cursor.setPosition(_utf16_offset(text, flag.start))
        cursor.setPosition(_utf16_offset(text, flag.end), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(flag.suggestion)
        self.status.setText(
            f"Changed “{flag.found}” to “{flag.suggestion}” in {self.parts[key].label}."
        )
        self.recheck()

    def _start_reading_level(self, draft: LetterDraft) -> None:
        self._generation += 1
        text = readable_text(section.text for section in draft.sections)
        job = _ReadingJob(self._generation, text, draft.options.age_band, draft.child_age)
        job.signals.done.connect(self._reading_level_ready)
        self._pool.start(job)

    def _reading_level_ready(self, generation: int, level: ReadingLevel) -> None:
        if generation != self._generation:
            return
        self.reading = level
        text = level.describe(self.draft.child_name)
        if level.too_hard:
            self.reading_label.setText(f"<b>⚠ Too hard to read.</b> {_escape(text)}")
        else:
            self.reading_label.setText(f"✓ {_escape(text)}")

    # -- options ------------------------------------------------------------------------------

    def _age_band_chosen(self, _index: int) -> None:
        band = str(self.age_band.currentData())
        if band == self.draft.options.age_band:
            return
        if self._edited and not ask_yes_no(
            self,
            "Changing the age band rewrites the letter in words for that age, and your edits "
            "will be lost. Rewrite the letter?",
        ):
            self.age_band.setCurrentIndex(self.age_band.findData(self.draft.options.age_band))
            return
        self.draft = self._compose(self.options())
        self._fill_parts()
        self._edited = False
        self.recheck()
        self._refresh_preview_if_shown()

    def _layout_changed(self, _checked: bool) -> None:
        self._refresh_preview_if_shown()

    def _refresh_preview_if_shown(self) -> None:
        if self.tabs.currentWidget() is self.pdf_view:
            guarded(self, self.preview)

    # -- preview and save ---------------------------------------------------------------------

    def preview(self) -> None:
        """Render the PDF as it will be made and show it in the Preview tab."""
        pdf = render_letter_pdf(self.current_draft())
        self.pdf_document.close()
        if self._pdf_buffer is not None:
            self._pdf_buffer.close()
        self._pdf_bytes = QByteArray(pdf)
        self._pdf_buffer = QBuffer(self._pdf_bytes, self)
        self._pdf_buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf_document.load(self._pdf_buffer)
        self.tabs.setCurrentWidget(self.pdf_view)
        self.status.setText("Preview: this is the letter as it will be made.")

    def save(self) -> MadeLetter:
        """Make the letter: the PDF in the letters folder and the letter kept with the review."""
        made = save_letter(
            self.store, self.current_draft(), clock=self.clock, settings=self.settings
        )
        self.last_saved = made
        self._edited = False
        self.status.setText(f"Letter saved: {made.path}")
        self.letterSaved.emit(str(made.letter_id), str(made.path))
        return made

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Let a reading-level job finish before the widget goes."""
        self._recheck_timer.stop()
        self._pool.waitForDone()
        super().closeEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["FlagRow", "LetterEditor"]
