"""Laying out a child's letter as a PDF with reportlab.

A4, fonts embedded (shipped in resources/fonts: Andika, made for children learning to read, for
letters to children under 13; DejaVu Sans, a plain Verdana-like sans-serif, for young people
and for the dyslexia-friendly layout), the council's name and logo, the IRO's photo and profile
box, a symbol beside each section for younger children, page numbers, and the PDF's title,
author, subject and language (en-GB) set.

Every piece of text from the records is escaped before it reaches reportlab's paragraph markup,
so a child's "<3", "O'Brien & Co" or "<script>" prints exactly as typed. Characters Andika
lacks (emoji, some symbols) fall back to DejaVu Sans.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from iro_desk.errors import IroDeskError
from iro_desk.letters import resources_dir
from iro_desk.letters.art import symbol_drawing
from iro_desk.letters.compose import IroProfile, LetterDraft, Section, day_month_year

LANGUAGE = "en-GB"

# (family, file per style: normal, bold, italic, bold italic)
FONT_FILES: dict[str, tuple[str, str, str, str]] = {
    "Andika": (
        "Andika-Regular.ttf",
        "Andika-Bold.ttf",
        "Andika-Italic.ttf",
        "Andika-BoldItalic.ttf",
    ),
    "DejaVuSans": (
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
    ),
}
FALLBACK_FONT = "DejaVuSans"

TEXT = colors.HexColor("#1F2A37")
MUTED = colors.HexColor("#4B5563")
CREAM = colors.HexColor("#FBF3DC")

# Control characters and unpaired UTF-16 surrogates: nothing to print, and a surrogate cannot
# even be written into the PDF's metadata.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def plain(text: str) -> str:
    """``text`` without the characters a PDF cannot hold, for its metadata and footer."""
    return _CONTROL.sub("", text)


@dataclass(frozen=True)
class Look:
    """Everything about the layout that depends on the age band and options."""

    font: str
    size: float
    leading: float
    space: float
    heading_size: float
    title_size: float
    symbol_size: float
    accent: colors.Color
    tint: colors.Color
    quote_tint: colors.Color
    background: colors.Color | None
    italic_quotes: bool


def look_for(draft: LetterDraft) -> Look:
    """The layout for the draft's age band, large print and dyslexia-friendly options."""
    options = draft.options
    band = options.age_band
    font = "DejaVuSans" if options.dyslexia or band == "13plus" else "Andika"
    size = {"under8": 15.0, "under4": 13.0, "8to12": 12.0, "13plus": 11.0}[band]
    if options.large_print:
        size = max(size + 4, 18.0)
    # Dyslexia-friendly: line spacing of 1.5 and more space between paragraphs (British
    # Dyslexia Association style guide); otherwise a comfortable 1.35.
    leading = size * (1.55 if options.dyslexia else 1.35)
    space = size * (1.0 if options.dyslexia else 0.55)
    symbol = {"under8": 1.5 * cm, "under4": 1.3 * cm, "8to12": 1.1 * cm, "13plus": 0.0}[band]
    accent, tint = {
        "under8": ("#1D6F8C", "#E6F4F8"),
        "under4": ("#6B4C9A", "#F1ECF8"),
        "8to12": ("#1D6F8C", "#E6F4F8"),
        "13plus": ("#24566E", "#EAF1F4"),
    }[band]
    return Look(
        font=font,
        size=size,
        leading=leading,
        space=space,
        heading_size=size * (1.3 if band in ("under8", "under4") else 1.22),
        title_size=size * (1.55 if band == "under8" else 1.45),
        symbol_size=symbol if not options.large_print else symbol * 1.15,
        accent=colors.HexColor(accent),
        tint=colors.HexColor(tint),
        quote_tint=colors.HexColor("#FFF4D6" if not options.dyslexia else "#F3E6C4"),
        background=CREAM if options.dyslexia else None,
        italic_quotes=not options.dyslexia,
    )


