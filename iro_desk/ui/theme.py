"""How statuses look: a symbol and words for each, and colours readable on light and dark palettes.

Nothing is shown by colour alone: every status has a symbol and a word, and the colour only
adds to them. Colours are picked for the palette in use (the desktop's light or dark theme), so
red text stays readable on a dark window. Also finds the app's resources (icons) whether it runs
from a source checkout or from a PyInstaller bundle.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette

from iro_desk.paths import resource_path


@dataclass(frozen=True)
class StatusStyle:
    """How one status is shown."""

    symbol: str
    text: str
    light: str
    dark: str
    light_background: str
    dark_background: str
    bold: bool = False

    @property
    def label(self) -> str:
        """Symbol and words, e.g. '⚠ Overdue'."""
        return f"{self.symbol} {self.text}"


# Keys are the statuses of iro_desk.schedule's due items, plus "done" (held, visited) and ""
# (nothing due). Foreground colours reach at least 4.5:1 contrast (WCAG AA) on a white window
# (light) and on a #2b2b2b window (dark).
STATUS_STYLES: dict[str, StatusStyle] = {
    "overdue": StatusStyle("⚠", "Overdue", "#b3261e", "#ff8a80", "#fde7e5", "#5c1f1b", bold=True),
    "due_soon": StatusStyle("◔", "Due soon", "#8a4b00", "#ffc266", "#fff1dc", "#4d3510"),
    "scheduled": StatusStyle("✓", "Booked", "#1e6b2e", "#8fdc9b", "#e3f4e6", "#1d3d23"),
    "upcoming": StatusStyle("○", "Upcoming", "#44546a", "#b8c4d6", "#eef1f6", "#2e3644"),
    "done": StatusStyle("●", "Done", "#5a5a5a", "#c8c8c8", "#ececec", "#3a3a3a"),
    "": StatusStyle("–", "No review due", "#5a5a5a", "#c8c8c8", "#ececec", "#3a3a3a"),
}

# How urgent a status is, most urgent first: sorting the Status column by this puts overdue
# children at the top.
STATUS_URGENCY: dict[str, int] = {"overdue": 0, "due_soon": 1, "scheduled": 2, "upcoming": 3}


def status_style(status: str) -> StatusStyle:
    """The style of a status; an unknown status is shown by its own name, never hidden."""
    found = STATUS_STYLES.get(status)
    if found is not None:
        return found
    return StatusStyle("•", status.replace("_", " ").capitalize(), "#5a5a5a", "#c8c8c8",
                       "#ececec", "#3a3a3a")


def status_label(status: str) -> str:
    """Symbol and words for a status: '⚠ Overdue'."""
    return status_style(status).label


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette's window is darker than its text (a dark desktop theme)."""
    palette = palette or QGuiApplication.palette()
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    return window.lightnessF() < text.lightnessF()


def status_colour(status: str, palette: QPalette | None = None) -> QColor:
    """Text colour for a status on the given (or the application's) palette."""
    style = status_style(status)
    return QColor(style.dark if is_dark(palette) else style.light)


def status_background(status: str, palette: QPalette | None = None) -> QColor:
    """A soft background for a status (calendar cells, badges) on the given palette."""
    style = status_style(status)
    return QColor(style.dark_background if is_dark(palette) else style.light_background)


def app_icon() -> QIcon:
    """The IRO Desk icon (SVG, with PNG renders for sizes where they exist)."""
    icon = QIcon()
    icons = resource_path("icons")
    for size in (16, 32, 48, 64, 128, 256):
        png = icons / f"iro-desk-{size}.png"
        if png.exists():
            icon.addFile(str(png))
    svg = icons / "iro-desk.svg"
    if svg.exists():
        icon.addFile(str(svg))
    return icon
