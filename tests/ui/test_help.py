"""Help: the rules page comes from the rules themselves; shortcuts come from the actions."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction, QKeySequence
from pytestqt.qtbot import QtBot

from iro_desk.rules import describe_rules
from iro_desk.settings import Settings
from iro_desk.ui.help_window import HelpDialog

pytestmark = pytest.mark.gui


def _dialog(qtbot: QtBot, settings: Settings, page: str = "guide") -> HelpDialog:
    action = QAction("&Open caseload…")
    action.setShortcut(QKeySequence("Ctrl+O"))
    dialog = HelpDialog(settings=settings, actions=[action], caseload="/tmp/demo.irodesk",
                        page=page)
    qtbot.addWidget(dialog)
    return dialog


def test_the_rules_page_says_what_the_rules_module_computes(qtbot: QtBot) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings, page="rules")
    text = dialog.browsers["rules"].toPlainText()
    for kind, description, source in describe_rules(settings):
        assert kind in text
        assert description in text
        assert source in text
    assert dialog.tabs.currentWidget() is dialog.browsers["rules"]


def test_the_rules_page_follows_local_settings(qtbot: QtBot) -> None:
    settings = Settings(private_fostering_interval_months=4, target_weeks_before_deadline=8,
                        nation="WLS")
    dialog = _dialog(qtbot, settings, page="rules")
    text = dialog.browsers["rules"].toPlainText()
    assert "then within 4 months of the previous one" in text
    assert "booked 8 weeks before the deadline" in text
    assert "bank holiday in Wales" in text


def test_shortcuts_and_about(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings())
    assert "Open caseload" in dialog.browsers["shortcuts"].toPlainText()
    assert "Ctrl+O" in dialog.browsers["shortcuts"].toPlainText()
    about = dialog.browsers["about"].toPlainText()
    assert "MIT" in about and "/tmp/demo.irodesk" in about
    assert "The calendar" in dialog.browsers["guide"].toPlainText()


def test_the_shortcuts_page_lists_a_childs_record_too(qtbot: QtBot) -> None:
    from iro_desk.ui.child_record import RECORD_ACTIONS

    dialog = _dialog(qtbot, Settings())
    text = dialog.browsers["shortcuts"].toPlainText()
    record = text[text.index("In a child's record"):]
    assert "Book a review" in record and "Ctrl+B" in record
    assert "Mark as sent" in record and "Ctrl+Shift+T" in record
    # Every action of the record window is listed, from the table the window is built from.
    for spec in RECORD_ACTIONS:
        assert spec.text.replace("&", "").rstrip("…") in record, spec.name