@lru_cache(maxsize=1)
def register_fonts() -> tuple[str, ...]:
    """Register the shipped fonts with reportlab (once); returns the family names.

    Raises:
        IroDeskError: a font file is missing from resources/fonts.
    """
    folder = resources_dir() / "fonts"
    for family, files in FONT_FILES.items():
        names = [family, f"{family}-Bold", f"{family}-Italic", f"{family}-BoldItalic"]
        for name, file_name in zip(names, files, strict=True):
            path = folder / file_name
            if not path.exists():
                raise IroDeskError(f"The letter font {path} is missing; reinstall IRO Desk.")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(
            family, normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3]
        )
    return tuple(FONT_FILES)


@lru_cache(maxsize=4)
def _glyphs(font_name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(font_name)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


def unprintable_characters(text: str) -> list[str]:
    """Characters in ``text`` that no letter font can draw (they would print as boxes)."""
    register_fonts()
    known = _glyphs("Andika") | _glyphs(FALLBACK_FONT)
    return sorted(
        {char for char in _CONTROL.sub("", text) if not char.isspace() and ord(char) not in known}
    )


def markup(text: str, font: str) -> str:
    """``text`` as safe reportlab paragraph markup: escaped, with missing glyphs from DejaVu."""
    text = _CONTROL.sub("", text)
    primary = _glyphs(font)
    fallback = _glyphs(FALLBACK_FONT)
    out: list[str] = []
    for char in text:
        escaped = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(char, char)
        code = ord(char)
        if code in primary or char.isspace() or code not in fallback:
            out.append(escaped)
        else:
            out.append(f'<font name="{FALLBACK_FONT}">{escaped}</font>')
    return "".join(out).replace("</font><font name=\"DejaVuSans\">", "")


def _style(name: str, look: Look, **extra: Any) -> ParagraphStyle:
    base: dict[str, Any] = {
        "fontName": look.font,
        "fontSize": look.size,
        "leading": look.leading,
        "textColor": TEXT,
        "alignment": TA_LEFT,
        "spaceAfter": look.space,
    }
    base.update(extra)
    return ParagraphStyle(name, **base)


class Portrait(Flowable):
    """The IRO's photo cropped into a circle, or their initials when there is no photo."""

    def __init__(self, iro: IroProfile, size: float, colour: colors.Color, font: str) -> None:
        """Draw ``iro``'s photo (or initials) ``size`` points across."""
        super().__init__()
        self.iro = iro
        self.size = size
        self.colour = colour
        self.font = font
        self.image = _image_reader(iro.photo)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """A square ``size`` across."""
        return self.size, self.size

    def draw(self) -> None:
        """Clip the photo to a circle, with a ring around it."""
        c = self.canv
        r = self.size / 2
        c.saveState()
        if self.image is not None:
            width, height = self.image.getSize()
            scale = self.size / min(width, height)
            w, h = width * scale, height * scale
            path = c.beginPath()
            path.circle(r, r, r)
            c.clipPath(path, stroke=0, fill=0)
            c.drawImage(self.image, r - w / 2, r - h / 2, w, h, mask="auto")
        else:
            c.setFillColor(self.colour)
            c.circle(r, r, r, stroke=0, fill=1)
            initials = "".join(part[0] for part in plain(self.iro.name).split()[:2]).upper() or "?"
            c.setFillColor(colors.white)
            c.setFont(f"{self.font}-Bold", self.size * 0.36)
            c.drawCentredString(r, r - self.size * 0.13, initials)
        c.restoreState()
        c.saveState()
        c.setStrokeColor(colors.white)
        c.setLineWidth(3)
        c.circle(r, r, r - 1.5, stroke=1, fill=0)
        c.restoreState()


def _image_reader(data: bytes | None) -> ImageReader | None:
    if not data:
        return None
    try:
        reader = ImageReader(io.BytesIO(data))
        reader.getSize()
    except Exception:  # noqa: BLE001 - any unreadable picture is shown as initials instead
        return None
    return reader


def image_is_readable(data: bytes | None) -> bool:
    """True when ``data`` is a picture reportlab can print (PNG or JPEG)."""
    return _image_reader(data) is not None


def _logo(data: bytes | None, max_width: float, max_height: float) -> Image | None:
    reader = _image_reader(data)
    if reader is None:
        return None
    width, height = reader.getSize()
    scale = min(max_width / width, max_height / height)
    assert data is not None
    return Image(io.BytesIO(data), width * scale, height * scale)


class _NumberedCanvas(rl_canvas.Canvas):
    """A canvas that writes "Page n of m" and the footer once the page count is known."""

    footer_text = ""
    footer_font = FALLBACK_FONT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        width, _height = self._pagesize
        self.saveState()
        self.setFont(self.footer_font, 9)
        self.setFillColor(MUTED)
        self.drawString(2 * cm, 1.1 * cm, self.footer_text)
        self.drawRightString(width - 2 * cm, 1.1 * cm, f"Page {self._pageNumber} of {total}")
        self.restoreState()


def _header(draft: LetterDraft, look: Look, width: float) -> list[Flowable]:
    council = draft.council_name.strip()
    left = [
        Paragraph(
            markup(council, look.font),
            _style("council", look, fontName=f"{look.font}-Bold", fontSize=look.size * 0.8,
                   leading=look.size, textColor=look.accent, spaceAfter=2),
        )
    ] if council else []
    left.append(
        Paragraph(
            markup(day_month_year(draft.letter_date), look.font),
            _style("date", look, fontSize=look.size * 0.75, leading=look.size * 0.95,
                   textColor=MUTED, spaceAfter=0),
        )
    )
    logo = _logo(draft.council_logo, 5 * cm, 1.8 * cm)
    right: Flowable = logo if logo is not None else Spacer(1, 1)
    table = Table([[left, right]], colWidths=[width * 0.62, width * 0.38])
    table.setStyle(
        TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), look.font),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ])
    )
    title = Paragraph(
        markup(draft.title, look.font),
        _style("title", look, fontName=f"{look.font}-Bold", fontSize=look.title_size,
               leading=look.title_size * 1.2, textColor=colors.white, spaceAfter=0),
    )
    if look.symbol_size:
        badge = symbol_drawing("star" if draft.kind == "review" else "smile", look.title_size * 1.6)
        badge.initialFontName = look.font
        banner = Table([[title, badge]], colWidths=[width - look.title_size * 2.6,
                                                  look.title_size * 2.6])
    else:
        banner = Table([[title]], colWidths=[width])
    banner.setStyle(
        TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), look.font),
            ("BACKGROUND", (0, 0), (-1, -1), look.accent),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (-1, 0), (-1, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 14),
            ("RIGHTPADDING", (0, 0), (-1, -1), 14),
            ("TOPPADDING", (0, 0), (-1, -1), 10),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 12),
            ("ROUNDEDCORNERS", [10, 10, 10, 10]),
        ])
    )
    return [table, Spacer(1, 0.35 * cm), banner, Spacer(1, 0.5 * cm)]


