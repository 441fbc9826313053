"""The friendly symbols drawn beside the sections of a child's letter.

Each symbol is a small vector drawing (reportlab graphics) on a 100 x 100 grid: a light bulb
for "Why we met", people for "Who was there", a speech bubble for "What you told me", a star
for "What we decided", a calendar for "What happens next", a heart for "If you are not happy",
a smiling face for "About me", a shield for "What I do" and a phone for "How to get in touch".
They are drawn here, by IRO Desk, so there is no artwork licence to track.

``python -m iro_desk.letters.art`` writes SVG copies into resources/letter-art/ (used by the
letter editor and the docs); the PDFs use the drawings directly, so they stay sharp in print.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from pathlib import Path

from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Group,
    Line,
    Polygon,
    PolyLine,
    Rect,
    Wedge,
)
from reportlab.graphics.shapes import (
    Path as ShapePath,
)
from reportlab.lib.colors import Color, HexColor, white

from iro_desk.letters import resources_dir

INK = HexColor("#2B3A55")


def _heart_path(x: float, y: float, size: float, fill: Color) -> ShapePath:
    """A heart whose bounding box starts at (x, y) with width and height ``size``."""
    s = size / 80.0

    def p(px: float, py: float) -> tuple[float, float]:
        return x + (px - 10) * s, y + (py - 12) * s

    path = ShapePath(fillColor=fill, strokeColor=None)
    path.moveTo(*p(50, 12))
    path.curveTo(*p(50, 12), *p(10, 38), *p(10, 63))
    path.curveTo(*p(10, 80), *p(23, 92), *p(36, 92))
    path.curveTo(*p(44, 92), *p(50, 86), *p(50, 78))
    path.curveTo(*p(50, 86), *p(56, 92), *p(64, 92))
    path.curveTo(*p(77, 92), *p(90, 80), *p(90, 63))
    path.curveTo(*p(90, 38), *p(50, 12), *p(50, 12))
    path.closePath()
    return path


def lightbulb() -> Group:
    """An idea: why we met."""
    g = Group()
    for angle in range(0, 181, 45):
        rad = math.radians(angle)
        g.add(
            Line(
                50 + 36 * math.cos(rad), 62 + 36 * math.sin(rad),
                50 + 46 * math.cos(rad), 62 + 46 * math.sin(rad),
                strokeColor=HexColor("#F4A300"), strokeWidth=5, strokeLineCap=1,
            )
        )
    g.add(Circle(50, 62, 27, fillColor=HexColor("#FFD95A"), strokeColor=HexColor("#E0A800"),
                 strokeWidth=3))
    g.add(Polygon([36, 44, 64, 44, 60, 30, 40, 30], fillColor=HexColor("#FFD95A"),
                  strokeColor=None))
    g.add(Rect(38, 12, 24, 18, rx=4, ry=4, fillColor=HexColor("#8A94A6"), strokeColor=None))
    g.add(Line(39, 24, 61, 24, strokeColor=white, strokeWidth=2.5))
    g.add(Line(39, 18, 61, 18, strokeColor=white, strokeWidth=2.5))
    g.add(Circle(41, 70, 6, fillColor=white, strokeColor=None))
    return g


def people() -> Group:
    """Three people: who was there."""
    g = Group()
    figures = [
        (24, 0.85, HexColor("#2A9D8F")),
        (76, 0.85, HexColor("#457B9D")),
        (50, 1.0, HexColor("#E76F51")),
    ]
    for cx, scale, colour in figures:
        g.add(Wedge(cx, 12, 20 * scale, 0, 180, fillColor=colour, strokeColor=white,
                    strokeWidth=2))
        g.add(Circle(cx, 12 + 34 * scale, 13 * scale, fillColor=colour, strokeColor=white,
                     strokeWidth=2))
    return g


def speech() -> Group:
    """A speech bubble: what you told me."""
    g = Group()
    colour = HexColor("#4FA3D9")
    g.add(Polygon([26, 36, 16, 10, 46, 36], fillColor=colour, strokeColor=None))
    g.add(Rect(8, 30, 84, 58, rx=18, ry=18, fillColor=colour, strokeColor=None))
    for cx in (32, 50, 68):
        g.add(Circle(cx, 59, 6.5, fillColor=white, strokeColor=None))
    return g


def star() -> Group:
    """A star: what we decided."""
    points: list[float] = []
    for i in range(10):
        radius = 44 if i % 2 == 0 else 19
        angle = math.radians(90 + i * 36)
        points += [50 + radius * math.cos(angle), 48 + radius * math.sin(angle)]
    g = Group()
    g.add(Polygon(points, fillColor=HexColor("#FFC83D"), strokeColor=HexColor("#E29B00"),
                  strokeWidth=3, strokeLineJoin=1))
    g.add(Circle(42, 56, 4, fillColor=white, strokeColor=None))
    return g


def calendar() -> Group:
    """A calendar page with a day ringed: what happens next."""
    g = Group()
    g.add(Rect(10, 8, 80, 78, rx=8, ry=8, fillColor=white, strokeColor=INK, strokeWidth=3))
    g.add(Rect(10, 64, 80, 22, rx=8, ry=8, fillColor=HexColor("#E05A47"), strokeColor=INK,
               strokeWidth=3))
    g.add(Rect(11.5, 64, 77, 8, fillColor=HexColor("#E05A47"), strokeColor=None))
    g.add(Line(10, 64, 90, 64, strokeColor=INK, strokeWidth=3))
    for cx in (32, 68):
        g.add(Rect(cx - 3.5, 78, 7, 16, rx=3.5, ry=3.5, fillColor=INK, strokeColor=None))
    for row in range(3):
        for col in range(4):
            x, y = 20 + col * 17, 46 - row * 15
            g.add(Rect(x, y, 9, 8, rx=2, ry=2, fillColor=HexColor("#C9D3E3"), strokeColor=None))
    g.add(Circle(58.5, 35, 10, fillColor=None, strokeColor=HexColor("#2A9D8F"), strokeWidth=3.5))
    return g


def heart() -> Group:
    """A heart: if you are not happy, people care."""
    g = Group()
    g.add(_heart_path(10, 10, 80, HexColor("#E64B6B")))
    g.add(Circle(33, 66, 6, fillColor=white, strokeColor=None, fillOpacity=0.8))
    return g


def smile() -> Group:
    """A smiling face: about me."""
    g = Group()
    g.add(Circle(50, 50, 42, fillColor=HexColor("#FFD166"), strokeColor=HexColor("#E9A700"),
                 strokeWidth=3))
    g.add(Circle(36, 60, 5.5, fillColor=INK, strokeColor=None))
    g.add(Circle(64, 60, 5.5, fillColor=INK, strokeColor=None))
    mouth = ShapePath(strokeColor=INK, strokeWidth=5, fillColor=None, strokeLineCap=1)
    mouth.moveTo(30, 40)
    mouth.curveTo(40, 24, 60, 24, 70, 40)
    g.add(mouth)
    g.add(Circle(26, 44, 6, fillColor=HexColor("#F4978E"), strokeColor=None))
    g.add(Circle(74, 44, 6, fillColor=HexColor("#F4978E"), strokeColor=None))
    return g


def shield() -> Group:
    """A shield with a tick: what I do (checking things are done)."""
    g = Group()
    body = ShapePath(fillColor=HexColor("#43AA8B"), strokeColor=HexColor("#2E7D66"),
                     strokeWidth=3)
    body.moveTo(50, 92)
    body.lineTo(86, 80)
    body.lineTo(86, 52)
    body.curveTo(86, 30, 70, 16, 50, 8)
    body.curveTo(30, 16, 14, 30, 14, 52)
    body.lineTo(14, 80)
    body.closePath()
    g.add(body)
    g.add(PolyLine([32, 50, 45, 37, 69, 64], strokeColor=white, strokeWidth=8,
                   strokeLineCap=1, strokeLineJoin=1))
    return g


def phone() -> Group:
    """A phone with a heart on the screen: how to get in touch."""
    g = Group()
    g.add(Rect(26, 6, 48, 88, rx=9, ry=9, fillColor=HexColor("#3D5A80"), strokeColor=None))
    g.add(Rect(31, 20, 38, 62, rx=3, ry=3, fillColor=HexColor("#E0F1FF"), strokeColor=None))
    g.add(Circle(50, 13, 3.5, fillColor=white, strokeColor=None))
    g.add(_heart_path(37, 38, 26, HexColor("#E64B6B")))
    return g


SYMBOLS: dict[str, Callable[[], Group]] = {
    "lightbulb": lightbulb,
    "people": people,
    "speech": speech,
    "star": star,
    "calendar": calendar,
    "heart": heart,
    "smile": smile,
    "shield": shield,
    "phone": phone,
}


def symbol_drawing(name: str, size: float) -> Drawing:
    """The symbol ``name`` as a drawing ``size`` points square.

    Raises:
        KeyError: no symbol has that name.
    """
    group = SYMBOLS[name]()
    group.scale(size / 100.0, size / 100.0)
    drawing = Drawing(size, size)
    drawing.add(group)
    return drawing


def art_dir() -> Path:
    """resources/letter-art/, where the SVG copies live."""
    return resources_dir() / "letter-art"


def _without_clip(svg: str) -> str:
    """reportlab clips the drawing to its box with an SVG clipPath, which Qt's SVG renderer
    draws as a black square; the symbols never leave their box, so the clip is dropped."""
    svg = re.sub(r"\s*<clipPath id=\"clip\">.*?</clipPath>", "", svg, flags=re.DOTALL)
    return svg.replace(' style="clip-path: url(#clip)"', "")


def write_svgs(folder: Path | None = None) -> list[Path]:
    """Write every symbol as an SVG file (96 px square) into ``folder``."""
    from reportlab.graphics import renderSVG

    from iro_desk.files import atomic_write_text

    target = Path(folder) if folder is not None else art_dir()
    written = []
    for name in SYMBOLS:
        text = _without_clip(renderSVG.drawToString(symbol_drawing(name, 96)))
        written.append(atomic_write_text(target / f"{name}.svg", text))
        (target / f"{name}.svg").chmod(0o644)
    return written


if __name__ == "__main__":
    for path in write_svgs(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(path)
