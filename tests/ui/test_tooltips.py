"""Item views' tooltips show record text as written, never as markup."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QHelpEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QListView, QToolTip
from pytestqt.qtbot import QtBot

from iro_desk.ui.app import configure_application
from iro_desk.ui.tooltips import PlainItemTooltips

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("<b>Bold?</b>", "&lt;b&gt;Bold?&lt;/b&gt;", id="markup stays text"),
        pytest.param("Plain words", "Plain words", id="plain text as it is"),
    ],
)
def test_an_item_tooltip_is_shown_as_plain_text(qtbot: QtBot, text: str, shown: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    configure_application(app)
    assert len(app.findChildren(PlainItemTooltips)) == 1
    configure_application(app)
    assert len(app.findChildren(PlainItemTooltips)) == 1, "installed once"
    model = QStandardItemModel()
    item = QStandardItem("A decision")
    item.setData(text, Qt.ItemDataRole.ToolTipRole)
    model.appendRow(item)
    view = QListView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    pos = view.visualRect(model.index(0, 0)).center()
    event = QHelpEvent(QHelpEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    assert shown in QToolTip.text()
    empty = QHelpEvent(QHelpEvent.Type.ToolTip, QPoint(1, 500), QPoint(1, 500))
    QApplication.sendEvent(view.viewport(), empty)
    qtbot.waitUntil(lambda: not QToolTip.isVisible())