def _profile_box(draft: LetterDraft, look: Look, width: float) -> Flowable:
    iro = draft.iro
    band = draft.options.age_band
    photo_size = 3.2 * cm if band in ("under8", "under4") else 2.6 * cm
    small = look.size * 0.85
    parts: list[Flowable] = []
    label = {"under8": "This is me", "under4": "This was me"}.get(band)
    if label:
        parts.append(
            Paragraph(markup(label, look.font),
                      _style("me", look, fontSize=small, leading=small * 1.3,
                             textColor=look.accent, spaceAfter=1))
        )
    parts.append(
        Paragraph(
            markup(iro.name, look.font),
            _style("iro", look, fontName=f"{look.font}-Bold", fontSize=look.size * 1.1,
                   leading=look.size * 1.35, spaceAfter=1),
        )
    )
    role = iro.job_title + (f", {draft.council_name}" if draft.council_name else "")
    parts.append(
        Paragraph(markup(role, look.font),
                  _style("role", look, fontSize=small, leading=small * 1.3, textColor=MUTED,
                         spaceAfter=4))
    )
    if draft.kind == "review" and iro.profile_text.strip():
        parts.append(
            Paragraph(markup(iro.profile_text.strip(), look.font),
                      _style("about", look, fontSize=small, leading=small * 1.35, spaceAfter=4))
        )
    contact = [f"Phone: {n}" for n in (iro.phone, iro.mobile) if n.strip()]
    if iro.email.strip():
        contact.append(f"Email: {iro.email}")
    for line in contact:
        parts.append(
            Paragraph(markup(line, look.font),
                      _style("contact", look, fontSize=small, leading=small * 1.3, spaceAfter=0))
        )
    portrait = Portrait(iro, photo_size, look.accent, look.font)
    box = Table(
        [[portrait, parts]],
        colWidths=[photo_size + 0.6 * cm, width - photo_size - 0.6 * cm],
    )
    box.setStyle(
        TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), look.font),
            ("BACKGROUND", (0, 0), (-1, -1), look.tint),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 10),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ("ROUNDEDCORNERS", [12, 12, 12, 12]),
        ])
    )
    return KeepTogether([box, Spacer(1, look.space * 1.4)])


