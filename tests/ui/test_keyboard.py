"""Every action is reachable by keyboard: walk the main window's menus as the app builds them.

The menus are walked generically (whatever ``create_main_window`` puts in the menu bar), so a
new menu or action is checked as soon as it is added: each needs a mnemonic (``&``) unique in
its menu, a text a screen reader can read, and a keyboard route (a shortcut, or the mnemonics
of its menus); no two actions may answer the same shortcut.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from iro_desk.clock import FixedClock
from iro_desk.demo import build_demo
from iro_desk.store import CaseloadStore
from iro_desk.ui.app import create_main_window
from iro_desk.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)

# Shortcuts scoped to one widget (e.g. Delete in a list) may repeat on another widget.
_WIDGET_SCOPED = (Qt.ShortcutContext.WidgetShortcut, Qt.ShortcutContext.WidgetWithChildrenShortcut)


def mnemonic(text: str) -> str | None:
    """The mnemonic letter of a Qt text ("&File" -> "f"); "&&" is a literal ampersand."""
    index = 0
    while index < len(text) - 1:
        if text[index] == "&":
            following = text[index + 1]
            if following != "&" and not following.isspace():
                return following.casefold()
            index += 2
            continue
        index += 1
    return None


def plain(text: str) -> str:
    """What a screen reader says for a menu text: the ampersands gone, "&&" kept as one."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


@dataclass(frozen=True)
class MenuEntry:
    """One action in a menu, with the menus leading to it ("File › Export")."""

    action: QAction
    path: tuple[str, ...]
    keyboard_menus: bool  # every menu on the way opens by its mnemonic

    @property
    def where(self) -> str:
        return " › ".join((*self.path, plain(self.action.text()) or "<no text>"))


def visible_actions(menu: QMenu) -> list[QAction]:
    """The menu's entries as the IRO sees them (filled in first, as on opening)."""
    menu.aboutToShow.emit()  # menus that fill themselves when opened (e.g. recent files)
    return [a for a in menu.actions() if a.isVisible() and not a.isSeparator()]


def walk(menu: QMenu, path: tuple[str, ...], keyboard_menus: bool) -> Iterator[MenuEntry]:
    """Every action in ``menu`` and its submenus."""
    for action in visible_actions(menu):
        yield MenuEntry(action, path, keyboard_menus)
        submenu = action.menu()
        if isinstance(submenu, QMenu):
            yield from walk(
                submenu,
                (*path, plain(action.text())),
                keyboard_menus and mnemonic(action.text()) is not None,
            )


def top_menus(window: MainWindow) -> list[QAction]:
    """The menu bar's menus, in order."""
    return [a for a in window.menuBar().actions() if a.isVisible() and not a.isSeparator()]


def all_entries(window: MainWindow) -> list[MenuEntry]:
    entries: list[MenuEntry] = []
    for top in top_menus(window):
        menu = top.menu()
        assert isinstance(menu, QMenu), f"{plain(top.text())} in the menu bar is not a menu"
        entries.extend(walk(menu, (plain(top.text()),), mnemonic(top.text()) is not None))
    return entries


def duplicated_mnemonics(actions: list[QAction]) -> dict[str, list[str]]:
    """Mnemonic letters used by more than one of ``actions``, with the texts using them."""
    by_letter: dict[str, list[str]] = defaultdict(list)
    for action in actions:
        letter = mnemonic(action.text())
        if letter is not None:
            by_letter[letter].append(plain(action.text()))
    return {letter: texts for letter, texts in by_letter.items() if len(texts) > 1}


def shortcut_texts(action: QAction) -> list[str]:
    return [
        key.toString(QKeySequence.SequenceFormat.PortableText)
        for key in action.shortcuts()
        if not key.isEmpty()
    ]


def described(action: QAction) -> str:
    return plain(action.text()) or action.objectName() or repr(action)


@pytest.fixture
def window(qtbot: QtBot, store: CaseloadStore, tmp_path: Path) -> Iterator[MainWindow]:
    """The main window exactly as the app builds it, on a small demo caseload."""
    build_demo(store, children=6, years=1, seed=1, today=TODAY)
    state = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
    shown = create_main_window(store, clock=FixedClock(TODAY), state=state)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    qtbot.waitUntil(lambda: not shown.reading, timeout=20000)
    yield shown


def test_the_menu_bar_has_menus_each_with_its_own_mnemonic(window: MainWindow) -> None:
    menus = top_menus(window)
    assert menus, "the main window has no menus"
    without = [plain(a.text()) or "<no text>" for a in menus if mnemonic(a.text()) is None]
    assert without == [], f"menus without an & mnemonic (Alt+letter): {without}"
    assert duplicated_mnemonics(menus) == {}, "two menus answer the same Alt+letter"


def test_every_menu_action_has_a_text_and_a_mnemonic_unique_in_its_menu(
    window: MainWindow,
) -> None:
    entries = all_entries(window)
    assert entries, "the menus hold no actions"
    no_text = [entry.where for entry in entries if not plain(entry.action.text())]
    assert no_text == [], f"actions with nothing for a screen reader to say: {no_text}"
    no_mnemonic = [entry.where for entry in entries if mnemonic(entry.action.text()) is None]
    assert no_mnemonic == [], f"menu actions without an & mnemonic: {no_mnemonic}"

    clashes: dict[str, dict[str, list[str]]] = {}
    menus: dict[str, list[QAction]] = defaultdict(list)
    for entry in entries:
        menus[" › ".join(entry.path)].append(entry.action)
    for where, actions in menus.items():
        duplicates = duplicated_mnemonics(actions)
        if duplicates:
            clashes[where] = duplicates
    assert clashes == {}, f"mnemonics used twice in one menu: {clashes}"


def test_every_menu_action_has_a_keyboard_route(window: MainWindow) -> None:
    unreachable = [
        entry.where
        for entry in all_entries(window)
        if not shortcut_texts(entry.action)
        and not (entry.keyboard_menus and mnemonic(entry.action.text()) is not None)
    ]
    assert unreachable == [], f"actions with neither a shortcut nor a mnemonic route: {unreachable}"


def test_no_two_actions_share_a_shortcut(window: MainWindow) -> None:
    actions = {id(entry.action): entry.action for entry in all_entries(window)}
    actions.update({id(action): action for action in window.findChildren(QAction)})
    users: dict[str, list[QAction]] = defaultdict(list)
    for action in actions.values():
        for key in shortcut_texts(action):
            users[key].append(action)
    clashes = {
        key: sorted(described(action) for action in sharing)
        for key, sharing in users.items()
        if len(sharing) > 1
        and not all(action.shortcutContext() in _WIDGET_SCOPED for action in sharing)
    }
    assert clashes == {}, f"shortcuts given to more than one action: {clashes}"


def test_each_menu_opens_with_alt_and_its_mnemonic(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    for top in top_menus(window):
        menu = top.menu()
        letter = mnemonic(top.text())
        assert isinstance(menu, QMenu) and letter is not None
        key = QKeySequence(letter.upper())[0].key()
        qtbot.keyClick(window, key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(menu.isVisible, timeout=2000)
        qtbot.keyClick(menu, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda menu=menu: not menu.isVisible(), timeout=2000)
        # Escape leaves the menu bar highlighted; a second one gives the window the keys back.
        if window.menuBar().activeAction() is not None:
            qtbot.keyClick(window.menuBar(), Qt.Key.Key_Escape)
