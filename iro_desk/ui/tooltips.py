"""Tooltips of lists and tables show record text exactly as written.

Qt guesses whether a tooltip is rich text, so a decision or a name holding ``<b>`` would be
drawn as markup. Rather than escape in every model, one application-wide event filter shows
item views' tooltips as plain text (``install_plain_item_tooltips``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QToolTip

from iro_desk.ui.errors import as_plain_text


class PlainItemTooltips(QObject):
    """Shows the tooltip of the item under the mouse in any item view as plain text."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Handle tooltip events on item views' viewports; everything else passes on."""
        if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
            return False
        view = watched.parent()
        if not isinstance(view, QAbstractItemView) or watched is not view.viewport():
            return False
        index = view.indexAt(event.pos())
        text = index.data(Qt.ItemDataRole.ToolTipRole) if index.isValid() else None
        if not isinstance(text, str) or not text:
            QToolTip.hideText()
            event.ignore()
            return True
        QToolTip.showText(event.globalPos(), as_plain_text(text), view.viewport())
        return True


def install_plain_item_tooltips(app: QApplication) -> PlainItemTooltips:
    """Install the filter on ``app`` (once); kept alive as the app's child."""
    existing = app.findChild(PlainItemTooltips)
    if existing is not None:
        return existing
    tooltips = PlainItemTooltips(app)
    app.installEventFilter(tooltips)
    return tooltips