def _is_quote(line: str) -> bool:
    return len(line) >= 2 and line.startswith("“") and line.endswith("”")


def _body(text: str, look: Look) -> list[list[Flowable]]:
    """A section's text as blocks kept on one page: paragraphs, '- ' list items, and the
    child's quoted words, each lead-in line ("You asked me:") with what it leads into."""
    normal = _style("body", look)
    bullet = _style("bullet", look, leftIndent=look.size * 1.4, bulletIndent=look.size * 0.25,
                    bulletFontName=FALLBACK_FONT, bulletFontSize=look.size * 1.05,
                    bulletColor=look.accent, spaceAfter=look.space * 0.6)
    quote = _style(
        "quote", look,
        fontName=f"{look.font}-Italic" if look.italic_quotes else look.font,
        textColor=colors.HexColor("#3A2E12"),
        backColor=look.quote_tint,
        borderPadding=(look.size * 0.35, look.size * 0.6),
        borderRadius=look.size * 0.5,
        leftIndent=look.size * 1.0,
        rightIndent=look.size * 0.6,
        spaceBefore=look.size * 0.25,
        spaceAfter=look.space + look.size * 0.45,
    )
    lead_in = _style("lead_in", look, spaceBefore=look.space * 0.35, spaceAfter=look.space * 0.6)
    normal.spaceBefore = look.space * 0.35
    blocks: list[list[Flowable]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("- ", "• ")):
            item: Flowable = Paragraph(markup(line[2:].strip(), look.font), bullet,
                                       bulletText="•")
        elif _is_quote(line):
            item = Paragraph(markup(line, look.font), quote)
        else:
            # A line ending in ':' leads into what follows and is kept on the page with it.
            style = lead_in if line.endswith(":") else normal
            blocks.append([Paragraph(_answer_markup(line, look.font), style)])
            continue
        if blocks and len(blocks[-1]) < 3 and _leads_in(blocks[-1][0]):
            blocks[-1].append(item)
        else:
            blocks.append([item])
    return blocks


def _answer_markup(line: str, font: str) -> str:
    """'My answer:' in bold, so the child sees where the IRO's answer starts."""
    label = "My answer:"
    if line.startswith(label):
        return f"<b>{markup(label, font)}</b>{markup(line[len(label):], font)}"
    return markup(line, font)


def _leads_in(flowable: Flowable) -> bool:
    return isinstance(flowable, Paragraph) and flowable.style.name == "lead_in"


def _section(section: Section, look: Look, width: float) -> list[Flowable]:
    blocks = _body(section.text, look)
    if not blocks:
        return []
    body: list[Flowable] = [KeepTogether(block) if len(block) > 1 else block[0]
                            for block in blocks]
    if not section.heading:
        return body
    heading_style = _style(
        "heading", look, fontName=f"{look.font}-Bold", fontSize=look.heading_size,
        leading=look.heading_size * 1.2, textColor=look.accent, spaceAfter=0,
    )
    heading = Paragraph(markup(section.heading, look.font), heading_style)
    if look.symbol_size and section.symbol:
        symbol = symbol_drawing(section.symbol, look.symbol_size)
        symbol.initialFontName = look.font  # or reportlab names Helvetica (not embedded)
        row = Table([[symbol, heading]],
                    colWidths=[look.symbol_size + 0.35 * cm, width - look.symbol_size - 0.35 * cm])
        row.setStyle(
            TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), look.font),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ])
        )
        top: Flowable = row
    else:
        rule = Table([[heading]], colWidths=[width])
        rule.setStyle(
            TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), look.font),
                ("LINEBELOW", (0, 0), (-1, -1), 1.5, look.accent),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ])
        )
        top = rule
    return [
        Spacer(1, look.space * 0.8),
        KeepTogether([top, Spacer(1, look.space * 0.8), *blocks[0]]),
        *body[1:],
    ]


def _sign_off(draft: LetterDraft, look: Look) -> list[Flowable]:
    lines = [line.strip() for line in draft.sign_off.splitlines() if line.strip()]
    flowables: list[Flowable] = [Spacer(1, look.space)]
    for index, line in enumerate(lines):
        bold = index == len(lines) - 1 and len(lines) > 1
        flowables.append(
            Paragraph(markup(line, look.font),
                      _style("sign", look, fontName=f"{look.font}-Bold" if bold else look.font,
                             spaceAfter=2))
        )
    return flowables


def render_letter_pdf(draft: LetterDraft) -> bytes:
    """The letter as PDF bytes (A4, fonts embedded, metadata set)."""
    register_fonts()
    look = look_for(draft)
    buffer = io.BytesIO()
    left = right = 2.0 * cm
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=left,
        rightMargin=right,
        topMargin=1.6 * cm,
        bottomMargin=2.0 * cm,
        title=plain(f"A letter for {draft.child_name}: {draft.title}"),
        author=plain(draft.iro.name),
        subject="Review letter" if draft.kind == "review" else "Introduction letter",
        creator="IRO Desk",
        lang=LANGUAGE,
        displayDocTitle=True,
        initialFontName=look.font,
        initialFontSize=look.size,
    )
    width = doc.width
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def page_background(canvas: rl_canvas.Canvas, _doc: Any) -> None:
        if look.background is not None:
            canvas.saveState()
            canvas.setFillColor(look.background)
            canvas.rect(0, 0, A4[0], A4[1], stroke=0, fill=1)
            canvas.restoreState()

    doc.addPageTemplates([PageTemplate(id="letter", frames=[frame], onPage=page_background)])
    story: list[Flowable] = _header(draft, look, width)
    story.append(
        Paragraph(
            markup(draft.greeting, look.font),
            _style("greeting", look, fontName=f"{look.font}-Bold", fontSize=look.size * 1.15,
                   leading=look.size * 1.5),
        )
    )
    # The IRO's card follows the opening; in large print it is too tall to sit well there
    # (it would leave half a page empty), so it closes the letter instead.
    card_at_end = draft.options.large_print
    for section in draft.sections:
        story.extend(_section(section, look, width))
        if section.key == "opening" and not card_at_end:
            story.append(Spacer(1, look.space * 0.5))
            story.append(_profile_box(draft, look, width))
    # Never leave the signature alone on a page: keep it with the letter's last paragraph.
    last = [story.pop()] if len(story) > 1 else []
    story.append(KeepTogether([*last, *_sign_off(draft, look)]))
    if card_at_end:
        story.append(Spacer(1, look.space))
        story.append(_profile_box(draft, look, width))

    class _Canvas(_NumberedCanvas):
        footer_text = plain(f"A letter for {draft.child_name} from {draft.iro.name}")
        footer_font = look.font

    doc.build(story, canvasmaker=_Canvas)
    return buffer.getvalue()
